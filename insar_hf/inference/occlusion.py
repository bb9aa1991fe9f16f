"""Occlusion: how much the verdict drops when a block of patches is blanked (model-agnostic).

The slow reference of the localisation comparison (Zeiler & Fergus 2014, "Visualizing and
Understanding Convolutional Networks", ECCV, Sec. 4.2, on the ViT's patch grid): every
``block x block`` square of patches (stride one patch) is replaced by *no data*, the value the
renderer writes where phase is missing (black, which the model sees in every decorrelated area,
so the occluded image stays an interferogram), and the drop of the explained score is credited to
the patches the square covers, averaged over the squares that cover each patch. It needs
``(grid - block + 1)^2`` forward passes per image and no access to the model's internals.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

__all__ = ["no_data_fill", "occlusion_map"]


def occlusion_map(
    score: Callable[[torch.Tensor], torch.Tensor],
    pixel_values: torch.Tensor,
    fill: torch.Tensor,
    *,
    patch_size: int,
    block: int = 1,
    max_batch: int = 256,
) -> torch.Tensor:
    """Mean score drop per patch when the blocks that cover it are replaced by ``fill``.

    Parameters
    ----------
    score
        Maps a ``(N, C, S, S)`` batch to the explained score ``(N,)`` (e.g. the log-odds of an
        earthquake); called without gradients.
    pixel_values
        ``(B, C, S, S)`` model inputs.
    fill
        ``(C, S, S)`` replacement (the model input of a no-data image).
    patch_size, block
        Patch side in pixels; square side in patches.
    max_batch
        Occluded images per call of ``score``.

    Returns
    -------
    torch.Tensor
        ``(B, g, g)`` float32, ``g = S // patch_size``; positive where blanking lowers the score.
    """
    batch, _, size, _ = pixel_values.shape
    grid = size // patch_size
    if not 1 <= block <= grid:
        raise ValueError(f"block must lie in [1, {grid}] patches; got {block}")
    if tuple(fill.shape) != tuple(pixel_values.shape[1:]):
        raise ValueError(f"fill must have shape {tuple(pixel_values.shape[1:])}; got {fill.shape}")
    corners = [(r, c) for r in range(grid - block + 1) for c in range(grid - block + 1)]
    side = block * patch_size
    drops = torch.zeros(batch, grid, grid)
    cover = torch.zeros(grid, grid)
    with torch.inference_mode():
        base = score(pixel_values).float().cpu()  # (B,)
        per_call = max(1, max_batch // batch)
        for start in range(0, len(corners), per_call):
            chunk = corners[start : start + per_call]
            occluded = pixel_values.repeat(len(chunk), 1, 1, 1)  # (len*B, C, S, S)
            for k, (r, c) in enumerate(chunk):
                y, x = r * patch_size, c * patch_size
                occluded[k * batch : (k + 1) * batch, :, y : y + side, x : x + side] = fill[
                    :, y : y + side, x : x + side
                ]
            scores = score(occluded).float().cpu().reshape(len(chunk), batch)  # (len, B)
            for k, (r, c) in enumerate(chunk):
                drops[:, r : r + block, c : c + block] += (base - scores[k])[:, None, None]
                cover[r : r + block, c : c + block] += 1.0
    return drops / cover


def no_data_fill(image_processor, size: int) -> torch.Tensor:
    """The model input ``(C, S, S)`` of an all-no-data (black) image."""
    black = np.zeros((size, size, 3), dtype=np.uint8)
    return image_processor(images=[black], return_tensors="pt")["pixel_values"][0]
