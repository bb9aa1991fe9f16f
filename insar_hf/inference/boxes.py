"""Boxes around the high parts of an attention map, and their map coordinates.

A box is ``[x_min, y_min, x_max, y_max]`` in pixels of the image it was found on, half-open (max
exclusive), the convention of ``docs/ARCHITECTURE.md`` and of the dataset's
``deformation_bbox``. :func:`boxes_from_map` finds them on a map (typically the combined map of
:mod:`insar_hf.inference.attention`), :func:`merge_boxes` joins overlapping ones,
:func:`box_iou` compares two, and :func:`boxes_to_map_coordinates` maps them through a GDAL
geotransform.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from insar_hf.inference.attention import normalise_map

BOX_SCORES = ("mean", "max")

__all__ = [
    "BOX_SCORES",
    "Box",
    "box_iou",
    "boxes_from_map",
    "boxes_to_map_coordinates",
    "merge_boxes",
    "pixel_to_map",
]


@dataclass(frozen=True)
class Box:
    """One detection box in pixels of the image it was found on.

    Attributes
    ----------
    x_min, y_min, x_max, y_max : int
        Column and row bounds, half-open (``x_max``, ``y_max`` exclusive).
    score : float
        Mean or max of the normalised attention map (in [0, 1]) inside the component.
    """

    x_min: int
    y_min: int
    x_max: int
    y_max: int
    score: float

    def as_list(self) -> list[int]:
        """The box as ``[x_min, y_min, x_max, y_max]`` (the dataset's ``deformation_bbox``)."""
        return [self.x_min, self.y_min, self.x_max, self.y_max]

    @property
    def area(self) -> int:
        return max(0, self.x_max - self.x_min) * max(0, self.y_max - self.y_min)


def boxes_from_map(
    heatmap: np.ndarray,
    *,
    threshold: float = 0.5,
    score: str = "mean",
    min_area: int = 16,
    max_boxes: int | None = 5,
) -> list[Box]:
    """Boxes around the connected regions of a map above a relative threshold.

    The map is min-max normalised to [0, 1]; pixels ``>= threshold`` are grouped into
    8-connected components (:func:`scipy.ndimage.label`); each component's bounding box is a
    :class:`Box` scored by the mean or max of the normalised map inside the component.

    Parameters
    ----------
    heatmap
        Shape ``(rows, cols)``, any real values (typically the upsampled combined map).
    threshold
        Relative level in (0, 1].
    score
        ``"mean"`` or ``"max"``.
    min_area
        Components with fewer pixels are dropped.
    max_boxes
        Keep at most this many boxes (``None``: all).

    Returns
    -------
    list[Box]
        Sorted by decreasing score; empty for a constant map.
    """
    arr = np.asarray(heatmap, dtype=np.float32)
    if arr.ndim != 2:
        raise ValueError(f"heatmap must be 2-D (rows, cols); got shape {arr.shape}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must lie in (0, 1]; got {threshold}")
    if score not in BOX_SCORES:
        raise ValueError(f"score must be one of {BOX_SCORES}; got {score!r}")
    if not np.isfinite(arr).all():
        arr = np.nan_to_num(arr, nan=float(np.nanmin(arr)) if np.isfinite(arr).any() else 0.0)
    norm = normalise_map(arr)
    if not norm.any():
        return []
    labels, count = ndimage.label(norm >= threshold, structure=np.ones((3, 3), dtype=bool))
    index = np.arange(1, count + 1)
    areas = ndimage.sum_labels(np.ones_like(norm), labels, index)
    reduce = ndimage.mean if score == "mean" else ndimage.maximum
    scores = reduce(norm, labels, index)
    boxes = []
    for i, region in enumerate(ndimage.find_objects(labels)):
        if region is None or areas[i] < min_area:
            continue
        rows, cols = region
        boxes.append(Box(cols.start, rows.start, cols.stop, rows.stop, float(scores[i])))
    boxes.sort(key=lambda b: (-b.score, -b.area))
    return boxes if max_boxes is None else boxes[:max_boxes]


def merge_boxes(boxes: Sequence[Box]) -> list[Box]:
    """Merge boxes that overlap (positive intersection area) into their union, transitively.

    The merged box keeps the highest score of its members; the result is sorted by score.
    Used to join the detections of overlapping scan windows into one box per deformation.
    """
    merged = list(boxes)
    changed = True
    while changed:
        changed = False
        out: list[Box] = []
        for box in merged:
            for i, other in enumerate(out):
                overlap_x = min(box.x_max, other.x_max) - max(box.x_min, other.x_min)
                overlap_y = min(box.y_max, other.y_max) - max(box.y_min, other.y_min)
                if overlap_x > 0 and overlap_y > 0:
                    out[i] = Box(
                        min(box.x_min, other.x_min),
                        min(box.y_min, other.y_min),
                        max(box.x_max, other.x_max),
                        max(box.y_max, other.y_max),
                        max(box.score, other.score),
                    )
                    changed = True
                    break
            else:
                out.append(box)
        merged = out
    merged.sort(key=lambda b: (-b.score, -b.area))
    return merged


def box_iou(a: Sequence[float] | Box, b: Sequence[float] | Box) -> float:
    """Intersection over union of two half-open ``[x_min, y_min, x_max, y_max]`` boxes."""
    ax0, ay0, ax1, ay1 = a.as_list() if isinstance(a, Box) else a[:4]
    bx0, by0, bx1, by1 = b.as_list() if isinstance(b, Box) else b[:4]
    inter = max(0, min(ax1, bx1) - max(ax0, bx0)) * max(0, min(ay1, by1) - max(ay0, by0))
    union = max(0, ax1 - ax0) * max(0, ay1 - ay0) + max(0, bx1 - bx0) * max(0, by1 - by0) - inter
    return float(inter / union) if union > 0 else 0.0


def _as_gdal(geotransform) -> tuple[float, float, float, float, float, float]:
    """Accept a GDAL 6-tuple ``(x0, dx, rx, y0, ry, dy)`` or an ``affine.Affine``."""
    if hasattr(geotransform, "to_gdal"):
        geotransform = geotransform.to_gdal()
    values = tuple(float(v) for v in geotransform)
    if len(values) != 6:
        raise ValueError(
            "geotransform must be a GDAL 6-tuple (x0, dx, row_rotation, y0, col_rotation, dy) "
            f"or an affine.Affine; got {len(values)} values"
        )
    return values  # type: ignore[return-value]


def pixel_to_map(cols, rows, geotransform) -> tuple[np.ndarray, np.ndarray]:
    """Map coordinates of pixel positions (corner convention: ``(0, 0)`` is the top-left corner).

    ``x = x0 + col*dx + row*rx``, ``y = y0 + col*ry + row*dy`` (GDAL's geotransform).
    """
    x0, dx, rx, y0, ry, dy = _as_gdal(geotransform)
    cols = np.asarray(cols, dtype=np.float64)
    rows = np.asarray(rows, dtype=np.float64)
    return x0 + cols * dx + rows * rx, y0 + cols * ry + rows * dy


def boxes_to_map_coordinates(
    boxes: Sequence[Box | Sequence[float]],
    geotransform,
    *,
    image_shape: tuple[int, int] = (224, 224),
    source_shape: tuple[int, int] | None = None,
    fit: str = "pad",
) -> list[list[float]]:
    """Convert image-pixel boxes to map-coordinate boxes ``[x_min, y_min, x_max, y_max]``.

    Parameters
    ----------
    boxes
        :class:`Box` objects or ``[x_min, y_min, x_max, y_max]`` in pixels of an image of
        ``image_shape`` (rows, cols).
    geotransform
        The source array's geotransform (GDAL 6-tuple or ``affine.Affine``).
    image_shape
        Shape of the image the boxes live on (the rendered 224 x 224 image).
    source_shape
        Shape ``(rows, cols)`` of the georeferenced array the image was rendered from (default
        ``image_shape``).
    fit
        How :func:`insar_hf.render.render_array` made the array square: ``"pad"`` (centred on a
        square of side ``max(rows, cols)``, the default) or ``"stretch"``. Box corners that fall
        into the padding are clipped to the array.

    Returns
    -------
    list[list[float]]
        Boxes in map units with ``y_min`` the southern edge for a north-up transform.
    """
    if fit not in ("pad", "stretch"):
        raise ValueError(f"fit must be 'pad' or 'stretch'; got {fit!r}")
    src_rows, src_cols = image_shape if source_shape is None else source_shape
    if fit == "pad":
        side = max(src_rows, src_cols)
        scale_r, scale_c = side / image_shape[0], side / image_shape[1]
        off_r, off_c = (side - src_rows) // 2, (side - src_cols) // 2
    else:
        scale_r, scale_c = src_rows / image_shape[0], src_cols / image_shape[1]
        off_r = off_c = 0
    out = []
    for box in boxes:
        x_min, y_min, x_max, y_max = box.as_list() if isinstance(box, Box) else box[:4]
        cols = np.array([x_min, x_max, x_min, x_max], dtype=np.float64) * scale_c - off_c
        rows = np.array([y_min, y_min, y_max, y_max], dtype=np.float64) * scale_r - off_r
        xs, ys = pixel_to_map(np.clip(cols, 0, src_cols), np.clip(rows, 0, src_rows), geotransform)
        out.append([float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())])
    return out
