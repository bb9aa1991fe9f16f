import dataclasses
import json
import math

import numpy as np
import pytest

from insar_hf.physics.los import SENSORS, los_unit_vector
from insar_hf.physics.okada import okada_surface_displacement
from insar_hf.schema import METADATA_FIELDS, SPLITS
from insar_hf.simulate.config import SceneConfig
from insar_hf.simulate.deformation import deformation_footprint_m, draw_mw
from insar_hf.simulate.scene import bbox_from_mask, sample_scene
from insar_hf.simulate.seeds import scene_seed_sequence

TINY = SceneConfig(image_size_px=64, min_visible_pixels=10)


def _scenes(n, config=TINY, start=0):
    return [
        sample_scene(scene_seed_sequence(7, "train", i), config) for i in range(start, start + n)
    ]


@pytest.fixture(scope="module")
def scenes():
    return _scenes(24)


@pytest.fixture(scope="module")
def positive():
    # One untapered rectangle, so that Okada's own solution is the earthquake's whole part.
    single = dict(rupture_segments_max=1, slip_taper_levels=1, rupture_bend_max_deg=0.0)
    return sample_scene(3, TINY.replace(positive_fraction=1.0, okada_stride_px=1, **single))


def test_same_seed_gives_bit_identical_scene():
    a, b = sample_scene(11, TINY), sample_scene(11, TINY)
    for name in (
        "los_m",
        "eq_los_m",
        "unwrapped_rad",
        "wrapped_rad",
        "coherence",
        "deformation_mask",
    ):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.metadata.keys() == b.metadata.keys()
    assert all(
        a.metadata[k] == b.metadata[k] or (a.metadata[k] != a.metadata[k]) for k in a.metadata
    )


def test_reusing_one_seed_sequence_object_gives_the_same_scene():
    ss = scene_seed_sequence(0, "validation", 5)
    np.testing.assert_array_equal(sample_scene(ss, TINY).los_m, sample_scene(ss, TINY).los_m)


def test_no_two_split_index_pairs_share_a_seed():
    states = {
        tuple(scene_seed_sequence(0, split, i).generate_state(4))
        for split in SPLITS
        for i in range(300)
    }
    assert len(states) == len(SPLITS) * 300


def test_splits_give_different_scenes():
    a = sample_scene(scene_seed_sequence(0, "train", 0), TINY)
    b = sample_scene(scene_seed_sequence(0, "test", 0), TINY)
    assert not np.array_equal(a.coherence, b.coherence)


def test_split_and_index_are_recorded():
    m = sample_scene(scene_seed_sequence(9, "test", 17), TINY).metadata
    assert (m["seed"], m["split"], m["index"], m["spawn_key"]) == (9, "test", 17, "2,17")


def test_arrays_have_scene_shape_and_dtype(scenes):
    s = scenes[0]
    for name in ("los_m", "eq_los_m", "unwrapped_rad", "wrapped_rad", "coherence"):
        assert getattr(s, name).shape == (64, 64) and getattr(s, name).dtype == np.float32
    assert s.deformation_mask.dtype == bool and s.deformation_mask.shape == (64, 64)


def test_default_scene_is_224_pixels():
    assert sample_scene(0).wrapped_rad.shape == (224, 224)


def test_wrapped_phase_lies_in_minus_pi_pi(scenes):
    for s in scenes:
        w = s.wrapped_rad[np.isfinite(s.wrapped_rad)]
        assert w.min() >= -math.pi and w.max() < math.pi


def test_wrapped_products_keep_decorrelated_pixels_and_unwrapped_ones_mask_them(scenes):
    # Wrapped: NaN only on water and beyond the frame's edge; unwrapped: also where coherence is
    # under the threshold.  The metadata's fractions say which is which.
    decorrelated = 0
    for s in scenes:
        wrapped_nan, unwrapped_nan = np.isnan(s.wrapped_rad), np.isnan(s.unwrapped_rad)
        low = s.coherence < s.metadata["no_data_threshold"]
        np.testing.assert_array_equal(unwrapped_nan, wrapped_nan | low)
        assert s.metadata["no_data_fraction"] == pytest.approx(wrapped_nan.mean(), abs=1e-6)
        masked = (unwrapped_nan & ~wrapped_nan).mean()
        assert s.metadata["masked_fraction"] == pytest.approx(masked, abs=1e-6)
        decorrelated += int(np.count_nonzero(low & ~wrapped_nan))
        assert np.isfinite(s.los_m).all()
    assert decorrelated > 0  # the scenes do hold decorrelated pixels with a wrapped phase


def test_wrapping_the_unwrapped_product_gives_the_wrapped_one_where_filters_agree(scenes):
    # Unwrapping errors are whole cycles, so they vanish when wrapped.  The products differ only
    # by their filters (adaptive for the wrapped one): exactly equal without a filter, and close
    # where the phase is coherent.
    close = 0
    for s in scenes:
        both = np.isfinite(s.unwrapped_rad)
        diff = s.unwrapped_rad.astype(np.float64) - s.wrapped_rad
        if s.metadata["filter_px"] == 1:
            np.testing.assert_allclose(np.cos(diff[both]), 1.0, atol=1e-4)
        coherent = both & (s.coherence > 0.95)
        if coherent.any():
            close += 1
            assert np.median(np.abs(np.angle(np.exp(1j * diff[coherent])))) < 0.05
    assert close > 0


def test_field_rad_is_the_phase_of_the_scene_kind(scenes):
    for s in scenes:
        expected = s.wrapped_rad if s.kind == "wrapped" else s.unwrapped_rad
        assert s.field_rad is expected


def test_label_one_means_enough_pixels_above_a_quarter_fringe(scenes):
    for s in (s for s in scenes if s.label == 1):
        phase = -4 * math.pi / s.metadata["wavelength_m"] * s.eq_los_m.astype(np.float64)
        expected = (np.abs(phase) >= math.pi / 2 - 1e-5) & np.isfinite(s.wrapped_rad)
        assert s.deformation_mask.sum() >= TINY.min_visible_pixels
        assert not (s.deformation_mask & ~expected).any()
        assert s.metadata["deformation_source"] == "earthquake"


def test_label_zero_scenes_have_empty_mask_and_zero_box(scenes):
    negatives = [s for s in scenes if s.label == 0]
    assert negatives
    for s in negatives:
        assert not s.deformation_mask.any() and s.deformation_bbox == [0, 0, 0, 0]


def test_negatives_without_source_carry_no_earthquake(scenes):
    for s in (s for s in scenes if s.metadata["deformation_source"] == "none"):
        assert not s.eq_los_m.any() and math.isnan(s.metadata["mw"])
        assert s.metadata["mechanism"] == "none"


def test_bbox_is_the_tight_half_open_box_of_the_mask():
    mask = np.zeros((10, 12), bool)
    mask[2:5, 3] = mask[4, 3:9] = True
    assert bbox_from_mask(mask) == [3, 2, 9, 5]
    assert bbox_from_mask(np.zeros((4, 4), bool)) == [0, 0, 0, 0]


def test_scene_bbox_matches_its_mask(scenes):
    for s in scenes:
        assert s.deformation_bbox == bbox_from_mask(s.deformation_mask)


def test_earthquake_part_equals_okada_los_projection(positive):
    m = positive.metadata
    assert positive.label == 1
    pixel = m["pixel_m"]
    # Okada's reference point lies W/2 cos(dip) up-dip of the epicentre (the centroid's
    # surface projection); the dip direction is strike + 90 degrees.
    az = math.radians(m["strike_deg"] + 90)
    shift = 0.5 * m["width_m"] * math.cos(math.radians(m["dip_deg"]))
    ref_e = m["epicentre_col_px"] * pixel - shift * math.sin(az)
    ref_n = -m["epicentre_row_px"] * pixel - shift * math.cos(az)
    rows, cols = np.array([0, 10, 31, 50, 63]), np.array([5, 40, 31, 2, 63])
    e, n, u = okada_surface_displacement(
        (cols + 0.5) * pixel - ref_e,
        -(rows + 0.5) * pixel - ref_n,
        strike_deg=m["strike_deg"],
        dip_deg=m["dip_deg"],
        rake_deg=m["rake_deg"],
        slip_m=m["slip_m"],
        length_m=m["length_m"],
        width_m=m["width_m"],
        top_depth_m=m["top_depth_m"],
    )
    ve, vn, vu = los_unit_vector(m["heading_deg"], m["incidence_deg"])
    expected = -(e * ve + n * vn + u * vu)
    np.testing.assert_allclose(positive.eq_los_m[rows, cols], expected, rtol=2e-3, atol=2e-5)


def test_rupture_stays_inside_the_seismogenic_layer(scenes):
    for s in (s for s in scenes if s.label == 1):
        m = s.metadata
        bottom = m["top_depth_m"] + m["width_m"] * math.sin(math.radians(m["dip_deg"]))
        assert bottom <= TINY.seismogenic_depth_m * (1 + 1e-5)


def test_earthquake_part_matches_okadas_dc3d_and_a_right_looking_los(positive):
    dc3d = pytest.importorskip("okada_wrapper").dc3dwrapper
    m = positive.metadata
    pixel = m["pixel_m"]
    strike, dip, rake = (math.radians(m[k]) for k in ("strike_deg", "dip_deg", "rake_deg"))
    # Fault-centroid surface projection -> DC3D origin above the top edge's midpoint.
    shift = 0.5 * m["width_m"] * math.cos(dip)
    ref_e = m["epicentre_col_px"] * pixel - shift * math.cos(strike)
    ref_n = -m["epicentre_row_px"] * pixel + shift * math.sin(strike)
    h, inc = math.radians(m["heading_deg"]), math.radians(m["incidence_deg"])
    to_sat = (-math.sin(inc) * math.cos(h), math.sin(inc) * math.sin(h), math.cos(inc))
    for row, col in [(3, 7), (32, 32), (60, 20), (15, 55)]:
        x = (col + 0.5) * pixel - ref_e
        y = -(row + 0.5) * pixel - ref_n
        along = x * math.sin(strike) + y * math.cos(strike)
        left = -x * math.cos(strike) + y * math.sin(strike)  # the fault dips to the right
        ok, u, _ = dc3d(
            2.0 / 3.0,  # (lambda + mu) / (lambda + 2 mu) for a Poisson ratio of 0.25
            [along, left, 0.0],
            m["top_depth_m"],
            m["dip_deg"],
            [-m["length_m"] / 2, m["length_m"] / 2],
            [-m["width_m"], 0.0],
            [m["slip_m"] * math.cos(rake), m["slip_m"] * math.sin(rake), 0.0],
        )
        assert ok == 0
        east = u[0] * math.sin(strike) - u[1] * math.cos(strike)
        north = u[0] * math.cos(strike) + u[1] * math.sin(strike)
        expected = -(east * to_sat[0] + north * to_sat[1] + u[2] * to_sat[2])
        assert positive.eq_los_m[row, col] == pytest.approx(expected, rel=2e-3, abs=2e-5)


def test_okada_stride_is_exact_on_nodes_and_close_between():
    fine = sample_scene(3, TINY.replace(positive_fraction=1.0, okada_stride_px=1))
    coarse = sample_scene(3, TINY.replace(positive_fraction=1.0, okada_stride_px=2))
    np.testing.assert_allclose(coarse.eq_los_m[::2, ::2], fine.eq_los_m[::2, ::2], atol=1e-6)
    scale = np.abs(fine.eq_los_m).max()
    assert np.sqrt(np.mean((coarse.eq_los_m - fine.eq_los_m) ** 2)) < 0.05 * scale


SURFACE_RUPTURE = TINY.replace(
    positive_fraction=1.0,
    top_depth_min_m=0.0,
    top_depth_max_m=0.0,
    mw_min=5.5,
    mw_max=6.0,
    pixel_spacing_max_m=100.0,
)


@pytest.mark.parametrize("seed", [0, 2])
def test_refinement_keeps_a_surface_rupture_within_the_tolerance(seed):
    fine = sample_scene(seed, SURFACE_RUPTURE.replace(okada_stride_px=1))
    refined = sample_scene(seed, SURFACE_RUPTURE.replace(okada_stride_px=4))
    to_rad = 4 * math.pi / fine.metadata["wavelength_m"]
    # The tolerance bounds an error *estimate* (second differences), hence the factor 2.
    assert np.abs(refined.eq_los_m - fine.eq_los_m).max() * to_rad < 2 * 0.05


def test_without_refinement_a_surface_rupture_is_smeared():
    fine = sample_scene(0, SURFACE_RUPTURE.replace(okada_stride_px=1))
    coarse = sample_scene(0, SURFACE_RUPTURE.replace(okada_stride_px=4, okada_tolerance_rad=1e9))
    to_rad = 4 * math.pi / fine.metadata["wavelength_m"]
    assert np.abs(coarse.eq_los_m - fine.eq_los_m).max() * to_rad > 1.0


def test_nuisance_is_the_same_for_positive_and_negative_draws():
    from insar_hf.simulate.gradient import gradient_coherence

    pos = sample_scene(5, TINY.replace(positive_fraction=1.0))
    neg = sample_scene(5, TINY.replace(positive_fraction=0.0, hard_negative_fraction=0.0))
    assert not pos.metadata["surface_rupture"]  # no near field: the coherence differs only by
    phase = pos.eq_los_m * np.float32(-4 * np.pi / pos.metadata["wavelength_m"])  # the gradient
    np.testing.assert_allclose(pos.coherence, neg.coherence * gradient_coherence(phase), rtol=1e-5)
    np.testing.assert_allclose(pos.los_m - pos.eq_los_m, neg.los_m, atol=1e-5)


@pytest.fixture(scope="module")
def many():
    return _scenes(200, start=1000)


EARTHQUAKE_DRAWN = {"earthquake", "earthquake_not_visible"}


def test_fraction_of_scenes_that_draw_an_earthquake_is_the_positive_fraction(many):
    drawn = np.mean([s.metadata["deformation_source"] in EARTHQUAKE_DRAWN for s in many])
    p = TINY.positive_fraction
    assert abs(drawn - p) < 3 * math.sqrt(p * (1 - p) / len(many))  # binomial, 3 sd


def test_label_is_one_exactly_for_the_visible_earthquakes(many):
    # Invisible earthquakes are drawn but labelled 0, so the label mean is the fraction of
    # visible earthquakes, not the positive fraction.
    label = [s.label for s in many]
    assert label == [int(s.metadata["deformation_source"] == "earthquake") for s in many]


# ----------------------------------------------------------- magnitude-aware pixel spacing


def test_footprint_is_the_wells_coppersmith_all_types_length_plus_two_depths():
    # Wells & Coppersmith (1994) Table 2A, RLD, all slip types: log10 L [km] = -2.44 + 0.59 M.
    assert deformation_footprint_m(7.0) == pytest.approx(10 ** (-2.44 + 4.13) * 1e3)
    assert deformation_footprint_m(6.0, 4000.0) == pytest.approx(10**1.1 * 1e3 + 8000.0)


def test_positive_and_negative_from_one_design_stream_get_the_same_spacing():
    for seed in range(4):
        pos = sample_scene(seed, TINY.replace(positive_fraction=1.0)).metadata
        neg = sample_scene(seed, TINY.replace(positive_fraction=0.0)).metadata
        assert pos["pixel_m"] == neg["pixel_m"] and pos["span_factor"] == neg["span_factor"]
        assert pos["design_mw"] == neg["design_mw"] == pos["mw"]


def test_spacing_is_span_factor_times_footprint_clipped(many):
    for s in many:
        m = s.metadata
        expected = m["span_factor"] * deformation_footprint_m(m["design_mw"]) / 64
        assert m["pixel_m"] == pytest.approx(np.clip(expected, 30.0, 1500.0), rel=1e-5)


def test_spacing_distribution_does_not_depend_on_the_label(many):
    # Same by construction for the drawn classes; only the visibility rule (a small event
    # that stays invisible is labelled 0) could shift it, and it must not shift it much.
    stats = pytest.importorskip("scipy.stats")
    pixel = np.array([s.metadata["pixel_m"] for s in many])
    label = np.array([s.label for s in many])
    assert stats.ks_2samp(pixel[label == 1], pixel[label == 0]).pvalue > 0.05


def test_redraws_keep_the_design_magnitude():
    config = TINY.replace(positive_fraction=1.0, mw_min=4.5, mw_max=5.0)
    redrawn = [s for s in (sample_scene(i, config) for i in range(12)) if s.metadata["redraws"]]
    assert redrawn
    for s in redrawn:
        assert s.metadata["mw"] == s.metadata["design_mw"]


def test_log_uniform_mode_draws_no_design_magnitude():
    config = TINY.replace(pixel_spacing_mode="log-uniform", pixel_spacing_max_m=400.0)
    for i in range(6):
        m = sample_scene(i, config.replace(positive_fraction=1.0)).metadata
        assert math.isnan(m["design_mw"]) and math.isnan(m["span_factor"])
        assert 30.0 <= m["pixel_m"] <= 400.0 * 1.0001


def _box_fractions(config, n=60):
    """Box area / image area of the positives among ``n`` scenes drawn as positives."""
    fractions = []
    for i in range(n):
        s = sample_scene(scene_seed_sequence(1, "train", i), config.replace(positive_fraction=1.0))
        if s.label == 1:
            x0, y0, x1, y1 = s.deformation_bbox
            fractions.append((x1 - x0) * (y1 - y0) / 64**2)
    return np.array(fractions)


def test_magnitude_aware_spacing_fills_the_image_without_making_every_box_the_image():
    # A visible earthquake fills a good part of the window (as at a product's native spacing),
    # small and whole-image boxes both remain, and far fewer boxes are the whole image than with
    # an independent log-uniform spacing.
    boxes = _box_fractions(TINY)
    old = _box_fractions(
        TINY.replace(
            pixel_spacing_mode="log-uniform", pixel_spacing_min_m=40.0, pixel_spacing_max_m=400.0
        )
    )
    assert 0.2 < float(np.median(boxes)) < 0.7
    assert np.mean(boxes < 0.1) > 0 and np.mean(boxes > 0.9) > 0
    assert np.mean(boxes > 0.9) < 0.3 < np.mean(old > 0.9)


def test_invisible_earthquake_is_labelled_zero_after_redraws():
    config = TINY.replace(
        positive_fraction=1.0,
        mw_min=4.5,
        mw_max=4.5,
        top_depth_min_m=15_000.0,
        top_depth_max_m=15_000.0,
        seismogenic_depth_m=30_000.0,
        pixel_spacing_min_m=400.0,
        max_redraws=2,
        sensor_weights=(("nisar_l", 1.0),),
    )
    s = sample_scene(0, config)
    assert s.label == 0 and s.metadata["deformation_source"] == "earthquake_not_visible"
    assert s.metadata["redraws"] == 2 and s.metadata["visible_pixels"] < 10
    assert s.eq_los_m.any() and not s.deformation_mask.any()
    assert s.metadata["mw"] == pytest.approx(4.5)


def test_hard_negatives_are_label_zero_non_seismic_sources():
    config = TINY.replace(positive_fraction=0.0, hard_negative_fraction=1.0)
    sources = set()
    for i in range(8):
        s = sample_scene(i, config)
        assert s.label == 0 and s.metadata["hard_negative"] and not s.eq_los_m.any()
        assert not s.deformation_mask.any()
        sources.add(s.metadata["deformation_source"])
    assert sources == {"mogi", "subsidence", "dyke", "sill"}


def test_epicentre_lies_inside_the_margins(scenes):
    lo, hi = 0.15 * 64, 0.85 * 64
    for s in (s for s in scenes if s.label == 1):
        assert lo <= s.metadata["epicentre_row_px"] <= hi
        assert lo <= s.metadata["epicentre_col_px"] <= hi


def test_metadata_has_every_field_with_its_type(scenes):
    python_type = {"float32": float, "int64": int, "string": str, "bool": bool}
    for s in scenes:
        assert list(s.metadata) == list(METADATA_FIELDS)
        for name, dtype in METADATA_FIELDS.items():
            assert type(s.metadata[name]) is python_type[dtype], name
        assert s.metadata["label"] == s.label and s.metadata["kind"] == s.kind


def test_metadata_geometry_matches_the_sensor(scenes):
    for s in scenes:
        m = s.metadata
        sensor = SENSORS[m["sensor"]]
        assert m["wavelength_m"] == pytest.approx(sensor.wavelength_m)
        assert sensor.incidence_min_deg <= m["incidence_deg"] <= sensor.incidence_max_deg
        assert TINY.pixel_spacing_min_m <= m["pixel_m"] <= TINY.pixel_spacing_max_m * 1.0001


def test_gutenberg_richter_magnitudes_follow_the_b_value():
    config = SceneConfig(mw_min=5.0, mw_max=8.0, mw_distribution="gutenberg-richter")
    rng = np.random.default_rng(0)
    mw = np.array([draw_mw(rng, config) for _ in range(20_000)])
    expected = (10.0**-1 - 10.0**-3) / (1 - 10.0**-3)  # P(M >= 6) for b = 1 on [5, 8]
    assert abs(np.mean(mw >= 6.0) - expected) < 0.01
    assert mw.min() >= 5.0 and mw.max() <= 8.0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"pixel_spacing_min_m": 2000.0}, "pixel_spacing_min_m \\(2000.0\\) must be finite and"),
        ({"pixel_spacing_mode": "linear"}, "pixel_spacing_mode must be one of \\('magnitude', "),
        ({"span_factor_min": 0.0}, "span_factor_min must be > 0 \\(its range is log-uniform"),
        ({"span_factor_min": 12.0}, "span_factor_min \\(12.0\\) must be finite and <= span_"),
        ({"footprint_depth_m": -1.0}, "footprint_depth_m must be >= 0 metres, got -1.0"),
        ({"positive_fraction": 1.5}, "positive_fraction must be a probability in \\[0, 1\\]"),
        ({"sensor_weights": (("landsat", 1.0),)}, "sensor_weights: unknown name 'landsat'"),
        ({"mechanism_weights": (("thrust", -1.0),)}, "weight of 'thrust' must be a finite"),
        ({"mw_distribution": "normal"}, "mw_distribution must be 'uniform' or 'gutenberg-richter'"),
        ({"image_size_px": 8}, "image_size_px must be an integer in \\[16, 4096\\]"),
        ({"min_visible_pixels": 10_000, "image_size_px": 64}, "min_visible_pixels must be"),
        ({"epicentre_margin_fraction": 0.5}, "epicentre_margin_fraction must be in \\[0, 0.5\\)"),
        ({"mean_coherence_max": 1.2}, "mean coherence must lie in \\(0, 1\\]"),
        ({"okada_stride_px": 0}, "okada_stride_px must be an integer in \\[1, 8\\]"),
        ({"positive_fraction": "0.5"}, "positive_fraction must be a finite number, got '0.5'"),
        ({"no_data_threshold": float("nan")}, "no_data_threshold must be a finite number"),
        ({"top_depth_max_m": 25e3}, "top_depth_max_m \\(25000.0\\) must be shallower than"),
    ],
)
def test_config_validation_says_what_to_fix(changes, message):
    with pytest.raises(ValueError, match=message):
        SceneConfig(**changes)


def test_config_survives_a_json_round_trip():
    config = SceneConfig(sensor_weights=(("nisar_l", 2.0), ("sentinel1", 1.0)))
    again = SceneConfig(**json.loads(json.dumps(dataclasses.asdict(config))))
    assert again == config


def test_weights_may_be_given_as_a_dict():
    config = SceneConfig(mechanism_weights={"thrust": 1, "normal": 3})
    assert config.mechanism_weights == (("thrust", 1.0), ("normal", 3.0))


@pytest.mark.parametrize("seed", [-1, 1.5, "0", None])
def test_bad_seed_raises(seed):
    with pytest.raises(ValueError, match="seed must be an integer"):
        sample_scene(seed, TINY)


def test_unknown_split_raises():
    with pytest.raises(ValueError, match="split must be one of"):
        scene_seed_sequence(0, "dev", 0)
