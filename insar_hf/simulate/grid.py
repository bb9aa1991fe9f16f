"""Line-of-sight displacement of deformation sources on the scene's pixel grid.

:func:`sources_los_on_grid` evaluates the summed surface displacement of one or more sources
(:class:`GridSource`: ``func(x_m, y_m, **params) -> (e, n, u)``, e.g. Okada, Mogi, a
subsidence bowl from :mod:`insar_hf.physics`) at the pixel centres and projects it onto the
line of sight; :func:`los_on_grid` is the one-source case.  The sources share one adaptive
grid: a coarse grid of nodes is evaluated and interpolated with local cubics (one cached
stencil per image side and stride; bilinear below 5 nodes a side), and cells whose estimated
interpolation error exceeds a tolerance are subdivided, level by level (node spacing halved),
down to exact pixels, so that a fault trace crossing the image stays sharp while the smooth far
field costs a few hundred evaluations per source.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from insar_hf.physics import los as los_mod

__all__ = ["GridSource", "los_on_grid", "refinement_strides", "sources_los_on_grid"]

REFINE_FACTOR = 2
"""Each level divides the node spacing by this (stride 8: nodes 8, 4, 2, then pixels); 2 beat
4 (fewer points, one more call per source) on default scenes."""


@dataclass(frozen=True)
class GridSource:
    """One source on the grid: ``func(x_m, y_m, **params) -> (east_m, north_m, up_m)``.

    ``(x0_m, y0_m)`` is the source's reference point in the image frame (x east from the west
    edge, y north from the north edge, so y <= 0 inside the image); ``func`` receives east and
    north distances from it.  ``stacked``: ``func`` returns several sources at once (a leading
    axis), which are projected and added one after the other, as separate sources would be.
    """

    func: Callable
    x0_m: float
    y0_m: float
    params: Mapping = field(default_factory=dict)
    stacked: bool = False


@lru_cache(maxsize=32)
def _nodes(size: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Node pixels and each pixel's cell (cached, read-only).

    Nodes are every ``stride``-th pixel plus the last, so the nodes of a stride are a subset of
    the nodes of any stride dividing it; cell ``a`` spans nodes ``a`` and ``a + 1``;
    ``cell[p]`` is the cell whose interpolation gives pixel ``p``.
    """
    nodes = np.arange(0, size, stride)
    if nodes[-1] != size - 1:
        nodes = np.append(nodes, size - 1)
    pix = np.arange(size, dtype=np.float64)
    cell = np.clip(np.searchsorted(nodes, pix, side="right") - 1, 0, nodes.size - 2)
    nodes.setflags(write=False)
    cell.setflags(write=False)
    return nodes, cell


@lru_cache(maxsize=32)
def _stencil(size: int, stride: int, cubic: bool) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel's interpolation stencil: node indices and float32 weights, ``(size, k)``.

    Linear (``k = 2``): the two nodes of the pixel's cell.  Cubic (``k = 4``, 4-node Lagrange):
    pixel ``p`` in cell ``a`` from nodes ``a - 1 .. a + 2``, the stencil shifted inwards at the
    image edges (needs at least 4 nodes).  A node pixel gets weight 1 on itself, 0 elsewhere.
    """
    nodes, cell = _nodes(size, stride)
    p = np.arange(size, dtype=np.float64)
    if not cubic:
        t = (p - nodes[cell]) / (nodes[cell + 1] - nodes[cell])
        idx = np.stack([cell, cell + 1], axis=1)
        weights = np.stack([1.0 - t, t], axis=1)
    else:
        start = np.clip(cell - 1, 0, nodes.size - 4)  # (size,)
        idx = start[:, None] + np.arange(4)  # (size, 4) stencil node indices
        xs = nodes[idx].astype(np.float64)  # (size, 4) their pixel positions
        weights = np.ones((size, 4))
        for j in range(4):
            for m in range(4):
                if m != j:
                    weights[:, j] *= (p - xs[:, m]) / (xs[:, j] - xs[:, m])
    weights = weights.astype(np.float32)
    idx.setflags(write=False)
    weights.setflags(write=False)
    return idx, weights


def _cubic_cell_miss(f: np.ndarray) -> np.ndarray:
    """Estimated worst error of cubic interpolation per cell from node values ``f`` (n, n).

    Four-node Lagrange interpolation misses a smooth f by ``|w(t)| h^4 |f^(4)| / 24``, with
    ``max |w| = 9 / 16`` at mid-cell, and ``h^4 f^(4)`` is the fourth difference of the node
    values.  A cell's estimate is the x plus the y estimate, each the largest over the cell's
    4 x 4 stencil nodes; a jump between nodes shows up at its size.  Needs at least 5 nodes a
    side; (n, n) -> (n - 1, n - 1).
    """
    f = f.astype(np.float64)
    n = f.shape[0]

    def along_rows(g: np.ndarray) -> np.ndarray:  # per-node estimate along axis 1
        d2 = np.empty_like(g)
        d2[:, 1:-1] = np.abs(g[:, :-2] - 2.0 * g[:, 1:-1] + g[:, 2:])
        d2[:, 0], d2[:, -1] = d2[:, 1], d2[:, -2]
        d4 = np.empty_like(g)
        d4[:, 2:-2] = np.abs(
            g[:, :-4] - 4.0 * g[:, 1:-3] + 6.0 * g[:, 2:-2] - 4.0 * g[:, 3:-1] + g[:, 4:]
        )
        d4[:, :2] = d4[:, 2:3]
        d4[:, -2:] = d4[:, -3:-2]
        est = d4 * (9.0 / 16.0 / 24.0)
        # Unresolved (a jump, or a feature narrower than the node spacing: d4 >= 2 d2, which
        # a sampled sinusoid reaches only at wavelengths <= 4 nodes): no interpolant does
        # better than half the jump, and the jump is the second difference.
        return np.where(d4 >= 2.0 * d2, np.maximum(est, 0.5 * d2), est)

    node = along_rows(f) + along_rows(f.T).T  # (n, n)
    pad = np.pad(node, 1, mode="edge")  # (n + 2, n + 2): stencil a - 1 .. a + 2, clipped
    rows = np.maximum.reduce([pad[k : k + n - 1] for k in range(4)])  # (n - 1, n + 2)
    return np.maximum.reduce([rows[:, k : k + n - 1] for k in range(4)])  # (n - 1, n - 1)


def refinement_strides(stride: int, factor: int | None = None) -> list[int]:
    """Node spacings of the levels, coarse to fine, ending at 1 (exact pixels): 8 -> [8, 4, 2, 1]."""
    factor = REFINE_FACTOR if factor is None else factor
    strides = [int(stride)]
    while strides[-1] > 1:
        strides.append(max(1, strides[-1] // factor))
    return strides


def _cell_miss(f: np.ndarray) -> np.ndarray:
    """Estimated worst interpolation error of each cell from node values ``f``: (n, n) -> (n-1, n-1).

    Linear interpolation misses a smooth f by h^2 |f''| / 8 at mid-cell, and h^2 f'' is the
    second difference of the node values: a free error estimate (bilinear interpolation is
    exact for the cross term).  A slip discontinuity between nodes shows up as a second
    difference of the size of the jump.  The first and last nodes of a row take the second
    difference of their neighbour.
    """
    f = f.astype(np.float64)
    node = np.empty_like(f)  # (n, n): max(|d2x|, |d2y|) / 8 at each node
    node[:, 1:-1] = np.abs(f[:, :-2] - 2.0 * f[:, 1:-1] + f[:, 2:])
    node[:, 0], node[:, -1] = node[:, 1], node[:, -2]
    d2y = np.abs(f[:-2, :] - 2.0 * f[1:-1, :] + f[2:, :])  # (n - 2, n)
    np.maximum(node[1:-1], d2y, out=node[1:-1])
    np.maximum(node[0], d2y[0], out=node[0])
    np.maximum(node[-1], d2y[-1], out=node[-1])
    node *= 0.125
    rows = np.maximum(node[:-1], node[1:])  # (n - 1, n)
    return np.maximum(rows[:, :-1], rows[:, 1:])  # worst estimate over each cell's corners


def _grow(bad: np.ndarray) -> np.ndarray:
    """``bad`` and its 8 neighbours (a fault trace may clip a cell's corner)."""
    rows = bad.copy()
    rows[1:] |= bad[:-1]
    rows[:-1] |= bad[1:]
    grown = rows.copy()
    grown[:, 1:] |= rows[:, :-1]
    grown[:, :-1] |= rows[:, 1:]
    return grown


def _interpolate(
    values: np.ndarray, size: int, stride: int, rows: slice = slice(None), cols: slice = slice(None)
) -> tuple[np.ndarray, np.ndarray]:
    """Node values (n, n) -> pixels ``[rows, cols]`` and each cell's estimated error (n-1, n-1).

    Cubic with at least 5 nodes a side (far fewer cells to refine than bilinear for the same
    tolerance), bilinear otherwise.  Separable: along columns, then along rows, each pixel the
    sum of its stencil's 2 or 4 terms in stencil order, in float32 -- the same bits on every
    machine and thread count (a BLAS matrix product's bits depend on both).  Node pixels get
    their node's value exactly.
    """
    cubic = values.shape[0] >= 5
    miss = _cubic_cell_miss(values) if cubic else _cell_miss(values)
    idx, weights = _stencil(size, stride, cubic)
    ci, cw = idx[cols], weights[cols]  # (cols, k)
    across = values[:, ci[:, 0]] * cw[:, 0]  # (n, cols)
    for k in range(1, ci.shape[1]):
        across += values[:, ci[:, k]] * cw[:, k]
    ri, rw = idx[rows], weights[rows]  # (rows, k)
    out = across[ri[:, 0]] * rw[:, 0, None]  # (rows, cols)
    for k in range(1, ri.shape[1]):
        out += across[ri[:, k]] * rw[:, k, None]
    return out, miss


def _span(cells: np.ndarray, cell: np.ndarray) -> slice:
    """The slice of pixels whose ``cell`` lies between the first and last True of ``cells``."""
    idx = np.flatnonzero(cells)
    inside = np.flatnonzero((cell >= idx[0]) & (cell <= idx[-1]))
    return slice(int(inside[0]), int(inside[-1]) + 1)


def sources_los_on_grid(
    sources: Sequence[GridSource],
    size: int,
    pixel_m: float,
    stride: int,
    los_enu,
    tolerance_m: float = 0.0,
    give_up_below_m: float | None = None,
) -> np.ndarray | None:
    """LOS displacement (m) of the summed ``sources`` at the pixel centres, shape (size, size).

    With ``stride = 1`` every pixel is evaluated.  With ``stride > 1`` the levels of
    :func:`refinement_strides` are visited coarse to fine:

    1. the sources are evaluated on every ``stride``-th pixel (and the last), summed, projected
       onto the LOS and interpolated in between with local cubics (projection and
       interpolation are both linear, so projecting first is exact and interpolates one field
       instead of three);
    2. each cell's interpolation error is estimated from the fourth differences of the node
       values (:func:`_cubic_cell_miss`; a jump or a feature narrower than the nodes is
       caught by its second differences); cells estimated to miss by more than
       ``tolerance_m``, and their 8 neighbours, are subdivided: the next level's nodes inside
       them are evaluated exactly and the region's pixels interpolated from those, and so on
       down to exact pixels.

    Nodes and the pixels of the finest flagged cells are exact; the error elsewhere is measured
    against ``stride = 1`` in ``benchmarks/bench_synth.py`` (default scenes, stride 8: 99th
    percentile 0.002 rad, largest 0.04 rad for a tolerance of 0.05 rad).  Returns float32.

    ``give_up_below_m``: return None, before any interpolation or refinement, when every coarse
    node's ``|LOS|`` is under it (a caller that only wants fields reaching some level; with
    ``stride > 1`` only).
    """
    sources = list(sources)

    def los_at(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Summed LOS at pixel centres ``(rows, cols)`` (broadcast), float64."""
        east = (cols + 0.5) * pixel_m
        north = -(rows + 0.5) * pixel_m
        total = 0.0
        for src in sources:
            x, y = np.broadcast_arrays(east - src.x0_m, north - src.y0_m)
            e, n, u = src.func(x, y, **src.params)
            los = los_mod.los_displacement_m(
                np.asarray(e, np.float64), np.asarray(n, np.float64), u, los_enu
            )
            for part in los if src.stacked else (los,):
                total = total + part
        return np.asarray(total, dtype=np.float64)

    pix = np.arange(size)
    if stride == 1:
        return los_at(pix[:, None], pix[None, :]).astype(np.float32)  # (size, size)
    strides = refinement_strides(stride)
    nodes = _nodes(size, strides[0])[0]
    coarse = los_at(nodes[:, None], nodes[None, :]).astype(np.float32)  # (n, n)
    if give_up_below_m is not None and float(np.abs(coarse).max()) < give_up_below_m:
        return None
    los, miss = _interpolate(coarse, size, strides[0])
    los[np.ix_(nodes, nodes)] = coarse  # nodes stay exact whatever the float32 rounding
    exact = np.zeros((size, size), dtype=bool)
    exact[np.ix_(nodes, nodes)] = True
    flagged = _grow(miss > tolerance_m)  # (n - 1, n - 1) cells
    for parent_nodes, step in zip(strides[:-1], strides[1:]):
        if not flagged.any():
            break
        p_cell = _nodes(size, parent_nodes)[1]
        nodes, cell = _nodes(size, step)
        # The cells of this level inside flagged cells of the previous one, and their pixels
        # within the region's bounding box (rows pr, columns pc).
        region = flagged[np.ix_(p_cell[nodes[:-1]], p_cell[nodes[:-1]])]  # (n - 1, n - 1)
        pr, pc = _span(region.any(axis=1), cell), _span(region.any(axis=0), cell)
        pix_region = region[np.ix_(cell[pr], cell[pc])]  # (rows, cols) pixels of the region
        if step == 1:  # the last level: every pixel of the region exactly
            r, c = np.nonzero(pix_region & ~exact[pr, pc])
            r, c = r + pr.start, c + pc.start
            los[r, c] = los_at(r, c)
            break
        need = np.zeros((nodes.size, nodes.size), dtype=bool)  # corners of the region's cells
        for dr in (0, 1):
            for dc in (0, 1):
                need[dr : dr + region.shape[0], dc : dc + region.shape[1]] |= region
        grid = np.ix_(nodes, nodes)
        r, c = np.nonzero(need & ~exact[grid])
        values = los[grid]  # (n, n): exact where known, interpolated elsewhere
        if r.size:
            values[r, c] = los_at(nodes[r], nodes[c])
            exact[nodes[r], nodes[c]] = True
        fine, miss = _interpolate(values, size, step, pr, pc)  # node pixels come out exact
        block = los[pr, pc]  # a view
        block[pix_region] = fine[pix_region]
        flagged = _grow(miss > tolerance_m) & _grow(region)
    return los.astype(np.float32, copy=False)


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
    """LOS displacement (m) of one source ``func(x_m, y_m, **kw) -> (e, n, u)`` on the grid.

    ``(x0_m, y0_m)`` is the source reference point in the image frame; the rest as in
    :func:`sources_los_on_grid`.  Returns shape ``(size, size)``, float32.
    """
    return sources_los_on_grid(
        [GridSource(func, x0_m, y0_m, kw)], size, pixel_m, stride, los_enu, tolerance_m
    )
