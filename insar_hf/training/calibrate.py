"""Calibrating a trained detector on its validation split: temperature, threshold, figure, card.

:func:`calibrate_model` runs the model over the validation split with the package's own
preprocessing (:func:`insar_hf.training.evaluation.predict_logits`), fits the temperature
(Guo et al. 2017), chooses the operating threshold for a stated false-positive rate
(:mod:`insar_hf.model.calibration` holds the maths and the file), and writes
``calibration.json`` and ``reliability_diagram.png`` into the model folder. Training calls it
after the best checkpoint is restored and before the test evaluation, so that the test metrics
quote the shipped threshold; ``insar-hf calibrate`` calls it on an existing checkpoint.
:func:`calibration_card_section` is the model card's "Calibration" section.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from insar_hf.inference.detector import Detector
from insar_hf.inference.localisation import FAST_METHODS, choose_map, earthquake_scenes
from insar_hf.inference.map_choice import LOCALISATION_FILE, MapChoice, save_map_choice
from insar_hf.model.calibration import (
    BANK_SUFFIX,
    CALIBRATION_FILE,
    ECE_BINS,
    REAL_VALIDATION_SET,
    Calibration,
    CalibrationError,
    expected_calibration_error,
    fit_temperature,
    metrics_at_threshold,
    reliability_bins,
    softmax_with_temperature,
    threshold_for_false_positive_rate,
)
from insar_hf.model.presets import build_image_processor
from insar_hf.schema import LABEL_NAMES
from insar_hf.training.evaluation import materialise, positive_index, predict_logits
from insar_hf.training.figures import plot_reliability_diagram

RELIABILITY_FIGURE = "reliability_diagram.png"
"""Reliability diagram of the validation split before and after temperature scaling."""
DEFAULT_TARGET_FPR = 0.05
"""False-positive rate the shipped threshold is chosen for (issue 12's goal)."""
LOG = logging.getLogger(__name__)


def calibration_from_logits(
    logits: np.ndarray,
    labels: np.ndarray,
    *,
    positive: int = 1,
    target_false_positive_rate: float = DEFAULT_TARGET_FPR,
    split: str = "validation",
) -> tuple[Calibration, dict[str, Any]]:
    """Fit ``T`` and the threshold on ``logits`` (N, C) and ``labels`` (N,).

    Returns the :class:`Calibration` and ``{"before": bins, "after": bins}``, the
    :class:`~insar_hf.model.calibration.ReliabilityBins` at ``T = 1`` and at the fitted ``T``.

    Raises
    ------
    CalibrationError
        The split holds one class only (no false-positive rate or no detection to trade).
    """
    labels = np.asarray(labels, dtype=np.int64)
    is_positive = (labels == positive).astype(np.int64)  # (N,) 1 = earthquake
    n_pos = int(is_positive.sum())
    if n_pos in (0, labels.size):
        only = LABEL_NAMES[1] if n_pos else LABEL_NAMES[0]
        raise CalibrationError(
            f"the {split!r} split holds {labels.size} {only} samples and no other class; "
            "calibration needs both earthquakes and non-earthquakes: pass a split with both"
        )
    if not 0.0 < target_false_positive_rate < 1.0:
        raise CalibrationError(
            f"target false-positive rate must lie in (0, 1); got {target_false_positive_rate}"
        )
    temperature = fit_temperature(logits, labels)
    p_before = softmax_with_temperature(logits)[:, positive]  # (N,)
    p_after = softmax_with_temperature(logits, temperature)[:, positive]  # (N,)
    threshold = threshold_for_false_positive_rate(p_after, is_positive, target_false_positive_rate)
    at = metrics_at_threshold(p_after, is_positive, threshold)
    calibration = Calibration(
        temperature=temperature,
        threshold=threshold,
        target_false_positive_rate=float(target_false_positive_rate),
        n_validation=int(labels.size),
        ece_before=expected_calibration_error(p_before, is_positive),
        ece_after=expected_calibration_error(p_after, is_positive),
        split=split,
        validation_false_positive_rate=at["false_positive_rate"],
        validation_detection_rate=at["detection_rate"],
    )
    bins = {
        "before": reliability_bins(p_before, is_positive),
        "after": reliability_bins(p_after, is_positive),
    }
    return calibration, bins


def calibrate_model(
    model,
    eval_split,
    out_dir: str | Path,
    *,
    target_false_positive_rate: float = DEFAULT_TARGET_FPR,
    batch_size: int = 64,
    split: str = "validation",
    real_backgrounds=None,
) -> dict[str, Any]:
    """Calibrate ``model`` on ``eval_split`` and write the results into ``out_dir``.

    Parameters
    ----------
    model
        A ``ViTForImageClassification`` (any device), the checkpoint to ship.
    eval_split
        The validation split (columns ``image`` and ``label``), map-style or streaming.
    out_dir
        The model folder: ``calibration.json`` and ``reliability_diagram.png`` go there.
    target_false_positive_rate
        The threshold is the lowest with a validation false-positive rate at most this.
    real_backgrounds
        A :class:`~insar_hf.backgrounds.BackgroundBank`: the false alarms that set the threshold
        are then counted on the raw real backgrounds of its validation volcanoes
        (:func:`~insar_hf.training.real_nuisance.threshold_on_real_backgrounds`), not on the
        split's synthetic negatives; the temperature is fitted on ``eval_split`` either way.

    Returns
    -------
    dict
        ``Calibration`` fields plus ``reliability`` (bins before / after) for ``metrics.json``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    eval_split = materialise(eval_split)
    logits, columns = predict_logits(model, eval_split, batch_size=batch_size)
    if len(logits) == 0:
        raise CalibrationError(f"the {split!r} split is empty; nothing to calibrate on")
    labels = np.asarray(columns["label"])
    calibration, bins = calibration_from_logits(
        logits,
        labels,
        positive=positive_index(model),
        target_false_positive_rate=target_false_positive_rate,
        split=split,
    )
    if real_backgrounds is not None:
        calibration = _threshold_on_backgrounds(
            calibration, model, logits, labels, real_backgrounds, batch_size
        )
    curves = {
        "before (T = 1)": (bins["before"], calibration.ece_before),
        f"after (T = {calibration.temperature:.2f})": (bins["after"], calibration.ece_after),
    }
    plot_reliability_diagram(curves, out_dir / RELIABILITY_FIGURE, split=split)
    calibration.save(out_dir)
    return {
        **calibration.to_dict(),
        "reliability": {k: b.to_dict() for k, b in bins.items()},
    }


def _threshold_on_backgrounds(
    calibration: Calibration, model, logits, labels, bank, batch_size: int
) -> Calibration:
    """``calibration`` with its threshold set on ``bank``'s validation backgrounds."""
    from insar_hf.training.real_nuisance import threshold_on_real_backgrounds

    threshold, found = threshold_on_real_backgrounds(
        model,
        bank,
        temperature=calibration.temperature,
        target_false_positive_rate=calibration.target_false_positive_rate,
        batch_size=batch_size,
    )
    positive = positive_index(model)
    p = softmax_with_temperature(logits, calibration.temperature)[:, positive]
    at = metrics_at_threshold(p, (labels == positive).astype(np.int64), threshold)
    return dataclasses.replace(
        calibration,
        threshold=threshold,
        validation_false_positive_rate=at["false_positive_rate"],
        validation_detection_rate=at["detection_rate"],
        threshold_set_on=f"{REAL_VALIDATION_SET}{BANK_SUFFIX} (digest {found['digest'][:16]})",
        n_threshold=found["n"],
        threshold_false_positive_rate=found["false_positive_rate"],
    )


def calibrate_after_training(
    model, eval_split, out_dir: str | Path, **kwargs: Any
) -> dict[str, Any] | None:
    """:func:`calibrate_model` for the end of a training run, which it never fails.

    A split that cannot be calibrated (one class, as in a tiny smoke run) leaves the model
    uncalibrated: a warning is logged and a ``calibration.json`` of an earlier run in
    ``out_dir`` is removed, so that the test evaluation never applies a stale threshold.
    Returns the figures of :func:`calibrate_model`, or None.
    """
    try:
        return calibrate_model(model, eval_split, out_dir, **kwargs)
    except CalibrationError as err:
        (Path(out_dir) / CALIBRATION_FILE).unlink(missing_ok=True)
        LOG.warning("the model is left uncalibrated: %s", err)
        return None


def choose_map_after_training(
    model, eval_split, out_dir: str | Path, *, max_samples: int = 128
) -> MapChoice | None:
    """Choose the default explanation map and box levels on the validation split; never fails.

    :func:`insar_hf.inference.localisation.choose_map` over the first ``max_samples``
    earthquake scenes of ``eval_split``, with the maps of at most one backward pass
    (:data:`~insar_hf.inference.localisation.FAST_METHODS`), saved as ``localisation.json`` in
    ``out_dir``. A split without earthquake masks removes a stale file and returns None.
    """
    subset = earthquake_scenes(materialise(eval_split), max_samples)
    path = Path(out_dir) / LOCALISATION_FILE
    if isinstance(subset, str):
        path.unlink(missing_ok=True)
        LOG.warning("the default map is not chosen on validation: %s", subset)
        return None
    device = str(next(model.parameters()).device)
    detector = Detector(model, build_image_processor(), device=device)
    choice, _ = choose_map(
        detector,
        subset["image"],
        subset["deformation_mask"],
        subset["deformation_bbox"],
        methods=FAST_METHODS,
    )
    save_map_choice(choice, out_dir)
    LOG.info(
        "default map chosen on validation: %s at level %s", choice.method, choice.box_threshold
    )
    return choice


def _fmt(value: Any, digits: int = 4) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def calibration_card_section(
    calibration: Calibration, metrics: Mapping[str, Any], *, figure: bool = True
) -> str:
    """The card's "Calibration" section: ``T``, threshold, ECE, test rates at the threshold."""
    c, test = calibration, metrics.get("calibrated") or {}
    split = metrics.get("split") or "test"
    rows = [
        "| | value |",
        "|---|---|",
        f"| temperature T | {c.temperature:.4f} |",
        f"| decision threshold on P(earthquake) | {c.threshold:.4f} |",
        f"| target false-positive rate ({c.split}) | {c.target_false_positive_rate:.3f} |",
        f"| {c.split} false-positive rate / detection rate at the threshold | "
        f"{_fmt(c.validation_false_positive_rate)} / {_fmt(c.validation_detection_rate)} |",
        f"| {c.split} ECE before / after ({c.n_validation} samples) | "
        f"{c.ece_before:.4f} / {c.ece_after:.4f} |",
    ]
    if c.threshold_set_on:
        rows.insert(
            5,
            f"| false alarms at the threshold on the {c.n_threshold} real earthquake-free "
            f"interferograms it was set on | {_fmt(c.threshold_false_positive_rate)} |",
        )
    if test:
        rows += [
            f"| {split} false-positive rate at the threshold | "
            f"{_fmt(test.get('false_positive_rate'))} |",
            f"| {split} detection rate at the threshold (all / Mw >= 6) | "
            f"{_fmt(test.get('detection_rate'))} / {_fmt(test.get('detection_rate_mw6'))} |",
            f"| {split} F1 at the threshold | {_fmt(test.get('f1'))} |",
            f"| {split} ECE before / after | {_fmt(test.get('ece_before'))} / "
            f"{_fmt(test.get('ece_after'))} |",
        ]
    where = (
        f"false-alarm rate on the {c.threshold_set_on}"
        if c.threshold_set_on
        else f"`{c.split}` false-positive rate"
    )
    text = (
        "## Calibration\n\n"
        f"Temperature scaling (Guo et al. 2017) fitted on the `{c.split}` split: the probability "
        "is `softmax(logits / T)`, which keeps the ranking (ROC-AUC) and makes P(earthquake) "
        f"mean what it says. The decision threshold is the lowest whose {where} is at most "
        f"{c.target_false_positive_rate:g}; the verdict is `P(earthquake) >= threshold`. ECE is "
        f"the binary expected calibration error of P(earthquake) in {ECE_BINS} equal-width bins. Both are saved in `calibration.json`."
        "\n\n" + "\n".join(rows) + "\n\n"
        "`insar_hf.Detector`, `insar-hf predict` and the Space use the calibrated probability "
        'and this threshold. `transformers.pipeline("image-classification", ...)` knows '
        "nothing of `calibration.json`: it reports the uncalibrated softmax and its top label "
        "is the argmax (threshold 0.5 at T = 1)."
    )
    if figure:
        text += f"\n\n![reliability diagram]({RELIABILITY_FIGURE})"
    return text
