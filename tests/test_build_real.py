"""End-to-end ``build-real``: products + catalogue -> dataset folder, report, grouped splits."""
# ruff: noqa: F811  (pytest fixtures imported from hub_standin are redefined as arguments)

from __future__ import annotations

import json

import numpy as np
import pytest
from hub_standin import hub_standin  # noqa: F401
from real_fixtures import (
    comcat_csv,
    okada_los_m,
    quiet_los_m,
    write_binary,
    write_hyp3,
    write_licsar,
)

from insar_hf.products import ProductError
from insar_hf.real import CatalogError, LabelRules, build_real_dataset
from insar_hf.real.tiles import TileConfig

SHAPE = (300, 300)
TILES = TileConfig(tiles_per_event=2, negatives_per_product=1, kind="wrapped")


def _lonlat(epsg, x, y):
    from rasterio.warp import transform

    (lon,), (lat,) = transform(f"EPSG:{epsg}", "EPSG:4326", [x], [y])
    return round(lon, 6), round(lat, 6)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """Three events in three product families, two event-free pairs, one ambiguous, one broken."""
    root = tmp_path_factory.mktemp("real")
    products = root / "products"
    rng = np.random.default_rng(0)
    quake = okada_los_m(SHAPE, 100.0, (150.0, 150.0))
    write_licsar(products / "licsar", "20230120", "20230213", quake)
    write_licsar(products / "licsar", "20221201", "20221225", quiet_los_m(SHAPE, rng))
    write_licsar(products / "licsar", "20230301", "20230325", quiet_los_m(SHAPE, rng))
    broken = write_licsar(products / "licsar", "20230701", "20230713", quiet_los_m(SHAPE, rng))
    unw = broken / "20230701_20230713.geo.unw.tif"
    unw.write_bytes(unw.read_bytes()[:2000])
    write_hyp3(products / "hyp3", "20230401", "20230413", okada_los_m(SHAPE, 80.0, (150.0, 150.0)))
    write_binary(products / "bin", "20230501_20230513", quake)
    write_binary(products / "bin", "20230601_20230613", quiet_los_m(SHAPE, rng))
    hyp3_lon, hyp3_lat = _lonlat(32637, 300_000 + 150 * 80, 4_160_000 - 150 * 80)
    bin_lon, bin_lat = _lonlat(32636, 500_000 + 150 * 100, 4_200_000 - 150 * 100)
    events = [
        {
            "time": "2023-02-01T03:00:00Z",
            "lat": 37.35,
            "lon": 37.15,
            "depth": 8,
            "mag": 6.3,
            "id": "ev1",
        },
        {
            "time": "2023-03-10T03:00:00Z",
            "lat": 37.35,
            "lon": 37.15,
            "depth": 8,
            "mag": 4.5,
            "id": "evamb",
        },
        {
            "time": "2023-04-05T03:00:00Z",
            "lat": hyp3_lat,
            "lon": hyp3_lon,
            "depth": 5,
            "mag": 5.8,
            "id": "ev2",
        },
        {
            "time": "2023-05-05T03:00:00Z",
            "lat": bin_lat,
            "lon": bin_lon,
            "depth": 12,
            "mag": 6.0,
            "id": "ev3",
        },
        {
            "time": "2023-05-05T03:00:00Z",
            "lat": 38.3,
            "lon": 142.4,
            "depth": 20,
            "mag": 7.1,
            "id": "far",
        },
    ]
    catalog = comcat_csv(root / "comcat.csv", events)
    return root, products, catalog


@pytest.fixture(scope="module")
def built(inputs):
    root, products, catalog = inputs
    out = root / "ds"
    report = build_real_dataset(products, catalog, out, tiles=TILES, seed=0)
    return out, report


def _rows(out):
    import pyarrow.parquet as pq

    tables = {
        p.name.split("-")[0]: pq.read_table(p).to_pylist()
        for p in sorted((out / "data").glob("*.parquet"))
    }
    return tables


def test_products_are_labelled_per_rules(built):
    _, report = built
    status = {p["name"]: p["status"] for p in report["products"]}
    assert status["20230120_20230213"] == "positive" and status["20221201_20221225"] == "negative"
    assert status["20230301_20230325"] == "ambiguous"
    assert sorted(s for s in status.values()).count("positive") == 3


def test_ambiguous_pair_is_listed_with_reason(built):
    _, report = built
    (entry,) = report["ambiguous"]
    assert "20230301_20230325" in entry["path"] and "evamb M4.5" in entry["reasons"][0]


def test_broken_product_is_skipped_and_named(built):
    _, report = built
    (entry,) = report["skipped_products"]
    assert (
        "20230701_20230713.geo.unw.tif" in entry["reason"]
        and "not a readable raster" in entry["reason"]
    )


def test_no_event_is_in_two_splits(built):
    out, _ = built
    events = {
        split: {r["event_id"] for r in rows if r["event_id"]} for split, rows in _rows(out).items()
    }
    assert set(events) == {"train", "validation", "test"}
    assert all(events[a].isdisjoint(events[b]) for a in events for b in events if a < b)
    assert set().union(*events.values()) == {"ev1", "ev2", "ev3"}


def test_features_are_the_synthetic_columns_plus_real_fields(built):
    from datasets import load_dataset

    from insar_hf.dataset.rows import dataset_features
    from insar_hf.real.rows import real_features

    out, _ = built
    ds = load_dataset(str(out))
    assert ds["train"].features == real_features()
    assert set(dataset_features(metadata_fields={})) <= set(ds["train"].features)


def test_positive_tiles_carry_event_metadata_and_keep_the_epicentre_inside(built):
    out, _ = built
    positives = [r for rows in _rows(out).values() for r in rows if r["label"] == 1]
    assert len(positives) == 6
    for r in positives:
        assert 0 <= r["epicentre_row_px"] < 224 and 0 <= r["epicentre_col_px"] < 224
        # offsets are at most 0.25 of the 22.4 km side in each direction
        assert r["distance_to_epicentre_km"] <= 0.25 * 22.4 * np.sqrt(2) + 0.2
        assert r["event_mag"] > 5 and r["date1"] < r["date2"] and r["product"]


def test_images_are_the_render_function_output(built):
    import io

    from PIL import Image

    out, _ = built
    row = _rows(out)["train"][0]
    image = np.asarray(Image.open(io.BytesIO(row["image"]["bytes"])))
    assert image.shape == (224, 224, 3) and image.dtype == np.uint8


def test_card_and_report_are_written(built):
    out, report = built
    card = " ".join((out / "README.md").read_text().split())
    assert (
        "insar_hf real earthquake interferograms" in card
        and "no event appears in two splits" in card
    )
    assert json.loads((out / "build_report.json").read_text())["tiles"] == report["tiles"]


def test_existing_output_is_not_overwritten(inputs, built):
    _, products, catalog = inputs
    out, _ = built
    with pytest.raises(FileExistsError, match="pass --overwrite"):
        build_real_dataset(products, catalog, out, tiles=TILES)


def test_catalogue_without_matches_fails_and_writes_nothing(inputs, tmp_path):
    _, products, _ = inputs
    catalog = comcat_csv(
        tmp_path / "far.csv",
        [
            {
                "time": "2023-02-01T03:00:00Z",
                "lat": 38.3,
                "lon": 142.4,
                "depth": 20,
                "mag": 7.1,
                "id": "far",
            }
        ],
    )
    with pytest.raises(CatalogError, match="no event with magnitude >= 5.0"):
        build_real_dataset(products, catalog, tmp_path / "ds", tiles=TILES)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["far.csv"]


def test_folder_without_products_is_a_clear_error(tmp_path, inputs):
    _, _, catalog = inputs
    (tmp_path / "empty").mkdir()
    with pytest.raises(ProductError, match="no product found"):
        build_real_dataset(tmp_path / "empty", catalog, tmp_path / "ds")


def test_all_nan_window_is_skipped_and_recorded(tmp_path):
    from insar_hf.products import read_product
    from insar_hf.real import label_product, read_catalog
    from insar_hf.real.tiles import make_tiles

    los = okada_los_m(SHAPE, 100.0, (150.0, 150.0))
    los[:, :] = np.nan
    los[:5, :5] = 0.01  # a few valid pixels far from the epicentre
    ifg = read_product(write_licsar(tmp_path, "20230120", "20230213", los))
    events = read_catalog(
        comcat_csv(
            tmp_path / "c.csv",
            [
                {
                    "time": "2023-02-01T03:00:00Z",
                    "lat": 37.35,
                    "lon": 37.15,
                    "depth": 8,
                    "mag": 6.3,
                    "id": "ev1",
                }
            ],
        )
    ).events
    tiles, skipped = make_tiles(
        ifg, label_product(ifg, events, LabelRules()), TILES, np.random.default_rng(0)
    )
    assert tiles == [] and "no-data fraction 1.00 > --max-nodata-frac 0.5" in skipped[0]


def test_cli_build_real_writes_dataset_and_reports_errors(inputs, tmp_path, capsys):
    from insar_hf.cli import main

    _, products, catalog = inputs
    args = ["build-real", "--products", str(products), "--catalog", str(catalog)]
    assert (
        main(
            [*args, "--out", str(tmp_path / "ds"), "--kind", "unwrapped", "--tiles-per-event", "1"]
        )
        == 0
    )
    assert "3 positive, 2 negative, 1 ambiguous, 1 skipped" in capsys.readouterr().out
    assert (
        main([*args, "--out", str(tmp_path / "ds2"), "--min-mag", "3", "--negative-max-mag", "4"])
        == 2
    )
    assert "negative_max_mag (4.0) must not exceed min_mag (3.0)" in capsys.readouterr().err


def test_balanced_train_split_has_equal_classes(inputs, tmp_path):
    _, products, catalog = inputs
    tiles = TileConfig(tiles_per_event=3, negatives_per_product=1, kind="both")
    report = build_real_dataset(products, catalog, tmp_path / "ds", tiles=tiles, balance_train=True)
    train = report["tiles"]["train"]
    assert train["earthquake"] == train["no_earthquake"] and report["balance_train_dropped"] > 0


@pytest.mark.slow
def test_finetune_micro_from_synthetic_checkpoint_and_real_events_entries(built, tmp_path):
    """One fine-tuning epoch of vit-micro with finetune_real.json; zero-shot vs fine-tuned."""
    from pathlib import Path

    from datasets import load_dataset
    from huggingface_hub import ModelCard

    from insar_hf.model.presets import DEFAULT_ID2LABEL, build_image_processor, build_model
    from insar_hf.training.card import write_model_card
    from insar_hf.training.evaluation import evaluate_model
    from insar_hf.training.trainer import main as train_main

    out, _ = built
    synthetic = tmp_path / "synthetic"
    model = build_model(
        "vit-micro", id2label=DEFAULT_ID2LABEL, label2id={v: k for k, v in DEFAULT_ID2LABEL.items()}
    )
    model.save_pretrained(synthetic)
    build_image_processor().save_pretrained(synthetic)
    # Stand-in for the synthetic test entry of the card (scored on a real split, named synthetic).
    evaluate_model(
        model, load_dataset(str(out))["validation"], synthetic, dataset_name="insar-synthetic"
    )
    write_model_card(synthetic, model_name="synthetic-micro")

    config = json.loads(Path("training/configs/finetune_real.json").read_text())
    assert config["learning_rate"] < 1e-5 and config["num_train_epochs"] <= 5
    config.update(
        init_from=str(synthetic),
        dataset=str(out),
        output_dir=str(tmp_path / "finetuned"),
        num_train_epochs=1,
        per_device_train_batch_size=4,
        report_to="none",
        use_cpu=True,
    )
    (tmp_path / "ft.json").write_text(json.dumps(config))
    assert train_main([str(tmp_path / "ft.json")]) == 0

    from insar_hf.cli import main

    args = [
        "--synthetic",
        str(synthetic),
        "--finetuned",
        str(tmp_path / "finetuned"),
        "--dataset",
        str(out),
    ]
    assert main(["evaluate-real", *args]) == 0
    summary = json.loads((tmp_path / "finetuned" / "real_events.json").read_text())
    assert summary["zero_shot"]["overall"]["n"] == summary["fine_tuned"]["overall"]["n"] > 0
    beside_synthetic = json.loads((synthetic / "real_events.json").read_text())
    assert beside_synthetic == {k: v for k, v in summary.items() if k != "fine_tuned"}
    names = {r.dataset_name for r in ModelCard.load(synthetic / "README.md").data.eval_results}
    assert names == {"insar-synthetic", "real events (zero-shot)"}
    finetuned = ModelCard.load(tmp_path / "finetuned" / "README.md").data.eval_results
    assert {r.dataset_name for r in finetuned} == {"real events (fine-tuned)"}
    f1 = next(r.metric_value for r in finetuned if r.metric_type == "f1")
    assert f1 == summary["fine_tuned"]["overall"]["f1"]
    write_model_card(synthetic, model_name="synthetic-micro")  # e.g. `insar-hf evaluate` again
    rebuilt = ModelCard.load(synthetic / "README.md")
    assert {r.dataset_name for r in rebuilt.data.eval_results} == names
    assert "## Real events (zero-shot)" in rebuilt.text


def test_dataset_passes_the_synthetic_set_checker(built):
    from insar_hf.dataset.check import check_dataset

    out, _ = built
    assert check_dataset(out) == []


def test_negatives_in_positive_pairs_keep_out_of_the_exclusion_radius(tmp_path):
    from insar_hf.products import read_product
    from insar_hf.real import label_product, read_catalog
    from insar_hf.real.tiles import exclusion_radius_km, make_tiles

    # 300 x 300 pixels of 0.01 deg (about 0.9 x 1.1 km): a frame of about 270 km x 330 km.
    ifg = read_product(
        write_licsar(
            tmp_path,
            "20230120",
            "20230213",
            quiet_los_m(SHAPE, np.random.default_rng(1)),
            step_deg=0.01,
            lon0=36.0,
            lat0=39.0,
        )
    )
    event = {
        "time": "2023-02-01T03:00:00Z",
        "lat": 37.5,
        "lon": 37.5,
        "depth": 8,
        "mag": 7.0,
        "id": "ev7",
    }
    label = label_product(
        ifg, read_catalog(comcat_csv(tmp_path / "c.csv", [event])).events, LabelRules()
    )
    config = TileConfig(tiles_per_event=0, negatives_per_product=6, kind="wrapped")
    tiles, _ = make_tiles(ifg, label, config, np.random.default_rng(0))
    radius = exclusion_radius_km(7.0, config.negative_exclusion_km)
    assert radius == pytest.approx(3 * 10 ** (-2.44 + 0.59 * 7.0)) and radius > 100
    assert len(tiles) == 6 and all(t.label == 0 and t.distance_km > radius for t in tiles)


def test_push_to_hub_uploads_card_report_and_shards(inputs, tmp_path, hub_standin, capsys):
    from insar_hf.cli import main

    _, products, catalog = inputs
    out = tmp_path / "ds"
    args = [
        "--products",
        str(products),
        "--catalog",
        str(catalog),
        "--out",
        str(out),
        "--kind",
        "wrapped",
    ]
    assert main(["build-real", *args, "--push-to-hub", "standin-user/insar-real"]) == 0
    files = hub_standin.files("standin-user/insar-real", "dataset")
    local = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert set(files) >= local and "build_report.json" in files
