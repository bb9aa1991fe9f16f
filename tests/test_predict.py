"""insar-hf predict on several files: every good file gets its verdict, bad files are found
before the model loads, and messages speak the command line's language."""

import json

import numpy as np
import pytest
from PIL import Image
from test_detector import _save_tiny_vit

from insar_hf.cli import main
from insar_hf.render import render_interferogram


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return _save_tiny_vit(tmp_path_factory.mktemp("tiny-vit"))


@pytest.fixture
def three_files(tmp_path):
    """GOOD.png, one_by_one.png (a 1 x 1 image: refused) and other.png."""
    rows, cols = np.mgrid[0:224, 0:224]
    phase = 0.002 * ((rows - 80.0) ** 2 + (cols - 150.0) ** 2)
    render_interferogram(phase, "wrapped").save(tmp_path / "GOOD.png")
    render_interferogram(-phase, "unwrapped").save(tmp_path / "other.png")
    Image.new("RGB", (1, 1), (200, 10, 10)).save(tmp_path / "one_by_one.png")
    return [str(tmp_path / n) for n in ("GOOD.png", "one_by_one.png", "other.png")]


@pytest.fixture
def no_model_load(monkeypatch):
    from insar_hf.inference.detector import Detector

    def refuse(*args, **kwargs):
        raise AssertionError("the model was loaded before the inputs were checked")

    monkeypatch.setattr(Detector, "from_pretrained", refuse)


def test_one_bad_file_leaves_the_verdicts_of_the_others(model_dir, three_files, capsys):
    assert main(["predict", *three_files, "--model", str(model_dir)]) == 2
    out, err = capsys.readouterr()
    verdicts = out.splitlines()[1:]  # after the line naming the model
    assert [line.split(":")[0] for line in verdicts] == [three_files[0], three_files[2]]
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "one_by_one.png (1 x 1 image): 1 x 1 pixels is too small" in err


def test_one_bad_file_gets_an_error_object_in_the_json_list(model_dir, three_files, capsys):
    assert main(["predict", *three_files, "--model", str(model_dir), "--json"]) == 2
    objects = json.loads(capsys.readouterr().out)
    assert [o["source"] for o in objects] == three_files
    assert "label" in objects[0] and "label" in objects[2] and "label" not in objects[1]
    assert "1 x 1 pixels is too small" in objects[1]["error"]


def test_bad_files_are_refused_before_the_model_loads(three_files, capsys, no_model_load):
    assert main(["predict", three_files[1], three_files[1] + ".missing"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "too small" in err[0] and "no such file" in err[1]


def test_a_plain_geotiff_without_kind_is_told_to_pass_the_kind_option(tmp_path, capsys):
    from affine import Affine
    from real_fixtures import _write

    phase = np.random.default_rng(0).uniform(-3, 3, (64, 64)).astype(np.float32)
    path = _write(tmp_path / "my_frame.tif", phase, Affine(100, 0, 0, 0, -100, 0), "EPSG:32636")
    assert main(["predict", str(path)]) == 2
    err = capsys.readouterr().err
    assert "pass --kind wrapped or --kind unwrapped" in err and "kind=" not in err
