"""The source model's card and its export into the package."""

import json

import pytest
import yaml

from insar_hf.model.checkpoint import ModelSourceError
from insar_hf.source.card import source_card_text
from insar_hf.training.export import export_source_model

SCORES = {
    "n": 10,
    "mw_mae": 0.21,
    "mw_bias": -0.01,
    "depth_mae_km": 3.0,
    "epicentre_km_median": 9.6,
    "epicentre_km_p90": 55.0,
    "mechanism_accuracy": 0.4,
    "mw_ge_6": {"mw_mae": 0.187, "epicentre_km_median": 24.7},
}


def _folder(tmp_path, *, comparison=True):
    folder = tmp_path / "trained"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "model.safetensors").write_bytes(b"weights")
    (folder / "optimizer.pt").write_bytes(b"state")  # not part of a packaged model
    metrics = {"with_pixel_m": SCORES, "without_pixel_m": SCORES | {"mw_mae": 0.41}}
    (folder / "source_metrics.json").write_text(json.dumps(metrics))
    (folder / "training_config.json").write_text(json.dumps({"model_name": "src-test"}))
    if comparison:
        table = "| | network | inversion |\n|---|---|---|\n| Mw MAE | 0.2 | 0.3 |\n"
        (folder / "source_comparison.json").write_text(json.dumps({"table": table}))
    return folder


def test_card_model_index_holds_the_test_figures_with_the_pixel_spacing(tmp_path):
    text = source_card_text(_folder(tmp_path))
    header = yaml.safe_load(text.split("---\n")[1])
    (entry,) = header["model-index"]
    metrics = {m["name"]: m["value"] for m in entry["results"][0]["metrics"]}
    assert entry["name"] == "src-test" and metrics["Mw MAE, Mw >= 6"] == 0.187
    assert metrics["Epicentre error median, Mw >= 6 (km)"] == 24.7
    assert "| given | 10 | 0.210 / -0.010 | 0.187 |" in text
    assert "| unknown | 10 | 0.410 / -0.010 |" in text
    assert "| Mw MAE | 0.2 | 0.3 |" in text  # the comparison with the inversion


def test_export_copies_the_model_files_renders_the_card_and_swaps_in(tmp_path):
    dest = tmp_path / "default_source"
    dest.mkdir()
    (dest / "stale.json").write_text("{}")
    copied = export_source_model(_folder(tmp_path, comparison=False), dest)
    assert sorted(copied) == [
        "config.json",
        "model.safetensors",
        "source_metrics.json",
        "training_config.json",
    ]
    assert sorted(p.name for p in dest.iterdir()) == sorted([*copied, "README.md"])
    assert "# src-test" in (dest / "README.md").read_text()


def test_export_refuses_a_folder_without_test_figures(tmp_path):
    folder = _folder(tmp_path)
    (folder / "source_metrics.json").unlink()
    with pytest.raises(ModelSourceError, match="lacks source_metrics.json"):
        export_source_model(folder, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()
