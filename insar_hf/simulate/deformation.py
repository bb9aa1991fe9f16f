"""The deformation sources of a scene: an earthquake, or a look-alike that is not one.

* :func:`deformation_footprint_m` -- the expected side of an earthquake's surface deformation
  (Wells & Coppersmith 1994 rupture length plus two depths), the scale that chooses the image
  window in ``pixel_spacing_mode = "magnitude"``.
* :func:`draw_mw` -- a moment magnitude, uniform or truncated Gutenberg-Richter.
* :func:`draw_earthquake` -- mechanism, angles, rupture (:mod:`insar_hf.physics.scaling`), top
  depth, segments and tapered slip (:mod:`insar_hf.simulate.rupture`) and epicentre, the
  Okada (1985) LOS displacement of all patches on one adaptive grid
  (:mod:`insar_hf.simulate.grid`), and the near field of a surface rupture.
* :func:`draw_hard_negative` -- a Mogi source, subsidence bowl, dyke or sill
  (:mod:`insar_hf.simulate.volcanic`), placed like an epicentre.

Each draws from the scene's source stream in a fixed order; the distributions are fields of
:class:`~insar_hf.simulate.config.SceneConfig`, the label rule and the redraws of an invisible
earthquake are in :mod:`insar_hf.simulate.scene`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from insar_hf.physics import scaling
from insar_hf.physics.rectangles import rectangles_displacement
from insar_hf.simulate.grid import GridSource, sources_los_on_grid
from insar_hf.simulate.rupture import draw_segmented_rupture, near_field_band
from insar_hf.simulate.seeds import choose, log_uniform
from insar_hf.simulate.volcanic import draw_nonseismic_source

if TYPE_CHECKING:
    from insar_hf.simulate.config import SceneConfig

__all__ = [
    "deformation_footprint_m",
    "draw_earthquake",
    "draw_hard_negative",
    "draw_mw",
    "rupture_displacement",
]


SMOOTH_NODES = 2.0
"""Coarse node spacings a rupture's top must lie below for its surface field to be smooth at
the node scale (its features are about one depth wide), so that no pixel exceeds a few times
the largest node value: the condition of ``draw_earthquake(give_up_below_m=...)``."""


def rupture_displacement(x_m, y_m, *, rectangles) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """East, north, up (m) of each of a rupture's rectangles (placed in the image frame): the
    ``func`` of the rupture's stacked :class:`~insar_hf.simulate.grid.GridSource`.

    Shape ``(rectangles, *points)``, float32 per rectangle as
    :func:`~insar_hf.physics.okada.okada_surface_displacement` returns it, so that the field is
    the one a source per rectangle gave.
    """
    e, n, u = rectangles_displacement(x_m, y_m, rectangles, summed=False)
    return e.astype(np.float32), n.astype(np.float32), u.astype(np.float32)


def deformation_footprint_m(mw, centroid_depth_m: float = 0.0):
    """Expected side (m) of the surface deformation of a magnitude-``mw`` earthquake.

    ``L + 2 z``: the median subsurface rupture length of Wells & Coppersmith (1994), Table 2A,
    all slip types, ``log10 RLD [km] = -2.44 + 0.59 Mw`` (``scaling.WELLS_COPPERSMITH_1994
    ["oblique"]``), plus twice a typical centroid depth ``z`` (the surface deformation of a
    buried source spreads about one source depth either side of it).  A scale for choosing the
    image window, not the extent of any one scene's mask.  Scalar in, float out; arrays in,
    float64 arrays out.
    """
    (a, b, _), _ = scaling.WELLS_COPPERSMITH_1994["oblique"]
    out = 1.0e3 * 10.0 ** (a + b * np.asarray(mw, dtype=np.float64)) + 2.0 * centroid_depth_m
    return float(out) if out.ndim == 0 else out


def draw_mw(rng: np.random.Generator, config: SceneConfig) -> float:
    """One moment magnitude in ``[config.mw_min, config.mw_max]`` from one uniform draw.

    ``config.mw_distribution = "uniform"``: uniform; ``"gutenberg-richter"``: truncated
    Gutenberg-Richter with ``config.gr_b_value``, by inverse CDF.
    """
    u = rng.random()
    lo, hi = config.mw_min, config.mw_max
    if config.mw_distribution == "uniform" or hi == lo:
        return lo + u * (hi - lo)
    # Truncated Gutenberg-Richter: P(M >= m) ∝ 10^(-b m) on [lo, hi], by inverse CDF.
    b = config.gr_b_value
    return lo - math.log10(1.0 - u * (1.0 - 10.0 ** (-b * (hi - lo)))) / b


def _place(rng: np.random.Generator, config: SceneConfig) -> tuple[float, float]:
    """``(row, col)`` in pixels, uniform inside the image's ``epicentre_margin_fraction``."""
    size = config.image_size_px
    margin = config.epicentre_margin_fraction * size
    row = rng.uniform(margin, size - margin)
    col = rng.uniform(margin, size - margin)
    return float(row), float(col)


def draw_earthquake(
    rng: np.random.Generator,
    config: SceneConfig,
    pixel_m: float,
    los_enu,
    tol_m: float,
    mw: float | None = None,
    give_up_below_m: float | None = None,
) -> tuple[np.ndarray | None, dict, np.ndarray | None]:
    """Draw one earthquake, its LOS displacement on the grid and its near field.

    Parameters
    ----------
    rng : numpy.random.Generator
        The scene's source stream.
    config : SceneConfig
        Distributions of mechanism, depth, segments, taper, epicentre and the Okada grid.
    pixel_m : float
        Pixel spacing in metres.
    los_enu : (float, float, float)
        Unit vector ground -> satellite (:func:`insar_hf.physics.los.los_unit_vector`).
    tol_m : float
        Interpolation tolerance of :func:`~insar_hf.simulate.grid.sources_los_on_grid`, metres.
    mw : float, optional
        Fixes the magnitude (the design magnitude); ``None`` draws it from ``rng``.
    give_up_below_m : float, optional
        For a caller that rejects earthquakes whose ``|LOS|`` stays under some level: when the
        rupture is buried at least :data:`SMOOTH_NODES` coarse node spacings deep and every
        coarse node of the grid is under this value, ``eq_los_m`` and ``near_field`` come back
        as None, without the cost of the full grid.  Every random draw is made before, so the
        stream is left exactly where the full computation would leave it.

    Returns
    -------
    eq_los_m : numpy.ndarray
        Shape ``(size, size)``, float32, metres of LOS displacement (positive = range increase),
        the sum over the rupture's patches.
    metadata : dict
        ``mw``, ``m0_nm``, ``mechanism``, the nominal angles (segments bend about the strike),
        total length and width, ``slip_m`` (the **mean** slip, ``M0 / (mu L W)``),
        ``peak_slip_m``, ``segments``, ``surface_rupture``, ``near_field_width_m`` (NaN when
        buried), depths (``centroid_depth_m`` of the moment) and epicentre.
    near_field : numpy.ndarray or None
        ``None`` for a buried rupture; for one that reaches the surface (top shallower than
        ``config.surface_rupture_depth_m``, set to 0), float32 ``(size, size)`` in [0, 1]: 1 on
        the trace, falling to 0 over a band of width log-uniform in
        ``config.near_field_width_*_m`` (:func:`~insar_hf.simulate.rupture.near_field_band`).
    """
    if mw is None:
        mw = draw_mw(rng, config)
    m0 = scaling.moment_from_magnitude(mw)
    mechanism = choose(rng, config.mechanism_weights)
    strike, dip, rake = scaling.sample_mechanism_angles(mechanism, rng)
    top = float(rng.uniform(config.top_depth_min_m, config.top_depth_max_m))
    # The rupture stays inside the seismogenic layer: W sin(dip) <= seismogenic depth - top.
    rupture = scaling.sample_rupture(
        mw,
        mechanism,
        rng,
        dip_deg=dip,
        seismogenic_thickness_m=config.seismogenic_depth_m - top,
    )
    segmented = draw_segmented_rupture(
        rng,
        config,
        m0_nm=m0,
        strike_deg=strike,
        dip_deg=dip,
        rake_deg=rake,
        rupture=rupture,
        top_depth_m=top,
    )
    row, col = _place(rng, config)
    band_m = log_uniform(rng, config.near_field_width_min_m, config.near_field_width_max_m)
    # The epicentre is the surface projection of the moment centroid, the patches' origin.
    x0, y0 = col * pixel_m, -row * pixel_m
    # All the rupture's rectangles in one compiled call per grid level, each placed in the
    # image frame (x0 + x_m: the same sums, to the bit, as one source per rectangle).
    rectangles = tuple(
        p.okada_kwargs() | {"x_m": x0 + p.x_m, "y_m": y0 + p.y_m} for p in segmented.patches
    )
    source = GridSource(rupture_displacement, 0.0, 0.0, {"rectangles": rectangles}, stacked=True)
    size, stride = config.image_size_px, config.okada_stride_px
    smooth = min(p.top_depth_m for p in segmented.patches) >= SMOOTH_NODES * stride * pixel_m
    give_up = give_up_below_m if smooth and stride > 1 else None
    eq_los = sources_los_on_grid([source], size, pixel_m, stride, los_enu, tol_m, give_up)
    near_field = None
    if eq_los is not None and segmented.surface_rupture:
        near_field = near_field_band(segmented.trace_m, size, pixel_m, x0, y0, band_m)
    moments = np.array([p.slip_m * p.length_m * p.width_m for p in segmented.patches])
    depths = np.array(
        [p.top_depth_m + 0.5 * p.width_m * math.sin(math.radians(dip)) for p in segmented.patches]
    )
    meta = {
        "mw": mw,
        "m0_nm": m0,
        "mechanism": mechanism,
        "strike_deg": strike,
        "dip_deg": dip,
        "rake_deg": rake,
        "slip_m": segmented.mean_slip_m,
        "peak_slip_m": segmented.peak_slip_m,
        "length_m": rupture.length_m,
        "width_m": rupture.width_m,
        "segments": segmented.segments,
        "surface_rupture": segmented.surface_rupture,
        "near_field_width_m": band_m if segmented.surface_rupture else math.nan,
        "top_depth_m": 0.0 if segmented.surface_rupture else top,
        "centroid_depth_m": float((moments * depths).sum() / moments.sum()),
        "epicentre_row_px": row,
        "epicentre_col_px": col,
    }
    return eq_los, meta, near_field


def draw_hard_negative(
    rng: np.random.Generator, config: SceneConfig, pixel_m: float, los_enu, tol_m: float
) -> tuple[np.ndarray, str, dict]:
    """Draw a non-seismic source (:mod:`insar_hf.simulate.volcanic`) and its LOS displacement.

    Arguments as in :func:`draw_earthquake`.  Returns ``(los_m, deformation_source,
    metadata)``: shape ``(size, size)`` float32 metres, one of
    :data:`~insar_hf.simulate.volcanic.HARD_NEGATIVE_SOURCES` (weights
    ``config.hard_negative_weights``), and the source's position (``source_row_px``,
    ``source_col_px``: the surface projection of its centre) and parameters.
    """
    source, kind, meta = draw_nonseismic_source(rng, config)
    row, col = _place(rng, config)
    x0, y0 = col * pixel_m, -row * pixel_m
    placed = GridSource(source.func, x0 + source.x0_m, y0 + source.y0_m, source.params)
    los = sources_los_on_grid(
        [placed], config.image_size_px, pixel_m, config.okada_stride_px, los_enu, tol_m
    )
    return los, kind, {"source_row_px": row, "source_col_px": col} | meta
