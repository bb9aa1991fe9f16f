"""Land cover, water, frame edges, filtering and unwrapping errors of synthetic products."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf.simulate import surface
from insar_hf.simulate.noise import decorrelation_noise_rad, phase_noise_rad


def test_landcover_coherence_has_the_requested_mean_and_range():
    for mean, patches in ((0.3, 0.0), (0.6, 0.3), (0.9, 0.5)):
        coh = surface.landcover_coherence(
            (128, 128), pixel_m=100.0, mean_coherence=mean, patch_fraction=patches,
            rng=np.random.default_rng(1),
        )  # fmt: skip
        assert coh.dtype == np.float32 and coh.min() >= 0.0 and coh.max() <= 1.0
        assert float(coh.mean()) == pytest.approx(mean, abs=2e-4)


def test_landcover_patches_are_low_coherence_areas_of_the_requested_share():
    kwargs = dict(pixel_m=100.0, mean_coherence=0.7, rng=None)
    without = surface.landcover_coherence(
        (224, 224), patch_fraction=0.0, **{**kwargs, "rng": np.random.default_rng(2)}
    )
    with_patches = surface.landcover_coherence(
        (224, 224), patch_fraction=0.4, **{**kwargs, "rng": np.random.default_rng(2)}
    )
    # Same smooth field, so the patches show as the pixels whose logit fell most.
    logit = lambda c: np.log(c / (1 - c))  # noqa: E731
    drop = logit(without.astype(np.float64)) - logit(with_patches.astype(np.float64))
    patches = drop > drop.min() + 1.5
    assert np.mean(patches) == pytest.approx(0.4, abs=0.02)  # a subsample's quantile
    # A drop of 3 in logit: the patches' coherence is far below the rest's.
    assert with_patches[patches].mean() < with_patches[~patches].mean() - 0.3


def test_water_is_the_lowest_ground():
    dem = np.arange(100, dtype=np.float32).reshape(10, 10)
    water = surface.water_mask(dem, 0.25)
    assert water.sum() == 25 and np.all(dem[water] < dem[~water].min())
    assert not surface.water_mask(dem, 0.0).any()


def test_frame_edge_cuts_the_requested_share_on_the_right_of_its_direction():
    # An edge running north (0 deg): its right-hand side is east, the last columns.
    cut = surface.frame_edge_mask((50, 100), azimuth_deg=0.0, fraction=0.2)
    assert cut.sum() == 1000 and cut[:, 80:].all() and not cut[:, :80].any()
    # Running east (90 deg): the right-hand side is south, the last rows.
    cut = surface.frame_edge_mask((100, 50), azimuth_deg=90.0, fraction=0.1)
    assert cut[90:].all() and not cut[:90].any()


def test_unwrapping_error_is_whole_cycles_behind_a_line():
    error = surface.unwrapping_error_rad(
        (40, 40), row_px=20, col_px=20.5, azimuth_deg=0.0, cycles=-1
    )
    assert set(np.unique(error)) == {0.0, np.float32(-2 * math.pi)}
    assert (error[:, 21:] != 0).all() and (error[:, :21] == 0).all()
    with pytest.raises(ValueError, match="whole number"):
        surface.unwrapping_error_rad((4, 4), row_px=0, col_px=0, azimuth_deg=0, cycles=0.5)


def test_filter_averages_phasors_and_keeps_a_constant_phase():
    const = np.full((16, 16), 2.5, dtype=np.float32)
    np.testing.assert_allclose(surface.filter_phase_rad(const, 5), 2.5, atol=1e-6)
    # Near +-pi the phasor average stays near pi, where a plain average would give ~0.
    flip = np.where(np.indices((16, 16)).sum(0) % 2 == 0, 3.1, -3.1).astype(np.float32)
    out = surface.filter_phase_rad(flip, 3)
    assert np.all(np.abs(np.abs(out) - math.pi) < 0.1)
    with pytest.raises(ValueError, match="odd integer"):
        surface.filter_phase_rad(const, 2)


def test_filter_reduces_noise_as_averaging_n_phasors_does():
    rng = np.random.default_rng(0)
    coherence = np.full((256, 256), 0.9, dtype=np.float32)
    noise = decorrelation_noise_rad(coherence, looks=20, rng=rng)
    filtered = surface.filter_phase_rad(noise, 5)
    # Independent pixels: the std of the mean of 25 small phases is std / 5.
    assert float(filtered.std()) == pytest.approx(float(noise.std()) / 5, rel=0.1)


def test_noise_from_given_uniforms_equals_the_drawn_noise():
    coherence = np.linspace(0.05, 0.95, 64 * 64, dtype=np.float32).reshape(64, 64)
    drawn = decorrelation_noise_rad(coherence, looks=4, rng=np.random.default_rng(9))
    uniforms = np.random.default_rng(9).random((2, 64, 64), dtype=np.float32)
    assert phase_noise_rad(coherence, looks=4, uniforms=uniforms).tobytes() == drawn.tobytes()


def test_adaptive_filter_smooths_coherent_phase_and_keeps_decorrelated_noise():
    # Goldstein-like: full boxcar where coherence is 1, the raw phase where it is 0.
    rng = np.random.default_rng(3)
    noise = rng.uniform(-math.pi, math.pi, (64, 64)).astype(np.float32)
    coherence = np.zeros((64, 64), dtype=np.float32)
    coherence[:, 32:] = 1.0
    out = surface.filter_phase_rad(noise, 5, coherence)
    boxcar = surface.filter_phase_rad(noise, 5)
    np.testing.assert_allclose(out[:, :32], noise[:, :32], atol=1e-5)
    np.testing.assert_allclose(out[:, 32:], boxcar[:, 32:], atol=1e-5)
    with pytest.raises(ValueError, match="coherence must have the phase's shape"):
        surface.filter_phase_rad(noise, 5, coherence[:10])


def test_filter_pair_is_the_adaptive_and_the_full_filter_from_one_pass():
    rng = np.random.default_rng(4)
    noise = rng.uniform(-math.pi, math.pi, (48, 48)).astype(np.float32)
    coherence = rng.uniform(0.0, 1.0, (48, 48)).astype(np.float32)
    adaptive, full = surface.filter_phase_pair_rad(noise, 3, coherence)
    assert adaptive.tobytes() == surface.filter_phase_rad(noise, 3, coherence).tobytes()
    assert full.tobytes() == surface.filter_phase_rad(noise, 3).tobytes()
