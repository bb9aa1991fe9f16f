"""Synthetic interferogram scenes: an earthquake (or not) seen by a SAR sensor through noise.

:func:`sample_scene` turns a seed into a :class:`Scene` -- arrays (LOS displacement, wrapped and
unwrapped phase, coherence, ground-truth deformation mask) plus flat metadata -- following
:class:`SceneConfig`.  The recipe, its distributions and the label rule are described in
``docs/generator.md``; in short, for one scene:

1. *Design* (``SeedSequence`` child 0): positive or negative (``positive_fraction``), a hard
   negative or not (``hard_negative_fraction`` of negatives), wrapped or unwrapped, sensor
   (``sensor_weights``), pass (ascending / descending, equally likely), heading (the pass's
   typical heading plus a Gaussian jitter), incidence (uniform over the sensor's range) and pixel
   spacing.  With ``pixel_spacing_mode = "magnitude"`` (default) a *design magnitude* (the Mw
   distribution) and a span factor (log-uniform in ``[span_factor_min, span_factor_max]``) are
   drawn for **every** scene, and the image side is the span factor times
   :func:`deformation_footprint_m` of the design magnitude, clipped to
   ``[pixel_spacing_min_m, pixel_spacing_max_m]``: the spacing has the same distribution for
   every class by construction.  With ``"log-uniform"`` the spacing is log-uniform in that
   range, independent of the magnitude.
2. *Source* (child 2): for a positive, Mw (the design magnitude; with ``"log-uniform"`` spacing
   drawn uniform or truncated Gutenberg-Richter), mechanism and
   angles, rupture size and slip (:mod:`insar_hf.physics.scaling`), top depth (uniform) and
   epicentre (uniform inside the image, ``epicentre_margin_fraction`` away from the edges); Okada
   (1985) east/north/up on the pixel grid, projected onto the LOS.  For a hard negative, a Mogi
   inflation / deflation source or a subsidence bowl, placed the same way.
3. *Nuisance* (child 1, drawn identically for every class): turbulent delay, stratified delay
   over a fractal DEM, orbital ramp, coherence map, decorrelation phase noise, no-data mask.
4. ``unwrapped = -4 pi / wavelength * los + noise`` (NaN where no data), ``wrapped =
   wrap(unwrapped)`` in ``[-pi, pi)``.

Label rule
----------
``deformation_mask`` is the set of valid pixels where the earthquake's own phase
``|-4 pi / wavelength * eq_los|`` is at least a quarter fringe (``pi / 2`` rad), measured from the
undeformed far field.  **A scene is labelled 1 iff it contains an earthquake and its mask has at
least ``min_visible_pixels`` pixels.**  A drawn earthquake that falls short is *redrawn* (new
mechanism, geometry, depth and position, and a new magnitude only with ``"log-uniform"``
spacing; same sensor, pixel spacing and nuisance) up to ``max_redraws`` times; if it is still invisible the scene keeps it but is labelled 0 with
``deformation_source = "earthquake_not_visible"``.  Every label-0 scene has an empty mask and
the box ``[0, 0, 0, 0]``; hard negatives are label 0 however strong their deformation.

Seeds
-----
A scene is a pure function of its seed: an ``int`` or a ``np.random.SeedSequence`` (use
:func:`scene_seed_sequence` for dataset splits).  Its three streams are the children
``spawn_key + (0,)``, ``(1,)``, ``(2,)`` of that sequence, built explicitly, so calling
:func:`sample_scene` twice with the same object gives bit-identical arrays.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from insar_hf.physics import los as los_mod
from insar_hf.physics import scaling
from insar_hf.physics import sources as sources_mod
from insar_hf.physics.okada import okada_surface_displacement
from insar_hf.schema import (
    IMAGE_SIZE,
    METADATA_FIELDS,
    SPLIT_STREAMS,
    missing_value,
    typed_metadata,
)
from insar_hf.simulate import atmosphere, noise

__all__ = [
    "PIXEL_SPACING_MODES",
    "Scene",
    "SceneConfig",
    "bbox_from_mask",
    "deformation_footprint_m",
    "sample_scene",
    "scene_seed_sequence",
]

PIXEL_SPACING_MODES = ("magnitude", "log-uniform")
"""Values of ``SceneConfig.pixel_spacing_mode``."""

QUARTER_FRINGE_RAD = math.pi / 2.0
"""Phase threshold of the deformation mask: a quarter of a ``2 pi`` fringe."""

# ------------------------------------------------------------------------------- config


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
        default=atmosphere.DEFAULT_BETA, metadata={"help": "2-D spectral slope (Hanssen 2001)."}
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


# -------------------------------------------------------------------------------- scene


@dataclass
class Scene:
    """One synthetic interferogram.

    Arrays have shape ``(rows, cols) = (image_size_px, image_size_px)``; row 0 is north.

    Attributes
    ----------
    los_m : ndarray, float32
        Total LOS displacement-equivalent (m, positive = range increase): earthquake or
        hard-negative deformation + turbulent + stratified delay + orbital ramp.  Finite
        everywhere; decorrelation noise is a phase effect and is not in it.
    eq_los_m : ndarray, float32
        The earthquake's part of ``los_m`` (zeros when no earthquake was drawn).
    unwrapped_rad : ndarray, float32
        ``-4 pi / wavelength * los_m`` + decorrelation noise; NaN where no data.
    wrapped_rad : ndarray, float32
        ``unwrapped_rad`` wrapped into ``[-pi, pi)``; NaN where no data.
    coherence : ndarray, float32
        Coherence in [0, 1]; pixels below ``metadata["no_data_threshold"]`` are no data.
    deformation_mask : ndarray, bool
        Valid pixels where the earthquake's phase is at least a quarter fringe; all False for
        label 0.
    deformation_bbox : list of 4 int
        ``[x_min, y_min, x_max, y_max]`` of the mask, half-open pixels; ``[0, 0, 0, 0]`` if empty.
    kind : str
        ``"wrapped"`` or ``"unwrapped"``: the field the dataset shows the model.
    label : int
        1 earthquake visible, 0 otherwise (see the module docstring).
    metadata : dict
        Flat, keys and types in :data:`METADATA_FIELDS`.
    """

    los_m: np.ndarray
    eq_los_m: np.ndarray
    unwrapped_rad: np.ndarray
    wrapped_rad: np.ndarray
    coherence: np.ndarray
    deformation_mask: np.ndarray
    deformation_bbox: list[int]
    kind: str
    label: int
    metadata: dict

    @property
    def field_rad(self) -> np.ndarray:
        """The phase of this scene's ``kind`` (wrapped or unwrapped), NaN = no data."""
        return self.wrapped_rad if self.kind == "wrapped" else self.unwrapped_rad


def bbox_from_mask(mask: np.ndarray) -> list[int]:
    """``[x_min, y_min, x_max, y_max]`` (half-open, pixels) of a boolean mask; zeros if empty."""
    rows = np.flatnonzero(mask.any(axis=1))
    if rows.size == 0:
        return [0, 0, 0, 0]
    cols = np.flatnonzero(mask.any(axis=0))
    return [int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1]


# -------------------------------------------------------------------------------- seeds


def scene_seed_sequence(seed: int, split: str, index: int) -> np.random.SeedSequence:
    """Seed sequence of scene ``index`` of ``split``: ``SeedSequence(seed, spawn_key=(id, index))``.

    ``id`` is ``schema.SPLIT_STREAMS[split]`` (train 0, validation 1, test 2), so no two ``(split, index)``
    share a stream and a scene never depends on how many scenes came before it.
    """
    if not (isinstance(seed, (int, np.integer)) and 0 <= seed < 2**63):
        raise ValueError(f"seed must be an integer in [0, 2**63), got {seed!r}")
    if split not in SPLIT_STREAMS:
        raise ValueError(f"split must be one of {list(SPLIT_STREAMS)}, got {split!r}")
    if not (isinstance(index, (int, np.integer)) and index >= 0):
        raise ValueError(f"index must be an integer >= 0, got {index!r}")
    return np.random.SeedSequence(int(seed), spawn_key=(SPLIT_STREAMS[split], int(index)))


def _root_sequence(seed) -> np.random.SeedSequence:
    if isinstance(seed, np.random.SeedSequence):
        if not isinstance(seed.entropy, (int, np.integer)) or not 0 <= seed.entropy < 2**63:
            raise ValueError(
                "the SeedSequence must have an integer entropy in [0, 2**63) so that it can be "
                f"recorded in the metadata; got entropy {seed.entropy!r}"
            )
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and 0 <= seed < 2**63:
        return np.random.SeedSequence(int(seed))
    raise ValueError(f"seed must be an integer in [0, 2**63) or a numpy SeedSequence, got {seed!r}")


def _child_rng(root: np.random.SeedSequence, k: int) -> np.random.Generator:
    # Built explicitly rather than with root.spawn(), which mutates ``root`` and would make a
    # second call with the same SeedSequence object draw a different scene.
    child = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, k))
    return np.random.default_rng(child)


# ------------------------------------------------------------------------------ helpers


def _choose(rng: np.random.Generator, pairs: tuple) -> str:
    names = [name for name, _ in pairs]
    weights = np.array([w for _, w in pairs], dtype=np.float64)
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def _log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


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


def _draw_mw(rng: np.random.Generator, config: SceneConfig) -> float:
    u = rng.random()
    lo, hi = config.mw_min, config.mw_max
    if config.mw_distribution == "uniform" or hi == lo:
        return lo + u * (hi - lo)
    # Truncated Gutenberg-Richter: P(M >= m) ∝ 10^(-b m) on [lo, hi], by inverse CDF.
    b = config.gr_b_value
    return lo - math.log10(1.0 - u * (1.0 - 10.0 ** (-b * (hi - lo)))) / b


@lru_cache(maxsize=16)
def _interp_matrix(size: int, stride: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Node pixels, each pixel's cell and the ``(size, n_nodes)`` linear-interpolation matrix.

    Nodes are every ``stride``-th pixel plus the last; cell ``a`` spans nodes ``a`` and
    ``a + 1``; ``cell[p]`` is the cell whose interpolation gives pixel ``p``.
    """
    nodes = np.arange(0, size, stride)
    if nodes[-1] != size - 1:
        nodes = np.append(nodes, size - 1)
    pix = np.arange(size, dtype=np.float64)
    cell = np.clip(np.searchsorted(nodes, pix, side="right") - 1, 0, nodes.size - 2)
    t = (pix - nodes[cell]) / (nodes[cell + 1] - nodes[cell])
    matrix = np.zeros((size, nodes.size), dtype=np.float32)
    matrix[np.arange(size), cell] = 1.0 - t
    matrix[np.arange(size), cell + 1] = t
    return nodes, cell, matrix


def _los_on_grid(
    func,
    size: int,
    pixel_m: float,
    stride: int,
    x0_m: float,
    y0_m: float,
    los_enu,
    tolerance_m: float = 0.0,
    **kw,
) -> np.ndarray:
    """LOS displacement (m) of ``func(x_m, y_m, **kw) -> (e, n, u)`` at the pixel centres.

    ``(x0_m, y0_m)`` is the source reference point in the image frame (x east from the west
    edge, y north from the north edge, so y <= 0 inside the image).  With ``stride = 1`` every
    pixel is evaluated.  With ``stride > 1``:

    1. ``func`` is evaluated on every ``stride``-th pixel (and the last), projected onto the LOS
       and bilinearly interpolated in between (projection and interpolation are both linear,
       so projecting first is exact and interpolates one field instead of three);
    2. the interpolation error of each cell is estimated from the second differences of the
       node values (``|f[i-1] - 2 f[i] + f[i+1]| / 8``, the mid-cell error of linear
       interpolation of a quadratic); cells estimated to miss by more than ``tolerance_m``,
       and their 8 neighbours (a fault trace may clip a cell's corner), are evaluated exactly
       at every pixel.

    Node pixels and refined cells are exact; the error elsewhere is measured against
    ``stride = 1`` in ``benchmarks/bench_synth.py``.  Returns shape ``(size, size)``, float32.
    """

    def los_at(rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        x = (cols + 0.5) * pixel_m - x0_m  # east of the reference point
        y = -(rows + 0.5) * pixel_m - y0_m  # north of the reference point
        x, y = np.broadcast_arrays(x, y)
        e, n, u = func(x, y, **kw)
        return np.asarray(los_mod.los_displacement_m(e, n, u, los_enu), dtype=np.float32)

    if stride == 1:
        pix = np.arange(size)
        return los_at(pix[:, None], pix[None, :])  # (size, size)
    nodes, cell, matrix = _interp_matrix(size, stride)
    coarse = los_at(nodes[:, None], nodes[None, :])  # (n, n)
    los = matrix @ coarse @ matrix.T  # (size, n) (n, n) (n, size) -> (size, size)
    # Linear interpolation misses a smooth f by h^2 |f''| / 8 at mid-cell, and h^2 f'' is the
    # second difference of the node values: a free error estimate (bilinear interpolation is
    # exact for the cross term).  A slip discontinuity between nodes shows up as a second
    # difference of the size of the jump.
    f = coarse.astype(np.float64)
    d2x = np.pad(np.abs(f[:, :-2] - 2.0 * f[:, 1:-1] + f[:, 2:]), ((0, 0), (1, 1)), mode="edge")
    d2y = np.pad(np.abs(f[:-2, :] - 2.0 * f[1:-1, :] + f[2:, :]), ((1, 1), (0, 0)), mode="edge")
    node_miss = np.maximum(d2x, d2y) / 8.0  # (n, n)
    miss = np.maximum.reduce(
        [node_miss[:-1, :-1], node_miss[1:, :-1], node_miss[:-1, 1:], node_miss[1:, 1:]]
    )  # (n - 1, n - 1): worst estimate over each cell's four corners
    bad = miss > tolerance_m
    if bad.any():
        padded = np.pad(bad, 1)
        grown = np.zeros_like(bad)
        for dr in range(3):
            for dc in range(3):
                grown |= padded[dr : dr + bad.shape[0], dc : dc + bad.shape[1]]
        rows, cols = np.nonzero(grown[np.ix_(cell, cell)])  # pixels of the flagged cells
        los[rows, cols] = los_at(rows, cols)
    return los


def _place(rng: np.random.Generator, config: SceneConfig) -> tuple[float, float]:
    size = config.image_size_px
    margin = config.epicentre_margin_fraction * size
    row = rng.uniform(margin, size - margin)
    col = rng.uniform(margin, size - margin)
    return float(row), float(col)


def _earthquake(
    rng: np.random.Generator,
    config: SceneConfig,
    pixel_m: float,
    los_enu,
    tol_m,
    mw: float | None = None,
):
    """Draw one earthquake and its LOS displacement on the grid: (eq_los_m, metadata).

    ``mw`` fixes the magnitude (the design magnitude); ``None`` draws it from ``rng``.
    """
    if mw is None:
        mw = _draw_mw(rng, config)
    mechanism = _choose(rng, config.mechanism_weights)
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
    eq_los = _los_on_grid(
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


def _hard_negative(rng: np.random.Generator, config: SceneConfig, pixel_m: float, los_enu, tol_m):
    """Draw a Mogi source or a subsidence bowl: (los_m, deformation_source, metadata)."""
    use_mogi = bool(rng.random() < 0.5)
    row, col = _place(rng, config)
    x0, y0 = col * pixel_m, -row * pixel_m
    size, stride = config.image_size_px, config.okada_stride_px
    meta = {"source_row_px": row, "source_col_px": col}
    if use_mogi:
        depth = float(rng.uniform(config.mogi_depth_min_m, config.mogi_depth_max_m))
        volume = _log_uniform(rng, config.mogi_volume_min_m3, config.mogi_volume_max_m3)
        volume *= 1.0 if rng.random() < 0.5 else -1.0
        source, displacement = "mogi", sources_mod.mogi_surface_displacement
        params = {"depth_m": depth, "volume_change_m3": volume}
        meta |= {"source_depth_m": depth, "source_volume_change_m3": volume}
    else:
        radius = _log_uniform(rng, config.bowl_radius_min_m, config.bowl_radius_max_m)
        sub = float(rng.uniform(config.bowl_subsidence_min_m, config.bowl_subsidence_max_m))
        source, displacement = "subsidence", sources_mod.subsidence_bowl_displacement
        params = {"radius_m": radius, "max_subsidence_m": sub}
        meta |= {"source_radius_m": radius, "source_max_subsidence_m": sub}
    los = _los_on_grid(displacement, size, pixel_m, stride, x0, y0, los_enu, tol_m, **params)
    return los, source, meta


def _empty_metadata() -> dict:
    meta = {}
    for name, dtype in METADATA_FIELDS.items():
        meta[name] = missing_value(dtype)
    meta["mechanism"] = "none"
    meta["redraws"] = 0
    meta["visible_pixels"] = 0
    return meta


# ------------------------------------------------------------------------------- sample


class _Clock:
    """Adds the seconds since the previous lap to ``timings[stage]`` (no-op without a dict)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter() if timings is not None else 0.0

    def lap(self, stage: str) -> None:
        if self.timings is not None:
            now = time.perf_counter()
            self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
            self.last = now


def sample_scene(
    seed, config: SceneConfig | None = None, *, timings: dict[str, float] | None = None
) -> Scene:
    """Draw one synthetic interferogram scene.

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        The scene is a pure function of it (bit-identical arrays for the same seed and config).
        For datasets use :func:`scene_seed_sequence`.
    config : SceneConfig, optional
        Distributions; defaults to ``SceneConfig()``.
    timings : dict, optional
        If given, seconds spent per stage are added to it under ``"design"``,
        ``"atmosphere"``, ``"coherence_noise"``, ``"source"`` and ``"compose"`` (for
        ``benchmarks/bench_synth.py``).

    Returns
    -------
    Scene
        Arrays of shape ``(config.image_size_px,) * 2`` and flat metadata
        (:data:`METADATA_FIELDS`).  The label rule is in the module docstring: label 1 iff an
        earthquake is present and at least ``config.min_visible_pixels`` valid pixels have
        ``|earthquake phase| >= pi / 2``.
    """
    config = SceneConfig() if config is None else config
    if not isinstance(config, SceneConfig):
        raise ValueError(f"config must be a SceneConfig, got {type(config).__name__}")
    clock = _Clock(timings)
    root = _root_sequence(seed)
    design, nuisance_rng, source_rng = (_child_rng(root, k) for k in range(3))
    size = config.image_size_px
    shape = (size, size)
    meta = _empty_metadata()

    # Design (step 1): every draw happens for every scene, in a fixed order.
    positive = bool(design.random() < config.positive_fraction)
    hard = bool(design.random() < config.hard_negative_fraction) and not positive
    kind = "wrapped" if design.random() < config.wrapped_fraction else "unwrapped"
    sensor_key = _choose(design, config.sensor_weights)
    sensor = los_mod.SENSORS[sensor_key]
    pass_direction = "ascending" if design.random() < 0.5 else "descending"
    heading = los_mod.typical_heading_deg(pass_direction) + design.normal(
        0.0, config.heading_jitter_deg
    )
    heading = float((heading + 180.0) % 360.0 - 180.0)
    incidence = float(design.uniform(sensor.incidence_min_deg, sensor.incidence_max_deg))
    design_mw = span = float("nan")
    if config.pixel_spacing_mode == "magnitude":
        # The window follows a design magnitude drawn for every scene, whatever its class, so
        # the spacing carries no information about the label; a positive's earthquake has
        # this magnitude.
        design_mw = _draw_mw(design, config)
        span = _log_uniform(design, config.span_factor_min, config.span_factor_max)
        footprint = deformation_footprint_m(design_mw, config.footprint_depth_m)
        pixel_m = float(
            np.clip(span * footprint / size, config.pixel_spacing_min_m, config.pixel_spacing_max_m)
        )
    else:
        pixel_m = _log_uniform(design, config.pixel_spacing_min_m, config.pixel_spacing_max_m)
    los_enu = los_mod.los_unit_vector(heading, incidence)
    wavelength = sensor.wavelength_m
    to_phase = np.float32(-4.0 * math.pi / wavelength)
    tol_m = config.okada_tolerance_rad * wavelength / (4.0 * math.pi)

    clock.lap("design")

    # Nuisance (step 3 of the module docstring), drawn before the source and identically for
    # every class.
    rms = _log_uniform(nuisance_rng, config.turbulence_rms_min_m, config.turbulence_rms_max_m)
    relief = float(nuisance_rng.uniform(config.dem_relief_min_m, config.dem_relief_max_m))
    strat = float(
        nuisance_rng.uniform(
            -config.stratification_max_m_per_km, config.stratification_max_m_per_km
        )
    )
    ramp_gradient = float(nuisance_rng.uniform(0.0, config.ramp_gradient_max_m_per_km))
    mean_coh = float(nuisance_rng.uniform(config.mean_coherence_min, config.mean_coherence_max))
    looks = int(nuisance_rng.integers(config.looks_min, config.looks_max, endpoint=True))
    delay = atmosphere.turbulent_delay_m(
        shape, pixel_m=pixel_m, rms_m=rms, beta=config.turbulence_beta, rng=nuisance_rng
    )
    dem = atmosphere.fractal_dem_m(shape, pixel_m=pixel_m, relief_m=relief, rng=nuisance_rng)
    delay = delay + atmosphere.stratified_delay_m(dem, coefficient_m_per_km=strat)
    delay = delay + atmosphere.orbital_ramp_m(
        shape, pixel_m=pixel_m, gradient_m_per_km=ramp_gradient, rng=nuisance_rng
    )
    clock.lap("atmosphere")
    coherence = np.asarray(
        noise.coherence_map(shape, pixel_m=pixel_m, mean_coherence=mean_coh, rng=nuisance_rng),
        dtype=np.float32,
    )
    noise_rad = noise.decorrelation_noise_rad(coherence, looks=looks, rng=nuisance_rng)
    no_data = np.asarray(noise.no_data_mask(coherence, threshold=config.no_data_threshold))
    valid = ~no_data
    clock.lap("coherence_noise")

    # Source (step 2).
    eq_los = np.zeros(shape, dtype=np.float32)
    other_los = np.zeros(shape, dtype=np.float32)
    mask = np.zeros(shape, dtype=bool)
    label = 0
    source = "none"
    if positive:
        # With a design magnitude, redraws keep it and re-draw only mechanism, geometry, depth
        # and position; otherwise each redraw draws a new magnitude too.
        fixed_mw = design_mw if config.pixel_spacing_mode == "magnitude" else None
        redraws = 0
        while True:
            eq_los, eq_meta = _earthquake(source_rng, config, pixel_m, los_enu, tol_m, fixed_mw)
            mask = (np.abs(eq_los * to_phase) >= QUARTER_FRINGE_RAD) & valid
            visible = int(np.count_nonzero(mask))
            if visible >= config.min_visible_pixels or redraws == config.max_redraws:
                break
            redraws += 1
        meta |= eq_meta
        meta |= {
            "redraws": redraws,
            "visible_pixels": visible,
            "max_abs_eq_los_m": float(np.abs(eq_los).max()),
        }
        if visible >= config.min_visible_pixels:
            label, source = 1, "earthquake"
        else:
            source = "earthquake_not_visible"
            mask = np.zeros(shape, dtype=bool)
    elif hard:
        other_los, source, src_meta = _hard_negative(source_rng, config, pixel_m, los_enu, tol_m)
        meta |= src_meta

    clock.lap("source")

    los_total = (eq_los + other_los + delay).astype(np.float32)
    unwrapped = (los_total * to_phase + noise_rad).astype(np.float32)
    unwrapped[no_data] = np.nan
    wrapped = np.asarray(los_mod.wrap_phase(unwrapped), dtype=np.float32)

    split = ""
    index = -1
    key = tuple(int(k) for k in root.spawn_key)
    if len(key) == 2 and key[0] in SPLIT_STREAMS.values():
        split = next(name for name, i in SPLIT_STREAMS.items() if i == key[0])
        index = key[1]
    meta |= {
        "label": label,
        "kind": kind,
        "deformation_source": source,
        "hard_negative": hard,
        "seed": int(root.entropy),
        "split": split,
        "index": index,
        "spawn_key": ",".join(str(k) for k in key),
        "sensor": sensor_key,
        "band": sensor.band,
        "wavelength_m": wavelength,
        "pass_direction": pass_direction,
        "heading_deg": heading,
        "incidence_deg": incidence,
        "pixel_m": pixel_m,
        "design_mw": design_mw,
        "span_factor": span,
        "turbulence_rms_m": rms,
        "turbulence_beta": config.turbulence_beta,
        "dem_relief_m": relief,
        "stratification_m_per_km": strat,
        "ramp_gradient_m_per_km": ramp_gradient,
        "mean_coherence": mean_coh,
        "looks": looks,
        "no_data_threshold": config.no_data_threshold,
        "no_data_fraction": float(no_data.mean()),
    }
    clock.lap("compose")
    return Scene(
        los_m=los_total,
        eq_los_m=eq_los,
        unwrapped_rad=unwrapped,
        wrapped_rad=wrapped,
        coherence=coherence,
        deformation_mask=mask,
        deformation_bbox=bbox_from_mask(mask),
        kind=kind,
        label=label,
        metadata=typed_metadata(meta),
    )
