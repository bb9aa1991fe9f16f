"""Classify interferograms and explain the verdict with attention boxes.

FILE can be a rendered interferogram image (.png, .jpg) or a product (GeoTIFF, .unw/.diff with
.par, or a product folder) read by insar_hf.products. A product knows which phase it holds
(x.geo.unw.tif is unwrapped, x.geo.diff_pha.tif wrapped; a folder or .par holding both gives
wrapped); --kind overrides it and is required for a plain single-band GeoTIFF.

The model is a checkpoint folder or a Hub id; default: the INSAR_HF_MODEL environment variable,
else the default model packaged with insar_hf (offline). The verdict is "earthquake" when the
calibrated P(earthquake) reaches the checkpoint's threshold (calibration.json, written by
`insar-hf calibrate` and by training); a checkpoint without one gives the argmax (threshold 0.5).
The first line of the output names the model and the threshold used, then one line per file.
Every file is read and checked before the model loads; a file that cannot be read gets an error
line on stderr (with --json also an object {"source", "error"} in the list) while the others
still get their verdicts, and the exit status is then 2.

examples:
  insar-hf predict scene.png                                    (the default model)
  insar-hf predict a.png b.png --model runs/vit-micro --json
  insar-hf predict frames/*.tif --kind wrapped   (a bad file does not stop the others)
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
    """Write ``image`` to ``path`` through a temporary file, so no half-written file is left;
    the file gets the mode the umask gives (:func:`insar_hf.files.write_atomically`)."""
    from PIL import Image

    from insar_hf.files import write_atomically

    image_format = Image.registered_extensions()[path.suffix.lower()]
    write_atomically(path, lambda handle: image.save(handle, format=image_format))


def command_line_message(err: Exception) -> str:
    """An error about one input as a command-line user should read it (``--kind``, not
    ``kind=``)."""
    from insar_hf.products import KindRequiredError

    if isinstance(err, KindRequiredError):
        return (
            f"{err.path}: a plain GeoTIFF does not say whether it holds wrapped or unwrapped "
            "phase; pass --kind wrapped or --kind unwrapped"
        )
    return str(err)


def prepare_files(files: list[str], kind: str | None, size: int) -> list:
    """Each file's model input, or the one-line reason it cannot be one (a ``str``).

    Reads, checks and renders every file without the model, so that a bad input costs no model
    load and never hides the verdicts of the good ones.
    """
    from insar_hf.inference.inputs import prepare_input

    prepared = []
    for path in files:
        try:
            prepared.append(
                prepare_input(path, kind=kind, units="rad", wavelength_m=None, size=size)
            )
        except (ValueError, OSError, TypeError) as err:  # ours are ValueError / FileNotFoundError
            prepared.append(command_line_message(err))
    return prepared


def run(args: argparse.Namespace) -> int:
    import sys

    from insar_hf.schema import IMAGE_SIZE

    def fail(message: str) -> int:
        print(f"error: {message}", file=sys.stderr)
        return 2

    overlays = overlay_paths(args.overlay, args.files) if args.overlay else []
    for out in overlays:  # before the work: a bad output path must not cost the prediction
        if (problem := check_output_path(out)) is not None:
            return fail(problem)
    prepared = prepare_files(args.files, args.kind, IMAGE_SIZE)  # before the model loads
    for problem in prepared:
        if isinstance(problem, str):
            print(f"error: {problem}", file=sys.stderr)
    good = [i for i, p in enumerate(prepared) if not isinstance(p, str)]
    failed = len(good) < len(prepared)
    sys.stderr.flush()
    results: dict[int, object] = {}
    detector = None
    if good:
        from insar_hf.inference.detector import Detector

        try:
            detector = Detector.from_pretrained(args.model or None, device=args.device)
            if detector.image_size != IMAGE_SIZE:  # a model of another input size: render again
                redone = prepare_files(
                    [args.files[i] for i in good], args.kind, detector.image_size
                )
                for i, item in zip(good, redone):
                    prepared[i] = item
            predicted = detector.predict(
                [prepared[i] for i in good],
                method=args.method,
                head_fusion=args.head_fusion,
                threshold=args.threshold,
                batch_size=args.batch_size,
            )
        except (ValueError, OSError, TypeError) as err:  # the model, or an option
            return fail(str(err))
        for i, result in zip(good, predicted):
            result.source = str(args.files[i])
            results[i] = result
    print_results(args, detector, prepared, results)
    sys.stdout.flush()  # the verdicts are out before any overlay can fail
    for i, out in enumerate(overlays):
        if i not in results:
            continue
        try:
            save_atomically(results[i].overlay(), out)
        except OSError as err:
            return fail(f"--overlay {out}: not written ({err}); the verdicts above stand")
    return 2 if failed else 0


def print_results(args: argparse.Namespace, detector, prepared: list, results: dict) -> None:
    """One verdict line per good file, in the order given (a failed file's line went to stderr);
    with ``--json`` one object per file, ``{"source", "error"}`` for a failed one."""
    import json

    from insar_hf.model.default import DEFAULT_MODEL_NAME

    model = args.model or DEFAULT_MODEL_NAME
    if args.json:
        extra = {"model": model}
        if detector is not None:
            extra |= dict(
                decision_threshold=detector.decision_threshold,
                calibrated=detector.calibration is not None,
                temperature=detector.temperature,
                threshold_basis=(
                    detector.calibration.threshold_basis() if detector.calibration else None
                ),
            )
        objects = [
            {**results[i].to_dict(), **extra}
            if i in results
            else {"source": str(path), "error": prepared[i], **extra}
            for i, path in enumerate(args.files)
        ]
        print(json.dumps(objects, indent=2))
        return
    if detector is None:
        return
    rule = (
        f"P(earthquake) >= {detector.decision_threshold:.4f} (calibrated, T = "
        f"{detector.temperature:.3f}; threshold set for "
        f"{detector.calibration.threshold_basis()})"
        if detector.calibration
        else "argmax (uncalibrated, threshold 0.5)"
    )
    print(f"model: {model}; verdict: {rule}")
    for i in sorted(results):  # a failed file's line went to stderr, as ls does
        r = results[i]
        top = r.boxes[0].as_list() if r.boxes else "none"
        kind = f" [{r.kind} phase]" if r.kind else ""
        print(f"{r.source}{kind}: {r.label} (p_earthquake={r.probability:.3f}) top box {top}")
