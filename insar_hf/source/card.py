"""The model card of a source-estimation model, rendered from its measured figures.

``training/train_source.py`` writes ``source_metrics.json`` (the network's test figures, with and
without the pixel spacing) and ``training_config.json``; ``insar-hf evaluate-source --output``
(or ``benchmarks/bench_source.py``) writes the comparison of the network with the classical
inversion on the same scenes, saved beside the weights as :data:`COMPARISON_FILE`.
:func:`write_source_card` renders ``README.md`` from those files (never from an older card):
the ``model-index`` holds the test figures with the pixel spacing given, the text the table of
both methods with the goals of issue 15 marked reached or missed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from insar_hf.source.metrics import GOALS

SOURCE_METRICS_FILE = "source_metrics.json"
COMPARISON_FILE = "source_comparison.json"
TRAINING_CONFIG_FILE = "training_config.json"

__all__ = ["COMPARISON_FILE", "SOURCE_METRICS_FILE", "source_card_text", "write_source_card"]


def _read(folder: Path, name: str) -> dict[str, Any] | None:
    path = folder / name
    return json.loads(path.read_text()) if path.is_file() else None


def _model_index(name: str, dataset: str, scores: dict[str, Any]) -> list[dict[str, Any]]:
    """``model-index`` entries: the network's test figures with the pixel spacing given."""
    ge6 = scores.get("mw_ge_6", {})
    metrics = [
        ("mae", "Mw MAE", scores.get("mw_mae")),
        ("mae", "Mw MAE, Mw >= 6", ge6.get("mw_mae")),
        ("mae", "Centroid depth MAE (km)", scores.get("depth_mae_km")),
        ("median_error", "Epicentre error median (km)", scores.get("epicentre_km_median")),
        ("median_error", "Epicentre error median, Mw >= 6 (km)", ge6.get("epicentre_km_median")),
        ("accuracy", "Mechanism class accuracy", scores.get("mechanism_accuracy")),
    ]
    return [
        {
            "name": name,
            "results": [
                {
                    "task": {"type": "image-regression", "name": "Earthquake source estimation"},
                    "dataset": {"name": dataset, "type": dataset, "split": "test"},
                    "metrics": [
                        {"type": kind, "name": label, "value": round(float(value), 4)}
                        for kind, label, value in metrics
                        if value is not None
                    ],
                }
            ],
        }
    ]


def _network_table(metrics: dict[str, Any]) -> str:
    rows = [
        "| pixel spacing | n | Mw MAE / bias | Mw MAE, Mw >= 6 | depth MAE (km) | epicentre "
        "median / p90 (km) | epicentre median, Mw >= 6 (km) | mechanism accuracy |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key, label in (("with_pixel_m", "given"), ("without_pixel_m", "unknown")):
        s = metrics.get(key)
        if not s:
            continue
        ge6 = s.get("mw_ge_6", {})
        rows.append(
            f"| {label} | {s['n']} | {s['mw_mae']:.3f} / {s['mw_bias']:+.3f} | "
            f"{ge6.get('mw_mae', float('nan')):.3f} | {s['depth_mae_km']:.2f} | "
            f"{s['epicentre_km_median']:.1f} / {s['epicentre_km_p90']:.1f} | "
            f"{ge6.get('epicentre_km_median', float('nan')):.1f} | "
            f"{s['mechanism_accuracy']:.3f} |"
        )
    return "\n".join(rows) + "\n"


def source_card_text(folder: str | Path) -> str:
    """The card of the source model in ``folder`` (needs its ``source_metrics.json``)."""
    folder = Path(folder)
    metrics = _read(folder, SOURCE_METRICS_FILE)
    if metrics is None:
        raise FileNotFoundError(
            f"{folder} has no {SOURCE_METRICS_FILE}: train it with training/train_source.py"
        )
    config = _read(folder, TRAINING_CONFIG_FILE) or {}
    comparison = _read(folder, COMPARISON_FILE)
    name = config.get("model_name") or folder.name
    dataset = config.get("dataset_id") or config.get("dataset") or "insar_hf synthetic scenes"
    from huggingface_hub import ModelCardData

    data = ModelCardData(
        library_name="transformers",
        license="apache-2.0",
        pipeline_tag="image-classification",
        tags=["vision-transformer", "vit", "insar", "earthquake", "regression", "insar_hf"],
    ).to_dict()
    data["model-index"] = _model_index(name, dataset, metrics.get("with_pixel_m", {}))
    import yaml

    header = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    targets = ", ".join(f"`{t}`" for t in config.get("targets", []))
    sections = [
        f"# {name}",
        'A `ViTForImageClassification` with `problem_type="regression"` that estimates an '
        "earthquake's source from one interferogram: moment magnitude, centroid depth, "
        "strike, dip and rake (and from them the mechanism class) from its [CLS] token, and the "
        "epicentre (pixels of the 224 x 224 image) from its patch tokens: the same head "
        "applied to every last-layer patch token gives, in its `epicentre_heat` output, a heat "
        "map whose peak, refined in its 3 x 3 window, is the epicentre. It loads with the Auto "
        'classes and `pipeline("image-classification")` (raw [CLS] outputs); '
        "`insar_hf.source.estimator.SourceEstimator` decodes them to physical values with the "
        "target scaling kept in `config.json` (`source_targets`), and adds one-sigma "
        "uncertainties measured on the validation split.",
        f"Trained on the earthquake scenes ({config.get('train_earthquakes', '?')}) of "
        f"*{dataset}*, {config.get('num_train_epochs', '?')} epochs from "
        f"`{config.get('init_from') or config.get('preset')}`; targets {targets}. "
        "Give the image's pixel spacing (`pixel_m`): the generator draws the spacing with the "
        "magnitude, so the pattern's size in pixels alone says little about Mw.",
        "## Test figures of the network\n\n" + _network_table(metrics),
    ]
    if comparison:
        goals = ", ".join(f"{k} {v}" for k, v in GOALS.items())
        sections.append(
            "## Network against the classical inversion (same scenes)\n\n"
            f"{comparison.get('table', '')}\n\nGoals of issue 15: {goals}. The inversion fits a "
            "uniform-slip Okada rectangle to the scene's phase in radians with the acquisition "
            "geometry known (`insar_hf.source.inversion`); see docs/source.md in insar_hf."
        )
    sections.append(
        "## Limits\n\nTrained on synthetic scenes only; on real interferograms treat the "
        "estimate as a first guess to start an inversion from, not as a source model."
    )
    return f"---\n{header}---\n\n" + "\n\n".join(sections) + "\n"


def write_source_card(folder: str | Path) -> Path:
    """Render :func:`source_card_text` into ``folder/README.md``; returns its path."""
    path = Path(folder) / "README.md"
    path.write_text(source_card_text(folder))
    return path
