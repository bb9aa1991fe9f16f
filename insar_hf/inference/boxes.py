"""Boxes an analyst would draw around the high parts of a map, and their map coordinates.

A box is ``[x_min, y_min, x_max, y_max]`` in pixels of the image it was found on, half-open (max
exclusive), the convention of ``docs/ARCHITECTURE.md`` and of the dataset's
``deformation_bbox``. :func:`boxes_from_map` finds tight boxes around the connected regions of
any map (every method of :func:`insar_hf.inference.explain.explain`, or a scan's frame map);
:func:`box_iou` and :func:`tight_iou` compare two, and
:func:`boxes_to_map_coordinates` maps them through a GDAL geotransform.

Why the boxes are tight
-----------------------
Regions above a low relative level of a broad map join into one that covers most of the image,
and a box around it overlaps every true box a little: chosen for IoU alone, the level drifts to
the lowest candidate and the "best box" becomes the whole image (issue 23, item 4). So a region
whose box would cover more than :data:`MAX_BOX_FRACTION` of the image is split by raising the
level inside it, :data:`LEVEL_STEP` at a time, into the parts that stand out, as the level sets
of a map are nested (a component tree); only where nothing stands out up to the map's maximum,
the map is flat there, is the large box kept, marked :attr:`Box.flat`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from insar_hf.inference.attention import normalise_map

BOX_SCORES = ("max", "mean")
MAX_BOX_FRACTION = 0.5
"""Largest box, as a fraction of the map's area, that :func:`boxes_from_map` reports without
splitting it (unless the map is flat over it)."""
LEVEL_STEP = 0.05
"""How much the relative level rises at each split of a region that is too large."""
EIGHT_NEIGHBOURS = np.ones((3, 3), dtype=bool)

__all__ = [
    "BOX_SCORES",
    "LEVEL_STEP",
    "MAX_BOX_FRACTION",
    "Box",
    "box_iou",
    "boxes_from_map",
    "boxes_to_map_coordinates",
    "pixel_to_map",
    "tight_iou",
]


@dataclass(frozen=True)
class Box:
    """One detection box in pixels of the image it was found on.

    Attributes
    ----------
    x_min, y_min, x_max, y_max : int
        Column and row bounds, half-open (``x_max``, ``y_max`` exclusive).
    score : float
        Max (the default) or mean of the normalised map (in [0, 1]) inside the region.
    flat : bool
        True for a box over more than :data:`MAX_BOX_FRACTION` of the map, kept because nothing
        inside it stands out from the rest (the map is flat there).
    """

    x_min: int
    y_min: int
    x_max: int
    y_max: int
    score: float
    flat: bool = False

    def as_list(self) -> list[int]:
        """The box as ``[x_min, y_min, x_max, y_max]`` (the dataset's ``deformation_bbox``)."""
        return [self.x_min, self.y_min, self.x_max, self.y_max]

    @property
    def area(self) -> int:
        return max(0, self.x_max - self.x_min) * max(0, self.y_max - self.y_min)


def _regions(inside: np.ndarray, min_area: int) -> list[tuple[tuple[slice, slice], np.ndarray]]:
    """``(bounding slices, component mask within them)`` of the 8-connected components of
    ``inside`` with at least ``min_area`` pixels."""
    labels, _ = ndimage.label(inside, structure=EIGHT_NEIGHBOURS)
    found = []
    for i, region in enumerate(ndimage.find_objects(labels), start=1):
        component = labels[region] == i
        if np.count_nonzero(component) >= min_area:
            found.append((region, component))
    return found


def boxes_from_map(
    heatmap: np.ndarray,
    *,
    threshold: float = 0.5,
    score: str = "max",
    min_area: int = 16,
    max_boxes: int | None = 5,
    max_area_fraction: float = MAX_BOX_FRACTION,
) -> list[Box]:
    """Tight boxes around the connected regions of a map above a relative level.

    The map is min-max normalised to [0, 1]; pixels ``>= threshold`` are grouped into
    8-connected components (:func:`scipy.ndimage.label`). A component whose bounding box covers
    more than ``max_area_fraction`` of the map is split: the level rises by
    :data:`LEVEL_STEP` inside it and each part is taken in turn, until every box is small enough
    or the level passes the map's maximum with the box still too large (then the box is kept
    with ``flat=True``: nothing in it stands out). Each final component's bounding box is a
    :class:`Box` scored by the max or mean of the normalised map inside the component.

    Parameters
    ----------
    heatmap
        Shape ``(rows, cols)``, any real values (an explanation map upsampled to the image).
    threshold
        Relative level in (0, 1] (chosen per map method on validation,
        :func:`insar_hf.inference.localisation.choose_box_threshold`).
    score
        ``"max"`` (the best box holds the map's maximum: the pointing game's point) or
        ``"mean"``.
    min_area
        Components with fewer pixels are dropped.
    max_boxes
        Keep at most this many boxes (``None``: all).
    max_area_fraction
        Largest box, as a fraction of ``rows * cols``, kept without splitting; 1 never splits.

    Returns
    -------
    list[Box]
        Sorted by decreasing score, then area; empty for a constant map.
    """
    arr = np.asarray(heatmap, dtype=np.float32)
    if arr.ndim != 2:
        raise ValueError(f"heatmap must be 2-D (rows, cols); got shape {arr.shape}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must lie in (0, 1]; got {threshold}")
    if score not in BOX_SCORES:
        raise ValueError(f"score must be one of {BOX_SCORES}; got {score!r}")
    if not 0.0 < max_area_fraction <= 1.0:
        raise ValueError(f"max_area_fraction must lie in (0, 1]; got {max_area_fraction}")
    if not np.isfinite(arr).all():
        arr = np.nan_to_num(arr, nan=float(np.nanmin(arr)) if np.isfinite(arr).any() else 0.0)
    norm = normalise_map(arr)
    if not norm.any():
        return []
    largest = max_area_fraction * norm.size
    todo = [(threshold, *region) for region in _regions(norm >= threshold, min_area)]
    boxes = []
    while todo:
        level, (rows, cols), component = todo.pop()
        too_large = (rows.stop - rows.start) * (cols.stop - cols.start) > largest
        higher = level + LEVEL_STEP
        if too_large and higher <= 1.0:
            parts = _regions(component & (norm[rows, cols] >= higher), min_area)
            if parts:  # the parts that stand out, in the map's pixels
                for (r, c), part in parts:
                    region = (
                        slice(rows.start + r.start, rows.start + r.stop),
                        slice(cols.start + c.start, cols.start + c.stop),
                    )
                    todo.append((higher, region, part))
                continue
        values = norm[rows, cols][component]
        value = values.max() if score == "max" else values.mean()
        boxes.append(Box(cols.start, rows.start, cols.stop, rows.stop, float(value), too_large))
    boxes.sort(key=lambda b: (-b.score, -b.area))
    return boxes if max_boxes is None else boxes[:max_boxes]


def box_iou(a: Sequence[float] | Box, b: Sequence[float] | Box) -> float:
    """Intersection over union of two half-open ``[x_min, y_min, x_max, y_max]`` boxes."""
    ax0, ay0, ax1, ay1 = a.as_list() if isinstance(a, Box) else a[:4]
    bx0, by0, bx1, by1 = b.as_list() if isinstance(b, Box) else b[:4]
    inter = max(0, min(ax1, bx1) - max(ax0, bx0)) * max(0, min(ay1, by1) - max(ay0, by0))
    union = max(0, ax1 - ax0) * max(0, ay1 - ay0) + max(0, bx1 - bx0) * max(0, by1 - by0) - inter
    return float(inter / union) if union > 0 else 0.0


def tight_iou(box: Sequence[int], truth: Sequence[int], image_px: int) -> float:
    """IoU of ``box`` and ``truth`` minus the area of ``box`` outside ``truth``, as a fraction of
    the image's ``image_px`` pixels: 1 for the true box, about 0 for the whole image's box."""
    x0, y0, x1, y1 = (int(v) for v in box[:4])
    tx0, ty0, tx1, ty1 = (int(v) for v in truth[:4])
    area = max(0, x1 - x0) * max(0, y1 - y0)
    inter = max(0, min(x1, tx1) - max(x0, tx0)) * max(0, min(y1, ty1) - max(y0, ty0))
    return box_iou([x0, y0, x1, y1], [tx0, ty0, tx1, ty1]) - (area - inter) / image_px


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
