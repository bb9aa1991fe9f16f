"""`insar-hf quickstart` end to end on a tiny budget: every artefact exists, loads and serves."""
# ruff: noqa: F811  (pytest fixtures imported from hub_standin are redefined as arguments)

import contextlib
import importlib.util
import io
import json
import math
import re
import shlex
import socket
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hub_standin import hub_standin  # noqa: F401

from insar_hf.cli import main
from insar_hf.quickstart import QuickstartConfig, make_plan, run_quickstart
from insar_hf.quickstart.plan import (
    LEARNING_FLOOR_SAMPLES,
    REFERENCE,
    REFERENCE_VALIDATION_AUC,
    Speeds,
    expect_here,
    expected_validation_auc,
    load_plan,
    save_plan,
)

# A run forced to stall: 40 samples, one epoch, a learning rate that moves no weight.
TINY = dict(
    preset="vit-micro", num_samples=40, epochs=1, workers=1, batch_size=8, learning_rate=1e-9
)
TINY_ARGV = [f"--{key.replace('_', '-')}={value}" for key, value in TINY.items()]


@pytest.fixture(scope="module")
def quickstart(tmp_path_factory):
    """``insar-hf quickstart --out OUT`` with the tiny plan, run through the CLI entry point."""
    out = tmp_path_factory.mktemp("qs")
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        status = main(["quickstart", "--out", str(out), *TINY_ARGV])
    assert status == 0
    return {"out": out, "log": log.getvalue()}


def test_plan_and_time_estimate_are_printed_before_the_first_step(quickstart):
    log = quickstart["log"]
    assert log.index("estimated total") < log.index("[1/3] dataset")


def test_summary_reports_test_metrics_and_attention_localisation(quickstart):
    metrics = json.loads((quickstart["out"] / "model" / "metrics.json").read_text())
    summary = quickstart["log"].split("Summary")[1]
    assert re.search(rf"test f1 +{metrics['overall']['f1']:.3f}\n", summary)
    chosen = metrics["attention"]["settings"]["default"]  # chosen on validation after training
    pointing = metrics["attention"][chosen]["pointing_game"]
    assert re.search(rf"pointing game +{pointing:.3f} {chosen}", summary)


def test_dataset_loads_with_load_dataset_in_three_splits(quickstart):
    from datasets import load_dataset

    ds = load_dataset(str(quickstart["out"] / "dataset"))
    assert {k: len(v) for k, v in ds.items()} == {"train": 32, "validation": 4, "test": 4}
    assert ds["train"].features["label"].names == ["no_earthquake", "earthquake"]


def test_model_loads_with_detector_and_pipeline_and_they_agree(quickstart):
    from datasets import load_dataset
    from transformers import pipeline

    from insar_hf import Detector

    model_dir = quickstart["out"] / "model"
    image = load_dataset(str(quickstart["out"] / "dataset"), split="test")[0]["image"]
    detector = Detector.from_pretrained(model_dir, device="cpu")
    result = detector.predict(image)
    scores = {
        r["label"]: r["score"]
        for r in pipeline("image-classification", model=str(model_dir))(image)
    }
    # pipeline keeps the plain softmax; Detector divides the logits by the fitted temperature T
    # (binary: logit(p_detector) = logit(p_pipeline) / T).
    p = scores["earthquake"]
    expected = 1.0 / (1.0 + math.exp(-math.log(p / (1.0 - p)) / detector.temperature))
    assert result.probability == pytest.approx(expected, abs=1e-4)


def test_model_card_model_index_equals_metrics_json(quickstart):
    from huggingface_hub import ModelCard

    model_dir = quickstart["out"] / "model"
    overall = json.loads((model_dir / "metrics.json").read_text())["overall"]
    card = ModelCard.load(model_dir / "README.md")
    reported = {
        m["type"]: m["value"]
        for m in card.data.to_dict()["model-index"][0]["results"][0]["metrics"]
    }
    assert reported["accuracy"] == pytest.approx(overall["accuracy"])
    assert reported["f1"] == pytest.approx(overall["f1"])


def test_model_card_names_the_dataset_by_its_card_never_by_the_folder(quickstart):
    from huggingface_hub import ModelCard

    from insar_hf.dataset.card import PRETTY_NAME

    card = ModelCard.load(quickstart["out"] / "model" / "README.md")
    assert {(r.dataset_type, r.dataset_name) for r in card.data.eval_results} == {
        (PRETTY_NAME, PRETTY_NAME)
    }


def test_staged_space_points_at_the_local_checkpoint_by_a_relative_path(quickstart):
    space = quickstart["out"] / "space"
    assert (space / "model_id.txt").read_text().strip() == "../model"
    assert str(quickstart["out"].resolve()) not in (space / "README.md").read_text()
    assert (space / "app.py").is_file() and (space / "README.md").is_file()


def test_staged_space_serves_one_prediction_on_loopback(quickstart):
    from gradio_client import Client, handle_file

    from insar_hf.render import render_interferogram

    space = quickstart["out"] / "space"
    spec = importlib.util.spec_from_file_location("staged_space_app", space / "app.py")
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    assert app.resolve_model() == str((quickstart["out"] / "model").resolve())
    example = quickstart["out"] / "ring.png"
    rows, cols = np.mgrid[0:224, 0:224]
    render_interferogram(0.004 * ((rows - 90.0) ** 2 + (cols - 120.0) ** 2), "wrapped").save(
        example
    )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    demo = app.build_demo()
    demo.queue().launch(
        server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True
    )
    try:
        label, *_, status = Client(demo.local_url, verbose=False).predict(
            [handle_file(str(example))], "wrapped", "rollout", "mean", 1, api_name="/analyse"
        )
    finally:
        demo.close()
    assert label["label"].startswith(("No earthquake: P(earthquake) ", "Earthquake deformation"))
    assert "P(earthquake)" in status


def test_rerun_reuses_every_finished_step(quickstart):
    out = quickstart["out"]
    weights = out / "model" / "model.safetensors"
    before = weights.stat().st_mtime_ns
    lines: list[str] = []
    run_quickstart(QuickstartConfig(out_dir=out, **TINY), echo=lines.append)
    log = "\n".join(lines)
    assert f"reused {out / 'dataset'}" in log and f"reused {out / 'model'}" in log
    assert weights.stat().st_mtime_ns == before


def test_push_without_a_token_fails_before_any_work(tmp_path, monkeypatch):
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))  # no saved login either
    with pytest.raises(ValueError, match="--push-to-hub needs a Hugging Face token"):
        run_quickstart(
            QuickstartConfig(out_dir=tmp_path / "qs", push_to_hub="org", **TINY),
            echo=lambda s: None,
        )
    assert not (tmp_path / "qs").exists()


def test_push_to_hub_uploads_dataset_model_and_space(quickstart, hub_standin):
    result = run_quickstart(
        QuickstartConfig(out_dir=quickstart["out"], push_to_hub="standin-user", **TINY),
        echo=lambda s: None,
    )
    ids = result["pushed"]
    assert any(f.endswith(".parquet") for f in hub_standin.files(ids["dataset"], "dataset"))
    assert "model.safetensors" in hub_standin.files(ids["model"], "model")
    space_files = hub_standin.files(ids["space"], "space")
    assert "app.py" in space_files and "model_id.txt" in space_files
    card = hub_standin.files(ids["model"], "model")["README.md"].decode()
    assert f"type: {ids['dataset']}" in card and "type: dataset\n" not in card


def test_plan_fills_the_budget_on_the_reference_machine():
    plan = make_plan(QuickstartConfig(minutes=30, preset="vit-micro"))
    assert 0.7 * 1800 <= plan.reference_total_s <= 0.9 * 1800


def test_plan_sizes_do_not_depend_on_this_machines_speed():
    config = QuickstartConfig(minutes=15, preset="vit-micro")
    reference = REFERENCE.calibration["vit-micro"]
    busy = Speeds(reference.scenes_per_s / 3, reference.train_per_s / 8, reference.infer_per_s / 8)
    idle = expect_here(make_plan(config), reference, cores=2)
    slow = expect_here(make_plan(config), busy, cores=2)
    assert (slow.num_samples, slow.epochs) == (idle.num_samples, idle.epochs)
    assert slow.total_s > 5 * idle.total_s and idle.note == ""


def test_a_busy_machine_is_named_in_the_estimate(monkeypatch):
    monkeypatch.setattr("os.getloadavg", lambda: (3.0, 3.0, 3.0))  # two processes besides us
    reference = REFERENCE.calibration["vit-micro"]
    busy = Speeds(reference.scenes_per_s, reference.train_per_s / 3, reference.infer_per_s / 3)
    plan = expect_here(make_plan(QuickstartConfig()), busy, cores=2)
    assert "the machine is busy" in plan.note and "the plan stays the same" in plan.note


def test_a_slow_machine_that_is_not_busy_is_called_slower(monkeypatch):
    monkeypatch.setattr("os.getloadavg", lambda: (1.1, 1.1, 1.1))  # this process alone
    reference = REFERENCE.calibration["vit-micro"]
    slow = Speeds(reference.scenes_per_s / 2, reference.train_per_s / 2, reference.infer_per_s / 2)
    plan = expect_here(make_plan(QuickstartConfig()), slow, cores=2)
    assert "slower than the idle 2-core reference" in plan.note and "busy" not in plan.note


def test_a_small_budget_never_plans_fewer_samples_than_the_recipe_learns_from():
    plan = make_plan(QuickstartConfig(minutes=1, preset="vit-micro"))
    assert plan.num_samples == LEARNING_FLOOR_SAMPLES
    assert "too short for a model that learns" in plan.note


def test_the_learning_check_expects_the_measured_figure_from_the_measured_size_up():
    samples, epochs, auc = REFERENCE_VALIDATION_AUC["vit-micro"]
    plan = make_plan(QuickstartConfig(minutes=15, preset="vit-micro"))
    assert (plan.num_samples, plan.epochs) == (samples, epochs)  # the default plan was measured
    assert expected_validation_auc(plan) == auc
    floor = make_plan(QuickstartConfig(minutes=1, preset="vit-micro"))
    assert floor.num_samples < samples and expected_validation_auc(floor) is None
    fewer_epochs = replace(plan, epochs=epochs - 1)
    assert expected_validation_auc(fewer_epochs) is None
    larger = make_plan(QuickstartConfig(minutes=30, preset="vit-micro"))
    assert larger.num_samples > samples and expected_validation_auc(larger) == auc


def test_a_saved_plan_is_reused_as_it_is_with_another_budget(tmp_path):
    config = QuickstartConfig(out_dir=tmp_path, minutes=15)
    saved = expect_here(make_plan(config), REFERENCE.calibration["vit-micro"], cores=2)
    save_plan(tmp_path / "plan.json", config, saved)
    again = load_plan(tmp_path / "plan.json", QuickstartConfig(out_dir=tmp_path, minutes=60))
    assert again == saved


def test_a_saved_plan_takes_an_explicit_epoch_count_and_keeps_its_size(tmp_path):
    config = QuickstartConfig(out_dir=tmp_path)
    saved = make_plan(config)
    save_plan(tmp_path / "plan.json", config, saved)
    again = load_plan(tmp_path / "plan.json", QuickstartConfig(out_dir=tmp_path, epochs=2))
    assert (again.num_samples, again.epochs) == (saved.num_samples, 2)


def test_a_run_forced_to_stall_says_so_on_the_summarys_first_line(quickstart):
    first = quickstart["log"].split("[3/3] Space")[1].strip().splitlines()[0]
    assert first.startswith("WARNING: the model did not learn: its training loss stayed at ln 2")
    assert "fix: insar-hf quickstart" in quickstart["log"]


def test_the_space_of_a_run_forced_to_stall_says_so_in_its_header(quickstart):
    from huggingface_hub import SpaceCard

    card = SpaceCard.load(quickstart["out"] / "space" / "README.md")
    assert "model did not learn" in card.data.title
    assert "model did not learn" in card.data.short_description
    assert card.text.lstrip().startswith("> WARNING: the model did not learn")


def test_a_staged_then_pushed_space_names_the_hub_model(quickstart, hub_standin):
    result = run_quickstart(
        QuickstartConfig(out_dir=quickstart["out"], push_to_hub="standin-user", **TINY),
        echo=lambda s: None,
    )
    files = hub_standin.files(result["pushed"]["space"], "space")
    model = result["pushed"]["model"]
    assert files["model_id.txt"] == f"{model}\n".encode()
    readme = files["README.md"].decode()
    assert f"- {model}" in readme and str(quickstart["out"].resolve()) not in readme


def test_config_rejects_an_org_with_a_slash():
    with pytest.raises(ValueError, match="organisation or user name"):
        QuickstartConfig(push_to_hub="org/repo")


def test_dataset_made_with_the_same_size_and_seed_but_other_settings_is_replaced(tmp_path):
    from insar_hf.dataset.check import check_dataset
    from insar_hf.dataset.layout import read_generation
    from insar_hf.quickstart.steps import dataset_step

    config = QuickstartConfig(out_dir=tmp_path, num_samples=20, epochs=1, workers=1)
    plan = make_plan(config)
    stale = tmp_path / "dataset"
    (stale / "data").mkdir(parents=True)
    sizes = {"train": 16, "validation": 2, "test": 2}
    other = {"seed": 0, "num_samples": 20, "split_sizes": sizes, "shard_size": 5}
    (stale / "generation.json").write_text(json.dumps({**other, "with_raw": False}))
    folder, reused = dataset_step(config, plan)
    assert not reused and check_dataset(folder) == []
    assert read_generation(folder)["shard_size"] == 100


def test_rerun_on_the_same_folder_spelled_relative_reuses_the_finished_model(
    quickstart, monkeypatch
):
    out = quickstart["out"]
    weights = out / "model" / "model.safetensors"
    before = weights.stat().st_mtime_ns
    monkeypatch.chdir(out.parent)
    for spelling in (out.name, f"./{out.name}"):
        lines: list[str] = []
        run_quickstart(QuickstartConfig(out_dir=spelling, **TINY), echo=lines.append)
        assert f"reused {Path(spelling) / 'model'}" in "\n".join(lines)
    assert weights.stat().st_mtime_ns == before


def test_rerun_with_other_settings_stops_with_one_line_and_keeps_the_model(quickstart, capsys):
    out = quickstart["out"]
    weights = out / "model" / "model.safetensors"
    before = (weights.stat().st_mtime_ns, (out / "quickstart_plan.json").read_text())
    argv = [f"--{k.replace('_', '-')}={v}" for k, v in {**TINY, "epochs": 2}.items()]
    assert main(["quickstart", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "finished model trained with other settings (--num_train_epochs 1 -> 2)" in err
    assert "Nothing was changed: pass --overwrite to replace it" in err
    assert (weights.stat().st_mtime_ns, (out / "quickstart_plan.json").read_text()) == before


def test_push_hint_is_the_exact_generate_command_and_it_only_uploads(quickstart, hub_standin):
    line = next(
        s.strip()
        for s in quickstart["log"].splitlines()
        if s.strip().startswith("insar-hf generate")
    )
    argv = shlex.split(line.replace("YOUR_ORG", "standin-user"))
    assert argv[argv.index("--num-samples") + 1] == "40" and "--seed" in argv
    dataset = quickstart["out"] / "dataset"
    shards = {p.name: p.stat().st_mtime_ns for p in (dataset / "data").iterdir()}
    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        assert main(argv[1:] + ["--no-progress", "--no-figure"]) == 0
    assert "0 shards written" in log.getvalue()
    assert {p.name: p.stat().st_mtime_ns for p in (dataset / "data").iterdir()} == shards
    files = hub_standin.files("standin-user/insar-synthetic-earthquakes", "dataset")
    assert any(f.endswith(".parquet") for f in files)


def test_push_hints_name_the_model_repository_the_push_step_uses(quickstart):
    from insar_hf.quickstart.config import model_repo_name

    log = quickstart["log"]
    model_id = f"YOUR_ORG/{model_repo_name('vit-micro')}"
    assert f"--repo-id {model_id}" in log and f"--model {model_id}" in log


def _finished_model(out, argv_epochs: str):
    model = out / "model"
    model.mkdir(parents=True)
    (model / "metrics.json").write_text("{}")
    config = QuickstartConfig(out_dir=out, num_samples=20, epochs=1, workers=1)
    plan = make_plan(config)
    from insar_hf.quickstart.steps import training_argv

    argv = training_argv(config, plan, Path("elsewhere/dataset"), Path("elsewhere/model"))
    argv[argv.index("--num_train_epochs") + 1] = argv_epochs
    (model / "quickstart_plan.json").write_text(json.dumps({"argv": argv}))
    return config, plan


def test_finished_model_with_the_same_settings_under_other_paths_is_no_conflict(tmp_path):
    from insar_hf.quickstart.steps import model_conflict

    config, plan = _finished_model(tmp_path, "1")
    assert model_conflict(config, plan) is None


def test_finished_model_with_other_settings_is_kept_unless_overwrite_is_given(tmp_path):
    from insar_hf.quickstart.config import QuickstartConflictError
    from insar_hf.quickstart.steps import check_conflicts

    config, plan = _finished_model(tmp_path, "3")
    with pytest.raises(QuickstartConflictError, match=r"--num_train_epochs 3 -> 1\)"):
        check_conflicts(config, plan)
    assert (tmp_path / "model" / "metrics.json").is_file()
    check_conflicts(QuickstartConfig(**{**config.__dict__, "overwrite": True}), plan)


def test_folder_not_made_by_generate_at_out_dataset_is_never_deleted(tmp_path):
    from insar_hf.quickstart.config import QuickstartConflictError
    from insar_hf.quickstart.steps import dataset_step

    config = QuickstartConfig(out_dir=tmp_path, num_samples=20, epochs=1, workers=1)
    plan = make_plan(config)
    (tmp_path / "dataset").mkdir()
    (tmp_path / "dataset" / "mine.csv").write_text("precious")
    with pytest.raises(QuickstartConflictError, match="was not made by `insar-hf generate`"):
        dataset_step(config, plan)
    assert (tmp_path / "dataset" / "mine.csv").read_text() == "precious"
