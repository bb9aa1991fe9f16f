"""Evaluate a trained detector on a dataset split; rewrite metrics, figures and model card.

Writes ``metrics.json``, ``confusion_matrix.png``, ``detection_vs_magnitude.png`` (and
``training_curves.png`` when the checkpoint has a ``trainer_state.json``) into the output folder
(default: the checkpoint folder) and rebuilds its ``README.md`` model card.

examples:
  insar-hf evaluate --model outputs/vit_micro_demo --dataset outputs/demo_dataset --split test
  insar-hf evaluate --model outputs/vit_b16_paper --dataset user/insar-synthetic --split test \\
      --streaming --max-samples 5000 --output eval_hub
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="checkpoint folder (or Hub id)")
    parser.add_argument("--dataset", required=True, help="dataset folder or Hub id")
    parser.add_argument("--split", default="test", help="split to evaluate (default: test)")
    parser.add_argument(
        "--output", default=None, help="folder for metrics, figures, card (default: --model)"
    )
    parser.add_argument("--batch-size", type=int, default=32, help="images per forward pass")
    parser.add_argument("--max-samples", type=int, default=None, help="evaluate the first N only")
    parser.add_argument("--streaming", action="store_true", help="stream the dataset")
    parser.add_argument("--no-card", action="store_true", help="do not rewrite README.md")


def run(args: argparse.Namespace) -> int:
    from datasets import load_dataset

    from insar_hf.model.calibration import load_calibration
    from insar_hf.model.checkpoint import ModelSourceError, resolve_model_source
    from insar_hf.model.presets import load_model
    from insar_hf.training.card import TRAINING_CONFIG_FILE, write_model_card
    from insar_hf.training.evaluation import evaluate_model

    if args.batch_size < 1:
        raise SystemExit(f"--batch-size must be >= 1, got {args.batch_size}")
    if args.max_samples is not None and args.max_samples < 1:
        raise SystemExit(f"--max-samples must be >= 1, got {args.max_samples}")
    try:
        resolve_model_source(args.model)
    except ModelSourceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    output = Path(args.output or args.model)
    if not output.is_dir() and args.output is None:
        raise SystemExit(f"--model {args.model} is not a local folder: give --output FOLDER")
    ds = load_dataset(args.dataset, split=args.split, streaming=args.streaming)
    if args.max_samples is not None:
        ds = (
            ds.take(args.max_samples)
            if args.streaming
            else ds.select(range(min(args.max_samples, len(ds))))
        )
    model = load_model(args.model, attn_implementation="sdpa")
    state = Path(args.model, "trainer_state.json")
    log_history = json.loads(state.read_text())["log_history"] if state.is_file() else None
    metrics = evaluate_model(
        model,
        ds,
        output,
        split=args.split,
        dataset_name=args.dataset,
        batch_size=args.batch_size,
        log_history=log_history,
        calibration=load_calibration(args.model),
    )
    if not args.no_card:
        config = Path(args.model, TRAINING_CONFIG_FILE)
        if config.is_file() and not (output / TRAINING_CONFIG_FILE).is_file():
            shutil.copy2(config, output / TRAINING_CONFIG_FILE)  # hyperparameters for the card
        write_model_card(output)
    overall = metrics["overall"]
    print(
        f"{args.split} ({overall['n']} samples): "
        + ", ".join(f"{k}={overall[k]:.4f}" for k in ("accuracy", "precision", "recall", "f1"))
        + f" -> {output}"
    )
    return 0
