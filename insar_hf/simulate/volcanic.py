"""Volcanic and other non-seismic deformation sources: the look-alikes of hard negatives.

:func:`draw_nonseismic_source` draws one of :data:`HARD_NEGATIVE_SOURCES`, chosen by
``config.hard_negative_weights``, as a :class:`~insar_hf.simulate.grid.GridSource` centred on
the origin:

* ``"mogi"``: a Mogi (1958) point source inflating or deflating (equally likely), depth uniform,
  ``|dV|`` log-uniform (:func:`insar_hf.physics.sources.mogi_surface_displacement`);
* ``"subsidence"``: a Gaussian subsidence bowl, radius log-uniform, depth of the centre uniform
  (:func:`insar_hf.physics.sources.subsidence_bowl_displacement`);
* ``"dyke"``: an opening near-vertical Okada (1985) rectangle (tensile dislocation,
  ``opening_m``, no shear slip): strike uniform, dip uniform in :data:`DYKE_DIP_DEG`, opening
  log-uniform, length, height and top depth uniform in their ``dyke_*`` ranges;
* ``"sill"``: an opening near-horizontal rectangle: strike uniform, dip uniform in
  :data:`SILL_DIP_DEG`, opening log-uniform, length and width each uniform in
  ``sill_side_*``, depth of its centre uniform in ``sill_depth_*``.

The ranges are fields of :class:`~insar_hf.simulate.config.SceneConfig`; where they come from is
in ``docs/physics.md``.  The origin is the surface projection of the source's centre (the point
source, the bowl's centre, the centre of the rectangle), which
:func:`insar_hf.simulate.deformation.draw_hard_negative` places like an epicentre.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from insar_hf.physics import sources as sources_mod
from insar_hf.physics.okada import okada_surface_displacement
from insar_hf.simulate.config_checks import HARD_NEGATIVE_SOURCES
from insar_hf.simulate.grid import GridSource
from insar_hf.simulate.seeds import choose, log_uniform

if TYPE_CHECKING:
    from insar_hf.simulate.config import SceneConfig

__all__ = ["DYKE_DIP_DEG", "HARD_NEGATIVE_SOURCES", "SILL_DIP_DEG", "draw_nonseismic_source"]

DYKE_DIP_DEG = (75.0, 90.0)
"""Dip range of dykes (near-vertical sheets), degrees."""

SILL_DIP_DEG = (0.5, 10.0)
"""Dip range of sills (near-horizontal sheets; Okada needs a dip > 0), degrees."""


def _opening_sheet(
    rng: np.random.Generator,
    *,
    dip_range: tuple[float, float],
    opening_m: float,
    length_m: float,
    width_m: float,
    depth_m: float,
    depth_is_top: bool,
) -> tuple[GridSource, dict]:
    """An opening rectangle centred below the origin; draws strike then dip.

    ``depth_m`` is the depth of its top edge (``depth_is_top``) or of its centre (the top is
    then at least at the surface).
    """
    strike = float(rng.uniform(0.0, 360.0))
    dip = float(rng.uniform(*dip_range))
    sin_dip, cos_dip = math.sin(math.radians(dip)), math.cos(math.radians(dip))
    top = depth_m if depth_is_top else max(0.0, depth_m - 0.5 * width_m * sin_dip)
    centre_depth = top + 0.5 * width_m * sin_dip
    # Okada's reference point (above the top edge's midpoint) lies W/2 cos(dip) up-dip of the
    # centre's projection, i.e. against the dip direction (strike + 90 deg).
    dip_az = math.radians(strike + 90.0)
    shift = 0.5 * width_m * cos_dip
    params = {
        "strike_deg": strike,
        "dip_deg": dip,
        "rake_deg": 0.0,
        "slip_m": 0.0,
        "length_m": length_m,
        "width_m": width_m,
        "top_depth_m": top,
        "opening_m": opening_m,
    }
    source = GridSource(
        okada_surface_displacement, -shift * math.sin(dip_az), -shift * math.cos(dip_az), params
    )
    meta = {
        "source_depth_m": centre_depth,
        "source_volume_change_m3": opening_m * length_m * width_m,
        "source_opening_m": opening_m,
        "source_length_m": length_m,
        "source_width_m": width_m,
        "source_strike_deg": strike,
        "source_dip_deg": dip,
    }
    return source, meta


def draw_nonseismic_source(
    rng: np.random.Generator, config: SceneConfig
) -> tuple[GridSource, str, dict]:
    """One non-seismic source centred on the origin: ``(source, deformation_source, metadata)``.

    Draws the source type (``config.hard_negative_weights``), then its parameters in the order
    of the module docstring.  Metadata: ``source_depth_m`` (of the centre) and the source's own
    fields (``source_volume_change_m3``, ``source_radius_m``, ``source_max_subsidence_m``,
    ``source_opening_m``, ``source_length_m``, ``source_width_m``, ``source_strike_deg``,
    ``source_dip_deg``); the volume of a dyke or sill is ``opening * length * width``.
    """
    kind = choose(rng, config.hard_negative_weights)
    if kind == "mogi":
        depth = float(rng.uniform(config.mogi_depth_min_m, config.mogi_depth_max_m))
        volume = log_uniform(rng, config.mogi_volume_min_m3, config.mogi_volume_max_m3)
        volume *= 1.0 if rng.random() < 0.5 else -1.0
        params = {"depth_m": depth, "volume_change_m3": volume}
        meta = {"source_depth_m": depth, "source_volume_change_m3": volume}
        return GridSource(sources_mod.mogi_surface_displacement, 0.0, 0.0, params), kind, meta
    if kind == "subsidence":
        radius = log_uniform(rng, config.bowl_radius_min_m, config.bowl_radius_max_m)
        sub = float(rng.uniform(config.bowl_subsidence_min_m, config.bowl_subsidence_max_m))
        params = {"radius_m": radius, "max_subsidence_m": sub}
        meta = {"source_radius_m": radius, "source_max_subsidence_m": sub}
        return GridSource(sources_mod.subsidence_bowl_displacement, 0.0, 0.0, params), kind, meta
    if kind == "dyke":
        opening = log_uniform(rng, config.dyke_opening_min_m, config.dyke_opening_max_m)
        length = float(rng.uniform(config.dyke_length_min_m, config.dyke_length_max_m))
        height = float(rng.uniform(config.dyke_height_min_m, config.dyke_height_max_m))
        top = float(rng.uniform(config.dyke_top_depth_min_m, config.dyke_top_depth_max_m))
        source, meta = _opening_sheet(
            rng,
            dip_range=DYKE_DIP_DEG,
            opening_m=opening,
            length_m=length,
            width_m=height,
            depth_m=top,
            depth_is_top=True,
        )
        return source, kind, meta
    opening = log_uniform(rng, config.sill_opening_min_m, config.sill_opening_max_m)
    length = float(rng.uniform(config.sill_side_min_m, config.sill_side_max_m))
    width = float(rng.uniform(config.sill_side_min_m, config.sill_side_max_m))
    depth = float(rng.uniform(config.sill_depth_min_m, config.sill_depth_max_m))
    source, meta = _opening_sheet(
        rng,
        dip_range=SILL_DIP_DEG,
        opening_m=opening,
        length_m=length,
        width_m=width,
        depth_m=depth,
        depth_is_top=False,
    )
    return source, kind, meta
