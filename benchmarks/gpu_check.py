"""One GPU check: ViT-B/16 training speed in bf16 with the real input pipeline, in one table.

Run ``benchmarks/gpu_check.sh`` (which calls this under a time limit) on a machine with a CUDA
GPU and at least 8 CPU cores. In about 6 minutes (each stage is bounded in time) it measures:

1. **model alone**: training steps (AdamW, bf16 autocast, SDPA attention) on device-resident
   random images, in images/s, and the model FLOPs utilisation ``3 F r / peak``
   (:mod:`insar_hf.model.flops`);
2. **input alone**: the training input pipeline of ``Trainer`` (decoded images, normalised and
   augmented as one batch by the collator: :func:`insar_hf.training.memory.make_collator`)
   through a ``DataLoader`` for each worker count of ``--workers``, from a small parquet set
   generated here, decoded per step (``parquet lazy``, :func:`insar_hf.training.data.lazy_split`:
   the paper-scale set does not fit in memory) or once (``in memory``,
   :func:`insar_hf.training.memory.decode_split`), and from the synthetic stream
   (:mod:`insar_hf.dataset.stream`); the input keeps up from the fewest workers whose rate
   reaches 90 % of the model's;
3. **train + input**: the training step fed by the lazy parquet pipeline at that worker count;
4. **paper recipe**: ``training/train.py`` with ``training/configs/paper_vit_b16.json`` and
   ``max_steps`` (evaluation and a checkpoint once, at the end; lazy decoding as at paper scale;
   no TensorBoard), reporting the logged loss (first -> last) and the images/s of its steps.

Without a GPU it refuses with one line (exit code 2). ``--allow-cpu --tiny`` runs every stage
on the CPU with ``vit-micro``, batch 8 and a few steps: the test of this script.

Examples::

    benchmarks/gpu_check.sh
    benchmarks/gpu_check.sh --workers 0 8 12 16 --recipe-steps 500
    python benchmarks/gpu_check.py --allow-cpu --tiny
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from insar_hf.dataset.generate import generate_dataset
from insar_hf.dataset.stream import synthetic_stream
from insar_hf.model.flops import model_flops_utilisation, peak_bf16_flops
from insar_hf.model.presets import DEFAULT_ID2LABEL, build_config
from insar_hf.training.arguments import DataArguments
from insar_hf.training.batch_augment import BatchAugmentation
from insar_hf.training.data import lazy_split
from insar_hf.training.memory import decode_split, make_collator

REPO = Path(__file__).resolve().parents[1]
PAPER_CONFIG = REPO / "training" / "configs" / "paper_vit_b16.json"
REFUSAL = (
    "gpu_check: no CUDA GPU is visible (torch.cuda.is_available() is False); run it on a GPU "
    "machine, or add --allow-cpu --tiny to test the script on a CPU"
)
KEEPS_UP = 0.9
"""The input keeps up when it delivers at least this fraction of the model's images/s."""

FULL = dict(preset="vit-base-patch16-224", batch=256, train_rows=4096, eval_rows=256,
            model_s=25.0, input_s=8.0, train_s=30.0, recipe_s=180.0, recipe_train_s=110.0,
            recipe_steps=300)  # fmt: skip
TINY = dict(preset="vit-micro", batch=8, train_rows=32, eval_rows=8,
            model_s=1.0, input_s=1.0, train_s=1.0, recipe_s=90.0, recipe_train_s=None,
            recipe_steps=4)  # fmt: skip
"""Sizes and time limits (s) of each stage, default scenes in both (64 px scenes are no faster:
their upsampling to 224 costs more than the scene). The recipe's training stops, evaluating and
saving, after ``recipe_train_s`` (``time_budget_minutes``), which leaves start-up, the test
evaluation and the card the rest of ``recipe_s``, its hard limit. A GPU with less than about
40 GB of memory needs ``--batch-size 64`` for ViT-B/16."""


class Table:
    """The rows of the final table: ``(stage, value, note)``, printed as they come and at the end."""

    def __init__(self, t0: float):
        self.rows: list[tuple[str, str, str]] = []
        self.t0 = t0

    def add(self, stage: str, value: str, note: str = "") -> None:
        self.rows.append((stage, value, note))
        print(f"[{time.perf_counter() - self.t0:6.1f} s] {stage}: {value} {note}", flush=True)

    def print(self) -> None:
        width = max(len(r[0]) for r in self.rows)
        vwidth = max(len(r[1]) for r in self.rows)
        print(f"\n{'stage':<{width}}  {'value':>{vwidth}}  note")
        print("-" * (width + vwidth + 40))
        for stage, value, note in self.rows:
            print(f"{stage:<{width}}  {value:>{vwidth}}  {note}")


def _sync(device) -> None:
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def _model(preset: str, device):
    from transformers import ViTForImageClassification

    label2id = {v: k for k, v in DEFAULT_ID2LABEL.items()}
    config = build_config(preset, id2label=DEFAULT_ID2LABEL, label2id=label2id)
    config._attn_implementation = "sdpa"
    return ViTForImageClassification(config).to(device).train()


def _autocast(device):
    import torch

    return torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")


def _timed_steps(step, device, *, seconds: float, warmup: int = 2, max_steps: int = 200) -> float:
    """Images/s of ``step()`` (which returns its batch size) after ``warmup``, for ``seconds``."""
    for _ in range(warmup):
        step()
    _sync(device)
    t0, n, steps = time.perf_counter(), 0, 0
    while steps < 2 or (time.perf_counter() - t0 < seconds and steps < max_steps):
        n += step()
        steps += 1
    _sync(device)
    return n / (time.perf_counter() - t0)


def bench_model(preset: str, device, *, batch: int, seconds: float) -> tuple[float, object]:
    """Training images/s of the model alone on random device-resident images, and its config."""
    import torch

    model = _model(preset, device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.0)
    x = torch.randn(batch, 3, 224, 224, device=device)
    y = torch.randint(0, 2, (batch,), device=device)

    def step() -> int:
        with _autocast(device):
            loss = model(pixel_values=x, labels=y).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return batch

    ips = _timed_steps(step, device, seconds=seconds)
    return ips, model.config


def _loader(dataset, *, batch: int, workers: int, shuffle: bool):
    """``Trainer``'s DataLoader of a training dataset (lazy split, decoded split or stream)."""
    import torch

    return torch.utils.data.DataLoader(
        dataset,
        batch_size=batch,
        shuffle=shuffle,
        num_workers=workers,
        collate_fn=make_collator(BatchAugmentation()),
        pin_memory=torch.cuda.is_available(),
        prefetch_factor=4 if workers > 0 else None,
        persistent_workers=workers > 0,  # no re-start at each epoch of the small parquet set
        drop_last=True,
    )


def _batches(loader):
    """Batches of ``loader`` for ever (a new epoch whenever one ends)."""
    while True:
        yield from loader


def bench_input(dataset, *, batch: int, workers: int, seconds: float, shuffle: bool) -> float:
    """Images/s of the input pipeline alone, once every worker has delivered its first batch."""
    batches = _batches(_loader(dataset, batch=batch, workers=workers, shuffle=shuffle))
    for _ in range(max(1, workers)):  # start-up: the first round of batches
        next(batches)
    t0, n = time.perf_counter(), 0
    while n == 0 or time.perf_counter() - t0 < seconds:
        n += len(next(batches)["labels"])
    ips = n / (time.perf_counter() - t0)
    batches.close()  # shuts the workers down
    return ips


def bench_train_with_input(preset, device, dataset, *, batch, workers, seconds) -> float:
    """Training images/s fed by ``dataset``'s pipeline (loading and host-to-device included)."""
    import torch

    model = _model(preset, device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-5, weight_decay=0.0)
    batches = _batches(_loader(dataset, batch=batch, workers=workers, shuffle=True))

    def step() -> int:
        b = {k: v.to(device, non_blocking=True) for k, v in next(batches).items()}
        with _autocast(device):
            loss = model(**b).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return len(b["labels"])

    ips = _timed_steps(step, device, seconds=seconds, warmup=max(2, workers))
    batches.close()
    return ips


def run_recipe(data_dir: Path, out_dir: Path, *, steps: int, tiny: bool, timeout_s: float,
               train_s: float | None, threads: int | None):  # fmt: skip
    """``training/train.py`` on the paper config with ``max_steps``: its log history, or an error."""
    config = json.loads(PAPER_CONFIG.read_text())
    config |= dict(
        dataset=str(data_dir),
        output_dir=str(out_dir),
        max_steps=steps,
        eval_strategy="steps",
        save_strategy="steps",
        eval_steps=steps,
        save_steps=steps,
        logging_strategy="steps",
        logging_steps=max(1, steps // 12),
        save_total_limit=1,
        report_to="none",
    )
    if train_s:
        config["time_budget_minutes"] = train_s / 60.0
    if "in_memory" in {f.name for f in dataclasses.fields(DataArguments)}:
        config["in_memory"] = False  # as at paper scale, which does not fit in memory
    if tiny:
        config |= dict(preset="vit-micro", per_device_train_batch_size=8,
                       per_device_eval_batch_size=8, dataloader_num_workers=0,
                       dataloader_persistent_workers=False)  # fmt: skip
    path = out_dir.parent / "gpu_check_recipe.json"
    path.write_text(json.dumps(config, indent=2))
    cmd = [sys.executable, str(REPO / "training" / "train.py"), str(path)]
    try:
        env = os.environ | {"HF_DATASETS_CACHE": str(out_dir.parent / "cache")}
        env |= {"OMP_NUM_THREADS": str(threads)} if threads else {}
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout_s, cwd=REPO, env=env
        )
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout_s:.0f} s"
    state = out_dir / "trainer_state.json"
    if proc.returncode != 0 or not state.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return None, f"train.py failed (exit {proc.returncode}): {tail[0][:160]}"
    return json.loads(state.read_text())["log_history"], config


def _dataset(tmp: Path, rows: dict[str, int]):
    from datasets import load_dataset

    generate_dataset(tmp / "data", split_sizes_=rows, seed=0, progress=False, figure=False,
                     workers=max(1, len(os.sched_getaffinity(0))))  # fmt: skip
    cache = str(tmp / "cache")  # the arrow copy goes with the temporary folder
    return tmp / "data", load_dataset(str(tmp / "data"), split="train", cache_dir=cache)


def _workers_needed(rates: dict[int, float], model_ips: float) -> tuple[int, bool]:
    """The fewest workers whose input keeps up with the model (or the fastest), and whether any does.

    Worker processes load in parallel with the training step; with 0 the main process loads
    between steps, which never keeps up, so 0 counts only when it is the only setting swept.
    """
    parallel = {w: r for w, r in rates.items() if w > 0} or rates
    enough = sorted(w for w, r in parallel.items() if r >= KEEPS_UP * model_ips)
    return (enough[0], True) if enough else (max(parallel, key=parallel.get), False)


def _keeps_up(rates: dict[int, float], model_ips: float) -> str:
    workers, keeps_up = _workers_needed(rates, model_ips)
    if keeps_up:
        return f"yes, from {workers} workers"
    return f"no: best {rates[workers]:,.0f} img/s at {workers} workers"


def run_checks(args, device, table: Table, tmp: Path) -> None:
    import torch

    s = TINY if args.tiny else FULL
    batch = args.batch_size or s["batch"]
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    table.add("device", name, f"{os.cpu_count()} CPU cores; {s['preset']}, batch {batch}, "
              f"bf16 autocast {device.type == 'cuda'}")  # fmt: skip
    rows = {"train": s["train_rows"], "validation": s["eval_rows"], "test": s["eval_rows"]}
    data_dir, split = _dataset(tmp, rows)

    model_ips, config = bench_model(s["preset"], device, batch=batch, seconds=s["model_s"])
    table.add("model alone: train img/s", f"{model_ips:,.1f}", "random images on the device")
    peak = args.peak_tflops * 1e12 if args.peak_tflops else peak_bf16_flops(name)
    mfu = f"{model_flops_utilisation(config, model_ips, peak):.1%}" if peak else "-"
    note = f"peak {peak / 1e12:,.0f} TFLOP/s" if peak else "peak unknown (--peak-tflops)"
    table.add("model FLOPs utilisation", mfu, note)

    workers = [w for w in args.workers if w <= (os.cpu_count() or 1)]
    rates = {}
    sources = {
        "parquet lazy": (lazy_split(split, True), True),
        "in memory": (
            decode_split(split, augment=True, desc="decoding for the in-memory rows"),
            True,
        ),
        "stream": (lazy_split(synthetic_stream("train", seed=0), True), False),
    }
    for source, (data, shuffle) in sources.items():
        rates[source] = {}
        for w in workers:
            ips = bench_input(data, batch=batch, workers=w, seconds=s["input_s"], shuffle=shuffle)
            rates[source][w] = ips
            table.add(f"input alone, {source}, {w} workers", f"{ips:,.1f}", "img/s")
    for source in sources:
        table.add(f"input keeps up ({source})", _keeps_up(rates[source], model_ips),
                  f"at >= {KEEPS_UP:.0%} of the model's img/s")  # fmt: skip

    best, _ = _workers_needed(rates["parquet lazy"], model_ips)
    ips = bench_train_with_input(s["preset"], device, sources["parquet lazy"][0], batch=batch,
                                 workers=best, seconds=s["train_s"])  # fmt: skip
    table.add(f"train + input (parquet lazy, {best} workers)", f"{ips:,.1f}",
              f"img/s, {ips / model_ips:.0%} of the model alone")  # fmt: skip
    if device.type == "cuda":
        torch.cuda.empty_cache()

    steps = args.recipe_steps or s["recipe_steps"]
    history, info = run_recipe(data_dir, tmp / "recipe", steps=steps, tiny=args.tiny,
                               timeout_s=s["recipe_s"], train_s=s["recipe_train_s"], threads=args.threads)  # fmt: skip
    if history is None:
        table.add("paper recipe: loss", "-", info)
        table.add("paper recipe: img/s", "-", info)
        return
    losses = [h["loss"] for h in history if "loss" in h]
    summary = next((h for h in history if "train_runtime" in h), {})
    done, batch = summary.get("step", 0), info["per_device_train_batch_size"]
    k = max(1, len(losses) // 4)
    first, last = sum(losses[:k]) / k, sum(losses[-k:]) / k
    table.add("paper recipe: loss", f"{losses[0]:.3f} -> {losses[-1]:.3f}",
              f"{done} of {steps} steps; mean of the first/last {k} logs {first:.3f} -> "
              f"{last:.3f}: going down {'yes' if last < first else 'NO'}")  # fmt: skip
    ips = done * batch / summary["train_runtime"] if summary.get("train_runtime") else float("nan")
    table.add("paper recipe: img/s", f"{ips:,.1f}",
              f"{done} steps x batch {batch} / train_runtime, {info['dataloader_num_workers']} "
              "workers, incl. 1 evaluation and 1 checkpoint")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--allow-cpu", action="store_true", help="run without a GPU (tests)")
    parser.add_argument("--tiny", action="store_true", help="vit-micro, batch 8, a few steps")
    parser.add_argument("--workers", type=int, nargs="+", default=None,
                        help="DataLoader worker counts to sweep (default 0 4 8 12; tiny 0 1)")  # fmt: skip
    parser.add_argument("--batch-size", type=int, default=None, help="default 256 (tiny 8)")
    parser.add_argument("--recipe-steps", type=int, default=None, help="default 300 (tiny 6)")
    parser.add_argument("--peak-tflops", type=float, default=None, help="dense bf16 peak")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads, here and in the recipe (default: torch's; tiny 1: "
                        "two threads on two busy cores run 30x slower than one)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.workers is None:
        args.workers = [0, 1] if args.tiny else [0, 4, 8, 12]
    if args.threads is None and args.tiny:
        args.threads = 1

    import torch

    if not torch.cuda.is_available() and not args.allow_cpu:
        print(REFUSAL, file=sys.stderr)
        return 2
    if not torch.cuda.is_available() and not args.tiny:
        print(
            "gpu_check: --allow-cpu needs --tiny (ViT-B/16 on a CPU takes hours)", file=sys.stderr
        )
        return 2
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if args.threads:
        torch.set_num_threads(args.threads)
    if device.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
    t0 = time.perf_counter()
    table = Table(t0)
    tmp = Path(tempfile.mkdtemp(prefix="gpu_check_"))
    try:
        run_checks(args, device, table, tmp)
    except KeyboardInterrupt:  # gpu_check.sh's time limit: show what was measured
        table.add("interrupted", "-", "time limit reached; the rows above were measured")
    finally:
        table.add("total time", f"{time.perf_counter() - t0:,.0f} s", f"temporary folder {tmp}")
        table.print()
        if not args.keep:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
