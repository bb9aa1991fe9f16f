"""Training: argument validation, augmentation physics, an end-to-end run under
``accelerate launch``, loading the result with the Auto classes and ``pipeline``, resume, push."""
# ruff: noqa: F811  (pytest fixtures imported from hub_standin are redefined as arguments)

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from hub_standin import hub_standin  # noqa: F401
from safetensors.torch import load_file

from insar_hf import render
from insar_hf.training.arguments import InsarTrainingArguments, check_arguments, parse_args
from insar_hf.training.augment import Augmenter, make_transform
from insar_hf.training.trainer import make_trainer, train, trainer_class

ROOT = Path(__file__).resolve().parents[1]
TRAIN_ARGS = [
    "--preset", "vit-micro",
    "--num_train_epochs", "2",
    "--per_device_train_batch_size", "4",
    "--per_device_eval_batch_size", "8",
    "--learning_rate", "1e-3",
    "--save_total_limit", "4",
    "--disable_tqdm", "true",
    "--seed", "3",
]  # fmt: skip


# --- arguments --------------------------------------------------------------------------------


def _parse_error(argv):
    with pytest.raises(ValueError) as info:
        parse_args(argv)
    return str(info.value)


def test_missing_dataset_says_what_to_give():
    assert "--dataset is required" in _parse_error(["--preset", "vit-micro"])


def test_unknown_preset_lists_the_presets():
    msg = _parse_error(["--dataset", "d", "--preset", "vit-giant"])
    assert "--preset 'vit-giant' is unknown; choose one of ['vit-base-patch16-224'" in msg


def test_probability_out_of_range_is_refused():
    msg = _parse_error(["--dataset", "d", "--flip_prob", "1.5"])
    assert msg == "--flip_prob must be a probability in [0, 1], got 1.5"


def test_bf16_on_cpu_is_refused():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    assert "--bf16 needs a CUDA GPU" in _parse_error(["--dataset", "d", "--bf16", "true"])


def test_bf16_defaults_to_off_without_gpu():
    _, _, args = parse_args(["--dataset", "d", "--output_dir", "o"])
    assert args.bf16 is (torch.cuda.is_available() and torch.cuda.is_bf16_supported())


def test_push_without_repo_id_is_refused():
    assert "--push_to_hub needs --hub_model_id" in _parse_error(
        ["--dataset", "d", "--push_to_hub", "true"]
    )


def test_streaming_without_max_steps_is_refused(tmp_path):
    _, data, args = parse_args(
        ["--dataset", "d", "--streaming", "true", "--output_dir", str(tmp_path)]
    )
    with pytest.raises(ValueError, match="--streaming has no dataset length"):
        check_arguments(data, args)


def test_paper_recipe_is_the_default():
    _, _, args = parse_args(["--dataset", "d"])
    assert (args.learning_rate, args.num_train_epochs, args.weight_decay) == (1e-5, 20.0, 0.0)
    assert (args.metric_for_best_model, args.load_best_model_at_end) == ("roc_auc", True)
    assert args.greater_is_better is True
    assert isinstance(args, InsarTrainingArguments)


def test_resume_last_without_checkpoint_fails_before_any_loading(tmp_path):
    argv = ["--dataset", "d", "--output_dir", str(tmp_path), "--resume_from_checkpoint", "last"]
    assert _parse_error(argv) == f"--resume_from_checkpoint last: no checkpoint in {tmp_path}"


def test_resume_last_is_the_newest_checkpoint(tmp_path):
    for step in (2, 10, 9):
        (tmp_path / f"checkpoint-{step}").mkdir()
    argv = ["--dataset", "d", "--output_dir", str(tmp_path), "--resume_from_checkpoint", "last"]
    assert parse_args(argv)[2].resume_from_checkpoint == str(tmp_path / "checkpoint-10")


def test_output_dir_with_checkpoints_is_not_silently_reused(tmp_path):
    (tmp_path / "checkpoint-7").mkdir()
    _, data, args = parse_args(["--dataset", "d", "--output_dir", str(tmp_path)])
    with pytest.raises(ValueError, match=r"already holds checkpoint-7: continue it with"):
        check_arguments(data, args)


@pytest.mark.parametrize("name", ["paper_vit_b16.json", "cpu_demo.json"])
def test_shipped_json_configs_parse(name):
    model, data, args = parse_args([str(ROOT / "training" / "configs" / name)])
    assert model.preset in ("vit-base-patch16-224", "vit-micro") and data.dataset


@pytest.mark.parametrize(
    "name, kind, processes, precision",
    [
        ("cpu", "NO", 1, "no"),
        ("single_gpu", "NO", 1, "bf16"),
        ("multi_gpu", "MULTI_GPU", 8, "bf16"),
        ("multi_node", "MULTI_GPU", 16, "bf16"),
    ],
)
def test_accelerate_configs_load(name, kind, processes, precision):
    from accelerate.commands.config.config_args import load_config_from_file

    c = load_config_from_file(str(ROOT / "training" / "accelerate" / f"{name}.yaml"))
    assert (c.distributed_type.value, c.num_processes, c.mixed_precision) == (
        kind,
        processes,
        precision,
    )


# --- augmentation -----------------------------------------------------------------------------


def _wrapped_image(rng):
    yy, xx = np.mgrid[0:224, 0:224]
    phase = 0.05 * xx + 3 * np.exp(-((xx - 100.0) ** 2 + (yy - 120.0) ** 2) / 800.0)
    phase[:30, :40] = np.nan  # a no-data hole in the north-west corner
    return render.render_array(phase, "wrapped")


def test_phase_offset_is_a_constant_shift_of_the_decoded_phase(rng):
    image = _wrapped_image(rng)
    aug = Augmenter(flip_prob=0.0, crop_prob=0.0, phase_offset=True)(image, "wrapped", rng)
    diff = np.angle(
        np.exp(1j * (render.decode_wrapped_rad(aug) - render.decode_wrapped_rad(image)))
    )
    valid = np.isfinite(diff)
    assert np.ptp(np.unwrap(diff[valid])) < 0.03  # one constant offset (uint8 quantisation)
    assert abs(diff[valid].mean()) > 1e-3  # and not the identity (seeded draw)


def test_phase_offset_keeps_no_data_where_it_was(rng):
    image = _wrapped_image(rng)
    aug = Augmenter(flip_prob=0.0, crop_prob=0.0)(image, "wrapped", rng)
    np.testing.assert_array_equal(aug[..., 2] == 0, image[..., 2] == 0)


def test_flips_mirror_the_image_and_its_no_data(rng):
    image = _wrapped_image(rng)
    aug = Augmenter(flip_prob=1.0, crop_prob=0.0, phase_offset=False)(image, "wrapped", rng)
    np.testing.assert_array_equal(aug, image[::-1, ::-1])


def test_unwrapped_flip_keeps_channels_exactly(rng):
    image = render.render_array(rng.normal(size=(224, 224)).cumsum(0), "unwrapped")
    aug = Augmenter(flip_prob=1.0, crop_prob=0.0)(image, "unwrapped", rng)
    np.testing.assert_array_equal(aug, image[::-1, ::-1])


def test_crop_of_a_linear_ramp_is_a_ramp_of_the_same_direction(rng):
    xx = np.mgrid[0:224, 0:224][1]
    image = render.render_array(0.1 * xx, "wrapped")
    aug = Augmenter(flip_prob=0.0, crop_prob=1.0, crop_min_scale=0.5, phase_offset=False)(
        image, "wrapped", rng
    )
    phase = np.unwrap(render.decode_wrapped_rad(aug), axis=1)
    rows_gradient = np.diff(phase, axis=1).mean()
    # a crop of side L resampled to 224 widens the fringes by 224 / L, L^2 in [0.5, 1] x 224^2
    assert 0.1 * math.sqrt(0.5) - 0.002 < rows_gradient < 0.1 - 0.002
    assert np.abs(np.diff(phase, axis=0)).max() < 0.02  # still constant down the columns


def test_eval_transform_does_not_augment(rng):
    from PIL import Image

    image = _wrapped_image(rng)
    out = make_transform(None, ["wrapped", "unwrapped"])(
        {"image": [Image.fromarray(image)], "label": [1], "kind": [0]}
    )
    np.testing.assert_array_equal(out["image"][0], image)
    assert out["labels"] == [1]


def test_augmentation_draws_from_torch_rng_so_a_seed_reproduces_it(rng):
    image = _wrapped_image(rng)
    torch.manual_seed(5)
    first = Augmenter()(image, "wrapped")
    torch.manual_seed(5)
    np.testing.assert_array_equal(Augmenter()(image, "wrapped"), first)


def test_trainer_checkpoint_reload_restores_every_weight(tmp_path):
    """transformers 5 saves legacy ViT key names; Trainer's raw reload would match none."""
    from transformers import TrainingArguments

    from insar_hf.model.presets import build_model

    torch.manual_seed(0)
    model = build_model("vit-micro", id2label={0: "n", 1: "e"}, label2id={"n": 0, "e": 1})
    model.save_pretrained(tmp_path / "ckpt")
    saved = {k: v.clone() for k, v in model.state_dict().items()}
    args = TrainingArguments(output_dir=str(tmp_path), report_to="none", use_cpu=True)
    trainer = trainer_class()(model=model, args=args)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    trainer._load_from_checkpoint(str(tmp_path / "ckpt"))
    for key, value in model.state_dict().items():
        torch.testing.assert_close(value, saved[key], rtol=0, atol=0)


# --- end to end -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory):
    from insar_hf.dataset.generate import generate_dataset

    out = tmp_path_factory.mktemp("ds")
    generate_dataset(
        out,
        split_sizes_={"train": 12, "validation": 6, "test": 6},
        seed=0,
        workers=1,
        progress=False,
    )
    return out


@pytest.fixture(scope="module")
def trained(dataset_dir, tmp_path_factory):
    """Two epochs of the micro preset through ``accelerate launch`` (CPU config)."""
    out = tmp_path_factory.mktemp("run")
    cmd = [
        sys.executable, "-m", "accelerate.commands.launch",
        "--config_file", str(ROOT / "training" / "accelerate" / "cpu.yaml"),
        str(ROOT / "training" / "train.py"),
        "--dataset", str(dataset_dir), "--output_dir", str(out), *TRAIN_ARGS,
    ]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return out, proc.stdout


@pytest.mark.slow
def test_training_writes_every_artefact(trained):
    out, stdout = trained
    for name in (
        "config.json",
        "model.safetensors",
        "preprocessor_config.json",
        "README.md",
        "metrics.json",
        "training_config.json",
        "confusion_matrix.png",
        "training_curves.png",
        "detection_vs_magnitude.png",
    ):
        assert (out / name).is_file(), name
    assert list((out / "runs").rglob("events.out.tfevents.*")), "no TensorBoard log"
    assert "test: accuracy=" in stdout


def test_trained_weights_are_readable_as_the_umask_says(trained):
    import stat

    from insar_hf.files import umask_mode

    out, _ = trained  # the run inherits this process's umask
    weights = [out / "model.safetensors", *out.glob("checkpoint-*/model.safetensors")]
    assert len(weights) >= 2
    assert {stat.S_IMODE(w.stat().st_mode) for w in weights} == {umask_mode()}


@pytest.mark.slow
def test_model_index_equals_metrics_json(trained):
    from huggingface_hub import ModelCard

    out, _ = trained
    metrics = json.loads((out / "metrics.json").read_text())
    card = ModelCard.load(out / "README.md")
    got = {r.metric_type: r.metric_value for r in card.data.eval_results}
    want = {k: metrics["overall"][k] for k in got}
    assert got == want and {"accuracy", "f1"} <= set(got)
    assert metrics["overall"]["n"] == 6 and set(metrics["by_kind"]) <= {"wrapped", "unwrapped"}


@pytest.mark.slow
def test_final_model_is_the_best_checkpoint_by_f1(trained):
    out, _ = trained
    state = json.loads((out / "trainer_state.json").read_text())
    best = Path(state["best_model_checkpoint"]).name
    final, best_w = (
        load_file(out / "model.safetensors"),
        load_file(out / best / "model.safetensors"),
    )
    assert final.keys() == best_w.keys()
    for key in final:
        torch.testing.assert_close(final[key], best_w[key], rtol=0, atol=0)


def assert_auto_classes_and_pipeline_agree(out, dataset_dir):
    """Our loader, the Auto classes and ``pipeline`` give the same probabilities on 3 images."""
    from datasets import load_dataset
    from transformers import AutoImageProcessor, AutoModelForImageClassification, pipeline

    from insar_hf.model.presets import load_model, predict_proba

    images = load_dataset(str(dataset_dir), split="test")["image"][:3]
    ours = predict_proba(load_model(str(out)), [np.asarray(im) for im in images])
    processor = AutoImageProcessor.from_pretrained(out)
    model = AutoModelForImageClassification.from_pretrained(out).eval()
    assert type(model).__name__ == "ViTForImageClassification"
    with torch.inference_mode():
        auto = model(**processor(images=images, return_tensors="pt")).logits.softmax(-1).numpy()
    np.testing.assert_allclose(auto, ours, atol=1e-5)
    clf = pipeline("image-classification", model=str(out), device="cpu")
    for im, p in zip(images, ours):
        scores = {d["label"]: d["score"] for d in clf(im, top_k=None)}
        np.testing.assert_allclose([scores["no_earthquake"], scores["earthquake"]], p, atol=1e-5)


@pytest.mark.slow
def test_result_loads_with_auto_classes_and_pipeline_alike(trained, dataset_dir):
    assert_auto_classes_and_pipeline_agree(trained[0], dataset_dir)


@pytest.mark.slow
def test_resume_from_checkpoint_reproduces_the_uninterrupted_run(trained, dataset_dir, tmp_path):
    out, _ = trained
    steps = sorted(int(p.name.split("-")[1]) for p in out.glob("checkpoint-*"))
    first, last = steps[0], steps[-1]
    model_args, data_args, args = parse_args(
        ["--dataset", str(dataset_dir), "--output_dir", str(tmp_path), *TRAIN_ARGS]
        + ["--resume_from_checkpoint", str(out / f"checkpoint-{first}")]
    )
    trainer, _ = make_trainer(model_args, data_args, args)  # train() without the final evaluation
    trainer.train(resume_from_checkpoint=args.resume_from_checkpoint)
    resumed = load_file(tmp_path / f"checkpoint-{last}" / "model.safetensors")
    uninterrupted = load_file(out / f"checkpoint-{last}" / "model.safetensors")
    # The uninterrupted run was an `accelerate launch` subprocess, this one runs in-process: the
    # float32 reductions may be ordered differently (differences of ~1e-6 were seen). A wrong
    # resume (fresh optimizer state, other data order or augmentation draws) differs by about
    # one Adam step, lr = 1e-3, so 1e-5 still tells the two apart by two orders of magnitude.
    for key in uninterrupted:
        torch.testing.assert_close(resumed[key], uninterrupted[key], rtol=1e-5, atol=1e-5)
    start = load_file(out / f"checkpoint-{first}" / "model.safetensors")
    moved = max((uninterrupted[k] - start[k]).abs().max().item() for k in start)
    assert moved > 100 * 1e-5  # the tolerance is far below what the resumed steps change


@pytest.mark.slow
def test_evaluate_command_recomputes_metrics_and_card(trained, dataset_dir, tmp_path):
    from huggingface_hub import ModelCard

    from insar_hf.cli import main

    out, _ = trained
    assert (
        main(
            [
                "evaluate",
                "--model",
                str(out),
                "--dataset",
                str(dataset_dir),
                "--output",
                str(tmp_path),
            ]
        )
        == 0
    )
    again = json.loads((tmp_path / "metrics.json").read_text())
    before = json.loads((out / "metrics.json").read_text())
    assert again["overall"]["confusion_matrix"] == before["overall"]["confusion_matrix"]
    card = ModelCard.load(tmp_path / "README.md")
    assert {r.metric_type: r.metric_value for r in card.data.eval_results}["accuracy"] == again[
        "overall"
    ]["accuracy"]
    assert (tmp_path / "training_curves.png").is_file()
    assert "## Training hyperparameters" in card.text  # carried over from the checkpoint


@pytest.mark.slow
def test_push_model_uploads_model_files_only(trained, hub_standin):
    from insar_hf.cli import main

    out, _ = trained
    assert main(["push-model", "--model", str(out), "--repo-id", "org/insar-vit-micro"]) == 0
    remote = hub_standin.files("org/insar-vit-micro", "model")
    assert {
        "config.json",
        "model.safetensors",
        "preprocessor_config.json",
        "README.md",
        "metrics.json",
    } <= set(remote)
    assert not any(name.startswith(("checkpoint-", "runs/")) for name in remote)
    assert remote["model.safetensors"] == (out / "model.safetensors").read_bytes()


@pytest.mark.slow
def test_streaming_run_with_max_steps_then_push_to_hub(dataset_dir, tmp_path, hub_standin):
    args = ["--dataset", str(dataset_dir), "--output_dir", str(tmp_path), *TRAIN_ARGS]
    args += ["--streaming", "true", "--max_steps", "2", "--report_to", "none"]
    args += ["--push_to_hub", "true", "--hub_model_id", "org/streamed"]
    args += [
        "--eval_strategy",
        "steps",
        "--save_strategy",
        "steps",
        "--eval_steps",
        "2",
        "--save_steps",
        "2",
    ]
    metrics = train(*parse_args(args))
    assert metrics["overall"]["n"] == 6
    assert json.loads((tmp_path / "trainer_state.json").read_text())["global_step"] == 2
    remote = hub_standin.files("org/streamed", "model")
    assert remote["README.md"] == (tmp_path / "README.md").read_bytes()


# ------------------------------------------------------------------- best-checkpoint selection


def test_f1_is_refused_as_the_best_checkpoint_metric():
    message = _parse_error(["--dataset", "d", "--metric_for_best_model", "f1"])
    assert message == (
        "--metric_for_best_model f1 can be won by a classifier that calls everything an "
        "earthquake; choose one of ['eval_loss', 'loss', 'roc_auc']"
    )
    assert "contradicts" in _parse_error(
        ["--dataset", "d", "--metric_for_best_model", "loss", "--greater_is_better", "true"]
    )
    _, _, loss = parse_args(["--dataset", "d", "--metric_for_best_model", "loss"])
    assert loss.greater_is_better is False


@pytest.mark.parametrize(
    "config",
    sorted(Path(__file__).resolve().parents[1].glob("training/configs/*.json")),
    ids=lambda p: p.name,
)
def test_every_config_selects_by_a_metric_a_constant_predictor_cannot_win(
    config, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # relative output_dir values land here
    recipe = json.loads(config.read_text())
    if "real_backgrounds" in recipe:  # the bank is not in the repository: a stand-in folder
        (tmp_path / "bank").mkdir()
        recipe["real_backgrounds"] = str(tmp_path / "bank")
    (tmp_path / config.name).write_text(json.dumps(recipe))
    _, _, args = parse_args([str(tmp_path / config.name)])
    assert args.metric_for_best_model in ("roc_auc", "loss", "eval_loss")


def test_a_constant_predictor_is_never_kept():
    # Two evaluations as the Trainer scores them: epoch 1 calls everything an earthquake (a
    # constant model), epoch 2 ranks the scenes but misses some.  Selected the way the Trainer
    # does (the best value of metric_for_best_model), the default keeps epoch 2; F1 keeps epoch 1.
    from types import SimpleNamespace

    from insar_hf.training.evaluation import compute_metrics

    rng = np.random.default_rng(0)
    labels = (rng.random(400) < 0.47).astype(np.int64)
    constant = np.tile([0.0, 1.0], (400, 1))  # logits: p(earthquake) the same for every scene
    scores = labels * 1.0 + rng.normal(0.0, 1.0, 400)  # informative, noisy
    informative = np.stack([np.zeros(400), scores - 1.3], axis=1)  # a cautious threshold
    history = [
        compute_metrics(SimpleNamespace(predictions=logits, label_ids=labels))
        for logits in (constant, informative)
    ]
    _, _, args = parse_args(["--dataset", "d"])

    def best(metric, greater):
        values = [h[metric] for h in history]
        return int(np.argmax(values) if greater else np.argmin(values))

    assert history[0]["roc_auc"] == 0.5 and history[1]["roc_auc"] > 0.7
    assert history[0]["f1"] > history[1]["f1"]  # the trap the default avoids
    assert best(args.metric_for_best_model, args.greater_is_better) == 1
    assert best("f1", True) == 0
