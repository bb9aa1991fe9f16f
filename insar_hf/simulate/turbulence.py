"""Turbulent delay by physical distance: the empirical law of Emardson et al. (2003).

Real far-field delay is smooth and long-wavelength, and its variance grows with distance: the
standard deviation of the delay difference between two points follows ``sigma(L) = c L^alpha +
k H`` (:func:`emardson_sigma_m`).  :func:`turbulent_delay_law_m` makes a field with that
behaviour -- a broken power law, 3-D Kolmogorov (``beta = 11/3``) under about 2 km where the
turbulent layer is thick, ``beta = 2 + 2 alpha = 3`` above -- and scales it so that its own RMS
difference at a quarter of the window equals the law times a per-scene strength, mapped to the
line of sight.  :func:`rms_difference_m` is the structure-function estimate used for that
scaling and by the realism figures.

References
----------
Emardson, T. R., Simons, M., Webb, F. H. (2003). Neutral atmospheric delay in interferometric
synthetic aperture radar applications: statistical description and mitigation. *Journal of
Geophysical Research* 108(B5), 2231.
Hanssen, R. F. (2001). *Radar Interferometry: Data Interpretation and Error Analysis*.
Kluwer, Dordrecht. Section 4.7.
"""

from __future__ import annotations

import math

import numpy as np

from insar_hf.simulate.checks import check_non_negative, check_positive, check_shape
from insar_hf.simulate.spectral import DEFAULT_OVERSAMPLE, power_law_field

__all__ = [
    "EMARDSON_ALPHA",
    "EMARDSON_C_MM",
    "EMARDSON_K_MM_PER_KM",
    "KOLMOGOROV_BETA",
    "TURBULENCE_BREAK_M",
    "emardson_sigma_m",
    "rms_difference_m",
    "turbulent_delay_law_m",
]


EMARDSON_C_MM = 2.5
"""``c`` of Emardson et al. (2003): mm of zenith delay difference at 1 km (``km^-alpha``)."""

EMARDSON_ALPHA = 0.5
"""``alpha`` of Emardson et al. (2003): the exponent of distance."""

EMARDSON_K_MM_PER_KM = 4.8
"""``k`` of Emardson et al. (2003): mm of zenith delay difference per km of height difference."""

TURBULENCE_BREAK_M = 3000.0
"""Scale (m) under which turbulence is taken as 3-D Kolmogorov (``beta = 11/3``): about the
thickness of the wet troposphere (Hanssen 2001, §4.7, puts the change of slope at 2-3 km)."""

KOLMOGOROV_BETA = 11.0 / 3.0
"""2-D spectral slope of 3-D Kolmogorov turbulence (Hanssen 2001, §4.7)."""


def emardson_sigma_m(lag_km, height_km=0.0):
    """Standard deviation (m) of the *zenith* delay difference between two points.

    ``sigma = c L^alpha + k H`` with ``c = 2.5 mm km^-0.5``, ``alpha = 0.5``, ``k = 4.8 mm/km``,
    ``L`` the distance and ``H`` the height difference in km (Emardson et al. 2003, JGR
    108(B5) 2231, fitted to GPS zenith delays of the Southern California network).  The paper
    reads ``sigma^2`` as the variance of the delay noise of *one interferogram* (which averaging
    ``N`` interferograms divides by ``N``), so ``sigma`` is the standard deviation of the
    difference of interferometric delay between two points; divide by ``cos(incidence)`` for
    the line of sight (:func:`turbulent_delay_law_m`).

    Parameters
    ----------
    lag_km : float or array_like
        Distance between the points in km (>= 0).
    height_km : float or array_like, default 0
        Height difference in km (>= 0).

    Returns
    -------
    float or numpy.ndarray
        Metres, float64, the broadcast shape of the inputs.
    """
    lag = np.asarray(lag_km, dtype=np.float64)
    height = np.abs(np.asarray(height_km, dtype=np.float64))
    if np.any(~np.isfinite(lag)) or np.any(lag < 0):
        raise ValueError(f"lag_km must be finite and >= 0, got {lag_km!r}")
    sigma_mm = EMARDSON_C_MM * lag**EMARDSON_ALPHA + EMARDSON_K_MM_PER_KM * height
    out = sigma_mm * 1e-3
    return float(out) if out.ndim == 0 else out


def rms_difference_m(field_m: np.ndarray, lag_px: int) -> float:
    """RMS of ``field[i, j + lag] - field[i, j]`` and ``field[i + lag, j] - field[i, j]``, pooled.

    The square root of the structure function at ``lag_px`` pixels along rows and columns;
    float64 accumulation, NaN pairs skipped.
    """
    lag = int(lag_px)
    f = np.asarray(field_m, dtype=np.float32)
    if lag < 1 or lag >= min(f.shape):
        raise ValueError(f"lag_px must be in [1, {min(f.shape) - 1}], got {lag_px!r}")
    dx = (f[:, lag:] - f[:, :-lag]).ravel()
    dy = (f[lag:, :] - f[:-lag, :]).ravel()
    d = np.concatenate([dx, dy])
    d = d[np.isfinite(d)]
    if d.size == 0:
        return float("nan")
    return math.sqrt(float(np.dot(d, d)) / d.size)


def turbulent_delay_law_m(
    shape: tuple[int, int],
    *,
    pixel_m: float,
    strength: float,
    incidence_deg: float,
    rng: np.random.Generator,
    beta: float = 3.0,
    beta_short: float = KOLMOGOROV_BETA,
    break_m: float = TURBULENCE_BREAK_M,
    oversample: float = DEFAULT_OVERSAMPLE,
    half_resolution: bool = False,
) -> np.ndarray:
    """Turbulent LOS delay whose structure function follows Emardson et al. (2003).

    A broken power-law field (:func:`~insar_hf.simulate.spectral.power_law_field`: slope
    ``beta_short`` under ``break_m``, ``beta`` above; ``beta = 2 + 2 alpha = 3`` gives the law's
    ``sigma ∝ L^0.5``) scaled so that its RMS difference at the reference lag -- a quarter of the
    window's side -- is exactly ``strength * c L^alpha / cos(incidence)``
    (:func:`emardson_sigma_m` with ``H = 0``, mapped to the line of sight).  The delay thus grows
    with the window as real atmosphere does (a 300 km window carries about 6x the delay
    difference of a 7 km one), and ``strength`` is the acquisition pair's departure from the
    average atmosphere (one pair differs from another by a factor of 10 or more).

    Parameters
    ----------
    shape : (int, int)
        Output ``(rows, cols)``, each >= 8.
    pixel_m : float
        Pixel spacing in metres (> 0).
    strength : float
        Multiplier of the law (>= 0); 1 is Emardson's average.
    incidence_deg : float
        Incidence angle in degrees in [0, 80): zenith delay / cos(incidence) is the LOS delay.
    rng : numpy.random.Generator
        Source of randomness.
    beta, beta_short : float
        2-D spectral slopes above and under ``break_m``.
    break_m : float
        Scale of the change of slope in metres (> 0).
    oversample, half_resolution
        See :func:`~insar_hf.simulate.spectral.power_law_field`; scenes synthesise at half
        resolution (no power under 4 pixels' wavelength, as in a multilooked product).

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32, metres of LOS delay, mean zero.
    """
    rows, cols = check_shape(shape)
    if min(rows, cols) < 8:
        raise ValueError(
            f"shape must be at least 8 x 8 for a structure-function scale, got {shape}"
        )
    pixel_m = check_positive("pixel_m", pixel_m)
    strength = check_non_negative("strength", strength)
    incidence = float(incidence_deg)
    if not 0.0 <= incidence < 80.0:
        raise ValueError(f"incidence_deg must lie in [0, 80), got {incidence_deg!r}")
    break_m = check_positive("break_m", break_m)
    field = power_law_field(
        shape,
        pixel_m=pixel_m,
        beta=beta,
        rng=rng,
        oversample=oversample,
        beta_short=beta_short,
        break_cyc_per_px=pixel_m / break_m,
        half_resolution=half_resolution,
    )
    lag_px = min(rows, cols) // 4
    target_m = (
        strength * emardson_sigma_m(lag_px * pixel_m / 1000.0) / math.cos(math.radians(incidence))
    )
    field *= np.float32(target_m / rms_difference_m(field, lag_px))
    return field
