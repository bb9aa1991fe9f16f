"""ASF HyP3 InSAR products (GAMMA or ISCE2 plugins), GeoTIFFs in UTM.

Files of one product share a base name such as
``S1AB_20171111T150004_20171117T145926_VVP006_INT80_G_ueF_4D09`` (reference and secondary start
times are the 2nd and 3rd fields)::

    <base>_unw_phase.tif       unwrapped phase, rad      (float32, nodata tag 0)
    <base>_wrapped_phase.tif   wrapped phase, rad        (optional)
    <base>_corr.tif            coherence, 0..1
    <base>_los_disp.tif        LOS displacement, m       (optional)
    <base>.txt                 metadata, ``Key: value`` lines (``Reference Granule``, ...)

Sign conventions, from the HyP3 InSAR Product Guide (hyp3-docs ``docs/guides/
insar_product_guide.md``, "Image Files"): in the unwrapped phase "negative values indicate
movement towards the sensor, and positive values indicate movement away from the sensor"; the
line-of-sight displacement "sign is opposite to that of the unwrapped phase: positive values
indicate motion towards the sensor".  insar_hf's ``los_m`` is positive away from the sensor and
its phase is ``-4 pi / wavelength * los_m``, hence ``unwrapped_rad = -unw_phase``,
``wrapped_rad = wrap(-wrapped_phase)`` and ``los_m = -los_disp``.
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

PRODUCT_TYPE = "hyp3"
SUFFIXES = (".tif",)
"""Suffixes of this product's files (see :data:`insar_hf.products.read.PRODUCT_SUFFIXES`)."""
RASTERS = ("unw_phase", "wrapped_phase", "corr", "los_disp")
"""The ``<base>_<raster>.tif`` files of one product, in the order they are read."""
FILE_RE = re.compile(
    r"^(?P<base>[A-Za-z0-9]+_(?P<d1>\d{8})T\d{6}_(?P<d2>\d{8})T\d{6}_.+?)_"
    r"(?P<suffix>unw_phase|wrapped_phase|corr|los_disp)\.tif$"
)
GRANULE_DATE_RE = re.compile(r"_(\d{8})T\d{6}_")
KINDS = {"unw_phase": "unwrapped", "wrapped_phase": "wrapped", "los_disp": "unwrapped"}
"""The phase kind each file stands for; a product folder gives wrapped phase by default."""


def _bases(folder: Path) -> dict[str, list[Path]]:
    bases: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        match = FILE_RE.match(path.name)
        if match and match.group("suffix") in ("unw_phase", "wrapped_phase", "los_disp"):
            bases.setdefault(match.group("base"), []).append(path)
    return bases


def matches(path: Path) -> bool:
    """True for a HyP3 phase / displacement file or a folder holding one."""
    if path.is_dir():
        return bool(_bases(path))
    match = FILE_RE.match(path.name)
    return bool(match) and match.group("suffix") != "corr"


def product_key(path: Path) -> Path | None:
    """The path that stands for this file's product (its unwrapped-phase file when present)."""
    match = FILE_RE.match(path.name)
    if not match or match.group("suffix") == "corr":
        return None
    for suffix in ("unw_phase", "wrapped_phase", "los_disp"):
        candidate = path.parent / f"{match.group('base')}_{suffix}.tif"
        if candidate.exists():
            return candidate
    return path


def read_metadata(path) -> dict[str, str]:
    """Parse a HyP3 ``.txt`` metadata file of ``Key: value`` lines."""
    meta = {}
    for line in Path(path).read_text(errors="replace").splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip():
            meta[key.strip()] = value.strip()
    return meta


def _date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%Y%m%d").date()


def read_hyp3(path) -> Interferogram:
    """Read a HyP3 InSAR product (its folder or one of its GeoTIFFs).

    Returns
    -------
    Interferogram
        In insar_hf's sign convention (module docstring); ``frame_id`` is the product base name,
        ``coherence`` from ``_corr.tif``; dates from the name, checked against the ``.txt``.
    """
    path = Path(path)
    folder = path if path.is_dir() else path.parent
    named_kind = None
    if path.is_file():
        match = FILE_RE.match(path.name)
        if match is None:
            raise ProductError(f"{path}: not a HyP3 file (<base>_unw_phase.tif, ...)")
        base, named_kind = match.group("base"), KINDS.get(match.group("suffix"))
    else:
        bases = _bases(folder)
        if len(bases) != 1:
            raise ProductError(
                f"{folder}: expected one HyP3 product, found {len(bases)}; pass one *_unw_phase.tif"
            )
        base = next(iter(bases))
    match = FILE_RE.match(f"{base}_unw_phase.tif")
    date1, date2 = _date(match.group("d1")), _date(match.group("d2"))
    notes, sources = [], []
    wavelength_m = SENSORS["sentinel1"].wavelength_m
    txt = folder / f"{base}.txt"
    if txt.exists():
        meta = read_metadata(txt)
        sources.append(str(txt))
        for key, expected in (("Reference Granule", date1), ("Secondary Granule", date2)):
            found = GRANULE_DATE_RE.search(meta.get(key, ""))
            if found and _date(found.group(1)) != expected:
                raise ProductError(
                    f"{txt}: {key} date {found.group(1)} does not match the product name date "
                    f"{expected:%Y%m%d}; the metadata belongs to another product"
                )
        if "Wavelength" in meta:
            try:
                wavelength_m = float(meta["Wavelength"].split()[0])
            except ValueError as error:
                raise ProductError(
                    f"{txt}: Wavelength {meta['Wavelength']!r} is not a number"
                ) from error
    else:
        notes.append(f"no metadata file {txt.name}: dates from the name, Sentinel-1 wavelength")
    arrays, grid, first = {}, None, None
    for suffix in RASTERS:
        file = folder / f"{base}_{suffix}.tif"
        if not file.exists():
            continue
        what = {"corr": "coherence", "los_disp": "LOS displacement (m)"}.get(
            suffix, "phase (radians)"
        )
        data, _, transform, crs = read_raster(file, what=what)
        if grid is None:
            grid, first, grid_transform, grid_crs = data.shape, file, transform, crs
        else:
            check_same_grid(
                (grid, grid_transform), (data.shape, transform), path=file, reference_path=first
            )
        arrays[suffix] = data
        sources.append(str(file))
    if not {"unw_phase", "wrapped_phase"} & set(arrays):
        raise ProductError(
            f"{folder / base}: no _unw_phase.tif or _wrapped_phase.tif; the LOS displacement alone "
            "is not an interferogram -- download the product with its phase files"
        )
    unwrapped = wrapped = los = None
    if "unw_phase" in arrays:
        unwrapped = (-arrays["unw_phase"]).astype(np.float32)
        los = los_from_phase_m(unwrapped, wavelength_m).astype(np.float32)
    if "wrapped_phase" in arrays:
        wrapped = wrap_phase(-arrays["wrapped_phase"]).astype(np.float32)
    if "los_disp" in arrays:
        los = (-arrays["los_disp"]).astype(np.float32)
    coherence, coherence_note = None, ""
    if "corr" in arrays:
        coherence = np.clip(arrays["corr"], 0.0, 1.0).astype(np.float32)
    else:
        coherence_note = f"no coherence file {base}_corr.tif beside the phase"
        notes.append(coherence_note)
    return Interferogram(
        name=base,
        product_type=PRODUCT_TYPE,
        frame_id=base,
        date1=date1,
        date2=date2,
        wavelength_m=wavelength_m,
        transform=grid_transform,
        crs=grid_crs,
        wrapped_rad=wrapped,
        unwrapped_rad=unwrapped,
        los_m=los,
        coherence=coherence,
        coherence_note=coherence_note,
        source_paths=tuple(sources),
        notes=notes,
        named_kind=named_kind,
    )
