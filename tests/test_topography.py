"""Topographic and atmospheric look-alikes: volcanoes, ranges, fronts, gravity waves."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf.simulate import atmosphere, lookalikes, topography


def test_volcano_peaks_at_its_summit_and_falls_to_1_over_e_at_its_radius():
    dem = topography.volcano_m(
        (101, 101), pixel_m=100.0, row_px=50, col_px=50, height_m=2000.0, radius_m=3000.0,
        shape_exponent=1.0,
    )  # fmt: skip
    assert dem[50, 50] == pytest.approx(2000.0)
    assert dem[50, 80] == pytest.approx(2000.0 / math.e, rel=1e-5)  # 30 px = 3 km east
    assert np.unravel_index(np.argmax(dem), dem.shape) == (50, 50)


def test_volcano_is_radially_symmetric():
    dem = topography.volcano_m(
        (81, 81), pixel_m=50.0, row_px=40, col_px=40, height_m=1000.0, radius_m=800.0
    )
    np.testing.assert_allclose(dem, dem.T, rtol=1e-6)
    np.testing.assert_allclose(dem, dem[::-1, ::-1], rtol=1e-6)


def test_caldera_lowers_the_summit_by_its_depth():
    kwargs = dict(pixel_m=100.0, row_px=20, col_px=20, height_m=1500.0, radius_m=5000.0)
    plain = topography.volcano_m((41, 41), **kwargs)
    with_caldera = topography.volcano_m(
        (41, 41), caldera_radius_m=700.0, caldera_depth_m=200.0, **kwargs
    )
    assert plain[20, 20] - with_caldera[20, 20] == pytest.approx(200.0, rel=1e-5)


def test_stratified_delay_over_a_volcano_makes_concentric_fringes():
    # 10 mm/km over a 2.8 km cone: 2.8 cm of delay, one C-band fringe (2.8 cm of LOS per 2 pi).
    dem = topography.volcano_m(
        (121, 121), pixel_m=200.0, row_px=60, col_px=60, height_m=2800.0, radius_m=6000.0
    )
    delay = atmosphere.stratified_delay_m(dem, coefficient_m_per_km=0.01)
    assert float(delay.max() - delay.min()) == pytest.approx(0.028, rel=0.02)
    # Concentric: equal delay on a ring.
    ring = [delay[60, 90], delay[90, 60], delay[60, 30], delay[30, 60]]
    np.testing.assert_allclose(ring, ring[0], rtol=1e-5)


def test_mountain_range_is_highest_on_its_crest_line_and_symmetric_across_it():
    # Strike north (0 deg) through column 50: the crest is column 50.
    dem = topography.mountain_range_m(
        (60, 101), pixel_m=100.0, row_px=30, col_px=50, azimuth_deg=0.0, height_m=1000.0,
        half_width_m=1500.0, crest_wavelength_m=1e9, crest_variation=0.0,
    )  # fmt: skip
    assert np.all(np.argmax(dem, axis=1) == 50)
    np.testing.assert_allclose(dem[:, 50 - 15], dem[:, 50 + 15], rtol=1e-6)
    assert dem[0, 50 + 15] == pytest.approx(1000.0 / math.e, rel=1e-5)


def test_front_is_a_step_of_the_given_size_across_its_line():
    # Strike north through column 100; the east side is higher (tanh > 0 to the right).
    field = lookalikes.front_m(
        (50, 201), pixel_m=100.0, row_px=25, col_px=100, azimuth_deg=0.0, step_m=0.02,
        width_m=300.0,
    )  # fmt: skip
    assert float(field[:, -1].mean() - field[:, 0].mean()) == pytest.approx(0.02, rel=1e-3)
    assert abs(float(field.mean())) < 1e-7
    assert np.all(np.diff(field[10]) >= 0)


def test_gravity_waves_have_the_given_wavelength_and_amplitude():
    # Crests strike north: bands vary along columns; a huge envelope keeps the amplitude.
    field = lookalikes.gravity_waves_m(
        (8, 400), pixel_m=100.0, row_px=4, col_px=200, azimuth_deg=0.0, amplitude_m=0.005,
        wavelength_m=5000.0, envelope_m=1e9,
    )  # fmt: skip
    row = field[4] - field[4].mean()
    spectrum = np.abs(np.fft.rfft(row))
    k = np.fft.rfftfreq(row.size, d=100.0)
    assert k[np.argmax(spectrum)] == pytest.approx(1.0 / 5000.0)
    assert float(row.max()) == pytest.approx(0.005, rel=0.01)


def test_lookalikes_check_their_arguments():
    with pytest.raises(ValueError, match="width_m must be a finite number > 0"):
        lookalikes.front_m(
            (8, 8), pixel_m=1.0, row_px=0, col_px=0, azimuth_deg=0, step_m=0.01, width_m=0
        )
    with pytest.raises(ValueError, match="shape_exponent must lie in"):
        topography.volcano_m(
            (8, 8), pixel_m=1.0, row_px=0, col_px=0, height_m=1, radius_m=1, shape_exponent=9
        )
