"""End-to-end speed, size and memory of dataset generation, projected to the paper's scale.

Prints:

1. samples per second of :func:`insar_hf.dataset.generate.generate_dataset` with ``--workers`` processes
   (default: all cores), from scene sampling to renamed parquet shards (card without figure);
2. bytes per sample on disk (parquet shards, images as PNG; without raw arrays unless
   ``--with-raw``);
3. the projected time and disk size of the paper-scale set (805,436 / 100,679 / 100,681 =
   1,006,796 samples) at that rate on this machine;
4. peak resident memory (the largest of the main process and any worker) of two runs of
   different size, each in a fresh subprocess: it should not grow with ``--num-samples``.

The machine may be shared with other jobs: samples/s is a floor, not a ceiling.

usage:
  python benchmarks/bench_dataset.py                       # 200 samples, all cores
  python benchmarks/bench_dataset.py --num-samples 400 --workers 2 --rss-sizes 100,400
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PAPER_TOTAL = 805_436 + 100_679 + 100_681

_RSS_CHILD = """
import json, sys
from insar_hf.dataset.generate import generate_dataset
summary = generate_dataset(sys.argv[1], num_samples=int(sys.argv[2]), workers=int(sys.argv[3]),
                           shard_size=int(sys.argv[4]), progress=False, figure=False)
print(json.dumps({"peak_rss_mb": summary["peak_rss_mb"], "seconds": summary["seconds"]}))
"""


def _hours(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.1f} min"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--num-samples", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--shard-size", type=int, default=100)
    parser.add_argument("--with-raw", action="store_true")
    parser.add_argument("--rss-sizes", default="100,400", help="two sample counts for peak RSS")
    args = parser.parse_args(argv)

    from insar_hf.dataset.check import check_dataset
    from insar_hf.dataset.generate import generate_dataset

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ds"
        t0 = time.perf_counter()
        summary = generate_dataset(
            out,
            num_samples=args.num_samples,
            workers=args.workers,
            shard_size=args.shard_size,
            with_raw=args.with_raw,
            progress=False,
            figure=False,
        )
        seconds = time.perf_counter() - t0
        shard_bytes = sum(p.stat().st_size for p in (out / "data").glob("*.parquet"))
        problems = check_dataset(out)

    rate = args.num_samples / seconds
    per_sample = shard_bytes / args.num_samples
    print(f"generate: {args.num_samples} samples, {args.workers} workers, {seconds:.1f} s")
    print(f"  samples/s end to end        {rate:8.2f}")
    print(f"  bytes/sample on disk        {per_sample / 1e3:8.1f} KB (raw arrays: {args.with_raw})")
    print(f"  check-dataset               {'OK' if not problems else problems}")
    print(f"paper scale ({PAPER_TOTAL:,} samples) on this machine at {rate:.2f} samples/s:")
    print(f"  time                        {_hours(PAPER_TOTAL / rate):>8}")
    print(f"  disk                        {PAPER_TOTAL * per_sample / 1e9:8.1f} GB")
    print(f"  summary peak RSS (this run) {summary['peak_rss_mb']:8.0f} MB")

    sizes = [int(v) for v in args.rss_sizes.split(",")]
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            res = subprocess.run(
                [sys.executable, "-c", _RSS_CHILD, str(Path(tmp) / "ds"), str(n)]
                + [str(args.workers), str(args.shard_size)],
                capture_output=True,
                text=True,
                check=True,
            )
        info = json.loads(res.stdout.strip().splitlines()[-1])
        print(
            f"peak RSS, {n:6d} samples: {info['peak_rss_mb']:7.0f} MB "
            f"({info['seconds']:.1f} s, fresh process)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
