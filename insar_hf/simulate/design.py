"""Step 1 of a scene, its *design*: class, kind, sensor, geometry and pixel spacing.

:func:`draw_design` draws, from the design stream (``SeedSequence`` child 0) and in a fixed
order for every scene: positive or negative (``positive_fraction``), a hard negative or not
(``hard_negative_fraction`` of negatives), wrapped or unwrapped, sensor (``sensor_weights``),
pass (ascending / descending, equally likely), heading (the pass's typical heading plus a
Gaussian jitter), incidence (uniform over the sensor's range) and pixel spacing.  With
``pixel_spacing_mode = "magnitude"`` a design magnitude and a span factor are drawn for every
scene and the image side is the span factor times the deformation footprint of that magnitude,
so the spacing carries no information about the label; with ``"log-uniform"`` the spacing is
log-uniform and independent of the magnitude.  The result is a frozen :class:`Design`, which
also carries the LOS unit vector and the metres-to-phase factor the later steps need.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from insar_hf.physics import los as los_mod
from insar_hf.simulate.deformation import deformation_footprint_m, draw_mw
from insar_hf.simulate.seeds import choose, log_uniform

if TYPE_CHECKING:
    from insar_hf.simulate.config import SceneConfig

__all__ = ["Design", "draw_design", "on_background"]


@dataclass(frozen=True)
class Design:
    """What the design stream (child 0) decides, and the quantities derived from it.

    Angles in degrees, ``pixel_m`` in metres; ``los_enu`` is the ground-to-satellite unit
    vector (:func:`insar_hf.physics.los.los_unit_vector`).
    """

    positive: bool
    hard: bool
    kind: str
    sensor_key: str
    sensor: los_mod.Sensor
    pass_direction: str
    heading_deg: float
    incidence_deg: float
    design_mw: float  # NaN with "log-uniform" spacing
    span_factor: float  # NaN with "log-uniform" spacing
    pixel_m: float
    los_enu: tuple[float, float, float]
    to_phase: np.float32  # -4 pi / wavelength, rad per metre of LOS
    tol_m: float  # okada_tolerance_rad in metres of LOS


def draw_design(rng: np.random.Generator, config: SceneConfig) -> Design:
    """Class, kind, sensor, pass, heading, incidence and pixel spacing of one scene.

    Every draw happens for every scene, in a fixed order (see the module docstring).
    """
    positive = bool(rng.random() < config.positive_fraction)
    hard = bool(rng.random() < config.hard_negative_fraction) and not positive
    kind = "wrapped" if rng.random() < config.wrapped_fraction else "unwrapped"
    sensor_key = choose(rng, config.sensor_weights)
    sensor = los_mod.SENSORS[sensor_key]
    pass_direction = "ascending" if rng.random() < 0.5 else "descending"
    heading = los_mod.typical_heading_deg(pass_direction) + rng.normal(
        0.0, config.heading_jitter_deg
    )
    heading = float((heading + 180.0) % 360.0 - 180.0)
    incidence = float(rng.uniform(sensor.incidence_min_deg, sensor.incidence_max_deg))
    design_mw, span, pixel_m = _draw_pixel_spacing(rng, config)
    return Design(
        positive=positive,
        hard=hard,
        kind=kind,
        sensor_key=sensor_key,
        sensor=sensor,
        pass_direction=pass_direction,
        heading_deg=heading,
        incidence_deg=incidence,
        design_mw=design_mw,
        span_factor=span,
        pixel_m=pixel_m,
        **_viewing(heading, incidence, sensor.wavelength_m, config.okada_tolerance_rad),
    )


def _viewing(
    heading_deg: float, incidence_deg: float, wavelength_m: float, tolerance_rad: float
) -> dict:
    """The fields of a :class:`Design` that follow from its look and wavelength: the LOS unit
    vector, rad per metre of LOS (``-4 pi / wavelength``) and the Okada tolerance in metres."""
    return dict(
        los_enu=los_mod.los_unit_vector(heading_deg, incidence_deg),
        to_phase=np.float32(-4.0 * math.pi / wavelength_m),
        tol_m=tolerance_rad * wavelength_m / (4.0 * math.pi),
    )


def _draw_pixel_spacing(
    rng: np.random.Generator, config: SceneConfig
) -> tuple[float, float, float]:
    """``(design_mw, span_factor, pixel_m)`` of ``config.pixel_spacing_mode``.

    ``"magnitude"``: the window follows a design magnitude drawn for every scene, whatever its
    class, so the spacing carries no information about the label; a positive's earthquake has
    this magnitude.  ``"log-uniform"``: the spacing alone, ``design_mw`` and ``span_factor``
    are NaN.
    """
    if config.pixel_spacing_mode == "magnitude":
        design_mw = draw_mw(rng, config)
        span = log_uniform(rng, config.span_factor_min, config.span_factor_max)
        footprint = deformation_footprint_m(design_mw, config.footprint_depth_m)
        size = config.image_size_px
        pixel_m = float(
            np.clip(span * footprint / size, config.pixel_spacing_min_m, config.pixel_spacing_max_m)
        )
        return design_mw, span, pixel_m
    pixel_m = log_uniform(rng, config.pixel_spacing_min_m, config.pixel_spacing_max_m)
    return float("nan"), float("nan"), pixel_m


def on_background(
    design: Design, sensor_key: str, pass_direction: str, pixel_m: float, tolerance_rad: float
) -> Design:
    """``design`` moved onto a real background: its sensor, its pass and its grid spacing.

    The design's own draws are reused, so the stream draws nothing more: the heading keeps its
    jitter about the typical heading of the background's pass (``pass_direction = ""``, unknown:
    the design's pass), and the incidence keeps its place in the sensor's range.  Class, kind,
    design magnitude and span factor are unchanged.
    """
    sensor = los_mod.SENSORS[sensor_key]
    pass_direction = pass_direction or design.pass_direction
    jitter = design.heading_deg - los_mod.typical_heading_deg(design.pass_direction)
    heading = los_mod.typical_heading_deg(pass_direction) + jitter
    heading = float((heading + 180.0) % 360.0 - 180.0)
    old = design.sensor
    share = (design.incidence_deg - old.incidence_min_deg) / max(
        old.incidence_max_deg - old.incidence_min_deg, 1e-9
    )
    incidence = sensor.incidence_min_deg + share * (
        sensor.incidence_max_deg - sensor.incidence_min_deg
    )
    return dataclasses.replace(
        design,
        sensor_key=sensor_key,
        sensor=sensor,
        pass_direction=pass_direction,
        heading_deg=heading,
        incidence_deg=float(incidence),
        pixel_m=float(pixel_m),
        **_viewing(heading, float(incidence), sensor.wavelength_m, tolerance_rad),
    )
