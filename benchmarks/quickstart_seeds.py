"""The quickstart over seeds, on an idle machine and beside a competing process (issue 24).

Runs ``insar-hf quickstart --seed S`` (the README's main job, its default 15-minute plan unless
``--minutes`` says otherwise) once per seed and condition, each in its own folder, and prints one
row per run and a summary per condition: the plan (samples, epochs: fixed, so the same on both
conditions), the learning check's verdict (the summary's first line), the best validation and the
test ROC-AUC, the default map's pointing game and the wall time, against issue 24's goals (test
ROC-AUC >= 0.85 for every idle seed, >= 0.75 beside the competing process, and never a silent
failure: a run that did not learn must say so).

* ``idle``: nothing else of this script runs; keep the machine otherwise quiet.
* ``busy``: a competing process pinned to one core (``os.sched_setaffinity``; the highest core
  this process may use) spins at 100 % of it for the whole run.

Finished runs (a ``model/metrics.json`` in their folder) are reused, so the script can be
stopped and resumed; ``--json`` also writes every run's figures.

    python benchmarks/quickstart_seeds.py --out outputs/quickstart_seeds \\
        --seeds 0 1 2 3 4 --conditions idle busy --json outputs/quickstart_seeds.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from insar_hf.quickstart.config import PLAN_FILE, QuickstartConfig
from insar_hf.quickstart.plan import expected_validation_auc, load_plan
from insar_hf.training.learning import check_learning

GOALS = {"idle": 0.85, "busy": 0.75}
"""Issue 24: the test ROC-AUC every seed should reach, per condition."""

SPIN = "import os, sys\nos.sched_setaffinity(0, {int(sys.argv[1])})\nwhile True:\n    pass\n"


@contextmanager
def competitor(condition: str):
    """A process spinning on one core for ``busy``; nothing for ``idle``."""
    if condition == "idle":
        yield None
        return
    core = max(os.sched_getaffinity(0))
    proc = subprocess.Popen([sys.executable, "-c", SPIN, str(core)])
    try:
        yield core
    finally:
        proc.kill()
        proc.wait()


def run_one(out: Path, seed: int, minutes: float, condition: str) -> dict:
    """One quickstart (or its reused result) and its figures."""
    folder = out / f"{condition}_s{seed}"
    log = out / f"{condition}_s{seed}.log"
    metrics_file = folder / "model" / "metrics.json"
    wall_s = math.nan
    if not metrics_file.is_file():
        command = ["insar-hf", "quickstart", "--out", str(folder), "--seed", str(seed)]
        command += ["--minutes", f"{minutes:g}"]
        print(f"{condition} seed {seed}: {' '.join(command)}", flush=True)
        with competitor(condition), log.open("w") as sink:
            start = time.perf_counter()
            code = subprocess.call(command, stdout=sink, stderr=subprocess.STDOUT)
            wall_s = time.perf_counter() - start
        if code != 0:
            raise SystemExit(f"{condition} seed {seed} failed (exit {code}): see {log}")
        (folder / "wall_s.json").write_text(json.dumps({"wall_s": wall_s}) + "\n")
    elif (folder / "wall_s.json").is_file():
        wall_s = json.loads((folder / "wall_s.json").read_text())["wall_s"]
    plan = load_plan(folder / PLAN_FILE, QuickstartConfig(out_dir=folder, seed=seed))
    verdict = check_learning(folder / "model", expected_roc_auc=expected_validation_auc(plan))
    metrics = json.loads(metrics_file.read_text())
    attention = metrics.get("attention") or {}
    chosen = (attention.get("settings") or {}).get("default")
    return {
        "condition": condition,
        "seed": seed,
        "samples": plan.num_samples,
        "epochs": plan.epochs,
        "status": verdict.status,
        "headline": verdict.headline,
        "first_loss": verdict.first_loss,
        "last_loss": verdict.last_loss,
        "val_roc_auc": verdict.roc_auc,
        "test_roc_auc": metrics["overall"]["roc_auc"],
        "map": chosen,
        "pointing_game": attention[chosen]["pointing_game"] if chosen in attention else math.nan,
        "wall_min": wall_s / 60.0,
    }


def _f(value, digits: int = 3) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def table(runs: list[dict]) -> str:
    """Markdown: a row per run, then a row per condition against its goal."""
    lines = [
        "| condition | seed | samples, epochs | learning check | loss first -> last "
        "| val ROC-AUC | test ROC-AUC | pointing game (map) | wall (min) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            f"| {r['condition']} | {r['seed']} | {r['samples']}, {r['epochs']} | {r['status']} "
            f"| {_f(r['first_loss'])} -> {_f(r['last_loss'])} | {_f(r['val_roc_auc'])} "
            f"| {_f(r['test_roc_auc'])} | {_f(r['pointing_game'])} ({r['map']}) "
            f"| {_f(r['wall_min'], 1)} |"
        )
    lines += [
        "",
        "| condition | runs | test ROC-AUC mean (min) | goal | reached | silent failures |",
    ]
    lines.append("|---|---|---|---|---|---|")
    for condition in dict.fromkeys(r["condition"] for r in runs):
        rs = [r for r in runs if r["condition"] == condition]
        auc = np.array([r["test_roc_auc"] for r in rs])
        goal = GOALS[condition]
        reached = int((auc >= goal).sum())
        # silent: a model at chance that the learning check did not call out
        silent = sum(r["status"] != "did_not_learn" and r["test_roc_auc"] < 0.6 for r in rs)
        lines.append(
            f"| {condition} | {len(rs)} | {auc.mean():.3f} ({auc.min():.3f}) | >= {goal} "
            f"| {reached} of {len(rs)} | {silent} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="outputs/quickstart_seeds", help="a folder per run")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--conditions", nargs="+", choices=sorted(GOALS), default=["idle", "busy"])
    parser.add_argument("--minutes", type=float, default=15.0, help="the quickstart's budget")
    parser.add_argument("--json", default=None, help="also write every run's figures here")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for condition in args.conditions:
        for seed in args.seeds:
            runs.append(run_one(out, seed, args.minutes, condition))
            print(json.dumps(runs[-1]), flush=True)
    print(table(runs))
    if args.json:
        Path(args.json).write_text(json.dumps(runs, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
