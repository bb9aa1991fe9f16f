"""Step 3 of a scene, its *nuisance*: atmosphere, topography, look-alikes, coherence and masks.

Drawn from the nuisance stream (``SeedSequence`` child 1) before the source and with the same
distribution for every class, so that nothing in the nuisance tells an earthquake from its
absence -- a volcano's concentric delay fringes, a front or gravity waves appear as often
beside an earthquake as without one.  First the scalars (:func:`draw_nuisance_parameters`),
then the fields in a fixed order:

* :func:`atmospheric_delay_m` -- turbulence scaled to Emardson et al.'s (2003) law at the
  window's size (:mod:`insar_hf.simulate.turbulence`), stratified delay over a DEM that may
  hold a volcano or a mountain range (:mod:`insar_hf.simulate.topography`), an orbital ramp,
  and maybe a front or gravity waves (:mod:`insar_hf.simulate.lookalikes`);
* :func:`draw_surface` -- land-cover coherence, the uniforms of the phase noise (the noise
  itself is made after the source, which may decorrelate a rupture's near field), water and
  frame-edge NaN, the unwrapper's low-coherence mask and an unwrapping error
  (:mod:`insar_hf.simulate.surface`).

Look-alikes strong enough to see -- at least a quarter fringe (``lambda / 8`` of LOS), or a whole
fringe across the window for an orbital ramp -- are listed in :attr:`Atmosphere.lookalikes`
(the ``lookalikes`` metadata).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from insar_hf.simulate import atmosphere, lookalikes, surface, topography
from insar_hf.simulate.seeds import log_uniform
from insar_hf.simulate.turbulence import turbulent_delay_law_m

if TYPE_CHECKING:
    from insar_hf.simulate.config import SceneConfig
    from insar_hf.simulate.design import Design

__all__ = [
    "FILTER_WEIGHTS",
    "FILTER_WINDOWS_PX",
    "LOOKALIKE_NAMES",
    "Atmosphere",
    "NuisanceParameters",
    "Surface",
    "atmospheric_delay_m",
    "draw_nuisance_parameters",
    "draw_surface",
]

LOOKALIKE_NAMES = ("topographic_delay", "atmospheric_front", "gravity_waves", "orbital_ramp")
"""Names of the atmospheric look-alikes, in the order they are listed."""

FILTER_WINDOWS_PX = (1, 3, 5, 7)
"""Windows of the product filter (:func:`insar_hf.simulate.surface.filter_phase_rad`)..."""

FILTER_WEIGHTS = (0.2, 0.35, 0.3, 0.15)
"""... and their probabilities: most products are filtered, some are not."""


@dataclass(frozen=True)
class NuisanceParameters:
    """The scalar draws of the nuisance stream (child 1), recorded in the metadata.

    Feature parameters are drawn for every scene; a feature is present when its flag is set.
    Positions are fractions of the side (may lie a little outside ``[0, 1]``), directions in
    degrees clockwise from north.
    """

    strength: float
    dem_relief_m: float
    volcano: bool
    volcano_height_m: float
    volcano_radius_m: float
    volcano_exponent: float
    volcano_row: float
    volcano_col: float
    mountain_range: bool
    range_height_m: float
    range_half_width_m: float
    range_azimuth_deg: float
    range_row: float
    range_col: float
    stratification_m_per_km: float
    ramp_gradient_m_per_km: float
    front: bool
    front_step_m: float
    front_width_m: float
    front_azimuth_deg: float
    front_row: float
    front_col: float
    gravity_waves: bool
    gravity_amplitude_m: float
    gravity_length_m: float
    gravity_azimuth_deg: float
    gravity_row: float
    gravity_col: float
    gravity_envelope: float
    mean_coherence: float
    landcover_fraction: float
    looks: int
    filter_px: int  # the product filter's window (1 = unfiltered)
    water_area: float  # 0 without water
    edge_area: float  # 0 without a frame edge
    edge_across: bool  # the edge runs across the track (a frame's north or south end)
    unwrapping_error_cycles: int  # 0 without an error
    error_row: float
    error_col: float
    error_azimuth_deg: float


def _position(rng: np.random.Generator) -> tuple[float, float]:
    return float(rng.uniform(-0.1, 1.1)), float(rng.uniform(-0.1, 1.1))


def draw_nuisance_parameters(rng: np.random.Generator, config: SceneConfig) -> NuisanceParameters:
    """The nuisance scalars of one scene, all drawn, in a fixed order, before any field."""
    c = config
    strength = log_uniform(rng, c.atmosphere_strength_min, c.atmosphere_strength_max)
    relief = float(rng.uniform(c.dem_relief_min_m, c.dem_relief_max_m))
    volcano = bool(rng.random() < c.volcano_fraction)
    v_height = float(rng.uniform(c.volcano_height_min_m, c.volcano_height_max_m))
    v_radius = log_uniform(rng, c.volcano_radius_min_m, c.volcano_radius_max_m)
    v_exponent = float(rng.uniform(1.0, 2.0))
    v_row, v_col = _position(rng)
    mountain = bool(rng.random() < c.range_fraction)
    r_height = float(rng.uniform(c.range_height_min_m, c.range_height_max_m))
    r_width = log_uniform(rng, c.range_half_width_min_m, c.range_half_width_max_m)
    r_azimuth = float(rng.uniform(0.0, 180.0))
    r_row, r_col = _position(rng)
    strat = float(rng.normal(0.0, c.stratification_std_m_per_km * math.sqrt(strength)))
    ramp = float(rng.uniform(0.0, c.ramp_gradient_max_m_per_km))
    front = bool(rng.random() < c.front_fraction)
    f_step = log_uniform(rng, c.front_step_min_m, c.front_step_max_m)
    f_step *= 1.0 if rng.random() < 0.5 else -1.0
    f_width = log_uniform(rng, c.front_width_min_m, c.front_width_max_m)
    f_azimuth = float(rng.uniform(0.0, 360.0))
    f_row, f_col = _position(rng)
    gravity = bool(rng.random() < c.gravity_wave_fraction)
    g_amp = log_uniform(rng, c.gravity_wave_amplitude_min_m, c.gravity_wave_amplitude_max_m)
    g_length = log_uniform(rng, c.gravity_wave_length_min_m, c.gravity_wave_length_max_m)
    g_azimuth = float(rng.uniform(0.0, 180.0))
    g_row, g_col = _position(rng)
    g_envelope = float(rng.uniform(0.3, 1.0))
    mean_coh = float(rng.uniform(c.mean_coherence_min, c.mean_coherence_max))
    landcover = float(rng.uniform(0.0, c.landcover_fraction_max))
    looks = int(round(log_uniform(rng, c.looks_min, c.looks_max)))
    filter_px = int(rng.choice(FILTER_WINDOWS_PX, p=FILTER_WEIGHTS))
    water = float(rng.uniform(0.01, c.water_area_max))
    water = water if rng.random() < c.water_fraction else 0.0
    edge = float(rng.uniform(0.02, c.frame_edge_area_max))
    edge = edge if rng.random() < c.frame_edge_fraction else 0.0
    edge_across = bool(rng.random() < 0.5)
    cycles = int(rng.choice((-2, -1, 1, 2), p=(0.15, 0.35, 0.35, 0.15)))
    cycles = cycles if rng.random() < c.unwrapping_error_fraction else 0
    e_row, e_col = float(rng.uniform(0.2, 0.8)), float(rng.uniform(0.2, 0.8))
    e_azimuth = float(rng.uniform(0.0, 360.0))
    return NuisanceParameters(
        strength, relief,
        volcano, v_height, v_radius, v_exponent, v_row, v_col,
        mountain, r_height, r_width, r_azimuth, r_row, r_col,
        strat, ramp,
        front, f_step, f_width, f_azimuth, f_row, f_col,
        gravity, g_amp, g_length, g_azimuth, g_row, g_col, g_envelope,
        mean_coh, landcover, looks, filter_px, water, edge, edge_across, cycles, e_row, e_col, e_azimuth,
    )  # fmt: skip


@dataclass
class Atmosphere:
    """The delay fields of one scene: total LOS delay (m), the DEM (m), what they hold."""

    delay_m: np.ndarray  # (size, size) float32
    dem_m: np.ndarray  # (size, size) float32
    turbulence_rms_m: float
    lookalikes: tuple[str, ...]


def atmospheric_delay_m(
    rng: np.random.Generator, p: NuisanceParameters, design: Design, config: SceneConfig
) -> Atmosphere:
    """Turbulence, stratified delay over the DEM, ramp, front and gravity waves (LOS metres).

    Zenith quantities (the law, the stratification coefficient) are mapped to the line of sight
    by ``1 / cos(incidence)``.
    """
    size = config.image_size_px
    shape, pixel_m = (size, size), design.pixel_m
    to_los = 1.0 / math.cos(math.radians(design.incidence_deg))
    quarter_fringe_m = design.sensor.wavelength_m / 8.0
    delay = turbulent_delay_law_m(
        shape,
        pixel_m=pixel_m,
        strength=p.strength,
        incidence_deg=design.incidence_deg,
        rng=rng,
        beta=config.turbulence_beta,
        beta_short=config.turbulence_beta_short,
        break_m=config.turbulence_break_m,
        half_resolution=True,
    )
    turbulence_rms = math.sqrt(float(np.mean(delay * delay, dtype=np.float64)))
    # Half resolution: exact in band below the DEM's 0.25 cycles/px cutoff, a quarter the FFT.
    dem = atmosphere.fractal_dem_m(
        shape, pixel_m=pixel_m, relief_m=p.dem_relief_m, rng=rng, half_resolution=True
    )
    feature_m = 0.0
    if p.volcano:
        dem += topography.volcano_m(
            shape,
            pixel_m=pixel_m,
            row_px=p.volcano_row * size,
            col_px=p.volcano_col * size,
            height_m=p.volcano_height_m,
            radius_m=p.volcano_radius_m,
            shape_exponent=p.volcano_exponent,
            caldera_radius_m=0.15 * p.volcano_radius_m,
            caldera_depth_m=0.05 * p.volcano_height_m,
        )
        feature_m = max(feature_m, p.volcano_height_m)
    if p.mountain_range:
        dem += topography.mountain_range_m(
            shape,
            pixel_m=pixel_m,
            row_px=p.range_row * size,
            col_px=p.range_col * size,
            azimuth_deg=p.range_azimuth_deg,
            height_m=p.range_height_m,
            half_width_m=p.range_half_width_m,
            crest_wavelength_m=4.0 * p.range_half_width_m,
        )
        feature_m = max(feature_m, p.range_height_m)
    delay += atmosphere.stratified_delay_m(
        dem, coefficient_m_per_km=p.stratification_m_per_km * to_los
    )
    delay += atmosphere.orbital_ramp_m(
        shape, pixel_m=pixel_m, gradient_m_per_km=p.ramp_gradient_m_per_km, rng=rng
    )
    found = []
    if abs(p.stratification_m_per_km) * to_los * feature_m / 1000.0 >= quarter_fringe_m:
        found.append("topographic_delay")
    # A ramp is a look-alike when it spans a whole fringe (lambda / 2 of LOS) across the window.
    ramp_span_m = p.ramp_gradient_m_per_km * size * pixel_m / 1000.0
    ramp = ramp_span_m >= 4.0 * quarter_fringe_m
    if p.front:
        delay += lookalikes.front_m(
            shape,
            pixel_m=pixel_m,
            row_px=p.front_row * size,
            col_px=p.front_col * size,
            azimuth_deg=p.front_azimuth_deg,
            step_m=p.front_step_m,
            width_m=p.front_width_m,
            curvature_per_km=0.0,
        )
        if abs(p.front_step_m) >= quarter_fringe_m:
            found.append("atmospheric_front")
    if p.gravity_waves:
        delay += lookalikes.gravity_waves_m(
            shape,
            pixel_m=pixel_m,
            row_px=p.gravity_row * size,
            col_px=p.gravity_col * size,
            azimuth_deg=p.gravity_azimuth_deg,
            amplitude_m=p.gravity_amplitude_m,
            wavelength_m=p.gravity_length_m,
            envelope_m=p.gravity_envelope * size * pixel_m,
        )
        if 2.0 * p.gravity_amplitude_m >= quarter_fringe_m:
            found.append("gravity_waves")
    if ramp:
        found.append("orbital_ramp")
    return Atmosphere(delay, dem, turbulence_rms, tuple(found))


@dataclass
class Surface:
    """Coherence, the phase-noise uniforms and the masks of one scene (all ``(size, size)``)."""

    coherence: np.ndarray  # float32 in [0, 1]
    uniforms: np.ndarray  # (2, size, size) float32 in [0, 1): see noise.phase_noise_rad
    no_data: np.ndarray  # bool: water and frame edge, NaN in every product
    masked: np.ndarray  # bool: coherence < no_data_threshold, NaN in unwrapped products
    unwrapping_error_rad: np.ndarray | None  # float32, whole cycles, or None


def draw_surface(
    rng: np.random.Generator,
    p: NuisanceParameters,
    design: Design,
    dem_m: np.ndarray,
    config: SceneConfig,
) -> Surface:
    """Land-cover coherence, noise uniforms, water and frame-edge NaN, an unwrapping error."""
    size = config.image_size_px
    shape = (size, size)
    coherence = surface.landcover_coherence(
        shape,
        pixel_m=design.pixel_m,
        mean_coherence=p.mean_coherence,
        patch_fraction=p.landcover_fraction,
        rng=rng,
    )
    uniforms = rng.random((2, size, size), dtype=np.float32)
    no_data = surface.water_mask(dem_m, p.water_area)
    if p.edge_area > 0:
        # Frame edges run along (or across) the track: the heading, or the heading + 90 deg.
        across = 90.0 if p.edge_across else 0.0
        no_data |= surface.frame_edge_mask(
            shape, azimuth_deg=design.heading_deg + across, fraction=p.edge_area
        )
    masked = coherence < np.float32(config.no_data_threshold)
    error = None
    if p.unwrapping_error_cycles:
        error = surface.unwrapping_error_rad(
            shape,
            row_px=p.error_row * size,
            col_px=p.error_col * size,
            azimuth_deg=p.error_azimuth_deg,
            cycles=p.unwrapping_error_cycles,
        )
    return Surface(coherence, uniforms, no_data, masked, error)
