"""Deformation sources of a scene: segmented tapered ruptures, dykes and sills, the Okada grid."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf.physics import los as los_mod
from insar_hf.physics import scaling
from insar_hf.physics.okada import okada_surface_displacement
from insar_hf.schema import DEFORMATION_SOURCES, METADATA_FIELDS
from insar_hf.simulate import grid
from insar_hf.simulate.config import SceneConfig
from insar_hf.simulate.deformation import draw_earthquake, draw_hard_negative
from insar_hf.simulate.rupture import draw_segmented_rupture, near_field_band, taper_increments
from insar_hf.simulate.volcanic import (
    DYKE_DIP_DEG,
    HARD_NEGATIVE_SOURCES,
    SILL_DIP_DEG,
    draw_nonseismic_source,
)

MU = 3.0e10
SMALL = SceneConfig(image_size_px=64, min_visible_pixels=10)
LOS = los_mod.los_unit_vector(-12.0, 35.0)
TOL_M = 0.05 * 0.0555 / (4 * math.pi)  # okada_tolerance_rad at C band, metres


def _rupture(seed: int, config: SceneConfig, mw: float = 7.0, top: float = 3e3):
    rng = np.random.default_rng(seed)
    strike, dip, rake = scaling.sample_mechanism_angles("oblique", rng)
    rupture = scaling.sample_rupture(mw, "oblique", rng, dip_deg=dip, seismogenic_thickness_m=17e3)
    m0 = scaling.moment_from_magnitude(mw)
    segmented = draw_segmented_rupture(
        rng, config, m0_nm=m0, strike_deg=strike, dip_deg=dip, rake_deg=rake,
        rupture=rupture, top_depth_m=top,
    )  # fmt: skip
    return segmented, rupture, m0, dip


# ----------------------------------------------------------------------------- ruptures


@pytest.mark.parametrize("levels", [1, 2, 3, 4])
@pytest.mark.parametrize("seed", range(6))
def test_patch_moments_sum_to_the_drawn_magnitudes_moment(levels, seed):
    segmented, _, m0, _ = _rupture(seed, SMALL.replace(slip_taper_levels=levels))
    assert len(segmented.patches) == segmented.segments * levels
    assert segmented.moment_nm(MU) == pytest.approx(m0, rel=1e-6)


def test_mean_slip_is_the_moment_over_mu_times_the_rupture_area():
    segmented, rupture, m0, _ = _rupture(1, SMALL.replace(slip_taper_levels=2))
    assert segmented.mean_slip_m == pytest.approx(m0 / (MU * rupture.length_m * rupture.width_m))
    assert segmented.mean_slip_m == pytest.approx(rupture.slip_m, rel=1e-9)
    assert segmented.peak_slip_m > segmented.mean_slip_m


def test_taper_rings_slip_as_an_ellipse_at_their_mid_radius():
    fractions, increments = taper_increments(3)
    np.testing.assert_allclose(fractions, [1.0, 2 / 3, 1 / 3])
    assert np.all(increments > 0)
    ring_slip = np.cumsum(increments)  # ring k slips the sum of the rectangles covering it
    mid = np.array([5 / 6, 1 / 2, 1 / 6])
    np.testing.assert_allclose(ring_slip, np.sqrt(1 - mid**2))


def test_one_untapered_segment_is_one_rectangle_centred_on_the_epicentre():
    config = SMALL.replace(rupture_segments_max=1, slip_taper_levels=1)
    segmented, rupture, _, dip = _rupture(2, config)
    (patch,) = segmented.patches
    assert patch.slip_m == pytest.approx(rupture.slip_m, rel=1e-9)
    assert (patch.length_m, patch.width_m) == (rupture.length_m, rupture.width_m)
    # Okada's reference point lies W/2 cos(dip) up-dip of the centroid: against the dip azimuth.
    az = math.radians(patch.strike_deg + 90.0)
    shift = 0.5 * patch.width_m * math.cos(math.radians(dip))
    assert patch.x_m == pytest.approx(-shift * math.sin(az), abs=1e-6)
    assert patch.y_m == pytest.approx(-shift * math.cos(az), abs=1e-6)


def test_moment_centroid_of_the_patches_projects_onto_the_epicentre():
    segmented, _, _, dip = _rupture(4, SMALL.replace(slip_taper_levels=3))
    moments, centres = [], []
    for p in segmented.patches:
        az = math.radians(p.strike_deg + 90.0)
        half = 0.5 * p.width_m * math.cos(math.radians(dip))
        moments.append(p.slip_m * p.length_m * p.width_m)
        centres.append((p.x_m + half * math.sin(az), p.y_m + half * math.cos(az)))
    centroid = np.average(np.array(centres), axis=0, weights=moments)
    np.testing.assert_allclose(centroid, 0.0, atol=1e-6 * segmented.patches[0].length_m)


def test_nested_rectangles_lie_inside_their_segment():
    config = SMALL.replace(slip_taper_levels=3, rupture_segments_max=4)
    for seed in range(8):
        segmented, _, _, dip = _rupture(seed, config, top=2e3)
        for s in range(segmented.segments):
            outer, *inner = segmented.patches[3 * s : 3 * s + 3]
            az = math.radians(outer.strike_deg)
            along = np.array([math.sin(az), math.cos(az)])
            for p in inner:
                offset = np.dot([p.x_m - outer.x_m, p.y_m - outer.y_m], along)
                assert abs(offset) + p.length_m / 2 <= outer.length_m / 2 + 1e-6
                bottom = p.top_depth_m + p.width_m * math.sin(math.radians(dip))
                outer_bottom = outer.top_depth_m + outer.width_m * math.sin(math.radians(dip))
                assert outer.top_depth_m - 1e-6 <= p.top_depth_m and bottom <= outer_bottom + 1e-6


def test_segment_count_is_bounded_by_length_and_config():
    config = SMALL.replace(rupture_segments_max=4, rupture_segment_length_min_m=10e3)
    counts = {_rupture(s, config, mw=7.3)[0].segments for s in range(40)}
    assert counts == {1, 2, 3, 4}
    assert {_rupture(s, config, mw=5.0)[0].segments for s in range(10)} == {1}


def test_shallow_top_breaks_the_surface_and_keeps_every_patch_at_the_top():
    config = SMALL.replace(slip_taper_levels=3)
    segmented, _, _, _ = _rupture(3, config, top=200.0)
    assert segmented.surface_rupture
    assert all(p.top_depth_m == 0.0 for p in segmented.patches)
    assert not _rupture(3, config, top=800.0)[0].surface_rupture


# ------------------------------------------------------------------------ draw_earthquake


def _eq(seed: int, config: SceneConfig, pixel_m: float = 200.0, mw: float = 6.3):
    return draw_earthquake(np.random.default_rng(seed), config, pixel_m, LOS, TOL_M, mw)


SURFACE = SMALL.replace(top_depth_min_m=0.0, top_depth_max_m=100.0, okada_stride_px=4)


def test_surface_rupture_returns_a_near_field_that_is_one_on_the_trace():
    _, meta, near = _eq(0, SURFACE)
    assert meta["surface_rupture"] and meta["top_depth_m"] == 0.0
    assert near.dtype == np.float32 and near.shape == (64, 64)
    assert near.min() >= 0.0 and near.max() <= 1.0 and near.max() > 0.9
    assert 300.0 <= meta["near_field_width_m"] <= 3000.0


def test_buried_rupture_has_no_near_field_and_a_nan_band():
    _, meta, near = _eq(0, SMALL.replace(top_depth_min_m=2e3, top_depth_max_m=5e3))
    assert near is None and not meta["surface_rupture"]
    assert math.isnan(meta["near_field_width_m"])


def test_near_field_falls_to_zero_one_band_width_from_the_trace():
    trace = np.array([[[-5e3, 0.0], [5e3, 0.0]]])  # east-west, through the epicentre
    band = near_field_band(trace, 64, 500.0, 16e3, -16e3, 2e3)  # epicentre at row 32, col 32
    rows = (np.arange(64) + 0.5) * 500.0 - 16e3  # distance south of the trace, column 32
    expected = np.where(np.abs(rows) < 2e3, 0.5 * (1 + np.cos(np.pi * np.abs(rows) / 2e3)), 0)
    np.testing.assert_allclose(band[:, 32], expected, atol=1e-6)


def test_earthquake_metadata_has_the_new_fields_with_their_types():
    _, meta, _ = _eq(5, SMALL)
    for name in ("peak_slip_m", "segments", "surface_rupture", "near_field_width_m"):
        assert name in meta and name in METADATA_FIELDS
    assert isinstance(meta["segments"], int) and isinstance(meta["surface_rupture"], bool)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_strided_grid_is_within_the_tolerance_of_every_pixel(seed):
    fine, _, _ = _eq(seed, SURFACE.replace(okada_stride_px=1))
    coarse, _, _ = _eq(seed, SURFACE.replace(okada_stride_px=8))
    to_rad = 4 * math.pi / 0.0555
    # The tolerance bounds an error *estimate*, hence the factor 2.
    assert np.abs(coarse - fine).max() * to_rad < 2 * 0.05


def test_giving_up_on_a_weak_earthquake_leaves_the_stream_where_a_full_draw_does():
    config = SMALL.replace(top_depth_min_m=4e3, top_depth_max_m=8e3)
    given_up, full = np.random.default_rng(3), np.random.default_rng(3)
    los, _, near = draw_earthquake(given_up, config, 200.0, LOS, TOL_M, 5.0, 1e6)
    eq_los, _, _ = draw_earthquake(full, config, 200.0, LOS, TOL_M, 5.0)
    assert los is None and near is None and np.abs(eq_los).max() < 1e6
    assert given_up.random() == full.random()


def test_a_draw_over_the_give_up_level_is_the_full_field():
    config = SMALL.replace(top_depth_min_m=4e3, top_depth_max_m=8e3)
    los, _, _ = draw_earthquake(np.random.default_rng(3), config, 200.0, LOS, TOL_M, 6.5, 1e-9)
    full, _, _ = _eq(3, config, mw=6.5)
    np.testing.assert_array_equal(los, full)


def test_a_surface_rupture_is_never_given_up():
    los, _, near = draw_earthquake(np.random.default_rng(0), SURFACE, 200.0, LOS, TOL_M, 5.0, 1e6)
    assert los is not None and near is not None


# ------------------------------------------------------------------------------- the grid


def test_grid_field_does_not_depend_on_the_number_of_blas_threads():
    from threadpoolctl import threadpool_limits

    fields = []
    for threads in (1, 4):
        with threadpool_limits(limits=threads):
            fields.append(_eq(1, SURFACE.replace(okada_stride_px=8))[0])
    np.testing.assert_array_equal(fields[0], fields[1])


def test_coarse_grid_reproduces_a_cubic_field_without_refinement():
    def cubic(x_m, y_m):  # a cubic in x and y, all vertical
        up = 1e-3 * (0.3 - 2e-4 * x_m + 1e-8 * x_m**2 - 2e-13 * x_m**3 + 1e-13 * y_m**3)
        return np.zeros_like(up), np.zeros_like(up), up

    src = grid.GridSource(cubic, 0.0, 0.0)
    fine = grid.sources_los_on_grid([src], 64, 100.0, 1, (0.0, 0.0, 1.0))
    coarse = grid.sources_los_on_grid([src], 64, 100.0, 8, (0.0, 0.0, 1.0), tolerance_m=1e9)
    np.testing.assert_allclose(coarse, fine, atol=1e-6 * np.abs(fine).max())


def test_refinement_halves_the_stride_down_to_pixels():
    assert grid.refinement_strides(8) == [8, 4, 2, 1]
    assert grid.refinement_strides(1) == [1]


def test_several_sources_on_one_grid_are_the_sum_of_their_fields():
    kw = dict(strike_deg=30.0, dip_deg=50.0, rake_deg=90.0, slip_m=1.0, length_m=4e3,
              width_m=3e3, top_depth_m=1e3)  # fmt: skip
    a = grid.GridSource(okada_surface_displacement, 4e3, -5e3, kw)
    b = grid.GridSource(okada_surface_displacement, 9e3, -8e3, kw | {"rake_deg": 0.0})
    both = grid.sources_los_on_grid([a, b], 48, 250.0, 1, LOS)
    alone = [grid.sources_los_on_grid([s], 48, 250.0, 1, LOS) for s in (a, b)]
    np.testing.assert_allclose(both, alone[0] + alone[1], rtol=1e-5, atol=1e-8)


def test_grid_nodes_are_exact():
    src = grid.GridSource(okada_surface_displacement, 6e3, -6e3, dict(
        strike_deg=0.0, dip_deg=90.0, rake_deg=180.0, slip_m=2.0, length_m=8e3, width_m=6e3,
        top_depth_m=0.0))  # fmt: skip
    fine = grid.sources_los_on_grid([src], 64, 200.0, 1, LOS)
    coarse = grid.sources_los_on_grid([src], 64, 200.0, 8, LOS, TOL_M)
    nodes = np.append(np.arange(0, 64, 8), 63)  # every 8th pixel and the last
    np.testing.assert_array_equal(coarse[np.ix_(nodes, nodes)], fine[np.ix_(nodes, nodes)])


# ------------------------------------------------------------------- dykes, sills, weights


def test_hard_negative_weights_choose_the_source():
    for kind in HARD_NEGATIVE_SOURCES:
        config = SMALL.replace(hard_negative_weights=((kind, 1.0),))
        _, source, _ = draw_hard_negative(np.random.default_rng(0), config, 300.0, LOS, TOL_M)
        assert source == kind and source in DEFORMATION_SOURCES


def test_every_source_is_drawn_with_the_default_weights():
    rng = np.random.default_rng(1)
    kinds = {draw_nonseismic_source(rng, SMALL)[1] for _ in range(60)}
    assert kinds == set(HARD_NEGATIVE_SOURCES)


@pytest.mark.parametrize("kind", ["dyke", "sill"])
def test_intrusions_record_their_ranges_and_volume(kind):
    rng = np.random.default_rng(2)
    config = SMALL.replace(hard_negative_weights=((kind, 1.0),))
    dips = DYKE_DIP_DEG if kind == "dyke" else SILL_DIP_DEG
    for _ in range(20):
        source, _, meta = draw_nonseismic_source(rng, config)
        assert dips[0] <= meta["source_dip_deg"] <= dips[1]
        assert source.params["opening_m"] == meta["source_opening_m"] > 0
        assert source.params["slip_m"] == 0.0
        volume = meta["source_opening_m"] * meta["source_length_m"] * meta["source_width_m"]
        assert meta["source_volume_change_m3"] == pytest.approx(volume)


def test_opening_sill_uplifts_the_ground_above_its_centre():
    config = SMALL.replace(hard_negative_weights=(("sill", 1.0),))
    source, _, meta = draw_nonseismic_source(np.random.default_rng(3), config)
    x = np.linspace(-30e3, 30e3, 241)
    xx, yy = np.meshgrid(x, x)
    _, _, up = source.func(xx - source.x0_m, yy - source.y0_m, **source.params)
    assert up[120, 120] > 0.5 * up.max() > 0  # the centre (0, 0) rises with the most
    weight = np.where(up > 0.5 * up.max(), up, 0.0)
    centroid = np.array([(weight * xx).sum(), (weight * yy).sum()]) / weight.sum()
    assert np.hypot(*centroid) < 0.25 * max(meta["source_length_m"], meta["source_width_m"])


def test_opening_dyke_pushes_its_walls_apart():
    config = SMALL.replace(hard_negative_weights=(("dyke", 1.0),))
    source, _, meta = draw_nonseismic_source(np.random.default_rng(4), config)
    az = math.radians(meta["source_strike_deg"] + 90.0)  # across the dyke, dip side
    normal = np.array([math.sin(az), math.cos(az)])
    d = np.array([-6e3, 6e3])  # either side of the centre, across strike
    e, n, _ = source.func(d * normal[0] - source.x0_m, d * normal[1] - source.y0_m, **source.params)
    across = e * normal[0] + n * normal[1]
    assert across[0] < 0 < across[1]


def test_hard_negative_is_the_los_projection_of_its_source_placed_at_its_pixel():
    config = SMALL.replace(hard_negative_weights=(("dyke", 1.0),), okada_stride_px=1)
    los, _, meta = draw_hard_negative(np.random.default_rng(5), config, 300.0, LOS, TOL_M)
    source, _, _ = draw_nonseismic_source(np.random.default_rng(5), config)
    row, col = 20, 41
    x = (col + 0.5 - meta["source_col_px"]) * 300.0 - source.x0_m
    y = -(row + 0.5 - meta["source_row_px"]) * 300.0 - source.y0_m
    e, n, u = source.func(np.array(x), np.array(y), **source.params)
    assert los[row, col] == pytest.approx(los_mod.los_displacement_m(e, n, u, LOS), rel=1e-5)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slip_taper_levels": 0}, "slip_taper_levels must be an integer in \\[1, 4\\]"),
        ({"rupture_segments_max": 9}, "rupture_segments_max must be an integer in \\[1, 8\\]"),
        ({"hard_negative_weights": (("geyser", 1.0),)}, "unknown name 'geyser'"),
        ({"dyke_opening_min_m": 6.0}, "dyke_opening_min_m \\(6.0\\) must be <= "),
        ({"sill_depth_min_m": 0.0}, "sill_depth_min_m must be > 0"),
        ({"rupture_bend_max_deg": 60.0}, "rupture_bend_max_deg must be in \\[0, 45\\]"),
    ],
)
def test_source_config_validation_says_what_to_fix(changes, message):
    with pytest.raises(ValueError, match=message):
        SMALL.replace(**changes)
