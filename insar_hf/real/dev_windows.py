"""What a model says on the standard windows of the real development frames (``dev_windows.json``).

``../shared/real-dev/`` holds two real Sentinel-1 interferograms (Thessaly 2021, an earthquake;
Galapagos 2017, volcanic deformation and no earthquake) and ``windows.json``, twelve fixed
windows of them (4 with the earthquake's deformation, 8 without), so that every report of what
the dev frames say uses the same crops. A window is ``file[row:row+size, col:col+size]``, rows
and columns of the file as stored, and every frame is read by the package's own reader
(:func:`insar_hf.products.read_product`), as ``insar-hf predict`` and ``Detector.scan`` read it:

* the binary frames (``greece.diff``, ``greece.unw`` with ``greece.par``) store their south row
  first (``y_spacing: 100`` with ``corner_y: -40000`` the south edge): the reader turns them
  north-up, so a window is the file's pixels north-up (rows ``801 - row - size`` to
  ``801 - row`` of the reader's arrays, :meth:`insar_hf.products.Interferogram.array_window`);
  the unwrapped file's LOS metres become phase with Sentinel-1's wavelength, and the wrapped
  file's exact zeros are no data (:mod:`insar_hf.products.binary`);
* the GeoTIFF is a COMET-LiCSAR wrapped phase file: exact 0 = no data, and its phase (positive =
  range increase) is negated into insar_hf's sign (:mod:`insar_hf.products.licsar`).

:func:`evaluate_dev_windows` runs a :class:`~insar_hf.inference.detector.Detector` on each window
(its calibrated probability and its verdict at the checkpoint's threshold) and returns the
content of :data:`~insar_hf.training.card_sections.DEV_WINDOWS_FILE`, which the model card renders
as "Real development windows". The two frames are a sanity check, never a target to tune a
threshold or a hyper-parameter to.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from insar_hf.inference.detector import Detector
from insar_hf.inference.inputs import InputError
from insar_hf.products import Interferogram, ProductError, read_product
from insar_hf.schema import KIND_NAMES, POSITIVE_LABEL

WINDOWS_FILE = "windows.json"
"""The standard windows of a dev folder (``../shared/real-dev/windows.json``)."""

DEV_WAVELENGTH_M = 0.055466
"""Sentinel-1 C band as ``windows.json`` states it (5.5466 cm), for the Thessaly inversions of
:mod:`insar_hf.real.source_check` (the reader turns LOS metres into phase with
:data:`insar_hf.physics.los.SENSORS`' 5.5465763 cm, 4e-6 apart)."""

WINDOW_KEYS = ("file", "kind", "row", "col", "size", "label")

FRAME_ABOUT = {
    "thessaly_2021": "Thessaly (Greece) earthquake of 2021-03-03, Mw 6.3, normal faulting; "
    "COMET-LiCSAR, Sentinel-1 track 102A (ascending), resampled to a 100 m grid",
    "galapagos_2017": "Isabela island (Galapagos), 2017-03-20 to 2017-04-13: the Cerro Azul "
    "intrusion and Sierra Negra's inflation, no earthquake deformation; COMET-LiCSAR wrapped "
    "phase, about 111 m",
}
"""What each frame folder of ``../shared/real-dev`` holds (its README); others go by name."""


class DevWindowsError(ValueError):
    """A ``windows.json`` or a frame it names that is missing or not as ``windows.json`` says."""


@dataclass(frozen=True)
class DevWindow:
    """One standard window: ``phase(file)[row:row+size, col:col+size]``.

    ``label`` is 1 where the window holds earthquake deformation; ``note`` says what it shows.
    """

    file: str
    kind: str
    row: int
    col: int
    size: int
    label: int
    note: str = ""


def read_windows(root: str | Path) -> list[DevWindow]:
    """The windows of ``root/windows.json``, checked; :class:`DevWindowsError` says what is wrong."""
    path = Path(root) / WINDOWS_FILE
    if not path.is_file():
        raise DevWindowsError(
            f"{path} not found; pass the real-dev folder that holds {WINDOWS_FILE} "
            "(../shared/real-dev)"
        )
    try:
        entries = json.loads(path.read_text())["windows"]
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        raise DevWindowsError(
            f"{path}: not a windows file ({type(err).__name__}: {err}); expected "
            '{"windows": [{"file", "kind", "row", "col", "size", "label", "note"}, ...]}'
        ) from None
    return [_window(entry, i, path) for i, entry in enumerate(entries)]


def _window(entry: Any, index: int, path: Path) -> DevWindow:
    missing = [k for k in WINDOW_KEYS if not isinstance(entry, dict) or k not in entry]
    if missing:
        raise DevWindowsError(f"{path}: window {index} lacks {', '.join(missing)}")
    numbers = {k: entry[k] for k in ("row", "col", "size", "label")}
    wrong = [k for k, v in numbers.items() if isinstance(v, bool) or not isinstance(v, int)]
    if wrong:
        raise DevWindowsError(f"{path}: window {index} has non-integer {', '.join(wrong)}")
    window = DevWindow(**{k: entry[k] for k in WINDOW_KEYS}, note=str(entry.get("note", "")))
    if window.kind not in KIND_NAMES:
        raise DevWindowsError(
            f"{path}: window {index} has kind {window.kind!r}; expected one of {KIND_NAMES}"
        )
    if window.label not in (0, 1):
        raise DevWindowsError(f"{path}: window {index} has label {window.label!r}; expected 0 or 1")
    if min(window.row, window.col) < 0 or window.size < 1:
        raise DevWindowsError(
            f"{path}: window {index} has row {window.row}, col {window.col}, size {window.size}; "
            "row and col must be >= 0 and size >= 1"
        )
    return window


def read_dev_frame(path: str | Path, kind: str) -> Interferogram:
    """A whole dev frame, read by :func:`insar_hf.products.read_product` (module docstring).

    A missing or unreadable file raises :class:`DevWindowsError` naming it.
    """
    path = Path(path)
    if not path.is_file():
        raise DevWindowsError(
            f"{path} not found; {WINDOWS_FILE} names it: restore the real-dev folder"
        )
    try:
        return read_product(path, kind=kind)
    except ProductError as err:
        raise DevWindowsError(f"{path.name}: {err}") from None


def cut_window(frame: Interferogram, window: DevWindow) -> np.ndarray:
    """The window's phase (radians, NaN = no data, north-up): the file's pixels
    ``[row:row+size, col:col+size]``; a window past the frame's edge is an error."""
    r, c, n = window.row, window.col, window.size
    if r + n > frame.shape[0] or c + n > frame.shape[1]:
        raise DevWindowsError(
            f"window {window.file} [{r}:{r + n}, {c}:{c + n}] lies outside the frame of shape "
            f"{frame.shape}; fix {WINDOWS_FILE}"
        )
    row, col = frame.array_window(r, c, n)
    return np.asarray(frame.field_rad(window.kind)[row : row + n, col : col + n], dtype=np.float32)


def read_window_arrays(root: str | Path, windows: list[DevWindow]) -> list[np.ndarray]:
    """Each window's phase (radians, NaN = no data, north-up), every frame read once."""
    frames: dict[tuple[str, str], Interferogram] = {}
    arrays = []
    for w in windows:
        key = (w.file, w.kind)
        if key not in frames:
            frames[key] = read_dev_frame(Path(root) / w.file, w.kind)
        arrays.append(cut_window(frames[key], w))
    return arrays


def score_windows(
    detector: Detector, windows: list[DevWindow], arrays: list[np.ndarray]
) -> list[dict[str, Any]]:
    """Each window's fields plus the detector's ``probability`` and ``verdict`` (a class name)."""
    scored = []
    for w, phase in zip(windows, arrays):
        try:
            prediction = detector.predict(phase, kind=w.kind)
        except InputError as err:
            raise DevWindowsError(f"window {w.file} ({w.note}): {err}") from None
        scored.append(
            {**asdict(w), "probability": prediction.probability, "verdict": prediction.label}
        )
    return scored


def summarise(scored: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """Windows flagged (verdict ``earthquake``) among the earthquake and earthquake-free ones."""
    out = {}
    for name, label in (("earthquake", 1), ("earthquake_free", 0)):
        group = [w for w in scored if w["label"] == label]
        flagged = sum(w["verdict"] == POSITIVE_LABEL for w in group)
        out[name] = {"flagged": int(flagged), "windows": len(group)}
    return out


def frames_of(windows: list[DevWindow]) -> list[dict[str, Any]]:
    """The frame folders the windows come from, in order, with what each holds."""
    frames: dict[str, list[str]] = {}
    for w in windows:
        parts = Path(w.file).parts
        files = frames.setdefault(parts[0] if len(parts) > 1 else w.file, [])
        if w.file not in files:
            files.append(w.file)
    return [
        {"frame": name, "about": FRAME_ABOUT.get(name, name), "files": files}
        for name, files in frames.items()
    ]


def evaluate_dev_windows(detector: Detector, root: str | Path) -> dict[str, Any]:
    """``dev_windows.json`` content: ``detector``'s verdicts on the windows of ``root``.

    Parameters
    ----------
    detector
        The model, with its calibration (temperature and decision threshold) where it has one.
    root
        The dev folder: ``windows.json`` and the frames it names (``../shared/real-dev``).

    Returns
    -------
    dict
        Layout of :data:`insar_hf.training.card_sections.DEV_WINDOWS_FILE`: the frames, the
        threshold, each window with its probability and verdict, and the flagged counts.
    """
    root = Path(root)
    windows = read_windows(root)
    scored = score_windows(detector, windows, read_window_arrays(root, windows))
    return {
        "windows_file": f"{root.resolve().name}/{WINDOWS_FILE}",
        "frames": frames_of(windows),
        "calibrated": detector.calibration is not None,
        "temperature": float(detector.temperature),
        "threshold": float(detector.decision_threshold),
        "windows": scored,
        "summary": summarise(scored),
    }
