"""From nothing to a trained earthquake detector, its model card and a runnable Space.

Generates a small synthetic dataset (OUT/dataset), trains a small ViT preset with the same code
as training/train.py (OUT/model: checkpoint, image processor, metrics.json, figures, model card
with model-index, attention-localisation scores), and stages the Gradio Space wired to that
checkpoint (OUT/space). The plan (samples, epochs) is fixed for --minutes by measurement on an
idle 2-core machine, whatever this machine's load: a few seconds of timing only estimate how long
it takes here (and say when the machine is slower or busy). Re-running the same command reuses the
saved plan as it is and every finished step, however OUT is spelled; a finished dataset or model
made with other settings is never replaced unless --overwrite is given (the run stops first and
says what differs). If the model did not learn (training loss at ln 2, or validation ROC-AUC no
better than chance) the summary's first line says so, with the likely cause and the fix, and so
does the staged Space's header. Local folders stand in for the Hub unless --push-to-hub is given.

examples:
  insar-hf quickstart                                  # ~15 min on an idle 2-core laptop
  insar-hf quickstart --out qs --minutes 30            # a larger plan
  insar-hf quickstart --num-samples 2000 --epochs 8    # fixed plan, no fitting
  insar-hf quickstart --push-to-hub my-org             # then push dataset, model and Space
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("quickstart_out"),
        help="output folder (default: %(default)s)",
    )
    parser.add_argument(
        "--minutes",
        type=float,
        default=15.0,
        help="budget the plan is fixed for, on an idle 2-core machine; the plan never goes "
        "below the size at which the recipe learns (default: %(default)s)",
    )
    parser.add_argument(
        "--preset",
        default="vit-micro",
        help="model preset: vit-micro, vit-tiny, vit-small, vit-base-patch16-224 "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--num-samples", type=int, default=None, help="dataset size (default: the plan's)"
    )
    parser.add_argument("--epochs", type=int, default=None, help="training epochs (default: 20)")
    parser.add_argument(
        "--batch-size",
        type=int,
        default=16,
        help="training batch (default: 16: twice the optimiser steps of 32 for the same images; "
        "on a few thousand samples vit-micro at 32 can stay at chance, docs/training.md)",
    )
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=3e-4,
        help="peak AdamW learning rate of the short CPU run, reached after a 5 %% warm-up and "
        "decayed on a cosine (default: %(default)s; 1e-3 stalled small ViTs at chance for "
        "epochs, see docs/training.md; the paper's 1e-5 is for 20 epochs over 805k images)",
    )
    parser.add_argument("--seed", type=int, default=0, help="dataset and training seed")
    parser.add_argument(
        "--workers", type=int, default=None, help="generator processes (default: all cores)"
    )
    parser.add_argument(
        "--push-to-hub",
        metavar="ORG",
        default=None,
        help="push dataset, model and Space to this Hub organisation or user "
        "(needs a token: `hf auth login` or HF_TOKEN)",
    )
    parser.add_argument("--token", default=None, help="Hub token (default: login or HF_TOKEN)")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a finished dataset or model in --out made with other settings "
        "(default: stop and say what differs)",
    )


def run(args: argparse.Namespace) -> int:
    from insar_hf.quickstart import QuickstartConfig, run_quickstart

    try:
        config = QuickstartConfig(
            out_dir=args.out,
            minutes=args.minutes,
            preset=args.preset,
            num_samples=args.num_samples,
            epochs=args.epochs,
            seed=args.seed,
            workers=args.workers,
            batch_size=args.batch_size,
            learning_rate=args.learning_rate,
            push_to_hub=args.push_to_hub,
            token=args.token,
            overwrite=args.overwrite,
        )
        run_quickstart(config)
    except (ValueError, FileNotFoundError, FileExistsError) as err:
        print(f"insar-hf quickstart: error: {err}", file=sys.stderr)
        return 2
    return 0
