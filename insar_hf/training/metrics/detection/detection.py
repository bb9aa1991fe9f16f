"""Binary detection metrics for the InSAR earthquake detector, as an ``evaluate`` module.

Accuracy, precision, recall, F1 (of the positive class), ROC-AUC (when scores are given) and the
confusion matrix, all computed with scikit-learn. The module is self-contained so that it loads
offline by path and can be published to the Hub as a metric Space::

    import evaluate
    metric = evaluate.load("path/to/insar_hf/training/metrics/detection")
    metric.compute(predictions=[0, 1, 1], references=[0, 1, 0], scores=[0.1, 0.9, 0.6])
"""

from __future__ import annotations

import math

import datasets
import evaluate
import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    precision_recall_fscore_support,
    roc_auc_score,
)

_CITATION = """\
@article{pedregosa2011scikit,
  title={Scikit-learn: Machine Learning in {P}ython},
  author={Pedregosa, F. and others},
  journal={Journal of Machine Learning Research},
  volume={12}, pages={2825--2830}, year={2011}
}
"""

_DESCRIPTION = """\
Detection metrics for a binary classifier (0 = no earthquake, 1 = earthquake): accuracy,
precision, recall and F1 of the positive class, ROC-AUC from positive-class scores, and the
2 x 2 confusion matrix [[TN, FP], [FN, TP]] (rows = truth, columns = prediction).
"""

_KWARGS_DESCRIPTION = """\
Args:
    predictions (list of int): predicted labels, 0 or 1.
    references (list of int): true labels, 0 or 1.
    scores (list of float, optional): probability (or any monotone score) of class 1; needed
        for ROC-AUC.
    pos_label (int): the positive class, default 1.
Returns:
    accuracy, precision, recall, f1 (float in [0, 1]; precision / recall / F1 are 0 when
    undefined), roc_auc (float, NaN without scores or with a single class among references),
    confusion_matrix (list of lists of int, [[TN, FP], [FN, TP]]), n (number of samples).
Examples:
    >>> metric = evaluate.load("insar_hf/training/metrics/detection")
    >>> metric.compute(predictions=[0, 1], references=[0, 1])["accuracy"]
    1.0
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class Detection(evaluate.Metric):
    """Accuracy, precision, recall, F1, ROC-AUC and confusion matrix of a binary detector."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            # ``scores`` is a keyword argument of compute(), not a feature: evaluate checks
            # inputs against the first feature set only, and scores are optional.
            features=datasets.Features(
                {"predictions": datasets.Value("int32"), "references": datasets.Value("int32")}
            ),
            reference_urls=["https://scikit-learn.org/stable/modules/model_evaluation.html"],
        )

    def _compute(self, predictions, references, scores=None, pos_label: int = 1):
        y_pred = np.asarray(predictions, dtype=np.int64)
        y_true = np.asarray(references, dtype=np.int64)
        if y_true.size == 0:
            raise ValueError("no samples: pass at least one prediction and reference")
        labels = [1 - pos_label, pos_label]
        bad = set(np.unique(np.concatenate([y_true, y_pred])).tolist()) - set(labels)
        if bad:
            raise ValueError(f"labels must be 0 or 1, got {sorted(bad)}")
        precision, recall, f1, _ = precision_recall_fscore_support(
            y_true, y_pred, labels=[pos_label], average=None, zero_division=0
        )
        roc_auc = math.nan
        if scores is not None and len(np.unique(y_true)) == 2:
            roc_auc = float(roc_auc_score(y_true == pos_label, np.asarray(scores, np.float64)))
        return {
            "accuracy": float(accuracy_score(y_true, y_pred)),
            "precision": float(precision[0]),
            "recall": float(recall[0]),
            "f1": float(f1[0]),
            "roc_auc": roc_auc,
            "confusion_matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
            "n": int(y_true.size),
        }
