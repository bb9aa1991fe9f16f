"""Label interferograms from an earthquake catalogue.

Rules (``LabelRules``; the CLI options of ``insar-hf build-real`` in brackets)
-----------------------------------------------------------------------------
An event is *in time* when its UTC origin date lies strictly between the two acquisition dates
(an event on an acquisition date may be before or after the pass: its timing is *uncertain*).
It is *near* when its epicentre is inside the product's footprint or within ``margin_km``
(``--margin-km``) of it.  Then the interferogram is

* **positive** when an in-time, near event has ``mag >= min_mag`` (``--min-mag``, 5.0) and
  ``depth_km <= max_depth_km`` (``--max-depth-km``, 30);
* **negative** when no near event with ``mag >= negative_max_mag`` (``--negative-max-mag``, 4.0)
  is in time or of uncertain timing;
* **ambiguous** otherwise (a near event between the two magnitude thresholds, too deep, or on an
  acquisition date): left out of the dataset and listed in the report with the reason.

Epicentres (WGS 84 longitude / latitude) are mapped into the product's CRS with
``rasterio.warp.transform``; a product with an unknown CRS cannot be labelled
(:class:`~insar_hf.products.interferogram.UnknownCRSError`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from insar_hf.products.interferogram import Interferogram
from insar_hf.real.catalog import Event


@dataclass(frozen=True)
class LabelRules:
    """Thresholds of the labelling (magnitudes as in the catalogue, depths and margins in km)."""

    min_mag: float = 5.0
    max_depth_km: float = 30.0
    margin_km: float = 10.0
    negative_max_mag: float = 4.0

    def __post_init__(self) -> None:
        if not self.negative_max_mag <= self.min_mag:
            raise ValueError(
                f"negative_max_mag ({self.negative_max_mag}) must not exceed min_mag "
                f"({self.min_mag}): negatives are products without any event that large"
            )
        if self.max_depth_km <= 0:
            raise ValueError(f"max_depth_km must be positive, got {self.max_depth_km}")
        if self.margin_km < 0:
            raise ValueError(f"margin_km must be >= 0, got {self.margin_km}")


@dataclass
class EventHit:
    """A catalogue event placed on a product's grid."""

    event: Event
    row: float
    col: float
    outside_km: float
    """Distance from the epicentre to the footprint (0 inside), km."""
    timing: str
    """``"in"`` (strictly between the dates) or ``"uncertain"`` (on an acquisition date)."""


@dataclass
class ProductLabel:
    """Outcome of :func:`label_product`."""

    status: str
    """``"positive"``, ``"negative"`` or ``"ambiguous"``."""
    events: list[EventHit] = field(default_factory=list)
    """Positive: the qualifying events, largest first."""
    concerns: list[EventHit] = field(default_factory=list)
    """Every near event at or above the negative threshold (in time or uncertain)."""
    reasons: list[str] = field(default_factory=list)


def place_events(ifg: Interferogram, events: list[Event]) -> list[EventHit]:
    """Events whose timing overlaps the pair, with pixel positions and distance to the footprint.

    Raises :class:`~insar_hf.products.ProductError` when the product's dates are unknown.
    """
    date1, date2 = ifg.require_dates()
    timed = []
    for event in events:
        if date1 < event.date < date2:
            timed.append((event, "in"))
        elif event.date in (date1, date2):
            timed.append((event, "uncertain"))
    if not timed:
        return []
    lon = [e.longitude_deg for e, _ in timed]
    lat = [e.latitude_deg for e, _ in timed]
    x, y = ifg.xy_from_lonlat(lon, lat)
    rows, cols = ifg.rowcol_from_xy(x, y)
    n_rows, n_cols = ifg.shape
    wx, wy = ifg.pixel_size_m()
    out_r = np.maximum(np.maximum(0.0 - rows, rows - n_rows), 0.0) * wy
    out_c = np.maximum(np.maximum(0.0 - cols, cols - n_cols), 0.0) * wx
    outside_km = np.hypot(out_r, out_c) / 1000.0
    return [
        EventHit(event=e, row=float(r), col=float(c), outside_km=float(d), timing=t)
        for (e, t), r, c, d in zip(timed, rows, cols, outside_km)
    ]


def label_product(ifg: Interferogram, events: list[Event], rules: LabelRules) -> ProductLabel:
    """Apply the module's rules to one interferogram."""
    near = [h for h in place_events(ifg, events) if h.outside_km <= rules.margin_km]
    qualifying = [
        h
        for h in near
        if h.timing == "in"
        and h.event.mag >= rules.min_mag
        and h.event.depth_km <= rules.max_depth_km
    ]
    concerns = [h for h in near if h.event.mag >= rules.negative_max_mag]
    if qualifying:
        qualifying.sort(key=lambda h: -h.event.mag)
        reasons = [
            f"{h.event.id} M{h.event.mag:g} depth {h.event.depth_km:g} km on {h.event.date} "
            f"{'inside' if h.outside_km == 0 else f'{h.outside_km:.1f} km outside'} the footprint"
            for h in qualifying
        ]
        return ProductLabel("positive", qualifying, concerns, reasons)
    if not concerns:
        return ProductLabel(
            "negative", [], [], [f"no event M >= {rules.negative_max_mag:g} near it"]
        )
    reasons = []
    for h in concerns:
        what = f"{h.event.id} M{h.event.mag:g} depth {h.event.depth_km:g} km"
        if h.timing == "uncertain":
            reasons.append(f"{what} on acquisition date {h.event.date}: before or after the pass")
        elif h.event.mag < rules.min_mag:
            reasons.append(
                f"{what}: magnitude between --negative-max-mag {rules.negative_max_mag:g} and "
                f"--min-mag {rules.min_mag:g}"
            )
        else:
            reasons.append(f"{what}: deeper than --max-depth-km {rules.max_depth_km:g}")
    return ProductLabel("ambiguous", [], concerns, reasons)
