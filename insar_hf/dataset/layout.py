"""What lies where in a dataset folder: file names, the shard plan and the generation file.

Layout of a dataset folder (``docs/ARCHITECTURE.md``)::

    DIR/README.md                                   card (YAML: configs, features, split sizes)
    DIR/parameter_histograms.png                    figure referenced by the card
    DIR/generation.json                             the parameters that define every sample
    DIR/data/{split}-{i:05d}-of-{n:05d}.parquet     shards, splits train / validation / test

Shard ``i`` of a split holds the fixed index range ``[i * shard_size, min((i + 1) * shard_size,
n_split))`` (:func:`shard_plan`), so the bytes of a shard depend on neither the number of worker
processes nor the number of machines. Distributed runs (``shard_index`` / ``num_shards``) take
whole shards round-robin over the ordered list of all shards (:func:`assigned_shards`).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from insar_hf.dataset.rows import dataset_features
from insar_hf.schema import IMAGE_SIZE, SPLITS

GENERATION_FILE = "generation.json"
"""The parameters that define every sample (written by ``generate``, read by merge and check)."""

HISTOGRAM_FILE = "parameter_histograms.png"
"""The parameter histogram figure that the card links to."""

SHARD_RE = re.compile(r"^(?P<split>[a-z]+)-(?P<i>\d{5})-of-(?P<n>\d{5})\.parquet$")
"""Names of the shards in ``data/`` (groups ``split``, ``i`` and ``n``; see :func:`shard_name`)."""


def shard_name(split: str, i: int, n: int) -> str:
    """File name of shard ``i`` of the ``n`` shards of ``split``, e.g. ``train-00003-of-00010``."""
    return f"{split}-{i:05d}-of-{n:05d}.parquet"


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
            name = shard_name(split, i, count)
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


def read_generation(out_dir: str | Path) -> dict[str, Any]:
    """The parameters in ``out_dir``'s :data:`GENERATION_FILE`.

    Raises ``FileNotFoundError`` when the folder was not made by ``insar-hf generate``.
    """
    path = Path(out_dir) / GENERATION_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: {out_dir} was not made by `insar-hf generate`")
    return json.loads(path.read_text())


def features_for(params: dict[str, Any]):
    """The ``datasets.Features`` of a dataset generated with ``params`` (its generation file)."""
    size = int((params.get("scene_config") or {}).get("image_size_px", IMAGE_SIZE))
    return dataset_features(params["with_raw"], raw_shape=(size, size))
