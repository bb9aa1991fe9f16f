"""Command-line arguments of a training run, parsed by ``HfArgumentParser``.

Three dataclasses: :class:`ModelArguments` (which network), :class:`DataArguments` (which data,
which augmentations) and :class:`InsarTrainingArguments` (``TrainingArguments`` with the paper's
recipe as defaults: Adam, learning rate 1e-5, 20 epochs, evaluation and a checkpoint each epoch,
best checkpoint by validation F1, TensorBoard logs). A JSON file with all of them may be given
as the only argument instead (:func:`parse_args`).

Every check that needs no data and no model happens here, when the arguments are made (each
dataclass's ``__post_init__``, :func:`check_arguments` for the cross-checks), so that a bad
option fails before anything is loaded. ``--resume_from_checkpoint last`` is resolved here too.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from transformers import HfArgumentParser, TrainingArguments
from transformers.trainer_utils import get_last_checkpoint

from insar_hf.model.presets import PRESETS
from insar_hf.training.card import dataset_id_of


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
    synthetic_seed: int | None = field(
        default=None,
        metadata={
            "help": "Train on fresh generator scenes of this dataset seed, streamed with no image "
            "files (insar_hf.dataset.stream; needs --max_steps). Validation and test are the "
            "first --max_eval_samples (default 512) / --max_test_samples (default 1024) rows that "
            "`insar-hf generate --seed N` writes. Replaces --dataset."
        },
    )
    real_backgrounds: str | None = field(
        default=None,
        metadata={
            "help": "Folder of real earthquake-free wrapped interferograms (`insar-hf generate "
            "--real-backgrounds`, split by volcano alike): the decision threshold is set for at "
            "most 5 %% false alarms on the raw interferograms of its validation volcanoes, "
            "real_nuisance.json and the card report false alarms and detection on its validation "
            "and test volcanoes, and --synthetic_seed streams draw --real_background_fraction "
            "of their wrapped scenes on it."
        },
    )
    real_background_fraction: float = field(
        default=0.5,
        metadata={
            "help": "With --synthetic_seed and --real_backgrounds: share of the streamed wrapped "
            "scenes drawn on a real background."
        },
    )
    real_nuisance_earthquakes: int = field(
        default=300,
        metadata={
            "help": "With --real_backgrounds: synthetic earthquakes drawn on the backgrounds of "
            "each of its validation and test splits to measure detection (real_nuisance.json)."
        },
    )
    dataset_id: str | None = field(
        default=None,
        metadata={
            "help": "Name of the dataset in the model card's model-index, e.g. the Hub id a "
            "local folder was pushed to (default: --dataset when it is a Hub id, else the "
            "pretty_name of the folder's dataset card)."
        },
    )
    train_split: str = field(default="train", metadata={"help": "Split to train on."})
    eval_split: str = field(default="validation", metadata={"help": "Split evaluated each epoch."})
    test_split: str = field(default="test", metadata={"help": "Split of the final metrics."})
    streaming: bool = field(
        default=False,
        metadata={"help": "Stream the dataset (paper-scale sets); needs --max_steps > 0."},
    )
    in_memory: bool | None = field(
        default=None,
        metadata={
            "help": "Decode the train and validation splits once into memory (fast; 150 KB per "
            "image). Default: when they fit in half the free memory; false: decode lazily."
        },
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
        if self.synthetic_seed is not None:
            if self.dataset:
                raise ValueError("give --dataset or --synthetic_seed, not both")
            self.dataset = f"synthetic stream (seed {self.synthetic_seed})"
            self.dataset_id = self.dataset_id or self.dataset
        if not self.dataset:
            raise ValueError(
                "--dataset is required: a folder written by `insar-hf generate` or a Hub id "
                "(or --synthetic_seed N to train on streamed generator scenes)"
            )
        if self.dataset_id is None:  # resolved now, while a relative --dataset still resolves
            self.dataset_id = dataset_id_of(self.dataset)
        for name in ("flip_prob", "crop_prob"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"--{name} must be a probability in [0, 1], got {value}")
        if not 0.0 <= self.real_background_fraction <= 1.0:
            raise ValueError(
                "--real_background_fraction must be a probability in [0, 1], "
                f"got {self.real_background_fraction}"
            )
        if self.real_nuisance_earthquakes < 1:
            raise ValueError(
                f"--real_nuisance_earthquakes must be >= 1, got {self.real_nuisance_earthquakes}"
            )
        if self.real_backgrounds is not None and not os.path.isdir(self.real_backgrounds):
            raise ValueError(f"--real_backgrounds {self.real_backgrounds}: no such folder")
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
    """``TrainingArguments`` with the paper's recipe as defaults, and a few of our own.

    ``--resume_from_checkpoint last`` is replaced by the newest checkpoint of ``output_dir`` when
    the arguments are made (:func:`last_checkpoint`), so a missing one fails at once.
    """

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
    load_best_model_at_end: bool = field(
        default=True, metadata={"help": "Keep the best checkpoint by --metric_for_best_model."}
    )
    metric_for_best_model: str | None = field(
        default="roc_auc",
        metadata={
            "help": "Best-checkpoint metric: roc_auc (default) or loss; never f1, recall or "
            "accuracy, which a classifier that calls everything an earthquake can win."
        },
    )
    greater_is_better: bool | None = field(
        default=None,
        metadata={"help": "For the metric (default: True for roc_auc, False for loss)."},
    )
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
        metadata={
            "help": "Stop after this many evaluations without a better best-checkpoint metric "
            "(off by default)."
        },
    )
    time_budget_minutes: float | None = field(
        default=None,
        metadata={
            "help": "Stop training (after evaluating and saving) once this many minutes have "
            "passed; the best checkpoint so far is kept. Off by default."
        },
    )
    patch_loss_weight: float = field(
        default=0.0,
        metadata={
            "help": "Weight of the patch loss: the cross-entropy of the same classifier applied "
            "to every last-layer patch token, against the generator's deformation mask (needs "
            "the deformation_mask column). 0 (default): the [CLS] loss alone."
        },
    )
    patch_fraction: float = field(
        default=0.25,
        metadata={
            "help": "A patch's target is 'earthquake' when at least this fraction of its pixels "
            "lies in the deformation mask (of an earthquake scene), in (0, 1]."
        },
    )

    def __post_init__(self):
        check_selection_metric(self)
        if not (math.isfinite(self.patch_loss_weight) and self.patch_loss_weight >= 0.0):
            raise ValueError(
                f"--patch_loss_weight must be a finite number >= 0 (0 turns the patch loss off), "
                f"got {self.patch_loss_weight}"
            )
        if not 0.0 < self.patch_fraction <= 1.0:
            raise ValueError(f"--patch_fraction must lie in (0, 1], got {self.patch_fraction}")
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
        if self.resume_from_checkpoint == "last":
            self.resume_from_checkpoint = last_checkpoint(self.output_dir)


def last_checkpoint(output_dir: str) -> str:
    """The newest ``checkpoint-N`` folder in ``output_dir`` (``--resume_from_checkpoint last``).

    Raises ``ValueError`` when there is none, before any data or model is loaded.
    """
    last = get_last_checkpoint(output_dir) if Path(output_dir).is_dir() else None
    if last is None:
        raise ValueError(f"--resume_from_checkpoint last: no checkpoint in {output_dir}")
    return last


def parse_args(
    argv: Sequence[str] | None = None,
) -> tuple[ModelArguments, DataArguments, InsarTrainingArguments]:
    """Parse command-line options, or a JSON file given as the only argument."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = HfArgumentParser((ModelArguments, DataArguments, InsarTrainingArguments))
    if len(argv) == 1 and argv[0].endswith(".json"):
        return parser.parse_json_file(json_file=os.path.abspath(argv[0]))
    return parser.parse_args_into_dataclasses(args=argv)


SELECTION_METRICS = {"roc_auc": True, "loss": False, "eval_loss": False}
"""Best-checkpoint metrics a constant predictor cannot win, and whether greater is better.

F1 rewards the classifier that calls everything an earthquake (F1 0.64 at 47 % positives), so a
run once kept its first epoch, a constant predictor (test ROC-AUC 0.56), over a later epoch of
validation ROC-AUC 0.75 (issue 12).  A constant score has ROC-AUC exactly 0.5 and the loss of
the class prior, which any informative epoch beats."""


def check_selection_metric(args) -> None:
    """Refuse a best-checkpoint metric a constant predictor can win; fill ``greater_is_better``."""
    metric = args.metric_for_best_model
    if not args.load_best_model_at_end or metric is None:
        return
    if metric not in SELECTION_METRICS:
        raise ValueError(
            f"--metric_for_best_model {metric} can be won by a classifier that calls everything "
            f"an earthquake; choose one of {sorted(SELECTION_METRICS)}"
        )
    greater = SELECTION_METRICS[metric]
    if args.greater_is_better is None:
        args.greater_is_better = greater
    elif args.greater_is_better != greater:
        raise ValueError(
            f"--greater_is_better {args.greater_is_better} contradicts --metric_for_best_model "
            f"{metric}: a {'higher' if greater else 'lower'} {metric} is better"
        )


def check_arguments(data_args: DataArguments, training_args: InsarTrainingArguments) -> None:
    """Cross-checks that no single dataclass can make, and a guard on ``output_dir``.

    An ``output_dir`` that already holds checkpoints is refused unless the run resumes one, so
    that a new run never mixes its checkpoints with an older run's.
    """
    if data_args.synthetic_seed is not None and training_args.max_steps <= 0:
        raise ValueError(
            "--synthetic_seed streams endless scenes, so the number of steps is unknown: give "
            "--max_steps N (and --eval_strategy steps --save_strategy steps --eval_steps M)"
        )
    if data_args.streaming and training_args.max_steps <= 0:
        raise ValueError(
            "--streaming has no dataset length, so the number of steps is unknown: give "
            "--max_steps N (and --eval_strategy steps --save_strategy steps --eval_steps M)"
        )
    out = Path(training_args.output_dir)
    if training_args.resume_from_checkpoint is None and out.is_dir():
        last = get_last_checkpoint(str(out))
        if last is not None:
            raise ValueError(
                f"{out} already holds {Path(last).name}: continue it with "
                "--resume_from_checkpoint last, or choose an empty --output_dir"
            )
