"""What a scene is: the :class:`Scene` record, its box, empty metadata and a stage clock.

Shared by the two ways a scene is assembled, with simulated nuisance
(:mod:`insar_hf.simulate.scene`) and on a real background
(:mod:`insar_hf.simulate.background_scene`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from insar_hf.schema import METADATA_FIELDS, missing_value
from insar_hf.simulate.design import Design
from insar_hf.simulate.label import Source
from insar_hf.simulate.seeds import seed_metadata

__all__ = ["Scene", "StageClock", "bbox_from_mask", "design_metadata", "empty_metadata"]


@dataclass
class Scene:
    """One synthetic interferogram.

    Arrays have shape ``(rows, cols) = (image_size_px, image_size_px)``; row 0 is north.

    Attributes
    ----------
    los_m : ndarray, float32
        Total LOS displacement-equivalent (m, positive = range increase): earthquake or
        hard-negative deformation + every delay (turbulent, stratified, ramp, look-alikes).
        Finite everywhere; phase noise and unwrapping errors are not in it.  On a real
        background the delay is the background's least-squares unwrapped estimate on its
        coherent pixels (0 elsewhere).
    eq_los_m : ndarray, float32
        The earthquake's part of ``los_m`` (zeros when no earthquake was drawn).
    unwrapped_rad : ndarray, float32
        The unwrapped product: ``-4 pi / wavelength * los_m`` + filtered phase noise + any
        unwrapping error; NaN on water, beyond the frame's edge and where coherence is under
        ``metadata["no_data_threshold"]``.  All NaN on a real background (a wrapped product:
        the unwrapped path stays synthetic).
    wrapped_rad : ndarray, float32
        The wrapped product, in ``[-pi, pi)``: the same phase without the unwrapping error,
        NaN only on water and beyond the frame's edge.
    coherence : ndarray, float32
        Coherence in [0, 1] (after any near-field decorrelation of a surface rupture); on a
        real background its pseudo-correlation.
    deformation_mask : ndarray, bool
        Valid pixels where the earthquake's phase is at least a quarter fringe; all False for
        label 0.
    deformation_bbox : list of 4 int
        ``[x_min, y_min, x_max, y_max]`` of the mask, half-open pixels; ``[0, 0, 0, 0]`` if empty.
    kind : str
        ``"wrapped"`` or ``"unwrapped"``: the product the dataset shows the model.
    label : int
        1 earthquake visible, 0 otherwise (:mod:`insar_hf.simulate.label`).
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


def empty_metadata() -> dict:
    """Every field of :data:`METADATA_FIELDS` at its missing value (no source drawn)."""
    meta = {}
    for name, dtype in METADATA_FIELDS.items():
        meta[name] = missing_value(dtype)
    meta["mechanism"] = "none"
    meta["redraws"] = 0
    meta["visible_pixels"] = 0
    return meta


def design_metadata(root: np.random.SeedSequence, design: Design, source: Source) -> dict:
    """The metadata every scene has: missing values, the source's, identity and geometry."""
    return (
        empty_metadata()
        | source.metadata
        | {
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
        }
    )


class StageClock:
    """Adds the seconds since the previous lap to ``timings[stage]`` (no-op without a dict)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter() if timings is not None else 0.0

    def lap(self, stage: str) -> None:
        if self.timings is not None:
            now = time.perf_counter()
            self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
            self.last = now
