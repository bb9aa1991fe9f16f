"""Scene-level behaviour of generator v2: look-alikes, masks, unwrapping errors, the label rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf.schema import DEFORMATION_SOURCES
from insar_hf.simulate.config import SceneConfig
from insar_hf.simulate.label import signal_to_nuisance
from insar_hf.simulate.nuisance import LOOKALIKE_NAMES
from insar_hf.simulate.scene import sample_scene
from insar_hf.simulate.turbulence import rms_difference_m

TINY = SceneConfig(image_size_px=64, min_visible_pixels=10)


def _atmosphere_only(config):
    """No look-alike, no water or edge, no error: only turbulence, DEM delay and ramp."""
    return config.replace(
        volcano_fraction=0.0,
        range_fraction=0.0,
        front_fraction=0.0,
        gravity_wave_fraction=0.0,
        water_fraction=0.0,
        frame_edge_fraction=0.0,
        unwrapping_error_fraction=0.0,
        ramp_gradient_max_m_per_km=0.0,
        stratification_std_m_per_km=0.0,
    )


def test_unwrapping_error_is_a_whole_cycle_step_in_the_unwrapped_product_only():
    config = TINY.replace(unwrapping_error_fraction=1.0, positive_fraction=0.0)
    for seed in range(4):
        s = sample_scene(seed, config)
        cycles = s.metadata["unwrapping_error_cycles"]
        assert cycles in (-2, -1, 1, 2)
        to_phase = -4 * math.pi / s.metadata["wavelength_m"]
        offset = s.unwrapped_rad.astype(np.float64) - s.los_m * to_phase  # noise + error
        steps = np.round(offset / (2 * math.pi))
        finite = np.isfinite(steps)
        assert set(np.unique(steps[finite])) <= {0.0, float(cycles)}
        assert np.any(steps[finite] == cycles) or not finite.any()


def test_negatives_are_named_for_their_first_visible_lookalike():
    config = TINY.replace(
        positive_fraction=0.0, hard_negative_fraction=0.0, front_fraction=1.0,
        front_step_min_m=0.03, front_step_max_m=0.04,
    )  # fmt: skip
    for seed in range(5):
        meta = sample_scene(seed, config).metadata
        found = meta["lookalikes"].split("+")
        assert "atmospheric_front" in found and set(found) <= set(LOOKALIKE_NAMES)
        assert meta["deformation_source"] == found[0]
        assert meta["deformation_source"] in DEFORMATION_SOURCES
        assert abs(meta["front_step_m"]) >= 0.03


def test_lookalikes_are_drawn_for_every_class_alike():
    # The nuisance stream does not know the class: the same seeds give the same look-alikes to
    # a positive and to a negative design.
    pos, neg = TINY.replace(positive_fraction=1.0), TINY.replace(positive_fraction=0.0)
    for seed in range(6):
        a, b = sample_scene(seed, pos).metadata, sample_scene(seed, neg).metadata
        for key in ("lookalikes", "volcano_height_m", "front_step_m", "atmosphere_strength"):
            assert a[key] == b[key] or (np.isnan(a[key]) and np.isnan(b[key]))


def test_atmosphere_grows_with_the_window_as_the_law_says():
    # Same seed and strength, windows of 7 km and 300 km: the RMS difference at a quarter of the
    # window grows as sqrt(300 / 7) (Emardson et al. 2003's L^0.5), up to the LOS mapping.
    base = _atmosphere_only(SceneConfig(image_size_px=64)).replace(
        positive_fraction=0.0, hard_negative_fraction=0.0, pixel_spacing_mode="log-uniform",
        atmosphere_strength_min=1.0, atmosphere_strength_max=1.0,
        sensor_weights=(("sentinel1", 1.0),),
    )  # fmt: skip
    small = sample_scene(
        0, base.replace(pixel_spacing_min_m=7000 / 64, pixel_spacing_max_m=7000 / 64)
    )
    large = sample_scene(
        0, base.replace(pixel_spacing_min_m=3e5 / 64, pixel_spacing_max_m=3e5 / 64)
    )
    ratio = rms_difference_m(large.los_m, 16) / rms_difference_m(small.los_m, 16)
    cos = [math.cos(math.radians(s.metadata["incidence_deg"])) for s in (small, large)]
    assert ratio == pytest.approx(math.sqrt(300 / 7) * cos[0] / cos[1], rel=1e-3)


def test_surface_ruptures_decorrelate_their_near_field():
    config = SceneConfig(
        positive_fraction=1.0, top_depth_min_m=0.0, top_depth_max_m=100.0, mw_min=6.5,
        mw_max=7.0, mean_coherence_min=0.9, mean_coherence_max=0.9, landcover_fraction_max=0.0,
    )  # fmt: skip
    s = sample_scene(1, config)
    assert s.metadata["surface_rupture"] and s.metadata["near_field_width_m"] > 0
    # The coherence drops to near 0 somewhere (on the trace) in a scene whose mean is 0.9.
    assert float(s.coherence.min()) < 0.1 < 0.8 < float(np.median(s.coherence))


def test_signal_to_nuisance_is_the_peak_over_the_nuisance_span_in_the_box():
    eq = np.zeros((20, 20), dtype=np.float32)
    eq[5:10, 5:10] = 0.02
    eq[7, 7] = -0.05
    mask = eq != 0
    nuisance = np.tile(np.linspace(0, 0.1, 20, dtype=np.float32), (20, 1))
    # The box is rows and columns 5-9; every other pixel: rows 5, 7, 9 x columns 5, 7, 9, whose
    # values are 5/19, 7/19 and 9/19 of 0.1, three times each.
    sample = np.repeat([0.1 * c / 19 for c in (5, 7, 9)], 3)
    span = float(np.quantile(sample, 0.99) - np.quantile(sample, 0.01))
    assert signal_to_nuisance(eq, nuisance, mask) == pytest.approx(0.05 / span, rel=1e-5)
    assert signal_to_nuisance(eq, np.zeros_like(eq), mask) == math.inf
    assert signal_to_nuisance(eq, nuisance, np.zeros_like(mask)) == 0.0


def test_label_rule_needs_the_signal_to_stand_out_from_the_nuisance():
    # The same positive seeds: with the rule off every earthquake is labelled by visibility alone;
    # with an impossible ratio none is, and all are kept as invisible label-0 scenes.
    config = TINY.replace(positive_fraction=1.0, max_redraws=1)
    off = [sample_scene(i, config.replace(min_signal_to_nuisance=0.0)) for i in range(6)]
    strict = [sample_scene(i, config.replace(min_signal_to_nuisance=1e6)) for i in range(6)]
    assert sum(s.label for s in off) > 0
    assert all(s.label == 0 for s in strict)
    assert all(s.metadata["deformation_source"] == "earthquake_not_visible" for s in strict)
    for s in off:
        if s.label:
            assert s.metadata["signal_to_nuisance"] >= 0.0
