"""Does the map point at the deformation? Every explanation method scored against ground truth.

Measured on the earthquake scenes (label 1) of a split, against the generator's
``deformation_mask`` (pixels with at least a quarter fringe of earthquake phase) and
``deformation_bbox``, for every method of :data:`insar_hf.inference.explain.MAP_METHODS` and a
random map, on the same scenes in the same run:

* **pointing game** (Zhang et al. 2016, "Top-down neural attention by excitation backprop",
  ECCV; here without their 15-pixel tolerance): the fraction of scenes whose map maximum falls
  inside the mask; a random point scores the mask's area fraction (``mask_area_fraction``);
* **mass in mask**: the mean fraction of the (min-max normalised) map's total inside the mask;
* **top-box IoU**: intersection over union of the highest-scoring box of
  :func:`insar_hf.inference.boxes.boxes_from_map` with the true box (0 when no box is found),
  its mean and the fraction with IoU >= 0.5;
* **box centre hit**: the pointing game of the top box's centre pixel (does the box an analyst
  is shown sit on the deformation?);
* **top-box area**: the mean fraction of the image the top box covers, and the fraction of top
  boxes over half of the image (:data:`~insar_hf.inference.boxes.MAX_BOX_FRACTION`);
* **tight IoU**: the top box's IoU minus its area outside the true box (as a fraction of the
  image), the criterion of :func:`choose_box_threshold`: IoU alone rewards boxes that cover
  everything, since deformation boxes are large and a box over the whole image overlaps them;
* **recall at IoU >= 0.3 / 0.5**: the fraction of scenes where *any* of the (at most five) boxes
  overlaps the true box that well;
* **seconds per image** of making the map (forward pass included).

Each method's boxes use its relative threshold chosen on the validation split
(:func:`choose_box_threshold`, saved in ``localisation.json`` by
``benchmarks/bench_localisation.py``); the whole-image box is reported as a second baseline.

:func:`localisation_metrics` is the extra-metrics hook of :mod:`insar_hf.training.evaluation`, so
``insar-hf evaluate`` writes the result under ``"attention"`` in ``metrics.json``.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from insar_hf.inference.attention import normalise_map, upsample_map
from insar_hf.inference.boxes import box_iou, boxes_from_map, tight_iou
from insar_hf.inference.detector import Detector
from insar_hf.inference.explain import MAP_METHODS
from insar_hf.inference.map_choice import DEFAULT_BOX_THRESHOLD, MapChoice, load_map_choice
from insar_hf.model.presets import build_image_processor

BOX_THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)
"""Candidate relative box levels tried by :func:`choose_box_threshold`."""
MAX_SECONDS_PER_IMAGE = 0.25
"""Slowest map :func:`choose_map` may make the default: a 4000 x 4000 scan has ~1,200 windows."""
FAST_METHODS = tuple(m for m in MAP_METHODS if m != "occlusion")
"""The maps that need at most one forward and one backward pass."""
__all__ = [
    "BOX_THRESHOLDS",
    "FAST_METHODS",
    "MAX_SECONDS_PER_IMAGE",
    "choose_box_threshold",
    "choose_map",
    "earthquake_scenes",
    "localisation_metrics",
    "localisation_scores",
    "mask_stack",
    "method_maps",
    "random_maps",
    "score_maps",
    "top_box_scores",
]


def mask_stack(masks: Sequence[Any], size: int) -> np.ndarray:
    """Deformation masks (PIL "L" 0/255 or arrays) as one bool ``(N, size, size)`` stack."""
    from PIL import Image

    arrays = []
    for m in masks:
        if isinstance(m, Image.Image) and m.size != (size, size):
            m = m.resize((size, size), Image.Resampling.NEAREST)
        arrays.append(np.asarray(m) > 0)
    return np.stack(arrays)  # (N, S, S) bool


def top_box_scores(box: Sequence[int] | None, mask: np.ndarray, truth: Sequence[int]) -> dict:
    """IoU, centre hit, area fraction and :func:`~insar_hf.inference.boxes.tight_iou` of a
    scene's top box (None: no box).

    ``mask`` is the scene's deformation mask ``(rows, cols)`` and ``truth`` its true box; the
    box's centre pixel is ``((y_min + y_max - 1) // 2, (x_min + x_max - 1) // 2)``, inside the
    half-open box.
    """
    if box is None:
        return {"iou": 0.0, "centre_hit": 0.0, "area": 0.0, "tight_iou": 0.0}
    x0, y0, x1, y1 = (int(v) for v in box[:4])
    return {
        "iou": box_iou([x0, y0, x1, y1], list(truth)),
        "centre_hit": float(mask[(y0 + y1 - 1) // 2, (x0 + x1 - 1) // 2]),
        "area": max(0, x1 - x0) * max(0, y1 - y0) / mask.size,
        "tight_iou": tight_iou(box, truth, mask.size),
    }


def score_maps(
    maps: np.ndarray, masks: np.ndarray, bboxes: np.ndarray, *, threshold: float = 0.5
) -> dict[str, float]:
    """Pointing game, mass in mask, top-box IoU, centre hit, area and recall against the truth.

    Parameters
    ----------
    maps
        Shape ``(N, rows, cols)``, any non-negative scores (normalised per map here).
    masks
        Shape ``(N, rows, cols)``, bool, True on the deformation.
    bboxes
        Shape ``(N, 4)``, true boxes ``[x_min, y_min, x_max, y_max]`` (half-open pixels).
    threshold
        Relative box threshold for :func:`insar_hf.inference.boxes.boxes_from_map`.

    Returns
    -------
    dict
        ``pointing_game``, ``mass_in_mask``, ``iou_top_box``, ``iou_at_0_5`` (fraction of top
        boxes with IoU >= 0.5), ``box_centre_hit``, ``top_box_area`` (mean fraction of the
        image), ``top_box_over_half`` (fraction of top boxes over half of the image),
        ``tight_iou`` (:func:`top_box_scores`), ``recall_at_0_3`` and ``recall_at_0_5`` (any
        box), each a mean over the N scenes.
    """
    maps = np.asarray(maps, dtype=np.float32)
    masks = np.asarray(masks, dtype=bool)
    if maps.shape != masks.shape or maps.ndim != 3:
        raise ValueError(
            f"maps and masks must both have shape (N, rows, cols); got {maps.shape} and "
            f"{masks.shape}"
        )
    if len(bboxes) != len(maps):
        raise ValueError(f"{len(bboxes)} boxes for {len(maps)} maps")
    if len(maps) == 0:
        raise ValueError("no scene to score: the split has no earthquake with a deformation mask")
    flat = maps.reshape(len(maps), -1)
    peaks = flat.argmax(axis=1)  # (N,) first maximum
    hits = masks.reshape(len(masks), -1)[np.arange(len(maps)), peaks]
    norm = normalise_map(maps)  # (N, rows, cols) in [0, 1]
    total = norm.sum(axis=(1, 2))
    inside = (norm * masks).sum(axis=(1, 2))
    mass = np.where(total > 0, inside / np.where(total > 0, total, 1.0), 0.0)
    top, best = [], []
    for heat, mask, true_box in zip(maps, masks, bboxes):
        boxes = boxes_from_map(heat, threshold=threshold)
        top.append(top_box_scores(boxes[0].as_list() if boxes else None, mask, true_box))
        best.append(max((box_iou(b, list(true_box)) for b in boxes), default=0.0))
    column = {key: np.asarray([t[key] for t in top]) for key in top[0]}
    best = np.asarray(best)
    return {
        "pointing_game": float(hits.mean()),
        "mass_in_mask": float(mass.mean()),
        "iou_top_box": float(column["iou"].mean()),
        "iou_at_0_5": float((column["iou"] >= 0.5).mean()),
        "box_centre_hit": float(column["centre_hit"].mean()),
        "top_box_area": float(column["area"].mean()),
        "top_box_over_half": float((column["area"] > 0.5).mean()),
        "tight_iou": float(column["tight_iou"].mean()),
        "recall_at_0_3": float((best >= 0.3).mean()),
        "recall_at_0_5": float((best >= 0.5).mean()),
    }


def choose_box_threshold(
    maps: np.ndarray, bboxes: np.ndarray, candidates: Iterable[float] = BOX_THRESHOLDS
) -> tuple[float, float]:
    """The relative box level with the highest mean tight IoU of the top box, and that value.

    A level chosen for IoU alone drifts to the lowest candidate, whose regions cover the whole
    image (deformation boxes are large: a box over everything overlaps them); tight IoU
    (:func:`~insar_hf.inference.boxes.tight_iou`) also counts the area a box claims beyond the
    truth. Meant for the validation split; ties go to
    the lower level.
    """
    best = (DEFAULT_BOX_THRESHOLD, -np.inf)
    for level in candidates:
        values = []
        for heat, true_box in zip(maps, bboxes):
            boxes = boxes_from_map(heat, threshold=level, max_boxes=1)
            values.append(tight_iou(boxes[0].as_list(), true_box, heat.size) if boxes else 0.0)
        mean = float(np.mean(values)) if values else 0.0
        if mean > best[1]:
            best = (float(level), mean)
    return best


def random_maps(n: int, grid: int, size: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` maps ``(n, size, size)`` of uniform noise on a ``grid x grid`` patch grid, upsampled."""
    return normalise_map(upsample_map(rng.random((n, grid, grid), dtype=np.float32), size))


def method_maps(
    detector: Detector, images: Sequence[Any], method: str, *, batch_size: int = 32, seed: int = 0
) -> tuple[np.ndarray, float]:
    """Maps ``(N, S, S)`` in [0, 1] of one method (or ``"random"``) and the seconds per image.

    ``"random"`` is uniform noise on the patch grid, upsampled like the others (seeded).
    """
    size = detector.image_size
    if method == "random":
        grid = size // detector.model.config.patch_size
        return random_maps(len(images), grid, size, np.random.default_rng(seed)), 0.0
    settings = detector.settings(method)
    start = time.perf_counter()
    maps = []
    for first in range(0, len(images), batch_size):
        chunk = [im.convert("RGB") for im in images[first : first + batch_size]]
        maps.append(detector.explain(chunk, settings)[2])
    seconds = (time.perf_counter() - start) / max(1, len(images))
    return np.concatenate(maps), seconds


def choose_map(
    detector: Detector,
    images: Sequence[Any],
    masks: Sequence[Any],
    bboxes: Sequence[Sequence[int]],
    *,
    methods: Sequence[str] = MAP_METHODS,
    max_seconds: float = MAX_SECONDS_PER_IMAGE,
    report: Any = None,
) -> tuple[MapChoice, dict[str, dict[str, float]]]:
    """Each method's box level and the default method, chosen on (validation) earthquake scenes.

    Every method of ``methods`` and the random map get the level of
    :func:`choose_box_threshold`; among the methods at most ``max_seconds`` per image (all of
    them when none is that fast), the one with the highest pointing game + top-box IoU becomes
    :attr:`MapChoice.method`.
    ``report(method, scores)`` is called after each method (e.g. to print progress).

    Returns
    -------
    (MapChoice, dict)
        The choice, and every map's validation scores (``"random"`` included, with its level
        under ``box_threshold``).
    """
    truth = mask_stack(masks, detector.image_size)
    boxes = np.asarray(bboxes, dtype=np.int64).reshape(-1, 4)
    if len(boxes) == 0:
        raise ValueError("no earthquake scene to choose the map on")
    scores: dict[str, dict[str, float]] = {}
    for method in (*methods, "random"):
        maps, seconds = method_maps(detector, images, method)
        level, _ = choose_box_threshold(maps, boxes)
        scores[method] = score_maps(maps, truth, boxes, threshold=level)
        scores[method] |= {"box_threshold": level, "seconds_per_image": seconds}
        if report is not None:
            report(method, scores[method])
    # a large model on a slow machine: every map is slow, so the time limit decides nothing
    fast = [m for m in methods if scores[m]["seconds_per_image"] <= max_seconds] or list(methods)
    best = max(fast, key=lambda m: scores[m]["pointing_game"] + scores[m]["iou_top_box"])
    choice = MapChoice(
        method=best,
        box_threshold=scores[best]["box_threshold"],
        box_thresholds={m: scores[m]["box_threshold"] for m in methods},
        chosen_on=f"{len(boxes)} earthquake scenes: the highest pointing game + top-box IoU "
        f"among the maps of at most {max_seconds} s per image",
        scores={m: {k: round(v, 4) for k, v in s.items()} for m, s in scores.items()},
    )
    return choice, scores


def localisation_scores(
    detector: Detector,
    images: Sequence[Any],
    masks: Sequence[Any],
    bboxes: Sequence[Sequence[int]],
    *,
    methods: Sequence[str] = MAP_METHODS,
    thresholds: Mapping[str, float] | None = None,
    batch_size: int = 32,
    seed: int = 0,
) -> dict[str, Any]:
    """Score every method's maps and a random map of ``detector`` on earthquake scenes.

    Parameters
    ----------
    detector
        A :class:`insar_hf.inference.detector.Detector`.
    images, masks, bboxes
        Rendered interferograms (PIL), deformation masks (PIL "L" or bool arrays) and true boxes
        ``[x_min, y_min, x_max, y_max]``.
    methods
        Methods of :data:`~insar_hf.inference.explain.MAP_METHODS` to compare.
    thresholds
        Relative box level per method (default: the detector's validation choice,
        :meth:`~insar_hf.inference.map_choice.MapChoice.level`; :data:`DEFAULT_BOX_THRESHOLD` for a
        method without one).
    batch_size, seed
        Forward batch and random-map seed.

    Returns
    -------
    dict
        ``{"n", "mask_area_fraction", "whole_image_iou", <method>: {...}, "random": {...},
        "settings": {...}}``; each method entry has the keys of :func:`score_maps` plus
        ``box_threshold`` and ``seconds_per_image``.
    """
    unknown = [m for m in methods if m not in MAP_METHODS]
    if unknown:
        raise ValueError(f"unknown map methods {unknown}; choose from {MAP_METHODS}")
    size = detector.image_size
    truth = mask_stack(masks, size)
    boxes = np.asarray(bboxes, dtype=np.int64).reshape(-1, 4)
    choice = detector.map_choice
    chosen = {m: choice.level(m) for m in methods} if thresholds is None else dict(thresholds)
    whole = [box_iou([0, 0, size, size], list(b)) for b in boxes]
    result: dict[str, Any] = {
        "n": len(images),
        "mask_area_fraction": float(truth.mean()),
        "whole_image_iou": float(np.mean(whole)) if whole else 0.0,
    }
    for method in (*methods, "random"):
        maps, seconds = method_maps(detector, images, method, batch_size=batch_size, seed=seed)
        level = float(chosen.get(method, DEFAULT_BOX_THRESHOLD))  # "random": its own level too
        result[method] = score_maps(maps, truth, boxes, threshold=level)
        result[method] |= {"box_threshold": level, "seconds_per_image": seconds}
    result["settings"] = {
        "methods": list(methods),
        "seed": seed,
        "default": detector.map_choice.method,
    }
    return result


def earthquake_scenes(dataset: Any, max_samples: int | None = None) -> Any:
    """The first ``max_samples`` earthquake scenes with a non-empty box of a ``datasets`` split.

    Returns the selected split, or a string saying why there is none (missing columns, no such
    scene).
    """
    columns = set(getattr(dataset, "column_names", None) or [])
    needed = {"image", "label", "deformation_mask", "deformation_bbox"}
    if not needed <= columns:
        return f"the split lacks the columns {sorted(needed - columns)}"
    positives = [
        i
        for i, (label, box) in enumerate(zip(dataset["label"], dataset["deformation_bbox"]))
        if int(label) == 1 and box[2] > box[0] and box[3] > box[1]
    ]
    if max_samples is not None:
        positives = positives[:max_samples]
    if not positives:
        return "no earthquake scene with a deformation mask in the split"
    return dataset.select(positives)


def localisation_metrics(
    context: Any, *, max_samples: int | None = 256, methods: Sequence[str] = MAP_METHODS
) -> dict[str, Any]:
    """Extra-metrics hook of :func:`insar_hf.training.evaluation.evaluate_model`.

    ``context`` is an :class:`insar_hf.training.evaluation.ExtraMetricsContext`; its dataset needs
    the ``image``, ``label``, ``deformation_mask`` and ``deformation_bbox`` columns. Scores the first
    ``max_samples`` earthquake scenes with a non-empty mask (``None``: all) with every method;
    the box levels are the model folder's validation choice when ``context.model_dir`` has one.
    ``methods``: the maps to score (default all of them).
    Returns ``{"skipped": reason}`` when the split has no such scene or lacks the columns.
    """
    subset = earthquake_scenes(context.dataset, max_samples)
    if isinstance(subset, str):
        return {"skipped": subset}
    device = str(next(context.model.parameters()).device)
    model_dir = getattr(context, "model_dir", None)
    choice = load_map_choice(model_dir) if model_dir else None
    detector = Detector(context.model, build_image_processor(), device=device, map_choice=choice)
    return localisation_scores(
        detector,
        subset["image"],
        subset["deformation_mask"],
        subset["deformation_bbox"],
        methods=methods,
        batch_size=context.batch_size,
    )
