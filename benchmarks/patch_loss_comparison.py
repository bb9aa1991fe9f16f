"""The detector with and without the patch loss, at equal budget, over seeds (issue 22).

Trains the default recipe (``training/configs/default_model.json``: vit-mini, AdamW 3e-4, 5 %
warm-up, cosine, 12 epochs, best epoch by validation ROC-AUC) once per ``--weights`` value and
``--seeds`` seed on the same generator scenes, and prints, per weight, the mean and spread over
seeds of the synthetic test ROC-AUC and of the localisation of the patch map and of the map
chosen on validation (pointing game, top-box IoU), beside the chance level, the whole-image box
and the random map, and, when the recipe names real backgrounds (it does), the real-nuisance
figures of each run (``real_nuisance.json``: ROC-AUC of synthetic earthquakes against the real
backgrounds of the validation and the test volcanoes, and the test volcanoes' false alarms at the
threshold). The test localisation scores every map of one pass or less (occlusion, the slow
reference at several seconds per image, is left out here). Finished runs are reused.

    python benchmarks/patch_loss_comparison.py --dataset outputs/default_model/dataset \\
        --out outputs/patch_loss --weights 1 0 --seeds 0 1 2 --json outputs/patch_loss.json
"""

from __future__ import annotations

import argparse
import functools
import json
import math
from pathlib import Path

import numpy as np

from insar_hf.inference.localisation import FAST_METHODS, localisation_metrics
from insar_hf.training.arguments import parse_args
from insar_hf.training.evaluation import register_extra_metrics
from insar_hf.training.trainer import train

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "training" / "configs" / "default_model.json"


def run_args(args, weight: float, seed: int) -> list[str]:
    """``training/train.py`` options of one run: the recipe plus this run's changes."""
    recipe = json.loads(RECIPE.read_text())
    recipe.update(
        dataset=args.dataset,
        dataset_id=f"{Path(args.dataset).name} (first {args.max_train_samples} train rows)",
        output_dir=str(Path(args.out) / f"w{weight:g}_f{args.fraction:g}_s{seed}"),
        seed=seed,
        num_train_epochs=args.epochs,
        patch_loss_weight=weight,
        patch_fraction=args.fraction,
        report_to="none",
        disable_tqdm=True,
        max_train_samples=args.max_train_samples,
        max_eval_samples=args.max_eval_samples,
        max_test_samples=args.max_test_samples,
    )
    recipe.pop("model_name", None)
    return [f"--{k}={v}" for k, v in recipe.items()]


def summary(folder: Path) -> dict[str, float]:
    """The figures of one finished run."""
    metrics = json.loads((folder / "metrics.json").read_text())
    config = json.loads((folder / "training_config.json").read_text())
    att = metrics["attention"]
    default = att["settings"]["default"]
    # the scores on validation that the default map is chosen by (insar_hf.training.calibrate)
    val_maps = json.loads((folder / "localisation.json").read_text())["scores"]
    nuisance_file = folder / "real_nuisance.json"  # written when the recipe names real backgrounds
    nuisance = json.loads(nuisance_file.read_text()) if nuisance_file.is_file() else {}
    real = {
        f"real_{split}_{key}": nuisance.get(split, {}).get(key, math.nan)
        for split in ("validation", "test")
        for key in ("roc_auc", "false_alarm_rate")
    }
    return {
        "val_roc_auc": config["best_validation_metric"],
        "val_patch_pointing": val_maps["patch"]["pointing_game"],
        "val_patch_iou": val_maps["patch"]["iou_top_box"],
        "test_roc_auc": metrics["overall"]["roc_auc"],
        "patch_pointing": att["patch"]["pointing_game"],
        "patch_iou": att["patch"]["iou_top_box"],
        "chosen_map": default,
        "chosen_pointing": att[default]["pointing_game"],
        "chosen_iou": att[default]["iou_top_box"],
        "random_pointing": att["random"]["pointing_game"],
        "random_iou": att["random"]["iou_top_box"],
        "chance": att["mask_area_fraction"],
        "whole_image_iou": att["whole_image_iou"],
        "n_localised": att["n"],
        "train_runtime_s": config["train_runtime_s"],
        **real,
    }


def _cell(values) -> str:
    values = np.asarray(values, dtype=float)
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{values.mean():.3f} ± {values.std(ddof=1):.3f}"


def table(results: dict[float, list[dict]], fraction: float = 0.25) -> str:
    """Markdown: one column per weight, mean ± standard deviation over seeds."""
    weights = sorted(results)

    def cells(*keys: str):
        """A row's cell: each key's mean ± sd over the column's runs, joined by " / "."""
        return lambda r: " / ".join(_cell([x[k] for x in r]) for k in keys)

    rows = [
        ("seeds", lambda r: str(len(r))),
        ("validation ROC-AUC (best epoch)", cells("val_roc_auc")),
        (
            "validation, patch map: pointing game / top-box IoU",
            cells("val_patch_pointing", "val_patch_iou"),
        ),
        ("synthetic test ROC-AUC", cells("test_roc_auc")),
        ("patch map: pointing game", cells("patch_pointing")),
        ("patch map: top-box IoU", cells("patch_iou")),
        ("map chosen on validation", lambda r: ", ".join(x["chosen_map"] for x in r)),
        ("chosen map: pointing game", cells("chosen_pointing")),
        ("chosen map: top-box IoU", cells("chosen_iou")),
        (
            "real backgrounds, validation volcanoes: ROC-AUC (synthetic earthquakes vs nuisance)",
            cells("real_validation_roc_auc"),
        ),
        (
            "real backgrounds, test volcanoes: ROC-AUC / flagged at the threshold",
            cells("real_test_roc_auc", "real_test_false_alarm_rate"),
        ),
        ("random map: pointing game / top-box IoU", cells("random_pointing", "random_iou")),
        (
            "chance (mask area) / whole-image box IoU",
            lambda r: f"{r[0]['chance']:.3f} / {r[0]['whole_image_iou']:.3f}",
        ),
        (
            "training time per run (min, shared 2-core CPU)",
            lambda r: f"{np.mean([x['train_runtime_s'] for x in r]) / 60:.0f}",
        ),
    ]
    head = "| | " + " | ".join(
        "CLS loss only" if w == 0 else f"+ patch loss (weight {w:g}, fraction {fraction:g})"
        for w in weights
    )
    lines = [head + " |", "|---|" + "---|" * len(weights)]
    lines += [
        f"| {name} | " + " | ".join(cell(results[w]) for w in weights) + " |" for name, cell in rows
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", required=True, help="folder written by insar-hf generate")
    parser.add_argument("--out", default="outputs/patch_loss", help="one sub-folder per run")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 1.0])
    parser.add_argument("--fraction", type=float, default=0.25, help="--patch_fraction")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=float, default=12.0)
    parser.add_argument("--max_train_samples", type=int, default=4800)
    parser.add_argument("--max_eval_samples", type=int, default=600)
    parser.add_argument("--max_test_samples", type=int, default=600)
    parser.add_argument("--json", default=None, help="also write every run's figures here")
    args = parser.parse_args(argv)
    # every map of one pass or less: occlusion takes seconds per image
    register_extra_metrics(
        "attention", functools.partial(localisation_metrics, methods=FAST_METHODS)
    )
    results: dict[float, list[dict]] = {}
    for seed in args.seeds:
        for weight in args.weights:
            run = parse_args(run_args(args, weight, seed))
            folder = Path(run[2].output_dir)
            if not (folder / "metrics.json").is_file():
                print(f"training {folder}", flush=True)
                train(*run)
            results.setdefault(weight, []).append(summary(folder))
            print(json.dumps({"run": folder.name, **results[weight][-1]}), flush=True)
    print(table(results, args.fraction))
    if args.json:
        Path(args.json).write_text(json.dumps({str(k): v for k, v in results.items()}, indent=2))
    return 0 if all(math.isfinite(r["test_roc_auc"]) for v in results.values() for r in v) else 1


if __name__ == "__main__":
    raise SystemExit(main())
