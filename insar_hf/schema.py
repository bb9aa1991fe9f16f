"""Every fact that more than one stage shares, once: labels, kinds, splits, image size, columns.

The generator (:mod:`insar_hf.simulate`), the dataset writers (:mod:`insar_hf.dataset`), the
real-event set (:mod:`insar_hf.real`), the model (:mod:`insar_hf.model`) and the Space all read
these names from here; nothing else defines them.  Pure Python and NumPy, no I/O.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

IMAGE_SIZE = 224
"""Side (pixels) of the canonical model input rendered by :mod:`insar_hf.render`."""

LABEL_NAMES = ("no_earthquake", "earthquake")
"""Class names, in ``ClassLabel`` order: 0 no earthquake, 1 earthquake."""

POSITIVE_LABEL = LABEL_NAMES[1]
"""The class whose probability a detector reports."""

KIND_NAMES = ("wrapped", "unwrapped")
"""Phase kinds, in ``ClassLabel`` order: 0 wrapped, 1 unwrapped."""

SPLITS = ("train", "validation", "test")
"""Dataset splits, in order."""

SPLIT_STREAMS: dict[str, int] = {"train": 0, "validation": 1, "test": 2}
"""Split name -> first element of a scene's ``spawn_key``: splits never share a seed."""

EXAMPLE_STREAM = 99
"""Spawn-key stream of the Space's bundled examples (never a dataset split)."""

PAPER_SPLIT_SIZES = {"train": 805_436, "validation": 100_679, "test": 100_681}
"""Split sizes of the paper's synthetic set (1,006,796 samples in total)."""

BASE_COLUMNS = ("image", "label", "kind", "deformation_bbox", "deformation_mask")
"""Dataset columns before the metadata; ``label`` and ``kind`` (also metadata) are ClassLabels."""

DEFORMATION_SOURCES = (
    "none",
    "earthquake",
    "earthquake_not_visible",
    "mogi",
    "subsidence",
    "dyke",
    "sill",
    "topographic_delay",
    "atmospheric_front",
    "gravity_waves",
    "orbital_ramp",
)
"""Values of ``metadata["deformation_source"]``."""

METADATA_DTYPES = ("float32", "int64", "string", "bool")
"""The types a metadata field may have."""

METADATA_FIELDS: dict[str, str] = {
    # identity
    "label": "int64",
    "kind": "string",
    "deformation_source": "string",
    "hard_negative": "bool",
    "seed": "int64",
    "split": "string",
    "index": "int64",
    "spawn_key": "string",
    # acquisition geometry
    "sensor": "string",
    "band": "string",
    "wavelength_m": "float32",
    "pass_direction": "string",
    "heading_deg": "float32",
    "incidence_deg": "float32",
    "pixel_m": "float32",
    "design_mw": "float32",
    "span_factor": "float32",
    # earthquake (NaN / "none" when absent)
    "mw": "float32",
    "m0_nm": "float32",
    "mechanism": "string",
    "strike_deg": "float32",
    "dip_deg": "float32",
    "rake_deg": "float32",
    "slip_m": "float32",
    "length_m": "float32",
    "width_m": "float32",
    "top_depth_m": "float32",
    "centroid_depth_m": "float32",
    "epicentre_row_px": "float32",
    "epicentre_col_px": "float32",
    "redraws": "int64",
    "visible_pixels": "int64",
    "max_abs_eq_los_m": "float32",
    "signal_to_nuisance": "float32",
    # non-seismic hard negative (NaN when absent)
    "source_row_px": "float32",
    "source_col_px": "float32",
    "source_depth_m": "float32",
    "source_volume_change_m3": "float32",
    "source_radius_m": "float32",
    "source_max_subsidence_m": "float32",
    # sources (#11): segmented, tapered ruptures (NaN / -1 / False without an earthquake);
    # slip_m above is the mean slip M0 / (mu L W), peak_slip_m the largest segment's core slip;
    # dykes and sills (opening Okada rectangles; NaN otherwise)
    "peak_slip_m": "float32",
    "segments": "int64",
    "surface_rupture": "bool",
    "near_field_width_m": "float32",
    "source_opening_m": "float32",
    "source_length_m": "float32",
    "source_width_m": "float32",
    "source_strike_deg": "float32",
    "source_dip_deg": "float32",
    # nuisance (every class; a feature's fields are NaN / 0 when it is absent)
    "atmosphere_strength": "float32",
    "turbulence_rms_m": "float32",
    "turbulence_beta": "float32",
    "dem_relief_m": "float32",
    "volcano_height_m": "float32",
    "range_height_m": "float32",
    "stratification_m_per_km": "float32",
    "ramp_gradient_m_per_km": "float32",
    "front_step_m": "float32",
    "gravity_wave_amplitude_m": "float32",
    "lookalikes": "string",
    "mean_coherence": "float32",
    "landcover_fraction": "float32",
    "looks": "int64",
    "filter_px": "int64",
    "water_fraction": "float32",
    "frame_edge_fraction": "float32",
    "unwrapping_error_cycles": "int64",
    "no_data_threshold": "float32",
    "no_data_fraction": "float32",
    "masked_fraction": "float32",
    # real background (#21; "" when the nuisance is simulated): its file, the volcano it shows,
    # and the group (volcanoes sharing a frame) that its bank's split is made of
    "background_file": "string",
    "background_volcano": "string",
    "background_group": "string",
}
"""Flat scene metadata: name -> one of :data:`METADATA_DTYPES`, in a fixed order.

Missing values (:func:`missing_value`): NaN (float32), ``-1`` (int64: ``index`` of a scene not
drawn from a split), ``""`` (string, e.g. ``split`` and ``spawn_key``); a scene without an
earthquake has ``mechanism = "none"``.  ``design_mw`` and ``span_factor`` are the window's design
draws (every scene with ``pixel_spacing_mode = "magnitude"``, NaN with ``"log-uniform"``); a
positive's ``mw`` equals its ``design_mw``.  ``epicentre_*_px`` and ``source_*_px`` are continuous
pixel coordinates (pixel ``(r, c)`` covers ``[r, r + 1) x [c, c + 1)``) of the surface projection
of the rupture centroid / of the source centre.  ``lookalikes`` lists, joined by ``+``, the
atmospheric look-alikes of :data:`insar_hf.simulate.nuisance.LOOKALIKE_NAMES` that reach a
quarter fringe; ``no_data_fraction`` is the share of NaN in every product (water, frame edge),
``masked_fraction`` the further share the unwrapped product masks (coherence under
``no_data_threshold``).  A scene on a real background (``background_file`` set,
:mod:`insar_hf.simulate.background`) has no simulated nuisance: those fields are missing, its
``mean_coherence`` is the background's mean pseudo-correlation over valid pixels,
``masked_fraction`` the share of valid pixels under ``background_coherence_threshold`` (which
``no_data_threshold`` then holds).
"""


def metadata_columns(fields: dict[str, str] | None = None) -> dict[str, str]:
    """Metadata columns of a dataset: ``fields`` (default :data:`METADATA_FIELDS`) minus the
    names that are already :data:`BASE_COLUMNS`."""
    fields = METADATA_FIELDS if fields is None else fields
    return {k: v for k, v in fields.items() if k not in BASE_COLUMNS}


def missing_value(dtype: str) -> Any:
    """The value that marks a missing metadata entry of type ``dtype``."""
    return {"float32": math.nan, "int64": -1, "string": "", "bool": False}[_check_dtype(dtype)]


def typed_value(value: Any, dtype: str) -> Any:
    """``value`` as the Python value a ``dtype`` column stores (float32 rounded; None missing)."""
    dtype = _check_dtype(dtype)
    if value is None:
        return missing_value(dtype)
    if dtype == "float32":
        return float(np.float32(value))
    if dtype == "int64":
        return int(value)
    if dtype == "bool":
        return bool(value)
    return str(value)


def typed_metadata(meta: dict[str, Any], fields: dict[str, str] | None = None) -> dict[str, Any]:
    """``meta`` restricted to ``fields`` (default :data:`METADATA_FIELDS`), in their order and
    with their types; raises ``KeyError`` naming the fields ``meta`` lacks."""
    fields = METADATA_FIELDS if fields is None else fields
    missing = [name for name in fields if name not in meta]
    if missing:
        raise KeyError(f"metadata lacks fields {missing} declared in METADATA_FIELDS")
    return {name: typed_value(meta[name], dtype) for name, dtype in fields.items()}


def _check_dtype(dtype: str) -> str:
    if dtype not in METADATA_DTYPES:
        raise ValueError(f"metadata dtype {dtype!r} is not one of {list(METADATA_DTYPES)}")
    return dtype
