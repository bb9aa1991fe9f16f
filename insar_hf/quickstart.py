"""The README's main job: from nothing to a trained detector, its card and a runnable Space.

:func:`run_quickstart` chains the library's own steps, each of which a user can also run alone:

1. **dataset** -- :func:`insar_hf.dataset.generate.generate_dataset` writes a small synthetic set (parquet
   shards + card) into ``OUT/dataset``; reused when :func:`insar_hf.dataset.generate.check_dataset` finds it
   complete and it was made with the same size and seed.
2. **model** -- :func:`insar_hf.training.trainer.main`, the very function behind ``training/train.py``
   (what ``accelerate launch`` runs), trains a small preset into ``OUT/model`` and writes
   ``metrics.json`` (test metrics, breakdowns, attention localisation), the figures and the model
   card; reused when ``metrics.json`` exists for the same plan.
3. **space** -- the repository's ``space/`` folder staged into ``OUT/space`` with ``model_id.txt``
   pointing at the local checkpoint, so ``python OUT/space/app.py`` serves it offline.
4. **push** (optional) -- dataset, model and Space to ``ORG/...`` on the Hub.

The plan (samples, epochs) is fitted to the time budget from a short calibration of this
machine's generation and training speed, and printed with its time estimate before any work.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

PLAN_FILE = "quickstart_plan.json"
DATASET_NAME = "insar-synthetic-earthquakes"
SPACE_NAME = "insar-earthquake-detector"
DEFAULT_EPOCHS = 10
GENERATION_EFFICIENCY = 0.35
"""End-to-end dataset rate / (calibrated in-process scene rate x workers). Measured on 2 cores:
44 scenes/s in the calibration loop, 31 samples/s for 6,020 samples with 2 workers (mask PNG,
parquet, inter-process transfer and the redraw-heavy scenes the short calibration misses)."""


@dataclass(frozen=True)
class QuickstartConfig:
    """What the quickstart makes and how long it may take.

    Attributes
    ----------
    out_dir
        Folder that receives ``dataset/``, ``model/``, ``space/`` and the plan.
    minutes
        Wall-clock budget for the whole run; the plan is fitted to it.
    preset
        Model preset (see :data:`insar_hf.model.presets.PRESETS`).
    num_samples, epochs
        Fix the plan instead of fitting it to ``minutes``.
    seed
        Seed of the dataset and of training.
    workers
        Generator processes (default: all cores).
    push_to_hub
        Hub organisation or user: push dataset, model and Space there at the end.
    """

    out_dir: Path = Path("quickstart_out")
    minutes: float = 15.0
    preset: str = "vit-micro"
    num_samples: int | None = None
    epochs: int | None = None
    seed: int = 0
    workers: int | None = None
    batch_size: int = 32
    learning_rate: float = 1e-3
    push_to_hub: str | None = None
    token: str | None = field(default=None, repr=False)

    def __post_init__(self):
        from insar_hf.model.presets import PRESETS

        if not self.minutes > 0:
            raise ValueError(f"--minutes must be positive, got {self.minutes}")
        if self.preset not in PRESETS:
            raise ValueError(
                f"--preset {self.preset!r} is unknown; choose one of {sorted(PRESETS)}"
            )
        if self.num_samples is not None and self.num_samples < 20:
            raise ValueError(
                f"--num-samples must be at least 20 (every split needs samples), got {self.num_samples}"
            )
        if self.epochs is not None and self.epochs < 1:
            raise ValueError(f"--epochs must be >= 1, got {self.epochs}")
        if self.push_to_hub is not None and ("/" in self.push_to_hub or not self.push_to_hub):
            raise ValueError(
                f"--push-to-hub takes an organisation or user name (no '/'), got {self.push_to_hub!r}"
            )


@dataclass
class Plan:
    """Sizes and time estimates (seconds) of one quickstart run."""

    num_samples: int
    epochs: int
    preset: str
    scenes_per_s: float
    train_images_per_s: float
    infer_images_per_s: float
    estimate_s: dict[str, float]

    @property
    def total_s(self) -> float:
        return float(sum(self.estimate_s.values()))


# --- calibration and planning ---------------------------------------------------------------


def _cores(workers: int | None) -> int:
    return max(1, workers or os.cpu_count() or 1)


def calibrate_generation(seed: int = 0, n: int = 12) -> tuple[float, list[dict[str, Any]]]:
    """Scenes per second per process for the whole row path (scene, render, PNG), and the rows."""
    from insar_hf.dataset.generate import scene_to_row
    from insar_hf.simulate.scene import sample_scene

    # Seeds far from any dataset index stream; the scenes are timed, never kept.
    scene_to_row(sample_scene(np.random.SeedSequence(seed, spawn_key=(99, 0))))  # warm caches
    start = time.perf_counter()
    rows = [
        scene_to_row(sample_scene(np.random.SeedSequence(seed, spawn_key=(99, i))))
        for i in range(1, n + 1)
    ]
    return n / (time.perf_counter() - start), rows


def calibrate_input_pipeline(rows: list[dict[str, Any]]) -> float:
    """Training images per second of the input pipeline: PNG decode, augmentation, collation."""
    import io

    from PIL import Image

    from insar_hf.schema import KIND_NAMES as KINDS
    from insar_hf.training.trainer import Augmenter, collate

    augment = Augmenter()
    rng = np.random.default_rng(0)
    start = time.perf_counter()
    examples = []
    for row in rows:
        image = np.asarray(Image.open(io.BytesIO(row["image"]["bytes"])).convert("RGB"))
        examples.append({"image": augment(image, KINDS[row["kind"]], rng), "labels": row["label"]})
    collate(examples)
    return len(rows) / (time.perf_counter() - start)


def calibrate_model(preset: str, batch_size: int) -> tuple[float, float]:
    """Training and inference images per second of ``preset`` on this CPU (a few steps)."""
    import torch

    from insar_hf.model.presets import build_model

    model = build_model(
        preset,
        id2label={0: "no_earthquake", 1: "earthquake"},
        label2id={"no_earthquake": 0, "earthquake": 1},
    )
    x = torch.randn(batch_size, 3, 224, 224)  # (B, C, H, W)
    y = torch.randint(0, 2, (batch_size,))
    optim = torch.optim.Adam(model.parameters(), lr=1e-4)
    model.train()

    def step():
        optim.zero_grad()
        model(pixel_values=x, labels=y).loss.backward()
        optim.step()

    step()  # warm-up
    start = time.perf_counter()
    steps = 2
    for _ in range(steps):
        step()
    train_rate = steps * batch_size / (time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        model(pixel_values=x)
        start = time.perf_counter()
        model(pixel_values=x)
        infer_rate = batch_size / (time.perf_counter() - start)
    return train_rate, infer_rate


def make_plan(
    config: QuickstartConfig, scenes_per_s: float, train_rate: float, infer_rate: float
) -> Plan:
    """Fit samples and epochs to ``config.minutes`` given measured speeds.

    The time model: generation ``N / (rate * cores)``; each epoch trains on ``0.8 N`` and
    evaluates ``0.1 N``; the final test pass and the attention-localisation pass read ``0.1 N``
    twice more; a fixed allowance covers start-up and saving. 85 % of the budget is planned,
    the rest is headroom for a busy machine.
    """
    cores = _cores(config.workers)
    gen_rate = scenes_per_s * cores * GENERATION_EFFICIENCY
    overhead_s = 30.0
    budget_s = 0.85 * config.minutes * 60.0 - overhead_s
    epochs = config.epochs or DEFAULT_EPOCHS

    def cost(n: int, e: int) -> dict[str, float]:
        return {
            "dataset": n / gen_rate,
            "training": e * (0.8 * n / train_rate + 0.1 * n / infer_rate),
            "evaluation": 0.2 * n / infer_rate,  # test pass + attention-localisation pass
            "overhead": overhead_s,
        }

    if config.num_samples is not None:
        n = config.num_samples
    else:
        per_sample = sum(v for k, v in cost(1, epochs).items() if k != "overhead")
        n = int(max(budget_s, 0.0) / per_sample)
        n = max(100, min(n, 20000))
        n = int(math.floor(n / 10.0) * 10)
    return Plan(
        num_samples=n,
        epochs=epochs,
        preset=config.preset,
        scenes_per_s=scenes_per_s,
        train_images_per_s=train_rate,
        infer_images_per_s=infer_rate,
        estimate_s=cost(n, epochs),
    )


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def describe_plan(plan: Plan) -> str:
    lines = [
        f"Plan: {plan.num_samples} synthetic samples, {plan.preset} for {plan.epochs} epochs",
        f"  measured here: {plan.scenes_per_s:.0f} scenes/s/process, "
        f"training {plan.train_images_per_s:.0f} img/s, inference {plan.infer_images_per_s:.0f} img/s",
    ]
    for step, seconds in plan.estimate_s.items():
        lines.append(f"  {step:<11} ~{_minutes(seconds)}")
    lines.append(f"  estimated total ~{_minutes(plan.total_s)}")
    return "\n".join(lines)


# --- steps ----------------------------------------------------------------------------------


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
    from insar_hf.dataset.generate import (
        GenerationMismatchError,
        check_dataset,
        generate_dataset,
        read_generation,
    )

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
    from insar_hf.space import default_space_dir, stage_space

    folder = config.out_dir / "space"
    if folder.exists():
        shutil.rmtree(folder)
    return stage_space(
        default_space_dir(), folder, model_id=str(model_dir.resolve()), dataset_id=dataset_id
    )


def push_step(config: QuickstartConfig, dataset: Path, model_dir: Path) -> dict[str, str]:
    """Push dataset, model and Space to ``config.push_to_hub``; returns repo ids."""
    import tempfile

    from insar_hf.hub import push_folder
    from insar_hf.space import default_space_dir, stage_space
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


def _token_or_die(config: QuickstartConfig) -> str:
    from huggingface_hub import get_token

    token = config.token or get_token()
    if not token:
        raise ValueError(
            "--push-to-hub needs a Hugging Face token: run `hf auth login` or set HF_TOKEN "
            "(nothing was generated or trained)"
        )
    return token


# --- the whole job --------------------------------------------------------------------------


def summary_table(rows: list[tuple[str, str]]) -> str:
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k:<{width}}  {v}" for k, v in rows)


def next_commands(out_dir: Path, model_dir: Path, dataset: Path, org: str | None) -> str:
    model, data, space = (str(p.resolve()) for p in (model_dir, dataset, out_dir / "space"))
    org = org or "YOUR_ORG"
    example = str((out_dir / "space" / "examples").resolve())
    return "\n".join(
        [
            "Open the Space (http://127.0.0.1:7860):",
            f"  python {space}/app.py",
            "Use the model and dataset from Python:",
            f"  python -c \"from insar_hf import Detector; d = Detector.from_pretrained('{model}'); "
            f"import glob; print(d.predict(sorted(glob.glob('{example}/*.png'))[0]).label)\"",
            f"  python -c \"from datasets import load_dataset; print(load_dataset('{data}'))\"",
            f'  python -c "from transformers import pipeline; '
            f"print(pipeline('image-classification', model='{model}'))\"",
            "Push each part to the Hub (needs `hf auth login`):",
            f"  insar-hf generate --out {data} --num-samples N --push-to-hub {org}/{DATASET_NAME}",
            f"  insar-hf push-model --model {model} --repo-id {org}/insar-vit-quickstart",
            f"  insar-hf push-space --repo-id {org}/{SPACE_NAME} --model {org}/insar-vit-quickstart",
        ]
    )


def run_quickstart(config: QuickstartConfig, *, echo=print) -> dict[str, Any]:
    """Run every step (reusing finished ones); returns paths, plan and test metrics."""
    started = time.perf_counter()
    config = QuickstartConfig(**{**asdict(config), "out_dir": Path(config.out_dir)})
    token = _token_or_die(config) if config.push_to_hub else None
    if token:
        config = QuickstartConfig(**{**asdict(config), "token": token})
    config.out_dir.mkdir(parents=True, exist_ok=True)

    plan_path = config.out_dir / PLAN_FILE
    saved = _load_plan(plan_path, config)
    if saved is None:
        echo("Calibrating this machine (a few seconds)...")
        scenes_per_s, rows = calibrate_generation(config.seed)
        input_rate = calibrate_input_pipeline(rows)
        model_rate, infer_rate = calibrate_model(config.preset, min(config.batch_size, 16))
        # Training reads its data in the same process (--dataloader_num_workers 0).
        train_rate = 1.0 / (1.0 / model_rate + 1.0 / input_rate)
        saved = make_plan(config, scenes_per_s, train_rate, infer_rate)
        plan_path.write_text(
            json.dumps({"config": _config_key(config), "plan": asdict(saved)}, indent=2) + "\n"
        )
    plan = saved
    echo(describe_plan(plan))

    timings: dict[str, float] = {}
    t = time.perf_counter()
    echo("\n[1/3] dataset")
    dataset, reused_data = dataset_step(config, plan)
    timings["dataset"] = time.perf_counter() - t
    echo(f"  {'reused' if reused_data else 'wrote'} {dataset}")

    t = time.perf_counter()
    echo(f"\n[2/3] training {plan.preset} (training/train.py path)")
    model_dir, reused_model = model_step(config, plan, dataset)
    timings["model"] = time.perf_counter() - t
    echo(f"  {'reused' if reused_model else 'wrote'} {model_dir}")

    t = time.perf_counter()
    echo("\n[3/3] Space")
    space = space_step(config, model_dir)
    timings["space"] = time.perf_counter() - t

    pushed = push_step(config, dataset, model_dir) if config.push_to_hub else {}

    metrics = json.loads((model_dir / "metrics.json").read_text())
    overall = metrics.get("overall", {})
    attention = metrics.get("attention") or {}
    rows = [
        ("dataset", f"{dataset}  ({plan.num_samples} samples)"),
        ("model", f"{model_dir}  ({plan.preset}, {plan.epochs} epochs)"),
        ("model card", str(model_dir / "README.md")),
        ("space", str(space)),
    ]
    for key in ("accuracy", "precision", "recall", "f1", "roc_auc"):
        if key in overall:
            rows.append((f"test {key}", f"{overall[key]:.3f}"))
    if "rollout" in attention and "random" in attention:
        rows.append(
            (
                "pointing game",
                f"{attention['rollout']['pointing_game']:.3f} rollout, "
                f"{attention['random']['pointing_game']:.3f} random map "
                f"({attention['n']} earthquake scenes)",
            )
        )
    for repo_type, repo_id in pushed.items():
        rows.append((f"pushed {repo_type}", repo_id))
    rows.append(
        (
            "wall time",
            f"{_minutes(time.perf_counter() - started)} (estimate {_minutes(plan.total_s)})",
        )
    )
    echo("\nSummary\n" + summary_table(rows))
    echo("\n" + next_commands(config.out_dir, model_dir, dataset, config.push_to_hub))
    return {
        "dataset": dataset,
        "model": model_dir,
        "space": space,
        "plan": plan,
        "metrics": metrics,
        "pushed": pushed,
        "timings_s": timings,
    }


def _config_key(config: QuickstartConfig) -> dict[str, Any]:
    key = asdict(config)
    for name in ("out_dir", "token", "push_to_hub", "workers"):
        key.pop(name)
    return key


def _load_plan(path: Path, config: QuickstartConfig) -> Plan | None:
    """The saved plan if it was made for the same settings (so re-runs reuse every step)."""
    try:
        saved = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if saved.get("config") != _config_key(config):
        return None
    return Plan(**saved["plan"])
