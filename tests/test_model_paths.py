"""--model: a missing path, a folder without weights and a Hub id are told apart at once;
predict's --overlay is checked before the work and never costs the verdict."""

# ruff: noqa: F811  (pytest fixtures imported from hub_standin are redefined as arguments)
from __future__ import annotations

import json
import shutil
import time

import numpy as np
import pytest
from hub_standin import hub_standin  # noqa: F401
from PIL import Image

from insar_hf.cli import main
from insar_hf.model.checkpoint import (
    ModelSourceError,
    check_model_folder,
    looks_like_local_path,
    resolve_model_source,
)
from insar_hf.model.default import DEFAULT_MODEL_DIR
from insar_hf.render import render_interferogram

BUNDLED_MODEL = DEFAULT_MODEL_DIR  # the packaged default model


@pytest.fixture
def no_hub(monkeypatch):
    """Fail the test if the Hub is asked anything."""
    from huggingface_hub import HfApi

    def refuse(*args, **kwargs):
        raise AssertionError("the Hub was asked about a local path")

    monkeypatch.setattr(HfApi, "model_info", refuse)


@pytest.fixture
def scene_png(tmp_path):
    rows, cols = np.mgrid[0:224, 0:224]
    phase = 0.002 * ((rows - 80.0) ** 2 + (cols - 150.0) ** 2)
    path = tmp_path / "scene.png"
    render_interferogram(phase, "wrapped").save(path)
    return path


# ------------------------------------------------------------------ telling paths from ids


@pytest.mark.parametrize(
    "text", ["/abs/missing/model", "./model", "~/model", "a/b/c", "run\\model", "model/", "a/../b"]
)
def test_strings_that_cannot_be_hub_ids_are_local_paths(text):
    assert looks_like_local_path(text)


@pytest.mark.parametrize("text", ["gpt2", "owner/name", "me/insar-vit_micro.v2"])
def test_hub_shaped_strings_are_not_taken_for_local_paths(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert not looks_like_local_path(text)


def test_an_existing_first_part_makes_owner_name_a_local_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "quickstart_out").mkdir()
    assert looks_like_local_path("quickstart_out/model")


def test_missing_absolute_path_is_named_at_once_without_the_hub(tmp_path, no_hub):
    start = time.monotonic()
    with pytest.raises(ModelSourceError, match=r"missing: no such folder \(/") as info:
        resolve_model_source(str(tmp_path / "missing"))
    assert time.monotonic() - start < 1.0
    assert "Repo id must be in the form" not in str(info.value)


def test_missing_folder_under_an_existing_one_is_local(tmp_path, monkeypatch, no_hub):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "quickstart_out").mkdir()
    with pytest.raises(ModelSourceError, match="quickstart_out/model: no such folder"):
        resolve_model_source("quickstart_out/model")


def test_folder_without_anything_says_what_was_looked_for(tmp_path):
    with pytest.raises(
        ModelSourceError,
        match=r"looked for config.json and model.safetensors / pytorch_model.bin, missing "
        r"config.json and model.safetensors",
    ):
        check_model_folder(tmp_path)


def test_folder_with_config_but_no_weights_names_the_weights(tmp_path):
    shutil.copy(BUNDLED_MODEL / "config.json", tmp_path / "config.json")
    with pytest.raises(ModelSourceError, match=r"missing model.safetensors / pytorch_model.bin;"):
        check_model_folder(tmp_path)


def test_a_file_is_not_a_model_folder(tmp_path):
    (tmp_path / "model.safetensors").write_bytes(b"x")
    with pytest.raises(ModelSourceError, match="a file, not a folder"):
        check_model_folder(tmp_path / "model.safetensors")


def test_a_model_folder_resolves_to_itself(no_hub):
    assert resolve_model_source(BUNDLED_MODEL) == str(BUNDLED_MODEL)


def test_unreachable_hub_is_one_line_at_once(tmp_path, monkeypatch):
    from huggingface_hub import HfApi

    def unreachable(*args, **kwargs):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(HfApi, "model_info", unreachable)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        ModelSourceError, match="no local folder quickstart_out/model .*ConnectionErr"
    ):
        resolve_model_source("quickstart_out/model")


def test_offline_mode_with_an_uncached_id_says_so(tmp_path, monkeypatch, no_hub):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelSourceError, match="HF_HUB_OFFLINE is set"):
        resolve_model_source("owner/not-cached")


def test_an_id_the_hub_does_not_know_is_named(hub_standin, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelSourceError, match="no model 'standin-user/nothing' on the Hub"):
        resolve_model_source("standin-user/nothing")


def test_an_id_the_hub_knows_is_loaded_from_the_hub(hub_standin, tmp_path, monkeypatch):
    from insar_hf.hub import push_folder
    from insar_hf.inference.detector import Detector

    push_folder(BUNDLED_MODEL, "standin-user/vit", repo_type="model")
    monkeypatch.chdir(tmp_path)
    assert resolve_model_source("standin-user/vit") == "standin-user/vit"
    image = render_interferogram(np.outer(np.arange(64), np.ones(64)) * 0.3, "wrapped")
    from_hub = Detector.from_pretrained("standin-user/vit", device="cpu").predict(image)
    local = Detector.from_pretrained(BUNDLED_MODEL, device="cpu").predict(image)
    assert from_hub.probability == pytest.approx(local.probability, abs=1e-6)


# ------------------------------------------------------------------ the commands


def test_predict_with_a_missing_model_path_exits_2_in_one_line(scene_png, tmp_path, capsys):
    assert main(["predict", str(scene_png), "--model", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "no such folder" in err


def test_predict_with_a_folder_without_weights_exits_2(scene_png, tmp_path, capsys):
    assert main(["predict", str(scene_png), "--model", str(tmp_path)]) == 2
    assert "looked for config.json" in capsys.readouterr().err


def test_push_model_with_a_missing_folder_exits_2_in_one_line(tmp_path, capsys, no_hub):
    argv = ["push-model", "--model", str(tmp_path / "MISSING"), "--repo-id", "me/m"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "MISSING: no such folder" in err


def test_push_model_with_a_folder_without_weights_names_them(tmp_path, capsys, no_hub):
    assert main(["push-model", "--model", str(tmp_path), "--repo-id", "me/m"]) == 2
    assert "missing config.json and model.safetensors" in capsys.readouterr().err


# ------------------------------------------------------------------ --overlay


@pytest.fixture
def no_model_load(monkeypatch):
    from insar_hf.inference.detector import Detector

    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded before the output path was checked")

    monkeypatch.setattr(Detector, "from_pretrained", refuse)


def test_overlay_under_a_file_is_refused_before_the_prediction(
    scene_png, tmp_path, capsys, no_model_load
):
    (tmp_path / "afile").write_text("x")
    out = tmp_path / "afile" / "sub" / "x.png"
    argv = ["predict", str(scene_png), "--model", str(BUNDLED_MODEL), "--overlay", str(out)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{tmp_path / 'afile'} is a file" in err


def test_overlay_with_an_unknown_image_type_is_refused_before_the_prediction(
    scene_png, tmp_path, capsys, no_model_load
):
    argv = ["predict", str(scene_png), "--model", "m", "--overlay", str(tmp_path / "x.foo")]
    assert main(argv) == 2
    assert "unknown image type '.foo'" in capsys.readouterr().err


def test_overlay_that_is_a_folder_is_refused_before_the_prediction(
    scene_png, tmp_path, capsys, no_model_load
):
    (tmp_path / "out.png").mkdir()
    argv = ["predict", str(scene_png), "--model", "m", "--overlay", str(tmp_path / "out.png")]
    assert main(argv) == 2
    assert "is a folder" in capsys.readouterr().err


def test_overlay_in_new_folders_is_written(scene_png, tmp_path):
    out = tmp_path / "a" / "b" / "x.png"
    argv = ["predict", str(scene_png), "--model", str(BUNDLED_MODEL), "--overlay", str(out)]
    assert main(argv) == 0
    assert Image.open(out).size == (224, 224) and list(out.parent.iterdir()) == [out]


def test_an_overlay_is_readable_by_others_as_the_umask_says(scene_png, tmp_path):
    import os
    import stat

    out = tmp_path / "x.png"
    old = os.umask(0o022)
    try:
        assert main(["predict", str(scene_png), "--overlay", str(out)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644  # was 0600: a private temporary file


def test_a_failed_overlay_write_keeps_the_verdict_and_leaves_no_file(
    scene_png, tmp_path, capsys, monkeypatch
):
    from insar_hf.inference.detector import Prediction

    class HalfWritten:
        def save(self, handle, format=None):
            handle.write(b"\x89PNG half")
            raise OSError("No space left on device")

    monkeypatch.setattr(Prediction, "overlay", lambda self, **kw: HalfWritten())
    out = tmp_path / "out" / "x.png"
    argv = [
        "predict",
        str(scene_png),
        "--model",
        str(BUNDLED_MODEL),
        "--json",
        "--overlay",
        str(out),
    ]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)[0]["source"] == str(scene_png)
    assert "No space left on device" in captured.err and "verdicts above stand" in captured.err
    assert list(out.parent.iterdir()) == []
