"""The batches, loss and metrics of the source network's training run.

* :func:`make_regression_collator`: images, the standardised [CLS] targets, the epicentre in
  pixels and its heat-map target on the patch grid
  (:func:`insar_hf.source.epicentre.heat_target`); the phase offset of wrapped training images
  (:func:`rotate_wrapped_phase`) is the only augmentation (flips and crops move the targets);
* :func:`source_trainer_class`: the loss, the model's own mean squared error of the [CLS]
  targets plus ``--epicentre_loss_weight`` times :func:`epicentre_loss`, the cross-entropy of the
  patch tokens' ``epicentre_heat`` softmax against the target;
* :func:`regression_metrics`: the validation figures of each epoch.

:mod:`insar_hf.training.source_training` runs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from insar_hf.inference.patch_map import patch_token_logits
from insar_hf.model.presets import pixel_values_from_images
from insar_hf.schema import IMAGE_SIZE
from insar_hf.source.epicentre import decode_epicentre, heat_target
from insar_hf.source.targets import PATCH_TARGETS, TARGETS, TargetScaling
from insar_hf.training.trainer import trainer_class

__all__ = [
    "epicentre_loss",
    "make_regression_collator",
    "regression_metrics",
    "rotate_wrapped_phase",
    "source_trainer_class",
]


def rotate_wrapped_phase(pixel_values, wrapped, generator=None):
    """Add a uniform random constant phase to the wrapped images of a batch (B, 3, S, S).

    The phase-offset augmentation of :mod:`insar_hf.training.batch_augment` without its
    resampling (no flip, no crop: nothing moves): the (sin, cos) channels of valid pixels are
    rotated by the offset and put back on the 256 levels of an 8-bit image. Unwrapped images
    and no-data pixels are returned unchanged.
    """
    import math

    import torch

    n = pixel_values.shape[0]
    c = (torch.rand(n, generator=generator) * 2.0 - 1.0) * math.pi
    c = torch.where(wrapped, c, 0.0).view(n, 1, 1, 1)  # (B, 1, 1, 1)
    s, co = pixel_values[:, 0:1], pixel_values[:, 1:2]
    sin_out = s * torch.cos(c) + co * torch.sin(c)  # sin(phi + c)
    cos_out = co * torch.cos(c) - s * torch.sin(c)  # cos(phi + c)
    rotated = torch.cat([sin_out, cos_out], dim=1)
    rotated = rotated.add(1.0).mul(127.5).round().clamp(0.0, 255.0).div(127.5).sub(1.0)
    keep = (pixel_values[:, 2:3] > 0) & wrapped.view(n, 1, 1, 1)  # valid wrapped pixels
    out = pixel_values.clone()
    out[:, :2] = torch.where(keep, rotated, pixel_values[:, :2])
    return out


def make_regression_collator(phase_offset: bool, *, patch_size: int = 16):
    """Collator: ``pixel_values`` (B, 3, 224, 224) in [-1, 1], float ``labels`` (B, T), the
    epicentres ``epicentre_px`` (B, 2) and their heat-map targets ``epicentre_heat`` (B, g * g)
    (:func:`insar_hf.source.epicentre.heat_target`, ``g = 224 / patch_size``); training batches
    get :func:`rotate_wrapped_phase` when ``phase_offset``."""
    grid = IMAGE_SIZE // patch_size

    def collate(examples: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import torch

        pixel_values = pixel_values_from_images(np.stack([e["image"] for e in examples]))
        if phase_offset and examples[0].get("augment", False):
            wrapped = torch.tensor([bool(e["wrapped"]) for e in examples])
            pixel_values = rotate_wrapped_phase(pixel_values, wrapped)
        labels = torch.from_numpy(np.stack([e["labels"] for e in examples]).astype(np.float32))
        epicentre = np.stack([e["epicentre_px"] for e in examples]).astype(np.float32)  # (B, 2)
        heat = heat_target(epicentre[:, 0], epicentre[:, 1], grid=grid, patch_size=patch_size)
        return {
            "pixel_values": pixel_values,
            "labels": labels,
            "epicentre_px": torch.from_numpy(epicentre),
            "epicentre_heat": torch.from_numpy(heat),
        }

    return collate


def epicentre_loss(heat_logits, target):
    """Cross-entropy of the patch softmax against the target shares, mean over images.

    ``heat_logits`` (B, N) and ``target`` (B, N), rows of ``target`` summing to 1.
    """
    import torch.nn.functional as F

    return -(target * F.log_softmax(heat_logits.float(), dim=1)).sum(dim=1).mean()


def source_trainer_class():
    """``Trainer`` of the source network: its loss is the model's own (MSE of the [CLS]
    targets) plus ``args.epicentre_loss_weight`` times :func:`epicentre_loss` of the patch
    tokens' ``epicentre_heat`` logits; evaluation hands ``(logits, heat)`` to the metrics."""
    heat_index = TARGETS.index(PATCH_TARGETS[0])

    class SourceTrainer(trainer_class()):  # checkpoints reload with ViT's legacy key names
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            target = inputs.pop("epicentre_heat")
            inputs.pop("epicentre_px", None)  # taken for the metrics by prediction_step
            inputs = {**inputs, "output_hidden_states": True}
            loss, outputs = super().compute_loss(model, inputs, True, num_items_in_batch)
            tokens = patch_token_logits(self.accelerator.unwrap_model(model), outputs.hidden_states)
            heat = tokens[..., heat_index]  # (B, N)
            loss = loss + self.args.epicentre_loss_weight * epicentre_loss(heat, target)
            out = {"loss": loss, "logits": outputs.logits, "epicentre_heat": heat}
            return (loss, out) if return_outputs else loss

    return SourceTrainer


def regression_metrics(scaling: TargetScaling):
    """``compute_metrics`` of ``Trainer``: mean absolute error of every [CLS] target in its unit,
    and the median epicentre error in pixels of the decoded heat maps."""

    def compute(eval_pred) -> dict[str, float]:
        values, heat = eval_pred.predictions  # (N, T), (N, g * g)
        labels, epicentre = eval_pred.label_ids  # (N, T), (N, 2)
        pred = scaling.unstandardise(values)
        true = scaling.unstandardise(labels)
        mae = np.abs(pred - true).mean(axis=0)
        out = {f"{n}_mae": float(v) for n, v in zip(TARGETS, mae) if n not in PATCH_TARGETS}
        grid = int(round(heat.shape[1] ** 0.5))
        row, col = decode_epicentre(heat.reshape(-1, grid, grid), patch_size=IMAGE_SIZE / grid)
        error = np.hypot(row - epicentre[:, 0], col - epicentre[:, 1])
        out["epicentre_px_median"] = float(np.median(error))
        return out

    return compute
