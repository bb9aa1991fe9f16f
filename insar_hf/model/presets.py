"""ViT presets, the image processor and model loading for the earthquake detector.

The model is the one of the paper: ``ViTForImageClassification`` on 224 x 224 RGB interferogram
images cut into 16 x 16 patches (14 x 14 = 196 patch tokens plus [CLS]), a linear head on the
final [CLS] state, trained with cross-entropy. Presets differ only in width and depth:

========================  ======  ======  =====  =====  ===========================
preset                    hidden  layers  heads  MLP    use
========================  ======  ======  =====  =====  ===========================
``vit-base-patch16-224``  768     12      12     3072   the paper's ViT-B/16 (86 M)
``vit-small``             384     12      6      1536   ViT-S/16 (22 M)
``vit-tiny``              192     12      3      768    ViT-Ti/16 (5.5 M)
``vit-mini``              64      4       4      128    the packaged default model (0.2 M)
``vit-micro``             32      2       4      64     tests and the 15-minute quickstart
========================  ======  ======  =====  =====  ===========================

Input normalisation: the canonical rendering (:mod:`insar_hf.render`) already fills [0, 255] on
purpose, so pixels are rescaled to [0, 1] and normalised with mean = std = 0.5 per channel, i.e.
mapped to [-1, 1] (the convention of the original ViT checkpoints, so ``--init_from`` a Google
ViT needs no other processor). :func:`build_image_processor` is saved with every checkpoint;
:func:`pixel_values_from_images` is our own, processor-free path and gives the same tensor.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from insar_hf.model.checkpoint import resolve_model_source
from insar_hf.schema import IMAGE_SIZE, LABEL_NAMES

if TYPE_CHECKING:
    import torch
    from PIL import Image
    from transformers import BaseImageProcessor, ViTForImageClassification

PATCH_SIZE = 16
IMAGE_MEAN = (0.5, 0.5, 0.5)
IMAGE_STD = (0.5, 0.5, 0.5)

# name -> ViTConfig keyword arguments; image 224 and patch 16 for every preset.
PRESETS: dict[str, dict[str, int]] = {
    "vit-base-patch16-224": dict(
        hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072
    ),
    "vit-small": dict(
        hidden_size=384, num_hidden_layers=12, num_attention_heads=6, intermediate_size=1536
    ),
    "vit-tiny": dict(
        hidden_size=192, num_hidden_layers=12, num_attention_heads=3, intermediate_size=768
    ),
    "vit-mini": dict(
        hidden_size=64, num_hidden_layers=4, num_attention_heads=4, intermediate_size=128
    ),
    "vit-micro": dict(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64
    ),
}

DEFAULT_ID2LABEL: dict[int, str] = dict(enumerate(LABEL_NAMES))


def preset_name(config: Any) -> str | None:
    """The key of :data:`PRESETS` whose architecture ``config`` (a ``ViTConfig``) has, or None."""
    for name, sizes in PRESETS.items():
        if all(getattr(config, key, None) == value for key, value in sizes.items()):
            return name
    return None


def labels_from_class_label(class_label: Any) -> tuple[dict[int, str], dict[str, int]]:
    """``(id2label, label2id)`` from a ``datasets.ClassLabel`` (or a sequence of names)."""
    names = list(getattr(class_label, "names", class_label))
    if len(names) < 2:
        raise ValueError(f"a classifier needs at least two class names, got {names!r}")
    id2label = {i: str(n) for i, n in enumerate(names)}
    return id2label, {n: i for i, n in id2label.items()}


def _check_labels(id2label: Mapping[int, str], label2id: Mapping[str, int]) -> None:
    if len(id2label) < 2:
        raise ValueError(f"id2label needs at least two classes, got {dict(id2label)!r}")
    if {int(k): v for k, v in id2label.items()} != {int(v): k for k, v in label2id.items()}:
        raise ValueError(
            f"id2label {dict(id2label)!r} and label2id {dict(label2id)!r} are not inverse "
            "mappings; build both with labels_from_class_label(dataset.features['label'])"
        )


def build_config(preset: str, *, id2label: Mapping[int, str], label2id: Mapping[str, int]):
    """The ``ViTConfig`` of ``preset`` with the dataset's labels."""
    from transformers import ViTConfig

    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)}")
    _check_labels(id2label, label2id)
    return ViTConfig(
        **PRESETS[preset],
        image_size=IMAGE_SIZE,
        patch_size=PATCH_SIZE,
        num_channels=3,
        num_labels=len(id2label),
        id2label={int(k): v for k, v in id2label.items()},
        label2id={k: int(v) for k, v in label2id.items()},
    )


def reset_classifier(model: ViTForImageClassification) -> None:
    """Re-initialise the linear head as ViT does at construction (truncated normal, zero bias)."""
    import torch

    head = model.classifier
    if isinstance(head, torch.nn.Linear):
        torch.nn.init.trunc_normal_(head.weight, std=model.config.initializer_range)
        torch.nn.init.zeros_(head.bias)


def build_model(
    preset: str,
    *,
    id2label: Mapping[int, str],
    label2id: Mapping[str, int],
    init_from: str | None = None,
    keep_classifier: bool = False,
) -> ViTForImageClassification:
    """A ViT classifier: from scratch with ``preset``, or the backbone of ``init_from``.

    Parameters
    ----------
    preset
        Key of :data:`PRESETS`; ignored for the architecture when ``init_from`` is given (the
        checkpoint's own width and depth are used).
    id2label, label2id
        From the dataset's ``ClassLabel`` (:func:`labels_from_class_label`).
    init_from
        Any ViT checkpoint (folder or Hub id, e.g. an ImageNet-21k ViT-B/16). Its encoder is
        loaded; the classification head is re-initialised for our labels
        (``ignore_mismatched_sizes=True`` covers a head of another size).
    keep_classifier
        Keep ``init_from``'s classification head as well (fine-tuning one of our own detectors,
        e.g. a synthetic checkpoint on real events). Its labels must equal ours exactly.
    """
    from transformers import ViTForImageClassification

    if init_from is None:
        if keep_classifier:
            raise ValueError("keep_classifier needs init_from: there is no head to keep")
        return ViTForImageClassification(build_config(preset, id2label=id2label, label2id=label2id))
    _check_labels(id2label, label2id)
    if keep_classifier:
        from transformers import AutoConfig

        theirs = {int(k): v for k, v in AutoConfig.from_pretrained(init_from).id2label.items()}
        ours = {int(k): v for k, v in id2label.items()}
        if theirs != ours:
            raise ValueError(
                f"--keep_classifier needs {init_from} to have our labels {ours}, it has {theirs}; "
                "drop --keep_classifier to re-initialise the head"
            )
        return ViTForImageClassification.from_pretrained(init_from)
    model = ViTForImageClassification.from_pretrained(
        init_from,
        num_labels=len(id2label),
        id2label={int(k): v for k, v in id2label.items()},
        label2id={k: int(v) for k, v in label2id.items()},
        ignore_mismatched_sizes=True,
    )
    reset_classifier(model)
    return model


def build_image_processor() -> BaseImageProcessor:
    """The processor saved with every checkpoint: resize to 224, rescale 1/255, mean = std = 0.5.

    The PIL backend is used (torchvision is not a dependency); the saved
    ``preprocessor_config.json`` names ``ViTImageProcessor``, which ``AutoImageProcessor`` loads.
    """
    import transformers

    cls = getattr(transformers, "ViTImageProcessorPil", None) or transformers.ViTImageProcessor
    return cls(
        do_resize=True,
        size={"height": IMAGE_SIZE, "width": IMAGE_SIZE},
        resample=2,  # PIL.Image.BILINEAR
        do_rescale=True,
        rescale_factor=1 / 255,
        do_normalize=True,
        image_mean=list(IMAGE_MEAN),
        image_std=list(IMAGE_STD),
    )


def load_model(
    path_or_repo_id: str | os.PathLike, *, attn_implementation: str = "eager"
) -> ViTForImageClassification:
    """Load a trained detector in eval mode.

    ``attn_implementation="eager"`` is the default because only the eager path returns attention
    weights (``output_attentions=True``); it is a load-time choice and is not stored in
    ``config.json``. Pass ``"sdpa"`` for faster inference without attention maps. A missing
    folder, a folder without weights or an unknown Hub id raise
    :class:`~insar_hf.model.checkpoint.ModelSourceError` at once
    (:func:`~insar_hf.model.checkpoint.resolve_model_source`).
    """
    from transformers import ViTForImageClassification

    model = ViTForImageClassification.from_pretrained(
        resolve_model_source(path_or_repo_id), attn_implementation=attn_implementation
    )
    return model.eval()


def pixel_values_from_images(
    images: Sequence[Image.Image | np.ndarray] | np.ndarray,
) -> torch.Tensor:
    """Our own preprocessing, equal to :func:`build_image_processor`'s output.

    Parameters
    ----------
    images
        RGB PIL images or uint8 arrays of shape (H, W, 3), or one uint8 array (N, H, W, 3).
        Images that are not 224 x 224 are resized with PIL bilinear, as the processor does.

    Returns
    -------
    torch.Tensor
        Shape (N, 3, 224, 224), float32, in [-1, 1].
    """
    import torch
    from PIL import Image

    if isinstance(images, np.ndarray) and images.ndim == 4 and images.dtype == np.uint8:
        batch = images  # the fast path of the training collator: already (N, 224, 224, 3)
        if batch.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE, 3):
            return pixel_values_from_images(list(batch))
    else:
        arrays = []
        for im in images:
            if isinstance(im, np.ndarray):
                if im.dtype != np.uint8 or im.ndim != 3 or im.shape[-1] != 3:
                    raise ValueError(
                        f"expected a uint8 RGB array of shape (H, W, 3), got {im.dtype} {im.shape}"
                    )
                if im.shape[:2] != (IMAGE_SIZE, IMAGE_SIZE):
                    im = Image.fromarray(im)
            if isinstance(im, Image.Image):
                im = im.convert("RGB")
                if im.size != (IMAGE_SIZE, IMAGE_SIZE):
                    im = im.resize((IMAGE_SIZE, IMAGE_SIZE), Image.BILINEAR)
                im = np.asarray(im)
            arrays.append(im)
        batch = np.stack(arrays)  # (N, 224, 224, 3) uint8
    x = torch.from_numpy(batch).permute(0, 3, 1, 2).contiguous()  # (N, 3, 224, 224) uint8
    mean = torch.tensor(IMAGE_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGE_STD).view(1, 3, 1, 1)
    return x.to(torch.float32).div_(255.0).sub_(mean).div_(std)  # in place: no temporaries


def predict_proba(
    model: ViTForImageClassification,
    images: Sequence[Image.Image | np.ndarray] | np.ndarray,
    *,
    batch_size: int = 32,
) -> np.ndarray:
    """Class probabilities, shape (N, num_labels), float32, with our own preprocessing."""
    import torch

    device = next(model.parameters()).device
    out = []
    with torch.inference_mode():
        for start in range(0, len(images), batch_size):
            x = pixel_values_from_images(images[start : start + batch_size]).to(device)
            logits = model(pixel_values=x).logits  # (B, num_labels)
            out.append(torch.softmax(logits.float(), dim=-1).cpu().numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.num_labels), np.float32)
