"""Parquet shards: writing them (streamed or at once) and telling a complete one from a partial one.

Robustness
----------
:func:`write_shard` writes to a hidden temporary name in ``data/`` and renames the file
(``os.replace``, atomic on one file system) once complete, so readers never see a partial shard;
:func:`shard_is_complete` lets a re-run skip every shard whose file exists with the expected row
count and features. Row groups hold exactly :data:`ROW_GROUP_SIZE` rows (the last may be
shorter) whatever the size of the incoming tables, so the bytes do not depend on how the work
was cut. Shard names come from :func:`insar_hf.dataset.layout.shard_name`.
"""

from __future__ import annotations

import math
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from insar_hf.dataset.layout import shard_name
from insar_hf.dataset.rows import features_of_schema, rows_to_table

ROW_GROUP_SIZE = 100
"""Rows per parquet row group (small groups suit image datasets and the dataset viewer)."""


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
        and features_of_schema(schema) == features
    )


def _tmp_name(name: str) -> str:
    return f".{name}.{socket.gethostname()}-{os.getpid()}.tmp"


def remove_own_temporaries(data_dir: Path, names: list[str]) -> None:
    """Delete this host's temporary files (any process id) of the shards ``names``.

    They are left by an interrupted run of this host; another machine's temporaries (a shared
    ``--out`` in a distributed run) are not touched.
    """
    host = socket.gethostname()
    for name in names:
        for stale in data_dir.glob(f".{name}.{host}-*.tmp"):
            stale.unlink(missing_ok=True)


def write_shard(
    path: Path,
    num_rows: int,
    tables: Iterator[Any],
    features,
    *,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Write one shard of ``num_rows`` rows from the ``pyarrow`` tables ``tables`` yields.

    Tables are taken from ``tables`` until ``num_rows`` rows have come; ``progress`` is called
    with the row count of each. The file appears at ``path`` only when complete (a failure
    removes the temporary file and re-raises). Column statistics are kept for the scalar
    (``Value`` and ``ClassLabel``) columns only. Returns the number of rows written.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = path.with_name(_tmp_name(path.name))
    stats_columns = [
        name for name, f in features.items() if type(f).__name__ in ("Value", "ClassLabel")
    ]
    writer = pq.ParquetWriter(tmp, features.arrow_schema, write_statistics=stats_columns)
    try:
        rows, pending = 0, []
        while rows < num_rows:
            table = next(tables)
            rows += table.num_rows
            if progress is not None:
                progress(table.num_rows)
            pending.append(table)
            # Row groups of exactly ROW_GROUP_SIZE rows (the last may be shorter), whatever the
            # task size, so the bytes do not depend on how the work was cut.
            if sum(t.num_rows for t in pending) >= ROW_GROUP_SIZE or rows == num_rows:
                block = pa.concat_tables(pending).combine_chunks()
                cut = (
                    block.num_rows
                    if rows == num_rows
                    else block.num_rows // ROW_GROUP_SIZE * ROW_GROUP_SIZE
                )
                writer.write_table(block.slice(0, cut), row_group_size=ROW_GROUP_SIZE)
                pending = [block.slice(cut)] if cut < block.num_rows else []
        writer.close()
        os.replace(tmp, path)
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    return rows


def write_split(
    data_dir: Path, split: str, rows: list[dict[str, Any]], features, shard_size: int
) -> None:
    """Write every row of ``split``, held in memory, as shards of up to ``shard_size`` rows.

    At least one shard, named by :func:`~insar_hf.dataset.layout.shard_name`, written directly
    (no temporary name: the real-event build writes into a temporary folder that it renames
    when everything succeeded) with column statistics for every column.
    """
    import pyarrow.parquet as pq

    n = max(1, math.ceil(len(rows) / shard_size))
    for i in range(n):
        table = rows_to_table(rows[i * shard_size : (i + 1) * shard_size], features)
        pq.write_table(table, data_dir / shard_name(split, i, n), row_group_size=ROW_GROUP_SIZE)
