"""Decorrelation by the deformation gradient (Massonnet & Feigl 1998: about a fringe per pixel)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf import SceneConfig, sample_scene
from insar_hf.simulate.gradient import gradient_coherence


def ramp(fringes_per_pixel: float, shape=(20, 30)) -> np.ndarray:
    return np.tile(2 * np.pi * fringes_per_pixel * np.arange(shape[1]), (shape[0], 1))


def test_a_flat_phase_keeps_its_coherence():
    np.testing.assert_array_equal(gradient_coherence(np.full((8, 8), 3.0)), 1.0)


def test_half_a_fringe_per_pixel_keeps_the_mean_phasor_of_a_ramp_over_a_pixel():
    # |mean of exp(i g x)| over x in [-1/2, 1/2] = |sin(g / 2) / (g / 2)|: 2 / pi at g = pi.
    np.testing.assert_allclose(gradient_coherence(ramp(0.5)), 2 / math.pi, rtol=1e-6)


def test_the_two_axes_multiply():
    y, x = np.mgrid[0:20, 0:20]
    phase = 0.3 * x + 0.7 * y
    expected = abs(np.sinc(0.3 / (2 * np.pi)) * np.sinc(0.7 / (2 * np.pi)))
    np.testing.assert_allclose(gradient_coherence(phase), expected, rtol=1e-6)


@pytest.mark.parametrize("fringes", [1.0, 1.5, 3.0])
def test_a_fringe_per_pixel_or_more_leaves_nothing(fringes):
    np.testing.assert_allclose(gradient_coherence(ramp(fringes)), 0.0, atol=1e-6)


def test_a_scenes_coherence_falls_where_its_fringes_crowd():
    # The nuisance stream does not know the class: the same seed gives a positive and a
    # negative the same surface, so the positive's coherence is the negative's times the
    # gradient factor (and the near field of a surface rupture, if any).
    config = SceneConfig(image_size_px=64, mw_min=7.0, mw_max=7.5, span_factor_max=1.5)
    pos = sample_scene(2, config.replace(positive_fraction=1.0))
    neg = sample_scene(2, config.replace(positive_fraction=0.0, hard_negative_fraction=0.0))
    assert np.all(pos.coherence <= neg.coherence + 1e-6)
    phase = pos.eq_los_m * (-4 * np.pi / pos.metadata["wavelength_m"])
    crowded = gradient_coherence(phase) < 0.5
    assert crowded.any() and np.all(pos.coherence[crowded] < 0.5 * neg.coherence[crowded] + 1e-6)
