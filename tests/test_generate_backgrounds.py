"""Datasets and streams on real backgrounds: each split on its own volcanoes, recorded, resumable."""

from __future__ import annotations

import json

import numpy as np
import pytest
from datasets import load_dataset
from test_backgrounds import write_bank

from insar_hf.backgrounds import BackgroundBank
from insar_hf.cli import main as cli_main
from insar_hf.dataset.generate import generate_dataset
from insar_hf.dataset.stream import synthetic_split
from insar_hf.simulate.config import SceneConfig

CONFIG = SceneConfig(
    image_size_px=32, real_background_fraction=0.8, background_crop_max_px=40, mw_min=5.5
)


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    return BackgroundBank(write_bank(tmp_path_factory.mktemp("bank") / "b"), (0.5, 0.25, 0.25))


@pytest.fixture(scope="module")
def generated(tmp_path_factory, bank):
    out = tmp_path_factory.mktemp("ds") / "ds"
    generate_dataset(
        out, split_sizes_=(10, 6, 6), seed=4, workers=1, scene_config=CONFIG,
        backgrounds=bank, progress=False, figure=False,
    )  # fmt: skip
    return out


def test_each_split_is_drawn_on_its_own_volcanoes(generated, bank):
    ds = load_dataset(str(generated))
    groups = {e.group: e.split for e in bank.entries}
    used = 0
    for split in ("train", "validation", "test"):
        for group in ds[split]["background_group"]:
            if group:
                assert groups[group] == split
                used += 1
    assert used > 0


def test_rows_name_their_background_file_and_volcano(generated, bank):
    ds = load_dataset(str(generated), split="train")
    files = {e.path: e.volcano for e in bank.entries}
    for file, volcano in zip(ds["background_file"], ds["background_volcano"]):
        assert file == "" and volcano == "" or files[file] == volcano


def test_the_generation_file_and_card_record_the_bank(generated, bank):
    params = json.loads((generated / "generation.json").read_text())
    assert params["real_backgrounds"]["digest"] == bank.digest()
    assert params["real_backgrounds"]["files"] == len(bank.entries)
    card = (generated / "README.md").read_text()
    assert "## Real backgrounds" in card and bank.digest()[:16] in card


def test_a_stream_holds_the_rows_of_the_parquet_set(generated, bank):
    ds = load_dataset(str(generated), split="validation")
    rows = synthetic_split(
        "validation", seed=4, num_samples=6, scene_config=CONFIG, backgrounds=bank
    )
    assert rows["background_file"] == ds["background_file"]
    for a, b in zip(rows["image"], ds["image"]):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_resuming_with_another_bank_is_refused(generated, tmp_path):
    other = BackgroundBank(write_bank(tmp_path / "other", side=44), (0.5, 0.25, 0.25))
    with pytest.raises(ValueError, match="different real_backgrounds"):
        generate_dataset(
            generated, split_sizes_=(10, 6, 6), seed=4, workers=1, scene_config=CONFIG,
            backgrounds=other, progress=False, figure=False,
        )  # fmt: skip


def test_a_fraction_without_backgrounds_is_refused_before_any_work(tmp_path):
    with pytest.raises(ValueError, match=r"needs real backgrounds: give a folder"):
        generate_dataset(tmp_path / "x", num_samples=10, scene_config=CONFIG, progress=False)
    assert not (tmp_path / "x").exists()


def test_the_cli_refuses_background_splits_without_a_bank(tmp_path, capsys):
    argv = ["generate", "--out", str(tmp_path / "x"), "--background-splits", "0.5,0.25,0.25"]
    assert cli_main(argv) == 2
    assert "--background-splits needs --real-backgrounds DIR" in capsys.readouterr().err


def test_the_cli_refuses_a_fraction_without_a_bank(tmp_path, capsys):
    argv = ["generate", "--out", str(tmp_path / "x"), "--real-background-fraction", "0.5"]
    assert cli_main(argv) == 2
    assert "needs real backgrounds: give a folder" in capsys.readouterr().err


def test_the_cli_draws_half_the_wrapped_scenes_on_backgrounds_by_default(tmp_path, bank):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"image_size_px": 32, "background_crop_max_px": 40}))
    argv = [
        "generate", "--out", str(tmp_path / "ds"), "--split-sizes", "4,4,4", "--workers", "1",
        "--scene-config", str(config), "--real-backgrounds", str(bank.root),
        "--background-splits", "0.5,0.25,0.25", "--no-progress", "--no-figure",
    ]  # fmt: skip
    assert cli_main(argv) == 0
    params = json.loads((tmp_path / "ds" / "generation.json").read_text())
    assert params["scene_config"]["real_background_fraction"] == 0.5
    assert params["real_backgrounds"]["split_fractions"] == [0.5, 0.25, 0.25]


def _earthquake_on_a_background(generated) -> dict:
    """A label-1 row drawn on a real background, with what physical_field reads."""
    for split in ("train", "validation", "test"):
        for row in load_dataset(str(generated), split=split).remove_columns(
            ["image", "deformation_mask"]
        ):
            if row["label"] == 1 and row["background_file"]:
                return row
    raise AssertionError("the fixture holds no earthquake on a real background")


def test_the_inversion_regenerates_a_scene_on_its_real_background(generated, bank):
    from insar_hf.source.evaluate import dataset_backgrounds, physical_field, scene_config

    row = _earthquake_on_a_background(generated)
    again = dataset_backgrounds(generated, bank.root)  # the folder, split as recorded
    assert again.digest() == bank.digest() and again.split_fractions == bank.split_fractions
    field, kind = physical_field(row, scene_config(generated), again)  # checks Mw and epicentre
    assert kind == "wrapped" and field.shape == (32, 32)
    with pytest.raises(ValueError, match="needs real backgrounds"):
        physical_field(row, scene_config(generated))


def test_evaluating_the_inversion_without_the_datasets_backgrounds_is_refused(
    generated, bank, tmp_path, capsys
):
    out = tmp_path / "scores.json"
    argv = ["evaluate-source", "--dataset", str(generated), "--methods", "inversion"]
    assert cli_main([*argv, "--output", str(out)]) == 2
    files, digest = len(bank.entries), bank.digest()[:12]
    assert capsys.readouterr().err == (
        f"insar-hf evaluate-source: error: the scenes of {generated} were drawn on real "
        f"backgrounds (a share of 0.8 of the wrapped scenes, {files} files, digest {digest}): the "
        "inversion regenerates each scene, so give the same folder with --real-backgrounds DIR\n"
    )
    assert not out.exists()


def test_another_bank_than_the_datasets_is_refused(generated, tmp_path):
    from insar_hf.source.evaluate import dataset_backgrounds

    other = BackgroundBank(write_bank(tmp_path / "other", side=44), (0.5, 0.25, 0.25))
    with pytest.raises(ValueError, match=r"are not those .* was generated with"):
        dataset_backgrounds(generated, other)
