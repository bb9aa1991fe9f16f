"""Atmospheric and orbital nuisance signals of an interferogram (pure NumPy).

Every delay function returns a float32 array of shape ``(rows, cols)`` in metres of
line-of-sight (LOS) path delay, with the sign convention of :mod:`insar_hf.physics.los`: a positive value is
an extra range (motion-like "away from the satellite"), so a delay is *added* to ``los_m``
before converting to phase. Row 0 is the north edge, columns grow eastwards.

What is modelled (details, defaults and references in ``docs/nuisance.md``):

* **Turbulent troposphere** -- an isotropic Gaussian random field with power spectrum
  ``P(k) ∝ k^-beta`` made by spectral synthesis (filtered complex white noise, inverse FFT),
  normalised to an exact RMS. Hanssen (2001, §4.7) describes the 1-D spectrum of atmospheric
  delay with slopes -5/3, -8/3 and -2/3 over successive scale ranges; the 2-D slope is one
  steeper (``beta_2d = beta_1d + 1``), so our default ``beta = 8/3`` is thin-layer (2-D)
  Kolmogorov turbulence and ``11/3`` thick-layer (3-D) turbulence.
* **Stratified troposphere** -- a delay proportional to elevation (Hanssen 2001, §4.7;
  Doin et al. 2009), over a fractal DEM or a DEM supplied by the user.
* **Orbital ramp** -- a plane with a random direction (residual orbit error).

References
----------
Hanssen, R. F. (2001). *Radar Interferometry: Data Interpretation and Error Analysis*.
Kluwer, Dordrecht. Section 4.7.
Doin, M.-P., Lasserre, C., Peltzer, G., Cavalié, O., Doubre, C. (2009). Corrections of
stratified tropospheric delays in SAR interferometry: validation with global atmospheric
models. *Journal of Applied Geophysics* 69, 35-50.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import fft as sp_fft

__all__ = [
    "DEFAULT_BETA",
    "DEFAULT_DEM_BETA",
    "DEFAULT_DEM_CUTOFF",
    "DEFAULT_OVERSAMPLE",
    "dem_window_m",
    "estimate_spectral_slope",
    "fractal_dem_m",
    "orbital_ramp_m",
    "power_law_field",
    "radial_power_spectrum",
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
3x cheaper (see :func:`power_law_field`)."""

DEFAULT_OVERSAMPLE = 1.5
"""Fields are synthesised on a grid this much larger (per axis) and cropped, so that opposite
edges of the output are not forced to match by the periodicity of the FFT. At 1.5 the
structure function between opposite edges is as large as between points half a scene apart
(no wrap-around); at 1.0 opposite edges of a beta = 8/3 field are near copies. Costs about
2x the time of a periodic field (measured figures in ``docs/nuisance.md``)."""


# ----------------------------------------------------------------------------- validation


def _check_shape(shape) -> tuple[int, int]:
    try:
        rows, cols = (int(s) for s in shape)
    except (TypeError, ValueError):
        raise ValueError(f"shape must be two positive ints (rows, cols), got {shape!r}") from None
    if rows < 2 or cols < 2 or (rows, cols) != tuple(shape):
        raise ValueError(f"shape must be two ints >= 2 (rows, cols), got {shape!r}")
    return rows, cols


def _check_positive(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value <= 0.0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return value


def _check_non_negative(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return value


def _check_beta(beta: float) -> float:
    beta = float(beta)
    if not math.isfinite(beta) or not 0.0 <= beta <= 8.0:
        raise ValueError(f"beta (spectral slope, P(k) ∝ k^-beta) must lie in [0, 8], got {beta!r}")
    return beta


def _check_rng(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise ValueError(
            f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng)!r}"
        )
    return rng


# ----------------------------------------------------------------------------- power-law fields


@functools.lru_cache(maxsize=32)
def _filter_geometry(rows: int, cols: int, cutoff: float | None) -> tuple[np.ndarray, np.ndarray]:
    """``log k^2`` and a weight on the ``rfft2`` half-plane (float32, cached, read-only).

    ``k`` is in cycles per pixel. The weight is 0 at ``k = 0`` (no mean) and above
    ``cutoff``, and ``sqrt(2)`` on the ``kx = 0`` (and even-size Nyquist) column: ``irfft2``
    keeps only the Hermitian part of those columns, which halves the power of independent
    complex draws there; without the factor, north-south variations would carry half the
    variance of east-west ones at every scale. With ``cutoff`` both arrays are cropped to the
    block of rows (``_cutoff_rows``) and leading columns that can be non-zero.
    """
    ky = np.fft.fftfreq(rows)[:, None]  # (rows, 1)
    kx = np.fft.rfftfreq(cols)[None, :]  # (1, cols//2+1)
    k2 = ky * ky + kx * kx  # (rows, cols//2+1), float64
    weight = np.ones_like(k2)
    weight[:, 0] = math.sqrt(2.0)
    if cols % 2 == 0:
        weight[:, -1] = math.sqrt(2.0)
    weight[0, 0] = 0.0
    k2[0, 0] = 1.0
    if cutoff is not None:
        weight[k2 > cutoff * cutoff] = 0.0
        keep_rows, keep_cols = _cutoff_rows(rows, cutoff), _cutoff_cols(cols, cutoff)
        k2, weight = k2[keep_rows, :keep_cols], weight[keep_rows, :keep_cols]
    log_k2, weight = np.log(k2).astype(np.float32), weight.astype(np.float32)
    log_k2.setflags(write=False)
    weight.setflags(write=False)
    return log_k2, weight


@functools.lru_cache(maxsize=64)
def _amplitude_filter(rows: int, cols: int, beta: float, cutoff: float | None = None) -> np.ndarray:
    """Amplitude filter ``k^(-beta/2)`` times the weight of :func:`_filter_geometry`.

    For a pure power law the pixel size only rescales the whole spectrum, which the
    normalisation to unit variance removes, so the filter is in cycles per pixel. Cached per
    (shape, beta, cutoff) and read-only; a new ``beta`` costs one ``exp`` over the half-plane.
    Shape ``(rows, cols // 2 + 1)`` without a cutoff; float32.
    """
    log_k2, weight = _filter_geometry(rows, cols, cutoff)
    amp = np.exp(log_k2 * np.float32(-beta / 4.0))  # |k|^(-beta/2)
    amp *= weight
    amp.setflags(write=False)
    return amp


@functools.lru_cache(maxsize=64)
def _cutoff_rows(rows: int, cutoff: float) -> np.ndarray:
    """Row indices of the rfft2 half-plane with ``|ky| <= cutoff`` (cycles per pixel)."""
    index = np.flatnonzero(np.abs(np.fft.fftfreq(rows)) <= cutoff)
    index.setflags(write=False)
    return index


def _cutoff_cols(cols: int, cutoff: float) -> int:
    return int(np.count_nonzero(np.fft.rfftfreq(cols) <= cutoff))


def _next_smooth(n: int) -> int:
    """Smallest integer >= n whose prime factors are 2, 3, 5 and 7 (fast pocketfft sizes)."""
    while True:
        m = n
        for p in (2, 3, 5, 7):
            while m % p == 0:
                m //= p
        if m == 1:
            return n
        n += 1


@functools.lru_cache(maxsize=64)
def _synthesis_shape(rows: int, cols: int, oversample: float) -> tuple[int, int]:
    if oversample == 1.0:
        return rows, cols
    return _next_smooth(math.ceil(rows * oversample)), _next_smooth(math.ceil(cols * oversample))


def power_law_field(
    shape: tuple[int, int],
    *,
    pixel_m: float,
    beta: float,
    rng: np.random.Generator,
    oversample: float = DEFAULT_OVERSAMPLE,
    cutoff_cyc_per_px: float | None = None,
) -> np.ndarray:
    """Zero-mean, unit-standard-deviation isotropic random field with ``P(k) ∝ k^-beta``.

    Spectral synthesis: circular complex white noise on the ``rfft2`` half-plane is multiplied
    by ``|k|^(-beta/2)`` (zero at ``k = 0``) and transformed back with ``irfft2``. The field is
    synthesised on a grid ``oversample`` times larger per axis (rounded up to a fast FFT size)
    and cropped, then its sample mean and standard deviation are set to exactly 0 and 1.

    Parameters
    ----------
    shape : (int, int)
        Output ``(rows, cols)``, each >= 2.
    pixel_m : float
        Pixel spacing in metres (> 0). A pure power law has no intrinsic scale, so the
        normalised field does not depend on it; it is validated and documents the grid.
    beta : float
        2-D spectral slope in [0, 8]; ``0`` is white noise, ``8/3`` thin-layer turbulence,
        ``11/3`` 3-D Kolmogorov turbulence, 3-4 topography.
    rng : numpy.random.Generator
        Source of randomness; the same generator state gives a bit-identical field.
    oversample : float, default ``DEFAULT_OVERSAMPLE``
        Synthesis grid size relative to ``shape`` (>= 1). ``1`` gives a periodic field.
    cutoff_cyc_per_px : float, optional
        If given, in (0, 0.5]: no power above this wavenumber (cycles per synthesis pixel), and
        only the Fourier coefficients below it are drawn. Random draws dominate the cost, so a
        cutoff of 0.25 makes steep fields about 3x cheaper; for ``beta = 3.5`` it removes under
        0.1 % of the variance (``beta = 8/3``: about 2 %, so not for turbulence).

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32, dimensionless, mean 0 and standard deviation 1.
    """
    rows, cols = _check_shape(shape)
    _check_positive("pixel_m", pixel_m)
    beta = _check_beta(beta)
    oversample = float(oversample)
    if not math.isfinite(oversample) or not 1.0 <= oversample <= 4.0:
        raise ValueError(f"oversample must lie in [1, 4], got {oversample!r}")
    _check_rng(rng)
    big_rows, big_cols = _synthesis_shape(rows, cols, oversample)
    if cutoff_cyc_per_px is None:
        amp = _amplitude_filter(big_rows, big_cols, beta)  # (R, C//2+1)
        white = rng.standard_normal((*amp.shape, 2), dtype=np.float32)
        spectrum = white.view(np.complex64)[..., 0]  # (R, C//2+1) complex64, no copy
        spectrum *= amp
    else:
        cutoff = float(cutoff_cyc_per_px)
        if not 0.0 < cutoff <= 0.5:
            raise ValueError(f"cutoff_cyc_per_px must lie in (0, 0.5], got {cutoff_cyc_per_px!r}")
        amp = _amplitude_filter(big_rows, big_cols, beta, cutoff)  # (r, c) block
        white = rng.standard_normal((*amp.shape, 2), dtype=np.float32)
        block = white.view(np.complex64)[..., 0]  # (r, c)
        block *= amp
        spectrum = np.zeros((big_rows, big_cols // 2 + 1), dtype=np.complex64)
        spectrum[_cutoff_rows(big_rows, cutoff), : amp.shape[1]] = block
    field = sp_fft.irfft2(spectrum, s=(big_rows, big_cols), overwrite_x=True)  # (R, C) float32
    field = field[:rows, :cols]
    field = field - field.mean()  # contiguous copy; float32 pairwise sum
    flat = field.ravel()
    # float32 BLAS dot: the relative error of the sum of squares is ~1e-7 at 224x224, and it is
    # several times faster than an upcast to float64 on the generator's hot path.
    mean_square = float(np.dot(flat, flat)) / flat.size
    if mean_square == 0.0:
        raise ValueError(f"shape {shape!r} is too small to carry a random field")
    field *= np.float32(1.0 / math.sqrt(mean_square))
    return field


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
    rms_m = _check_non_negative("rms_m", rms_m)
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


# ----------------------------------------------------------------------------- spectra


def _periodogram(field: np.ndarray, pixel_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Windowed periodogram on the ``rfft2`` half-plane, without ``k = 0``.

    The field's best-fitting plane is removed and a separable Hann window applied, so that the
    non-periodic edges of a real (or cropped) field do not leak a ``k^-2`` tail into steep
    spectra. Returns flat arrays ``k`` (cycles per metre) and ``power`` (arbitrary scale).
    """
    rows, cols = field.shape
    detrended = _remove_plane(field.astype(np.float64))
    window = np.hanning(rows + 2)[1:-1, None] * np.hanning(cols + 2)[None, 1:-1]  # (rows, cols)
    spec = np.fft.rfft2(detrended * window)  # (rows, cols//2+1)
    power = spec.real**2 + spec.imag**2
    ky = np.fft.fftfreq(rows, d=pixel_m)[:, None]
    kx = np.fft.rfftfreq(cols, d=pixel_m)[None, :]
    k = np.hypot(ky, kx)  # (rows, cols//2+1) cycles per metre
    k, power = k.ravel(), power.ravel()
    nonzero = k > 0
    return k[nonzero], power[nonzero]


def radial_power_spectrum(
    field: np.ndarray, *, pixel_m: float, n_bins: int = 24
) -> tuple[np.ndarray, np.ndarray]:
    """Radially averaged power spectrum of a 2-D field, in log-spaced wavenumber bins.

    Parameters
    ----------
    field : numpy.ndarray
        Shape ``(rows, cols)``, finite values, any unit ``u``.
    pixel_m : float
        Pixel spacing in metres (> 0).
    n_bins : int, default 24
        Number of log-spaced bins between the fundamental and the Nyquist wavenumber.

    Returns
    -------
    k_cyc_per_m : numpy.ndarray
        Shape ``(n,)``, float64, geometric bin centres in cycles per metre, increasing (empty
        bins dropped).
    power : numpy.ndarray
        Shape ``(n,)``, float64, mean Hann-windowed periodogram power per bin (arbitrary
        scale, ``u^2``).
    """
    field = _check_field(field)
    pixel_m = _check_positive("pixel_m", pixel_m)
    n_bins = int(n_bins)
    if n_bins < 2:
        raise ValueError(f"n_bins must be >= 2, got {n_bins!r}")
    k, power = _periodogram(field, pixel_m)
    edges = np.geomspace(1.0 / (max(field.shape) * pixel_m), 0.5 / pixel_m, n_bins + 1)
    which = np.digitize(k, edges) - 1  # bin index per coefficient
    inside = (which >= 0) & (which < n_bins)
    counts = np.bincount(which[inside], minlength=n_bins)
    sums = np.bincount(which[inside], weights=power[inside], minlength=n_bins)
    keep = counts > 0
    centres = np.sqrt(edges[:-1] * edges[1:])
    return centres[keep], sums[keep] / counts[keep]


def estimate_spectral_slope(
    field: np.ndarray,
    *,
    pixel_m: float,
    k_min: float | None = None,
    k_max: float | None = None,
) -> float:
    """Estimate ``beta`` of ``P(k) ∝ k^-beta`` by log-periodogram regression.

    Every Hann-windowed periodogram coefficient with ``k_min <= k <= k_max`` enters a
    least-squares line ``log P = c - beta * log k``. For a Gaussian field each coefficient is
    ``P(k)`` times an exponential variable, whose logarithm has a constant mean and variance,
    so the regression is unbiased and, unlike a fit to binned averages, uses all coefficients
    with equal weight.

    Parameters
    ----------
    field : numpy.ndarray
        Shape ``(rows, cols)``, finite values (fill no-data holes first), any unit.
    pixel_m : float
        Pixel spacing in metres (> 0).
    k_min, k_max : float, optional
        Wavenumber range of the fit in cycles per metre. Defaults: ``4 / (N * pixel_m)`` with
        ``N = max(rows, cols)`` (the window smears the lowest wavenumbers) and
        ``0.5 / pixel_m`` (the Nyquist wavenumber along the axes).

    Returns
    -------
    float
        The estimated slope ``beta`` (positive for a red spectrum).
    """
    field = _check_field(field)
    pixel_m = _check_positive("pixel_m", pixel_m)
    n = max(field.shape)
    k_min = 4.0 / (n * pixel_m) if k_min is None else _check_positive("k_min", k_min)
    k_max = 0.5 / pixel_m if k_max is None else _check_positive("k_max", k_max)
    if k_max <= k_min:
        raise ValueError(f"k_max ({k_max!r}) must be larger than k_min ({k_min!r})")
    k, power = _periodogram(field, pixel_m)
    use = (k >= k_min) & (k <= k_max) & (power > 0)
    if np.count_nonzero(use) < 8:
        raise ValueError(
            f"only {int(np.count_nonzero(use))} Fourier coefficients in [k_min, k_max] = "
            f"[{k_min:.3g}, {k_max:.3g}] cycles/m; widen the range or pass a larger field"
        )
    slope, _ = np.polyfit(np.log(k[use]), np.log(power[use]), 1)
    return float(-slope)


def _check_field(field) -> np.ndarray:
    field = np.asarray(field)
    if field.ndim != 2 or min(field.shape) < 4:
        raise ValueError(f"field must be a 2-D array of at least 4x4, got shape {field.shape}")
    if not np.issubdtype(field.dtype, np.number) or np.iscomplexobj(field):
        raise ValueError(f"field must hold real numbers, got dtype {field.dtype}")
    if not np.all(np.isfinite(field)):
        raise ValueError("field has NaN or inf values; fill no-data holes before the estimate")
    return field


def _remove_plane(field: np.ndarray) -> np.ndarray:
    """Subtract the least-squares plane ``a + b*row + c*col`` (float64)."""
    rows, cols = field.shape
    r = np.arange(rows, dtype=np.float64) - (rows - 1) / 2.0  # centred: the basis is orthogonal
    c = np.arange(cols, dtype=np.float64) - (cols - 1) / 2.0
    b = (r @ field.sum(axis=1)) / (cols * (r @ r))
    cc = (field.sum(axis=0) @ c) / (rows * (c @ c))
    return field - field.mean() - b * r[:, None] - cc * c[None, :]


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

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32, elevation in metres, ``min = base_m`` and
        ``max = base_m + relief_m``.
    """
    relief_m = _check_non_negative("relief_m", relief_m)
    base_m = _check_non_negative("base_m", base_m)
    field = power_law_field(
        shape,
        pixel_m=pixel_m,
        beta=beta,
        rng=rng,
        oversample=oversample,
        cutoff_cyc_per_px=cutoff_cyc_per_px,
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
    if shape is not None and tuple(dem.shape) != _check_shape(shape):
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
    rows, cols = _check_shape(shape)
    _check_rng(rng)
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
    rows, cols = _check_shape(shape)
    pixel_m = _check_positive("pixel_m", pixel_m)
    gradient = _check_non_negative("gradient_m_per_km", gradient_m_per_km)
    _check_rng(rng)
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
