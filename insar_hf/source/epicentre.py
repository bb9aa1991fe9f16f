"""The epicentre as a heat map on the patch grid: its target and its decoding to pixels.

The source network reads magnitude, depth and mechanism from its [CLS] token (regression), but
*where* the earthquake is from its patch tokens: its classifier applied to every last-layer patch
token (:func:`insar_hf.inference.patch_map.patch_token_logits`) gives, in the output
``epicentre_heat``, one logit per patch, and a softmax over the ``g x g`` patches is the
probability that the epicentre lies there (the keypoint heat maps of pose estimation, e.g.
Sun et al. 2018, "Integral Human Pose Regression", ECCV, read out locally).

**Target** (:func:`heat_target`): the true epicentre ``(row, col)`` (pixels, row 0 the north
edge, pixel ``i`` spanning ``[i, i + 1)``) shared between the four patch centres around it with
bilinear weights. Patch ``k`` has its centre at ``(k + 1/2) p`` (patch side ``p``), so the
weights' mean of the centres is the epicentre itself.

**Decoding** (:func:`decode_epicentre`): the softmax's peak patch, then the probability-weighted
mean of the patch centres in the 3 x 3 window around it. The window holds the four patches of a
bilinear target whichever of them peaks, so a network that outputs its target exactly (log
weights) is decoded to the exact epicentre; sub-patch positions come from the balance of the four.
"""

from __future__ import annotations

import numpy as np

__all__ = ["decode_epicentre", "heat_target", "patch_centres_px"]


def patch_centres_px(grid: int, patch_size: float) -> np.ndarray:
    """Centres of the ``grid`` patches along one axis, pixels: ``(k + 1/2) * patch_size``."""
    return (np.arange(grid) + 0.5) * patch_size


def _axis_weights(position_px: np.ndarray, grid: int, patch_size: float) -> np.ndarray:
    """Bilinear weights (N, grid) of positions (N,) between the two nearest patch centres."""
    u = np.clip(np.asarray(position_px, np.float64) / patch_size - 0.5, 0.0, grid - 1.0)  # (N,)
    low = np.minimum(np.floor(u).astype(int), grid - 2)  # (N,) so that low + 1 exists
    frac = u - low  # (N,) in [0, 1]
    weights = np.zeros((u.size, grid))
    rows = np.arange(u.size)
    weights[rows, low] = 1.0 - frac
    weights[rows, low + 1] = frac
    return weights


def heat_target(row_px, col_px, *, grid: int, patch_size: float) -> np.ndarray:
    """Target distributions (N, grid * grid) of epicentres over the patches, row-major.

    Parameters
    ----------
    row_px, col_px
        Epicentres (N,), pixels of the model image. Positions outside the band of patch centres
        (``[p / 2, (grid - 1/2) p]``) are moved onto its edge.
    grid, patch_size
        Patches per side and their side in pixels (ViT-mini: 14 and 16).

    Returns
    -------
    np.ndarray
        float32 (N, grid * grid): non-negative, each row summing to 1, at most four non-zero
        entries, with ``sum_k w_k * centre_k`` equal to the epicentre.
    """
    rows = _axis_weights(np.atleast_1d(row_px), grid, patch_size)  # (N, g)
    cols = _axis_weights(np.atleast_1d(col_px), grid, patch_size)  # (N, g)
    if len(rows) != len(cols):
        raise ValueError(f"got {len(rows)} rows but {len(cols)} columns")
    return (rows[:, :, None] * cols[:, None, :]).reshape(len(rows), -1).astype(np.float32)


def decode_epicentre(heat, *, patch_size: float) -> tuple[np.ndarray, np.ndarray]:
    """Epicentres (pixels) of heat-map logits: the peak patch, refined in its 3 x 3 window.

    Parameters
    ----------
    heat
        Logits (N, g, g) of the ``epicentre_heat`` output on the patch grid.
    patch_size
        Side of a patch, pixels of the model image.

    Returns
    -------
    (np.ndarray, np.ndarray)
        ``row_px``, ``col_px`` (N,) float64: the softmax-weighted mean of the patch centres in
        the window around the most probable patch.
    """
    heat = np.asarray(heat, dtype=np.float64)
    if heat.ndim != 3 or heat.shape[1] != heat.shape[2]:
        raise ValueError(f"heat must have shape (N, g, g), got {heat.shape}")
    n, grid = heat.shape[0], heat.shape[1]
    flat = heat.reshape(n, -1)
    prob = np.exp(flat - flat.max(axis=1, keepdims=True)).reshape(n, grid, grid)  # unnormalised
    peak = flat.argmax(axis=1)  # (N,)
    r0, c0 = np.divmod(peak, grid)
    offsets = np.arange(-1, 2)
    rr = np.clip(r0[:, None] + offsets, 0, grid - 1)  # (N, 3) window rows (edge repeats drop)
    cc = np.clip(c0[:, None] + offsets, 0, grid - 1)  # (N, 3)
    inside_r = (r0[:, None] + offsets >= 0) & (r0[:, None] + offsets < grid)  # (N, 3)
    inside_c = (c0[:, None] + offsets >= 0) & (c0[:, None] + offsets < grid)
    window = prob[np.arange(n)[:, None, None], rr[:, :, None], cc[:, None, :]]  # (N, 3, 3)
    window = window * (inside_r[:, :, None] & inside_c[:, None, :])
    centres = patch_centres_px(grid, patch_size)
    total = window.sum(axis=(1, 2))  # (N,) > 0: the peak is in its window
    row = (window.sum(axis=2) * centres[rr]).sum(axis=1) / total
    col = (window.sum(axis=1) * centres[cc]).sum(axis=1) / total
    return row, col
