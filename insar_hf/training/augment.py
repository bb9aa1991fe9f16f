"""What happens to a training image between the dataset and the model.

* :class:`Augmenter`: label-preserving augmentations that respect the physics (flips, a constant
  phase offset applied to the phase, random crops resampled like the renderer), for training
  images only;
* :func:`make_transform`: a batch transform that applies :class:`Augmenter` image by image
  (decoded images -> checked uint8 arrays), the input path before the batched augmentation of
  :mod:`insar_hf.training.batch_augment`, kept as its reference (benchmarks/bench_train.py's
  "before" loop);
* the collator of those arrays is :func:`insar_hf.training.memory.make_collator` (``None``: no
  batched augmentation), shared with the training path.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from insar_hf import render
from insar_hf.schema import IMAGE_SIZE, KIND_NAMES


class Augmenter:
    """Label-preserving, physics-respecting augmentation of canonical interferogram images.

    Works on the rendered uint8 image (see :mod:`insar_hf.render` for the encoding) by going back
    to the quantities the renderer encoded:

    * wrapped: the phase ``phi = atan2(2R - 1, 2G - 1)`` (NaN = no data). A random crop is
      resampled with the renderer's own NaN-aware *phasor* area averaging, and a constant phase
      offset ``c ~ U[-pi, pi)`` is added to ``phi`` (the reference phase of an interferogram is
      arbitrary), then the image is re-rendered.
    * unwrapped: the R and G channels (NaN = no data) are cropped and area-resampled as linear
      quantities; the constant offset is meaningless (the renderer removes the median) and the
      sign is kept (it tells uplift from subsidence).
    * both: left-right and up-down flips. A flip mirrors the geometry (a left-lateral fault looks
      right-lateral), which does not change *whether* there is an earthquake.

    Randomness: each image gets a ``np.random.Generator`` seeded from torch's global RNG, which
    ``Trainer`` seeds (``--seed``), gives distinct streams in DataLoader workers, and saves in
    every checkpoint, so a resumed run draws the same augmentations as an uninterrupted one.
    """

    def __init__(
        self,
        *,
        flip_prob: float = 0.5,
        phase_offset: bool = True,
        crop_prob: float = 0.5,
        crop_min_scale: float = 0.6,
    ):
        self.flip_prob = flip_prob
        self.phase_offset = phase_offset
        self.crop_prob = crop_prob
        self.crop_min_scale = crop_min_scale

    @staticmethod
    def _torch_rng() -> np.random.Generator:
        import torch

        return np.random.default_rng(int(torch.randint(0, 2**62, ()).item()))

    def __call__(self, image: np.ndarray, kind: str, rng: np.random.Generator | None = None):
        """Augment one image, uint8 (224, 224, 3) -> uint8 (224, 224, 3)."""
        rng = self._torch_rng() if rng is None else rng
        if kind not in KIND_NAMES:
            raise ValueError(f"kind must be 'wrapped' or 'unwrapped', got {kind!r}")
        crop = None
        if rng.random() < self.crop_prob:
            size = image.shape[0]
            side = max(16, int(round(size * math.sqrt(rng.uniform(self.crop_min_scale, 1.0)))))
            r0, c0 = rng.integers(0, size - side + 1, size=2)
            crop = (slice(r0, r0 + side), slice(c0, c0 + side))
        offset = rng.uniform(-math.pi, math.pi) if self.phase_offset else 0.0
        if kind == "wrapped" and (crop is not None or self.phase_offset):
            image = self._wrapped(image, crop, offset)
        elif kind == "unwrapped" and crop is not None:
            image = self._unwrapped(image, crop)
        # Flips act on the encoded image exactly (no re-quantisation).
        if rng.random() < self.flip_prob:
            image = image[:, ::-1]
        if rng.random() < self.flip_prob:
            image = image[::-1, :]
        return np.ascontiguousarray(image)

    @staticmethod
    def _wrapped(image: np.ndarray, crop, offset_rad: float) -> np.ndarray:
        size = image.shape[0]
        phase = render.decode_wrapped_rad(image)  # (H, W) rad, NaN = no data
        if crop is not None:
            phase = render.resample_field(phase[crop], "wrapped", size=size)  # phasor average
        if not np.isfinite(phase).any():
            return image  # a crop of pure no-data: keep the original
        return render.render_array(phase + offset_rad, "wrapped", size=size)

    @staticmethod
    def _unwrapped(image: np.ndarray, crop) -> np.ndarray:
        size = image.shape[0]
        valid = image[..., 2] > 127
        out = np.zeros_like(image)
        for c in (0, 1):
            channel = np.where(valid, image[..., c] / 255.0, np.nan)[crop]
            channel = render.resample_field(channel, "unwrapped", size=size)  # (H, W), NaN-aware
            out[..., c] = np.rint(np.clip(np.nan_to_num(channel), 0.0, 1.0) * 255.0)
            if c == 0:
                keep = np.isfinite(channel)
        out[..., 2] = 255
        out[~keep] = 0
        return out


def as_uint8(image) -> np.ndarray:
    """A decoded dataset image (PIL or array) as uint8 (224, 224, 3); other sizes are refused."""
    array = np.asarray(image.convert("RGB") if hasattr(image, "convert") else image)
    if array.shape[:2] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(
            f"images must be {IMAGE_SIZE} x {IMAGE_SIZE} (rendered with insar_hf.render), got "
            f"{array.shape[:2]}"
        )
    return array.astype(np.uint8, copy=False)


def make_transform(augmenter: Augmenter | None, kind_names: Sequence[str] | None):
    """Batch transform: decoded PIL images -> uint8 arrays (augmented when ``augmenter``).

    Output columns ``image`` (list of uint8 (224, 224, 3)) and ``labels``; the collator
    (:func:`insar_hf.training.memory.make_collator`) normalises them into ``pixel_values``.
    """

    def transform(batch: dict[str, list]) -> dict[str, list]:
        images = [as_uint8(im) for im in batch["image"]]
        if augmenter is not None:
            kinds = [kind_names[int(k)] if kind_names else k for k in batch["kind"]]
            images = [augmenter(im, k) for im, k in zip(images, kinds)]
        return {"image": images, "labels": [int(x) for x in batch["label"]]}

    return transform
