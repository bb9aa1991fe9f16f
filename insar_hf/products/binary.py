"""Plain little-endian float32 rasters with a ``.par`` header (teaching material, in-house chains).

Files of one product share a stem ``NAME``::

    NAME.unw   unwrapped LOS displacement, metres, positive = range increase (away from the
               satellite, insar_hf's convention), NaN = no data
    NAME.diff  wrapped phase, radians, insar_hf's phase convention (-4 pi / wavelength * los);
               NaN or exact 0 = no data (GAMMA's fill)
    NAME.cc    coherence 0..1 (optional)
    NAME.par   ``key: value`` lines

Required ``.par`` keys: ``ifg_length`` (rows), ``ifg_width`` (columns), ``corner_x``,
``corner_y`` (the outer corner of the file's first pixel, metres of a projected grid),
``x_spacing``, ``y_spacing`` (metres per column and per row of the file, signed): ``y`` of the
file's row edge ``r`` is ``corner_y + r * y_spacing``.  With a negative ``y_spacing`` (GAMMA
style) the file's first row is its north edge; with a positive one (the COMET coseismic
practical's ``greece.par``: ``corner_y: -40000``, ``y_spacing: 100``, plotted with
``origin='lower'``) it is its south edge, and the reader flips the rows so that every array is
north-up, row 0 north, as everywhere in insar_hf (:attr:`Interferogram.row0_south` then says
so; :meth:`Interferogram.array_window` turns the file's rows into the arrays').  Optional: ``date1`` / ``date2`` (YYYYMMDD, else from a
``YYYYMMDD_YYYYMMDD`` in ``NAME``, else unknown: such products can be predicted on, but not
labelled from a catalogue), ``wavelength`` (m) or ``radar_frequency`` (Hz) (else
Sentinel-1), ``epsg`` or ``crs`` (else unknown: such products can be read and predicted on, but
not labelled from a catalogue), ``frame``.  Values may carry a unit after the number.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path

import numpy as np

from insar_hf.physics.los import SENSORS, phase_from_los_rad, wrap_phase
from insar_hf.products.interferogram import Interferogram, ProductError

PRODUCT_TYPE = "binary"
EXTENSIONS = (".unw", ".diff")
SUFFIXES = (*EXTENSIONS, ".par")
KINDS = {".unw": "unwrapped", ".diff": "wrapped"}
"""The phase kind each file holds; ``NAME.par`` (or the folder) stands for both: wrapped by
default (:data:`insar_hf.products.interferogram.DEFAULT_KIND`)."""
"""Suffixes that stand for this product (see :data:`insar_hf.products.read.PRODUCT_SUFFIXES`)."""
REQUIRED_KEYS = ("ifg_length", "ifg_width", "corner_x", "corner_y", "x_spacing", "y_spacing")
SPEED_OF_LIGHT_M_S = 299_792_458.0


def matches(path: Path) -> bool:
    """True for ``NAME.unw`` / ``NAME.diff`` / ``NAME.par`` (the reader asks for a missing
    ``.par``) or a folder holding such a product."""
    if path.is_dir():
        return any(product_key(p) for p in path.iterdir())
    return path.suffix in SUFFIXES


def product_key(path: Path) -> Path | None:
    """``NAME.par`` stands for the product when a ``NAME.unw`` or ``NAME.diff`` exists."""
    if path.suffix not in SUFFIXES:
        return None
    par = path.with_suffix(".par")
    if par.exists() and any(path.with_suffix(e).exists() for e in EXTENSIONS):
        return par
    return None


def read_par(path) -> dict[str, str]:
    """Parse ``key: value`` lines (blank lines and ``#`` comments ignored)."""
    path = Path(path)
    meta = {}
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ProductError(f"{path}, line {number}: {line!r} is not a 'key: value' line")
        meta[key.strip()] = value.strip()
    return meta


def _number(meta: dict, key: str, path: Path) -> float:
    try:
        value = float(meta[key].split()[0])
    except (KeyError, IndexError, ValueError):
        raise ProductError(
            f"{path}: '{key}' is missing or not a number (found {meta.get(key)!r}); the .par "
            f"needs {', '.join(REQUIRED_KEYS)}"
        ) from None
    if not math.isfinite(value):
        raise ProductError(f"{path}: '{key}' must be finite, found {meta[key]!r}")
    return value


def _read_float32(path: Path, rows: int, cols: int, what: str, row0_south: bool) -> np.ndarray:
    expected = rows * cols * 4
    size = path.stat().st_size
    if size != expected:
        raise ProductError(
            f"{path}: {size} bytes, but the .par says {rows} x {cols} float32 = {expected} bytes "
            f"of {what}; the file is truncated or the .par belongs to another raster"
        )
    data = np.fromfile(path, dtype="<f4").reshape(rows, cols)  # (rows, cols), the file's order
    data = np.ascontiguousarray(data[::-1] if row0_south else data, dtype=np.float32)
    data[~np.isfinite(data)] = np.nan
    return data


def _dates(meta: dict, stem: str, par: Path) -> tuple[dt.date, dt.date] | tuple[None, None]:
    """Dates from the ``.par`` (``date1`` / ``date2``), else from the name; None when neither."""
    from_name = re.search(r"(?<!\d)(\d{8})_(\d{8})(?!\d)", stem)
    given = [meta.get(key) for key in ("date1", "date2")]
    if given == [None, None] and from_name is None:
        return None, None
    if (given[0] is None) != (given[1] is None):
        raise ProductError(f"{par}: 'date1' and 'date2' must be given together, or neither")
    texts = given if given[0] is not None else list(from_name.groups())
    dates = []
    for key, text in zip(("date1", "date2"), texts):
        try:
            dates.append(dt.datetime.strptime(text.replace("-", "")[:8], "%Y%m%d").date())
        except ValueError:
            raise ProductError(f"{par}: {key} {text!r} is not a YYYYMMDD date") from None
    if (
        given[0] is not None
        and from_name
        and tuple(dates)
        != tuple(dt.datetime.strptime(g, "%Y%m%d").date() for g in from_name.groups())
    ):
        raise ProductError(
            f"{par}: dates {dates[0]:%Y%m%d}_{dates[1]:%Y%m%d} in the .par do not match the name "
            f"{stem}; fix the .par or rename the files"
        )
    return dates[0], dates[1]


def read_binary(path) -> Interferogram:
    """Read ``NAME.unw`` and / or ``NAME.diff`` with ``NAME.par`` (any of the three paths)."""
    path = Path(path)
    if path.is_dir():
        keys = sorted({k for p in path.iterdir() if (k := product_key(p))})
        if len(keys) != 1:
            raise ProductError(f"{path}: expected one NAME.par product, found {len(keys)}")
        path = keys[0]
    par = path.with_suffix(".par")
    if not par.exists():
        raise ProductError(
            f"{path}: no header {par.name}; write one with {', '.join(REQUIRED_KEYS)}"
        )
    meta = read_par(par)
    rows, cols = int(_number(meta, "ifg_length", par)), int(_number(meta, "ifg_width", par))
    if rows < 1 or cols < 1:
        raise ProductError(f"{par}: ifg_length and ifg_width must be positive")
    x0, y0 = _number(meta, "corner_x", par), _number(meta, "corner_y", par)
    dx, dy = _number(meta, "x_spacing", par), _number(meta, "y_spacing", par)
    if dx == 0 or dy == 0:
        raise ProductError(f"{par}: x_spacing and y_spacing must be non-zero")
    if dx < 0:
        raise ProductError(
            f"{par}: x_spacing {dx} is negative; columns must run east (x_spacing > 0)"
        )
    row0_south = dy > 0  # y grows with the file's row: its first row is the south edge
    north_edge = y0 + rows * dy if row0_south else y0
    transform = (x0, dx, 0.0, north_edge, 0.0, -abs(dy))
    date1, date2 = _dates(meta, path.stem, par)
    notes = [] if date1 else ["no date1 / date2 in the .par nor in the name: dates unknown"]
    if "wavelength" in meta:
        wavelength_m = _number(meta, "wavelength", par)
    elif "radar_frequency" in meta:
        wavelength_m = SPEED_OF_LIGHT_M_S / _number(meta, "radar_frequency", par)
    else:
        wavelength_m = SENSORS["sentinel1"].wavelength_m
        notes.append("no wavelength / radar_frequency in the .par: Sentinel-1 assumed")
    crs = None
    if "epsg" in meta or "crs" in meta:
        from rasterio.crs import CRS
        from rasterio.errors import CRSError

        text = meta.get("crs") or f"EPSG:{int(_number(meta, 'epsg', par))}"
        try:
            crs = CRS.from_user_input(text).to_wkt()
        except CRSError as error:
            raise ProductError(f"{par}: unknown CRS {text!r} ({error})") from None
    else:
        notes.append("no 'epsg' / 'crs' in the .par: CRS unknown")
    sources = [str(par)]
    los = unwrapped = wrapped = None
    unw, diff, cc = path.with_suffix(".unw"), path.with_suffix(".diff"), path.with_suffix(".cc")
    if unw.exists():
        los = _read_float32(unw, rows, cols, "LOS displacement (m)", row0_south)
        unwrapped = phase_from_los_rad(los, wavelength_m).astype(np.float32)
        sources.append(str(unw))
    if diff.exists():
        raw = _read_float32(diff, rows, cols, "wrapped phase (rad)", row0_south)
        # GAMMA-style wrapped files fill no data with exact 0 (the Thessaly teaching product's
        # west wedge: 31,184 zeros where its .unw is NaN); a phase of exactly 0.0 is otherwise
        # vanishingly rare in float32, so exact zeros are read as no data.
        raw[raw == 0.0] = np.nan
        wrapped = wrap_phase(raw).astype(np.float32)
        sources.append(str(diff))
    if los is None and wrapped is None:
        raise ProductError(f"{par}: neither {unw.name} nor {diff.name} exists beside it")
    coherence, coherence_note = None, ""
    if cc.exists():
        coherence = np.clip(_read_float32(cc, rows, cols, "coherence", row0_south), 0.0, 1.0)
        sources.append(str(cc))
    else:
        coherence_note = f"no coherence file {cc.name} beside the phase"
        notes.append(coherence_note)
    return Interferogram(
        name=path.stem,
        product_type=PRODUCT_TYPE,
        frame_id=meta.get("frame", ""),
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
        source_paths=tuple(sources),
        notes=notes,
        named_kind=KINDS.get(path.suffix),
        row0_south=row0_south,
    )
