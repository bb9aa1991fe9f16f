"""Classify interferograms and explain the verdict with attention boxes.

FILE can be a rendered interferogram image (.png, .jpg) or a product (GeoTIFF, .unw/.diff with
.par, or a product folder) read by insar_hf.products. A product knows which phase it holds
(x.geo.unw.tif is unwrapped, x.geo.diff_pha.tif wrapped; a folder or .par holding both gives
wrapped); --kind overrides it and is required for a plain single-band GeoTIFF.

The model is a checkpoint folder or a Hub id; default: the INSAR_HF_MODEL environment variable,
else the default model packaged with insar_hf (offline). The verdict is "earthquake" when the
calibrated P(earthquake) reaches the checkpoint's threshold (calibration.json, written by
`insar-hf calibrate` and by training); a checkpoint without one gives the argmax (threshold 0.5).
The first line of the output names the model and the threshold used.

examples:
  insar-hf predict scene.png                                    (the default model)
  insar-hf predict a.png b.png --model runs/vit-micro --json
  insar-hf predict 20230120_20230213.geo.unw.tif --overlay overlay.png
  insar-hf predict phase.tif --kind wrapped        (a plain GeoTIFF does not say its kind)
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
        help="checkpoint folder or Hub id (default: $INSAR_HF_MODEL, else the packaged "
        "default model)",
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
        help="phase to classify: required for a plain GeoTIFF; overrides a product's own kind; "
        "ignored for images",
    )
    parser.add_argument(
        "--method",
        choices=("rollout_discard", "rollout", "layer", "relevance", "occlusion", "patch"),
        default=None,
        help="explanation map (default: the model's choice on validation, localisation.json; "
        "occlusion is the slow model-agnostic reference; patch: the classifier on each patch "
        "token, trained by --patch_loss_weight)",
    )
    parser.add_argument("--head-fusion", choices=("mean", "max", "min"), default="mean")
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="relative box level in (0, 1] (default: the model's choice on validation)",
    )
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


def check_output_path(path: Path) -> str | None:
    """Why an image cannot be written at ``path`` (one line), or None; nothing is created."""
    from PIL import Image

    if path.suffix.lower() not in Image.registered_extensions():
        return f"--overlay {path}: unknown image type {path.suffix!r}; end the name with .png"
    if path.is_dir():
        return f"--overlay {path}: is a folder; give a file name such as {path / 'overlay.png'}"
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # the nearest existing ancestor is where folders will be made
    if not folder.is_dir():
        return f"--overlay {path}: cannot make folder {path.parent}: {folder} is a file"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"--overlay {path}: cannot write in {folder} (permission denied)"
    return None


def save_atomically(image, path: Path) -> None:
    """Write ``image`` to ``path`` through a temporary file, so no half-written file is left."""
    import tempfile

    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            image.save(handle, format=Image.registered_extensions()[path.suffix.lower()])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    def fail(message: str) -> int:
        print(f"error: {message}", file=sys.stderr)
        return 2

    overlays = overlay_paths(args.overlay, args.files) if args.overlay else []
    for out in overlays:  # before the work: a bad output path must not cost the prediction
        if (problem := check_output_path(out)) is not None:
            return fail(problem)
    from insar_hf.inference.detector import Detector
    from insar_hf.model.default import DEFAULT_MODEL_NAME

    try:
        detector = Detector.from_pretrained(args.model or None, device=args.device)
        results = detector.predict(
            list(args.files),
            kind=args.kind,
            method=args.method,
            head_fusion=args.head_fusion,
            threshold=args.threshold,
            batch_size=args.batch_size,
        )
    except (ValueError, OSError, TypeError) as err:  # ours are ValueError / FileNotFoundError
        return fail(str(err))
    for result, path in zip(results, args.files):
        result.source = str(path)
    model = args.model or DEFAULT_MODEL_NAME
    rule = (
        f"P(earthquake) >= {detector.decision_threshold:.4f} (calibrated, T = "
        f"{detector.temperature:.3f})"
        if detector.calibration
        else "argmax (uncalibrated, threshold 0.5)"
    )
    if args.json:
        extra = dict(model=model, decision_threshold=detector.decision_threshold)
        extra.update(calibrated=detector.calibration is not None, temperature=detector.temperature)
        print(json.dumps([{**r.to_dict(), **extra} for r in results], indent=2))
    else:
        print(f"model: {model}; verdict: {rule}")
        for r in results:
            top = r.boxes[0].as_list() if r.boxes else "none"
            kind = f" [{r.kind} phase]" if r.kind else ""
            print(f"{r.source}{kind}: {r.label} (p_earthquake={r.probability:.3f}) top box {top}")
    sys.stdout.flush()  # the verdicts are out before any overlay can fail
    for result, out in zip(results, overlays):
        try:
            save_atomically(result.overlay(), out)
        except OSError as err:
            return fail(f"--overlay {out}: not written ({err}); the verdicts above stand")
    return 0
