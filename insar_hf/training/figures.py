"""The figures of an evaluation: confusion matrix, detection against magnitude, training curves.

Drawn with matplotlib (``Agg`` backend, imported lazily) by
:func:`insar_hf.training.evaluation.evaluate_model`, into the folder of ``metrics.json``; the
model card shows them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np


def _figure():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def plot_confusion_matrix(cm: Sequence[Sequence[int]], names: Sequence[str], path: Path) -> None:
    """Counts with row-normalised shading; rows = truth, columns = prediction."""
    plt = _figure()
    cm = np.asarray(cm, dtype=np.int64)
    rates = cm / np.maximum(cm.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(4.2, 3.6), dpi=120)
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for (i, j), n in np.ndenumerate(cm):
        colour = "white" if rates[i, j] > 0.5 else "black"
        ax.text(j, i, f"{n}\n({rates[i, j]:.0%})", ha="center", va="center", color=colour)
    ax.set_xticks(range(len(names)), names)
    ax.set_yticks(range(len(names)), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Confusion matrix (test)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_detection_vs_magnitude(rows: Sequence[Mapping[str, Any]], path: Path) -> None:
    """Detection rate of earthquake samples per Mw bin, with the sample count per bar."""
    plt = _figure()
    fig, ax = plt.subplots(figsize=(5.5, 3.6), dpi=120)
    centres = [(r["mw_min"] + r["mw_max"]) / 2 for r in rows]
    width = min((r["mw_max"] - r["mw_min"] for r in rows), default=0.5) * 0.85
    rates = [r["detection_rate"] if r["detection_rate"] is not None else 0.0 for r in rows]
    ax.bar(centres, rates, width=width, color="tab:red", alpha=0.8)
    for x, r, rate in zip(centres, rows, rates):
        ax.text(x, rate + 0.02, f"n={r['n']}", ha="center", fontsize=7)
    ax.set_ylim(0, 1.1)
    ax.set_xlabel("moment magnitude Mw")
    ax.set_ylabel("detection rate (recall)")
    ax.set_title("Detection against magnitude (test)")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_training_curves(log_history: Sequence[Mapping[str, Any]], path: Path) -> None:
    """Loss (train, eval) and eval accuracy / F1 against epoch from a Trainer log history."""
    plt = _figure()
    train = [(h["epoch"], h["loss"]) for h in log_history if "loss" in h and "epoch" in h]
    evals = [h for h in log_history if "eval_loss" in h and "epoch" in h]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.4), dpi=120)
    if train:
        ax1.plot(*zip(*train), label="train", color="tab:blue")
    if evals:
        ax1.plot([h["epoch"] for h in evals], [h["eval_loss"] for h in evals], "o-", label="eval")
        for key in ("eval_accuracy", "eval_f1"):
            pts = [(h["epoch"], h[key]) for h in evals if key in h]
            if pts:
                ax2.plot(*zip(*pts), "o-", label=key.removeprefix("eval_"))
    ax1.set_xlabel("epoch")
    ax1.set_ylabel("cross-entropy loss")
    ax1.legend()
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("validation score")
    ax2.set_ylim(0, 1.05)
    ax2.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_reliability_diagram(
    curves: Mapping[str, tuple[Any, float]], path: Path, *, split: str = "validation"
) -> None:
    """Observed fraction of earthquakes against mean P(earthquake) per bin, one curve each.

    ``curves``: label (``"before (T = 1)"``, ``"after (T = 1.7)"``) -> ``(bins, ece)``, ``bins``
    a :class:`insar_hf.model.calibration.ReliabilityBins`; the ECE goes into the legend and the
    bin counts into a histogram below.
    """
    plt = _figure()
    fig, (ax, hist) = plt.subplots(
        2, 1, figsize=(4.8, 5.2), dpi=120, sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    ax.plot([0, 1], [0, 1], ":", color="grey", label="perfect calibration")
    for (label, (bins, ece)), colour in zip(curves.items(), ("tab:grey", "tab:blue", "tab:red")):
        full = np.asarray(bins.count) > 0
        conf, freq = np.asarray(bins.confidence)[full], np.asarray(bins.frequency)[full]
        ax.plot(conf, freq, "o-", color=colour, label=f"{label}: ECE {ece:.3f}")
        centres = (np.asarray(bins.lower) + np.asarray(bins.upper)) / 2
        width = float(np.asarray(bins.upper)[0] - np.asarray(bins.lower)[0])
        hist.bar(centres, bins.count, width=width * 0.9, color=colour, alpha=0.45, label=label)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("observed fraction of earthquakes")
    ax.set_title(f"Reliability of P(earthquake) ({split})")
    ax.legend(fontsize=7, loc="upper left")
    hist.set_xlabel("predicted P(earthquake)")
    hist.set_ylabel("samples")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
