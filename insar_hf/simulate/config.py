"""How synthetic scenes are drawn: :class:`SceneConfig` and its validation.

Every distribution of :func:`insar_hf.simulate.scene.sample_scene` -- class balance, sensors and
geometry, pixel spacing (:data:`PIXEL_SPACING_MODES`), magnitudes, mechanisms, depths, redraws,
Okada grid, atmosphere, coherence, hard-negative sources -- is a field of one frozen dataclass
with its unit in its name and a ``help`` text in its metadata.  ``__post_init__`` checks every
field (:func:`~insar_hf.simulate.config_checks.check_scene_config`) and raises ``ValueError``
saying what to change; ``(name, weight)`` tables read back from JSON (lists or dicts) are
normalised to tuples, so a config survives a JSON round trip.  The
recipe the fields drive is described in :mod:`insar_hf.simulate.scene` and
``docs/generator.md``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from insar_hf.schema import IMAGE_SIZE
from insar_hf.simulate.config_checks import PIXEL_SPACING_MODES, check_scene_config
from insar_hf.simulate.turbulence import KOLMOGOROV_BETA, TURBULENCE_BREAK_M

__all__ = ["PIXEL_SPACING_MODES", "SceneConfig"]


@dataclass(frozen=True)
class SceneConfig:
    """How synthetic scenes are drawn.  Units are in the field names; ``(min, max)`` pairs are
    sampled uniformly unless the help says otherwise.  Invalid values raise ``ValueError``
    saying what to change.
    """

    image_size_px: int = field(default=IMAGE_SIZE, metadata={"help": "Scene side in pixels."})
    pixel_spacing_mode: str = field(
        default="magnitude",
        metadata={
            "help": "'magnitude': the image side spans span_factor x the deformation footprint "
            "of a design magnitude drawn for every scene (positives use it as their Mw); "
            "'log-uniform': spacing log-uniform in [pixel_spacing_min_m, pixel_spacing_max_m], "
            "independent of the magnitude."
        },
    )
    pixel_spacing_min_m: float = field(
        default=30.0,
        metadata={"help": "Smallest pixel spacing (m): the clip ('magnitude') or range minimum."},
    )
    pixel_spacing_max_m: float = field(
        default=1500.0,
        metadata={
            "help": "Largest pixel spacing (m): 224 px x 1500 m = 336 km, about a Sentinel-1 "
            "frame downsampled to 224 px."
        },
    )
    span_factor_min: float = field(
        default=1.5,
        metadata={
            "help": "Image side / deformation footprint, log-uniform, min ('magnitude'): 1.5 "
            "lets a rupture fill most of the window, as at a product's native spacing."
        },
    )
    span_factor_max: float = field(default=6.0, metadata={"help": "... max."})
    footprint_depth_m: float = field(
        default=0.0,
        metadata={
            "help": "Typical centroid depth z (m) in the footprint L_WC94(Mw) + 2 z "
            "('magnitude'); 0 by default: z = 5 km made Mw < 5.5 boxes tiny (docs/generator.md)."
        },
    )
    sensor_weights: tuple = field(
        default=(("sentinel1", 0.6), ("nisar_l", 0.2), ("nisar_s", 0.2)),
        metadata={"help": "(sensor, weight) pairs over physics.los.SENSORS keys."},
    )
    heading_jitter_deg: float = field(
        default=3.0, metadata={"help": "Std of the heading about the pass's typical heading."}
    )
    wrapped_fraction: float = field(default=0.5, metadata={"help": "P(kind = wrapped)."})
    positive_fraction: float = field(default=0.5, metadata={"help": "P(earthquake drawn)."})
    hard_negative_fraction: float = field(
        default=0.25,
        metadata={"help": "Fraction of negatives with a Mogi source or subsidence bowl."},
    )
    mw_min: float = field(default=4.5, metadata={"help": "Smallest moment magnitude."})
    mw_max: float = field(default=7.5, metadata={"help": "Largest moment magnitude."})
    mw_distribution: str = field(
        default="uniform",
        metadata={"help": "'uniform' in [mw_min, mw_max] or 'gutenberg-richter' (truncated)."},
    )
    gr_b_value: float = field(default=1.0, metadata={"help": "Gutenberg-Richter b-value."})
    top_depth_min_m: float = field(default=0.0, metadata={"help": "Shallowest fault top (m)."})
    top_depth_max_m: float = field(default=10_000.0, metadata={"help": "Deepest fault top (m)."})
    seismogenic_depth_m: float = field(
        default=20_000.0,
        metadata={"help": "Base of the seismogenic layer (m): ruptures are capped above it."},
    )
    mechanism_weights: tuple = field(
        default=(("strike-slip", 0.3), ("thrust", 0.25), ("normal", 0.25), ("oblique", 0.2)),
        metadata={"help": "(mechanism, weight) pairs over physics.scaling.MECHANISMS."},
    )
    epicentre_margin_fraction: float = field(
        default=0.15,
        metadata={"help": "Epicentre at least this fraction of the side from every edge."},
    )
    min_visible_pixels: int = field(
        default=50, metadata={"help": "Label 1 needs this many valid pixels >= a quarter fringe."}
    )
    min_signal_to_nuisance: float = field(
        default=0.5,
        metadata={
            "help": "Label 1 also needs the earthquake's largest |LOS| on its mask to reach this "
            "multiple of the nuisance's 1-99 percentile span in the mask's box (0: off)."
        },
    )
    max_redraws: int = field(
        default=30, metadata={"help": "Redraws of an invisible earthquake before labelling 0."}
    )
    okada_stride_px: int = field(
        default=8,
        metadata={
            "help": "Okada on every n-th pixel, cubic in between, then halved level by level "
            "to exact pixels where the interpolation error may exceed okada_tolerance_rad "
            "(1 = every pixel)."
        },
    )
    okada_tolerance_rad: float = field(
        default=0.05,
        metadata={"help": "Estimated interpolation error (rad) above which a cell is exact."},
    )
    atmosphere_strength_min: float = field(
        default=0.3,
        metadata={
            "help": "Turbulence strength: multiplier of the Emardson et al. (2003) law "
            "sigma(L) = 2.5 mm L^0.5 (L in km) at a quarter of the window, log-uniform, min."
        },
    )
    atmosphere_strength_max: float = field(default=3.0, metadata={"help": "... max."})
    turbulence_beta: float = field(
        default=3.0,
        metadata={"help": "2-D spectral slope above turbulence_break_m (3 = the law's L^0.5)."},
    )
    turbulence_beta_short: float = field(
        default=KOLMOGOROV_BETA,
        metadata={"help": "2-D spectral slope under turbulence_break_m (11/3: 3-D Kolmogorov)."},
    )
    turbulence_break_m: float = field(
        default=TURBULENCE_BREAK_M,
        metadata={"help": "Scale (m) of the change of slope: the wet troposphere's thickness."},
    )
    dem_relief_min_m: float = field(default=100.0, metadata={"help": "Fractal DEM relief, min."})
    dem_relief_max_m: float = field(default=2500.0, metadata={"help": "... max."})
    volcano_fraction: float = field(
        default=0.15, metadata={"help": "P(a volcanic edifice in the DEM), every class."}
    )
    volcano_height_min_m: float = field(default=500.0, metadata={"help": "Edifice height, min."})
    volcano_height_max_m: float = field(default=3000.0, metadata={"help": "... max."})
    volcano_radius_min_m: float = field(
        default=2000.0, metadata={"help": "Edifice e-folding radius (m), log-uniform, min."}
    )
    volcano_radius_max_m: float = field(default=15000.0, metadata={"help": "... max."})
    range_fraction: float = field(
        default=0.15, metadata={"help": "P(a mountain range in the DEM), every class."}
    )
    range_height_min_m: float = field(default=500.0, metadata={"help": "Crest height, min."})
    range_height_max_m: float = field(default=3000.0, metadata={"help": "... max."})
    range_half_width_min_m: float = field(
        default=2000.0, metadata={"help": "Ridge half-width (m), log-uniform, min."}
    )
    range_half_width_max_m: float = field(default=20000.0, metadata={"help": "... max."})
    stratification_std_m_per_km: float = field(
        default=0.0048,
        metadata={
            "help": "Std of the stratified delay coefficient (m per km of height; Emardson et "
            "al. 2003's k = 4.8 mm/km), times sqrt(strength)."
        },
    )
    ramp_gradient_max_m_per_km: float = field(
        default=2e-4, metadata={"help": "Orbital ramp gradient uniform in [0, max] m per km."}
    )
    front_fraction: float = field(
        default=0.1, metadata={"help": "P(an atmospheric front), every class."}
    )
    front_step_min_m: float = field(
        default=0.005, metadata={"help": "|Delay step| across a front (m), log-uniform, min."}
    )
    front_step_max_m: float = field(default=0.04, metadata={"help": "... max."})
    front_width_min_m: float = field(
        default=500.0, metadata={"help": "Front transition width (m), log-uniform, min."}
    )
    front_width_max_m: float = field(default=10000.0, metadata={"help": "... max."})
    gravity_wave_fraction: float = field(
        default=0.1, metadata={"help": "P(a gravity-wave packet), every class."}
    )
    gravity_wave_amplitude_min_m: float = field(
        default=0.002, metadata={"help": "Gravity-wave amplitude (m), log-uniform, min."}
    )
    gravity_wave_amplitude_max_m: float = field(default=0.01, metadata={"help": "... max."})
    gravity_wave_length_min_m: float = field(
        default=2000.0, metadata={"help": "Gravity-wave wavelength (m), log-uniform, min."}
    )
    gravity_wave_length_max_m: float = field(default=20000.0, metadata={"help": "... max."})
    mean_coherence_min: float = field(default=0.35, metadata={"help": "Mean coherence, min."})
    mean_coherence_max: float = field(default=0.95, metadata={"help": "... max."})
    landcover_fraction_max: float = field(
        default=0.5,
        metadata={"help": "Share of low-coherence land-cover patches, uniform in [0, max]."},
    )
    looks_min: int = field(
        default=16,
        metadata={
            "help": "Effective looks (multilooking and filtering), log-uniform, min (integer)."
        },
    )
    looks_max: int = field(default=256, metadata={"help": "... max (inclusive)."})
    water_fraction: float = field(
        default=0.3, metadata={"help": "P(a water body: the DEM's low ground is NaN)."}
    )
    water_area_max: float = field(
        default=0.3, metadata={"help": "Water's share of the scene, uniform in [0.01, max]."}
    )
    frame_edge_fraction: float = field(
        default=0.15, metadata={"help": "P(the frame's edge cuts the scene: NaN beyond it)."}
    )
    frame_edge_area_max: float = field(
        default=0.3, metadata={"help": "Share cut off by the edge, uniform in [0.02, max]."}
    )
    no_data_threshold: float = field(
        default=0.2,
        metadata={
            "help": "Coherence under which unwrapped products are NaN (wrapped products keep the "
            "noisy phase) and the label rule ignores a pixel."
        },
    )
    unwrapping_error_fraction: float = field(
        default=0.15,
        metadata={"help": "P(an unwrapping error: a 2 pi step along a line, unwrapped product)."},
    )
    mogi_depth_min_m: float = field(default=1000.0, metadata={"help": "Mogi source depth, min."})
    mogi_depth_max_m: float = field(default=8000.0, metadata={"help": "... max."})
    mogi_volume_min_m3: float = field(
        default=1e5, metadata={"help": "|Mogi volume change| (m^3), log-uniform, min; sign +-."}
    )
    mogi_volume_max_m3: float = field(default=2e7, metadata={"help": "... max."})
    bowl_radius_min_m: float = field(default=500.0, metadata={"help": "Subsidence bowl radius."})
    bowl_radius_max_m: float = field(default=8000.0, metadata={"help": "... max."})
    bowl_subsidence_min_m: float = field(default=0.01, metadata={"help": "Max subsidence, min."})
    bowl_subsidence_max_m: float = field(default=0.3, metadata={"help": "... max."})
    # Sources (#11): hard-negative mix, dykes and sills, segmented tapered ruptures.
    # Dyke and sill ranges cover published InSAR models of intrusions (docs/physics.md).
    hard_negative_weights: tuple = field(
        default=(("mogi", 0.3), ("subsidence", 0.3), ("dyke", 0.2), ("sill", 0.2)),
        metadata={"help": "(source, weight) pairs over simulate.volcanic.HARD_NEGATIVE_SOURCES."},
    )
    dyke_opening_min_m: float = field(
        default=0.5, metadata={"help": "Dyke opening (m), log-uniform, min."}
    )
    dyke_opening_max_m: float = field(default=5.0, metadata={"help": "... max."})
    dyke_length_min_m: float = field(default=2e3, metadata={"help": "Dyke length along strike."})
    dyke_length_max_m: float = field(default=15e3, metadata={"help": "... max."})
    dyke_height_min_m: float = field(default=1e3, metadata={"help": "Dyke down-dip height, min."})
    dyke_height_max_m: float = field(default=8e3, metadata={"help": "... max."})
    dyke_top_depth_min_m: float = field(default=100.0, metadata={"help": "Dyke top depth, min."})
    dyke_top_depth_max_m: float = field(default=3e3, metadata={"help": "... max."})
    sill_opening_min_m: float = field(
        default=0.1, metadata={"help": "Sill opening (m), log-uniform, min."}
    )
    sill_opening_max_m: float = field(default=2.0, metadata={"help": "... max."})
    sill_side_min_m: float = field(
        default=1e3, metadata={"help": "Sill length and width (each drawn), min."}
    )
    sill_side_max_m: float = field(default=10e3, metadata={"help": "... max."})
    sill_depth_min_m: float = field(default=500.0, metadata={"help": "Sill depth, min."})
    sill_depth_max_m: float = field(default=6e3, metadata={"help": "... max."})
    rupture_segments_max: int = field(
        default=4, metadata={"help": "Most segments of a rupture (count uniform from 1)."}
    )
    rupture_segment_length_min_m: float = field(
        default=10e3, metadata={"help": "A rupture has at most one segment per this length."}
    )
    rupture_bend_max_deg: float = field(
        default=15.0, metadata={"help": "Segment strike = strike + uniform(-max, max)."}
    )
    rupture_step_max_m: float = field(
        default=1500.0, metadata={"help": "Step-over between segments, uniform(-max, max) m."}
    )
    slip_taper_levels: int = field(
        default=1,
        metadata={
            "help": "Nested rectangles per segment for the slip taper (1 = uniform within a "
            "segment, the segments still taper along strike; 2 costs about 1.5x the Okada time)."
        },
    )
    surface_rupture_depth_m: float = field(
        default=500.0,
        metadata={"help": "A rupture with a shallower top breaks the surface (top set to 0)."},
    )
    near_field_width_min_m: float = field(
        default=300.0,
        metadata={"help": "Decorrelated band along a surface rupture (m), log-uniform, min."},
    )
    near_field_width_max_m: float = field(default=3000.0, metadata={"help": "... max."})
    # Real backgrounds (#21): real earthquake-free wrapped interferograms as the nuisance.
    real_background_fraction: float = field(
        default=0.0,
        metadata={
            "help": "Share of wrapped scenes, of every class alike, whose nuisance and "
            "decorrelation come from a real background of a bank (insar_hf.backgrounds; "
            "`insar-hf generate --real-backgrounds DIR`) instead of the simulator."
        },
    )
    background_crop_max_px: int = field(
        default=896,
        metadata={
            "help": "Largest square crop of a real background (pixels), resampled to the scene "
            "side: crops are log-uniform between the scene side and this (and the background)."
        },
    )
    background_coherence_window_px: int = field(
        default=5,
        metadata={"help": "Window (pixels) of a background's pseudo-correlation."},
    )
    background_coherence_threshold: float = field(
        default=0.5,
        metadata={
            "help": "Pseudo-correlation under which a background pixel is decorrelated: it keeps "
            "its noise, and the label rule ignores it (pure noise gives 0.18 +- 0.09 in 5 x 5)."
        },
    )

    def __post_init__(self) -> None:
        check_scene_config(self)

    def replace(self, **changes) -> SceneConfig:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)
