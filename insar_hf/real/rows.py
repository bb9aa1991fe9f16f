"""Rows of the real-event set: its columns and one row per tile.

Columns are those of the synthetic set (:func:`insar_hf.dataset.rows.dataset_features` with
``schema.METADATA_FIELDS``; values that do not apply to real data are NaN, -1, False or ``""``)
followed by the real-data fields of :data:`REAL_FIELDS`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from insar_hf.dataset.rows import dataset_features, image_bytes, png_bytes
from insar_hf.physics.los import SENSORS
from insar_hf.render import render_interferogram
from insar_hf.schema import KIND_NAMES, metadata_columns, missing_value, typed_metadata

if TYPE_CHECKING:
    from insar_hf.real.tiles import Tile

REAL_FIELDS: dict[str, str] = {
    "product_type": "string",
    "product": "string",
    "frame_id": "string",
    "date1": "string",
    "date2": "string",
    "crs": "string",
    "x_min": "float32",
    "y_min": "float32",
    "x_max": "float32",
    "y_max": "float32",
    "event_id": "string",
    "event_mag": "float32",
    "event_mag_type": "string",
    "event_depth_km": "float32",
    "distance_to_epicentre_km": "float32",
    "nodata_fraction": "float32",
    "group": "string",
}
"""Real-data metadata columns (dates ISO ``YYYY-MM-DD``; bounds in the product's CRS)."""


def metadata_fields() -> dict[str, str]:
    """Synthetic metadata fields (minus names that are dataset columns) + :data:`REAL_FIELDS`."""
    fields = metadata_columns()
    for name, dtype in REAL_FIELDS.items():
        fields.setdefault(name, dtype)
    return fields


def real_features(with_raw: bool = False):
    """``datasets.Features`` of the real-event set."""
    return dataset_features(with_raw, metadata_fields=metadata_fields())


def tile_row(
    tile: Tile, ifg, split: str, index: int, group: str, with_raw: bool, fields: dict
) -> dict:
    """One dataset row from a tile (image rendered by ``render.render_interferogram``)."""
    size = tile.field_rad.shape[0]
    row: dict[str, Any] = {
        "image": image_bytes(render_interferogram(tile.field_rad, tile.kind, size=size)),
        "label": int(tile.label),
        "kind": KIND_NAMES.index(tile.kind),
        "deformation_bbox": [0, 0, 0, 0],
        "deformation_mask": png_bytes(
            Image.fromarray(np.zeros((size, size), dtype=np.uint8), mode="L")
        ),
    }
    sensor = min(SENSORS.values(), key=lambda s: abs(s.wavelength_m - ifg.wavelength_m))
    r0, r1, c0, c1 = tile.window
    mag_type = tile.mag_type.lower()
    known = {
        "deformation_source": "earthquake" if tile.label else "none",
        "hard_negative": False,
        "split": split,
        "index": index,
        "sensor": sensor.name if abs(sensor.wavelength_m - ifg.wavelength_m) < 1e-3 else "",
        "band": sensor.band if abs(sensor.wavelength_m - ifg.wavelength_m) < 1e-3 else "",
        "wavelength_m": ifg.wavelength_m,
        "pixel_m": tile.pixel_m,
        "mw": tile.mag if mag_type.startswith("mw") else math.nan,
        "centroid_depth_m": math.nan,
        "epicentre_row_px": (tile.event_row - r0) / (r1 - r0) * size if tile.event_id else math.nan,
        "epicentre_col_px": (tile.event_col - c0) / (c1 - c0) * size if tile.event_id else math.nan,
        "product_type": ifg.product_type,
        "product": ifg.name,
        "frame_id": ifg.frame_id,
        "date1": ifg.date1.isoformat(),
        "date2": ifg.date2.isoformat(),
        "crs": _crs_name(ifg.crs),
        "x_min": tile.bounds[0],
        "y_min": tile.bounds[1],
        "x_max": tile.bounds[2],
        "y_max": tile.bounds[3],
        "event_id": tile.event_id,
        "event_mag": tile.mag,
        "event_mag_type": tile.mag_type,
        "event_depth_km": tile.depth_km,
        "distance_to_epicentre_km": tile.distance_km,
        "nodata_fraction": tile.nodata_fraction,
        "group": group,
    }
    values = {name: known.get(name, missing_value(dtype)) for name, dtype in fields.items()}
    row |= typed_metadata(values, fields)
    if with_raw:
        row["wrapped_rad"] = tile.wrapped_rad.astype(np.float16)
        unw = (
            tile.unwrapped_rad if tile.unwrapped_rad is not None else np.full((size, size), np.nan)
        )
        row["unwrapped_rad"] = unw.astype(np.float16)
    return row


def _crs_name(crs: str | None) -> str:
    if crs is None:
        return ""
    from rasterio.crs import CRS

    parsed = CRS.from_user_input(crs)
    epsg = parsed.to_epsg()
    return f"EPSG:{epsg}" if epsg else parsed.to_wkt()
