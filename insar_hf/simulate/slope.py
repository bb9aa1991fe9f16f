"""Spectral slope of a field: radial power spectrum and log-periodogram regression.

The inverse of :func:`insar_hf.simulate.spectral.power_law_field`:
:func:`radial_power_spectrum` (a radially averaged, Hann-windowed periodogram) and
:func:`estimate_spectral_slope` (a log-periodogram regression for ``beta`` in ``P(k) ∝
k^-beta``), used by the round-trip tests and to compare simulated with real interferograms
(:mod:`insar_hf.simulate.realism`).  Wavenumbers are in cycles per metre.
"""

from __future__ import annotations

import numpy as np

from insar_hf.simulate.checks import check_positive

__all__ = ["estimate_spectral_slope", "radial_power_spectrum"]


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
