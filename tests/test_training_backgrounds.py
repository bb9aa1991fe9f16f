"""Training with real backgrounds: the threshold set on the validation volcanoes, the card."""

from __future__ import annotations

import json

import pytest
from test_backgrounds import write_bank

from insar_hf.backgrounds import BackgroundBank
from insar_hf.dataset.generate import generate_dataset
from insar_hf.training.arguments import parse_args
from insar_hf.training.real_nuisance import background_probabilities
from insar_hf.training.trainer import train

# Twelve volcanoes in frames of their own: 8 / 2 / 2 files in train / validation / test.
PLACES = [(f"v{i}", f"{i:03d}A_0000{i % 10}_00000{i % 10}") for i in range(12)]
ARGS = [
    "--preset", "vit-micro", "--num_train_epochs", "1", "--per_device_train_batch_size", "4",
    "--per_device_eval_batch_size", "8", "--disable_tqdm", "true", "--seed", "3",
    "--report_to", "none", "--real_nuisance_earthquakes", "3",
]  # fmt: skip


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    root = tmp_path_factory.mktemp("bg")
    bank_dir = write_bank(root / "bank", side=224, per_place=1, places=PLACES)
    data = root / "ds"
    generate_dataset(data, split_sizes_=(12, 6, 6), seed=0, workers=1, progress=False)
    out = root / "model"
    argv = ["--dataset", str(data), "--output_dir", str(out), "--real_backgrounds", str(bank_dir)]
    train(*parse_args([*argv, *ARGS]))
    return out, BackgroundBank(bank_dir)


@pytest.mark.slow
def test_the_threshold_allows_5_percent_false_alarms_on_the_validation_volcanoes(run):
    from insar_hf.model.presets import load_model

    out, bank = run
    calibration = json.loads((out / "calibration.json").read_text())
    assert "validation volcanoes" in calibration["threshold_set_on"]
    p, _ = background_probabilities(
        load_model(out), bank, "validation", temperature=calibration["temperature"]
    )
    assert calibration["n_threshold"] == len(p)
    assert (p >= calibration["threshold"]).sum() <= int(0.05 * len(p))


@pytest.mark.slow
def test_the_card_reports_real_nuisance_and_credits_the_data(run):
    out, _ = run
    report = json.loads((out / "real_nuisance.json").read_text())
    assert set(report) >= {"bank", "validation", "test"}
    assert report["test"]["earthquakes"] <= 3
    card = (out / "README.md").read_text()
    assert "## Real nuisance: real earthquake-free interferograms" in card
    assert "Bountos" in card and "Copernicus Sentinel" in card
    assert "the unwrapped path stays synthetic-only" in card
