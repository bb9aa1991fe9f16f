"""Power-law random fields: spectral synthesis and spectral-slope estimation (pure NumPy).

* :func:`power_law_field` -- a zero-mean, unit-variance isotropic Gaussian random field with
  power spectrum ``P(k) ∝ k^-beta``, by spectral synthesis (filtered complex white noise on
  the ``rfft2`` half-plane, inverse FFT) on an oversampled grid that is cropped, so that
  opposite edges are not forced to match.  The turbulent delay and the fractal DEM of
  :mod:`insar_hf.simulate.atmosphere` and the coherence map of :mod:`insar_hf.simulate.noise`
  are all built on it.
* the inverse direction, a spectral slope measured from a field, is
  :mod:`insar_hf.simulate.slope`.

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
    "broken_filter",
    "unit_white",
    "upsample2",
    "power_law_field",
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


_SQRT12 = np.float32(math.sqrt(12.0))


def unit_white(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Zero-mean, unit-variance i.i.d. draws (float32): uniform on ``[-sqrt 3, sqrt 3)``.

    The Fourier coefficients of a field need not be Gaussian: each pixel of the synthesised
    field is a weighted sum of thousands of them, so it is Gaussian by the central limit theorem
    (the tests check the field's moments), and uniform draws cost about a quarter of
    ``standard_normal`` draws, the largest cost of the synthesis.
    """
    white = rng.random(shape, dtype=np.float32)
    white -= np.float32(0.5)
    white *= _SQRT12
    return white


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


def broken_filter(
    rows: int, cols: int, beta_long: float, beta_short: float, break_cyc_per_px: float
) -> np.ndarray:
    """Amplitude filter of a broken power law on the ``rfft2`` half-plane (float32, new array).

    ``sqrt(P(k))`` with ``P = k^-beta_long`` below ``k_b = break_cyc_per_px`` and
    ``k_b^(beta_short - beta_long) k^-beta_short`` above: for ``beta_short >= beta_long`` this is
    the pointwise minimum of the two scaled power laws, so one ``minimum`` joins two cached
    filters.  Shape ``(rows, cols // 2 + 1)``, weighted as :func:`_filter_geometry`.
    """
    k_b = float(break_cyc_per_px)
    if not math.isfinite(k_b) or k_b <= 0.0:
        raise ValueError(f"break_cyc_per_px must be > 0, got {break_cyc_per_px!r}")
    if beta_short < beta_long:
        raise ValueError(
            f"beta_short ({beta_short}) must be >= beta ({beta_long}): steeper at short scales"
        )
    long = _amplitude_filter(rows, cols, float(beta_long))
    short = _amplitude_filter(rows, cols, float(beta_short))
    scale = np.float32(k_b ** (0.5 * (beta_short - beta_long)))
    return np.minimum(long, short * scale)


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
    beta_short: float | None = None,
    break_cyc_per_px: float | None = None,
    half_resolution: bool = False,
) -> np.ndarray:
    """Zero-mean, unit-standard-deviation isotropic random field with ``P(k) ∝ k^-beta``.

    Spectral synthesis: complex white noise (:func:`unit_white`) on the ``rfft2`` half-plane is multiplied
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
    beta_short, break_cyc_per_px : float, optional
        A *broken* power law: ``P(k) ∝ k^-beta`` below the break wavenumber ``k_b`` (cycles per
        synthesis pixel) and ``k_b^(beta_short - beta) k^-beta_short`` above it (continuous at
        ``k_b``), e.g. atmospheric turbulence that is 3-D Kolmogorov (``11/3``) at scales under
        the tropospheric layer's thickness and flatter above (:mod:`insar_hf.simulate.atmosphere`).
        Both or neither; ``beta_short >= beta``.
    half_resolution : bool, default False
        Synthesise on a grid half as fine (pixels of ``2 pixel_m``; the cutoff and break, in
        cycles per pixel, doubled to stay at the same wavelengths) and interpolate bilinearly
        (:func:`upsample2`): wavelengths under 4 pixels lose their power, as in a multilooked
        product, and the field costs about a quarter as much.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32, dimensionless, mean 0 and standard deviation 1.
    """
    rows, cols = check_shape(shape)
    check_positive("pixel_m", pixel_m)
    if half_resolution:
        half = power_law_field(
            ((rows + 1) // 2, (cols + 1) // 2),
            pixel_m=2.0 * pixel_m,
            beta=beta,
            rng=rng,
            oversample=oversample,
            cutoff_cyc_per_px=None
            if cutoff_cyc_per_px is None
            else min(0.5, 2 * cutoff_cyc_per_px),
            beta_short=beta_short,
            break_cyc_per_px=None if break_cyc_per_px is None else 2.0 * break_cyc_per_px,
        )
        return _unit(upsample2(half)[:rows, :cols])
    beta = _check_beta(beta)
    oversample = float(oversample)
    if not math.isfinite(oversample) or not 1.0 <= oversample <= 4.0:
        raise ValueError(f"oversample must lie in [1, 4], got {oversample!r}")
    check_rng(rng)
    big_rows, big_cols = _synthesis_shape(rows, cols, oversample)
    if (beta_short is None) != (break_cyc_per_px is None):
        raise ValueError(
            "give both beta_short and break_cyc_per_px for a broken power law, or neither"
        )
    if beta_short is not None:
        if cutoff_cyc_per_px is not None:
            raise ValueError("a broken power law takes no cutoff_cyc_per_px")
        amp = broken_filter(big_rows, big_cols, beta, _check_beta(beta_short), break_cyc_per_px)
        white = unit_white(rng, (*amp.shape, 2))
        spectrum = white.view(np.complex64)[..., 0]
        spectrum *= amp
    elif cutoff_cyc_per_px is None:
        amp = _amplitude_filter(big_rows, big_cols, beta)  # (R, C//2+1)
        white = unit_white(rng, (*amp.shape, 2))
        spectrum = white.view(np.complex64)[..., 0]  # (R, C//2+1) complex64, no copy
        spectrum *= amp
    else:
        cutoff = float(cutoff_cyc_per_px)
        if not 0.0 < cutoff <= 0.5:
            raise ValueError(f"cutoff_cyc_per_px must lie in (0, 0.5], got {cutoff_cyc_per_px!r}")
        amp = _amplitude_filter(big_rows, big_cols, beta, cutoff)  # (r, c) block
        white = unit_white(rng, (*amp.shape, 2))
        block = white.view(np.complex64)[..., 0]  # (r, c)
        block *= amp
        spectrum = np.zeros((big_rows, big_cols // 2 + 1), dtype=np.complex64)
        spectrum[_cutoff_rows(big_rows, cutoff), : amp.shape[1]] = block
    field = sp_fft.irfft2(spectrum, s=(big_rows, big_cols), overwrite_x=True)  # (R, C) float32
    return _unit(field[:rows, :cols], shape)


def _unit(field: np.ndarray, shape=None) -> np.ndarray:
    """``field`` (a new contiguous float32 array) with sample mean 0 and standard deviation 1."""
    field = field - field.mean()  # contiguous copy; float32 pairwise sum
    flat = field.ravel()
    # float32 BLAS dot: the relative error of the sum of squares is ~1e-7 at 224x224, and it is
    # several times faster than an upcast to float64 on the generator's hot path.
    mean_square = float(np.dot(flat, flat)) / flat.size
    if mean_square == 0.0:
        raise ValueError(f"shape {shape or field.shape!r} is too small to carry a random field")
    field *= np.float32(1.0 / math.sqrt(mean_square))
    return field


def upsample2(field: np.ndarray) -> np.ndarray:
    """Bilinear 2x upsampling with pixel-centred grids (``scipy.ndimage.zoom(order=1,
    grid_mode=True, mode="nearest")``, about 10x faster): output pixel ``2i`` is
    ``0.75 f[i] + 0.25 f[i - 1]`` and ``2i + 1`` is ``0.75 f[i] + 0.25 f[i + 1]`` along each
    axis, edges repeated.  Shape ``(2 rows, 2 cols)``, float32.
    """
    f = np.asarray(field, dtype=np.float32)
    p = np.pad(f, 1, mode="edge")
    q = np.float32(0.25)
    t = np.float32(0.75)
    rows = np.empty((2 * f.shape[0], p.shape[1]), dtype=np.float32)
    rows[0::2] = t * p[1:-1] + q * p[:-2]
    rows[1::2] = t * p[1:-1] + q * p[2:]
    out = np.empty((rows.shape[0], 2 * f.shape[1]), dtype=np.float32)
    out[:, 0::2] = t * rows[:, 1:-1] + q * rows[:, :-2]
    out[:, 1::2] = t * rows[:, 1:-1] + q * rows[:, 2:]
    return out
