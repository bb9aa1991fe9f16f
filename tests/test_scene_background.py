"""Scenes on real backgrounds: physics, no shortcut, the label rule against the real nuisance."""

from __future__ import annotations

import math

import numpy as np
import pytest

from insar_hf import SceneConfig, sample_scene
from insar_hf.simulate.background import (
    Background,
    augment_background,
    background_nuisance,
    compose_on_background,
    least_squares_unwrap,
    pseudo_correlation,
    quantise_phase,
)
from insar_hf.simulate.scene import on_real_background

SIDE = 48
TINY = SceneConfig(
    image_size_px=SIDE,
    real_background_fraction=1.0,
    wrapped_fraction=1.0,
    background_crop_max_px=64,
    mw_min=5.0,
    mw_max=6.0,
)
STEP = 2 * math.pi / 255


def smooth_phase(side: int, seed: int, amplitude_rad: float = 6.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side, 0:side] / side
    a, b = rng.uniform(-1, 1, size=2)
    phase = amplitude_rad * (a * x + b * np.sin(2 * y + x))
    return np.angle(np.exp(1j * phase)).astype(np.float32)


def background(phase: np.ndarray, name: str = "b.png", levels: int = 256, **kw) -> Background:
    phase = quantise_phase(phase, levels)
    return Background(phase, pixel_m=100.0, levels=levels, name=name, volcano="v", group="g", **kw)


def noise_background(side: int, seed: int) -> Background:
    phase = np.random.default_rng(seed).uniform(-math.pi, math.pi, size=(side, side))
    return background(phase.astype(np.float32), "noise.png")


BANK = [background(smooth_phase(56, s), f"smooth{s}.png") for s in range(4)]


def on_grid(phase: np.ndarray) -> bool:
    """True when every finite value is one of the 256 levels of the 8-bit encoding."""
    g = (phase[np.isfinite(phase)] + math.pi) / STEP
    return bool(np.allclose(g, np.round(g), atol=1e-3))


# ----------------------------------------------------------------------------- the pieces


def test_least_squares_unwrapping_recovers_a_smooth_field():
    y, x = np.mgrid[0:60, 0:70].astype(np.float64)
    field = 3 * np.sin(x / 12) + 2 * np.cos(y / 9) + 0.01 * x * y
    wrapped = np.angle(np.exp(1j * field))
    unwrapped = least_squares_unwrap(wrapped, np.ones(field.shape, dtype=bool))
    np.testing.assert_allclose(unwrapped, field - field.mean(), atol=1e-4)


def test_least_squares_unwrapping_is_nan_where_rejected():
    weights = np.ones((20, 20), dtype=bool)
    weights[5:9, 5:9] = False
    out = least_squares_unwrap(np.zeros((20, 20)), weights)
    assert np.isnan(out[5:9, 5:9]).all() and np.isfinite(out[weights]).all()


def test_pseudo_correlation_of_noise_is_the_mean_of_random_phasors():
    # |mean of k^2 random unit phasors| has mean sqrt(pi) / (2 k) (a Rayleigh variable).
    noise = np.random.default_rng(0).uniform(-np.pi, np.pi, size=(300, 300))
    inner = pseudo_correlation(noise, 5)[5:-5, 5:-5]
    assert inner.mean() == pytest.approx(math.sqrt(math.pi) / 10, rel=0.03)


def test_pseudo_correlation_of_smooth_fringes_is_near_one():
    assert pseudo_correlation(smooth_phase(64, 0, 3.0), 5)[2:-2, 2:-2].min() > 0.95


def test_quantised_phase_lies_on_the_8bit_grid_and_requantises_to_itself():
    phase = np.random.default_rng(1).uniform(-10, 10, size=(30, 30))
    q = quantise_phase(phase, 256)
    assert on_grid(q)
    np.testing.assert_array_equal(quantise_phase(q, 256), q)
    assert np.max(np.abs(np.angle(np.exp(1j * (q - phase))))) <= STEP / 2 + 1e-6


def test_augmentation_is_a_crop_turned_flipped_negated_and_offset():
    bg = background(smooth_phase(56, 3), levels=0)
    rng = np.random.default_rng(5)
    out, pixel_m, t = augment_background(rng, bg, 56, 56)
    crop = np.rot90(bg.wrapped_rad[t["row0"] :, t["col0"] :][:56, :56], t["rot90"])
    if t["flip"]:
        crop = crop[::-1]
    expected = np.angle(np.exp(1j * (t["sign"] * crop + t["offset_rad"])))
    np.testing.assert_allclose(np.angle(np.exp(1j * (out - expected))), 0, atol=1e-5)
    assert pixel_m == 100.0 and t["crop_px"] == 56


def test_a_larger_crop_is_resampled_and_its_pixels_grow():
    bg = background(smooth_phase(200, 3), levels=0)
    for seed in range(20):
        out, pixel_m, t = augment_background(np.random.default_rng(seed), bg, 50, 200)
        assert out.shape == (50, 50)
        assert pixel_m == pytest.approx(100.0 * t["crop_px"] / 50)
        assert t["crop_px"] == 50 or t["crop_px"] >= 55  # no resampling for under 10 %


def test_deformation_is_added_on_valid_pixels_and_no_data_stays_no_data():
    phase = smooth_phase(40, 2)
    phase[10:20, 10:20] = np.nan
    nuisance = background_nuisance(phase, window_px=5, threshold=0.5)
    deformation = np.full((40, 40), 2.5)  # flat: no pixel decorrelates by the gradient
    out, _ = compose_on_background(nuisance, deformation, None, np.random.default_rng(0), 0)
    assert np.isnan(out[10:20, 10:20]).all() and np.count_nonzero(np.isnan(out)) == 100
    diff = np.angle(np.exp(1j * (out - phase - deformation)))
    np.testing.assert_allclose(diff[np.isfinite(diff)], 0, atol=1e-5)


def test_decorrelated_pixels_stay_noise():
    # Uniform noise plus any phase is uniform noise: the phasors' mean stays at the noise level.
    noise = noise_background(200, 3)
    nuisance = background_nuisance(noise.wrapped_rad, window_px=5, threshold=0.5)
    deformation = np.full((200, 200), 1.3)
    out, _ = compose_on_background(nuisance, deformation, None, np.random.default_rng(0), 256)
    assert not nuisance.coherent.any()
    assert abs(np.exp(1j * out).mean()) < 3 / 200  # 3 sigma of the mean of 40,000 phasors


# ----------------------------------------------------------------------------- scenes


def test_a_real_background_fraction_needs_backgrounds():
    with pytest.raises(ValueError, match="needs real backgrounds: pass backgrounds="):
        sample_scene(0, TINY)


def test_scenes_on_a_background_record_its_file_volcano_and_group():
    scene = sample_scene(0, TINY, backgrounds=BANK)
    meta = scene.metadata
    assert meta["background_file"] in {b.name for b in BANK}
    assert (meta["background_volcano"], meta["background_group"]) == ("v", "g")
    assert scene.kind == "wrapped" and np.isnan(scene.unwrapped_rad).all()


def test_simulated_scenes_leave_the_background_fields_empty():
    meta = sample_scene(0, SceneConfig(image_size_px=SIDE)).metadata
    assert meta["background_file"] == meta["background_volcano"] == meta["background_group"] == ""


def test_unwrapped_scenes_never_take_a_background():
    config = TINY.replace(wrapped_fraction=0.0)
    for seed in range(3):
        assert sample_scene(seed, config, backgrounds=BANK).metadata["background_file"] == ""


def test_a_zero_fraction_leaves_every_scene_as_it_was():
    plain = SceneConfig(image_size_px=SIDE)
    for seed in range(3):
        a = sample_scene(seed, plain)
        b = sample_scene(seed, plain, backgrounds=BANK)
        np.testing.assert_array_equal(a.wrapped_rad, b.wrapped_rad)
        np.testing.assert_array_equal(a.unwrapped_rad, b.unwrapped_rad)


def test_both_classes_draw_the_same_background_the_same_way():
    # No shortcut: whether a scene is on a real background, which one and how it is cropped and
    # turned come from a stream that does not know the class.
    config = TINY.replace(real_background_fraction=0.5, wrapped_fraction=0.5)
    pos, neg = config.replace(positive_fraction=1.0), config.replace(positive_fraction=0.0)
    drawn = 0
    for seed in range(12):
        a, b = sample_scene(seed, pos, backgrounds=BANK), sample_scene(seed, neg, backgrounds=BANK)
        for key in ("background_file", "pixel_m", "pass_direction", "heading_deg", "kind"):
            assert a.metadata[key] == b.metadata[key], key
        drawn += a.metadata["background_file"] != ""
    assert 0 < drawn < 12


def test_both_classes_are_quantised_to_the_backgrounds_levels():
    labels = set()
    for seed in range(10):
        scene = sample_scene(seed, TINY.replace(positive_fraction=0.5), backgrounds=BANK)
        labels.add(scene.label)
        assert on_grid(scene.wrapped_rad)
    assert labels == {0, 1}


def test_a_label_0_scene_without_a_source_is_the_augmented_background():
    config = TINY.replace(positive_fraction=0.0, hard_negative_fraction=0.0)
    scene = sample_scene(4, config, backgrounds=BANK)
    assert scene.label == 0 and scene.metadata["deformation_source"] == "none"
    assert np.abs(scene.eq_los_m).max() == 0 and not scene.deformation_mask.any()


def test_the_deformation_is_drawn_on_the_backgrounds_grid_and_pass():
    bank = [background(smooth_phase(50, 0), "a.png", pass_direction="descending")]  # no resampling
    meta = sample_scene(1, TINY.replace(positive_fraction=1.0), backgrounds=bank).metadata
    assert meta["pixel_m"] == pytest.approx(100.0)
    assert meta["pass_direction"] == "descending" and meta["sensor"] == "sentinel1"
    assert -180 <= meta["heading_deg"] < -150  # a descending heading (-168 +- jitter)


def test_an_earthquake_on_pure_noise_is_never_visible():
    bank = [noise_background(56, s) for s in range(2)]
    config = TINY.replace(positive_fraction=1.0, max_redraws=2, mw_min=6.5, mw_max=7.0)
    for seed in range(4):
        scene = sample_scene(seed, config, backgrounds=bank)
        assert scene.label == 0
        assert scene.metadata["deformation_source"] == "earthquake_not_visible"


def test_visibility_is_judged_against_the_backgrounds_own_nuisance():
    # The same earthquake (same seeds) is visible on a flat background and hidden in one whose
    # smooth nuisance spans many fringes: the label rule weighs it against the real nuisance.
    flat = [background(np.zeros((56, 56), dtype=np.float32), "flat.png")]
    y, x = np.mgrid[0:56, 0:56] / 56
    wavy = [background(np.angle(np.exp(1j * 40 * np.sin(3 * x + 2 * y))).astype(np.float32))]
    config = TINY.replace(positive_fraction=1.0, max_redraws=0, mw_min=5.0, mw_max=5.0)
    seen_flat = [sample_scene(s, config, backgrounds=flat).label for s in range(8)]
    seen_wavy = [sample_scene(s, config, backgrounds=wavy).label for s in range(8)]
    assert sum(seen_flat) > sum(seen_wavy)
    assert all(a >= b for a, b in zip(seen_flat, seen_wavy))


def test_scenes_on_backgrounds_are_a_pure_function_of_seed_config_and_bank():
    a = sample_scene(7, TINY, backgrounds=BANK)
    b = sample_scene(7, TINY, backgrounds=BANK)
    np.testing.assert_array_equal(a.wrapped_rad, b.wrapped_rad)
    np.testing.assert_array_equal(a.deformation_mask, b.deformation_mask)
    for key, value in a.metadata.items():  # NaN == NaN for missing values
        assert value == b.metadata[key] or (value != value and b.metadata[key] != b.metadata[key])


def test_whether_a_scene_is_on_a_background_is_known_without_drawing_it():
    config = TINY.replace(real_background_fraction=0.5, wrapped_fraction=0.5)
    for seed in range(10):
        drawn = sample_scene(seed, config, backgrounds=BANK).metadata["background_file"] != ""
        assert on_real_background(seed, config) == drawn


def test_fringes_denser_than_the_pixels_become_noise():
    nuisance = background_nuisance(np.zeros((100, 100), np.float32), window_px=5, threshold=0.5)
    dense = np.tile(2 * np.pi * 1.2 * np.arange(100), (100, 1))  # 1.2 fringes per pixel
    out, coherence = compose_on_background(nuisance, dense, None, np.random.default_rng(0), 0)
    assert abs(np.exp(1j * (out - dense)).mean()) < 0.05 and not coherence.any()
