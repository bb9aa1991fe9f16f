"""Which explanation map finds the deformation? Every method compared on the same scenes.

For one model (default: the packaged default detector) and one synthetic dataset with masks
(default: the default model's training set, ``outputs/default_model/dataset``, made by
``training/default_model.sh``):

1. on the first ``--validation`` earthquake scenes of the validation split, every method of
   :data:`insar_hf.inference.explain.MAP_METHODS` gets its relative box level
   (:func:`insar_hf.inference.localisation.choose_box_threshold`); the method with the highest
   pointing game + top-box IoU among those at most ``--max-seconds`` per image is the choice;
2. on the first ``--test`` earthquake scenes of the test split, every method (and a random map,
   and the whole-image box) is scored with those levels: pointing game, mass in mask, top-box IoU,
   the top box's centre hit (the pointing game of the box an analyst is shown), the top box's
   mean area and the fraction over half of the image, recall at IoU >= 0.3 / 0.5, seconds per
   image; the goals of issue 13 (pointing game >= 0.85, mean top-box IoU >= 0.4 with the default
   model) are marked reached or missed.

``--write`` saves the choice as ``localisation.json`` in the model folder (read by
:class:`~insar_hf.inference.detector.Detector`, hence the CLI and the Space), the test table as
``localisation_benchmark.json`` and under ``"attention"`` in its ``metrics.json``, and renders
its model card again (section "Attention localisation").

usage:
  python benchmarks/bench_localisation.py [--model DIR] [--dataset DIR] [--validation 300]
         [--test 300] [--methods rollout,layer] [--write]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from insar_hf.inference.detector import Detector
from insar_hf.inference.explain import MAP_METHODS
from insar_hf.inference.localisation import (
    MAX_SECONDS_PER_IMAGE,
    choose_map,
    earthquake_scenes,
    localisation_scores,
)
from insar_hf.inference.localisation_table import markdown_table
from insar_hf.inference.map_choice import save_map_choice
from insar_hf.model.default import default_model_path
from insar_hf.training.card import write_model_card
from insar_hf.training.evaluation import METRICS_FILE

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATASET = REPO / "outputs" / "default_model" / "dataset"
GOALS = {"pointing_game": 0.85, "iou_top_box": 0.4}
BENCHMARK_FILE = "localisation_benchmark.json"


def earthquakes(dataset_dir: Path, split: str, n: int):
    """The first ``n`` earthquake scenes with a deformation box of one split."""
    from datasets import load_dataset

    files = sorted(str(p) for p in (dataset_dir / "data").glob(f"{split}-*.parquet"))
    if not files:
        sys.exit(
            f"error: no {split} shards in {dataset_dir}/data; make them with "
            "training/default_model.sh or pass --dataset"
        )
    scenes = earthquake_scenes(load_dataset("parquet", data_files={split: files})[split], n)
    if isinstance(scenes, str):
        sys.exit(f"error: {dataset_dir} {split}: {scenes}")
    return scenes


def report(method: str, scores: dict) -> None:
    print(
        f"  validation {method:16s} level {scores['box_threshold']:.1f}  "
        f"pointing {scores['pointing_game']:.3f}  IoU {scores['iou_top_box']:.3f}  "
        f"tight IoU {scores['tight_iou']:.3f}  centre hit {scores['box_centre_hit']:.3f}  "
        f"area {scores['top_box_area']:.3f}  {scores['seconds_per_image']:.3f} s/image",
        flush=True,
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="model folder (default: the packaged one)")
    parser.add_argument("--dataset", type=Path, default=DEFAULT_DATASET)
    parser.add_argument("--validation", type=int, default=300, help="validation scenes")
    parser.add_argument("--test", type=int, default=300, help="test scenes")
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=MAX_SECONDS_PER_IMAGE,
        help="slowest map (s/image) the default may be: a 4000 x 4000 scan has ~1,200 windows",
    )
    parser.add_argument(
        "--methods",
        default=",".join(MAP_METHODS),
        help="comma-separated maps to compare (default: all; occlusion takes ~4 s per image)",
    )
    parser.add_argument("--write", action="store_true", help="save localisation.json")
    args = parser.parse_args(argv)
    methods = tuple(m for m in args.methods.split(",") if m)
    unknown = sorted(set(methods) - set(MAP_METHODS))
    if unknown or not methods:
        parser.error(f"--methods: unknown {unknown}; choose among {', '.join(MAP_METHODS)}")
    model_dir = Path(args.model) if args.model else default_model_path()
    detector = Detector.from_pretrained(model_dir, device="cpu")
    print(f"model {model_dir}")
    val = earthquakes(args.dataset, "validation", args.validation)
    choice, scores = choose_map(
        detector,
        val["image"],
        val["deformation_mask"],
        val["deformation_bbox"],
        methods=methods,
        max_seconds=args.max_seconds,
        report=report,
    )
    random_level = scores["random"]["box_threshold"]
    detector.map_choice = choice
    print(f"chosen: {choice.method} at level {choice.box_threshold}")
    test = earthquakes(args.dataset, "test", args.test)
    result = localisation_scores(
        detector,
        test["image"],
        test["deformation_mask"],
        test["deformation_bbox"],
        methods=methods,
        thresholds={**choice.box_thresholds, "random": random_level},
    )
    print()
    print(markdown_table(result))
    for method in (*methods, "random"):
        s = result[method]
        print(
            f"{method}: top boxes over half of the image {s['top_box_over_half']:.3f}, "
            f"tight IoU {s['tight_iou']:.3f}"
        )
    best = result[choice.method]
    for key, goal in GOALS.items():
        verdict = "reached" if best[key] >= goal else "missed"
        print(f"goal {key} >= {goal}: {best[key]:.3f} with {choice.method} ({verdict})")
    if args.write:
        save_map_choice(choice, model_dir)
        (model_dir / BENCHMARK_FILE).write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {model_dir / 'localisation.json'} and {model_dir / BENCHMARK_FILE}")
        metrics_path = model_dir / METRICS_FILE
        if metrics_path.is_file():  # the card's localisation table: this comparison
            metrics = json.loads(metrics_path.read_text())
            metrics["attention"] = result
            metrics_path.write_text(json.dumps(metrics, indent=2) + "\n")
            print(f"wrote {metrics_path} and {write_model_card(model_dir)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
