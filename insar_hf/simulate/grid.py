"""Line-of-sight displacement of a deformation source on the scene's pixel grid.

:func:`los_on_grid` evaluates a source's surface displacement ``func(x_m, y_m, **kw) ->
(e, n, u)`` (Okada, Mogi, a subsidence bowl: :mod:`insar_hf.physics`) at the pixel centres
and projects it onto the line of sight.  With a stride it evaluates a coarse grid of nodes,
interpolates bilinearly (one cached matrix per image side), estimates the interpolation error
from second differences and evaluates exactly every cell that may miss by more than a
tolerance, so that a fault trace crossing the image stays sharp.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from insar_hf.physics import los as los_mod

__all__ = ["los_on_grid"]


@lru_cache(maxsize=16)
def _interp_matrix(size: int, stride: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Node pixels, each pixel's cell and the ``(size, n_nodes)`` linear-interpolation matrix.

    Nodes are every ``stride``-th pixel plus the last; cell ``a`` spans nodes ``a`` and
    ``a + 1``; ``cell[p]`` is the cell whose interpolation gives pixel ``p``.
    """
    nodes = np.arange(0, size, stride)
    if nodes[-1] != size - 1:
        nodes = np.append(nodes, size - 1)
    pix = np.arange(size, dtype=np.float64)
    cell = np.clip(np.searchsorted(nodes, pix, side="right") - 1, 0, nodes.size - 2)
    t = (pix - nodes[cell]) / (nodes[cell + 1] - nodes[cell])
    matrix = np.zeros((size, nodes.size), dtype=np.float32)
    matrix[np.arange(size), cell] = 1.0 - t
    matrix[np.arange(size), cell + 1] = t
    return nodes, cell, matrix


def los_on_grid(
    func,
    size: int,
    pixel_m: float,
    stride: int,
    x0_m: float,
    y0_m: float,
    los_enu,
    tolerance_m: float = 0.0,
    **kw,
) -> np.ndarray:
    """LOS displacement (m) of ``func(x_m, y_m, **kw) -> (e, n, u)`` at the pixel centres.

    ``(x0_m, y0_m)`` is the source reference point in the image frame (x east from the west
    edge, y north from the north edge, so y <= 0 inside the image).  With ``stride = 1`` every
    pixel is evaluated.  With ``stride > 1``:

    1. ``func`` is evaluated on every ``stride``-th pixel (and the last), projected onto the LOS
       and bilinearly interpolated in between (projection and interpolation are both linear,
       so projecting first is exact and interpolates one field instead of three);
    2. the interpolation error of each cell is estimated from the second differences of the
       node values (``|f[i-1] - 2 f[i] + f[i+1]| / 8``, the mid-cell error of linear
       interpolation of a quadratic); cells estimated to miss by more than ``tolerance_m``,
       and their 8 neighbours (a fault trace may clip a cell's corner), are evaluated exactly
       at every pixel.

    Node pixels and refined cells are exact; the error elsewhere is measured against
    ``stride = 1`` in ``benchmarks/bench_synth.py``.  Returns shape ``(size, size)``, float32.
    """

    def los_at(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        x = (cols + 0.5) * pixel_m - x0_m  # east of the reference point
        y = -(rows + 0.5) * pixel_m - y0_m  # north of the reference point
        x, y = np.broadcast_arrays(x, y)
        e, n, u = func(x, y, **kw)
        return np.asarray(los_mod.los_displacement_m(e, n, u, los_enu), dtype=np.float32)

    if stride == 1:
        pix = np.arange(size)
        return los_at(pix[:, None], pix[None, :])  # (size, size)
    nodes, cell, matrix = _interp_matrix(size, stride)
    coarse = los_at(nodes[:, None], nodes[None, :])  # (n, n)
    los = matrix @ coarse @ matrix.T  # (size, n) (n, n) (n, size) -> (size, size)
    # Linear interpolation misses a smooth f by h^2 |f''| / 8 at mid-cell, and h^2 f'' is the
    # second difference of the node values: a free error estimate (bilinear interpolation is
    # exact for the cross term).  A slip discontinuity between nodes shows up as a second
    # difference of the size of the jump.
    f = coarse.astype(np.float64)
    d2x = np.pad(np.abs(f[:, :-2] - 2.0 * f[:, 1:-1] + f[:, 2:]), ((0, 0), (1, 1)), mode="edge")
    d2y = np.pad(np.abs(f[:-2, :] - 2.0 * f[1:-1, :] + f[2:, :]), ((1, 1), (0, 0)), mode="edge")
    node_miss = np.maximum(d2x, d2y) / 8.0  # (n, n)
    miss = np.maximum.reduce(
        [node_miss[:-1, :-1], node_miss[1:, :-1], node_miss[:-1, 1:], node_miss[1:, 1:]]
    )  # (n - 1, n - 1): worst estimate over each cell's four corners
    bad = miss > tolerance_m
    if bad.any():
        padded = np.pad(bad, 1)
        grown = np.zeros_like(bad)
        for dr in range(3):
            for dc in range(3):
                grown |= padded[dr : dr + bad.shape[0], dc : dc + bad.shape[1]]
        rows, cols = np.nonzero(grown[np.ix_(cell, cell)])  # pixels of the flagged cells
        los[rows, cols] = los_at(rows, cols)
    return los
