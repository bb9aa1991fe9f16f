"""The data of a training run: the three splits, read with ``load_dataset`` and decoded lazily.

Data are read with ``load_dataset`` (a folder written by ``insar_hf.dataset.generate`` or a Hub
id). :func:`training_datasets` serves them to ``Trainer`` in one of two ways:

* **in memory** (map-style splits that fit, the default): decoded once by
  :func:`insar_hf.training.memory.decode_split`;
* **lazily** (streaming, or splits too large for memory): decoded batch by batch while training
  (:func:`lazy_split`: ``set_transform`` for map-style splits, ``IterableDataset.map`` when
  streaming).

Either way the collator (:func:`insar_hf.training.memory.make_collator`) augments training
batches as one tensor operation (:mod:`insar_hf.training.batch_augment`); evaluation images never
are augmented.

``masks=True`` (a run with the patch loss, ``--patch_loss_weight`` > 0) carries each scene's
``deformation_mask`` along, on every path: decoded into memory, decoded lazily (map-style or
streamed parquet), and from the generator stream (``--synthetic_seed``), whose training rows are
then the parquet set's full rows (:func:`insar_hf.dataset.stream.synthetic_stream` with
``full_rows=True``: the mask costs a WebP image encoded and decoded per scene).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from insar_hf.backgrounds import BackgroundBank
from insar_hf.dataset.stream import stream_splits
from insar_hf.schema import KIND_NAMES
from insar_hf.simulate.config import SceneConfig
from insar_hf.training.augment import as_uint8
from insar_hf.training.memory import MASK_COLUMN, decode_split, fits_in_memory, mask_array

if TYPE_CHECKING:
    from insar_hf.training.arguments import DataArguments


def named_splits(ds, data_args: DataArguments):
    """``(role, name, split, limit)`` for train, eval and test of a loaded ``DatasetDict``.

    Raises ``ValueError`` naming the option when a split is not in ``ds``.
    """
    for role, name, limit in (
        ("train", data_args.train_split, data_args.max_train_samples),
        ("eval", data_args.eval_split, data_args.max_eval_samples),
        ("test", data_args.test_split, data_args.max_test_samples),
    ):
        if name not in ds:
            raise ValueError(
                f"split {name!r} (--{role}_split) is not in {data_args.dataset}; it has {sorted(ds)}"
            )
        yield role, name, ds[name], limit


def load_splits(data_args: DataArguments, *, masks: bool = False):
    """``{train, eval, test}`` raw splits (``Dataset`` or ``IterableDataset``), truncated.

    With ``--synthetic_seed`` the train split is the endless generator stream and validation /
    test are materialised from the same seed (:func:`insar_hf.dataset.stream.stream_splits`),
    a share of the wrapped scenes on ``--real_backgrounds`` when given; ``masks=True`` makes the
    stream yield full rows, deformation masks included.
    """
    from datasets import load_dataset

    if data_args.synthetic_seed is not None:
        config, bank = None, None
        if data_args.real_backgrounds is not None:
            config = SceneConfig(real_background_fraction=data_args.real_background_fraction)
            bank = (
                BackgroundBank(data_args.real_backgrounds)
                if config.real_background_fraction
                else None
            )
        return stream_splits(
            data_args.synthetic_seed,
            num_eval=data_args.max_eval_samples or 512,
            num_test=data_args.max_test_samples or 1024,
            scene_config=config,
            backgrounds=bank,
            workers=max(1, len(os.sched_getaffinity(0))),
            full_rows=masks,
        )
    ds = load_dataset(data_args.dataset, streaming=data_args.streaming)
    out = {}
    for role, name, split, limit in named_splits(ds, data_args):
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


def decode_transform(kind_names, augment: bool, masks: bool = False):
    """Batch transform of the lazy path: decoded PIL images -> checked uint8 examples.

    Output columns ``image`` (uint8 (224, 224, 3)), ``labels``, ``wrapped`` and ``augment`` (the
    collator augments the batches marked ``augment``); with ``masks`` also ``mask`` (bool
    (224, 224)) from the ``deformation_mask`` column.
    """

    def transform(batch: dict[str, list]) -> dict[str, list]:
        n = len(batch["image"])
        kinds = batch.get("kind", [KIND_NAMES[0]] * n)
        names = [kind_names[int(k)] if kind_names else k for k in kinds]
        out = {
            "image": [as_uint8(im) for im in batch["image"]],
            "labels": [int(x) for x in batch["label"]],
            "wrapped": [k == KIND_NAMES[0] for k in names],
            "augment": [augment] * n,
        }
        if masks:
            out["mask"] = [mask_array(m) for m in batch[MASK_COLUMN]]
        return out

    return transform


def lazy_split(split, augment: bool, masks: bool = False):
    """The split with the lazy transform attached (map-style: ``set_transform``).

    ``masks=True`` carries the ``deformation_mask`` column along (``ValueError`` without it).
    """
    features = split.features
    if masks and MASK_COLUMN not in (features or {}):
        raise ValueError(
            f"the split has no {MASK_COLUMN!r} column: the patch loss needs the generator's masks "
            "(a dataset written by `insar-hf generate`); set --patch_loss_weight 0 otherwise"
        )
    kind_names = getattr(features.get("kind"), "names", None)
    wanted = ("image", "label", "kind") + ((MASK_COLUMN,) if masks else ())
    columns = [c for c in wanted if c in features]
    transform = decode_transform(kind_names, augment, masks)
    if hasattr(split, "set_transform"):
        split = split.select_columns(columns)
        split.set_transform(transform)
        return split
    # Streaming: decode batch by batch while iterating.
    return split.select_columns(columns).map(
        transform, batched=True, batch_size=64, remove_columns=columns
    )


def training_datasets(
    splits, *, in_memory: bool | None, masks: bool = False
) -> tuple[object, object, str]:
    """``(train, eval, how)``: the datasets ``Trainer`` reads, and ``"in memory"`` or ``"lazy"``.

    ``in_memory`` None decodes into memory when both splits are map-style and fit
    (:func:`insar_hf.training.memory.fits_in_memory`); True insists (a clear error when a split
    is streamed); False keeps the lazy path. ``masks=True`` carries the deformation masks of
    both splits along (the patch loss).
    """
    train, evaluation = splits["train"], splits["eval"]
    map_style = hasattr(train, "__len__") and hasattr(evaluation, "__len__")
    if in_memory and not map_style:
        raise ValueError("--in_memory needs map-style splits; drop --streaming or --in_memory")
    if in_memory is None:
        in_memory = map_style and fits_in_memory(len(train) + len(evaluation))
    if in_memory:
        return (
            decode_split(train, augment=True, desc="decoding train", masks=masks),
            decode_split(evaluation, augment=False, desc="decoding validation", masks=masks),
            "in memory",
        )
    return lazy_split(train, True, masks), lazy_split(evaluation, False, masks), "lazy"
