"""Oracles for the realism statistics (insar_hf.simulate.realism) and the law of the report."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf.simulate.realism import (
    fill_nearest,
    has_nuisance_fringe,
    lag_px,
    los_difference_rms_by_lag_m,
    los_difference_rms_m,
    los_from_unwrapped_m,
    los_span_m,
    los_spectral_slope,
    neighbour_phase_difference_rad,
    no_data_blobs,
)
from insar_hf.simulate.spectral import power_law_field
from insar_hf.simulate.turbulence import emardson_sigma_m


def _plane(gradient_row: float, gradient_col: float, shape=(64, 64)) -> np.ndarray:
    rows, cols = np.mgrid[: shape[0], : shape[1]].astype(np.float64)
    return gradient_row * rows + gradient_col * cols


@pytest.mark.parametrize("lag", [1, 5, 31])
def test_plane_with_equal_axis_gradients_has_rms_difference_gradient_times_lag(lag):
    assert los_difference_rms_m(_plane(0.003, -0.003), lag) == pytest.approx(0.003 * lag, rel=1e-12)


def test_plane_along_one_axis_pools_a_zero_and_a_full_difference():
    # square field: as many pairs along rows as along columns, so RMS = g * lag / sqrt(2)
    assert los_difference_rms_m(_plane(0.0, 0.002), 4) == pytest.approx(0.002 * 4 / math.sqrt(2))


def test_white_noise_has_rms_difference_sqrt2_std_at_every_lag():
    noise = np.random.default_rng(0).normal(0.0, 0.01, (400, 400))
    rms = los_difference_rms_by_lag_m(noise, 100.0)  # lags 1 ... 64 px
    np.testing.assert_allclose(rms, 0.01 * math.sqrt(2), rtol=0.02)


def test_nan_pairs_are_ignored_in_the_rms_difference():
    plane = _plane(0.001, 0.001)
    plane[10:20, 10:20] = np.nan
    assert los_difference_rms_m(plane, 3) == pytest.approx(0.003, rel=1e-12)


def test_lags_are_rounded_to_pixels_and_skipped_outside_1_px_to_half_the_window():
    assert lag_px(100.0, 60.0, 224) == 2  # 1.67 px
    assert lag_px(100.0, 200.0, 224) == 1  # 0.5 px rounds up
    assert lag_px(100.0, 250.0, 224) is None  # 0.4 px
    assert lag_px(6400.0, 50.0, 224) is None  # 128 px > 112
    rms = los_difference_rms_by_lag_m(_plane(0.001, 0.001, (224, 224)), 100.0)
    np.testing.assert_allclose(rms, [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064], rtol=1e-12)


def test_los_from_unwrapped_inverts_the_phase_convention():
    wavelength_m = 0.055466
    los = np.array([[0.01, -0.02], [np.nan, 0.0]])
    phase = -4.0 * math.pi / wavelength_m * los
    np.testing.assert_allclose(los_from_unwrapped_m(phase, wavelength_m), los, rtol=1e-12)


def test_percentile_span_of_a_ramp_is_its_98_percent_range():
    ramp = np.arange(101, dtype=np.float64).reshape(1, 101)  # 0 ... 100
    ramp = np.vstack([ramp, np.full((1, 101), np.nan)])
    assert los_span_m(ramp) == pytest.approx(98.0)


def test_nuisance_fringe_needs_a_span_of_half_a_wavelength():
    ramp = np.linspace(0.0, 1.0, 1001).reshape(1, 1001)  # span p1..p99 = 0.98
    assert has_nuisance_fringe(0.0301 * ramp / 0.98, 0.06)
    assert not has_nuisance_fringe(0.0299 * ramp / 0.98, 0.06)


def test_wrapped_plane_neighbour_difference_is_its_gradient_modulo_2pi():
    plane = _plane(0.2, 0.2 + 2.0 * math.pi)  # columns differ by 0.2 + 2 pi, rows by 0.2
    wrapped = np.mod(plane + math.pi, 2.0 * math.pi) - math.pi
    assert neighbour_phase_difference_rad(wrapped) == pytest.approx(0.2, abs=1e-9)


def test_neighbour_difference_of_random_phase_is_half_pi():
    phase = np.random.default_rng(1).uniform(-math.pi, math.pi, (300, 300))
    assert neighbour_phase_difference_rad(phase) == pytest.approx(math.pi / 2, rel=0.02)


def test_mask_with_two_blobs_gives_their_count_and_sizes():
    mask = np.zeros((10, 10), dtype=bool)
    mask[0:2, 0:3] = True  # 6 pixels
    mask[5, 5] = mask[6, 6] = True  # diagonal neighbours: one 8-connected blob of 2
    blobs = no_data_blobs(mask)
    assert (blobs.count, blobs.fraction) == (2, 0.08)
    assert blobs.median_size_fraction == pytest.approx(0.04)
    assert blobs.largest_size_fraction == pytest.approx(0.06)


def test_mask_without_no_data_has_no_blobs():
    blobs = no_data_blobs(np.zeros((4, 4), dtype=bool))
    assert (blobs.count, blobs.fraction) == (0, 0.0)
    assert math.isnan(blobs.largest_size_fraction)


def test_fill_nearest_copies_the_closest_finite_value():
    field = np.array([[1.0, np.nan, np.nan, 4.0]])
    np.testing.assert_array_equal(fill_nearest(field), [[1.0, 1.0, 4.0, 4.0]])


def test_spectral_slope_of_a_holed_power_law_field_is_re_estimated():
    field = power_law_field((256, 256), pixel_m=100.0, beta=3.0, rng=np.random.default_rng(2))
    field = field.astype(np.float64)
    field[100:110, 40:60] = np.nan
    assert los_spectral_slope(field, 100.0) == pytest.approx(3.0, abs=0.25)


def test_a_field_without_any_finite_pixel_cannot_be_filled():
    with pytest.raises(ValueError, match="no finite pixel"):
        fill_nearest(np.full((3, 3), np.nan))


def test_a_lag_longer_than_the_field_is_refused():
    with pytest.raises(ValueError, match="lag must be between 1 and 9 pixels, got 10"):
        los_difference_rms_m(np.zeros((10, 10)), 10)


def test_only_nan_pairs_give_nan_statistics():
    field = np.full((8, 8), np.nan)
    assert math.isnan(los_difference_rms_m(field, 1))
    assert math.isnan(neighbour_phase_difference_rad(field))
    assert math.isnan(los_span_m(field))


@pytest.mark.parametrize(
    ("lag_km", "height_km", "sigma_mm"),
    [(1.0, 0.0, 2.5), (4.0, 0.0, 5.0), (0.25, 0.0, 1.25), (1.0, 1.0, 7.3)],
)
def test_the_law_beside_the_report_is_emardson_2003_at_known_points(lag_km, height_km, sigma_mm):
    assert emardson_sigma_m(lag_km, height_km=height_km) == pytest.approx(sigma_mm * 1e-3, rel=1e-9)
