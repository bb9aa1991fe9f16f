"""The quickstart's steps, each reused when a previous run already finished it.

* :func:`dataset_step` -- ``OUT/dataset``, reused when complete and made with the same size and
  seed (read back from its generation parameters).
* :func:`model_step` -- ``OUT/model``, reused when ``metrics.json`` exists and the stamp
  ``OUT/model/quickstart_plan.json`` holds the same ``training/train.py`` command line
  (:func:`training_argv`).
* :func:`space_step` -- ``OUT/space``, always staged afresh.
* :func:`push_step` -- dataset, model and Space to the Hub.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from insar_hf.dataset.check import check_dataset
from insar_hf.dataset.generate import GenerationMismatchError, generate_dataset
from insar_hf.dataset.layout import read_generation
from insar_hf.hub import push_folder
from insar_hf.quickstart.config import DATASET_NAME, PLAN_FILE, SPACE_NAME, QuickstartConfig
from insar_hf.space import default_space_dir, stage_space

if TYPE_CHECKING:
    from insar_hf.quickstart.plan import Plan


def _same(path: Path, wanted: dict[str, Any]) -> bool:
    try:
        return json.loads(path.read_text()) == wanted
    except (OSError, ValueError):
        return False


def dataset_step(config: QuickstartConfig, plan: Plan) -> tuple[Path, bool]:
    """Generate ``OUT/dataset``; returns (folder, reused).

    A complete folder made with the same size and seed is reused; an interrupted one resumes
    (``generate_dataset`` skips complete shards); one made with other settings is replaced.
    """
    folder = config.out_dir / "dataset"
    if folder.exists():
        try:
            params = read_generation(folder)
        except (OSError, ValueError):
            params = {}
        same = (
            sum(params.get("split_sizes", {}).values()) == plan.num_samples
            and params.get("seed") == config.seed
        )
        if same and not check_dataset(folder):
            return folder, True
        if not same:
            shutil.rmtree(folder)

    def generate():
        generate_dataset(
            folder,
            num_samples=plan.num_samples,
            seed=config.seed,
            workers=config.workers,
            shard_size=max(100, min(1000, plan.num_samples // 4)),
            progress=True,
        )

    try:
        generate()
    except GenerationMismatchError:
        shutil.rmtree(folder)  # same size and seed, but another generator configuration
        generate()
    problems = check_dataset(folder)
    if problems:
        raise RuntimeError("the generated dataset failed its check:\n  " + "\n  ".join(problems))
    return folder, False


def training_argv(
    config: QuickstartConfig, plan: Plan, dataset: Path, model_dir: Path
) -> list[str]:
    """The ``training/train.py`` command line of the quickstart's training step."""
    return [
        "--dataset", str(dataset),
        "--preset", plan.preset,
        "--output_dir", str(model_dir),
        "--num_train_epochs", str(plan.epochs),
        "--learning_rate", str(config.learning_rate),
        "--per_device_train_batch_size", str(config.batch_size),
        "--per_device_eval_batch_size", str(2 * config.batch_size),
        "--seed", str(config.seed),
        "--model_name", f"insar-vit-{plan.preset.removeprefix('vit-')}-quickstart",
        "--dataloader_num_workers", "0",
        "--save_total_limit", "1",
    ]  # fmt: skip


def model_step(config: QuickstartConfig, plan: Plan, dataset: Path) -> tuple[Path, bool]:
    """Train into ``OUT/model`` with the function behind ``training/train.py``."""
    from insar_hf.training import trainer as training

    model_dir = config.out_dir / "model"
    stamp = model_dir / PLAN_FILE
    wanted = {"argv": training_argv(config, plan, dataset, model_dir)}
    if (model_dir / "metrics.json").is_file() and _same(stamp, wanted):
        return model_dir, True
    if model_dir.exists():
        shutil.rmtree(model_dir)  # a different or unfinished plan: start clean
    training.main(wanted["argv"])
    stamp.write_text(json.dumps(wanted, indent=2) + "\n")
    return model_dir, False


def space_step(config: QuickstartConfig, model_dir: Path, dataset_id: str | None = None) -> Path:
    """Stage the Space into ``OUT/space`` wired to the local checkpoint (always refreshed)."""
    folder = config.out_dir / "space"
    if folder.exists():
        shutil.rmtree(folder)
    return stage_space(
        default_space_dir(), folder, model_id=str(model_dir.resolve()), dataset_id=dataset_id
    )


def push_step(config: QuickstartConfig, dataset: Path, model_dir: Path) -> dict[str, str]:
    """Push dataset, model and Space to ``config.push_to_hub``; returns repo ids."""
    # Lazy: the model card module reaches torch (through the attention maps).
    from insar_hf.training.card import push_model

    org = config.push_to_hub
    ids = {
        "dataset": f"{org}/{DATASET_NAME}",
        "model": f"{org}/insar-vit-{config.preset.removeprefix('vit-')}-quickstart",
        "space": f"{org}/{SPACE_NAME}",
    }
    push_folder(dataset, ids["dataset"], repo_type="dataset", token=config.token)
    push_model(model_dir, ids["model"], token=config.token)
    with tempfile.TemporaryDirectory() as tmp:
        staged = stage_space(
            default_space_dir(),
            Path(tmp) / "space",
            model_id=ids["model"],
            dataset_id=ids["dataset"],
        )
        push_folder(staged, ids["space"], repo_type="space", token=config.token, space_sdk="gradio")
    return ids
