"""Okada (1985) surface displacement of several rectangles at once, compiled.

:func:`rectangles_displacement` sums the displacement of a list of uniform rectangular
dislocations (each given by the keyword arguments of
:func:`insar_hf.physics.okada.okada_surface_displacement` plus its reference point) at the same
points, in one call to the compiled kernel of :mod:`insar_hf.physics.okada_jit`: the generator's
rupture, all its segments and taper levels, at a few hundred grid nodes costs tens of
microseconds.  :func:`~insar_hf.physics.okada.okada_surface_displacement` stays the NumPy
reference (tested against Okada's own DC3D); the two agree to about 1e-9 of the field, not to
the last bit.

Handled as in the NumPy module: a near-vertical rectangle (``cos(dip) < 1e-3``) is the blend, in
``cos(dip)``, of the vertical forms and the general ones at ``cos(dip) = 1e-3`` (displacement is
linear in the slip, so the blend is two rows with scaled slips), and points where a term is
singular (a surface trace, a corner) are recomputed by the NumPy module with Okada's limits.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from insar_hf.physics.okada import check_parameters, okada_surface_displacement

__all__ = ["rectangles_displacement"]

_COS_VERTICAL = 1e-12
_COS_NEAR_VERTICAL = 1e-3


def _params(rect: Mapping) -> dict:
    """``rect`` less its reference point: the keyword arguments of the NumPy function."""
    return {name: value for name, value in rect.items() if name not in ("x_m", "y_m")}


def _rows(rect: Mapping) -> list[tuple[list[float], float, float]]:
    """Kernel rows ``(x0, y0, sin, cos, L, W, top, c0, u1, u2, u3)`` with their ``(cd, sd)``,
    after the NumPy function's checks of every parameter."""
    strike, dip, rake, slip, length, width, top, opening, nu = check_parameters(**_params(rect))
    strike, dip, rake = math.radians(strike), math.radians(dip), math.radians(rake)
    base = [float(rect.get("x_m", 0.0)), float(rect.get("y_m", 0.0))]
    base += [math.sin(strike), math.cos(strike), length, width, top, 1.0 - 2.0 * nu]
    u = (slip * math.cos(rake), slip * math.sin(rake), opening)
    cd = math.cos(dip)
    if cd < _COS_VERTICAL:
        return [(base + list(u), 0.0, 1.0)]
    if cd < _COS_NEAR_VERTICAL:
        w = cd / _COS_NEAR_VERTICAL
        general = (_COS_NEAR_VERTICAL, math.sqrt(1.0 - _COS_NEAR_VERTICAL**2))
        return [
            (base + [(1.0 - w) * v for v in u], 0.0, 1.0),
            (base + [w * v for v in u], *general),
        ]
    return [(base + list(u), cd, math.sin(dip))]


def rectangles_displacement(
    x_m, y_m, rectangles: Sequence[Mapping], *, summed: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Surface displacement of ``rectangles`` at the points ``(x_m, y_m)``, summed or each.

    Parameters
    ----------
    x_m, y_m : array_like
        East and north coordinates of the points, metres, broadcastable shapes ``S``.
    rectangles : sequence of mappings
        Each with the keyword arguments of
        :func:`~insar_hf.physics.okada.okada_surface_displacement` (``strike_deg``, ``dip_deg``,
        ``rake_deg``, ``slip_m``, ``length_m``, ``width_m``, ``top_depth_m``, optionally
        ``opening_m`` and ``poisson``) and its reference point ``x_m``, ``y_m`` (the surface
        point above the midpoint of its top edge, in the points' frame; default 0).  Every
        value is checked as that function checks it.
    summed : bool, default True
        Sum over the rectangles (shape ``S``), or keep one field per rectangle (``(K, *S)``).

    Returns
    -------
    east_m, north_m, up_m : numpy.ndarray
        float64, metres; finite everywhere.
    """
    from insar_hf.physics import okada_jit  # numba: imported on first use

    x, y = np.broadcast_arrays(np.asarray(x_m, np.float64), np.asarray(y_m, np.float64))
    shape = x.shape
    xf, yf = np.ascontiguousarray(x).reshape(-1), np.ascontiguousarray(y).reshape(-1)
    out = np.zeros((len(rectangles), 3, xf.size))  # (K, 3, N)
    rows, owner = [], []
    for k, rect in enumerate(rectangles):
        for row in _rows(rect):
            rows.append(row)
            owner.append(k)
    if rows:
        table = np.array([r[0] for r in rows], dtype=np.float64)  # (R, 11)
        cd = np.array([r[1] for r in rows])
        sd = np.array([r[2] for r in rows])
        owners = np.array(owner, dtype=np.int64)
        bad = okada_jit.rectangles_enu(xf, yf, table, cd, sd, owners, out)  # (R, N)
        for k in np.unique(owners[bad.any(axis=1)]):
            # Okada's limits at the singular points of rectangle k (the NumPy module).
            points = np.flatnonzero(bad[owners == k].any(axis=0))
            rect = rectangles[k]
            exact = okada_surface_displacement(
                xf[points] - float(rect.get("x_m", 0.0)),
                yf[points] - float(rect.get("y_m", 0.0)),
                dtype=np.float64,
                **_params(rect),
            )
            out[k][:, points] = exact
    if summed:
        total = out.sum(axis=0)  # (3, N)
        return tuple(c.reshape(shape) for c in total)
    return tuple(out[:, c].reshape((len(rectangles), *shape)) for c in range(3))
