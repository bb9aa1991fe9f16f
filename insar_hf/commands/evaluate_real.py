"""Score a synthetic checkpoint (zero-shot) and its fine-tuned version on the same real split.

Both checkpoints are evaluated on --split of the real-event dataset written by
`insar-hf build-real`; the fine-tuned folder gets real_events.json with both scores, the synthetic
folder one with its zero-shot score, and each checkpoint's model card, rendered again from them,
gains a "real events (zero-shot)" / "real events (fine-tuned)" entry in its model-index beside
the synthetic one (--no-card-update to leave the synthetic folder and the cards alone).

examples:
  python training/train.py training/configs/finetune_real.json
  insar-hf evaluate-real --synthetic outputs/vit_b16_paper \\
      --finetuned outputs/vit_b16_real_finetuned --dataset outputs/insar_real
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--synthetic", required=True, metavar="DIR", help="checkpoint trained on synthetic data"
    )
    parser.add_argument(
        "--finetuned", required=True, metavar="DIR", help="checkpoint fine-tuned on real events"
    )
    parser.add_argument(
        "--dataset", required=True, metavar="DS", help="real-event dataset folder or Hub id"
    )
    parser.add_argument("--split", default="test", help="split to score (default test)")
    parser.add_argument("--batch-size", type=int, default=32, help="evaluation batch (default 32)")
    parser.add_argument("--no-card-update", action="store_true", help="do not edit the model cards")


def run(args: argparse.Namespace) -> int:
    from insar_hf.real.evaluate import compare_on_real
    from insar_hf.training.card import REAL_EVENTS_FILE

    summary = compare_on_real(
        args.synthetic,
        args.finetuned,
        args.dataset,
        split=args.split,
        batch_size=args.batch_size,
        update_cards=not args.no_card_update,
    )
    for setting in ("zero_shot", "fine_tuned"):
        o = summary[setting]["overall"]
        print(
            f"{setting:>10}: accuracy={o['accuracy']:.4f} precision={o['precision']:.4f} "
            f"recall={o['recall']:.4f} f1={o['f1']:.4f} (n={o['n']})"
        )
    print(f"wrote {args.finetuned}/{REAL_EVENTS_FILE}")
    return 0
