"""Synthetic topography with volcanoes and mountain ranges, under the stratified delay.

The stratified tropospheric delay follows elevation (:func:`~insar_hf.simulate.atmosphere.
stratified_delay_m`), so the shape of the DEM is the shape of a whole class of look-alikes:
a volcano makes concentric fringes and a mountain range banded ones, with no deformation at
all (Hanssen 2001, §4.7; Beauducel et al. 2000 on Merapi; Doin et al. 2009).  A fractal surface
alone (:func:`~insar_hf.simulate.atmosphere.fractal_dem_m`) has neither, so scenes add:

* :func:`volcano_m` -- a cone ``h exp(-(r / R)^p)`` (``p`` 1-2: from a steep stratovolcano to a
  broad shield) with an optional summit caldera, the shape of Etna, Fuji or the Galapagos
  shields to first order;
* :func:`mountain_range_m` -- a ridge ``h exp(-(d / w)^2)`` about a line, its crest height
  modulated along the line, its flanks cut by the fractal relief it is added to.

All functions return float32 elevation in metres on the pixel grid of
:mod:`insar_hf.simulate.grid` (row 0 north, columns east); positions are in pixels.

References
----------
Beauducel, F., Briole, P., Froger, J.-L. (2000). Volcano-wide fringes in ERS synthetic aperture
radar interferograms of Etna (1992-1998): deformation or tropospheric effect? *JGR* 105(B7),
16391-16402.
Hanssen, R. F. (2001). *Radar Interferometry*. Kluwer. Section 4.7.
"""

from __future__ import annotations

import math

import numpy as np

from insar_hf.simulate.checks import check_non_negative, check_positive, check_shape

__all__ = ["line_coordinates_m", "mountain_range_m", "volcano_m"]


def line_coordinates_m(
    shape: tuple[int, int], pixel_m: float, row_px: float, col_px: float, azimuth_deg: float
) -> tuple[np.ndarray, np.ndarray]:
    """``(across, along)``: distances (m) of every pixel across and along a line.

    The line passes through ``(row_px, col_px)`` with strike ``azimuth_deg`` (clockwise from
    north); ``across`` is positive on its right-hand side.  Broadcastable float32 arrays of
    shape ``(rows, cols)`` (row 0 north, columns east).
    """
    rr, cc = _coordinates_px(shape)
    az = math.radians(float(azimuth_deg))
    east = (cc - np.float32(col_px)) * np.float32(pixel_m)  # (1, cols)
    north = (np.float32(row_px) - rr) * np.float32(pixel_m)  # (rows, 1)
    along = east * np.float32(math.sin(az)) + north * np.float32(math.cos(az))
    across = east * np.float32(math.cos(az)) - north * np.float32(math.sin(az))
    return across, along


def _coordinates_px(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    rows, cols = check_shape(shape)
    return (
        np.arange(rows, dtype=np.float32)[:, None],
        np.arange(cols, dtype=np.float32)[None, :],
    )


def volcano_m(
    shape: tuple[int, int],
    *,
    pixel_m: float,
    row_px: float,
    col_px: float,
    height_m: float,
    radius_m: float,
    shape_exponent: float = 1.5,
    caldera_radius_m: float = 0.0,
    caldera_depth_m: float = 0.0,
) -> np.ndarray:
    """A volcanic edifice ``h exp(-(r / R)^p)`` minus a caldera ``d exp(-(r / r_c)^4)``.

    Parameters
    ----------
    shape : (int, int)
        Output ``(rows, cols)``.
    pixel_m : float
        Pixel spacing in metres (> 0).
    row_px, col_px : float
        Summit position in pixels (may lie outside the grid: a flank only).
    height_m : float
        Summit height above the surroundings in metres (>= 0), e.g. 0.5-3 km.
    radius_m : float
        ``R``, the e-folding radius of the edifice in metres (> 0), e.g. 3-20 km.
    shape_exponent : float, default 1.5
        ``p`` in [0.5, 4]: 1 a steep cone, 2 a broad dome.
    caldera_radius_m, caldera_depth_m : float, default 0
        A summit depression; 0 for none.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32, metres, >= -caldera_depth_m.
    """
    pixel_m = check_positive("pixel_m", pixel_m)
    height_m = check_non_negative("height_m", height_m)
    radius_m = check_positive("radius_m", radius_m)
    p = float(shape_exponent)
    if not 0.5 <= p <= 4.0:
        raise ValueError(f"shape_exponent must lie in [0.5, 4], got {shape_exponent!r}")
    rr, cc = _coordinates_px(shape)
    r_px = np.hypot(rr - np.float32(row_px), cc - np.float32(col_px))  # (rows, cols)
    scaled = r_px * np.float32(pixel_m / radius_m)
    dem = np.exp(-(scaled ** np.float32(p))) * np.float32(height_m)
    if caldera_radius_m > 0 and caldera_depth_m > 0:
        rc = r_px * np.float32(pixel_m / caldera_radius_m)
        dem -= np.exp(-(rc**4)) * np.float32(caldera_depth_m)
    return dem.astype(np.float32, copy=False)


def mountain_range_m(
    shape: tuple[int, int],
    *,
    pixel_m: float,
    row_px: float,
    col_px: float,
    azimuth_deg: float,
    height_m: float,
    half_width_m: float,
    crest_wavelength_m: float,
    crest_variation: float = 0.3,
    phase_rad: float = 0.0,
) -> np.ndarray:
    """A ridge ``h (1 + a sin(2 pi s / lambda + phase)) exp(-(d / w)^2)`` along a line.

    ``d`` is the distance from the crest line through ``(row_px, col_px)`` with strike
    ``azimuth_deg`` (clockwise from north) and ``s`` the distance along it.

    Parameters
    ----------
    shape : (int, int)
        Output ``(rows, cols)``.
    pixel_m : float
        Pixel spacing in metres (> 0).
    row_px, col_px : float
        A point of the crest line, in pixels.
    azimuth_deg : float
        Strike of the crest, degrees clockwise from north.
    height_m : float
        Mean crest height in metres (>= 0).
    half_width_m : float
        ``w`` in metres (> 0): the flanks fall to 1/e at this distance.
    crest_wavelength_m : float
        Wavelength of the crest's height variation in metres (> 0).
    crest_variation : float, default 0.3
        ``a`` in [0, 1): relative amplitude of the crest's variation.
    phase_rad : float, default 0
        Phase of that variation.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32, metres, >= 0.
    """
    pixel_m = check_positive("pixel_m", pixel_m)
    height_m = check_non_negative("height_m", height_m)
    half_width_m = check_positive("half_width_m", half_width_m)
    wavelength = check_positive("crest_wavelength_m", crest_wavelength_m)
    a = float(crest_variation)
    if not 0.0 <= a < 1.0:
        raise ValueError(f"crest_variation must lie in [0, 1), got {crest_variation!r}")
    across, along = line_coordinates_m(shape, pixel_m, row_px, col_px, azimuth_deg)
    crest = np.float32(1.0) + np.float32(a) * np.sin(
        along * np.float32(2.0 * math.pi / wavelength) + np.float32(phase_rad)
    )
    flank = np.exp(-((across * np.float32(1.0 / half_width_m)) ** 2))
    return (crest * flank * np.float32(height_m)).astype(np.float32, copy=False)
