"""Generate the synthetic dataset as parquet shards with a dataset card (and push it to the Hub).

Samples are a pure function of (seed, split, index): the same set whatever --workers or the
number of machines. Re-running the same command resumes (complete shards are skipped); a killed
run leaves no partial shard. For many machines give each one --shard-index I --num-shards N
(same other options, shared or gathered --out), then run --merge once to write the card.

examples:
  insar-hf generate --num-samples 2000 --out ds && insar-hf check-dataset ds
  insar-hf generate --num-samples 1006796 --splits 0.8,0.1,0.1 --out paper   # 805436/100679/100681
  insar-hf generate --split-sizes 805436,100679,100681 --out paper --workers 16
  insar-hf generate --num-samples 1006796 --out paper --shard-index 3 --num-shards 64
  insar-hf generate --merge --out paper --push-to-hub my-org/insar-synthetic-earthquakes

real backgrounds (real earthquake-free wrapped interferograms as the nuisance of a share of the
wrapped scenes, of every class alike; split by volcano, so validation and test scenes never show
a training volcano; see docs/generator.md):
  insar-hf generate --num-samples 6000 --out mix --real-backgrounds ../shared/real-backgrounds
  insar-hf generate --num-samples 6000 --out mix --real-backgrounds my_region_products/ \
      --real-background-fraction 0.75 --background-splits 0.6,0.2,0.2
"""

from __future__ import annotations

import argparse
import json
import sys


def comma_floats(text: str) -> tuple[float, ...]:
    """``argparse`` type of comma-separated numbers (``0.7,0.15,0.15``)."""
    try:
        return tuple(float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated numbers, got {text!r}"
        ) from None


def _ints(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, help="dataset folder (created; resumed if present)")
    parser.add_argument(
        "--num-samples", type=int, default=None, help="total samples (default 2000)"
    )
    parser.add_argument(
        "--splits",
        type=comma_floats,
        default=(0.8, 0.1, 0.1),
        help="train,validation,test fractions (floored, test takes the rest; default 0.8,0.1,0.1)",
    )
    parser.add_argument(
        "--split-sizes", type=_ints, default=None, help="explicit train,validation,test counts"
    )
    parser.add_argument("--seed", type=int, default=0, help="dataset seed (default 0)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument("--shard-size", type=int, default=1000, help="rows per shard (1000)")
    parser.add_argument(
        "--with-raw", action="store_true", help="also store float16 wrapped/unwrapped phase arrays"
    )
    parser.add_argument(
        "--scene-config",
        default=None,
        help="JSON file of insar_hf.simulate.config.SceneConfig fields",
    )
    parser.add_argument(
        "--real-backgrounds",
        metavar="DIR",
        default=None,
        help="folder of real earthquake-free wrapped interferograms (8-bit phase PNG / TIFF, "
        "LiCSAR *.geo.diff_pha.tif, HyP3 *_wrapped_phase.tif, NAME.diff + NAME.par; searched "
        "recursively) to draw the nuisance of wrapped scenes from",
    )
    parser.add_argument(
        "--real-background-fraction",
        type=float,
        default=None,
        help="share of wrapped scenes on a real background (default "
        f"{DEFAULT_REAL_BACKGROUND_FRACTION} with --real-backgrounds; overrides --scene-config)",
    )
    parser.add_argument(
        "--background-splits",
        type=comma_floats,
        default=None,
        help="train,validation,test shares of the backgrounds' files, dealt out by volcano / "
        "frame (default 0.7,0.15,0.15)",
    )
    parser.add_argument("--shard-index", type=int, default=None, help="this machine's index")
    parser.add_argument("--num-shards", type=int, default=None, help="number of machines")
    parser.add_argument(
        "--merge", action="store_true", help="only check all shards and write the card"
    )
    parser.add_argument("--push-to-hub", metavar="REPO_ID", default=None, help="push when done")
    parser.add_argument("--private", action="store_true", help="create the Hub repo private")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--no-figure", action="store_true", help="card without the parameter histogram figure"
    )


DEFAULT_REAL_BACKGROUND_FRACTION = 0.5
"""Share of wrapped scenes on a real background when ``--real-backgrounds`` is given alone."""


def _scene_config(args: argparse.Namespace):
    """The scene config of the options: ``--scene-config`` with the real-background fraction."""
    from insar_hf.simulate.config import SceneConfig

    config = None
    if args.scene_config is not None:
        with open(args.scene_config) as f:
            config = SceneConfig(**json.load(f))
    fraction = args.real_background_fraction
    if fraction is None and args.real_backgrounds is not None:
        if config is None or config.real_background_fraction == 0:
            fraction = DEFAULT_REAL_BACKGROUND_FRACTION
    if fraction is not None:
        config = (config or SceneConfig()).replace(real_background_fraction=fraction)
    return config


def _backgrounds(args: argparse.Namespace):
    """The bank of ``--real-backgrounds`` (None without it), with ``--background-splits``."""
    if args.real_backgrounds is None:
        if args.background_splits is not None:
            raise ValueError("--background-splits needs --real-backgrounds DIR")
        return None
    from insar_hf.backgrounds import BackgroundBank

    if args.background_splits is None:
        return BackgroundBank(args.real_backgrounds)
    return BackgroundBank(args.real_backgrounds, args.background_splits)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except (ValueError, RuntimeError, FileNotFoundError) as e:  # bad input: say what to fix
        print(f"insar-hf generate: error: {e}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from insar_hf.dataset.generate import generate_dataset, merge

    distributed = args.shard_index is not None or args.num_shards is not None
    if args.merge:
        summary = merge(args.out, figure=not args.no_figure)
        print(f"merged {summary['shards']} shards of {args.out}: {summary['split_sizes']}")
    else:
        num_samples = args.num_samples
        if num_samples is None and args.split_sizes is None:
            num_samples = 2000
        summary = generate_dataset(
            args.out,
            num_samples=num_samples,
            splits=args.splits,
            split_sizes_=args.split_sizes,
            seed=args.seed,
            workers=args.workers,
            shard_size=args.shard_size,
            with_raw=args.with_raw,
            scene_config=_scene_config(args),
            backgrounds=_backgrounds(args),
            shard_index=args.shard_index,
            num_shards=args.num_shards,
            progress=not args.no_progress,
            figure=not args.no_figure,
        )
        rate = summary["samples_written"] / max(summary["seconds"], 1e-9)
        print(
            f"{args.out}: {summary['shards_written']} shards written, {summary['shards_skipped']} "
            f"already complete, {summary['samples_written']} samples in {summary['seconds']:.1f} s "
            f"({rate:.1f} samples/s), {summary['bytes_written'] / 1e6:.1f} MB, "
            f"peak RSS {summary['peak_rss_mb']:.0f} MB; splits {summary['split_sizes']}"
        )
        if distributed:
            print(
                "this machine's shards are done; run `insar-hf generate --merge --out DIR` "
                "once every --shard-index has finished"
            )
    if args.push_to_hub:
        if distributed and not args.merge:
            print("not pushing a partial dataset: push after --merge")
            return 2
        from insar_hf.hub import push_folder

        url = push_folder(
            args.out,
            args.push_to_hub,
            repo_type="dataset",
            private=args.private,
            commit_message="Upload insar_hf synthetic dataset",
        )
        print(f"pushed to {url}")
    return 0
