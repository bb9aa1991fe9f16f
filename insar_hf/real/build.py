"""``build_real_dataset``: products + catalogue -> a labelled ``datasets`` folder and a report.

Steps: read the catalogue; find and read every product (unreadable ones are skipped and
recorded); label each product (:mod:`~insar_hf.real.labelling`); cut tiles
(:mod:`~insar_hf.real.tiles`); group tiles so that **no event reaches two splits**
(:mod:`~insar_hf.real.splits`); turn tiles into rows (:mod:`~insar_hf.real.rows`); write the
shards (:func:`insar_hf.dataset.shards.write_split`), card and ``build_report.json`` into a
temporary folder that is renamed into place only when everything succeeded.
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

from insar_hf.dataset.card import card_data, field_table
from insar_hf.dataset.shards import write_split
from insar_hf.dataset.stats import split_byte_sizes
from insar_hf.products.interferogram import ProductError
from insar_hf.products.read import find_products, read_product
from insar_hf.real.catalog import CatalogError, read_catalog
from insar_hf.real.labelling import LabelRules, label_product
from insar_hf.real.rows import metadata_fields, real_features, tile_row
from insar_hf.real.splits import Groups, assign_splits, balance_labels
from insar_hf.real.tiles import TileConfig, make_tiles
from insar_hf.version import __version__

REPORT_FILE = "build_report.json"
PRETTY_NAME = "insar_hf real earthquake interferograms"


def _card(out: Path, features, params: dict, report: dict) -> None:
    from huggingface_hub import DatasetCard

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

{field_table(features)}

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
    groups = Groups()
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
        report["balance_train_dropped"] = balance_labels(
            rows["train"], np.random.default_rng([seed, 1])
        )
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
                write_split(tmp / "data", split, split_rows, features, shard_size)
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
