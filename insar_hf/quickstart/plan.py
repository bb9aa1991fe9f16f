"""The quickstart's plan: samples and epochs fixed for a budget, and how long it takes here.

The plan does **not** depend on how busy this machine is at the moment it starts.  Samples and
epochs come from :data:`REFERENCE`, the speeds of each step measured once on an idle 2-core
machine and written here, so the same command always plans the same dataset and the same
training run (and with the same seed trains the same model, only slower on a busy machine).
A few seconds of calibration (:mod:`insar_hf.quickstart.calibrate`) only tell the user how long
the plan will take here, and say when this machine is slower than the reference or busy.

The dataset never shrinks below :data:`LEARNING_FLOOR_SAMPLES`, the size at which the recipe was
measured to learn for 3 of 3 seeds (docs/training.md, "The quickstart's plan"): a small budget
takes longer instead of handing over a model that did not learn.

:func:`save_plan` and :func:`load_plan` keep the plan in ``OUT/quickstart_plan.json``; every
re-run reuses it as it is (only a size or epoch count given explicitly replaces its own), so a
re-run never plans again.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from insar_hf.model.flops import vit_flops_per_image
from insar_hf.model.presets import PATCH_SIZE, PRESETS
from insar_hf.quickstart.config import QuickstartConfig
from insar_hf.schema import IMAGE_SIZE


@dataclass(frozen=True)
class Speeds:
    """Speeds of one machine, images (or samples) per second.

    ``scenes_per_s`` is the calibration's scene + row rate of one process; ``train_per_s`` and
    ``infer_per_s`` the calibration's training (model and input pipeline) and inference rates
    of the preset with all of the machine's threads.
    """

    scenes_per_s: float
    train_per_s: float
    infer_per_s: float


@dataclass(frozen=True)
class Reference:
    """The idle 2-core reference machine: end-to-end step speeds and its calibration figures.

    ``dataset_per_s``: ``insar-hf generate`` samples per second with 2 workers (parquet, card
    and check included); ``trainer_per_s`` and ``eval_per_s``: images per second of the
    ``Trainer`` run's training and of its evaluation passes, per preset; ``calibration``: what
    :mod:`insar_hf.quickstart.calibrate` measured there, per preset, against which this
    machine's calibration is compared.
    """

    cores: int
    dataset_per_s: float
    trainer_per_s: dict[str, float]
    eval_per_s: dict[str, float]
    calibration: dict[str, Speeds]
    overhead_s: float = 60.0


REFERENCE = Reference(
    cores=2,
    dataset_per_s=31.0,
    trainer_per_s={"vit-micro": 242.0},
    eval_per_s={"vit-micro": 700.0},
    calibration={"vit-micro": Speeds(scenes_per_s=44.0, train_per_s=193.0, infer_per_s=876.0)},
)
"""The development machine (2 cores, AVX2), idle, issue 12 (docs/training.md, "The quickstart's
plan"): ``insar-hf generate`` of 6,020 samples with 2 workers, 31 samples/s (its calibration: 44
scenes/s per process); the ``Trainer`` run of the 15-minute quickstart, vit-micro at batch 16 with
its per-epoch evaluation, 242 img/s (its calibration: 193 img/s); inference, the model alone at
batch 16, 876 img/s, 700 img/s assumed for the evaluation passes with their collation.  The
overhead (start-up, threshold calibration, the choice of explanation map, the test pass with
attention localisation, card and Space) was 1.0 min of the 10.4-min issue-12 run.  The generator
of issue 24 is faster (docs/generator.md): these figures make plans slightly smaller than an
idle machine allows, never larger."""

DEFAULT_EPOCHS = 20
LEARNING_FLOOR_SAMPLES = 4000
"""The smallest dataset at which the recipe (vit-micro, batch 16, lr 3e-4, 20 epochs) learned
for 3 of 3 seeds (docs/training.md, "The quickstart's plan"); the plan never goes below it."""
REFERENCE_VALIDATION_AUC: dict[str, tuple[int, int, float]] = {"vit-micro": (6940, 20, 0.695)}
"""Preset -> (samples, epochs, the lowest best validation ROC-AUC of the reference seeds): what
the recipe reaches from that size and that many epochs on.  ``vit-micro``: the 15-minute plan,
idle seeds 0-4 of ``benchmarks/quickstart_seeds.py`` on generator v3, 7-8 Dec 2026 (0.695,
0.733, 0.758, 0.748, 0.734; docs/training.md, "The quickstart's plan").  A smaller plan has no
measured figure and is judged against ln 2 and chance alone; a larger one is held to it."""
MAX_SAMPLES = 20_000
PLANNED_FRACTION = 0.85
"""Share of the budget the reference plan fills: the rest is headroom."""
SLOWER_RATIO = 1.25
"""Expected time over the reference's above which the plan says the machine is slower or busy."""


@dataclass
class Plan:
    """Sizes and time estimates (seconds per step) of one quickstart run.

    ``reference_s``: each step's time on the reference machine; ``expected_s``: on this one, from
    its calibration (equal to ``reference_s`` when it was not calibrated); ``note`` says when and
    why they differ, or why the plan is larger than the budget.
    """

    num_samples: int
    epochs: int
    preset: str
    minutes: float
    reference_s: dict[str, float]
    expected_s: dict[str, float] = field(default_factory=dict)
    measured: dict[str, float] | None = None
    note: str = ""

    @property
    def total_s(self) -> float:
        return float(sum((self.expected_s or self.reference_s).values()))

    @property
    def reference_total_s(self) -> float:
        return float(sum(self.reference_s.values()))


def _reference_rates(preset: str) -> tuple[float, float]:
    """Trainer training and evaluation images per second of ``preset`` on the reference.

    Presets without a measurement are scaled from vit-micro by the ratio of training FLOPs per
    image (:mod:`insar_hf.model.flops`): a rough figure for their plans only.
    """
    if preset in REFERENCE.trainer_per_s:
        return REFERENCE.trainer_per_s[preset], REFERENCE.eval_per_s[preset]

    def flops(name: str) -> float:
        shape = dict(image_size=IMAGE_SIZE, patch_size=PATCH_SIZE, num_channels=3, num_labels=2)
        return vit_flops_per_image(SimpleNamespace(**PRESETS[name], **shape))

    ratio = flops(preset) / flops("vit-micro")
    return REFERENCE.trainer_per_s["vit-micro"] / ratio, REFERENCE.eval_per_s["vit-micro"] / ratio


def step_seconds(num_samples: int, epochs: int, preset: str, slowdown=None) -> dict[str, float]:
    """Seconds of each step on the reference machine, or here given ``slowdown`` factors.

    Each epoch trains on ``0.8 N`` and evaluates ``0.1 N``; the test pass and the
    attention-localisation pass read ``0.1 N`` twice more; a fixed allowance covers start-up and
    saving.  ``slowdown``: ``{"dataset": x, "training": y, "evaluation": z}`` multiplies each.
    """
    train, infer = _reference_rates(preset)
    s = {"dataset": 1.0, "training": 1.0, "evaluation": 1.0} | (slowdown or {})
    n = num_samples
    return {
        "dataset": s["dataset"] * n / REFERENCE.dataset_per_s,
        "training": epochs * (s["training"] * 0.8 * n / train + s["evaluation"] * 0.1 * n / infer),
        "evaluation": s["evaluation"] * 0.2 * n / infer,
        "overhead": REFERENCE.overhead_s,
    }


def make_plan(config: QuickstartConfig) -> Plan:
    """Samples and epochs for ``config.minutes`` on the reference machine (no measurement).

    ``config.num_samples`` / ``config.epochs`` fix them instead.  A fitted size is rounded down
    to 10 samples, capped at :data:`MAX_SAMPLES` and never under
    :data:`LEARNING_FLOOR_SAMPLES` (the plan then says that it exceeds the budget).
    """
    epochs = config.epochs or DEFAULT_EPOCHS
    note = ""
    if config.num_samples is not None:
        n = config.num_samples
        if n < LEARNING_FLOOR_SAMPLES:
            note = (
                f"{n} samples is under the {LEARNING_FLOOR_SAMPLES} at which the recipe was "
                "measured to learn for 3 of 3 seeds: the model may not learn"
            )
    else:
        budget_s = PLANNED_FRACTION * config.minutes * 60.0 - REFERENCE.overhead_s
        one = step_seconds(1, epochs, config.preset)
        per_sample = sum(v for k, v in one.items() if k != "overhead")
        n = int(math.floor(max(budget_s, 0.0) / per_sample / 10.0) * 10)
        n = min(n, MAX_SAMPLES)
        if n < LEARNING_FLOOR_SAMPLES:
            n = LEARNING_FLOOR_SAMPLES
            minutes = sum(step_seconds(n, epochs, config.preset).values()) / 60.0
            note = (
                f"{config.minutes:g} min is too short for a model that learns: planned "
                f"{n} samples, the fewest at which the recipe learned for 3 of 3 seeds "
                f"(about {minutes:.0f} min on an idle 2-core machine)"
            )
    reference = step_seconds(n, epochs, config.preset)
    return Plan(
        num_samples=n,
        epochs=epochs,
        preset=config.preset,
        minutes=config.minutes,
        reference_s=reference,
        expected_s=dict(reference),
        note=note,
    )


def expected_validation_auc(plan: Plan) -> float | None:
    """What the recipe's validation ROC-AUC reaches at ``plan``'s size (None: not measured)."""
    reference = REFERENCE_VALIDATION_AUC.get(plan.preset)
    if reference is None or plan.num_samples < reference[0] or plan.epochs < reference[1]:
        return None
    return reference[2]


def _load_average() -> float | None:
    """Load average of the last minute (None where the system does not say)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def expect_here(plan: Plan, measured: Speeds, *, cores: int | None = None) -> Plan:
    """``plan`` with the time it will take on this machine, from its calibration.

    Each step's reference time is scaled by how much slower this machine's calibration ran than
    the reference's (generation also by the number of cores).  When the whole run is expected to
    take :data:`SLOWER_RATIO` times the reference or more, the note says so, and whether other
    processes are keeping the machine busy (load average) or it is simply slower.  The sizes
    never change.
    """
    cores = cores or os.cpu_count() or 1
    ref = REFERENCE.calibration.get(plan.preset) or REFERENCE.calibration["vit-micro"]
    slowdown = {
        "dataset": (ref.scenes_per_s / measured.scenes_per_s) * (REFERENCE.cores / cores),
        "training": ref.train_per_s / measured.train_per_s,
        "evaluation": ref.infer_per_s / measured.infer_per_s,
    }
    expected = step_seconds(plan.num_samples, plan.epochs, plan.preset, slowdown)
    out = Plan(**{**asdict(plan), "expected_s": expected, "measured": asdict(measured)})
    ratio = out.total_s / out.reference_total_s
    if ratio >= SLOWER_RATIO:
        load = _load_average()
        # This process counts for one; a quarter of a core more is another process at work.
        why = (
            f"the machine is busy (load average {load:.1f} on {cores} cores)"
            if load is not None and load - 1.0 >= 0.25 * cores
            else f"this machine is {ratio:.1f}x slower than the idle 2-core reference"
        )
        speed = (
            f"expect about {format_minutes(out.total_s)} (the reference takes "
            f"{format_minutes(out.reference_total_s)}); {why}: the plan stays the same, "
            "it only takes longer"
        )
        out.note = "; ".join(filter(None, [plan.note, speed]))
    return out


def format_minutes(seconds: float) -> str:
    """``"1.8 h"`` from 90 minutes up, ``"2.5 min"`` from one minute, ``"42 s"`` below."""
    if seconds >= 5400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def describe_plan(plan: Plan) -> str:
    """The plan, where its sizes come from and the expected time of each step, as lines."""
    lines = [
        f"Plan: {plan.num_samples} synthetic samples, {plan.preset} for {plan.epochs} epochs "
        f"(fixed for a {plan.minutes:g}-min budget by measurement on an idle 2-core machine)",
    ]
    if plan.measured:
        m = plan.measured
        lines.append(
            f"  measured here: {m['scenes_per_s']:.0f} scenes/s/process, "
            f"training {m['train_per_s']:.0f} img/s, inference {m['infer_per_s']:.0f} img/s"
        )
    for step, seconds in (plan.expected_s or plan.reference_s).items():
        lines.append(f"  {step:<11} ~{format_minutes(seconds)}")
    lines.append(
        f"  estimated total ~{format_minutes(plan.total_s)} here "
        f"({format_minutes(plan.reference_total_s)} on the reference machine)"
    )
    if plan.note:
        lines.append(f"  note: {plan.note}")
    return "\n".join(lines)


def _config_key(config: QuickstartConfig) -> dict[str, Any]:
    key = asdict(config)
    for name in ("out_dir", "token", "push_to_hub", "workers", "overwrite"):
        key.pop(name)
    return key


def save_plan(path: Path, config: QuickstartConfig, plan: Plan) -> None:
    """Write ``plan`` with the settings of the run that made it."""
    path.write_text(
        json.dumps({"config": _config_key(config), "plan": asdict(plan)}, indent=2) + "\n"
    )


def load_plan(path: Path, config: QuickstartConfig) -> Plan | None:
    """The saved plan, as it is, with the sizes ``config`` gives explicitly put in.

    None when there is no readable plan or it was made for another preset (another job).  A
    plan made with another budget is reused all the same: a re-run never plans again.
    """
    try:
        saved = json.loads(path.read_text())
        plan = Plan(**saved["plan"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if plan.preset != config.preset:
        return None
    changed = {}
    if config.num_samples is not None and config.num_samples != plan.num_samples:
        changed["num_samples"] = config.num_samples
    if config.epochs is not None and config.epochs != plan.epochs:
        changed["epochs"] = config.epochs
    if changed:
        n = changed.get("num_samples", plan.num_samples)
        e = changed.get("epochs", plan.epochs)
        reference = step_seconds(n, e, plan.preset)
        scale = plan.total_s / plan.reference_total_s if plan.reference_total_s else 1.0
        plan = Plan(
            **{
                **asdict(plan),
                **changed,
                "reference_s": reference,
                "expected_s": {k: v * scale for k, v in reference.items()},
                "note": "",
            }
        )
    return plan
