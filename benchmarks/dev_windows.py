"""What a model says on the twelve standard windows of the real development frames.

Reads ``../shared/real-dev/windows.json`` (8 earthquake-free windows, 4 with the Thessaly 2021
deformation), cuts each window from its file as the JSON's ``about`` says (binary files are
little-endian float32 801 x 801, the unwrapped one LOS metres at Sentinel-1's 5.5466 cm; the
GeoTIFF's exact 0 is no data), turns LOS into phase (``-4 pi / wavelength``), and asks
:meth:`insar_hf.inference.detector.Detector.predict` for the earthquake probability of each,
rendered by the one rendering function (windows over 224 px are area-averaged to 224).

These two frames are a development set: a report, never a target to tune thresholds on.

usage:
  python benchmarks/dev_windows.py                        # the bundled model, space/model
  python benchmarks/dev_windows.py --model quickstart_out/model [--model other/model ...]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np

from insar_hf.inference.detector import Detector

REPO = Path(__file__).resolve().parents[1]
REAL_DEV = REPO.parent / "shared" / "real-dev"
SENTINEL1_WAVELENGTH_M = 0.055466
FRAME_SHAPE = (801, 801)


def read_window(entry: dict, root: Path = REAL_DEV) -> np.ndarray:
    """The window's phase (rad, NaN = no data) as ``windows.json`` defines it."""
    path = root / entry["file"]
    if path.suffix == ".tif":
        import rasterio

        with rasterio.open(path) as src:
            frame = src.read(1).astype(np.float32)
        frame[frame == 0] = np.nan
    else:
        frame = np.fromfile(path, dtype="<f4").reshape(FRAME_SHAPE)
        if entry["kind"] == "unwrapped":  # LOS metres -> phase
            frame = frame * np.float32(-4.0 * math.pi / SENTINEL1_WAVELENGTH_M)
    r, c, n = entry["row"], entry["col"], entry["size"]
    return frame[r : r + n, c : c + n]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--model", action="append", help="model folder or Hub id (repeatable; default space/model)"
    )
    parser.add_argument("--real-dev", default=str(REAL_DEV), help="the real-dev folder")
    args = parser.parse_args(argv)
    root = Path(args.real_dev)
    windows = json.loads((root / "windows.json").read_text())["windows"]
    models = args.model or [str(REPO / "space" / "model")]
    arrays = [read_window(w, root) for w in windows]
    columns = {}
    for model in models:
        detector = Detector.from_pretrained(model)
        preds = [detector.predict(a, kind=w["kind"]) for a, w in zip(arrays, windows)]
        columns[model] = [p.probability for p in preds]
    print(f"{'window':<58} {'label':>5} " + " ".join(f"{Path(m).name[:12]:>12}" for m in models))
    for i, w in enumerate(windows):
        name = f"{Path(w['file']).parent.name}/{w['kind']}: {w['note']}"[:58]
        probs = " ".join(f"{columns[m][i]:>12.3f}" for m in models)
        print(f"{name:<58} {w['label']:>5} {probs}")
    labels = np.array([w["label"] for w in windows])
    for m in models:
        p = np.array(columns[m])
        alarms = int(np.sum((p >= 0.5) & (labels == 0)))
        hits = int(np.sum((p >= 0.5) & (labels == 1)))
        print(
            f"{m}: {hits} of {int(labels.sum())} deformation windows flagged, "
            f"{alarms} of {int((labels == 0).sum())} earthquake-free windows flagged (p >= 0.5)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
