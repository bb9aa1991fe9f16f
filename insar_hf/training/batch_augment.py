"""The training augmentation as one batched tensor operation, at the model's speed.

:class:`insar_hf.training.augment.Augmenter` augments one decoded uint8 image at a time in NumPy
(decode the phase, resample, re-render): exact, and the reference, but at about 100 images/s it
cannot feed a CPU model that trains at 200-700 images/s. :func:`augment_pixel_values` applies the
same augmentations to a whole batch of model inputs (``pixel_values`` in [-1, 1], see
:func:`insar_hf.model.presets.pixel_values_from_images`) with one ``grid_sample`` call:

* **crops and flips** are one affine map per image: a random square crop of side
  ``s = sqrt(U[crop_min_scale, 1])`` (as a fraction of the image) at a random position, mirrored
  left-right and/or up-down, sampled bilinearly at the 224 x 224 output pixel centres. Without a
  crop the map is the identity or a mirror and samples input pixel centres exactly (no blur).
* **wrapped phase** (channels 0, 1 = ``sin phi``, ``cos phi``; :mod:`insar_hf.render`) is
  resampled as the validity-weighted phasor, as the renderer does, then renormalised to the unit
  circle; a constant offset ``c ~ U[-pi, pi)`` rotates it: ``sin(phi + c) = sin phi cos c +
  cos phi sin c``, ``cos(phi + c) = cos phi cos c - sin phi sin c``.
* **unwrapped** channels are resampled as validity-weighted linear quantities; no offset (the
  renderer removes the median) and no sign change (it tells uplift from subsidence).
* **no data** (channel 2 = -1, black): an output pixel is valid when at least half of its
  interpolation weight falls on valid input, the renderer's rule; invalid pixels are black.

Every output is re-quantised to the 256 levels of a uint8 image, so the model trains on values it
can meet at inference. Random draws come from a ``torch.Generator`` seeded from torch's global
RNG, which ``Trainer`` seeds (``--seed``) and checkpoints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class BatchAugmentation:
    """Probabilities and ranges of the batched augmentation (the ``--flip_prob`` ... options)."""

    flip_prob: float = 0.5
    phase_offset: bool = True
    crop_prob: float = 0.5
    crop_min_scale: float = 0.6


def _quantise(x: torch.Tensor) -> torch.Tensor:
    """Round values in [-1, 1] to the 256 levels of ``(uint8 / 255 - 0.5) / 0.5``."""
    return (x.add(1.0).mul(127.5).round_().clamp_(0.0, 255.0)).div_(127.5).sub_(1.0)


def affine_maps(
    n: int, aug: BatchAugmentation, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-image affine maps ``theta`` (n, 2, 3) for ``affine_grid`` and the crop flags (n,).

    ``theta`` maps output to input coordinates in [-1, 1]: scale ``s`` (crop side fraction, sign
    = flip) and offset ``t`` in ``[-(1 - s), 1 - s]`` (the crop stays inside the image).
    """
    import torch

    u = torch.rand(n, 5, generator=generator)  # crop?, area, x0, y0, phase
    crop = u[:, 0] < aug.crop_prob
    side = torch.where(
        crop, torch.sqrt(aug.crop_min_scale + (1.0 - aug.crop_min_scale) * u[:, 1]), 1.0
    )
    tx = (2.0 * u[:, 2] - 1.0) * (1.0 - side)
    ty = (2.0 * u[:, 3] - 1.0) * (1.0 - side)
    flips = torch.rand(n, 2, generator=generator) < aug.flip_prob  # left-right, up-down
    sx = torch.where(flips[:, 0], -side, side)
    sy = torch.where(flips[:, 1], -side, side)
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0], theta[:, 0, 2] = sx, tx
    theta[:, 1, 1], theta[:, 1, 2] = sy, ty
    return theta, crop


def augment_pixel_values(
    pixel_values: torch.Tensor,
    wrapped: torch.Tensor,
    aug: BatchAugmentation,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Augment a batch of model inputs; (B, 3, H, W) in [-1, 1] -> same shape, a new tensor.

    Parameters
    ----------
    pixel_values
        Float tensor (B, 3, H, W) as made by ``pixel_values_from_images`` (channel 2 = +1 valid,
        -1 no data).
    wrapped
        Bool tensor (B,): True for wrapped-phase images, False for unwrapped ones.
    aug
        The probabilities and ranges.
    generator
        Source of the random draws; default: one seeded from torch's global RNG.
    """
    import torch
    import torch.nn.functional as F

    if pixel_values.ndim != 4 or pixel_values.shape[1] != 3:
        raise ValueError(f"pixel_values must be (B, 3, H, W), got {tuple(pixel_values.shape)}")
    if wrapped.shape != pixel_values.shape[:1]:
        raise ValueError(f"wrapped must be ({pixel_values.shape[0]},), got {tuple(wrapped.shape)}")
    if generator is None:
        generator = torch.Generator().manual_seed(int(torch.randint(0, 2**62, ()).item()))
    n = pixel_values.shape[0]
    theta, _ = affine_maps(n, aug, generator)
    phase = (torch.rand(n, generator=generator) * 2.0 - 1.0) * math.pi
    phase = torch.where(wrapped & torch.tensor(aug.phase_offset), phase, 0.0)

    valid = (pixel_values[:, 2:3] > 0).to(pixel_values.dtype)  # (B, 1, H, W)
    stacked = torch.cat([pixel_values[:, :2] * valid, valid], dim=1)  # weighted channels + weight
    grid = F.affine_grid(theta.to(pixel_values.dtype), list(stacked.shape), align_corners=False)
    out = F.grid_sample(stacked, grid, mode="bilinear", padding_mode="border", align_corners=False)
    weight = out[:, 2:3]  # (B, 1, H, W) fraction of valid input under each output pixel
    ok = weight >= 0.5
    a, b = out[:, 0:1], out[:, 1:2]
    # Wrapped: the averaged phasor back on the unit circle; unwrapped: the weighted mean.
    norm = torch.sqrt(a * a + b * b).clamp_min(1e-12)
    w = wrapped.view(n, 1, 1, 1)
    scale = torch.where(w, norm, weight.clamp_min(1e-12))
    a, b = a / scale, b / scale
    cos_c, sin_c = torch.cos(phase).view(n, 1, 1, 1), torch.sin(phase).view(n, 1, 1, 1)
    sin_out = a * cos_c + b * sin_c  # sin(phi + c) for wrapped; a itself when c = 0
    cos_out = b * cos_c - a * sin_c
    result = torch.cat([sin_out, cos_out, torch.ones_like(weight)], dim=1)
    result = torch.where(ok, _quantise(result), -1.0)  # no data: black in every channel
    return result
