"""Atmospheric look-alikes: weather fronts and gravity-wave bands (pure NumPy).

Besides turbulence and stratification (:mod:`insar_hf.simulate.atmosphere`), real
interferograms hold organised atmospheric signals that an untrained eye -- or a detector
trained on isotropic noise -- reads as deformation:

* :func:`front_m` -- a **weather front** or squall line: a step of delay across a line,
  ``(A / 2) tanh(d / w)``, a few mm to a few cm over 1-10 km (Hanssen 2001, §4.7 and fig. 4.21;
  Jolivet et al. 2014 show such steps in Sentinel-1 data);
* :func:`gravity_waves_m` -- **atmospheric gravity waves** (lee waves behind ridges): parallel
  bands ``A sin(2 pi d / lambda + phi)`` with wavelengths of 2-20 km and amplitudes of a few mm
  to about 1 cm, under a smooth envelope that confines them to part of the scene (Hanssen 2001,
  §4.7.4).

Both return float32 metres of LOS delay with zero mean over the grid (an interferogram has no
absolute phase), positions in pixels, directions clockwise from north.

References
----------
Hanssen, R. F. (2001). *Radar Interferometry*. Kluwer. Section 4.7.
Jolivet, R., Agram, P. S., Lin, N. Y., et al. (2014). Improving InSAR geodesy using global
atmospheric models. *JGR Solid Earth* 119, 2324-2341.
"""

from __future__ import annotations

import math

import numpy as np

from insar_hf.simulate.checks import check_non_negative, check_positive
from insar_hf.simulate.topography import line_coordinates_m

__all__ = ["front_m", "gravity_waves_m"]


def _zero_mean(field: np.ndarray) -> np.ndarray:
    field -= np.float32(field.mean(dtype=np.float64))
    return field.astype(np.float32, copy=False)


def front_m(
    shape: tuple[int, int],
    *,
    pixel_m: float,
    row_px: float,
    col_px: float,
    azimuth_deg: float,
    step_m: float,
    width_m: float,
    curvature_per_km: float = 0.0,
) -> np.ndarray:
    """A front: ``(step / 2) tanh(d / width)`` across a (gently curved) line.

    Parameters
    ----------
    shape : (int, int)
        Output ``(rows, cols)``.
    pixel_m : float
        Pixel spacing in metres (> 0).
    row_px, col_px : float
        A point of the front line, pixels.
    azimuth_deg : float
        Strike of the line, degrees clockwise from north.
    step_m : float
        Delay difference across the front in metres, any sign.
    width_m : float
        Width of the transition in metres (> 0).
    curvature_per_km : float, default 0
        The line bends as ``d -> d - c s^2 / 2`` (``s`` along it, km): a front is rarely
        straight.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32, metres, mean zero.
    """
    pixel_m = check_positive("pixel_m", pixel_m)
    width_m = check_positive("width_m", width_m)
    step = float(step_m)
    if not math.isfinite(step):
        raise ValueError(f"step_m must be finite, got {step_m!r}")
    across, along = line_coordinates_m(shape, pixel_m, row_px, col_px, azimuth_deg)
    along_km = along * np.float32(1e-3)
    bent = across - np.float32(500.0 * float(curvature_per_km)) * along_km * along_km
    field = np.tanh(bent * np.float32(1.0 / width_m)) * np.float32(0.5 * step)
    return _zero_mean(field)


def gravity_waves_m(
    shape: tuple[int, int],
    *,
    pixel_m: float,
    row_px: float,
    col_px: float,
    azimuth_deg: float,
    amplitude_m: float,
    wavelength_m: float,
    envelope_m: float,
    phase_rad: float = 0.0,
) -> np.ndarray:
    """Bands ``A sin(2 pi d / lambda + phase) exp(-(r / envelope)^2)`` around a centre.

    ``d`` is the distance across the wave crests (which strike ``azimuth_deg``) and ``r`` the
    distance from ``(row_px, col_px)``.

    Parameters
    ----------
    shape : (int, int)
        Output ``(rows, cols)``.
    pixel_m : float
        Pixel spacing in metres (> 0).
    row_px, col_px : float
        Centre of the wave packet, pixels.
    azimuth_deg : float
        Strike of the crests, degrees clockwise from north.
    amplitude_m : float
        ``A`` in metres (>= 0).
    wavelength_m : float
        ``lambda`` in metres (> 0), 2-20 km for lee waves.
    envelope_m : float
        e-folding radius of the packet in metres (> 0).
    phase_rad : float, default 0
        Phase of the bands at the centre.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32, metres, mean zero.
    """
    pixel_m = check_positive("pixel_m", pixel_m)
    amplitude = check_non_negative("amplitude_m", amplitude_m)
    wavelength = check_positive("wavelength_m", wavelength_m)
    envelope = check_positive("envelope_m", envelope_m)
    across, along = line_coordinates_m(shape, pixel_m, row_px, col_px, azimuth_deg)
    bands = np.sin(across * np.float32(2.0 * math.pi / wavelength) + np.float32(phase_rad))
    r2 = (across * across + along * along) * np.float32(1.0 / (envelope * envelope))
    field = bands * np.exp(-r2) * np.float32(amplitude)
    return _zero_mean(field)
