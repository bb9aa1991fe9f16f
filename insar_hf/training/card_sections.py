"""The model card's results from outside training: the model-index, real events, dev windows.

:mod:`insar_hf.training.card` renders the card; this module holds what it shows of the files
other stages write beside a model, and the ``model-index`` entries they share:

* :data:`REAL_EVENTS_FILE` (``real_events.json``, written by ``insar-hf evaluate-real``): scores
  on a real-event dataset, a ``model-index`` entry and a "Real events" section;
* :data:`DEV_WINDOWS_FILE` (``dev_windows.json``, written by :mod:`insar_hf.real.dev_windows`):
  the model's verdicts on the twelve standard windows of the two real development frames, a
  "Real development windows" section;
* :data:`REAL_NUISANCE_FILE` (``real_nuisance.json``, written by
  :mod:`insar_hf.training.real_nuisance`): false alarms on real earthquake-free interferograms,
  a "Real nuisance" section with the data's credit.

Both files are read as JSON and rendered; a card is never parsed back. The stages that write
them sit above ``training`` (``real``), so the file names and layouts are fixed here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from insar_hf.training.evaluation import SCALAR_KEYS

CARD_METRIC_NAMES = {
    "accuracy": "Accuracy",
    "precision": "Precision (earthquake)",
    "recall": "Recall (earthquake)",
    "f1": "F1 (earthquake)",
    "roc_auc": "ROC-AUC",
}

REAL_EVENTS_FILE = "real_events.json"
"""Scores on real events beside a model, written by :mod:`insar_hf.real.evaluate`.

Layout (the same in every folder)::

    {"dataset": DS, "dataset_id": ID, "split": SPLIT,
     "zero_shot": {"model": DIR, <metrics.json of the synthetic checkpoint on SPLIT>},
     "fine_tuned": {"model": DIR, <metrics.json of the fine-tuned checkpoint on SPLIT>}}

The synthetic checkpoint's folder holds ``zero_shot`` only; the fine-tuned one's holds both (the
comparison). A card shows the score of its own model: ``fine_tuned`` where present (the
``zero_shot`` beside it belongs to the synthetic checkpoint), else ``zero_shot``.
``dataset_id`` names the dataset in the ``model-index``.
"""

REAL_EVENTS_NAME = "real events"
"""Prefix of the ``model-index`` dataset name of real-event scores: ``real events (zero-shot)``."""

REAL_EVENTS_SETTINGS = {"zero_shot": "zero-shot", "fine_tuned": "fine-tuned"}
"""Keys of :data:`REAL_EVENTS_FILE` -> the setting's name in the card."""

DEV_WINDOWS_FILE = "dev_windows.json"
"""A model's verdicts on the standard windows of the real development frames.

Written by :func:`insar_hf.real.dev_windows.evaluate_dev_windows` (``python
benchmarks/dev_windows.py --model DIR --write``). Layout::

    {"windows_file": "real-dev/windows.json",
     "frames": [{"frame": "thessaly_2021", "about": TEXT, "files": [FILE, ...]}, ...],
     "calibrated": BOOL, "temperature": T, "threshold": P,
     "windows": [{"file", "kind", "row", "col", "size", "note", "label",
                  "probability", "verdict"}, ...],
     "summary": {"earthquake": {"flagged": K, "windows": N},
                 "earthquake_free": {"flagged": K, "windows": N}}}

``probability`` is the calibrated P(earthquake) and ``verdict`` the class name the model gives
at ``threshold`` (the argmax when ``calibrated`` is false); ``label`` is 1 where the window
holds earthquake deformation.
"""

SANITY_CHECK = (
    "These two frames are a sanity check, not a target tuned to: no threshold or "
    "hyper-parameter was chosen on them, and the model is judged on other real events, sensors "
    "and look-alike signals."
)
"""What the card says of the development frames (their README's rule)."""


def _read_beside(folder: str | Path, name: str) -> dict[str, Any] | None:
    """The JSON file ``name`` beside a model in ``folder``, or ``None`` where there is none."""
    path = Path(folder) / name
    return json.loads(path.read_text()) if path.is_file() else None


def _write_beside(
    folder: str | Path, name: str, content: Mapping[str, Any], *, allow_nan: bool
) -> Path:
    """Write ``content`` as the JSON file ``name`` in ``folder``; returns its path."""
    path = Path(folder) / name
    path.write_text(json.dumps(content, indent=2, allow_nan=allow_nan) + "\n")
    return path


# --- model-index -------------------------------------------------------------------------------


def dataset_id_of(dataset: str | Path, given: str | None = None) -> str:
    """The name of a dataset in the card: ``given``, a Hub id as it is, or a folder's card name.

    A local path means nothing on the Hub, so a folder is named by the ``pretty_name`` of its
    dataset card (``README.md``, written by ``insar-hf generate`` and ``build-real``), and only
    without one by its last part.
    """
    if given:
        return given
    path = Path(str(dataset))
    if not path.exists():
        return str(dataset)
    from huggingface_hub import DatasetCard

    card = path / "README.md"
    name = DatasetCard.load(card).data.to_dict().get("pretty_name") if card.is_file() else None
    return str(name) if name else path.resolve().name


def is_hub_id(name: str) -> bool:
    """True for a name that can be a Hub repository id (``name`` or ``owner/name``)."""
    return re.fullmatch(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?", name) is not None


def eval_results_for(
    overall: Mapping[str, Any], *, dataset_id: str, dataset_name: str, split: str
) -> list:
    """``model-index`` entries (one ``EvalResult`` per scalar metric) for one dataset split."""
    from huggingface_hub import EvalResult

    return [
        EvalResult(
            task_type="image-classification",
            task_name="Earthquake deformation detection",
            dataset_type=dataset_id,
            dataset_name=dataset_name,
            dataset_split=split,
            metric_type=key,
            metric_name=CARD_METRIC_NAMES[key],
            metric_value=overall[key],
        )
        for key in SCALAR_KEYS
        if overall.get(key) is not None
    ]


# --- real events (insar-hf evaluate-real) -----------------------------------------------------


def read_real_events(folder: str | Path) -> dict[str, Any] | None:
    """``folder``'s :data:`REAL_EVENTS_FILE` content, or ``None`` where there is none."""
    return _read_beside(folder, REAL_EVENTS_FILE)


def write_real_events(folder: str | Path, real_events: Mapping[str, Any]) -> Path:
    """Write ``real_events`` as ``folder``'s :data:`REAL_EVENTS_FILE`; returns its path."""
    return _write_beside(folder, REAL_EVENTS_FILE, real_events, allow_nan=True)


def own_real_events(real_events: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    """``(setting, metrics)`` of the model whose folder holds ``real_events``, or ``None``.

    ``fine_tuned`` where present, else ``zero_shot`` (see :data:`REAL_EVENTS_FILE`); the setting
    is named as in the card (``"fine-tuned"``, ``"zero-shot"``).
    """
    for key in ("fine_tuned", "zero_shot"):
        if real_events.get(key):
            return REAL_EVENTS_SETTINGS[key], real_events[key]
    return None


def with_real_events(
    eval_results: list, real_events: Mapping[str, Any], setting: str, metrics: Mapping[str, Any]
) -> list:
    """``eval_results`` plus the ``real events (<setting>)`` entries of ``metrics``."""
    name = f"{REAL_EVENTS_NAME} ({setting})"
    dataset_id = _real_dataset_id(real_events)
    split = metrics.get("split") or "test"
    # The Hub groups model-index results by dataset type and split, not by name: an entry of the
    # same dataset and split (training's own test score of a fine-tuned model) is replaced.
    kept = [
        r
        for r in eval_results
        if r.dataset_name != name and (r.dataset_type, r.dataset_split) != (dataset_id, split)
    ]
    added = eval_results_for(
        metrics["overall"], dataset_id=dataset_id, dataset_name=name, split=split
    )
    return kept + added


def _real_dataset_id(real_events: Mapping[str, Any]) -> str:
    return real_events.get("dataset_id") or dataset_id_of(real_events["dataset"])


def real_events_section(
    real_events: Mapping[str, Any], setting: str, metrics: Mapping[str, Any]
) -> str:
    """The card's "Real events (<setting>)" section: the model's scores on a real split."""
    overall = metrics["overall"]
    rows = "\n".join(
        f"| {CARD_METRIC_NAMES[k]} | {overall[k]:.4f} |"
        for k in SCALAR_KEYS
        if overall.get(k) is not None
    )
    return (
        f"## Real events ({setting})\n\nScored {setting} on the "
        f"`{metrics.get('split') or 'test'}` split of the real-event dataset "
        f"`{_real_dataset_id(real_events)}` (built with `insar-hf build-real`, splits grouped by "
        f"event; {overall.get('n', '?')} tiles).\n\n| metric | value |\n|---|---|\n{rows}"
    )


# --- real development windows (benchmarks/dev_windows.py --write) -----------------------------


def read_dev_windows(folder: str | Path) -> dict[str, Any] | None:
    """``folder``'s :data:`DEV_WINDOWS_FILE` content, or ``None`` where there is none."""
    return _read_beside(folder, DEV_WINDOWS_FILE)


def write_dev_windows(folder: str | Path, dev_windows: Mapping[str, Any]) -> Path:
    """Write ``dev_windows`` as ``folder``'s :data:`DEV_WINDOWS_FILE`; returns its path."""
    return _write_beside(folder, DEV_WINDOWS_FILE, dev_windows, allow_nan=False)


def dev_windows_section(dev_windows: Mapping[str, Any]) -> str:
    """The card's "Real development windows" section from :data:`DEV_WINDOWS_FILE` content."""
    frames = "\n".join(
        f"- `{f['frame']}`: {f['about']} (files: {', '.join(f'`{n}`' for n in f['files'])})"
        for f in dev_windows["frames"]
    )
    if dev_windows.get("calibrated"):
        rule = (
            f"at the shipped threshold {dev_windows['threshold']:.3f} on the calibrated "
            f"P(earthquake) (temperature {dev_windows['temperature']:.3f})"
        )
    else:
        rule = "by the argmax (the checkpoint has no `calibration.json`: P(earthquake) >= 0.5)"
    quake, free = dev_windows["summary"]["earthquake"], dev_windows["summary"]["earthquake_free"]
    rows = ["| file | kind | row, col | size | note | label | P(earthquake) | verdict |"]
    rows.append("|---|---|---|---|---|---|---|---|")
    for w in dev_windows["windows"]:
        rows.append(
            f"| `{w['file']}` | {w['kind']} | {w['row']}, {w['col']} | {w['size']} | "
            f"{w['note']} | {w['label']} | {w['probability']:.3f} | {w['verdict']} |"
        )
    return (
        "## Real development windows\n\n"
        f"{SANITY_CHECK} Two real Sentinel-1 interferograms:\n\n{frames}\n\n"
        f"The twelve standard windows of `{dev_windows['windows_file']}` (array[row:row+size, "
        "col:col+size] of each file's phase; label 1 = earthquake deformation in the window; "
        "windows over 224 px are area-averaged to 224 by the one rendering function), each "
        f"judged {rule}: **{quake['flagged']} of {quake['windows']} earthquake windows and "
        f"{free['flagged']} of {free['windows']} earthquake-free windows flagged.**\n\n"
        + "\n".join(rows)
        + "\n\nRegenerate with `python benchmarks/dev_windows.py --model DIR --write`."
    )


# --- real nuisance ------------------------------------------------------------------------------

REAL_NUISANCE_FILE = "real_nuisance.json"
"""A model against real nuisance (issue 21), written by
:func:`insar_hf.training.real_nuisance.measure_real_nuisance` (training with
``--real_backgrounds``; ``benchmarks/bench_real_backgrounds.py``). Layout::

    {"bank": {"digest", "files", "split_fractions", "phase8_pixel_m",
              "train" | "validation" | "test": {"files", "groups", "volcanoes"}},
     "earthquake_scenes": {"per_split", "seed", ...},
     "validation" | "test": {"split", "threshold", "backgrounds", "false_alarm_rate",
                             "flagged_at_0.5", "median_p", "earthquakes", "detection_rate",
                             "detection_by_mw": [{"mw": [lo, hi], "n", "detection_rate"}],
                             "roc_auc"},
     "comparison": [{"model", "setting", ...}]   (optional: models measured alike)}
"""


def read_real_nuisance(folder: str | Path) -> dict[str, Any] | None:
    """``folder``'s :data:`REAL_NUISANCE_FILE` content, or ``None`` where there is none."""
    return _read_beside(folder, REAL_NUISANCE_FILE)


def write_real_nuisance(folder: str | Path, real_nuisance: Mapping[str, Any]) -> Path:
    """Write ``real_nuisance`` as ``folder``'s :data:`REAL_NUISANCE_FILE`; returns its path."""
    return _write_beside(folder, REAL_NUISANCE_FILE, real_nuisance, allow_nan=False)


def _rate(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def real_nuisance_section(real_nuisance: Mapping[str, Any], credit: str) -> str:
    """The card's "Real nuisance" section from :data:`REAL_NUISANCE_FILE` content."""
    bank = real_nuisance["bank"]
    rows = [
        "| volcanoes | files | false alarms at the threshold | flagged at P >= 0.5 | median P | "
        "synthetic earthquakes on them | detected at the threshold | ROC-AUC, earthquakes vs "
        "backgrounds |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for split, what in (("validation", "validation (threshold set here)"), ("test", "test")):
        r = real_nuisance[split]
        rows.append(
            f"| {what}: {bank[split]['volcanoes']} volcanoes | {r['backgrounds']} | "
            f"{_rate(r['false_alarm_rate'])} | {_rate(r['flagged_at_0.5'])} | "
            f"{r['median_p']:.3f} | {r.get('earthquakes', 0)} | "
            f"{_rate(r.get('detection_rate'))} | {_rate(r.get('roc_auc'))} |"
        )
    bins = [b["mw"] for b in real_nuisance["validation"].get("detection_by_mw", [])]
    mw_rows = []
    if bins:
        mw_rows = [
            "| Mw | " + " | ".join(f"{lo}-{hi}" for lo, hi in bins) + " |",
            "|---|" + "---|" * len(bins),
        ]
        for split in ("validation", "test"):
            cells = [
                f"{_rate(b['detection_rate'])} ({b['n']})"
                for b in real_nuisance[split]["detection_by_mw"]
            ]
            mw_rows.append(f"| {split} | " + " | ".join(cells) + " |")
    text = (
        "## Real nuisance: real earthquake-free interferograms\n\n"
        f"Measured on {bank['files']:,} real earthquake-free wrapped interferograms of a bank "
        f"(digest `{bank['digest'][:16]}`) split by volcano: the decision threshold is the one "
        "for at most 5 % false alarms on the raw interferograms of the **validation volcanoes**; "
        "the **test volcanoes** were used for nothing else. Synthetic earthquakes drawn on the "
        "same volcanoes' backgrounds (`insar_hf.simulate.background`) measure detection, and "
        "their ROC-AUC against the raw backgrounds how well the model ranks an earthquake above "
        "real nuisance. Real earthquakes are not in this table (see the real events and "
        "development windows). The backgrounds are wrapped products, and no wrapped background "
        "can honestly give an unwrapped one: **the unwrapped path stays synthetic-only** (the "
        "evaluation's unwrapped rows and the unwrapped development windows report it apart)."
        "\n\n" + "\n".join(rows)
    )
    if mw_rows:
        text += "\n\nDetection at the threshold by magnitude (scenes):\n\n" + "\n".join(mw_rows)
    comparison = real_nuisance.get("comparison")
    if comparison:
        keys = [k for k in comparison[0] if k != "model"]
        table = ["| model | " + " | ".join(keys) + " |", "|---|" + "---|" * len(keys)]
        for row in comparison:
            cells = [
                f"{row[k]:.3f}" if isinstance(row.get(k), float) else str(row.get(k, ""))
                for k in keys
            ]
            table.append(f"| {row['model']} | " + " | ".join(cells) + " |")
        text += (
            "\n\nModels trained alike and measured alike (`benchmarks/bench_real_backgrounds.py`)"
            ":\n\n" + "\n".join(table)
        )
    return text + f"\n\n{credit}"
