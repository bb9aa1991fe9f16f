"""Readers of real products: naming, dtype, no-data and sign conventions; bad input."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from real_fixtures import (
    okada_los_m,
    sentinel1_wavelength_m,
    unit_los,
    write_binary,
    write_hyp3,
    write_licsar,
)

from insar_hf.products import (
    PRODUCT_SUFFIXES,
    ProductError,
    find_products,
    is_product_path,
    read_product,
)

SHAPE = (300, 300)


@pytest.fixture(scope="module")
def quake_los():
    return okada_los_m(SHAPE, 100.0, (150.0, 150.0))


def test_okada_fixture_is_a_visible_earthquake(quake_los):
    # Several fringes (2.8 cm each at C band) of signal, as an M~6.3 gives.
    assert 0.05 < np.nanmax(np.abs(quake_los)) < 2.0


def test_licsar_los_round_trips_with_our_sign(tmp_path, quake_los):
    ifg = read_product(write_licsar(tmp_path, "20230120", "20230213", quake_los))
    np.testing.assert_allclose(ifg.los_m, quake_los, rtol=1e-5, atol=1e-7)


def test_licsar_phase_is_negated_into_our_convention(tmp_path, quake_los):
    ifg = read_product(write_licsar(tmp_path, "20230120", "20230213", quake_los))
    expected = -4.0 * np.pi / sentinel1_wavelength_m() * quake_los
    np.testing.assert_allclose(ifg.unwrapped_rad, expected, rtol=1e-5, atol=1e-4)


def test_licsar_wrapped_phase_is_wrapped_unwrapped_phase(tmp_path, quake_los):
    ifg = read_product(write_licsar(tmp_path, "20230120", "20230213", quake_los))
    diff = np.angle(np.exp(1j * (ifg.wrapped_rad - ifg.unwrapped_rad)))
    np.testing.assert_allclose(diff, 0.0, atol=1e-3)


def test_licsar_zero_is_no_data(tmp_path, quake_los):
    los = quake_los.copy()
    los[:20, :] = np.nan
    ifg = read_product(write_licsar(tmp_path, "20230120", "20230213", los))
    assert ifg.nodata_mask[:20].all() and not ifg.nodata_mask[20:].any()
    assert np.isnan(ifg.unwrapped_rad[:20]).all()


def test_licsar_uint8_coherence_is_scaled_to_unit(tmp_path, quake_los):
    ifg = read_product(write_licsar(tmp_path, "20230120", "20230213", quake_los))
    np.testing.assert_allclose(np.nanmax(ifg.coherence), 200 / 255, rtol=1e-6)


def test_licsar_float_coherence_is_kept(tmp_path, quake_los):
    folder = write_licsar(tmp_path, "20230120", "20230213", quake_los, coherence="float")
    np.testing.assert_allclose(np.nanmax(read_product(folder).coherence), 0.8, rtol=1e-6)


def test_licsar_metadata_frame_dates_and_los_vector(tmp_path, quake_los):
    ifg = read_product(write_licsar(tmp_path, "20230120", "20230213", quake_los))
    assert (ifg.frame_id, ifg.date1, ifg.date2) == (
        "087A_05268_131313",
        dt.date(2023, 1, 20),
        dt.date(2023, 2, 13),
    )
    np.testing.assert_allclose([c[0, 0] for c in ifg.los_enu], unit_los(), rtol=1e-6)
    assert ifg.is_geographic and ifg.bounds == pytest.approx((37.0, 37.2, 37.3, 37.5))


def test_licsar_missing_coherence_is_recorded(tmp_path, quake_los):
    folder = write_licsar(tmp_path, "20230120", "20230213", quake_los, coherence="none")
    ifg = read_product(folder)
    assert (
        ifg.coherence is None
        and "no coherence file 20230120_20230213.geo.cc.tif" in ifg.coherence_note
    )


def test_licsar_pair_in_wrong_folder_is_mismatched_dates(tmp_path, quake_los):
    folder = write_licsar(tmp_path, "20230120", "20230213", quake_los)
    moved = folder.parent / "20230120_20230225"
    folder.rename(moved)
    with pytest.raises(ProductError, match="dates 20230120_20230213 do not match the pair folder"):
        read_product(moved / "20230120_20230213.geo.unw.tif")


def test_hyp3_los_displacement_is_negated(tmp_path, quake_los):
    ifg = read_product(write_hyp3(tmp_path, "20230120", "20230213", quake_los))
    np.testing.assert_allclose(ifg.los_m, quake_los, rtol=1e-5, atol=1e-7)


def test_hyp3_phase_and_displacement_signs_agree_after_reading(tmp_path, quake_los):
    ifg = read_product(write_hyp3(tmp_path, "20230120", "20230213", quake_los))
    from_phase = -sentinel1_wavelength_m() / (4 * np.pi) * ifg.unwrapped_rad
    np.testing.assert_allclose(from_phase, ifg.los_m, rtol=1e-4, atol=1e-6)


def test_hyp3_grid_crs_dates_and_coherence(tmp_path, quake_los):
    ifg = read_product(write_hyp3(tmp_path, "20230120", "20230213", quake_los))
    assert ifg.pixel_size_m() == (80.0, 80.0) and not ifg.is_geographic
    assert (ifg.date1, ifg.date2) == (dt.date(2023, 1, 20), dt.date(2023, 2, 13))
    np.testing.assert_allclose(np.nanmax(ifg.coherence), 0.7, rtol=1e-6)


def test_hyp3_metadata_with_other_dates_is_rejected(tmp_path, quake_los):
    unw = write_hyp3(tmp_path, "20230120", "20230213", quake_los)
    txt = unw.parent / (unw.name.replace("_unw_phase.tif", ".txt"))
    txt.write_text(txt.read_text().replace("SDV_20230213", "SDV_20230225"))
    with pytest.raises(ProductError, match="Secondary Granule date 20230225 does not match"):
        read_product(unw)


def test_binary_round_trip(tmp_path, quake_los):
    ifg = read_product(write_binary(tmp_path, "20230120_20230213", quake_los))
    np.testing.assert_allclose(ifg.los_m, quake_los)
    assert ifg.transform == (500_000.0, 100.0, 0.0, 4_200_000.0, 0.0, -100.0)
    assert ifg.coherence is None and ifg.crs is not None


def test_binary_truncated_file_names_size_and_fix(tmp_path, quake_los):
    par = write_binary(tmp_path, "20230120_20230213", quake_los)
    unw = par.with_suffix(".unw")
    unw.write_bytes(unw.read_bytes()[:1000])
    with pytest.raises(
        ProductError, match=r"20230120_20230213\.unw: 1000 bytes, but the \.par says 300 x 300"
    ):
        read_product(par)


def test_binary_par_without_dates_reads_with_dates_unknown(tmp_path, quake_los):
    ifg = read_product(write_binary(tmp_path, "ifg", quake_los))
    assert (ifg.date1, ifg.date2) == (None, None) and "dates unknown" in " ".join(ifg.notes)
    np.testing.assert_allclose(ifg.los_m, quake_los)


def test_binary_par_with_one_date_only_is_refused(tmp_path, quake_los):
    par = write_binary(tmp_path, "ifg", quake_los, extra="date1: 20230120\n")
    with pytest.raises(ProductError, match="'date1' and 'date2' must be given together"):
        read_product(par)


def test_labelling_a_product_without_dates_asks_for_them(tmp_path, quake_los):
    from insar_hf.real.labelling import place_events

    ifg = read_product(write_binary(tmp_path, "ifg", quake_los))
    with pytest.raises(ProductError, match="catalogue labelling needs them; add 'date1: YYYYMMDD'"):
        place_events(ifg, [])


def test_binary_par_missing_key_is_named(tmp_path, quake_los):
    par = write_binary(tmp_path, "20230120_20230213", quake_los)
    par.write_text(par.read_text().replace("corner_y", "corner_q"))
    with pytest.raises(ProductError, match="'corner_y' is missing"):
        read_product(par)


def test_truncated_geotiff_is_reported(tmp_path, quake_los):
    folder = write_licsar(tmp_path, "20230120", "20230213", quake_los)
    unw = folder / "20230120_20230213.geo.unw.tif"
    unw.write_bytes(unw.read_bytes()[:3000])
    with pytest.raises(ProductError, match="not a readable raster.*download it again"):
        read_product(unw)


def test_non_raster_file_is_reported(tmp_path):
    folder = tmp_path / "20230120_20230213"
    folder.mkdir()
    (folder / "20230120_20230213.geo.unw.tif").write_text("<html>404 Not Found</html>")
    with pytest.raises(ProductError, match="not a readable raster"):
        read_product(folder)


def test_integer_phase_raster_is_wrong_dtype(tmp_path, quake_los):
    import rasterio
    from affine import Affine

    folder = tmp_path / "20230120_20230213"
    folder.mkdir()
    path = folder / "20230120_20230213.geo.unw.tif"
    profile = dict(driver="GTiff", height=10, width=10, count=1, dtype="int16", crs="EPSG:4326")
    with rasterio.open(path, "w", transform=Affine(0.001, 0, 37, 0, -0.001, 37), **profile) as dst:
        dst.write(np.ones((1, 10, 10), dtype=np.int16))
    with pytest.raises(
        ProductError, match="expected a floating-point raster of unwrapped phase.*int16"
    ):
        read_product(path)


def test_unrecognised_file_is_reported(tmp_path):
    path = tmp_path / "notes.r4"
    path.write_text("x")
    with pytest.raises(ProductError, match="not a recognised product"):
        read_product(path)


def test_a_tif_that_is_no_raster_is_reported_as_such(tmp_path):
    path = tmp_path / "notes.tif"
    path.write_text("x")
    with pytest.raises(ProductError, match="not a readable raster"):
        read_product(path, kind="wrapped")


def test_find_products_lists_one_path_per_product(tmp_path, quake_los):
    write_licsar(tmp_path / "licsar", "20230120", "20230213", quake_los)
    write_hyp3(tmp_path / "hyp3", "20230120", "20230213", quake_los)
    write_binary(tmp_path / "bin", "20230120_20230213", quake_los)
    found = find_products(tmp_path)
    assert sorted(read_product(p).product_type for p in found) == ["binary", "hyp3", "licsar"]


def test_every_listed_product_has_a_product_suffix(tmp_path, quake_los):
    write_licsar(tmp_path / "licsar", "20230120", "20230213", quake_los)
    write_hyp3(tmp_path / "hyp3", "20230120", "20230213", quake_los)
    write_binary(tmp_path / "bin", "20230120_20230213", quake_los)
    found = find_products(tmp_path)
    assert found and all(p.suffix in PRODUCT_SUFFIXES and is_product_path(p) for p in found)


def test_a_suffix_no_reader_handles_is_not_a_product_path(tmp_path):
    assert not is_product_path(tmp_path / "frame.r4")
    assert not is_product_path(tmp_path / "scene.png")


def test_a_folder_is_a_product_path(tmp_path):
    assert is_product_path(tmp_path)


def test_binary_par_dates_must_match_the_name(tmp_path, quake_los):
    par = write_binary(
        tmp_path, "20230120_20230213", quake_los, extra="date1: 20230120\ndate2: 20230225\n"
    )
    with pytest.raises(ProductError, match="do not match the name 20230120_20230213"):
        read_product(par)


def test_binary_without_crs_reads_but_cannot_place_epicentres(tmp_path, quake_los):
    from insar_hf.products import UnknownCRSError

    ifg = read_product(write_binary(tmp_path, "20230120_20230213", quake_los, epsg=None))
    assert ifg.crs is None and "CRS unknown" in " ".join(ifg.notes)
    with pytest.raises(UnknownCRSError, match="add 'epsg: XXXX' to the .par"):
        ifg.xy_from_lonlat(37.0, 37.0)


def test_detector_reads_products_through_read_product(tmp_path, quake_los):
    from insar_hf.inference.inputs import read_frame

    folder = write_licsar(tmp_path, "20230120", "20230213", quake_los)
    phase, kind, transform = read_frame(folder / "20230120_20230213.geo.unw.tif", "unwrapped")
    expected = -4.0 * np.pi / sentinel1_wavelength_m() * quake_los
    np.testing.assert_allclose(phase, expected, rtol=1e-5, atol=1e-4)
    assert kind == "unwrapped" and transform == pytest.approx((37.0, 0.001, 0.0, 37.5, 0.0, -0.001))
