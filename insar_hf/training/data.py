"""The data of a training run: the three splits, read with ``load_dataset`` and decoded lazily.

Data are read with ``load_dataset`` (a folder written by ``insar_hf.dataset.generate`` or a Hub
id) and decoded lazily: ``set_transform`` for map-style splits, ``IterableDataset.map`` when
streaming. Training images are augmented (:class:`insar_hf.training.augment.Augmenter`);
evaluation images never are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from insar_hf.training.augment import Augmenter, make_transform

if TYPE_CHECKING:
    from insar_hf.training.arguments import DataArguments


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
