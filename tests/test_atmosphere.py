"""insar_hf.simulate.atmosphere: turbulent delay, fractal DEM, stratified delay, orbital ramps."""

from __future__ import annotations

import numpy as np
import pytest

from insar_hf.simulate import atmosphere as atm
from insar_hf.simulate import slope

SHAPE = (96, 112)
PIXEL_M = 90.0


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def _plane_fit_residual(field: np.ndarray, pixel_m: float):
    rows, cols = field.shape
    r, c = np.mgrid[0:rows, 0:cols].astype(np.float64)
    a = np.column_stack([np.ones(field.size), c.ravel() * pixel_m, -r.ravel() * pixel_m])
    coef, *_ = np.linalg.lstsq(a, field.ravel().astype(np.float64), rcond=None)
    return coef, field.ravel() - a @ coef  # coef: offset, d/d east, d/d north (per metre)


# ----------------------------------------------------------------------------- power-law fields


@pytest.mark.parametrize("rms_m", [0.002, 0.01, 0.025])
def test_turbulent_delay_has_requested_rms_exactly_and_zero_mean(rms_m):
    delay = atm.turbulent_delay_m(SHAPE, pixel_m=PIXEL_M, rms_m=rms_m, rng=_rng(1))
    assert delay.dtype == np.float32 and delay.shape == SHAPE
    np.testing.assert_allclose(np.sqrt(np.mean(delay.astype(np.float64) ** 2)), rms_m, rtol=1e-6)
    assert abs(float(delay.mean(dtype=np.float64))) < 1e-6 * rms_m


def test_turbulent_delay_of_zero_rms_is_zero():
    delay = atm.turbulent_delay_m(SHAPE, pixel_m=PIXEL_M, rms_m=0.0, rng=_rng())
    assert delay.dtype == np.float32 and not delay.any()


# ----------------------------------------------------------------------------- spectral slope


# ----------------------------------------------------------------------------- topography


def test_fractal_dem_is_non_negative_with_the_requested_relief():
    dem = atm.fractal_dem_m(SHAPE, pixel_m=PIXEL_M, relief_m=1500.0, rng=_rng(), base_m=200.0)
    assert dem.dtype == np.float32 and dem.shape == SHAPE
    np.testing.assert_allclose([dem.min(), dem.max()], [200.0, 1700.0], rtol=1e-5)


def test_fractal_dem_has_the_requested_spectral_slope_below_its_cutoff():
    # Mean of 8 surfaces: one surface's estimate scatters by about 0.06 around it.
    k_max = atm.DEFAULT_DEM_CUTOFF / 30.0
    slopes = [
        slope.estimate_spectral_slope(
            atm.fractal_dem_m((224, 224), pixel_m=30.0, relief_m=800.0, rng=_rng(s), beta=3.2),
            pixel_m=30.0,
            k_max=k_max,
        )
        for s in range(8)
    ]
    assert abs(float(np.mean(slopes)) - 3.2) < 0.15


def test_stratified_delay_is_linear_in_the_dem():
    dem = atm.fractal_dem_m(SHAPE, pixel_m=PIXEL_M, relief_m=2000.0, rng=_rng(2))
    k = 0.012  # m per km
    delay = atm.stratified_delay_m(dem, coefficient_m_per_km=k)
    assert delay.dtype == np.float32 and abs(float(delay.mean(dtype=np.float64))) < 1e-7
    slope, _ = np.polyfit(dem.ravel().astype(np.float64), delay.ravel().astype(np.float64), 1)
    np.testing.assert_allclose(slope, k / 1000.0, rtol=1e-5)
    np.testing.assert_allclose(
        atm.stratified_delay_m(2.0 * dem + 300.0, coefficient_m_per_km=k), 2.0 * delay, atol=1e-6
    )


def test_stratified_delay_changes_sign_with_the_coefficient():
    dem = np.arange(12, dtype=np.float64).reshape(3, 4) * 100.0
    up = atm.stratified_delay_m(dem, coefficient_m_per_km=0.01)
    down = atm.stratified_delay_m(dem, coefficient_m_per_km=-0.01)
    np.testing.assert_array_equal(up, -down)
    np.testing.assert_allclose(up[2, 3] - up[0, 0], 0.01 * 1.1, rtol=1e-6)  # 1100 m of relief


def test_stratified_delay_accepts_an_integer_user_dem():
    dem = np.array([[0, 1000], [2000, 3000]], dtype=np.int16)
    delay = atm.stratified_delay_m(dem, coefficient_m_per_km=0.01)
    np.testing.assert_allclose(delay, [[-0.015, -0.005], [0.005, 0.015]], atol=1e-8)


@pytest.mark.parametrize(
    ("dem", "message"),
    [
        (np.zeros(10), "2-D array"),
        (np.array([[1.0, np.nan], [2.0, 3.0]]), "1 NaN/inf values; fill DEM voids"),
        (np.array([["a", "b"], ["c", "d"]]), "real elevations"),
    ],
)
def test_stratified_delay_rejects_bad_user_dems(dem, message):
    with pytest.raises(ValueError, match=message):
        atm.stratified_delay_m(dem, coefficient_m_per_km=0.01)


def test_validate_dem_checks_the_expected_shape():
    with pytest.raises(ValueError, match=r"dem_m has shape \(4, 5\), expected \(5, 4\)"):
        atm.validate_dem_m(np.zeros((4, 5)), shape=(5, 4))


def test_dem_window_is_a_block_of_the_user_dem():
    dem = np.arange(40 * 50, dtype=np.float64).reshape(40, 50)
    win = atm.dem_window_m(dem, (10, 20), rng=_rng(3))
    r0, c0 = divmod(int(win[0, 0]), 50)
    np.testing.assert_array_equal(win, dem[r0 : r0 + 10, c0 : c0 + 20])
    with pytest.raises(ValueError, match="smaller than the window"):
        atm.dem_window_m(dem, (41, 10), rng=_rng())


# ----------------------------------------------------------------------------- orbital ramp


def test_orbital_ramp_is_a_plane_with_the_requested_gradient():
    ramp = atm.orbital_ramp_m(SHAPE, pixel_m=PIXEL_M, gradient_m_per_km=3e-4, rng=_rng(5))
    assert ramp.dtype == np.float32 and ramp.shape == SHAPE
    coef, residual = _plane_fit_residual(ramp, PIXEL_M)
    assert np.max(np.abs(residual)) < 1e-4 * np.max(np.abs(ramp))
    np.testing.assert_allclose(np.hypot(coef[1], coef[2]) * 1000.0, 3e-4, rtol=1e-5)
    assert abs(float(ramp.mean(dtype=np.float64))) < 1e-9


@pytest.mark.parametrize(("azimuth_deg", "east", "north"), [(0, 0, 1), (90, 1, 0), (225, -1, -1)])
def test_orbital_ramp_rises_towards_its_azimuth(azimuth_deg, east, north):
    ramp = atm.orbital_ramp_m(
        (20, 30), pixel_m=100.0, gradient_m_per_km=1e-3, rng=_rng(), azimuth_deg=azimuth_deg
    )
    coef, _ = _plane_fit_residual(ramp, 100.0)
    direction = np.array([east, north], dtype=np.float64)
    np.testing.assert_allclose(
        coef[1:] * 1000.0, 1e-3 * direction / np.hypot(*direction), atol=1e-9
    )


def test_orbital_ramp_direction_is_random_across_seeds():
    angles = []
    for seed in range(40):
        ramp = atm.orbital_ramp_m((8, 8), pixel_m=1.0, gradient_m_per_km=1.0, rng=_rng(seed))
        coef, _ = _plane_fit_residual(ramp, 1.0)
        angles.append(np.arctan2(coef[1], coef[2]))
    resultant = abs(np.mean(np.exp(1j * np.array(angles))))
    assert resultant < 0.4  # a fixed direction would give 1


# ----------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rms_m": -0.01}, "rms_m must be a finite number >= 0"),
        ({"rms_m": float("nan")}, "rms_m must be a finite number >= 0"),
        ({"pixel_m": 0.0}, "pixel_m must be a finite number > 0"),
        ({"beta": 9.0}, r"beta \(spectral slope"),
        ({"shape": (1, 10)}, "shape must be two ints >= 2"),
        ({"shape": (10,)}, "shape must be two"),
        ({"rng": 3}, "rng must be a numpy.random.Generator"),
        ({"oversample": 0.5}, r"oversample must lie in \[1, 4\]"),
        ({"cutoff_cyc_per_px": 0.7}, r"cutoff_cyc_per_px must lie in \(0, 0.5\]"),
    ],
)
def test_turbulent_delay_rejects_bad_arguments(kwargs, message):
    args = {"shape": (16, 16), "pixel_m": 100.0, "rms_m": 0.01, "rng": _rng()} | kwargs
    shape = args.pop("shape")
    with pytest.raises(ValueError, match=message):
        atm.turbulent_delay_m(shape, **args)


def test_orbital_ramp_rejects_a_negative_gradient():
    with pytest.raises(ValueError, match="gradient_m_per_km must be a finite number >= 0"):
        atm.orbital_ramp_m((8, 8), pixel_m=10.0, gradient_m_per_km=-1.0, rng=_rng())


def test_fractal_dem_rejects_negative_relief():
    with pytest.raises(ValueError, match="relief_m must be a finite number >= 0"):
        atm.fractal_dem_m((8, 8), pixel_m=10.0, relief_m=-5.0, rng=_rng())
