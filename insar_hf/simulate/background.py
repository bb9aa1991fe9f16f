"""A real earthquake-free wrapped interferogram as a scene's nuisance: the *real background*.

A real interferogram of a place and time with no earthquake holds what no simulator quite
reproduces: real atmosphere (turbulent and topography-correlated), decorrelation from speckle
patches to pure noise, orbital ramps and masks.  A scene *on a real background* takes its
nuisance and decorrelation from one, and the deformation of the scene's source (an earthquake
for label 1; a volcanic source or nothing for label 0, :mod:`insar_hf.simulate.label`) is added to
its phase where the background is valid.  The steps, each a function here:

1. :func:`augment_background` (the background stream, ``SeedSequence`` child 3): a square
   sub-crop of side ``w`` (at least the scene's side, at most ``background_crop_max_px``;
   log-uniform), one of the 8 flips / 90-degree rotations, a sign and a constant phase offset:
   the transformations that leave a wrapped interferogram a physically possible one (the row
   direction and the sign convention of an 8-bit product are unknown anyway).  The crop is
   resampled to the scene's side by NaN-aware phasor averaging
   (:func:`insar_hf.render.resample_field`), so the deformation is drawn on the background's own
   grid: ``pixel_m = background.pixel_m * w / side``.
2. :func:`background_nuisance`: where the background is decorrelated (its pseudo-correlation,
   :func:`pseudo_correlation`, is under ``background_coherence_threshold``) and its least-squares
   unwrapped estimate (:func:`least_squares_unwrap`), against which the label rule judges an
   earthquake's visibility (:func:`insar_hf.simulate.label.signal_to_nuisance`), as it judges it
   against the simulated nuisance.
3. :func:`compose_on_background`: the deformation phase added on valid pixels (decorrelated
   ones stay noise, since uniform noise plus any phase is uniform noise), no data stays NaN, the near field of a surface rupture
   decorrelates, and the result is quantised to the background's own levels
   (:func:`quantise_phase`: 256 for the 8-bit products), so that both classes go through the
   same processing and "looks like an 8-bit product" never predicts the label.

This module knows no file format: a :class:`Background` is an array with its grid spacing, pass
and names; :mod:`insar_hf.backgrounds` reads, splits and serves them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import fft, ndimage

from insar_hf.physics import los as los_mod
from insar_hf.render import resample_field
from insar_hf.simulate.gradient import gradient_coherence

__all__ = [
    "PASS_DIRECTIONS",
    "Background",
    "BackgroundNuisance",
    "augment_background",
    "background_nuisance",
    "compose_on_background",
    "least_squares_unwrap",
    "pseudo_correlation",
    "quantise_phase",
]

PASS_DIRECTIONS = ("ascending", "descending", "")
"""``Background.pass_direction`` values; ``""`` when the product does not say."""

SCALE_STEP = 1.1
"""A crop less than this factor larger than the scene is cut to the scene's side instead of being
resampled: a 227-pixel background gives 224-pixel crops at its own spacing and texture."""

MIN_COHERENT_REGION_PX = 400
"""Smallest connected area (pixels, 4-connected; 20 x 20) of pseudo-correlation over the threshold
that counts as coherent, where fringes can be seen: pure noise passes a 0.5 threshold on about
0.2 % of its pixels (5 x 5 window) in specks of a few pixels, and speckled low coherence in thin
threads, neither of which shows an earthquake to an analyst."""


@dataclass(frozen=True)
class Background:
    """One real earthquake-free wrapped interferogram.

    Attributes
    ----------
    wrapped_rad : ndarray
        Shape ``(rows, cols)``, float32, radians in ``[-pi, pi]``; NaN = no data.
    pixel_m : float
        Ground spacing of its pixels, metres.
    pass_direction : {"ascending", "descending", ""}
        Orbit pass (sets the line of sight of the deformation added to it); ``""`` unknown.
    sensor : str
        Key of :data:`insar_hf.physics.los.SENSORS` (``"sentinel1"`` for the LiCSAR products):
        its wavelength and incidence range set the deformation's phase.
    levels : int
        Quantisation levels of the phase over ``[-pi, pi]`` (256 for 8-bit products; 0 = a float
        product, not quantised).
    name : str
        File name, recorded in every scene drawn on it.
    volcano : str
        The volcano (or place) it shows; ``""`` when unknown.
    group : str
        The unit of the train / validation / test split (volcanoes that share a frame).
    """

    wrapped_rad: np.ndarray
    pixel_m: float
    pass_direction: str = ""
    sensor: str = "sentinel1"
    levels: int = 256
    name: str = ""
    volcano: str = ""
    group: str = ""

    def __post_init__(self) -> None:
        phase = np.asarray(self.wrapped_rad)
        if phase.ndim != 2:
            raise ValueError(f"a background is a 2-D phase array, got shape {phase.shape}")
        if not (math.isfinite(self.pixel_m) and self.pixel_m > 0):
            raise ValueError(f"pixel_m must be > 0 metres, got {self.pixel_m}")
        if self.pass_direction not in PASS_DIRECTIONS:
            raise ValueError(
                f"pass_direction must be one of {PASS_DIRECTIONS}, got {self.pass_direction!r}"
            )
        if self.sensor not in los_mod.SENSORS:
            raise ValueError(
                f"sensor must be one of {sorted(los_mod.SENSORS)}, got {self.sensor!r}"
            )
        if not (isinstance(self.levels, int) and (self.levels == 0 or self.levels >= 2)):
            raise ValueError(f"levels must be 0 (not quantised) or >= 2, got {self.levels!r}")


@dataclass
class BackgroundNuisance:
    """What the scene's source and label rule need to know of an augmented background.

    Arrays have shape ``(side, side)``.
    """

    wrapped_rad: np.ndarray  # float32, NaN = no data
    no_data: np.ndarray  # bool
    coherence: np.ndarray  # float32 pseudo-correlation in [0, 1], 0 on no data
    coherent: np.ndarray  # bool: valid and pseudo-correlation >= the threshold
    unwrapped_rad: np.ndarray  # float32 least-squares estimate, NaN where not coherent


def quantise_phase(phase_rad: np.ndarray, levels: int) -> np.ndarray:
    """Wrapped phase on the grid of an ``levels``-level product: ``phi = g / (levels - 1) * 2 pi
    - pi`` (the 8-bit encoding of ``levels = 256``), with ``g = levels - 1`` (``+pi``) written as
    ``g = 0`` (``-pi``), the same phase, so that the result lies in ``[-pi, pi)`` and quantising
    it again changes nothing.

    ``levels = 0`` returns the phase wrapped to ``[-pi, pi)`` only.  NaN stays NaN.
    """
    wrapped = los_mod.wrap_phase(np.asarray(phase_rad, dtype=np.float64))
    if levels == 0:
        return wrapped.astype(np.float32)
    step = 2.0 * math.pi / (levels - 1)
    g = np.round((wrapped + math.pi) / step) % (levels - 1)  # g = levels - 1 is g = 0, one turn on
    return (g * step - math.pi).astype(np.float32)


def pseudo_correlation(wrapped_rad: np.ndarray, window_px: int) -> np.ndarray:
    """Phase-derived coherence: ``|mean of exp(i phi)|`` over a ``window_px`` square.

    The *pseudo-correlation* quality map of Ghiglia & Pritt (1998, *Two-Dimensional Phase
    Unwrapping*, Wiley, ch. 3), ``sqrt((sum cos)^2 + (sum sin)^2) / k^2``, with the mean taken
    over the window's valid pixels only.  About 1 for smooth fringes, ``sqrt(pi) / (2 window_px)`` on
    average for pure noise (0.18 for 5 x 5).

    Returns shape ``(rows, cols)`` float32 in ``[0, 1]``, 0 on no data.
    """
    phase = np.asarray(wrapped_rad, dtype=np.float64)
    valid = np.isfinite(phase)
    z = np.where(valid, np.exp(1j * np.where(valid, phase, 0.0)), 0.0)
    size = (window_px, window_px)
    count = ndimage.uniform_filter(valid.astype(np.float64), size, mode="constant")
    re = ndimage.uniform_filter(z.real, size, mode="constant")
    im = ndimage.uniform_filter(z.imag, size, mode="constant")
    with np.errstate(invalid="ignore", divide="ignore"):
        coh = np.hypot(re, im) / count
    coh = np.where(valid & (count > 0), np.clip(coh, 0.0, 1.0), 0.0)
    return coh.astype(np.float32)


def least_squares_unwrap(wrapped_rad: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Unweighted least-squares phase unwrapping by the discrete cosine transform.

    Solves the discrete Poisson equation of Ghiglia & Romero (1994, *J. Opt. Soc. Am. A* 11,
    107-117) for the phase whose gradients best match the wrapped differences of ``wrapped_rad``; the
    differences across a pixel that ``weights`` rejects (False) are set to 0, so noise and no data
    add no fringes.  Exact (up to a constant) for a smooth field whose differences are all under
    ``pi``; it underestimates a field with residues, which suits an estimate of the nuisance's
    span.

    Returns shape ``(rows, cols)`` float32 radians, mean 0 over ``weights``, NaN elsewhere.
    """
    phase = np.where(weights, np.asarray(wrapped_rad, dtype=np.float64), 0.0)
    rows, cols = phase.shape
    dx = np.zeros((rows, cols))
    dy = np.zeros((rows, cols))
    dx[:, :-1] = los_mod.wrap_phase(np.diff(phase, axis=1)) * (weights[:, 1:] & weights[:, :-1])
    dy[:-1, :] = los_mod.wrap_phase(np.diff(phase, axis=0)) * (weights[1:, :] & weights[:-1, :])
    rho = dx.copy()  # divergence of the wrapped gradient field
    rho[:, 1:] -= dx[:, :-1]
    rho += dy
    rho[1:, :] -= dy[:-1, :]
    rho_hat = fft.dctn(rho, type=2, norm="ortho")
    i = np.arange(rows)[:, None]
    j = np.arange(cols)[None, :]
    denom = 2.0 * (np.cos(np.pi * i / rows) + np.cos(np.pi * j / cols) - 2.0)  # (rows, cols)
    denom[0, 0] = 1.0
    phi_hat = rho_hat / denom
    phi_hat[0, 0] = 0.0
    unwrapped = fft.idctn(phi_hat, type=2, norm="ortho")
    if weights.any():
        unwrapped -= unwrapped[weights].mean()
    return np.where(weights, unwrapped, np.nan).astype(np.float32)


def augment_background(
    rng: np.random.Generator, background: Background, side_px: int, crop_max_px: int
) -> tuple[np.ndarray, float, dict]:
    """A randomly transformed square crop of ``background`` resampled to ``side_px``.

    Draws, in this order: the crop side ``w`` (log-uniform in ``[side_px, min(rows, cols,
    crop_max_px)]``, integer; ``side_px`` when under :data:`SCALE_STEP` times it, so that the
    crop is used as is), its top-left corner, a rotation by ``k`` quarter turns, a flip of
    the rows, a sign and a constant offset uniform in ``[-pi, pi)``.

    Returns
    -------
    phase_rad : ndarray
        Shape ``(side_px, side_px)``, float32, wrapped to ``[-pi, pi)``, NaN = no data.
    pixel_m : float
        Ground spacing of the output's pixels: ``background.pixel_m * w / side_px``.
    transform : dict
        ``crop_px`` (w), ``row0``, ``col0``, ``rot90``, ``flip``, ``sign``, ``offset_rad``.
    """
    phase = np.asarray(background.wrapped_rad, dtype=np.float32)
    rows, cols = phase.shape
    largest = min(rows, cols, crop_max_px)
    if largest < side_px:
        raise ValueError(
            f"background {background.name or '(array)'} is {rows} x {cols} pixels, smaller than "
            f"the scene's {side_px} x {side_px}; use backgrounds of at least the scene's side"
        )
    w = int(round(math.exp(rng.uniform(math.log(side_px), math.log(largest)))))
    w = min(max(w, side_px), largest)
    if w < SCALE_STEP * side_px:  # too small a change of scale to be worth a resampling
        w = side_px
    row0 = int(rng.integers(0, rows - w + 1))
    col0 = int(rng.integers(0, cols - w + 1))
    k = int(rng.integers(0, 4))
    flip = bool(rng.random() < 0.5)
    sign = 1.0 if rng.random() < 0.5 else -1.0
    offset = float(rng.uniform(-math.pi, math.pi))
    crop = np.rot90(phase[row0 : row0 + w, col0 : col0 + w], k)
    if flip:
        crop = crop[::-1]
    if w == side_px:
        field = crop.astype(np.float64)
    else:
        field = resample_field(np.ascontiguousarray(crop), "wrapped", size=side_px)
    out = los_mod.wrap_phase(sign * field + offset).astype(np.float32)
    transform = {
        "crop_px": w,
        "row0": row0,
        "col0": col0,
        "rot90": k,
        "flip": flip,
        "sign": int(sign),
        "offset_rad": offset,
    }
    return out, background.pixel_m * w / side_px, transform


def background_nuisance(
    phase_rad: np.ndarray, *, window_px: int, threshold: float
) -> BackgroundNuisance:
    """No data, pseudo-correlation, coherent pixels and the unwrapped nuisance estimate of an
    augmented background (``(side, side)`` float32 radians, NaN = no data).

    Coherent pixels are valid pixels whose pseudo-correlation reaches ``threshold``, in
    connected areas of at least :data:`MIN_COHERENT_REGION_PX` pixels.
    """
    phase = np.asarray(phase_rad, dtype=np.float32)
    no_data = ~np.isfinite(phase)
    coherence = pseudo_correlation(phase, window_px)
    coherent = ~no_data & (coherence >= np.float32(threshold))
    regions, count = ndimage.label(coherent)
    if count:
        sizes = np.bincount(regions.ravel(), minlength=count + 1)
        keep = sizes >= MIN_COHERENT_REGION_PX
        keep[0] = False
        coherent = keep[regions]
    unwrapped = least_squares_unwrap(phase, coherent)
    return BackgroundNuisance(phase, no_data, coherence, coherent, unwrapped)


def compose_on_background(
    nuisance: BackgroundNuisance,
    deformation_rad: np.ndarray,
    near_field: np.ndarray | None,
    rng: np.random.Generator,
    levels: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The wrapped product of a scene on a real background, and its coherence.

    ``deformation_rad`` (the source's phase, ``-4 pi / wavelength * los``) is added on every valid
    pixel, as it is in nature: a decorrelated pixel stays noise (uniform phase plus any phase is
    uniform phase), a partly coherent one shows the signal through its noise, and no data stays
    NaN.  A pixel keeps its phase with probability ``(1 - near_field) * gradient_coherence``
    (a surface rupture's near field, ``near_field`` in ``[0, 1]``, and fringes near one per pixel,
    :func:`~insar_hf.simulate.gradient.gradient_coherence`) and is uniform noise otherwise; its
    coherence is scaled alike, as in the simulated scenes.  The result is quantised to ``levels``
    (:func:`quantise_phase`) for every class alike.

    Returns ``(wrapped_rad, coherence)``: shape ``(side, side)``, float32.
    """
    phase = nuisance.wrapped_rad.astype(np.float64) + deformation_rad  # NaN stays NaN
    kept = gradient_coherence(deformation_rad)  # (side, side): dense fringes decorrelate
    if near_field is not None:
        kept = kept * (np.float32(1.0) - near_field)
    if (kept < 1).any():
        noise = rng.uniform(-math.pi, math.pi, size=phase.shape)
        hit = rng.random(size=phase.shape) >= kept
        phase = np.where(hit & ~nuisance.no_data, noise, phase)
    coherence = nuisance.coherence * kept
    wrapped = quantise_phase(phase, levels)
    wrapped[nuisance.no_data] = np.nan
    return wrapped, coherence.astype(np.float32)
