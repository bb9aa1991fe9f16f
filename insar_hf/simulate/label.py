"""Step 2 of a scene, its *source*, and the label rule.

:func:`draw_source` draws, from the source stream (``SeedSequence`` child 2): for a positive an
earthquake (:func:`~insar_hf.simulate.deformation.draw_earthquake`), redrawn until it is
visible; for a hard negative a volcanic or subsidence source
(:func:`~insar_hf.simulate.deformation.draw_hard_negative`); otherwise nothing.

Label rule
----------
``deformation_mask`` is the set of valid pixels (not NaN, coherence at least
``no_data_threshold``) where the earthquake's own phase ``|-4 pi / wavelength * eq_los|`` is at
least a quarter fringe (:data:`QUARTER_FRINGE_RAD`).  An earthquake is **visible** when

1. its mask has at least ``min_visible_pixels`` pixels, and
2. it stands out from the scene's own nuisance, as an analyst judges it: its largest ``|LOS|``
   over the mask is at least ``min_signal_to_nuisance`` times the 1st-99th percentile span of
   the nuisance delay (atmosphere, topographic delay, ramp, look-alikes) inside the mask's box
   (:func:`signal_to_nuisance`; 0 turns the condition off).

A scene is labelled 1 iff it holds a visible earthquake.  An invisible one is redrawn (new
mechanism, geometry, depth and position; a new magnitude only with ``"log-uniform"`` spacing)
up to ``max_redraws`` times, then kept with label 0 and ``deformation_source =
"earthquake_not_visible"``.  Label-0 scenes have an empty mask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from insar_hf.simulate.deformation import draw_earthquake, draw_hard_negative

if TYPE_CHECKING:
    from insar_hf.simulate.config import SceneConfig
    from insar_hf.simulate.design import Design

__all__ = [
    "QUARTER_FRINGE_RAD",
    "Source",
    "deformation_mask",
    "draw_source",
    "signal_to_nuisance",
]

QUARTER_FRINGE_RAD = math.pi / 2.0
"""Phase threshold of the deformation mask: a quarter of a ``2 pi`` fringe."""


@dataclass
class Source:
    """The deformation of the source stream (child 2) and what it means for the label."""

    eq_los_m: np.ndarray  # (size, size) float32, zeros without an earthquake
    other_los_m: np.ndarray  # (size, size) float32, a hard negative's deformation
    mask: np.ndarray  # (size, size) bool, the deformation mask (empty for label 0)
    label: int
    deformation_source: str
    metadata: dict
    near_field: np.ndarray | None = None  # (size, size) float32 in [0, 1] along a rupture


def deformation_mask(eq_los_m: np.ndarray, to_phase, valid: np.ndarray) -> np.ndarray:
    """The label rule's mask: valid pixels where ``|earthquake phase| >= pi / 2``."""
    return (np.abs(eq_los_m * to_phase) >= QUARTER_FRINGE_RAD) & valid


def signal_to_nuisance(eq_los_m: np.ndarray, nuisance_m: np.ndarray, mask: np.ndarray) -> float:
    """``max |eq_los|`` over ``mask`` / the 1-99 % span of ``nuisance_m`` in the mask's box.

    The span is taken over every other pixel of the box (a subsample: percentiles of a smooth
    field barely change) where ``nuisance_m`` is finite (NaN: unknown, e.g. a real background's
    decorrelated pixels); ``inf`` for a flat or unknown nuisance, 0 for an empty mask.
    """
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return 0.0
    cols = np.flatnonzero(mask.any(axis=0))
    signal = float(np.abs(eq_los_m[mask]).max())
    box = nuisance_m[rows[0] : rows[-1] + 1 : 2, cols[0] : cols[-1] + 1 : 2].ravel()
    finite = np.isfinite(box)
    if not finite.all():  # a real background's nuisance is known on coherent pixels only
        box = box[finite]
        if box.size == 0:
            return math.inf
    lo, hi = np.quantile(box, (0.01, 0.99))
    span = float(hi - lo)
    return signal / span if span > 0 else math.inf


def draw_visible_earthquake(
    rng: np.random.Generator,
    config: SceneConfig,
    design: Design,
    valid: np.ndarray,
    nuisance_m: np.ndarray,
) -> Source:
    """Source of a positive: an earthquake, redrawn until visible or out of redraws.

    With a design magnitude, redraws keep it and re-draw only mechanism, geometry, depth and
    position; otherwise each redraw draws a new magnitude too.  Still invisible after
    ``config.max_redraws`` redraws (or at once, when ``valid`` has fewer pixels than a visible
    mask needs, as on a decorrelated real background): kept, labelled 0, with an empty mask.
    """
    fixed_mw = design.design_mw if config.pixel_spacing_mode == "magnitude" else None
    # With fewer valid pixels than a visible mask needs, no redraw can succeed.
    hopeless = int(np.count_nonzero(valid)) < config.min_visible_pixels
    # Under a third of a quarter fringe at every grid node of a smooth field: invisible.
    hopeless_m = QUARTER_FRINGE_RAD / 3.0 / abs(design.to_phase)
    redraws = 0
    while True:
        eq_los, eq_meta, near_field = draw_earthquake(
            rng, config, design.pixel_m, design.los_enu, design.tol_m, fixed_mw,
            hopeless_m if redraws < config.max_redraws and not hopeless else None,
        )  # fmt: skip
        if eq_los is None:
            redraws += 1
            continue
        mask = deformation_mask(eq_los, design.to_phase, valid)
        visible = int(np.count_nonzero(mask))
        ratio = signal_to_nuisance(eq_los, nuisance_m, mask) if visible else 0.0
        seen = visible >= config.min_visible_pixels and ratio >= config.min_signal_to_nuisance
        if seen or hopeless or redraws == config.max_redraws:
            break
        redraws += 1
    meta = eq_meta | {
        "redraws": redraws,
        "visible_pixels": visible,
        "max_abs_eq_los_m": float(np.abs(eq_los).max()),
        "signal_to_nuisance": ratio,
    }
    other = np.zeros(valid.shape, dtype=np.float32)
    if seen:
        return Source(eq_los, other, mask, 1, "earthquake", meta, near_field)
    empty = np.zeros(valid.shape, dtype=bool)
    return Source(eq_los, other, empty, 0, "earthquake_not_visible", meta, near_field)


def draw_source(
    rng: np.random.Generator,
    config: SceneConfig,
    design: Design,
    valid: np.ndarray,
    nuisance_m: np.ndarray,
    lookalikes: tuple[str, ...],
) -> Source:
    """Step 2: the earthquake of a positive, the source of a hard negative, or nothing.

    A negative without a source is named for its first atmospheric look-alike, if any.
    """
    if design.positive:
        return draw_visible_earthquake(rng, config, design, valid, nuisance_m)
    shape = valid.shape
    eq_los = np.zeros(shape, dtype=np.float32)
    mask = np.zeros(shape, dtype=bool)
    if design.hard:
        other_los, source, meta = draw_hard_negative(
            rng, config, design.pixel_m, design.los_enu, design.tol_m
        )
        return Source(eq_los, other_los, mask, 0, source, meta)
    name = lookalikes[0] if lookalikes else "none"
    return Source(eq_los, np.zeros(shape, dtype=np.float32), mask, 0, name, {})
