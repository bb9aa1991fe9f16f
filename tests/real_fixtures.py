"""Small real-format interferogram products written with rasterio, for the real-data tests.

Each writer stores a LOS displacement field (metres, insar_hf convention: positive = away from
the satellite) in the exact naming, dtype, no-data and sign conventions of one product family:

* LiCSAR: phase = +4 pi / wavelength * los (positive = away), float32, 0 = no data, EPSG:4326;
  coherence uint8 0..255; frame E/N/U files.
* HyP3: ``_unw_phase.tif`` positive = away, ``_los_disp.tif`` positive = towards, nodata tag 0,
  UTM; ``_corr.tif`` float 0..1; ``.txt`` metadata.
* binary: ``.unw`` float32 LE metres (our sign, NaN = no data), ``.diff`` our phase, ``.par``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import numpy as np

from insar_hf.physics.los import SENSORS, phase_from_los_rad, wrap_phase
from insar_hf.physics.okada import okada_surface_displacement

LOS_ENU = (-0.62, -0.11, 0.78)
"""Fixed ground-to-satellite vector of the fixtures (normalised below), ascending-like."""


def sentinel1_wavelength_m() -> float:
    return SENSORS["sentinel1"].wavelength_m


def unit_los() -> tuple[float, float, float]:
    e, n, u = LOS_ENU
    norm = math.sqrt(e * e + n * n + u * u)
    return e / norm, n / norm, u / norm


def okada_los_m(shape, pixel_m: float, centre_rc, *, slip_m: float = 1.5) -> np.ndarray:
    """LOS displacement (m, positive away) of a shallow strike-slip fault centred at ``centre_rc``.

    About an Mw 6.3 (12 km x 8 km, 1.5 m slip); row 0 is north.
    """
    rows, cols = shape
    r, c = np.mgrid[0:rows, 0:cols].astype(np.float64) + 0.5
    x_m = (c - centre_rc[1]) * pixel_m
    y_m = -(r - centre_rc[0]) * pixel_m
    de, dn, du = okada_surface_displacement(
        x_m,
        y_m,
        strike_deg=30.0,
        dip_deg=80.0,
        rake_deg=0.0,
        slip_m=slip_m,
        length_m=12_000.0,
        width_m=8_000.0,
        top_depth_m=500.0,
    )
    e, n, u = unit_los()
    return (-(e * de + n * dn + u * du)).astype(np.float32)


def quiet_los_m(shape, rng: np.random.Generator, *, rms_m: float = 0.004) -> np.ndarray:
    """A smooth, earthquake-free LOS field (a gentle ramp plus small noise), metres."""
    rows, cols = shape
    r, c = np.mgrid[0:rows, 0:cols] / max(rows, cols)
    return (0.01 * r - 0.005 * c + rng.normal(0.0, rms_m, shape)).astype(np.float32)


def _write(path: Path, data: np.ndarray, transform, crs, *, nodata=None, dtype=None) -> Path:
    import rasterio

    path.parent.mkdir(parents=True, exist_ok=True)
    dtype = dtype or data.dtype
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        height=data.shape[0],
        width=data.shape[1],
        count=1,
        dtype=dtype,
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as dst:
        dst.write(data.astype(dtype), 1)
    return path


def write_licsar(
    root: Path,
    date1: str,
    date2: str,
    los_m: np.ndarray,
    *,
    frame: str = "087A_05268_131313",
    lon0: float = 37.0,
    lat0: float = 37.5,
    step_deg: float = 0.001,
    coherence: str = "uint8",
    with_enu: bool = True,
) -> Path:
    """Write a LiCSAR pair; returns the pair folder.  NaN in ``los_m`` becomes 0 (no data)."""
    from affine import Affine

    wavelength = sentinel1_wavelength_m()
    pair = f"{date1}_{date2}"
    folder = Path(root) / frame / "interferograms" / pair
    transform = Affine(step_deg, 0.0, lon0, 0.0, -step_deg, lat0)
    unw = 4.0 * np.pi / wavelength * los_m  # LiCSAR: positive = range increase
    unw = np.where(np.isfinite(unw), unw, 0.0).astype(np.float32)
    pha = np.angle(np.exp(1j * unw)).astype(np.float32)
    pha[unw == 0] = 0.0
    _write(folder / f"{pair}.geo.unw.tif", unw, transform, "EPSG:4326")
    _write(folder / f"{pair}.geo.diff_pha.tif", pha, transform, "EPSG:4326")
    valid = unw != 0
    if coherence == "uint8":
        cc = np.where(valid, 200, 0).astype(np.uint8)
        _write(folder / f"{pair}.geo.cc.tif", cc, transform, "EPSG:4326")
    elif coherence == "float":
        cc = np.where(valid, 0.8, 0.0).astype(np.float32)
        _write(folder / f"{pair}.geo.cc.tif", cc, transform, "EPSG:4326")
    if with_enu:
        for comp, value in zip("ENU", unit_los()):
            grid = np.full(los_m.shape, value, dtype=np.float32)
            _write(
                Path(root) / frame / "metadata" / f"{frame}.geo.{comp}.tif",
                grid,
                transform,
                "EPSG:4326",
            )
    return folder


def hyp3_base(date1: str, date2: str) -> str:
    return f"S1AA_{date1}T150004_{date2}T145926_VVP012_INT80_G_ueF_4D09"


def write_hyp3(
    folder: Path,
    date1: str,
    date2: str,
    los_m: np.ndarray,
    *,
    epsg: int = 32637,
    x0: float = 300_000.0,
    y0: float = 4_160_000.0,
    pixel_m: float = 80.0,
    with_txt: bool = True,
) -> Path:
    """Write a HyP3 product folder; returns the ``_unw_phase.tif`` path."""
    from affine import Affine

    wavelength = sentinel1_wavelength_m()
    base = hyp3_base(date1, date2)
    folder = Path(folder) / base
    transform = Affine(pixel_m, 0.0, x0, 0.0, -pixel_m, y0)
    crs = f"EPSG:{epsg}"
    valid = np.isfinite(los_m)
    unw = np.where(valid, 4.0 * np.pi / wavelength * los_m, 0.0).astype(np.float32)
    wrapped = np.where(valid, np.angle(np.exp(1j * unw)), 0.0).astype(np.float32)
    disp = np.where(valid, -los_m, 0.0).astype(np.float32)  # HyP3: positive = towards
    unw_path = _write(folder / f"{base}_unw_phase.tif", unw, transform, crs, nodata=0.0)
    _write(folder / f"{base}_wrapped_phase.tif", wrapped, transform, crs, nodata=0.0)
    _write(folder / f"{base}_los_disp.tif", disp, transform, crs, nodata=0.0)
    _write(
        folder / f"{base}_corr.tif",
        np.where(valid, 0.7, 0.0).astype(np.float32),
        transform,
        crs,
        nodata=0.0,
    )
    if with_txt:
        (folder / f"{base}.txt").write_text(
            f"Reference Granule: S1A_IW_SLC__1SDV_{date1}T150004_{date1}T150031_046000_058000_AAAA\n"
            f"Secondary Granule: S1A_IW_SLC__1SDV_{date2}T145926_{date2}T145953_046175_058111_BBBB\n"
            "Reference Pass Direction: ASCENDING\n"
            "Heading: -12.5\n"
            "Range looks: 10\n"
        )
    return unw_path


def write_binary(
    folder: Path,
    name: str,
    los_m: np.ndarray,
    *,
    corner_x: float = 500_000.0,
    corner_y: float = 4_200_000.0,
    spacing_m: float = 100.0,
    epsg: int | None = 32636,
    extra: str = "",
    row0_south: bool = False,
) -> Path:
    """Write ``NAME.unw`` (metres), ``NAME.diff`` (our phase) and ``NAME.par``; returns the .par.

    ``los_m`` is north-up and ``corner_y`` its north edge. ``row0_south`` stores the rows south
    first with a positive ``y_spacing`` and ``corner_y`` the south edge, as ``greece.par`` does;
    the GAMMA style (north first, negative ``y_spacing``) otherwise.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows, cols = los_m.shape
    phase = wrap_phase(phase_from_los_rad(los_m, sentinel1_wavelength_m()))
    stored = (lambda a: a[::-1]) if row0_south else (lambda a: a)
    np.asarray(stored(los_m), dtype="<f4").tofile(folder / f"{name}.unw")
    np.asarray(stored(phase), dtype="<f4").tofile(folder / f"{name}.diff")
    lines = [
        f"ifg_length: {rows}",
        f"ifg_width: {cols}",
        f"corner_x: {corner_x}",
        f"corner_y: {corner_y - rows * spacing_m if row0_south else corner_y}",
        f"x_spacing: {spacing_m} m",
        f"y_spacing: {spacing_m if row0_south else -spacing_m} m",
    ]
    if epsg is not None:
        lines.append(f"epsg: {epsg}")
    par = folder / f"{name}.par"
    par.write_text("\n".join(lines) + "\n" + extra)
    return par


def comcat_csv(path: Path, events: list[dict]) -> Path:
    """Write a ComCat-style CSV (the real export's column order, a subset of its columns)."""
    header = "time,latitude,longitude,depth,mag,magType,nst,gap,dmin,rms,net,id,updated,place,type"
    lines = [header]
    for e in events:
        lines.append(
            f"{e['time']},{e['lat']},{e['lon']},{e['depth']},{e['mag']},{e.get('magType', 'mww')},"
            f',,,,us,{e["id"]},2024-01-01T00:00:00.000Z,"{e.get("place", "somewhere, Turkey")}",earthquake'
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def comcat_geojson(path: Path, events: list[dict]) -> Path:
    """Write a ComCat-style GeoJSON FeatureCollection."""
    features = []
    for e in events:
        when = dt.datetime.fromisoformat(e["time"].replace("Z", "+00:00"))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "mag": e["mag"],
                    "place": e.get("place", "somewhere, Turkey"),
                    "time": int(when.timestamp() * 1000),
                    "magType": e.get("magType", "mww"),
                    "type": "earthquake",
                },
                "geometry": {"type": "Point", "coordinates": [e["lon"], e["lat"], e["depth"]]},
                "id": e["id"],
            }
        )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path
