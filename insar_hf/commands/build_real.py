"""Build a labelled dataset of real interferograms from products and an earthquake catalogue.

PRODUCTS is searched recursively for COMET-LiCSAR pairs (<YYYYMMDD_YYYYMMDD>.geo.unw.tif /
.geo.diff_pha.tif), ASF HyP3 InSAR products (*_unw_phase.tif / *_wrapped_phase.tif) and binary
NAME.unw / NAME.diff with NAME.par. Each pair is labelled from the ComCat CSV / GeoJSON catalogue
(positive: an event with M >= --min-mag, depth <= --max-depth-km between its dates and within
--margin-km of its footprint; negative: no event with M >= --negative-max-mag; ambiguous pairs
are left out and listed in build_report.json). Tiles are cut around epicentres (random offsets)
and in event-free areas, grouped by event into train / validation / test, and written with a
dataset card into --out (atomically: nothing is left behind on failure). See docs/real.md.

examples:
  insar-hf build-real --products products/ --catalog comcat.csv --out real_ds
  insar-hf build-real --products products/ --catalog query.geojson --out real_ds \\
      --min-mag 5.5 --max-depth-km 25 --pixel-m 80 --push-to-hub me/insar-real
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--products", required=True, metavar="DIR", help="folder of products")
    parser.add_argument("--catalog", required=True, metavar="FILE", help="ComCat .csv or .geojson")
    parser.add_argument("--out", required=True, metavar="DS", help="dataset folder to write")
    g = parser.add_argument_group("labelling")
    g.add_argument("--min-mag", type=float, default=5.0, help="positive magnitude (default 5.0)")
    g.add_argument(
        "--max-depth-km", type=float, default=30.0, help="positive max depth (default 30)"
    )
    g.add_argument(
        "--margin-km",
        type=float,
        default=10.0,
        help="epicentre margin around the footprint (default 10)",
    )
    g.add_argument(
        "--negative-max-mag",
        type=float,
        default=4.0,
        help="negative pairs have no near event this large (default 4.0)",
    )
    g.add_argument(
        "--skip-bad-rows", action="store_true", help="leave malformed catalogue rows out (reported)"
    )
    t = parser.add_argument_group("tiles")
    t.add_argument(
        "--pixel-m", type=float, default=100.0, help="tile pixel spacing, m (default 100)"
    )
    t.add_argument(
        "--tiles-per-event", type=int, default=2, help="positive windows per event (default 2)"
    )
    t.add_argument(
        "--max-offset-frac", type=float, default=0.25, help="epicentre offset, fraction of the side"
    )
    t.add_argument(
        "--negatives-per-product", type=int, default=2, help="negative windows per pair (default 2)"
    )
    t.add_argument(
        "--negative-exclusion-km",
        type=float,
        default=50.0,
        help="min. distance of negatives from events",
    )
    t.add_argument(
        "--max-nodata-frac",
        type=float,
        default=0.5,
        help="drop tiles with more no data (default 0.5)",
    )
    t.add_argument(
        "--kind", choices=("wrapped", "unwrapped", "both"), default="both", help="phase to render"
    )
    o = parser.add_argument_group("output")
    o.add_argument(
        "--seed", type=int, default=0, help="offsets, negatives and split assignment (default 0)"
    )
    o.add_argument(
        "--fractions",
        type=float,
        nargs=3,
        default=(0.7, 0.15, 0.15),
        metavar=("TRAIN", "VAL", "TEST"),
    )
    o.add_argument(
        "--with-raw", action="store_true", help="add float16 wrapped_rad / unwrapped_rad columns"
    )
    o.add_argument(
        "--balance-train",
        action="store_true",
        help="undersample the majority class of the train split (for fine-tuning)",
    )
    o.add_argument("--overwrite", action="store_true", help="replace an existing --out")
    o.add_argument("--push-to-hub", metavar="REPO_ID", help="upload the folder as a Hub dataset")
    o.add_argument("--private", action="store_true", help="create the Hub repository private")
    o.add_argument("--token", default=None, help="Hub token (default: saved login / HF_TOKEN)")


def run(args: argparse.Namespace) -> int:
    from insar_hf.products.interferogram import ProductError
    from insar_hf.real.build import build_real_dataset
    from insar_hf.real.catalog import CatalogError
    from insar_hf.real.labelling import LabelRules
    from insar_hf.real.tiles import TileConfig

    try:
        rules = LabelRules(
            min_mag=args.min_mag,
            max_depth_km=args.max_depth_km,
            margin_km=args.margin_km,
            negative_max_mag=args.negative_max_mag,
        )
        tiles = TileConfig(
            pixel_m=args.pixel_m,
            tiles_per_event=args.tiles_per_event,
            max_offset_frac=args.max_offset_frac,
            negatives_per_product=args.negatives_per_product,
            negative_exclusion_km=args.negative_exclusion_km,
            max_nodata_frac=args.max_nodata_frac,
            kind=args.kind,
        )
        report = build_real_dataset(
            args.products,
            args.catalog,
            args.out,
            rules=rules,
            tiles=tiles,
            seed=args.seed,
            fractions=tuple(args.fractions),
            with_raw=args.with_raw,
            skip_malformed=args.skip_bad_rows,
            overwrite=args.overwrite,
            balance_train=args.balance_train,
        )
    except (CatalogError, ProductError, FileExistsError, ValueError) as error:
        print(f"build-real: error: {error}", file=sys.stderr)
        return 2
    statuses = [p["status"] for p in report["products"]]
    print(
        f"products: {statuses.count('positive')} positive, {statuses.count('negative')} negative, "
        f"{statuses.count('ambiguous')} ambiguous, {len(report['skipped_products'])} skipped"
    )
    for split, counts in report["tiles"].items():
        print(f"{split}: {counts['total']} tiles ({counts['earthquake']} earthquake)")
    print(f"wrote {args.out} (report: {args.out}/build_report.json)")
    if args.push_to_hub:
        from insar_hf.hub import push_folder

        url = push_folder(
            args.out, args.push_to_hub, repo_type="dataset", token=args.token, private=args.private
        )
        print(f"pushed to {url}")
    return 0
