"""Pictures of an explanation: the attention map over the input with its boxes, per-head maps.

Used by :meth:`insar_hf.inference.detector.Prediction.overlay`, ``insar-hf predict --overlay``
and the Space. Maps are coloured with matplotlib's ``inferno`` colormap (imported lazily).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from insar_hf.inference.attention import normalise_map
from insar_hf.inference.boxes import Box

__all__ = ["draw_overlay", "head_map_gallery"]


def _colormap(values: np.ndarray, name: str = "inferno") -> np.ndarray:
    """uint8 RGB ``(..., 3)`` of values in [0, 1] through a matplotlib colormap."""
    from matplotlib import colormaps

    rgba = colormaps[name](np.clip(values, 0.0, 1.0))  # (..., 4)
    return (rgba[..., :3] * 255).astype(np.uint8)


def draw_overlay(
    image: Any,
    heatmap: np.ndarray,
    boxes: Sequence[Box],
    *,
    alpha: float = 0.45,
    scale: int = 1,
):
    """Blend a [0, 1] heatmap (colormap ``inferno``) over an RGB image and draw the boxes.

    ``heatmap`` is resampled to the image size if needed; boxes are in image pixels. ``scale``
    enlarges the result (nearest-neighbour image, bilinear map) so that boxes and their scores
    stay legible.
    """
    if scale < 1:
        raise ValueError(f"scale must be a positive integer; got {scale}")
    base = image.convert("RGB")
    size = (base.width * scale, base.height * scale)
    base = base.resize(size, Image.Resampling.NEAREST)
    heat = Image.fromarray(_colormap(np.asarray(heatmap, dtype=np.float32)))
    if heat.size != size:
        heat = heat.resize(size, Image.Resampling.BILINEAR)
    out = Image.blend(base, heat, alpha)
    draw = ImageDraw.Draw(out)
    for rank, b in enumerate(boxes):
        colour = (0, 255, 0) if rank == 0 else (0, 200, 255)
        corners = [b.x_min * scale, b.y_min * scale, b.x_max * scale - 1, b.y_max * scale - 1]
        draw.rectangle(corners, outline=colour, width=2)
        draw.text((corners[0] + 3, corners[1] + 2), f"{b.score:.2f}", fill=colour)
    return out


def head_map_gallery(
    head_maps: np.ndarray, *, layer: int = -1, size: int = 112
) -> list[tuple[Any, str]]:
    """Per-head maps of one layer as ``(PIL image, caption)`` pairs (each head normalised)."""
    maps = np.asarray(head_maps)  # (L, H, g, g)
    num_layers = maps.shape[0]
    index = layer % num_layers
    norm = normalise_map(maps[index])  # (H, g, g)
    return [
        (
            Image.fromarray(_colormap(norm[h])).resize((size, size), Image.Resampling.NEAREST),
            f"layer {index + 1}, head {h + 1}",
        )
        for h in range(norm.shape[0])
    ]
