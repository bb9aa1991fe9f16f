"""Training the ViT detector with ``Trainer`` + Accelerate: arguments, data, augmentation, run.

``training/train.py`` is a thin wrapper around :func:`main`; the same code runs under
``python training/train.py ...`` and ``accelerate launch --config_file ... training/train.py ...``.

Arguments are three dataclasses parsed by ``HfArgumentParser``: :class:`ModelArguments`,
:class:`DataArguments` and :class:`InsarTrainingArguments` (``TrainingArguments`` with the
paper's recipe as defaults: Adam, learning rate 1e-5, 20 epochs, evaluation and a checkpoint each
epoch, best checkpoint by validation F1, TensorBoard logs). A JSON file with all of them may be
given as the only argument instead.

Data are read with ``load_dataset`` (a folder written by ``insar_hf.dataset.generate`` or a Hub id) and
decoded lazily: ``set_transform`` for map-style splits, ``IterableDataset.map`` when streaming.
Training images get label-preserving augmentations that respect the physics
(:class:`Augmenter`); evaluation images are never augmented.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from transformers import TrainingArguments

from insar_hf import render
from insar_hf.model.presets import PRESETS
from insar_hf.schema import IMAGE_SIZE, KIND_NAMES

# --- arguments --------------------------------------------------------------------------------


@dataclass
class ModelArguments:
    """Which network to train."""

    preset: str = field(
        default="vit-base-patch16-224",
        metadata={"help": f"ViT size, one of {sorted(PRESETS)} (ignored with --init_from)."},
    )
    init_from: str | None = field(
        default=None,
        metadata={
            "help": "Start from this ViT checkpoint (folder or Hub id, e.g. an ImageNet-21k "
            "ViT-B/16); its head is re-initialised for our labels. Default: from scratch."
        },
    )
    keep_classifier: bool = field(
        default=False,
        metadata={
            "help": "With --init_from one of our own detectors (same labels): keep its "
            "classification head too, e.g. to fine-tune a synthetic checkpoint on real events."
        },
    )
    model_name: str | None = field(
        default=None,
        metadata={"help": "Name in the model card (default: --hub_model_id or the output folder)."},
    )

    def __post_init__(self):
        if self.init_from is None and self.preset not in PRESETS:
            raise ValueError(
                f"--preset {self.preset!r} is unknown; choose one of {sorted(PRESETS)} "
                "or give --init_from CHECKPOINT"
            )


@dataclass
class DataArguments:
    """Where the data come from and how training images are augmented."""

    dataset: str | None = field(
        default=None,
        metadata={"help": "Dataset folder (insar-hf generate) or Hub id, read by load_dataset."},
    )
    train_split: str = field(default="train", metadata={"help": "Split to train on."})
    eval_split: str = field(default="validation", metadata={"help": "Split evaluated each epoch."})
    test_split: str = field(default="test", metadata={"help": "Split of the final metrics."})
    streaming: bool = field(
        default=False,
        metadata={"help": "Stream the dataset (paper-scale sets); needs --max_steps > 0."},
    )
    max_train_samples: int | None = field(
        default=None, metadata={"help": "Use only the first N training samples."}
    )
    max_eval_samples: int | None = field(
        default=None, metadata={"help": "Use only the first N validation samples."}
    )
    max_test_samples: int | None = field(
        default=None, metadata={"help": "Use only the first N test samples."}
    )
    augment: bool = field(
        default=True, metadata={"help": "Augment training images (never evaluation images)."}
    )
    flip_prob: float = field(
        default=0.5,
        metadata={"help": "Probability of a left-right flip and, independently, an up-down flip."},
    )
    phase_offset: bool = field(
        default=True,
        metadata={"help": "Add a uniform random constant phase to wrapped images (phase domain)."},
    )
    crop_prob: float = field(
        default=0.5, metadata={"help": "Probability of a random square crop resampled to 224."}
    )
    crop_min_scale: float = field(
        default=0.6, metadata={"help": "Smallest crop area as a fraction of the image, in (0, 1]."}
    )

    def __post_init__(self):
        if not self.dataset:
            raise ValueError(
                "--dataset is required: a folder written by `insar-hf generate` or a Hub id"
            )
        for name in ("flip_prob", "crop_prob"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"--{name} must be a probability in [0, 1], got {value}")
        if not 0.0 < self.crop_min_scale <= 1.0:
            raise ValueError(f"--crop_min_scale must be in (0, 1], got {self.crop_min_scale}")
        for name in ("max_train_samples", "max_eval_samples", "max_test_samples"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"--{name} must be a positive number of samples, got {value}")


def _cuda_available() -> bool:
    import torch

    return torch.cuda.is_available()


def _cuda_bf16() -> bool:
    import torch

    return torch.cuda.is_available() and torch.cuda.is_bf16_supported()


@dataclass
class InsarTrainingArguments(TrainingArguments):
    """``TrainingArguments`` with the paper's recipe as defaults, and a few of our own."""

    output_dir: str | None = field(
        default="outputs/vit", metadata={"help": "Checkpoints, logs, metrics, figures, card."}
    )
    learning_rate: float = field(
        default=1e-5, metadata={"help": "Adam learning rate (paper: 1e-5)."}
    )
    num_train_epochs: float = field(default=20.0, metadata={"help": "Epochs (paper: 20)."})
    per_device_train_batch_size: int = field(default=32, metadata={"help": "Batch per device."})
    per_device_eval_batch_size: int = field(default=64, metadata={"help": "Eval batch per device."})
    optim: str = field(default="adamw_torch", metadata={"help": "Adam with weight_decay=0."})
    weight_decay: float = field(default=0.0, metadata={"help": "0 = plain Adam, as in the paper."})
    lr_scheduler_type: str = field(default="constant", metadata={"help": "Learning-rate schedule."})
    eval_strategy: str = field(default="epoch", metadata={"help": "Evaluate each epoch."})
    save_strategy: str = field(default="epoch", metadata={"help": "Checkpoint each epoch."})
    logging_strategy: str = field(default="epoch", metadata={"help": "Log the loss each epoch."})
    save_total_limit: int | None = field(default=2, metadata={"help": "Keep the best and last."})
    load_best_model_at_end: bool = field(default=True, metadata={"help": "Keep the best by F1."})
    metric_for_best_model: str | None = field(default="f1", metadata={"help": "Best-model metric."})
    greater_is_better: bool | None = field(default=True, metadata={"help": "For the metric."})
    report_to: None | str | list[str] = field(
        default="tensorboard", metadata={"help": "Loggers; TensorBoard writes OUTPUT_DIR/runs."}
    )
    remove_unused_columns: bool = field(
        default=False, metadata={"help": "Must stay False: the lazy transform needs the columns."}
    )
    bf16: bool | None = field(
        default=None,
        metadata={"help": "bf16 mixed precision; default: on when a bf16-capable GPU is present."},
    )
    early_stopping_patience: int | None = field(
        default=None,
        metadata={"help": "Stop after this many evaluations without a better F1 (off by default)."},
    )
    time_budget_minutes: float | None = field(
        default=None,
        metadata={
            "help": "Stop training (after evaluating and saving) once this many minutes have "
            "passed; the best checkpoint so far is kept. Off by default."
        },
    )

    def __post_init__(self):
        if self.bf16 is None:
            self.bf16 = _cuda_bf16()
        elif self.bf16 and not _cuda_bf16():
            raise ValueError(
                "--bf16 needs a CUDA GPU with bf16 support; leave it unset on CPU "
                "(it is switched on automatically on a GPU)"
            )
        if self.dataloader_pin_memory and not _cuda_available():
            self.dataloader_pin_memory = False  # pinning needs an accelerator
        if self.remove_unused_columns:
            raise ValueError(
                "--remove_unused_columns must be False: the lazy image transform needs the columns"
            )
        if self.early_stopping_patience is not None and self.early_stopping_patience < 1:
            raise ValueError(
                f"--early_stopping_patience must be >= 1 evaluations, got {self.early_stopping_patience}"
            )
        if self.time_budget_minutes is not None and self.time_budget_minutes <= 0:
            raise ValueError(f"--time_budget_minutes must be > 0, got {self.time_budget_minutes}")
        # Hub pushes go through insar_hf.hub.push_folder after the final evaluation, not through
        # Trainer (which would create the repository at start-up and push every checkpoint).
        self.push_final_model = bool(self.push_to_hub)
        self.push_to_hub = False
        if self.push_final_model and not self.hub_model_id:
            raise ValueError("--push_to_hub needs --hub_model_id owner/name")
        super().__post_init__()


def parse_args(
    argv: Sequence[str] | None = None,
) -> tuple[ModelArguments, DataArguments, InsarTrainingArguments]:
    """Parse command-line options, or a JSON file given as the only argument."""
    from transformers import HfArgumentParser

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = HfArgumentParser((ModelArguments, DataArguments, InsarTrainingArguments))
    if len(argv) == 1 and argv[0].endswith(".json"):
        return parser.parse_json_file(json_file=os.path.abspath(argv[0]))
    return parser.parse_args_into_dataclasses(args=argv)


def check_arguments(data_args: DataArguments, training_args: InsarTrainingArguments) -> None:
    """Cross-checks that no single dataclass can make."""
    if data_args.streaming and training_args.max_steps <= 0:
        raise ValueError(
            "--streaming has no dataset length, so the number of steps is unknown: give "
            "--max_steps N (and --eval_strategy steps --save_strategy steps --eval_steps M)"
        )


# --- augmentation -----------------------------------------------------------------------------


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


# --- data -------------------------------------------------------------------------------------


def _as_uint8(image) -> np.ndarray:
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
    (:func:`collate`) normalises them into ``pixel_values``.
    """

    def transform(batch: dict[str, list]) -> dict[str, list]:
        images = [_as_uint8(im) for im in batch["image"]]
        if augmenter is not None:
            kinds = [kind_names[int(k)] if kind_names else k for k in batch["kind"]]
            images = [augmenter(im, k) for im, k in zip(images, kinds)]
        return {"image": images, "labels": [int(x) for x in batch["label"]]}

    return transform


def collate(examples: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Stack transformed examples into ``pixel_values`` (B, 3, 224, 224) and ``labels`` (B,)."""
    import torch

    from insar_hf.model.presets import pixel_values_from_images

    return {
        "pixel_values": pixel_values_from_images(np.stack([e["image"] for e in examples])),
        "labels": torch.tensor([int(e["labels"]) for e in examples], dtype=torch.long),
    }


def load_splits(data_args: DataArguments):
    """``{train, eval, test}`` raw splits (``Dataset`` or ``IterableDataset``), truncated."""
    from datasets import load_dataset

    ds = load_dataset(data_args.dataset, streaming=data_args.streaming)
    out = {}
    for role, name, limit in (
        ("train", data_args.train_split, data_args.max_train_samples),
        ("eval", data_args.eval_split, data_args.max_eval_samples),
        ("test", data_args.test_split, data_args.max_test_samples),
    ):
        if name not in ds:
            raise ValueError(
                f"split {name!r} (--{role}_split) is not in {data_args.dataset}; it has {sorted(ds)}"
            )
        split = ds[name]
        missing = {"image", "label"} - set(split.features or {})
        if missing:
            raise ValueError(f"split {name!r} lacks the column(s) {sorted(missing)}")
        if limit is not None:
            split = (
                split.take(limit)
                if data_args.streaming
                else split.select(range(min(limit, len(split))))
            )
        out[role] = split
    return out


def lazy_split(split, augmenter: Augmenter | None):
    """The split with the lazy transform attached (map-style: ``set_transform``)."""
    features = split.features
    kind_names = getattr(features.get("kind"), "names", None)
    if augmenter is not None and "kind" not in features:
        raise ValueError("augmentation needs the 'kind' column; pass --augment false")
    columns = [c for c in ("image", "label", "kind") if c in features]
    transform = make_transform(augmenter, kind_names)
    if hasattr(split, "set_transform"):
        split = split.select_columns(columns)
        split.set_transform(transform)
        return split
    # Streaming: decode batch by batch while iterating.
    return split.select_columns(columns).map(
        transform, batched=True, batch_size=64, remove_columns=columns
    )


# --- the run ----------------------------------------------------------------------------------


def _time_budget_callback(minutes: float):
    """A callback that ends training, with a last evaluation and checkpoint, after ``minutes``."""
    import time

    from transformers import TrainerCallback

    class TimeBudget(TrainerCallback):
        def on_train_begin(self, args, state, control, **kwargs):
            self.start = time.monotonic()

        def on_step_end(self, args, state, control, **kwargs):
            if time.monotonic() - self.start > 60.0 * minutes:
                control.should_training_stop = True
                control.should_evaluate = args.eval_strategy != "no"
                control.should_save = True
            return control

    return TimeBudget()


def _trainer_class():
    """``Trainer`` whose checkpoint reloads go through ``from_pretrained``.

    transformers 5 renamed ViT's modules (``vit.layers.N.attention.q_proj``) but still saves the
    legacy key names (``vit.encoder.layer.N.attention.attention.query``) and converts them only in
    ``from_pretrained``. ``Trainer`` reloads checkpoints (``load_best_model_at_end``,
    ``resume_from_checkpoint``) with a non-strict ``load_state_dict`` of the raw file, which then
    matches no encoder weight and silently keeps the current ones. Here the weights are read with
    ``from_pretrained`` and copied with ``strict=True`` (plain DDP / single-device runs; FSDP and
    DeepSpeed keep Trainer's own loaders). Upstream: huggingface/transformers #43701, #48805.
    """
    from transformers import PreTrainedModel, Trainer

    class InsarTrainer(Trainer):
        def _restore_weights(self, folder: str, model=None) -> bool:
            target = self.accelerator.unwrap_model(self.model if model is None else model)
            if (
                self.is_fsdp_enabled
                or self.is_deepspeed_enabled
                or not isinstance(target, PreTrainedModel)
                or not Path(folder, "model.safetensors").is_file()
            ):
                return False
            loaded = type(target).from_pretrained(folder)
            target.load_state_dict(loaded.state_dict(), strict=True)
            return True

        def _load_from_checkpoint(self, resume_from_checkpoint: str, model=None) -> None:
            if not self._restore_weights(resume_from_checkpoint, model):
                super()._load_from_checkpoint(resume_from_checkpoint, model)

        def _load_best_model(self) -> None:
            if not self._restore_weights(self.state.best_model_checkpoint):
                super()._load_best_model()

    return InsarTrainer


def _hyperparameters(
    model_args: ModelArguments, data_args: DataArguments, args: InsarTrainingArguments
) -> dict[str, Any]:
    hp = dict(
        preset=model_args.preset if model_args.init_from is None else None,
        init_from=model_args.init_from,
        learning_rate=args.learning_rate,
        optimizer=f"{args.optim} (weight_decay={args.weight_decay})",
        lr_scheduler=str(getattr(args.lr_scheduler_type, "value", args.lr_scheduler_type)),
        num_train_epochs=args.num_train_epochs if args.max_steps <= 0 else None,
        max_steps=args.max_steps if args.max_steps > 0 else None,
        per_device_train_batch_size=args.per_device_train_batch_size,
        world_size=args.world_size,
        gradient_accumulation_steps=args.gradient_accumulation_steps,
        total_train_batch_size=args.per_device_train_batch_size
        * args.world_size
        * args.gradient_accumulation_steps,
        bf16=bool(args.bf16),
        seed=args.seed,
        image_size=IMAGE_SIZE,
        patch_size=16,
        augment=data_args.augment,
        flip_prob=data_args.flip_prob if data_args.augment else None,
        phase_offset=data_args.phase_offset if data_args.augment else None,
        crop_prob=data_args.crop_prob if data_args.augment else None,
        crop_min_scale=data_args.crop_min_scale if data_args.augment else None,
    )
    return {k: v for k, v in hp.items() if v is not None}


def train(
    model_args: ModelArguments, data_args: DataArguments, training_args: InsarTrainingArguments
) -> dict[str, Any]:
    """Train, evaluate on the test split and write every artefact into ``output_dir``.

    Returns the test metrics (``metrics.json``) on the main process, ``{}`` elsewhere.
    """
    from transformers import EarlyStoppingCallback, set_seed
    from transformers.trainer_utils import get_last_checkpoint

    from insar_hf.model.presets import build_image_processor, build_model, labels_from_class_label
    from insar_hf.training.card import TRAINING_CONFIG_FILE, push_model, write_model_card
    from insar_hf.training.evaluation import compute_metrics, evaluate_model

    check_arguments(data_args, training_args)
    resume = training_args.resume_from_checkpoint
    out = Path(training_args.output_dir)
    if resume is None and out.is_dir() and get_last_checkpoint(str(out)) is not None:
        raise ValueError(
            f"{out} already holds {Path(get_last_checkpoint(str(out))).name}: continue it with "
            "--resume_from_checkpoint last, or choose an empty --output_dir"
        )
    set_seed(training_args.seed)
    splits = load_splits(data_args)
    id2label, label2id = labels_from_class_label(splits["train"].features["label"])
    model = build_model(
        model_args.preset,
        id2label=id2label,
        label2id=label2id,
        init_from=model_args.init_from,
        keep_classifier=model_args.keep_classifier,
    )
    augmenter = None
    if data_args.augment:
        augmenter = Augmenter(
            flip_prob=data_args.flip_prob,
            phase_offset=data_args.phase_offset,
            crop_prob=data_args.crop_prob,
            crop_min_scale=data_args.crop_min_scale,
        )
    if data_args.streaming:  # map-style splits are shuffled by Trainer's sampler
        splits["train"] = splits["train"].shuffle(seed=training_args.seed, buffer_size=1000)
    callbacks = []
    if training_args.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(training_args.early_stopping_patience))
    if training_args.time_budget_minutes:
        callbacks.append(_time_budget_callback(training_args.time_budget_minutes))
    trainer = _trainer_class()(
        model=model,
        args=training_args,
        data_collator=collate,
        train_dataset=lazy_split(splits["train"], augmenter),
        eval_dataset=lazy_split(splits["eval"], None),
        processing_class=build_image_processor(),
        compute_metrics=compute_metrics,
        callbacks=callbacks,
    )
    if resume == "last":
        resume = get_last_checkpoint(training_args.output_dir)
        if resume is None:
            raise ValueError(
                f"--resume_from_checkpoint last: no checkpoint in {training_args.output_dir}"
            )
    result = trainer.train(resume_from_checkpoint=resume)
    trainer.save_model()  # best model (load_best_model_at_end) + image processor
    trainer.save_state()
    if not trainer.is_world_process_zero():
        return {}
    model_name = model_args.model_name or training_args.hub_model_id or out.resolve().name
    config = dict(
        model_name=model_name,
        dataset=data_args.dataset,
        preset=model_args.preset if model_args.init_from is None else None,
        init_from=model_args.init_from,
        hyperparameters=_hyperparameters(model_args, data_args, training_args),
        train_runtime_s=round(result.metrics.get("train_runtime", float("nan")), 2),
        best_checkpoint=trainer.state.best_model_checkpoint,
        best_validation_f1=trainer.state.best_metric,
    )
    (out / TRAINING_CONFIG_FILE).write_text(json.dumps(config, indent=2, default=str) + "\n")
    metrics = evaluate_model(
        trainer.model,
        splits["test"],
        out,
        split=data_args.test_split,
        dataset_name=data_args.dataset,
        batch_size=training_args.per_device_eval_batch_size,
        log_history=trainer.state.log_history,
    )
    write_model_card(out, model_name=model_name)
    if training_args.push_final_model:
        push_model(
            out,
            training_args.hub_model_id,
            token=training_args.hub_token,
            private=bool(training_args.hub_private_repo),
        )
    return metrics


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``training/train.py``."""
    model_args, data_args, training_args = parse_args(argv)
    metrics = train(model_args, data_args, training_args)
    if metrics:
        overall = metrics["overall"]
        print(
            "test: "
            + ", ".join(f"{k}={overall[k]:.4f}" for k in ("accuracy", "precision", "recall", "f1"))
            + f" -> {training_args.output_dir}"
        )
    return 0


__all__ = [
    "Augmenter",
    "DataArguments",
    "InsarTrainingArguments",
    "ModelArguments",
    "collate",
    "load_splits",
    "main",
    "parse_args",
    "train",
]
