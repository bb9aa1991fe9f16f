"""A training run of the source-estimation network: earthquake scenes, regression targets.

The detector's recipe (:mod:`insar_hf.training.trainer`: ``HfArgumentParser``, ``Trainer`` +
Accelerate, splits decoded once by :func:`insar_hf.training.memory.decode_split`) except that:

* only earthquake scenes (``label == 1``) are used; ``--max_*_samples`` count earthquakes;
* ``labels`` are the standardised float targets of :mod:`insar_hf.source.targets`; the model is
  a ``ViTForImageClassification`` with ``problem_type="regression"`` (MSE), one output per
  target (``id2label``), the target scaling in its ``config.json``;
* the **epicentre is located, not regressed**: the same head applied to every last-layer patch
  token gives, in its ``epicentre_heat`` output, one logit per patch; the loss adds
  ``--epicentre_loss_weight`` times the cross-entropy of their softmax against the epicentre's
  bilinear share of the four nearest patch centres (:func:`insar_hf.source.epicentre.heat_target`,
  decoded by :func:`~insar_hf.source.epicentre.decode_epicentre`). The model stays a plain
  ``ViTForImageClassification``;
* **geometric augmentation is off**: a flip moves the epicentre and mirrors the mechanism (and
  the look direction, which no right-looking radar has), a crop moves the epicentre and changes
  the pixel scale of the scale-free targets. Only the random phase offset of wrapped images
  (:func:`insar_hf.training.source_batches.rotate_wrapped_phase`; it changes no target) is kept; ``--flip_prob`` / ``--crop_prob``
  other than 0 are refused;
* the best checkpoint has the lowest validation loss; the validation residuals then choose each
  field's head and give its one-sigma spread (:func:`calibrate_scaling`), and the test split is
  scored (``source_metrics.json``). ``training/train_source.py`` wraps :func:`main`.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from insar_hf.model.presets import build_image_processor, build_model
from insar_hf.schema import KIND_NAMES, POSITIVE_LABEL
from insar_hf.source.estimate import SourceEstimate
from insar_hf.source.estimator import SourceEstimator
from insar_hf.source.metrics import TRUTH_KEYS, source_errors
from insar_hf.source.targets import (
    REQUIRED_COLUMNS,
    SCALE_FREE_FIELDS,
    SOURCE_FIELDS,
    TARGETS,
    TargetScaling,
    residuals,
    spread,
)
from insar_hf.training.arguments import (
    DataArguments,
    InsarTrainingArguments,
    ModelArguments,
    check_arguments,
)
from insar_hf.training.card import TRAINING_CONFIG_FILE
from insar_hf.training.data import named_splits
from insar_hf.training.memory import decode_split
from insar_hf.training.source_batches import (
    make_regression_collator,
    regression_metrics,
    source_trainer_class,
)
from insar_hf.training.trainer import time_budget_callback

METRICS_FILE = "source_metrics.json"
GEOMETRIC_AUGMENTATION_ERROR = (
    "source training keeps flips and crops off: they move the epicentre, mirror the mechanism and "
    "change the pixel scale of the targets; pass --flip_prob 0 --crop_prob 0"
)


@dataclass
class SourceDataArguments(DataArguments):
    """:class:`~insar_hf.training.arguments.DataArguments` without geometric augmentation."""

    flip_prob: float = field(default=0.0, metadata={"help": "Must stay 0 (moves the targets)."})
    crop_prob: float = field(default=0.0, metadata={"help": "Must stay 0 (moves the targets)."})

    def __post_init__(self):
        super().__post_init__()
        if self.flip_prob != 0.0 or self.crop_prob != 0.0:
            raise ValueError(GEOMETRIC_AUGMENTATION_ERROR)
        if self.streaming or self.synthetic_seed is not None:
            raise ValueError(
                "source training reads a dataset folder or Hub id into memory; drop --streaming "
                "and --synthetic_seed"
            )


@dataclass
class SourceTrainingArguments(InsarTrainingArguments):
    """:class:`~insar_hf.training.arguments.InsarTrainingArguments`, best checkpoint by loss."""

    output_dir: str | None = field(
        default="outputs/source_model", metadata={"help": "Checkpoints, logs, metrics, model."}
    )
    metric_for_best_model: str | None = field(
        default="loss",
        metadata={"help": "Best checkpoint by validation loss (MSE + weighted epicentre loss)."},
    )
    epicentre_loss_weight: float = field(
        default=1.0,
        metadata={
            "help": "Weight of the epicentre heat-map loss (cross-entropy over the patch tokens) "
            "beside the mean squared error of the [CLS] regression targets."
        },
    )
    label_names: list[str] | None = field(
        default_factory=lambda: ["labels", "epicentre_px"],
        metadata={"help": "Batch keys handed to the metrics (the epicentre's pixels too)."},
    )

    def __post_init__(self):
        super().__post_init__()
        if self.patch_loss_weight != 0.0:
            raise ValueError(
                "--patch_loss_weight is the detector's loss; the source network locates its "
                "epicentre with --epicentre_loss_weight"
            )
        if not (np.isfinite(self.epicentre_loss_weight) and self.epicentre_loss_weight > 0):
            raise ValueError(
                f"--epicentre_loss_weight must be a finite number > 0 (the epicentre is learnt "
                f"only there), got {self.epicentre_loss_weight}"
            )


class RegressionSplit:
    """Decoded earthquake images with their standardised targets.

    ``images`` uint8 (N, 224, 224, 3), ``targets`` float32 (N, T), ``wrapped`` bool (N,),
    ``rows`` the metadata columns (for scoring; ``epicentre_row_px`` / ``epicentre_col_px`` are
    the heat map's truth), ``augment`` marks the training split.
    """

    def __init__(self, images, targets, wrapped, rows: dict[str, np.ndarray], augment: bool):
        if not (len(images) == len(targets) == len(wrapped)):
            raise ValueError("images, targets and wrapped must have the same length")
        self.images, self.targets, self.wrapped = images, targets, wrapped
        self.rows, self.augment = rows, augment
        self.epicentre = np.stack(
            [rows["epicentre_row_px"], rows["epicentre_col_px"]], axis=1
        ).astype(np.float32)  # (N, 2) pixels

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return {
            "image": self.images[i],
            "labels": self.targets[i],
            "epicentre_px": self.epicentre[i],
            "wrapped": bool(self.wrapped[i]),
            "augment": self.augment,
        }


def earthquake_split(split, limit: int | None = None):
    """The rows of a map-style split whose ``label`` is the earthquake class, first ``limit``."""
    names = getattr(split.features["label"], "names", None)
    positive = names.index(POSITIVE_LABEL) if names and POSITIVE_LABEL in names else 1
    index = np.flatnonzero(np.asarray(split["label"]) == positive)
    if limit is not None:
        index = index[:limit]
    if len(index) == 0:
        raise ValueError("the split holds no earthquake scene (label 1) to learn a source from")
    return split.select(index)


def load_source_splits(data_args: DataArguments) -> dict[str, Any]:
    """``{train, eval, test}``: the earthquake rows of the three splits (map-style)."""
    from datasets import load_dataset

    ds = load_dataset(data_args.dataset)
    return {
        role: earthquake_split(split, limit)
        for role, _, split, limit in named_splits(ds, data_args)
    }


def decode_regression_split(split, scaling: TargetScaling, *, augment: bool, desc: str):
    """Decode a split's images once (:func:`decode_split`) and encode its targets."""
    decoded = decode_split(split, augment=augment, desc=desc)
    columns = ("mw", "centroid_depth_m", "epicentre_row_px", "epicentre_col_px", "strike_deg")
    columns += ("dip_deg", "rake_deg", "pixel_m", "mechanism", "kind")
    rows = {c: np.asarray(split[c]) for c in columns if c in split.features}
    return RegressionSplit(decoded.images, scaling.encode(rows), decoded.wrapped, rows, augment)


def build_source_model(model_args: ModelArguments, scaling: TargetScaling):
    """A ViT regression model with one output per target and the scaling in its config."""
    if model_args.keep_classifier:
        raise ValueError("--keep_classifier does not apply: a source model has its own head")
    id2label = dict(enumerate(TARGETS))
    model = build_model(
        model_args.preset,
        id2label=id2label,
        label2id={v: k for k, v in id2label.items()},
        init_from=model_args.init_from,
    )
    model.config.problem_type = "regression"
    scaling.to_config(model.config)
    return model


def score(fields, rows, sigma: dict[str, float], seconds: float) -> dict[str, Any]:
    """Test figures of decoded fields against the truth: :func:`source_errors` (Mw, depth,
    epicentre, mechanism; by magnitude) plus the angles, Mw by kind and the share of errors
    within one sigma (68 % when ``sigma`` is calibrated)."""
    n = len(rows["mw"])
    estimates = [
        SourceEstimate(
            **{k: float(fields[k][i]) for k in SOURCE_FIELDS},
            mechanism=str(fields["mechanism"][i]),
            method="network",
            seconds=seconds,
            pixel_m=float(rows["pixel_m"][i]),
        )
        for i in range(n)
    ]
    truths = [{k: rows[k][i] for k in TRUTH_KEYS} for i in range(n)]
    out = source_errors(truths, estimates)
    res = residuals(fields, rows)
    out["strike_deg_median_abs"] = float(np.median(np.abs(res["strike_deg"])))
    out["strike_mod180_deg_median_abs"] = float(np.median(np.abs(res["strike_mod180_deg"])))
    out["dip_deg_mae"] = float(np.abs(res["dip_deg"]).mean())
    out["rake_deg_median_abs"] = float(np.median(np.abs(res["rake_deg"])))
    out["within_1_sigma"] = {k: float(np.mean(np.abs(res[k]) <= v)) for k, v in sigma.items()}
    for i, kind in enumerate(KIND_NAMES):
        sel = rows["kind"] == i
        out[f"mw_mae_{kind}"] = float(np.abs(res["mw"][sel]).mean()) if sel.any() else None
    return out


def measure(estimator: SourceEstimator, split: RegressionSplit, *, batch_size: int = 64):
    """Decoded fields of a split with and without the pixel spacing, and seconds per image."""
    t0 = time.perf_counter()
    raw = estimator.outputs(split.images, batch_size=batch_size)  # (N, T) and (N, g, g)
    seconds = (time.perf_counter() - t0) / len(split)
    decoded = {
        "with_pixel_m": estimator.decode_outputs(raw, split.rows["pixel_m"]),
        "without_pixel_m": estimator.decode_outputs(raw, None),
    }
    return decoded, seconds


def single_image_seconds(estimator: SourceEstimator, split: RegressionSplit, n: int = 20) -> float:
    """Median wall time of ``estimate`` on one rendered image at a time (batch of one)."""
    from PIL import Image

    times = []
    for i in range(min(n, len(split))):
        est = estimator.estimate(Image.fromarray(split.images[i]), pixel_m=split.rows["pixel_m"][i])
        times.append(est.seconds)
    return float(np.median(times))


def calibrate_scaling(model, val: RegressionSplit, *, batch_size: int = 64) -> TargetScaling:
    """Choose each field's head and measure its one-sigma spread on the validation split.

    A scale-free head is kept (:attr:`TargetScaling.scale_free`) only where its validation
    mean absolute error beats the plain head's. The result is stored in ``model.config``.
    """
    estimator = SourceEstimator(model, device=str(model.device))
    fields, _ = measure(estimator, val, batch_size=batch_size)
    res = {mode: residuals(fields[mode], val.rows) for mode in fields}
    mae = {mode: {f: np.abs(r[f]).mean() for f in SCALE_FREE_FIELDS} for mode, r in res.items()}
    chosen = [f for f in SCALE_FREE_FIELDS if mae["with_pixel_m"][f] < mae["without_pixel_m"][f]]
    estimator.scaling = replace(estimator.scaling, scale_free=tuple(chosen))
    fields, _ = measure(estimator, val, batch_size=batch_size)
    scaling = estimator.scaling.with_sigma(
        spread(residuals(fields["with_pixel_m"], val.rows)),
        spread(residuals(fields["without_pixel_m"], val.rows)),
    )
    scaling.to_config(model.config)
    return scaling


def train_source(
    model_args: ModelArguments, data_args: SourceDataArguments, args: SourceTrainingArguments
) -> dict[str, Any]:
    """Train, measure sigma on validation, score the test split; write it all to ``output_dir``.

    Returns the test figures (``source_metrics.json``) on the main process, ``{}`` elsewhere.
    """
    from transformers import EarlyStoppingCallback, set_seed

    check_arguments(data_args, args)
    set_seed(args.seed)
    out = Path(args.output_dir)
    splits = load_source_splits(data_args)
    scaling = TargetScaling.fit(splits["train"].select_columns(list(REQUIRED_COLUMNS))[:])
    train = decode_regression_split(splits["train"], scaling, augment=True, desc="decoding train")
    val = decode_regression_split(splits["eval"], scaling, augment=False, desc="decoding val")
    model = build_source_model(model_args, scaling)
    callbacks = []
    if args.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(args.early_stopping_patience))
    if args.time_budget_minutes:
        callbacks.append(time_budget_callback(args.time_budget_minutes))
    trainer = source_trainer_class()(
        model=model,
        args=args,
        data_collator=make_regression_collator(
            data_args.augment and data_args.phase_offset, patch_size=model.config.patch_size
        ),
        train_dataset=train,
        eval_dataset=val,
        processing_class=build_image_processor(),
        compute_metrics=regression_metrics(scaling),
        callbacks=callbacks,
    )
    result = trainer.train(resume_from_checkpoint=args.resume_from_checkpoint)
    if not trainer.is_world_process_zero():
        return {}
    scaling = calibrate_scaling(trainer.model, val, batch_size=args.per_device_eval_batch_size)
    trainer.save_model()  # best weights, the config with its sigma, the image processor
    trainer.save_state()
    estimator = SourceEstimator(trainer.model, device=str(trainer.model.device))
    test = decode_regression_split(splits["test"], scaling, augment=False, desc="decoding test")
    test_fields, seconds = measure(estimator, test, batch_size=args.per_device_eval_batch_size)
    metrics: dict[str, Any] = {
        mode: score(test_fields[mode], test.rows, scaling.sigma(mode == "with_pixel_m"), seconds)
        for mode in ("with_pixel_m", "without_pixel_m")
    }
    metrics["seconds_per_image_batched"] = seconds
    metrics["seconds_per_image_single"] = single_image_seconds(estimator, test)
    metrics["split"] = data_args.test_split
    (out / METRICS_FILE).write_text(json.dumps(metrics, indent=2) + "\n")
    hyper = ("learning_rate", "num_train_epochs", "per_device_train_batch_size", "weight_decay")
    config = dict(
        model_name=model_args.model_name or out.resolve().name,
        dataset=data_args.dataset,
        dataset_id=data_args.dataset_id,
        preset=model_args.preset if model_args.init_from is None else None,
        init_from=model_args.init_from,
        targets=list(TARGETS),
        train_earthquakes=len(train),
        **{name: getattr(args, name) for name in hyper},
        lr_scheduler=str(getattr(args.lr_scheduler_type, "value", args.lr_scheduler_type)),
        augmentation="phase offset of wrapped images only (no flips, no crops)",
        epicentre_loss_weight=args.epicentre_loss_weight,
        seed=args.seed,
        train_runtime_s=round(result.metrics.get("train_runtime", float("nan")), 2),
        best_checkpoint=trainer.state.best_model_checkpoint,
        best_validation_loss=trainer.state.best_metric,
    )
    (out / TRAINING_CONFIG_FILE).write_text(json.dumps(config, indent=2, default=str) + "\n")
    return metrics


def parse_source_args(argv: Sequence[str] | None = None):
    """``(ModelArguments, SourceDataArguments, SourceTrainingArguments)`` from options or JSON."""
    from transformers import HfArgumentParser

    argv = list(sys.argv[1:] if argv is None else argv)
    parser = HfArgumentParser((ModelArguments, SourceDataArguments, SourceTrainingArguments))
    if len(argv) == 1 and argv[0].endswith(".json"):
        return parser.parse_json_file(json_file=os.path.abspath(argv[0]))
    return parser.parse_args_into_dataclasses(args=argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``training/train_source.py``."""
    model_args, data_args, training_args = parse_source_args(argv)
    metrics = train_source(model_args, data_args, training_args)
    if metrics:
        m = metrics["with_pixel_m"]
        print(
            f"test: Mw MAE {m['mw_mae']:.3f}, depth MAE {m['depth_mae_km']:.2f} km, epicentre "
            f"median {m['epicentre_km_median']:.2f} km, mechanism {m['mechanism_accuracy']:.1%}"
            f" -> {training_args.output_dir}"
        )
    return 0
