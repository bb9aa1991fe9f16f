"""The quickstart's steps, each reused when a previous run already finished it.

* :func:`check_conflicts` -- before any work: a finished dataset or model in ``OUT`` that was
  made with other settings stops the run (:class:`QuickstartConflictError`) unless
  ``overwrite`` is set; nothing finished is deleted without it.
* :func:`dataset_step` -- ``OUT/dataset``, reused when complete and made with the same size and
  seed (read back from its generation parameters); an interrupted one is resumed.
* :func:`model_step` -- ``OUT/model``, reused when ``metrics.json`` exists and the stamp
  ``OUT/model/quickstart_plan.json`` holds the same training settings (:func:`training_argv`
  less its two paths, which are always ``OUT/dataset`` and ``OUT/model`` however ``OUT`` is
  spelled) and the same dataset size and seed.
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
from insar_hf.dataset.layout import GENERATION_FILE
from insar_hf.hub import push_folder
from insar_hf.quickstart.config import (
    DATASET_NAME,
    PLAN_FILE,
    SPACE_NAME,
    QuickstartConfig,
    QuickstartConflictError,
    model_repo_name,
)
from insar_hf.space import default_space_dir, stage_space

if TYPE_CHECKING:
    from insar_hf.quickstart.plan import Plan

PATH_ARGUMENTS = ("--dataset", "--output_dir")
"""Arguments of :func:`training_argv` that name ``OUT/dataset`` and ``OUT/model``."""


def dataset_shard_size(num_samples: int) -> int:
    """Rows per shard of the quickstart's dataset (``insar-hf generate --shard-size``)."""
    return max(100, min(1000, num_samples // 4))


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _non_empty(folder: Path) -> bool:
    return folder.exists() and (not folder.is_dir() or any(folder.iterdir()))


# ------------------------------------------------------------------------------ conflicts
def _dataset_wanted(config: QuickstartConfig, plan: Plan) -> dict[str, int]:
    return {"num_samples": plan.num_samples, "seed": config.seed}


def _dataset_made(params: dict[str, Any]) -> dict[str, Any]:
    return {
        "num_samples": sum((params.get("split_sizes") or {}).values()),
        "seed": params.get("seed"),
    }


def _differences(old: dict[str, Any], new: dict[str, Any]) -> str:
    return ", ".join(f"{k} {old.get(k)} -> {v}" for k, v in new.items() if old.get(k) != v)


def dataset_conflict(config: QuickstartConfig, plan: Plan) -> str | None:
    """Why ``OUT/dataset`` may not be replaced without ``overwrite`` (None when it may be used).

    A complete dataset made with another size or seed, or a folder that ``insar-hf generate``
    did not make, is a conflict; an interrupted generation of ours is not (it is resumed, or
    replaced when its settings differ).
    """
    folder = config.out_dir / "dataset"
    if not _non_empty(folder):
        return None
    params = _read_json(folder / GENERATION_FILE)
    if params is None:
        return f"{folder} exists and was not made by `insar-hf generate`"
    made = _dataset_made(params)
    difference = _differences(made, _dataset_wanted(config, plan))
    if difference and not check_dataset(folder):
        return f"{folder} holds a finished dataset made with other settings ({difference})"
    return None


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
        # The recipe (docs/training.md, "Recipe"): warm-up, cosine decay, AdamW.
        "--lr_scheduler_type", "cosine",
        "--warmup_steps", "0.05",
        "--weight_decay", "0.05",
        "--per_device_train_batch_size", str(config.batch_size),
        "--per_device_eval_batch_size", str(2 * config.batch_size),
        "--seed", str(config.seed),
        "--model_name", model_repo_name(plan.preset),
        "--dataloader_num_workers", "0",
        "--save_total_limit", "1",
    ]  # fmt: skip


def training_settings(stamp: dict[str, Any]) -> dict[str, Any]:
    """What a model stamp says about training, less the paths (see the module docstring).

    ``{"argv": {flag: value}, "dataset": {...}}``; a stamp written before the dataset was
    recorded has no ``"dataset"``, and is then compared on its command line alone.
    """
    argv = list(stamp.get("argv") or [])
    pairs = dict(zip(argv[::2], argv[1::2]))
    settings: dict[str, Any] = {"argv": {k: v for k, v in pairs.items() if k not in PATH_ARGUMENTS}}
    if "dataset" in stamp:
        settings["dataset"] = stamp["dataset"]
    return settings


def _model_stamp(config: QuickstartConfig, plan: Plan, dataset: Path, model_dir: Path):
    argv = training_argv(config, plan, dataset.resolve(), model_dir.resolve())
    return {"argv": argv, "dataset": _dataset_wanted(config, plan)}


def _describe_settings(old: dict[str, Any], new: dict[str, Any]) -> str:
    parts = [
        f"{k} {old['argv'].get(k)} -> {v}"
        for k, v in new["argv"].items()
        if old["argv"].get(k) != v
    ]
    if "dataset" in old and old["dataset"] != new["dataset"]:
        parts.append(f"dataset {_differences(old['dataset'], new['dataset'])}")
    return ", ".join(parts) or "settings"


def _finished(model_dir: Path, stamp: dict[str, Any] | None) -> bool:
    """``metrics.json`` is there and the stamp (if any) does not say that training was cut short."""
    unfinished = stamp is not None and stamp.get("finished") is False
    return (model_dir / "metrics.json").is_file() and not unfinished


def model_conflict(config: QuickstartConfig, plan: Plan) -> str | None:
    """Why ``OUT/model`` may not be replaced without ``overwrite`` (None when it may be used).

    A finished model (``metrics.json``) trained with other settings, or a folder that holds no
    model of an earlier quickstart run (no stamp), is a conflict; an interrupted run of ours is
    not (it starts again).
    """
    model_dir = config.out_dir / "model"
    if not _non_empty(model_dir):
        return None
    stamp = _read_json(model_dir / PLAN_FILE)
    if not _finished(model_dir, stamp):
        return None if stamp else f"{model_dir} exists and holds no quickstart model"
    if stamp is None:
        return f"{model_dir} holds a finished model that this quickstart did not train"
    old = training_settings(stamp)
    new = training_settings(_model_stamp(config, plan, config.out_dir / "dataset", model_dir))
    if "dataset" not in old:
        new.pop("dataset")
    if old != new:
        return (
            f"{model_dir} holds a finished model trained with other settings "
            f"({_describe_settings(old, new)})"
        )
    return None


def check_conflicts(config: QuickstartConfig, plan: Plan) -> None:
    """Stop before any work when ``OUT`` holds finished work that this plan would replace.

    Raises :class:`QuickstartConflictError` (one line: what differs, and ``--overwrite``)
    unless ``config.overwrite``.
    """
    if config.overwrite:
        return
    found = [c for c in (dataset_conflict(config, plan), model_conflict(config, plan)) if c]
    if found:
        raise QuickstartConflictError(
            "; ".join(found) + ". Nothing was changed: pass --overwrite to replace it, "
            "or choose another --out"
        )


# ------------------------------------------------------------------------------ steps
def dataset_step(config: QuickstartConfig, plan: Plan) -> tuple[Path, bool]:
    """Generate ``OUT/dataset``; returns (folder, reused).

    A complete folder made with the same size and seed is reused; an interrupted one resumes
    (``generate_dataset`` skips complete shards). Anything else is replaced only where
    :func:`check_conflicts` allowed it (an interrupted run of ours, or ``overwrite``).
    """
    check_conflicts(config, plan)
    folder = config.out_dir / "dataset"
    if _non_empty(folder):
        params = _read_json(folder / GENERATION_FILE) or {}
        same = _dataset_made(params) == _dataset_wanted(config, plan)
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
            shard_size=dataset_shard_size(plan.num_samples),
            progress=True,
        )

    try:
        generate()
    except GenerationMismatchError:
        if not check_dataset(folder) and not config.overwrite:
            raise  # finished, with another generator configuration: never deleted unasked
        shutil.rmtree(folder)  # interrupted, or replacing was asked for
        generate()
    problems = check_dataset(folder)
    if problems:
        raise RuntimeError("the generated dataset failed its check:\n  " + "\n  ".join(problems))
    return folder, False


def model_step(config: QuickstartConfig, plan: Plan, dataset: Path) -> tuple[Path, bool]:
    """Train into ``OUT/model`` with the function behind ``training/train.py``."""
    from insar_hf.training import trainer as training

    check_conflicts(config, plan)
    model_dir = config.out_dir / "model"
    stamp_path = model_dir / PLAN_FILE
    if _finished(model_dir, _read_json(stamp_path)) and model_conflict(config, plan) is None:
        return model_dir, True
    if model_dir.exists():
        shutil.rmtree(model_dir)  # an interrupted run of ours, or --overwrite
    stamp = _model_stamp(config, plan, dataset, model_dir)
    model_dir.mkdir(parents=True)
    stamp_path.write_text(json.dumps({**stamp, "finished": False}, indent=2) + "\n")
    training.main(training_argv(config, plan, dataset, model_dir))
    stamp_path.write_text(json.dumps({**stamp, "finished": True}, indent=2) + "\n")
    return model_dir, False


def space_step(
    config: QuickstartConfig,
    model_dir: Path,
    dataset_id: str | None = None,
    *,
    notice: str | None = None,
) -> Path:
    """Stage the Space into ``OUT/space`` wired to the local checkpoint (always refreshed).

    ``notice`` (the learning check's warning when the model did not learn) heads its README.
    """
    folder = config.out_dir / "space"
    if folder.exists():
        shutil.rmtree(folder)
    return stage_space(
        default_space_dir(),
        folder,
        model_id=str(model_dir.resolve()),
        dataset_id=dataset_id,
        notice=notice,
    )


def push_step(
    config: QuickstartConfig, dataset: Path, model_dir: Path, *, notice: str | None = None
) -> dict[str, str]:
    """Push dataset, model and Space (headed by ``notice``, if any) to ``config.push_to_hub``;
    returns repo ids."""
    # Lazy: the model card module reaches torch (through the attention maps).
    from insar_hf.training.card import push_model, write_model_card

    org = config.push_to_hub
    ids = {
        "dataset": f"{org}/{DATASET_NAME}",
        "model": f"{org}/{model_repo_name(config.preset)}",
        "space": f"{org}/{SPACE_NAME}",
    }
    push_folder(dataset, ids["dataset"], repo_type="dataset", token=config.token)
    write_model_card(model_dir, dataset_id=ids["dataset"])  # the card names the pushed dataset
    push_model(model_dir, ids["model"], token=config.token)
    with tempfile.TemporaryDirectory() as tmp:
        staged = stage_space(
            default_space_dir(),
            Path(tmp) / "space",
            model_id=ids["model"],
            dataset_id=ids["dataset"],
            notice=notice,
        )
        push_folder(staged, ids["space"], repo_type="space", token=config.token, space_sdk="gradio")
    return ids
