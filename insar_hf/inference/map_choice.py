"""The explanation map and box threshold a model uses by default, chosen on validation.

``benchmarks/bench_localisation.py --write MODEL_DIR`` compares every map of
:data:`insar_hf.inference.explain.MAP_METHODS` on the validation split, picks the method and the
relative box threshold that localise best there, and saves them beside the weights as
:data:`LOCALISATION_FILE`; :class:`~insar_hf.inference.detector.Detector` reads it (a model
without it uses :data:`~insar_hf.inference.explain.DEFAULT_MAP_METHOD` and
:data:`DEFAULT_BOX_THRESHOLD`).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from insar_hf.inference.explain import DEFAULT_MAP_METHOD, MAP_METHODS

LOCALISATION_FILE = "localisation.json"
DEFAULT_BOX_THRESHOLD = 0.5

__all__ = [
    "DEFAULT_BOX_THRESHOLD",
    "LOCALISATION_FILE",
    "MapChoice",
    "load_map_choice",
    "save_map_choice",
]


@dataclass(frozen=True)
class MapChoice:
    """The default map method and relative box threshold of one model.

    Attributes
    ----------
    method
        One of :data:`~insar_hf.inference.explain.MAP_METHODS`.
    box_threshold
        Relative level in (0, 1] of :func:`insar_hf.inference.boxes.boxes_from_map` for
        ``method``.
    box_thresholds
        The validation-chosen level of every method compared (``box_threshold`` is
        ``box_thresholds[method]`` when present).
    chosen_on
        What the choice was measured on (e.g. ``"validation: 500 earthquake scenes"``).
    scores
        The validation figures behind the choice.
    """

    method: str = DEFAULT_MAP_METHOD
    box_threshold: float = DEFAULT_BOX_THRESHOLD
    box_thresholds: dict[str, float] = field(default_factory=dict)
    chosen_on: str = "default"
    scores: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.method not in MAP_METHODS:
            raise ValueError(f"method must be one of {MAP_METHODS}; got {self.method!r}")
        levels = {self.method: self.box_threshold, **self.box_thresholds}
        for name, level in levels.items():
            if name not in MAP_METHODS:
                raise ValueError(f"method must be one of {MAP_METHODS}; got {name!r}")
            if not 0.0 < level <= 1.0:
                raise ValueError(f"box_threshold of {name} must lie in (0, 1]; got {level}")

    def level(self, method: str | None = None) -> float:
        """The box level of ``method`` (default: the chosen method)."""
        method = method or self.method
        if method == self.method:
            return self.box_threshold
        return self.box_thresholds.get(method, DEFAULT_BOX_THRESHOLD)


def save_map_choice(choice: MapChoice, folder: str | os.PathLike) -> Path:
    """Write ``choice`` as ``folder/localisation.json``; returns the path."""
    path = Path(folder) / LOCALISATION_FILE
    path.write_text(json.dumps(asdict(choice), indent=2) + "\n")
    return path


def load_map_choice(folder: str | os.PathLike) -> MapChoice:
    """The choice saved in a local model folder; the defaults when there is none (or a Hub id).

    A file that is not a valid choice raises ``ValueError`` naming it.
    """
    path = Path(folder) / LOCALISATION_FILE
    if not path.is_file():
        return MapChoice()
    try:
        data = json.loads(path.read_text())
        return MapChoice(
            method=data["method"],
            box_threshold=float(data["box_threshold"]),
            box_thresholds={k: float(v) for k, v in data.get("box_thresholds", {}).items()},
            chosen_on=str(data.get("chosen_on", "")),
            scores=dict(data.get("scores", {})),
        )
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f"{path} is not a valid localisation choice: {err}") from err
