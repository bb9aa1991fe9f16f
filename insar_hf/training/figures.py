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
