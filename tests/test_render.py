import math

import numpy as np
import pytest

from insar_hf.render import (
    IMAGE_SIZE,
    decode_wrapped_rad,
    render_array,
    render_interferogram,
    resample_field,
)


def _ramp(shape=(64, 80), cycles=3.0):
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    return (2 * math.pi * cycles * cols / shape[1] + 0.03 * rows).astype(np.float32)


@pytest.mark.parametrize("kind", ["wrapped", "unwrapped"])
def test_output_is_rgb_uint8_224(kind):
    image = render_interferogram(_ramp(), kind)
    assert image.mode == "RGB"
    assert image.size == (IMAGE_SIZE, IMAGE_SIZE)
    array = np.asarray(image)
    assert array.shape == (224, 224, 3) and array.dtype == np.uint8


def test_size_argument_sets_the_side():
    assert render_array(_ramp(), "wrapped", size=32).shape == (32, 32, 3)


@pytest.mark.parametrize("kind", ["wrapped", "unwrapped"])
def test_no_data_pixels_encode_as_black_and_valid_as_blue_255(kind):
    field = np.random.default_rng(0).normal(size=(224, 224))
    field[50:90, 10:30] = np.nan
    field[0, 0] = np.inf
    image = render_array(field, kind)
    hole = ~np.isfinite(field)
    assert (image[hole] == 0).all()
    assert (image[~hole, 2] == 255).all()


def test_wrapped_encoding_is_continuous_across_the_pi_cut():
    eps = 1e-4
    a = render_array(np.full((8, 8), math.pi - eps), "wrapped", size=8)
    b = render_array(np.full((8, 8), -math.pi + eps), "wrapped", size=8)
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_wrapped_phase_is_recovered_from_the_image():
    field = np.random.default_rng(1).uniform(-math.pi, math.pi, size=(224, 224))
    back = decode_wrapped_rad(render_array(field, "wrapped"))
    err = np.angle(np.exp(1j * (back - field)))
    assert np.abs(err).max() < 1 / 127.5


def test_constant_offset_only_rotates_the_wrapped_phasor():
    field = _ramp((224, 224))
    offset = 1.234
    base = decode_wrapped_rad(render_array(field, "wrapped"))
    shifted = decode_wrapped_rad(render_array(field + offset, "wrapped"))
    diff = np.angle(np.exp(1j * (shifted - base)))
    np.testing.assert_allclose(diff, offset, atol=2 / 127.5)


def test_wrapped_rendering_ignores_multiples_of_two_pi():
    field = _ramp((224, 224))
    a = render_array(field, "wrapped").astype(int)
    b = render_array(field + 4 * math.pi, "wrapped").astype(int)
    assert np.abs(a - b).max() <= 1  # float rounding of sin/cos only


def test_unwrapped_rendering_ignores_a_constant_offset():
    field = _ramp((224, 224), cycles=5)
    a = render_array(field, "unwrapped").astype(int)
    b = render_array(field + 100.0, "unwrapped").astype(int)
    assert np.abs(a - b).max() <= 1


def test_unwrapped_green_channel_is_tanh_of_median_removed_phase():
    field = np.zeros((224, 224))
    field[:, 150:] = 4 * math.pi  # median 0, a third of the image two fringes up
    image = render_array(field, "unwrapped")
    assert image[0, 0, 1] == round(255 * 0.5)
    assert image[0, 200, 1] == round(255 * (0.5 + 0.5 * math.tanh(1.0)))


@pytest.mark.parametrize("kind", ["wrapped", "unwrapped"])
@pytest.mark.parametrize("shape", [(500, 500), (37, 37), (300, 170)])
def test_resampling_a_constant_field_gives_that_constant(kind, shape):
    field = np.full(shape, 1.25)
    field[::7, ::5] = np.nan  # sparse holes must not bias the average
    out = resample_field(field, kind, size=64)
    assert np.isfinite(out).mean() > 0.7
    np.testing.assert_allclose(out[np.isfinite(out)], 1.25, atol=1e-12)


def test_wrapped_resampling_averages_phasors_not_angles():
    field = np.empty((448, 448))
    field[:, 0::2] = math.pi - 0.1
    field[:, 1::2] = -math.pi + 0.1  # the mean angle would be 0, the true phase is pi
    out = resample_field(field, "wrapped", size=224)
    np.testing.assert_allclose(np.abs(out), math.pi, atol=1e-9)


def test_area_average_of_a_two_by_two_block_is_its_mean():
    field = np.arange(16, dtype=float).reshape(4, 4)
    out = resample_field(field, "unwrapped", size=2)
    np.testing.assert_allclose(out, [[2.5, 4.5], [10.5, 12.5]])


def test_output_pixel_is_no_data_when_most_of_its_area_is():
    field = np.ones((4, 4))
    field[0, 0] = field[0, 1] = field[1, 0] = np.nan  # 3/4 of the top-left block
    out = resample_field(field, "unwrapped", size=2)
    assert np.isnan(out[0, 0]) and np.isfinite(out[1:, :]).all() and np.isfinite(out[0, 1])


def test_padding_keeps_a_non_square_field_undistorted():
    field = np.zeros((112, 224))
    image = render_array(field, "wrapped")
    assert (image[:56, :, 2] == 0).all() and (image[168:, :, 2] == 0).all()
    assert (image[56:168, :, 2] == 255).all()


def test_stretch_fills_the_whole_image():
    image = render_array(np.zeros((112, 224)), "wrapped", fit="stretch")
    assert (image[..., 2] == 255).all()


def test_kind_accepts_class_label_ids():
    field = _ramp()
    np.testing.assert_array_equal(render_array(field, 1), render_array(field, "unwrapped"))


def test_all_nan_input_raises_a_clear_error():
    with pytest.raises(ValueError, match="no valid \\(finite\\) pixel"):
        render_array(np.full((10, 10), np.nan), "wrapped")


@pytest.mark.parametrize("shape", [(10,), (2, 10, 10), ()])
def test_non_2d_input_raises(shape):
    with pytest.raises(ValueError, match="must be a 2-D"):
        render_array(np.zeros(shape), "wrapped")


def test_unknown_kind_raises():
    with pytest.raises(ValueError, match="kind must be 'wrapped' or 'unwrapped'"):
        render_array(np.zeros((4, 4)), "coherence")


def test_masked_pixels_of_a_masked_array_are_no_data():
    data = np.zeros((224, 224))
    mask = np.zeros((224, 224), bool)
    mask[10:20, 30:40] = True
    image = render_array(np.ma.MaskedArray(data, mask=mask), "wrapped")
    assert (image[mask] == 0).all() and (image[~mask, 2] == 255).all()


def test_complex_input_is_refused_with_a_hint():
    with pytest.raises(ValueError, match="np.angle"):
        render_array(np.ones((8, 8), complex), "wrapped")
