"""Calibrated verdicts: temperature scaling, calibration error, an operating threshold, the file.

Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural Networks", ICML) divides
the logits by one scalar ``T > 0`` fitted on the validation split: ``softmax(z / T)`` keeps the
ranking (ROC-AUC, argmax) and only makes the probabilities mean what they say.
:func:`fit_temperature` minimises the validation negative log-likelihood over ``log T`` with a
bounded 1-D search (``scipy.optimize.minimize_scalar``).

Expected calibration error (ECE), the definition used everywhere in insar_hf: **binary, over
P(earthquake)**, in ``n_bins`` equal-width bins of [0, 1] (the last bin closed)::

    ECE = sum_b (n_b / N) * | mean(p_i, i in b) - mean(y_i, i in b) |

where ``p_i`` is the predicted P(earthquake) and ``y_i`` in {0, 1} the label; it is the
reliability of the number users read, not of the top-label confidence. :func:`reliability_bins`
gives the per-bin figures of the reliability diagram.

The operating threshold (:func:`threshold_for_false_positive_rate`) is the lowest value whose
validation false-positive rate is at most a stated target, with the verdict
``p >= threshold``. A :class:`Calibration` holds ``T``, the threshold and how both were
chosen; it is saved beside the weights as :data:`CALIBRATION_FILE`, and
:func:`load_calibration` reads it from a folder or a Hub id (None where there is none: then
``T = 1`` and the verdict is the argmax, as before calibration existed).
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize_scalar

from insar_hf.model.checkpoint import looks_like_local_path

CALIBRATION_FILE = "calibration.json"
"""Temperature and operating threshold of a checkpoint, beside ``config.json``."""
ECE_BINS = 15
"""Equal-width bins of P(earthquake) for the ECE and the reliability diagram."""
TEMPERATURE_BOUNDS = (0.01, 100.0)
"""The search interval of ``T``; a fit at a bound says the validation split is degenerate."""
MW_DETECTION = 6.0
"""Magnitude from which the detection rate at the threshold is also quoted (issue 12's goal)."""
LOG = logging.getLogger(__name__)
REAL_VALIDATION_SET = "real earthquake-free interferograms of the validation volcanoes"
"""What a threshold set on a bank of real backgrounds counts its false alarms on."""
BANK_SUFFIX = " of a bank of real backgrounds"
"""Follows :data:`REAL_VALIDATION_SET` in ``Calibration.threshold_set_on``, then the digest."""


class CalibrationError(ValueError):
    """Scores or labels that cannot be calibrated, or a ``calibration.json`` that is not valid."""


def _checked(scores: Any, labels: Any, *, ndim: int) -> tuple[np.ndarray, np.ndarray]:
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels)
    if scores.ndim != ndim or labels.ndim != 1 or len(scores) != len(labels):
        raise CalibrationError(
            f"expected scores of {ndim} dimension(s) and labels (N,) of the same N; got shapes "
            f"{scores.shape} and {labels.shape}"
        )
    if len(labels) == 0:
        raise CalibrationError("no samples to calibrate on")
    if not np.all(np.isfinite(scores)):
        raise CalibrationError("scores hold NaN or infinity; check the model's outputs")
    return scores, labels.astype(np.int64)


def softmax_with_temperature(logits: Any, temperature: float = 1.0) -> np.ndarray:
    """``softmax(logits / T)`` row-wise; logits (N, C) -> probabilities (N, C), float64."""
    z = np.asarray(logits, dtype=np.float64) / float(temperature)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def negative_log_likelihood(logits: Any, labels: Any, temperature: float = 1.0) -> float:
    """Mean ``-log softmax(z / T)[y]`` over the samples (nats)."""
    z, y = _checked(logits, labels, ndim=2)
    z = z / float(temperature)
    m = z.max(axis=1, keepdims=True)
    log_norm = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))  # (N,) log sum exp
    return float(np.mean(log_norm - z[np.arange(len(y)), y]))


def fit_temperature(logits: Any, labels: Any) -> float:
    """The temperature ``T > 0`` minimising the NLL of ``softmax(logits / T)`` (Guo et al. 2017).

    Parameters
    ----------
    logits
        Shape (N, C), the model's validation logits.
    labels
        Shape (N,), integer classes in ``[0, C)``.

    Returns
    -------
    float
        ``T`` within :data:`TEMPERATURE_BOUNDS`, found by a bounded search on ``log T`` (the NLL
        is smooth in ``log T``, and the bound keeps ``T`` positive).
    """
    z, y = _checked(logits, labels, ndim=2)
    if y.min() < 0 or y.max() >= z.shape[1]:
        raise CalibrationError(f"labels must lie in [0, {z.shape[1]}); got {y.min()}..{y.max()}")
    lo, hi = (math.log(b) for b in TEMPERATURE_BOUNDS)
    best = minimize_scalar(
        lambda log_t: negative_log_likelihood(z, y, math.exp(log_t)),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-6},
    )
    return float(math.exp(best.x))


@dataclass(frozen=True)
class ReliabilityBins:
    """Per-bin figures of a reliability diagram over P(earthquake); arrays of shape (n_bins,).

    ``confidence`` is the mean predicted P(earthquake) of the bin and ``frequency`` the observed
    fraction of earthquakes in it (NaN for empty bins); ``count`` the samples in the bin.
    """

    lower: np.ndarray
    upper: np.ndarray
    confidence: np.ndarray
    frequency: np.ndarray
    count: np.ndarray

    def to_dict(self) -> dict[str, list]:
        """JSON-ready lists (``None`` for the NaN of empty bins)."""
        return {
            k: [None if isinstance(v, float) and math.isnan(v) else v for v in a.tolist()]
            for k, a in asdict(self).items()
        }


def reliability_bins(p_earthquake: Any, labels: Any, n_bins: int = ECE_BINS) -> ReliabilityBins:
    """Equal-width bins of [0, 1] over ``p_earthquake`` (N,), bin ``b`` = ``[b/n, (b+1)/n)``,
    the last one closed; labels (N,) in {0, 1}."""
    p, y = _checked(p_earthquake, labels, ndim=1)
    if n_bins < 1:
        raise CalibrationError(f"n_bins must be >= 1; got {n_bins}")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.clip(np.floor(p * n_bins).astype(np.int64), 0, n_bins - 1)  # (N,)
    count = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        confidence = np.bincount(index, weights=p, minlength=n_bins) / count
        frequency = np.bincount(index, weights=(y == 1), minlength=n_bins) / count
    return ReliabilityBins(edges[:-1], edges[1:], confidence, frequency, count)


def expected_calibration_error(p_earthquake: Any, labels: Any, n_bins: int = ECE_BINS) -> float:
    """Binary ECE over P(earthquake) in ``n_bins`` equal-width bins (the module's definition)."""
    bins = reliability_bins(p_earthquake, labels, n_bins)
    full = bins.count > 0
    gaps = np.abs(bins.confidence[full] - bins.frequency[full])
    return float(np.sum(bins.count[full] * gaps) / bins.count.sum())


def threshold_for_false_positive_rate(
    p_earthquake: Any, labels: Any, target: float = 0.05
) -> float:
    """The lowest threshold whose false-positive rate on these samples is ``<= target``.

    The verdict is ``p >= threshold``. With ``k = floor(target * n_negatives)`` false alarms
    allowed, every threshold above the ``(k + 1)``-th highest negative score meets the target
    and none at or below it does, so the answer is the next float64 above that score (0.0 when
    the target allows every negative through).
    """
    p, y = _checked(p_earthquake, labels, ndim=1)
    if not 0.0 <= target <= 1.0:
        raise CalibrationError(f"target false-positive rate must lie in [0, 1]; got {target}")
    negatives = np.sort(p[y == 0])[::-1]  # highest first
    if negatives.size == 0:
        raise CalibrationError(
            "no negative (no_earthquake) samples: a false-positive rate needs some"
        )
    allowed = math.floor(target * negatives.size + 1e-9)  # guard 0.05 * 20 = 0.9999...
    if allowed >= negatives.size:
        return 0.0
    return float(np.nextafter(negatives[allowed], np.inf))


def metrics_at_threshold(
    p_earthquake: Any, labels: Any, threshold: float, mw: Any = None
) -> dict[str, Any]:
    """False-positive rate, detection rate (all and Mw >= 6), precision and F1 of ``p >= t``.

    Rates over zero samples are ``None``; ``mw`` (N,) may hold NaN for negatives.
    """
    p, y = _checked(p_earthquake, labels, ndim=1)
    called = p >= threshold
    pos, neg = y == 1, y == 0
    tp, fp = int(np.sum(called & pos)), int(np.sum(called & neg))
    fn = int(np.sum(~called & pos))

    def rate(num: int, den: int) -> float | None:
        return num / den if den else None

    out = {
        "threshold": float(threshold),
        "n": int(y.size),
        "false_positive_rate": rate(fp, int(neg.sum())),
        "detection_rate": rate(tp, int(pos.sum())),
        "precision": rate(tp, tp + fp),
        "f1": rate(2 * tp, 2 * tp + fp + fn),
    }
    if mw is not None:
        big = pos & (np.asarray(mw, dtype=np.float64) >= MW_DETECTION)
        out["detection_rate_mw6"] = rate(int(np.sum(called & big)), int(big.sum()))
    return out


@dataclass(frozen=True)
class Calibration:
    """How a checkpoint turns logits into a verdict: ``softmax(z / T)``, then ``p >= threshold``.

    Attributes
    ----------
    temperature, threshold
        ``T > 0`` and the operating threshold on the calibrated P(earthquake), in [0, 1].
    target_false_positive_rate
        The false-positive rate the threshold was chosen for, on ``split``.
    n_validation, split
        Samples and split both were fitted on.
    ece_before, ece_after
        Binary ECE (:data:`ECE_BINS` bins) on ``split`` at ``T = 1`` and at ``T``.
    validation_false_positive_rate, validation_detection_rate
        What the threshold gives on ``split``.
    threshold_set_on, n_threshold, threshold_false_positive_rate
        Where the threshold's false alarms were counted when not on ``split`` (``""``: on
        ``split``), e.g. the real earthquake-free interferograms of the validation volcanoes of
        a bank of real backgrounds; how many; and the false-alarm rate it gives there.
    """

    temperature: float
    threshold: float
    target_false_positive_rate: float
    n_validation: int
    ece_before: float
    ece_after: float
    split: str = "validation"
    validation_false_positive_rate: float | None = None
    validation_detection_rate: float | None = None
    threshold_set_on: str = ""
    n_threshold: int = 0
    threshold_false_positive_rate: float | None = None

    def __post_init__(self):
        if not (math.isfinite(self.temperature) and self.temperature > 0):
            raise CalibrationError(
                f"temperature must be a finite number > 0; got {self.temperature}"
            )
        if not 0.0 <= self.threshold <= 1.0:
            raise CalibrationError(f"threshold must lie in [0, 1]; got {self.threshold}")

    def threshold_basis(self) -> str:
        """Where the threshold was set, in words, for a verdict's reader.

        ``"5% false alarms on 265 real earthquake-free interferograms of the validation
        volcanoes"`` for a threshold set on a bank of real backgrounds, else ``"5% false
        alarms on the validation split (2000 samples)"``.
        """
        rate = f"{self.target_false_positive_rate:.0%} false alarms"  # "5%"
        if self.threshold_set_on:
            what = self.threshold_set_on.split(BANK_SUFFIX)[0]
            return f"{rate} on {self.n_threshold} {what}"
        return f"{rate} on the {self.split} split ({self.n_validation} samples)"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str = CALIBRATION_FILE) -> Calibration:
        """From ``calibration.json`` content; :class:`CalibrationError` says what is wrong."""
        try:
            return cls(**data)
        except TypeError as err:
            raise CalibrationError(
                f"{source}: not a calibration file ({err}); write it again with "
                "`insar-hf calibrate --model DIR --dataset DATA`"
            ) from None

    def save(self, folder: str | os.PathLike) -> Path:
        """Write ``folder/calibration.json`` (through a temporary file); returns its path."""
        path = Path(folder) / CALIBRATION_FILE
        tmp = path.with_name(CALIBRATION_FILE + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n")
        tmp.replace(path)
        return path


def read_calibration_file(path: str | os.PathLike) -> Calibration:
    """Parse one ``calibration.json``."""
    try:
        data = json.loads(Path(path).read_text())
    except json.JSONDecodeError as err:
        raise CalibrationError(f"{path}: not valid JSON ({err.msg}, line {err.lineno})") from None
    if not isinstance(data, dict):
        raise CalibrationError(f"{path}: expected a JSON object, got {type(data).__name__}")
    return Calibration.from_dict(data, source=str(path))


def load_calibration(path_or_repo_id: str | os.PathLike) -> Calibration | None:
    """The :class:`Calibration` of a checkpoint folder, a ``calibration.json`` or a Hub id.

    ``None`` where the checkpoint has no :data:`CALIBRATION_FILE` (it predates calibration), for
    a missing local path, and for a Hub id whose file cannot be fetched (offline and not in the
    cache, or the Hub unreachable: logged as a warning), so that loading a model never fails
    for want of its calibration.
    """
    text = str(path_or_repo_id)
    path = Path(text)
    if path.is_file():
        return read_calibration_file(path)
    if path.is_dir():
        found = path / CALIBRATION_FILE
        return read_calibration_file(found) if found.is_file() else None
    if isinstance(path_or_repo_id, os.PathLike) or looks_like_local_path(text):
        return None
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import EntryNotFoundError, LocalEntryNotFoundError

    try:
        downloaded = hf_hub_download(text, CALIBRATION_FILE)
    except LocalEntryNotFoundError as err:  # offline and not cached (a subclass of the next)
        LOG.warning("%s: %s not in the cache (%s); using T = 1", text, CALIBRATION_FILE, err)
        return None
    except EntryNotFoundError:
        return None  # the repository has no calibration: an older checkpoint
    except Exception as err:  # network failures of whichever HTTP client the Hub library uses
        LOG.warning("%s: %s not fetched (%s); using T = 1", text, CALIBRATION_FILE, err)
        return None
    return read_calibration_file(downloaded)
