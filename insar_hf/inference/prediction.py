"""What the :class:`~insar_hf.inference.detector.Detector` returns: a verdict with its explanation.

:class:`Prediction` is one input's verdict, probabilities, attention maps and boxes;
:class:`ScanResult` is a whole frame's probability map, explanation map and boxes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from insar_hf.inference.boxes import Box
from insar_hf.inference.overlay import draw_overlay
from insar_hf.schema import IMAGE_SIZE

__all__ = ["Prediction", "ScanResult"]


@dataclass
class Prediction:
    """The verdict and its explanation for one input.

    Attributes
    ----------
    label : str
        The verdict: ``"earthquake"`` when ``probability >= decision_threshold`` for a
        calibrated model, else the most probable class (``"no_earthquake"``).
    probability : float
        P(earthquake): ``softmax(logits / T)`` with the checkpoint's temperature (1 without
        ``calibration.json``).
    probabilities : dict[str, float]
        Every class name -> probability (the same tempered softmax).
    head_maps : np.ndarray
        [CLS]-to-patch attention, shape ``(layers, heads, g, g)`` (``g = 14`` for 224 / 16).
    combined_map : np.ndarray
        The explanation map (:data:`insar_hf.inference.explain.MAP_METHODS`) upsampled to the
        model input, shape ``(size, size)``, normalised to [0, 1].
    boxes : list[Box]
        Boxes from ``combined_map`` in pixels of ``image`` (half-open), best first.
    image : PIL.Image.Image
        The RGB model input at ``size x size`` that maps and boxes refer to.
    map_boxes : list[list[float]] or None
        ``boxes`` in map coordinates ``[x_min, y_min, x_max, y_max]`` for georeferenced input.
    source : str or None
        File name or a short description of the input.
    pixel_m : float or None
        Ground spacing of ``image``'s pixels, metres (products only; see
        :class:`insar_hf.inference.inputs.ModelInput`).
    kind : {"wrapped", "unwrapped"} or None
        The phase the input was rendered from (a product's own unless ``kind`` was passed);
        None for images.
    decision_threshold : float
        The threshold on ``probability`` the verdict used (0.5, the argmax, when uncalibrated).
    calibrated : bool
        Whether ``calibration.json`` set the temperature and the threshold.
    """

    label: str
    probability: float
    probabilities: dict[str, float]
    head_maps: np.ndarray
    combined_map: np.ndarray
    boxes: list[Box]
    image: Any
    map_boxes: list[list[float]] | None = None
    source: str | None = None
    kind: str | None = None
    pixel_m: float | None = None
    decision_threshold: float = 0.5
    calibrated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no arrays, no image)."""
        return {
            "source": self.source,
            "kind": self.kind,
            "label": self.label,
            "probability": self.probability,
            "probabilities": dict(self.probabilities),
            "boxes": [{"box": b.as_list(), "score": b.score} for b in self.boxes],
            "map_boxes": self.map_boxes,
        }

    def overlay(self, *, alpha: float = 0.45, scale: int = 1) -> Any:
        """The input with the combined map as a colour overlay and the boxes drawn on it."""
        return draw_overlay(self.image, self.combined_map, self.boxes, alpha=alpha, scale=scale)


@dataclass
class ScanResult:
    """Output of :meth:`Detector.scan` over a frame of shape ``(rows, cols)``.

    Attributes
    ----------
    probability : np.ndarray
        Shape ``(rows, cols)`` float32: mean earthquake probability of the windows covering
        each pixel.
    window_origins : list[tuple[int, int]]
        ``(row, col)`` of each window's top-left pixel.
    window_probabilities : np.ndarray
        Shape ``(n_windows,)``, calibrated P(earthquake) as in :class:`Prediction`; NaN for a
        window with too little data to judge (:func:`insar_hf.inference.inputs.is_judgeable`),
        which ``probability`` leaves out (NaN where no judged window covers a pixel).
    boxes : list[Box]
        Tight boxes around the regions of the frame's explanation map made of the windows at or
        above ``min_probability`` (the detector's decision threshold unless given), in frame
        pixels (half-open), best first; scored by the largest probability x map inside.
    map_boxes : list[list[float]] or None
        ``boxes`` in map coordinates when the frame has a geotransform.
    window : int
        Window side in frame pixels.
    attention : np.ndarray or None
        Shape ``(rows, cols)`` float32: mean over the covering windows of the window's
        probability times its normalised explanation map (NaN where no judged window).
    """

    probability: np.ndarray
    window_origins: list[tuple[int, int]]
    window_probabilities: np.ndarray
    boxes: list[Box]
    map_boxes: list[list[float]] | None = None
    window: int = IMAGE_SIZE
    geotransform: Any = None
    kind: str | None = None  # the phase scanned: a product's own unless ``kind`` was passed
    min_probability: float = 0.5  # windows at or above it gave boxes
    attention: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)
