"""Gradio Space: is there an earthquake in this interferogram, and where does the ViT look?

A thin user interface over :class:`insar_hf.Detector`; every computation is imported from
insar_hf. Run locally with ``python space/app.py`` (http://127.0.0.1:7860).

The model comes from, in order: the ``INSAR_HF_MODEL`` environment variable (Hub id or folder),
``model_id.txt`` next to this file (written by ``insar-hf push-space --model``), or a checkpoint
folder ``model/`` next to this file. Opening the app with ``?example=<file name>`` runs that
bundled example at once (handy for links and for the headless-browser test).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr  # noqa: E402

HERE = Path(__file__).resolve().parent
EXAMPLES_DIR = HERE / "examples"
MAX_FILE_SIZE = "20mb"
UPLOAD_TYPES = [".png", ".jpg", ".jpeg", ".tif", ".tiff"]
NO_MODEL_MESSAGE = (
    "No model is configured. Set the environment variable INSAR_HF_MODEL to a checkpoint folder "
    "or Hub id (e.g. `INSAR_HF_MODEL=runs/vit-micro python space/app.py`), write the id into "
    "model_id.txt next to app.py (`insar-hf push-space --model ...` does this), or export a "
    "checkpoint into the folder model/ next to app.py."
)


def resolve_model() -> str | None:
    """The model to load: ``$INSAR_HF_MODEL``, ``model_id.txt``, ``model/``, else None."""
    if os.environ.get("INSAR_HF_MODEL"):
        return os.environ["INSAR_HF_MODEL"]
    id_file = HERE / "model_id.txt"
    if id_file.is_file() and id_file.read_text().strip():
        return id_file.read_text().strip()
    if (HERE / "model" / "config.json").is_file():
        return str(HERE / "model")
    return None


def build_demo(
    model_path: str | None = None, *, examples_dir: str | Path | None = None
) -> gr.Blocks:
    """The Blocks app for the model at ``model_path`` (default: :func:`resolve_model`).

    ``examples_dir`` holds the example PNGs (default: ``examples/`` next to this file).
    """
    from insar_hf.inference.attention import HEAD_FUSIONS
    from insar_hf.inference.detector import Detector
    from insar_hf.inference.overlay import head_map_gallery

    model_path = model_path or resolve_model()
    examples_dir = Path(examples_dir) if examples_dir is not None else EXAMPLES_DIR
    detector = None
    load_error = NO_MODEL_MESSAGE
    if model_path:
        try:
            detector = Detector.from_pretrained(model_path)
            load_error = ""
        except Exception as err:  # shown in the UI instead of a crash at start-up
            load_error = f"Could not load the model {model_path!r}: {err}"
    num_layers = detector.model.config.num_hidden_layers if detector else 1
    truth_file = examples_dir / "examples.json"
    truth = {}
    if truth_file.is_file():
        truth = {r["file"]: r for r in json.loads(truth_file.read_text())}

    def analyse(file, kind, method, head_fusion, layer):
        if detector is None:
            raise gr.Error(load_error)
        if file is None:
            raise gr.Error("Upload a PNG, JPEG or GeoTIFF interferogram, or pick an example.")
        path = file if isinstance(file, str) else getattr(file, "name", str(file))
        layer_index = min(max(int(layer), 1), num_layers) - 1
        try:
            result = detector.predict(
                path,
                kind=kind if Path(path).suffix.lower() in (".tif", ".tiff") else None,
                method=method,
                head_fusion=head_fusion,
                layer=layer_index,
            )
        except (ValueError, TypeError, FileNotFoundError) as err:
            raise gr.Error(str(err)) from err
        except Exception as err:
            raise gr.Error(f"Could not analyse {Path(path).name}: {err}") from err
        verdict = "Earthquake deformation" if result.label == "earthquake" else "No earthquake"
        boxes = ", ".join(f"{b.as_list()} (score {b.score:.2f})" for b in result.boxes[:3])
        status = (
            f"**{verdict}** — P(earthquake) = {result.probability:.3f}. "
            f"Boxes (pixels x_min, y_min, x_max, y_max): {boxes or 'none'}."
        )
        if result.map_boxes:
            status += f" Top box in map coordinates: {result.map_boxes[0]}."
        known = truth.get(Path(path).name)
        if known:
            mw = f", Mw {known['mw']:.1f}" if known.get("mw") else ""
            status += (
                f"\n\nSynthetic example: true label **{known['label']}**{mw}, true deformation "
                f"box {known['deformation_bbox']}."
            )
        gallery = head_map_gallery(result.head_maps, layer=layer_index)
        return result.probabilities, result.overlay(scale=2), gallery, status

    def analyse_if_file(file, kind, method, head_fusion, layer):
        if file is None or detector is None:
            return None, None, None, load_error or "Upload an interferogram or pick an example."
        return analyse(file, kind, method, head_fusion, layer)

    def on_load(request: gr.Request):
        name = request.query_params.get("example") if request else None
        if not name:
            return gr.update()
        path = examples_dir / Path(name).name
        if not path.is_file():
            raise gr.Error(f"Unknown example {name!r}; pick one of the bundled examples.")
        return str(path)

    with gr.Blocks(title="InSAR earthquake detector") as demo:
        gr.Markdown(
            "# Earthquake deformation in InSAR interferograms\n"
            "A Vision Transformer classifies a wrapped or unwrapped interferogram and shows where "
            "it looks: attention rollout (Abnar & Zuidema 2020) as an overlay with boxes, and the "
            "[CLS] attention of every head. Upload a rendered interferogram (PNG/JPEG, 8-bit "
            "RGB as made by `insar_hf.render`) or a GeoTIFF product, or pick an example.\n\n"
            f"Model: `{model_path or 'none'}`"
        )
        with gr.Row():
            with gr.Column(scale=1):
                file_in = gr.File(label="Interferogram", file_types=UPLOAD_TYPES, type="filepath")
                kind = gr.Radio(
                    ["wrapped", "unwrapped"], value="wrapped", label="Phase of a GeoTIFF product"
                )
                method = gr.Radio(
                    ["rollout", "layer"], value="rollout", label="Map: rollout or one layer"
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
                examples = sorted(str(p) for p in examples_dir.glob("*.png"))
                if examples:
                    gr.Examples(examples=examples, inputs=file_in, label="Synthetic examples")
            with gr.Column(scale=2):
                status = gr.Markdown(load_error or "Upload an interferogram or pick an example.")
                verdict = gr.Label(label="Verdict", num_top_classes=2)
                overlay = gr.Image(label="Attention overlay and boxes", format="png", type="pil")
                gallery = gr.Gallery(label="Per-head [CLS] attention", columns=6, height=320)
        inputs = [file_in, kind, method, fusion, layer]
        outputs = [verdict, overlay, gallery, status]
        run.click(analyse, inputs=inputs, outputs=outputs, api_name="analyse")
        for control in (file_in, kind, method, fusion):
            control.change(analyse_if_file, inputs=inputs, outputs=outputs, api_name=False)
        layer.release(analyse_if_file, inputs=inputs, outputs=outputs, api_name=False)
        demo.load(on_load, inputs=None, outputs=file_in, api_name=False)
    return demo


if __name__ == "__main__":
    build_demo().queue().launch(max_file_size=MAX_FILE_SIZE)
