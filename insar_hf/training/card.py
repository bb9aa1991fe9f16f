"""The model card (``README.md``) of a trained detector, with huggingface_hub's card API.

:func:`build_model_card` turns ``metrics.json`` (:mod:`insar_hf.training.evaluation`), the
training configuration and, where present, ``calibration.json`` (temperature and threshold),
``real_events.json`` (:data:`REAL_EVENTS_FILE`, scores on real events from ``insar-hf
evaluate-real``) and ``dev_windows.json`` (:data:`DEV_WINDOWS_FILE`, verdicts on the real
development windows) into a ``ModelCard`` whose ``model-index`` holds the test metrics as
``EvalResult`` entries, and whose text states the data, the hyperparameters, the intended use,
the limitations and the calibration; :mod:`insar_hf.training.card_sections` renders the parts
that come from outside training. :func:`write_model_card` writes it into a checkpoint folder
from the files in that folder (never read back). :func:`push_model` uploads a model folder to
the Hub."""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from insar_hf.dataset.card import BACKGROUND_CREDIT
from insar_hf.hub import push_folder
from insar_hf.inference.localisation_table import markdown_table
from insar_hf.inference.map_choice import LOCALISATION_FILE
from insar_hf.model.calibration import CALIBRATION_FILE, Calibration, load_calibration
from insar_hf.training.calibrate import RELIABILITY_FIGURE, calibration_card_section
from insar_hf.training.card_sections import (
    CARD_METRIC_NAMES,
    DEV_WINDOWS_FILE,
    REAL_EVENTS_FILE,
    REAL_NUISANCE_FILE,
    dataset_id_of,
    dev_windows_section,
    eval_results_for,
    is_hub_id,
    own_real_events,
    read_dev_windows,
    read_real_events,
    read_real_nuisance,
    real_events_section,
    real_nuisance_section,
    with_real_events,
    write_real_events,
)
from insar_hf.training.evaluation import (
    CONFUSION_FIGURE,
    CURVES_FIGURE,
    MAGNITUDE_FIGURE,
    METRICS_FILE,
    SCALAR_KEYS,
)

__all__ = [
    "CARD_FIGURES",
    "CARD_METRIC_NAMES",
    "DEV_WINDOWS_FILE",
    "PUSHED_FILES",
    "REAL_EVENTS_FILE",
    "REQUIRED_FILES",
    "RESULT_FILES",
    "TRAINING_CONFIG_FILE",
    "build_model_card",
    "dataset_id_of",
    "eval_results_for",
    "is_hub_id",
    "push_model",
    "read_real_events",
    "write_model_card",
    "write_real_events",
]

TRAINING_CONFIG_FILE = "training_config.json"
"""Hyperparameters and data of a run, written by training and read back for the card."""

CARD_FIGURES = (CONFUSION_FIGURE, CURVES_FIGURE, MAGNITUDE_FIGURE, RELIABILITY_FIGURE)
"""Figures a card shows where its folder holds them."""

_INTENDED_USE = """\
Screening of SAR interferograms (wrapped or unwrapped phase, rendered with
`insar_hf.render.render_interferogram`) for surface deformation from an earthquake, as a
triage aid for analysts: it flags scenes to inspect and, with attention maps (`insar_hf.inference.attention`),
points at where to look. Inputs must be rendered exactly as in training (224 x 224, canonical
encoding, mean = std = 0.5 normalisation); the saved image processor does the last step."""

_LIMITATIONS = """\
- Trained on **synthetic** interferograms (Okada dislocations in an elastic half-space, synthetic
  turbulent and stratified atmosphere, decorrelation); real products have nuisance signals
  (unwrapping errors, ionosphere, seasonal deformation, unmodelled sources) that the simulator
  does not contain. Validate on labelled real data before relying on it.
- Detection falls off for small magnitudes: see the detection-against-magnitude table; the
  threshold depends on depth, mechanism, sensor wavelength and noise.
- Hard negatives in training (volcanic inflation, subsidence bowls) reduce but do not remove false
  alarms from other deformation sources.
- It is a classifier, not a source inversion: it reports presence, not magnitude or mechanism."""


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def _metrics_table(metrics: Mapping[str, Any]) -> str:
    rows = ["| metric | value |", "|---|---|"]
    overall = metrics["overall"]
    rows += [f"| {CARD_METRIC_NAMES[k]} | {_fmt(overall.get(k))} |" for k in SCALAR_KEYS]
    rows.append(f"| false-positive rate | {_fmt(metrics.get('false_positive_rate'))} |")
    rows.append(f"| test samples | {overall.get('n')} |")
    return "\n".join(rows)


def _group_table(title: str, groups: Mapping[str, Mapping[str, Any]]) -> str:
    rows = [f"| {title} | n | accuracy | precision | recall | F1 |", "|---|---|---|---|---|---|"]
    for name, m in groups.items():
        cells = [_fmt(m.get(k)) for k in ("accuracy", "precision", "recall", "f1")]
        rows.append(f"| {name} | {m.get('n')} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _magnitude_table(rows_in) -> str:
    rows = ["| Mw bin | earthquakes | detected | detection rate |", "|---|---|---|---|"]
    for r in rows_in:
        rate = _fmt(r["detection_rate"])
        rows.append(
            f"| [{r['mw_min']:.1f}, {r['mw_max']:.1f}) | {r['n']} | {r['detected']} | {rate} |"
        )
    return "\n".join(rows)


def build_model_card(
    metrics: Mapping[str, Any],
    *,
    config: Mapping[str, Any] | None = None,
    model_name: str = "insar-hf-vit",
    figures: tuple[str, ...] = CARD_FIGURES[:3],
    real_events: Mapping[str, Any] | None = None,
    calibration: Calibration | None = None,
    dev_windows: Mapping[str, Any] | None = None,
    real_nuisance: Mapping[str, Any] | None = None,
):
    """A ``huggingface_hub.ModelCard`` from ``metrics.json`` content and the run configuration.

    Parameters
    ----------
    metrics
        As written by :func:`insar_hf.training.evaluation.evaluate_model`.
    config
        ``training_config.json`` content: ``dataset``, ``dataset_id`` (its name in the card,
        see :func:`dataset_id_of`), ``preset``, ``init_from`` and ``hyperparameters`` (a flat
        dict); missing parts are left out of the card.
    model_name
        Name in the ``model-index``.
    figures
        File names of figures in the same folder to show in the card.
    real_events
        ``real_events.json`` content (:data:`REAL_EVENTS_FILE`): the model's score on real
        events gets its own ``model-index`` entry and a "Real events" section.
    calibration
        ``calibration.json`` content: a "Calibration" section (with the reliability diagram
        where ``figures`` holds it).
    dev_windows
        ``dev_windows.json`` content (:data:`DEV_WINDOWS_FILE`): a "Real development windows"
        section with the verdict on each window.
    real_nuisance
        ``real_nuisance.json`` content (:data:`REAL_NUISANCE_FILE`): a "Real nuisance" section
        (false alarms on real earthquake-free interferograms) with the data's credit.
    """
    from huggingface_hub import ModelCard, ModelCardData

    config = dict(config or {})
    dataset = config.get("dataset") or metrics.get("dataset") or "synthetic-insar"
    dataset_id = dataset_id_of(dataset, config.get("dataset_id"))
    local = Path(str(dataset)).exists() and not config.get("dataset_id")
    split = metrics.get("split") or "test"
    overall = metrics["overall"]
    eval_results = eval_results_for(
        overall, dataset_id=dataset_id, dataset_name=dataset_id, split=split
    )
    real = own_real_events(real_events) if real_events else None
    if real is not None:
        eval_results = with_real_events(eval_results, real_events, *real)
    init_from = config.get("init_from")
    data = ModelCardData(
        model_name=model_name,
        eval_results=eval_results,
        datasets=[dataset_id] if is_hub_id(dataset_id) and not local else None,
        library_name="transformers",
        pipeline_tag="image-classification",
        license="apache-2.0",
        base_model=init_from if init_from and not Path(init_from).exists() else None,
        tags=["vision-transformer", "vit", "insar", "earthquake", "geophysics", "insar_hf"],
        metrics=list(SCALAR_KEYS),
    )
    hp = config.get("hyperparameters") or {}
    hp_table = "\n".join(
        ["| hyperparameter | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in hp.items()]
    )
    sections = [
        f"# {model_name}",
        "A Vision Transformer (`ViTForImageClassification`, 16 x 16 patches on 224 x 224 images) "
        "that detects earthquake surface deformation in SAR interferograms, trained with "
        f"insar_hf on the dataset `{dataset_id}`"
        + (f", preset `{config['preset']}`" if config.get("preset") else "")
        + (f", initialised from `{init_from}`" if init_from else ", trained from scratch")
        + ".",
        "## Use\n\n```python\nfrom transformers import pipeline\n\n"
        'clf = pipeline("image-classification", model="PATH_OR_REPO_ID")\n'
        'clf("interferogram.png")  # rendered with insar_hf.render.render_interferogram\n\n'
        "from insar_hf import Detector  # calibrated verdicts, attention maps and boxes\n\n"
        'Detector.from_pretrained("PATH_OR_REPO_ID").predict("interferogram.png").label\n```',
        f"## Intended use\n\n{_INTENDED_USE}",
        f"## Limitations\n\n{_LIMITATIONS}",
        f"## Evaluation ({split} split)\n\n{_metrics_table(metrics)}",
    ]
    if metrics.get("by_kind"):
        sections.append("### By kind\n\n" + _group_table("kind", metrics["by_kind"]))
    if metrics.get("by_sensor"):
        sections.append("### By sensor\n\n" + _group_table("sensor", metrics["by_sensor"]))
    if metrics.get("detection_vs_magnitude"):
        sections.append(
            "### Detection against magnitude\n\n"
            + _magnitude_table(metrics["detection_vs_magnitude"])
        )
    if metrics.get("attention"):
        table = markdown_table(metrics["attention"])
        if table:
            sections.append("### Localisation: where the maps point\n\n" + table)
    shown = [f for f in figures if f != RELIABILITY_FIGURE]
    if shown:
        sections.append("### Figures\n\n" + "\n".join(f"![{f}]({f})" for f in shown))
    if calibration is not None:
        figure = RELIABILITY_FIGURE in figures
        sections.append(calibration_card_section(calibration, metrics, figure=figure))
    if hp:
        sections.append(f"## Training hyperparameters\n\n{hp_table}")
    sections.append(
        "## Training procedure\n\nCross-entropy with the optimiser, learning rate, schedule and "
        "epochs of the hyperparameter table above (the paper's GPU recipe is Adam at 1e-5 for 20 "
        "epochs; docs/training.md gives the CPU recipes and why), evaluation each epoch, best "
        f"checkpoint by validation {config.get('best_metric') or 'ROC-AUC'}. Physics-respecting "
        "augmentations "
        "for training only: flips, a constant phase offset on wrapped images (applied to the "
        "phase, not the colours), random crops resampled like the renderer. `metrics.json` "
        "holds every number above."
    )
    if real is not None:
        sections.append(real_events_section(real_events, *real))
    if real_nuisance:
        sections.append(real_nuisance_section(real_nuisance, BACKGROUND_CREDIT))
    if dev_windows:
        sections.append(dev_windows_section(dev_windows))
    content = f"---\n{data.to_yaml()}\n---\n\n" + "\n\n".join(sections) + "\n"
    return ModelCard(content)


def write_model_card(
    folder: str | Path, *, model_name: str | None = None, dataset_id: str | None = None
) -> Path:
    """Render ``folder``'s card from its ``metrics.json`` and write it as ``README.md``.

    ``training_config.json``, ``calibration.json``, ``real_events.json`` and ``dev_windows.json``
    are used where present, and only figures present in ``folder`` are referenced. An older card is replaced, never read. ``dataset_id``
    (e.g. the Hub id the dataset was pushed to) names the dataset from now on: it is recorded in
    ``training_config.json``. Returns the card's path.
    """
    folder = Path(folder)
    metrics_path = folder / METRICS_FILE
    if not metrics_path.is_file():
        raise FileNotFoundError(
            f"{metrics_path} is missing; run `insar-hf evaluate --model {folder} ...` first"
        )
    metrics = json.loads(metrics_path.read_text())
    config_path = folder / TRAINING_CONFIG_FILE
    config = json.loads(config_path.read_text()) if config_path.is_file() else {}
    if dataset_id:
        config["dataset_id"] = dataset_id
        config_path.write_text(json.dumps(config, indent=2, default=str) + "\n")
    figures = tuple(f for f in CARD_FIGURES if (folder / f).is_file())
    card = build_model_card(
        metrics,
        config=config,
        model_name=model_name or config.get("model_name") or folder.resolve().name,
        figures=figures,
        real_events=read_real_events(folder),
        calibration=load_calibration(folder),
        dev_windows=read_dev_windows(folder),
        real_nuisance=read_real_nuisance(folder),
    )
    path = folder / "README.md"
    card.save(path)
    return path


REQUIRED_FILES = ("config.json", "model.safetensors", "preprocessor_config.json", "README.md")
"""What a pushed model folder must hold."""
RESULT_FILES = (
    METRICS_FILE,
    TRAINING_CONFIG_FILE,
    REAL_EVENTS_FILE,
    CALIBRATION_FILE,
    DEV_WINDOWS_FILE,
    LOCALISATION_FILE,
    REAL_NUISANCE_FILE,
)
PUSHED_FILES = REQUIRED_FILES + RESULT_FILES + CARD_FIGURES
"""What a model repository gets: weights, configs, processor, card, metrics and figures.

``real_events.json``, ``calibration.json``, ``dev_windows.json`` and ``localisation.json`` go
too where present: the card is rendered from them, and ``Detector`` reads the temperature and
threshold from ``calibration.json`` and its default map and box levels from
``localisation.json``.
"""


def push_model(
    folder: str | Path,
    repo_id: str,
    *,
    token: str | None = None,
    private: bool = False,
) -> str:
    """Upload a trained model folder to the Hub with :func:`insar_hf.hub.push_folder`.

    Only :data:`PUSHED_FILES` present in ``folder`` are uploaded (intermediate checkpoints,
    optimizer states and TensorBoard runs stay local). ``config.json``, ``model.safetensors``,
    ``preprocessor_config.json`` and ``README.md`` must exist. Returns the repository URL.
    """
    folder = Path(folder)
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{folder} lacks {missing}: train a model there (training/train.py) or run "
            "`insar-hf evaluate` to write the card first"
        )
    with tempfile.TemporaryDirectory(prefix="insar_hf_push_") as staging:
        for name in PUSHED_FILES:
            if (folder / name).is_file():
                shutil.copy2(folder / name, Path(staging) / name)
        return push_folder(staging, repo_id, repo_type="model", token=token, private=private)
