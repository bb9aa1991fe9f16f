"""Earthquake source scaling: moment magnitude, seismic moment and rupture dimensions.

References
----------
Hanks, T. C. & Kanamori, H. (1979). A moment magnitude scale. *J. Geophys. Res.* 84(B5),
2348-2350. ``Mw = (2/3) (log10 M0 - 9.1)`` with ``M0`` in N m (the 9.1 of the IASPEI 2013
standard; Hanks & Kanamori's 10.7 in dyne cm corresponds to 9.05).

Wells, D. L. & Coppersmith, K. J. (1994). New empirical relationships among magnitude, rupture
length, rupture width, rupture area, and surface displacement. *Bull. Seismol. Soc. Am.* 84(4),
974-1002. Table 2A, regressions ``log10(X [km]) = a + b * M`` with standard deviation ``s``
(log10 units) of subsurface rupture length (RLD) and down-dip rupture width (RW):

=============  ==============================  ==============================
slip type      RLD: a, b, s                    RW: a, b, s
=============  ==============================  ==============================
strike-slip    -2.57, 0.62, 0.15               -0.76, 0.27, 0.14
reverse        -2.42, 0.58, 0.16               -1.61, 0.41, 0.15
normal         -1.88, 0.50, 0.17               -1.14, 0.35, 0.12
all            -2.44, 0.59, 0.16               -1.01, 0.32, 0.15
=============  ==============================  ==============================

Our mechanisms map onto them as strike-slip -> strike-slip, thrust -> reverse,
normal -> normal, oblique -> all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "MECHANISMS",
    "WELLS_COPPERSMITH_1994",
    "Rupture",
    "magnitude_from_moment",
    "moment_from_magnitude",
    "moment_from_slip",
    "sample_mechanism_angles",
    "sample_rupture",
]

MECHANISMS = ("strike-slip", "thrust", "normal", "oblique")

# mechanism -> ((a, b, s) for RLD, (a, b, s) for RW); Wells & Coppersmith (1994) Table 2A.
WELLS_COPPERSMITH_1994: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "strike-slip": ((-2.57, 0.62, 0.15), (-0.76, 0.27, 0.14)),
    "thrust": ((-2.42, 0.58, 0.16), (-1.61, 0.41, 0.15)),
    "normal": ((-1.88, 0.50, 0.17), (-1.14, 0.35, 0.12)),
    "oblique": ((-2.44, 0.59, 0.16), (-1.01, 0.32, 0.15)),
}

# Draws of the regression scatter are truncated at this many standard deviations, so that a
# rare tail draw cannot make an absurd rupture (e.g. metres long with tens of metres of slip).
SCATTER_TRUNCATION_SIGMAS = 2.0

# (dip range, rake centres, rake half-spread), degrees; Aki & Richards rake.
_ANGLES: dict[str, tuple[tuple[float, float], tuple[float, ...], float]] = {
    "strike-slip": ((80.0, 90.0), (0.0, 180.0), 15.0),  # left- or right-lateral
    "thrust": ((20.0, 45.0), (90.0,), 15.0),
    "normal": ((45.0, 65.0), (-90.0,), 15.0),
    "oblique": ((30.0, 80.0), (45.0, 135.0, -45.0, -135.0), 20.0),
}


def _check_mechanism(mechanism: str) -> str:
    if mechanism not in MECHANISMS:
        raise ValueError(f"mechanism must be one of {MECHANISMS}, got {mechanism!r}")
    return mechanism


def moment_from_magnitude(mw):
    """Seismic moment (N m) of moment magnitude ``mw``: ``M0 = 10 ** (1.5 Mw + 9.1)``.

    Hanks & Kanamori (1979); scalar in, float out, arrays in, float64 arrays out.
    """
    out = 10.0 ** (1.5 * np.asarray(mw, dtype=np.float64) + 9.1)
    return float(out) if out.ndim == 0 else out


def magnitude_from_moment(m0_nm):
    """Moment magnitude of seismic moment ``m0_nm`` (N m, > 0): ``(2/3) (log10 M0 - 9.1)``."""
    m0 = np.asarray(m0_nm, dtype=np.float64)
    if not np.all(m0 > 0):
        raise ValueError(f"m0_nm must be > 0 N m, got {m0_nm!r}")
    out = (2.0 / 3.0) * (np.log10(m0) - 9.1)
    return float(out) if out.ndim == 0 else out


def moment_from_slip(slip_m, length_m, width_m, shear_modulus_pa: float = 3.0e10):
    """Seismic moment ``M0 = mu * L * W * slip`` (N m) of uniform slip on a rectangle."""
    out = (
        shear_modulus_pa
        * np.asarray(length_m, dtype=np.float64)
        * np.asarray(width_m, dtype=np.float64)
        * np.asarray(slip_m, dtype=np.float64)
    )
    return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class Rupture:
    """Rectangular rupture of uniform slip: along-strike length, down-dip width, slip (m)."""

    length_m: float
    width_m: float
    slip_m: float

    def moment_nm(self, shear_modulus_pa: float = 3.0e10) -> float:
        """Seismic moment of this rupture, N m."""
        return moment_from_slip(self.slip_m, self.length_m, self.width_m, shear_modulus_pa)


def sample_mechanism_angles(mechanism: str, rng: np.random.Generator) -> tuple[float, float, float]:
    """Draw ``(strike_deg, dip_deg, rake_deg)`` typical of a faulting ``mechanism``.

    Strike is uniform in [0, 360). Dip is uniform in a range typical of the mechanism
    (strike-slip 80-90, thrust 20-45, normal 45-65, oblique 30-80 degrees; Andersonian
    faulting) and rake is uniform within +-15 degrees (+-20 for oblique) of the pure
    mechanism: 0 or 180 (left- or right-lateral), 90 (thrust), -90 (normal), or one of
    +-45 / +-135 (oblique). Rake is returned in (-180, 180].
    """
    (dip_lo, dip_hi), centres, spread = _ANGLES[_check_mechanism(mechanism)]
    strike = float(rng.uniform(0.0, 360.0))
    dip = float(rng.uniform(dip_lo, dip_hi))
    rake = float(centres[rng.integers(len(centres))] + rng.uniform(-spread, spread))
    rake = -((-rake + 180.0) % 360.0 - 180.0)  # into (-180, 180]
    return strike, dip, rake


def sample_rupture(
    mw: float,
    mechanism: str,
    rng: np.random.Generator,
    shear_modulus_pa: float = 3.0e10,
    *,
    dip_deg: float = 90.0,
    seismogenic_thickness_m: float = 20.0e3,
) -> Rupture:
    """Draw a rupture of magnitude ``mw`` from Wells & Coppersmith (1994) with scatter.

    Length and width are lognormal around the Table 2A regressions of the mechanism, with
    their published standard deviations (truncated at ``SCATTER_TRUNCATION_SIGMAS``). The
    width is capped at the down-dip extent of the seismogenic layer,
    ``seismogenic_thickness_m / sin(dip)``. The slip is then fixed by the moment, so that
    ``shear_modulus_pa * L * W * slip == moment_from_magnitude(mw)`` exactly (to rounding).
    """
    _check_mechanism(mechanism)
    mw = float(mw)
    if not math.isfinite(mw) or not 3.0 <= mw <= 9.5:
        raise ValueError(f"mw must be a magnitude in [3, 9.5], got {mw}")
    if not shear_modulus_pa > 0:
        raise ValueError(f"shear_modulus_pa must be > 0, got {shear_modulus_pa}")
    if not 0.0 < dip_deg <= 90.0:
        raise ValueError(f"dip_deg must be in (0, 90], got {dip_deg}")
    if not seismogenic_thickness_m > 0:
        raise ValueError(f"seismogenic_thickness_m must be > 0, got {seismogenic_thickness_m}")
    (a_l, b_l, s_l), (a_w, b_w, s_w) = WELLS_COPPERSMITH_1994[mechanism]
    eps = np.clip(rng.standard_normal(2), -SCATTER_TRUNCATION_SIGMAS, SCATTER_TRUNCATION_SIGMAS)
    length = 1.0e3 * 10.0 ** (a_l + b_l * mw + s_l * eps[0])
    width = 1.0e3 * 10.0 ** (a_w + b_w * mw + s_w * eps[1])
    width = min(width, seismogenic_thickness_m / math.sin(math.radians(dip_deg)))
    slip = moment_from_magnitude(mw) / (shear_modulus_pa * length * width)
    return Rupture(length_m=float(length), width_m=float(width), slip_m=float(slip))
