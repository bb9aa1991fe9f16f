"""Generate the synthetic set: split sizes, worker processes, resumable shards, then the card.

Determinism
-----------
Sample ``index`` of ``split`` is ``sample_scene(scene_seed_sequence(seed, split, index),
config)`` (:mod:`insar_hf.simulate.scene`, :mod:`insar_hf.simulate.seeds`): a pure function of ``(seed, split, index)``. Shards
hold fixed index ranges (:func:`insar_hf.dataset.layout.shard_plan`) written in row groups of
:data:`insar_hf.dataset.shards.ROW_GROUP_SIZE` rows, so the bytes of a shard depend on neither
the number of worker processes nor the number of machines.

Split sizes
-----------
``split_sizes(n, fractions)`` floors ``n * fraction`` for every split but the last, which takes
the remainder. This reproduces the paper's 805,436 / 100,679 / 100,681 from ``n = 1,006,796``
and ``(0.8, 0.1, 0.1)`` (``floor(805436.8) = 805436``, ``floor(100679.6) = 100679``, remainder
100,681); rounding to nearest would give 805,437 / 100,680 / 100,679.

Robustness
----------
Shards appear only when complete (:mod:`insar_hf.dataset.shards`). Re-running the same command
skips every shard whose file exists with the expected row count and schema; a folder made with
other parameters (:data:`~insar_hf.dataset.layout.GENERATION_FILE`) is refused with
:class:`GenerationMismatchError`. Distributed runs (``shard_index`` / ``num_shards``) take whole
shards round-robin; :func:`merge` then checks completeness and writes the card.
"""

from __future__ import annotations

import dataclasses
import json
import math
import multiprocessing as mp
import os
import resource
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from insar_hf.dataset.card import write_dataset_card
from insar_hf.dataset.layout import (
    GENERATION_FILE,
    assigned_shards,
    features_for,
    read_generation,
    shard_plan,
)
from insar_hf.dataset.rows import dataset_features, rows_to_table, scene_to_row
from insar_hf.dataset.scenes import backgrounds_record, open_backgrounds, row_scene
from insar_hf.dataset.shards import (
    ROW_GROUP_SIZE,
    remove_own_temporaries,
    shard_is_complete,
    write_shard,
)
from insar_hf.schema import IMAGE_SIZE, SPLITS
from insar_hf.simulate.config import SceneConfig
from insar_hf.version import __version__

TASK_SIZE = 20
"""Rows per worker task: small enough for a smooth progress bar and balanced workers."""


def split_sizes(num_samples: int, fractions: Sequence[float] = (0.8, 0.1, 0.1)) -> dict[str, int]:
    """Samples per split: floor for all but the last split, which takes the remainder."""
    if len(fractions) != len(SPLITS):
        raise ValueError(
            f"splits needs {len(SPLITS)} fractions (train, validation, test), got {list(fractions)}"
        )
    if any(f < 0 for f in fractions) or not math.isclose(sum(fractions), 1.0, abs_tol=1e-9):
        raise ValueError(f"split fractions must be >= 0 and sum to 1, got {list(fractions)}")
    if num_samples < 1:
        raise ValueError(f"num_samples must be >= 1, got {num_samples}")
    sizes = [math.floor(num_samples * f + 1e-9) for f in fractions[:-1]]
    sizes.append(num_samples - sum(sizes))
    return dict(zip(SPLITS, sizes))


def smallest_num_samples(fractions: Sequence[float] = (0.8, 0.1, 0.1)) -> int | None:
    """The smallest ``num_samples`` for which :func:`split_sizes` leaves no split empty.

    None when a fraction is 0 (that split is empty whatever the size).
    """
    if min(fractions) <= 0:
        return None
    n = 1
    while min(split_sizes(n, fractions).values()) < 1:
        n += 1
    return n


def check_split_sizes(sizes: dict[str, int], fractions: Sequence[float] | None = None) -> None:
    """Refuse a dataset with an empty split: training evaluates on validation, tests on test.

    ``fractions`` (when the sizes came from them) let the message name the smallest size.
    """
    empty = [split for split, n in sizes.items() if n < 1]
    if not empty:
        return
    what = f"{sum(sizes.values())} samples give {' and '.join(f'0 {s}' for s in empty)} samples"
    if fractions is None:
        raise ValueError(
            f"split sizes {list(sizes.values())} leave {', '.join(empty)} empty; every split "
            "needs at least 1 sample (training evaluates on validation and tests on test)"
        )
    smallest = smallest_num_samples(fractions)
    if smallest is None:
        raise ValueError(
            f"split fractions {list(fractions)} leave {', '.join(empty)} empty; give every "
            "split a fraction above 0"
        )
    raise ValueError(
        f"{what} with split fractions {list(fractions)}; every split needs samples: use "
        f"--num-samples {smallest} or more"
    )


def check_out_dir(out_dir: Path) -> None:
    """Make ``out_dir`` (and its parents) now, or say in one line why it cannot be made."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"--out {out_dir} is a file; give a folder for the dataset")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(
            f"--out {out_dir}: cannot make this folder ({err.strerror or err}); give a folder "
            "whose parents are folders you may write to"
        ) from None


# ------------------------------------------------------------------------------ worker processes
def _config_to_dict(config) -> dict[str, Any] | None:
    if config is None:
        return None
    return json.loads(json.dumps(dataclasses.asdict(config), default=str))


def _scene_config(config):
    return SceneConfig() if config is None else config


def _raw_shape(config) -> tuple[int, int]:
    size = getattr(config, "image_size_px", IMAGE_SIZE)
    return (size, size)


_WORKER: dict[str, Any] = {}


def _init_worker(seed, config, with_raw, fail_at=None, bank=None):
    _WORKER.update(
        fail_at=fail_at,
        seed=seed,
        config=config,
        bank=bank,
        with_raw=with_raw,
        features=dataset_features(with_raw, raw_shape=_raw_shape(config)),
    )


def _build_rows(task: tuple[str, int, int]):
    """Rows ``[start, stop)`` of ``split`` as a pyarrow table (runs in a worker process)."""
    split, start, stop = task
    w = _WORKER
    if w["fail_at"] == f"{split}:{start}":  # INSAR_HF_FAIL_AT: the interrupted-run tests
        raise RuntimeError(f"simulated worker failure at {split}:{start}")
    rows = []
    for index in range(start, stop):
        scene = row_scene(w["seed"], split, index, w["config"], w["bank"])
        rows.append(scene_to_row(scene, w["with_raw"]))
    return rows_to_table(rows, w["features"])


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024.0  # Linux reports KiB


# ------------------------------------------------------------------------------ generation
class GenerationMismatchError(ValueError):
    """``out_dir`` already holds a dataset generated with other parameters (``.fields``)."""

    def __init__(self, message: str, fields: list[str]) -> None:
        super().__init__(message)
        self.fields = fields


def _write_generation_file(out_dir: Path, params: dict[str, Any]) -> None:
    path = out_dir / GENERATION_FILE
    if path.exists():
        old = json.loads(path.read_text())
        diff = sorted(k for k in set(old) | set(params) if old.get(k) != params.get(k))
        if diff:
            raise GenerationMismatchError(
                f"{out_dir} holds a dataset generated with different {', '.join(diff)} "
                f"(see {GENERATION_FILE}); use another --out or the same parameters to resume",
                diff,
            )
        return
    tmp = out_dir / f".{GENERATION_FILE}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(params, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


def generate_dataset(
    out_dir: str | Path,
    *,
    num_samples: int | None = None,
    splits: Sequence[float] = (0.8, 0.1, 0.1),
    split_sizes_: dict[str, int] | Sequence[int] | None = None,
    seed: int = 0,
    workers: int | None = None,
    shard_size: int = 1000,
    with_raw: bool = False,
    scene_config=None,
    backgrounds=None,
    shard_index: int | None = None,
    num_shards: int | None = None,
    progress: bool = True,
    figure: bool = True,
) -> dict[str, Any]:
    """Generate (or resume) the synthetic dataset in ``out_dir``.

    Parameters
    ----------
    num_samples, splits
        Total samples and split fractions (train, validation, test); see :func:`split_sizes`.
    split_sizes_
        Explicit sizes instead (dict by split or three ints); ``num_samples``, if given, must
        equal their sum.
    seed
        Dataset seed; sample ``i`` of ``split`` depends only on ``(seed, split, i)``.
    workers
        Worker processes (default: all cores); ``1`` runs in this process.
    shard_size
        Rows per parquet shard.
    with_raw
        Also store float16 ``wrapped_rad`` / ``unwrapped_rad`` arrays.
    scene_config
        A :class:`~insar_hf.simulate.config.SceneConfig` (default ``SceneConfig()``).
    backgrounds
        Real backgrounds (a :class:`~insar_hf.backgrounds.BackgroundBank` or its folder), needed
        when ``scene_config.real_background_fraction > 0``: each split's scenes are drawn on that
        split's backgrounds (split by volcano); the bank's identity is recorded in the
        generation file and the card.
    shard_index, num_shards
        Build only this machine's shards (round-robin); run :func:`merge` when all are done.
        Without them every shard is built and the card is written.
    progress
        Show a tqdm progress bar (rate and ETA).
    figure
        Draw the parameter histogram figure for the card (a few seconds; see :func:`merge`).

    Returns
    -------
    dict
        ``split_sizes``, ``shards_written``, ``shards_skipped``, ``samples_written``,
        ``seconds``, ``bytes_written``, ``peak_rss_mb``, ``card_written``.
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    if split_sizes_ is not None:
        sizes_list = (
            list(split_sizes_.values()) if isinstance(split_sizes_, dict) else list(split_sizes_)
        )
        if len(sizes_list) != len(SPLITS) or any(int(s) < 0 for s in sizes_list):
            raise ValueError(
                f"split sizes need 3 non-negative ints (train, validation, test), got {sizes_list}"
            )
        sizes = dict(zip(SPLITS, (int(s) for s in sizes_list)))
        if num_samples is not None and num_samples != sum(sizes.values()):
            raise ValueError(
                f"num_samples={num_samples} but the split sizes sum to {sum(sizes.values())}"
            )
    else:
        if num_samples is None:
            raise ValueError("give num_samples (with split fractions) or explicit split sizes")
        sizes = split_sizes(num_samples, splits)
    check_split_sizes(sizes, None if split_sizes_ is not None else splits)
    config = _scene_config(scene_config)
    bank = open_backgrounds(backgrounds, config)
    if workers is None:  # the cores this process may use (SLURM / taskset / containers)
        workers = (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1
        )
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    features = dataset_features(with_raw, raw_shape=_raw_shape(config))
    plan = shard_plan(sizes, shard_size)
    mine = assigned_shards(plan, shard_index, num_shards)
    check_out_dir(out_dir)  # last of the checks, before any work

    data_dir = out_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    _write_generation_file(
        out_dir,
        {
            "seed": seed,
            "num_samples": sum(sizes.values()),
            "split_sizes": sizes,
            "shard_size": shard_size,
            "row_group_size": ROW_GROUP_SIZE,
            "with_raw": with_raw,
            "scene_config": _config_to_dict(config),
            "real_backgrounds": backgrounds_record(bank),
            "insar_hf_version": __version__,
        },
    )
    # Our own stale temporaries (this host, any pid) of the shards we are about to build.
    remove_own_temporaries(data_dir, [shard["name"] for shard in mine])

    todo = [
        s
        for s in mine
        if not shard_is_complete(data_dir / s["name"], s["stop"] - s["start"], features)
    ]
    summary: dict[str, Any] = {
        "split_sizes": sizes,
        "shards_total": len(plan),
        "shards_assigned": len(mine),
        "shards_skipped": len(mine) - len(todo),
        "shards_written": 0,
        "samples_written": 0,
        "bytes_written": 0,
    }
    tasks = [
        (s["split"], start, min(start + TASK_SIZE, s["stop"]))
        for s in todo
        for start in range(s["start"], s["stop"], TASK_SIZE)
    ]
    bar = tqdm(
        total=sum(t[2] - t[1] for t in tasks), unit="sample", disable=not progress, desc="generate"
    )
    pool = None
    fail_at = os.environ.get("INSAR_HF_FAIL_AT")
    if workers == 1 or len(tasks) <= 1:
        _init_worker(seed, config, with_raw, fail_at, bank)
        results = map(_build_rows, tasks)
    else:
        pool = mp.get_context().Pool(
            min(workers, len(tasks)),
            initializer=_init_worker,
            initargs=(seed, config, with_raw, fail_at, bank),
        )
        results = pool.imap(_build_rows, tasks)
    try:
        for shard in todo:
            path = data_dir / shard["name"]
            n = shard["stop"] - shard["start"]
            summary["samples_written"] += write_shard(
                path, n, results, features, progress=bar.update
            )
            summary["shards_written"] += 1
            summary["bytes_written"] += path.stat().st_size
    finally:
        bar.close()
        if pool is not None:
            pool.terminate()
            pool.join()

    summary["card_written"] = False
    if shard_index is None:
        merge(out_dir, figure=figure)
        summary["card_written"] = True
    summary["seconds"] = time.perf_counter() - t0
    summary["peak_rss_mb"] = _peak_rss_mb()
    return summary


# ------------------------------------------------------------------------------ merge
def merge(out_dir: str | Path, *, figure: bool = True) -> dict[str, Any]:
    """Check that every shard is complete and write the card (README.md) and its figure.

    Run once after all ``--shard-index`` machines have finished (their ``data/`` files gathered
    in ``out_dir``). Raises ``RuntimeError`` listing the missing or incomplete shards.
    ``figure=False`` leaves out the parameter histogram figure.
    """
    out_dir = Path(out_dir)
    params = read_generation(out_dir)
    features = features_for(params)
    plan = shard_plan(params["split_sizes"], params["shard_size"])
    bad = [
        s["name"]
        for s in plan
        if not shard_is_complete(out_dir / "data" / s["name"], s["stop"] - s["start"], features)
    ]
    if bad:
        shown = ", ".join(bad[:10]) + (f" and {len(bad) - 10} more" if len(bad) > 10 else "")
        raise RuntimeError(
            f"cannot merge {out_dir}: {len(bad)} of {len(plan)} shards missing or incomplete "
            f"({shown}); run the generate command for their --shard-index again"
        )
    write_dataset_card(out_dir, params=params, features=features, histogram=figure)
    return {"shards": len(plan), "split_sizes": params["split_sizes"]}
