"""The packaged default model: used wherever no model is named (Detector, predict, the Space)."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import insar_hf.model.default as default_module
from insar_hf.cli import main
from insar_hf.inference.detector import Detector
from insar_hf.model.checkpoint import CONFIG_FILE, ModelSourceError
from insar_hf.model.default import DEFAULT_MODEL_DIR, DEFAULT_MODEL_NAME, default_model_path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = sorted((ROOT / "space" / "examples").glob("*.png"))[0]


def _load_app():
    spec = importlib.util.spec_from_file_location("space_app_default", ROOT / "space" / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def reference():
    """The default folder loaded by its path: what every no-argument path must give."""
    return Detector.from_pretrained(DEFAULT_MODEL_DIR, device="cpu").predict(str(EXAMPLE))


def test_package_data_ships_every_file_of_the_default_model_folder():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["insar_hf"]
    package = ROOT / "insar_hf"
    shipped = {p for pattern in patterns for p in package.glob(pattern)}
    files = {p for p in DEFAULT_MODEL_DIR.iterdir() if p.is_file()}
    assert {CONFIG_FILE, "model.safetensors", "preprocessor_config.json"} <= {p.name for p in files}
    assert files <= shipped


def test_detector_without_a_model_loads_the_default_model(reference):
    result = Detector.from_pretrained(device="cpu").predict(str(EXAMPLE))
    assert result.probability == reference.probability
    np.testing.assert_array_equal(result.combined_map, reference.combined_map)


def test_a_default_folder_without_weights_says_to_reinstall(tmp_path, monkeypatch):
    (tmp_path / CONFIG_FILE).write_text("{}")
    monkeypatch.setattr(default_module, "DEFAULT_MODEL_DIR", tmp_path)
    with pytest.raises(ModelSourceError, match="lacks model.safetensors .*reinstall insar-hf"):
        default_model_path()


def test_predict_without_model_uses_the_default_and_names_it(reference, capsys, monkeypatch):
    monkeypatch.delenv("INSAR_HF_MODEL", raising=False)
    assert main(["predict", str(EXAMPLE)]) == 0
    header, line = capsys.readouterr().out.splitlines()
    assert header.startswith(f"model: {DEFAULT_MODEL_NAME}; verdict: ")
    assert header.endswith(  # the shipped threshold was set on real nuisance (issue 21)
        "real earthquake-free interferograms of the validation volcanoes)"
    )
    assert f"p_earthquake={reference.probability:.3f}" in line


def test_predict_json_without_model_gives_model_threshold_and_probability(
    reference, capsys, monkeypatch
):
    monkeypatch.delenv("INSAR_HF_MODEL", raising=False)
    assert main(["predict", str(EXAMPLE), "--json"]) == 0
    (record,) = json.loads(capsys.readouterr().out)
    assert record["model"] == DEFAULT_MODEL_NAME
    assert record["probability"] == pytest.approx(reference.probability, abs=1e-6)
    assert record["decision_threshold"] == reference.decision_threshold
    assert "validation volcanoes" in record["threshold_basis"]


def test_space_without_any_configured_model_serves_the_default(monkeypatch, tmp_path):
    monkeypatch.delenv("INSAR_HF_MODEL", raising=False)
    app = _load_app()
    monkeypatch.setattr(app, "HERE", tmp_path)  # no model_id.txt, no model/ beside app.py
    assert app.resolve_model() == str(DEFAULT_MODEL_DIR)
    assert app.model_label(app.resolve_model()) == f"{DEFAULT_MODEL_NAME} (packaged default)"


def test_space_without_even_the_default_has_no_model(monkeypatch, tmp_path):
    monkeypatch.delenv("INSAR_HF_MODEL", raising=False)
    app = _load_app()
    monkeypatch.setattr(app, "HERE", tmp_path)
    monkeypatch.setattr(default_module, "DEFAULT_MODEL_DIR", tmp_path / "absent")
    assert app.resolve_model() is None


def test_export_replaces_the_default_with_the_final_files_only(tmp_path):
    from insar_hf.training.card import PUSHED_FILES
    from insar_hf.training.export import export_default_model

    trained = tmp_path / "run"
    trained.mkdir()
    for name in (CONFIG_FILE, "model.safetensors", "calibration.json", "README.md", "metrics.json"):
        (trained / name).write_text(name)
    (trained / "checkpoint-10").mkdir()  # never exported
    (trained / "trainer_state.json").write_text("{}")
    dest = tmp_path / "default"
    dest.mkdir()
    (dest / "stale.json").write_text("old")
    copied = export_default_model(trained, dest)
    assert copied == [n for n in PUSHED_FILES if (trained / n).is_file()]
    assert sorted(p.name for p in dest.iterdir()) == sorted(copied)
    assert (dest / "calibration.json").read_text() == "calibration.json"
    assert not list(tmp_path.glob("default.*"))  # no staging or old folder left behind


def test_exported_weights_are_readable_by_others_even_when_trained_private(tmp_path):
    import os
    import stat

    from insar_hf.training.export import export_default_model

    trained = tmp_path / "run"
    trained.mkdir()
    for name in (CONFIG_FILE, "model.safetensors", "calibration.json"):
        (trained / name).write_text(name)
    os.chmod(trained / "model.safetensors", 0o600)  # as safetensors >= 0.8 writes it
    old = os.umask(0o022)
    try:
        export_default_model(trained, tmp_path / "default")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "default" / "model.safetensors").stat().st_mode) == 0o644


def test_export_refuses_an_uncalibrated_model_and_keeps_the_old_default(tmp_path):
    from insar_hf.training.export import export_default_model

    trained = tmp_path / "run"
    trained.mkdir()
    for name in (CONFIG_FILE, "model.safetensors"):
        (trained / name).write_text(name)
    dest = tmp_path / "default"
    dest.mkdir()
    (dest / "model.safetensors").write_text("old weights")
    with pytest.raises(ModelSourceError, match=r"lacks calibration\.json: train it with"):
        export_default_model(trained, dest)
    assert (dest / "model.safetensors").read_text() == "old weights"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["default", "run"]
