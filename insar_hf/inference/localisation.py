"""Does the attention point at the deformation? Localisation scores against ground truth.

Measured on the earthquake scenes (label 1) of a split, against the generator's
``deformation_mask`` (pixels with at least a quarter fringe of earthquake phase) and
``deformation_bbox``:

* **pointing game** (Zhang et al. 2016, "Top-down neural attention by excitation backprop",
  ECCV; here without their 15-pixel tolerance): the fraction of scenes whose map maximum falls
  inside the mask;
* **top-box IoU**: intersection over union of the highest-scoring box from
  :func:`insar_hf.inference.boxes.boxes_from_map` with the true box (0 when no box is found), its
  mean and the fraction with IoU >= 0.5;
* **mass in mask**: the mean fraction of the (min-max normalised) map's total inside the mask.

Three maps are scored in the same run, on the same scenes: attention rollout through all layers,
the last layer's [CLS] attention (both with the same head fusion), and a random baseline (uniform
noise on the 14 x 14 patch grid, upsampled like the others, seeded). A random point lands in the
mask with probability equal to the mask's area fraction, reported as ``mask_area_fraction``.

:func:`localisation_metrics` is the extra-metrics hook of :mod:`insar_hf.training.evaluation`, so
``insar-hf evaluate`` writes the result under ``"attention"`` in ``metrics.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from insar_hf.inference.attention import normalise_map, upsample_map
from insar_hf.inference.boxes import box_iou, boxes_from_map
from insar_hf.inference.detector import Detector
from insar_hf.model.presets import build_image_processor

MAP_NAMES = ("rollout", "last_layer", "random")

__all__ = [
    "MAP_NAMES",
    "localisation_metrics",
    "localisation_scores",
    "markdown_table",
    "score_maps",
]


def score_maps(
    maps: np.ndarray, masks: np.ndarray, bboxes: np.ndarray, *, threshold: float = 0.5
) -> dict[str, float]:
    """Pointing game, top-box IoU and mass in mask of ``maps`` against the ground truth.

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
        ``pointing_game``, ``iou_top_box``, ``iou_at_0_5`` (fraction with IoU >= 0.5) and
        ``mass_in_mask``, each a mean over the N scenes.
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
    ious = []
    for heat, true_box in zip(maps, bboxes):
        boxes = boxes_from_map(heat, threshold=threshold, max_boxes=1)
        ious.append(box_iou(boxes[0], list(true_box)) if boxes else 0.0)
    ious = np.asarray(ious)
    return {
        "pointing_game": float(hits.mean()),
        "iou_top_box": float(ious.mean()),
        "iou_at_0_5": float((ious >= 0.5).mean()),
        "mass_in_mask": float(mass.mean()),
    }


def _random_maps(n: int, grid: int, size: int, rng: np.random.Generator) -> np.ndarray:
    return upsample_map(rng.random((n, grid, grid), dtype=np.float32), size)  # (n, S, S)


def localisation_scores(
    detector: Detector,
    images: Sequence[Any],
    masks: Sequence[Any],
    bboxes: Sequence[Sequence[int]],
    *,
    head_fusion: str = "mean",
    threshold: float = 0.5,
    batch_size: int = 32,
    seed: int = 0,
) -> dict[str, Any]:
    """Score rollout, last-layer and random maps of ``detector`` on earthquake scenes.

    Parameters
    ----------
    detector
        A :class:`insar_hf.inference.detector.Detector`.
    images
        Rendered interferograms (PIL RGB, the model input size).
    masks
        Deformation masks (PIL mode "L" 0/255 or bool arrays), same size as the images.
    bboxes
        True boxes, ``[x_min, y_min, x_max, y_max]``.
    head_fusion, threshold, batch_size, seed
        Head fusion of both attention maps, box threshold, forward batch, random-map seed.

    Returns
    -------
    dict
        ``{"n", "mask_area_fraction", "rollout": {...}, "last_layer": {...}, "random": {...},
        "settings": {...}}`` with the keys of :func:`score_maps` in each map entry.
    """
    from PIL import Image

    size = detector.image_size
    mask_arrays = []
    for m in masks:
        if isinstance(m, Image.Image) and m.size != (size, size):
            m = m.resize((size, size), Image.Resampling.NEAREST)
        mask_arrays.append(np.asarray(m) > 0)
    mask_stack = np.stack(mask_arrays)  # (N, S, S) bool
    boxes = np.asarray(bboxes, dtype=np.int64).reshape(-1, 4)
    rollout, last = [], []
    for start in range(0, len(images), batch_size):
        chunk = [im.convert("RGB") for im in images[start : start + batch_size]]
        _, attentions = detector.forward(chunk)
        rollout.append(detector.combined_maps(attentions, "rollout", head_fusion, None))
        last.append(detector.combined_maps(attentions, "layer", head_fusion, -1))
    grid = size // detector.model.config.patch_size
    maps = {
        "rollout": np.concatenate(rollout),
        "last_layer": np.concatenate(last),
        "random": _random_maps(len(images), grid, size, np.random.default_rng(seed)),
    }
    result: dict[str, Any] = {
        "n": len(images),
        "mask_area_fraction": float(mask_stack.mean()),
    }
    for name in MAP_NAMES:
        result[name] = score_maps(maps[name], mask_stack, boxes, threshold=threshold)
    result["settings"] = {"head_fusion": head_fusion, "threshold": threshold, "seed": seed}
    return result


def localisation_metrics(context: Any, *, max_samples: int | None = 512) -> dict[str, Any]:
    """Extra-metrics hook of :func:`insar_hf.training.evaluation.evaluate_model`.

    ``context`` is an :class:`insar_hf.training.evaluation.ExtraMetricsContext`; its dataset needs
    the ``image``, ``label``, ``deformation_mask`` and ``deformation_bbox`` columns. Scores the first
    ``max_samples`` earthquake scenes with a non-empty mask (``None``: all). Returns
    ``{"skipped": reason}`` when the split has no such scene or lacks the columns.
    """
    dataset = context.dataset
    columns = set(getattr(dataset, "column_names", None) or [])
    needed = {"image", "label", "deformation_mask", "deformation_bbox"}
    if not needed <= columns:
        return {"skipped": f"the split lacks the columns {sorted(needed - columns)}"}
    positives = [
        i
        for i, (label, box) in enumerate(zip(dataset["label"], dataset["deformation_bbox"]))
        if int(label) == 1 and box[2] > box[0] and box[3] > box[1]
    ]
    if max_samples is not None:
        positives = positives[:max_samples]
    if not positives:
        return {"skipped": "no earthquake scene with a deformation mask in the split"}
    subset = dataset.select(positives)
    device = str(next(context.model.parameters()).device)
    detector = Detector(context.model, build_image_processor(), device=device)
    return localisation_scores(
        detector,
        subset["image"],
        subset["deformation_mask"],
        subset["deformation_bbox"],
        batch_size=context.batch_size,
    )


def markdown_table(result: dict[str, Any]) -> str:
    """The ``"attention"`` entry of ``metrics.json`` as a Markdown table for the model card.

    Returns ``""`` for a skipped or empty result.
    """
    if not result or "skipped" in result or "n" not in result:
        return ""
    labels = {"rollout": "attention rollout", "last_layer": "last layer", "random": "random map"}
    lines = [
        f"Localisation on {result['n']} earthquake scenes (chance level of the pointing game: "
        f"{result['mask_area_fraction']:.3f}):",
        "",
        "| map | pointing game | top-box IoU | IoU >= 0.5 | mass in mask |",
        "|---|---|---|---|---|",
    ]
    for name in MAP_NAMES:
        s = result[name]
        lines.append(
            f"| {labels[name]} | {s['pointing_game']:.3f} | {s['iou_top_box']:.3f} | "
            f"{s['iou_at_0_5']:.3f} | {s['mass_in_mask']:.3f} |"
        )
    return "\n".join(lines) + "\n"
