"""The classical inversion: its forward model and the recovery of noise-free Okada sources."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf.physics.los import los_displacement_m, los_unit_vector, phase_from_los_rad, wrap_phase
from insar_hf.physics.okada import okada_surface_displacement
from insar_hf.physics.scaling import magnitude_from_moment, moment_from_slip
from insar_hf.source.forward import (
    MIN_SAMPLES,
    centroid_depth_m,
    phase_gradients,
    pixel_centres_m,
    source_phase_rad,
    top_edge_origin_m,
)
from insar_hf.source.inversion import fit_field, invert_field

SIZE, PIXEL_M = 112, 400.0
GEOMETRY = {"heading_deg": -12.0, "incidence_deg": 38.0, "wavelength_m": 0.0555}
ROW, COL = 50.2, 60.4  # epicentre, pixels
LENGTH_M, WIDTH_M, SLIP_M, TOP_M = 16e3, 9e3, 1.2, 2e3
CASES = {
    "strike-slip": (30.0, 85.0, 5.0),
    "thrust": (120.0, 35.0, 95.0),
    "normal": (250.0, 55.0, -85.0),
}


def _okada_phase(strike, dip, rake) -> np.ndarray:
    """The oracle field: okada_surface_displacement at the pixel centres, projected by los.py."""
    rows, cols = np.meshgrid(np.arange(SIZE), np.arange(SIZE), indexing="ij")
    x, y = pixel_centres_m(rows, cols, PIXEL_M)
    # the surface point above the top edge's midpoint, (W/2) cos(dip) up dip of the centroid
    offset = 0.5 * WIDTH_M * math.cos(math.radians(dip))
    s = math.radians(strike)
    ox, oy = COL * PIXEL_M - offset * math.cos(s), -ROW * PIXEL_M + offset * math.sin(s)
    e, n, u = okada_surface_displacement(
        x - ox, y - oy, strike_deg=strike, dip_deg=dip, rake_deg=rake, slip_m=SLIP_M,
        length_m=LENGTH_M, width_m=WIDTH_M, top_depth_m=TOP_M,
    )  # fmt: skip
    los = los_displacement_m(e, n, u, los_unit_vector(GEOMETRY["heading_deg"], 38.0))
    return phase_from_los_rad(los.astype(np.float64), GEOMETRY["wavelength_m"])


def _scene(mechanism: str, kind: str) -> np.ndarray:
    """Noise-free field with a no-data lake, and (unwrapped) an offset and a ramp."""
    phase = _okada_phase(*CASES[mechanism])
    rows, cols = np.meshgrid(np.arange(SIZE), np.arange(SIZE), indexing="ij")
    if kind == "unwrapped":
        phase = phase + 3.0 + 0.02 * cols - 0.01 * rows
    else:
        phase = wrap_phase(phase + 1.0)
    phase[5:20, 80:105] = np.nan
    return phase


@pytest.mark.parametrize("kind", ["unwrapped", "wrapped"])
@pytest.mark.parametrize("mechanism", list(CASES))
def test_inversion_recovers_a_noise_free_okada_source(mechanism, kind):
    strike, dip, rake = CASES[mechanism]
    est = invert_field(_scene(mechanism, kind), kind=kind, pixel_m=PIXEL_M, **GEOMETRY)
    true_mw = magnitude_from_moment(moment_from_slip(SLIP_M, LENGTH_M, WIDTH_M))
    true_depth = centroid_depth_m(TOP_M, dip, WIDTH_M)
    assert abs(est.mw - true_mw) <= 0.05
    assert math.hypot(est.epicentre_row_px - ROW, est.epicentre_col_px - COL) <= 1.0
    assert abs(est.centroid_depth_m - true_depth) <= 0.1 * true_depth
    assert abs((est.rake_deg - rake + 180.0) % 360.0 - 180.0) <= 10.0
    assert est.mechanism == mechanism and est.method == "inversion"
    assert est.seconds > 0 and est.pixel_m == PIXEL_M


def test_forward_model_matches_okada_projected_on_the_line_of_sight():
    strike, dip, rake = 200.0, 40.0, 60.0
    rows, cols = np.meshgrid(np.arange(SIZE), np.arange(SIZE), indexing="ij")
    x, y = pixel_centres_m(rows, cols, PIXEL_M)
    ours = source_phase_rad(
        x, y, rake_deg=rake, slip_m=SLIP_M, centroid_x_m=COL * PIXEL_M, centroid_y_m=-ROW * PIXEL_M,
        top_depth_m=TOP_M, strike_deg=strike, dip_deg=dip, length_m=LENGTH_M, width_m=WIDTH_M,
        **GEOMETRY,
    )  # fmt: skip
    np.testing.assert_allclose(ours, _okada_phase(strike, dip, rake), rtol=1e-5, atol=1e-4)


def test_top_edge_origin_lies_up_dip_of_the_centroid():
    # strike 0: the fault dips east, so the top edge lies west of the centroid
    ox, oy = top_edge_origin_m(0.0, 0.0, strike_deg=0.0, dip_deg=60.0, width_m=10e3)
    assert ox == pytest.approx(-2.5e3) and oy == pytest.approx(0.0, abs=1e-9)
    assert centroid_depth_m(1e3, 30.0, 10e3) == pytest.approx(3.5e3)


def test_phase_gradients_unwrap_a_resolved_wrapped_ramp_and_reject_an_aliased_one():
    rows, cols = np.meshgrid(np.arange(30), np.arange(30), indexing="ij")
    gx, gy, weight = phase_gradients(wrap_phase(0.7 * cols - 0.4 * rows + 2.0))
    inner = weight > 0
    assert inner[1:-2, 1:-2].all()  # all but the edges count
    np.testing.assert_allclose(gx[inner], 0.7, atol=1e-9)
    np.testing.assert_allclose(gy[inner], -0.4, atol=1e-9)
    assert not phase_gradients(wrap_phase(2.5 * cols))[2].any()  # 2.5 rad / px: too dense


def test_inversion_is_deterministic_for_a_seed():
    field = _scene("normal", "unwrapped")
    kw = dict(kind="unwrapped", pixel_m=PIXEL_M, maxiter=2, popsize=3, polish_maxfev=40, **GEOMETRY)
    a, b = fit_field(field, seed=3, **kw), fit_field(field, seed=3, **kw)
    assert a.estimate.as_dict() | {"seconds": 0} == b.estimate.as_dict() | {"seconds": 0}
    assert a.misfit == b.misfit and a.evaluations == b.evaluations


def test_wrapped_noise_without_resolved_fringes_is_searched_with_the_complex_misfit():
    noise = np.random.default_rng(0).uniform(-np.pi, np.pi, (40, 40))
    assert np.count_nonzero(phase_gradients(noise)[2]) < MIN_SAMPLES  # no resolved gradient
    kw = dict(kind="wrapped", pixel_m=PIXEL_M, maxiter=2, popsize=3, polish_maxfev=10, **GEOMETRY)
    fit = fit_field(noise, **kw)
    assert fit.misfit > 0.8 and fit.estimate.method == "inversion"  # noise cannot be fitted


@pytest.mark.parametrize(
    ("field", "kw", "message"),
    [
        (np.zeros(10), {}, "must be a 2-D"),
        (np.full((8, 8), np.nan), {}, "has 0 finite pixel"),
        (np.zeros((8, 8)), {"kind": "phase"}, "kind must be one of"),
        (np.zeros((8, 8)), {"pixel_m": 0.0}, "pixel_m must be a finite number > 0"),
        (np.zeros((8, 8)), {"pixel_m": -5.0}, "pixel_m must be a finite number > 0"),
        (np.zeros((8, 8)), {"incidence_deg": 95.0}, "incidence_deg in"),
    ],
)
def test_inversion_refuses_bad_input(field, kw, message):
    args = {"kind": "unwrapped", "pixel_m": PIXEL_M, **GEOMETRY} | kw
    with pytest.raises(ValueError, match=message):
        invert_field(field, **args)
