"""The synthetic set as a stream: scenes go from the generator straight into training, no files.

:func:`synthetic_stream` is a ``datasets.IterableDataset`` built with
``IterableDataset.from_generator``; :func:`stream_splits` pairs an endless training stream with
small map-style validation and test sets, the three splits a training run needs.

Determinism
-----------
Example ``index`` of ``split`` is ``sample_scene(scene_seed_sequence(seed, split, index),
config)``, the very scene that :func:`insar_hf.dataset.generate.generate_dataset` writes as row
``index`` of that split for the same seed and config, so a stream and a parquet set made with
one seed hold the same scenes (and splits never share a scene seed,
:data:`insar_hf.schema.SPLIT_STREAMS`). A finite stream (``num_samples``) read by one process
yields the indices ``start, start + 1, ...`` in order.

Sharding
--------
``gen_kwargs`` holds a list of data sources that ``datasets`` deals out to the readers (DataLoader
workers and Accelerate processes); a reader calls the generator once per source, in turn. A
finite stream's sources are index ranges of :data:`BLOCK_SIZE` rows, so its readers together
yield every index once. An endless stream has ``num_shards`` (:data:`STREAM_SHARDS`) sources;
source ``s`` is the blocks ``s, s + num_shards, s + 2 num_shards, ...``, which never ends, so a
reader yields the scenes of its first source only: readers never share a scene, and each example
carries its ``index`` (metadata) with the scene of ``(seed, split, index)``. ``num_shards=1``
makes a single reader yield ``start, start + 1, ...`` in order.

Columns
-------
By default ``image``, ``label`` and ``kind`` (with the parquet set's features: ``Image`` and the
``ClassLabel`` names of :mod:`insar_hf.schema`) and every metadata column. The image is stored as
uncompressed PPM bytes (0.1 ms to write and 0.2 ms to read, against 18 ms and 2 ms for the
lossless WebP of the parquet set, when a scene takes about 13 ms), which decode to the same
pixels as the parquet image. ``full_rows=True`` yields the parquet rows themselves (WebP bytes,
``deformation_bbox`` and ``deformation_mask`` too) at about twice the cost.
"""

from __future__ import annotations

import io
import itertools
import multiprocessing as mp
import numbers
from typing import Any

from PIL import Image

from insar_hf.dataset.rows import dataset_features, rows_to_table, scene_to_row
from insar_hf.dataset.scenes import open_backgrounds, row_scene
from insar_hf.render import render_interferogram
from insar_hf.schema import KIND_NAMES, SPLITS, metadata_columns, typed_metadata
from insar_hf.simulate.config import SceneConfig
from insar_hf.simulate.seeds import scene_seed_sequence

BLOCK_SIZE = 16
"""Consecutive indices in a block: a finite stream's source is one block, an endless stream's
source every ``num_shards``-th block."""

STREAM_SHARDS = 120
"""Data sources of an endless stream: at least as many as readers (``datasets`` stops the rest),
and divisible by 1-6, 8, 10, 12 and 15 readers (``datasets.distributed.split_dataset_by_node``
then deals out whole sources to the processes)."""

TASK_SIZE = 20
"""Rows per worker task when :func:`synthetic_split` builds a split with several processes."""

STREAM_COLUMNS = ("image", "label", "kind")
"""The columns a stream always has; the metadata columns follow unless ``metadata=False``."""


def raw_image_bytes(image: Image.Image) -> dict[str, Any]:
    """``image`` as the value of a ``datasets.Image`` column: uncompressed PPM bytes, no path."""
    buffer = io.BytesIO()
    image.save(buffer, format="PPM")
    return {"bytes": buffer.getvalue(), "path": None}


def stream_features(*, metadata: bool = True, full_rows: bool = False):
    """The ``datasets.Features`` of a stream: those of the parquet set, or the stream's subset."""
    from datasets import Features

    features = dataset_features()
    if full_rows:
        return features
    names = list(STREAM_COLUMNS) + (list(metadata_columns(None)) if metadata else [])
    return Features({name: features[name] for name in names})


def stream_example(scene, *, metadata: bool = True) -> dict[str, Any]:
    """The stream's row of a ``Scene``: its rendered image (PPM), label, kind and metadata."""
    row = {
        "image": raw_image_bytes(render_interferogram(scene.field_rad, scene.kind)),
        "label": int(scene.label),
        "kind": KIND_NAMES.index(scene.kind),
    }
    if metadata:
        row |= typed_metadata(scene.metadata, metadata_columns(None))
    return row


def _row(seed: int, split: str, index: int, config, full_rows: bool, metadata: bool, bank=None):
    scene = row_scene(seed, split, index, config, bank)
    return scene_to_row(scene) if full_rows else stream_example(scene, metadata=metadata)


def _ranges_examples(ranges, *, seed, split, config, full_rows, metadata, bank):
    """Generator of a finite stream: every index of each ``(start, stop)`` range, in order."""
    for start, stop in ranges:
        for index in range(start, stop):
            yield _row(seed, split, index, config, full_rows, metadata, bank)


def _endless_examples(
    shards, *, num_shards, block_size, start, seed, split, config, full_rows, metadata, bank
):
    """Generator of an endless stream: the blocks ``b * num_shards + s`` of source ``s``, for ever.

    ``datasets`` passes one source at a time; several given at once take turns, block by block.
    """
    for block in itertools.count():
        for shard in shards:
            first = start + (block * num_shards + shard) * block_size
            for index in range(first, first + block_size):
                yield _row(seed, split, index, config, full_rows, metadata, bank)


def _check_positive(name: str, value: int | None, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not (isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1):
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def synthetic_stream(
    split: str,
    *,
    seed: int,
    num_samples: int | None = None,
    start: int = 0,
    scene_config: SceneConfig | None = None,
    backgrounds=None,
    metadata: bool = True,
    full_rows: bool = False,
    num_shards: int = STREAM_SHARDS,
    block_size: int = BLOCK_SIZE,
):
    """Scenes of ``split`` generated on the fly, as a ``datasets.IterableDataset``.

    Parameters
    ----------
    split
        ``"train"``, ``"validation"`` or ``"test"``: the spawn-key stream of the scenes.
    seed
        Dataset seed; example ``index`` is the scene ``(seed, split, index)``.
    num_samples
        Indices ``start .. start + num_samples - 1``; None (default) never ends (train with
        ``max_steps``).
    start
        First index (e.g. past the rows of a parquet set made with the same seed).
    scene_config
        A :class:`~insar_hf.simulate.config.SceneConfig` (default ``SceneConfig()``).
    backgrounds
        Real backgrounds (a :class:`~insar_hf.backgrounds.BackgroundBank` or its folder), needed
        when the config's ``real_background_fraction > 0``; the split's own backgrounds are used.
    metadata
        Add the metadata columns (cheap: they come with the scene).
    full_rows
        Yield the parquet set's rows exactly (WebP images, box and mask), at about twice the cost.
    num_shards, block_size
        Data sources of an endless stream and indices per block (see the module docstring).

    Returns
    -------
    datasets.IterableDataset
        Features of the parquet set (:func:`stream_features`); ``image`` decodes to an RGB
        224 x 224 PIL image.
    """
    from datasets import IterableDataset

    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")
    _check_positive("num_samples", num_samples, allow_none=True)
    _check_positive("num_shards", num_shards)
    _check_positive("block_size", block_size)
    if not (isinstance(start, numbers.Integral) and not isinstance(start, bool) and start >= 0):
        raise ValueError(f"start must be an integer >= 0, got {start!r}")
    scene_seed_sequence(seed, split, start)  # refuses a bad seed now, not inside a worker
    config = SceneConfig() if scene_config is None else scene_config
    common = dict(
        seed=int(seed),
        split=split,
        config=config,
        full_rows=full_rows,
        metadata=metadata,
        bank=open_backgrounds(backgrounds, config),
    )
    features = stream_features(metadata=metadata, full_rows=full_rows)
    if num_samples is None:
        gen_kwargs = dict(
            shards=list(range(num_shards)),
            num_shards=num_shards,
            block_size=block_size,
            start=start,
            **common,
        )
        return IterableDataset.from_generator(
            _endless_examples, features=features, gen_kwargs=gen_kwargs
        )
    stop = start + num_samples
    ranges = [(a, min(a + block_size, stop)) for a in range(start, stop, block_size)]
    return IterableDataset.from_generator(
        _ranges_examples, features=features, gen_kwargs=dict(ranges=ranges, **common)
    )


def _rows_table(task):
    """The parquet rows ``[start, stop)`` of ``split`` as a pyarrow table (a worker task)."""
    seed, split, start, stop, config, bank = task
    rows = [_row(seed, split, i, config, True, True, bank) for i in range(start, stop)]
    return rows_to_table(rows, dataset_features())


def synthetic_split(
    split: str,
    *,
    seed: int,
    num_samples: int,
    scene_config: SceneConfig | None = None,
    backgrounds=None,
    workers: int = 1,
):
    """Rows ``0 .. num_samples - 1`` of ``split``, in memory: a map-style ``datasets.Dataset``.

    Every column of the parquet set, equal to the rows that ``generate_dataset`` writes with the
    same seed, config and backgrounds. ``workers`` processes build them (1: this process).
    """
    import pyarrow as pa
    from datasets import Dataset
    from datasets.table import InMemoryTable

    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")
    _check_positive("num_samples", num_samples)
    _check_positive("workers", workers)
    scene_seed_sequence(seed, split, 0)
    config = SceneConfig() if scene_config is None else scene_config
    bank = open_backgrounds(backgrounds, config)
    tasks = [
        (int(seed), split, a, min(a + TASK_SIZE, num_samples), config, bank)
        for a in range(0, num_samples, TASK_SIZE)
    ]
    if workers == 1 or len(tasks) == 1:
        tables = [_rows_table(t) for t in tasks]
    else:
        with mp.get_context().Pool(min(workers, len(tasks))) as pool:
            tables = pool.map(_rows_table, tasks)
    table = pa.concat_tables(tables).combine_chunks()
    return Dataset(InMemoryTable(table), split=split)


def stream_splits(
    seed: int,
    *,
    num_eval: int,
    num_test: int,
    scene_config: SceneConfig | None = None,
    backgrounds=None,
    train_start: int = 0,
    workers: int = 1,
    full_rows: bool = False,
) -> dict[str, Any]:
    """The three splits of a training run on fresh scenes, keyed like ``training.data.load_splits``.

    ``train``: the endless stream of the ``train`` split from ``train_start`` (full rows, masks
    included, with ``full_rows``: :func:`synthetic_stream`); ``eval`` and
    ``test``: the first ``num_eval`` rows of ``validation`` and ``num_test`` rows of ``test``
    as map-style datasets (:func:`synthetic_split`), the rows a parquet set of the same seed
    holds, so that ``Trainer`` can evaluate them and the test metrics compare across runs.
    """
    config = SceneConfig() if scene_config is None else scene_config
    bank = open_backgrounds(backgrounds, config)
    common = dict(seed=seed, scene_config=config, backgrounds=bank)
    return {
        "train": synthetic_stream("train", start=train_start, full_rows=full_rows, **common),
        "eval": synthetic_split("validation", num_samples=num_eval, workers=workers, **common),
        "test": synthetic_split("test", num_samples=num_test, workers=workers, **common),
    }
