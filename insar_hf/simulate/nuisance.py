"""Step 3 of a scene, its *nuisance*: atmosphere, coherence, phase noise and no data.

Drawn from the nuisance stream (``SeedSequence`` child 1) before the source and identically
for every class, so that nothing in the nuisance tells an earthquake from its absence: first
the scalars (:func:`draw_nuisance_parameters`: turbulence RMS, DEM relief, stratification
coefficient, ramp gradient, mean coherence, looks), then the fields in a fixed order:
:func:`atmospheric_delay_m` (turbulent delay, fractal DEM and its stratified delay, orbital
ramp; :mod:`insar_hf.simulate.atmosphere`) and :func:`decorrelation` (coherence map,
decorrelation phase noise, no-data mask; :mod:`insar_hf.simulate.noise`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from insar_hf.simulate import atmosphere, noise
from insar_hf.simulate.seeds import log_uniform

if TYPE_CHECKING:
    from insar_hf.simulate.config import SceneConfig

__all__ = [
    "NuisanceParameters",
    "atmospheric_delay_m",
    "decorrelation",
    "draw_nuisance_parameters",
]


@dataclass(frozen=True)
class NuisanceParameters:
    """The scalar draws of the nuisance stream (child 1), recorded in the metadata."""

    turbulence_rms_m: float
    dem_relief_m: float
    stratification_m_per_km: float
    ramp_gradient_m_per_km: float
    mean_coherence: float
    looks: int


def draw_nuisance_parameters(rng: np.random.Generator, config: SceneConfig) -> NuisanceParameters:
    """The nuisance scalars of one scene, drawn before any nuisance field."""
    rms = log_uniform(rng, config.turbulence_rms_min_m, config.turbulence_rms_max_m)
    relief = float(rng.uniform(config.dem_relief_min_m, config.dem_relief_max_m))
    strat = float(
        rng.uniform(-config.stratification_max_m_per_km, config.stratification_max_m_per_km)
    )
    ramp_gradient = float(rng.uniform(0.0, config.ramp_gradient_max_m_per_km))
    mean_coh = float(rng.uniform(config.mean_coherence_min, config.mean_coherence_max))
    looks = int(rng.integers(config.looks_min, config.looks_max, endpoint=True))
    return NuisanceParameters(rms, relief, strat, ramp_gradient, mean_coh, looks)


def atmospheric_delay_m(
    rng: np.random.Generator,
    p: NuisanceParameters,
    shape: tuple[int, int],
    pixel_m: float,
    beta: float,
) -> np.ndarray:
    """Turbulent + stratified (over a fractal DEM) delay + orbital ramp.

    Shape ``shape``, float32, metres of LOS delay (positive = range increase); ``beta`` is the
    turbulence's 2-D spectral slope.
    """
    delay = atmosphere.turbulent_delay_m(
        shape, pixel_m=pixel_m, rms_m=p.turbulence_rms_m, beta=beta, rng=rng
    )
    dem = atmosphere.fractal_dem_m(shape, pixel_m=pixel_m, relief_m=p.dem_relief_m, rng=rng)
    delay = delay + atmosphere.stratified_delay_m(
        dem, coefficient_m_per_km=p.stratification_m_per_km
    )
    delay = delay + atmosphere.orbital_ramp_m(
        shape, pixel_m=pixel_m, gradient_m_per_km=p.ramp_gradient_m_per_km, rng=rng
    )
    return delay


def decorrelation(
    rng: np.random.Generator,
    p: NuisanceParameters,
    shape: tuple[int, int],
    pixel_m: float,
    no_data_threshold: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(coherence, noise_rad, no_data)`` of one scene.

    Shape ``shape`` each: coherence in [0, 1] (float32), decorrelation phase noise (rad) and
    the no-data mask (bool, coherence below ``no_data_threshold``).
    """
    coherence = np.asarray(
        noise.coherence_map(shape, pixel_m=pixel_m, mean_coherence=p.mean_coherence, rng=rng),
        dtype=np.float32,
    )
    noise_rad = noise.decorrelation_noise_rad(coherence, looks=p.looks, rng=rng)
    no_data = np.asarray(noise.no_data_mask(coherence, threshold=no_data_threshold))
    return coherence, noise_rad, no_data
