"""Earthquake catalogues exported from USGS ComCat (CSV and GeoJSON).

* CSV (``https://earthquake.usgs.gov/fdsnws/event/1/query?format=csv``): a header row with at
  least ``time`` (ISO 8601 UTC, e.g. ``2023-02-06T01:17:34.341Z``), ``latitude``, ``longitude``,
  ``depth`` (km), ``mag``, ``id``; ``magType`` and ``place`` are used when present.
* GeoJSON (``format=geojson``): a ``FeatureCollection`` whose features have ``id``,
  ``properties.time`` (milliseconds since 1970-01-01 UTC), ``properties.mag``,
  ``properties.magType``, ``properties.place`` and ``geometry.coordinates = [lon, lat, depth_km]``.

A malformed row raises :class:`CatalogError` naming the file, the row and the field, unless
``skip_malformed=True``, in which case the row is recorded in :attr:`Catalog.skipped` instead.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

REQUIRED_CSV_COLUMNS = ("time", "latitude", "longitude", "depth", "mag", "id")


class CatalogError(ValueError):
    """A catalogue that cannot be used as is; the message names the file, row and fix."""


@dataclass(frozen=True)
class Event:
    """One catalogue event.

    Attributes
    ----------
    id : str
        ComCat event id (e.g. ``us6000jllz``).
    time : datetime.datetime
        Origin time, timezone-aware UTC.
    latitude_deg, longitude_deg : float
        Epicentre, WGS 84 degrees.
    depth_km : float
        Hypocentral depth, km (positive down).
    mag : float
        Magnitude (of ``mag_type``; the labelling compares it with ``--min-mag`` as is).
    mag_type : str
    place : str
    """

    id: str
    time: dt.datetime
    latitude_deg: float
    longitude_deg: float
    depth_km: float
    mag: float
    mag_type: str = ""
    place: str = ""

    @property
    def date(self) -> dt.date:
        """UTC calendar date of the origin time."""
        return self.time.date()


@dataclass
class Catalog:
    """Events read from ``path``; ``skipped`` lists the malformed rows left out."""

    path: Path
    events: list[Event]
    skipped: list[str] = field(default_factory=list)


def _bad(path, where: str, message: str) -> CatalogError:
    return CatalogError(
        f"{path}, {where}: {message}; fix or delete the row (or pass --skip-bad-rows to leave "
        "malformed rows out and list them in the build report)"
    )


def _event(values: dict, *, path, where: str) -> Event:
    numbers = {}
    for key, low, high in (
        ("latitude", -90.0, 90.0),
        ("longitude", -180.0, 360.0),
        ("depth", -10.0, 800.0),
        ("mag", -2.0, 10.5),
    ):
        raw = values.get(key)
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise _bad(path, where, f"{key} {raw!r} is not a number") from None
        if not (math.isfinite(number) and low <= number <= high):
            raise _bad(path, where, f"{key} {number} is outside [{low}, {high}]")
        numbers[key] = number
    event_id = str(values.get("id") or "").strip()
    if not event_id:
        raise _bad(path, where, "the event id is empty")
    time = values.get("time")
    if isinstance(time, dt.datetime):
        when = time
    else:
        try:
            when = dt.datetime.fromisoformat(str(time).strip().replace("Z", "+00:00"))
        except ValueError:
            raise _bad(path, where, f"time {time!r} is not an ISO 8601 date-time") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    longitude = numbers["longitude"]
    return Event(
        id=event_id,
        time=when.astimezone(dt.timezone.utc),
        latitude_deg=numbers["latitude"],
        longitude_deg=longitude - 360.0 if longitude > 180.0 else longitude,
        depth_km=numbers["depth"],
        mag=numbers["mag"],
        mag_type=str(values.get("magType") or ""),
        place=str(values.get("place") or ""),
    )


def _rows_csv(path: Path):
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CatalogError(
                f"{path}: missing column(s) {', '.join(missing)}; export the catalogue from ComCat "
                f"as CSV (header needs {', '.join(REQUIRED_CSV_COLUMNS)})"
            )
        for number, row in enumerate(reader, start=1):
            if None in row or any(v is None for v in row.values()):
                yield f"row {number} (line {reader.line_num})", None, "wrong number of fields"
                continue
            yield f"row {number} (line {reader.line_num})", row, None


def _rows_geojson(path: Path):
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CatalogError(f"{path}: not valid JSON ({error}); re-export it as GeoJSON") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise CatalogError(f"{path}: not a GeoJSON FeatureCollection (ComCat format=geojson)")
    for number, feature in enumerate(data.get("features") or [], start=1):
        where = f"feature {number}"
        try:
            props = feature["properties"]
            lon, lat, depth = feature["geometry"]["coordinates"][:3]
            millis = props["time"]
            time = dt.datetime.fromtimestamp(float(millis) / 1000.0, tz=dt.timezone.utc)
        except (KeyError, TypeError, ValueError, IndexError, OverflowError) as error:
            yield where, None, f"missing or invalid time / coordinates ({error!r})"
            continue
        row = {
            "id": feature.get("id") or props.get("code"),
            "time": time,
            "latitude": lat,
            "longitude": lon,
            "depth": depth,
            "mag": props.get("mag"),
            "magType": props.get("magType"),
            "place": props.get("place"),
        }
        yield f"{where} (id {row['id']})", row, None


def read_catalog(path, *, skip_malformed: bool = False) -> Catalog:
    """Read a ComCat CSV or GeoJSON export (by extension: ``.csv``, ``.json`` / ``.geojson``).

    Raises
    ------
    CatalogError
        Unknown extension, missing columns, a malformed row (unless ``skip_malformed``), or no
        event at all.
    """
    path = Path(path)
    if not path.is_file():
        raise CatalogError(f"{path}: no such catalogue file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = _rows_csv(path)
    elif suffix in (".json", ".geojson"):
        rows = _rows_geojson(path)
    else:
        raise CatalogError(
            f"{path}: unknown catalogue format {suffix!r}; use ComCat .csv or .geojson"
        )
    events, skipped, seen = [], [], set()
    for where, row, problem in rows:
        try:
            if problem is not None:
                raise _bad(path, where, problem)
            event = _event(row, path=path, where=where)
            if event.id in seen:
                raise _bad(path, where, f"event id {event.id} appears twice")
        except CatalogError as error:
            if not skip_malformed:
                raise
            skipped.append(str(error).split("; fix or delete")[0])
            continue
        seen.add(event.id)
        events.append(event)
    if not events:
        raise CatalogError(
            f"{path}: the catalogue holds no usable event; export the events of the products' "
            "area and dates from ComCat"
        )
    return Catalog(path=path, events=events, skipped=skipped)
