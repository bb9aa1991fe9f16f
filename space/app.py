"""Gradio Space: is there an earthquake in this interferogram, and where does the ViT look?

A thin user interface over :class:`insar_hf.Detector`; every computation is imported from
insar_hf. Run locally with ``python space/app.py`` (http://127.0.0.1:7860).

The model comes from, in order: the ``INSAR_HF_MODEL`` environment variable (Hub id or folder),
``model_id.txt`` next to this file (written by ``insar-hf push-space --model``), a checkpoint
folder ``model/`` next to this file, or the default model packaged with insar_hf
(``insar_hf/model/default/``), so the Space works with none of these. The verdict uses the
model's calibrated probability and decision threshold (``calibration.json``). Opening the app
with ``?example=<file name>`` runs that bundled example at once (handy for links and for the
headless-browser test).

For a web user, errors say what to upload and never show a path of the server; a handled error
leaves one line in the server log (logger ``insar_hf.space``), not a traceback.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

HERE = Path(__file__).resolve().parent
EXAMPLES_DIR = HERE / "examples"
MAX_FILE_SIZE = "20mb"
IMAGE_TYPES = (".png", ".jpg", ".jpeg")
UPLOAD_TYPES = [*IMAGE_TYPES, ".tif", ".tiff", ".unw", ".diff", ".par"]
WEB_IMAGE_MODES = ("RGB", "RGBA", "P")
"""Image modes passed on to the Detector; others get the web message of :func:`check_upload`."""
SCALE = 2
"""The panels show the 224 x 224 model input at twice its size."""
LOG = logging.getLogger("insar_hf.space")
NO_MODEL_MESSAGE = (
    "No model is configured, and this install lacks the packaged default model (reinstall "
    "insar-hf to get it back). Set the environment variable INSAR_HF_MODEL to a checkpoint folder "
    "or Hub id (e.g. `INSAR_HF_MODEL=runs/vit-micro python space/app.py`), write the id into "
    "model_id.txt next to app.py (`insar-hf push-space --model ...` does this), or export a "
    "checkpoint into the folder model/ next to app.py."
)
WHAT_TO_UPLOAD = (
    "Upload an interferogram rendered by insar_hf (8-bit colour PNG, e.g. from "
    "`insar-hf preview` or `insar_hf.render.render_interferogram`), or the phase product itself: "
    "a GeoTIFF (.tif / .tiff) or a .unw / .diff with its .par."
)
HOW_TO_READ = (HERE / "how_to_read.md").read_text()
KIND_HELP = "What the file holds: a plain GeoTIFF or a .par product does not say."


def resolve_model() -> str | None:
    """The model to load: ``$INSAR_HF_MODEL``, ``model_id.txt``, ``model/``, the packaged
    default model, else None (an install without the default model's files)."""
    from insar_hf.model.checkpoint import ModelSourceError
    from insar_hf.model.default import default_model_path

    if os.environ.get("INSAR_HF_MODEL"):
        return os.environ["INSAR_HF_MODEL"]
    id_file = HERE / "model_id.txt"
    if id_file.is_file() and id_file.read_text().strip():
        named = id_file.read_text().strip()  # a Hub id, or a folder relative to this file
        return str((HERE / named).resolve()) if (HERE / named).is_dir() else named
    if (HERE / "model" / "config.json").is_file():
        return str(HERE / "model")
    try:
        return str(default_model_path())
    except ModelSourceError:
        return None


def source_estimator():
    """The source model (``$INSAR_HF_SOURCE_MODEL``, ``source_model/`` beside this file, else the
    packaged one), loaded; None, logged, when there is none or it fails to load."""
    from insar_hf.source.estimator import SourceEstimator

    path = os.environ.get("INSAR_HF_SOURCE_MODEL") or (
        HERE / "source_model" if (HERE / "source_model" / "config.json").is_file() else None
    )
    try:
        return SourceEstimator.from_pretrained(path, device="cpu")
    except Exception as err:  # noqa: BLE001 -- the verdict works without it
        LOG.warning("no source estimate: %s", hide_paths(str(err)))
        return None


def model_label(model_path: str | None) -> str:
    """The model as a web user should see it: a Hub id as it is, a folder by its model name."""
    from insar_hf.model.default import DEFAULT_MODEL_DIR, DEFAULT_MODEL_NAME

    if not model_path:
        return "none"
    folder = Path(model_path)
    if not folder.is_dir():
        return model_path
    name = ""
    config = folder / "training_config.json"
    if config.is_file():
        name = json.loads(config.read_text()).get("model_name") or ""
    if folder.resolve() == DEFAULT_MODEL_DIR.resolve():
        return f"{name or DEFAULT_MODEL_NAME} (packaged default)"
    return f"{name or folder.name} (local checkpoint)"


def hide_paths(message: str, uploads=()) -> str:
    """``message`` without any folder of the server: a path keeps only its file name."""
    for path in uploads:
        message = message.replace(str(path), Path(path).name)
    # the directory part of any absolute path (not of URLs: their slashes follow ':' or '/')
    return re.sub(r"(?<![\w.:/])/(?:[^\s'\"(),:;/]+/)+", "", message)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def upload_paths(files) -> list[Path]:
    """The server paths of Gradio's uploads (file paths or file objects)."""
    files = files if isinstance(files, list) else [files]
    return [Path(f if isinstance(f, str) else getattr(f, "name", str(f))) for f in files]


def product_file(paths: list[Path]) -> Path:
    """Which of the uploaded files the Detector reads: the only one, a product's data file, or
    its ``.par`` (which stands for its ``.unw`` and ``.diff`` together)."""
    if len(paths) == 1 and paths[0].suffix.lower() in (".unw", ".diff"):
        raise ValueError(
            f"{paths[0].name} needs its header {paths[0].stem}.par: upload both files together."
        )
    if len(paths) == 1:
        return paths[0]
    data = [p for p in paths if p.suffix.lower() != ".par"]
    pars = [p for p in paths if p.suffix.lower() == ".par"]
    if len(pars) == 1 and len(data) in (1, 2):
        return data[0] if len(data) == 1 else pars[0]
    raise ValueError(
        "Upload one interferogram at a time; several files only for one product "
        "(NAME.unw and/or NAME.diff with NAME.par)."
    )


def stage_upload(paths: list[Path], workdir: Path) -> Path:
    """The one path the Detector reads (:func:`product_file`); a product's files side by side.

    A ``.unw`` / ``.diff`` needs its ``.par`` in the same folder, and Gradio keeps each upload
    in a folder of its own, so several files are copied into ``workdir`` first.
    """
    chosen = product_file(paths)
    if len(paths) == 1:
        return chosen
    for path in paths:
        shutil.copy(path, workdir / path.name)
    return workdir / chosen.name


def needs_kind(path: Path) -> bool:
    """True when the file does not say which phase it holds (a plain GeoTIFF, a ``.par``)."""
    from insar_hf.products import detect_type

    if path.suffix.lower() in IMAGE_TYPES:
        return False
    return path.suffix.lower() == ".par" or detect_type(path) in (None, "geotiff")


def check_upload(path: Path) -> None:
    """Refuse, with a message for a web user, an image that is not an 8-bit colour rendering."""
    if path.suffix.lower() not in IMAGE_TYPES:
        return
    try:
        with Image.open(path) as image:
            mode, bands = image.mode, len(image.getbands())
    except Exception:  # noqa: BLE001 -- not an image at all: the Detector says so
        return
    if mode not in WEB_IMAGE_MODES:
        depth = "16-bit" if mode.startswith("I;16") or mode == "I" else "non-colour"
        raise ValueError(
            f"{path.name} is a {depth} image ({bands} band(s), mode {mode}); the detector reads "
            f"8-bit colour renderings. {WHAT_TO_UPLOAD}"
        )


def draw_true_box(image: Image.Image, box, scale: int = SCALE) -> Image.Image:
    """``image`` with the true deformation box (model-input pixels, half-open) in white."""
    x0, y0, x1, y1 = (v * scale for v in box)
    draw = ImageDraw.Draw(image)
    draw.rectangle([x0, y0, x1 - 1, y1 - 1], outline=(255, 255, 255), width=2)
    draw.text((x0 + 3, max(y1 - 14, y0 + 2)), "true", fill=(255, 255, 255))
    return image


def panels(result, true_box=None):
    """The interferogram and the attention map side by side, both with the boxes."""
    from insar_hf.inference.overlay import draw_overlay

    images = [
        draw_overlay(result.image, result.combined_map, result.boxes, alpha=a, scale=SCALE)
        for a in (0.0, 1.0)
    ]
    if true_box and any(true_box):
        images = [draw_true_box(image, true_box) for image in images]
    return images


def verdict_text(result) -> str:
    """The big label: the verdict and P(earthquake) against the decision threshold, never the
    argmax of the raw softmax (which says "earthquake 58%" under a "No earthquake" verdict when
    0.5 < P < threshold)."""
    quake = result.label == "earthquake"
    sign = ">=" if quake else "<"
    rule = "" if result.calibrated else " (uncalibrated: the argmax)"
    return (
        f"{'Earthquake deformation' if quake else 'No earthquake'}: P(earthquake) "
        f"{result.probability:.3f} {sign} threshold {result.decision_threshold:.3f}{rule}"
    )


def caption(record: dict) -> str:
    """A short caption of an example: ``Mw 6.7, wrapped`` or ``no quake, unwrapped``."""
    what = f"Mw {record['mw']:.1f}" if record.get("mw") else "no quake"
    return f"{what}, {record.get('kind', '?')}"


def thumbnails(examples: list[Path], truth: dict[str, dict], size: int = 96):
    """``(image, caption)`` pairs of the examples for the gallery (made at start-up)."""
    out = []
    for path in examples:
        known = truth.get(_digest(path))
        with Image.open(path) as image:
            thumb = image.convert("RGB").resize((size, size), Image.Resampling.BILINEAR)
        out.append((thumb, caption(known) if known else path.stem))
    return out


def build_demo(
    model_path: str | None = None, *, examples_dir: str | Path | None = None
) -> gr.Blocks:
    """The Blocks app for the model at ``model_path`` (default: :func:`resolve_model`).

    ``examples_dir`` holds the example PNGs and their ``examples.json`` (default: ``examples/``
    next to this file).
    """
    from insar_hf.inference.attention import HEAD_FUSIONS
    from insar_hf.inference.detector import Detector
    from insar_hf.inference.explain import MAP_METHODS
    from insar_hf.inference.overlay import head_map_gallery

    model_path = model_path or resolve_model()
    label = model_label(model_path)
    examples_dir = Path(examples_dir) if examples_dir is not None else EXAMPLES_DIR
    detector = None
    load_error = NO_MODEL_MESSAGE
    if model_path:
        try:
            detector = Detector.from_pretrained(model_path)
            load_error = ""
        except Exception as err:  # shown in the UI instead of a crash at start-up
            load_error = f"Could not load the model {label}: {hide_paths(str(err))}"
            LOG.warning("%s", load_error)
    num_layers = detector.model.config.num_hidden_layers if detector else 1
    estimator = source_estimator() if detector else None
    examples = sorted(examples_dir.glob("*.png"))
    truth: dict[str, dict] = {}  # by content: an upload that merely shares a name gets no box
    truth_file = examples_dir / "examples.json"
    if truth_file.is_file():
        for record in json.loads(truth_file.read_text()):
            if (examples_dir / record["file"]).is_file():
                truth[_digest(examples_dir / record["file"])] = record

    def refuse(message: str, uploads=()):
        message = hide_paths(message, uploads)
        LOG.warning("refused an upload: %s", message)
        raise gr.Error(message, print_exception=False)

    def analyse(files, kind, method, head_fusion, layer):
        if detector is None:
            refuse(load_error)
        if not files:
            refuse(f"Nothing to analyse. {WHAT_TO_UPLOAD} Or pick an example.")
        paths = upload_paths(files)
        layer_index = min(max(int(layer), 1), num_layers) - 1
        with tempfile.TemporaryDirectory(prefix="insar_hf_space_") as workdir:
            try:
                path = stage_upload(paths, Path(workdir))
                check_upload(path)
                result = detector.predict(
                    path,
                    kind=kind if needs_kind(path) else None,
                    method=method,
                    head_fusion=head_fusion,
                    layer=layer_index,
                )
            except (ValueError, TypeError, OSError) as err:
                refuse(str(err), [*paths, workdir])
            except Exception as err:  # a bug: the server log keeps the traceback
                LOG.exception("analysis failed")
                raise gr.Error(
                    f"Could not analyse this upload: {hide_paths(str(err))}",
                    print_exception=False,
                ) from err
            known = truth.get(_digest(path)) if len(paths) == 1 else None
            source = None  # from the prediction's model image: the upload is read once
            if estimator is not None and result.label == "earthquake":
                source = estimator.estimate(result.image, pixel_m=result.pixel_m)
        verdict = "Earthquake deformation" if result.label == "earthquake" else "No earthquake"
        boxes = ", ".join(f"{b.as_list()} (score {b.score:.2f})" for b in result.boxes[:3])
        rule = (
            f"calibrated, set for {detector.calibration.threshold_basis()}"
            if result.calibrated and detector.calibration is not None
            else "uncalibrated: the argmax"
        )
        status = (
            f"**{verdict}** — P(earthquake) = {result.probability:.3f} against a decision "
            f"threshold of {result.decision_threshold:.3f}, {rule} (model `{label}`). "
            f"Boxes (pixels x_min, y_min, x_max, y_max): {boxes or 'none'}."
        )
        if result.map_boxes:
            status += f" Top box in map coordinates: {result.map_boxes[0]}."
        if source is not None:
            spacing = "" if source.pixel_m > 0 else " (pixel spacing unknown)"  # NaN: unknown
            status += f"\n\n**First source estimate**{spacing}: {source.describe()}."
        if known:
            mw = f", Mw {known['mw']:.1f}" if known.get("mw") else ""
            status += (
                f"\n\nSynthetic example: true label **{known['label']}**{mw}, true deformation "
                f"box {known['deformation_bbox']} (white)."
            )
        image, heat = panels(result, known["deformation_bbox"] if known else None)
        gallery = head_map_gallery(result.head_maps, layer=layer_index)
        return verdict_text(result), image, heat, gallery, status

    def analyse_if_file(files, kind, method, head_fusion, layer):
        if not files or detector is None:
            message = load_error or "Upload an interferogram or pick an example."
            return None, None, None, None, message
        return analyse(files, kind, method, head_fusion, layer)

    def show_kind(files):
        try:
            shown = bool(files) and needs_kind(product_file(upload_paths(files)))
        except ValueError:
            shown = False
        return gr.update(visible=shown)

    def pick_example(evt: gr.SelectData):
        return [str(examples[evt.index])]

    def on_load(request: gr.Request):
        name = request.query_params.get("example") if request else None
        if not name:
            return gr.update()
        path = examples_dir / Path(name).name
        if not path.is_file():
            refuse(f"Unknown example {Path(name).name!r}; pick one of the bundled examples.")
        return [str(path)]

    with gr.Blocks(title="InSAR earthquake detector") as demo:
        gr.Markdown(
            "# Earthquake deformation in InSAR interferograms\n"
            "A Vision Transformer classifies a wrapped or unwrapped interferogram and shows where "
            "it looks: the explanation map that localised best on validation, with boxes, beside "
            "the interferogram, and the [CLS] attention of every head. "
            f"{WHAT_TO_UPLOAD} Or pick an example.\n\nModel: `{label}`"
        )
        with gr.Row():
            with gr.Column(scale=1):
                file_in = gr.File(
                    label="Interferogram (a product's .unw/.diff with its .par together)",
                    file_types=UPLOAD_TYPES,
                    file_count="multiple",
                    type="filepath",
                )
                kind = gr.Radio(
                    ["wrapped", "unwrapped"],
                    value="wrapped",
                    label="Phase in the file",
                    info=KIND_HELP,
                    visible=False,
                )
                method = gr.Radio(
                    list(MAP_METHODS),
                    value=detector.map_choice.method if detector else MAP_METHODS[0],
                    label="Map (default: the best on validation; docs/space.md compares them)",
                )
                fusion = gr.Radio(list(HEAD_FUSIONS), value="mean", label="Head fusion")
                layer = gr.Slider(
                    1,
                    max(num_layers, 2),
                    value=num_layers,
                    step=1,
                    label="Layer (rollout up to / shown)",
                )
                run = gr.Button("Analyse", variant="primary")
                picker = gr.Gallery(
                    thumbnails(examples, truth),
                    label="Synthetic examples (click one)",
                    columns=2,
                    height="auto",
                    allow_preview=False,
                    visible=bool(examples),
                )
            with gr.Column(scale=2):
                status = gr.Markdown(load_error or "Upload an interferogram or pick an example.")
                verdict = gr.Label(label="Verdict: P(earthquake) against the decision threshold")
                with gr.Row():
                    image_out = gr.Image(label="Interferogram and boxes", format="png", type="pil")
                    map_out = gr.Image(label="Attention map and boxes", format="png", type="pil")
                with gr.Accordion("How to read this", open=True):
                    gr.Markdown(HOW_TO_READ)
                gallery = gr.Gallery(label="Per-head [CLS] attention", columns=6, height=320)
        inputs = [file_in, kind, method, fusion, layer]
        outputs = [verdict, image_out, map_out, gallery, status]
        run.click(analyse, inputs=inputs, outputs=outputs, api_name="analyse")
        file_in.change(show_kind, inputs=file_in, outputs=kind, api_name=False).then(
            analyse_if_file, inputs=inputs, outputs=outputs, api_name=False
        )
        for control in (kind, method, fusion):
            control.change(analyse_if_file, inputs=inputs, outputs=outputs, api_name=False)
        layer.release(analyse_if_file, inputs=inputs, outputs=outputs, api_name=False)
        picker.select(pick_example, inputs=None, outputs=file_in, api_name=False)
        demo.load(on_load, inputs=None, outputs=file_in, api_name=False)
    return demo


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    build_demo().queue().launch(max_file_size=MAX_FILE_SIZE)
