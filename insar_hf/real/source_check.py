"""Both source methods on a real frame, against a published source (issue #15, item 4).

The dev frame ``../shared/real-dev/thessaly_2021`` (COMET-LiCSAR, Sentinel-1 track 102A,
ascending, resampled to a 100 m local grid by the COMET coseismic practical) holds the
2021-03-03 Mw 6.3 Thessaly earthquake. This module reads it with the package's reader
(:func:`insar_hf.real.dev_windows.read_dev_frame`), cuts windows around the deformation, runs the
classical inversion (:func:`insar_hf.source.inversion.fit_field`) and the network
(:class:`insar_hf.source.estimator.SourceEstimator`) on them and maps every epicentre back to
the frame's pixels and its local metric grid, so that both can be set against the published
source (:data:`PUBLISHED`). ``benchmarks/source_thessaly.py`` prints the table;
``docs/source_thessaly.md`` discusses it.

What the header does not say, and what is assumed
-------------------------------------------------
* **Orientation.** ``greece.par`` gives ``corner_y = -40000`` and ``y_spacing = +100``: ``y``
  grows with the row, so the file's row 0 is the **south** edge (the practical plots the file
  with ``origin='lower'``). The package's reader (:mod:`insar_hf.products.binary`) turns the
  frame north-up, as both methods assume; windows are named and epicentres reported in the
  file's rows, as ``windows.json`` names them (:func:`north_up_window`, :func:`frame_row`).
* **Sign.** Positive LOS = range increase (motion away from the satellite), the LiCSAR
  convention the practical states and the package's (:mod:`insar_hf.physics.los`). A
  uniform-slip field is linear in the slip, so the negated field fits exactly as well with the
  opposite rake (a thrust for a normal fault): the misfit cannot decide the sign
  (``sign = -1`` rows show it); the convention does. The wrapped file agrees with the
  unwrapped one only negated (:func:`wrapped_sign`), so it is run both as read and negated.
* **Geometry.** No heading or incidence in the header: :data:`ASSUMED_HEADING_DEG` and
  :data:`ASSUMED_INCIDENCE_DEG` (typical Sentinel-1 IW ascending, mid-swath), wavelength
  :data:`insar_hf.real.dev_windows.DEV_WAVELENGTH_M`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from insar_hf.real.dev_windows import DEV_WAVELENGTH_M, DevWindowsError, read_dev_frame
from insar_hf.schema import IMAGE_SIZE, KIND_NAMES
from insar_hf.source.estimate import SourceEstimate
from insar_hf.source.inversion import fit_field

__all__ = [
    "ASSUMED_HEADING_DEG",
    "ASSUMED_INCIDENCE_DEG",
    "PUBLISHED",
    "FrameWindow",
    "block_mean",
    "check_thessaly",
    "frame_row",
    "markdown_table",
    "inversion_row",
    "network_row",
    "north_up_window",
    "published_rows",
    "read_frame_file",
    "wrapped_sign",
]

ASSUMED_HEADING_DEG = -12.0
"""Sentinel-1 ascending ground-track heading at Thessaly's latitude (-10 to -13), degrees."""

ASSUMED_INCIDENCE_DEG = 39.0
"""Mid-swath incidence of Sentinel-1 IW (29-46 across the swath), degrees."""

FRAME_PIXEL_M = 100.0
"""Spacing of the dev frame's local grid (``greece.par``: ``x_spacing``, ``y_spacing``)."""

FRAME_CORNER_M = (-40000.0, -40000.0)
"""``(corner_x, corner_y)`` of ``greece.par``: the local grid's west and south edges, metres."""

PUBLISHED = (
    {
        "method": "published: USGS W-phase",
        "mw": 6.3,
        "mechanism": "normal",
        "reference": "U.S. Geological Survey, event us7000df40 (2021-03-03, M 6.3 Thessaly, "
        "Greece), W-phase moment tensor: Mw 6.3, normal faulting "
        "(https://earthquake.usgs.gov/earthquakes/eventpage/us7000df40)",
    },
    {
        "method": "published: Papadopoulos et al. 2021",
        "mw": 6.3,
        "centroid_depth_km": 10.0,
        "strike_deg": 314.0,
        "dip_deg": 41.0,
        "mechanism": "normal",
        "reference": "Papadopoulos, G. A. et al. (2021), Seismic and Geodetic Imaging (DInSAR) "
        "Investigation of the March 2021 Strong Earthquake Sequence in Thessaly, Central "
        "Greece, Geosciences 11(8), 311, doi:10.3390/geosciences11080311: first shock Mw 6.3, "
        "fault strike 314, dip 41 NE, slip 1.2-1.5 m at about 10 km, subsidence about -40 cm",
    },
)
"""The published sources the table compares with (no epicentre: the local grid of the frame
has no geographic anchor in its header, so a published epicentre cannot be placed on it)."""


@dataclass(frozen=True)
class FrameWindow:
    """A square window of a frame, and how to map its pixels back to the file.

    ``phase_rad`` is (size, size) float64; ``row``, ``col`` the window's first row and column in
    the **file** (``file[row:row+size, col:col+size]``); ``row0_south`` whether the window is
    the file's pixels north-up (the file's row 0 read as its south edge, the truth for
    ``greece.par``) rather than in the file's order; ``sign`` the factor applied.
    """

    phase_rad: np.ndarray
    row: int
    col: int
    size: int
    row0_south: bool
    sign: int
    kind: str


def read_frame_file(path, kind: str) -> np.ndarray:
    """A dev frame's phase in radians, **north-up** as the package's reader gives it (a file
    stored south first is flipped), float64, NaN = no data (see
    :func:`insar_hf.real.dev_windows.read_dev_frame`)."""
    if kind not in KIND_NAMES:
        raise ValueError(f"kind must be one of {list(KIND_NAMES)}, got {kind!r}")
    return read_dev_frame(path, kind).field_rad(kind).astype(np.float64)


def north_up_window(
    frame: np.ndarray,
    row: int,
    col: int,
    size: int,
    *,
    kind: str,
    row0_south: bool = True,
    sign: int = 1,
) -> FrameWindow:
    """``sign`` times the file's window ``file[row:row+size, col:col+size]``.

    ``frame`` is the north-up reading (:func:`read_frame_file`) of a file stored south first
    (``greece.par``), so the window is rows ``rows - row - size`` to ``rows - row`` of it, north-up.
    ``row0_south=False`` gives the window in the file's order instead, as if the file's row 0
    were north (the reading the table shows to be wrong).
    """
    if sign not in (1, -1):
        raise ValueError(f"sign must be 1 or -1, got {sign!r}")
    if min(row, col) < 0 or size < 1 or row + size > frame.shape[0] or col + size > frame.shape[1]:
        raise DevWindowsError(
            f"window [{row}:{row + size}, {col}:{col + size}] lies outside the frame of shape "
            f"{frame.shape}; choose row, col >= 0 and size <= the frame's side"
        )
    top = frame.shape[0] - row - size  # the file's rows, counted from the north
    window = sign * frame[top : top + size, col : col + size]
    if not row0_south:
        window = window[::-1]
    return FrameWindow(np.ascontiguousarray(window), row, col, size, row0_south, sign, kind)


def block_mean(field: np.ndarray, factor: int, *, kind: str) -> np.ndarray:
    """Area average over ``factor x factor`` blocks, ignoring NaN; (rows / f, cols / f).

    Wrapped phase is averaged as unit phasors (the angle of their mean); a block with no data
    stays NaN.
    """
    rows, cols = field.shape
    if factor < 1 or rows % factor or cols % factor:
        raise ValueError(f"factor {factor!r} must be >= 1 and divide the shape {field.shape}")
    shape = (rows // factor, factor, cols // factor, factor)
    ok = np.isfinite(field).reshape(shape)
    count = ok.sum(axis=(1, 3))  # (rows / f, cols / f)
    values = np.where(np.isfinite(field), field, 0.0)
    if kind == "wrapped":
        values = np.exp(1j * values)
    total = np.where(ok, values.reshape(shape), 0.0).sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.angle(total) if kind == "wrapped" else total / count
    return np.where(count > 0, mean, np.nan)


def frame_row(window: FrameWindow, row_px: float, col_px: float, scale: float) -> dict:
    """A position in pixels of a (north-up) image of the window, ``scale`` window pixels per
    image pixel, as file pixels and local metres (km) of the frame's grid."""
    r = row_px * scale  # continuous, north-up window pixels
    file_r = window.row + (window.size - r if window.row0_south else r)
    file_c = window.col + col_px * scale
    return {  # the local grid of the .par: y grows with the file's row
        "epicentre_file_row": float(file_r),
        "epicentre_file_col": float(file_c),
        "epicentre_east_km": (FRAME_CORNER_M[0] + file_c * FRAME_PIXEL_M) / 1e3,
        "epicentre_north_km": (FRAME_CORNER_M[1] + file_r * FRAME_PIXEL_M) / 1e3,
    }


def _row(est: SourceEstimate, label: str, window: FrameWindow, scale: float, **extra) -> dict:
    return {
        "method": label,
        "kind": window.kind,
        "sign": window.sign,
        "mw": est.mw,
        "centroid_depth_km": est.centroid_depth_m / 1e3,
        "strike_deg": est.strike_deg,
        "dip_deg": est.dip_deg,
        "rake_deg": est.rake_deg,
        "mechanism": est.mechanism,
        **frame_row(window, est.epicentre_row_px, est.epicentre_col_px, scale),
        "seconds": est.seconds,
        "pixel_m": est.pixel_m,
        **extra,
    }


def inversion_row(
    window: FrameWindow,
    *,
    factor: int = 2,
    heading_deg: float = ASSUMED_HEADING_DEG,
    incidence_deg: float = ASSUMED_INCIDENCE_DEG,
    wavelength_m: float = DEV_WAVELENGTH_M,
    pixel_m: float = FRAME_PIXEL_M,
    label: str = "inversion",
    **fit_kwargs: Any,
) -> dict:
    """Invert ``window`` block-averaged by ``factor``; a table row (see :func:`frame_row`),
    with the fitted rectangle (``length_km``, ``width_km``, ``slip_m``, ``top_depth_km``), the
    misfit and the assumed geometry. ``seconds`` includes the block averaging."""
    t0 = time.perf_counter()
    field = block_mean(window.phase_rad, factor, kind=window.kind)
    fit = fit_field(
        field,
        kind=window.kind,
        pixel_m=pixel_m * factor,
        heading_deg=heading_deg,
        incidence_deg=incidence_deg,
        wavelength_m=wavelength_m,
        **fit_kwargs,
    )
    seconds = time.perf_counter() - t0
    return _row(
        replace(fit.estimate, seconds=seconds),
        label,
        window,
        float(factor),
        heading_deg=heading_deg,
        incidence_deg=incidence_deg,
        length_km=fit.length_m / 1e3,
        width_km=fit.width_m / 1e3,
        slip_m=fit.slip_m,
        top_depth_km=fit.top_depth_m / 1e3,
        misfit=fit.misfit,
    )


def network_row(
    estimator: Any,
    window: FrameWindow,
    *,
    pixel_m: float = FRAME_PIXEL_M,
    wavelength_m: float = DEV_WAVELENGTH_M,
    label: str = "network",
) -> dict:
    """``estimator.estimate`` on the window rendered to the model image (``pixel_m`` of the
    image: ``pixel_m * size / 224``); a table row (see :func:`frame_row`)."""
    image_size = int(getattr(estimator, "image_size", IMAGE_SIZE))
    scale = window.size / image_size
    est = estimator.estimate(
        window.phase_rad.astype(np.float32),
        kind=window.kind,
        pixel_m=pixel_m * scale,
        wavelength_m=wavelength_m,
    )
    sigma = {f"sigma_{k}": float(v) for k, v in est.sigma.items()}
    return _row(est, label, window, scale, **sigma)


def published_rows() -> list[dict]:
    """The rows of :data:`PUBLISHED`, NaN where a source gives no value."""
    keys = ("mw", "centroid_depth_km", "strike_deg", "dip_deg", "rake_deg")
    return [{**{k: math.nan for k in keys}, **p} for p in PUBLISHED]


def _fmt(value: Any, digits: int) -> str:
    if isinstance(value, str):
        return value
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value:.{digits}f}"


def markdown_table(rows: list[dict]) -> str:
    """Method x (Mw, centroid depth, strike / dip / rake, mechanism, epicentre, seconds)."""
    lines = [
        "| method | Mw | depth (km) | strike / dip / rake | mechanism | epicentre (file row, col)"
        " | seconds |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        angles = " / ".join(_fmt(r.get(k, math.nan), 0) for k in ("strike_deg", "dip_deg"))
        angles += " / " + _fmt(r.get("rake_deg", math.nan), 0)
        epi = "-"
        if math.isfinite(r.get("epicentre_file_row", math.nan)):
            epi = f"{r['epicentre_file_row']:.0f}, {r['epicentre_file_col']:.0f}"
        lines.append(
            f"| {r['method']} | {_fmt(r['mw'], 2)} | {_fmt(r['centroid_depth_km'], 1)} | "
            f"{angles} | {r['mechanism']} | {epi} | {_fmt(r.get('seconds', math.nan), 3)} |"
        )
    return "\n".join(lines)


FRAME_FILES = {"unwrapped": "thessaly_2021/greece.unw", "wrapped": "thessaly_2021/greece.diff"}
FRAME_DATES = (
    "2021-02-18 to 2021-03-03 (not in the header; the COMET coseismic practical that "
    "distributes the frame, andwatson/coseismic_practical, coseis_practical.ipynb, section 4): "
    "the 2021-03-03 mainshock only, not the shock of 2021-03-04"
)
DEFORMATION_WINDOWS = {"448": (171, 156, 448), "224": (283, 268, 224)}
"""The standard windows of ``windows.json`` around the deformation, ``(row, col, size)`` in
file rows: the whole pattern (448 px, averaged to 200 m) and its centre at 100 m."""


def wrapped_sign(unwrapped_rad: np.ndarray, wrapped_rad: np.ndarray) -> dict:
    """Which sign makes a wrapped frame agree with an unwrapped one of the same pair.

    The coherence ``|mean exp(i (w - s u))|`` over the pixels with both, for ``s = +1`` and
    ``-1``: the wrapped phase should be the unwrapped one wrapped, up to a constant.
    Returns ``{"sign": s of the larger, "coherence_plus": ..., "coherence_minus": ...}``.
    """
    if unwrapped_rad.shape != wrapped_rad.shape:
        raise ValueError(
            f"the frames differ in shape ({unwrapped_rad.shape} and {wrapped_rad.shape}); "
            "pass the wrapped and unwrapped phase of the same interferogram"
        )
    ok = np.isfinite(unwrapped_rad) & np.isfinite(wrapped_rad)
    if not ok.any():
        raise ValueError("the two frames share no pixel with data")
    u, w = unwrapped_rad[ok], wrapped_rad[ok]
    plus, minus = (float(abs(np.mean(np.exp(1j * (w - s * u))))) for s in (1, -1))
    return {"sign": 1 if plus >= minus else -1, "coherence_plus": plus, "coherence_minus": minus}


def check_thessaly(root, estimator: Any = None, *, progress=None) -> dict:
    """Every run of the comparison on the Thessaly frame of the dev folder ``root``.

    Inversion: the 448-px window averaged to 224 px of 200 m, at the assumed geometry; the
    same with the sign flipped, at incidence 33 and 44, heading -10, another search seed, the
    file's row 0 taken (wrongly) as north, the 224-px window at 100 m, and the wrapped phase
    of the 224-px window as read and with the sign that makes it agree with the unwrapped file
    (:func:`wrapped_sign`), and of the 448-px window averaged to 200 m with that sign. Network (when ``estimator`` is given): the 224-px and 448-px
    windows and the whole frame, unwrapped, wrapped as read and wrapped with that sign, each
    rendered to the model image with its pixel spacing, and the 448-px window's sign flipped.

    Returns ``{"rows": [...], "published": [...], "table": markdown, "assumed": {...},
    "wrapped_sign": {...}}``.
    """
    say = progress or (lambda line: None)
    frames = {k: read_frame_file(Path(root) / f, k) for k, f in FRAME_FILES.items()}
    agree = wrapped_sign(frames["unwrapped"], frames["wrapped"])
    big, small = DEFORMATION_WINDOWS["448"], DEFORMATION_WINDOWS["224"]

    def cut(kind, where, **kwargs):
        return north_up_window(frames[kind], *where, kind=kind, **kwargs)

    main, ws = cut("unwrapped", big), agree["sign"]
    cases = [
        ("inversion", main, 2, {}),
        ("inversion, sign -1", cut("unwrapped", big, sign=-1), 2, {}),
        ("inversion, incidence 33", main, 2, {"incidence_deg": 33.0}),
        ("inversion, incidence 44", main, 2, {"incidence_deg": 44.0}),
        ("inversion, heading -10", main, 2, {"heading_deg": -10.0}),
        ("inversion, seed 1", main, 2, {"seed": 1}),
        ("inversion, row 0 taken as north", cut("unwrapped", big, row0_south=False), 2, {}),
        ("inversion, 224 px at 100 m", cut("unwrapped", small), 1, {}),
        ("inversion, wrapped as read, 224 px at 100 m", cut("wrapped", small), 1, {}),
        (
            f"inversion, wrapped, sign {ws:+d}, 224 px at 100 m",
            cut("wrapped", small, sign=ws),
            1,
            {},
        ),
        (f"inversion, wrapped, sign {ws:+d}, 448 px at 200 m", cut("wrapped", big, sign=ws), 2, {}),
    ]
    rows = []
    for label, window, factor, kwargs in cases:
        rows.append(inversion_row(window, factor=factor, label=label, **kwargs))
        say(f"{label}: Mw {rows[-1]['mw']:.2f}, {rows[-1]['seconds']:.1f} s")
    if estimator is not None:
        side = frames["unwrapped"].shape[0]
        views = (("unwrapped", 1, ""), ("wrapped", 1, ", wrapped as read"))
        views += (("wrapped", ws, f", wrapped, sign {ws:+d}"),)
        for kind, sign, suffix in views:
            for name, where in (("224 px", small), ("448 px", big), ("frame", (0, 0, side))):
                label = f"network, {name}{suffix}"
                rows.append(network_row(estimator, cut(kind, where, sign=sign), label=label))
                say(f"{label}: Mw {rows[-1]['mw']:.2f}")
        window = cut("unwrapped", big, sign=-1)
        rows.append(network_row(estimator, window, label="network, 448 px, sign -1"))
    published = published_rows()
    return {
        "frame": FRAME_FILES,
        "dates": FRAME_DATES,
        "assumed": {
            "heading_deg": ASSUMED_HEADING_DEG,
            "incidence_deg": ASSUMED_INCIDENCE_DEG,
            "wavelength_m": DEV_WAVELENGTH_M,
            "row0": "south",
            "positive_los": "range increase (away from the satellite)",
        },
        "wrapped_sign": agree,
        "rows": rows,
        "published": published,
        "table": markdown_table(rows + published),
    }
