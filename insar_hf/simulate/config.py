"""How synthetic scenes are drawn: :class:`SceneConfig` and its validation.

Every distribution of :func:`insar_hf.simulate.scene.sample_scene` -- class balance, sensors and
geometry, pixel spacing (:data:`PIXEL_SPACING_MODES`), magnitudes, mechanisms, depths, redraws,
Okada grid, atmosphere, coherence, hard-negative sources -- is a field of one frozen dataclass
with its unit in its name and a ``help`` text in its metadata.  ``__post_init__`` checks every
field and raises ``ValueError`` saying what to change; ``(name, weight)`` tables read back from
JSON (lists or dicts) are normalised to tuples, so a config survives a JSON round trip.  The
recipe the fields drive is described in :mod:`insar_hf.simulate.scene` and
``docs/generator.md``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np

from insar_hf.physics import los as los_mod
from insar_hf.physics import scaling
from insar_hf.schema import IMAGE_SIZE
from insar_hf.simulate.atmosphere import DEFAULT_BETA

__all__ = ["PIXEL_SPACING_MODES", "SceneConfig"]

PIXEL_SPACING_MODES = ("magnitude", "log-uniform")
"""Values of ``SceneConfig.pixel_spacing_mode``."""


def _weight_pairs(name: str, pairs, allowed) -> tuple[tuple[str, float], ...]:
    """Validate ``(name, weight)`` pairs (a tuple/list of pairs or a dict, as read from JSON)."""
    if isinstance(pairs, dict):
        pairs = tuple(pairs.items())
    if not isinstance(pairs, (tuple, list)) or not pairs:
        raise ValueError(f"{name} must be a non-empty tuple of (name, weight) pairs, got {pairs!r}")
    out = []
    for pair in pairs:
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise ValueError(f"{name} must hold (name, weight) pairs, got item {pair!r}")
        key, weight = pair
        if key not in allowed:
            raise ValueError(f"{name}: unknown name {key!r}; choose from {sorted(allowed)}")
        if not (
            isinstance(weight, (int, float))
            and not isinstance(weight, bool)
            and math.isfinite(weight)
            and weight >= 0
        ):
            raise ValueError(
                f"{name}: weight of {key!r} must be a finite number >= 0, got {weight!r}"
            )
        out.append((str(key), float(weight)))
    names = [key for key, _ in out]
    if len(set(names)) != len(names):
        raise ValueError(f"{name}: each name may appear once, got {names}")
    if sum(w for _, w in out) <= 0:
        raise ValueError(f"{name}: at least one weight must be > 0")
    return tuple(out)


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
        default=2.5,
        metadata={"help": "Image side / deformation footprint, log-uniform, min ('magnitude')."},
    )
    span_factor_max: float = field(default=10.0, metadata={"help": "... max."})
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
    max_redraws: int = field(
        default=30, metadata={"help": "Redraws of an invisible earthquake before labelling 0."}
    )
    okada_stride_px: int = field(
        default=4,
        metadata={
            "help": "Okada on every n-th pixel, bilinear in between and exact where the "
            "interpolation error may exceed okada_tolerance_rad (1 = every pixel)."
        },
    )
    okada_tolerance_rad: float = field(
        default=0.05,
        metadata={"help": "Estimated interpolation error (rad) above which a cell is exact."},
    )
    turbulence_rms_min_m: float = field(
        default=0.002, metadata={"help": "Turbulent delay RMS (m), log-uniform, min."}
    )
    turbulence_rms_max_m: float = field(default=0.015, metadata={"help": "... max."})
    turbulence_beta: float = field(
        default=DEFAULT_BETA, metadata={"help": "2-D spectral slope (Hanssen 2001)."}
    )
    dem_relief_min_m: float = field(default=100.0, metadata={"help": "Fractal DEM relief, min."})
    dem_relief_max_m: float = field(default=2500.0, metadata={"help": "... max."})
    stratification_max_m_per_km: float = field(
        default=0.01,
        metadata={"help": "Stratified delay coefficient uniform in [-max, max] m per km."},
    )
    ramp_gradient_max_m_per_km: float = field(
        default=2e-4, metadata={"help": "Orbital ramp gradient uniform in [0, max] m per km."}
    )
    mean_coherence_min: float = field(default=0.35, metadata={"help": "Mean coherence, min."})
    mean_coherence_max: float = field(default=0.9, metadata={"help": "... max."})
    looks_min: int = field(default=4, metadata={"help": "Number of looks, min (integer)."})
    looks_max: int = field(default=20, metadata={"help": "... max (inclusive)."})
    no_data_threshold: float = field(
        default=0.2, metadata={"help": "Coherence below which a pixel is no data (NaN)."}
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

    def __post_init__(self) -> None:
        def need(ok: bool, message: str) -> None:
            if not ok:
                raise ValueError(message)

        def is_int(v) -> bool:
            return isinstance(v, (int, np.integer)) and not isinstance(v, bool)

        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(f.default, float):
                need(
                    isinstance(value, (int, float, np.floating, np.integer))
                    and not isinstance(value, bool)
                    and math.isfinite(value),
                    f"{f.name} must be a finite number, got {value!r}",
                )
            elif isinstance(f.default, str):
                need(isinstance(value, str), f"{f.name} must be a string, got {value!r}")
        need(
            is_int(self.image_size_px) and 16 <= self.image_size_px <= 4096,
            f"image_size_px must be an integer in [16, 4096], got {self.image_size_px!r}",
        )
        for lo_name, hi_name in (
            ("pixel_spacing_min_m", "pixel_spacing_max_m"),
            ("span_factor_min", "span_factor_max"),
            ("mw_min", "mw_max"),
            ("top_depth_min_m", "top_depth_max_m"),
            ("turbulence_rms_min_m", "turbulence_rms_max_m"),
            ("dem_relief_min_m", "dem_relief_max_m"),
            ("mean_coherence_min", "mean_coherence_max"),
            ("looks_min", "looks_max"),
            ("mogi_depth_min_m", "mogi_depth_max_m"),
            ("mogi_volume_min_m3", "mogi_volume_max_m3"),
            ("bowl_radius_min_m", "bowl_radius_max_m"),
            ("bowl_subsidence_min_m", "bowl_subsidence_max_m"),
        ):
            lo, hi = getattr(self, lo_name), getattr(self, hi_name)
            need(
                isinstance(lo, (int, float)) and isinstance(hi, (int, float)),
                f"{lo_name} and {hi_name} must be numbers, got {lo!r} and {hi!r}",
            )
            need(
                math.isfinite(lo) and math.isfinite(hi) and lo <= hi,
                f"{lo_name} ({lo}) must be finite and <= {hi_name} ({hi}); swap or fix them",
            )
        need(
            self.pixel_spacing_min_m > 0,
            f"pixel_spacing_min_m must be > 0 metres, got {self.pixel_spacing_min_m}",
        )
        need(
            self.pixel_spacing_mode in PIXEL_SPACING_MODES,
            f"pixel_spacing_mode must be one of {PIXEL_SPACING_MODES}, "
            f"got {self.pixel_spacing_mode!r}",
        )
        need(
            self.span_factor_min > 0,
            "span_factor_min must be > 0 (its range is log-uniform; > 1 keeps the footprint "
            f"inside the image), got {self.span_factor_min}",
        )
        need(
            self.footprint_depth_m >= 0,
            f"footprint_depth_m must be >= 0 metres, got {self.footprint_depth_m}",
        )
        for name in ("wrapped_fraction", "positive_fraction", "hard_negative_fraction"):
            value = getattr(self, name)
            need(0.0 <= value <= 1.0, f"{name} must be a probability in [0, 1], got {value}")
        need(
            3.0 <= self.mw_min and self.mw_max <= 9.5,
            f"magnitudes must lie in [3, 9.5]; got mw_min={self.mw_min}, mw_max={self.mw_max}",
        )
        need(
            self.mw_distribution in ("uniform", "gutenberg-richter"),
            "mw_distribution must be 'uniform' or 'gutenberg-richter', "
            f"got {self.mw_distribution!r}",
        )
        need(self.gr_b_value > 0, f"gr_b_value must be > 0, got {self.gr_b_value}")
        need(self.top_depth_min_m >= 0, f"top_depth_min_m must be >= 0, got {self.top_depth_min_m}")
        need(
            self.top_depth_max_m < self.seismogenic_depth_m,
            f"top_depth_max_m ({self.top_depth_max_m}) must be shallower than "
            f"seismogenic_depth_m ({self.seismogenic_depth_m}); lower it or deepen the layer",
        )
        # Normalised to tuples so that a config read back from JSON (lists) equals the original.
        for name, allowed in (
            ("sensor_weights", los_mod.SENSORS),
            ("mechanism_weights", scaling.MECHANISMS),
        ):
            object.__setattr__(self, name, _weight_pairs(name, getattr(self, name), allowed))
        need(
            self.heading_jitter_deg >= 0,
            f"heading_jitter_deg must be >= 0, got {self.heading_jitter_deg}",
        )
        need(
            0.0 <= self.epicentre_margin_fraction < 0.5,
            "epicentre_margin_fraction must be in [0, 0.5) so that the epicentre can lie in the "
            f"image, got {self.epicentre_margin_fraction}",
        )
        need(
            is_int(self.min_visible_pixels)
            and 1 <= self.min_visible_pixels <= self.image_size_px**2,
            f"min_visible_pixels must be an integer in [1, image_size_px**2 = "
            f"{self.image_size_px**2}], got {self.min_visible_pixels!r}",
        )
        need(
            is_int(self.max_redraws) and self.max_redraws >= 0,
            f"max_redraws must be an integer >= 0, got {self.max_redraws!r}",
        )
        need(
            is_int(self.okada_stride_px) and 1 <= self.okada_stride_px <= 8,
            f"okada_stride_px must be an integer in [1, 8], got {self.okada_stride_px!r}",
        )
        need(
            self.okada_tolerance_rad > 0,
            f"okada_tolerance_rad must be > 0 radians, got {self.okada_tolerance_rad}",
        )
        need(
            self.turbulence_rms_min_m > 0,
            "turbulence_rms_min_m must be > 0 (its range is log-uniform), "
            f"got {self.turbulence_rms_min_m}",
        )
        need(
            self.dem_relief_min_m >= 0,
            f"dem_relief_min_m must be >= 0, got {self.dem_relief_min_m}",
        )
        need(
            self.stratification_max_m_per_km >= 0,
            f"stratification_max_m_per_km must be >= 0, got {self.stratification_max_m_per_km}",
        )
        need(
            self.ramp_gradient_max_m_per_km >= 0,
            f"ramp_gradient_max_m_per_km must be >= 0, got {self.ramp_gradient_max_m_per_km}",
        )
        need(
            0.0 < self.mean_coherence_min and self.mean_coherence_max <= 1.0,
            "mean coherence must lie in (0, 1]; got "
            f"mean_coherence_min={self.mean_coherence_min}, "
            f"mean_coherence_max={self.mean_coherence_max}",
        )
        need(
            is_int(self.looks_min) and is_int(self.looks_max) and self.looks_min >= 1,
            f"looks_min and looks_max must be integers >= 1, got {self.looks_min!r}, "
            f"{self.looks_max!r}",
        )
        need(
            0.0 <= self.no_data_threshold < 1.0,
            f"no_data_threshold must be a coherence in [0, 1), got {self.no_data_threshold}",
        )
        need(
            self.mogi_depth_min_m > 0, f"mogi_depth_min_m must be > 0, got {self.mogi_depth_min_m}"
        )
        need(
            self.mogi_volume_min_m3 > 0,
            f"mogi_volume_min_m3 must be > 0 (log-uniform), got {self.mogi_volume_min_m3}",
        )
        need(
            self.bowl_radius_min_m > 0,
            f"bowl_radius_min_m must be > 0, got {self.bowl_radius_min_m}",
        )
        need(
            self.bowl_subsidence_min_m >= 0,
            f"bowl_subsidence_min_m must be >= 0, got {self.bowl_subsidence_min_m}",
        )

    def replace(self, **changes) -> SceneConfig:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)
