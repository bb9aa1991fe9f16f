"""insar_hf.dataset.stream: the generator as a datasets stream, equal to the parquet set's rows."""

import math

import numpy as np
import pytest

from insar_hf.dataset.generate import generate_dataset
from insar_hf.dataset.stream import stream_splits, synthetic_split, synthetic_stream
from insar_hf.schema import KIND_NAMES, LABEL_NAMES, SPLITS
from insar_hf.simulate.config import SceneConfig

CONFIG = SceneConfig()  # 224 px: no slower than a 64 px scene, whose upsampling costs more
SEED = 7
ROWS = 10


@pytest.fixture(scope="module")
def parquet(tmp_path_factory):
    """The parquet set that ``generate_dataset`` writes: 10 rows in each split."""
    import datasets

    out = tmp_path_factory.mktemp("stream") / "ds"
    generate_dataset(out, split_sizes_=(ROWS, ROWS, ROWS), seed=SEED, workers=1, shard_size=4,
                     scene_config=CONFIG, progress=False, figure=False)  # fmt: skip
    return datasets.load_dataset(str(out))


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _pixels(image) -> np.ndarray:
    return np.asarray(image.convert("RGB"))


@pytest.mark.parametrize("split", SPLITS)
def test_stream_example_i_is_parquet_row_i_after_decoding(parquet, split):
    stream = list(synthetic_stream(split, seed=SEED, num_samples=ROWS, scene_config=CONFIG))
    rows = parquet[split]
    assert len(stream) == ROWS
    for i, example in enumerate(stream):
        row = rows[i]
        np.testing.assert_array_equal(_pixels(example["image"]), _pixels(row["image"]))
        different = [k for k in example if k != "image" and not _same(example[k], row[k])]
        assert different == [], f"row {i} of {split} differs in {different}"


def test_full_rows_stream_holds_the_parquet_bytes(parquet):
    from datasets import Image

    stream = synthetic_stream("test", seed=SEED, num_samples=3, scene_config=CONFIG, full_rows=True)
    stream = stream.cast_column("image", Image(decode=False))
    stream = stream.cast_column("deformation_mask", Image(decode=False))
    rows = parquet["test"].cast_column("image", Image(decode=False))
    rows = rows.cast_column("deformation_mask", Image(decode=False))
    for example, row in zip(stream, rows):
        assert example["image"]["bytes"] == row["image"]["bytes"]
        assert example["deformation_mask"]["bytes"] == row["deformation_mask"]["bytes"]
        assert example["deformation_bbox"] == row["deformation_bbox"]


def test_stream_features_are_the_parquet_features(parquet):
    stream = synthetic_stream("train", seed=SEED)
    assert stream.features["label"].names == list(LABEL_NAMES)
    assert stream.features["kind"].names == list(KIND_NAMES)
    assert {k: v for k, v in parquet["train"].features.items() if k in stream.features} == dict(
        stream.features
    )
    full = synthetic_stream("train", seed=SEED, full_rows=True)
    assert full.features == parquet["train"].features


@pytest.mark.parametrize("split", ["validation", "test"])
def test_materialised_split_equals_the_parquet_split(parquet, split):
    from datasets import Image

    built = synthetic_split(split, seed=SEED, num_samples=ROWS, scene_config=CONFIG, workers=2)
    rows = parquet[split]
    assert built.features == rows.features
    built = built.cast_column("image", Image(decode=False))
    rows = rows.cast_column("image", Image(decode=False))
    for i in range(ROWS):
        a, b = built[i], rows[i]
        assert [k for k in a if not _same(a[k], b[k])] == []


def test_splits_never_share_a_scene_seed():
    keys = {
        split: {
            (ex["seed"], ex["spawn_key"])
            for ex in synthetic_stream(split, seed=SEED, num_samples=24, scene_config=CONFIG)
        }
        for split in SPLITS
    }
    assert all(len(k) == 24 for k in keys.values())
    assert not keys["train"] & keys["validation"]
    assert not keys["train"] & keys["test"]
    assert not keys["validation"] & keys["test"]


def test_endless_stream_with_one_source_yields_the_indices_in_order():
    stream = synthetic_stream("train", seed=SEED, start=5, num_shards=1, scene_config=CONFIG)
    assert [ex["index"] for _, ex in zip(range(20), stream)] == list(range(5, 25))


def test_endless_stream_source_holds_every_num_shards_th_block():
    stream = synthetic_stream("train", seed=SEED, num_shards=3, block_size=2, scene_config=CONFIG)
    assert [ex["index"] for _, ex in zip(range(6), stream)] == [0, 1, 6, 7, 12, 13]


def test_dataloader_workers_of_an_endless_stream_never_share_a_scene():
    import torch

    stream = synthetic_stream("train", seed=SEED, num_shards=4, block_size=2, scene_config=CONFIG)
    stream = stream.select_columns(["index", "label"])
    loader = torch.utils.data.DataLoader(stream, batch_size=None, num_workers=2)
    indices = [int(ex["index"]) for _, ex in zip(range(16), loader)]
    # worker 0 reads source 0 (blocks 0, 4, 8, ...), worker 1 source 1 (blocks 1, 5, 9, ...)
    assert sorted(indices) == [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27]


def test_endless_example_is_the_scene_of_its_index(parquet):
    stream = synthetic_stream("validation", seed=SEED, num_shards=3, block_size=2,
                              scene_config=CONFIG)  # fmt: skip
    for _, example in zip(range(4), stream):  # indices 0, 1, 6, 7
        row = parquet["validation"][example["index"]]
        np.testing.assert_array_equal(_pixels(example["image"]), _pixels(row["image"]))
        assert example["label"] == row["label"]


def test_stream_feeds_the_training_collator():
    import torch

    from insar_hf.training.batch_augment import BatchAugmentation
    from insar_hf.training.data import lazy_split
    from insar_hf.training.memory import make_collator

    stream = synthetic_stream("train", seed=SEED, scene_config=CONFIG)
    loader = torch.utils.data.DataLoader(
        lazy_split(stream, True), batch_size=4, collate_fn=make_collator(BatchAugmentation())
    )
    batch = next(iter(loader))
    assert batch["pixel_values"].shape == (4, 3, 224, 224)
    assert batch["pixel_values"].dtype == torch.float32
    assert set(batch["labels"].tolist()) <= {0, 1}


def test_stream_splits_are_an_endless_train_stream_and_map_style_eval_and_test():
    from datasets import Dataset, IterableDataset

    splits = stream_splits(SEED, num_eval=3, num_test=2, scene_config=CONFIG)
    assert isinstance(splits["train"], IterableDataset)
    assert isinstance(splits["eval"], Dataset) and isinstance(splits["test"], Dataset)
    assert (len(splits["eval"]), len(splits["test"])) == (3, 2)
    assert splits["eval"]["split"] == ["validation"] * 3 and splits["test"]["index"] == [0, 1]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(split="dev"), "split must be one of ['train', 'validation', 'test'], got 'dev'"),
        (dict(num_samples=0), "num_samples must be an integer >= 1, got 0"),
        (dict(num_shards=0), "num_shards must be an integer >= 1, got 0"),
        (dict(start=-1), "start must be an integer >= 0, got -1"),
        (dict(seed=-3), "seed must be an integer in [0, 2**63), got -3"),
    ],
)
def test_bad_arguments_are_refused_at_once(kwargs, message):
    kwargs = {"split": "train", "seed": SEED, **kwargs}
    with pytest.raises(ValueError) as err:
        synthetic_stream(kwargs.pop("split"), **kwargs)
    assert str(err.value) == message


def test_training_on_the_synthetic_stream_runs_end_to_end(tmp_path):
    """``--synthetic_seed``: no dataset files, fresh scenes every step, metrics on the stream's
    materialised test rows; without --max_steps it is refused before any work."""
    import json

    from insar_hf.training.arguments import check_arguments, parse_args
    from insar_hf.training.trainer import train

    argv = ["--synthetic_seed", "5", "--preset", "vit-micro", "--output_dir", str(tmp_path / "m"),
            "--max_eval_samples", "8", "--max_test_samples", "8", "--per_device_train_batch_size",
            "4", "--per_device_eval_batch_size", "8", "--report_to", "none",
            "--dataloader_num_workers", "0"]  # fmt: skip
    model_args, data_args, args = parse_args(argv)
    with pytest.raises(ValueError, match="--synthetic_seed streams endless scenes"):
        check_arguments(data_args, args)
    model_args, data_args, args = parse_args(
        argv
        + [
            "--max_steps",
            "3",
            "--eval_strategy",
            "steps",
            "--eval_steps",
            "3",
            "--save_strategy",
            "steps",
            "--save_steps",
            "3",
        ]  # fmt: skip
    )
    metrics = train(model_args, data_args, args)
    assert metrics["overall"]["n"] == 8
    config = json.loads((tmp_path / "m" / "training_config.json").read_text())
    assert config["dataset"] == "synthetic stream (seed 5)"
    assert not list(tmp_path.glob("**/*.parquet"))  # nothing written but the model


def test_synthetic_seed_and_dataset_together_are_refused():
    from insar_hf.training.arguments import parse_args

    with pytest.raises(ValueError, match="give --dataset or --synthetic_seed, not both"):
        parse_args(["--synthetic_seed", "1", "--dataset", "x"])
