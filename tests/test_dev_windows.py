"""The real development windows: reading them, the verdicts, dev_windows.json and the card section."""

# ruff: noqa: F811  (pytest fixtures imported from hub_standin are redefined as arguments)

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hub_standin import hub_standin  # noqa: F401
from test_detector import _save_tiny_vit

from insar_hf.inference.detector import Detector
from insar_hf.model.calibration import Calibration
from insar_hf.real.dev_windows import (
    DevWindowsError,
    evaluate_dev_windows,
    read_window_arrays,
    read_windows,
)
from insar_hf.training.card import push_model, write_model_card
from insar_hf.training.card_sections import DEV_WINDOWS_FILE, SANITY_CHECK, write_dev_windows

REPO = Path(__file__).resolve().parents[1]
REAL_DEV = REPO.parent / "shared" / "real-dev"
SIDE = 64
LOS_TO_PHASE = -4.0 * math.pi / 0.055465763  # the reader's Sentinel-1 wavelength
PAR = "ifg_length: 64\nifg_width: 64\ncorner_x: -3200\ncorner_y: -3200\nx_spacing: 100\n"
PAR += "y_spacing: 100\n"  # as greece.par: the file's row 0 is its south edge

WINDOWS = [
    {
        "file": "quake/f.diff",
        "kind": "wrapped",
        "row": 0,
        "col": 0,
        "size": 32,
        "label": 1,
        "note": "deformation",
    },  # fmt: skip
    {
        "file": "quake/f.unw",
        "kind": "unwrapped",
        "row": 8,
        "col": 16,
        "size": 40,
        "label": 1,
        "note": "deformation, unwrapped",
    },  # fmt: skip
    {
        "file": "quake/f.diff",
        "kind": "wrapped",
        "row": 32,
        "col": 32,
        "size": 32,
        "label": 0,
        "note": "far field",
    },  # fmt: skip
    {
        "file": "volcano/v.tif",
        "kind": "wrapped",
        "row": 4,
        "col": 20,
        "size": 36,
        "label": 0,
        "note": "rings",
    },  # fmt: skip
    {
        "file": "volcano/v.tif",
        "kind": "wrapped",
        "row": 28,
        "col": 0,
        "size": 36,
        "label": 0,
        "note": "atmosphere",
    },  # fmt: skip
]


def _frames(seed: int = 0) -> dict[str, np.ndarray]:
    """Wrapped phase (rad), LOS (m) and a GeoTIFF's phase with a block of exact zeros."""
    rng = np.random.default_rng(seed)
    rows, cols = np.mgrid[0:SIDE, 0:SIDE]
    wrapped = np.angle(np.exp(0.01j * ((rows - 20.0) ** 2 + (cols - 30.0) ** 2)))
    los = 0.002 * np.hypot(rows - 30.0, cols - 25.0) + 0.001 * rng.standard_normal((SIDE, SIDE))
    tif = rng.uniform(-3.0, 3.0, (SIDE, SIDE))
    tif[30:36, 2:9] = 0.0
    return {"diff": wrapped, "unw": los, "tif": tif}


def _write_dev_folder(root: Path, windows=WINDOWS) -> dict[str, np.ndarray]:
    import rasterio
    from affine import Affine

    frames = {k: v.astype(np.float32) for k, v in _frames().items()}
    (root / "quake").mkdir(parents=True)
    (root / "volcano").mkdir()
    frames["diff"].astype("<f4").tofile(root / "quake" / "f.diff")
    frames["unw"].astype("<f4").tofile(root / "quake" / "f.unw")
    (root / "quake" / "f.par").write_text(PAR)
    profile = dict(driver="GTiff", height=SIDE, width=SIDE, count=1, dtype="float32")
    transform = Affine(0.001, 0.0, -91.0, 0.0, -0.001, -0.5)  # north-up, 0.001 deg
    with rasterio.open(root / "volcano" / "v.tif", "w", **profile, transform=transform) as dst:
        dst.write(frames["tif"], 1)
    (root / "windows.json").write_text(json.dumps({"about": "test", "windows": windows}))
    return frames


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    root = tmp_path_factory.mktemp("real-dev")
    return root, _write_dev_folder(root)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return _save_tiny_vit(tmp_path_factory.mktemp("tiny-vit"))


def _calibrated(model_dir, threshold: float) -> Detector:
    calibration = Calibration(
        temperature=1.5,
        threshold=threshold,
        target_false_positive_rate=0.05,
        n_validation=10,
        ece_before=0.1,
        ece_after=0.05,
    )
    plain = Detector.from_pretrained(model_dir, device="cpu")
    return Detector(plain.model, plain.image_processor, device="cpu", calibration=calibration)


# ------------------------------------------------------------------ reading


def _no_zeros(values: np.ndarray) -> np.ndarray:
    return np.where(values == 0, np.float32(np.nan), values)


def test_a_binary_window_is_the_files_slice_turned_north_up(dev):
    root, frames = dev
    arrays = read_window_arrays(root, read_windows(root))
    # greece.par's convention: the file's row 0 is south; exact zeros of a .diff are no data
    np.testing.assert_array_equal(arrays[0], _no_zeros(frames["diff"][0:32, 0:32][::-1]))
    np.testing.assert_array_equal(arrays[2], _no_zeros(frames["diff"][32:64, 32:64][::-1]))


def test_unwrapped_los_metres_become_phase_with_sentinel1_wavelength(dev):
    root, frames = dev
    window = read_window_arrays(root, read_windows(root))[1]
    expected = frames["unw"][8:48, 16:56][::-1].astype(np.float64) * LOS_TO_PHASE
    assert window.dtype == np.float32 and window.shape == (40, 40)
    np.testing.assert_allclose(window, expected, rtol=1e-6)


def test_geotiff_exact_zeros_are_no_data_and_its_phase_has_the_processors_sign(dev):
    root, frames = dev
    window = read_window_arrays(root, read_windows(root))[4]  # rows 28:64, cols 0:36
    zeros = frames["tif"][28:64, 0:36] == 0
    assert zeros.sum() == 42 and np.array_equal(np.isnan(window), zeros)
    np.testing.assert_allclose(window[~zeros], -frames["tif"][28:64, 0:36][~zeros], atol=1e-6)


def test_missing_windows_json_is_one_line_that_names_the_folder(tmp_path):
    with pytest.raises(DevWindowsError, match="windows.json not found; pass the real-dev") as err:
        read_windows(tmp_path)
    assert "\n" not in str(err.value)


def test_missing_frame_is_one_line_that_names_the_file(tmp_path):
    _write_dev_folder(tmp_path)
    (tmp_path / "volcano" / "v.tif").unlink()
    with pytest.raises(DevWindowsError, match=r"v\.tif not found; windows.json names it") as err:
        read_window_arrays(tmp_path, read_windows(tmp_path))
    assert "\n" not in str(err.value)


def test_a_binary_file_of_another_size_than_its_header_is_refused(tmp_path):
    _write_dev_folder(tmp_path)
    np.zeros(10, dtype="<f4").tofile(tmp_path / "quake" / "f.diff")
    with pytest.raises(DevWindowsError, match=r"40 bytes, but the \.par says 64 x 64 float32"):
        read_window_arrays(tmp_path, read_windows(tmp_path))


def test_a_window_past_the_frame_edge_is_refused(tmp_path):
    _write_dev_folder(tmp_path, [{**WINDOWS[0], "row": 40}])
    with pytest.raises(DevWindowsError, match=r"\[40:72, 0:32\] lies outside the frame"):
        read_window_arrays(tmp_path, read_windows(tmp_path))


def test_a_window_without_a_label_is_refused(tmp_path):
    _write_dev_folder(tmp_path, [{k: v for k, v in WINDOWS[0].items() if k != "label"}])
    with pytest.raises(DevWindowsError, match="window 0 lacks label"):
        read_windows(tmp_path)


# ------------------------------------------------------------------ verdicts


@pytest.fixture(scope="module")
def plain_result(dev, model_dir):
    return evaluate_dev_windows(Detector.from_pretrained(model_dir, device="cpu"), dev[0])


def test_probabilities_are_the_detectors_on_each_window(dev, model_dir, plain_result):
    root, _ = dev
    detector = Detector.from_pretrained(model_dir, device="cpu")
    windows = read_windows(root)
    arrays = read_window_arrays(root, windows)
    expected = [detector.predict(a, kind=w.kind).probability for a, w in zip(arrays, windows)]
    got = [w["probability"] for w in plain_result["windows"]]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_verdicts_follow_the_calibrated_threshold(dev, model_dir, plain_result):
    plain = [w["probability"] for w in plain_result["windows"]]
    threshold = float(np.median(_tempered(plain, 1.5)))
    result = evaluate_dev_windows(_calibrated(model_dir, threshold), dev[0])
    assert result["calibrated"] and result["threshold"] == threshold
    for w in result["windows"]:
        expected = "earthquake" if w["probability"] >= threshold else "no_earthquake"
        assert w["verdict"] == expected
    flagged = [w["verdict"] == "earthquake" for w in result["windows"]]
    assert 0 < sum(flagged) < len(flagged)  # the median threshold splits the windows
    assert result["summary"] == {
        "earthquake": {"flagged": sum(flagged[:2]), "windows": 2},
        "earthquake_free": {"flagged": sum(flagged[2:]), "windows": 3},
    }


def _tempered(p_earthquake, temperature: float) -> np.ndarray:
    """P(earthquake) at temperature T from P at T = 1 (two classes: logit difference / T)."""
    p = np.asarray(p_earthquake, dtype=np.float64)
    return 1.0 / (1.0 + np.exp(-np.log(p / (1.0 - p)) / temperature))


def test_uncalibrated_model_is_judged_by_the_argmax(plain_result):
    assert not plain_result["calibrated"] and plain_result["threshold"] == 0.5
    for w in plain_result["windows"]:
        assert (w["verdict"] == "earthquake") == (w["probability"] >= 0.5)


def test_result_names_the_frames_and_keeps_each_windows_fields(dev, plain_result):
    assert [f["frame"] for f in plain_result["frames"]] == ["quake", "volcano"]
    assert plain_result["frames"][0]["files"] == ["quake/f.diff", "quake/f.unw"]
    assert plain_result["windows_file"] == f"{dev[0].name}/windows.json"
    for given, got in zip(WINDOWS, plain_result["windows"]):
        assert {k: got[k] for k in given} == given


# ------------------------------------------------------------------ the card


def _model_with_metrics(model_dir, folder: Path) -> Path:
    import shutil

    shutil.copytree(model_dir, folder)
    overall = dict(accuracy=0.9, precision=0.9, recall=0.9, f1=0.9, roc_auc=0.95, n=10)
    (folder / "metrics.json").write_text(json.dumps({"split": "test", "overall": overall}))
    return folder


def test_card_shows_the_dev_windows_json_beside_it(model_dir, plain_result, tmp_path):
    folder = _model_with_metrics(model_dir, tmp_path / "m")
    write_dev_windows(folder, plain_result)
    text = write_model_card(folder).read_text()
    section = text.split("## Real development windows\n")[1]
    assert SANITY_CHECK in section and "`quake`" in section and "`volcano`" in section
    quake, free = plain_result["summary"]["earthquake"], plain_result["summary"]["earthquake_free"]
    assert f"{quake['flagged']} of 2 earthquake windows and {free['flagged']} of 3" in section
    for w in plain_result["windows"]:
        row = f"| {w['note']} | {w['label']} | {w['probability']:.3f} | {w['verdict']} |"
        assert row in section


def test_card_states_the_threshold_of_a_calibrated_model(dev, model_dir, tmp_path):
    folder = _model_with_metrics(model_dir, tmp_path / "m")
    write_dev_windows(folder, evaluate_dev_windows(_calibrated(model_dir, 0.625), dev[0]))
    text = write_model_card(folder).read_text()
    assert "at the shipped threshold 0.625 on the calibrated P(earthquake) (temperature 1.500)" in (
        " ".join(text.split())
    )


def test_card_without_dev_windows_json_has_no_such_section(model_dir, tmp_path):
    folder = _model_with_metrics(model_dir, tmp_path / "m")
    assert "Real development windows" not in write_model_card(folder).read_text()


def test_push_model_uploads_dev_windows_json(model_dir, plain_result, tmp_path, hub_standin):
    folder = _model_with_metrics(model_dir, tmp_path / "m")
    write_dev_windows(folder, plain_result)
    write_model_card(folder)
    push_model(folder, "standin-user/dev")
    files = hub_standin.files("standin-user/dev", "model")
    assert files[DEV_WINDOWS_FILE] == (folder / DEV_WINDOWS_FILE).read_bytes()


# ------------------------------------------------------------------ the command


def _benchmark():
    spec = importlib.util.spec_from_file_location(
        "dev_windows_cli", REPO / "benchmarks" / "dev_windows.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_write_option_saves_dev_windows_json_and_renders_the_card(dev, model_dir, tmp_path, capsys):
    folder = _model_with_metrics(model_dir, tmp_path / "m")
    assert _benchmark().main(["--model", str(folder), "--real-dev", str(dev[0]), "--write"]) == 0
    saved = json.loads((folder / DEV_WINDOWS_FILE).read_text())
    assert len(saved["windows"]) == len(WINDOWS)
    assert "## Real development windows" in (folder / "README.md").read_text()
    assert "earthquake-free windows flagged (argmax)" in capsys.readouterr().out


def test_command_without_windows_json_exits_2_with_one_line(model_dir, tmp_path, capsys):
    assert _benchmark().main(["--model", str(model_dir), "--real-dev", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "windows.json not found" in err


@pytest.mark.skipif(not (REAL_DEV / "windows.json").is_file(), reason="no ../shared/real-dev")
def test_default_model_on_the_twelve_real_windows_gives_one_probability_each():
    result = evaluate_dev_windows(Detector.from_pretrained(device="cpu"), REAL_DEV)
    assert len(result["windows"]) == 12
    assert all(0.0 <= w["probability"] <= 1.0 for w in result["windows"])
    assert result["summary"]["earthquake"]["windows"] == 4
    assert result["summary"]["earthquake_free"]["windows"] == 8
