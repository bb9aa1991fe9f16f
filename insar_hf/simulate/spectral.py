"""Power-law random fields: spectral synthesis and spectral-slope estimation (pure NumPy).

* :func:`power_law_field` -- a zero-mean, unit-variance isotropic Gaussian random field with
  power spectrum ``P(k) ∝ k^-beta``, by spectral synthesis (filtered complex white noise on
  the ``rfft2`` half-plane, inverse FFT) on an oversampled grid that is cropped, so that
  opposite edges are not forced to match.  The turbulent delay and the fractal DEM of
  :mod:`insar_hf.simulate.atmosphere` and the coherence map of :mod:`insar_hf.simulate.noise`
  are all built on it.
* :func:`radial_power_spectrum` and :func:`estimate_spectral_slope` -- the inverse direction:
  a radially averaged, Hann-windowed periodogram and a log-periodogram regression for
  ``beta``, used by the round-trip tests and to compare simulated with real interferograms.

Wavenumbers are in cycles per pixel inside the synthesis and in cycles per metre in the
estimators.  Details and measured costs in ``docs/nuisance.md``.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from scipy import fft as sp_fft

from insar_hf.simulate.checks import check_positive, check_rng, check_shape

__all__ = [
    "DEFAULT_OVERSAMPLE",
    "estimate_spectral_slope",
    "power_law_field",
    "radial_power_spectrum",
]

DEFAULT_OVERSAMPLE = 1.5
"""Fields are synthesised on a grid this much larger (per axis) and cropped, so that opposite
edges of the output are not forced to match by the periodicity of the FFT. At 1.5 the
structure function between opposite edges is as large as between points half a scene apart
(no wrap-around); at 1.0 opposite edges of a beta = 8/3 field are near copies. Costs about
2x the time of a periodic field (measured figures in ``docs/nuisance.md``)."""


def _check_beta(beta: float) -> float:
    """``beta`` as a float in [0, 8] (white noise to far steeper than topography)."""
    beta = float(beta)
    if not math.isfinite(beta) or not 0.0 <= beta <= 8.0:
        raise ValueError(f"beta (spectral slope, P(k) ∝ k^-beta) must lie in [0, 8], got {beta!r}")
    return beta


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
    rows, cols = check_shape(shape)
    check_positive("pixel_m", pixel_m)
    beta = _check_beta(beta)
    oversample = float(oversample)
    if not math.isfinite(oversample) or not 1.0 <= oversample <= 4.0:
        raise ValueError(f"oversample must lie in [1, 4], got {oversample!r}")
    check_rng(rng)
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
    pixel_m = check_positive("pixel_m", pixel_m)
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
    pixel_m = check_positive("pixel_m", pixel_m)
    n = max(field.shape)
    k_min = 4.0 / (n * pixel_m) if k_min is None else check_positive("k_min", k_min)
    k_max = 0.5 / pixel_m if k_max is None else check_positive("k_max", k_max)
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
