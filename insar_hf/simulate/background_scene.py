"""A scene on a real background: steps 2-5 of :func:`insar_hf.simulate.scene.sample_scene`
when its nuisance is a real earthquake-free interferogram (:mod:`insar_hf.simulate.background`).

The design (step 1) moves onto the background's sensor, pass and grid
(:func:`~insar_hf.simulate.design.on_background`); the source and the label rule (step 3) are
those of every scene, with the visibility judged against the background's own nuisance; the
metadata names the background and leaves the simulated nuisance's fields missing.
"""

from __future__ import annotations

import numpy as np

from insar_hf.schema import typed_metadata
from insar_hf.simulate.background import (
    Background,
    augment_background,
    background_nuisance,
    compose_on_background,
)
from insar_hf.simulate.config import SceneConfig
from insar_hf.simulate.design import Design, on_background
from insar_hf.simulate.label import Source, draw_source
from insar_hf.simulate.scene_record import Scene, StageClock, bbox_from_mask, design_metadata

__all__ = ["sample_on_background"]


def _background_metadata(
    root: np.random.SeedSequence,
    config: SceneConfig,
    design: Design,
    background: Background,
    source: Source,
    coherence: np.ndarray,
    no_data: np.ndarray,
    coherent: np.ndarray,
) -> dict:
    """Step 5 on a real background: no simulated nuisance, the background's names instead."""
    valid = ~no_data
    meta = design_metadata(root, design, source)
    meta |= {
        "lookalikes": "",
        "mean_coherence": float(coherence[valid].mean()) if valid.any() else 0.0,
        "no_data_threshold": config.background_coherence_threshold,
        "no_data_fraction": float(no_data.mean()),
        "masked_fraction": float((valid & ~coherent).mean()),
        "background_file": background.name,
        "background_volcano": background.volcano,
        "background_group": background.group,
    }
    return typed_metadata(meta)


def sample_on_background(
    root: np.random.SeedSequence,
    config: SceneConfig,
    design: Design,
    background_rng: np.random.Generator,
    source_rng: np.random.Generator,
    backgrounds,
    clock: StageClock,
) -> Scene:
    """Steps 2-5 of a scene whose nuisance is a real background (module docstring)."""
    background = backgrounds[int(background_rng.integers(len(backgrounds)))]
    phase, pixel_m, _ = augment_background(
        background_rng, background, config.image_size_px, config.background_crop_max_px
    )
    design = on_background(
        design, background.sensor, background.pass_direction, pixel_m, config.okada_tolerance_rad
    )
    nuisance = background_nuisance(
        phase,
        window_px=config.background_coherence_window_px,
        threshold=config.background_coherence_threshold,
    )
    nuisance_m = nuisance.unwrapped_rad / design.to_phase  # NaN where not coherent
    clock.lap("atmosphere")
    source = draw_source(source_rng, config, design, nuisance.coherent, nuisance_m, ())
    clock.lap("source")
    deformation_m = source.eq_los_m + source.other_los_m
    wrapped, coherence = compose_on_background(
        nuisance, deformation_m * design.to_phase, source.near_field, background_rng,
        background.levels,
    )  # fmt: skip
    meta = _background_metadata(
        root, config, design, background, source, coherence, nuisance.no_data, nuisance.coherent
    )
    clock.lap("compose")
    return Scene(
        los_m=(deformation_m + np.nan_to_num(nuisance_m)).astype(np.float32),
        eq_los_m=source.eq_los_m,
        unwrapped_rad=np.full(wrapped.shape, np.nan, dtype=np.float32),
        wrapped_rad=wrapped,
        coherence=coherence,
        deformation_mask=source.mask,
        deformation_bbox=bbox_from_mask(source.mask),
        kind=design.kind,
        label=source.label,
        metadata=meta,
    )
