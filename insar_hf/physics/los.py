"""Radar line-of-sight (LOS) geometry, sensors and interferometric phase.

Sign convention (as in COMET-LiCSAR products)
---------------------------------------------
``los_enu = (e, n, u)`` is the unit vector from the ground **to** the satellite. The LOS
displacement is the change of range,

    los_m = -(e * east_m + n * north_m + u * up_m),

so **positive LOS = range increase = motion away from the satellite** (uplift is negative),
and the unwrapped interferometric phase is

    phase_rad = -4 * pi / wavelength_m * los_m

(range increase = phase decrease; uplift gives positive phase). Wrapped phase lies in
``[-pi, pi)``.

Geometry
--------
All sensors look to the right of the flight direction. With the heading ``h`` (azimuth of the
flight direction, degrees clockwise from north) and the incidence angle ``i`` (from the
vertical at the ground), the satellite lies at azimuth ``h - 90`` seen from the ground:

    e = -sin(i) cos(h),   n = sin(i) sin(h),   u = cos(i).

An ascending pass (``h`` about -12 degrees for Sentinel-1 at mid latitudes) flies north and
looks east, so its satellite is to the west: eastward ground motion is *away* from it
(positive LOS). A descending pass (``h`` about -168 = 192 degrees) looks west, so eastward
motion is *towards* it (negative LOS).

Sensors
-------
* Sentinel-1 IW (C band): 5.405 GHz, wavelength 0.055465763 m, incidence 29.1-46.0 degrees
  (ESA, Sentinel-1 User Handbook / SAR technical guide, IW swaths IW1-IW3).
* NISAR L-SAR (L band): 1.257 GHz centre, wavelength c / f = 0.2385 m ("24 cm"),
  incidence 33-47 degrees (NASA-ISRO, NISAR Science Users' Handbook, 2018).
* NISAR S-SAR (S band): 3.2 GHz, wavelength c / f = 0.0937 m ("9.3 cm"), same swath geometry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "SENSORS",
    "SPEED_OF_LIGHT_M_S",
    "Sensor",
    "los_displacement_m",
    "los_from_phase_m",
    "los_unit_vector",
    "phase_from_los_rad",
    "typical_heading_deg",
    "wrap_phase",
]

SPEED_OF_LIGHT_M_S = 299_792_458.0

# Typical Sentinel-1 ground-track headings at mid latitudes, degrees clockwise from north.
_TYPICAL_HEADING_DEG = {"ascending": -12.0, "descending": -168.0}


@dataclass(frozen=True)
class Sensor:
    """A SAR sensor: radar wavelength and the incidence-angle range of its swath."""

    name: str
    band: str
    wavelength_m: float
    incidence_min_deg: float
    incidence_max_deg: float

    def __post_init__(self) -> None:
        if not self.wavelength_m > 0:
            raise ValueError(f"wavelength_m must be > 0, got {self.wavelength_m}")
        if not 0.0 < self.incidence_min_deg <= self.incidence_max_deg < 90.0:
            raise ValueError(
                "need 0 < incidence_min_deg <= incidence_max_deg < 90, got "
                f"{self.incidence_min_deg} and {self.incidence_max_deg}"
            )


SENSORS: dict[str, Sensor] = {
    "sentinel1": Sensor("Sentinel-1 IW", "C", 0.055465763, 29.1, 46.0),
    "nisar_l": Sensor("NISAR L-SAR", "L", SPEED_OF_LIGHT_M_S / 1.257e9, 33.0, 47.0),
    "nisar_s": Sensor("NISAR S-SAR", "S", SPEED_OF_LIGHT_M_S / 3.2e9, 33.0, 47.0),
}


def typical_heading_deg(pass_direction: str) -> float:
    """Typical heading (degrees clockwise from north) of an ``"ascending"`` or
    ``"descending"`` pass: -12 and -168 (Sentinel-1 at mid latitudes)."""
    try:
        return _TYPICAL_HEADING_DEG[pass_direction]
    except KeyError:
        raise ValueError(
            f"pass_direction must be 'ascending' or 'descending', got {pass_direction!r}"
        ) from None


def los_unit_vector(heading_deg: float, incidence_deg: float) -> tuple[float, float, float]:
    """Ground-to-satellite unit vector ``(e, n, u)`` of a right-looking radar.

    Parameters
    ----------
    heading_deg : float
        Flight direction, degrees clockwise from north.
    incidence_deg : float
        Incidence angle at the ground, degrees from vertical, in [0, 90).
    """
    if not (math.isfinite(heading_deg) and 0.0 <= incidence_deg < 90.0):
        raise ValueError(
            f"need a finite heading_deg and incidence_deg in [0, 90), got {heading_deg} "
            f"and {incidence_deg}"
        )
    h, i = math.radians(heading_deg), math.radians(incidence_deg)
    return (-math.sin(i) * math.cos(h), math.sin(i) * math.sin(h), math.cos(i))


def los_displacement_m(east_m, north_m, up_m, los_enu) -> np.ndarray:
    """LOS displacement ``-(e*east + n*north + u*up)``, metres, positive away from the
    satellite; float32 with the broadcast shape of the components."""
    e, n, u = (float(c) for c in los_enu)
    los = -(
        e * np.asarray(east_m, dtype=np.float64)
        + n * np.asarray(north_m, dtype=np.float64)
        + u * np.asarray(up_m, dtype=np.float64)
    )
    return los.astype(np.float32)


def _float_array(a) -> np.ndarray:
    a = np.asarray(a)
    return a if np.issubdtype(a.dtype, np.floating) else a.astype(np.float64)


def phase_from_los_rad(los_m, wavelength_m: float):
    """Unwrapped phase ``-4 pi / wavelength * los`` (radians) of a LOS displacement (m)."""
    if not wavelength_m > 0:
        raise ValueError(f"wavelength_m must be > 0, got {wavelength_m}")
    los = _float_array(los_m)
    return (los * los.dtype.type(-4.0 * math.pi / wavelength_m)).astype(los.dtype)


def los_from_phase_m(phase_rad, wavelength_m: float):
    """LOS displacement (m) of an unwrapped phase (rad): ``-wavelength / (4 pi) * phase``."""
    if not wavelength_m > 0:
        raise ValueError(f"wavelength_m must be > 0, got {wavelength_m}")
    phase = _float_array(phase_rad)
    return (phase * phase.dtype.type(-wavelength_m / (4.0 * math.pi))).astype(phase.dtype)


def wrap_phase(phase_rad):
    """Wrap a phase (rad) into ``[-pi, pi)``; NaN stays NaN, the dtype is kept."""
    phase = _float_array(phase_rad)
    two_pi = phase.dtype.type(2.0 * math.pi)
    pi = phase.dtype.type(math.pi)
    # phi - 2 pi floor((phi + pi) / 2 pi): several times faster than np.mod, which computes an
    # exact fmod per element; in place on one temporary.
    turns = phase + pi
    turns *= phase.dtype.type(1.0 / (2.0 * math.pi))
    np.floor(turns, out=turns)
    turns *= -two_pi
    wrapped = np.add(phase, turns, out=turns)
    # Rounding can land just outside [-pi, pi) (e.g. on +pi for tiny negative turns).
    wrapped[wrapped >= pi] -= two_pi
    wrapped[wrapped < -pi] = -pi
    return wrapped
