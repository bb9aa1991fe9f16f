"""A split decoded once into memory: training reads arrays, not image files, every epoch.

A CPU run spends more time decoding WebP/PNG images and augmenting them one by one than training
a small ViT on them (``benchmarks/bench_train.py`` prints each stage). :func:`decode_split` decodes
a map-style split once (all cores, with a progress bar) into one uint8 array; :class:`DecodedSplit`
serves it to ``Trainer`` and :func:`collate_batch` turns a batch into ``pixel_values`` and, for
training batches, augments it as one tensor operation
(:func:`insar_hf.training.batch_augment.augment_pixel_values`).

A 224 x 224 RGB image takes 150 KB, so 100,000 images take 15 GB: :func:`fits_in_memory` says
whether a split fits in the memory left, and larger splits keep the lazy, per-image path
(:func:`insar_hf.training.data.lazy_split`).

With ``masks=True`` the generator's ``deformation_mask`` column is decoded too (bool, 50 KB per
image) and the collator turns it into the per-patch targets of the patch loss
(:class:`PatchTargets`, :func:`insar_hf.training.batch_augment.patch_targets`), flipped and
cropped with the image.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from insar_hf.schema import IMAGE_SIZE, KIND_NAMES
from insar_hf.training.batch_augment import BatchAugmentation, augment_batch, patch_targets

BYTES_PER_IMAGE = IMAGE_SIZE * IMAGE_SIZE * 3
MEMORY_FRACTION = 0.5
"""At most this fraction of the available memory is given to decoded images (all splits)."""
MASK_COLUMN = "deformation_mask"
"""The generator's per-pixel truth (``Image``, mode "L", 0/255), the patch loss's targets."""


@dataclass(frozen=True)
class PatchTargets:
    """How the collator makes patch targets from masks (``--patch_fraction``, the ViT patch)."""

    patch_size: int = 16
    fraction: float = 0.25

    def __post_init__(self):
        if not 0.0 < self.fraction <= 1.0:
            raise ValueError(f"--patch_fraction must lie in (0, 1], got {self.fraction}")
        if IMAGE_SIZE % self.patch_size:
            raise ValueError(f"patch_size must divide {IMAGE_SIZE}, got {self.patch_size}")


def available_memory_bytes() -> int:
    """Memory available to new allocations (``MemAvailable`` of /proc/meminfo, else total)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def fits_in_memory(num_images: int, available_bytes: int | None = None) -> bool:
    """Whether ``num_images`` decoded images fit in :data:`MEMORY_FRACTION` of the free memory."""
    available = available_memory_bytes() if available_bytes is None else available_bytes
    return num_images * BYTES_PER_IMAGE <= MEMORY_FRACTION * available


def _decode(item: dict[str, Any], mode: str = "RGB") -> np.ndarray:
    from PIL import Image

    data = item.get("bytes")
    with Image.open(io.BytesIO(data) if data is not None else item["path"]) as im:
        array = np.asarray(im.convert(mode))
    if array.shape[:2] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(
            f"images must be {IMAGE_SIZE} x {IMAGE_SIZE} (rendered with insar_hf.render), got "
            f"{array.shape[:2]}"
        )
    return array


def _decode_mask(item: dict[str, Any]) -> np.ndarray:
    return _decode(item, "L") > 0  # (S, S) bool


def mask_array(mask) -> np.ndarray:
    """A decoded ``deformation_mask`` (PIL "L" 0/255 or array) as bool (224, 224)."""
    array = np.asarray(mask) > 0
    if array.shape != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(
            f"deformation masks must be {IMAGE_SIZE} x {IMAGE_SIZE}, got {array.shape}"
        )
    return array


class DecodedSplit:
    """A map-style dataset of decoded images: ``images`` uint8 (N, 224, 224, 3), ``labels`` (N,),
    ``wrapped`` bool (N,), optional ``masks`` bool (N, 224, 224) (the deformation masks);
    ``augment`` marks the training split (see :func:`make_collator`)."""

    def __init__(
        self,
        images: np.ndarray,
        labels: np.ndarray,
        wrapped: np.ndarray,
        augment: bool,
        masks: np.ndarray | None = None,
    ):
        if not (len(images) == len(labels) == len(wrapped)):
            raise ValueError("images, labels and wrapped must have the same length")
        if masks is not None and len(masks) != len(images):
            raise ValueError("masks must have one entry per image")
        self.images, self.labels, self.wrapped, self.augment = images, labels, wrapped, augment
        self.masks = masks

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> dict[str, Any]:
        item = {
            "image": self.images[i],
            "labels": int(self.labels[i]),
            "wrapped": bool(self.wrapped[i]),
            "augment": self.augment,
        }
        if self.masks is not None:
            item["mask"] = self.masks[i]
        return item


def decode_split(
    split,
    *,
    augment: bool,
    desc: str = "decoding",
    workers: int | None = None,
    masks: bool = False,
):
    """Decode a map-style ``datasets`` split (``image``, ``label``, optional ``kind``) at once.

    Images are decoded from their stored bytes on ``workers`` threads (default: every core);
    Pillow releases the GIL while it decodes. A split without ``kind`` is taken as wrapped.
    ``masks=True`` decodes the ``deformation_mask`` column too (``ValueError`` when there is
    none).
    """
    from datasets import Image as ImageFeature
    from tqdm.auto import tqdm

    features = split.features
    kind_names = getattr(features.get("kind"), "names", None)
    if masks and MASK_COLUMN not in features:
        raise ValueError(
            f"the split has no {MASK_COLUMN!r} column: the patch loss needs the generator's masks "
            "(a dataset written by `insar-hf generate`); set --patch_loss_weight 0 otherwise"
        )
    raw = split.cast_column("image", ImageFeature(decode=False))
    if masks:
        raw = raw.cast_column(MASK_COLUMN, ImageFeature(decode=False))
    n = len(raw)
    images = np.empty((n, IMAGE_SIZE, IMAGE_SIZE, 3), dtype=np.uint8)
    mask_stack = np.empty((n, IMAGE_SIZE, IMAGE_SIZE), dtype=bool) if masks else None
    labels = np.asarray(raw["label"], dtype=np.int64)
    if "kind" in features:
        kinds = raw["kind"]
        names = [kind_names[int(k)] if kind_names else k for k in kinds]
        wrapped = np.array([k == KIND_NAMES[0] for k in names], dtype=bool)
    else:
        wrapped = np.ones(n, dtype=bool)
    workers = workers or os.cpu_count() or 1
    chunk = 256
    with ThreadPoolExecutor(workers) as pool, tqdm(total=n, desc=desc, unit="img") as bar:
        for start in range(0, n, chunk):
            rows = raw[start : start + chunk]
            for j, array in enumerate(pool.map(_decode, rows["image"])):
                images[start + j] = array
            if masks:
                for j, array in enumerate(pool.map(_decode_mask, rows[MASK_COLUMN])):
                    mask_stack[start + j] = array
            bar.update(len(rows["image"]))
    return DecodedSplit(images, labels, wrapped, augment, mask_stack)


def make_collator(aug: BatchAugmentation | None, patches: PatchTargets | None = None):
    """The collator of :class:`DecodedSplit` batches (and of the lazy path's examples).

    Stacks the uint8 images into ``pixel_values`` (B, 3, 224, 224) in [-1, 1] and ``labels``;
    batches whose examples carry ``augment=True`` (training) are augmented when ``aug`` is set.
    With ``patches`` and examples that carry a ``mask``, the batch also gets ``patch_labels``
    (B, N) long: the targets of the patch loss, made from the masks after the image's flips and
    crops (:func:`insar_hf.training.batch_augment.patch_targets`).
    """

    def collate_batch(examples: Sequence[dict[str, Any]]) -> dict[str, Any]:
        import torch

        from insar_hf.model.presets import pixel_values_from_images

        pixel_values = pixel_values_from_images(np.stack([e["image"] for e in examples]))
        labels = torch.tensor([int(e["labels"]) for e in examples], dtype=torch.long)
        masks = None
        if patches is not None and "mask" in examples[0]:
            masks = torch.from_numpy(np.stack([e["mask"] for e in examples]))  # (B, S, S) bool
        if aug is not None and examples[0].get("augment", False):
            wrapped = torch.tensor([bool(e.get("wrapped", True)) for e in examples])
            pixel_values, masks = augment_batch(pixel_values, wrapped, aug, masks=masks)
        batch = {"pixel_values": pixel_values, "labels": labels}
        if masks is not None:
            batch["patch_labels"] = patch_targets(
                masks, labels, patch_size=patches.patch_size, fraction=patches.fraction
            )
        return batch

    return collate_batch
