"""The normalised interferogram that every product reader returns, its errors and raster helpers.

Sign conventions (see ``docs/real.md`` for the sources)
-------------------------------------------------------
Inside insar_hf everything follows ``docs/ARCHITECTURE.md``:

* ``los_m``: line-of-sight displacement in metres, **positive = range increase = motion away from
  the satellite** (as COMET-LiCSAR and LiCSBAS define displacement with the opposite sign, see
  below, the readers convert).
* ``unwrapped_rad`` / ``wrapped_rad``: ``phase_rad = -4 pi / wavelength_m * los_m``
  (:func:`insar_hf.physics.los.phase_from_los_rad`), so positive phase = motion towards the
  satellite.  The phase files of LiCSAR and HyP3 use the opposite sign (positive = away), so the
  readers negate them.
* ``los_enu``: unit vector from the ground **to** the satellite, ``(east, north, up)`` arrays.
* No data is NaN in every float array; ``nodata_mask`` is True where no phase is available.

Each reader lives in its own module (:mod:`~insar_hf.products.licsar`,
:mod:`~insar_hf.products.hyp3`, :mod:`~insar_hf.products.binary`) and builds an
:class:`Interferogram` with :func:`read_raster` and :func:`check_same_grid`;
:mod:`~insar_hf.products.read` picks a reader from the path's naming and walks directory trees.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from insar_hf.physics.los import wrap_phase
from insar_hf.schema import KIND_NAMES

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), used to express degree spacings of geographic grids in metres."""

PRODUCT_TYPES = ("licsar", "hyp3", "binary", "geotiff")

DEFAULT_KIND = "wrapped"
"""The phase a product that holds both kinds gives by default (a folder, a binary ``.par``):
wrapped phase, which every product can supply and which carries no unwrapping errors."""


class ProductError(ValueError):
    """A product file that cannot be read as documented; the message names the file and the fix."""


class KindRequiredError(ProductError):
    """A file that does not say whether it holds wrapped or unwrapped phase, read without ``kind``.

    ``path`` is the file; a command line says ``--kind`` where Python says ``kind=``.
    """

    def __init__(self, message: str, path) -> None:
        super().__init__(message)
        self.path = Path(path)


class UnknownCRSError(ProductError):
    """A product whose coordinate reference system is unknown, so epicentres cannot be placed."""


@dataclass
class Interferogram:
    """One interferogram, whatever product it came from, in insar_hf's conventions.

    Attributes
    ----------
    name : str
        Pair or product name (e.g. ``20230120_20230213``).
    product_type : {"licsar", "hyp3", "binary"}
    frame_id : str
        Track/frame identifier (LiCSAR frame id, HyP3 product name); ``""`` when unknown.
    date1, date2 : datetime.date or None
        Acquisition dates, ``date1 < date2``; both None when the product does not say (only
        catalogue labelling needs them: :meth:`require_dates`).
    wavelength_m : float
        Radar wavelength, metres.
    transform : tuple of 6 floats
        GDAL geotransform ``(x0, dx, rx, y0, ry, dy)`` of the pixel corners; ``dy < 0`` for
        north-up grids (row 0 = north edge).
    crs : str or None
        WKT of the grid's coordinate reference system; None when the product does not say.
    wrapped_rad, unwrapped_rad : ndarray or None
        Shape ``(rows, cols)``, float32, radians, NaN = no data; at least one is present.
    los_m : ndarray or None
        Shape ``(rows, cols)``, float32, metres, positive = away from the satellite.
    coherence : ndarray or None
        Shape ``(rows, cols)``, float32 in ``[0, 1]``; None with the reason in ``coherence_note``.
    los_enu : tuple of 3 ndarrays or None
        Ground-to-satellite unit vector components, each ``(rows, cols)`` float32.
    source_paths : tuple of str
        The files read.
    notes : list of str
        What the reader assumed or could not find (recorded in build reports).
    nodata_mask : ndarray
        Shape ``(rows, cols)``, bool, True where no phase is available (computed if not given).
    named_kind : {"wrapped", "unwrapped"} or None
        The phase kind of the file the reader was given (``x.geo.unw.tif`` -> unwrapped,
        ``x.geo.diff_pha.tif`` -> wrapped); None for a path that stands for both (a folder, a
        ``.par``). :attr:`kind` is the phase to use by default.
    row0_south : bool
        True when the file stores its south row first (a binary ``.par`` with a positive
        ``y_spacing``): the arrays here are flipped north-up, so the file's row ``r`` is row
        ``rows - 1 - r`` here (:meth:`array_window`).
    """

    name: str
    product_type: str
    frame_id: str
    date1: dt.date | None
    date2: dt.date | None
    wavelength_m: float
    transform: tuple
    crs: str | None
    wrapped_rad: np.ndarray | None = None
    unwrapped_rad: np.ndarray | None = None
    los_m: np.ndarray | None = None
    coherence: np.ndarray | None = None
    coherence_note: str = ""
    los_enu: tuple | None = None
    source_paths: tuple = ()
    notes: list = field(default_factory=list)
    nodata_mask: np.ndarray | None = None
    named_kind: str | None = None
    row0_south: bool = False

    def __post_init__(self) -> None:
        where = ", ".join(str(p) for p in self.source_paths) or self.name
        if self.product_type not in PRODUCT_TYPES:
            raise ValueError(
                f"product_type must be one of {PRODUCT_TYPES}, got {self.product_type!r}"
            )
        if self.wrapped_rad is None and self.unwrapped_rad is None:
            raise ProductError(f"{where}: neither wrapped nor unwrapped phase was found")
        if (self.date1 is None) != (self.date2 is None):
            raise ProductError(f"{where}: one acquisition date is given without the other")
        if self.date1 is not None and not self.date1 < self.date2:
            raise ProductError(
                f"{where}: first date {self.date1} is not before second date {self.date2}; "
                "name the pair <earlier>_<later> (YYYYMMDD_YYYYMMDD)"
            )
        if self.named_kind not in (None, *KIND_NAMES):
            raise ValueError(f"named_kind must be one of {KIND_NAMES} or None")
        if not (math.isfinite(self.wavelength_m) and self.wavelength_m > 0):
            raise ProductError(f"{where}: wavelength must be a positive number of metres")
        self.transform = tuple(float(v) for v in self.transform)
        if len(self.transform) != 6 or self.transform[1] == 0 or self.transform[5] == 0:
            raise ProductError(f"{where}: geotransform {self.transform} is not a valid 6-tuple")
        arrays = {
            "wrapped_rad": self.wrapped_rad,
            "unwrapped_rad": self.unwrapped_rad,
            "los_m": self.los_m,
            "coherence": self.coherence,
        }
        if self.los_enu is not None:
            arrays.update(zip(("los_e", "los_n", "los_u"), self.los_enu))
        shapes = {k: np.shape(v) for k, v in arrays.items() if v is not None}
        if len(set(shapes.values())) != 1:
            raise ProductError(f"{where}: rasters on different grids: {shapes}")
        if self.nodata_mask is None:
            phase = self.unwrapped_rad if self.unwrapped_rad is not None else self.wrapped_rad
            self.nodata_mask = ~np.isfinite(phase)

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)`` of the grid."""
        phase = self.unwrapped_rad if self.unwrapped_rad is not None else self.wrapped_rad
        return tuple(phase.shape)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Phase kinds this product can supply (wrapped is always derivable)."""
        return KIND_NAMES if self.unwrapped_rad is not None else KIND_NAMES[:1]

    @property
    def kind(self) -> str:
        """The phase to use by default: the kind of the file named, else the only one held, else
        :data:`DEFAULT_KIND` (a product holding both, e.g. a folder or a binary ``.par``)."""
        if self.named_kind in self.kinds:
            return self.named_kind
        return DEFAULT_KIND if self.wrapped_rad is not None else "unwrapped"

    def array_window(self, row: int, col: int, size: int) -> tuple[int, int]:
        """Top-left ``(row, col)`` in these north-up arrays of the file's square window
        ``file[row:row+size, col:col+size]`` (the same pixels; north-up when
        :attr:`row0_south`)."""
        return (self.shape[0] - row - size if self.row0_south else row), col

    def require_dates(self) -> tuple[dt.date, dt.date]:
        """``(date1, date2)``, or a :class:`ProductError` saying how to give them."""
        if self.date1 is None:
            raise ProductError(
                f"{', '.join(map(str, self.source_paths)) or self.name}: the acquisition dates are "
                "unknown, and catalogue labelling needs them; add 'date1: YYYYMMDD' and "
                "'date2: YYYYMMDD' to the .par, or put YYYYMMDD_YYYYMMDD in the file name"
            )
        return self.date1, self.date2

    def field_rad(self, kind: str) -> np.ndarray:
        """Phase of ``kind`` (``"wrapped"`` wraps the unwrapped phase when no wrapped file exists)."""
        if kind == "wrapped":
            if self.wrapped_rad is not None:
                return self.wrapped_rad
            return wrap_phase(self.unwrapped_rad).astype(np.float32)
        if kind == "unwrapped":
            if self.unwrapped_rad is None:
                raise ProductError(f"{self.name}: this product has no unwrapped phase")
            return self.unwrapped_rad
        raise ValueError(f"kind must be 'wrapped' or 'unwrapped', got {kind!r}")

    @property
    def is_geographic(self) -> bool:
        """True when the grid is in longitude / latitude degrees."""
        if self.crs is None:
            return False
        from rasterio.crs import CRS

        return bool(CRS.from_user_input(self.crs).is_geographic)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(x_min, y_min, x_max, y_max)`` of the grid in CRS units (north-up grids)."""
        x0, dx, _, y0, _, dy = self.transform
        rows, cols = self.shape
        xs = (x0, x0 + cols * dx)
        ys = (y0, y0 + rows * dy)
        return (min(xs), min(ys), max(xs), max(ys))

    def pixel_size_m(self) -> tuple[float, float]:
        """Pixel ``(width, height)`` in metres (degrees scaled at the grid's central latitude)."""
        _, dx, _, _, _, dy = self.transform
        if not self.is_geographic:
            return abs(dx), abs(dy)
        lat = 0.5 * (self.bounds[1] + self.bounds[3])
        m_per_deg = EARTH_RADIUS_M * math.pi / 180.0
        return abs(dx) * m_per_deg * math.cos(math.radians(lat)), abs(dy) * m_per_deg

    def _require_crs(self) -> str:
        if self.crs is None:
            raise UnknownCRSError(
                f"{', '.join(map(str, self.source_paths)) or self.name}: the coordinate reference "
                "system is unknown, so catalogue epicentres cannot be placed on the grid; give the "
                "GeoTIFF a CRS (gdal_edit.py -a_srs EPSG:XXXX) or add 'epsg: XXXX' to the .par file"
            )
        return self.crs

    def xy_from_lonlat(self, lon_deg, lat_deg) -> tuple[np.ndarray, np.ndarray]:
        """Map WGS 84 longitude / latitude (degrees) into the grid's CRS (rasterio.warp)."""
        crs = self._require_crs()
        lon = np.atleast_1d(np.asarray(lon_deg, dtype=np.float64))
        lat = np.atleast_1d(np.asarray(lat_deg, dtype=np.float64))
        from rasterio.crs import CRS
        from rasterio.warp import transform

        target = CRS.from_user_input(crs)
        if target == CRS.from_epsg(4326):
            return lon, lat
        x, y = transform(CRS.from_epsg(4326), target, lon.tolist(), lat.tolist())
        return np.asarray(x), np.asarray(y)

    def rowcol_from_xy(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Fractional ``(row, col)`` (pixel corners at integers) of CRS coordinates."""
        x0, dx, rx, y0, ry, dy = self.transform
        if rx != 0 or ry != 0:
            raise ProductError(f"{self.name}: rotated geotransforms are not supported")
        return (np.asarray(y) - y0) / dy, (np.asarray(x) - x0) / dx

    def distance_m(self, row_a, col_a, row_b, col_b) -> np.ndarray:
        """Ground distance in metres between fractional pixel positions (local flat Earth)."""
        wx, wy = self.pixel_size_m()
        return np.hypot((np.asarray(col_a) - col_b) * wx, (np.asarray(row_a) - row_b) * wy)


def read_raster(path, *, what: str, allow_int: bool = False, zero_is_nodata: bool = False):
    """Read band 1 of a GeoTIFF as float32 with NaN for no data.

    Parameters
    ----------
    path : path-like
        The raster.
    what : str
        What the raster should hold (for error messages), e.g. ``"unwrapped phase (radians)"``.
    allow_int : bool
        Accept integer dtypes (coherence stored as uint8); otherwise a float raster is required.
    zero_is_nodata : bool
        Treat exact zeros as no data (LiCSAR's convention) even without a nodata tag.

    Returns
    -------
    (array, dtype name, GDAL geotransform tuple, CRS WKT or None)
    """
    import rasterio
    from rasterio.errors import RasterioError

    path = Path(path)
    try:
        with rasterio.open(path) as src:
            dtype = src.dtypes[0]
            if not (np.issubdtype(np.dtype(dtype), np.floating) or allow_int):
                raise ProductError(
                    f"{path}: expected a floating-point raster of {what}, found dtype {dtype}; "
                    "this file is not the product it is named as (re-export it as float32)"
                )
            data = src.read(1).astype(np.float32)
            nodata = src.nodata
            transform = tuple(src.transform.to_gdal())
            crs = src.crs.to_wkt() if src.crs else None
    except RasterioError as error:
        raise ProductError(
            f"{path}: not a readable raster ({error}); the file is truncated or not a GeoTIFF -- "
            "download it again"
        ) from error
    if nodata is not None and math.isfinite(nodata):
        data[data == np.float32(nodata)] = np.nan
    if zero_is_nodata:
        data[data == 0] = np.nan
    data[~np.isfinite(data)] = np.nan
    return data, dtype, transform, crs


def check_same_grid(reference: tuple, other: tuple, *, path, reference_path) -> None:
    """Raise if ``other`` = (array, transform) is not on ``reference``'s grid."""
    ref_shape, ref_transform = reference
    shape, transform = other
    if tuple(ref_shape) != tuple(shape) or not np.allclose(ref_transform, transform, rtol=1e-9):
        raise ProductError(
            f"{path}: grid {tuple(shape)} {tuple(transform)} differs from {reference_path} "
            f"{tuple(ref_shape)} {tuple(ref_transform)}; all files of one product must share a grid"
        )
