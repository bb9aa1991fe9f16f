"""Tests for insar_hf.simulate.noise: coherence maps, decorrelation phase noise, no-data masks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from insar_hf.simulate import noise

SHAPE = (96, 112)
PIXEL_M = 90.0


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _pdf_moment(g: float, looks: float, func) -> float:
    """Oracle: numerical integral of func(phi) * p(phi) over one period."""
    value, _ = quad(
        lambda p: func(p) * noise.phase_pdf(p, coherence=g, looks=looks),
        -math.pi,
        math.pi,
        limit=200,
    )
    return value


def _just_bamler_single_look(phi, g):
    """Single-look phase density, closed form (Just & Bamler 1994; Hanssen 2001, §4.2)."""
    b = g * np.cos(phi)
    return (1 - g**2) / (2 * np.pi * (1 - b**2)) * (1 + b * np.arccos(-b) / np.sqrt(1 - b**2))


# ----------------------------------------------------------------------------- coherence map


def test_coherence_map_lies_in_unit_interval_as_float32():
    coh = noise.coherence_map(SHAPE, pixel_m=PIXEL_M, mean_coherence=0.5, rng=_rng())
    assert coh.shape == SHAPE and coh.dtype == np.float32
    assert coh.min() >= 0.0 and coh.max() <= 1.0


@pytest.mark.parametrize("mean", [0.15, 0.5, 0.85])
def test_coherence_map_has_the_requested_mean(mean):
    coh = noise.coherence_map(SHAPE, pixel_m=PIXEL_M, mean_coherence=mean, rng=_rng(1))
    assert abs(float(coh.mean(dtype=np.float64)) - mean) < 1e-4


def test_coherence_map_has_low_coherence_patches():
    coh = noise.coherence_map((128, 128), pixel_m=PIXEL_M, mean_coherence=0.6, rng=_rng(2))
    assert 0.03 < np.mean(coh < 0.2) < 0.5
    assert np.mean(coh > 0.8) > 0.2


def test_coherence_map_is_spatially_smooth():
    coh = noise.coherence_map((128, 128), pixel_m=PIXEL_M, mean_coherence=0.5, rng=_rng(3))
    assert np.corrcoef(coh[:, :-1].ravel(), coh[:, 1:].ravel())[0, 1] > 0.8


def test_coherence_map_without_spread_is_uniform():
    coh = noise.coherence_map((16, 16), pixel_m=PIXEL_M, mean_coherence=0.7, rng=_rng(), spread=0)
    np.testing.assert_allclose(coh, 0.7, atol=1e-5)


def test_coherence_map_is_bit_identical_for_the_same_seed():
    a = noise.coherence_map(SHAPE, pixel_m=PIXEL_M, mean_coherence=0.4, rng=_rng(9))
    b = noise.coherence_map(SHAPE, pixel_m=PIXEL_M, mean_coherence=0.4, rng=_rng(9))
    assert np.array_equal(a, b)


@pytest.mark.parametrize("mean", [0.0, 1.0, -0.2, float("nan")])
def test_coherence_map_rejects_a_mean_outside_0_1(mean):
    with pytest.raises(ValueError, match="mean_coherence must lie strictly between 0 and 1"):
        noise.coherence_map((8, 8), pixel_m=PIXEL_M, mean_coherence=mean, rng=_rng())


# ----------------------------------------------------------------------------- phase density


@pytest.mark.parametrize("looks", [1, 3, 20])
@pytest.mark.parametrize("g", [0.0, 0.5, 0.95])
def test_phase_pdf_integrates_to_one(looks, g):
    assert abs(_pdf_moment(g, looks, lambda p: 1.0) - 1.0) < 1e-8


@pytest.mark.parametrize("g", [0.2, 0.6, 0.9])
def test_phase_pdf_single_look_equals_just_bamler(g):
    phi = np.linspace(-np.pi, np.pi, 101)
    np.testing.assert_allclose(
        noise.phase_pdf(phi, coherence=g, looks=1), _just_bamler_single_look(phi, g), rtol=1e-10
    )


def test_phase_pdf_is_uniform_at_zero_coherence():
    phi = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(noise.phase_pdf(phi, coherence=0.0, looks=5), 1 / (2 * np.pi))


# ----------------------------------------------------------------------------- phase noise


def test_decorrelation_noise_is_float32_in_minus_pi_pi():
    coh = noise.coherence_map(SHAPE, pixel_m=PIXEL_M, mean_coherence=0.3, rng=_rng())
    phase = noise.decorrelation_noise_rad(coh, looks=1, rng=_rng(1))
    assert phase.shape == SHAPE and phase.dtype == np.float32
    assert phase.min() >= -np.pi and phase.max() < np.pi


@pytest.mark.parametrize(
    ("g", "looks"), [(0.2, 1), (0.5, 1), (0.8, 1), (0.5, 4), (0.9, 4), (0.7, 10)]
)
def test_decorrelation_noise_std_matches_the_phase_pdf(g, looks):
    phase = noise.decorrelation_noise_rad(np.full((400, 500), g), looks=looks, rng=_rng(2))
    expected_std = math.sqrt(_pdf_moment(g, looks, lambda p: p * p))
    expected_cos = _pdf_moment(g, looks, math.cos)  # circular: R = E[cos phi]
    assert abs(float(phase.astype(np.float64).std()) - expected_std) < 0.01
    assert abs(float(np.mean(np.cos(phase.astype(np.float64)))) - expected_cos) < 0.006


def test_decorrelation_noise_cdf_matches_the_phase_pdf():
    g, looks = 0.6, 2
    phase = np.sort(noise.decorrelation_noise_rad(np.full(100_000, g), looks=looks, rng=_rng(3)))
    grid = np.linspace(-3.0, 3.0, 25)
    cdf = [quad(lambda p: noise.phase_pdf(p, coherence=g, looks=looks), -np.pi, x)[0] for x in grid]
    empirical = np.searchsorted(phase, grid) / phase.size
    assert np.max(np.abs(empirical - np.array(cdf))) < 0.008


def test_decorrelation_noise_matches_brute_force_multilooking():
    # Independent oracle: average L looks of an explicitly correlated circular-Gaussian pair.
    g, looks, n = 0.55, 3, 100_000
    rng = _rng(4)
    z1 = (rng.standard_normal((n, looks)) + 1j * rng.standard_normal((n, looks))) / np.sqrt(2)
    w = (rng.standard_normal((n, looks)) + 1j * rng.standard_normal((n, looks))) / np.sqrt(2)
    z2 = g * z1 + np.sqrt(1 - g**2) * w
    brute = np.angle(np.sum(z1 * np.conj(z2), axis=1))
    fast = noise.decorrelation_noise_rad(np.full(n, g), looks=looks, rng=_rng(5))
    assert abs(brute.std() - fast.std()) < 0.015
    np.testing.assert_allclose(
        np.quantile(fast, [0.1, 0.25, 0.5, 0.75, 0.9]),
        np.quantile(brute, [0.1, 0.25, 0.5, 0.75, 0.9]),
        atol=0.02,
    )


def test_decorrelation_noise_approaches_cramer_rao_for_many_looks():
    g, looks = 0.9, 60
    phase = noise.decorrelation_noise_rad(np.full(200_000, g), looks=looks, rng=_rng(6))
    bound = float(noise.cramer_rao_phase_std_rad(g, looks=looks))
    np.testing.assert_allclose(phase.std(), bound, rtol=0.03)


def test_decorrelation_noise_is_uniform_at_zero_coherence():
    phase = noise.decorrelation_noise_rad(np.zeros(200_000), looks=5, rng=_rng(7))
    np.testing.assert_allclose(phase.std(), np.pi / np.sqrt(3), rtol=0.01)


def test_decorrelation_noise_vanishes_at_full_coherence():
    phase = noise.decorrelation_noise_rad(np.ones((8, 8)), looks=1, rng=_rng())
    np.testing.assert_array_equal(phase, 0.0)


def test_decorrelation_noise_is_bit_identical_for_the_same_seed():
    coh = np.full(SHAPE, 0.5, dtype=np.float32)
    a = noise.decorrelation_noise_rad(coh, looks=4, rng=_rng(8))
    assert np.array_equal(a, noise.decorrelation_noise_rad(coh, looks=4, rng=_rng(8)))


def test_fast_atan2_matches_numpy():
    rng = _rng(9)
    y = rng.standard_normal(100_000).astype(np.float32) * 10.0 ** rng.uniform(-3, 3, 100_000)
    x = rng.standard_normal(100_000).astype(np.float32)
    x[:20], y[:10], y[10:20] = 0.0, 0.0, -1.0  # axes and the origin
    x[20:30], y[20:25], y[25:30] = -1.0, 0.0, -0.0  # +pi is mapped to -pi
    expected = np.arctan2(y.astype(np.float64), x.astype(np.float64))
    expected[expected >= np.pi] = -np.pi
    got = noise.atan2_float32(y.copy(), x.copy())
    assert np.max(np.abs(got - expected)) < 1e-6


@pytest.mark.parametrize(
    ("coherence", "looks", "message"),
    [
        (np.array([0.5, 1.2]), 1, r"coherence must lie in \[0, 1\], got values in \[0.5, 1.2\]"),
        (np.array([0.5, np.nan]), 1, "1 NaN/inf values"),
        (0.5, 1, "got a scalar"),
        (np.array([0.5]), 0.5, "looks must be >= 1"),
        (np.array([0.5]), -2, "looks must be a finite number > 0"),
    ],
)
def test_decorrelation_noise_rejects_bad_input(coherence, looks, message):
    with pytest.raises(ValueError, match=message):
        noise.decorrelation_noise_rad(coherence, looks=looks, rng=_rng())


# ----------------------------------------------------------------------------- no data


def test_no_data_mask_marks_low_coherence_and_nan():
    coh = np.array([[0.05, 0.2, 0.3], [np.nan, 0.99, 0.0]])
    mask = noise.no_data_mask(coh, threshold=0.2)
    np.testing.assert_array_equal(mask, [[True, False, False], [True, False, True]])


def test_no_data_mask_with_zero_threshold_masks_only_nan():
    coh = np.array([0.0, 0.5, np.nan])
    np.testing.assert_array_equal(noise.no_data_mask(coh, threshold=0.0), [False, False, True])


def test_no_data_mask_rejects_a_threshold_outside_0_1():
    with pytest.raises(ValueError, match=r"threshold must lie in \[0, 1\], got 1.5"):
        noise.no_data_mask(np.zeros(3), threshold=1.5)


def test_apply_no_data_sets_nan_in_a_float32_copy():
    field = np.arange(6, dtype=np.float64).reshape(2, 3)
    mask = np.array([[True, False, False], [False, False, True]])
    out = noise.apply_no_data(field, mask)
    assert out.dtype == np.float32 and not np.isnan(field).any()
    np.testing.assert_array_equal(np.isnan(out), mask)
    with pytest.raises(ValueError, match="mask must be a bool array of the field's shape"):
        noise.apply_no_data(field, mask[:, :2])
