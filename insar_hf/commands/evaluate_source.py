"""Score the source network and the classical inversion on the same earthquake scenes.

Runs the chosen methods on the first --max-scenes earthquake scenes (label 1) of --split of a
dataset folder written by `insar-hf generate`: the network (--model, a folder trained by
training/train_source.py; default the packaged one) on the rendered images, the inversion (a uniform-slip Okada
rectangle fitted with scipy.optimize) on each scene's phase field regenerated from its seed
(a dataset drawn partly on real backgrounds needs the same folder, --real-backgrounds: the
default model's dataset is one).
Prints the comparison table (Mw, depth, epicentre, mechanism, seconds per scene; the goals of
issue #15 marked reached / missed) and writes the scores and per-scene estimates as JSON.

examples:
  insar-hf evaluate-source --dataset outputs/default_model/dataset --methods inversion \\
      --max-scenes 20
  insar-hf evaluate-source --dataset ds --model outputs/source_model --output source.json
  insar-hf evaluate-source --dataset outputs/default_model/dataset \\
      --real-backgrounds ../shared/real-backgrounds --max-scenes 50
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dataset", required=True, metavar="DIR", help="dataset folder")
    parser.add_argument("--split", default="test", help="split to score (default test)")
    parser.add_argument(
        "--model",
        metavar="DIR",
        default=None,
        help="source model folder (default: the packaged source model)",
    )
    parser.add_argument(
        "--methods",
        default="network,inversion",
        help="comma-separated: network, inversion (default both)",
    )
    parser.add_argument(
        "--max-scenes", type=int, default=50, metavar="N", help="earthquake scenes (default 50)"
    )
    parser.add_argument(
        "--real-backgrounds",
        metavar="DIR",
        default=None,
        help="the real earthquake-free interferograms the dataset was generated with (needed by "
        "the inversion to regenerate a dataset drawn partly on them; checked by digest)",
    )
    parser.add_argument("--output", metavar="FILE.json", default=None, help="write the scores")
    parser.add_argument("--seed", type=int, default=0, help="seed of the inversion's search")
    parser.add_argument("--quiet", action="store_true", help="no line per inverted scene")


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (ValueError, FileNotFoundError) as e:  # bad input: say what to fix
        print(f"insar-hf evaluate-source: error: {e}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    import json
    import math

    from insar_hf.source.evaluate import evaluate_source, json_ready, parse_methods

    methods = parse_methods(args.methods)  # refuses an unknown method before any work

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    result = evaluate_source(
        args.dataset,
        split=args.split,
        methods=methods,
        model_dir=args.model,
        max_scenes=args.max_scenes,
        progress=None if args.quiet else progress,
        inversion_kwargs={"seed": args.seed},
        real_backgrounds=args.real_backgrounds,
    )
    print(result["table"])
    if args.output:
        with open(args.output, "w") as f:
            json.dump(json_ready(result), f, indent=2, allow_nan=False)
        print(f"wrote {args.output}")
    ratio = result["speed_ratio"]
    if not math.isnan(ratio):
        print(f"speed ratio (inversion / network, median seconds per scene): {ratio:.0f}x")
    return 0
