"""Decorrelation: coherence maps, interferometric phase noise and no-data masks (pure NumPy).

* :func:`coherence_map` -- a smooth, spatially varying coherence in (0, 1): the logistic
  transform of a power-law random field, shifted so that its scene mean is the requested one.
  A wide logistic spread makes the distribution bimodal, with coherent areas and
  low-coherence patches (vegetation, water, steep slopes), as in real coherence maps.
* :func:`decorrelation_noise_rad` -- phase noise with exactly the multi-look interferometric
  phase distribution for a given coherence and number of looks (:func:`phase_pdf`; Lee et
  al. 1994, Tough et al. 1995; single look: Just & Bamler 1994, Hanssen 2001 §4.2).
* :func:`no_data_mask` -- where a product would leave no data (low coherence), as real
  products mask pixels below a coherence threshold.

References
----------
Just, D., Bamler, R. (1994). Phase statistics of interferograms with applications to
synthetic aperture radar. *Applied Optics* 33(20), 4361-4368.
Lee, J.-S., Hoppel, K. W., Mango, S. A., Miller, A. R. (1994). Intensity and phase
statistics of multilook polarimetric and interferometric SAR imagery. *IEEE TGRS* 32(5),
1017-1028.
Tough, R. J. A., Blacknell, D., Quegan, S. (1995). A statistical description of polarimetric
and interferometric synthetic aperture radar data. *Proc. R. Soc. A* 449, 567-589.
Hanssen, R. F. (2001). *Radar Interferometry: Data Interpretation and Error Analysis*.
Kluwer, Dordrecht. Section 4.2.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import gammaln, hyp2f1

from insar_hf.simulate.checks import check_positive, check_rng
from insar_hf.simulate.spectral import power_law_field

__all__ = [
    "DEFAULT_COHERENCE_BETA",
    "DEFAULT_COHERENCE_CUTOFF",
    "DEFAULT_COHERENCE_SPREAD",
    "apply_no_data",
    "atan2_float32",
    "coherence_map",
    "cramer_rao_phase_std_rad",
    "decorrelation_noise_rad",
    "logistic",
    "no_data_mask",
    "phase_noise_rad",
    "phase_pdf",
    "solve_logistic_offset",
]

DEFAULT_COHERENCE_BETA = 3.0
"""Spectral slope of the field behind the coherence map: patches from pixels to the scene."""

DEFAULT_COHERENCE_CUTOFF = 0.25
"""Wavenumber cutoff (cycles per pixel) of the coherence field: wavelengths under 4 pixels hold
about 0.6 % of the variance at ``beta = 3``; pixel-scale texture comes from the phase noise."""

DEFAULT_COHERENCE_SPREAD = 2.0
"""Standard deviation of the logit of coherence; above ~1.8 the distribution is bimodal."""


def _check_coherence(coherence, *, allow_nan: bool = False) -> np.ndarray:
    coh = np.asarray(coherence)
    if coh.ndim == 0:
        raise ValueError("coherence must be an array, got a scalar; wrap it with np.full(shape, g)")
    if not np.issubdtype(coh.dtype, np.floating) and not np.issubdtype(coh.dtype, np.integer):
        raise ValueError(f"coherence must hold real numbers in [0, 1], got dtype {coh.dtype}")
    finite = np.isfinite(coh)
    if not allow_nan and not finite.all():
        raise ValueError(
            f"coherence has {int(np.count_nonzero(~finite))} NaN/inf values; it must lie in [0, 1]"
        )
    with np.errstate(invalid="ignore"):
        outside = finite & ((coh < 0) | (coh > 1))
    if outside.any():
        lo, hi = float(np.min(coh[finite])), float(np.max(coh[finite]))
        raise ValueError(f"coherence must lie in [0, 1], got values in [{lo:.4g}, {hi:.4g}]")
    return coh


def coherence_map(
    shape: tuple[int, int],
    *,
    pixel_m: float,
    mean_coherence: float,
    rng: np.random.Generator,
    spread: float = DEFAULT_COHERENCE_SPREAD,
    beta: float = DEFAULT_COHERENCE_BETA,
    oversample: float = 1.0,
    cutoff_cyc_per_px: float | None = DEFAULT_COHERENCE_CUTOFF,
) -> np.ndarray:
    """Smooth, spatially varying coherence with a given scene mean.

    ``coherence = 1 / (1 + exp(-(a + spread * f)))`` where ``f`` is a unit power-law field
    (:func:`insar_hf.simulate.spectral.power_law_field`) and the offset ``a`` is found by
    Newton's method so that the scene mean equals ``mean_coherence`` (to 1e-5).

    Parameters
    ----------
    shape : (int, int)
        Output ``(rows, cols)``.
    pixel_m : float
        Pixel spacing in metres (> 0); the scale-free field does not depend on it.
    mean_coherence : float
        Scene-mean coherence in (0, 1). Sentinel-1 6-12 day pairs: about 0.3 (vegetated) to
        0.8 (arid).
    rng : numpy.random.Generator
        Source of randomness.
    spread : float, default 2.0
        Standard deviation of the logit of coherence (>= 0); 0 gives a uniform map, larger
        values more and sharper low-coherence patches.
    beta : float, default 3.0
        Spectral slope of the underlying field; larger is smoother.
    oversample : float, default 1.0
        See :func:`insar_hf.simulate.spectral.power_law_field`; a periodic coherence map is
        harmless.
    cutoff_cyc_per_px : float or None, default 0.25
        See :func:`insar_hf.simulate.spectral.power_law_field`; None keeps all wavenumbers.

    Returns
    -------
    numpy.ndarray
        Shape ``(rows, cols)``, float32, values in [0, 1] (dimensionless).
    """
    mean_coherence = float(mean_coherence)
    if not 0.0 < mean_coherence < 1.0:
        raise ValueError(
            f"mean_coherence must lie strictly between 0 and 1, got {mean_coherence!r}"
        )
    spread = float(spread)
    if not math.isfinite(spread) or not 0.0 <= spread <= 10.0:
        raise ValueError(f"spread (std of logit coherence) must lie in [0, 10], got {spread!r}")
    field = power_law_field(
        shape,
        pixel_m=pixel_m,
        beta=beta,
        rng=rng,
        oversample=oversample,
        cutoff_cyc_per_px=cutoff_cyc_per_px,
    )
    field *= np.float32(spread)  # logit(coherence) - offset, (rows, cols)
    offset = math.log(mean_coherence / (1.0 - mean_coherence))
    offset = solve_logistic_offset(field, mean_coherence, offset, 1e-5)
    return logistic(field, offset, out=field)


def solve_logistic_offset(logit: np.ndarray, mean: float, offset: float, tolerance: float) -> float:
    """The offset ``a`` with ``mean(logistic(logit, a)) = mean`` to ``tolerance``, by Newton.

    The mean is monotonic and smooth in ``a``: 3-5 steps from ``log(mean / (1 - mean))``, fewer
    from a good start; at most 30.
    """
    buf = np.empty_like(logit)
    for _ in range(30):
        coh = logistic(logit, offset, out=buf)
        error = float(coh.mean()) - mean
        if abs(error) < tolerance:
            break
        slope = float(np.mean(coh * (1.0 - coh)))  # d mean / d offset
        offset -= error / max(slope, 1e-6)
    return offset


def logistic(x: np.ndarray, offset: float, *, out: np.ndarray | None = None) -> np.ndarray:
    """``1 / (1 + exp(-(x + offset)))`` in float32, overflow-safe, written into ``out`` (a new
    array when None)."""
    if out is None:
        out = np.empty(np.shape(x), dtype=np.float32)
    np.add(x, np.float32(offset), out=out)
    np.negative(out, out=out)
    np.clip(out, -80.0, 80.0, out=out)  # exp stays finite in float32
    np.exp(out, out=out)
    out += np.float32(1.0)
    np.reciprocal(out, out=out)
    return out


def decorrelation_noise_rad(coherence, *, looks: float, rng: np.random.Generator) -> np.ndarray:
    """Interferometric phase noise for a coherence map and a number of looks (exact).

    Draws from the exact ``L``-look phase distribution (:func:`phase_pdf`). The ``L``-look
    interferogram of a circular Gaussian pair with correlation ``g`` is
    ``sum_l z1_l conj(z2_l) = g S + sqrt(1 - g^2) sqrt(S) c``, where ``S = sum_l |z1_l|^2`` is
    Gamma(L, 1) and ``c`` an independent unit circular Gaussian (conditional on the first
    channel, the cross term is Gaussian with variance ``S``). Writing ``c = sqrt(E) e^(i t)``
    with ``E ~ Exp(1)``, ``t ~ U(0, 2 pi)``, the phase is
    ``angle(g + sqrt(1 - g^2) sqrt(E / S) e^(i t))``, and ``B = S / (S + E)`` is Beta(L, 1),
    i.e. ``B = U^(1/L)`` for a uniform ``U``. Two uniforms per pixel and no gamma or normal
    variates: exact for any real ``L >= 1`` (an effective number of looks), and several times
    cheaper than averaging ``L`` simulated looks.

    Parameters
    ----------
    coherence : array_like
        Coherence magnitude in [0, 1], any shape, finite.
    looks : float
        Number of independent looks averaged (>= 1).
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    numpy.ndarray
        Shape of ``coherence``, float32, phase in radians in ``[-pi, pi)``, symmetric about 0
        (uniform where coherence is 0).
    """
    coh = _check_coherence(coherence).astype(np.float32, copy=False)
    check_rng(rng)
    u = rng.random((2, *coh.shape), dtype=np.float32)  # 2 * (rows, cols) in [0, 1)
    return phase_noise_rad(coh, looks=looks, uniforms=u)


def phase_noise_rad(coherence, *, looks: float, uniforms: np.ndarray) -> np.ndarray:
    """:func:`decorrelation_noise_rad` from given uniforms (overwritten), for drawing the
    uniforms before the coherence is final (a scene's rupture decorrelates its near field
    after the nuisance stream has drawn them).

    Parameters
    ----------
    coherence : array_like
        Coherence in [0, 1], shape ``S``.
    looks : float
        Number of looks (>= 1).
    uniforms : numpy.ndarray
        Shape ``(2, *S)``, float32 in [0, 1); used as scratch space.

    Returns
    -------
    numpy.ndarray
        Shape ``S``, float32 radians in ``[-pi, pi)``.
    """
    coh = _check_coherence(coherence).astype(np.float32, copy=False)
    looks = check_positive("looks", looks)
    if looks < 1.0:
        raise ValueError(f"looks must be >= 1, got {looks!r}")
    u = uniforms
    if u.dtype != np.float32 or u.shape != (2, *coh.shape):
        raise ValueError(
            f"uniforms must be float32 of shape {(2, *coh.shape)}, got {u.dtype} {u.shape}"
        )
    ratio = u[0]
    np.subtract(np.float32(1.0), ratio, out=ratio)  # U in (0, 1]
    np.log(ratio, out=ratio)
    ratio *= np.float32(-1.0 / looks)
    np.exp(ratio, out=ratio)  # 1 / B = U^(-1/L)
    ratio -= np.float32(1.0)  # E / S = 1/B - 1 >= 0
    np.sqrt(ratio, out=ratio)
    ratio *= np.sqrt(np.float32(1.0) - coh * coh)  # radius of the noise term
    angle = u[1]
    angle *= np.float32(2.0 * np.pi)
    real = np.cos(angle)
    real *= ratio
    real += coh
    imag = np.sin(angle, out=angle)
    imag *= ratio
    return atan2_float32(imag, real)


# atan(r) = r * P(r^2) on [0, 1]: Chebyshev interpolant of degree 7, max error 1.2e-7 rad in
# float32 (checked in the tests against numpy.arctan2, which is not vectorised on most CPUs
# and was the most expensive step here).
_ATAN_COEF = tuple(
    float(c)
    for c in np.polynomial.Chebyshev.interpolate(
        lambda s: np.where(s > 0, np.arctan(np.sqrt(s)) / np.sqrt(np.where(s > 0, s, 1.0)), 1.0),
        7,
        domain=[0.0, 1.0],
    )
    .convert(kind=np.polynomial.Polynomial)
    .coef[::-1]
)


def atan2_float32(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``arctan2(y, x)`` in float32 to 4e-7 rad, mapped into ``[-pi, pi)``; overwrites ``y``.

    Written with in-place ufuncs: temporaries of a 224x224 float32 grid are above the
    allocator's mmap threshold, so every avoided temporary saves page faults.
    """
    ax = np.abs(x)
    r = np.abs(y)
    swap = r > ax  # octant: |y| > |x|
    big = np.maximum(ax, r)
    np.minimum(ax, r, out=r)
    big[big == 0] = np.float32(1.0)  # x = y = 0 -> angle 0, as numpy
    r /= big  # min / max in [0, 1]
    s = np.multiply(r, r, out=ax)
    acc = big
    acc.fill(_ATAN_COEF[0])
    for c in _ATAN_COEF[1:]:  # Horner in r^2
        acc *= s
        acc += np.float32(c)
    acc *= r  # atan(min / max) in [0, pi/4]
    tmp = np.multiply(acc, np.float32(-2.0), out=r)
    tmp += np.float32(np.pi / 2)
    tmp *= swap
    acc += tmp  # pi/2 - a where |y| > |x|
    np.multiply(acc, np.float32(-2.0), out=tmp)
    tmp += np.float32(np.pi)
    tmp *= x < 0
    acc += tmp  # pi - a in the left half-plane
    np.copysign(acc, y, out=acc)
    acc[acc >= np.float32(np.pi)] = -np.float32(np.pi)
    return acc


def cramer_rao_phase_std_rad(coherence, *, looks: float) -> np.ndarray:
    """Cramér-Rao bound of the interferometric phase standard deviation (radians).

    ``sigma = sqrt((1 - g^2) / (2 L g^2))`` (Rodriguez & Martin 1992; Hanssen 2001, §4.2):
    the large-``L`` standard deviation of the phase, infinite at ``g = 0``.

    Parameters
    ----------
    coherence : array_like
        Coherence in [0, 1], any shape.
    looks : float
        Number of looks (>= 1).

    Returns
    -------
    numpy.ndarray
        Shape of ``coherence``, float64, radians.
    """
    coh = _check_coherence(np.atleast_1d(coherence)).astype(np.float64)
    looks = check_positive("looks", looks)
    with np.errstate(divide="ignore"):
        return np.sqrt((1.0 - coh**2) / (2.0 * looks * coh**2)).reshape(np.shape(coherence))


def phase_pdf(phase_rad, *, coherence: float, looks: int) -> np.ndarray:
    """Probability density of the ``L``-look interferometric phase (zero expected phase).

    Lee et al. (1994), Tough et al. (1995), with ``b = g cos(phi)``::

        p(phi) = Gamma(L + 1/2) (1 - g^2)^L b / (2 sqrt(pi) Gamma(L) (1 - b^2)^(L + 1/2))
                 + (1 - g^2)^L / (2 pi) * 2F1(L, 1; 1/2; b^2)

    For ``L = 1`` this is Just & Bamler's (1994) single-look density.

    Parameters
    ----------
    phase_rad : array_like
        Phase in radians, any shape (the density is 2-pi periodic).
    coherence : float
        Coherence magnitude ``g`` in [0, 1).
    looks : int
        Number of looks ``L`` (>= 1); non-integer values are accepted.

    Returns
    -------
    numpy.ndarray
        Density in 1/rad, float64, shape of ``phase_rad``; integrates to 1 over a 2-pi period.
    """
    g = float(coherence)
    if not 0.0 <= g < 1.0:
        raise ValueError(f"coherence must lie in [0, 1) for the phase density, got {coherence!r}")
    looks = check_positive("looks", looks)
    if looks < 1.0:
        raise ValueError(f"looks must be >= 1, got {looks!r}")
    b = g * np.cos(np.asarray(phase_rad, dtype=np.float64))
    one_minus = (1.0 - g * g) ** looks
    lead = math.exp(gammaln(looks + 0.5) - gammaln(looks)) / (2.0 * math.sqrt(math.pi))
    return one_minus * (
        lead * b / (1.0 - b * b) ** (looks + 0.5) + hyp2f1(looks, 1.0, 0.5, b * b) / (2.0 * math.pi)
    )


def no_data_mask(coherence, *, threshold: float) -> np.ndarray:
    """Pixels a product would leave empty: coherence below ``threshold`` (or NaN).

    Parameters
    ----------
    coherence : array_like
        Coherence in [0, 1], any shape; NaN counts as no data.
    threshold : float
        Minimum usable coherence in [0, 1] (e.g. 0.1-0.3); 0 masks only NaN.

    Returns
    -------
    numpy.ndarray
        Shape of ``coherence``, bool, True where there is no data.
    """
    coh = _check_coherence(coherence, allow_nan=True)
    threshold = float(threshold)
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold!r}")
    with np.errstate(invalid="ignore"):
        return ~(coh >= threshold)  # NaN compares False, so NaN -> True


def apply_no_data(field, mask) -> np.ndarray:
    """Copy of ``field`` as float32 with NaN where ``mask`` is True.

    Parameters
    ----------
    field : array_like
        Any real field, shape ``(rows, cols)`` (or any shape).
    mask : array_like of bool
        Same shape as ``field``; True = no data.

    Returns
    -------
    numpy.ndarray
        float32, shape of ``field``.
    """
    out = np.array(field, dtype=np.float32)
    mask = np.asarray(mask)
    if mask.dtype != np.bool_ or mask.shape != out.shape:
        raise ValueError(
            f"mask must be a bool array of the field's shape {out.shape}, "
            f"got {mask.dtype} {mask.shape}"
        )
    out[mask] = np.nan
    return out
