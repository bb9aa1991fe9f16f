"""Training and inference speed of the ViT presets on the current device.

Prints, per preset:

* ``train img/s``: forward + backward + Adam step on device-resident random images (the model
  alone), bf16 autocast on a GPU;
* ``infer img/s``: batched forward under ``inference_mode`` (SDPA attention);
* ``MFU``: model FLOPs utilisation on a GPU (analytic ViT FLOPs / peak bf16 FLOP/s);
* ``data img/s``: the input pipeline alone (decode PNG, physics-respecting augmentation,
  normalise, collate) through a ``DataLoader`` with ``--workers`` processes, reported separately;
* ``train+data img/s``: the training step fed by that pipeline (with data loading included);
* single-image inference latency of ``--latency-preset`` (batch 1, median).

Examples::

    python benchmarks/bench_train.py --presets vit-micro vit-tiny --steps 5 --batch-size 16
    python benchmarks/bench_train.py --presets vit-base-patch16-224 --batch-size 256 --workers 12
    python benchmarks/bench_train.py --presets --latency-preset vit-base-patch16-224
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

from insar_hf.dataset.generate import generate_dataset
from insar_hf.model.presets import DEFAULT_ID2LABEL, build_config
from insar_hf.training.augment import Augmenter, collate
from insar_hf.training.data import lazy_split

# Dense bf16 peak of common GPUs (FLOP/s), for MFU; --peak-tflops overrides.
PEAK_BF16 = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L40S": 362e12, "A10": 125e12}


def vit_flops_per_image(config) -> float:
    """Forward FLOPs of one image (2 per multiply-add), from the ViT configuration.

    Patch embedding, per layer the Q/K/V/O projections (4 T d^2), the two MLP matrices
    (2 T d m) and the attention products QK^T and AV (2 T^2 d), and the head.
    """
    d, m, L = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    patches = (config.image_size // config.patch_size) ** 2
    t = patches + 1
    embed = patches * (config.num_channels * config.patch_size**2) * d
    per_layer = 4 * t * d * d + 2 * t * d * m + 2 * t * t * d
    head = d * config.num_labels
    return 2.0 * (embed + L * per_layer + head)


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
    name = torch.cuda.get_device_name(device)
    return next((v for k, v in PEAK_BF16.items() if k in name), None)


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


def _loader(split, batch_size: int, workers: int):
    import torch

    return torch.utils.data.DataLoader(
        lazy_split(split, Augmenter()),
        batch_size=batch_size,
        shuffle=True,
        num_workers=workers,
        collate_fn=collate,
        pin_memory=torch.cuda.is_available(),
        persistent_workers=workers > 0,
        prefetch_factor=4 if workers > 0 else None,
        drop_last=True,
    )


def bench_data(split, *, batch_size: int, workers: int, batches: int) -> float:
    """Images/s of the input pipeline alone (decode, augment, normalise, collate)."""
    loader = _loader(split, batch_size, workers)
    it = iter(loader)
    next(it)  # start the workers
    t0, n = time.perf_counter(), 0
    for _ in range(batches):
        try:
            n += len(next(it)["labels"])
        except StopIteration:
            it = iter(loader)
    return n / (time.perf_counter() - t0)


def bench_train_with_data(preset, device, split, *, batch_size, workers, steps) -> float:
    """Images/s of training steps fed by the real DataLoader (data loading included)."""
    import torch

    model = _model(preset, device).train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-5)
    amp = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else None
    loader = _loader(split, batch_size, workers)
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
    split = None
    if args.presets and not args.no_data:
        split = _dataset(args.data, args.data_samples)
        data_ips = bench_data(split, batch_size=args.batch_size, workers=args.workers,
                              batches=max(2, args.steps))  # fmt: skip
        print(f"data pipeline alone ({args.workers} workers): {data_ips:,.0f} img/s")
    header = f"{'preset':<22}{'train img/s':>12}{'infer img/s':>13}{'TFLOP/s':>9}{'MFU':>7}{'train+data':>12}"
    if args.presets:
        print(header)
    for preset in args.presets:
        r = bench_model(
            preset, device, batch_size=args.batch_size, steps=args.steps, warmup=args.warmup
        )
        mfu = f"{r['train_tflops'] * 1e12 / peak:.1%}" if peak else "-"
        with_data = "-"
        if split is not None:
            with_data = f"{bench_train_with_data(preset, device, split, batch_size=args.batch_size, workers=args.workers, steps=args.steps):,.1f}"  # noqa: E501
        print(f"{preset:<22}{r['train_ips']:>12,.1f}{r['infer_ips']:>13,.1f}"
              f"{r['train_tflops']:>9.2f}{mfu:>7}{with_data:>12}")  # fmt: skip
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
