"""Tests for insar_hf.real.source_check: a real frame's source by both methods, mapped back."""

import math

import numpy as np
import pytest

from insar_hf.physics.los import phase_from_los_rad, wrap_phase
from insar_hf.real.dev_windows import DEV_WAVELENGTH_M, DevWindowsError
from insar_hf.real.source_check import (
    ASSUMED_HEADING_DEG,
    ASSUMED_INCIDENCE_DEG,
    block_mean,
    frame_row,
    inversion_row,
    markdown_table,
    network_row,
    north_up_window,
    published_rows,
    read_frame_file,
    wrapped_sign,
)
from insar_hf.source.estimate import SourceEstimate
from insar_hf.source.forward import pixel_centres_m, source_phase_rad

SIDE, PIXEL_M = 96, 100.0
# A Mw 5.3 normal fault (the Thessaly geometry, smaller) in north-up pixels of the frame.
TRUTH = {
    "strike_deg": 314.0,
    "dip_deg": 41.0,
    "rake_deg": -90.0,
    "slip_m": 0.3,
    "length_m": 4000.0,
    "width_m": 3000.0,
    "top_depth_m": 1000.0,
}
EPI_NORTH_UP_PX = (40.0, 52.0)  # (row, col), continuous pixels, row 0 north


def write_south_up_unw(path):
    """A uniform-slip field stored like greece.unw: LOS metres, float32, row 0 the south edge,
    with a greece.par that says so (positive y_spacing)."""
    rows, cols = np.mgrid[0:SIDE, 0:SIDE]
    x, y = pixel_centres_m(rows, cols, PIXEL_M)
    phase = source_phase_rad(
        x,
        y,
        centroid_x_m=EPI_NORTH_UP_PX[1] * PIXEL_M,
        centroid_y_m=-EPI_NORTH_UP_PX[0] * PIXEL_M,
        heading_deg=ASSUMED_HEADING_DEG,
        incidence_deg=ASSUMED_INCIDENCE_DEG,
        wavelength_m=DEV_WAVELENGTH_M,
        **{k: v for k, v in TRUTH.items() if k not in ("rake_deg", "slip_m")},
        rake_deg=TRUTH["rake_deg"],
        slip_m=TRUTH["slip_m"],
    )
    los_m = -phase * DEV_WAVELENGTH_M / (4 * math.pi)  # phase = -4 pi / wavelength * los
    los_m[:5, :12] = np.nan  # a no-data corner, as the frame's west wedge
    los_m[::-1].astype("<f4").tofile(path)  # row 0 south
    header = f"ifg_length: {SIDE}\nifg_width: {SIDE}\ncorner_x: -40000\ncorner_y: -40000\n"
    path.with_suffix(".par").write_text(header + "x_spacing: 100\ny_spacing: 100\n")  # as greece


@pytest.fixture(scope="module")
def unw_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("thessaly") / "greece.unw"
    write_south_up_unw(path)
    return path


@pytest.fixture(scope="module")
def recovered(unw_file):
    frame = read_frame_file(unw_file, "unwrapped")
    rows = {}
    for sign in (1, -1):
        window = north_up_window(frame, 0, 0, SIDE, kind="unwrapped", sign=sign)
        rows[sign] = inversion_row(window, factor=2, pixel_m=PIXEL_M, maxiter=20)
    mirrored = north_up_window(frame, 0, 0, SIDE, kind="unwrapped", row0_south=False)
    rows["row 0 north"] = inversion_row(mirrored, factor=2, pixel_m=PIXEL_M, maxiter=20)
    return rows


def test_synthetic_uniform_slip_frame_stored_south_up_is_recovered(recovered):
    row = recovered[1]
    mw = 2 / 3 * (math.log10(3e10 * 4000 * 3000 * 0.3) - 9.1)
    assert row["mw"] == pytest.approx(mw, abs=0.05)
    assert row["mechanism"] == "normal"
    assert abs((row["strike_deg"] - TRUTH["strike_deg"] + 180) % 360 - 180) < 3
    assert row["dip_deg"] == pytest.approx(TRUTH["dip_deg"], abs=3)
    assert row["centroid_depth_km"] == pytest.approx(
        1.0 + 1.5 * math.sin(math.radians(41)), abs=0.1
    )
    # the epicentre comes back in the file's rows, which run south to north
    assert row["epicentre_file_row"] == pytest.approx(SIDE - EPI_NORTH_UP_PX[0], abs=0.5)
    assert row["epicentre_file_col"] == pytest.approx(EPI_NORTH_UP_PX[1], abs=0.5)
    assert row["misfit"] < 1e-3


def test_reading_a_south_up_file_as_north_up_mirrors_the_strike(recovered):
    # A north-south mirror sends the dip direction a to 180 - a (44 -> 136), so the strike,
    # 90 degrees anticlockwise of it, from 314 to 360 - 314 = 46.
    mirrored = 360.0 - TRUTH["strike_deg"]
    assert abs((recovered["row 0 north"]["strike_deg"] - mirrored + 180) % 360 - 180) < 5


def test_negated_field_fits_as_well_with_the_opposite_rake(recovered):
    plus, minus = recovered[1], recovered[-1]
    assert minus["misfit"] == pytest.approx(plus["misfit"], rel=0.05, abs=1e-4)
    assert minus["mw"] == pytest.approx(plus["mw"], abs=0.02)
    assert minus["mechanism"] == "thrust"
    assert abs((minus["rake_deg"] - plus["rake_deg"]) % 360 - 180) < 5


def test_the_reader_gives_the_south_up_file_north_up(unw_file):
    stored = np.fromfile(unw_file, dtype="<f4").reshape(SIDE, SIDE)
    frame = read_frame_file(unw_file, "unwrapped")
    expected = phase_from_los_rad(stored[::-1].astype(np.float64), 0.055465763)  # Sentinel-1
    np.testing.assert_allclose(frame, expected, rtol=1e-6)


def test_window_pixels_map_back_to_the_file_pixels():
    frame = np.zeros((50, 60))  # north-up, as the reader gives it
    frame[50 - 1 - 12, 33] = 1.0  # file row 12 (from the south), col 33
    window = north_up_window(frame, 5, 20, 40, kind="unwrapped")
    rn, cn = np.argwhere(window.phase_rad == 1.0)[0]
    assert rn == 40 - 1 - (12 - 5)  # flipped north-up
    out = frame_row(window, rn + 0.5, cn + 0.5, 1.0)
    assert (out["epicentre_file_row"], out["epicentre_file_col"]) == (12.5, 33.5)
    assert out["epicentre_north_km"] == pytest.approx(-40.0 + 12.5 * 0.1)


class MaxPixelEstimator:
    """Reports the largest |value| of the input, in pixels of a 224-px model image."""

    image_size = 224

    def estimate(self, x, *, kind, pixel_m, wavelength_m):
        r, c = np.unravel_index(np.nanargmax(np.abs(x)), x.shape)
        scale = x.shape[0] / self.image_size
        return SourceEstimate(
            mw=6.0,
            centroid_depth_m=5e3,
            epicentre_row_px=(r + 0.5) / scale,
            epicentre_col_px=(c + 0.5) / scale,
            strike_deg=0.0,
            dip_deg=45.0,
            rake_deg=-90.0,
            mechanism="normal",
            method="network",
            pixel_m=pixel_m,
        )


def test_network_positions_of_a_rendered_window_map_back_to_the_file():
    frame = np.zeros((500, 500))  # north-up
    frame[500 - 1 - 300, 210] = 5.0  # file row 300, col 210
    window = north_up_window(frame, 20, 10, 448, kind="unwrapped")
    row = network_row(MaxPixelEstimator(), window)
    assert row["pixel_m"] == pytest.approx(200.0)
    assert (row["epicentre_file_row"], row["epicentre_file_col"]) == (300.5, 210.5)


def test_block_mean_ignores_no_data_and_averages_wrapped_phase_as_phasors():
    field = np.array([[1.0, 3.0], [np.nan, 5.0]])
    assert block_mean(field, 2, kind="unwrapped")[0, 0] == pytest.approx(3.0)
    wrapped = np.array([[3.1, -3.1], [3.1, -3.1]])
    assert abs(block_mean(wrapped, 2, kind="wrapped")[0, 0]) == pytest.approx(math.pi)
    assert np.isnan(block_mean(np.full((2, 2), np.nan), 2, kind="unwrapped")[0, 0])


def test_wrapped_sign_finds_a_wrapped_frame_of_the_opposite_convention():
    rng = np.random.default_rng(0)
    unw = phase_from_los_rad(np.cumsum(rng.normal(0, 0.002, (40, 40)), axis=1), 0.0555)
    assert wrapped_sign(unw, wrap_phase(unw + 1.0))["sign"] == 1
    result = wrapped_sign(unw, wrap_phase(-unw))
    assert result["sign"] == -1 and result["coherence_minus"] == pytest.approx(1.0)


def test_bad_inputs_raise_clear_errors(unw_file):
    frame = np.zeros((10, 10))
    with pytest.raises(DevWindowsError, match=r"lies outside the frame of shape \(10, 10\)"):
        north_up_window(frame, 5, 0, 8, kind="unwrapped")
    with pytest.raises(ValueError, match="sign must be 1 or -1, got 2"):
        north_up_window(frame, 0, 0, 4, kind="unwrapped", sign=2)
    with pytest.raises(ValueError, match=r"factor 3 must be >= 1 and divide the shape \(10, 10\)"):
        block_mean(frame, 3, kind="unwrapped")
    with pytest.raises(ValueError, match="kind must be one of"):
        read_frame_file(unw_file, "phase")
    with pytest.raises(ValueError, match=r"the frames differ in shape"):
        wrapped_sign(frame, np.zeros((4, 4)))


def test_table_ends_with_the_published_sources_and_their_values():
    table = markdown_table(published_rows()).splitlines()
    assert table[-1].startswith(
        "| published: Papadopoulos et al. 2021 | 6.30 | 10.0 | 314 / 41 / -"
    )
    assert "| published: USGS W-phase | 6.30 | - |" in table[-2]
