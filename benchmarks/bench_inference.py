"""Inference speed of the Detector on CPU: one prediction with every attention map, and a scan.

For each preset (random weights: speed does not depend on them) this prints

* ``predict``: median wall time of ``Detector.predict`` on one 224 x 224 phase array -- rendering,
  the eager forward pass with ``output_attentions=True``, per-head maps, rollout, upsampling and
  boxes (target for ViT-B/16 on 2 cores: <= 0.5 s);
* ``forward``: the bare eager forward pass with attentions, for comparison;
* ``scan``: wall time of ``Detector.scan`` over a ``--frame`` x ``--frame`` unwrapped frame with
  224-pixel windows at ``--stride``, batched (only for the presets in ``--scan-presets``), with
  the detector's default map (``default``: the packaged model and the map chosen on validation,
  ``localisation.json``; the others: random weights and the default method).

examples:
  python benchmarks/bench_inference.py                       # all presets, 2 threads
  python benchmarks/bench_inference.py --presets vit-micro --scan-presets vit-micro --frame 1000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time


def _median_time(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--presets",
        nargs="+",
        default=["default", "vit-micro", "vit-tiny", "vit-small", "vit-base-patch16-224"],
        help="presets with random weights, or 'default': the packaged model with its chosen map",
    )
    parser.add_argument("--scan-presets", nargs="*", default=["default", "vit-micro", "vit-tiny"])
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--frame", type=int, default=4000, help="scan frame side (pixels)")
    parser.add_argument("--stride", type=int, default=112, help="scan stride (pixels)")
    parser.add_argument("--batch-size", type=int, default=32, help="scan batch size")
    parser.add_argument("--json", metavar="OUT", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    # On a shared machine, OpenMP threads that spin while waiting for a busy core make small
    # models 10-100x slower (ViT-micro forward: 4 ms passive vs 350 ms spinning, measured at a
    # load average of 7 on 2 cores); passive waiting gives figures that reflect the model.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    import numpy as np
    import torch

    from insar_hf.inference.detector import Detector
    from insar_hf.model.presets import DEFAULT_ID2LABEL, build_image_processor, build_model

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    label2id = {v: k for k, v in DEFAULT_ID2LABEL.items()}
    rng = np.random.default_rng(0)
    rows, cols = np.mgrid[0:224, 0:224]
    phase = (0.002 * ((rows - 90.0) ** 2 + (cols - 140.0) ** 2)).astype(np.float32)
    print(
        f"torch {torch.__version__}, {args.threads} threads, "
        f"OMP_WAIT_POLICY={os.environ['OMP_WAIT_POLICY']}, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'preset':<22} {'params':>8} {'predict s':>10} {'forward s':>10} {'scan s':>9}")
    figures = []
    for preset in args.presets:
        if preset == "default":
            detector = Detector.from_pretrained(device="cpu")
            model = detector.model
        else:
            model = build_model(preset, id2label=DEFAULT_ID2LABEL, label2id=label2id)
            detector = Detector(model, build_image_processor(), device="cpu")
        params = sum(p.numel() for p in model.parameters())
        predict_s = _median_time(lambda d=detector: d.predict(phase, kind="wrapped"), args.repeats)
        pixels = detector.image_processor(
            images=detector.predict(phase, kind="wrapped").image, return_tensors="pt"
        )["pixel_values"]

        def forward(m=model, x=pixels):
            with torch.inference_mode():
                m(pixel_values=x, output_attentions=True)

        forward_s = _median_time(forward, args.repeats)
        scan_s = None
        windows = None
        if preset in (args.scan_presets or []):
            frame = rng.normal(size=(args.frame, args.frame)).astype(np.float32).cumsum(axis=1)
            start = time.perf_counter()
            result = detector.scan(
                frame, kind="unwrapped", stride=args.stride, batch_size=args.batch_size
            )
            scan_s = time.perf_counter() - start
            windows = len(result.window_origins)
        scan_text = f"{scan_s:9.1f}" if scan_s is not None else f"{'-':>9}"
        print(
            f"{preset:<22} {params / 1e6:7.2f}M {predict_s:10.3f} {forward_s:10.3f} {scan_text}"
            f"  ({detector.map_choice.method})"
        )
        figures.append(
            {
                "preset": preset,
                "params": params,
                "predict_s": predict_s,
                "forward_s": forward_s,
                "scan_s": scan_s,
                "scan_windows": windows,
                "frame": args.frame,
                "stride": args.stride,
                "threads": args.threads,
            }
        )
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(figures, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
