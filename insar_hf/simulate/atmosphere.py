"""Atmospheric and orbital nuisance signals of an interferogram (pure NumPy).

Every delay function returns a float32 array of shape ``(rows, cols)`` in metres of
line-of-sight (LOS) path delay, with the sign convention of :mod:`insar_hf.physics.los`: a
positive value is an extra range (motion-like "away from the satellite"), so a delay is
*added* to ``los_m`` before converting to phase. Row 0 is the north edge, columns grow
eastwards.

What is modelled (details, defaults and references in ``docs/nuisance.md``):

* **Turbulent troposphere** -- an isotropic Gaussian random field with power spectrum
  ``P(k) ∝ k^-beta`` made by spectral synthesis (filtered complex white noise, inverse FFT;
  :mod:`insar_hf.simulate.spectral`), normalised to an exact RMS. Hanssen (2001, §4.7)
  describes the 1-D spectrum of atmospheric delay with slopes -5/3, -8/3 and -2/3 over
  successive scale ranges; the 2-D slope is one steeper (``beta_2d = beta_1d + 1``), so our
  default ``beta = 8/3`` is thin-layer (2-D) Kolmogorov turbulence and ``11/3`` thick-layer
  (3-D) turbulence.
* **Turbulence by physical distance** -- the scenes' turbulence follows the empirical law of
  Emardson et al. (2003): :mod:`insar_hf.simulate.turbulence`.
* **Stratified troposphere** -- a delay proportional to elevation (Hanssen 2001, §4.7;
  Doin et al. 2009), over a fractal DEM or a DEM supplied by the user.
* **Orbital ramp** -- a plane with a random direction (residual orbit error).

The power-law synthesis itself, and the spectral-slope estimators used to check it, live in
:mod:`insar_hf.simulate.spectral`.

References
----------
Hanssen, R. F. (2001). *Radar Interferometry: Data Interpretation and Error Analysis*.
Kluwer, Dordrecht. Section 4.7.
Doin, M.-P., Lasserre, C., Peltzer, G., Cavalié, O., Doubre, C. (2009). Corrections of
stratified tropospheric delays in SAR interferometry: validation with global atmospheric
models. *Journal of Applied Geophysics* 69, 35-50.
"""

from __future__ import annotations

import math

import numpy as np

from insar_hf.simulate.checks import check_non_negative, check_positive, check_rng, check_shape
from insar_hf.simulate.spectral import DEFAULT_OVERSAMPLE, power_law_field

__all__ = [
    "DEFAULT_BETA",
    "DEFAULT_DEM_BETA",
    "DEFAULT_DEM_CUTOFF",
    "dem_window_m",
    "fractal_dem_m",
    "orbital_ramp_m",
    "stratified_delay_m",
    "turbulent_delay_m",
    "validate_dem_m",
]

DEFAULT_BETA = 8.0 / 3.0
"""2-D spectral slope of thin-layer Kolmogorov turbulence (Hanssen 2001, §4.7)."""

DEFAULT_DEM_BETA = 3.5
"""2-D spectral slope of topography: ``beta = 2 + 2H`` with a Hurst exponent ``H ≈ 0.75``."""

DEFAULT_DEM_CUTOFF = 0.25
"""Wavenumber cutoff (cycles per pixel) of synthetic DEMs: wavelengths under 4 pixels hold
under 0.1 % of the variance of a ``beta = 3.5`` surface, and skipping them makes the DEM about
3x cheaper (see :func:`~insar_hf.simulate.spectral.power_law_field`)."""


# ----------------------------------------------------------------------------- turbulence


def turbulent_delay_m(
    shape: tuple[int, int],
    *,
    pixel_m: float,
    rms_m: float,
    beta: float = DEFAULT_BETA,
    rng: np.random.Generator,
    oversample: float = DEFAULT_OVERSAMPLE,
    cutoff_cyc_per_px: float | None = None,
) -> np.ndarray:
    """Turbulent tropospheric LOS delay: a power-law field scaled to an exact RMS.

    Typical interferometric values are a few millimetres to about 2 cm RMS over scenes of tens
    of kilometres (Hanssen 2001, §4.7).

    Parameters
    ----------
    shape : (int, int)
        Output ``(rows, cols)``.
    pixel_m : float
        Pixel spacing in metres (> 0).
    rms_m : float
        Root-mean-square delay in metres (>= 0); the output's RMS equals it to float32
        precision, and its mean is zero.
    beta : float, default 8/3
        2-D spectral slope, ``P(k) ∝ k^-beta``.
    rng : numpy.random.Generator
        Source of randomness.
    oversample : float, default ``DEFAULT_OVERSAMPLE``
        See :func:`power_law_field`.
    cutoff_cyc_per_px : float, optional
        See :func:`power_law_field`; by default all wavenumbers are kept.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32, metres of LOS delay (positive = range increase).
    """
    rms_m = check_non_negative("rms_m", rms_m)
    field = power_law_field(
        shape,
        pixel_m=pixel_m,
        beta=beta,
        rng=rng,
        oversample=oversample,
        cutoff_cyc_per_px=cutoff_cyc_per_px,
    )
    field *= np.float32(rms_m)
    return field


# ----------------------------------------------------------------------------- topography


def fractal_dem_m(
    shape: tuple[int, int],
    *,
    pixel_m: float,
    relief_m: float,
    rng: np.random.Generator,
    beta: float = DEFAULT_DEM_BETA,
    base_m: float = 0.0,
    oversample: float = DEFAULT_OVERSAMPLE,
    cutoff_cyc_per_px: float | None = DEFAULT_DEM_CUTOFF,
    half_resolution: bool = False,
) -> np.ndarray:
    """Synthetic fractal topography: a power-law surface stretched to a given relief.

    Natural topography has a red 2-D power spectrum with ``beta ≈ 3-4`` (a Hurst exponent
    ``H = (beta - 2) / 2`` of about 0.5-1). The unit field of :func:`power_law_field` is mapped
    linearly so that its minimum is ``base_m`` and its maximum ``base_m + relief_m``.

    Parameters
    ----------
    shape : (int, int)
        Output ``(rows, cols)``.
    pixel_m : float
        Pixel spacing in metres (> 0).
    relief_m : float
        Peak-to-trough height range in metres (>= 0): a few hundred metres for hills, 1-3 km
        for mountain ranges.
    rng : numpy.random.Generator
        Source of randomness.
    beta : float, default 3.5
        2-D spectral slope of the surface.
    base_m : float, default 0
        Elevation of the lowest pixel in metres (>= 0, so heights are non-negative).
    oversample : float, default ``DEFAULT_OVERSAMPLE``
        See :func:`power_law_field`.
    cutoff_cyc_per_px : float or None, default ``DEFAULT_DEM_CUTOFF`` (0.25)
        See :func:`power_law_field`; None keeps all wavenumbers.
    half_resolution : bool, default False
        See :func:`power_law_field`: about 4x cheaper, exact in band with the default cutoff.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32, elevation in metres, ``min = base_m`` and
        ``max = base_m + relief_m``.
    """
    relief_m = check_non_negative("relief_m", relief_m)
    base_m = check_non_negative("base_m", base_m)
    field = power_law_field(
        shape,
        pixel_m=pixel_m,
        beta=beta,
        rng=rng,
        oversample=oversample,
        cutoff_cyc_per_px=cutoff_cyc_per_px,
        half_resolution=half_resolution,
    )
    lo, hi = float(field.min()), float(field.max())
    dem = (field - np.float32(lo)) * np.float32(relief_m / (hi - lo)) + np.float32(base_m)
    return dem.astype(np.float32, copy=False)


def validate_dem_m(dem_m, *, shape: tuple[int, int] | None = None) -> np.ndarray:
    """Check a user DEM and return it as float32.

    Parameters
    ----------
    dem_m : array_like
        Elevation in metres, 2-D, at least 2x2, all values finite (fill voids first).
    shape : (int, int), optional
        If given, the DEM must have exactly this shape.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32 view or copy of ``dem_m``.
    """
    dem = np.asarray(dem_m)
    if dem.ndim != 2 or min(dem.shape) < 2:
        raise ValueError(
            f"dem_m must be a 2-D array (rows, cols) of at least 2x2, got shape {dem.shape}"
        )
    if not np.issubdtype(dem.dtype, np.number) or np.iscomplexobj(dem) or dem.dtype == np.bool_:
        raise ValueError(f"dem_m must hold real elevations in metres, got dtype {dem.dtype}")
    if shape is not None and tuple(dem.shape) != check_shape(shape):
        raise ValueError(f"dem_m has shape {dem.shape}, expected {tuple(shape)}")
    if not np.all(np.isfinite(dem)):
        bad = int(np.count_nonzero(~np.isfinite(dem)))
        raise ValueError(f"dem_m has {bad} NaN/inf values; fill DEM voids before use")
    return dem.astype(np.float32, copy=False)


def dem_window_m(dem_m, shape: tuple[int, int], *, rng: np.random.Generator) -> np.ndarray:
    """Random ``shape`` window of a larger user DEM (for drawing many scenes from one DEM).

    Parameters
    ----------
    dem_m : array_like
        Elevation in metres, 2-D, finite, at least ``shape`` in both axes.
    shape : (int, int)
        Window ``(rows, cols)``.
    rng : numpy.random.Generator
        Picks the window's upper-left corner uniformly.

    Returns
    -------
    numpy.ndarray
        Shape ``shape``, float32 copy, metres.
    """
    dem = validate_dem_m(dem_m)
    rows, cols = check_shape(shape)
    check_rng(rng)
    if dem.shape[0] < rows or dem.shape[1] < cols:
        raise ValueError(f"dem_m of shape {dem.shape} is smaller than the window {(rows, cols)}")
    r0 = int(rng.integers(0, dem.shape[0] - rows + 1))
    c0 = int(rng.integers(0, dem.shape[1] - cols + 1))
    return dem[r0 : r0 + rows, c0 : c0 + cols].copy()


def stratified_delay_m(dem_m, *, coefficient_m_per_km: float) -> np.ndarray:
    """Stratified tropospheric LOS delay, linear in elevation, relative to the scene mean.

    ``delay = K * (h - mean(h)) / 1000`` with ``K`` in metres of delay per kilometre of
    elevation (Hanssen 2001, §4.7; Doin et al. 2009). In an interferogram ``K`` is the
    *difference* of the two acquisitions' delay-elevation ratios, of either sign and typically
    of order 1 cm/km (up to a few cm/km between seasons); the scene mean is removed because
    an interferogram carries no absolute phase.

    Parameters
    ----------
    dem_m : array_like
        Elevation in metres, shape ``(rows, cols)``, finite (see :func:`validate_dem_m`).
    coefficient_m_per_km : float
        ``K`` in metres per kilometre, any finite sign (e.g. ``-0.01`` to ``0.01``).

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32, metres of LOS delay with zero mean.
    """
    dem = validate_dem_m(dem_m)
    k = float(coefficient_m_per_km)
    if not math.isfinite(k):
        raise ValueError(f"coefficient_m_per_km must be finite, got {coefficient_m_per_km!r}")
    mean = float(dem.mean(dtype=np.float64))
    return ((dem - np.float32(mean)) * np.float32(k / 1000.0)).astype(np.float32, copy=False)


# ----------------------------------------------------------------------------- orbits


def orbital_ramp_m(
    shape: tuple[int, int],
    *,
    pixel_m: float,
    gradient_m_per_km: float,
    rng: np.random.Generator,
    azimuth_deg: float | None = None,
) -> np.ndarray:
    """Planar orbital ramp of given gradient and random direction, zero at the scene centre.

    Parameters
    ----------
    shape : (int, int)
        Output ``(rows, cols)``; row 0 is north, columns grow east.
    pixel_m : float
        Pixel spacing in metres (> 0).
    gradient_m_per_km : float
        Magnitude of the gradient in metres per kilometre (>= 0). Residual orbit errors are of
        order 1e-4 to 1e-3 m/km (millimetres to centimetres over 100 km).
    rng : numpy.random.Generator
        Draws the direction uniformly in [0, 360) degrees when ``azimuth_deg`` is None.
    azimuth_deg : float, optional
        Direction of steepest increase, clockwise from north, in degrees.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32, metres, mean zero (the grid is centred).
    """
    rows, cols = check_shape(shape)
    pixel_m = check_positive("pixel_m", pixel_m)
    gradient = check_non_negative("gradient_m_per_km", gradient_m_per_km)
    check_rng(rng)
    if azimuth_deg is None:
        azimuth_deg = float(rng.uniform(0.0, 360.0))
    elif not math.isfinite(float(azimuth_deg)):
        raise ValueError(f"azimuth_deg must be finite, got {azimuth_deg!r}")
    az = math.radians(float(azimuth_deg))
    slope = gradient / 1000.0  # metres per metre
    east_m = (np.arange(cols, dtype=np.float64) - (cols - 1) / 2.0) * pixel_m  # (cols,)
    north_m = -(np.arange(rows, dtype=np.float64) - (rows - 1) / 2.0) * pixel_m  # (rows,)
    ramp = slope * (math.sin(az) * east_m[None, :] + math.cos(az) * north_m[:, None])
    return ramp.astype(np.float32)
