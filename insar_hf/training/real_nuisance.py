"""A detector against real nuisance: false alarms on real earthquake-free interferograms.

The measurements of issue 21, all on a bank's held-apart volcanoes
(:class:`~insar_hf.backgrounds.BackgroundBank` splits by volcano):

* **false alarms**: the share of the raw real backgrounds (no deformation added) that the model
  calls "earthquake" at its threshold, and at ``P >= 0.5``;
* **detection** of synthetic earthquakes drawn on the same volcanoes' backgrounds (a dataset
  generated with ``real_background_fraction = 1``), overall and by magnitude;
* the **ROC-AUC** of those earthquakes against the raw backgrounds: how well the model ranks an
  earthquake above real nuisance.

:func:`threshold_on_real_backgrounds` is the calibration step that uses them: the lowest
threshold whose false-alarm rate on the validation volcanoes' backgrounds is at most the target.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from insar_hf.backgrounds import BackgroundBank
from insar_hf.backgrounds.images import background_dataset
from insar_hf.model.calibration import (
    Calibration,
    softmax_with_temperature,
    threshold_for_false_positive_rate,
)
from insar_hf.training.evaluation import positive_index, predict_logits

__all__ = [
    "EARTHQUAKE_SCENE_CONFIG",
    "MW_BINS",
    "background_probabilities",
    "measure_real_nuisance",
    "real_nuisance_report",
    "threshold_on_real_backgrounds",
]

EARTHQUAKE_SCENE_CONFIG = {
    "real_background_fraction": 1.0,
    "positive_fraction": 1.0,
    "wrapped_fraction": 1.0,
}
"""SceneConfig fields of the earthquakes drawn on a bank's backgrounds (the label-1 ones count)."""

MW_BINS = (4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5)
"""Edges of the magnitude bins of the detection rate."""


def background_probabilities(
    model, bank: BackgroundBank, split: str, *, temperature: float = 1.0, batch_size: int = 64
) -> tuple[np.ndarray, list[str]]:
    """P(earthquake) of every raw background of ``split`` at ``temperature``, and their files."""
    dataset = background_dataset(bank, split)
    logits, _ = predict_logits(model, dataset, batch_size=batch_size)
    p = softmax_with_temperature(logits, temperature)[:, positive_index(model)]
    return p, list(dataset["background_file"])


def threshold_on_real_backgrounds(
    model,
    bank: BackgroundBank,
    *,
    temperature: float,
    target_false_positive_rate: float,
    split: str = "validation",
    batch_size: int = 64,
) -> tuple[float, dict[str, Any]]:
    """The lowest threshold with at most ``target`` false alarms on ``split``'s backgrounds.

    Returns the threshold and what it gives there: ``n``, ``false_positive_rate`` and the
    bank's ``digest``.
    """
    p, _ = background_probabilities(
        model, bank, split, temperature=temperature, batch_size=batch_size
    )
    threshold = threshold_for_false_positive_rate(
        p, np.zeros(p.size, dtype=np.int64), target_false_positive_rate
    )
    return threshold, {
        "n": int(p.size),
        "false_positive_rate": float(np.mean(p >= threshold)),
        "digest": bank.digest(),
    }


def _roc_auc(scores_pos: np.ndarray, scores_neg: np.ndarray) -> float | None:
    if not scores_pos.size or not scores_neg.size:
        return None
    from sklearn.metrics import roc_auc_score

    y = np.r_[np.ones(scores_pos.size), np.zeros(scores_neg.size)]
    return float(roc_auc_score(y, np.r_[scores_pos, scores_neg]))


def real_nuisance_report(
    model,
    calibration: Calibration | None,
    bank: BackgroundBank,
    *,
    split: str,
    earthquakes=None,
    batch_size: int = 64,
) -> dict[str, Any]:
    """False alarms, detection by magnitude and ROC-AUC on the volcanoes of ``split``.

    Parameters
    ----------
    model
        A ``ViTForImageClassification``.
    calibration
        Its temperature and threshold (None: ``T = 1`` and threshold 0.5).
    bank
        The real backgrounds; ``split`` names the volcanoes to measure on.
    earthquakes
        Optional scenes drawn on the same split's backgrounds (columns ``image``, ``label``,
        ``mw``): their label-1 rows are the earthquakes detected and ranked.
    """
    temperature = calibration.temperature if calibration is not None else 1.0
    threshold = calibration.threshold if calibration is not None else 0.5
    p_bg, _ = background_probabilities(
        model, bank, split, temperature=temperature, batch_size=batch_size
    )
    out: dict[str, Any] = {
        "split": split,
        "threshold": threshold,
        "backgrounds": int(p_bg.size),
        "false_alarm_rate": float(np.mean(p_bg >= threshold)),
        "flagged_at_0.5": float(np.mean(p_bg >= 0.5)),
        "median_p": float(np.median(p_bg)),
    }
    if earthquakes is None:
        return out
    logits, columns = predict_logits(model, earthquakes, batch_size=batch_size)
    p = softmax_with_temperature(logits, temperature)[:, positive_index(model)]
    labels = np.asarray(columns["label"])
    mw = np.asarray(columns.get("mw", [np.nan] * len(labels)), dtype=np.float64)
    p_eq, mw_eq = p[labels == 1], mw[labels == 1]
    by_mw = []
    for lo, hi in zip(MW_BINS[:-1], MW_BINS[1:]):
        sel = (mw_eq >= lo) & (mw_eq < hi if hi < MW_BINS[-1] else mw_eq <= hi)
        rate = float(np.mean(p_eq[sel] >= threshold)) if sel.any() else None
        by_mw.append({"mw": [lo, hi], "n": int(sel.sum()), "detection_rate": rate})
    out |= {
        "earthquakes": int(p_eq.size),
        "detection_rate": float(np.mean(p_eq >= threshold)) if p_eq.size else None,
        "detection_by_mw": by_mw,
        "roc_auc": _roc_auc(p_eq, p_bg),
    }
    return out


def measure_real_nuisance(
    model,
    calibration: Calibration | None,
    bank: BackgroundBank,
    *,
    earthquakes_per_split: int = 300,
    seed: int = 0,
    batch_size: int = 64,
) -> dict[str, Any]:
    """:func:`real_nuisance_report` on the validation and test volcanoes, with earthquakes.

    ``earthquakes_per_split`` scenes are drawn as earthquakes on each split's backgrounds
    (:data:`EARTHQUAKE_SCENE_CONFIG`, seed ``seed``; those still invisible after their redraws
    are left out) -- the content of the model folder's ``real_nuisance.json``.
    """
    from insar_hf.dataset.stream import synthetic_split
    from insar_hf.simulate.config import SceneConfig

    config = SceneConfig(**EARTHQUAKE_SCENE_CONFIG)
    out: dict[str, Any] = {
        "bank": {k: v for k, v in bank.summary().items() if k != "root"},
        "earthquake_scenes": {"per_split": earthquakes_per_split, "seed": seed}
        | EARTHQUAKE_SCENE_CONFIG,
    }
    for split in ("validation", "test"):
        earthquakes = synthetic_split(
            split, seed=seed, num_samples=earthquakes_per_split, scene_config=config,
            backgrounds=bank,
        )  # fmt: skip
        out[split] = real_nuisance_report(
            model, calibration, bank, split=split, earthquakes=earthquakes, batch_size=batch_size
        )
    return out
