"""The synthetic set as a Hugging Face dataset: features, rows, parquet shards, checks.

Layout of a dataset folder (``docs/ARCHITECTURE.md``)::

    DIR/README.md                                   card (YAML: configs, features, split sizes)
    DIR/parameter_histograms.png                    figure referenced by the card
    DIR/generation.json                             the parameters that define every sample
    DIR/data/{split}-{i:05d}-of-{n:05d}.parquet     shards, splits train / validation / test

Determinism
-----------
Sample ``index`` of ``split`` is ``synth.sample_scene(synth.scene_seed_sequence(seed, split,
index), config)``: a pure function of ``(seed, split, index)``. Shard ``i`` of a split holds the
fixed index range ``[i * shard_size, min((i + 1) * shard_size, n_split))`` written in row groups
of :data:`ROW_GROUP_SIZE` rows, so the bytes of a shard depend on neither the number of worker
processes nor the number of machines.

Split sizes
-----------
``split_sizes(n, fractions)`` floors ``n * fraction`` for every split but the last, which takes
the remainder. This reproduces the paper's 805,436 / 100,679 / 100,681 from ``n = 1,006,796``
and ``(0.8, 0.1, 0.1)`` (``floor(805436.8) = 805436``, ``floor(100679.6) = 100679``, remainder
100,681); rounding to nearest would give 805,437 / 100,680 / 100,679.

Robustness
----------
A shard is written to a hidden temporary name in ``data/`` and renamed (``os.replace``, atomic on
one file system) once complete, so readers never see a partial shard. Re-running the same
command skips every shard whose file exists with the expected row count and schema. Distributed
runs (``shard_index`` / ``num_shards``) take whole shards round-robin over the ordered list of
all shards; :func:`merge` then checks completeness and writes the card.
"""

from __future__ import annotations

import dataclasses
import io
import json
import math
import os
import re
import resource
import socket
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from insar_hf.schema import (
    IMAGE_SIZE,
    KIND_NAMES,
    LABEL_NAMES,
    METADATA_DTYPES,
    SPLITS,
    metadata_columns,
    typed_metadata,
)

ROW_GROUP_SIZE = 100
"""Rows per parquet row group (small groups suit image datasets and the dataset viewer)."""

TASK_SIZE = 20
"""Rows per worker task: small enough for a smooth progress bar and balanced workers."""

GENERATION_FILE = "generation.json"
HISTOGRAM_FILE = "parameter_histograms.png"
SHARD_RE = re.compile(r"^(?P<split>[a-z]+)-(?P<i>\d{5})-of-(?P<n>\d{5})\.parquet$")


# ------------------------------------------------------------------------------ features / rows


def dataset_features(
    with_raw: bool = False,
    *,
    raw_shape: tuple[int, int] | None = None,
    metadata_fields: dict[str, str] | None = None,
):
    """The ``datasets.Features`` of the synthetic set.

    Parameters
    ----------
    with_raw
        Add ``wrapped_rad`` and ``unwrapped_rad``: float16 phase arrays (rad, NaN = no data).
    raw_shape
        ``(rows, cols)`` of the raw arrays; default ``(render.IMAGE_SIZE,) * 2``.
    metadata_fields
        Name -> dtype of the metadata columns; default ``synth.METADATA_FIELDS``.
    """
    from datasets import Array2D, ClassLabel, Features, Image, List, Value

    columns: dict[str, Any] = {
        "image": Image(),
        "label": ClassLabel(names=list(LABEL_NAMES)),
        "kind": ClassLabel(names=list(KIND_NAMES)),
        "deformation_bbox": List(Value("int32"), length=4),
        "deformation_mask": Image(),
    }
    for name, dtype in metadata_columns(metadata_fields).items():
        if dtype not in METADATA_DTYPES:
            raise ValueError(
                f"metadata field {name!r} has dtype {dtype!r}; use one of {list(METADATA_DTYPES)}"
            )
        columns[name] = Value(dtype)
    if with_raw:
        shape = tuple(raw_shape or (IMAGE_SIZE, IMAGE_SIZE))
        columns["wrapped_rad"] = Array2D(shape=shape, dtype="float16")
        columns["unwrapped_rad"] = Array2D(shape=shape, dtype="float16")
    return Features(columns)


PNG_COMPRESS_LEVEL = 1
"""zlib level of the PNG images (lossless at every level). Measured on 20 scenes: level 1 takes
12.9 ms and 88 KB per 224 px image, level 6 27.9 ms and 83 KB; noisy phase barely compresses, so
the faster level wins for generating the paper-scale set."""


def _png(image) -> dict[str, Any]:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return {"bytes": buffer.getvalue(), "path": None}


def scene_to_row(scene, with_raw: bool = False, *, metadata_fields: dict[str, str] | None = None):
    """One dataset row (a dict of column -> value) from a ``synth.Scene``.

    ``image`` is ``render.render_interferogram(scene.field_rad, scene.kind)`` as PNG bytes;
    ``deformation_mask`` is the boolean mask as a mode "L" PNG (0 background, 255 deformation).
    """
    from PIL import Image

    from insar_hf.render import render_interferogram

    fields = metadata_columns(metadata_fields)
    mask = np.asarray(scene.deformation_mask, dtype=bool)
    bbox = [int(v) for v in scene.deformation_bbox]
    if len(bbox) != 4:
        raise ValueError(f"deformation_bbox must have 4 values, got {bbox}")
    mask_image = Image.fromarray(mask.astype(np.uint8) * 255, mode="L")
    if mask.shape != (IMAGE_SIZE, IMAGE_SIZE):
        # The box and mask live in the rendered image's pixels (docs/ARCHITECTURE.md).
        bbox, mask_image = _to_image_pixels(mask, bbox)
    row: dict[str, Any] = {
        "image": _png(render_interferogram(scene.field_rad, scene.kind)),
        "label": int(scene.label),
        "kind": KIND_NAMES.index(scene.kind),
        "deformation_bbox": bbox,
        "deformation_mask": _png(mask_image),
    }
    row |= typed_metadata(scene.metadata, fields)
    if with_raw:
        row["wrapped_rad"] = np.asarray(scene.wrapped_rad, dtype=np.float16)
        row["unwrapped_rad"] = np.asarray(scene.unwrapped_rad, dtype=np.float16)
    return row


def _to_image_pixels(mask: np.ndarray, bbox: list[int]):
    """Mask and box of a square ``n x n`` scene in the ``IMAGE_SIZE`` rendered image's pixels.

    ``render`` maps a square scene onto the image by a uniform scale ``s = IMAGE_SIZE / n``
    (area resampling, no padding), so scene pixel edge ``e`` lands at ``e * s``: the box grows
    outwards to whole image pixels and the mask is resampled by nearest neighbour.
    """
    from PIL import Image

    rows, cols = mask.shape
    if rows != cols:
        raise ValueError(f"scene masks must be square to map onto the image, got {mask.shape}")
    s = IMAGE_SIZE / rows
    if bbox != [0, 0, 0, 0]:
        bbox = [
            math.floor(bbox[0] * s),
            math.floor(bbox[1] * s),
            min(math.ceil(bbox[2] * s), IMAGE_SIZE),
            min(math.ceil(bbox[3] * s), IMAGE_SIZE),
        ]
    image = Image.fromarray(mask.astype(np.uint8) * 255, mode="L")
    return bbox, image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.NEAREST)


def rows_to_table(rows: list[dict[str, Any]], features):
    """Encode rows with ``features`` into a ``pyarrow.Table`` carrying the features metadata."""
    import pyarrow as pa
    from datasets.arrow_writer import TypedSequence

    batch = {name: [row[name] for row in rows] for name in features}
    encoded = features.encode_batch(batch)
    arrays = [pa.array(TypedSequence(encoded[name], type=features[name])) for name in features]
    return pa.Table.from_arrays(arrays, schema=features.arrow_schema)


# ------------------------------------------------------------------------------ split / shard plan
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


def shard_plan(sizes: dict[str, int], shard_size: int) -> list[dict[str, Any]]:
    """All shards in a fixed order (train, validation, test; by index): name, split, start, stop."""
    if shard_size < 1:
        raise ValueError(f"shard_size must be >= 1, got {shard_size}")
    plan = []
    for split in SPLITS:
        n = sizes[split]
        count = math.ceil(n / shard_size)
        for i in range(count):
            start, stop = i * shard_size, min((i + 1) * shard_size, n)
            name = f"{split}-{i:05d}-of-{count:05d}.parquet"
            plan.append({"name": name, "split": split, "start": start, "stop": stop})
    return plan


def assigned_shards(
    plan: list[dict], shard_index: int | None, num_shards: int | None
) -> list[dict]:
    """The shards machine ``shard_index`` of ``num_shards`` builds (round-robin over ``plan``)."""
    if shard_index is None and num_shards is None:
        return list(plan)
    if shard_index is None or num_shards is None:
        raise ValueError("give both shard_index and num_shards (or neither)")
    if num_shards < 1 or not 0 <= shard_index < num_shards:
        raise ValueError(f"need 0 <= shard_index < num_shards, got {shard_index} and {num_shards}")
    return plan[shard_index::num_shards]


# ------------------------------------------------------------------------------ generation
def _config_to_dict(config) -> dict[str, Any] | None:
    if config is None:
        return None
    return json.loads(json.dumps(dataclasses.asdict(config), default=str))


def _scene_config(config):
    from insar_hf.simulate.scene import SceneConfig

    return SceneConfig() if config is None else config


def _raw_shape(config) -> tuple[int, int]:
    size = getattr(config, "image_size_px", IMAGE_SIZE)
    return (size, size)


_WORKER: dict[str, Any] = {}


def _init_worker(seed, config, with_raw, fail_at=None):
    from insar_hf.simulate.scene import sample_scene, scene_seed_sequence

    _WORKER.update(
        fail_at=fail_at,
        seed=seed,
        config=config,
        with_raw=with_raw,
        sample_scene=sample_scene,
        scene_seed_sequence=scene_seed_sequence,
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
        scene = w["sample_scene"](w["scene_seed_sequence"](w["seed"], split, index), w["config"])
        rows.append(scene_to_row(scene, w["with_raw"]))
    return rows_to_table(rows, w["features"])


def shard_is_complete(path: Path, expected_rows: int, features) -> bool:
    """True when ``path`` is a readable parquet file with ``expected_rows`` rows and ``features``."""
    import pyarrow.parquet as pq

    try:
        meta = pq.read_metadata(path)
        schema = pq.read_schema(path)
    except (OSError, ValueError):
        return False
    return (
        meta.num_rows == expected_rows
        and schema.equals(features.arrow_schema)
        and _features_of_schema(schema) == features
    )


def _tmp_name(name: str) -> str:
    return f".{name}.{socket.gethostname()}-{os.getpid()}.tmp"


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024.0  # Linux reports KiB


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
        A ``synth.SceneConfig`` (default ``SceneConfig()``).
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
    from tqdm.auto import tqdm

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
    config = _scene_config(scene_config)
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

    from insar_hf.version import __version__

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
            "insar_hf_version": __version__,
        },
    )
    # Our own stale temporaries (this host, any pid) of the shards we are about to build.
    host = socket.gethostname()
    for shard in mine:
        for stale in data_dir.glob(f".{shard['name']}.{host}-*.tmp"):
            stale.unlink(missing_ok=True)

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
        _init_worker(seed, config, with_raw, fail_at)
        results = map(_build_rows, tasks)
    else:
        import multiprocessing as mp

        pool = mp.get_context().Pool(
            min(workers, len(tasks)),
            initializer=_init_worker,
            initargs=(seed, config, with_raw, fail_at),
        )
        results = pool.imap(_build_rows, tasks)
    try:
        for shard in todo:
            _write_shard(data_dir, shard, features, results, bar, summary)
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


def _write_shard(data_dir: Path, shard: dict, features, results, bar, summary: dict) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    final = data_dir / shard["name"]
    tmp = data_dir / _tmp_name(shard["name"])
    stats_columns = [
        name for name, f in features.items() if type(f).__name__ in ("Value", "ClassLabel")
    ]
    writer = pq.ParquetWriter(tmp, features.arrow_schema, write_statistics=stats_columns)
    try:
        rows, pending = 0, []
        n = shard["stop"] - shard["start"]
        while rows < n:
            table = next(results)
            rows += table.num_rows
            bar.update(table.num_rows)
            pending.append(table)
            # Row groups of exactly ROW_GROUP_SIZE rows (the last may be shorter), whatever the
            # task size, so the bytes do not depend on how the work was cut.
            if sum(t.num_rows for t in pending) >= ROW_GROUP_SIZE or rows == n:
                block = pa.concat_tables(pending).combine_chunks()
                cut = (
                    block.num_rows
                    if rows == n
                    else block.num_rows // ROW_GROUP_SIZE * ROW_GROUP_SIZE
                )
                writer.write_table(block.slice(0, cut), row_group_size=ROW_GROUP_SIZE)
                pending = [block.slice(cut)] if cut < block.num_rows else []
        writer.close()
        os.replace(tmp, final)
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    summary["shards_written"] += 1
    summary["samples_written"] += rows
    summary["bytes_written"] += final.stat().st_size


# ------------------------------------------------------------------------------ merge / card
def read_generation(out_dir: str | Path) -> dict[str, Any]:
    path = Path(out_dir) / GENERATION_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: {out_dir} was not made by `insar-hf generate`")
    return json.loads(path.read_text())


def _features_for(params: dict[str, Any]):
    size = int((params.get("scene_config") or {}).get("image_size_px", IMAGE_SIZE))
    return dataset_features(params["with_raw"], raw_shape=(size, size))


def merge(out_dir: str | Path, *, figure: bool = True) -> dict[str, Any]:
    """Check that every shard is complete and write the card (README.md) and its figure.

    Run once after all ``--shard-index`` machines have finished (their ``data/`` files gathered
    in ``out_dir``). Raises ``RuntimeError`` listing the missing or incomplete shards.
    ``figure=False`` leaves out the parameter histogram figure.
    """
    from insar_hf.dataset.card import write_dataset_card

    out_dir = Path(out_dir)
    params = read_generation(out_dir)
    features = _features_for(params)
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


def split_byte_sizes(out_dir: str | Path) -> dict[str, dict[str, int]]:
    """Per split: ``num_bytes`` (uncompressed, from parquet metadata) and ``download_size``."""
    import pyarrow.parquet as pq

    out: dict[str, dict[str, int]] = {s: {"num_bytes": 0, "download_size": 0} for s in SPLITS}
    for path in sorted((Path(out_dir) / "data").glob("*.parquet")):
        m = SHARD_RE.match(path.name)
        if not m or m["split"] not in out:
            continue
        meta = pq.read_metadata(path)
        out[m["split"]]["num_bytes"] += sum(
            meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)
        )
        out[m["split"]]["download_size"] += path.stat().st_size
    return out


def read_metadata_columns(out_dir: str | Path, columns: Sequence[str] | None = None):
    """The metadata columns of every shard (all splits) as one ``pyarrow.Table`` (no images)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = []
    for path in sorted((Path(out_dir) / "data").glob("*.parquet")):
        if SHARD_RE.match(path.name):
            schema = pq.read_schema(path)
            wanted = [c for c in (columns or schema.names) if c in schema.names]
            wanted = [
                c
                for c in wanted
                if c not in ("image", "deformation_mask", "wrapped_rad", "unwrapped_rad")
            ]
            tables.append(pq.read_table(path, columns=wanted))
    return pa.concat_tables(tables) if tables else None


HISTOGRAM_SKIP = ("seed", "split", "index", "spawn_key")
"""Metadata fields left out of the histogram figure (identifiers, not parameters)."""


def plot_parameter_histograms(
    out_dir: str | Path, path: str | Path, *, metadata_fields=None
) -> Path:
    """Histogram of every metadata parameter over the whole dataset in ``out_dir``.

    Numeric fields: 40-bin histograms of their finite values, earthquake and no-earthquake
    scenes drawn separately (step lines), with the count of NaN (absent) values in the title.
    String and bool fields: bar charts of counts. Saved to ``path`` (PNG).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    params = read_generation(out_dir)
    fields = {k: v for k, v in metadata_columns(metadata_fields).items() if k not in HISTOGRAM_SKIP}
    table = read_metadata_columns(out_dir, ["label", *fields])
    names = [n for n in fields if n in table.column_names]
    ncols = 6
    nrows = max(1, math.ceil(len(names) / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(2.6 * ncols, 1.9 * nrows), squeeze=False)
    label = np.asarray(table.column("label").to_numpy(zero_copy_only=False))
    colours = {0: "tab:blue", 1: "tab:red"}
    for ax, name in zip(axes.flat, names):
        col = table.column(name)
        if fields[name] in ("float32", "int64"):
            values = np.asarray(col.to_numpy(zero_copy_only=False), dtype=np.float64)
            finite = np.isfinite(values)
            if finite.any():
                lo, hi = values[finite].min(), values[finite].max()
                bins = np.linspace(lo, hi if hi > lo else lo + 1.0, 41)
                for lab in (0, 1):
                    counts, _ = np.histogram(values[finite & (label == lab)], bins=bins)
                    ax.stairs(counts, bins, color=colours[lab], label=LABEL_NAMES[lab])
            missing = int((~finite).sum())
            ax.set_title(name + (f" ({missing} NaN)" if missing else ""), fontsize=7)
        else:
            keys, counts = np.unique(np.asarray(col.to_pylist(), dtype=str), return_counts=True)
            ax.bar(np.arange(len(keys)), counts, color="tab:gray")
            ax.set_xticks(np.arange(len(keys)), keys, rotation=25, ha="right", fontsize=5)
            ax.set_title(name, fontsize=7)
        ax.tick_params(labelsize=5)
        ax.yaxis.set_visible(False)  # counts: the shapes matter, and ticks dominate drawing time
        if fields[name] in ("float32", "int64"):
            ax.xaxis.set_major_locator(MaxNLocator(3))
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    handles = [plt.Line2D([], [], color=colours[k], label=LABEL_NAMES[k]) for k in (0, 1)]
    fig.legend(handles=handles, loc="upper right", fontsize=7)
    total = sum(params["split_sizes"].values())
    fig.suptitle(
        f"insar_hf synthetic set: scene parameters ({total:,} samples, seed {params['seed']})",
        fontsize=9,
    )
    fig.subplots_adjust(left=0.04, right=0.99, bottom=0.05, top=0.93, hspace=0.9, wspace=0.3)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.png")
    fig.savefig(tmp, dpi=80)
    plt.close(fig)
    os.replace(tmp, path)
    return path


# ------------------------------------------------------------------------------ check
def _card_yaml(out_dir: Path) -> dict[str, Any] | None:
    from huggingface_hub import DatasetCard

    path = out_dir / "README.md"
    if not path.exists():
        return None
    return DatasetCard.load(path).data.to_dict()


def _describe_feature_difference(expected, actual) -> str:
    parts = []
    missing = [n for n in expected if n not in actual]
    extra = [n for n in actual if n not in expected]
    if missing:
        parts.append(f"missing columns {missing}")
    if extra:
        parts.append(f"unexpected columns {extra}")
    for name in expected:
        if name in actual and expected[name] != actual[name]:
            parts.append(f"column {name!r} is {actual[name]!r}, expected {expected[name]!r}")
    if not parts and list(expected) != list(actual):
        parts.append(f"column order {list(actual)}, expected {list(expected)}")
    return "; ".join(parts) or "schema metadata differs"


def check_dataset(out_dir: str | Path) -> list[str]:
    """Verify a dataset folder; returns a list of problems (empty means OK).

    Checks: the card exists and declares features and split sizes; every shard of every split
    (``{split}-{i}-of-{n}``, all ``i < n``) is present, readable to the last row group, has the
    card's features and the row count that :data:`GENERATION_FILE` implies; the shards' rows per
    split equal the card's ``num_examples``; no temporary file is left behind.
    """
    import pyarrow.parquet as pq
    from datasets import Features

    out_dir = Path(out_dir)
    problems: list[str] = []
    if not out_dir.is_dir():
        return [f"{out_dir}: not a folder"]
    card = _card_yaml(out_dir)
    expected_features = None
    card_counts: dict[str, int] = {}
    if card is None:
        problems.append("README.md: missing (run `insar-hf generate --merge` to write the card)")
    else:
        info = card.get("dataset_info") or {}
        if "features" in info:
            expected_features = Features._from_yaml_list(info["features"])
        else:
            problems.append("README.md: dataset_info declares no features")
        card_counts = {s["name"]: int(s["num_examples"]) for s in info.get("splits", [])}
        if not card_counts:
            problems.append("README.md: dataset_info declares no splits")
    params = None
    if (out_dir / GENERATION_FILE).exists():
        params = read_generation(out_dir)
        if expected_features is None:
            expected_features = _features_for(params)

    data_dir = out_dir / "data"
    files = sorted(p.name for p in data_dir.iterdir()) if data_dir.is_dir() else []
    if not data_dir.is_dir():
        problems.append("data/: missing")
    shards: dict[str, dict[int, str]] = {}
    counts_of: dict[str, set[int]] = {}
    for name in files:
        if name.endswith(".tmp"):
            problems.append(
                f"data/{name}: temporary file left by an interrupted run; delete it or re-run generate"
            )
            continue
        m = SHARD_RE.match(name)
        if not m or m["split"] not in SPLITS:
            problems.append(
                f"data/{name}: unexpected file (shards are named {{split}}-00000-of-00001.parquet)"
            )
            continue
        shards.setdefault(m["split"], {})[int(m["i"])] = name
        counts_of.setdefault(m["split"], set()).add(int(m["n"]))

    expected_rows: dict[str, int] = {}
    if params is not None:
        for s in shard_plan(params["split_sizes"], params["shard_size"]):
            expected_rows[s["name"]] = s["stop"] - s["start"]
    for split in SPLITS:
        ns = counts_of.get(split, set())
        if len(ns) > 1:
            problems.append(f"data/{split}-*: shards disagree on the shard count ({sorted(ns)})")
        n = max(ns) if ns else 0
        if params is not None:
            n_expected = sum(1 for name in expected_rows if name.startswith(f"{split}-"))
            if n and n != n_expected:
                problems.append(
                    f"data/{split}-*: {n} shards, {GENERATION_FILE} implies {n_expected}"
                )
            n = max(n, n_expected)
        elif not ns and card_counts.get(split):
            problems.append(
                f"data/{split}-*: no shards, the card declares {card_counts[split]} examples"
            )
        for i in range(n):
            if i not in shards.get(split, {}):
                problems.append(f"data/{split}-{i:05d}-of-{n:05d}.parquet: missing")

    rows_per_split = dict.fromkeys(SPLITS, 0)
    for split, by_index in shards.items():
        for _, name in sorted(by_index.items()):
            path = data_dir / name
            try:
                pf = pq.ParquetFile(path)
                for i in range(pf.num_row_groups):
                    pf.read_row_group(i)
            except Exception as e:  # noqa: BLE001 -- any read failure is a corrupt shard
                problems.append(f"data/{name}: unreadable parquet ({type(e).__name__}: {e})")
                continue
            num_rows = pf.metadata.num_rows
            rows_per_split[split] += num_rows
            if name in expected_rows and num_rows != expected_rows[name]:
                problems.append(f"data/{name}: {num_rows} rows, expected {expected_rows[name]}")
            if expected_features is not None:
                actual = _features_of_schema(pf.schema_arrow)
                if actual != expected_features:
                    diff = _describe_feature_difference(expected_features, actual)
                    problems.append(f"data/{name}: features differ from the card: {diff}")
    for split, declared in card_counts.items():
        if split not in SPLITS:
            problems.append(f"README.md: unknown split {split!r}")
        elif rows_per_split[split] != declared:
            problems.append(
                f"README.md: split {split!r} declares {declared} examples, the shards hold {rows_per_split[split]}"
            )
    return problems


def _features_of_schema(schema):
    from datasets import Features

    meta = schema.metadata or {}
    if b"huggingface" in meta:
        info = json.loads(meta[b"huggingface"])
        return Features.from_dict(info["info"]["features"])
    return Features.from_arrow_schema(schema)
