"""The model card (``README.md``) of a trained detector, with huggingface_hub's card API.

:func:`build_model_card` turns ``metrics.json`` (see :mod:`insar_hf.training.evaluation`), the
training configuration and, where present, ``real_events.json`` (:data:`REAL_EVENTS_FILE`, the
scores on real events written by ``insar-hf evaluate-real``) into a ``ModelCard`` whose
``model-index`` holds the test metrics as ``EvalResult`` entries, and whose text states the data,
the hyperparameters, the intended use and the limitations. :func:`write_model_card` writes it
into a checkpoint folder from the files in that folder: the card is always rendered from them,
never read back. :func:`push_model` uploads a model folder to the Hub.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from insar_hf.hub import push_folder
from insar_hf.inference.localisation import markdown_table
from insar_hf.training.evaluation import (
    CONFUSION_FIGURE,
    CURVES_FIGURE,
    MAGNITUDE_FIGURE,
    METRICS_FILE,
    SCALAR_KEYS,
)

TRAINING_CONFIG_FILE = "training_config.json"
"""Hyperparameters and data of a run, written by training and read back for the card."""

REAL_EVENTS_FILE = "real_events.json"
"""Scores on real events beside a model, written by :mod:`insar_hf.real.evaluate`.

Layout (the same in every folder)::

    {"dataset": DS, "dataset_id": ID, "split": SPLIT,
     "zero_shot": {"model": DIR, <metrics.json of the synthetic checkpoint on SPLIT>},
     "fine_tuned": {"model": DIR, <metrics.json of the fine-tuned checkpoint on SPLIT>}}

The synthetic checkpoint's folder holds ``zero_shot`` only; the fine-tuned one's holds both (the
comparison). A card shows the score of its own model: ``fine_tuned`` where present (the
``zero_shot`` beside it belongs to the synthetic checkpoint), else ``zero_shot``.
``dataset_id`` names the dataset in the ``model-index``.
"""

REAL_EVENTS_NAME = "real events"
"""Prefix of the ``model-index`` dataset name of real-event scores: ``real events (zero-shot)``."""

REAL_EVENTS_SETTINGS = {"zero_shot": "zero-shot", "fine_tuned": "fine-tuned"}
"""Keys of :data:`REAL_EVENTS_FILE` -> the setting's name in the card."""

CARD_METRIC_NAMES = {
    "accuracy": "Accuracy",
    "precision": "Precision (earthquake)",
    "recall": "Recall (earthquake)",
    "f1": "F1 (earthquake)",
    "roc_auc": "ROC-AUC",
}

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


def dataset_id_of(dataset: str | Path, given: str | None = None) -> str:
    """The name of a dataset in the card: ``given``, a Hub id as it is, or a folder's card name.

    A local path means nothing on the Hub, so a folder is named by the ``pretty_name`` of its
    dataset card (``README.md``, written by ``insar-hf generate`` and ``build-real``), and only
    without one by its last part.
    """
    if given:
        return given
    path = Path(str(dataset))
    if not path.exists():
        return str(dataset)
    from huggingface_hub import DatasetCard

    card = path / "README.md"
    name = DatasetCard.load(card).data.to_dict().get("pretty_name") if card.is_file() else None
    return str(name) if name else path.resolve().name


def is_hub_id(name: str) -> bool:
    """True for a name that can be a Hub repository id (``name`` or ``owner/name``)."""
    return re.fullmatch(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?", name) is not None


def eval_results_for(
    overall: Mapping[str, Any], *, dataset_id: str, dataset_name: str, split: str
) -> list:
    """``model-index`` entries (one ``EvalResult`` per scalar metric) for one dataset split."""
    from huggingface_hub import EvalResult

    return [
        EvalResult(
            task_type="image-classification",
            task_name="Earthquake deformation detection",
            dataset_type=dataset_id,
            dataset_name=dataset_name,
            dataset_split=split,
            metric_type=key,
            metric_name=CARD_METRIC_NAMES[key],
            metric_value=overall[key],
        )
        for key in SCALAR_KEYS
        if overall.get(key) is not None
    ]


def build_model_card(
    metrics: Mapping[str, Any],
    *,
    config: Mapping[str, Any] | None = None,
    model_name: str = "insar-hf-vit",
    figures: tuple[str, ...] = (CONFUSION_FIGURE, CURVES_FIGURE, MAGNITUDE_FIGURE),
    real_events: Mapping[str, Any] | None = None,
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
        eval_results = _with_real_events(eval_results, real_events, *real)
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
        'clf("interferogram.png")  # rendered with insar_hf.render.render_interferogram\n```',
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
            sections.append("### Attention localisation\n\n" + table)
    if figures:
        sections.append("### Figures\n\n" + "\n".join(f"![{f}]({f})" for f in figures))
    if hp:
        sections.append(f"## Training hyperparameters\n\n{hp_table}")
    sections.append(
        "## Training procedure\n\nCross-entropy, Adam (the paper's recipe: learning rate 1e-5, "
        "20 epochs, batch of 224 x 224 images), evaluation each epoch, best checkpoint by "
        "validation F1. Physics-respecting augmentations for training only: flips, a constant "
        "phase offset on wrapped images (applied to the phase, not the colours), random crops "
        "resampled like the renderer. `metrics.json` holds every number above."
    )
    if real is not None:
        sections.append(_real_events_section(real_events, *real))
    content = f"---\n{data.to_yaml()}\n---\n\n" + "\n\n".join(sections) + "\n"
    return ModelCard(content)


def write_model_card(
    folder: str | Path, *, model_name: str | None = None, dataset_id: str | None = None
) -> Path:
    """Render ``folder``'s card from its ``metrics.json`` and write it as ``README.md``.

    ``training_config.json`` and ``real_events.json`` are used where present, and only figures
    present in ``folder`` are referenced. An older card is replaced, never read. ``dataset_id``
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
    figures = tuple(
        f for f in (CONFUSION_FIGURE, CURVES_FIGURE, MAGNITUDE_FIGURE) if (folder / f).is_file()
    )
    card = build_model_card(
        metrics,
        config=config,
        model_name=model_name or config.get("model_name") or folder.resolve().name,
        figures=figures,
        real_events=read_real_events(folder),
    )
    path = folder / "README.md"
    card.save(path)
    return path


# --- real events (insar-hf evaluate-real) -----------------------------------------------------


def read_real_events(folder: str | Path) -> dict[str, Any] | None:
    """``folder``'s :data:`REAL_EVENTS_FILE` content, or ``None`` where there is none."""
    path = Path(folder) / REAL_EVENTS_FILE
    return json.loads(path.read_text()) if path.is_file() else None


def write_real_events(folder: str | Path, real_events: Mapping[str, Any]) -> Path:
    """Write ``real_events`` as ``folder``'s :data:`REAL_EVENTS_FILE`; returns its path."""
    path = Path(folder) / REAL_EVENTS_FILE
    path.write_text(json.dumps(real_events, indent=2) + "\n")
    return path


def own_real_events(real_events: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """``(setting, metrics)`` of the model whose folder holds ``real_events``, or ``None``.

    ``fine_tuned`` where present, else ``zero_shot`` (see :data:`REAL_EVENTS_FILE`); the setting
    is named as in the card (``"fine-tuned"``, ``"zero-shot"``).
    """
    for key in ("fine_tuned", "zero_shot"):
        if real_events.get(key):
            return REAL_EVENTS_SETTINGS[key], real_events[key]
    return None


def _with_real_events(
    eval_results: list, real_events: Mapping[str, Any], setting: str, metrics: Mapping[str, Any]
) -> list:
    """``eval_results`` plus the ``real events (<setting>)`` entries of ``metrics``."""
    name = f"{REAL_EVENTS_NAME} ({setting})"
    dataset_id = _real_dataset_id(real_events)
    split = metrics.get("split") or "test"
    # The Hub groups model-index results by dataset type and split, not by name: an entry of the
    # same dataset and split (training's own test score of a fine-tuned model) is replaced.
    kept = [
        r
        for r in eval_results
        if r.dataset_name != name and (r.dataset_type, r.dataset_split) != (dataset_id, split)
    ]
    added = eval_results_for(
        metrics["overall"], dataset_id=dataset_id, dataset_name=name, split=split
    )
    return kept + added


def _real_dataset_id(real_events: Mapping[str, Any]) -> str:
    return real_events.get("dataset_id") or dataset_id_of(real_events["dataset"])


def _real_events_section(
    real_events: Mapping[str, Any], setting: str, metrics: Mapping[str, Any]
) -> str:
    overall = metrics["overall"]
    rows = "\n".join(
        f"| {CARD_METRIC_NAMES[k]} | {overall[k]:.4f} |"
        for k in SCALAR_KEYS
        if overall.get(k) is not None
    )
    return (
        f"## Real events ({setting})\n\nScored {setting} on the "
        f"`{metrics.get('split') or 'test'}` split of the real-event dataset "
        f"`{_real_dataset_id(real_events)}` (built with `insar-hf build-real`, splits grouped by "
        f"event; {overall.get('n', '?')} tiles).\n\n| metric | value |\n|---|---|\n{rows}"
    )


PUSHED_FILES = (
    "config.json",
    "model.safetensors",
    "preprocessor_config.json",
    "README.md",
    METRICS_FILE,
    TRAINING_CONFIG_FILE,
    REAL_EVENTS_FILE,
    CONFUSION_FIGURE,
    CURVES_FIGURE,
    MAGNITUDE_FIGURE,
)
"""What a model repository gets: weights, configs, processor, card, metrics and figures.

``real_events.json`` goes too where there is one: the card is rendered from it.
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
    required = ("config.json", "model.safetensors", "preprocessor_config.json", "README.md")
    missing = [name for name in required if not (folder / name).is_file()]
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
