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
import shutil
from pathlib import Path

MODEL_ID_FILE = "model_id.txt"
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "flagged", ".gradio")


def default_space_dir() -> Path:
    """The ``space/`` folder next to the installed (editable) ``insar_hf`` package."""
    import insar_hf

    return Path(insar_hf.__file__).resolve().parent.parent / "space"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo-id", required=True, help="Space repository, owner/name")
    parser.add_argument("--model", help="model Hub id the Space loads (written to model_id.txt)")
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


def stage_space(
    space_dir: Path, out_dir: Path, *, model_id: str | None = None, dataset_id: str | None = None
) -> Path:
    """Copy ``space_dir`` and the ``insar_hf`` package into ``out_dir``; configure the model.

    ``out_dir`` must not exist or be empty. Returns ``out_dir``.
    """
    from huggingface_hub import SpaceCard

    import insar_hf

    space_dir, out_dir = Path(space_dir), Path(out_dir)
    if not (space_dir / "app.py").is_file() or not (space_dir / "README.md").is_file():
        raise FileNotFoundError(f"{space_dir} is not a Space folder (needs app.py and README.md)")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty; choose a new folder for the staged Space")
    shutil.copytree(space_dir, out_dir, ignore=_IGNORE, dirs_exist_ok=True)
    package = Path(insar_hf.__file__).resolve().parent
    shutil.copytree(package, out_dir / "insar_hf", ignore=_IGNORE)
    card = SpaceCard.load(out_dir / "README.md")
    if model_id:
        (out_dir / MODEL_ID_FILE).write_text(model_id + "\n")
        card.data.models = [model_id]
    if dataset_id:
        card.data.datasets = [dataset_id]
    card.save(out_dir / "README.md")
    return out_dir


def run(args: argparse.Namespace) -> int:
    import sys
    import tempfile

    space_dir = args.space_dir or default_space_dir()
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
