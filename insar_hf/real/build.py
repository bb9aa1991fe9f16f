"""``build_real_dataset``: products + catalogue -> a labelled ``datasets`` folder and a report.

Steps: read the catalogue; find and read every product (unreadable ones are skipped and
recorded); label each product (:mod:`~insar_hf.real.labelling`); cut tiles
(:mod:`~insar_hf.real.tiles`); group tiles so that **no event reaches two splits** (a product's
group is the union of its qualifying events, merged across products that share one; an
event-free pair is its own group); assign whole groups to train / validation / test; write the
shards, card and ``build_report.json`` into a temporary folder that is renamed into place only
when everything succeeded.

Columns are those of the synthetic set (:func:`insar_hf.dataset.generate.dataset_features` with
``synth.METADATA_FIELDS``; values that do not apply to real data are NaN, -1, False or ``""``)
followed by the real-data fields of :data:`REAL_FIELDS`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import zlib
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from insar_hf.products.interferogram import ProductError, find_products, read_product
from insar_hf.real.catalog import CatalogError, read_catalog
from insar_hf.real.labelling import LabelRules, label_product
from insar_hf.real.tiles import Tile, TileConfig, make_tiles
from insar_hf.schema import KIND_NAMES, SPLITS, metadata_columns, missing_value, typed_metadata

REPORT_FILE = "build_report.json"
PRETTY_NAME = "insar_hf real earthquake interferograms"
REAL_FIELDS: dict[str, str] = {
    "product_type": "string",
    "product": "string",
    "frame_id": "string",
    "date1": "string",
    "date2": "string",
    "crs": "string",
    "x_min": "float32",
    "y_min": "float32",
    "x_max": "float32",
    "y_max": "float32",
    "event_id": "string",
    "event_mag": "float32",
    "event_mag_type": "string",
    "event_depth_km": "float32",
    "distance_to_epicentre_km": "float32",
    "nodata_fraction": "float32",
    "group": "string",
}
"""Real-data metadata columns (dates ISO ``YYYY-MM-DD``; bounds in the product's CRS)."""


def metadata_fields() -> dict[str, str]:
    """Synthetic metadata fields (minus names that are dataset columns) + :data:`REAL_FIELDS`."""
    fields = metadata_columns()
    for name, dtype in REAL_FIELDS.items():
        fields.setdefault(name, dtype)
    return fields


def real_features(with_raw: bool = False):
    """``datasets.Features`` of the real-event set."""
    from insar_hf.dataset.generate import dataset_features

    return dataset_features(with_raw, metadata_fields=metadata_fields())


class _Groups:
    """Union-find over group keys (event ids / pair keys)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, keys: list[str]) -> str:
        roots = sorted({self.find(k) for k in keys})
        for root in roots[1:]:
            self.parent[root] = roots[0]
        return roots[0]


def assign_splits(groups: list[str], fractions, rng: np.random.Generator) -> dict[str, str]:
    """Map each group to a split, shuffled, in proportions ``fractions`` (train, val, test).

    With at least three groups every split gets one (test first, then validation).
    """
    groups = sorted(groups)
    order = [groups[i] for i in rng.permutation(len(groups))]
    n = len(order)
    counts = [int(math.floor(f * n)) for f in fractions]
    counts[0] = n - counts[1] - counts[2]
    if n >= 3:
        for i in (2, 1):
            if counts[i] == 0:
                counts[i] = 1
                counts[0] -= 1
    out, start = {}, 0
    for split, count in zip(SPLITS, counts):
        for group in order[start : start + count]:
            out[group] = split
        start += count
    return out


def tile_row(
    tile: Tile, ifg, split: str, index: int, group: str, with_raw: bool, fields: dict
) -> dict:
    """One dataset row from a tile (image rendered by ``render.render_interferogram``)."""
    from PIL import Image

    from insar_hf.dataset.generate import _png
    from insar_hf.physics.los import SENSORS
    from insar_hf.render import render_interferogram

    size = tile.field_rad.shape[0]
    row: dict[str, Any] = {
        "image": _png(render_interferogram(tile.field_rad, tile.kind, size=size)),
        "label": int(tile.label),
        "kind": KIND_NAMES.index(tile.kind),
        "deformation_bbox": [0, 0, 0, 0],
        "deformation_mask": _png(Image.fromarray(np.zeros((size, size), dtype=np.uint8), mode="L")),
    }
    sensor = min(SENSORS.values(), key=lambda s: abs(s.wavelength_m - ifg.wavelength_m))
    r0, r1, c0, c1 = tile.window
    mag_type = tile.mag_type.lower()
    known = {
        "deformation_source": "earthquake" if tile.label else "none",
        "hard_negative": False,
        "split": split,
        "index": index,
        "sensor": sensor.name if abs(sensor.wavelength_m - ifg.wavelength_m) < 1e-3 else "",
        "band": sensor.band if abs(sensor.wavelength_m - ifg.wavelength_m) < 1e-3 else "",
        "wavelength_m": ifg.wavelength_m,
        "pixel_m": tile.pixel_m,
        "mw": tile.mag if mag_type.startswith("mw") else math.nan,
        "centroid_depth_m": math.nan,
        "epicentre_row_px": (tile.event_row - r0) / (r1 - r0) * size if tile.event_id else math.nan,
        "epicentre_col_px": (tile.event_col - c0) / (c1 - c0) * size if tile.event_id else math.nan,
        "product_type": ifg.product_type,
        "product": ifg.name,
        "frame_id": ifg.frame_id,
        "date1": ifg.date1.isoformat(),
        "date2": ifg.date2.isoformat(),
        "crs": _crs_name(ifg.crs),
        "x_min": tile.bounds[0],
        "y_min": tile.bounds[1],
        "x_max": tile.bounds[2],
        "y_max": tile.bounds[3],
        "event_id": tile.event_id,
        "event_mag": tile.mag,
        "event_mag_type": tile.mag_type,
        "event_depth_km": tile.depth_km,
        "distance_to_epicentre_km": tile.distance_km,
        "nodata_fraction": tile.nodata_fraction,
        "group": group,
    }
    values = {name: known.get(name, missing_value(dtype)) for name, dtype in fields.items()}
    row |= typed_metadata(values, fields)
    if with_raw:
        row["wrapped_rad"] = tile.wrapped_rad.astype(np.float16)
        unw = (
            tile.unwrapped_rad if tile.unwrapped_rad is not None else np.full((size, size), np.nan)
        )
        row["unwrapped_rad"] = unw.astype(np.float16)
    return row


def _balance(rows: list[dict], rng: np.random.Generator) -> int:
    """Drop random rows of the majority label in place (re-indexing); returns how many."""
    labels = np.array([r["label"] for r in rows])
    counts = np.bincount(labels, minlength=2)
    if counts.min() == 0:
        return 0
    majority = int(np.argmax(counts))
    candidates = np.flatnonzero(labels == majority)
    drop = set(
        rng.choice(candidates, size=int(counts.max() - counts.min()), replace=False).tolist()
    )
    kept = [r for i, r in enumerate(rows) if i not in drop]
    for index, row in enumerate(kept):
        if "index" in row:
            row["index"] = index
    rows[:] = kept
    return len(drop)


def _crs_name(crs: str | None) -> str:
    if crs is None:
        return ""
    from rasterio.crs import CRS

    parsed = CRS.from_user_input(crs)
    epsg = parsed.to_epsg()
    return f"EPSG:{epsg}" if epsg else parsed.to_wkt()


def _write_split(data_dir: Path, split: str, rows: list[dict], features, shard_size: int) -> None:
    import pyarrow.parquet as pq

    from insar_hf.dataset.generate import ROW_GROUP_SIZE, rows_to_table

    n = max(1, math.ceil(len(rows) / shard_size))
    for i in range(n):
        table = rows_to_table(rows[i * shard_size : (i + 1) * shard_size], features)
        pq.write_table(
            table, data_dir / f"{split}-{i:05d}-of-{n:05d}.parquet", row_group_size=ROW_GROUP_SIZE
        )


def _card(out: Path, features, params: dict, report: dict) -> None:
    from huggingface_hub import DatasetCard

    from insar_hf.dataset.card import _field_table, card_data
    from insar_hf.dataset.generate import split_byte_sizes

    data = card_data(params, features, split_byte_sizes(out))
    data.pretty_name = PRETTY_NAME
    data.tags = [
        "insar",
        "sar",
        "interferometry",
        "earthquake",
        "geophysics",
        "remote-sensing",
        "real",
    ]
    data.annotations_creators = ["machine-generated"]
    counts = report["tiles"]
    rules, tiles = params["rules"], params["tiles"]
    text = (
        f"""
# {PRETTY_NAME}

Tiles of real interferograms (COMET-LiCSAR, ASF HyP3 or binary products), labelled from the
earthquake catalogue `{Path(params["catalog"]).name}` by `insar-hf build-real` (insar_hf
{params["insar_hf_version"]}). Same columns as the synthetic set, plus the real-data fields below;
synthetic-only fields are NaN / -1 / empty, `deformation_bbox` is `[0, 0, 0, 0]` and
`deformation_mask` empty because the true extent of real deformation is not known.

## Labels

- **earthquake**: an event with magnitude >= {rules["min_mag"]} and depth <= {rules["max_depth_km"]} km
  between the two acquisition dates, epicentre inside the footprint or within {rules["margin_km"]} km.
- **no_earthquake**: no event of magnitude >= {rules["negative_max_mag"]} near the footprint between
  (or on) the dates; or areas of a positive pair beyond the exclusion radius of every event.
- Ambiguous pairs are left out and listed in `{REPORT_FILE}` with the reason.

Tiles: {tiles["size"]} x {tiles["size"]} pixels of {tiles["pixel_m"]} m, resampled NaN-aware from
the product grid; positives centred on the epicentre with a random offset of up to
{tiles["max_offset_frac"]} of the tile side; tiles with more than {tiles["max_nodata_frac"]} no data
are dropped.

## Splits

Grouped by event: every tile of one event (and of the pairs that share it) is in one split, so no
event appears in two splits.

| split | tiles | earthquake | no_earthquake | groups |
|---|---|---|---|---|
"""
        + "\n".join(
            f"| {s} | {c['total']} | {c['earthquake']} | {c['no_earthquake']} | {len(report['groups'][s])} |"
            for s, c in counts.items()
        )
        + f"""

## Columns

{_field_table(features)}

## Sign convention

LOS displacement positive = range increase (away from the satellite), phase
`= -4 pi / wavelength * los` (COMET-LiCSAR / HyP3 phase files are negated on reading; see
`docs/real.md` of insar_hf).
"""
    )
    card = DatasetCard(f"---\n{data.to_yaml()}\n---\n{text}")
    card.save(out / "README.md")


def build_real_dataset(
    products_dir,
    catalog_path,
    out_dir,
    *,
    rules: LabelRules | None = None,
    tiles: TileConfig | None = None,
    seed: int = 0,
    fractions: tuple[float, float, float] = (0.7, 0.15, 0.15),
    with_raw: bool = False,
    skip_malformed: bool = False,
    shard_size: int = 1000,
    overwrite: bool = False,
    balance_train: bool = False,
) -> dict:
    """Build the real-event dataset folder ``out_dir``; returns the build report (also saved).

    Raises
    ------
    CatalogError
        Unreadable / empty catalogue, or no catalogue event matches any product.
    ProductError
        No readable product under ``products_dir``.
    FileExistsError
        ``out_dir`` exists and ``overwrite`` is False.

    Notes
    -----
    ``balance_train`` undersamples the majority class of the train split (seeded) so that
    fine-tuning sees both classes equally often; validation and test keep their natural mix.
    """
    from insar_hf.version import __version__

    rules = LabelRules() if rules is None else rules
    tiles = TileConfig() if tiles is None else tiles
    if (
        len(fractions) != 3
        or any(f < 0 for f in fractions)
        or not math.isclose(sum(fractions), 1.0)
    ):
        raise ValueError(
            f"fractions must be three non-negative numbers summing to 1, got {fractions}"
        )
    out_dir = Path(out_dir)
    if out_dir.exists() and not overwrite:
        raise FileExistsError(f"{out_dir} exists; choose another --out or pass --overwrite")
    catalog = read_catalog(catalog_path, skip_malformed=skip_malformed)
    paths = find_products(products_dir)
    if not paths:
        raise ProductError(
            f"{products_dir}: no product found (LiCSAR *.geo.unw.tif / .geo.diff_pha.tif, HyP3 "
            "*_unw_phase.tif / *_wrapped_phase.tif, or NAME.unw / NAME.diff with NAME.par)"
        )
    report: dict[str, Any] = {
        "catalog": str(catalog_path),
        "catalog_events": len(catalog.events),
        "catalog_skipped_rows": catalog.skipped,
        "products": [],
        "skipped_products": [],
        "ambiguous": [],
        "skipped_windows": [],
    }
    groups = _Groups()
    labelled = []
    for path in paths:
        try:
            ifg = read_product(path)
            label = label_product(ifg, catalog.events, rules)
        except ProductError as error:
            report["skipped_products"].append({"path": str(path), "reason": str(error)})
            continue
        entry = {
            "path": str(path),
            "product_type": ifg.product_type,
            "frame_id": ifg.frame_id,
            "name": ifg.name,
            "date1": ifg.date1.isoformat(),
            "date2": ifg.date2.isoformat(),
            "status": label.status,
            "reasons": label.reasons,
            "notes": ifg.notes,
        }
        report["products"].append(entry)
        if label.status == "ambiguous":
            report["ambiguous"].append({"path": str(path), "reasons": label.reasons})
            continue
        if label.status == "positive":
            group = groups.union([f"event:{h.event.id}" for h in label.events])
        else:
            group = groups.find(f"pair:{ifg.frame_id}:{ifg.name}")
        labelled.append((ifg, label, group))
    if not labelled:
        raise ProductError(
            f"{products_dir}: no usable product ({len(report['skipped_products'])} unreadable, "
            f"{len(report['ambiguous'])} ambiguous): "
            + "; ".join(s["reason"] for s in report["skipped_products"][:3])
        )
    if not any(label.status == "positive" for _, label, _ in labelled):
        raise CatalogError(
            f"{catalog_path}: no event with magnitude >= {rules.min_mag} and depth <= "
            f"{rules.max_depth_km} km falls between the dates and within {rules.margin_km} km of "
            f"any of the {len(labelled)} usable products; check that the catalogue covers their "
            "area and dates (or lower --min-mag / raise --margin-km)"
        )
    # Tiles: every product's draws come from its own seed, so adding a product changes no other.
    produced = []
    for ifg, label, group in labelled:
        rng = np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(ifg.name.encode())]))
        product_tiles, skipped = make_tiles(
            ifg, label, tiles, rng, negative_max_mag=rules.negative_max_mag
        )
        report["skipped_windows"].extend(skipped)
        produced.extend((tile, ifg, group) for tile in product_tiles)
    final_groups = sorted({groups.find(g) for _, _, g in produced})
    if not final_groups:
        raise ProductError(
            f"{products_dir}: no tile passed the no-data limit --max-nodata-frac {tiles.max_nodata_frac}; "
            f"see the skipped windows: {report['skipped_windows'][:3]}"
        )
    # Event groups and event-free pair groups are assigned separately, so that every split gets
    # earthquakes as soon as there are three events.
    rng = np.random.default_rng(seed)
    split_of = assign_splits([g for g in final_groups if g.startswith("event:")], fractions, rng)
    split_of.update(
        assign_splits([g for g in final_groups if not g.startswith("event:")], fractions, rng)
    )
    fields = metadata_fields()
    features = real_features(with_raw)
    rows: dict[str, list] = {"train": [], "validation": [], "test": []}
    for tile, ifg, group in produced:
        root = groups.find(group)
        split = split_of[root]
        rows[split].append(tile_row(tile, ifg, split, len(rows[split]), root, with_raw, fields))
    if balance_train:
        report["balance_train_dropped"] = _balance(rows["train"], np.random.default_rng([seed, 1]))
    report["tiles"] = {
        s: {
            "total": len(r),
            "earthquake": sum(x["label"] for x in r),
            "no_earthquake": sum(1 - x["label"] for x in r),
        }
        for s, r in rows.items()
    }
    report["groups"] = {s: sorted({r["group"] for r in rows[s]}) for s in rows}
    params = {
        "kind": "real",
        "products": str(products_dir),
        "catalog": str(catalog_path),
        "insar_hf_version": __version__,
        "seed": seed,
        "fractions": list(fractions),
        "with_raw": with_raw,
        "balance_train": balance_train,
        "rules": asdict(rules),
        "tiles": asdict(tiles),
        "split_sizes": {s: len(r) for s, r in rows.items()},
        "built": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }
    report["params"] = params
    parent = out_dir.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".{out_dir.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        (tmp / "data").mkdir(parents=True)
        for split, split_rows in rows.items():
            if split_rows:
                _write_split(tmp / "data", split, split_rows, features, shard_size)
        _card(tmp, features, params, report)
        (tmp / REPORT_FILE).write_text(json.dumps(report, indent=2, default=str))
        if out_dir.exists():
            old = parent / f".{out_dir.name}.old-{os.getpid()}"
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return report
