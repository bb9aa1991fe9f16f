"""The model card (``README.md``) of a trained detector, with huggingface_hub's card API.

:func:`build_model_card` turns ``metrics.json`` (see :mod:`insar_hf.training.evaluation`) and the training
configuration into a ``ModelCard`` whose ``model-index`` holds the test metrics as
``EvalResult`` entries, and whose text states the data, the hyperparameters, the intended use
and the limitations. :func:`write_model_card` writes it into a checkpoint folder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from insar_hf.training.evaluation import (
    CONFUSION_FIGURE,
    CURVES_FIGURE,
    MAGNITUDE_FIGURE,
    METRICS_FILE,
    SCALAR_KEYS,
)

TRAINING_CONFIG_FILE = "training_config.json"
"""Hyperparameters and data of a run, written by training and read back for the card."""

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
):
    """A ``huggingface_hub.ModelCard`` from ``metrics.json`` content and the run configuration.

    Parameters
    ----------
    metrics
        As written by :func:`insar_hf.training.evaluation.evaluate_model`.
    config
        ``training_config.json`` content: ``dataset``, ``preset``, ``init_from`` and
        ``hyperparameters`` (a flat dict); missing parts are left out of the card.
    model_name
        Name in the ``model-index``.
    figures
        File names of figures in the same folder to show in the card.
    """
    from huggingface_hub import ModelCard, ModelCardData

    config = dict(config or {})
    dataset = config.get("dataset") or metrics.get("dataset") or "synthetic-insar"
    local = Path(str(dataset)).exists()
    # A local folder is named by its last component (its path means nothing on the Hub).
    dataset_id = Path(str(dataset)).name if local else str(dataset)
    split = metrics.get("split") or "test"
    overall = metrics["overall"]
    eval_results = eval_results_for(
        overall, dataset_id=dataset_id, dataset_name=dataset_id, split=split
    )
    init_from = config.get("init_from")
    data = ModelCardData(
        model_name=model_name,
        eval_results=eval_results,
        datasets=None if local else [dataset_id],
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
        from insar_hf.inference.localisation import markdown_table

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
    content = f"---\n{data.to_yaml()}\n---\n\n" + "\n\n".join(sections) + "\n"
    return ModelCard(content)


def write_model_card(folder: str | Path, *, model_name: str | None = None) -> Path:
    """Build the card from ``folder``'s ``metrics.json`` (+ ``training_config.json``), write it.

    Only figures present in ``folder`` are referenced. Returns the card's path.
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
    figures = tuple(
        f for f in (CONFUSION_FIGURE, CURVES_FIGURE, MAGNITUDE_FIGURE) if (folder / f).is_file()
    )
    card = build_model_card(
        metrics,
        config=config,
        model_name=model_name or config.get("model_name") or folder.resolve().name,
        figures=figures,
    )
    path = folder / "README.md"
    card = _carry_real_events(path, card)
    card.save(path)
    return path


def _carry_real_events(old_path: Path, card):
    """Keep the "real events" results that ``insar-hf evaluate-real`` added to an older card.

    They come from another dataset than ``metrics.json`` (which holds the synthetic test), so a
    rebuilt card would otherwise lose them.
    """
    from huggingface_hub import ModelCard

    from insar_hf.real.evaluate import REAL_EVENTS_NAME

    if not old_path.is_file():
        return card
    old = ModelCard.load(old_path)
    results = [
        r for r in (old.data.eval_results or []) if r.dataset_name.startswith(REAL_EVENTS_NAME)
    ]
    if not results:
        return card
    marker = "\n## Real events ("
    sections = old.text[old.text.index(marker) :] if marker in old.text else ""
    card.data.eval_results = list(card.data.eval_results or []) + results
    return ModelCard(f"---\n{card.data.to_yaml()}\n---\n{card.text.rstrip()}\n{sections}")


PUSHED_FILES = (
    "config.json",
    "model.safetensors",
    "preprocessor_config.json",
    "README.md",
    METRICS_FILE,
    TRAINING_CONFIG_FILE,
    CONFUSION_FIGURE,
    CURVES_FIGURE,
    MAGNITUDE_FIGURE,
)
"""What a model repository gets: weights, configs, processor, card, metrics and figures."""


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
    import shutil
    import tempfile

    from insar_hf.hub import push_folder

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
