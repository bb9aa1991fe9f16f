"""Validation of :class:`~insar_hf.simulate.config.SceneConfig`: one message per mistake.

:func:`check_scene_config` runs in ``SceneConfig.__post_init__``: it checks every field (types,
ranges, ``min <= max`` pairs, probabilities) and raises ``ValueError`` saying what to change, and
normalises the ``(name, weight)`` tables read back from JSON (lists or dicts) to tuples
(:func:`weight_pairs`), so that a config survives a JSON round trip.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from insar_hf.physics import los as los_mod
from insar_hf.physics import scaling

__all__ = ["HARD_NEGATIVE_SOURCES", "PIXEL_SPACING_MODES", "check_scene_config", "weight_pairs"]

PIXEL_SPACING_MODES = ("magnitude", "log-uniform")
"""Values of ``SceneConfig.pixel_spacing_mode``."""

HARD_NEGATIVE_SOURCES = ("mogi", "subsidence", "dyke", "sill")
"""Non-seismic sources a hard negative may hold (values of ``deformation_source``; drawn by
:mod:`insar_hf.simulate.volcanic`, named in ``SceneConfig.hard_negative_weights``)."""


def weight_pairs(name: str, pairs, allowed) -> tuple[tuple[str, float], ...]:
    """Validate ``(name, weight)`` pairs (a tuple/list of pairs or a dict, as read from JSON)."""
    if isinstance(pairs, dict):
        pairs = tuple(pairs.items())
    if not isinstance(pairs, (tuple, list)) or not pairs:
        raise ValueError(f"{name} must be a non-empty tuple of (name, weight) pairs, got {pairs!r}")
    out = []
    for pair in pairs:
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(f"{name} must hold (name, weight) pairs, got item {pair!r}")
        key, weight = pair
        if key not in allowed:
            raise ValueError(f"{name}: unknown name {key!r}; choose from {sorted(allowed)}")
        if not (
            isinstance(weight, (int, float))
            and not isinstance(weight, bool)
            and math.isfinite(weight)
            and weight >= 0
        ):
            raise ValueError(
                f"{name}: weight of {key!r} must be a finite number >= 0, got {weight!r}"
            )
        out.append((str(key), float(weight)))
    names = [key for key, _ in out]
    if len(set(names)) != len(names):
        raise ValueError(f"{name}: each name may appear once, got {names}")
    if sum(w for _, w in out) <= 0:
        raise ValueError(f"{name}: at least one weight must be > 0")
    return tuple(out)


def check_scene_config(config: Any) -> None:
    """Check every field of ``config``, a :class:`~insar_hf.simulate.config.SceneConfig`; raise
    ``ValueError`` saying what to change.

    This module sits below ``config`` (which calls it from ``__post_init__``) and never imports
    it, not even for the annotation: the modules of a package import each other without cycles
    (the ``acyclic_siblings`` contract in ``pyproject.toml``).

    Normalises the weight tables in place (the dataclass is frozen: ``object.__setattr__``).
    """

    def need(ok: bool, message: str) -> None:
        if not ok:
            raise ValueError(message)

    def is_int(v) -> bool:
        return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if isinstance(f.default, float):
            need(
                isinstance(value, (int, float, np.floating, np.integer))
                and not isinstance(value, bool)
                and math.isfinite(value),
                f"{f.name} must be a finite number, got {value!r}",
            )
        elif isinstance(f.default, str):
            need(isinstance(value, str), f"{f.name} must be a string, got {value!r}")
    need(
        is_int(config.image_size_px) and 16 <= config.image_size_px <= 4096,
        f"image_size_px must be an integer in [16, 4096], got {config.image_size_px!r}",
    )
    for lo_name, hi_name in (
        ("pixel_spacing_min_m", "pixel_spacing_max_m"),
        ("span_factor_min", "span_factor_max"),
        ("mw_min", "mw_max"),
        ("top_depth_min_m", "top_depth_max_m"),
        ("atmosphere_strength_min", "atmosphere_strength_max"),
        ("dem_relief_min_m", "dem_relief_max_m"),
        ("volcano_height_min_m", "volcano_height_max_m"),
        ("volcano_radius_min_m", "volcano_radius_max_m"),
        ("range_height_min_m", "range_height_max_m"),
        ("range_half_width_min_m", "range_half_width_max_m"),
        ("front_step_min_m", "front_step_max_m"),
        ("front_width_min_m", "front_width_max_m"),
        ("gravity_wave_amplitude_min_m", "gravity_wave_amplitude_max_m"),
        ("gravity_wave_length_min_m", "gravity_wave_length_max_m"),
        ("mean_coherence_min", "mean_coherence_max"),
        ("looks_min", "looks_max"),
        ("mogi_depth_min_m", "mogi_depth_max_m"),
        ("mogi_volume_min_m3", "mogi_volume_max_m3"),
        ("bowl_radius_min_m", "bowl_radius_max_m"),
        ("bowl_subsidence_min_m", "bowl_subsidence_max_m"),
    ):
        lo, hi = getattr(config, lo_name), getattr(config, hi_name)
        need(
            isinstance(lo, (int, float)) and isinstance(hi, (int, float)),
            f"{lo_name} and {hi_name} must be numbers, got {lo!r} and {hi!r}",
        )
        need(
            math.isfinite(lo) and math.isfinite(hi) and lo <= hi,
            f"{lo_name} ({lo}) must be finite and <= {hi_name} ({hi}); swap or fix them",
        )
    need(
        config.pixel_spacing_min_m > 0,
        f"pixel_spacing_min_m must be > 0 metres, got {config.pixel_spacing_min_m}",
    )
    need(
        config.pixel_spacing_mode in PIXEL_SPACING_MODES,
        f"pixel_spacing_mode must be one of {PIXEL_SPACING_MODES}, "
        f"got {config.pixel_spacing_mode!r}",
    )
    need(
        config.span_factor_min > 0,
        "span_factor_min must be > 0 (its range is log-uniform; > 1 keeps the footprint "
        f"inside the image), got {config.span_factor_min}",
    )
    need(
        config.footprint_depth_m >= 0,
        f"footprint_depth_m must be >= 0 metres, got {config.footprint_depth_m}",
    )
    for name in (
        "wrapped_fraction",
        "positive_fraction",
        "hard_negative_fraction",
        "volcano_fraction",
        "range_fraction",
        "front_fraction",
        "gravity_wave_fraction",
        "water_fraction",
        "frame_edge_fraction",
        "unwrapping_error_fraction",
        "landcover_fraction_max",
    ):
        value = getattr(config, name)
        need(0.0 <= value <= 1.0, f"{name} must be a probability in [0, 1], got {value}")
    need(
        3.0 <= config.mw_min and config.mw_max <= 9.5,
        f"magnitudes must lie in [3, 9.5]; got mw_min={config.mw_min}, mw_max={config.mw_max}",
    )
    need(
        config.mw_distribution in ("uniform", "gutenberg-richter"),
        f"mw_distribution must be 'uniform' or 'gutenberg-richter', got {config.mw_distribution!r}",
    )
    need(config.gr_b_value > 0, f"gr_b_value must be > 0, got {config.gr_b_value}")
    need(config.top_depth_min_m >= 0, f"top_depth_min_m must be >= 0, got {config.top_depth_min_m}")
    need(
        config.top_depth_max_m < config.seismogenic_depth_m,
        f"top_depth_max_m ({config.top_depth_max_m}) must be shallower than "
        f"seismogenic_depth_m ({config.seismogenic_depth_m}); lower it or deepen the layer",
    )
    # Normalised to tuples so that a config read back from JSON (lists) equals the original.
    for name, allowed in (
        ("sensor_weights", los_mod.SENSORS),
        ("mechanism_weights", scaling.MECHANISMS),
    ):
        object.__setattr__(config, name, weight_pairs(name, getattr(config, name), allowed))
    need(
        config.heading_jitter_deg >= 0,
        f"heading_jitter_deg must be >= 0, got {config.heading_jitter_deg}",
    )
    need(
        0.0 <= config.epicentre_margin_fraction < 0.5,
        "epicentre_margin_fraction must be in [0, 0.5) so that the epicentre can lie in the "
        f"image, got {config.epicentre_margin_fraction}",
    )
    need(
        is_int(config.min_visible_pixels)
        and 1 <= config.min_visible_pixels <= config.image_size_px**2,
        f"min_visible_pixels must be an integer in [1, image_size_px**2 = "
        f"{config.image_size_px**2}], got {config.min_visible_pixels!r}",
    )
    need(
        is_int(config.max_redraws) and config.max_redraws >= 0,
        f"max_redraws must be an integer >= 0, got {config.max_redraws!r}",
    )
    need(
        config.min_signal_to_nuisance >= 0,
        f"min_signal_to_nuisance must be >= 0 (0 turns it off), "
        f"got {config.min_signal_to_nuisance}",
    )
    need(
        is_int(config.okada_stride_px) and 1 <= config.okada_stride_px <= 8,
        f"okada_stride_px must be an integer in [1, 8], got {config.okada_stride_px!r}",
    )
    need(
        config.okada_tolerance_rad > 0,
        f"okada_tolerance_rad must be > 0 radians, got {config.okada_tolerance_rad}",
    )
    for name in (
        "atmosphere_strength_min",
        "turbulence_break_m",
        "volcano_radius_min_m",
        "range_half_width_min_m",
        "front_step_min_m",
        "front_width_min_m",
        "gravity_wave_amplitude_min_m",
        "gravity_wave_length_min_m",
    ):
        need(
            getattr(config, name) > 0,
            f"{name} must be > 0 (its range is log-uniform), got {getattr(config, name)}",
        )
    need(
        2.0 <= config.turbulence_beta <= config.turbulence_beta_short <= 5.0,
        "turbulence slopes must satisfy 2 <= turbulence_beta <= turbulence_beta_short <= 5, "
        f"got {config.turbulence_beta} and {config.turbulence_beta_short}",
    )
    for name in ("dem_relief_min_m", "volcano_height_min_m", "range_height_min_m"):
        need(getattr(config, name) >= 0, f"{name} must be >= 0, got {getattr(config, name)}")
    need(
        config.stratification_std_m_per_km >= 0,
        f"stratification_std_m_per_km must be >= 0, got {config.stratification_std_m_per_km}",
    )
    need(
        0.01 <= config.water_area_max <= 0.9,
        f"water_area_max must lie in [0.01, 0.9], got {config.water_area_max}",
    )
    need(
        0.02 <= config.frame_edge_area_max <= 0.9,
        f"frame_edge_area_max must lie in [0.02, 0.9], got {config.frame_edge_area_max}",
    )
    need(
        config.ramp_gradient_max_m_per_km >= 0,
        f"ramp_gradient_max_m_per_km must be >= 0, got {config.ramp_gradient_max_m_per_km}",
    )
    need(
        0.0 < config.mean_coherence_min and config.mean_coherence_max <= 1.0,
        "mean coherence must lie in (0, 1]; got "
        f"mean_coherence_min={config.mean_coherence_min}, "
        f"mean_coherence_max={config.mean_coherence_max}",
    )
    need(
        is_int(config.looks_min) and is_int(config.looks_max) and config.looks_min >= 1,
        f"looks_min and looks_max must be integers >= 1, got {config.looks_min!r}, "
        f"{config.looks_max!r}",
    )
    need(
        0.0 <= config.no_data_threshold < 1.0,
        f"no_data_threshold must be a coherence in [0, 1), got {config.no_data_threshold}",
    )
    need(
        config.mogi_depth_min_m > 0, f"mogi_depth_min_m must be > 0, got {config.mogi_depth_min_m}"
    )
    need(
        config.mogi_volume_min_m3 > 0,
        f"mogi_volume_min_m3 must be > 0 (log-uniform), got {config.mogi_volume_min_m3}",
    )
    need(
        config.bowl_radius_min_m > 0,
        f"bowl_radius_min_m must be > 0, got {config.bowl_radius_min_m}",
    )
    need(
        config.bowl_subsidence_min_m >= 0,
        f"bowl_subsidence_min_m must be >= 0, got {config.bowl_subsidence_min_m}",
    )
    # Sources (#11): hard-negative mix, dykes and sills, segmented tapered ruptures.
    object.__setattr__(
        config,  # noqa
        "hard_negative_weights",
        weight_pairs("hard_negative_weights", config.hard_negative_weights, HARD_NEGATIVE_SOURCES),
    )
    for lo_name, hi_name in (
        ("dyke_opening_min_m", "dyke_opening_max_m"),
        ("dyke_length_min_m", "dyke_length_max_m"),
        ("dyke_height_min_m", "dyke_height_max_m"),
        ("dyke_top_depth_min_m", "dyke_top_depth_max_m"),
        ("sill_opening_min_m", "sill_opening_max_m"),
        ("sill_side_min_m", "sill_side_max_m"),
        ("sill_depth_min_m", "sill_depth_max_m"),
        ("near_field_width_min_m", "near_field_width_max_m"),
    ):
        lo, hi = getattr(config, lo_name), getattr(config, hi_name)
        need(lo <= hi, f"{lo_name} ({lo}) must be <= {hi_name} ({hi}); swap or fix them")
        need(
            lo > 0 or lo_name == "dyke_top_depth_min_m",
            f"{lo_name} must be > 0, got {lo}",
        )
    need(
        config.dyke_top_depth_min_m >= 0,
        f"dyke_top_depth_min_m must be >= 0 metres, got {config.dyke_top_depth_min_m}",
    )
    need(
        is_int(config.rupture_segments_max) and 1 <= config.rupture_segments_max <= 8,
        f"rupture_segments_max must be an integer in [1, 8], got {config.rupture_segments_max!r}",
    )
    need(
        config.rupture_segment_length_min_m > 0,
        "rupture_segment_length_min_m must be > 0 metres, "
        f"got {config.rupture_segment_length_min_m}",
    )
    need(
        0.0 <= config.rupture_bend_max_deg <= 45.0,
        f"rupture_bend_max_deg must be in [0, 45] degrees, got {config.rupture_bend_max_deg}",
    )
    need(
        config.rupture_step_max_m >= 0,
        f"rupture_step_max_m must be >= 0 metres, got {config.rupture_step_max_m}",
    )
    need(
        is_int(config.slip_taper_levels) and 1 <= config.slip_taper_levels <= 4,
        f"slip_taper_levels must be an integer in [1, 4], got {config.slip_taper_levels!r}",
    )
    need(
        config.surface_rupture_depth_m >= 0,
        f"surface_rupture_depth_m must be >= 0 metres, got {config.surface_rupture_depth_m}",
    )
    # Real backgrounds (#21).
    need(
        0.0 <= config.real_background_fraction <= 1.0,
        "real_background_fraction must be a probability in [0, 1], "
        f"got {config.real_background_fraction}",
    )
    need(
        is_int(config.background_crop_max_px)
        and config.background_crop_max_px >= config.image_size_px,
        f"background_crop_max_px must be an integer >= image_size_px ({config.image_size_px}), "
        f"got {config.background_crop_max_px!r}",
    )
    need(
        is_int(config.background_coherence_window_px)
        and 3 <= config.background_coherence_window_px <= 15,
        "background_coherence_window_px must be an integer in [3, 15], "
        f"got {config.background_coherence_window_px!r}",
    )
    need(
        0.0 < config.background_coherence_threshold < 1.0,
        "background_coherence_threshold must lie in (0, 1), "
        f"got {config.background_coherence_threshold}",
    )
