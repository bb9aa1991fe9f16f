"""Scores of source estimates against the generator's truth, and the side-by-side table.

* :func:`mechanism_from_angles` -- the mechanism class of a rake (and dip), the rule the
  generator's angle ranges imply (:func:`insar_hf.physics.scaling.sample_mechanism_angles`).
* :func:`source_errors` -- Mw error (MAE and bias, overall and by magnitude bin), centroid-depth
  MAE, epicentre error in km (median, 90th percentile), mechanism accuracy and confusion
  counts, median seconds per scene; the same for ``Mw >= 6``.
* :func:`markdown_table` -- the methods side by side, with the goals of issue #15 marked
  reached or missed (:data:`GOALS`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from insar_hf.physics.scaling import MECHANISMS
from insar_hf.source.estimate import SourceEstimate

__all__ = [
    "GOALS",
    "MW_BINS",
    "PURE_RAKE_HALF_WIDTH_DEG",
    "TRUTH_KEYS",
    "markdown_table",
    "mechanism_from_angles",
    "source_errors",
    "speed_ratio",
]

PURE_RAKE_HALF_WIDTH_DEG = 22.5
"""A rake within this of 0/180 is strike-slip, of 90 thrust, of -90 normal; else oblique.

The generator draws pure mechanisms within 15 degrees of their rake and oblique ones within 20
of +-45 / +-135 (so at least 25 from a pure rake): any threshold in (15, 25) separates them;
22.5 is the usual octant boundary."""

MW_BINS: tuple[tuple[float, float], ...] = (
    (4.5, 5.5),
    (5.5, 6.0),
    (6.0, 6.5),
    (6.5, 7.0),
    (7.0, math.inf),
)
"""Half-open magnitude bins of the by-magnitude scores (the synthetic set spans 4.5-7.5)."""

GOALS = {"mw_mae": 0.2, "epicentre_km_median": 2.0, "speed_ratio": 100.0}
"""Issue #15: for ``Mw >= 6`` on the synthetic test split, Mw MAE <= 0.2 and a median
epicentre error <= 2 km; the network at least 100 times faster than the inversion."""

TRUTH_KEYS = (
    "mw",
    "centroid_depth_m",
    "epicentre_row_px",
    "epicentre_col_px",
    "mechanism",
    "pixel_m",
)


def _angle_gap_deg(a: float, b: float) -> float:
    """Smallest absolute difference of two angles, degrees in [0, 180]."""
    return abs((a - b + 180.0) % 360.0 - 180.0)


def mechanism_from_angles(rake_deg: float, dip_deg: float) -> str:
    """Mechanism class (one of :data:`MECHANISMS`) of a fault's rake and dip (degrees).

    The rake decides (:data:`PURE_RAKE_HALF_WIDTH_DEG` of 0 or 180: strike-slip, of 90: thrust,
    of -90: normal; otherwise oblique): the generator's dip ranges overlap (thrust 20-45,
    oblique 30-80, normal 45-65), its rake ranges do not. ``dip_deg`` must lie in (0, 90].
    """
    rake, dip = float(rake_deg), float(dip_deg)
    if not math.isfinite(rake):
        raise ValueError(f"rake_deg must be finite, got {rake_deg!r}")
    if not (math.isfinite(dip) and 0.0 < dip <= 90.0):
        raise ValueError(f"dip_deg must be in (0, 90], got {dip_deg!r}")
    if min(_angle_gap_deg(rake, 0.0), _angle_gap_deg(rake, 180.0)) <= PURE_RAKE_HALF_WIDTH_DEG:
        return "strike-slip"
    if _angle_gap_deg(rake, 90.0) <= PURE_RAKE_HALF_WIDTH_DEG:
        return "thrust"
    if _angle_gap_deg(rake, -90.0) <= PURE_RAKE_HALF_WIDTH_DEG:
        return "normal"
    return "oblique"


def _truth_arrays(truths: Sequence[Mapping]) -> dict[str, np.ndarray]:
    out = {}
    for key in TRUTH_KEYS:
        try:
            out[key] = np.array([t[key] for t in truths])
        except KeyError:
            raise ValueError(
                f"every truth needs the key {key!r} (a dataset metadata field)"
            ) from None
    return out


def _scores(t: dict[str, np.ndarray], e: dict[str, np.ndarray]) -> dict:
    """Scores of matched truth / estimate arrays (one entry per scene)."""
    n = int(t["mw"].size)
    if n == 0:
        return {"n": 0}
    dmw = e["mw"] - t["mw"]
    km = np.hypot(
        e["epicentre_row_px"] - t["epicentre_row_px"], e["epicentre_col_px"] - t["epicentre_col_px"]
    ) * (t["pixel_m"] / 1e3)
    depth_km = np.abs(e["centroid_depth_m"] - t["centroid_depth_m"]) / 1e3

    def stat(fn, a):
        a = a[np.isfinite(a)]
        return float(fn(a)) if a.size else math.nan

    return {
        "n": n,
        "mw_mae": stat(np.mean, np.abs(dmw)),
        "mw_bias": stat(np.mean, dmw),
        "depth_mae_km": stat(np.mean, depth_km),
        "epicentre_km_median": stat(np.median, km),
        "epicentre_km_p90": stat(lambda a: np.percentile(a, 90), km),
        "mechanism_accuracy": float(np.mean(e["mechanism"] == t["mechanism"])),
        "seconds_median": stat(np.median, e["seconds"]),
    }


def source_errors(truths: Sequence[Mapping], estimates: Sequence[SourceEstimate]) -> dict:
    """Score ``estimates`` against ``truths`` (the same scenes, in the same order).

    Parameters
    ----------
    truths : sequence of mapping
        Per scene: ``mw``, ``centroid_depth_m``, ``epicentre_row_px``, ``epicentre_col_px``
        (pixels of the scene), ``mechanism`` and ``pixel_m`` (a dataset row's metadata).
    estimates : sequence of SourceEstimate
        Positions in pixels of the same scene.

    Returns
    -------
    dict
        ``n``, ``mw_mae``, ``mw_bias``, ``depth_mae_km``, ``epicentre_km_median``,
        ``epicentre_km_p90`` (pixel offsets times the truth's ``pixel_m``),
        ``mechanism_accuracy``, ``seconds_median``; ``confusion`` (truth -> estimate -> count);
        ``by_mw_bin`` (label ``"[lo, hi)"`` -> the scores of the scenes whose true Mw lies in
        it, :data:`MW_BINS`); ``mw_ge_6`` (the scores of the scenes with true ``Mw >= 6``).
        NaN values of an estimate are left out of the statistics (``n`` counts all scenes).
    """
    if len(truths) != len(estimates):
        raise ValueError(f"got {len(truths)} truths but {len(estimates)} estimates")
    if not truths:
        raise ValueError("no scene to score: give at least one truth and one estimate")
    t = _truth_arrays(truths)
    e = {
        key: np.array([getattr(est, key) for est in estimates], dtype=float)
        for key in ("mw", "centroid_depth_m", "epicentre_row_px", "epicentre_col_px", "seconds")
    }
    e["mechanism"] = np.array([est.mechanism for est in estimates])

    def subset(mask: np.ndarray) -> dict:
        return _scores({k: v[mask] for k, v in t.items()}, {k: v[mask] for k, v in e.items()})

    out = subset(np.ones(len(truths), dtype=bool))
    out["confusion"] = {
        truth: {
            est: int(np.sum((t["mechanism"] == truth) & (e["mechanism"] == est)))
            for est in MECHANISMS
        }
        for truth in MECHANISMS
    }
    mw = t["mw"].astype(float)
    out["by_mw_bin"] = {f"[{lo:g}, {hi:g})": subset((mw >= lo) & (mw < hi)) for lo, hi in MW_BINS}
    out["mw_ge_6"] = subset(mw >= 6.0)
    return out


def speed_ratio(results: Mapping[str, dict]) -> float:
    """Median seconds per scene of the inversion over the network's (NaN without both)."""
    try:
        slow = results["inversion"]["seconds_median"]
        fast = results["network"]["seconds_median"]
    except KeyError:
        return math.nan
    return slow / fast if fast > 0 else math.nan


def _fmt(value, digits: int = 2) -> str:
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _verdict(value: float, goal: float) -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return "reached" if value <= goal else "missed"


def markdown_table(results: Mapping[str, dict]) -> str:
    """The methods' scores side by side (a Markdown table), goals marked reached / missed.

    ``results``: method name (``"network"``, ``"inversion"``) -> :func:`source_errors` dict.
    The goal rows (:data:`GOALS`) say ``value (reached)`` or ``value (missed)``; the speed row,
    when both methods are present, gives the measured ratio.
    """
    if not results:
        raise ValueError("no method to tabulate")
    methods = list(results)
    rows = [
        ("scenes", lambda r: _fmt(r["n"])),
        ("Mw MAE", lambda r: _fmt(r.get("mw_mae"))),
        ("Mw bias", lambda r: _fmt(r.get("mw_bias"))),
        ("centroid depth MAE (km)", lambda r: _fmt(r.get("depth_mae_km"))),
        ("epicentre error median (km)", lambda r: _fmt(r.get("epicentre_km_median"))),
        ("epicentre error p90 (km)", lambda r: _fmt(r.get("epicentre_km_p90"))),
        ("mechanism accuracy", lambda r: _fmt(r.get("mechanism_accuracy"))),
        ("seconds per scene (median)", lambda r: _fmt(r.get("seconds_median"), 4)),
        ("Mw >= 6: scenes", lambda r: _fmt(r["mw_ge_6"]["n"])),
        (
            f"Mw >= 6: Mw MAE (goal <= {GOALS['mw_mae']:g})",
            lambda r: _goal(r["mw_ge_6"].get("mw_mae"), GOALS["mw_mae"]),
        ),
        (
            f"Mw >= 6: epicentre median km (goal <= {GOALS['epicentre_km_median']:g})",
            lambda r: _goal(r["mw_ge_6"].get("epicentre_km_median"), GOALS["epicentre_km_median"]),
        ),
        ("Mw >= 6: depth MAE (km)", lambda r: _fmt(r["mw_ge_6"].get("depth_mae_km"))),
        ("Mw >= 6: mechanism accuracy", lambda r: _fmt(r["mw_ge_6"].get("mechanism_accuracy"))),
    ]
    for label in results[methods[0]]["by_mw_bin"]:
        rows.append(
            (
                f"Mw {label}: n / MAE / bias",
                lambda r, label=label: " / ".join(
                    _fmt(r["by_mw_bin"][label].get(k)) for k in ("n", "mw_mae", "mw_bias")
                ),
            )
        )
    lines = ["| | " + " | ".join(methods) + " |", "|---|" + "---|" * len(methods)]
    lines += [
        f"| {name} | " + " | ".join(cell(results[m]) for m in methods) + " |" for name, cell in rows
    ]
    ratio = speed_ratio(results)
    if math.isfinite(ratio):
        verdict = "reached" if ratio >= GOALS["speed_ratio"] else "missed"
        lines.append(
            f"\nThe network is {ratio:.0f}x faster than the inversion (median seconds per scene; "
            f"goal >= {GOALS['speed_ratio']:g}x: {verdict})."
        )
    return "\n".join(lines)


def _goal(value, goal: float) -> str:
    return f"{_fmt(value)} ({_verdict(value, goal)})"
