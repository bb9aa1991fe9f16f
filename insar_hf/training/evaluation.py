"""Metrics, breakdowns and figures for a trained detector.

* :func:`compute_metrics` is the ``Trainer`` hook (scalars only, logged each epoch).
* :func:`evaluate_model` runs a model over a dataset split and writes, into one folder,
  ``metrics.json``, ``confusion_matrix.png``, ``detection_vs_magnitude.png`` and (given a
  ``Trainer`` log history) ``training_curves.png`` (drawn by :mod:`insar_hf.training.figures`).

The numbers come from our ``evaluate`` module ``insar_hf/training/metrics/detection`` (scikit-learn
inside), loaded offline by path. ``metrics.json`` layout::

    {"split": ..., "dataset": ..., "num_samples": N,
     "overall": {"accuracy", "precision", "recall", "f1", "roc_auc", "confusion_matrix", "n"},
     "by_kind": {"wrapped": {...}, "unwrapped": {...}},     # same keys as "overall"
     "by_sensor": {"sentinel1": {...}, ...},
     "detection_vs_magnitude": [{"mw_min", "mw_max", "n", "detected", "detection_rate"}, ...],
     "false_positive_rate": FP / (FP + TN),
     "calibration": {...},      # with calibration.json: its content (T, threshold, validation)
     "calibrated": {"threshold", "false_positive_rate", "detection_rate",
                    "detection_rate_mw6", "precision", "f1", "ece_before", "ece_after", ...},
     <name>: {...}}                                         # one entry per extra-metrics hook

The scalar metrics above are those of the argmax (the ``pipeline``'s verdict); ``calibrated``
holds the same split at the shipped threshold on ``softmax(logits / T)``, the verdict of
``Detector``, the CLI and the Space (:mod:`insar_hf.model.calibration`).

Undefined values (ROC-AUC with one class, a rate over zero samples) are ``null``.

Extra metrics (attention localisation, issue 6): :func:`extra_metrics` calls every function
registered with :func:`register_extra_metrics` and
:func:`insar_hf.inference.localisation.localisation_metrics` (pointing game, mass in mask, box IoU and
recall of every explanation map and a random map, under ``"attention"``); each result is stored under its
name in ``metrics.json``.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from insar_hf.inference.localisation import localisation_metrics
from insar_hf.model.calibration import (
    Calibration,
    expected_calibration_error,
    load_calibration,
    metrics_at_threshold,
    softmax_with_temperature,
)
from insar_hf.model.presets import pixel_values_from_images
from insar_hf.schema import LABEL_NAMES, POSITIVE_LABEL
from insar_hf.training.figures import (
    plot_confusion_matrix,
    plot_detection_vs_magnitude,
    plot_training_curves,
)

METRIC_PATH = Path(__file__).parent / "metrics" / "detection"
"""Folder of our ``evaluate`` module; ``evaluate.load(str(METRIC_PATH))`` works offline."""

MW_BIN_EDGES = (4.5, 5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0)
"""Moment-magnitude bin edges of the detection-rate table, half-open ``[lo, hi)``."""

SCALAR_KEYS = ("accuracy", "precision", "recall", "f1", "roc_auc")

METRICS_FILE = "metrics.json"
CONFUSION_FIGURE = "confusion_matrix.png"
CURVES_FIGURE = "training_curves.png"
MAGNITUDE_FIGURE = "detection_vs_magnitude.png"


@lru_cache(maxsize=1)
def load_detection_metric():
    """Our detection metric as an ``evaluate.EvaluationModule`` (offline, by path)."""
    import evaluate

    return evaluate.load(str(METRIC_PATH))


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits, shape (N, C) -> (N, C), float64."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def detection_metrics(
    labels: Sequence[int], predictions: Sequence[int], scores: Sequence[float] | None = None
) -> dict[str, Any]:
    """Accuracy, precision, recall, F1, ROC-AUC, confusion matrix and n of one set of samples."""
    return load_detection_metric().compute(
        predictions=np.asarray(predictions, np.int32).tolist(),
        references=np.asarray(labels, np.int32).tolist(),
        scores=None if scores is None else np.asarray(scores, np.float64).tolist(),
    )


def compute_metrics(eval_pred) -> dict[str, float]:
    """``Trainer(compute_metrics=...)``: scalar metrics of a binary classifier's logits.

    ``eval_pred.predictions`` are logits (N, 2); ``eval_pred.label_ids`` labels (N,). Returns
    accuracy, precision, recall, f1, roc_auc and the confusion counts tn, fp, fn, tp.
    """
    logits, labels = eval_pred.predictions, eval_pred.label_ids
    if isinstance(logits, tuple):  # models that also return hidden states / attentions
        logits = logits[0]
    probs = softmax(logits)
    m = detection_metrics(labels, probs.argmax(-1), probs[:, 1])
    (tn, fp), (fn, tp) = m["confusion_matrix"]
    out = {k: float(m[k]) for k in SCALAR_KEYS}
    out.update(tn=float(tn), fp=float(fp), fn=float(fn), tp=float(tp))
    return out


def breakdown(
    labels: Sequence[int],
    predictions: Sequence[int],
    scores: Sequence[float] | None,
    groups: Sequence[Any],
) -> dict[str, dict[str, Any]]:
    """:func:`detection_metrics` of each group of samples, keyed by ``str(group)`` (sorted)."""
    labels, predictions, groups = np.asarray(labels), np.asarray(predictions), np.asarray(groups)
    scores = None if scores is None else np.asarray(scores)
    out = {}
    for g in sorted(set(groups.tolist()), key=str):
        sel = groups == g
        out[str(g)] = detection_metrics(
            labels[sel], predictions[sel], None if scores is None else scores[sel]
        )
    return out


def detection_vs_magnitude(
    labels: Sequence[int],
    predictions: Sequence[int],
    mw: Sequence[float],
    *,
    edges: Sequence[float] = MW_BIN_EDGES,
) -> list[dict[str, Any]]:
    """Detection rate (recall) of the earthquake samples in magnitude bins ``[lo, hi)``.

    Negatives (``label == 0``) and samples with a non-finite ``mw`` are ignored. The detection
    rate of an empty bin is ``None``.
    """
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    mw = np.asarray(mw, dtype=np.float64)
    pos = (labels == 1) & np.isfinite(mw)
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = pos & (mw >= lo) & (mw < hi)
        n, detected = int(sel.sum()), int((predictions[sel] == 1).sum())
        rows.append(
            dict(
                mw_min=float(lo),
                mw_max=float(hi),
                n=n,
                detected=detected,
                detection_rate=detected / n if n else None,
            )
        )
    return rows


def summarise(
    labels: Sequence[int],
    logits: np.ndarray,
    *,
    kinds: Sequence[str] | None = None,
    sensors: Sequence[str] | None = None,
    mw: Sequence[float] | None = None,
) -> dict[str, Any]:
    """Overall metrics and the breakdowns by kind, sensor and magnitude bin."""
    labels = np.asarray(labels)
    probs = softmax(logits)
    preds, scores = probs.argmax(-1), probs[:, 1]
    overall = detection_metrics(labels, preds, scores)
    (tn, fp), _ = overall["confusion_matrix"]
    out: dict[str, Any] = {"num_samples": int(labels.size), "overall": overall}
    if kinds is not None:
        out["by_kind"] = breakdown(labels, preds, scores, kinds)
    if sensors is not None:
        out["by_sensor"] = breakdown(labels, preds, scores, sensors)
    if mw is not None:
        out["detection_vs_magnitude"] = detection_vs_magnitude(labels, preds, mw)
    out["false_positive_rate"] = fp / (fp + tn) if fp + tn else None
    return out


def positive_index(model) -> int:
    """Index of the ``earthquake`` class in the model's outputs (1 by the dataset's ClassLabel)."""
    label2id = {str(k): int(v) for k, v in (model.config.label2id or {}).items()}
    return label2id.get(POSITIVE_LABEL, LABEL_NAMES.index(POSITIVE_LABEL))


def calibrated_metrics(
    labels: Sequence[int],
    logits: np.ndarray,
    calibration: Calibration,
    *,
    positive: int = 1,
    mw: Sequence[float] | None = None,
) -> dict[str, Any]:
    """The split at the shipped threshold on ``softmax(logits / T)``, and its ECE before / after.

    False-positive rate, detection rate (all, and Mw >= 6 given ``mw``), precision and F1 of
    the verdict ``P(earthquake) >= calibration.threshold``.
    """
    is_positive = (np.asarray(labels) == positive).astype(np.int64)  # (N,)
    p_before = softmax_with_temperature(logits)[:, positive]  # (N,)
    p_after = softmax_with_temperature(logits, calibration.temperature)[:, positive]  # (N,)
    out = metrics_at_threshold(p_after, is_positive, calibration.threshold, mw)
    out.update(
        temperature=calibration.temperature,
        target_false_positive_rate=calibration.target_false_positive_rate,
        ece_before=expected_calibration_error(p_before, is_positive),
        ece_after=expected_calibration_error(p_after, is_positive),
    )
    return out


# --- extra metrics hook (attention localisation, issue 6) -------------------------------------


@dataclass
class ExtraMetricsContext:
    """What an extra-metrics function gets: the model, the evaluated split and our outputs.

    ``dataset`` is the raw split (all columns: ``image``, ``label``, ``kind``,
    ``deformation_bbox``, ``deformation_mask``, metadata), in the order of ``logits``.
    """

    model: Any
    dataset: Any
    logits: np.ndarray  # (N, num_labels)
    labels: np.ndarray  # (N,)
    batch_size: int = 32
    model_dir: str | None = None  # the folder that may hold localisation.json


ExtraMetricsFn = Callable[[ExtraMetricsContext], Mapping[str, Any]]
EXTRA_METRICS: dict[str, ExtraMetricsFn] = {}


def register_extra_metrics(name: str, fn: ExtraMetricsFn) -> None:
    """Add ``fn`` to :func:`extra_metrics`; its result lands in ``metrics.json[name]``."""
    reserved = {"split", "dataset", "num_samples", "overall", "by_kind", "by_sensor", "calibrated"}
    if name in reserved or name in {"detection_vs_magnitude", "false_positive_rate", "calibration"}:
        raise ValueError(f"extra-metrics name {name!r} is reserved; choose another one")
    EXTRA_METRICS[name] = fn


def extra_metrics(context: ExtraMetricsContext) -> dict[str, Any]:
    """Run the registered extra-metrics functions and ``localisation.localisation_metrics``."""
    fns = dict(EXTRA_METRICS)
    fns.setdefault("attention", localisation_metrics)
    return {name: dict(fn(context)) for name, fn in fns.items()}


# --- running a model over a split -------------------------------------------------------------


def predict_logits(model, dataset, *, batch_size: int = 32) -> tuple[np.ndarray, dict[str, list]]:
    """Logits of every sample of ``dataset`` (map-style or streaming) and its label metadata.

    Returns
    -------
    logits : ndarray
        Shape (N, num_labels), float32.
    columns : dict
        ``label``, and where present ``kind`` (names), ``sensor`` and ``mw``, each a list of N.
    """
    import torch

    features = getattr(dataset, "features", None) or {}
    kind_feature = features.get("kind")
    wanted = [c for c in ("label", "kind", "sensor", "mw") if c in features]
    device = next(model.parameters()).device
    model.eval()
    logits, columns = [], {c: [] for c in wanted}
    with torch.inference_mode():
        for batch in dataset.iter(batch_size=batch_size):
            x = pixel_values_from_images(batch["image"]).to(device)  # (B, 3, 224, 224)
            logits.append(model(pixel_values=x).logits.float().cpu().numpy())  # (B, C)
            for c in wanted:
                columns[c].extend(batch[c])
    if "kind" in columns and hasattr(kind_feature, "int2str"):
        columns["kind"] = [kind_feature.int2str(int(k)) for k in columns["kind"]]
    n_labels = model.config.num_labels
    return (np.concatenate(logits) if logits else np.zeros((0, n_labels), np.float32)), columns


def materialise(dataset):
    """A streaming split as a map-style ``Dataset`` (one pass, cached on disk as Arrow).

    Extra-metrics hooks index the split (``select``), which a stream cannot do. A map-style
    split (one with ``select``) is returned as it is.
    """
    from datasets import Dataset

    if hasattr(dataset, "select"):
        return dataset

    def rows(nonce: str):  # the nonce keeps datasets from reusing another stream's cache
        yield from dataset

    return Dataset.from_generator(
        rows, features=dataset.features, gen_kwargs={"nonce": uuid.uuid4().hex}
    )


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.floating, float)):
        return None if not math.isfinite(float(value)) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def evaluate_model(
    model,
    dataset,
    output_dir: str | Path,
    *,
    split: str = "test",
    dataset_name: str | None = None,
    batch_size: int = 32,
    log_history: Sequence[Mapping[str, Any]] | None = None,
    extra: Callable[[ExtraMetricsContext], Mapping[str, Any]] | None = extra_metrics,
    calibration: Calibration | None | str = "auto",
) -> dict[str, Any]:
    """Evaluate ``model`` on ``dataset`` and write ``metrics.json`` and the figures.

    Parameters
    ----------
    model
        A ``ViTForImageClassification`` (any device).
    dataset
        One split with the columns of docs/ARCHITECTURE.md (``image``, ``label``; ``kind``,
        ``sensor``, ``mw`` give the breakdowns); map-style, or streaming (then first
        :func:`materialise`-d).
    output_dir
        Folder for ``metrics.json``, ``confusion_matrix.png``, ``detection_vs_magnitude.png``
        and, with ``log_history``, ``training_curves.png``.
    log_history
        ``trainer.state.log_history`` for the training curves.
    extra
        Extra-metrics hook (default :func:`extra_metrics`); ``None`` to skip.
    calibration
        ``"auto"``: ``output_dir/calibration.json`` where present; a
        :class:`~insar_hf.model.calibration.Calibration`; or ``None`` for none. Given one,
        ``metrics.json`` gains ``calibration`` and ``calibrated`` (:func:`calibrated_metrics`).

    Returns
    -------
    dict
        The content of ``metrics.json``.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    dataset = materialise(dataset)
    logits, cols = predict_logits(model, dataset, batch_size=batch_size)
    if len(logits) == 0:
        raise ValueError(f"the {split!r} split is empty; nothing to evaluate")
    labels = np.asarray(cols["label"])
    metrics: dict[str, Any] = {"split": split, "dataset": dataset_name}
    metrics.update(
        summarise(
            labels, logits, kinds=cols.get("kind"), sensors=cols.get("sensor"), mw=cols.get("mw")
        )
    )
    if isinstance(calibration, str):
        calibration = load_calibration(output_dir)
    if calibration is not None:
        metrics["calibration"] = calibration.to_dict()
        metrics["calibrated"] = calibrated_metrics(
            labels, logits, calibration, positive=positive_index(model), mw=cols.get("mw")
        )
    if extra is not None:
        context = ExtraMetricsContext(
            model, dataset, logits, labels, batch_size, model_dir=str(output_dir)
        )
        metrics.update(extra(context))
    metrics = _json_safe(metrics)
    id2label = model.config.id2label
    names = [id2label[i] for i in sorted(id2label)]
    plot_confusion_matrix(
        metrics["overall"]["confusion_matrix"], names, output_dir / CONFUSION_FIGURE
    )
    if "detection_vs_magnitude" in metrics:
        plot_detection_vs_magnitude(
            metrics["detection_vs_magnitude"], output_dir / MAGNITUDE_FIGURE
        )
    if log_history:
        plot_training_curves(log_history, output_dir / CURVES_FIGURE)
    tmp = output_dir / (METRICS_FILE + ".tmp")
    tmp.write_text(json.dumps(metrics, indent=2, allow_nan=False) + "\n")
    tmp.replace(output_dir / METRICS_FILE)
    return metrics
