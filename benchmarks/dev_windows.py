"""What a model says on the twelve standard windows of the real development frames.

A thin command over :mod:`insar_hf.real.dev_windows`: it reads ``../shared/real-dev/windows.json``
(8 earthquake-free windows, 4 with the Thessaly 2021 deformation) and the frames it names, asks
each model's :class:`~insar_hf.inference.detector.Detector` (calibrated probability, verdict at
the checkpoint's threshold) about each window and prints one column per model. ``--write`` saves
the verdicts as ``dev_windows.json`` in each model folder and renders its card again (section
"Real development windows").

These two frames are a development set: a report, never a target to tune thresholds on.

usage:
  python benchmarks/dev_windows.py                        # the packaged default model
  python benchmarks/dev_windows.py --model quickstart_out/model [--model other/model ...]
  python benchmarks/dev_windows.py --model DIR --write    # dev_windows.json + the card of DIR
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from insar_hf.inference.detector import Detector
from insar_hf.model.checkpoint import ModelSourceError
from insar_hf.model.default import default_model_path
from insar_hf.real.dev_windows import DevWindowsError, evaluate_dev_windows, read_windows
from insar_hf.training.card import write_model_card
from insar_hf.training.card_sections import DEV_WINDOWS_FILE, write_dev_windows
from insar_hf.training.evaluation import METRICS_FILE

REPO = Path(__file__).resolve().parents[1]
REAL_DEV = REPO.parent / "shared" / "real-dev"


def print_table(results: dict[str, dict]) -> None:
    """One row per window, one probability column per model, then the flagged counts."""
    models = list(results)
    windows = results[models[0]]["windows"]
    header = " ".join(f"{Path(m).name[:12]:>12}" for m in models)
    print(f"{'window':<58} {'label':>5} {header}")
    for i, w in enumerate(windows):
        name = f"{Path(w['file']).parent.name}/{w['kind']}: {w['note']}"[:58]
        probs = " ".join(f"{results[m]['windows'][i]['probability']:>12.3f}" for m in models)
        print(f"{name:<58} {w['label']:>5} {probs}")
    for m, result in results.items():
        quake, free = result["summary"]["earthquake"], result["summary"]["earthquake_free"]
        rule = f"p >= {result['threshold']:.3f}" if result["calibrated"] else "argmax"
        print(
            f"{m}: {quake['flagged']} of {quake['windows']} deformation windows flagged, "
            f"{free['flagged']} of {free['windows']} earthquake-free windows flagged ({rule})"
        )


def write_results(model: str, result: dict) -> None:
    """``dev_windows.json`` into the model folder and its card rendered again."""
    path = write_dev_windows(model, result)
    if (Path(model) / METRICS_FILE).is_file():
        print(f"wrote {path} and {write_model_card(model)}")
    else:
        print(f"wrote {path}; card not rendered: {model} has no {METRICS_FILE} (insar-hf evaluate)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model",
        action="append",
        help="model folder or Hub id (repeatable; default: the packaged default model)",
    )
    parser.add_argument("--real-dev", default=str(REAL_DEV), help="the real-dev folder")
    parser.add_argument(
        "--write",
        action="store_true",
        help=f"write {DEV_WINDOWS_FILE} into each model folder and render its card again",
    )
    args = parser.parse_args(argv)
    try:
        read_windows(args.real_dev)  # a wrong folder is said before any model loads
        models = args.model or [str(default_model_path())]
        if args.write:
            not_folders = [m for m in models if not Path(m).is_dir()]
            if not_folders:
                raise DevWindowsError(
                    f"--write needs model folders; {', '.join(not_folders)} is not one "
                    "(download it with huggingface_hub.snapshot_download first)"
                )
        results = {
            m: evaluate_dev_windows(Detector.from_pretrained(m), args.real_dev) for m in models
        }
    except (DevWindowsError, ModelSourceError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print_table(results)
    if args.write:
        for model, result in results.items():
            write_results(model, result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
