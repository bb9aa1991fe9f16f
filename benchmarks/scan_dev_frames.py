"""Whole-frame scans of the two real development frames: the figure of ``docs/figures/``.

``Detector.scan`` slides the model's window over each frame of ``../shared/real-dev/``: the
Thessaly 2021 coseismic interferogram, wrapped and unwrapped (801 x 801 at 100 m; the
deformation lies near rows 395, cols 380 of the file, whose row 0 is south: row 405 of the
north-up frame the reader gives) and the Galapagos 2017 volcanic frame (no earthquake: it should
stay quiet). For each it prints the windows, how many reach the decision threshold, the boxes
(frame pixels, the fraction of the frame they cover, map coordinates) and, for Thessaly, whether
the best box lies on the deformation (within 40 px of its centre) and covers less than a quarter
of the frame (issue 22's goal); then it draws one row per frame: the wrapped phase with the
boxes, the scan's probability map, and its explanation map (window probability x map) with the
boxes.

These frames are a development set: a report, never a target to tune on.

usage:
  python benchmarks/scan_dev_frames.py [--model DIR] [--method METHOD] [--stride 112]
         [--out docs/figures/scan_dev_frames.png]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from insar_hf.inference.detector import Detector

REPO = Path(__file__).resolve().parents[1]
REAL_DEV = REPO.parent / "shared" / "real-dev"
FRAMES = {
    "Thessaly 2021 (Mw 6.3)": REAL_DEV / "thessaly_2021" / "greece.diff",
    "Thessaly 2021, unwrapped": REAL_DEV / "thessaly_2021" / "greece.unw",
    "Galapagos 2017 (volcanic, no earthquake)": REAL_DEV
    / "galapagos_2017"
    / "sierra_negra_20170320_20170413.geo.diff_pha.tif",
}
THESSALY_CENTRE_FILE = (395, 380)  # row, col of the file (shared/real-dev/README.md)
GOAL_AREA = 0.25
"""The best Thessaly box covers less than a quarter of the frame (issue 22)."""
NEAR_PX = 40
""""Near" the deformation: within 40 pixels (4 km at 100 m) of its stated centre."""


def near(box, row: int, col: int, margin: int = NEAR_PX) -> bool:
    """Whether the frame-pixel box (half-open) overlaps the square of ``margin`` around a pixel."""
    return (
        box.x_min < col + margin + 1
        and box.x_max > col - margin
        and box.y_min < row + margin + 1
        and box.y_max > row - margin
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="model folder (default: the packaged one)")
    parser.add_argument("--method", default=None, help="map method (default: the model's)")
    parser.add_argument("--stride", type=int, default=112, help="window stride, frame pixels")
    parser.add_argument(
        "--out", type=Path, default=REPO / "docs" / "figures" / "scan_dev_frames.png"
    )
    args = parser.parse_args(argv)
    missing = [str(p) for p in FRAMES.values() if not p.is_file()]
    if missing:
        sys.exit(f"error: the development frames are missing: {missing}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from insar_hf.products import read_product

    detector = Detector.from_pretrained(args.model, device="cpu")
    method = args.method or detector.map_choice.method
    fig, axes = plt.subplots(len(FRAMES), 3, figsize=(13.5, 4.6 * len(FRAMES)))
    for row_axes, (name, path) in zip(axes, FRAMES.items()):
        product = read_product(path)
        kind = product.kind
        phase = product.field_rad(kind)
        centre_row, centre_col = product.array_window(*THESSALY_CENTRE_FILE, 1)  # north-up
        result = detector.scan(path, stride=args.stride, method=method, progress=False)
        probs = result.window_probabilities
        flagged = int(np.sum(probs >= result.min_probability))
        print(
            f"{name}: {phase.shape[0]} x {phase.shape[1]} {kind}, {len(probs)} windows, "
            f"{flagged} at or above {result.min_probability:.3f}, max P {np.nanmax(probs):.3f}"
        )
        for i, box in enumerate(result.boxes[:5]):
            where = result.map_boxes[i] if result.map_boxes else None
            share = box.area / phase.size
            print(
                f"  box {box.as_list()} score {box.score:.3f} ({share:.1%} of the frame) map {where}"
            )
        thessaly = path.parent.name == "thessaly_2021"
        if thessaly and result.boxes:
            best = result.boxes[0]
            on = near(best, centre_row, centre_col)
            small = best.area / phase.size < GOAL_AREA
            print(
                f"  best box within {NEAR_PX} px of the deformation at (row, col) "
                f"{(centre_row, centre_col)} of the north-up frame: {'yes' if on else 'no'}; "
                f"under a quarter of the frame: {'yes' if small else 'no'} "
                f"({'reached' if on and small else 'missed'})"
            )
        wrapped = np.angle(np.exp(1j * phase)) if kind == "unwrapped" else phase
        panels = (
            (wrapped, "twilight", f"{name}\nwrapped phase, boxes", (-np.pi, np.pi)),
            (result.probability, "magma", "scan P(earthquake)", (0, 1)),
            (result.attention, "inferno", f"P x {method} map, boxes", (0, None)),
        )
        for ax, (array, cmap, title, (vmin, vmax)) in zip(row_axes, panels):
            shown = ax.imshow(array, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
            fig.colorbar(shown, ax=ax, fraction=0.046)
            ax.set_title(title, fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            if "boxes" in title:
                for box in result.boxes[:5]:
                    ax.add_patch(
                        Rectangle(
                            (box.x_min - 0.5, box.y_min - 0.5),
                            box.x_max - box.x_min,
                            box.y_max - box.y_min,
                            fill=False,
                            edgecolor="cyan",
                            linewidth=1.5,
                        )
                    )
            if thessaly:
                ax.plot(centre_col, centre_row, "+", color="lime", ms=10)
    fig.suptitle(
        f"Detector.scan, window {result.window} px, stride {args.stride} px, "
        f"threshold {result.min_probability:.3f}",
        fontsize=10,
    )
    fig.tight_layout()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=80)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
