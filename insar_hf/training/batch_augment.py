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

**Deformation masks** (the generator's ``deformation_mask``, the truth of the patch loss) ride in
the same ``grid_sample`` call as one more channel (:func:`augment_batch`), so they are flipped and
cropped exactly as their image; an output pixel is in the mask when at least half of its
interpolation weight falls on mask pixels (the no-data rule above). :func:`patch_targets` turns
the augmented masks into the per-patch targets of the patch loss (:mod:`insar_hf.training.trainer`).
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

    :func:`augment_batch` without masks (arguments as there).
    """
    return augment_batch(pixel_values, wrapped, aug, generator)[0]


def augment_batch(
    pixel_values: torch.Tensor,
    wrapped: torch.Tensor,
    aug: BatchAugmentation,
    generator: torch.Generator | None = None,
    masks: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Augment a batch of model inputs and, with the same maps, their deformation masks.

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
    masks
        Bool tensor (B, H, W), or None. The random draws do not depend on it, so the images are
        the same with and without masks.

    Returns
    -------
    (torch.Tensor, torch.Tensor or None)
        The augmented ``pixel_values`` (B, 3, H, W) and masks (B, H, W) bool (None without).
    """
    import torch
    import torch.nn.functional as F

    if pixel_values.ndim != 4 or pixel_values.shape[1] != 3:
        raise ValueError(f"pixel_values must be (B, 3, H, W), got {tuple(pixel_values.shape)}")
    if wrapped.shape != pixel_values.shape[:1]:
        raise ValueError(f"wrapped must be ({pixel_values.shape[0]},), got {tuple(wrapped.shape)}")
    if masks is not None and masks.shape != (pixel_values.shape[0], *pixel_values.shape[2:]):
        raise ValueError(
            f"masks must be (B, H, W) = {(pixel_values.shape[0], *pixel_values.shape[2:])}, got "
            f"{tuple(masks.shape)}"
        )
    if generator is None:
        generator = torch.Generator().manual_seed(int(torch.randint(0, 2**62, ()).item()))
    n = pixel_values.shape[0]
    theta, _ = affine_maps(n, aug, generator)
    phase = (torch.rand(n, generator=generator) * 2.0 - 1.0) * math.pi
    phase = torch.where(wrapped & torch.tensor(aug.phase_offset), phase, 0.0)

    valid = (pixel_values[:, 2:3] > 0).to(pixel_values.dtype)  # (B, 1, H, W)
    channels = [pixel_values[:, :2] * valid, valid]  # weighted channels + weight
    if masks is not None:
        channels.append(masks.unsqueeze(1).to(pixel_values.dtype))  # (B, 1, H, W)
    stacked = torch.cat(channels, dim=1)
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
    # A mask pixel, like a valid pixel, needs half of its interpolation weight on the mask.
    return result, (out[:, 3] >= 0.5 if masks is not None else None)


def patch_targets(
    masks: torch.Tensor, labels: torch.Tensor, *, patch_size: int, fraction: float
) -> torch.Tensor:
    """Per-patch targets of the patch loss: 1 where at least ``fraction`` of a patch is in the mask.

    Parameters
    ----------
    masks
        Bool tensor (B, H, W): the (augmented) deformation masks.
    labels
        Image labels (B,); every patch of an image whose label is not 1 (earthquake) gets 0.
    patch_size
        Side of a ViT patch, pixels (H and W must be multiples of it).
    fraction
        Least fraction of a patch's pixels in the mask for target 1, in (0, 1].

    Returns
    -------
    torch.Tensor
        Long (B, N), ``N = (H / patch_size) * (W / patch_size)``, patches in row-major order (the
        order of ViT's patch tokens).
    """
    import torch.nn.functional as F

    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"the patch fraction must lie in (0, 1], got {fraction}")
    if masks.ndim != 3 or masks.shape[1] % patch_size or masks.shape[2] % patch_size:
        raise ValueError(
            f"masks must be (B, H, W) with H and W multiples of {patch_size}, got "
            f"{tuple(masks.shape)}"
        )
    area = F.avg_pool2d(masks.unsqueeze(1).float(), patch_size)  # (B, 1, H/p, W/p) in [0, 1]
    positive = (labels == 1).view(-1, 1)  # (B, 1)
    return ((area.flatten(1) >= fraction) & positive).long()  # (B, N)
