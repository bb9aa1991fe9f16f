"""Attention maps of a ViT classifier: per-head [CLS] maps, attention rollout and boxes.

Pure torch / NumPy (plus :mod:`scipy.ndimage` for connected components); no model code. The
inputs are the ``attentions`` that a Hugging Face ViT returns with ``output_attentions=True``
(only on the eager attention path): a sequence of ``num_layers`` tensors of shape
``(batch, heads, tokens, tokens)`` with token 0 the [CLS] token and tokens ``1..`` the patches in
row-major order (row 0 = the top, i.e. north, edge of the image).

Attention rollout follows Abnar & Zuidema (2020), "Quantifying Attention Flow in Transformers",
ACL, eq. in Sec. 3: the residual connection is modelled by ``A' = 0.5 * A + 0.5 * I``, each
``A'`` is re-normalised so that its rows sum to 1, and the layers are chained by matrix product
``R = A'_L @ ... @ A'_1``. Heads are fused before the product by their mean, max or min.

Boxes follow the convention of ``docs/ARCHITECTURE.md``: ``[x_min, y_min, x_max, y_max]`` in
pixels of the rendered image, half-open (max exclusive).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

HEAD_FUSIONS = ("mean", "max", "min")
MAP_METHODS = ("rollout", "layer")
BOX_SCORES = ("mean", "max")

__all__ = [
    "BOX_SCORES",
    "HEAD_FUSIONS",
    "MAP_METHODS",
    "Box",
    "attention_rollout",
    "box_iou",
    "boxes_from_map",
    "boxes_to_map_coordinates",
    "cls_attention_maps",
    "combined_map",
    "fuse_heads",
    "merge_boxes",
    "normalise_map",
    "pixel_to_map",
    "upsample_map",
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


def _layers(attentions: Sequence[torch.Tensor] | torch.Tensor) -> list[torch.Tensor]:
    """Per-layer ``(B, H, T, T)`` float tensors, validated (no copy of the whole stack)."""
    if isinstance(attentions, torch.Tensor):
        if attentions.ndim != 5:
            raise ValueError(
                "attentions must be L tensors of shape (batch, heads, tokens, tokens) or one "
                f"(batch, layers, heads, tokens, tokens) tensor; got shape {tuple(attentions.shape)}"
            )
        layers = list(attentions.unbind(dim=1))
    else:
        layers = list(attentions)
        if not layers or any(a is None for a in layers):
            raise ValueError(
                "no attention weights: load the model with attn_implementation='eager' and call "
                "it with output_attentions=True"
            )
    shape = tuple(layers[0].shape)
    for a in layers:
        if a.ndim != 4 or a.shape[-1] != a.shape[-2] or tuple(a.shape) != shape:
            raise ValueError(
                "attentions must be L tensors of one shape (batch, heads, tokens, tokens); got "
                f"{[tuple(x.shape) for x in layers]}"
            )
    return [a.float() for a in layers]


def _grid_side(num_patches: int) -> int:
    side = int(round(num_patches**0.5))
    if side * side != num_patches:
        raise ValueError(
            f"{num_patches} patch tokens do not form a square grid; attentions must include the "
            "[CLS] token first and a square number of patch tokens (e.g. 1 + 14*14 = 197)"
        )
    return side


def fuse_heads(att: torch.Tensor, head_fusion: str = "mean") -> torch.Tensor:
    """Fuse the head axis (``-3``) of ``(..., H, T, T)`` attention by mean, max or min."""
    if head_fusion == "mean":
        return att.mean(dim=-3)
    if head_fusion == "max":
        return att.amax(dim=-3)
    if head_fusion == "min":
        return att.amin(dim=-3)
    raise ValueError(f"head_fusion must be one of {HEAD_FUSIONS}; got {head_fusion!r}")


def cls_attention_maps(attentions: Sequence[torch.Tensor] | torch.Tensor) -> torch.Tensor:
    """Per-layer, per-head attention of the [CLS] query on every patch.

    Parameters
    ----------
    attentions
        ``num_layers`` tensors of shape ``(B, H, T, T)`` (``T = 1 + g*g``), or one stacked
        ``(B, L, H, T, T)`` tensor.

    Returns
    -------
    torch.Tensor
        Shape ``(B, L, H, g, g)``; row 0 of each map is the top row of patches. Values are the
        raw softmax weights (they sum, together with the [CLS]-to-[CLS] weight, to 1).
    """
    layers = _layers(attentions)
    side = _grid_side(layers[0].shape[-1] - 1)
    cls_to_patch = torch.stack([a[:, :, 0, 1:] for a in layers], dim=1)  # (B, L, H, g*g)
    return cls_to_patch.reshape(*cls_to_patch.shape[:-1], side, side)  # (B, L, H, g, g)


def attention_rollout(
    attentions: Sequence[torch.Tensor] | torch.Tensor,
    *,
    head_fusion: str = "mean",
    up_to_layer: int | None = None,
) -> torch.Tensor:
    """Attention rollout (Abnar & Zuidema 2020) through the first ``up_to_layer + 1`` layers.

    Parameters
    ----------
    attentions
        ``num_layers`` tensors ``(B, H, T, T)`` or one ``(B, L, H, T, T)`` tensor.
    head_fusion
        ``"mean"``, ``"max"`` or ``"min"`` over heads, applied per layer before the product.
    up_to_layer
        Index of the last layer included (default: all layers). Negative indices count from
        the end.

    Returns
    -------
    torch.Tensor
        Shape ``(B, T, T)``; row ``i`` is how much each input token flows into token ``i`` at the
        output of the chosen layer. Every row sums to 1.
    """
    layers = _layers(attentions)
    num_layers = len(layers)
    last = num_layers - 1 if up_to_layer is None else up_to_layer
    if last < 0:
        last += num_layers
    if not 0 <= last < num_layers:
        raise ValueError(f"up_to_layer must lie in [0, {num_layers - 1}]; got {up_to_layer}")
    tokens = layers[0].shape[-1]
    eye = torch.eye(tokens, dtype=layers[0].dtype, device=layers[0].device)
    rollout = None
    for att in layers[: last + 1]:
        residual = 0.5 * fuse_heads(att, head_fusion) + 0.5 * eye  # (B, T, T)
        # keepdim: divide each row by its own sum (without it, broadcasting divides columns)
        residual = residual / residual.sum(dim=-1, keepdim=True)
        rollout = residual if rollout is None else residual @ rollout  # (B, T, T)
    return rollout


def combined_map(
    attentions: Sequence[torch.Tensor] | torch.Tensor,
    *,
    method: str = "rollout",
    head_fusion: str = "mean",
    layer: int | None = None,
) -> torch.Tensor:
    """The [CLS]-to-patch map that summarises where the model looks.

    Parameters
    ----------
    method
        ``"rollout"``: the [CLS] row of :func:`attention_rollout` through ``layer`` (default all
        layers); ``"layer"``: the head-fused [CLS] attention of the single layer ``layer``
        (default the last).
    head_fusion
        ``"mean"``, ``"max"`` or ``"min"``.
    layer
        Layer index (negative counts from the end).

    Returns
    -------
    torch.Tensor
        Shape ``(B, g, g)``, raw (not normalised) non-negative weights.
    """
    layers = _layers(attentions)
    side = _grid_side(layers[0].shape[-1] - 1)
    if method == "rollout":
        cls_row = attention_rollout(layers, head_fusion=head_fusion, up_to_layer=layer)[:, 0, 1:]
    elif method == "layer":
        num_layers = len(layers)
        index = num_layers - 1 if layer is None else layer
        if not -num_layers <= index < num_layers:
            raise ValueError(f"layer must lie in [0, {num_layers - 1}]; got {layer}")
        cls_row = fuse_heads(layers[index][:, :, :1], head_fusion)[:, 0, 1:]  # (B, g*g)
    else:
        raise ValueError(f"method must be one of {MAP_METHODS}; got {method!r}")
    return cls_row.reshape(-1, side, side)  # (B, g, g)


def normalise_map(values: np.ndarray | torch.Tensor) -> np.ndarray:
    """Min-max normalise the last two axes to [0, 1] (a constant map becomes all zeros)."""
    arr = values.detach().cpu().numpy() if isinstance(values, torch.Tensor) else values
    arr = np.asarray(arr, dtype=np.float32)
    low = arr.min(axis=(-2, -1), keepdims=True)
    span = arr.max(axis=(-2, -1), keepdims=True) - low
    safe = np.where(span > 0, span, 1.0)
    return np.where(span > 0, (arr - low) / safe, 0.0).astype(np.float32)


def upsample_map(
    values: torch.Tensor | np.ndarray, size: int | tuple[int, int] = 224
) -> np.ndarray:
    """Bilinearly upsample ``(..., g, g)`` maps to ``(..., size, size)`` (float32 NumPy).

    Each patch's value sits at its patch centre (``align_corners=False``), so a map peaked on
    patch ``(r, c)`` stays peaked on pixels ``[r*p, (r+1)*p)`` for patch size ``p``.
    """
    tensor = torch.as_tensor(np.asarray(values) if not isinstance(values, torch.Tensor) else values)
    tensor = tensor.detach().float().cpu()
    lead = tensor.shape[:-2]
    flat = tensor.reshape(-1, 1, *tensor.shape[-2:])  # (N, 1, g, g)
    out_size = (size, size) if isinstance(size, int) else tuple(size)
    up = F.interpolate(flat, size=out_size, mode="bilinear", align_corners=False)  # (N,1,S,S)
    return up.reshape(*lead, *out_size).numpy().astype(np.float32)


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
    from scipy import ndimage

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
