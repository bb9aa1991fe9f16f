"""Cut model-sized tiles out of labelled interferograms.

A tile covers ``size * pixel_m`` metres on each side: the window is cropped at the product's
native resolution (no-data outside the raster) and resampled to ``size x size`` by
:func:`insar_hf.render.resample_field` (NaN-aware area averaging, wrapped phase averaged as a
complex phasor) -- the same resampling the model input always gets -- then encoded by
:func:`insar_hf.render.render_interferogram`.

* Positives: ``tiles_per_event`` windows per qualifying event, centred on the epicentre plus a
  uniform random offset of up to ``max_offset_frac`` of the tile side in each direction (the
  epicentre stays inside the tile, not always at its centre).
* Negatives: ``negatives_per_product`` random windows per negative pair, and per positive pair
  windows whose centre lies farther than the *exclusion radius* from every near event of
  ``mag >= negative_max_mag``: ``max(negative_exclusion_km, 3 L)`` with ``L`` the subsurface
  rupture length of Wells & Coppersmith (1994, all slip types: ``log10 L_km = -2.44 + 0.59 M``).
* A window whose resampled no-data fraction exceeds ``max_nodata_frac`` is skipped (recorded).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from insar_hf.products.interferogram import Interferogram
from insar_hf.real.labelling import EventHit, ProductLabel
from insar_hf.render import resample_field
from insar_hf.schema import IMAGE_SIZE

TILE_KINDS = ("wrapped", "unwrapped", "both")


@dataclass(frozen=True)
class TileConfig:
    """How tiles are cut (distances in metres / km as named, fractions in ``[0, 1]``)."""

    size: int = IMAGE_SIZE
    pixel_m: float = 100.0
    tiles_per_event: int = 2
    max_offset_frac: float = 0.25
    negatives_per_product: int = 2
    negative_exclusion_km: float = 50.0
    max_nodata_frac: float = 0.5
    kind: str = "both"
    max_tries: int = 20

    def __post_init__(self) -> None:
        if self.size < 8:
            raise ValueError(f"size must be at least 8 pixels, got {self.size}")
        if not self.pixel_m > 0:
            raise ValueError(
                f"pixel_m must be positive (metres per tile pixel), got {self.pixel_m}"
            )
        if not 0 <= self.max_offset_frac <= 0.5:
            raise ValueError(
                f"max_offset_frac must be in [0, 0.5] so the epicentre stays in the tile, "
                f"got {self.max_offset_frac}"
            )
        if not 0 < self.max_nodata_frac <= 1:
            raise ValueError(f"max_nodata_frac must be in (0, 1], got {self.max_nodata_frac}")
        if self.tiles_per_event < 0 or self.negatives_per_product < 0:
            raise ValueError("tiles_per_event and negatives_per_product must be >= 0")
        if self.kind not in TILE_KINDS:
            raise ValueError(f"kind must be one of {TILE_KINDS}, got {self.kind!r}")


@dataclass
class Tile:
    """One tile: resampled phase fields and the metadata that travels with it."""

    label: int
    kind: str
    field_rad: np.ndarray
    """Shape ``(size, size)``, float32, radians of ``kind``, NaN = no data."""
    wrapped_rad: np.ndarray
    unwrapped_rad: np.ndarray | None
    nodata_fraction: float
    bounds: tuple
    """``(x_min, y_min, x_max, y_max)`` in the product's CRS."""
    centre_row: float
    centre_col: float
    event_id: str = ""
    mag: float = math.nan
    depth_km: float = math.nan
    distance_km: float = math.nan
    """Tile centre to epicentre (positives) or to the nearest near event (negatives), km."""
    mag_type: str = ""
    event_row: float = math.nan
    event_col: float = math.nan
    """Epicentre in fractional pixels of the product grid (NaN for negatives)."""
    window: tuple = (0, 0, 0, 0)
    """``(r0, r1, c0, c1)`` native-pixel window of the product that the tile resamples."""
    pixel_m: float = math.nan


def exclusion_radius_km(mag: float, base_km: float) -> float:
    """``max(base_km, 3 L)``, ``L`` the Wells & Coppersmith (1994) subsurface rupture length."""
    return max(base_km, 3.0 * 10.0 ** (-2.44 + 0.59 * mag))


def crop(array: np.ndarray, r0: int, r1: int, c0: int, c1: int) -> np.ndarray:
    """``array[r0:r1, c0:c1]`` with NaN where the window leaves the raster."""
    out = np.full((r1 - r0, c1 - c0), np.nan, dtype=np.float32)
    rows, cols = array.shape
    sr0, sr1, sc0, sc1 = max(r0, 0), min(r1, rows), max(c0, 0), min(c1, cols)
    if sr0 < sr1 and sc0 < sc1:
        out[sr0 - r0 : sr1 - r0, sc0 - c0 : sc1 - c0] = array[sr0:sr1, sc0:sc1]
    return out


def window(
    ifg: Interferogram, row: float, col: float, config: TileConfig
) -> tuple[int, int, int, int]:
    """Integer pixel window ``(r0, r1, c0, c1)`` of ``size * pixel_m`` metres centred at (row, col)."""
    wx, wy = ifg.pixel_size_m()
    side_m = config.size * config.pixel_m
    n_r, n_c = max(1, round(side_m / wy)), max(1, round(side_m / wx))
    r0, c0 = round(row - n_r / 2), round(col - n_c / 2)
    return r0, r0 + n_r, c0, c0 + n_c


def cut_tile(
    ifg: Interferogram,
    row: float,
    col: float,
    config: TileConfig,
    kind: str,
    *,
    wrapped_full: np.ndarray | None = None,
):
    """Resampled fields of the window centred at fractional pixel ``(row, col)``.

    ``wrapped_full`` is ``ifg.field_rad("wrapped")`` when the caller already has it (wrapping a
    whole frame per tile would dominate the cost when the product has no wrapped file).

    Returns ``(wrapped, unwrapped or None, nodata_fraction, bounds, window)``.
    """
    r0, r1, c0, c1 = window(ifg, row, col, config)
    full = ifg.field_rad("wrapped") if wrapped_full is None else wrapped_full
    wrapped = resample_field(crop(full, r0, r1, c0, c1), "wrapped", size=config.size)
    unwrapped = None
    if ifg.unwrapped_rad is not None:
        unwrapped = resample_field(
            crop(ifg.unwrapped_rad, r0, r1, c0, c1), "unwrapped", size=config.size
        )
    phase = wrapped if kind == "wrapped" else unwrapped
    nodata = float(np.mean(~np.isfinite(phase)))
    x0, dx, _, y0, _, dy = ifg.transform
    xs, ys = (x0 + c0 * dx, x0 + c1 * dx), (y0 + r0 * dy, y0 + r1 * dy)
    bounds = (min(xs), min(ys), max(xs), max(ys))
    wrapped = wrapped.astype(np.float32)
    unwrapped = None if unwrapped is None else unwrapped.astype(np.float32)
    return wrapped, unwrapped, nodata, bounds, (r0, r1, c0, c1)


def _kinds(ifg: Interferogram, config: TileConfig) -> list[str]:
    wanted = ["wrapped", "unwrapped"] if config.kind == "both" else [config.kind]
    return [k for k in wanted if k in ifg.kinds]


def make_tiles(
    ifg: Interferogram,
    label: ProductLabel,
    config: TileConfig,
    rng: np.random.Generator,
    *,
    negative_max_mag: float = 4.0,
) -> tuple[list[Tile], list[str]]:
    """Tiles of one labelled product and the reasons of the windows that were skipped.

    Ambiguous products give no tile.  ``rng`` draws the offsets and negative windows.
    """
    tiles, skipped = [], []
    kinds = _kinds(ifg, config)
    if label.status == "ambiguous" or not kinds:
        return tiles, skipped
    n_rows, n_cols = ifg.shape
    wrapped_full = ifg.field_rad("wrapped")
    side_px = window(ifg, 0, 0, config)
    half_r, half_c = (side_px[1] - side_px[0]) / 2, (side_px[3] - side_px[2]) / 2

    def emit(row, col, lab, hit: EventHit | None, nearest_km: float) -> bool:
        made = False
        for kind in kinds:
            wrapped, unwrapped, nodata, bounds, win = cut_tile(
                ifg, row, col, config, kind, wrapped_full=wrapped_full
            )
            where = f"{ifg.name} window at row {row:.0f} col {col:.0f} ({kind})"
            if nodata > config.max_nodata_frac:
                skipped.append(
                    f"{where}: no-data fraction {nodata:.2f} > --max-nodata-frac {config.max_nodata_frac}"
                )
                continue
            field = wrapped if kind == "wrapped" else unwrapped
            tiles.append(
                Tile(
                    label=lab,
                    kind=kind,
                    field_rad=field,
                    wrapped_rad=wrapped,
                    unwrapped_rad=unwrapped,
                    nodata_fraction=nodata,
                    bounds=bounds,
                    centre_row=float(row),
                    centre_col=float(col),
                    event_id=hit.event.id if hit else "",
                    mag=hit.event.mag if hit else math.nan,
                    depth_km=hit.event.depth_km if hit else math.nan,
                    distance_km=nearest_km,
                    mag_type=hit.event.mag_type if hit else "",
                    event_row=hit.row if hit else math.nan,
                    event_col=hit.col if hit else math.nan,
                    window=win,
                    pixel_m=config.pixel_m,
                )
            )
            made = True
        return made

    if label.status == "positive":
        for hit in label.events:
            for _ in range(config.tiles_per_event):
                off_r, off_c = rng.uniform(-config.max_offset_frac, config.max_offset_frac, size=2)
                row = hit.row + off_r * 2 * half_r
                col = hit.col + off_c * 2 * half_c
                dist = float(ifg.distance_m(row, col, hit.row, hit.col)) / 1000.0
                emit(row, col, 1, hit, dist)
    excluded = [
        (h, exclusion_radius_km(h.event.mag, config.negative_exclusion_km))
        for h in label.concerns
        if h.event.mag >= negative_max_mag
    ]
    made = 0
    for _ in range(config.negatives_per_product * config.max_tries):
        if made >= config.negatives_per_product:
            break
        row, col = rng.uniform(0, n_rows), rng.uniform(0, n_cols)
        distances = [float(ifg.distance_m(row, col, h.row, h.col)) / 1000.0 for h, _ in excluded]
        if any(d <= radius for d, (_, radius) in zip(distances, excluded)):
            continue
        before = len(skipped)
        if emit(row, col, 0, None, min(distances) if distances else math.nan):
            made += 1
        else:
            del skipped[before:]  # a rejected random draw is not worth a report line
    if made < config.negatives_per_product:
        skipped.append(
            f"{ifg.name}: {made} of {config.negatives_per_product} negative windows found "
            f"(no-data limit / exclusion radius)"
        )
    return tiles, skipped
