"""Statistics that compare synthetic interferograms with real ones (pure NumPy / SciPy).

Each function measures one figure of issue 11's realism evidence on one scene or product; the
side-by-side report is ``benchmarks/realism.py`` and the results are in ``docs/generator.md``
("Realism").  Fields are ``(rows, cols)`` arrays with NaN (or any non-finite value) = no data.
Definitions:

* **RMS of LOS differences against lag** (:func:`los_difference_rms_m`): for a lag of ``n``
  pixels, every pair of pixels ``n`` apart along a row (``f[i, j + n] - f[i, j]``) and along a
  column (``f[i + n, j] - f[i, j]``) with both values finite, pooled, and
  ``sqrt(mean(difference^2))``: the square root of the structure function at lag ``n`` pixels,
  averaged over the two image axes.  A lag in metres becomes ``round(L / pixel_m)`` pixels
  (:func:`lag_px`); lags under 1 pixel or over half the window's shorter side are skipped (NaN
  in :func:`los_difference_rms_by_lag_m`).  For synthetic scenes the LOS is the product the
  model would see, ``unwrapped_rad * -wavelength / (4 pi)`` (:func:`los_from_unwrapped_m`,
  decorrelation noise included; NaN = no data).  The shape figure is the ratio of the RMS at
  6.4 km to that at 100 m, and, for every scene whatever its spacing, the scale-free ratio of
  the RMS at 64 px to that at 1 px.
* **Amplitude** (:func:`los_span_m`): the 99th minus the 1st percentile of the finite LOS
  values of a window (metres); :func:`has_nuisance_fringe` asks whether that span is at least
  half a wavelength, i.e. at least one ``2 pi`` fringe of phase.
* **Smoothness of a wrapped product** (:func:`neighbour_phase_difference_rad`): the median,
  over all pairs of horizontally and vertically adjacent pixels that are both finite (pooled),
  of ``|wrap(phi[i, j + 1] - phi[i, j])|`` (and ``|wrap(phi[i + 1, j] - phi[i, j])|``), with
  ``wrap`` into ``[-pi, pi)``; 0 for a constant phase, about ``pi / 2`` for random phase.
* **No data** (:func:`no_data_blobs`): the fraction of non-finite pixels and the connected
  areas they form (8-connectivity, ``scipy.ndimage.label``): their count and the median and
  largest size, as fractions of the window's pixels.
* **Spectral slope** (:func:`los_spectral_slope`): ``beta`` of ``P(k) ∝ k^-beta`` from
  :func:`~insar_hf.simulate.slope.estimate_spectral_slope` on the LOS after every no-data
  pixel is filled with the value of its nearest finite pixel (:func:`fill_nearest`, Euclidean
  distance; a flat fill would add a step at every hole's edge, i.e. a ``k^-2`` tail).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from insar_hf.physics.los import wrap_phase
from insar_hf.simulate.slope import estimate_spectral_slope

__all__ = [
    "LAGS_M",
    "NoDataBlobs",
    "fill_nearest",
    "has_nuisance_fringe",
    "lag_px",
    "los_difference_rms_by_lag_m",
    "los_difference_rms_m",
    "los_from_unwrapped_m",
    "los_span_m",
    "los_spectral_slope",
    "neighbour_phase_difference_rad",
    "no_data_blobs",
]

LAGS_M = (100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0, 6400.0)
"""Lags (m) of the structure-function table, 100 m to 6.4 km, doubling."""

_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


def _as_field(field, name: str) -> np.ndarray:
    """``field`` as a float64 2-D array with NaN for every non-finite value."""
    array = np.asarray(field, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (rows, cols) array, got shape {array.shape}")
    return np.where(np.isfinite(array), array, np.nan)


def los_from_unwrapped_m(unwrapped_rad, wavelength_m: float) -> np.ndarray:
    """LOS displacement-equivalent (m, positive = away) of an unwrapped phase (rad).

    ``los_m = unwrapped_rad * -wavelength_m / (4 pi)``, the inverse of
    ``phase_rad = -4 pi / wavelength_m * los_m`` (``docs/ARCHITECTURE.md``); NaN stays NaN.
    Shape ``(rows, cols)``, float64.
    """
    if not (math.isfinite(wavelength_m) and wavelength_m > 0):
        raise ValueError(f"wavelength_m must be a positive number of metres, got {wavelength_m!r}")
    return _as_field(unwrapped_rad, "unwrapped_rad") * (-wavelength_m / (4.0 * math.pi))


def lag_px(lag_m: float, pixel_m: float, size_px: int) -> int | None:
    """The lag in whole pixels, ``round(lag_m / pixel_m)`` (halves up), or None if skipped.

    A lag is skipped when it rounds to less than 1 pixel or exceeds ``size_px // 2`` (half of
    the window's shorter side, ``size_px``).
    """
    if not (pixel_m > 0 and lag_m > 0):
        raise ValueError(f"lag_m and pixel_m must be > 0, got {lag_m!r} and {pixel_m!r}")
    n = math.floor(lag_m / pixel_m + 0.5)
    return n if 1 <= n <= size_px // 2 else None


def los_difference_rms_m(los_m, lag: int) -> float:
    """RMS of LOS differences between pixels ``lag`` apart along rows and columns, pooled.

    Parameters
    ----------
    los_m : array_like
        Shape ``(rows, cols)``, metres (any unit: the result has the same); NaN = no data.
    lag : int
        Pixels, ``1 <= lag < max(rows, cols)``.

    Returns
    -------
    float
        ``sqrt(mean(d^2))`` over every finite difference ``d`` of the two axes together (unit of
        ``los_m``); NaN when no pair has two finite values.
    """
    field = _as_field(los_m, "los_m")
    lag = int(lag)
    if not 1 <= lag < max(field.shape):
        raise ValueError(f"lag must be between 1 and {max(field.shape) - 1} pixels, got {lag}")
    along_rows = field[:, lag:] - field[:, :-lag]  # (rows, cols - lag)
    along_cols = field[lag:, :] - field[:-lag, :]  # (rows - lag, cols)
    total, count = 0.0, 0
    for diff in (along_rows, along_cols):
        finite = diff[np.isfinite(diff)]
        total += float(np.sum(finite * finite))  # not BLAS dot: its threads stall on a busy host
        count += finite.size
    return math.sqrt(total / count) if count else math.nan


def los_difference_rms_by_lag_m(los_m, pixel_m: float, lags_m=LAGS_M) -> np.ndarray:
    """:func:`los_difference_rms_m` at each lag in metres, NaN where :func:`lag_px` skips it.

    Returns shape ``(len(lags_m),)``, float64, in the unit of ``los_m``.
    """
    field = _as_field(los_m, "los_m")
    size = min(field.shape)
    out = np.full(len(lags_m), np.nan)
    for i, lag_m in enumerate(lags_m):
        n = lag_px(lag_m, pixel_m, size)
        if n is not None:
            out[i] = los_difference_rms_m(field, n)
    return out


def los_span_m(los_m, low_pct: float = 1.0, high_pct: float = 99.0) -> float:
    """``high_pct``-th minus ``low_pct``-th percentile of the finite values (NaN if none).

    Percentiles by ``numpy.nanpercentile`` (linear interpolation between ranks).
    """
    field = _as_field(los_m, "los_m")
    if not np.isfinite(field).any():
        return math.nan
    low, high = np.nanpercentile(field, [low_pct, high_pct])
    return float(high - low)


def has_nuisance_fringe(los_m, wavelength_m: float) -> bool:
    """True when :func:`los_span_m` is at least ``wavelength_m / 2`` (one ``2 pi`` fringe)."""
    return bool(los_span_m(los_m) >= wavelength_m / 2.0)


def neighbour_phase_difference_rad(wrapped_rad) -> float:
    """Median ``|wrap(difference)|`` (rad) of adjacent finite pixels, both axes pooled.

    Parameters
    ----------
    wrapped_rad : array_like
        Shape ``(rows, cols)``, radians (wrapped or not: only differences modulo ``2 pi``
        count); NaN = no data.

    Returns
    -------
    float
        In ``[0, pi]``; NaN when no two adjacent pixels are finite.
    """
    phase = _as_field(wrapped_rad, "wrapped_rad")
    pairs = np.concatenate(
        [
            (phase[:, 1:] - phase[:, :-1]).ravel(),  # (rows * (cols - 1),)
            (phase[1:, :] - phase[:-1, :]).ravel(),  # ((rows - 1) * cols,)
        ]
    )
    pairs = pairs[np.isfinite(pairs)]
    if pairs.size == 0:
        return math.nan
    return float(np.median(np.abs(wrap_phase(pairs))))


@dataclass(frozen=True)
class NoDataBlobs:
    """No-data pixels of one window and the 8-connected areas they form.

    Attributes
    ----------
    fraction : float
        No-data pixels / all pixels.
    count : int
        Number of 8-connected no-data areas.
    median_size_fraction, largest_size_fraction : float
        Median and largest area size, as fractions of all pixels; NaN without any area.
    """

    fraction: float
    count: int
    median_size_fraction: float
    largest_size_fraction: float


def no_data_blobs(no_data) -> NoDataBlobs:
    """Fraction, count and sizes of the no-data areas of a boolean mask (True = no data)."""
    mask = np.asarray(no_data, dtype=bool)
    if mask.ndim != 2 or mask.size == 0:
        raise ValueError(f"no_data must be a non-empty 2-D boolean mask, got shape {mask.shape}")
    labels, count = ndimage.label(mask, structure=_EIGHT_CONNECTED)
    if count == 0:
        return NoDataBlobs(0.0, 0, math.nan, math.nan)
    sizes = np.bincount(labels.ravel())[1:] / mask.size  # (count,)
    return NoDataBlobs(
        fraction=float(mask.mean()),
        count=int(count),
        median_size_fraction=float(np.median(sizes)),
        largest_size_fraction=float(sizes.max()),
    )


def fill_nearest(field) -> np.ndarray:
    """Every non-finite pixel set to the value of its nearest finite pixel (Euclidean).

    Ties go to the pixel ``scipy.ndimage.distance_transform_edt`` returns.  Shape
    ``(rows, cols)``, float64.  Raises ``ValueError`` when no pixel is finite.
    """
    values = _as_field(field, "field")
    holes = np.isnan(values)
    if holes.all():
        raise ValueError("field has no finite pixel to fill its no-data holes from")
    if not holes.any():
        return values
    index = ndimage.distance_transform_edt(holes, return_distances=False, return_indices=True)
    return values[index[0], index[1]]


def los_spectral_slope(los_m, pixel_m: float) -> float:
    """``beta`` of the LOS after :func:`fill_nearest`, by ``estimate_spectral_slope``.

    Default fit range: ``4 / (N pixel_m)`` to the Nyquist wavenumber ``0.5 / pixel_m``.
    """
    return estimate_spectral_slope(fill_nearest(los_m), pixel_m=pixel_m)
