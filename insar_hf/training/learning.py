"""Did the run learn?  The training loss against ln 2 and the validation ROC-AUC against chance.

A binary classifier that has learned nothing predicts the class prior for every image: its
cross-entropy is ``ln 2 = 0.693`` on balanced data and its ROC-AUC is 0.5.  Small ViTs trained
from scratch can sit on that plateau for a whole run (docs/training.md, "The CPU recipe"), and
their metrics then look like numbers rather than like a failure.  :func:`check_learning` reads
the log history that ``Trainer`` saves (``trainer_state.json``) and says, in one line, whether
the run learned, with the likely cause and the fix when it did not:

* **stalled** -- the last logged training loss is within :data:`STALL_MARGIN` of ln 2 (the loss
  never left the constant predictor's);
* **no better than chance** -- the best validation ROC-AUC is under :data:`CHANCE_AUC`.

Either means *did not learn*.  With ``expected_roc_auc`` (what the recipe reaches at this size,
measured) a run that learned but stayed well below it is reported as *learned less than
expected*.  The quickstart prints :attr:`LearningCheck.headline` as the first line of its summary
and into the staged Space's header; ``training/train.py`` prints it as a warning
(:func:`warn_unless_learned`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LN2 = math.log(2.0)
"""Cross-entropy (nats) of the constant predictor on balanced binary data."""

STALL_MARGIN = 0.01
"""A last training loss above ``ln 2 - STALL_MARGIN`` (0.683) never left the plateau: learning
runs of the recipe are below 0.683 after three epochs and at 0.62-0.66 after twenty."""

CHANCE_AUC = 0.6
"""Best validation ROC-AUC under which a run is no better than chance (a constant or random
score gives 0.5; on a few hundred validation images its spread is about 0.02-0.03)."""

EXPECTED_MARGIN = 0.05
"""A run that learned is *below expectation* when its validation ROC-AUC is more than this under
the recipe's measured figure."""

STATE_FILE = "trainer_state.json"


@dataclass(frozen=True)
class LearningCheck:
    """The verdict on one training run.

    ``status`` is ``"learned"``, ``"below_expectation"`` or ``"did_not_learn"``;
    ``headline`` one line for the top of a summary; ``cause`` and ``fix`` say why and what to do
    (empty when it learned).  Losses are the first and last logged training losses (nats),
    ``roc_auc`` the best validation ROC-AUC; any may be None when the log lacks them.
    """

    status: str
    headline: str
    cause: str
    fix: str
    first_loss: float | None
    last_loss: float | None
    roc_auc: float | None
    expected_roc_auc: float | None

    @property
    def learned(self) -> bool:
        return self.status != "did_not_learn"

    def lines(self) -> list[str]:
        """The headline, then the cause and the fix (when there are any)."""
        return [self.headline] + [
            f"  {name}: {text}" for name, text in (("cause", self.cause), ("fix", self.fix)) if text
        ]


def learning_curve(log_history: Sequence[dict[str, Any]]) -> tuple[list[float], list[float]]:
    """``(training losses, validation ROC-AUCs)`` in logged order from a ``Trainer`` log history."""
    losses = [float(e["loss"]) for e in log_history if "loss" in e]
    aucs = [
        float(e["eval_roc_auc"])
        for e in log_history
        if e.get("eval_roc_auc") is not None and math.isfinite(float(e["eval_roc_auc"]))
    ]
    return losses, aucs


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def check_log_history(
    log_history: Sequence[dict[str, Any]],
    *,
    expected_roc_auc: float | None = None,
    fix: str | None = None,
) -> LearningCheck:
    """The verdict from a ``Trainer`` log history (see the module docstring).

    ``fix`` replaces the generic advice (the quickstart names its own command line).
    """
    losses, aucs = learning_curve(log_history)
    first = losses[0] if losses else None
    last = losses[-1] if losses else None
    best = max(aucs) if aucs else None
    stalled = last is not None and last > LN2 - STALL_MARGIN
    chance = best is not None and best < CHANCE_AUC
    loss_text = (
        f"training loss {_fmt(first)} -> {_fmt(last)} (ln 2 = {LN2:.3f})"
        if losses
        else "no training loss logged"
    )
    auc_text = f"best validation ROC-AUC {_fmt(best)} (chance 0.5)"
    if stalled or chance:
        if stalled:
            headline = (
                f"WARNING: the model did not learn: its training loss stayed at ln 2 "
                f"({_fmt(first)} -> {_fmt(last)}), the loss of a constant guess; {auc_text}."
            )
            cause = (
                "too few optimiser steps or samples for the recipe to leave the ln 2 plateau "
                "(small ViTs trained from scratch sit there for the first epochs), or a "
                "learning rate too large for this model (1e-3 stalls vit-micro)"
            )
        else:
            headline = (
                f"WARNING: the model did not learn: {auc_text}, no better than chance "
                f"({loss_text})."
            )
            cause = (
                "too few samples: the model fits its training images without generalising "
                "(or the validation split is too small to tell)"
            )
        default_fix = (
            "train longer on more samples (more --num_train_epochs, a larger dataset), keep the "
            "recipe's learning rate (3e-4 with warm-up), or try another --seed"
        )
        return LearningCheck(
            "did_not_learn", headline, cause, fix or default_fix, first, last, best,
            expected_roc_auc,
        )  # fmt: skip
    if (
        expected_roc_auc is not None
        and best is not None
        and best < expected_roc_auc - EXPECTED_MARGIN
    ):
        headline = (
            f"NOTE: the model learned less than the recipe reaches at this size: {auc_text}, "
            f"measured {expected_roc_auc:.3f} on the reference runs ({loss_text})."
        )
        cause = "an unlucky seed, or a dataset or recipe that differs from the reference runs"
        return LearningCheck(
            "below_expectation", headline, cause, fix or "", first, last, best, expected_roc_auc
        )
    headline = f"The model learned: {auc_text}, {loss_text}."
    return LearningCheck("learned", headline, "", "", first, last, best, expected_roc_auc)


def read_log_history(output_dir: str | Path) -> list[dict[str, Any]]:
    """The log history in ``output_dir/trainer_state.json`` (``Trainer.save_state``)."""
    path = Path(output_dir) / STATE_FILE
    try:
        state = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise FileNotFoundError(
            f"{path} is missing or unreadable ({err}); it is written at the end of training"
        ) from None
    return list(state.get("log_history") or [])


def check_learning(
    output_dir: str | Path, *, expected_roc_auc: float | None = None, fix: str | None = None
) -> LearningCheck:
    """:func:`check_log_history` of the run saved in ``output_dir``."""
    return check_log_history(
        read_log_history(output_dir), expected_roc_auc=expected_roc_auc, fix=fix
    )


def warn_unless_learned(argv: Sequence[str] | None = None, *, echo: Callable = print) -> None:
    """After ``training/train.py``: print the verdict, as a warning when the run did not learn.

    ``argv`` are the script's arguments (parsed again for ``output_dir``); only the main process
    prints.  Nothing is printed when the run left no ``trainer_state.json``.
    """
    from insar_hf.training.arguments import parse_args

    _, _, args = parse_args(argv)
    if args.process_index != 0:
        return
    try:
        verdict = check_learning(args.output_dir)
    except FileNotFoundError:
        return
    for line in verdict.lines():
        echo(line)
