"""Inputs too small, too empty or too flat to hold an interferogram are refused, saying why."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from real_fixtures import quiet_los_m, write_binary

from insar_hf.inference.inputs import (
    MIN_SIDE_PX,
    MIN_VALID_FRACTION,
    MIN_VALID_PIXELS,
    InputError,
    prepare_input,
)
from insar_hf.model.default import DEFAULT_MODEL_DIR
from insar_hf.render import render_interferogram

BUNDLED_MODEL = DEFAULT_MODEL_DIR  # the packaged default model


def prepare(x, kind=None):
    return prepare_input(x, kind=kind, units="rad", wavelength_m=None, size=224)


def fringes(shape):
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    return (0.01 * ((rows - shape[0] / 2) ** 2 + (cols - shape[1] / 2) ** 2)).astype(np.float32)


def test_the_documented_minimums():
    assert (MIN_SIDE_PX, MIN_VALID_PIXELS, MIN_VALID_FRACTION) == (16, 256, 0.1)


def test_a_one_pixel_png_is_refused_with_the_minimum(tmp_path):
    Image.new("RGB", (1, 1), (200, 30, 255)).save(tmp_path / "dot.png")
    with pytest.raises(InputError, match=r"1 x 1 pixels is too small .* minimum is 16 x 16"):
        prepare(tmp_path / "dot.png")


def test_an_array_narrower_than_a_patch_is_refused():
    with pytest.raises(InputError, match=r"15 x 400 pixels is too small"):
        prepare(fringes((15, 400)), kind="wrapped")


def test_an_array_of_the_minimum_side_is_accepted():
    assert prepare(fringes((16, 16)), kind="wrapped").image.size == (224, 224)


def test_a_constant_image_is_refused_as_no_signal():
    with pytest.raises(InputError, match="constant input holds no signal"):
        prepare(Image.new("RGB", (224, 224), (40, 200, 255)))


@pytest.mark.parametrize("kind", ["wrapped", "unwrapped"])
def test_a_constant_array_is_refused_as_no_signal(kind):
    with pytest.raises(InputError, match="constant input holds no signal"):
        prepare(np.full((64, 64), 1.5), kind=kind)


def test_a_single_valid_pixel_is_too_little_to_judge():
    field = np.full((64, 64), np.nan)
    field[10, 10] = 1.0
    with pytest.raises(InputError, match=r"only 1 of 4096 pixels \(0.0%\) hold data; too little"):
        prepare(field, kind="wrapped")


def test_a_small_valid_fraction_is_too_little_to_judge_even_with_many_pixels():
    field = np.full((300, 300), np.nan, dtype=np.float32)
    field[:25, :300] = fringes((25, 300))  # 7500 pixels, 8.3 %
    with pytest.raises(InputError, match=r"at least 256 pixels and 10% of the input must be valid"):
        prepare(field, kind="wrapped")


def test_a_valid_fraction_at_the_minimum_is_judged():
    field = np.full((100, 100), np.nan, dtype=np.float32)
    field[:10, :] = fringes((10, 100))  # exactly 1000 of 10000 pixels
    assert prepare(field, kind="wrapped").kind == "wrapped"


def test_an_all_black_image_holds_no_data():
    with pytest.raises(InputError, match=r"only 0 of 50176 pixels"):
        prepare(Image.new("RGB", (224, 224)))


def test_a_transparent_rgba_image_is_refused_with_what_to_do():
    rgba = render_interferogram(fringes((224, 224)), "wrapped").convert("RGBA")
    rgba.putpixel((5, 5), (0, 0, 0, 0))
    with pytest.raises(InputError, match=r"1 pixels are transparent .*convert\('RGB'\)"):
        prepare(rgba)


def test_an_opaque_rgba_image_is_its_rgb_image():
    rgb = render_interferogram(fringes((224, 224)), "wrapped")
    from_rgba = prepare(rgb.convert("RGBA")).image
    np.testing.assert_array_equal(np.asarray(from_rgba), np.asarray(prepare(rgb).image))


def test_a_palette_image_with_transparency_is_refused(tmp_path):
    image = render_interferogram(fringes((224, 224)), "wrapped").quantize(16)
    image.info["transparency"] = 0
    image.save(tmp_path / "p.png", transparency=0)
    with pytest.raises(InputError, match="transparent"):
        prepare(tmp_path / "p.png")


def test_a_product_with_too_little_data_is_refused(tmp_path):
    los = np.full((120, 120), np.nan, dtype=np.float32)
    los[:5, :] = quiet_los_m((5, 120), np.random.default_rng(0))
    par = write_binary(tmp_path, "20230120_20230213", los)
    with pytest.raises(InputError, match=r"20230120_20230213\.unw \(unwrapped phase\): only 600"):
        prepare(par.with_suffix(".unw"))


def test_an_array_of_text_is_refused_as_not_real_valued():
    with pytest.raises(InputError, match="must be real-valued phase or displacement; got dtype <U"):
        prepare(np.full((32, 32), "1.0"), kind="wrapped")


def test_detector_refuses_a_constant_array_and_the_cli_says_so_in_one_line(tmp_path, capsys):
    from insar_hf.cli import main
    from insar_hf.inference.detector import Detector

    with pytest.raises(InputError, match="no signal"):
        Detector.from_pretrained(BUNDLED_MODEL, device="cpu").predict(
            np.zeros((32, 32)), kind="wrapped"
        )
    Image.new("RGB", (1, 1), (200, 30, 255)).save(tmp_path / "dot.png")
    assert main(["predict", str(tmp_path / "dot.png"), "--model", str(BUNDLED_MODEL)]) == 2
    err = capsys.readouterr().err  # a progress bar of transformers may come before
    assert "Traceback" not in err and "minimum is 16 x 16" in err.splitlines()[-1]
