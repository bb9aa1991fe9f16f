"""The Thessaly 2021 earthquake's source by both methods, against the published source.

Runs :func:`insar_hf.real.source_check.check_thessaly` on the dev frame (the inversion always,
the network when a source model folder is given) and prints the comparison table; ``--write``
also writes every run, the assumptions and the published sources (with their references) as
JSON. See docs/source_thessaly.md.

    OMP_NUM_THREADS=1 python benchmarks/source_thessaly.py --root ../shared/real-dev \\
        --model outputs/source_model --write thessaly_source.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from insar_hf.real.source_check import check_thessaly


def _json_ready(value):
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="../shared/real-dev", help="real-dev folder")
    parser.add_argument(
        "--model", default=None, help="source model folder (default: the packaged source model)"
    )
    parser.add_argument("--write", default=None, metavar="FILE.json", help="write the runs here")
    args = parser.parse_args(argv)
    estimator = None
    if args.model is None or Path(args.model).is_dir():
        from insar_hf.source.estimator import SourceEstimator

        estimator = SourceEstimator.from_pretrained(args.model, device="cpu")
    else:
        print(f"no source model at {args.model}: inversion only", file=sys.stderr)
    try:
        result = check_thessaly(
            args.root, estimator, progress=lambda line: print(line, file=sys.stderr, flush=True)
        )
    except ValueError as err:  # DevWindowsError: a missing or malformed frame
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(result["table"])
    if args.write:
        out = _json_ready(result) | {
            "model": (args.model or "packaged") if estimator is not None else None
        }
        Path(args.write).write_text(json.dumps(out, indent=2, allow_nan=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
