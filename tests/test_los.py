"""Line-of-sight geometry, sensors and phase (COMET-LiCSAR sign convention)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf.physics import (
    SENSORS,
    los_displacement_m,
    los_from_phase_m,
    los_unit_vector,
    phase_from_los_rad,
    typical_heading_deg,
    wrap_phase,
)
from insar_hf.physics.los import SPEED_OF_LIGHT_M_S, Sensor


@pytest.mark.parametrize("heading", [-12.0, -168.0, 192.0, 45.0])
@pytest.mark.parametrize("incidence", [0.0, 29.1, 46.0])
def test_los_vector_has_unit_norm(heading, incidence):
    assert math.hypot(*los_unit_vector(heading, incidence)) == pytest.approx(1.0, abs=1e-15)


def test_vertical_incidence_looks_straight_up():
    np.testing.assert_allclose(los_unit_vector(-12.0, 0.0), (0.0, 0.0, 1.0), atol=1e-15)


@pytest.mark.parametrize("pass_direction", ["ascending", "descending"])
def test_uplift_is_toward_the_satellite_negative_los_positive_phase(pass_direction):
    los_enu = los_unit_vector(typical_heading_deg(pass_direction), 35.0)
    los = los_displacement_m(0.0, 0.0, 0.01, los_enu)
    assert los == pytest.approx(-0.01 * math.cos(math.radians(35.0)), rel=1e-6)
    assert phase_from_los_rad(los, SENSORS["sentinel1"].wavelength_m) > 0


def test_ascending_satellite_is_west_and_looks_east():
    e, n, _ = los_unit_vector(typical_heading_deg("ascending"), 35.0)
    assert e < -0.5 and abs(n) < 0.15  # ground-to-satellite points west (LiCSAR: E < 0)


@pytest.mark.parametrize(
    ("pass_direction", "expected"),
    # Typical COMET-LiCSAR E, N, U unit vectors at ~39 degrees incidence.
    [("ascending", (-0.615, -0.131, 0.777)), ("descending", (0.615, -0.131, 0.777))],
)
def test_los_vectors_match_typical_licsar_frames(pass_direction, expected):
    got = los_unit_vector(typical_heading_deg(pass_direction), 39.0)
    np.testing.assert_allclose(got, expected, atol=2e-3)


def test_eastward_motion_is_away_on_ascending_and_toward_on_descending():
    asc = los_unit_vector(typical_heading_deg("ascending"), 35.0)
    desc = los_unit_vector(typical_heading_deg("descending"), 35.0)
    assert los_displacement_m(0.01, 0.0, 0.0, asc) > 0  # range increase
    assert los_displacement_m(0.01, 0.0, 0.0, desc) < 0  # range decrease


def test_northward_motion_is_nearly_invisible():
    asc = los_unit_vector(typical_heading_deg("ascending"), 35.0)
    assert abs(los_displacement_m(0.0, 1.0, 0.0, asc)) < 0.15


def test_one_fringe_is_half_a_wavelength_of_los():
    wl = SENSORS["sentinel1"].wavelength_m
    assert phase_from_los_rad(-wl / 2, wl) == pytest.approx(2 * math.pi, rel=1e-12)


def test_phase_los_round_trip(rng):
    los = rng.normal(0, 0.1, 1000)
    for sensor in SENSORS.values():
        back = los_from_phase_m(phase_from_los_rad(los, sensor.wavelength_m), sensor.wavelength_m)
        np.testing.assert_allclose(back, los, rtol=1e-12)


def test_phase_keeps_float32():
    assert phase_from_los_rad(np.ones(3, np.float32), 0.05).dtype == np.float32


def test_wrapped_phase_lies_in_minus_pi_pi(rng):
    phase = rng.uniform(-100, 100, 10000)
    edges = np.array([math.pi, -math.pi, 3 * math.pi, -1e-300, 2 * math.pi, 0.0])
    for p in (phase, edges, edges.astype(np.float32)):
        w = wrap_phase(p)
        assert np.all((w >= -math.pi) & (w < math.pi)) and w.dtype == p.dtype


def test_wrapping_changes_phase_by_whole_cycles(rng):
    phase = rng.uniform(-100, 100, 1000)
    cycles = (phase - wrap_phase(phase)) / (2 * math.pi)
    np.testing.assert_allclose(cycles, np.round(cycles), atol=1e-9)


def test_wrap_keeps_nan():
    assert np.isnan(wrap_phase(np.array([np.nan, 1.0]))[0])


def test_sensor_wavelengths_and_incidence_ranges():
    s1, nl, ns = SENSORS["sentinel1"], SENSORS["nisar_l"], SENSORS["nisar_s"]
    assert s1.wavelength_m == pytest.approx(SPEED_OF_LIGHT_M_S / 5.405e9, rel=1e-7)
    assert nl.wavelength_m == pytest.approx(0.2384, abs=2e-4)
    assert ns.wavelength_m == pytest.approx(0.094, abs=1e-3)
    assert (s1.incidence_min_deg, s1.incidence_max_deg) == (29.1, 46.0)
    assert (s1.band, nl.band, ns.band) == ("C", "L", "S")


def test_sensor_rejects_bad_incidence_range():
    with pytest.raises(ValueError, match="incidence_min_deg <= incidence_max_deg"):
        Sensor("x", "C", 0.05, 46.0, 29.0)


def test_unknown_pass_direction_is_rejected():
    with pytest.raises(ValueError, match="'ascending' or 'descending'"):
        typical_heading_deg("north")
