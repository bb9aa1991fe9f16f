"""A training run of the ViT detector with ``Trainer`` + Accelerate: :func:`train`, :func:`main`.

``training/train.py`` is a thin wrapper around :func:`main`; the same code runs under
``python training/train.py ...`` and ``accelerate launch --config_file ... training/train.py ...``.
The arguments are in :mod:`insar_hf.training.arguments`, the data in
:mod:`insar_hf.training.data`, the augmentation and collation in :mod:`insar_hf.training.augment`.

:func:`make_trainer` builds the ``Trainer`` of a run; :func:`train` trains with it, keeps the
best checkpoint by validation ROC-AUC (``metric_for_best_model``), evaluates it on the test split
(:mod:`insar_hf.training.evaluation`), writes the model card (:mod:`insar_hf.training.card`) and
optionally pushes the model. Checkpoints are reloaded through ``from_pretrained``
(:func:`trainer_class`, a workaround for transformers 5's legacy ViT key names).

The loss is the cross-entropy of the [CLS] logits, plus, with ``--patch_loss_weight w > 0``, ``w``
times the **patch loss** (:func:`patch_loss`): the cross-entropy of the same classifier applied
to every last-layer patch token (:func:`insar_hf.inference.patch_map.patch_token_logits`), whose
target is 1 where at least ``--patch_fraction`` of the patch lies in the scene's deformation
mask (an earthquake scene's; 0 elsewhere and in every other scene), flipped and cropped with the
image (:func:`insar_hf.training.memory.make_collator`). The model stays a plain
``ViTForImageClassification``; its patch tokens then give the ``"patch"`` explanation map.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from insar_hf.backgrounds import BackgroundBank
from insar_hf.files import give_umask_mode
from insar_hf.inference.patch_map import patch_token_logits
from insar_hf.model.calibration import load_calibration
from insar_hf.model.presets import (
    build_image_processor,
    build_model,
    labels_from_class_label,
    load_model,
)
from insar_hf.schema import IMAGE_SIZE
from insar_hf.training.arguments import (
    DataArguments,
    InsarTrainingArguments,
    ModelArguments,
    check_arguments,
    parse_args,
)
from insar_hf.training.batch_augment import BatchAugmentation
from insar_hf.training.calibrate import calibrate_after_training, choose_map_after_training
from insar_hf.training.card import TRAINING_CONFIG_FILE, push_model, write_model_card
from insar_hf.training.card_sections import write_real_nuisance
from insar_hf.training.data import load_splits, training_datasets
from insar_hf.training.evaluation import compute_metrics, evaluate_model, materialise
from insar_hf.training.memory import PatchTargets, make_collator
from insar_hf.training.real_nuisance import measure_real_nuisance


def time_budget_callback(minutes: float):
    """A callback that ends training, with a last evaluation and checkpoint, after ``minutes``."""
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


def patch_loss(model, hidden_states, patch_labels, num_items_in_batch=None):
    """The patch loss of a batch: per image, the mean cross-entropy over its patch tokens.

    Parameters
    ----------
    model
        The (unwrapped) ``ViTForImageClassification``.
    hidden_states
        ``hidden_states`` of its forward pass (``output_hidden_states=True``).
    patch_labels
        Long (B, N): the targets of :func:`insar_hf.training.batch_augment.patch_targets`.
    num_items_in_batch
        As given to ``Trainer.compute_loss``: the images of the whole (accumulated) batch. The
        per-image losses are summed and divided by it, the normalisation of the [CLS] loss;
        None: their mean.

    Returns
    -------
    torch.Tensor
        A scalar.
    """
    import torch.nn.functional as F

    logits = patch_token_logits(model, hidden_states)  # (B, N, C)
    if logits.shape[:2] != patch_labels.shape:
        raise ValueError(
            f"patch_labels {tuple(patch_labels.shape)} do not match the model's "
            f"{tuple(logits.shape[:2])} patch tokens: give the model's patch size to PatchTargets"
        )
    ce = F.cross_entropy(logits.flatten(0, 1).float(), patch_labels.flatten(), reduction="none")
    per_image = ce.view(patch_labels.shape).mean(dim=1)  # (B,)
    if num_items_in_batch is None:
        return per_image.mean()
    return per_image.sum() / num_items_in_batch


def trainer_class():
    """``Trainer`` whose checkpoint reloads go through ``from_pretrained``, with the patch loss.

    transformers 5 renamed ViT's modules (``vit.layers.N.attention.q_proj``) but still saves the
    legacy key names (``vit.encoder.layer.N.attention.attention.query``) and converts them only in
    ``from_pretrained``. ``Trainer`` reloads checkpoints (``load_best_model_at_end``,
    ``resume_from_checkpoint``) with a non-strict ``load_state_dict`` of the raw file, which then
    matches no encoder weight and silently keeps the current ones. Here the weights are read with
    ``from_pretrained`` and copied with ``strict=True`` (plain DDP / single-device runs; FSDP and
    DeepSpeed keep Trainer's own loaders). Upstream: huggingface/transformers #43701, #48805.

    ``compute_loss`` adds ``args.patch_loss_weight`` times :func:`patch_loss` when the batch has
    ``patch_labels``; with the weight 0 (or no ``patch_labels``) it is ``Trainer``'s own loss.
    """
    from transformers import PreTrainedModel, Trainer

    class InsarTrainer(Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
            patch_labels = inputs.pop("patch_labels", None)
            weight = float(getattr(self.args, "patch_loss_weight", 0.0))
            if patch_labels is None or weight == 0.0:
                return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
            inputs = {**inputs, "output_hidden_states": True}
            loss, outputs = super().compute_loss(model, inputs, True, num_items_in_batch)
            extra = patch_loss(
                self.accelerator.unwrap_model(model),
                outputs.hidden_states,
                patch_labels,
                num_items_in_batch,
            )
            if num_items_in_batch is not None and self.args.average_tokens_across_devices:
                extra = extra * self.accelerator.num_processes  # as Trainer scales the [CLS] loss
            loss = loss + weight * extra
            # Only the logits go on to the metrics (hidden states would be taken as predictions).
            outputs = type(outputs)(loss=loss, logits=outputs.logits)
            return (loss, outputs) if return_outputs else loss

        def _save(self, output_dir: str | None = None, state_dict=None) -> None:
            # safetensors >= 0.8 writes through a 0600 temporary file (safetensors#782): give
            # the weights the mode the umask says, as every other file of the folder has.
            super()._save(output_dir, state_dict)
            folder = Path(output_dir if output_dir is not None else self.args.output_dir)
            for weights in folder.glob("*.safetensors"):
                give_umask_mode(weights)

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
        warmup_steps=args.warmup_steps or None,  # a float under 1 is a fraction of all steps
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
        patch_loss_weight=args.patch_loss_weight,
        patch_fraction=args.patch_fraction if args.patch_loss_weight > 0 else None,
    )
    return {k: v for k, v in hp.items() if v is not None}


def make_trainer(
    model_args: ModelArguments, data_args: DataArguments, training_args: InsarTrainingArguments
):
    """The ``Trainer`` of a run, ready for ``.train()``, and the raw splits it was made from.

    Seeds, reads the splits, builds the model and attaches the lazy transforms (augmented for
    training only). Returns ``(trainer, splits)``; ``splits["test"]`` is left for the final
    evaluation.
    """
    from transformers import EarlyStoppingCallback, set_seed

    set_seed(training_args.seed)
    masks = training_args.patch_loss_weight > 0
    splits = load_splits(data_args, masks=masks)
    id2label, label2id = labels_from_class_label(splits["train"].features["label"])
    model = build_model(
        model_args.preset,
        id2label=id2label,
        label2id=label2id,
        init_from=model_args.init_from,
        keep_classifier=model_args.keep_classifier,
    )
    augmentation = None
    if data_args.augment:
        augmentation = BatchAugmentation(
            flip_prob=data_args.flip_prob,
            phase_offset=data_args.phase_offset,
            crop_prob=data_args.crop_prob,
            crop_min_scale=data_args.crop_min_scale,
        )
    if data_args.streaming and data_args.synthetic_seed is None:
        # Map-style splits are shuffled by Trainer's sampler; generator scenes are independent
        # already (a buffer would make every worker generate 1,000 scenes before its first batch).
        splits["train"] = splits["train"].shuffle(seed=training_args.seed, buffer_size=1000)
    callbacks = []
    if training_args.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(training_args.early_stopping_patience))
    if training_args.time_budget_minutes:
        callbacks.append(time_budget_callback(training_args.time_budget_minutes))
    train_dataset, eval_dataset, _ = training_datasets(
        splits, in_memory=data_args.in_memory, masks=masks
    )
    patches = (
        PatchTargets(patch_size=model.config.patch_size, fraction=training_args.patch_fraction)
        if masks
        else None
    )
    trainer = trainer_class()(
        model=model,
        args=training_args,
        data_collator=make_collator(augmentation, patches),
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        processing_class=build_image_processor(),
        compute_metrics=compute_metrics,
        callbacks=callbacks,
    )
    return trainer, splits


def train(
    model_args: ModelArguments, data_args: DataArguments, training_args: InsarTrainingArguments
) -> dict[str, Any]:
    """Train, evaluate on the test split and write every artefact into ``output_dir``.

    Returns the test metrics (``metrics.json``) on the main process, ``{}`` elsewhere.
    """
    check_arguments(data_args, training_args)
    out = Path(training_args.output_dir)
    trainer, splits = make_trainer(model_args, data_args, training_args)
    # "last" was resolved to a checkpoint folder when the arguments were made.
    result = trainer.train(resume_from_checkpoint=training_args.resume_from_checkpoint)
    trainer.save_model()  # best model (load_best_model_at_end) + image processor
    trainer.save_state()
    if not trainer.is_world_process_zero():
        return {}
    model_name = model_args.model_name or training_args.hub_model_id or out.resolve().name
    config = dict(
        model_name=model_name,
        dataset=data_args.dataset,
        dataset_id=data_args.dataset_id,
        preset=model_args.preset if model_args.init_from is None else None,
        init_from=model_args.init_from,
        hyperparameters=_hyperparameters(model_args, data_args, training_args),
        train_runtime_s=round(result.metrics.get("train_runtime", float("nan")), 2),
        best_checkpoint=trainer.state.best_model_checkpoint,
        best_metric=training_args.metric_for_best_model,
        best_validation_metric=trainer.state.best_metric,
    )
    (out / TRAINING_CONFIG_FILE).write_text(json.dumps(config, indent=2, default=str) + "\n")
    # Calibrated and measured as users load it (eager attention): the in-memory model's SDPA
    # differs in the last bits, and the threshold sits one ulp above a validation score.
    served = load_model(out).to(trainer.model.device).eval()
    eval_split = materialise(splits["eval"])  # a stream is read once for both uses below
    bank = (
        BackgroundBank(data_args.real_backgrounds)
        if data_args.real_backgrounds is not None
        else None
    )
    calibrate_after_training(
        served,
        eval_split,
        out,
        batch_size=training_args.per_device_eval_batch_size,
        split=data_args.eval_split,
        real_backgrounds=bank,
    )
    choose_map_after_training(served, eval_split, out)
    metrics = evaluate_model(
        served,
        splits["test"],
        out,
        split=data_args.test_split,
        dataset_name=data_args.dataset,
        batch_size=training_args.per_device_eval_batch_size,
        log_history=trainer.state.log_history,
    )
    if bank is not None:
        report = measure_real_nuisance(
            served,
            load_calibration(out),
            bank,
            earthquakes_per_split=data_args.real_nuisance_earthquakes,
            seed=training_args.seed,
            batch_size=training_args.per_device_eval_batch_size,
        )
        write_real_nuisance(out, report)
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
