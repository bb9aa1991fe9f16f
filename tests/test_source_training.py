"""Training the source network: earthquake rows only, float targets, no geometric augmentation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_source_targets import source_rows

from insar_hf.render import render_interferogram
from insar_hf.schema import KIND_NAMES, LABEL_NAMES
from insar_hf.source.epicentre import heat_target
from insar_hf.source.estimator import SourceEstimator
from insar_hf.source.targets import SOURCE_FIELDS, TARGETS, TargetScaling, residuals, spread
from insar_hf.training.source_batches import make_regression_collator, rotate_wrapped_phase
from insar_hf.training.source_training import (
    GEOMETRIC_AUGMENTATION_ERROR,
    METRICS_FILE,
    SourceDataArguments,
    earthquake_split,
)

ROOT = Path(__file__).resolve().parents[1]
SIZES = {"train": 10, "validation": 6, "test": 6}


def tiny_split(n: int, seed: int):
    """``n`` rows, every other one an earthquake (the others have NaN source fields)."""
    from datasets import ClassLabel, Dataset, Features, Image, Value

    rows = {k: v.astype(np.float32) for k, v in source_rows(n, seed).items()}
    label = np.arange(n) % 2  # 0, 1, 0, 1, ...
    for name, values in rows.items():
        if name != "pixel_m":
            values[label == 0] = np.nan
    y, x = np.mgrid[0:64, 0:64] / 64.0
    images = [render_interferogram((10 + i) * (x - 0.5) * (y - 0.5), "wrapped") for i in range(n)]
    features = Features(
        image=Image(),
        label=ClassLabel(names=list(LABEL_NAMES)),
        kind=ClassLabel(names=list(KIND_NAMES)),
        mechanism=Value("string"),
        **{name: Value("float32") for name in rows},
    )
    data = dict(image=images, label=label.tolist(), kind=[0] * n, mechanism=["normal"] * n)
    return Dataset.from_dict({**data, **{k: v.tolist() for k, v in rows.items()}}, features)


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("source_ds")
    (out / "data").mkdir()
    for i, (split, n) in enumerate(SIZES.items()):
        tiny_split(n, seed=i).to_parquet(out / "data" / f"{split}-00000-of-00001.parquet")
    return out


def test_only_earthquake_rows_are_kept():
    split = tiny_split(7, seed=0)
    kept = earthquake_split(split)
    assert kept["label"] == [1, 1, 1] and np.isfinite(kept["mw"]).all()


def test_a_split_without_earthquakes_is_refused():
    with pytest.raises(ValueError, match="no earthquake scene"):
        earthquake_split(tiny_split(1, seed=0))


@pytest.mark.parametrize("option", ["--flip_prob", "--crop_prob"])
def test_geometric_augmentation_is_refused(option, tmp_path):
    from transformers import HfArgumentParser

    parser = HfArgumentParser(SourceDataArguments)
    with pytest.raises(ValueError, match="--flip_prob 0 --crop_prob 0"):
        parser.parse_args_into_dataclasses(args=["--dataset", str(tmp_path), option, "0.5"])
    assert "move the epicentre" in GEOMETRIC_AUGMENTATION_ERROR


def test_collator_gives_float_targets_and_leaves_unwrapped_images_alone():
    import torch

    scaling = TargetScaling.fit(source_rows(20))
    rows = source_rows(4, seed=5)
    targets = scaling.encode(rows)
    epicentre = np.stack([rows["epicentre_row_px"], rows["epicentre_col_px"]], 1)
    images = np.random.default_rng(0).integers(1, 256, (4, 224, 224, 3), dtype=np.uint8)
    images[..., 2] = 255  # every pixel valid (the blue channel is the validity mask)
    examples = [
        {
            "image": images[i],
            "labels": targets[i],
            "epicentre_px": epicentre[i].astype(np.float32),
            "wrapped": False,
            "augment": True,
        }
        for i in range(4)
    ]
    batch = make_regression_collator(True)(examples)
    assert batch["labels"].dtype == torch.float32 and batch["labels"].shape == (4, len(TARGETS))
    torch.testing.assert_close(batch["labels"].numpy(), targets)
    want = heat_target(epicentre[:, 0], epicentre[:, 1], grid=14, patch_size=16)
    torch.testing.assert_close(batch["epicentre_heat"].numpy(), want, rtol=1e-5, atol=1e-6)
    plain = make_regression_collator(False)(examples)["pixel_values"]
    torch.testing.assert_close(batch["pixel_values"], plain, rtol=0, atol=1e-6)


def test_phase_offset_rotates_the_wrapped_phase_and_moves_nothing():
    import torch

    from insar_hf.model.presets import pixel_values_from_images
    from insar_hf.render import render_array

    y, x = np.mgrid[0:224, 0:224] / 224.0
    phi = (20 * (x - 0.5) * (y - 0.4)).astype(np.float32)
    phi[:20] = np.nan  # no data stays no data
    rotated = rotate_wrapped_phase(
        pixel_values_from_images(render_array(phi, "wrapped")[None]),
        torch.tensor([True]),
        torch.Generator().manual_seed(3),
    )
    c = float((torch.rand(1, generator=torch.Generator().manual_seed(3)) * 2 - 1) * np.pi)
    want = pixel_values_from_images(render_array(phi + np.float32(c), "wrapped")[None])
    torch.testing.assert_close(rotated, want, rtol=0, atol=1.01 / 127.5)  # one 8-bit level


def test_strike_residual_is_circular_and_sigma_is_its_68th_percentile():
    rows = source_rows(100, seed=2)
    fields = {k: rows[k].copy() for k in SOURCE_FIELDS}
    fields["strike_deg"] = (rows["strike_deg"] + 359.0) % 360.0  # 1 degree off, across north
    res = residuals(fields, rows)
    np.testing.assert_allclose(res["strike_deg"], -1.0, atol=1e-9)
    fields["mw"] = rows["mw"] + np.linspace(-1, 1, 100)
    assert spread(residuals(fields, rows))["mw"] == pytest.approx(0.6827 * 1.0, abs=0.02)


@pytest.fixture(scope="module")
def trained(dataset_dir, tmp_path_factory):
    """One step of the micro preset through ``accelerate launch`` (CPU config)."""
    out = tmp_path_factory.mktemp("source_run")
    cmd = [
        sys.executable, "-m", "accelerate.commands.launch",
        "--config_file", str(ROOT / "training" / "accelerate" / "cpu.yaml"),
        str(ROOT / "training" / "train_source.py"),
        "--dataset", str(dataset_dir), "--output_dir", str(out), "--preset", "vit-micro",
        "--max_steps", "1", "--per_device_train_batch_size", "4", "--report_to", "none",
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out, proc.stdout


def test_training_writes_a_regression_model_with_its_targets_and_sigma(trained):
    from transformers import AutoConfig

    out, stdout = trained
    config = AutoConfig.from_pretrained(out)
    assert config.problem_type == "regression"
    assert [config.id2label[i] for i in range(config.num_labels)] == list(TARGETS)
    scaling = TargetScaling.from_config(config)
    assert set(scaling.sigma(True)) == set(SOURCE_FIELDS) == set(scaling.sigma(False))
    assert "test: Mw MAE" in stdout


def test_training_scores_the_earthquakes_of_the_test_split(trained):
    out, _ = trained
    metrics = json.loads((out / METRICS_FILE).read_text())
    assert metrics["with_pixel_m"]["n"] == SIZES["test"] // 2
    assert 0.0 <= metrics["with_pixel_m"]["mechanism_accuracy"] <= 1.0
    assert metrics["seconds_per_image_single"] > 0


def test_trained_model_loads_in_the_estimator(trained):
    out, _ = trained
    est = SourceEstimator.from_pretrained(out, device="cpu")
    y, x = np.mgrid[0:64, 0:64] / 64.0
    result = est.estimate(render_interferogram(5 * x * y, "wrapped"), pixel_m=100.0)
    assert np.isfinite([getattr(result, f) for f in SOURCE_FIELDS]).all()


@pytest.mark.parametrize("preset", ["source_cpu.json", "source_gpu.json"])
def test_presets_parse_with_geometric_augmentation_off(preset):
    from insar_hf.training.source_training import parse_source_args

    model_args, data_args, args = parse_source_args([str(ROOT / "training" / "configs" / preset)])
    assert (data_args.flip_prob, data_args.crop_prob) == (0.0, 0.0)
    assert args.metric_for_best_model == "loss" and args.greater_is_better is False
    assert model_args.preset in ("vit-mini", "vit-tiny")
