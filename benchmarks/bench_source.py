"""Source estimation: the network against the classical inversion on the same test scenes.

Runs :func:`insar_hf.source.evaluate.evaluate_source` on the first N earthquake scenes of a
dataset split (the network when a source model folder is given, the inversion always) and
prints the comparison table and the speed ratio measured in this run.

    OMP_NUM_THREADS=1 python benchmarks/bench_source.py \\
        --dataset outputs/default_model/dataset --model outputs/source_model --n 50 \\
        --real-backgrounds ../shared/real-backgrounds
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from insar_hf.source.evaluate import evaluate_source, json_ready


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="outputs/default_model/dataset", help="folder")
    parser.add_argument("--split", default="test")
    parser.add_argument("--model", default="outputs/source_model", help="source model folder")
    parser.add_argument("--n", type=int, default=50, help="earthquake scenes (default 50)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the inversion's search")
    parser.add_argument(
        "--real-backgrounds",
        default=None,
        help="the real backgrounds the dataset was drawn on (the default model's dataset: "
        "../shared/real-backgrounds)",
    )
    parser.add_argument("--json", default=None, help="also write the scores here")
    args = parser.parse_args(argv)
    methods = ["network", "inversion"] if Path(args.model).is_dir() else ["inversion"]
    if methods == ["inversion"]:
        print(f"no source model at {args.model}: inversion only", file=sys.stderr)
    result = evaluate_source(
        args.dataset,
        split=args.split,
        methods=methods,
        model_dir=args.model if "network" in methods else None,
        max_scenes=args.n,
        progress=lambda line: print(line, file=sys.stderr, flush=True),
        inversion_kwargs={"seed": args.seed},
        real_backgrounds=args.real_backgrounds,
    )
    print(f"{result['n_scenes']} earthquake scenes of {args.split} in {args.dataset}\n")
    print(result["table"])
    ratio = result["speed_ratio"]
    if ratio == ratio:
        print(f"\nspeed ratio measured in this run: {ratio:.0f}x (inversion / network)")
    if args.json:
        Path(args.json).write_text(json.dumps(json_ready(result), indent=2, allow_nan=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
