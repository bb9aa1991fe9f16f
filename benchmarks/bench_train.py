"""Training and inference speed of the ViT presets on the current device.

Prints, per preset:

* ``train img/s``: forward + backward + Adam step on device-resident random images (the model
  alone), bf16 autocast on a GPU;
* ``infer img/s``: batched forward under ``inference_mode`` (SDPA attention);
* ``MFU``: model FLOPs utilisation on a GPU (analytic ViT FLOPs / peak bf16 FLOP/s);
* ``input stages``: images/s of each stage alone in one process (decode, the per-image NumPy
  augmentation, the batched torch augmentation, collation, and the generator that a streamed run
  pays per image);
* ``input pipeline alone``: before issue 12 (lazy decode + per-image NumPy augmentation in
  ``--workers`` DataLoader processes) and now (decoded once in memory, batched augmentation in
  the collator, no workers);
* ``+data before`` / ``+data now``: the training step fed by each pipeline (the whole loop);
* single-image inference latency of ``--latency-preset`` (batch 1, median).

Examples::

    python benchmarks/bench_train.py --presets vit-micro vit-tiny --steps 5 --batch-size 16
    python benchmarks/bench_train.py --presets vit-base-patch16-224 --batch-size 256 --workers 12
    python benchmarks/bench_train.py --presets --latency-preset vit-base-patch16-224
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import tempfile
import time

import numpy as np

from insar_hf.dataset.generate import generate_dataset
from insar_hf.dataset.rows import scene_to_row
from insar_hf.model.flops import peak_bf16_flops, vit_flops_per_image
from insar_hf.model.presets import DEFAULT_ID2LABEL, build_config, pixel_values_from_images
from insar_hf.simulate.scene import sample_scene
from insar_hf.training.augment import Augmenter, make_transform
from insar_hf.training.batch_augment import BatchAugmentation, augment_pixel_values


def _sync(device):
    import torch

    if device.type == "cuda":
        torch.cuda.synchronize()


def _peak_flops(device, override_tflops: float | None) -> float | None:
    import torch

    if override_tflops:
        return override_tflops * 1e12
    if device.type != "cuda":
        return None
    return peak_bf16_flops(torch.cuda.get_device_name(device))


def _model(preset: str, device, attn: str = "sdpa"):
    from transformers import ViTForImageClassification

    config = build_config(
        preset, id2label=DEFAULT_ID2LABEL, label2id={v: k for k, v in DEFAULT_ID2LABEL.items()}
    )
    config._attn_implementation = attn
    return ViTForImageClassification(config).to(device)


def bench_model(preset: str, device, *, batch_size: int, steps: int, warmup: int) -> dict:
    """Images/s of training steps and of inference on random device-resident inputs."""
    import torch

    model = _model(preset, device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-5)
    x = torch.randn(batch_size, 3, 224, 224, device=device)
    y = torch.randint(0, 2, (batch_size,), device=device)
    amp = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else None

    def step():
        with amp if amp is not None else torch.autocast("cpu", enabled=False):
            loss = model(pixel_values=x, labels=y).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    model.train()
    for _ in range(warmup):
        step()
    _sync(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    _sync(device)
    train_ips = batch_size * steps / (time.perf_counter() - t0)

    model.eval()
    with torch.inference_mode(), amp if amp is not None else torch.autocast("cpu", enabled=False):
        for _ in range(warmup):
            model(pixel_values=x)
        _sync(device)
        t0 = time.perf_counter()
        for _ in range(steps):
            model(pixel_values=x)
        _sync(device)
    infer_ips = batch_size * steps / (time.perf_counter() - t0)
    flops = vit_flops_per_image(model.config)
    return dict(train_ips=train_ips, infer_ips=infer_ips, train_tflops=3 * flops * train_ips / 1e12)


def _dataset(path: str | None, num_samples: int):
    from datasets import load_dataset

    if path is None:
        path = tempfile.mkdtemp(prefix="bench_ds_")
        generate_dataset(path, split_sizes_={"train": num_samples, "validation": 1, "test": 1},
                         seed=0, workers=max(1, (os.cpu_count() or 2) - 1), progress=False)  # fmt: skip
    return load_dataset(path, split="train")


def _rate(fn, n_items: int, repeats: int = 3) -> float:
    """Items per second of ``fn()`` (best of ``repeats`` after one warm-up call)."""
    fn()
    best = min(_timed(fn) for _ in range(repeats))
    return n_items / best


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_stages(split, *, batch_size: int) -> dict[str, float]:
    """Images/s of each input stage alone, on one batch of real dataset images (one process).

    ``decode``: WebP/PNG bytes -> uint8 array; ``augment (per image, NumPy)``: the reference
    :class:`Augmenter` (decode the phase, resample, re-render); ``augment (batched, torch)``: the
    training path (:func:`augment_pixel_values`); ``collate``: stack + normalise; ``stream``: the
    generator itself (scene, render, encode), what a streamed run pays per image.
    """
    import torch
    from datasets import Image as ImageFeature

    from insar_hf.training.memory import decode_split

    raw = split.cast_column("image", ImageFeature(decode=False)).select(range(batch_size))
    kinds = [split.features["kind"].names[k] for k in raw["kind"]]
    decoded = decode_split(split.select(range(batch_size)), augment=True, workers=1)
    images = decoded.images
    items = raw["image"]
    from PIL import Image

    def decode():
        for item in items:
            np.asarray(Image.open(io.BytesIO(item["bytes"])).convert("RGB"))

    numpy_aug = Augmenter()
    rng = np.random.default_rng(0)

    def augment_numpy():
        for image, kind in zip(images, kinds):
            numpy_aug(image, kind, rng)

    pixel_values = pixel_values_from_images(images)
    wrapped = torch.from_numpy(decoded.wrapped)
    generator = torch.Generator().manual_seed(0)

    def augment_batched():
        augment_pixel_values(pixel_values, wrapped, BatchAugmentation(), generator)

    def collate_only():
        pixel_values_from_images(images)

    def stream():
        for i in range(4):
            scene_to_row(sample_scene(np.random.SeedSequence(0, spawn_key=(98, i))))

    return {
        "decode": _rate(decode, batch_size),
        "augment (per image, NumPy)": _rate(augment_numpy, batch_size),
        "augment (batched, torch)": _rate(augment_batched, batch_size),
        "collate": _rate(collate_only, batch_size),
        "generate (stream source)": _rate(stream, 4, repeats=1),
    }


def _loader(dataset, batch_size: int, workers: int, collate_fn):
    import torch

    return torch.utils.data.DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=True,
        num_workers=workers,
        collate_fn=collate_fn,
        pin_memory=torch.cuda.is_available(),
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
        drop_last=True,
    )


def loaders(split, batch_size: int, workers: int) -> dict:
    """The two input pipelines: before (lazy decode + per-image NumPy augmentation in the
    workers) and now (decoded once in memory, batched torch augmentation in the collator)."""
    from insar_hf.training.memory import decode_split, make_collator

    before = _loader(lazy_split_numpy(split), batch_size, workers, make_collator(None))
    now = _loader(
        decode_split(split, augment=True), batch_size, 0, make_collator(BatchAugmentation())
    )
    return {"before": before, "now": now}


def lazy_split_numpy(split):
    """The pipeline before issue 12: ``set_transform`` decoding + :class:`Augmenter` per image."""
    names = split.features["kind"].names
    split = split.select_columns(["image", "label", "kind"])
    split.set_transform(make_transform(Augmenter(), names))
    return split


def bench_data(loader, *, batches: int) -> float:
    """Images/s of an input pipeline alone (decode, augment, normalise, collate)."""
    it = iter(loader)
    next(it)  # start the workers
    t0, n = time.perf_counter(), 0
    for _ in range(batches):
        try:
            n += len(next(it)["labels"])
        except StopIteration:
            it = iter(loader)
    return n / (time.perf_counter() - t0)


def bench_train_with_data(preset, device, loader, *, steps) -> float:
    """Images/s of training steps fed by a DataLoader (data loading included)."""
    import torch

    model = _model(preset, device).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-5)
    amp = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else None
    it, n, t0 = iter(loader), 0, None
    for i in range(steps + 1):
        try:
            batch = next(it)
        except StopIteration:
            it = iter(loader)
            batch = next(it)
        if i == 1:
            _sync(device)
            t0 = time.perf_counter()
        batch = {k: v.to(device, non_blocking=True) for k, v in batch.items()}
        with amp if amp is not None else torch.autocast("cpu", enabled=False):
            loss = model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        n += len(batch["labels"]) if i >= 1 else 0
    _sync(device)
    return n / (time.perf_counter() - t0)


def latency_single_image(preset: str, device, *, repeats: int, int8: bool = False) -> float:
    """Median seconds of one 224 x 224 image through the model (batch 1, SDPA).

    ``int8``: dynamic int8 quantisation of the linear layers (CPU only; ``torch.ao``, deprecated
    in recent torch but still shipped), which hold ~97 % of ViT's FLOPs.
    """
    import warnings

    import torch

    model = _model(preset, device).eval()
    if int8:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from torch.ao.quantization import quantize_dynamic

            model = quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    x = torch.randn(1, 3, 224, 224, device=device)
    times = []
    with torch.inference_mode():
        model(pixel_values=x)
        for _ in range(repeats):
            _sync(device)
            t0 = time.perf_counter()
            model(pixel_values=x)
            _sync(device)
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presets", nargs="*", default=["vit-micro", "vit-tiny"])
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per measurement")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--workers", type=int, default=max(0, (os.cpu_count() or 1) - 1))
    parser.add_argument("--data", default=None, help="dataset folder (default: generate one)")
    parser.add_argument("--data-samples", type=int, default=128, help="size of a generated set")
    parser.add_argument("--no-data", action="store_true", help="skip the data-loading figures")
    parser.add_argument("--latency-preset", default=None, help="also time one-image inference")
    parser.add_argument("--latency-repeats", type=int, default=10)
    parser.add_argument("--int8", action="store_true", help="also time int8 latency (CPU)")
    parser.add_argument("--peak-tflops", type=float, default=None, help="peak for MFU")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args(argv)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    name = (
        torch.cuda.get_device_name(device)
        if device.type == "cuda"
        else f"CPU x{torch.get_num_threads()} threads"
    )
    peak = _peak_flops(device, args.peak_tflops)
    print(f"device: {name}; batch {args.batch_size}; bf16 autocast: {device.type == 'cuda'}")
    pipes = None
    if args.presets and not args.no_data:
        split = _dataset(args.data, args.data_samples)
        print(f"input stages, one process, batch {args.batch_size}:")
        for stage, ips in bench_stages(split, batch_size=args.batch_size).items():
            print(f"  {stage:<28}{ips:>10,.0f} img/s")
        pipes = loaders(split, args.batch_size, args.workers)
        for name, loader in pipes.items():
            workers = args.workers if name == "before" else 0
            ips = bench_data(loader, batches=max(2, args.steps))
            print(f"input pipeline alone, {name} ({workers} workers): {ips:,.0f} img/s")
    header = (
        f"{'preset':<22}{'train img/s':>12}{'infer img/s':>13}{'TFLOP/s':>9}{'MFU':>7}"
        f"{'+data before':>14}{'+data now':>11}"
    )
    if args.presets:
        print(header)
    for preset in args.presets:
        r = bench_model(
            preset, device, batch_size=args.batch_size, steps=args.steps, warmup=args.warmup
        )
        mfu = f"{r['train_tflops'] * 1e12 / peak:.1%}" if peak else "-"
        with_data = {"before": "-", "now": "-"}
        for name, loader in (pipes or {}).items():
            ips = bench_train_with_data(preset, device, loader, steps=args.steps)
            with_data[name] = f"{ips:,.1f}"
        print(f"{preset:<22}{r['train_ips']:>12,.1f}{r['infer_ips']:>13,.1f}"
              f"{r['train_tflops']:>9.2f}{mfu:>7}{with_data['before']:>14}{with_data['now']:>11}")  # fmt: skip
    if args.latency_preset:
        s = latency_single_image(args.latency_preset, device, repeats=args.latency_repeats)
        print(
            f"single-image inference, {args.latency_preset}: {s * 1e3:.1f} ms (median of {args.latency_repeats})"
        )
        if args.int8 and device.type == "cpu":
            s = latency_single_image(
                args.latency_preset, device, repeats=args.latency_repeats, int8=True
            )
            print(f"single-image inference, {args.latency_preset}, int8 dynamic: {s * 1e3:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
