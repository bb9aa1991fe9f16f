"""Any single-band floating-point GeoTIFF of phase, whatever its name: the reader of last resort.

LiCSAR and HyP3 files say what they hold by their names; a plain ``.tif`` / ``.tiff`` does not, so
the caller says it: ``kind="wrapped"`` or ``"unwrapped"`` (``insar-hf predict --kind``).  The
values are read as the processors that publish phase GeoTIFFs write them, so that a product
renamed is the same model input as under its own name (issue 23, item 2: a LiCSAR file renamed
``my_frame.tif`` differed in the sign of every pixel):

* radians, **positive = range increase** (motion away from the satellite), the sign of
  COMET-LiCSAR (:mod:`~insar_hf.products.licsar`) and ASF HyP3 (:mod:`~insar_hf.products.hyp3`):
  the reader negates it into insar_hf's ``phase = -4 pi / wavelength * los``
  (``docs/ARCHITECTURE.md``);
* no data is an exact 0 (LiCSAR's fill and HyP3's nodata tag; a phase of exactly 0.0 is otherwise
  vanishingly rare in float32), the file's nodata tag, or any non-finite value.

The wavelength is assumed to be Sentinel-1's and the dates are unknown.  A file of the opposite
sign reads as the same deformation with the opposite sign; pass its phase as an array
(``Detector.predict(array, kind=...)``, insar_hf's sign) to avoid the negation.  Such files are
read when named, never listed by :func:`insar_hf.products.read.find_products` (a folder of
products may hold DEMs and other single-band rasters).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from insar_hf.physics.los import SENSORS, los_from_phase_m, wrap_phase
from insar_hf.products.interferogram import (
    Interferogram,
    KindRequiredError,
    ProductError,
    read_raster,
)
from insar_hf.schema import KIND_NAMES

PRODUCT_TYPE = "geotiff"
SUFFIXES = (".tif", ".tiff")
"""Suffixes of the files this reader opens (lower-cased)."""


def matches(path: Path) -> bool:
    """True for a ``.tif`` / ``.tiff`` file (any case); whether it holds phase is read later."""
    return path.is_file() and path.suffix.lower() in SUFFIXES


def product_key(path: Path) -> Path | None:
    """None: a plain GeoTIFF is never listed as a product (see the module docstring)."""
    return None


def band_count(path: Path) -> int:
    """Number of bands of a raster file, or a :class:`ProductError` if it is no raster."""
    import rasterio
    from rasterio.errors import RasterioError

    try:
        with rasterio.open(path) as src:
            return int(src.count)
    except RasterioError as error:
        raise ProductError(
            f"{path}: not a readable raster ({error}); the file is truncated or not a GeoTIFF -- "
            "download it again"
        ) from error


def read_geotiff(path, *, kind: str | None) -> Interferogram:
    """Read band 1 of a single-band float GeoTIFF as phase of ``kind`` (radians).

    Parameters
    ----------
    path : path-like
        The GeoTIFF.
    kind : {"wrapped", "unwrapped"}
        What the file holds; required (the file does not say).
    """
    path = Path(path)
    bands = band_count(path)
    if bands != 1:
        raise ProductError(
            f"{path}: a GeoTIFF with {bands} bands; a phase GeoTIFF has one band of phase "
            "(radians) -- save that band alone (gdal_translate -b N in.tif phase.tif)"
        )
    if kind not in KIND_NAMES:
        raise KindRequiredError(
            f"{path}: a plain GeoTIFF does not say whether it holds wrapped or unwrapped phase; "
            "pass kind='wrapped' or kind='unwrapped'",
            path,
        )
    data, _, transform, crs = read_raster(path, what=f"{kind} phase (radians)", zero_is_nodata=True)
    phase = (-data).astype(np.float32)  # the processors' positive-away sign -> insar_hf's
    wavelength_m = SENSORS["sentinel1"].wavelength_m
    unwrapped = phase if kind == "unwrapped" else None
    return Interferogram(
        name=path.stem,
        product_type=PRODUCT_TYPE,
        frame_id="",
        date1=None,
        date2=None,
        wavelength_m=wavelength_m,
        transform=transform,
        crs=crs,
        wrapped_rad=wrap_phase(phase).astype(np.float32) if kind == "wrapped" else None,
        unwrapped_rad=unwrapped,
        los_m=None if unwrapped is None else los_from_phase_m(unwrapped, wavelength_m),
        coherence_note="a plain GeoTIFF has no coherence",
        source_paths=(str(path),),
        notes=[
            f"plain GeoTIFF read as {kind} phase in radians, positive = range increase (the "
            "sign of LiCSAR and HyP3), exact 0 = no data; dates unknown; Sentinel-1 wavelength "
            "assumed"
        ],
        named_kind=kind,
    )
