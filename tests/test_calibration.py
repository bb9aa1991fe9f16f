"""Calibrated verdicts: temperature, ECE, threshold, the file, and what Detector makes of them."""
# ruff: noqa: F811  (pytest fixtures imported from hub_standin are redefined as arguments)

import json
import math
import shutil

import numpy as np
import pytest
import torch
from hub_standin import hub_standin  # noqa: F401
from test_detector import _noise_image, _save_tiny_vit

from insar_hf.inference.detector import Detector
from insar_hf.model.calibration import (
    CALIBRATION_FILE,
    Calibration,
    CalibrationError,
    expected_calibration_error,
    fit_temperature,
    load_calibration,
    metrics_at_threshold,
    negative_log_likelihood,
    reliability_bins,
    softmax_with_temperature,
    threshold_for_false_positive_rate,
)
from insar_hf.model.presets import pixel_values_from_images
from insar_hf.training.calibrate import calibration_card_section, calibration_from_logits


def _tempered_samples(temperature: float, n: int = 20000, seed: int = 0):
    """Logits ``z`` whose labels are drawn from softmax(z / temperature): T is the true one."""
    rng = np.random.default_rng(seed)
    z = rng.normal(scale=3.0, size=(n, 2))
    p1 = softmax_with_temperature(z, temperature)[:, 1]
    return z, (rng.random(n) < p1).astype(np.int64)


CALIBRATION = Calibration(
    temperature=2.0,
    threshold=0.8,
    target_false_positive_rate=0.05,
    n_validation=300,
    ece_before=0.12,
    ece_after=0.03,
    validation_false_positive_rate=0.047,
    validation_detection_rate=0.81,
)


# ------------------------------------------------------------------ the maths


@pytest.mark.parametrize("true_t", [0.5, 1.0, 2.5])
def test_temperature_is_recovered_from_labels_drawn_at_a_known_temperature(true_t):
    z, y = _tempered_samples(true_t)
    assert fit_temperature(z, y) == pytest.approx(true_t, rel=0.05)


def test_fitted_temperature_minimises_the_validation_nll():
    z, y = _tempered_samples(1.7, n=3000, seed=1)
    t = fit_temperature(z, y)
    best = negative_log_likelihood(z, y, t)
    assert best <= negative_log_likelihood(z, y, t * 1.02)
    assert best <= negative_log_likelihood(z, y, t / 1.02)


def test_temperature_keeps_the_ranking_of_p_earthquake():
    z, _ = _tempered_samples(1.0, n=500)
    order = np.argsort(softmax_with_temperature(z)[:, 1])
    np.testing.assert_array_equal(np.argsort(softmax_with_temperature(z, 3.0)[:, 1]), order)


def test_ece_matches_a_hand_computation():
    p = np.array([0.05, 0.15, 0.12, 0.95, 0.91, 0.55])
    y = np.array([0, 1, 0, 1, 1, 0])
    # 3 bins [0, 1/3), [1/3, 2/3), [2/3, 1]: {.05, .15, .12} vs 1/3, {.55} vs 0, {.95, .91} vs 1
    hand = (3 * abs(0.32 / 3 - 1 / 3) + 1 * 0.55 + 2 * abs(0.93 - 1.0)) / 6
    assert expected_calibration_error(p, y, n_bins=3) == pytest.approx(hand, abs=1e-12)


def test_reliability_bins_count_every_sample_once_and_close_the_last_bin():
    bins = reliability_bins([0.0, 0.5, 1.0, 1.0], [0, 1, 1, 0], n_bins=2)
    np.testing.assert_array_equal(bins.count, [1, 3])
    np.testing.assert_allclose(bins.confidence, [0.0, 2.5 / 3])
    np.testing.assert_allclose(bins.frequency, [0.0, 2 / 3])


def test_perfectly_calibrated_scores_have_small_ece():
    rng = np.random.default_rng(3)
    p = rng.random(200_000)
    assert expected_calibration_error(p, (rng.random(p.size) < p).astype(int)) < 0.01


def test_threshold_meets_the_target_exactly_on_constructed_scores():
    negatives = np.arange(1, 101) / 100.0  # 100 negatives at 0.01 .. 1.00
    p = np.concatenate([negatives, [0.5, 0.99]])
    y = np.concatenate([np.zeros(100, int), [1, 1]])
    t = threshold_for_false_positive_rate(p, y, target=0.05)
    assert t == np.nextafter(0.95, np.inf)  # 0.96 .. 1.00 are the 5 allowed false alarms
    assert np.sum(negatives >= t) == 5
    assert np.sum(negatives >= np.nextafter(t, 0.0)) == 6  # any lower threshold misses it


def test_threshold_counts_tied_negatives_together():
    p = np.array([0.9, 0.9, 0.1, 0.2, 0.3, 0.95])
    y = np.array([0, 0, 0, 0, 0, 1])
    t = threshold_for_false_positive_rate(p, y, target=0.2)  # one false alarm of five allowed
    assert 0.9 < t and metrics_at_threshold(p, y, t)["false_positive_rate"] == 0.0


def test_a_target_that_allows_every_negative_gives_threshold_zero():
    assert threshold_for_false_positive_rate([0.2, 0.7], [0, 1], target=1.0) == 0.0


def test_threshold_without_negatives_is_refused():
    with pytest.raises(CalibrationError, match="no negative"):
        threshold_for_false_positive_rate([0.2, 0.7], [1, 1])


def test_metrics_at_threshold_count_the_verdict_p_at_least_t():
    p = np.array([0.1, 0.6, 0.6, 0.9, 0.4])
    y = np.array([0, 0, 1, 1, 1])
    m = metrics_at_threshold(p, y, 0.6, mw=[np.nan, np.nan, 5.5, 6.5, 6.1])
    assert m["false_positive_rate"] == 0.5 and m["detection_rate"] == pytest.approx(2 / 3)
    assert m["detection_rate_mw6"] == 0.5 and m["f1"] == pytest.approx(2 * 2 / (4 + 1 + 1))


def test_a_split_with_one_class_cannot_be_calibrated():
    z, _ = _tempered_samples(1.0, n=50)
    with pytest.raises(CalibrationError, match="50 earthquake samples and no other class"):
        calibration_from_logits(z, np.ones(50, int))


def test_calibration_from_logits_meets_its_target_on_the_split():
    z, y = _tempered_samples(2.0, n=2000, seed=5)
    calibration, _ = calibration_from_logits(z, y, target_false_positive_rate=0.1)
    p = softmax_with_temperature(z, calibration.temperature)[:, 1]
    fpr = np.mean(p[y == 0] >= calibration.threshold)
    assert fpr <= 0.1 and fpr == calibration.validation_false_positive_rate
    assert calibration.ece_after < calibration.ece_before


# ------------------------------------------------------------------ the file


def test_calibration_survives_save_and_load(tmp_path):
    CALIBRATION.save(tmp_path)
    assert load_calibration(tmp_path) == CALIBRATION
    assert load_calibration(tmp_path / CALIBRATION_FILE) == CALIBRATION


def test_a_folder_without_the_file_has_no_calibration(tmp_path):
    assert load_calibration(tmp_path) is None


def test_an_invalid_temperature_in_the_file_is_refused_with_its_value(tmp_path):
    (tmp_path / CALIBRATION_FILE).write_text(
        json.dumps({**CALIBRATION.to_dict(), "temperature": -1})
    )
    with pytest.raises(CalibrationError, match="temperature must be a finite number > 0; got -1"):
        load_calibration(tmp_path)


def test_a_file_with_unknown_fields_says_how_to_rewrite_it(tmp_path):
    (tmp_path / CALIBRATION_FILE).write_text(json.dumps({"T": 2.0}))
    with pytest.raises(CalibrationError, match="insar-hf calibrate"):
        load_calibration(tmp_path)


def test_a_hub_model_with_and_without_calibration(hub_standin, tmp_path):
    from insar_hf.hub import push_folder

    folder = _save_tiny_vit(tmp_path / "plain")
    push_folder(folder, "standin-user/plain", repo_type="model")
    CALIBRATION.save(folder)
    push_folder(folder, "standin-user/calibrated", repo_type="model")
    assert load_calibration("standin-user/plain") is None
    assert load_calibration("standin-user/calibrated") == CALIBRATION
    assert Detector.from_pretrained("standin-user/calibrated", device="cpu").temperature == 2.0


def test_an_unreachable_hub_gives_no_calibration_instead_of_an_error(monkeypatch, caplog):
    import huggingface_hub

    def unreachable(*args, **kwargs):
        raise ConnectionError("Name or service not known")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", unreachable)
    assert load_calibration("owner/model") is None
    assert "calibration.json not fetched" in caplog.text


# ------------------------------------------------------------------ Detector


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    plain = _save_tiny_vit(tmp_path_factory.mktemp("plain"))
    calibrated = tmp_path_factory.mktemp("calibrated")
    shutil.copytree(plain, calibrated, dirs_exist_ok=True)
    return plain, calibrated


def _logits(detector, image):
    with torch.inference_mode():
        return detector.model(pixel_values=pixel_values_from_images([image])).logits[0].numpy()


def test_detector_probability_is_the_tempered_softmax(folders):
    plain, calibrated = folders
    CALIBRATION.save(calibrated)
    detector = Detector.from_pretrained(calibrated, device="cpu")
    image = _noise_image(0)
    expected = softmax_with_temperature(_logits(detector, image)[None], 2.0)[0]
    result = detector.predict(image)
    assert result.probability == pytest.approx(expected[1], abs=1e-5)
    assert result.probabilities["no_earthquake"] == pytest.approx(expected[0], abs=1e-5)
    assert result.calibrated and result.decision_threshold == 0.8


@pytest.mark.parametrize("shift", [-1e-4, 1e-4])
def test_detector_verdict_follows_the_saved_threshold(folders, tmp_path, shift):
    plain, _ = folders
    image = _noise_image(1)
    p = Detector.from_pretrained(plain, device="cpu").predict(image).probability
    shutil.copytree(plain, tmp_path, dirs_exist_ok=True)
    Calibration(1.0, p + shift, 0.05, 10, 0.1, 0.1).save(tmp_path)
    result = Detector.from_pretrained(tmp_path, device="cpu").predict(image)
    assert result.probability == pytest.approx(p, abs=1e-6)
    assert result.label == ("earthquake" if shift < 0 else "no_earthquake")


def test_uncalibrated_checkpoint_keeps_softmax_and_argmax(folders):
    plain, _ = folders
    detector = Detector.from_pretrained(plain, device="cpu")
    image = _noise_image(2)
    p = softmax_with_temperature(_logits(detector, image)[None])[0]
    result = detector.predict(image)
    assert detector.calibration is None and result.decision_threshold == 0.5
    assert result.probability == pytest.approx(p[1], abs=1e-5)
    assert result.label == ("earthquake" if p[1] > p[0] else "no_earthquake")


def test_scan_window_probabilities_are_tempered_and_boxes_use_the_threshold(folders):
    plain, calibrated = folders
    CALIBRATION.save(calibrated)
    frame = np.random.default_rng(4).normal(size=(224, 224)).astype(np.float32)
    hot = Detector.from_pretrained(calibrated, device="cpu")
    cold = Detector.from_pretrained(plain, device="cpu")
    scanned = hot.scan(frame, kind="wrapped", progress=False)
    p_cold = cold.scan(frame, kind="wrapped", progress=False).window_probabilities[0]
    logit_gap = math.log(p_cold / (1 - p_cold))  # z1 - z0 of the one window
    assert scanned.window_probabilities[0] == pytest.approx(
        1 / (1 + math.exp(-logit_gap / 2.0)), abs=1e-5
    )
    assert scanned.min_probability == 0.8


def test_card_section_states_threshold_and_the_pipeline_argmax():
    text = calibration_card_section(CALIBRATION, {"calibrated": {"false_positive_rate": 0.04}})
    assert "| decision threshold on P(earthquake) | 0.8000 |" in text
    assert "argmax" in text and "false-positive rate at the threshold | 0.0400" in text


# ------------------------------------------------------------------ training and the command


def _write_split(folder, labels, *, seed=0, split="validation"):
    """A parquet dataset folder with one split of noise images (brighter for earthquakes)."""
    from datasets import ClassLabel, Dataset, Features, Image, Value

    rng = np.random.default_rng(seed)
    images = [
        rng.integers(0, 156, (224, 224, 3), dtype=np.uint8) + np.uint8(100 * y) for y in labels
    ]
    features = Features(
        {
            "image": Image(),
            "label": ClassLabel(names=["no_earthquake", "earthquake"]),
            "mw": Value("float32"),
        }
    )
    mw = [6.5 if y else np.nan for y in labels]
    ds = Dataset.from_dict({"image": images, "label": list(labels), "mw": mw}, features=features)
    (folder / "data").mkdir(parents=True)
    ds.to_parquet(str(folder / "data" / f"{split}-00000-of-00001.parquet"))
    return ds


@pytest.fixture(scope="module")
def trained_folder(tmp_path_factory):
    """A tiny ViT folder and a 40-image validation split with both classes."""
    root = tmp_path_factory.mktemp("calibrate")
    model = _save_tiny_vit(root / "model")
    split = _write_split(root / "data_both", [i % 2 for i in range(40)])
    return model, root / "data_both", split


def test_calibrate_model_writes_the_file_and_the_diagram_and_meets_the_target(
    trained_folder, tmp_path
):
    from insar_hf.model.presets import load_model, predict_proba
    from insar_hf.training.calibrate import RELIABILITY_FIGURE, calibrate_model

    model_dir, _, split = trained_folder
    model = load_model(model_dir)
    result = calibrate_model(model, split, tmp_path, target_false_positive_rate=0.1)
    calibration = load_calibration(tmp_path)
    assert calibration.to_dict() == {k: result[k] for k in calibration.to_dict()}
    assert (tmp_path / RELIABILITY_FIGURE).read_bytes()[:4] == b"\x89PNG"
    logits = np.log(predict_proba(model, split["image"]))  # log-softmax: same softmax at any T
    p = softmax_with_temperature(logits, calibration.temperature)[:, 1]
    labels = np.asarray(split["label"])
    assert np.mean(p[labels == 0] >= calibration.threshold) <= 0.1


def test_evaluation_quotes_the_test_split_at_the_shipped_threshold(trained_folder, tmp_path):
    from insar_hf.model.presets import load_model, predict_proba
    from insar_hf.training.card import write_model_card
    from insar_hf.training.evaluation import evaluate_model

    model_dir, _, split = trained_folder
    model = load_model(model_dir)
    CALIBRATION.save(tmp_path)
    metrics = evaluate_model(model, split, tmp_path, extra=None)
    p = softmax_with_temperature(np.log(predict_proba(model, split["image"])), 2.0)[:, 1]
    expected = metrics_at_threshold(p, split["label"], 0.8, mw=split["mw"])
    assert metrics["calibration"] == CALIBRATION.to_dict()
    for key, value in expected.items():
        assert metrics["calibrated"][key] == pytest.approx(value, abs=1e-6)
    card = write_model_card(tmp_path).read_text()
    assert "## Calibration" in card and "| temperature T | 2.0000 |" in card


def test_calibrate_command_writes_calibration_into_the_model_folder(trained_folder, tmp_path):
    from insar_hf.cli import main

    model_dir, data, _ = trained_folder
    shutil.copytree(model_dir, tmp_path / "m")
    argv = ["calibrate", "--model", str(tmp_path / "m"), "--dataset", str(data)]
    assert main([*argv, "--target-fpr", "0.1"]) == 0
    calibration = load_calibration(tmp_path / "m")
    assert calibration.target_false_positive_rate == 0.1 and calibration.n_validation == 40
    assert Detector.from_pretrained(tmp_path / "m", device="cpu").calibration == calibration


def test_calibrate_command_refuses_a_split_with_one_class(trained_folder, tmp_path, capsys):
    from insar_hf.cli import main

    model_dir, _, _ = trained_folder
    _write_split(tmp_path / "quakes", [1] * 6)
    argv = ["calibrate", "--model", str(model_dir), "--dataset", str(tmp_path / "quakes")]
    assert main(argv) == 2
    err = capsys.readouterr().err  # progress bars of datasets may come before
    assert "Traceback" not in err and "6 earthquake samples and no other" in err.splitlines()[-1]
    assert not (model_dir / CALIBRATION_FILE).exists()


@pytest.mark.parametrize(
    "model, message",
    [("owner/model", "not a local folder; calibrate writes into the checkpoint folder"),
     ("./missing", "no such folder")],
)  # fmt: skip
def test_calibrate_command_refuses_a_hub_id_and_a_missing_folder(
    model, message, tmp_path, capsys, monkeypatch
):
    from insar_hf.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["calibrate", "--model", model, "--dataset", "ds"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_calibrate_command_refuses_a_target_outside_0_1(capsys):
    from insar_hf.cli import main

    assert main(["calibrate", "--model", "m", "--dataset", "d", "--target-fpr", "5"]) == 2
    assert "--target-fpr must lie in (0, 1); got 5.0" in capsys.readouterr().err


def test_after_training_a_one_class_split_leaves_no_stale_calibration(
    trained_folder, tmp_path, caplog
):
    from insar_hf.model.presets import load_model
    from insar_hf.training.calibrate import calibrate_after_training

    model_dir, _, _ = trained_folder
    CALIBRATION.save(tmp_path)  # an earlier run's
    quakes = _write_split(tmp_path / "quakes", [1] * 4)
    assert calibrate_after_training(load_model(model_dir), quakes, tmp_path) is None
    assert not (tmp_path / CALIBRATION_FILE).exists()
    assert "left uncalibrated" in caplog.text


def test_the_threshold_basis_says_where_the_false_alarms_were_counted():
    import dataclasses

    assert CALIBRATION.threshold_basis() == "5% false alarms on the validation split (300 samples)"
    real = dataclasses.replace(
        CALIBRATION,
        threshold_set_on="real earthquake-free interferograms of the validation volcanoes of a "
        "bank of real backgrounds (digest 0123456789abcdef)",
        n_threshold=265,
    )
    assert real.threshold_basis() == (
        "5% false alarms on 265 real earthquake-free interferograms of the validation volcanoes"
    )
