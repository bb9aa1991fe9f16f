"""Checks before `insar-hf generate` does any work, and `check-dataset` on empty splits (#14)."""

import pytest

from insar_hf.cli import main
from insar_hf.dataset import generate
from insar_hf.dataset.check import check_dataset
from insar_hf.dataset.generate import generate_dataset, smallest_num_samples, split_sizes
from insar_hf.simulate.config import SceneConfig

TINY = SceneConfig(image_size_px=64, min_visible_pixels=10)


def _cli_error(capsys, argv):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in captured.err
    return lines[0]


def test_smallest_num_samples_is_the_first_size_without_an_empty_split():
    n = smallest_num_samples((0.8, 0.1, 0.1))
    assert n == 10 and min(split_sizes(n).values()) == 1
    assert min(split_sizes(n - 1).values()) == 0
    assert smallest_num_samples((0.5, 0.25, 0.25)) == 4
    assert smallest_num_samples((1.0, 0.0, 0.0)) is None


def test_generate_with_two_samples_refuses_and_names_the_smallest_size(tmp_path, capsys):
    out = tmp_path / "ds"
    line = _cli_error(capsys, ["generate", "--out", str(out), "--num-samples", "2"])
    assert line == (
        "insar-hf generate: error: 2 samples give 0 validation samples with split fractions "
        "[0.8, 0.1, 0.1]; every split needs samples: use --num-samples 10 or more"
    )
    assert not out.exists()


def test_explicit_empty_split_size_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"split sizes \[5, 0, 5\] leave validation empty"):
        generate_dataset(tmp_path / "ds", split_sizes_=(5, 0, 5), progress=False)


def test_zero_split_fraction_is_refused(tmp_path):
    with pytest.raises(ValueError, match="give every split a fraction above 0"):
        generate_dataset(tmp_path / "ds", num_samples=100, splits=(0.9, 0.1, 0.0))


def test_generate_out_that_is_a_file_exits_2_before_any_work(tmp_path, capsys):
    target = tmp_path / "taken.txt"
    target.write_text("keep me")
    line = _cli_error(capsys, ["generate", "--out", str(target), "--num-samples", "10"])
    assert line == (
        f"insar-hf generate: error: --out {target} is a file; give a folder for the dataset"
    )
    assert target.read_text() == "keep me"


def test_generate_out_under_a_file_exits_2_before_any_work(tmp_path, capsys):
    (tmp_path / "taken.txt").write_text("keep me")
    target = tmp_path / "taken.txt" / "ds"
    line = _cli_error(capsys, ["generate", "--out", str(target), "--num-samples", "10"])
    assert line.startswith(f"insar-hf generate: error: --out {target}: cannot make this folder (")
    assert line.endswith("give a folder whose parents are folders you may write to")


def test_check_dataset_reports_an_empty_split_of_an_older_dataset(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(generate, "check_split_sizes", lambda sizes, fractions=None: None)
    out = tmp_path / "ds"
    generate_dataset(
        out, num_samples=2, seed=1, workers=1, scene_config=TINY, progress=False, figure=False
    )
    problems = check_dataset(out)
    assert problems == [
        "validation: empty split (0 examples); training evaluates on validation and tests on "
        "test: generate the dataset again with more samples"
    ]
    assert main(["check-dataset", str(out)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == f"{out}: 1 problem(s)"
