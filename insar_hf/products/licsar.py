"""COMET-LiCSAR frame products (Lazecky et al. 2020, doi:10.3390/rs12152430).

Layout (as served by the COMET-LiCS portal)::

    <frame>/interferograms/<YYYYMMDD_YYYYMMDD>/<pair>.geo.diff_pha.tif   wrapped phase, rad
                                               <pair>.geo.unw.tif        unwrapped phase, rad
                                               <pair>.geo.cc.tif         coherence
    <frame>/metadata/<frame>.geo.{E,N,U}.tif                             LOS unit vector
    <frame>/metadata/<frame>.geo.hgt.tif                                 DEM height, m

* Files are recognised by the ``.geo.unw.tif`` / ``.geo.diff_pha.tif`` suffix: the stem may hold
  more than the pair (``sierra_negra_20170320_20170413.geo.diff_pha.tif``, as files are often
  renamed) or no dates at all (then they are the pair folder's, else ``date1 = date2 = None``).  The file named says which phase
  to use (``Interferogram.kind``); a pair folder gives the wrapped phase by default.
* Phase rasters are float32 in radians, **0 = no data**, WGS 84 longitude / latitude grid.
* The phase sign is positive for range increase (motion away from the satellite): LiCSBAS
  converts with ``disp_mm = -wavelength / (4 pi) * 1000 * unw`` to displacement positive towards
  the satellite (``coef_r2m`` in LiCSBAS).  insar_hf's phase has the opposite sign
  (``phase = -4 pi / wavelength * los``, ``los`` positive away), so the reader negates the phase
  and ``los_m = wavelength / (4 pi) * unw``.
* Coherence is uint8 ``0..255`` in newer products (divided by 255 here) and float ``0..1`` in
  older ones; 0 = no data.
* ``E, N, U`` are the components of the unit vector from the ground to the satellite (``U`` is the
  cosine of the incidence angle), i.e. insar_hf's ``los_enu``.
* Sentinel-1 C band: the wavelength is :data:`insar_hf.physics.los.SENSORS` ``["sentinel1"]``.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np

from insar_hf.physics.los import SENSORS, los_from_phase_m, wrap_phase
from insar_hf.products.interferogram import (
    Interferogram,
    ProductError,
    check_same_grid,
    read_raster,
)

PRODUCT_TYPE = "licsar"
SUFFIXES = (".tif",)
"""Suffixes of this product's phase files (see :data:`insar_hf.products.read.PRODUCT_SUFFIXES`)."""
PAIR_RE = re.compile(r"^(\d{8})_(\d{8})$")
FILE_RE = re.compile(r"^(?P<stem>.+)\.geo\.(?P<raster>unw|diff_pha|cc)\.tif$")
"""``<stem>.geo.<raster>.tif``: the stem is the pair (``YYYYMMDD_YYYYMMDD``) as LiCSAR names it,
or any name holding it (``sierra_negra_20170320_20170413``) or none (dates from the pair folder,
else unknown)."""
DATES_RE = re.compile(r"(?<!\d)(\d{8})_(\d{8})(?!\d)")
FRAME_RE = re.compile(r"^\d{3}[AD]_\d{5}_\d{6}$")
KINDS = {"unw": "unwrapped", "diff_pha": "wrapped"}
"""Phase raster -> the kind of phase it holds."""


def parse_pair(name: str, *, where) -> tuple[dt.date, dt.date] | tuple[None, None]:
    """Dates of the ``YYYYMMDD_YYYYMMDD`` pair in ``name``; ``(None, None)`` when it has none."""
    match = DATES_RE.search(name)
    if match is None:
        return None, None
    try:
        return tuple(dt.datetime.strptime(m, "%Y%m%d").date() for m in match.groups())
    except ValueError as error:
        raise ProductError(f"{where}: invalid date in {name!r} ({error})") from error


def _phase_files(folder: Path) -> dict[str, list[Path]]:
    stems: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        match = FILE_RE.match(path.name)
        if match and match.group("raster") in KINDS:
            stems.setdefault(match.group("stem"), []).append(path)
    return stems


def matches(path: Path) -> bool:
    """True for a LiCSAR phase file (``*.geo.unw.tif`` / ``*.geo.diff_pha.tif``) or its folder."""
    if path.is_dir():
        return bool(_phase_files(path))
    match = FILE_RE.match(path.name)
    return bool(match) and match.group("raster") in KINDS


def product_key(path: Path) -> Path | None:
    """The path that stands for this file's product (its unwrapped, else wrapped, phase file)."""
    match = FILE_RE.match(path.name)
    if not match or match.group("raster") not in KINDS:
        return None
    unw = path.parent / f"{match.group('stem')}.geo.unw.tif"
    return unw if unw.exists() else path


def _frame_dir(folder: Path) -> Path | None:
    for parent in (folder, *folder.parents):
        if FRAME_RE.match(parent.name):
            return parent
    return None


def _find_enu(folder: Path, frame_dir: Path | None) -> dict[str, Path] | None:
    candidates = [folder, folder.parent]
    if frame_dir is not None:
        candidates += [frame_dir / "metadata", frame_dir]
    for place in candidates:
        if not place.is_dir():
            continue
        found = {}
        for comp in "ENU":
            hits = sorted(place.glob(f"*.geo.{comp}.tif"))
            if hits:
                found[comp] = hits[0]
        if len(found) == 3:
            return found
    return None


def read_licsar(path) -> Interferogram:
    """Read a LiCSAR pair (its folder or one of its phase GeoTIFFs).

    Returns
    -------
    Interferogram
        ``unwrapped_rad`` / ``wrapped_rad`` / ``los_m`` in insar_hf's sign convention (see the
        module docstring), ``coherence`` in ``[0, 1]``, ``los_enu`` when the frame metadata is
        found, frame id from the enclosing ``NNN[AD]_NNNNN_NNNNNN`` folder.
    """
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    named_kind = None
    if path.is_file():
        match = FILE_RE.match(path.name)
        if match is None or match.group("raster") not in KINDS:
            raise ProductError(f"{path}: not a LiCSAR phase file (<pair>.geo.unw.tif)")
        stem, named_kind = match.group("stem"), KINDS[match.group("raster")]
    else:
        stems = _phase_files(folder)
        if not stems:
            raise ProductError(f"{folder}: no <pair>.geo.unw.tif or <pair>.geo.diff_pha.tif")
        if len(stems) > 1:
            raise ProductError(
                f"{folder}: holds several pairs ({', '.join(sorted(stems))}); pass one phase file"
            )
        stem = next(iter(stems))
    date1, date2 = parse_pair(stem, where=folder / stem)
    in_pair_folder = PAIR_RE.match(folder.name) is not None
    if date1 is None and in_pair_folder:  # a stem without dates in its pair folder
        date1, date2 = parse_pair(folder.name, where=folder)
    pair = f"{date1:%Y%m%d}_{date2:%Y%m%d}" if date1 else stem
    if in_pair_folder and folder.name != pair:
        raise ProductError(
            f"{folder / stem}: dates {pair} do not match the pair folder {folder.name}; the file "
            "belongs to another pair -- move it to its own folder or rename it"
        )
    wavelength_m = SENSORS["sentinel1"].wavelength_m
    unw_path = folder / f"{stem}.geo.unw.tif"
    pha_path = folder / f"{stem}.geo.diff_pha.tif"
    cc_path = folder / f"{stem}.geo.cc.tif"
    sources, notes = [], []
    if date1 is None:
        notes.append(f"no YYYYMMDD_YYYYMMDD in {stem!r}: acquisition dates unknown")
    grid = transform = crs = None
    unwrapped = wrapped = los = None
    for kind, file in (("unw", unw_path), ("pha", pha_path)):
        if not file.exists():
            continue
        what = "unwrapped phase (radians)" if kind == "unw" else "wrapped phase (radians)"
        data, _, file_transform, file_crs = read_raster(file, what=what, zero_is_nodata=True)
        if grid is None:
            grid, transform, crs, first = data.shape, file_transform, file_crs, file
        else:
            check_same_grid(
                (grid, transform), (data.shape, file_transform), path=file, reference_path=first
            )
        sources.append(str(file))
        if kind == "unw":
            unwrapped = (-data).astype(np.float32)  # LiCSAR: positive = away; ours: towards
            los = los_from_phase_m(unwrapped, wavelength_m).astype(np.float32)
        else:
            wrapped = wrap_phase(-data).astype(np.float32)
    coherence, coherence_note = None, ""
    if cc_path.exists():
        cc, dtype, cc_transform, _ = read_raster(cc_path, what="coherence", allow_int=True)
        check_same_grid(
            (grid, transform), (cc.shape, cc_transform), path=cc_path, reference_path=first
        )
        if np.issubdtype(np.dtype(dtype), np.integer):
            cc = cc / 255.0
        cc[cc == 0] = np.nan
        coherence = np.clip(cc, 0.0, 1.0).astype(np.float32)
        sources.append(str(cc_path))
    else:
        coherence_note = f"no coherence file {cc_path.name} beside the phase"
        notes.append(coherence_note)
    frame_dir = _frame_dir(folder)
    frame_id = frame_dir.name if frame_dir is not None else ""
    if not frame_id:
        notes.append("frame id unknown: no NNN[AD]_NNNNN_NNNNNN folder above the pair")
    los_enu = None
    enu = _find_enu(folder, frame_dir)
    if enu is None:
        notes.append("no <frame>.geo.{E,N,U}.tif found: LOS vector unknown")
    else:
        comps = []
        for comp in "ENU":
            data, _, t, _ = read_raster(enu[comp], what=f"LOS {comp} component")
            if data.shape != grid or not np.allclose(t, transform):
                notes.append(
                    f"{enu[comp].name} is on another grid than the pair: LOS vector unused"
                )
                break
            comps.append(data)
            sources.append(str(enu[comp]))
        else:
            los_enu = tuple(comps)
    return Interferogram(
        name=stem,
        product_type=PRODUCT_TYPE,
        frame_id=frame_id,
        date1=date1,
        date2=date2,
        wavelength_m=wavelength_m,
        transform=transform,
        crs=crs,
        wrapped_rad=wrapped,
        unwrapped_rad=unwrapped,
        los_m=los,
        coherence=coherence,
        coherence_note=coherence_note,
        los_enu=los_enu,
        source_paths=tuple(sources),
        notes=notes,
        named_kind=named_kind,
    )
