"""Synthetic interferogram scenes: an earthquake (or not) seen by a SAR sensor through noise.

:func:`sample_scene` turns a seed into a :class:`Scene` -- arrays (LOS displacement, wrapped and
unwrapped phase, coherence, ground-truth deformation mask) plus flat metadata -- following
:class:`~insar_hf.simulate.config.SceneConfig`.  The recipe, its distributions and the label
rule are described in ``docs/generator.md``; in short, for one scene:

1. *Design* (``SeedSequence`` child 0, :mod:`insar_hf.simulate.design`): positive or negative (``positive_fraction``), a hard
   negative or not (``hard_negative_fraction`` of negatives), wrapped or unwrapped, sensor
   (``sensor_weights``), pass (ascending / descending, equally likely), heading (the pass's
   typical heading plus a Gaussian jitter), incidence (uniform over the sensor's range) and pixel
   spacing.  With ``pixel_spacing_mode = "magnitude"`` (default) a *design magnitude* (the Mw
   distribution) and a span factor (log-uniform in ``[span_factor_min, span_factor_max]``) are
   drawn for **every** scene, and the image side is the span factor times
   :func:`~insar_hf.simulate.deformation.deformation_footprint_m` of the design magnitude,
   clipped to ``[pixel_spacing_min_m, pixel_spacing_max_m]``: the spacing has the same
   distribution for every class by construction.  With ``"log-uniform"`` the spacing is log-uniform in that
   range, independent of the magnitude.
2. *Source* (child 2): for a positive, Mw (the design magnitude; with ``"log-uniform"`` spacing
   drawn uniform or truncated Gutenberg-Richter), mechanism and
   angles, rupture size and slip (:mod:`insar_hf.physics.scaling`), top depth (uniform) and
   epicentre (uniform inside the image, ``epicentre_margin_fraction`` away from the edges); Okada
   (1985) east/north/up on the pixel grid, projected onto the LOS
   (:mod:`insar_hf.simulate.deformation`, :mod:`insar_hf.simulate.grid`).  For a hard negative,
   a Mogi inflation / deflation source or a subsidence bowl, placed the same way.
3. *Nuisance* (child 1, drawn identically for every class, :mod:`insar_hf.simulate.nuisance`):
   turbulent delay, stratified delay over a fractal DEM, orbital ramp
   (:mod:`insar_hf.simulate.atmosphere`), coherence map, decorrelation phase noise, no-data mask
   (:mod:`insar_hf.simulate.noise`).
4. ``unwrapped = -4 pi / wavelength * los + noise`` (NaN where no data), ``wrapped =
   wrap(unwrapped)`` in ``[-pi, pi)``.

Label rule
----------
``deformation_mask`` is the set of valid pixels where the earthquake's own phase
``|-4 pi / wavelength * eq_los|`` is at least a quarter fringe (``pi / 2`` rad), measured from the
undeformed far field.  **A scene is labelled 1 iff it contains an earthquake and its mask has at
least ``min_visible_pixels`` pixels.**  A drawn earthquake that falls short is *redrawn* (new
mechanism, geometry, depth and position, and a new magnitude only with ``"log-uniform"``
spacing; same sensor, pixel spacing and nuisance) up to ``max_redraws`` times; if it is still
invisible the scene keeps it but is labelled 0 with ``deformation_source =
"earthquake_not_visible"``.  Every label-0 scene has an empty mask and the box ``[0, 0, 0,
0]``; hard negatives are label 0 however strong their deformation.

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
:func:`~insar_hf.simulate.nuisance.decorrelation` (child 1, in this order); ``_draw_source``
(child 2, with the redraws and the label rule, here); ``_compose`` and ``_scene_metadata``
(here).  The streams are independent generators and each draws in a fixed order.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from insar_hf.physics import los as los_mod
from insar_hf.schema import METADATA_FIELDS, missing_value, typed_metadata
from insar_hf.simulate.config import SceneConfig
from insar_hf.simulate.deformation import draw_earthquake, draw_hard_negative
from insar_hf.simulate.design import Design, draw_design
from insar_hf.simulate.nuisance import (
    NuisanceParameters,
    atmospheric_delay_m,
    decorrelation,
    draw_nuisance_parameters,
)
from insar_hf.simulate.seeds import child_rng, root_sequence, seed_metadata

__all__ = ["QUARTER_FRINGE_RAD", "Scene", "bbox_from_mask", "sample_scene"]

QUARTER_FRINGE_RAD = math.pi / 2.0
"""Phase threshold of the deformation mask: a quarter of a ``2 pi`` fringe."""


# -------------------------------------------------------------------------------- scene


@dataclass
class Scene:
    """One synthetic interferogram.

    Arrays have shape ``(rows, cols) = (image_size_px, image_size_px)``; row 0 is north.

    Attributes
    ----------
    los_m : ndarray, float32
        Total LOS displacement-equivalent (m, positive = range increase): earthquake or
        hard-negative deformation + turbulent + stratified delay + orbital ramp.  Finite
        everywhere; decorrelation noise is a phase effect and is not in it.
    eq_los_m : ndarray, float32
        The earthquake's part of ``los_m`` (zeros when no earthquake was drawn).
    unwrapped_rad : ndarray, float32
        ``-4 pi / wavelength * los_m`` + decorrelation noise; NaN where no data.
    wrapped_rad : ndarray, float32
        ``unwrapped_rad`` wrapped into ``[-pi, pi)``; NaN where no data.
    coherence : ndarray, float32
        Coherence in [0, 1]; pixels below ``metadata["no_data_threshold"]`` are no data.
    deformation_mask : ndarray, bool
        Valid pixels where the earthquake's phase is at least a quarter fringe; all False for
        label 0.
    deformation_bbox : list of 4 int
        ``[x_min, y_min, x_max, y_max]`` of the mask, half-open pixels; ``[0, 0, 0, 0]`` if empty.
    kind : str
        ``"wrapped"`` or ``"unwrapped"``: the field the dataset shows the model.
    label : int
        1 earthquake visible, 0 otherwise (see the module docstring).
    metadata : dict
        Flat, keys and types in :data:`METADATA_FIELDS`.
    """

    los_m: np.ndarray
    eq_los_m: np.ndarray
    unwrapped_rad: np.ndarray
    wrapped_rad: np.ndarray
    coherence: np.ndarray
    deformation_mask: np.ndarray
    deformation_bbox: list[int]
    kind: str
    label: int
    metadata: dict

    @property
    def field_rad(self) -> np.ndarray:
        """The phase of this scene's ``kind`` (wrapped or unwrapped), NaN = no data."""
        return self.wrapped_rad if self.kind == "wrapped" else self.unwrapped_rad


def bbox_from_mask(mask: np.ndarray) -> list[int]:
    """``[x_min, y_min, x_max, y_max]`` (half-open, pixels) of a boolean mask; zeros if empty."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return [0, 0, 0, 0]
    cols = np.flatnonzero(mask.any(axis=0))
    return [int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1]


# ------------------------------------------------------------------------------- source


@dataclass
class _Source:
    """The deformation of the source stream (child 2) and what it means for the label."""

    eq_los_m: np.ndarray  # (size, size) float32, zeros without an earthquake
    other_los_m: np.ndarray  # (size, size) float32, a hard negative's deformation
    mask: np.ndarray  # (size, size) bool, the deformation mask (empty for label 0)
    label: int
    deformation_source: str
    metadata: dict


def _deformation_mask(eq_los_m: np.ndarray, to_phase, valid: np.ndarray) -> np.ndarray:
    """The label rule's mask: valid pixels where ``|earthquake phase| >= pi / 2``."""
    return (np.abs(eq_los_m * to_phase) >= QUARTER_FRINGE_RAD) & valid


def _draw_visible_earthquake(
    rng: np.random.Generator, config: SceneConfig, design: Design, valid: np.ndarray
) -> _Source:
    """Source of a positive: an earthquake, redrawn until visible or out of redraws.

    With a design magnitude, redraws keep it and re-draw only mechanism, geometry, depth and
    position; otherwise each redraw draws a new magnitude too.  Still invisible after
    ``config.max_redraws`` redraws: kept, labelled 0, with an empty mask.
    """
    fixed_mw = design.design_mw if config.pixel_spacing_mode == "magnitude" else None
    redraws = 0
    while True:
        eq_los, eq_meta = draw_earthquake(
            rng, config, design.pixel_m, design.los_enu, design.tol_m, fixed_mw
        )
        mask = _deformation_mask(eq_los, design.to_phase, valid)
        visible = int(np.count_nonzero(mask))
        if visible >= config.min_visible_pixels or redraws == config.max_redraws:
            break
        redraws += 1
    meta = eq_meta | {
        "redraws": redraws,
        "visible_pixels": visible,
        "max_abs_eq_los_m": float(np.abs(eq_los).max()),
    }
    other = np.zeros(valid.shape, dtype=np.float32)
    if visible >= config.min_visible_pixels:
        return _Source(eq_los, other, mask, 1, "earthquake", meta)
    empty = np.zeros(valid.shape, dtype=bool)
    return _Source(eq_los, other, empty, 0, "earthquake_not_visible", meta)


def _draw_source(
    rng: np.random.Generator, config: SceneConfig, design: Design, valid: np.ndarray
) -> _Source:
    """Step 2: the earthquake of a positive, the look-alike of a hard negative, or nothing."""
    if design.positive:
        return _draw_visible_earthquake(rng, config, design, valid)
    shape = valid.shape
    eq_los = np.zeros(shape, dtype=np.float32)
    mask = np.zeros(shape, dtype=bool)
    if design.hard:
        other_los, source, meta = draw_hard_negative(
            rng, config, design.pixel_m, design.los_enu, design.tol_m
        )
        return _Source(eq_los, other_los, mask, 0, source, meta)
    return _Source(eq_los, np.zeros(shape, dtype=np.float32), mask, 0, "none", {})


# ------------------------------------------------------------------------------ compose


def _compose(
    source: _Source, delay_m: np.ndarray, noise_rad: np.ndarray, no_data: np.ndarray, to_phase
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 4: ``(los_m, unwrapped_rad, wrapped_rad)``, float32, phases NaN where no data."""
    los_total = (source.eq_los_m + source.other_los_m + delay_m).astype(np.float32)
    unwrapped = (los_total * to_phase + noise_rad).astype(np.float32)
    unwrapped[no_data] = np.nan
    wrapped = np.asarray(los_mod.wrap_phase(unwrapped), dtype=np.float32)
    return los_total, unwrapped, wrapped


def _empty_metadata() -> dict:
    """Every field of :data:`METADATA_FIELDS` at its missing value (no source drawn)."""
    meta = {}
    for name, dtype in METADATA_FIELDS.items():
        meta[name] = missing_value(dtype)
    meta["mechanism"] = "none"
    meta["redraws"] = 0
    meta["visible_pixels"] = 0
    return meta


def _scene_metadata(
    root: np.random.SeedSequence,
    config: SceneConfig,
    design: Design,
    nuisance: NuisanceParameters,
    source: _Source,
    no_data: np.ndarray,
) -> dict:
    """Step 5: the flat metadata, typed and ordered as :data:`METADATA_FIELDS`."""
    meta = _empty_metadata() | source.metadata
    meta |= {
        "label": source.label,
        "kind": design.kind,
        "deformation_source": source.deformation_source,
        "hard_negative": design.hard,
        **seed_metadata(root),
        "sensor": design.sensor_key,
        "band": design.sensor.band,
        "wavelength_m": design.sensor.wavelength_m,
        "pass_direction": design.pass_direction,
        "heading_deg": design.heading_deg,
        "incidence_deg": design.incidence_deg,
        "pixel_m": design.pixel_m,
        "design_mw": design.design_mw,
        "span_factor": design.span_factor,
        "turbulence_rms_m": nuisance.turbulence_rms_m,
        "turbulence_beta": config.turbulence_beta,
        "dem_relief_m": nuisance.dem_relief_m,
        "stratification_m_per_km": nuisance.stratification_m_per_km,
        "ramp_gradient_m_per_km": nuisance.ramp_gradient_m_per_km,
        "mean_coherence": nuisance.mean_coherence,
        "looks": nuisance.looks,
        "no_data_threshold": config.no_data_threshold,
        "no_data_fraction": float(no_data.mean()),
    }
    return typed_metadata(meta)


# ------------------------------------------------------------------------------- sample


class _Clock:
    """Adds the seconds since the previous lap to ``timings[stage]`` (no-op without a dict)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter() if timings is not None else 0.0

    def lap(self, stage: str) -> None:
        if self.timings is not None:
            now = time.perf_counter()
            self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
            self.last = now


def sample_scene(
    seed, config: SceneConfig | None = None, *, timings: dict[str, float] | None = None
) -> Scene:
    """Draw one synthetic interferogram scene.

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        The scene is a pure function of it (bit-identical arrays for the same seed and config).
        For datasets use :func:`~insar_hf.simulate.seeds.scene_seed_sequence`.
    config : SceneConfig, optional
        Distributions; defaults to ``SceneConfig()``.
    timings : dict, optional
        If given, seconds spent per stage are added to it under ``"design"``,
        ``"atmosphere"``, ``"coherence_noise"``, ``"source"`` and ``"compose"`` (for
        ``benchmarks/bench_synth.py``).

    Returns
    -------
    Scene
        Arrays of shape ``(config.image_size_px,) * 2`` and flat metadata
        (:data:`METADATA_FIELDS`).  The label rule is in the module docstring: label 1 iff an
        earthquake is present and at least ``config.min_visible_pixels`` valid pixels have
        ``|earthquake phase| >= pi / 2``.
    """
    config = SceneConfig() if config is None else config
    if not isinstance(config, SceneConfig):
        raise ValueError(f"config must be a SceneConfig, got {type(config).__name__}")
    clock = _Clock(timings)
    root = root_sequence(seed)
    design_rng, nuisance_rng, source_rng = (child_rng(root, k) for k in range(3))
    shape = (config.image_size_px, config.image_size_px)

    design = draw_design(design_rng, config)
    clock.lap("design")
    # The nuisance is drawn before the source and identically for every class.
    nuisance = draw_nuisance_parameters(nuisance_rng, config)
    delay = atmospheric_delay_m(
        nuisance_rng, nuisance, shape, design.pixel_m, config.turbulence_beta
    )
    clock.lap("atmosphere")
    coherence, noise_rad, no_data = decorrelation(
        nuisance_rng, nuisance, shape, design.pixel_m, config.no_data_threshold
    )
    clock.lap("coherence_noise")
    source = _draw_source(source_rng, config, design, ~no_data)
    clock.lap("source")
    los_total, unwrapped, wrapped = _compose(source, delay, noise_rad, no_data, design.to_phase)
    meta = _scene_metadata(root, config, design, nuisance, source, no_data)
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
