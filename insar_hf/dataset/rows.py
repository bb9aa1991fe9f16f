"""Features and rows of the synthetic set: scenes -> row dicts -> pyarrow tables.

A row is a dict of column -> value: the rendered ``image`` as lossless WebP bytes
(:func:`image_bytes`), the ``deformation_mask`` as PNG bytes (:func:`png_bytes`), ``label`` and
``kind`` as ``ClassLabel`` indices, the ``deformation_bbox`` in the rendered image's pixels, the
typed scene metadata and, on request, the float16 raw phase arrays. :func:`rows_to_table` encodes rows with the dataset's features
into the table that the shard writers (:mod:`insar_hf.dataset.shards`) store, and
:func:`features_of_schema` reads those features back from a shard's schema.
"""

from __future__ import annotations

import io
import json
import math
from typing import Any

import numpy as np
from PIL import Image

from insar_hf.render import render_interferogram
from insar_hf.schema import (
    IMAGE_SIZE,
    KIND_NAMES,
    LABEL_NAMES,
    METADATA_DTYPES,
    metadata_columns,
    typed_metadata,
)

PNG_COMPRESS_LEVEL = 1
"""zlib level of the PNG masks (lossless at every level): masks are two-valued and compress to
about 1 KB at level 1."""

WEBP_METHOD = 1
"""libwebp effort of the lossless WebP images.  Measured on 60 default generator-v2 ``train``
scenes, one core, in one run (encode ms, decode ms, KB per image): PNG level 1 5.3, 1.8, 75.2;
**WebP method 1** 10.5, 1.5, 54.9; method 2 18.2, 1.8, 53.1; method 3 23.1, 1.7, 51.2; method 4
50.2, 1.6, 49.6.  Method 1 takes 27 % off PNG's size for twice its encoding time, and decodes
faster, which a training input pipeline pays every epoch; the higher methods buy a few per cent
for two to five times the encoding."""


def dataset_features(
    with_raw: bool = False,
    *,
    raw_shape: tuple[int, int] | None = None,
    metadata_fields: dict[str, str] | None = None,
):
    """The ``datasets.Features`` of the synthetic set.

    Parameters
    ----------
    with_raw
        Add ``wrapped_rad`` and ``unwrapped_rad``: float16 phase arrays (rad, NaN = no data).
    raw_shape
        ``(rows, cols)`` of the raw arrays; default ``(schema.IMAGE_SIZE,) * 2``.
    metadata_fields
        Name -> dtype of the metadata columns; default ``schema.METADATA_FIELDS``.
    """
    from datasets import Array2D, ClassLabel, Features, List, Value
    from datasets import Image as ImageFeature

    columns: dict[str, Any] = {
        "image": ImageFeature(),
        "label": ClassLabel(names=list(LABEL_NAMES)),
        "kind": ClassLabel(names=list(KIND_NAMES)),
        "deformation_bbox": List(Value("int32"), length=4),
        "deformation_mask": ImageFeature(),
    }
    for name, dtype in metadata_columns(metadata_fields).items():
        if dtype not in METADATA_DTYPES:
            raise ValueError(
                f"metadata field {name!r} has dtype {dtype!r}; use one of {list(METADATA_DTYPES)}"
            )
        columns[name] = Value(dtype)
    if with_raw:
        shape = tuple(raw_shape or (IMAGE_SIZE, IMAGE_SIZE))
        columns["wrapped_rad"] = Array2D(shape=shape, dtype="float16")
        columns["unwrapped_rad"] = Array2D(shape=shape, dtype="float16")
    return Features(columns)


def png_bytes(image: Image.Image) -> dict[str, Any]:
    """``image`` as the value of a ``datasets.Image`` column: PNG bytes, no path.

    Compressed at :data:`PNG_COMPRESS_LEVEL`.
    """
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return {"bytes": buffer.getvalue(), "path": None}


def image_bytes(image: Image.Image) -> dict[str, Any]:
    """``image`` as the value of a ``datasets.Image`` column: lossless WebP bytes, no path.

    Pixel-exact (lossless; RGB without alpha), read back by PIL like any image; the dataset's
    images use it (:data:`WEBP_METHOD`), masks stay PNG (:func:`png_bytes`).
    """
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", lossless=True, method=WEBP_METHOD, quality=0)
    return {"bytes": buffer.getvalue(), "path": None}


def scene_to_row(scene, with_raw: bool = False, *, metadata_fields: dict[str, str] | None = None):
    """One dataset row (a dict of column -> value) from a ``simulate.scene.Scene``.

    ``image`` is ``render.render_interferogram(scene.field_rad, scene.kind)`` as lossless WebP
    bytes (:func:`image_bytes`);
    ``deformation_mask`` is the boolean mask as a mode "L" PNG (0 background, 255 deformation).
    """
    fields = metadata_columns(metadata_fields)
    mask = np.asarray(scene.deformation_mask, dtype=bool)
    bbox = [int(v) for v in scene.deformation_bbox]
    if len(bbox) != 4:
        raise ValueError(f"deformation_bbox must have 4 values, got {bbox}")
    mask_image = Image.fromarray(mask.astype(np.uint8) * 255, mode="L")
    if mask.shape != (IMAGE_SIZE, IMAGE_SIZE):
        # The box and mask live in the rendered image's pixels (docs/ARCHITECTURE.md).
        bbox, mask_image = _to_image_pixels(mask, bbox)
    row: dict[str, Any] = {
        "image": image_bytes(render_interferogram(scene.field_rad, scene.kind)),
        "label": int(scene.label),
        "kind": KIND_NAMES.index(scene.kind),
        "deformation_bbox": bbox,
        "deformation_mask": png_bytes(mask_image),
    }
    row |= typed_metadata(scene.metadata, fields)
    if with_raw:
        row["wrapped_rad"] = np.asarray(scene.wrapped_rad, dtype=np.float16)
        row["unwrapped_rad"] = np.asarray(scene.unwrapped_rad, dtype=np.float16)
    return row


def _to_image_pixels(mask: np.ndarray, bbox: list[int]):
    """Mask and box of a square ``n x n`` scene in the ``IMAGE_SIZE`` rendered image's pixels.

    ``render`` maps a square scene onto the image by a uniform scale ``s = IMAGE_SIZE / n``
    (area resampling, no padding), so scene pixel edge ``e`` lands at ``e * s``: the box grows
    outwards to whole image pixels and the mask is resampled by nearest neighbour.
    """
    rows, cols = mask.shape
    if rows != cols:
        raise ValueError(f"scene masks must be square to map onto the image, got {mask.shape}")
    s = IMAGE_SIZE / rows
    if bbox != [0, 0, 0, 0]:
        bbox = [
            math.floor(bbox[0] * s),
            math.floor(bbox[1] * s),
            min(math.ceil(bbox[2] * s), IMAGE_SIZE),
            min(math.ceil(bbox[3] * s), IMAGE_SIZE),
        ]
    image = Image.fromarray(mask.astype(np.uint8) * 255, mode="L")
    return bbox, image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.NEAREST)


def rows_to_table(rows: list[dict[str, Any]], features):
    """Encode rows with ``features`` into a ``pyarrow.Table`` carrying the features metadata."""
    import pyarrow as pa
    from datasets.arrow_writer import TypedSequence

    batch = {name: [row[name] for row in rows] for name in features}
    encoded = features.encode_batch(batch)
    arrays = [pa.array(TypedSequence(encoded[name], type=features[name])) for name in features]
    return pa.Table.from_arrays(arrays, schema=features.arrow_schema)


def features_of_schema(schema):
    """The ``datasets.Features`` that a parquet shard's arrow ``schema`` carries.

    Read from the ``huggingface`` schema metadata that :func:`rows_to_table` stores; inferred
    from the arrow types when that metadata is absent.
    """
    from datasets import Features

    meta = schema.metadata or {}
    if b"huggingface" in meta:
        info = json.loads(meta[b"huggingface"])
        return Features.from_dict(info["info"]["features"])
    return Features.from_arrow_schema(schema)
