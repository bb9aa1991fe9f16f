"""insar_hf.dataset: features, rows, shards, resume, distributed merge, card, checks, load_dataset, Hub."""
# ruff: noqa: F811  (pytest fixtures imported from hub_standin are redefined as arguments)

import io
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pyarrow.parquet as pq
import pytest
from hub_standin import hub_standin  # noqa: F401
from PIL import Image

from insar_hf.cli import main
from insar_hf.dataset import generate, shards
from insar_hf.dataset.check import check_dataset
from insar_hf.dataset.generate import generate_dataset, merge, split_sizes
from insar_hf.dataset.layout import (
    HISTOGRAM_FILE,
    SHARD_RE,
    assigned_shards,
    shard_name,
    shard_plan,
)
from insar_hf.dataset.rows import dataset_features, scene_to_row
from insar_hf.render import IMAGE_SIZE, render_array
from insar_hf.schema import METADATA_FIELDS, PAPER_SPLIT_SIZES, SPLITS
from insar_hf.simulate.config import SceneConfig
from insar_hf.simulate.scene import sample_scene
from insar_hf.simulate.seeds import scene_seed_sequence

TINY = SceneConfig(image_size_px=64, min_visible_pixels=10)
N = 30  # -> train 24 (shards of 10, 10, 4), validation 3, test 3
SHARD = 10


def _generate(out, **kw):
    kw = {"num_samples": N, "seed": 5, "workers": 1, "shard_size": SHARD, "figure": False, **kw}
    return generate_dataset(out, scene_config=TINY, progress=False, **kw)


def _shard_bytes(out):
    return {p.name: p.read_bytes() for p in sorted((out / "data").iterdir())}


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """One clean, complete tiny dataset (do not modify; copy it with ``_copy``)."""
    out = tmp_path_factory.mktemp("clean") / "ds"
    _generate(out, figure=True)
    return out


def _copy(clean, tmp_path):
    return shutil.copytree(clean, tmp_path / "ds")


# ------------------------------------------------------------------------------ plan
def test_paper_split_sizes_come_from_flooring_all_but_the_last_split():
    assert split_sizes(1_006_796, (0.8, 0.1, 0.1)) == PAPER_SPLIT_SIZES


def test_split_fractions_must_sum_to_one():
    with pytest.raises(ValueError, match=r"must be >= 0 and sum to 1, got \[0.8, 0.1, 0.2\]"):
        split_sizes(100, (0.8, 0.1, 0.2))


def test_explicit_split_sizes_must_match_num_samples(tmp_path):
    with pytest.raises(ValueError, match="num_samples=10 but the split sizes sum to 12"):
        generate_dataset(tmp_path / "x", num_samples=10, split_sizes_=(8, 2, 2))
    assert not (tmp_path / "x").exists()  # nothing written on bad input


def test_shard_plan_covers_every_index_of_every_split_once():
    sizes = {"train": 25, "validation": 3, "test": 0}
    plan = shard_plan(sizes, 10)
    for split, n in sizes.items():
        covered = [i for s in plan if s["split"] == split for i in range(s["start"], s["stop"])]
        assert covered == list(range(n))
    assert [s["name"] for s in plan] == [
        "train-00000-of-00003.parquet",
        "train-00001-of-00003.parquet",
        "train-00002-of-00003.parquet",
        "validation-00000-of-00001.parquet",
    ]


def test_shard_names_match_the_shard_pattern():
    m = SHARD_RE.match(shard_name("validation", 3, 12))
    assert (m["split"], int(m["i"]), int(m["n"])) == ("validation", 3, 12)


def test_machines_get_disjoint_shards_that_cover_the_plan():
    plan = shard_plan({"train": 95, "validation": 12, "test": 12}, 10)
    parts = [assigned_shards(plan, i, 4) for i in range(4)]
    names = [s["name"] for part in parts for s in part]
    assert sorted(names) == sorted(s["name"] for s in plan) and len(set(names)) == len(plan)


def test_splits_never_share_a_seed():
    states = {
        split: {tuple(scene_seed_sequence(5, split, i).generate_state(4)) for i in range(200)}
        for split in SPLITS
    }
    assert not states["train"] & states["validation"]
    assert not states["train"] & states["test"]
    assert not states["validation"] & states["test"]


# ------------------------------------------------------------------------------ features / rows
def test_features_hold_classlabels_and_every_metadata_field():
    features = dataset_features()
    assert features["label"].names == ["no_earthquake", "earthquake"]
    assert features["kind"].names == ["wrapped", "unwrapped"]
    assert features["deformation_bbox"].length == 4
    for name, dtype in METADATA_FIELDS.items():
        if name not in ("label", "kind"):  # these two are the ClassLabel columns
            assert features[name].dtype == dtype, name


def test_raw_features_are_float16_arrays_of_the_scene_shape():
    features = dataset_features(True, raw_shape=(64, 64))
    assert features["wrapped_rad"].shape == (64, 64)
    assert features["unwrapped_rad"].dtype == "float16"


def test_row_image_decodes_to_the_canonical_rendering():
    scene = sample_scene(scene_seed_sequence(5, "train", 3), TINY)
    row = scene_to_row(scene)
    decoded = np.asarray(Image.open(io.BytesIO(row["image"]["bytes"])))
    np.testing.assert_array_equal(decoded, render_array(scene.field_rad, scene.kind))


def test_row_mask_and_box_are_in_rendered_image_pixels():
    scene = next(
        s
        for s in (sample_scene(scene_seed_sequence(5, "train", i), TINY) for i in range(40))
        if s.label == 1
    )
    row = scene_to_row(scene)
    mask = np.asarray(Image.open(io.BytesIO(row["deformation_mask"]["bytes"])))
    assert mask.shape == (IMAGE_SIZE, IMAGE_SIZE) and set(np.unique(mask)) == {0, 255}
    rows, cols = np.nonzero(mask)
    x0, y0, x1, y1 = row["deformation_bbox"]
    scale = IMAGE_SIZE / TINY.image_size_px
    assert [x0, y0, x1, y1] == [
        int(np.floor(scene.deformation_bbox[0] * scale)),
        int(np.floor(scene.deformation_bbox[1] * scale)),
        int(np.ceil(scene.deformation_bbox[2] * scale)),
        int(np.ceil(scene.deformation_bbox[3] * scale)),
    ]
    assert x0 <= cols.min() <= x0 + 1 and x1 - 1 <= cols.max() + 1 <= x1
    assert y0 <= rows.min() <= y0 + 1 and y1 - 1 <= rows.max() + 1 <= y1


def test_row_metadata_matches_the_scene():
    scene = sample_scene(scene_seed_sequence(5, "validation", 2), TINY)
    row = scene_to_row(scene, with_raw=True)
    assert row["sensor"] == scene.metadata["sensor"] and row["index"] == 2
    assert row["wrapped_rad"].dtype == np.float16
    np.testing.assert_allclose(row["unwrapped_rad"], scene.unwrapped_rad, rtol=1e-3, atol=1e-3)


# ------------------------------------------------------------------------------ generation
def test_load_dataset_gives_three_splits_with_classlabels(clean):
    import datasets

    ds = datasets.load_dataset(str(clean))
    assert {k: v.num_rows for k, v in ds.items()} == {"train": 24, "validation": 3, "test": 3}
    assert ds["train"].features == dataset_features(raw_shape=(64, 64))
    assert ds["train"].features["label"].int2str(1) == "earthquake"


def test_raw_arrays_load_back_as_float16_phase(tmp_path):
    import datasets

    out = tmp_path / "raw"
    _generate(out, num_samples=10, with_raw=True)
    ds = datasets.load_dataset(str(out), split="validation")
    assert ds.features["wrapped_rad"] == datasets.Array2D((64, 64), "float16")
    storage = ds.data.table.schema.field("wrapped_rad").type.storage_type
    assert str(storage) == "list<item: list<item: halffloat>>"  # 2 bytes per value
    row = ds.with_format("numpy")[0]
    scene = sample_scene(scene_seed_sequence(5, "validation", 0), TINY)
    expected = scene.unwrapped_rad.astype(np.float16).astype(np.float32)  # NaN where no data
    np.testing.assert_array_equal(row["unwrapped_rad"].astype(np.float32), expected)


def test_streaming_reads_the_same_rows(clean):
    import datasets

    table = pq.read_table(clean / "data" / "validation-00000-of-00001.parquet")
    stream = datasets.load_dataset(str(clean), split="validation", streaming=True)
    rows = list(stream)
    assert [r["index"] for r in rows] == table.column("index").to_pylist() == [0, 1, 2]
    first_png = table.column("image")[0].as_py()["bytes"]
    expected = np.asarray(Image.open(io.BytesIO(first_png)))
    np.testing.assert_array_equal(np.asarray(rows[0]["image"]), expected)


def test_rows_are_a_pure_function_of_seed_split_and_index(clean):
    table = pq.read_table(clean / "data" / "test-00000-of-00001.parquet")
    scene = sample_scene(scene_seed_sequence(5, "test", 1), TINY)
    assert table.column("image")[1].as_py()["bytes"] == scene_to_row(scene)["image"]["bytes"]


def test_worker_count_does_not_change_a_byte(clean, tmp_path):
    _generate(tmp_path / "w2", workers=2)
    assert _shard_bytes(tmp_path / "w2") == _shard_bytes(clean)


def test_row_groups_do_not_depend_on_the_task_size(tmp_path, monkeypatch):
    monkeypatch.setattr(shards, "ROW_GROUP_SIZE", 4)
    monkeypatch.setattr(generate, "TASK_SIZE", 3)
    _generate(tmp_path / "a", num_samples=12)
    monkeypatch.setattr(generate, "TASK_SIZE", 10)
    _generate(tmp_path / "b", num_samples=12)
    meta = pq.read_metadata(tmp_path / "a" / "data" / "train-00000-of-00001.parquet")
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [4, 4, 1]
    assert _shard_bytes(tmp_path / "a") == _shard_bytes(tmp_path / "b")


def test_distributed_machines_then_merge_equal_one_machine(clean, tmp_path):
    out = tmp_path / "dist"
    for i in range(3):
        summary = _generate(out, shard_index=i, num_shards=3)
        assert not summary["card_written"]
    assert not (out / "README.md").exists()
    merge(out)
    assert _shard_bytes(out) == _shard_bytes(clean)
    assert (out / "README.md").read_text() == (clean / "README.md").read_text()


def test_merge_names_the_missing_shards(tmp_path):
    out = tmp_path / "dist"
    _generate(out, shard_index=0, num_shards=2)
    with pytest.raises(RuntimeError, match=r"2 of 5 shards missing or incomplete \(train-00001-of"):
        merge(out)


def test_rerun_skips_complete_shards_and_rewrites_short_ones(clean, tmp_path):
    out = _copy(clean, tmp_path)
    shard = out / "data" / "train-00001-of-00003.parquet"
    pq.write_table(pq.read_table(shard).slice(0, 3), shard)
    summary = _generate(out)
    assert (summary["shards_skipped"], summary["shards_written"]) == (4, 1)
    assert _shard_bytes(out) == _shard_bytes(clean)


def test_failed_run_leaves_no_partial_shard_and_resumes_to_the_clean_bytes(
    clean, tmp_path, monkeypatch
):
    out = tmp_path / "ds"
    monkeypatch.setenv("INSAR_HF_FAIL_AT", "train:10")  # the worker building shard 1 raises
    with pytest.raises(RuntimeError, match="simulated worker failure at train:10"):
        _generate(out)
    assert sorted(os.listdir(out / "data")) == ["train-00000-of-00003.parquet"]
    monkeypatch.delenv("INSAR_HF_FAIL_AT")
    assert _generate(out)["shards_skipped"] == 1
    assert _shard_bytes(out) == _shard_bytes(clean)


def test_sigkilled_run_shows_only_complete_shards_and_resumes(tmp_path):
    out = tmp_path / "ds"
    config = tmp_path / "tiny.json"
    config.write_text('{"image_size_px": 64, "min_visible_pixels": 10}')
    cmd = [sys.executable, "-m", "insar_hf.cli", "generate", "--out", str(out), "--seed", "5"]
    cmd += ["--num-samples", "100", "--shard-size", str(SHARD), "--workers", "1"]
    cmd += ["--scene-config", str(config), "--no-progress", "--no-figure"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = out / "data" / "train-00000-of-00008.parquet"
    deadline = time.monotonic() + 120
    while not first.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL
    before = {p.name: p.read_bytes() for p in (out / "data").iterdir() if p.suffix == ".parquet"}
    assert 1 <= len(before) < 10
    assert all(not name.startswith(".") for name in before)
    for name in before:
        assert pq.read_metadata(out / "data" / name).num_rows == 10
    assert not (out / "README.md").exists()
    summary = _generate(out, num_samples=100)  # resume: the survivors are kept as they are
    assert summary["shards_skipped"] == len(before)
    assert check_dataset(out) == []  # complete, and no temporary file is left
    assert {n: (out / "data" / n).read_bytes() for n in before} == before


def test_a_folder_with_other_parameters_is_refused(clean, tmp_path):
    out = _copy(clean, tmp_path)
    with pytest.raises(ValueError, match="generated with different num_samples, seed, split_sizes"):
        _generate(out, seed=6, num_samples=40)


# ------------------------------------------------------------------------------ card
def test_card_declares_configs_features_and_split_counts(clean):
    from datasets import Features
    from huggingface_hub import DatasetCard

    card = DatasetCard.load(clean / "README.md").data.to_dict()
    splits = {s["name"]: s["num_examples"] for s in card["dataset_info"]["splits"]}
    assert splits == {"train": 24, "validation": 3, "test": 3}
    assert Features._from_yaml_list(card["dataset_info"]["features"]) == dataset_features(
        raw_shape=(64, 64)
    )
    assert card["task_categories"] == ["image-classification"]
    assert card["size_categories"] == ["n<1K"]
    assert card["configs"][0]["data_files"][0] == {"split": "train", "path": "data/train-*"}
    assert (clean / HISTOGRAM_FILE).stat().st_size > 10_000


# ------------------------------------------------------------------------------ check
def test_check_passes_a_clean_dataset(clean):
    assert check_dataset(clean) == []


def test_check_reports_a_corrupt_shard(clean, tmp_path):
    out = _copy(clean, tmp_path)
    path = out / "data" / "train-00002-of-00003.parquet"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    problems = check_dataset(out)
    assert problems[0].startswith("data/train-00002-of-00003.parquet: unreadable parquet (")
    assert problems[1:] == ["README.md: split 'train' declares 24 examples, the shards hold 20"]


def test_check_reports_a_wrong_row_count(clean, tmp_path):
    out = _copy(clean, tmp_path)
    path = out / "data" / "train-00000-of-00003.parquet"
    pq.write_table(pq.read_table(path).slice(0, 9), path)
    assert check_dataset(out) == [
        "data/train-00000-of-00003.parquet: 9 rows, expected 10",
        "README.md: split 'train' declares 24 examples, the shards hold 23",
    ]


def test_check_reports_a_missing_shard(clean, tmp_path):
    out = _copy(clean, tmp_path)
    (out / "data" / "validation-00000-of-00001.parquet").unlink()
    assert check_dataset(out) == [
        "data/validation-00000-of-00001.parquet: missing",
        "README.md: split 'validation' declares 3 examples, the shards hold 0",
    ]


def test_check_reports_a_feature_mismatch(clean, tmp_path):
    from datasets import Value

    out = _copy(clean, tmp_path)
    path = out / "data" / "test-00000-of-00001.parquet"
    features = dataset_features(raw_shape=(64, 64))
    features["label"] = Value("int64")
    table = pq.read_table(path).replace_schema_metadata(features.arrow_schema.metadata)
    pq.write_table(table, path)
    assert check_dataset(out) == [
        "data/test-00000-of-00001.parquet: features differ from the card: column 'label' is "
        "Value('int64'), expected ClassLabel(names=['no_earthquake', 'earthquake'])"
    ]


def test_check_reports_a_card_count_mismatch(clean, tmp_path):
    out = _copy(clean, tmp_path)
    card = out / "README.md"
    card.write_text(card.read_text().replace("num_examples: 24", "num_examples: 25"))
    assert check_dataset(out) == [
        "README.md: split 'train' declares 25 examples, the shards hold 24"
    ]


def test_check_reports_a_leftover_temporary_file(clean, tmp_path):
    out = _copy(clean, tmp_path)
    (out / "data" / ".train-00000-of-00003.parquet.host-1.tmp").write_bytes(b"x")
    assert check_dataset(out) == [
        "data/.train-00000-of-00003.parquet.host-1.tmp: temporary file left by an interrupted "
        "run; delete it or re-run generate"
    ]


def test_check_reports_a_stray_file(clean, tmp_path):
    out = _copy(clean, tmp_path)
    (out / "data" / "notes.txt").write_text("x")
    assert check_dataset(out) == [
        "data/notes.txt: unexpected file (shards are named {split}-00000-of-00001.parquet)"
    ]


def test_check_reports_a_missing_card(clean, tmp_path):
    out = _copy(clean, tmp_path)
    (out / "README.md").unlink()
    assert check_dataset(out) == [
        "README.md: missing (run `insar-hf generate --merge` to write the card)"
    ]


# ------------------------------------------------------------------------------ CLI and Hub
def test_cli_generate_then_check(tmp_path, capsys):
    out = tmp_path / "ds"
    args = ["generate", "--out", str(out), "--num-samples", "12", "--shard-size", "10"]
    assert main([*args, "--workers", "1", "--no-progress", "--no-figure"]) == 0
    assert main(["check-dataset", str(out)]) == 0
    assert capsys.readouterr().out.endswith(f"{out}: OK\n")
    (out / "data" / "test-00000-of-00001.parquet").unlink()
    assert main(["check-dataset", str(out)]) == 1


def test_cli_generate_names_bad_split_fractions(tmp_path, capsys):
    argv = ["generate", "--out", str(tmp_path / "x"), "--num-samples", "10", "--splits", "0.8,0.1"]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        "insar-hf generate: error: splits needs 3 fractions (train, validation, test), "
        "got [0.8, 0.1]\n"
    )


def test_pushed_dataset_loads_back_from_the_hub(hub_standin, clean):
    import datasets

    from insar_hf.hub import push_folder

    push_folder(clean, "standin-user/insar-synthetic", repo_type="dataset")
    ds = datasets.load_dataset("standin-user/insar-synthetic", split="test")
    local = datasets.load_dataset(str(clean), split="test")
    assert ds.features == local.features
    remote_table, local_table = ds.data.table, local.data.table
    for name in local_table.column_names:  # every column, image bytes included; NaN == NaN
        if name in ("image", "deformation_mask"):
            got = [v["bytes"] for v in remote_table.column(name).to_pylist()]
            assert got == [v["bytes"] for v in local_table.column(name).to_pylist()]
        else:
            np.testing.assert_array_equal(
                np.asarray(remote_table.column(name).to_pylist()),
                np.asarray(local_table.column(name).to_pylist()),
            )


def test_pushed_dataset_streams_from_the_hub(hub_standin, clean):
    import datasets

    from insar_hf.hub import push_folder

    push_folder(clean, "standin-user/insar-synthetic", repo_type="dataset")
    stream = datasets.load_dataset("standin-user/insar-synthetic", split="train", streaming=True)
    assert [row["index"] for row in stream] == list(range(24))
    print("\n".join(hub_standin.call_summary()))


def test_cli_merge_and_push_uploads_the_whole_folder(hub_standin, clean, tmp_path):
    out = _copy(clean, tmp_path)
    (out / "data" / ".train-00000-of-00003.parquet.host-1.tmp").write_bytes(b"partial")
    argv = ["generate", "--merge", "--out", str(out), "--push-to-hub", "standin-user/ds"]
    assert main([*argv, "--private"]) == 0
    remote = hub_standin.files("standin-user/ds", "dataset")
    local = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.suffix != ".tmp"}
    assert (
        set(remote) == {p for p in local if (out / p).is_file()}
        and hub_standin.repos[("dataset", "standin-user/ds")].private
    )
