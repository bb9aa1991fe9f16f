"""The deformation sources of a scene: an earthquake, or a look-alike that is not one.

* :func:`deformation_footprint_m` -- the expected side of an earthquake's surface deformation
  (Wells & Coppersmith 1994 rupture length plus two depths), the scale that chooses the image
  window in ``pixel_spacing_mode = "magnitude"``.
* :func:`draw_mw` -- a moment magnitude, uniform or truncated Gutenberg-Richter.
* :func:`draw_earthquake` -- mechanism, angles, rupture (:mod:`insar_hf.physics.scaling`), top
  depth and epicentre, and the Okada (1985) LOS displacement on the pixel grid.
* :func:`draw_hard_negative` -- a Mogi inflation / deflation source or a subsidence bowl
  (:mod:`insar_hf.physics.sources`), placed like an epicentre.

Each draws from the scene's source stream in a fixed order; the distributions are fields of
:class:`~insar_hf.simulate.config.SceneConfig`, the label rule and the redraws of an invisible
earthquake are in :mod:`insar_hf.simulate.scene`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from insar_hf.physics import scaling
from insar_hf.physics import sources as sources_mod
from insar_hf.physics.okada import okada_surface_displacement
from insar_hf.simulate.grid import los_on_grid
from insar_hf.simulate.seeds import choose, log_uniform

if TYPE_CHECKING:
    from insar_hf.simulate.config import SceneConfig

__all__ = ["deformation_footprint_m", "draw_earthquake", "draw_hard_negative", "draw_mw"]


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
) -> tuple[np.ndarray, dict]:
    """Draw one earthquake and its LOS displacement on the grid.

    Parameters
    ----------
    rng : numpy.random.Generator
        The scene's source stream.
    config : SceneConfig
        Distributions of mechanism, depth, epicentre and the Okada grid.
    pixel_m : float
        Pixel spacing in metres.
    los_enu : (float, float, float)
        Unit vector ground -> satellite (:func:`insar_hf.physics.los.los_unit_vector`).
    tol_m : float
        Interpolation tolerance of :func:`~insar_hf.simulate.grid.los_on_grid`, metres.
    mw : float, optional
        Fixes the magnitude (the design magnitude); ``None`` draws it from ``rng``.

    Returns
    -------
    eq_los_m : numpy.ndarray
        Shape ``(size, size)``, float32, metres of LOS displacement (positive = range increase).
    metadata : dict
        ``mw``, ``m0_nm``, ``mechanism``, angles, rupture size and slip, depths, epicentre.
    """
    if mw is None:
        mw = draw_mw(rng, config)
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
    row, col = _place(rng, config)
    # The epicentre is the surface projection of the rupture centroid; Okada's reference point
    # (above the top edge's midpoint) lies W/2 cos(dip) up-dip of it, i.e. against the dip
    # direction (strike + 90 deg, the fault dips to the right of strike).
    dip_az = math.radians(strike + 90.0)
    half_w_h = 0.5 * rupture.width_m * math.cos(math.radians(dip))
    x0 = col * pixel_m - half_w_h * math.sin(dip_az)
    y0 = -row * pixel_m - half_w_h * math.cos(dip_az)
    eq_los = los_on_grid(
        okada_surface_displacement,
        config.image_size_px,
        pixel_m,
        config.okada_stride_px,
        x0,
        y0,
        los_enu,
        tol_m,
        strike_deg=strike,
        dip_deg=dip,
        rake_deg=rake,
        slip_m=rupture.slip_m,
        length_m=rupture.length_m,
        width_m=rupture.width_m,
        top_depth_m=top,
    )
    meta = {
        "mw": mw,
        "m0_nm": scaling.moment_from_magnitude(mw),
        "mechanism": mechanism,
        "strike_deg": strike,
        "dip_deg": dip,
        "rake_deg": rake,
        "slip_m": rupture.slip_m,
        "length_m": rupture.length_m,
        "width_m": rupture.width_m,
        "top_depth_m": top,
        "centroid_depth_m": top + 0.5 * rupture.width_m * math.sin(math.radians(dip)),
        "epicentre_row_px": row,
        "epicentre_col_px": col,
    }
    return eq_los, meta


def draw_hard_negative(
    rng: np.random.Generator, config: SceneConfig, pixel_m: float, los_enu, tol_m: float
) -> tuple[np.ndarray, str, dict]:
    """Draw a Mogi source or a subsidence bowl (equally likely) and its LOS displacement.

    Arguments as in :func:`draw_earthquake`.  Returns ``(los_m, deformation_source,
    metadata)``: shape ``(size, size)`` float32 metres, ``"mogi"`` or ``"subsidence"``, and the
    source's position and parameters.
    """
    use_mogi = bool(rng.random() < 0.5)
    row, col = _place(rng, config)
    x0, y0 = col * pixel_m, -row * pixel_m
    size, stride = config.image_size_px, config.okada_stride_px
    meta = {"source_row_px": row, "source_col_px": col}
    if use_mogi:
        depth = float(rng.uniform(config.mogi_depth_min_m, config.mogi_depth_max_m))
        volume = log_uniform(rng, config.mogi_volume_min_m3, config.mogi_volume_max_m3)
        volume *= 1.0 if rng.random() < 0.5 else -1.0
        source, displacement = "mogi", sources_mod.mogi_surface_displacement
        params = {"depth_m": depth, "volume_change_m3": volume}
        meta |= {"source_depth_m": depth, "source_volume_change_m3": volume}
    else:
        radius = log_uniform(rng, config.bowl_radius_min_m, config.bowl_radius_max_m)
        sub = float(rng.uniform(config.bowl_subsidence_min_m, config.bowl_subsidence_max_m))
        source, displacement = "subsidence", sources_mod.subsidence_bowl_displacement
        params = {"radius_m": radius, "max_subsidence_m": sub}
        meta |= {"source_radius_m": radius, "source_max_subsidence_m": sub}
    los = los_on_grid(displacement, size, pixel_m, stride, x0, y0, los_enu, tol_m, **params)
    return los, source, meta
