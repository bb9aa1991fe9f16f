"""Synthetic interferogram scenes: an earthquake (or not) seen by a SAR sensor through noise.

:func:`sample_scene` turns a seed into a :class:`Scene` -- arrays (LOS displacement, wrapped and
unwrapped products, coherence, ground-truth deformation mask) plus flat metadata -- following
:class:`~insar_hf.simulate.config.SceneConfig`.  The recipe, its distributions and the label
rule are described in ``docs/generator.md``; in short, for one scene:

1. *Design* (``SeedSequence`` child 0, :mod:`insar_hf.simulate.design`): positive or negative
   (``positive_fraction``), a hard negative or not (``hard_negative_fraction`` of negatives),
   wrapped or unwrapped, sensor, pass, heading, incidence and pixel spacing.  With
   ``pixel_spacing_mode = "magnitude"`` (default) a *design magnitude* and a span factor
   (log-uniform in ``[span_factor_min, span_factor_max]``, from 1: a rupture may fill the
   window) are drawn for **every** scene and the image side is the span factor times
   :func:`~insar_hf.simulate.deformation.deformation_footprint_m` of the design magnitude: the
   spacing has the same distribution for every class by construction.
2. *Nuisance* (child 1, the same distribution for every class, :mod:`insar_hf.simulate.nuisance`):
   turbulence that follows Emardson et al.'s (2003) law at the window's size, stratified delay
   over a DEM that may hold a volcano or a mountain range, an orbital ramp, maybe a front or
   gravity waves; land-cover coherence, water and frame edges, an unwrapping error.
3. *Source* (child 2, :mod:`insar_hf.simulate.label`): for a positive an earthquake
   (:mod:`insar_hf.simulate.deformation`) redrawn until visible (the label rule); for a hard
   negative a volcanic (Mogi, dyke, sill) or subsidence source.
4. *Compose*: the near field of a surface rupture decorrelates; phase noise (exact multi-look
   statistics) filtered as a product's processor would; ``wrapped = wrap(-4 pi / wavelength *
   los + noise)``, NaN only on water and beyond the frame's edge (decorrelated pixels keep their
   noisy phase); ``unwrapped`` the same phase unwrapped, plus any unwrapping error, NaN also
   where coherence is under ``no_data_threshold``.

*On a real background* (``real_background_fraction`` of the wrapped scenes, of every class alike,
decided by ``SeedSequence`` child 3 when a bank of backgrounds is given): step 2 is replaced by a
randomly cropped, flipped, rotated, negated and offset real earthquake-free interferogram
(:mod:`insar_hf.simulate.background`, the same child 3 draws it) whose grid sets the pixel
spacing and whose pass sets the line of sight; step 3 is unchanged, with the visibility judged
against the background's own nuisance; step 4 adds the deformation to the background's coherent
pixels and quantises the product to the background's levels.

The label rule is in :mod:`insar_hf.simulate.label`: label 1 iff the scene holds an earthquake
whose quarter-fringe mask has ``min_visible_pixels`` valid pixels and whose signal stands out
from the nuisance around it (``min_signal_to_nuisance``); hard negatives and look-alikes are
label 0 however strong they are.

Seeds
-----
A scene is a pure function of its seed: an ``int`` or a ``np.random.SeedSequence`` (use
:func:`~insar_hf.simulate.seeds.scene_seed_sequence` for dataset splits).  Its three streams are
the children ``spawn_key + (0,)``, ``(1,)``, ``(2,)`` of that sequence, built explicitly
(:mod:`insar_hf.simulate.seeds`), so calling :func:`sample_scene` twice with the same object
gives bit-identical arrays.

In code, :func:`sample_scene` calls one function per step:
:func:`~insar_hf.simulate.design.draw_design` (child 0);
:func:`~insar_hf.simulate.nuisance.draw_nuisance_parameters`,
:func:`~insar_hf.simulate.nuisance.atmospheric_delay_m` and
:func:`~insar_hf.simulate.nuisance.draw_surface` (child 1, in this order);
:func:`~insar_hf.simulate.label.draw_source` (child 2, with the redraws and the label rule);
``_compose`` and ``_scene_metadata`` (here); on a real background
:func:`~insar_hf.simulate.background_scene.sample_on_background` instead of the nuisance and
compose steps.  The streams are independent generators and each draws in a fixed order.
"""

from __future__ import annotations

import math

import numpy as np

from insar_hf.physics import los as los_mod
from insar_hf.schema import typed_metadata
from insar_hf.simulate.background_scene import sample_on_background
from insar_hf.simulate.config import SceneConfig
from insar_hf.simulate.design import Design, draw_design
from insar_hf.simulate.gradient import gradient_coherence
from insar_hf.simulate.label import QUARTER_FRINGE_RAD, Source, draw_source
from insar_hf.simulate.noise import phase_noise_rad
from insar_hf.simulate.nuisance import (
    Atmosphere,
    NuisanceParameters,
    Surface,
    atmospheric_delay_m,
    draw_nuisance_parameters,
    draw_surface,
)
from insar_hf.simulate.scene_record import Scene, StageClock, bbox_from_mask, design_metadata
from insar_hf.simulate.seeds import child_rng, root_sequence
from insar_hf.simulate.surface import filter_phase_pair_rad

__all__ = ["QUARTER_FRINGE_RAD", "Scene", "bbox_from_mask", "on_real_background", "sample_scene"]


# ------------------------------------------------------------------------------ compose


def _compose(
    source: Source,
    atmo: Atmosphere,
    surf: Surface,
    p: NuisanceParameters,
    to_phase,
    threshold: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Step 4: ``(los_m, unwrapped_rad, wrapped_rad, coherence, masked)``.

    The near field of a surface rupture loses coherence (``coherence * (1 - near_field)``), and
    so does every pixel under a deformation gradient near one fringe per pixel
    (:func:`~insar_hf.simulate.gradient.gradient_coherence`), before the phase noise is made from the nuisance stream's uniforms and filtered as a
    product's processor would (:func:`~insar_hf.simulate.surface.filter_phase_rad`): the wrapped
    product adaptively to the coherence (Goldstein-like: decorrelated areas keep their noise),
    the unwrapped one fully (unwrappers work on a smoothed interferogram), so the two agree where
    the phase is coherent.  Both products are NaN on water and beyond the frame's edge; the
    unwrapped one also where the coherence is under ``threshold`` (``masked``), and it carries
    the unwrapping error, if any.
    """
    los_total = source.eq_los_m + source.other_los_m
    los_total += atmo.delay_m
    coherence = surf.coherence
    if source.near_field is not None:
        coherence = coherence * (np.float32(1.0) - source.near_field)
    deformation_rad = (source.eq_los_m + source.other_los_m) * to_phase
    if deformation_rad.any():  # fringes denser than the pixels decorrelate
        coherence = coherence * gradient_coherence(deformation_rad)
    masked = coherence < np.float32(threshold)
    signal = los_total * to_phase
    noise = phase_noise_rad(coherence, looks=p.looks, uniforms=surf.uniforms)
    if p.filter_px > 1:
        # The wrapped product is the adaptively filtered interferogram (decorrelated areas stay
        # salt and pepper); the unwrapper works on a fully smoothed one.
        wrapped_noise, noise = filter_phase_pair_rad(noise, p.filter_px, coherence)
    else:
        wrapped_noise = noise
    wrapped = np.asarray(los_mod.wrap_phase(signal + wrapped_noise), dtype=np.float32)
    wrapped[surf.no_data] = np.nan
    unwrapped = signal + noise
    if surf.unwrapping_error_rad is not None:
        unwrapped += surf.unwrapping_error_rad
    unwrapped[surf.no_data | masked] = np.nan
    return los_total, unwrapped, wrapped, coherence, masked


def _scene_metadata(
    root: np.random.SeedSequence,
    config: SceneConfig,
    design: Design,
    nuisance: NuisanceParameters,
    atmo: Atmosphere,
    source: Source,
    no_data: np.ndarray,
    masked: np.ndarray,
) -> dict:
    """Step 5: the flat metadata, typed and ordered as :data:`METADATA_FIELDS`."""
    p, nan = nuisance, math.nan
    meta = design_metadata(root, design, source)
    meta |= {
        "atmosphere_strength": p.strength,
        "turbulence_rms_m": atmo.turbulence_rms_m,
        "turbulence_beta": config.turbulence_beta,
        "dem_relief_m": p.dem_relief_m,
        "volcano_height_m": p.volcano_height_m if p.volcano else nan,
        "range_height_m": p.range_height_m if p.mountain_range else nan,
        "stratification_m_per_km": p.stratification_m_per_km,
        "ramp_gradient_m_per_km": p.ramp_gradient_m_per_km,
        "front_step_m": p.front_step_m if p.front else nan,
        "gravity_wave_amplitude_m": p.gravity_amplitude_m if p.gravity_waves else nan,
        "lookalikes": "+".join(atmo.lookalikes),
        "mean_coherence": p.mean_coherence,
        "landcover_fraction": p.landcover_fraction,
        "looks": p.looks,
        "filter_px": p.filter_px,
        "water_fraction": p.water_area,
        "frame_edge_fraction": p.edge_area,
        "unwrapping_error_cycles": p.unwrapping_error_cycles,
        "no_data_threshold": config.no_data_threshold,
        "no_data_fraction": float(no_data.mean()),
        "masked_fraction": float((masked & ~no_data).mean()),
    }
    return typed_metadata(meta)


# ------------------------------------------------------------------------------- sample


_DEFAULT_CONFIG = SceneConfig()  # frozen, so one shared instance (validation costs ~1 ms)


def _background_stream(
    root: np.random.SeedSequence, design: Design, config: SceneConfig
) -> np.random.Generator | None:
    """The background stream (child 3) of a scene drawn on a real background, else None.

    Its first draw decides: a wrapped scene is on a background with probability
    ``real_background_fraction``, whatever its class.
    """
    if config.real_background_fraction <= 0 or design.kind != "wrapped":
        return None
    rng = child_rng(root, 3)
    return rng if rng.random() < config.real_background_fraction else None


def on_real_background(seed, config: SceneConfig) -> bool:
    """Whether the scene of ``seed`` is drawn on a real background under ``config`` (cheap: the
    design and one draw, no background needed).  Rows of two sets made with one seed and
    fractions 0 and 1 compose the set of any fraction between (``benchmarks``)."""
    root = root_sequence(seed)
    design = draw_design(child_rng(root, 0), config)
    return _background_stream(root, design, config) is not None


def sample_scene(
    seed,
    config: SceneConfig | None = None,
    *,
    backgrounds=None,
    timings: dict[str, float] | None = None,
) -> Scene:
    """Draw one synthetic interferogram scene.

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        The scene is a pure function of it (bit-identical arrays for the same seed and config).
        For datasets use :func:`~insar_hf.simulate.seeds.scene_seed_sequence`.
    config : SceneConfig, optional
        Distributions; defaults to ``SceneConfig()``.
    backgrounds : sequence of Background, optional
        The real backgrounds a scene may be drawn on (``len`` and integer indexing, e.g. a split
        of :class:`insar_hf.backgrounds.BackgroundBank`); required when
        ``config.real_background_fraction > 0``.  The scene is a pure function of the seed, the
        config and this sequence.
    timings : dict, optional
        If given, seconds spent per stage are added to it under ``"design"``,
        ``"atmosphere"`` (delays and DEM), ``"coherence_noise"`` (coherence, noise uniforms,
        masks), ``"source"`` and ``"compose"`` (noise, products, metadata; for
        ``benchmarks/bench_synth.py``).

    Returns
    -------
    Scene
        Arrays of shape ``(config.image_size_px,) * 2`` and flat metadata
        (:data:`METADATA_FIELDS`).  Label 1 iff a visible earthquake is present
        (:mod:`insar_hf.simulate.label`).
    """
    config = _DEFAULT_CONFIG if config is None else config
    if not isinstance(config, SceneConfig):
        raise ValueError(f"config must be a SceneConfig, got {type(config).__name__}")
    if config.real_background_fraction > 0 and not backgrounds:
        raise ValueError(
            f"real_background_fraction = {config.real_background_fraction} needs real "
            "backgrounds: pass backgrounds= (a split of insar_hf.backgrounds.BackgroundBank; on "
            "the command line --real-backgrounds DIR), or set the fraction to 0"
        )
    clock = StageClock(timings)
    root = root_sequence(seed)
    design_rng, nuisance_rng, source_rng = (child_rng(root, k) for k in range(3))

    design = draw_design(design_rng, config)
    clock.lap("design")
    background_rng = _background_stream(root, design, config)
    if background_rng is not None:
        return sample_on_background(
            root, config, design, background_rng, source_rng, backgrounds, clock
        )
    # The nuisance is drawn before the source and with the same distribution for every class.
    nuisance = draw_nuisance_parameters(nuisance_rng, config)
    atmo = atmospheric_delay_m(nuisance_rng, nuisance, design, config)
    clock.lap("atmosphere")
    surf = draw_surface(nuisance_rng, nuisance, design, atmo.dem_m, config)
    clock.lap("coherence_noise")
    valid = ~(surf.no_data | surf.masked)
    source = draw_source(source_rng, config, design, valid, atmo.delay_m, atmo.lookalikes)
    clock.lap("source")
    los_total, unwrapped, wrapped, coherence, masked = _compose(
        source, atmo, surf, nuisance, design.to_phase, config.no_data_threshold
    )
    meta = _scene_metadata(root, config, design, nuisance, atmo, source, surf.no_data, masked)
    clock.lap("compose")
    return Scene(
        los_m=los_total,
        eq_los_m=source.eq_los_m,
        unwrapped_rad=unwrapped,
        wrapped_rad=wrapped,
        coherence=coherence,
        deformation_mask=source.mask,
        deformation_bbox=bbox_from_mask(source.mask),
        kind=design.kind,
        label=source.label,
        metadata=meta,
    )
