"""Compiled Okada (1985): many rectangles at many points in one call (numba).

The same equations as :mod:`insar_hf.physics.okada` -- Okada (1985) eqs. (25)-(29) in Chinnery
form, with the one-logarithm and one-arctangent combinations and the width-free corner
variables of that module's docstring -- written per point and per rectangle, so that the
generator pays no per-call NumPy overhead: a rupture's rectangles at a few hundred grid nodes
cost tens of microseconds instead of about 0.25 ms per rectangle.  A point where a term is
singular (a fault trace, a corner) comes out non-finite here, as in the NumPy module's fast
path, and :func:`insar_hf.physics.okada.okada_rectangles_displacement` recomputes it with
Okada's limits; near-vertical faults are blended there too.

Compiled with NumPy's error model (a division by zero gives inf or NaN, as in the NumPy module).
Imported lazily (numba costs a fraction of a second to import); compiled once per machine and
cached next to this file (``cache=True``).  The last bits differ from the NumPy path (another
evaluation order and the compiler's transcendental functions): tests compare the two to 1e-9
of the field.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, inline="always", error_model="numpy")
def _atan_difference(n0, d0, n1, d1):
    """``atan(n0 / d0) - atan(n1 / d1)`` for positive ``d0, d1`` with one ``atan``."""
    x = d0 * d1 + n0 * n1
    y = n0 * d1 - n1 * d0
    out = math.atan(y / x)
    if x < 0.0:
        out += math.copysign(math.pi, y)
    return out


@numba.njit(cache=True, inline="always", error_model="numpy")
def _corner(xi, eta, dtil, q, q2, cd, sd):
    """The terms of one Chinnery corner ``(xi, eta)``."""
    x2 = xi * xi + q2
    big_x = math.sqrt(x2)
    xi_pos = max(xi, 0.0)
    r = math.sqrt(x2 + eta * eta)
    r_eta = r + eta
    # R + xi without cancellation where xi < 0 (beyond the fault's ends, along its strike).
    r_xi = (xi_pos * xi_pos + q2 + eta * eta) / (r - (xi - xi_pos)) + xi_pos
    r_d = r + dtil
    inv_r = 1.0 / r
    rx = r + big_x
    return (
        inv_r / r_eta,  # a
        inv_r,
        1.0 / r_eta,
        1.0 / r_d,
        q * inv_r / r_xi,  # qb
        r_eta,
        r_d,
        xi * eta,
        abs(q) * r,
        eta * (big_x + q * cd) + big_x * rx * sd,  # I5's numerator
        (abs(xi) * cd) * rx,  # and denominator
    )


@numba.njit(cache=True, error_model="numpy")
def okada_point(s, t, length, width, top, cd, sd, c0, u1, u2, u3, snap):
    """Okada-frame ``(ux, uy, uz)`` at along-strike ``s`` and across-strike ``t`` (metres).

    ``cd = 0, sd = 1`` selects the vertical forms (eq. 29).  NaN where a term is singular.
    Corners ``ij``: ``i`` over ``xi`` in ``(X, X - L)``, ``j`` over ``eta`` in ``(p, p - W)``.
    """
    if abs(t) < snap:
        t = 0.0
    xi0 = s + 0.5 * length
    xi1 = s - 0.5 * length
    if abs(xi0) < snap:
        xi0 = 0.0
    if abs(xi1) < snap:
        xi1 = 0.0
    eta1 = t * cd + top * sd  # p - W
    eta0 = eta1 + width  # p
    q = t * sd - top * cd
    y0 = t + width * cd  # y~ of the two eta corners
    y1 = t
    d0 = top + width * sd  # d~, the corner depths
    d1 = top
    q2 = q * q
    a00, ir00, ire00, ird00, qb00, re00, rd00, xe00, qr00, n00, dn00 = _corner(
        xi0, eta0, d0, q, q2, cd, sd
    )
    a01, ir01, ire01, ird01, qb01, re01, rd01, xe01, qr01, n01, dn01 = _corner(
        xi0, eta1, d1, q, q2, cd, sd
    )
    a10, ir10, ire10, ird10, qb10, re10, rd10, xe10, qr10, n10, dn10 = _corner(
        xi1, eta0, d0, q, q2, cd, sd
    )
    a11, ir11, ire11, ird11, qb11, re11, rd11, xe11, qr11, n11, dn11 = _corner(
        xi1, eta1, d1, q, q2, cd, sd
    )
    s_a = a00 - a01 - a10 + a11
    xi_a = xi0 * (a00 - a01) - xi1 * (a10 - a11)
    ytil_a = y0 * (a00 - a10) - y1 * (a01 - a11)
    dtil_a = d0 * (a00 - a10) - d1 * (a01 - a11)
    s_inv_r_eta = ire00 - ire01 - ire10 + ire11
    xi_inv_r_d = xi0 * (ird00 - ird01) - xi1 * (ird10 - ird11)
    ytil_qb = y0 * (qb00 - qb10) - y1 * (qb01 - qb11)
    dtil_qb = d0 * (qb00 - qb10) - d1 * (qb01 - qb11)
    s_inv_r = ir00 - ir01 - ir10 + ir11
    if q == 0.0:
        theta = math.nan
    else:
        theta = _atan_difference(xe00, qr00, xe01, qr01) - _atan_difference(xe10, qr10, xe11, qr11)
        theta *= math.copysign(1.0, q)
    ln_r_eta = math.log((re00 * re11) / (re01 * re10))
    if cd == 0.0:  # eq. (29)
        xi_inv_r_d2 = xi0 * (ird00 * ird00 - ird01 * ird01) - xi1 * (ird10 * ird10 - ird11 * ird11)
        eta_inv_r_d = eta0 * (ird00 - ird10) - eta1 * (ird01 - ird11)
        ytil_inv_r_d2 = y0 * (ird00 * ird00 - ird10 * ird10) - y1 * (ird01 * ird01 - ird11 * ird11)
        i1 = -0.5 * c0 * q * xi_inv_r_d2
        i3 = 0.5 * c0 * (eta_inv_r_d + q * ytil_inv_r_d2 - ln_r_eta)
        i4 = -c0 * q * (ird00 - ird01 - ird10 + ird11)
        i5 = -c0 * sd * xi_inv_r_d
    else:  # eq. (28)
        ytil_inv_r_d = y0 * (ird00 - ird10) - y1 * (ird01 - ird11)
        ln_r_d = math.log((rd00 * rd11) / (rd01 * rd10))
        if xi0 == 0.0 or xi1 == 0.0:
            i5_atan = math.nan
        else:
            i5_atan = math.copysign(1.0, xi0) * _atan_difference(
                n00, dn00, n01, dn01
            ) - math.copysign(1.0, xi1) * _atan_difference(n10, dn10, n11, dn11)
        i4 = (c0 / cd) * (ln_r_d - sd * ln_r_eta)
        i3 = c0 * (ytil_inv_r_d / cd - ln_r_eta) + (sd / cd) * i4
        i5 = (2.0 * c0 / cd) * i5_atan
        i1 = -(c0 / cd) * xi_inv_r_d - (sd / cd) * i5
    i2 = -c0 * ln_r_eta - i3
    ux = 0.0
    uy = 0.0
    uz = 0.0
    if u1 != 0.0:  # strike-slip, eq. (25)
        k = -u1 / (2.0 * math.pi)
        ux += k * (q * xi_a + theta + sd * i1)
        uy += k * (q * ytil_a + q * cd * s_inv_r_eta + sd * i2)
        uz += k * (q * dtil_a + q * sd * s_inv_r_eta + sd * i4)
    if u2 != 0.0:  # dip-slip, eq. (26)
        k = -u2 / (2.0 * math.pi)
        ux += k * (q * s_inv_r - sd * cd * i3)
        uy += k * (ytil_qb + cd * theta - sd * cd * i1)
        uz += k * (dtil_qb + sd * theta - sd * cd * i5)
    if u3 != 0.0:  # tensile, eq. (27)
        k = u3 / (2.0 * math.pi)
        xqa_theta = q * xi_a - theta
        ux += k * (q * q * s_a - sd * sd * i3)
        uy += k * (-dtil_qb - sd * xqa_theta - sd * sd * i1)
        uz += k * (ytil_qb + cd * xqa_theta - sd * sd * i5)
    return ux, uy, uz


@numba.njit(cache=True, error_model="numpy")
def rectangles_enu(x, y, rects, cd, sd, owner, out):
    """Add the east, north and up displacement of every row at every point to ``out``.

    ``x, y``: (N,) metres in the map frame; ``rects``: (R, 11) rows of ``x0, y0, sin strike,
    cos strike, length, width, top, c0, u1, u2, u3`` (reference point of each rectangle, Okada
    constants); ``cd, sd``: (R,) the cosine and sine of each row's dip to evaluate with;
    ``owner``: (R,) the rectangle each row adds to; ``out``: (K, 3, N) float64.  Returns a
    boolean (R, N) of the singular (non-finite) results, which are left out of ``out``.
    """
    n = x.size
    bad = np.zeros((rects.shape[0], n), dtype=np.bool_)
    for r in range(rects.shape[0]):
        x0, y0, st, ct = rects[r, 0], rects[r, 1], rects[r, 2], rects[r, 3]
        length, width, top = rects[r, 4], rects[r, 5], rects[r, 6]
        c0, u1, u2, u3 = rects[r, 7], rects[r, 8], rects[r, 9], rects[r, 10]
        snap = 1e-10 * (length + width)
        k = owner[r]
        for p in range(n):
            dx = x[p] - x0
            dy = y[p] - y0
            s = dx * st + dy * ct
            t = -dx * ct + dy * st
            ux, uy, uz = okada_point(s, t, length, width, top, cd[r], sd[r], c0, u1, u2, u3, snap)
            if not (math.isfinite(ux) and math.isfinite(uy) and math.isfinite(uz)):
                bad[r, p] = True
                continue
            out[k, 0, p] += ux * st - uy * ct
            out[k, 1, p] += ux * ct + uy * st
            out[k, 2, p] += uz
    return bad
