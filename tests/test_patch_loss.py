"""The patch loss: the same classifier on every patch token, against the generator's masks.

Oracles: ``transformers.Trainer``'s own loss (weight 0), the patch tokens read from
``ViTModel.last_hidden_state`` (a path independent of the hidden states the loss uses), and the
Auto classes / ``pipeline`` on the saved model.
"""

# ruff: noqa: F811  (the dataset_dir fixture imported from test_training is redefined as arguments)
from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F
from test_training import (  # noqa: F401  (dataset_dir: 12 / 6 / 6 scenes of seed 0)
    assert_auto_classes_and_pipeline_agree,
    dataset_dir,
)

from insar_hf.model.presets import build_model
from insar_hf.training.arguments import InsarTrainingArguments, parse_args
from insar_hf.training.trainer import make_trainer, train, trainer_class

LABELS = {0: "no_earthquake", 1: "earthquake"}


def _model():
    torch.manual_seed(0)
    model = build_model("vit-micro", id2label=LABELS, label2id={v: k for k, v in LABELS.items()})
    return model.train(False)


def _batch(seed: int = 0, n: int = 4):
    g = torch.Generator().manual_seed(seed)
    return {
        "pixel_values": torch.rand(n, 3, 224, 224, generator=g) * 2 - 1,
        "labels": torch.tensor([1, 0, 1, 0][:n]),
        "patch_labels": (torch.rand(n, 196, generator=g) < 0.3).long(),
    }


def _trainer(tmp_path, model, weight: float):
    args = InsarTrainingArguments(
        output_dir=str(tmp_path),
        report_to="none",
        use_cpu=True,
        eval_strategy="no",
        save_strategy="no",
        load_best_model_at_end=False,
        patch_loss_weight=weight,
    )
    return trainer_class()(model=model, args=args)


def test_weight_zero_gives_the_trainers_own_loss(tmp_path):
    from transformers import Trainer, TrainingArguments

    model, batch = _model(), _batch()
    ours = _trainer(tmp_path, model, 0.0).compute_loss(model, dict(batch))
    plain = Trainer(model=model, args=TrainingArguments(str(tmp_path), report_to="none"))
    theirs = plain.compute_loss(model, {k: batch[k] for k in ("pixel_values", "labels")})
    assert torch.equal(ours, theirs)


def test_the_patch_loss_adds_the_weighted_cross_entropy_of_every_patch_token(tmp_path):
    model, batch = _model(), _batch(1)
    loss = _trainer(tmp_path, model, 0.7).compute_loss(model, dict(batch))
    with torch.no_grad():
        sequence = model.vit(pixel_values=batch["pixel_values"]).last_hidden_state  # (4, 197, D)
        logits = model.classifier(sequence)  # (4, 197, 2): [CLS] first, then the patches
    cls = F.cross_entropy(logits[:, 0], batch["labels"])
    patches = F.cross_entropy(logits[:, 1:].reshape(-1, 2), batch["patch_labels"].reshape(-1))
    torch.testing.assert_close(loss, cls + 0.7 * patches, rtol=1e-5, atol=1e-6)


def test_the_patch_loss_is_normalised_like_the_cls_loss_over_an_accumulated_batch(tmp_path):
    model, batch = _model(), _batch(2)
    trainer = _trainer(tmp_path, model, 1.0)
    mean = trainer.compute_loss(model, dict(batch))
    doubled = trainer.compute_loss(model, dict(batch), num_items_in_batch=torch.tensor(8))
    torch.testing.assert_close(doubled, mean / 2, rtol=1e-5, atol=1e-6)  # 4 of 8 images here


def test_evaluation_gets_the_logits_only(tmp_path):
    model, batch = _model(), _batch(3)
    loss, logits, labels = _trainer(tmp_path, model, 1.0).prediction_step(
        model, dict(batch), prediction_loss_only=False
    )
    assert (
        torch.is_tensor(logits) and logits.shape == (4, 2) and torch.equal(labels, batch["labels"])
    )
    assert torch.isfinite(loss)


def test_weight_and_fraction_are_checked_when_the_arguments_are_made():
    with pytest.raises(ValueError, match="--patch_loss_weight must be a finite number >= 0"):
        parse_args(["--dataset", "d", "--patch_loss_weight", "-1"])
    with pytest.raises(ValueError, match=r"--patch_fraction must lie in \(0, 1\], got 1.5"):
        parse_args(["--dataset", "d", "--patch_fraction", "1.5"])


# --- the masks reach the trainer, and the trained model stays a plain ViT ---------------------


RUN = ["--preset", "vit-micro", "--per_device_train_batch_size", "8", "--report_to", "none"]
RUN += ["--patch_loss_weight", "1", "--patch_fraction", "0.25", "--disable_tqdm", "true"]


@pytest.mark.parametrize(
    "source",
    [
        ["--in_memory", "true"],
        ["--in_memory", "false"],
        ["--streaming", "true", "--max_steps", "1"],
        ["--synthetic_seed", "9", "--max_steps", "1", "--max_eval_samples", "2"],
    ],
    ids=["in memory", "lazy", "streamed parquet", "generator stream"],
)
def test_patch_targets_reach_the_trainer_from_every_data_source(source, dataset_dir, tmp_path):
    data = [] if "--synthetic_seed" in source else ["--dataset", str(dataset_dir)]
    args = parse_args(
        [*data, *source, *RUN, "--output_dir", str(tmp_path), "--max_test_samples", "2"]
    )
    trainer, _ = make_trainer(*args)
    batch = next(iter(trainer.get_train_dataloader()))
    assert batch["patch_labels"].shape == (8, 196)
    positive = batch["labels"] == 1
    assert int(batch["patch_labels"][~positive].sum()) == 0
    assert bool(positive.any()) and int(batch["patch_labels"][positive].sum()) > 0


@pytest.mark.slow
def test_a_model_trained_with_the_patch_loss_loads_with_auto_classes_and_pipeline(
    dataset_dir, tmp_path
):
    out = tmp_path / "run"
    args = ["--dataset", str(dataset_dir), "--output_dir", str(out), *RUN, "--max_steps", "2"]
    args += ["--eval_strategy", "steps", "--save_strategy", "steps", "--eval_steps", "2"]
    train(*parse_args([*args, "--save_steps", "2"]))
    config = json.loads((out / "training_config.json").read_text())["hyperparameters"]
    assert config["patch_loss_weight"] == 1.0 and config["patch_fraction"] == 0.25
    assert_auto_classes_and_pipeline_agree(out, dataset_dir)
    metrics = json.loads((out / "metrics.json").read_text())
    assert "patch" in metrics["attention"]  # the patch map is scored with the others


def test_the_default_recipe_trains_with_the_patch_loss_on_real_backgrounds(tmp_path):
    from pathlib import Path

    configs = Path(__file__).resolve().parents[1] / "training" / "configs"
    default = json.loads((configs / "default_model.json").read_text())
    assert default["patch_loss_weight"] == 1.0 and default["patch_fraction"] == 0.25
    assert default["real_backgrounds"] == "../shared/real-backgrounds"
    recipe = tmp_path / "recipe.json"  # the bank is not in the repository: a stand-in folder
    recipe.write_text(json.dumps({**default, "real_backgrounds": str(tmp_path)}))
    _, data_args, args = parse_args([str(recipe)])
    assert args.patch_loss_weight == 1.0 and data_args.real_backgrounds == str(tmp_path)
