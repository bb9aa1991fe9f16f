"""ComCat catalogue readers and the positive / negative / ambiguous labelling rules."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from real_fixtures import comcat_csv, comcat_geojson

from insar_hf.products import Interferogram, UnknownCRSError
from insar_hf.real.catalog import CatalogError, read_catalog
from insar_hf.real.labelling import LabelRules, label_product

EVENTS = [
    {
        "time": "2023-02-06T01:17:34.341Z",
        "lat": 37.35,
        "lon": 37.15,
        "depth": 10.0,
        "mag": 7.8,
        "id": "us6000jllz",
    },
    {
        "time": "2023-02-06T10:24:49.000Z",
        "lat": 38.02,
        "lon": 37.20,
        "depth": 7.4,
        "mag": 7.5,
        "id": "us6000jlqa",
    },
]


def _ifg(date1="20230120", date2="20230213", crs="EPSG:4326", lon0=37.0, lat0=37.5, step=0.001):
    rows = cols = 300
    return Interferogram(
        name=f"{date1}_{date2}",
        product_type="licsar",
        frame_id="087A_05268_131313",
        date1=dt.datetime.strptime(date1, "%Y%m%d").date(),
        date2=dt.datetime.strptime(date2, "%Y%m%d").date(),
        wavelength_m=0.0555,
        transform=(lon0, step, 0.0, lat0, 0.0, -step),
        crs=crs,
        unwrapped_rad=np.zeros((rows, cols), dtype=np.float32),
    )


def _event(tmp_path, **changes):
    row = {
        "time": "2023-02-01T12:00:00Z",
        "lat": 37.35,
        "lon": 37.15,
        "depth": 10.0,
        "mag": 6.0,
        "id": "ev1",
    }
    row.update(changes)
    return read_catalog(comcat_csv(tmp_path / "c.csv", [row])).events


def test_csv_fields_are_parsed_with_utc_time(tmp_path):
    event = read_catalog(comcat_csv(tmp_path / "c.csv", EVENTS)).events[0]
    assert (event.id, event.mag, event.mag_type, event.depth_km) == ("us6000jllz", 7.8, "mww", 10.0)
    assert event.time == dt.datetime(2023, 2, 6, 1, 17, 34, 341000, tzinfo=dt.timezone.utc)


def test_geojson_and_csv_give_the_same_events(tmp_path):
    csv_events = read_catalog(comcat_csv(tmp_path / "c.csv", EVENTS)).events
    json_events = read_catalog(comcat_geojson(tmp_path / "c.geojson", EVENTS)).events
    assert csv_events == json_events


def test_malformed_row_error_names_file_row_and_field(tmp_path):
    path = comcat_csv(tmp_path / "bad.csv", [EVENTS[0], {**EVENTS[1], "mag": "big"}])
    with pytest.raises(
        CatalogError, match=r"bad\.csv, row 2 \(line 3\): mag 'big' is not a number"
    ):
        read_catalog(path)


def test_malformed_rows_can_be_skipped_and_are_recorded(tmp_path):
    path = comcat_csv(tmp_path / "bad.csv", [EVENTS[0], {**EVENTS[1], "lat": 123.0}])
    catalog = read_catalog(path, skip_malformed=True)
    assert [e.id for e in catalog.events] == ["us6000jllz"]
    assert len(catalog.skipped) == 1 and "latitude 123.0 is outside" in catalog.skipped[0]


def test_empty_catalogue_is_a_clear_error(tmp_path):
    with pytest.raises(CatalogError, match="holds no usable event"):
        read_catalog(comcat_csv(tmp_path / "empty.csv", []))


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("time,latitude,longitude,mag,id\n2023-02-06T01:17:34Z,37,37,7.8,x\n")
    with pytest.raises(CatalogError, match="missing column.*depth"):
        read_catalog(path)


def test_geojson_feature_without_geometry_names_the_feature(tmp_path):
    path = tmp_path / "c.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"id": "x", "properties": {"time": 0}}]}'
    )
    with pytest.raises(CatalogError, match="feature 1"):
        read_catalog(path)


def test_event_inside_footprint_between_dates_is_positive(tmp_path):
    label = label_product(_ifg(), _event(tmp_path), LabelRules())
    assert label.status == "positive"
    np.testing.assert_allclose(
        [label.events[0].row, label.events[0].col], [150.0, 150.0], atol=1e-6
    )


def test_event_outside_dates_gives_negative(tmp_path):
    label = label_product(_ifg(), _event(tmp_path, time="2023-03-01T00:00:00Z"), LabelRules())
    assert label.status == "negative"


def test_event_within_margin_is_positive_and_beyond_it_negative(tmp_path):
    # Footprint ends at longitude 37.3; 0.05 deg east at 37.35 N is about 4.4 km.
    events = _event(tmp_path, lon=37.35)
    assert label_product(_ifg(), events, LabelRules(margin_km=5.0)).status == "positive"
    assert label_product(_ifg(), events, LabelRules(margin_km=4.0)).status == "negative"


def test_intermediate_magnitude_is_ambiguous_with_reason(tmp_path):
    label = label_product(_ifg(), _event(tmp_path, mag=4.5), LabelRules())
    assert label.status == "ambiguous"
    assert "between --negative-max-mag 4 and --min-mag 5" in label.reasons[0]


def test_deep_event_is_ambiguous(tmp_path):
    label = label_product(_ifg(), _event(tmp_path, depth=80.0), LabelRules(max_depth_km=30.0))
    assert label.status == "ambiguous" and "deeper than --max-depth-km 30" in label.reasons[0]


def test_event_on_acquisition_date_is_ambiguous(tmp_path):
    label = label_product(_ifg(), _event(tmp_path, time="2023-02-13T05:00:00Z"), LabelRules())
    assert label.status == "ambiguous" and "on acquisition date 2023-02-13" in label.reasons[0]


def test_epicentre_is_reprojected_into_utm(tmp_path):
    # UTM 37N grid whose centre pixel holds (37.15 E, 37.35 N): x, y from rasterio.warp.
    from rasterio.warp import transform

    (x,), (y,) = transform("EPSG:4326", "EPSG:32637", [37.15], [37.35])
    ifg = _ifg(crs="EPSG:32637", lon0=x - 150 * 80.0, lat0=y + 150 * 80.0, step=80.0)
    hit = label_product(ifg, _event(tmp_path), LabelRules()).events[0]
    np.testing.assert_allclose([hit.row, hit.col], [150.0, 150.0], atol=1e-6)


def test_unknown_crs_cannot_be_labelled(tmp_path):
    with pytest.raises(UnknownCRSError, match="coordinate reference system is unknown"):
        label_product(_ifg(crs=None), _event(tmp_path), LabelRules())


def test_rules_reject_negative_threshold_above_positive():
    with pytest.raises(ValueError, match="must not exceed min_mag"):
        LabelRules(min_mag=5.0, negative_max_mag=5.5)
