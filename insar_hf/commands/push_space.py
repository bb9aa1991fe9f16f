"""Upload the Gradio Space (the repository's space/ folder) to the Hub with a model configured.

The upload holds space/ (app.py, README.md with the Spaces header, requirements.txt, examples/)
plus a copy of the insar_hf package, so that the Space imports the same code as the library. The
model id is written to model_id.txt (read by app.py when INSAR_HF_MODEL is not set) and into the
README header's `models:` list. HF_ENDPOINT and HF_TOKEN apply as for every push.

examples:
  insar-hf push-space --repo-id me/insar-quake-space --model me/insar-vit-micro
  insar-hf push-space --repo-id me/insar-quake-space --stage-only staged_space/
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo-id", required=True, help="Space repository, owner/name")
    parser.add_argument(
        "--model",
        help="model Hub id the Space loads (written to model_id.txt); with --stage-only also a "
        "local model folder (written as a path relative to the staged folder)",
    )
    parser.add_argument("--dataset", help="dataset Hub id listed in the Space header")
    parser.add_argument("--space-dir", type=Path, default=None, help="default: the repo's space/")
    parser.add_argument("--private", action="store_true", help="create the Space private")
    parser.add_argument("--token", default=None, help="Hub token (default: saved login/HF_TOKEN)")
    parser.add_argument(
        "--stage-only",
        type=Path,
        metavar="DIR",
        help="write the folder that would be uploaded into DIR and do not upload",
    )


def run(args: argparse.Namespace) -> int:
    from insar_hf.space import default_space_dir, stage_space

    space_dir = args.space_dir or default_space_dir()
    if args.model and not args.stage_only and Path(args.model).is_dir():
        print(
            f"error: --model {args.model} is a local folder; a Space on the Hub cannot read it. "
            f"Push the model first (insar-hf push-model --model {args.model} --repo-id "
            "ORG/NAME) and pass --model ORG/NAME",
            file=sys.stderr,
        )
        return 2
    try:
        if args.stage_only:
            stage_space(space_dir, args.stage_only, model_id=args.model, dataset_id=args.dataset)
            print(f"staged the Space in {args.stage_only}")
            return 0
        from insar_hf.hub import push_folder

        with tempfile.TemporaryDirectory(prefix="insar-hf-space-") as tmp:
            staged = stage_space(
                space_dir, Path(tmp) / "space", model_id=args.model, dataset_id=args.dataset
            )
            url = push_folder(
                staged,
                args.repo_id,
                repo_type="space",
                token=args.token,
                private=args.private,
                commit_message="Upload the insar_hf Space",
                space_sdk="gradio",
            )
    except (FileNotFoundError, FileExistsError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(url)
    return 0
