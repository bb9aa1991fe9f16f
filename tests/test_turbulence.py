"""Turbulence by physical distance: Emardson et al.'s (2003) law and the fields that follow it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf.simulate import slope
from insar_hf.simulate.turbulence import (
    emardson_sigma_m,
    rms_difference_m,
    turbulent_delay_law_m,
)


def test_emardson_law_at_known_points():
    # sigma = 2.5 mm L^0.5 + 4.8 mm/km H (Emardson et al. 2003): 2.5 mm at 1 km, 5 + 4.8 at 4 km
    # and 1 km of height.
    assert emardson_sigma_m(1.0) == pytest.approx(2.5e-3)
    assert emardson_sigma_m(4.0, 1.0) == pytest.approx(9.8e-3)
    np.testing.assert_allclose(emardson_sigma_m([0.0, 100.0]), [0.0, 25e-3])


def test_emardson_law_refuses_negative_distances():
    with pytest.raises(ValueError, match="lag_km must be finite and >= 0"):
        emardson_sigma_m(-1.0)


def test_rms_difference_of_a_plane_is_its_gradient_times_the_lag_over_sqrt2():
    # f = g * col: differences along rows are g * lag, along columns 0; equal pair counts.
    gradient = 0.003
    field = np.tile(np.arange(64, dtype=np.float32) * gradient, (64, 1))
    for lag in (1, 5, 20):
        assert rms_difference_m(field, lag) == pytest.approx(gradient * lag / math.sqrt(2), 1e-5)


def test_rms_difference_of_white_noise_is_sqrt2_sigma_at_every_lag():
    rng = np.random.default_rng(0)
    field = rng.normal(0.0, 0.01, (256, 256)).astype(np.float32)
    for lag in (1, 7, 50):
        assert rms_difference_m(field, lag) == pytest.approx(0.01 * math.sqrt(2), rel=0.02)


def test_rms_difference_skips_nan_pairs():
    field = np.tile(np.arange(32, dtype=np.float32), (32, 1))
    field[:, 10] = np.nan  # every pair touching column 10 is skipped, the rest are unchanged
    expected = math.sqrt((31 - 2) * 32 / ((31 - 2) * 32 + 31 * 31))  # lag 1: dx = 1, dy = 0
    assert rms_difference_m(field, 1) == pytest.approx(expected, 1e-6)


def test_turbulence_meets_the_law_exactly_at_a_quarter_of_the_window():
    pixel_m, strength, incidence = 250.0, 2.0, 40.0
    field = turbulent_delay_law_m(
        (224, 224),
        pixel_m=pixel_m,
        strength=strength,
        incidence_deg=incidence,
        rng=np.random.default_rng(3),
    )
    lag = 224 // 4
    target = strength * emardson_sigma_m(lag * pixel_m / 1e3) / math.cos(math.radians(incidence))
    assert rms_difference_m(field, lag) == pytest.approx(target, rel=1e-4)
    assert field.dtype == np.float32 and abs(float(field.mean())) < 1e-3 * target


def test_turbulence_structure_function_follows_the_law_above_the_break():
    # 1 km pixels: every lag from 4 to 56 km is above the 3 km break, where the field's slope
    # (beta = 3) is the law's L^0.5.  Mean over 8 fields; one field scatters by about 10 %.
    ratios = {lag: [] for lag in (4, 8, 16, 28)}
    for seed in range(8):
        field = turbulent_delay_law_m(
            (224, 224), pixel_m=1000.0, strength=1.0, incidence_deg=0.0,
            rng=np.random.default_rng(seed),
        )  # fmt: skip
        for lag in ratios:
            ratios[lag].append(rms_difference_m(field, lag) / emardson_sigma_m(float(lag)))
    for lag, values in ratios.items():
        assert 0.85 < float(np.mean(values)) < 1.15, (lag, values)


@pytest.mark.parametrize(
    ("pixel_m", "k_min", "k_max", "beta"),
    [(1000.0, None, 1.0 / 4000.0, 3.0), (30.0, 1.0 / 2000.0, None, 11.0 / 3.0)],
)
def test_turbulence_slopes_are_recovered_on_both_sides_of_the_break(pixel_m, k_min, k_max, beta):
    slopes = [
        slope.estimate_spectral_slope(
            turbulent_delay_law_m(
                (224, 224),
                pixel_m=pixel_m,
                strength=1.0,
                incidence_deg=30.0,
                rng=np.random.default_rng(seed),
            ),  # fmt: skip
            pixel_m=pixel_m,
            k_min=k_min,
            k_max=k_max,
        )
        for seed in range(8)
    ]
    assert abs(float(np.mean(slopes)) - beta) < 0.15


def test_turbulence_grows_with_the_window_as_the_law_does():
    # The same strength on a 300 km and a 7 km window: RMS difference at a quarter of the window
    # in the ratio sqrt(300 / 7) (the law's L^0.5), not the same RMS whatever the size.
    small, large = (
        turbulent_delay_law_m(
            (224, 224), pixel_m=p, strength=1.0, incidence_deg=0.0, rng=np.random.default_rng(0)
        )
        for p in (7000.0 / 224, 300000.0 / 224)
    )
    ratio = rms_difference_m(large, 56) / rms_difference_m(small, 56)
    assert ratio == pytest.approx(math.sqrt(300.0 / 7.0), rel=1e-3)


def test_turbulence_is_deterministic_and_checks_its_arguments():
    a = turbulent_delay_law_m(
        (64, 64), pixel_m=100.0, strength=1.0, incidence_deg=35.0, rng=np.random.default_rng(5)
    )
    b = turbulent_delay_law_m(
        (64, 64), pixel_m=100.0, strength=1.0, incidence_deg=35.0, rng=np.random.default_rng(5)
    )
    assert a.tobytes() == b.tobytes()
    with pytest.raises(ValueError, match="incidence_deg must lie in"):
        turbulent_delay_law_m(
            (64, 64), pixel_m=100.0, strength=1.0, incidence_deg=85.0, rng=np.random.default_rng()
        )
    with pytest.raises(ValueError, match="at least 8 x 8"):
        turbulent_delay_law_m(
            (4, 64), pixel_m=100.0, strength=1.0, incidence_deg=35.0, rng=np.random.default_rng()
        )
