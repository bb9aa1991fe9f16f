"""Classify interferograms and explain the verdict with attention boxes.

FILE can be a rendered interferogram image (.png, .jpg) or a product (GeoTIFF, .unw/.diff with
.par, or a product folder) read by insar_hf.products. The model is a checkpoint folder or a Hub id
(default: the INSAR_HF_MODEL environment variable).

examples:
  insar-hf predict scene.png --model runs/vit-micro
  insar-hf predict a.png b.png --model runs/vit-micro --json
  insar-hf predict 20230120_20230213.geo.unw.tif --kind unwrapped --overlay overlay.png
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from insar_hf.schema import KIND_NAMES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="images or products")
    parser.add_argument(
        "--model",
        default=os.environ.get("INSAR_HF_MODEL"),
        help="checkpoint folder or Hub id (default: $INSAR_HF_MODEL)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON list of results")
    parser.add_argument(
        "--overlay",
        metavar="OUT.png",
        help="write the input with the attention overlay and boxes; with several FILEs, "
        "OUT-<file stem>.png per file",
    )
    parser.add_argument(
        "--kind",
        choices=KIND_NAMES,
        default=None,
        help="phase of a product to classify (default wrapped); ignored for images",
    )
    parser.add_argument("--method", choices=("rollout", "layer"), default="rollout")
    parser.add_argument("--head-fusion", choices=("mean", "max", "min"), default="mean")
    parser.add_argument("--threshold", type=float, default=0.5, help="relative box level")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--device", default=None, help="cpu, cuda, ... (default: auto)")


def overlay_paths(out: str | Path, files: list[str]) -> list[Path]:
    """OUT.png for one file; OUT-<stem>.png for several (numbered if stems repeat)."""
    out = Path(out)
    if len(files) == 1:
        return [out]
    stems = [Path(f).name.split(".")[0] for f in files]
    paths = []
    for i, stem in enumerate(stems):
        name = stem if stems.count(stem) == 1 else f"{stem}-{i + 1}"
        paths.append(out.with_name(f"{out.stem}-{name}{out.suffix or '.png'}"))
    return paths


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    if not args.model:
        print(
            "error: no model: pass --model FOLDER_OR_HUB_ID or set INSAR_HF_MODEL",
            file=sys.stderr,
        )
        return 2
    from insar_hf.inference.detector import Detector

    detector = Detector.from_pretrained(args.model, device=args.device)
    try:
        results = detector.predict(
            list(args.files),
            kind=args.kind,
            method=args.method,
            head_fusion=args.head_fusion,
            threshold=args.threshold,
            batch_size=args.batch_size,
        )
    except (ValueError, FileNotFoundError, TypeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for result, path in zip(results, args.files):
        result.source = str(path)
    if args.overlay:
        for result, out in zip(results, overlay_paths(args.overlay, args.files)):
            out.parent.mkdir(parents=True, exist_ok=True)
            result.overlay().save(out)
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        for r in results:
            top = r.boxes[0].as_list() if r.boxes else "none"
            print(f"{r.source}: {r.label} (p_earthquake={r.probability:.3f}) top box {top}")
    return 0
