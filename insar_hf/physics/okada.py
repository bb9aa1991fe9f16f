"""Surface displacement of a rectangular dislocation in an elastic half-space (Okada 1985).

Reference
---------
Okada, Y. (1985). Surface deformation due to shear and tensile faults in a half-space.
*Bulletin of the Seismological Society of America* 75(4), 1135-1154. Equations (25)-(30)
(finite rectangular source, displacements) and (28)-(29) (the I-terms, with their
``cos(dip) = 0`` forms); the singular cases follow Okada (1985, p. 1148) and Okada (1992,
BSSA 82(2), 1018-1040, "Special attention ...").

Frames and conventions
----------------------
*Map frame* (the caller's): ``x`` east, ``y`` north, metres, measured from the **surface point
vertically above the midpoint of the fault's top (up-dip) edge**. The fault extends
``length_m / 2`` either side of that point along strike and ``width_m`` down dip from depth
``top_depth_m`` (``top_depth_m = 0``: the fault reaches the surface, and its trace is the
segment ``|along strike| <= length_m / 2`` through the origin).

*Angles* (Aki & Richards 1980): strike clockwise from north with the fault dipping to the right
of the strike direction, dip in (0, 90] degrees from horizontal, rake anticlockwise from the
strike direction in the fault plane, giving the motion of the hanging wall relative to the
footwall: 0 left-lateral, 90 reverse (thrust), -90 normal, 180 right-lateral. Okada's
strike-slip and dip-slip components are ``U1 = slip cos(rake)`` and ``U2 = slip sin(rake)``;
``U3`` is the tensile opening.

*Okada's frame* (internal): ``X`` along strike, ``Y`` 90 degrees anticlockwise from it (so the
fault dips towards ``-Y``), origin at the surface above the lower end of the bottom edge,
``d`` the depth of that bottom edge. A point of the map frame with along-strike coordinate
``s`` and across-strike coordinate ``t`` (positive on the footwall side) has
``X = s + L/2`` and ``Y = t + W cos(dip)``; ``d = top_depth + W sin(dip)``.

Medium constant: Okada's ``mu / (lambda + mu) = 1 - 2 * poisson``.

Numerics
--------
Float64 throughout, vectorised over all points and the four Chinnery corners at once, in
blocks of points small enough to stay in cache. Only Chinnery sums of the I-terms enter the
displacements, so the four ``ln`` of each sum are taken as one ``ln`` of a product ratio,
and the four ``atan`` as two (``atan a - atan b`` is one quadrant-corrected ``atan``).
The combinations ``q``, ``p - W``, ``y~`` and ``d~`` are written so that the fault width
cancels analytically (``q = t sin(dip) - top cos(dip)``, ``d~`` is the corner depth, ...), so
points on the trace of a surface-rupturing fault give ``q = eta = 0`` exactly rather than
rounding noise; ``R + xi`` is evaluated without cancellation for ``xi < 0``.

Near-vertical faults: the general I-terms (eq. 28) are differences of ``O(1 / cos(dip)^2)``
pieces and lose ``eps / cos(dip)^2`` of accuracy (DC3D too: relative errors of 1e-3 at dip
89.99999). For ``cos(dip) < 1e-3`` (dip above 89.94 degrees) the field is interpolated
linearly in ``cos(dip)`` between the vertical forms (eq. 29) and the general forms at
``cos(dip) = 1e-3``; both are exact there to ~1e-9 and the interpolation error is ~1e-7.

Points where a term is singular (found as non-finite results of the plain evaluation) are
recomputed corner by corner, each term replaced by its limit, so the field is finite
everywhere and, on the trace of a surface rupture, equals the mean of its two sides:

* ``q = 0``: ``atan(xi eta / (q R)) = 0`` (Okada 1985), the mean of its one-sided limits
  +-pi/2; on a top edge at the surface (``eta = q = 0``) it is its limit within the surface,
  ``atan(xi cos(dip) / (R sin(dip)))``;
* ``xi = 0``: ``I5 = 0`` (Okada 1985);
* ``R + xi = 0`` (``eta = q = 0``, ``xi < 0``: the trace and its extension): Okada (1992) sets
  terms with ``1 / (R + xi)`` to 0, which is right for ``d~ q / (R (R + xi))`` but not for
  ``y~ q / (R (R + xi))``, whose limit within the surface is ``2 sin(dip)``;
* ``R + eta = 0``: terms with it in a denominator are 0 and ``ln(R + eta)`` is replaced by
  ``-ln(R - eta)`` (Okada 1992);
* ``R = 0`` (the point is a corner of a surface-rupturing fault, where some components are
  logarithmically unbounded): every term singular there is set to 0, so the value is finite
  but has no physical meaning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["check_parameters", "okada_surface_displacement"]

# cos(dip) below _COS_VERTICAL is a vertical fault (cos(90 deg) is 6e-17 in floating point).
# The general I-terms cancel to O(1) from O(1 / cos(dip)^2) pieces, losing eps / cos(dip)^2,
# so below _COS_NEAR_VERTICAL (dip above 89.94 deg) the field is interpolated instead.
_COS_VERTICAL = 1e-12
_COS_NEAR_VERTICAL = 1e-3
# Along/across-strike coordinates closer than this (relative to the fault size) to a fault
# edge are snapped onto it, so that rotation round-off does not pick a side at random.
_SNAP_RELATIVE = 1e-10
_BLOCK = 2048  # points per block: (2, 2, 2048) float64 temporaries are 64 KiB, in L2


def _check_scalar(name: str, value: float, *, low=None, high=None, low_open=False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {v}")
    if low is not None and (v < low or (low_open and v == low)):
        bound = f"> {low}" if low_open else f">= {low}"
        raise ValueError(f"{name} must be {bound}, got {v}")
    if high is not None and v > high:
        raise ValueError(f"{name} must be <= {high}, got {v}")
    return v


def check_parameters(
    *,
    strike_deg,
    dip_deg,
    rake_deg,
    slip_m,
    length_m,
    width_m,
    top_depth_m,
    opening_m=0.0,
    poisson=0.25,
) -> tuple[float, ...]:
    """The parameters of :func:`okada_surface_displacement` as floats, in its order.

    Raises ``ValueError`` naming the parameter for a non-finite or out-of-range value.
    """
    values = (
        _check_scalar("strike_deg", strike_deg),
        _check_scalar("dip_deg", dip_deg, low=0.0, high=90.0, low_open=True),
        _check_scalar("rake_deg", rake_deg),
        _check_scalar("slip_m", slip_m),
        _check_scalar("length_m", length_m, low=0.0, low_open=True),
        _check_scalar("width_m", width_m, low=0.0, low_open=True),
        _check_scalar("top_depth_m", top_depth_m, low=0.0),
        _check_scalar("opening_m", opening_m),
        _check_scalar("poisson", poisson, low=-1.0, low_open=True),
    )
    if values[-1] >= 0.5:
        raise ValueError(f"poisson must be < 0.5 (0.5 is incompressible), got {values[-1]}")
    return values


@dataclass(frozen=True)
class _Fault:
    """Scalars of one evaluation; ``cd = 0, sd = 1`` exactly for a vertical fault."""

    length: float
    width: float
    top: float
    cd: float
    sd: float
    c0: float  # Okada's mu / (lambda + mu) = 1 - 2 poisson
    u1: float
    u2: float
    u3: float


def _corners(s: np.ndarray, t: np.ndarray, f: _Fault, snap: float):
    """Okada's corner variables from along-strike ``s`` and across-strike ``t`` (both (N,)).

    Chinnery corners: ``xi`` in ``(X, X - L)`` on axis 0, ``eta`` in ``(p, p - W)`` on axis 1.
    ``q``, ``p - W``, ``y~`` and ``d~`` are written so that ``W`` cancels analytically.
    """
    xi = s + np.array([0.5 * f.length, -0.5 * f.length])[:, None, None]  # (2, 1, N)
    xi[np.abs(xi) < snap] = 0.0
    eta_top = t * f.cd + f.top * f.sd  # p - W, (N,)
    eta = eta_top + np.array([f.width, 0.0])[None, :, None]  # (1, 2, N)
    q = t * f.sd - f.top * f.cd  # (N,)
    ytil = t + np.array([f.width * f.cd, 0.0])[None, :, None]  # eta cos + q sin, (1, 2, N)
    dtil = np.array([f.top + f.width * f.sd, f.top])[None, :, None]  # corner depths, (1, 2, 1)
    return xi, eta, q, ytil, dtil


def _chinnery(g: np.ndarray) -> np.ndarray:
    """Chinnery's ``g(x, p) - g(x, p - W) - g(x - L, p) + g(x - L, p - W)``: (2, 2, N) -> (N,)."""
    return g[0, 0] - g[0, 1] - g[1, 0] + g[1, 1]


def _chinnery_log(g: np.ndarray) -> np.ndarray:
    """Chinnery sum of ``ln(g)`` for positive ``g`` with one logarithm per point, not four."""
    return np.log((g[0, 0] * g[1, 1]) / (g[0, 1] * g[1, 0]))


def _atan_difference(n0, d0, n1, d1) -> np.ndarray:
    """``atan(n0 / d0) - atan(n1 / d1)`` for ``d0, d1 > 0`` with one ``atan``, not two.

    Both sides lie in (-pi, pi); with ``x = d0 d1 + n0 n1`` and ``y = n0 d1 - n1 d0`` the
    difference is ``atan2(y, x)``, written as ``atan(y / x)`` plus ``pi`` (with the sign of
    ``y``) where ``x < 0``, because NumPy's ``atan2`` is several times slower than ``atan``.
    """
    x = d0 * d1 + n0 * n1
    y = n0 * d1 - n1 * d0
    return np.arctan(y / x) + (x < 0.0) * np.copysign(np.pi, y)


def _sums(xi, eta, q, ytil, dtil, inv_r, a, ytil_qb, dtil_qb, inv_r_eta, inv_r_d, f) -> dict:
    """Chinnery sums of the algebraic (non-transcendental) corner terms, each (N,).

    ``a = 1 / (R (R + eta))``; ``ytil_qb`` and ``dtil_qb`` are the (already summed) Chinnery
    sums of ``y~ q / (R (R + xi))`` and ``d~ q / (R (R + xi))``. Factors that depend on one
    corner index only (``xi``; ``eta``, ``y~``, ``d~``) multiply differences along the other,
    which halves the work of multiplying every corner.
    """
    x0, x1 = xi[0, 0], xi[1, 0]  # (N,) each
    y0, y1 = ytil[0, 0], ytil[0, 1]
    d0, d1 = dtil[0, 0, 0], dtil[0, 1, 0]  # scalars: corner depths

    def along_xi(g):  # g(xi, p) - g(xi, p - W) for each xi: (2, N)
        return g[:, 0] - g[:, 1]

    def along_eta(g):  # g(X, eta) - g(X - L, eta) for each eta: (2, N)
        return g[0] - g[1]

    a_x, a_e = along_xi(a), along_eta(a)
    ird_x, ird_e = along_xi(inv_r_d), along_eta(inv_r_d)
    out = {
        "q": q,
        "a": a_e[0] - a_e[1],
        "xi_a": x0 * a_x[0] - x1 * a_x[1],
        "ytil_a": y0 * a_e[0] - y1 * a_e[1],
        "dtil_a": d0 * a_e[0] - d1 * a_e[1],
        "inv_r_eta": _chinnery(inv_r_eta),
        "xi_inv_r_d": x0 * ird_x[0] - x1 * ird_x[1],
    }
    if f.u2 != 0.0 or f.u3 != 0.0:
        out["ytil_qb"] = ytil_qb
        out["dtil_qb"] = dtil_qb
        out["inv_r"] = _chinnery(inv_r)
    if f.cd == 0.0:
        inv_r_d2 = inv_r_d * inv_r_d
        ird2_x, ird2_e = along_xi(inv_r_d2), along_eta(inv_r_d2)
        out["xi_inv_r_d2"] = x0 * ird2_x[0] - x1 * ird2_x[1]
        out["eta_inv_r_d"] = eta[0, 0] * ird_e[0] - eta[0, 1] * ird_e[1]
        out["ytil_inv_r_d2"] = y0 * ird2_e[0] - y1 * ird2_e[1]
        out["inv_r_d"] = ird_e[0] - ird_e[1]
    else:
        out["ytil_inv_r_d"] = y0 * ird_e[0] - y1 * ird_e[1]
    return out


def _chinnery_sums_fast(s: np.ndarray, t: np.ndarray, f: _Fault, snap: float) -> dict:
    """All Chinnery sums, plain arithmetic; singular points come out non-finite."""
    xi, eta, q, ytil, dtil = _corners(s, t, f, snap)
    q2 = q * q
    eta2 = eta * eta
    x2 = xi * xi + q2  # X^2, (2, 1, N)
    r = np.sqrt(x2 + eta2)  # (2, 2, N)
    r_eta = r + eta
    # R + xi without cancellation where xi < 0 (beyond the fault's ends, along its strike).
    xi_pos = np.maximum(xi, 0.0)
    r_xi = (xi_pos * xi_pos + q2 + eta2) / (r - (xi - xi_pos)) + xi_pos
    r_d = r + dtil
    inv_r = 1.0 / r
    qb = q * inv_r / r_xi
    qb_e = qb[0] - qb[1]  # along eta: (2, N)
    out = _sums(
        xi,
        eta,
        q,
        ytil,
        dtil,
        inv_r,
        inv_r / r_eta,
        ytil[0, 0] * qb_e[0] - ytil[0, 1] * qb_e[1],
        dtil[0, 0, 0] * qb_e[0] - dtil[0, 1, 0] * qb_e[1],
        1.0 / r_eta,
        1.0 / r_d,
        f,
    )
    # Chinnery sums of atan(n / d) pair the two eta-corners of each xi: g00 - g01 - g10 + g11.
    # atan(xi eta / (q R)) = sign(q) atan(xi eta / (|q| R)); q = 0 goes to the careful path.
    xe = xi * eta
    qr = np.abs(q) * r
    theta = _atan_difference(xe[0, 0], qr[0, 0], xe[0, 1], qr[0, 1])
    theta -= _atan_difference(xe[1, 0], qr[1, 0], xe[1, 1], qr[1, 1])
    theta *= np.sign(q)
    theta[q == 0.0] = np.nan
    out["theta"] = theta
    out["ln_r_eta"] = _chinnery_log(r_eta)
    if f.cd != 0.0:
        out["ln_r_d"] = _chinnery_log(r_d)
        big_x = np.sqrt(x2)
        rx = r + big_x
        # I5's atan(num / (xi (R + X) cos)) = sign(xi) atan(num / (|xi| (R + X) cos));
        # xi = 0 (I5 := 0) goes to the careful path.
        num = eta * (big_x + q * f.cd) + big_x * rx * f.sd
        den = (np.abs(xi) * f.cd) * rx
        i5 = np.sign(xi[0, 0]) * _atan_difference(num[0, 0], den[0, 0], num[0, 1], den[0, 1])
        i5 -= np.sign(xi[1, 0]) * _atan_difference(num[1, 0], den[1, 0], num[1, 1], den[1, 1])
        i5[(xi[:, 0] == 0.0).any(axis=0)] = np.nan
        out["i5_atan"] = i5
    return out


def _safe_divide(num, den) -> np.ndarray:
    """``num / den`` with 0 where ``den == 0`` (Okada's rule for singular terms)."""
    num, den = np.broadcast_arrays(np.asarray(num, dtype=np.float64), den)
    out = np.zeros(den.shape)
    np.divide(num, den, out=out, where=den != 0.0)
    return out


def _safe_log(g: np.ndarray) -> np.ndarray:
    """``ln(g)`` with 0 where ``g == 0`` (reached only at a corner, ``R = 0``)."""
    out = np.zeros(g.shape)
    np.log(g, out=out, where=g > 0.0)
    return out


def _chinnery_sums_careful(s: np.ndarray, t: np.ndarray, f: _Fault, snap: float) -> dict:
    """All Chinnery sums, corner by corner, with Okada's rules for the singular cases."""
    xi, eta, q, ytil, dtil = _corners(s, t, f, snap)
    q2 = q * q
    eta2 = eta * eta
    xi, eta, ytil = (np.broadcast_to(v, (2, 2, s.size)) for v in (xi, eta, ytil))
    x2 = xi * xi + q2
    r = np.sqrt(x2 + eta2)
    r_eta = np.where(eta >= 0.0, r + eta, _safe_divide(x2, r - eta))
    r_xi = np.where(xi >= 0.0, r + xi, _safe_divide(eta2 + q2, r - xi))
    r_d = r + dtil
    inv_r = _safe_divide(1.0, r)
    qb = q * _safe_divide(inv_r, r_xi)
    # On a fault edge (eta = q = 0, xi < 0: R + xi = 0, the trace of a surface rupture) Okada's
    # "1 / (R + xi) := 0" would drop a finite term: approaching the edge within the surface
    # (eta = t cos, q = t sin), y~ q / (R (R + xi)) -> 2 sin(dip) and d~ q / (R (R + xi)) -> 0
    # from both sides, so use these limits.
    edge = (r_xi == 0.0) & (r > 0.0)
    ytil_qb = np.where(edge, 2.0 * f.sd, ytil * qb)
    dtil_qb = np.where(edge, 0.0, dtil * qb)
    out = _sums(
        xi,
        eta,
        q,
        ytil,
        dtil,
        inv_r,
        _safe_divide(inv_r, r_eta),
        _chinnery(ytil_qb),
        _chinnery(dtil_qb),
        _safe_divide(1.0, r_eta),
        _safe_divide(1.0, r_d),
        f,
    )
    # atan(xi eta / (q R)) at q = 0 (Okada: 0): off the edge its two one-sided limits are
    # +-pi/2, so 0 is their mean; on the top edge of a surface rupture (eta = q = 0) the
    # limit within the surface (eta / q = cos / sin) is atan(xi cos / (R sin)) from both sides.
    theta = np.arctan(_safe_divide(xi * eta, q * r))
    edge_theta = np.arctan(_safe_divide(xi * f.cd, r * f.sd))
    out["theta"] = _chinnery(np.where((q == 0.0) & (eta == 0.0), edge_theta, theta))
    # ln(R + eta) -> -ln(R - eta) where R + eta = 0 (Okada 1992).
    out["ln_r_eta"] = _chinnery(np.where(r_eta > 0.0, _safe_log(r_eta), -_safe_log(r - eta)))
    if f.cd != 0.0:
        out["ln_r_d"] = _chinnery(_safe_log(r_d))
        big_x = np.sqrt(x2)
        rx = r + big_x
        num = eta * (big_x + q * f.cd) + big_x * rx * f.sd
        out["i5_atan"] = _chinnery(np.arctan(_safe_divide(num, xi * rx * f.cd)))  # 0 at xi = 0
    return out


def _displacement(z: dict, f: _Fault) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Okada-frame displacements from the Chinnery sums: eqs. (25)-(29)."""
    q, cd, sd, c0 = z["q"], f.cd, f.sd, f.c0
    ln_r_eta = z["ln_r_eta"]
    if cd == 0.0:  # eq. (29)
        i1 = -0.5 * c0 * q * z["xi_inv_r_d2"]
        i3 = 0.5 * c0 * (z["eta_inv_r_d"] + q * z["ytil_inv_r_d2"] - ln_r_eta)
        i4 = -c0 * q * z["inv_r_d"]
        i5 = -c0 * sd * z["xi_inv_r_d"]
    else:  # eq. (28)
        i4 = (c0 / cd) * (z["ln_r_d"] - sd * ln_r_eta)
        i3 = c0 * (z["ytil_inv_r_d"] / cd - ln_r_eta) + (sd / cd) * i4
        i5 = (2.0 * c0 / cd) * z["i5_atan"]
        i1 = -(c0 / cd) * z["xi_inv_r_d"] - (sd / cd) * i5
    i2 = -c0 * ln_r_eta - i3
    theta = z["theta"]

    ux = np.zeros_like(q)
    uy = np.zeros_like(q)
    uz = np.zeros_like(q)
    if f.u1 != 0.0:  # strike-slip, eq. (25)
        k = -f.u1 / (2.0 * np.pi)
        ux += k * (q * z["xi_a"] + theta + sd * i1)
        uy += k * (q * z["ytil_a"] + q * cd * z["inv_r_eta"] + sd * i2)
        uz += k * (q * z["dtil_a"] + q * sd * z["inv_r_eta"] + sd * i4)
    if f.u2 != 0.0:  # dip-slip, eq. (26)
        k = -f.u2 / (2.0 * np.pi)
        ux += k * (q * z["inv_r"] - sd * cd * i3)
        uy += k * (z["ytil_qb"] + cd * theta - sd * cd * i1)
        uz += k * (z["dtil_qb"] + sd * theta - sd * cd * i5)
    if f.u3 != 0.0:  # tensile, eq. (27)
        k = f.u3 / (2.0 * np.pi)
        xqa_theta = q * z["xi_a"] - theta
        ux += k * (q * q * z["a"] - sd * sd * i3)
        uy += k * (-z["dtil_qb"] - sd * xqa_theta - sd * sd * i1)
        uz += k * (z["ytil_qb"] + cd * xqa_theta - sd * sd * i5)
    return ux, uy, uz


def _evaluate(s: np.ndarray, t: np.ndarray, fault: _Fault, snap: float):
    """Okada-frame ``(ux, uy, uz)``, each (N,), at along/across-strike coordinates ``s, t``."""
    ux = np.empty_like(s)
    uy = np.empty_like(s)
    uz = np.empty_like(s)
    # Blocks small enough that the (2, 2, block) temporaries stay in cache.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in range(0, s.size, _BLOCK):
            j = slice(i, i + _BLOCK)
            ux[j], uy[j], uz[j] = _displacement(_chinnery_sums_fast(s[j], t[j], fault, snap), fault)
    bad = ~(np.isfinite(ux) & np.isfinite(uy) & np.isfinite(uz))
    if bad.any():  # singular points: redo them corner by corner with Okada's rules
        z = _chinnery_sums_careful(s[bad], t[bad], fault, snap)
        ux[bad], uy[bad], uz[bad] = _displacement(z, fault)
    return ux, uy, uz


def okada_surface_displacement(
    x_m,
    y_m,
    *,
    strike_deg: float,
    dip_deg: float,
    rake_deg: float,
    slip_m: float,
    length_m: float,
    width_m: float,
    top_depth_m: float,
    opening_m: float = 0.0,
    poisson: float = 0.25,
    dtype=np.float32,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Surface displacement of a uniform rectangular dislocation (Okada 1985, eqs. 25-30).

    Parameters
    ----------
    x_m, y_m : array_like
        East and north distance of the observation points from the surface point vertically
        above the midpoint of the fault's top edge, metres. Any broadcastable shapes.
    strike_deg, dip_deg, rake_deg : float
        Fault orientation and slip direction, degrees, Aki & Richards convention (module
        docstring); dip in (0, 90].
    slip_m : float
        Shear slip on the fault, metres (hanging wall relative to footwall, along rake).
    length_m, width_m : float
        Along-strike length and down-dip width of the fault, metres, > 0.
    top_depth_m : float
        Depth of the fault's top edge, metres, >= 0 (0 = surface rupture).
    opening_m : float, default 0
        Tensile opening (Okada's U3), metres.
    poisson : float, default 0.25
        Poisson's ratio of the half-space, in (-1, 0.5).
    dtype : numpy dtype, default float32
        Of the returned components (computed in float64).

    Returns
    -------
    east_m, north_m, up_m : np.ndarray
        Displacement components, metres, ``dtype``, shape ``broadcast(x_m, y_m).shape``.
        Finite everywhere, including on the trace of a surface-rupturing fault.
    """
    strike, dip, rake, slip, length, width, top, opening, nu = check_parameters(
        strike_deg=strike_deg,
        dip_deg=dip_deg,
        rake_deg=rake_deg,
        slip_m=slip_m,
        length_m=length_m,
        width_m=width_m,
        top_depth_m=top_depth_m,
        opening_m=opening_m,
        poisson=poisson,
    )

    x = np.asarray(x_m, dtype=np.float64)
    y = np.asarray(y_m, dtype=np.float64)
    try:
        x, y = np.broadcast_arrays(x, y)
    except ValueError:
        raise ValueError(
            f"x_m and y_m must have broadcastable shapes, got {x.shape} and {y.shape}"
        ) from None
    shape = x.shape
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x_m and y_m must be finite (no NaN or inf)")

    st, ct = math.sin(math.radians(strike)), math.cos(math.radians(strike))
    xf = x.reshape(-1)
    yf = y.reshape(-1)
    s = xf * st + yf * ct  # along strike from the reference point, (N,)
    t = -xf * ct + yf * st  # across strike, + on the footwall side, (N,)
    snap = _SNAP_RELATIVE * (length + width)
    t[np.abs(t) < snap] = 0.0

    def evaluate(cd: float, sd: float):
        fault = _Fault(
            length=length,
            width=width,
            top=top,
            cd=cd,
            sd=sd,
            c0=1.0 - 2.0 * nu,  # Okada's mu / (lambda + mu)
            u1=slip * math.cos(math.radians(rake)),  # strike-slip, + left-lateral
            u2=slip * math.sin(math.radians(rake)),  # dip-slip, + reverse
            u3=opening,
        )
        return _evaluate(s, t, fault, snap)

    cd = math.cos(math.radians(dip))
    if cd < _COS_VERTICAL:  # vertical: eq. (29)
        ux, uy, uz = evaluate(0.0, 1.0)
    elif cd < _COS_NEAR_VERTICAL:
        # The general I-terms lose ~eps / cos(dip)^2 to cancellation near vertical, so
        # interpolate linearly in cos(dip) between the vertical forms and the general ones at
        # cos(dip) = _COS_NEAR_VERTICAL (error ~ u'' * 1e-6 / 8; the field is smooth in dip,
        # and the trace, fixed at the top edge, does not move with it).
        w = cd / _COS_NEAR_VERTICAL
        vertical = evaluate(0.0, 1.0)
        general = evaluate(_COS_NEAR_VERTICAL, math.sqrt(1.0 - _COS_NEAR_VERTICAL**2))
        ux, uy, uz = ((1.0 - w) * a + w * b for a, b in zip(vertical, general))
    else:
        ux, uy, uz = evaluate(cd, math.sin(math.radians(dip)))

    east = ux * st - uy * ct
    north = ux * ct + uy * st
    return (
        east.reshape(shape).astype(dtype),
        north.reshape(shape).astype(dtype),
        uz.reshape(shape).astype(dtype),
    )
