"""Non-seismic deformation sources, used as hard negatives for the detector.

* Mogi (1958) point pressure source in an elastic half-space (a magma chamber inflating or
  deflating). Surface displacement of a source at depth ``d`` with volume change ``dV``
  (Mogi 1958; Segall 2010, *Earthquake and Volcano Deformation*, eq. 7.14):

      u_r = (1 - nu) dV / pi * r / R^3,    u_z = (1 - nu) dV / pi * d / R^3,

  ``R^2 = r^2 + d^2``; the maximum uplift, above the source, is ``(1 - nu) dV / (pi d^2)``.
* A smooth subsidence bowl (groundwater or hydrocarbon extraction, mining), Gaussian in
  shape, purely vertical: ``u_z = -S exp(-(r / radius)^2)``. Compaction of a shallow
  reservoir is mostly vertical, so the horizontal components are zero.

Both take ``x_m, y_m`` as east and north distances from the centre (metres, broadcastable)
and return ``(east_m, north_m, up_m)`` as float32 arrays.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["mogi_surface_displacement", "subsidence_bowl_displacement"]


def _xy(x_m, y_m) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.broadcast_arrays(np.asarray(x_m, dtype=np.float64), np.asarray(y_m, np.float64))
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x_m and y_m must be finite (no NaN or inf)")
    return x, y


def mogi_surface_displacement(
    x_m, y_m, *, depth_m: float, volume_change_m3: float, poisson: float = 0.25
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Surface displacement of a Mogi (1958) point source (Segall 2010, eq. 7.14).

    Parameters
    ----------
    x_m, y_m : array_like
        East and north distance from the point above the source, metres.
    depth_m : float
        Source depth, metres, > 0.
    volume_change_m3 : float
        Volume change of the source, m^3 (> 0 inflation, < 0 deflation).
    poisson : float
        Poisson's ratio, in (-1, 0.5).
    """
    if not (math.isfinite(depth_m) and depth_m > 0):
        raise ValueError(f"depth_m must be > 0, got {depth_m}")
    if not math.isfinite(volume_change_m3):
        raise ValueError(f"volume_change_m3 must be finite, got {volume_change_m3}")
    if not -1.0 < poisson < 0.5:
        raise ValueError(f"poisson must be in (-1, 0.5), got {poisson}")
    x, y = _xy(x_m, y_m)
    r2 = x * x + y * y + depth_m * depth_m
    k = (1.0 - poisson) * volume_change_m3 / math.pi / (r2 * np.sqrt(r2))  # (1-nu) dV / (pi R^3)
    return (
        (k * x).astype(np.float32),
        (k * y).astype(np.float32),
        (k * depth_m).astype(np.float32),
    )


def subsidence_bowl_displacement(
    x_m, y_m, *, radius_m: float, max_subsidence_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gaussian subsidence bowl ``up = -max_subsidence * exp(-(r / radius)^2)``, no horizontal.

    ``radius_m`` (> 0) is the e-folding radius; ``max_subsidence_m`` the subsidence at the
    centre (positive = downwards).
    """
    if not (math.isfinite(radius_m) and radius_m > 0):
        raise ValueError(f"radius_m must be > 0, got {radius_m}")
    if not math.isfinite(max_subsidence_m):
        raise ValueError(f"max_subsidence_m must be finite, got {max_subsidence_m}")
    x, y = _xy(x_m, y_m)
    up = -max_subsidence_m * np.exp(-(x * x + y * y) / (radius_m * radius_m))
    zero = np.zeros(up.shape, dtype=np.float32)
    return zero, zero.copy(), up.astype(np.float32)
