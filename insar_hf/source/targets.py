"""Regression targets of the source network: names, units, standardisation, encode and decode.

The network (``ViTForImageClassification`` with ``problem_type="regression"``) predicts one
standardised number per target of :data:`TARGETS`. Every target is something the *image* can
show; physical values are decoded with the pixel spacing when it is known:

* ``mw`` (plain) and ``mw_scale_free = mw - k log10(pixel_m / 100 m)``. The generator sizes the
  window with the magnitude (``simulate/design.py``), so the extent of a deformation in *pixels*
  says little about Mw. Rupture length grows as ``log10 L = a + b Mw`` (Wells & Coppersmith
  1994, Table 2A, all slip types: ``b = 0.59``), so ``Mw = log10(L) / b + c`` and the pattern's
  size in pixels fixes ``mw - (1 / b) log10(pixel_m)``. ``k = 1 / b = 1.69`` rather than the
  self-similar ``k = 2`` (``M0 ~ L^3``): on the training rows, the part of the target that the
  window's span factor (what the image shows) cannot explain has a standard deviation of
  0.08 with ``k = 1 / b`` and 0.14 with ``k = 2``.
* ``depth_km`` (plain) and ``log10_depth_px = log10(centroid_depth_m / pixel_m)`` (scale-free).
* the mechanism as continuous angles: ``sin`` / ``cos`` of rake, of strike and of twice the
  strike (a vertical fault looks the same with strike + 180, so ``2 strike`` is the
  well-defined angle; ``strike`` itself picks the half-turn), and ``dip_deg``.
* ``epicentre_heat`` (:data:`PATCH_TARGETS`): not a regression of the [CLS] token but the same
  head's output on every **patch token**, a heat map of the epicentre (the surface projection
  of the source centre) decoded to pixels by :func:`insar_hf.source.epicentre.decode_epicentre`.
  Its [CLS] value carries no information and is trained towards 0 (standardisation: mean 0,
  standard deviation 1).

:class:`TargetScaling` holds the standardisation (mean and standard deviation of each target
on the training split), the validation residual spread of each decoded field (the one-sigma
uncertainty of an estimate) and the constants above; it is saved in the model's ``config.json``
under :data:`CONFIG_KEY` and read back from any loaded config (:meth:`TargetScaling.from_config`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from insar_hf.physics.scaling import WELLS_COPPERSMITH_1994
from insar_hf.schema import IMAGE_SIZE
from insar_hf.source.epicentre import decode_epicentre

__all__ = [
    "CONFIG_KEY",
    "MW_PER_LOG10_PIXEL",
    "PATCH_TARGETS",
    "REFERENCE_PIXEL_M",
    "REQUIRED_COLUMNS",
    "SIGMA_QUANTILE",
    "SCALE_FREE_FIELDS",
    "SOURCE_FIELDS",
    "TARGETS",
    "TARGET_UNITS",
    "TargetScaling",
    "circular_difference_deg",
    "raw_targets",
    "residuals",
    "spread",
]

CONFIG_KEY = "source_targets"
"""Key of the target scaling in the model's ``config.json``."""

MW_PER_LOG10_PIXEL = 1.0 / WELLS_COPPERSMITH_1994["oblique"][0][1]
"""``k`` of ``mw_scale_free``: magnitude units per decade of length (1 / 0.59)."""

REFERENCE_PIXEL_M = 100.0
"""Pixel spacing at which ``mw_scale_free`` equals ``mw``, metres."""

TARGET_UNITS: dict[str, str] = {
    "mw": "Mw",
    "mw_scale_free": "Mw at 100 m pixels",
    "depth_km": "km",
    "log10_depth_px": "log10 pixels",
    "sin_rake": "1",
    "cos_rake": "1",
    "sin_strike": "1",
    "cos_strike": "1",
    "sin_2strike": "1",
    "cos_2strike": "1",
    "dip_deg": "degrees",
    "epicentre_heat": "logit per patch token",
}
TARGETS: tuple[str, ...] = tuple(TARGET_UNITS)
"""Network outputs, in order (``config.id2label``)."""
PATCH_TARGETS: tuple[str, ...] = ("epicentre_heat",)
"""Outputs read on the patch tokens (heat maps), not on [CLS]; the last of :data:`TARGETS`."""

SOURCE_FIELDS = (
    "mw",
    "centroid_depth_m",
    "epicentre_row_px",
    "epicentre_col_px",
    "strike_deg",
    "dip_deg",
    "rake_deg",
)
"""Decoded fields, as named in :class:`insar_hf.source.estimate.SourceEstimate`."""

SCALE_FREE_FIELDS = ("mw", "centroid_depth_m")
"""Fields with a plain and a scale-free head (the latter needs the pixel spacing)."""

REQUIRED_COLUMNS: tuple[str, ...] = (*SOURCE_FIELDS, "pixel_m")
"""Metadata columns the targets are computed from."""

SIGMA_QUANTILE = 68.27
"""Percentile of the absolute validation residual taken as the one-sigma spread."""


def circular_difference_deg(a, b, period: float = 360.0) -> np.ndarray:
    """``a - b`` wrapped into ``[-period / 2, period / 2)``, degrees (float64 array)."""
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    return (d + period / 2.0) % period - period / 2.0


def raw_targets(rows: Mapping[str, Sequence[float]]) -> np.ndarray:
    """Physical target values of metadata rows, shape (N, len(TARGETS)), float64.

    The [CLS] value of each of :data:`PATCH_TARGETS` is 0.

    ``rows`` maps column names (:data:`REQUIRED_COLUMNS`, as in the dataset) to sequences of
    length N. Raises ``ValueError`` when a column is missing or a value is not finite (a row
    without an earthquake has NaN source fields).
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in rows]
    if missing:
        raise ValueError(f"source targets need the metadata column(s) {missing}")
    col = {c: np.asarray(rows[c], dtype=np.float64) for c in REQUIRED_COLUMNS}
    bad = [c for c, v in col.items() if not np.all(np.isfinite(v))]
    if bad:
        raise ValueError(
            f"non-finite {bad} in the source targets: train on earthquake scenes only (label 1)"
        )
    if np.any(col["pixel_m"] <= 0):
        raise ValueError("pixel_m must be > 0 metres in every row")
    log_pixel = np.log10(col["pixel_m"] / REFERENCE_PIXEL_M)
    strike, rake = np.radians(col["strike_deg"]), np.radians(col["rake_deg"])
    depth_px = np.maximum(col["centroid_depth_m"], 1.0) / col["pixel_m"]
    values = {
        "mw": col["mw"],
        "mw_scale_free": col["mw"] - MW_PER_LOG10_PIXEL * log_pixel,
        "depth_km": col["centroid_depth_m"] / 1e3,
        "log10_depth_px": np.log10(depth_px),
        "sin_rake": np.sin(rake),
        "cos_rake": np.cos(rake),
        "sin_strike": np.sin(strike),
        "cos_strike": np.cos(strike),
        "sin_2strike": np.sin(2.0 * strike),
        "cos_2strike": np.cos(2.0 * strike),
        "dip_deg": col["dip_deg"],
        "epicentre_heat": np.zeros_like(col["mw"]),
    }
    return np.stack([values[name] for name in TARGETS], axis=1)  # (N, T)


def residuals(fields: dict[str, np.ndarray], rows: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Estimate minus truth per field (angles circular, strike also modulo 180), (N,) each."""
    out = {name: fields[name] - rows[name] for name in SOURCE_FIELDS}
    for name in ("strike_deg", "rake_deg"):
        out[name] = circular_difference_deg(fields[name], rows[name])
    out["strike_mod180_deg"] = circular_difference_deg(
        fields["strike_deg"], rows["strike_deg"], 180
    )
    return out


def spread(res: dict[str, np.ndarray]) -> dict[str, float]:
    """One-sigma spread per field: the :data:`SIGMA_QUANTILE` percentile of ``|residual|``."""
    return {k: float(np.percentile(np.abs(res[k]), SIGMA_QUANTILE)) for k in SOURCE_FIELDS}


def _decode_strike(s1, c1, s2, c2) -> np.ndarray:
    """Strike in [0, 360): the half-turn of ``atan2(s2, c2) / 2`` nearest ``atan2(s1, c1)``."""
    half = np.degrees(np.arctan2(s2, c2)) / 2.0 % 180.0  # (N,) in [0, 180)
    full = np.degrees(np.arctan2(s1, c1)) % 360.0
    other = half + 180.0
    pick = np.abs(circular_difference_deg(other, full)) < np.abs(
        circular_difference_deg(half, full)
    )
    return np.where(pick, other, half) % 360.0


@dataclass(frozen=True)
class TargetScaling:
    """Standardisation of :data:`TARGETS` and the one-sigma spread of each decoded field.

    Attributes
    ----------
    names, units
        Targets in network-output order, and their units.
    mean, std
        Per target, from the training split (``encode``: ``(raw - mean) / std``).
    mw_per_log10_pixel, reference_pixel_m
        The constants of ``mw_scale_free`` (module docstring).
    sigma_with_pixel_m, sigma_without_pixel_m
        One-sigma spread of each decoded field (:data:`SOURCE_FIELDS`, physical units) on the
        validation split, decoding with and without the pixel spacing: the 68th percentile of
        the absolute residual (angles: circular; strike modulo 180 for near-vertical faults
        would be smaller). Empty until measured.
    scale_free
        Fields (of :data:`SCALE_FREE_FIELDS`) decoded from their scale-free head when the pixel
        spacing is known; the others keep their plain head. Chosen at training time: the head
        with the smaller validation error.
    """

    names: tuple[str, ...]
    units: tuple[str, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    mw_per_log10_pixel: float = MW_PER_LOG10_PIXEL
    reference_pixel_m: float = REFERENCE_PIXEL_M
    sigma_with_pixel_m: dict[str, float] = field(default_factory=dict)
    sigma_without_pixel_m: dict[str, float] = field(default_factory=dict)
    scale_free: tuple[str, ...] = SCALE_FREE_FIELDS

    def __post_init__(self):
        n = len(self.names)
        if tuple(self.names) != TARGETS:
            raise ValueError(
                f"source targets {list(self.names)} differ from this version's {list(TARGETS)}; "
                "retrain the source model with this version of insar_hf"
            )
        if not (len(self.units) == len(self.mean) == len(self.std) == n):
            raise ValueError("names, units, mean and std must have one entry per target")
        if not set(self.scale_free) <= set(SCALE_FREE_FIELDS):
            raise ValueError(f"scale_free must be a subset of {SCALE_FREE_FIELDS}")
        if not all(math.isfinite(s) and s > 0 for s in self.std):
            raise ValueError(f"every target std must be finite and > 0, got {list(self.std)}")

    @classmethod
    def fit(cls, rows: Mapping[str, Sequence[float]]) -> TargetScaling:
        """Mean and standard deviation of every target over ``rows`` (the training split)."""
        raw = raw_targets(rows)
        if len(raw) < 2:
            raise ValueError("fitting the target scaling needs at least two earthquake rows")
        std = raw.std(axis=0)
        std = np.where(std > 1e-6, std, 1.0)  # a constant target (tiny test sets) keeps its mean
        mean = raw.mean(axis=0)
        heat = [TARGETS.index(name) for name in PATCH_TARGETS]
        mean[heat], std[heat] = 0.0, 1.0  # logits: not standardised
        return cls(
            names=TARGETS,
            units=tuple(TARGET_UNITS[n] for n in TARGETS),
            mean=tuple(float(v) for v in mean),
            std=tuple(float(v) for v in std),
        )

    def with_sigma(self, with_pixel_m: Mapping[str, float], without_pixel_m: Mapping[str, float]):
        """A copy that carries the measured one-sigma spreads."""
        return TargetScaling(
            **{
                **asdict(self),
                "sigma_with_pixel_m": {k: float(v) for k, v in with_pixel_m.items()},
                "sigma_without_pixel_m": {k: float(v) for k, v in without_pixel_m.items()},
            }
        )

    def encode(self, rows: Mapping[str, Sequence[float]]) -> np.ndarray:
        """Standardised targets of metadata rows, (N, T) float32: the regression ``labels``."""
        raw = raw_targets(rows)
        return ((raw - np.asarray(self.mean)) / np.asarray(self.std)).astype(np.float32)

    def unstandardise(self, outputs) -> np.ndarray:
        """Network outputs (N, T) -> target values in their units, float64."""
        out = np.asarray(outputs, dtype=np.float64)
        if out.ndim != 2 or out.shape[1] != len(self.names):
            raise ValueError(
                f"outputs must have shape (N, {len(self.names)}) (one per target), got {out.shape}"
            )
        return out * np.asarray(self.std) + np.asarray(self.mean)

    def decode(
        self, outputs, pixel_m=None, heat=None, image_size: int = IMAGE_SIZE
    ) -> dict[str, np.ndarray]:
        """Physical source fields of network outputs: :data:`SOURCE_FIELDS` -> (N,).

        Parameters
        ----------
        outputs
            The [CLS] outputs (N, T).
        pixel_m
            Scalar or (N,), metres; NaN or None where unknown. Selects the scale-free heads of
            :attr:`scale_free`; without it the plain heads are used.
        heat
            The ``epicentre_heat`` logits of the patch tokens, (N, g, g); None: the epicentre is
            NaN.
        image_size
            Side of the model image, pixels (the patch side is ``image_size / g``).
        """
        t = dict(zip(self.names, self.unstandardise(outputs).T))
        n = len(t["mw"])
        px = np.full(n, np.nan) if pixel_m is None else np.asarray(pixel_m, np.float64)
        px = np.broadcast_to(px, (n,))
        known = np.isfinite(px) & (px > 0)
        safe_px = np.where(known, px, self.reference_pixel_m)
        mw_scaled = t["mw_scale_free"] + self.mw_per_log10_pixel * np.log10(
            safe_px / self.reference_pixel_m
        )
        depth_scaled = 10.0 ** t["log10_depth_px"] * safe_px
        use_mw, use_depth = (known & (f in self.scale_free) for f in SCALE_FREE_FIELDS)
        if heat is None:
            row = col = np.full(n, np.nan)
        else:
            heat = np.asarray(heat)
            if len(heat) != n:
                raise ValueError(f"heat holds {len(heat)} maps for {n} outputs")
            row, col = decode_epicentre(heat, patch_size=image_size / heat.shape[-1])
        return {
            "mw": np.where(use_mw, mw_scaled, t["mw"]),
            "centroid_depth_m": np.maximum(
                np.where(use_depth, depth_scaled, t["depth_km"] * 1e3), 0
            ),
            "epicentre_row_px": row,
            "epicentre_col_px": col,
            "strike_deg": _decode_strike(
                t["sin_strike"], t["cos_strike"], t["sin_2strike"], t["cos_2strike"]
            ),
            "dip_deg": np.clip(t["dip_deg"], 1e-3, 90.0),
            "rake_deg": np.degrees(np.arctan2(t["sin_rake"], t["cos_rake"])),
        }

    def sigma(self, pixel_m_known: bool) -> dict[str, float]:
        """The one-sigma spreads that go with a decode with or without the pixel spacing."""
        return dict(self.sigma_with_pixel_m if pixel_m_known else self.sigma_without_pixel_m)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (what :meth:`to_config` stores)."""
        out = asdict(self)
        for key in ("names", "units", "mean", "std", "scale_free"):
            out[key] = list(out[key])
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TargetScaling:
        """Inverse of :meth:`as_dict`."""
        data = dict(data)
        for key in ("names", "units", "mean", "std", "scale_free"):
            if key in data:
                data[key] = tuple(data[key])
        return cls(**data)

    def to_config(self, config: Any) -> None:
        """Store the scaling in a ``PretrainedConfig`` (saved with ``config.json``)."""
        setattr(config, CONFIG_KEY, self.as_dict())

    @classmethod
    def from_config(cls, config: Any) -> TargetScaling:
        """The scaling a source model's config carries; ``ValueError`` when it has none."""
        data = getattr(config, CONFIG_KEY, None)
        if data is None:
            raise ValueError(
                f"this model's config has no {CONFIG_KEY!r}: it is not a source-estimation "
                "model (train one with training/train_source.py)"
            )
        return cls.from_dict(data)
