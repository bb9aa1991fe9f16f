"""What the ground and the processor make of the phase: land cover, water, frame edges,
masks of unwrapped products and unwrapping errors (pure NumPy).

Real products (COMET-LiCSAR, ASF HyP3, ISCE) differ from a clean simulation in ways a detector
must not learn to rely on:

* :func:`landcover_coherence` -- coherence with *land-cover* structure: a smooth field (soil
  moisture, slope) plus patches of low coherence with sharp edges (forest, crops, snow) whose
  share of the scene varies;
* :func:`filter_phase_rad` -- products are filtered (Goldstein & Werner 1998 in LiCSAR and
  HyP3) before they are wrapped or unwrapped, so their noise is smooth over a few pixels and
  the neighbour-to-neighbour phase difference of a coherent area is a few hundredths of a radian;
* decorrelated pixels of *wrapped* products keep their noisy phase (salt and pepper): only
  :func:`water_mask` (water bodies, the low ground of the DEM) and :func:`frame_edge_mask` (the
  edge of the radar frame, a straight cut at the track's angle) are NaN;
* *unwrapped* products are also NaN where the unwrapper masked low coherence, and some hold
  :func:`unwrapping_error_rad`: a region offset by a whole number of cycles behind a line
  (a phase jump of 2 pi along the line, as SNAPHU leaves across decorrelated bands).

Arrays are ``(rows, cols)``, row 0 north; positions in pixels, directions clockwise from north.

References
----------
Goldstein, R. M., Werner, C. L. (1998). Radar interferogram filtering for geophysical
applications. *Geophysical Research Letters* 25(21), 4035-4038.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from insar_hf.simulate.checks import check_positive, check_rng, check_shape
from insar_hf.simulate.noise import atan2_float32, logistic, solve_logistic_offset
from insar_hf.simulate.spectral import power_law_field
from insar_hf.simulate.topography import line_coordinates_m

__all__ = [
    "LANDCOVER_BETA",
    "filter_phase_pair_rad",
    "filter_phase_rad",
    "frame_edge_mask",
    "landcover_coherence",
    "unwrapping_error_rad",
    "water_mask",
]

LANDCOVER_BETA = 2.5
"""Spectral slope of the field whose low values are the low-coherence land-cover patches: rougher
than the smooth coherence field (``beta = 3``), so patches have ragged, field-like edges."""


def _fraction(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
    return value


def _lowest(values: np.ndarray, fraction: float) -> np.ndarray:
    """Boolean mask of the ``fraction`` of pixels with the lowest values (exact count)."""
    n = int(round(fraction * values.size))
    mask = np.zeros(values.shape, dtype=bool)
    if n <= 0:
        return mask
    if n >= values.size:
        mask[...] = True
        return mask
    flat = values.ravel()
    index = np.argpartition(flat, n - 1)[:n]
    mask.ravel()[index] = True
    return mask


def landcover_coherence(
    shape: tuple[int, int],
    *,
    pixel_m: float,
    mean_coherence: float,
    patch_fraction: float,
    rng: np.random.Generator,
    spread: float = 1.2,
    patch_drop: float = 3.0,
) -> np.ndarray:
    """Coherence ``sigmoid(a + spread f - drop [g in its lowest patch_fraction])``.

    ``f`` and ``g`` are unit power-law fields (slopes 3 and :data:`LANDCOVER_BETA`, wavelengths
    over 4 pixels); the patches where ``g`` is lowest (about ``patch_fraction`` of the pixels,
    the threshold being a subsample's quantile) lose ``patch_drop`` in logit (coherence
    0.8 falls to about 0.2), and the offset ``a`` is found by Newton's method so that the scene
    mean is ``mean_coherence`` (to 1e-4).

    Parameters
    ----------
    shape : (int, int)
        Output ``(rows, cols)``.
    pixel_m : float
        Pixel spacing in metres (> 0).
    mean_coherence : float
        Scene mean in (0, 1).
    patch_fraction : float
        Share of the scene in low-coherence patches, [0, 1].
    rng : numpy.random.Generator
        Draws ``f`` then ``g``.
    spread, patch_drop : float
        Standard deviation of the smooth logit and the patches' drop (>= 0).

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32 in [0, 1].
    """
    rows, cols = check_shape(shape)
    check_positive("pixel_m", pixel_m)
    mean = float(mean_coherence)
    if not 0.0 < mean < 1.0:
        raise ValueError(f"mean_coherence must lie strictly between 0 and 1, got {mean!r}")
    patch_fraction = _fraction("patch_fraction", patch_fraction)
    check_rng(rng)
    smooth, patches = (
        power_law_field(
            shape, pixel_m=pixel_m, beta=beta, rng=rng, oversample=1.0, cutoff_cyc_per_px=0.25
        )
        for beta in (3.0, LANDCOVER_BETA)
    )
    logit = smooth * np.float32(spread)
    if patch_fraction > 0:
        # The threshold from every other pixel of every other row: the patches' share is then
        # within about 2 % of patch_fraction, at a fraction of an exact partition's cost.
        threshold = np.quantile(patches[::2, ::2], patch_fraction)
        logit[patches <= threshold] -= np.float32(patch_drop)
    # Newton on the offset (the mean is monotonic and smooth in it), first on every 4th pixel of
    # every 4th row, then on the whole field from there: one or two full steps instead of 3-5.
    offset = solve_logistic_offset(logit[::4, ::4], mean, math.log(mean / (1.0 - mean)), 1e-3)
    offset = solve_logistic_offset(logit, mean, offset, 1e-4)
    return logistic(logit, offset)


def water_mask(dem_m: np.ndarray, fraction: float) -> np.ndarray:
    """The lowest ``fraction`` of the DEM as water (a sea, a lake, a river plain): bool.

    Water follows the ground, so a coastline rings a volcanic island and fills valleys.
    """
    dem = np.asarray(dem_m)
    if dem.ndim != 2:
        raise ValueError(f"dem_m must be 2-D, got shape {dem.shape}")
    return _lowest(dem, _fraction("fraction", fraction))


def frame_edge_mask(shape: tuple[int, int], *, azimuth_deg: float, fraction: float) -> np.ndarray:
    """The part of the grid beyond a straight frame edge of strike ``azimuth_deg``: bool.

    The edge runs at ``azimuth_deg`` (a track's heading, about 350 deg ascending or 190 deg
    descending for Sentinel-1, for a north or south edge add 90 deg); ``fraction`` of the pixels,
    on the side the azimuth's right hand points to, are cut off.
    """
    rows, cols = check_shape(shape)
    fraction = _fraction("fraction", fraction)
    # Distance (px) to the right of the edge direction, through the upper-left pixel.
    right, _ = line_coordinates_m((rows, cols), 1.0, 0.0, 0.0, azimuth_deg)
    return _lowest(-right, fraction)


def unwrapping_error_rad(
    shape: tuple[int, int],
    *,
    row_px: float,
    col_px: float,
    azimuth_deg: float,
    cycles: int,
) -> np.ndarray:
    """``2 pi cycles`` on the right of a line through ``(row_px, col_px)``, 0 elsewhere.

    Shape ``(rows, cols)``, float32 radians: add it to an unwrapped phase to leave a phase jump
    of a whole number of cycles along the line.
    """
    rows, cols = check_shape(shape)
    if int(cycles) != cycles:
        raise ValueError(f"cycles must be a whole number, got {cycles!r}")
    right, _ = line_coordinates_m((rows, cols), 1.0, row_px, col_px, azimuth_deg)
    return (right > 0).astype(np.float32) * np.float32(2.0 * math.pi * int(cycles))


def filter_phase_rad(
    phase_rad: np.ndarray, window_px: int, coherence: np.ndarray | None = None
) -> np.ndarray:
    """Complex boxcar filter of a phase, optionally adaptive to the coherence.

    Without ``coherence``: ``angle(B[exp(i phase)])``, ``B`` the mean over a ``window_px``
    square (edges reflected).  With it: ``angle((1 - g) exp(i phase) + g B[exp(i phase)])``,
    ``g`` the coherence, a stand-in for the *adaptive* filter of Goldstein & Werner (1998), which
    weights the local spectrum by its own magnitude: where the phase is coherent the spectrum
    has a peak and the filter smooths strongly; where it is decorrelated the spectrum is flat and
    the phase is left nearly as it was -- real filtered products keep their decorrelated areas as
    salt-and-pepper noise, not as smooth blobs.  ``window_px = 1`` returns a copy.

    Parameters
    ----------
    phase_rad : numpy.ndarray
        2-D phase in radians, finite.
    window_px : int
        Odd window side in pixels (>= 1).
    coherence : numpy.ndarray, optional
        Same shape, in [0, 1].

    Returns
    -------
    numpy.ndarray
        Same shape, float32 radians in ``[-pi, pi)``.
    """
    phase, window = _check_filter(phase_rad, window_px)
    if window == 1:
        return phase.copy()
    cos, sin, real, imag = _phasors(phase, window)
    if coherence is not None:
        real, imag = _adaptive(phase, coherence, cos, sin, real, imag)
    return atan2_float32(imag, real)


def filter_phase_pair_rad(
    phase_rad: np.ndarray, window_px: int, coherence: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(adaptive, full)``: :func:`filter_phase_rad` with and without ``coherence``, from one
    boxcar pass (what a scene needs for its wrapped and unwrapped products)."""
    phase, window = _check_filter(phase_rad, window_px)
    if window == 1:
        return phase.copy(), phase.copy()
    cos, sin, real, imag = _phasors(phase, window)
    real_a, imag_a = _adaptive(phase, coherence, cos, sin, real, imag)
    return atan2_float32(imag_a, real_a), atan2_float32(imag, real)


def _check_filter(phase_rad, window_px) -> tuple[np.ndarray, int]:
    window = int(window_px)
    if window < 1 or window % 2 == 0:
        raise ValueError(f"window_px must be an odd integer >= 1, got {window_px!r}")
    return np.asarray(phase_rad, dtype=np.float32), window


def _phasors(phase: np.ndarray, window: int):
    """``(cos, sin, boxcar cos, boxcar sin)`` of a phase, edges reflected."""
    cos, sin = np.cos(phase), np.sin(phase)
    real = ndimage.uniform_filter(cos, size=window, mode="reflect")
    imag = ndimage.uniform_filter(sin, size=window, mode="reflect")
    return cos, sin, real, imag


def _adaptive(phase, coherence, cos, sin, real, imag) -> tuple[np.ndarray, np.ndarray]:
    """``g B + (1 - g) z`` for both phasor components (new arrays), ``g`` the coherence."""
    g = np.asarray(coherence, dtype=np.float32)
    if g.shape != phase.shape:
        raise ValueError(f"coherence must have the phase's shape {phase.shape}, got {g.shape}")
    keep = np.float32(1.0) - g
    return g * real + keep * cos, g * imag + keep * sin
