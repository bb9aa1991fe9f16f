"""Calibrate a trained checkpoint in place: temperature scaling and a decision threshold.

Runs the model over a split with both classes (default: validation, never the test split you
quote), fits the temperature T of softmax(logits / T) (Guo et al. 2017) and picks the lowest
threshold on the calibrated P(earthquake) whose false-positive rate on that split is at most
--target-fpr. Writes calibration.json and reliability_diagram.png into the model folder and,
when the folder has metrics.json, rewrites its card (README.md) with a Calibration section.
From then on Detector, `insar-hf predict` and the Space use the calibrated probability and the
threshold; transformers.pipeline keeps its argmax. Run `insar-hf evaluate` afterwards to add
the test metrics at the threshold to metrics.json and the card.

examples:
  insar-hf calibrate --model outputs/vit_micro_demo --dataset outputs/demo_dataset
  insar-hf calibrate --model runs/vit --dataset user/insar-synthetic --target-fpr 0.01
  insar-hf evaluate --model runs/vit --dataset user/insar-synthetic --split test
  insar-hf calibrate --model runs/vit --dataset mix --real-backgrounds ../shared/real-backgrounds
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from insar_hf.commands.generate import comma_floats


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model", required=True, help="checkpoint folder (written in place; not a Hub id)"
    )
    parser.add_argument("--dataset", required=True, help="dataset folder or Hub id")
    parser.add_argument(
        "--split", default="validation", help="split with both classes (default: validation)"
    )
    parser.add_argument(
        "--target-fpr",
        type=float,
        default=0.05,
        help="false-positive rate the threshold is chosen for, in (0, 1) (default: 0.05)",
    )
    parser.add_argument(
        "--real-backgrounds",
        metavar="DIR",
        default=None,
        help="folder of real earthquake-free wrapped interferograms (insar-hf generate "
        "--real-backgrounds): the threshold is then set for at most --target-fpr false alarms "
        "on the raw interferograms of its validation volcanoes (the same split by volcano as "
        "the dataset's), not on the split's synthetic negatives",
    )
    parser.add_argument(
        "--background-splits",
        type=comma_floats,
        default=None,
        help="train,validation,test shares of the backgrounds (default 0.7,0.15,0.15)",
    )
    parser.add_argument("--batch-size", type=int, default=64, help="images per forward pass")
    parser.add_argument("--max-samples", type=int, default=None, help="use the first N only")


def run(args: argparse.Namespace) -> int:
    def fail(message: str) -> int:
        print(f"error: {message}", file=sys.stderr)
        return 2

    if not 0.0 < args.target_fpr < 1.0:
        return fail(f"--target-fpr must lie in (0, 1); got {args.target_fpr}")
    if args.batch_size < 1:
        return fail(f"--batch-size must be >= 1; got {args.batch_size}")
    if args.max_samples is not None and args.max_samples < 2:
        return fail(f"--max-samples must be >= 2 (one of each class); got {args.max_samples}")
    from insar_hf.model.checkpoint import (
        ModelSourceError,
        check_model_folder,
        looks_like_local_path,
    )

    folder = Path(args.model)
    if not folder.exists() and not looks_like_local_path(args.model):
        return fail(
            f"--model {args.model}: not a local folder; calibrate writes into the checkpoint "
            f"folder, so download it first (hf download {args.model} --local-dir DIR) and pass DIR"
        )
    try:
        check_model_folder(folder)
    except ModelSourceError as err:
        return fail(str(err))
    if looks_like_local_path(args.dataset) and not Path(args.dataset).exists():
        return fail(f"--dataset {args.dataset}: no such folder ({Path(args.dataset).resolve()})")
    from datasets import load_dataset

    from insar_hf.model.calibration import CalibrationError
    from insar_hf.model.presets import load_model
    from insar_hf.training.calibrate import RELIABILITY_FIGURE, calibrate_model
    from insar_hf.training.card import write_model_card
    from insar_hf.training.evaluation import METRICS_FILE

    try:
        split = load_dataset(args.dataset, split=args.split)
    except (ValueError, OSError) as err:  # unknown split, missing folder, unknown Hub id
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return fail(f"--dataset {args.dataset} --split {args.split}: {first}")
    if args.max_samples is not None:
        split = split.select(range(min(args.max_samples, len(split))))
    bank = None
    if args.real_backgrounds is not None:
        from insar_hf.backgrounds import BackgroundBank

        try:
            bank = BackgroundBank(
                args.real_backgrounds, args.background_splits or (0.7, 0.15, 0.15)
            )
            bank.split("validation")
        except ValueError as err:
            return fail(str(err))
    elif args.background_splits is not None:
        return fail("--background-splits needs --real-backgrounds DIR")
    model = load_model(folder, attn_implementation="sdpa")
    try:
        result = calibrate_model(
            model,
            split,
            folder,
            target_false_positive_rate=args.target_fpr,
            batch_size=args.batch_size,
            split=args.split,
            real_backgrounds=bank,
        )
    except CalibrationError as err:
        return fail(str(err))
    if (folder / METRICS_FILE).is_file():
        write_model_card(folder)
    where = (
        f"false alarms on {result['n_threshold']} real backgrounds <= {args.target_fpr:g} (got "
        f"{result['threshold_false_positive_rate']:.4f}; {args.split} false-positive rate "
        if bank is not None
        else f"false-positive rate <= {args.target_fpr:g} (got "
    )
    print(
        f"{args.split} ({result['n_validation']} samples): T = {result['temperature']:.4f}, "
        f"threshold = {result['threshold']:.4f} for {where}"
        f"{result['validation_false_positive_rate']:.4f}, detection rate "
        f"{result['validation_detection_rate']:.4f}), ECE {result['ece_before']:.4f} -> "
        f"{result['ece_after']:.4f} -> {folder / 'calibration.json'}, {folder / RELIABILITY_FIGURE}"
    )
    return 0
