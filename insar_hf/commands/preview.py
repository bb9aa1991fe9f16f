"""Write a labelled grid of synthetic interferograms to a PNG.

Panels cycle through positive/negative and wrapped/unwrapped scenes drawn with the default
SceneConfig; captions give kind, label, deformation source, Mw and mechanism, sensor, pass and
pixel spacing; the lime box is the ground-truth deformation box, + the epicentre.

examples:
  insar-hf preview --n 16 --seed 0 --out preview.png
  insar-hf preview --n 8 --columns 4 --model-input --out model_input.png
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=16, help="number of panels (default 16)")
    parser.add_argument("--seed", type=int, default=0, help="dataset seed (default 0)")
    parser.add_argument("--out", default="preview.png", help="PNG path (default preview.png)")
    parser.add_argument("--columns", type=int, default=4, help="panels per row (default 4)")
    parser.add_argument(
        "--model-input",
        action="store_true",
        help="show the canonical 3-channel model input instead of colour-mapped phase",
    )
    parser.add_argument("--dpi", type=int, default=110, help="PNG resolution (default 110)")


def run(args: argparse.Namespace) -> int:
    from insar_hf.simulate.preview import write_preview

    try:
        out = write_preview(
            args.out,
            n=args.n,
            seed=args.seed,
            columns=args.columns,
            model_input=args.model_input,
            dpi=args.dpi,
        )
    except ValueError as err:
        print(f"insar-hf preview: error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {out}")
    return 0
