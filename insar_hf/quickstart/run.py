"""The whole quickstart job: plan, steps, summary and the commands to try next.

:func:`run_quickstart` checks the Hub token first (when pushing), plans (or reuses the saved plan
as it is) and times this machine for the estimate only, runs :mod:`insar_hf.quickstart.steps`,
checks that the model learned (:mod:`insar_hf.training.learning`) and prints a summary whose
first line is that verdict -- a warning with cause and fix when it did not learn, which the
staged Space's header repeats -- then the test metrics and attention-localisation scores of
``metrics.json``.
"""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

from insar_hf.quickstart.calibrate import (
    calibrate_generation,
    calibrate_input_pipeline,
    calibrate_model,
)
from insar_hf.quickstart.config import (
    DATASET_NAME,
    PLAN_FILE,
    SPACE_NAME,
    QuickstartConfig,
    model_repo_name,
)
from insar_hf.quickstart.plan import (
    LEARNING_FLOOR_SAMPLES,
    Plan,
    Speeds,
    describe_plan,
    expect_here,
    expected_validation_auc,
    format_minutes,
    load_plan,
    make_plan,
    save_plan,
)
from insar_hf.quickstart.steps import (
    check_conflicts,
    dataset_shard_size,
    dataset_step,
    model_step,
    push_step,
    space_step,
)
from insar_hf.training.learning import LearningCheck, check_learning


def _token_or_die(config: QuickstartConfig) -> str:
    from huggingface_hub import get_token

    token = config.token or get_token()
    if not token:
        raise ValueError(
            "--push-to-hub needs a Hugging Face token: run `hf auth login` or set HF_TOKEN "
            "(nothing was generated or trained)"
        )
    return token


def summary_table(rows: list[tuple[str, str]]) -> str:
    """``(name, value)`` rows as two aligned columns."""
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)


def summary_text(verdict: LearningCheck, rows: list[tuple[str, str]]) -> str:
    """The summary: the learning verdict first (a warning, cause and fix when the model did not
    learn), then the table."""
    return "\n".join([*verdict.lines(), "Summary", summary_table(rows)])


def next_commands(config: QuickstartConfig, plan: Plan, model_dir: Path, dataset: Path) -> str:
    """The commands that open, use and push what the quickstart made, as printed lines.

    The push commands are exact: ``generate`` gets the size, seed and shard size the dataset was
    made with, so it finds every shard complete and only uploads.
    """
    model, data, space = (str(p.resolve()) for p in (model_dir, dataset, config.out_dir / "space"))
    org = config.push_to_hub or "YOUR_ORG"
    model_id = f"{org}/{model_repo_name(plan.preset)}"
    example = str((config.out_dir / "space" / "examples").resolve())
    q = shlex.quote
    generate = [
        "insar-hf", "generate", "--out", data, "--num-samples", str(plan.num_samples),
        "--seed", str(config.seed), "--shard-size", str(dataset_shard_size(plan.num_samples)),
        "--push-to-hub", f"{org}/{DATASET_NAME}",
    ]  # fmt: skip
    return "\n".join(
        [
            "Open the Space (http://127.0.0.1:7860):",
            f"  python {q(space + '/app.py')}",
            "Use the model and dataset from Python:",
            f"  python -c \"from insar_hf import Detector; d = Detector.from_pretrained('{model}'); "
            f"import glob; print(d.predict(sorted(glob.glob('{example}/*.png'))[0]).label)\"",
            f"  python -c \"from datasets import load_dataset; print(load_dataset('{data}'))\"",
            f'  python -c "from transformers import pipeline; '
            f"print(pipeline('image-classification', model='{model}'))\"",
            "Push each part to the Hub (needs `hf auth login`):",
            "  " + shlex.join(generate),
            "  " + shlex.join(["insar-hf", "push-model", "--model", model, "--repo-id", model_id]),
            "  "
            + shlex.join(
                ["insar-hf", "push-space", "--repo-id", f"{org}/{SPACE_NAME}", "--model", model_id]
            ),
        ]
    )


def measure_speeds(config: QuickstartConfig) -> Speeds:
    """This machine's calibration (a few seconds): generation, training and inference rates."""
    scenes_per_s, rows = calibrate_generation(config.seed)
    input_rate = calibrate_input_pipeline(rows)
    model_rate, infer_rate = calibrate_model(config.preset, min(config.batch_size, 16))
    # Training reads its data in the same process (--dataloader_num_workers 0).
    train_rate = 1.0 / (1.0 / model_rate + 1.0 / input_rate)
    return Speeds(scenes_per_s=scenes_per_s, train_per_s=train_rate, infer_per_s=infer_rate)


def plan_run(config: QuickstartConfig, echo=print) -> Plan:
    """The saved plan as it is (explicit sizes put in), else a new one timed on this machine.

    The new plan's sizes never depend on the timing (:mod:`insar_hf.quickstart.plan`); it is
    saved only once :func:`check_conflicts` lets the run go on, so a refused run changes nothing.
    """
    path = config.out_dir / PLAN_FILE
    plan = load_plan(path, config)
    if plan is not None:
        echo(f"Reusing the plan saved in {path} (a re-run never plans again).")
        if plan.minutes != config.minutes and config.num_samples is None:
            echo(
                f"  it was made for --minutes {plan.minutes:g}; --minutes {config.minutes:g} "
                "is not applied: give --num-samples / --epochs, or another --out"
            )
    else:
        plan = make_plan(config)
        echo("Timing this machine for the estimate (a few seconds; the plan does not depend on it)")
        plan = expect_here(plan, measure_speeds(config), cores=config.workers)
    check_conflicts(config, plan)
    save_plan(path, config, plan)
    return plan


def learning_fix(config: QuickstartConfig, plan: Plan, *, out: str | None = None) -> str:
    """The command that most likely gives a model that learns, for a quickstart that did not.

    ``out`` replaces the output folder in the command (``"OUT"`` for a Space, which must not
    carry a path of the machine that staged it)."""
    n = max(LEARNING_FLOOR_SAMPLES, 2 * plan.num_samples)
    out = out or shlex.quote(str(config.out_dir))
    return (
        f"insar-hf quickstart --out {out} --num-samples {n} --epochs "
        f"{max(plan.epochs, 20)} --overwrite (the recipe learned for 3 of 3 seeds from "
        f"{LEARNING_FLOOR_SAMPLES} samples), or another --seed"
    )


def run_quickstart(config: QuickstartConfig, *, echo=print) -> dict[str, Any]:
    """Run every step (reusing finished ones); returns paths, plan and test metrics."""
    started = time.perf_counter()
    config = QuickstartConfig(**{**asdict(config), "out_dir": Path(config.out_dir)})
    token = _token_or_die(config) if config.push_to_hub else None
    if token:
        config = QuickstartConfig(**{**asdict(config), "token": token})
    config.out_dir.mkdir(parents=True, exist_ok=True)

    plan = plan_run(config, echo)
    echo(describe_plan(plan))

    timings: dict[str, float] = {}
    t = time.perf_counter()
    echo("\n[1/3] dataset")
    dataset, reused_data = dataset_step(config, plan)
    timings["dataset"] = time.perf_counter() - t
    echo(f"  {'reused' if reused_data else 'wrote'} {dataset}")

    t = time.perf_counter()
    echo(f"\n[2/3] training {plan.preset} (training/train.py path)")
    model_dir, reused_model = model_step(config, plan, dataset)
    timings["model"] = time.perf_counter() - t
    echo(f"  {'reused' if reused_model else 'wrote'} {model_dir}")

    verdict = check_learning(
        model_dir, expected_roc_auc=expected_validation_auc(plan), fix=learning_fix(config, plan)
    )
    notice = None
    if not verdict.learned:  # the Space's copy names no path of this machine (issue 23, item 10)
        fix = learning_fix(config, plan)
        notice = "\n".join(verdict.lines()).replace(fix, learning_fix(config, plan, out="OUT"))

    t = time.perf_counter()
    echo("\n[3/3] Space")
    space = space_step(config, model_dir, notice=notice)
    timings["space"] = time.perf_counter() - t

    pushed = push_step(config, dataset, model_dir, notice=notice) if config.push_to_hub else {}

    metrics = json.loads((model_dir / "metrics.json").read_text())
    overall = metrics.get("overall", {})
    attention = metrics.get("attention") or {}
    rows = [
        ("dataset", f"{dataset}  ({plan.num_samples} samples)"),
        ("model", f"{model_dir}  ({plan.preset}, {plan.epochs} epochs)"),
        ("model card", str(model_dir / "README.md")),
        ("space", str(space)),
    ]
    for key in ("accuracy", "precision", "recall", "f1", "roc_auc"):
        if key in overall:
            rows.append((f"test {key}", f"{overall[key]:.3f}"))
    chosen = (attention.get("settings") or {}).get("default", "rollout")
    if chosen in attention and "random" in attention:
        rows.append(
            (
                "pointing game",
                f"{attention[chosen]['pointing_game']:.3f} {chosen}, "
                f"{attention['random']['pointing_game']:.3f} random map "
                f"({attention['n']} earthquake scenes)",
            )
        )
    for repo_type, repo_id in pushed.items():
        rows.append((f"pushed {repo_type}", repo_id))
    rows.append(
        (
            "wall time",
            f"{format_minutes(time.perf_counter() - started)} "
            f"(estimate {format_minutes(plan.total_s)})",
        )
    )
    echo("\n" + summary_text(verdict, rows))
    echo("\n" + next_commands(config, plan, model_dir, dataset))
    return {
        "dataset": dataset,
        "model": model_dir,
        "space": space,
        "plan": plan,
        "metrics": metrics,
        "pushed": pushed,
        "timings_s": timings,
        "learning": verdict,
    }
