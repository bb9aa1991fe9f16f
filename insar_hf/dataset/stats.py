"""Figures read back from a dataset's shards: byte sizes, metadata columns, parameter histograms.

:func:`split_byte_sizes` gives the card's ``num_bytes`` and ``download_size`` per split;
:func:`read_metadata_columns` reads the scalar columns of every shard without the images; and
:func:`plot_parameter_histograms` draws the figure the card links to
(:data:`~insar_hf.dataset.layout.HISTOGRAM_FILE`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from insar_hf.dataset.layout import SHARD_RE, read_generation
from insar_hf.schema import LABEL_NAMES, SPLITS, metadata_columns

HISTOGRAM_SKIP = ("seed", "split", "index", "spawn_key")
"""Metadata fields left out of the histogram figure (identifiers, not parameters)."""


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
