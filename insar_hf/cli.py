"""The ``insar-hf`` command line: thin sub-commands over the library.

Each sub-command lives in ``insar_hf/commands/<name>.py`` and defines

* ``add_arguments(parser)``: its options (argparse only, no heavy imports);
* ``run(args) -> int``: the work, importing the library inside the function.

Only the chosen sub-command's module is imported, so ``--help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from insar_hf.version import __version__

# name on the command line -> (module under insar_hf.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "quickstart": ("quickstart", "the main job: dataset, trained detector, model card and Space"),
    "preview": ("preview", "write a labelled grid of synthetic interferograms (PNG)"),
    "build-real": ("build_real", "label real interferograms from a catalogue into a dataset"),
    "evaluate-real": (
        "evaluate_real",
        "zero-shot vs fine-tuned scores on real events; card entries",
    ),
    "generate": ("generate", "generate the synthetic dataset: parquet shards, card, --push-to-hub"),
    "check-dataset": ("check_dataset", "verify a generated dataset folder, one line per problem"),
    "predict": ("predict", "classify interferograms; attention boxes, --json, --overlay"),
    "push-space": ("push_space", "upload the Gradio Space (space/) with a model id"),
    "evaluate": ("evaluate", "evaluate a checkpoint on a split: metrics.json, figures, model card"),
    "evaluate-source": (
        "evaluate_source",
        "score the source network and the Okada inversion on the same earthquake scenes",
    ),
    "calibrate": (
        "calibrate",
        "fit temperature and decision threshold of a checkpoint on validation",
    ),
    "push-model": (
        "push_model",
        "upload a trained model folder (weights, processor, card) to the Hub",
    ),
}

EPILOG = """\
examples:
  insar-hf preview --n 16 --seed 0 --out preview.png
  insar-hf build-real --products products/ --catalog comcat.csv --out real_ds
  insar-hf generate --num-samples 2000 --out ds && insar-hf check-dataset ds
  insar-hf predict scene.png --json --overlay overlay.png      (the packaged default model)
  insar-hf push-space --repo-id me/insar-quake-space --model me/insar-vit
  insar-hf evaluate --model outputs/vit_micro_demo --dataset ds --split test
  insar-hf evaluate-source --dataset ds --model outputs/source_model --max-scenes 50
  insar-hf calibrate --model outputs/vit_micro_demo --dataset ds --target-fpr 0.05
  insar-hf push-model --model outputs/vit_micro_demo --repo-id me/insar-vit-micro
  insar-hf <command> --help      full options and examples for one command
"""


def _load(name: str):
    return importlib.import_module(f"insar_hf.commands.{COMMANDS[name][0]}")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """Build the top-level parser; only ``command``'s module is imported to add its options."""
    parser = argparse.ArgumentParser(
        prog="insar-hf",
        description="Synthetic InSAR earthquake data, ViT training, attention maps and a Space.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"insar-hf {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (_, one_line) in COMMANDS.items():
        if name == command:
            module = _load(name)
            p = sub.add_parser(
                name,
                help=one_line,
                description=module.__doc__,
                formatter_class=argparse.RawDescriptionHelpFormatter,
            )
            module.add_arguments(p)
        else:
            sub.add_parser(name, help=one_line, add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``insar-hf`` on ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    if command not in COMMANDS:
        command = None
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    return int(_load(args.command).run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
