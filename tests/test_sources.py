"""Non-seismic hard-negative sources: Mogi point source and subsidence bowl."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf.physics import mogi_surface_displacement, subsidence_bowl_displacement


def test_mogi_maximum_uplift_is_the_closed_form():
    # (1 - nu) dV / (pi d^2), Mogi (1958); at nu = 0.3 to catch a hard-coded 0.25.
    _, _, up = mogi_surface_displacement(0.0, 0.0, depth_m=4e3, volume_change_m3=1e7, poisson=0.3)
    assert up == pytest.approx(0.7 * 1e7 / (math.pi * 4e3**2), rel=1e-6)


def test_mogi_uplift_peaks_above_the_source():
    x = np.linspace(-2e4, 2e4, 401)
    _, _, up = mogi_surface_displacement(x, 0.0, depth_m=3e3, volume_change_m3=1e6)
    assert x[np.argmax(up)] == 0.0


def test_mogi_is_radially_symmetric(rng):
    r = rng.uniform(0, 2e4, 50)
    angle = rng.uniform(0, 2 * math.pi, 50)
    kw = dict(depth_m=5e3, volume_change_m3=-3e6)
    e0, _, u0 = mogi_surface_displacement(r, 0.0, **kw)
    e, n, u = mogi_surface_displacement(r * np.cos(angle), r * np.sin(angle), **kw)
    np.testing.assert_allclose(u, u0, rtol=1e-6)
    np.testing.assert_allclose(np.hypot(e, n), np.abs(e0), rtol=1e-5, atol=1e-12)


def test_mogi_horizontal_over_vertical_is_r_over_depth():
    e, _, u = mogi_surface_displacement(6e3, 0.0, depth_m=3e3, volume_change_m3=1e6)
    assert e / u == pytest.approx(2.0, rel=1e-6)


def test_mogi_rejects_a_source_at_the_surface():
    with pytest.raises(ValueError, match="depth_m must be > 0"):
        mogi_surface_displacement(0.0, 0.0, depth_m=0.0, volume_change_m3=1e6)


def test_bowl_is_max_subsidence_at_the_centre_and_1_over_e_at_the_radius():
    _, _, up = subsidence_bowl_displacement(
        np.array([0.0, 2e3]), 0.0, radius_m=2e3, max_subsidence_m=0.3
    )
    np.testing.assert_allclose(up, [-0.3, -0.3 / math.e], rtol=1e-6)


def test_bowl_is_radially_symmetric_and_vertical(rng):
    r = rng.uniform(0, 1e4, 50)
    angle = rng.uniform(0, 2 * math.pi, 50)
    kw = dict(radius_m=3e3, max_subsidence_m=0.1)
    _, _, u0 = subsidence_bowl_displacement(r, 0.0, **kw)
    e, n, u = subsidence_bowl_displacement(r * np.cos(angle), r * np.sin(angle), **kw)
    np.testing.assert_allclose(u, u0, rtol=1e-6)
    assert not e.any() and not n.any()


def test_sources_return_float32_with_the_broadcast_shape():
    for out in (
        mogi_surface_displacement(np.zeros((2, 1)), np.zeros(3), depth_m=1e3, volume_change_m3=1.0),
        subsidence_bowl_displacement(
            np.zeros((2, 1)), np.zeros(3), radius_m=1.0, max_subsidence_m=1.0
        ),
    ):
        assert all(c.shape == (2, 3) and c.dtype == np.float32 for c in out)
