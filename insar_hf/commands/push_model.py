"""Upload a trained detector (weights, config, image processor, card, metrics, figures) to the Hub.

Only the final model files are pushed (see ``insar_hf.training.card.PUSHED_FILES``); intermediate
checkpoints, optimizer states and TensorBoard runs stay local. Set ``HF_ENDPOINT`` to push to
another Hub-compatible server.

examples:
  insar-hf push-model --model outputs/vit_b16_paper --repo-id user/insar-vit-b16
  insar-hf push-model --model outputs/vit_micro_demo --repo-id user/insar-vit-micro --private
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="trained model folder")
    parser.add_argument("--repo-id", required=True, help="target repository, owner/name")
    parser.add_argument("--token", default=None, help="Hub token (default: saved login / HF_TOKEN)")
    parser.add_argument("--private", action="store_true", help="create the repository private")


def run(args: argparse.Namespace) -> int:
    import sys

    from insar_hf.model.checkpoint import ModelSourceError, check_model_folder
    from insar_hf.training.card import push_model

    try:
        check_model_folder(args.model)  # before any Hub call: one line, no traceback
        url = push_model(args.model, args.repo_id, token=args.token, private=args.private)
    except (ModelSourceError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"pushed {args.model} -> {url}")
    return 0
