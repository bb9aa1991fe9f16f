"""``check_dataset``: verify a dataset folder and say exactly what is wrong, one line per problem.

The checks run in the order of the problems they report: the card (:func:`_check_card`), the
files in ``data/`` (:func:`_list_shards`), the shard count of every split
(:func:`_check_missing_shards`), every shard's readability, rows and features
(:func:`_check_shards`), and the card's split sizes against the rows found.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from insar_hf.dataset.layout import (
    GENERATION_FILE,
    SHARD_RE,
    features_for,
    read_generation,
    shard_plan,
)
from insar_hf.dataset.rows import features_of_schema
from insar_hf.schema import SPLITS


def check_dataset(out_dir: str | Path) -> list[str]:
    """Verify a dataset folder; returns a list of problems (empty means OK).

    Checks: the card exists and declares features and split sizes; every shard of every split
    (``{split}-{i}-of-{n}``, all ``i < n``) is present, readable to the last row group, has the
    card's features and the row count that :data:`~insar_hf.dataset.layout.GENERATION_FILE`
    implies; the shards' rows per split equal the card's ``num_examples``; no temporary file is
    left behind; no split is empty (training and evaluation need all three).
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return [f"{out_dir}: not a folder"]
    problems, expected_features, card_counts = _check_card(out_dir)
    params = None
    if (out_dir / GENERATION_FILE).exists():
        params = read_generation(out_dir)
        if expected_features is None:
            expected_features = features_for(params)

    data_dir = out_dir / "data"
    if not data_dir.is_dir():
        problems.append("data/: missing")
    shards, counts_of = _list_shards(data_dir, problems)
    expected_rows: dict[str, int] = {}
    if params is not None:
        for s in shard_plan(params["split_sizes"], params["shard_size"]):
            expected_rows[s["name"]] = s["stop"] - s["start"]
    _check_missing_shards(shards, counts_of, expected_rows, params, card_counts, problems)
    rows_per_split = _check_shards(data_dir, shards, expected_rows, expected_features, problems)
    for split, declared in card_counts.items():
        if split not in SPLITS:
            problems.append(f"README.md: unknown split {split!r}")
        elif rows_per_split[split] != declared:
            problems.append(
                f"README.md: split {split!r} declares {declared} examples, the shards hold {rows_per_split[split]}"
            )
    declared = card_counts or (params or {}).get("split_sizes") or {}
    if declared:
        problems += [
            f"{split}: empty split (0 examples); training evaluates on validation and tests on "
            "test: generate the dataset again with more samples"
            for split in SPLITS
            if not declared.get(split)
        ]
    return problems


def _card_yaml(out_dir: Path) -> dict[str, Any] | None:
    from huggingface_hub import DatasetCard

    path = out_dir / "README.md"
    if not path.exists():
        return None
    return DatasetCard.load(path).data.to_dict()


def _check_card(out_dir: Path):
    """Problems of the card, the features it declares (or None) and its examples per split."""
    from datasets import Features

    problems: list[str] = []
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
    return problems, expected_features, card_counts


def _list_shards(data_dir: Path, problems: list[str]):
    """The shards in ``data_dir`` by split and index, and the shard counts their names give.

    Temporary files of an interrupted run and files that are not shards are added to
    ``problems``.
    """
    files = sorted(p.name for p in data_dir.iterdir()) if data_dir.is_dir() else []
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
    return shards, counts_of


def _check_missing_shards(
    shards: dict[str, dict[int, str]],
    counts_of: dict[str, set[int]],
    expected_rows: dict[str, int],
    params: dict[str, Any] | None,
    card_counts: dict[str, int],
    problems: list[str],
) -> None:
    """Add a problem for every split whose shard count is inconsistent and every missing shard."""
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


def _check_shards(
    data_dir: Path,
    shards: dict[str, dict[int, str]],
    expected_rows: dict[str, int],
    expected_features,
    problems: list[str],
) -> dict[str, int]:
    """Read every shard to its last row group, check rows and features; rows found per split."""
    import pyarrow.parquet as pq

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
                actual = features_of_schema(pf.schema_arrow)
                if actual != expected_features:
                    diff = _describe_feature_difference(expected_features, actual)
                    problems.append(f"data/{name}: features differ from the card: {diff}")
    return rows_per_split


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
