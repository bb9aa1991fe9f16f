"""The quickstart's plan: samples and epochs fitted to the time budget, with time estimates.

:func:`make_plan` turns measured speeds (:mod:`insar_hf.quickstart.calibrate`) into a
:class:`Plan`; :func:`describe_plan` prints it before any work; :func:`save_plan` and
:func:`load_plan` keep it in ``OUT/quickstart_plan.json`` so that a re-run with the same settings
reuses it (and with it every finished step).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from insar_hf.quickstart.config import QuickstartConfig

DEFAULT_EPOCHS = 20
GENERATION_EFFICIENCY = 0.35
"""End-to-end dataset rate / (calibrated in-process scene rate x workers). Measured on 2 cores:
44 scenes/s in the calibration loop, 31 samples/s for 6,020 samples with 2 workers (mask PNG,
parquet, inter-process transfer and the redraw-heavy scenes the short calibration misses)."""


TRAINING_EFFICIENCY = 1.2
"""Trainer images per second / calibrated training rate. Measured on 2 cores (generator v2, issue
12's input pipeline: images decoded once into memory, batched augmentation): the calibration
(two steps of the model at batch 16, and the batched augmentation and collation of 12 rows,
combined) gave 193 img/s; the 20-epoch Trainer run of 4,220 samples (batch 16) trained at 242
img/s with its per-epoch evaluation (279 s), a ratio of 1.25. Before issue 12 (lazy WebP
decoding and per-image augmentation every epoch) the ratio was 0.6 (97 against 162 img/s)."""


@dataclass
class Plan:
    """Sizes and time estimates (seconds) of one quickstart run."""

    num_samples: int
    epochs: int
    preset: str
    scenes_per_s: float
    train_images_per_s: float
    infer_images_per_s: float
    estimate_s: dict[str, float]

    @property
    def total_s(self) -> float:
        return float(sum(self.estimate_s.values()))


def _cores(workers: int | None) -> int:
    return max(1, workers or os.cpu_count() or 1)


def make_plan(
    config: QuickstartConfig, scenes_per_s: float, train_rate: float, infer_rate: float
) -> Plan:
    """Fit samples and epochs to ``config.minutes`` given measured speeds.

    The time model: generation ``N / (rate * cores)`` (times :data:`GENERATION_EFFICIENCY`);
    each epoch trains on ``0.8 N`` (at the calibrated rate times :data:`TRAINING_EFFICIENCY`) and
    evaluates ``0.1 N``; the final test pass and the attention-localisation pass read ``0.1 N``
    twice more; a fixed allowance covers start-up and saving. 85 % of the budget is planned,
    the rest is headroom for a busy machine.
    """
    cores = _cores(config.workers)
    gen_rate = scenes_per_s * cores * GENERATION_EFFICIENCY
    trainer_rate = train_rate * TRAINING_EFFICIENCY
    overhead_s = 30.0
    budget_s = 0.85 * config.minutes * 60.0 - overhead_s
    epochs = config.epochs or DEFAULT_EPOCHS

    def cost(n: int, e: int) -> dict[str, float]:
        return {
            "dataset": n / gen_rate,
            "training": e * (0.8 * n / trainer_rate + 0.1 * n / infer_rate),
            "evaluation": 0.2 * n / infer_rate,  # test pass + attention-localisation pass
            "overhead": overhead_s,
        }

    if config.num_samples is not None:
        n = config.num_samples
    else:
        per_sample = sum(v for k, v in cost(1, epochs).items() if k != "overhead")
        n = int(max(budget_s, 0.0) / per_sample)
        n = max(100, min(n, 20000))
        n = int(math.floor(n / 10.0) * 10)
    return Plan(
        num_samples=n,
        epochs=epochs,
        preset=config.preset,
        scenes_per_s=scenes_per_s,
        train_images_per_s=train_rate,
        infer_images_per_s=infer_rate,
        estimate_s=cost(n, epochs),
    )


def format_minutes(seconds: float) -> str:
    """``"2.5 min"`` from one minute up, ``"42 s"`` below."""
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def describe_plan(plan: Plan) -> str:
    """The plan, the measured speeds and the time estimate of each step, as printed lines."""
    lines = [
        f"Plan: {plan.num_samples} synthetic samples, {plan.preset} for {plan.epochs} epochs",
        f"  measured here: {plan.scenes_per_s:.0f} scenes/s/process, "
        f"training {plan.train_images_per_s:.0f} img/s, "
        f"inference {plan.infer_images_per_s:.0f} img/s",
    ]
    for step, seconds in plan.estimate_s.items():
        lines.append(f"  {step:<11} ~{format_minutes(seconds)}")
    lines.append(f"  estimated total ~{format_minutes(plan.total_s)}")
    return "\n".join(lines)


def _config_key(config: QuickstartConfig) -> dict[str, Any]:
    key = asdict(config)
    for name in ("out_dir", "token", "push_to_hub", "workers", "overwrite"):
        key.pop(name)
    return key


def save_plan(path: Path, config: QuickstartConfig, plan: Plan) -> None:
    """Write ``plan`` with the settings it was made for (all but paths, Hub, workers, overwrite)."""
    path.write_text(
        json.dumps({"config": _config_key(config), "plan": asdict(plan)}, indent=2) + "\n"
    )


def load_plan(path: Path, config: QuickstartConfig) -> Plan | None:
    """The saved plan if it was made for the same settings (so re-runs reuse every step)."""
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if saved.get("config") != _config_key(config):
        return None
    return Plan(**saved["plan"])
