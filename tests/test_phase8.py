"""8-bit wrapped-phase images: the decoding of ../shared/real-backgrounds/README.md."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from insar_hf.products.interferogram import ProductError
from insar_hf.products.phase8 import decode_phase8, is_phase8_image, no_data_mask, read_phase8


def _noise(shape=(12, 12), seed=0) -> np.ndarray:
    # Levels 1..127 and 129..254 only, so no accidental no-data area.
    levels = np.r_[1:128, 129:255].astype(np.uint8)
    return np.random.default_rng(seed).choice(levels, size=shape)


def test_grey_levels_map_linearly_onto_one_fringe():
    grey = np.array([[0, 255, 128, 64]], dtype=np.uint8)
    phase = decode_phase8(grey)
    expected = np.array([[-math.pi, math.pi, 128 / 255 * 2 * math.pi - math.pi, 64 / 255 * 2 *
                          math.pi - math.pi]])  # fmt: skip
    np.testing.assert_allclose(phase, expected, atol=1e-6)


def test_constant_mid_grey_areas_are_no_data():
    grey = _noise()
    grey[3:7, 4:9] = 128
    mask = no_data_mask(grey)
    assert mask[3:7, 4:9].all() and np.count_nonzero(mask) == 20
    assert np.isnan(decode_phase8(grey)[3:7, 4:9]).all()


def test_a_lone_mid_grey_pixel_is_data():
    grey = _noise()
    grey[5, 5] = 128
    grey[5, 6:8] = 128  # a line of three: no pixel has all four neighbours at 128
    assert not no_data_mask(grey).any()


def test_frame_edges_of_grey_zero_are_no_data():
    grey = _noise()
    grey[:, :4] = 0
    phase = decode_phase8(grey)
    assert np.isnan(phase[:, :4]).all() and np.isfinite(phase[:, 4:]).all()


def test_rgb_with_three_equal_channels_reads_as_its_grey(tmp_path):
    grey = _noise(seed=1)
    Image.fromarray(np.stack([grey] * 3, axis=-1)).save(tmp_path / "rgb.png")
    Image.fromarray(grey).save(tmp_path / "grey.png")
    np.testing.assert_array_equal(
        read_phase8(tmp_path / "rgb.png"), read_phase8(tmp_path / "grey.png")
    )


def test_a_colour_image_is_not_phase(tmp_path):
    rgb = np.stack([_noise(seed=1), _noise(seed=2), _noise(seed=3)], axis=-1)
    Image.fromarray(rgb).save(tmp_path / "colour.png")
    assert not is_phase8_image(tmp_path / "colour.png")
    with pytest.raises(ProductError, match="RGB image with unequal channels is not an 8-bit"):
        read_phase8(tmp_path / "colour.png")


def test_an_8bit_tiff_is_phase_and_a_float_tiff_is_not(tmp_path):
    Image.fromarray(_noise()).save(tmp_path / "x.geo.diff_pha.tif")
    Image.fromarray(_noise().astype(np.float32)).save(tmp_path / "y.tif")
    assert is_phase8_image(tmp_path / "x.geo.diff_pha.tif")
    assert not is_phase8_image(tmp_path / "y.tif")
