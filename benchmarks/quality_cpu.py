"""Quality on a laptop CPU: generate a synthetic set, train a small preset within a time budget,
print test accuracy, F1 and the detection rate against magnitude.

This is a benchmark, not a test. The full run (about an hour on 2 cores)::

    python benchmarks/quality_cpu.py --num-samples 3000 --preset vit-tiny --budget-min 50

A smoke run (a couple of minutes)::

    python benchmarks/quality_cpu.py --num-samples 120 --preset vit-micro --budget-min 1 \\
        --workdir /tmp/quality_smoke

Everything lands in ``--workdir``: ``dataset/`` (reused when it exists) and ``model/`` with the
checkpoint, ``metrics.json``, figures and model card.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

from insar_hf.dataset.generate import generate_dataset


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", default="outputs/quality_cpu")
    parser.add_argument("--num-samples", type=int, default=3000, help="80/10/10 split")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--preset", default="vit-tiny")
    parser.add_argument("--budget-min", type=float, default=50.0, help="training time budget")
    parser.add_argument("--epochs", type=float, default=100.0, help="upper bound on epochs")
    parser.add_argument("--learning-rate", type=float, default=3e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2) - 1))
    args = parser.parse_args(argv)

    # transformers and torch come with the trainer: imported here, so that --help is instant.
    from insar_hf.training.arguments import parse_args
    from insar_hf.training.trainer import train

    work = Path(args.workdir)
    data_dir, model_dir = work / "dataset", work / "model"
    t0 = time.perf_counter()
    if not (data_dir / "README.md").is_file():
        generate_dataset(
            data_dir, num_samples=args.num_samples, seed=args.seed, workers=args.workers
        )
    t_data = time.perf_counter() - t0
    if model_dir.exists():  # the workdir is this script's: a new run replaces the old model
        shutil.rmtree(model_dir)
    cli = [
        "--dataset", str(data_dir), "--output_dir", str(model_dir), "--preset", args.preset,
        "--learning_rate", str(args.learning_rate), "--lr_scheduler_type", "constant",
        "--num_train_epochs", str(args.epochs), "--time_budget_minutes", str(args.budget_min),
        "--per_device_train_batch_size", str(args.batch_size),
        "--per_device_eval_batch_size", str(2 * args.batch_size),
        "--dataloader_num_workers", str(min(args.workers, 2)),
        "--seed", str(args.seed), "--disable_tqdm", "true",
    ]  # fmt: skip
    parsed = parse_args(cli)
    t1 = time.perf_counter()
    metrics = train(*parsed)
    t_train = time.perf_counter() - t1
    config = json.loads((model_dir / "training_config.json").read_text())
    overall = metrics["overall"]
    print(f"\ndataset: {data_dir} ({t_data / 60:.1f} min to generate)")
    print(f"model: {args.preset}, trained {t_train / 60:.1f} min, best validation F1 "
          f"{config.get('best_validation_metric', config.get('best_validation_f1'))}")  # fmt: skip
    print(f"test ({overall['n']} samples): accuracy {overall['accuracy']:.3f}, "
          f"precision {overall['precision']:.3f}, recall {overall['recall']:.3f}, "
          f"F1 {overall['f1']:.3f}, ROC-AUC {overall['roc_auc'] or float('nan'):.3f}, "
          f"false-positive rate {metrics['false_positive_rate'] or 0:.3f}")  # fmt: skip
    for name, group in metrics.get("by_kind", {}).items():
        print(
            f"  {name:<10} n={group['n']:<5} accuracy {group['accuracy']:.3f}  F1 {group['f1']:.3f}"
        )
    print("\n  Mw bin        earthquakes  detected  rate")
    for row in metrics.get("detection_vs_magnitude", []):
        rate = "-" if row["detection_rate"] is None else f"{row['detection_rate']:.2f}"
        print(
            f"  [{row['mw_min']:.1f}, {row['mw_max']:.1f})  {row['n']:>11}  {row['detected']:>8}  {rate:>4}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
