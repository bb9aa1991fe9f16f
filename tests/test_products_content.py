"""Products are recognised by suffix and content, not exact names, and say which phase they hold;
both dev frames go through the readers, the Detector and ``insar-hf predict``."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from real_fixtures import okada_los_m, quiet_los_m, write_binary, write_hyp3, write_licsar

from insar_hf.model.default import DEFAULT_MODEL_DIR
from insar_hf.products import ProductError, find_products, read_product
from insar_hf.products.interferogram import DEFAULT_KIND

SHAPE = (120, 140)
REPO = Path(__file__).resolve().parents[1]
BUNDLED_MODEL = DEFAULT_MODEL_DIR  # the packaged default model
DEV = REPO.parent / "shared" / "real-dev"
GALAPAGOS = DEV / "galapagos_2017" / "sierra_negra_20170320_20170413.geo.diff_pha.tif"
THESSALY = DEV / "thessaly_2021"
needs_dev = pytest.mark.skipif(
    not DEV.is_dir(), reason="../shared/real-dev (the dev frames, GPL data) is not checked out"
)


@pytest.fixture(scope="module")
def los_m():
    return okada_los_m(SHAPE, 150.0, (60.0, 70.0))


@pytest.fixture
def licsar(tmp_path, los_m):
    return write_licsar(tmp_path, "20230120", "20230213", los_m, with_enu=False)


def _geotiff(path, data, *, count=1, dtype="float32"):
    import rasterio
    from affine import Affine

    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=data.shape[-2],
        width=data.shape[-1],
        count=count,
        dtype=dtype,
        crs="EPSG:32636",
        transform=Affine(80.0, 0, 500_000.0, 0, -80.0, 4_200_000.0),
    ) as dst:
        dst.write(np.broadcast_to(data, (count, *data.shape[-2:])).astype(dtype))
    return path


# ------------------------------------------------------------------ the product's own kind


def test_licsar_unw_file_holds_unwrapped_phase(licsar):
    assert read_product(licsar / "20230120_20230213.geo.unw.tif").kind == "unwrapped"


def test_licsar_diff_pha_file_holds_wrapped_phase(licsar):
    assert read_product(licsar / "20230120_20230213.geo.diff_pha.tif").kind == "wrapped"


def test_a_pair_folder_holding_both_gives_the_documented_default(licsar):
    ifg = read_product(licsar)
    assert ifg.kinds == ("wrapped", "unwrapped") and ifg.kind == DEFAULT_KIND == "wrapped"


def test_hyp3_unw_phase_file_holds_unwrapped_phase(tmp_path, los_m):
    unw = write_hyp3(tmp_path, "20230120", "20230213", los_m)
    wrapped = unw.with_name(unw.name.replace("_unw_phase", "_wrapped_phase"))
    assert (read_product(unw).kind, read_product(wrapped).kind) == ("unwrapped", "wrapped")


@pytest.mark.parametrize(
    "suffix,kind", [(".unw", "unwrapped"), (".diff", "wrapped"), (".par", "wrapped")]
)
def test_binary_file_suffix_says_the_kind(tmp_path, los_m, suffix, kind):
    par = write_binary(tmp_path, "20230120_20230213", los_m)
    assert read_product(par.with_suffix(suffix)).kind == kind


def test_a_product_holding_only_unwrapped_phase_gives_unwrapped(tmp_path, los_m):
    par = write_binary(tmp_path, "20230120_20230213", los_m)
    par.with_suffix(".diff").unlink()
    assert read_product(par).kind == "unwrapped"


# ------------------------------------------------------------------ names


def test_a_renamed_licsar_file_with_a_prefix_is_read_with_its_dates(licsar, tmp_path):
    folder = tmp_path / "renamed"
    folder.mkdir()
    for raster in ("unw", "diff_pha", "cc"):
        source = licsar / f"20230120_20230213.geo.{raster}.tif"
        source.rename(folder / f"sierra_negra_20230120_20230213.geo.{raster}.tif")
    ifg = read_product(folder / "sierra_negra_20230120_20230213.geo.diff_pha.tif")
    assert (ifg.product_type, ifg.date1, ifg.date2) == (
        "licsar",
        dt.date(2023, 1, 20),
        dt.date(2023, 2, 13),
    )
    assert ifg.coherence is not None and ifg.unwrapped_rad is not None  # companions found


def test_a_licsar_name_without_dates_takes_them_from_its_pair_folder(licsar):
    (licsar / "20230120_20230213.geo.unw.tif").rename(licsar / "frame.geo.unw.tif")
    ifg = read_product(licsar / "frame.geo.unw.tif")
    assert (ifg.date1, ifg.date2, ifg.kind) == (
        dt.date(2023, 1, 20),
        dt.date(2023, 2, 13),
        "unwrapped",
    )


def test_a_licsar_name_without_dates_elsewhere_reads_with_dates_unknown(licsar, tmp_path):
    (licsar / "20230120_20230213.geo.unw.tif").rename(tmp_path / "frame.geo.unw.tif")
    ifg = read_product(tmp_path / "frame.geo.unw.tif")
    assert (ifg.date1, ifg.date2, ifg.kind) == (None, None, "unwrapped")
    assert "acquisition dates unknown" in " ".join(ifg.notes)


def test_a_binary_unw_without_its_par_asks_for_the_header(tmp_path, los_m):
    par = write_binary(tmp_path, "20230120_20230213", los_m)
    par.unlink()
    with pytest.raises(ProductError, match=r"no header 20230120_20230213\.par; write one with"):
        read_product(par.with_suffix(".unw"))


# ------------------------------------------------------------------ plain GeoTIFFs


@pytest.mark.parametrize("name", ["phase.tif", "phase.tiff", "PHASE.TIF"])
def test_a_plain_geotiff_is_read_as_the_kind_given_with_the_processors_sign(tmp_path, name):
    phase = quiet_los_m(SHAPE, np.random.default_rng(0)) * 300
    path = _geotiff(tmp_path / name, phase)
    ifg = read_product(path, kind="unwrapped")
    assert (ifg.product_type, ifg.kind, ifg.date1) == ("geotiff", "unwrapped", None)
    np.testing.assert_array_equal(ifg.unwrapped_rad, -phase.astype(np.float32))  # positive away


def test_a_plain_geotiff_read_as_wrapped_is_wrapped(tmp_path):
    phase = np.linspace(-20, 20, SHAPE[0] * SHAPE[1], dtype=np.float32).reshape(SHAPE)
    ifg = read_product(_geotiff(tmp_path / "phase.tif", phase), kind="wrapped")
    np.testing.assert_allclose(np.exp(1j * ifg.wrapped_rad), np.exp(-1j * phase), atol=1e-4)
    assert ifg.wrapped_rad.min() >= -np.pi and ifg.wrapped_rad.max() < np.pi


def test_exact_zeros_of_a_plain_geotiff_are_no_data_as_in_licsar_files(tmp_path):
    phase = np.random.default_rng(1).uniform(-3, 3, SHAPE).astype(np.float32)
    phase[:5, :7] = 0.0
    ifg = read_product(_geotiff(tmp_path / "phase.tif", phase), kind="wrapped")
    np.testing.assert_array_equal(np.isnan(ifg.wrapped_rad), phase == 0)


@pytest.mark.parametrize("raster,kind", [("diff_pha", "wrapped"), ("unw", "unwrapped")])
def test_a_licsar_file_renamed_plain_is_the_same_model_input_byte_for_byte(
    licsar, tmp_path, raster, kind
):
    from insar_hf.inference.inputs import prepare_input

    named = licsar / f"20230120_20230213.geo.{raster}.tif"
    plain = shutil.copy(named, tmp_path / "my_frame.tif")
    images = [
        prepare_input(p, kind=k, units="rad", wavelength_m=None, size=224).image
        for p, k in ((named, None), (plain, kind))
    ]
    assert images[0].tobytes() == images[1].tobytes()


def test_a_par_with_positive_y_spacing_is_read_north_up_like_a_gamma_one(tmp_path, los_m):
    gamma = read_product(write_binary(tmp_path / "gamma", "f", los_m))
    south = read_product(write_binary(tmp_path / "south", "f", los_m, row0_south=True))
    assert south.row0_south and not gamma.row0_south
    assert south.transform == gamma.transform == (500_000.0, 100.0, 0.0, 4_200_000.0, 0.0, -100.0)
    np.testing.assert_array_equal(south.los_m, gamma.los_m)
    np.testing.assert_array_equal(south.wrapped_rad, gamma.wrapped_rad)


def test_a_file_window_of_a_south_first_product_is_the_same_pixels_north_up(tmp_path, los_m):
    ifg = read_product(write_binary(tmp_path, "f", los_m, row0_south=True))
    stored = np.fromfile(tmp_path / "f.unw", dtype="<f4").reshape(los_m.shape)
    row, col = ifg.array_window(3, 5, 10)
    np.testing.assert_array_equal(
        ifg.los_m[row : row + 10, col : col + 10], stored[3:13, 5:15][::-1]
    )


def test_a_plain_geotiff_without_kind_asks_for_it(tmp_path):
    path = _geotiff(tmp_path / "phase.tif", np.ones(SHAPE))
    with pytest.raises(ProductError, match="does not say whether it holds wrapped or unwrapped"):
        read_product(path)


def test_a_multiband_geotiff_is_refused_with_the_fix(tmp_path):
    path = _geotiff(tmp_path / "rgb.tif", np.ones(SHAPE), count=3, dtype="uint8")
    with pytest.raises(ProductError, match=r"a GeoTIFF with 3 bands; .*\(gdal_translate -b N"):
        read_product(path, kind="wrapped")


def test_an_integer_geotiff_is_refused_as_no_phase(tmp_path):
    path = _geotiff(tmp_path / "dem.tif", np.ones(SHAPE), dtype="int16")
    with pytest.raises(ProductError, match="expected a floating-point raster of wrapped phase"):
        read_product(path, kind="wrapped")


def test_plain_geotiffs_are_never_listed_as_products(tmp_path, licsar):
    _geotiff(tmp_path / "dem.tif", np.ones(SHAPE))
    assert find_products(tmp_path) == [licsar / "20230120_20230213.geo.unw.tif"]


# ------------------------------------------------------------------ the dev frames


@needs_dev
def test_dev_galapagos_frame_is_a_licsar_wrapped_product_with_its_dates():
    ifg = read_product(GALAPAGOS)
    assert (ifg.product_type, ifg.kind, ifg.shape) == ("licsar", "wrapped", (500, 500))
    assert (ifg.date1, ifg.date2) == (dt.date(2017, 3, 20), dt.date(2017, 4, 13))


@needs_dev
@pytest.mark.parametrize("name,kind", [("greece.unw", "unwrapped"), ("greece.diff", "wrapped")])
def test_dev_thessaly_frame_reads_without_dates(name, kind):
    ifg = read_product(THESSALY / name)
    assert (ifg.date1, ifg.date2, ifg.kind, ifg.shape) == (None, None, kind, (801, 801))


@needs_dev
def test_dev_thessaly_unwrapped_file_holds_the_documented_displacement():
    # docs: largest |LOS| about 0.48 m near rows 395, cols 380 of the file
    ifg = read_product(THESSALY / "greece.unw")
    row, col = np.unravel_index(np.nanargmax(np.abs(ifg.los_m)), ifg.shape)
    file_row = ifg.shape[0] - 1 - row  # greece.par: y_spacing > 0, the file's row 0 is south
    assert 0.4 < np.nanmax(np.abs(ifg.los_m)) < 0.6
    assert abs(file_row - 395) < 80 and abs(col - 380) < 80


@needs_dev
def test_dev_thessaly_frame_spans_the_map_coordinates_of_its_header():
    ifg = read_product(THESSALY / "greece.par")  # corner -40000, spacing +100, 801 x 801
    assert ifg.row0_south and ifg.bounds == (-40000.0, -40000.0, 40100.0, 40100.0)


@pytest.fixture(scope="module")
def detector():
    from insar_hf.inference.detector import Detector

    return Detector.from_pretrained(BUNDLED_MODEL, device="cpu")


@needs_dev
@pytest.mark.parametrize(
    "path,kind",
    [
        (GALAPAGOS, "wrapped"),
        (THESSALY / "greece.unw", "unwrapped"),
        (THESSALY / "greece.diff", "wrapped"),
        (THESSALY / "greece.par", "wrapped"),
    ],
)
def test_detector_predicts_a_dev_frame_from_its_own_kind(detector, path, kind):
    result = detector.predict(path)
    phase = read_product(path).field_rad(kind)
    expected = detector.predict(phase, kind=kind)
    assert result.kind == kind
    assert result.probability == pytest.approx(expected.probability, abs=1e-6)


@needs_dev
def test_an_unwrapped_product_is_not_read_as_wrapped(detector):
    unwrapped = detector.predict(THESSALY / "greece.unw")
    as_wrapped = detector.predict(THESSALY / "greece.unw", kind="wrapped")
    assert unwrapped.kind == "unwrapped" and as_wrapped.kind == "wrapped"
    assert not np.array_equal(np.asarray(unwrapped.image), np.asarray(as_wrapped.image))


@needs_dev
def test_predict_command_reads_both_dev_frames(capsys):
    from insar_hf.cli import main

    paths = [str(GALAPAGOS), str(THESSALY / "greece.unw"), str(THESSALY / "greece.diff")]
    assert main(["predict", *paths, "--model", str(BUNDLED_MODEL), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [(r["source"], r["kind"]) for r in results] == list(
        zip(paths, ["wrapped", "unwrapped", "wrapped"])
    )
    assert all(0.0 <= r["probability"] <= 1.0 for r in results)


def _inside(box, bounds) -> bool:
    x0, y0, x1, y1 = box
    bx0, by0, bx1, by1 = bounds
    return bx0 <= x0 <= x1 <= bx1 and by0 <= y0 <= y1 <= by1


def test_map_boxes_of_a_south_first_binary_product_lie_in_its_frame(detector, tmp_path):
    los_m = okada_los_m((240, 240), 100.0, (90, 150))
    par = write_binary(tmp_path, "f", los_m, corner_x=-12000, corner_y=12000, row0_south=True)
    bounds = (-12000.0, -12000.0, 12000.0, 12000.0)  # corner -12000 (south-west), 240 x 100 m
    result = detector.predict(par)
    assert result.map_boxes and all(_inside(b, bounds) for b in result.map_boxes)
    scan = detector.scan(par, min_probability=0.0, progress=False)
    assert scan.map_boxes and all(_inside(b, bounds) for b in scan.map_boxes)


@needs_dev
def test_map_boxes_of_the_thessaly_frame_lie_in_its_frame(detector):
    result = detector.predict(THESSALY / "greece.par")
    bounds = (-40000.0, -40000.0, 40100.0, 40100.0)  # greece.par: corner -40000, 801 x 100 m
    assert result.map_boxes and all(_inside(b, bounds) for b in result.map_boxes)
