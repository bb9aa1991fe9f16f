"""The ``insar-hf`` command line: every sub-command parses its options, help stays light."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from insar_hf.cli import COMMANDS, build_parser, main

HEAVY = {"torch", "transformers", "datasets", "gradio", "rasterio", "matplotlib"}

# sub-command -> (a representative command line, the values it must parse to)
GOOD = {
    "quickstart": (
        ["--out", "qs", "--minutes", "5", "--num-samples", "40", "--epochs", "2",
         "--push-to-hub", "org"],
        {"out": Path("qs"), "minutes": 5.0, "num_samples": 40, "epochs": 2,
         "push_to_hub": "org", "preset": "vit-micro", "batch_size": 16, "workers": None},
    ),
    "preview": (
        ["--n", "9", "--seed", "3", "--out", "p.png", "--model-input"],
        {"n": 9, "seed": 3, "out": "p.png", "model_input": True, "columns": 4, "dpi": 110},
    ),
    "build-real": (
        ["--products", "prod", "--catalog", "cat.csv", "--out", "ds", "--min-mag", "5.5",
         "--kind", "wrapped", "--fractions", "0.8", "0.1", "0.1"],
        {"products": "prod", "catalog": "cat.csv", "out": "ds", "min_mag": 5.5,
         "kind": "wrapped", "fractions": [0.8, 0.1, 0.1], "tiles_per_event": 2},
    ),
    "evaluate-real": (
        ["--synthetic", "a", "--finetuned", "b", "--dataset", "real", "--no-card-update"],
        {"synthetic": "a", "finetuned": "b", "dataset": "real", "split": "test",
         "batch_size": 32, "no_card_update": True},
    ),
    "generate": (
        ["--out", "ds", "--num-samples", "100", "--splits", "0.7,0.2,0.1", "--split-sizes",
         "8,1,1", "--with-raw"],
        {"out": "ds", "num_samples": 100, "splits": (0.7, 0.2, 0.1), "split_sizes": (8, 1, 1),
         "with_raw": True, "seed": 0, "shard_size": 1000, "merge": False},
    ),
    "check-dataset": (["ds"], {"path": "ds"}),
    "predict": (
        ["a.png", "b.tif", "--model", "m", "--json", "--method", "layer", "--threshold", "0.3"],
        {"files": ["a.png", "b.tif"], "model": "m", "json": True, "method": "layer",
         "threshold": 0.3, "head_fusion": "mean", "batch_size": 16},
    ),
    "push-space": (
        ["--repo-id", "me/space", "--model", "me/vit", "--stage-only", "staged"],
        {"repo_id": "me/space", "model": "me/vit", "stage_only": Path("staged"),
         "space_dir": None, "private": False},
    ),
    "evaluate": (
        ["--model", "m", "--dataset", "ds", "--split", "validation", "--max-samples", "5"],
        {"model": "m", "dataset": "ds", "split": "validation", "max_samples": 5,
         "batch_size": 32, "no_card": False},
    ),
    "evaluate-source": (
        ["--dataset", "ds", "--methods", "inversion", "--max-scenes", "5", "--output", "s.json"],
        {"dataset": "ds", "split": "test", "model": None, "methods": "inversion",
         "max_scenes": 5, "output": "s.json", "seed": 0, "quiet": False},
    ),
    "calibrate": (
        ["--model", "m", "--dataset", "ds", "--split", "validation", "--target-fpr", "0.01"],
        {"model": "m", "dataset": "ds", "split": "validation", "target_fpr": 0.01,
         "batch_size": 64, "max_samples": None},
    ),
    "push-model": (
        ["--model", "m", "--repo-id", "me/vit", "--private"],
        {"model": "m", "repo_id": "me/vit", "private": True, "token": None},
    ),
}  # fmt: skip

# sub-command -> a command line its parser must reject (argparse exits with status 2)
BAD = {
    "quickstart": ["--minutes", "soon"],
    "preview": ["--n", "many"],
    "build-real": ["--catalog", "cat.csv", "--out", "ds"],  # --products is required
    "evaluate-real": ["--synthetic", "a", "--finetuned", "b"],  # --dataset is required
    "generate": ["--out", "ds", "--splits", "0.8,ten,0.1"],
    "check-dataset": [],  # the folder is required
    "predict": ["a.png", "--method", "gradcam"],
    "push-space": ["--model", "me/vit"],  # --repo-id is required
    "evaluate": ["--model", "m", "--dataset", "ds", "--batch-size", "1.5"],
    "calibrate": ["--dataset", "ds"],  # --model is required
    "evaluate-source": ["--methods", "inversion"],  # --dataset is required
    "push-model": ["--repo-id", "me/vit"],  # --model is required
}


def test_every_command_has_a_good_and_a_bad_command_line():
    assert set(GOOD) == set(COMMANDS) == set(BAD)


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_parses_a_representative_command_line(name):
    argv, expected = GOOD[name]
    args = build_parser(name).parse_args([name, *argv])
    assert args.command == name
    assert {key: getattr(args, key) for key in expected} == expected


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_rejects_a_bad_command_line_with_status_2(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser(name).parse_args([name, *BAD[name]])
    assert exit_info.value.code == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize("name", list(COMMANDS))
def test_command_help_exits_0_and_shows_its_options(name, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([name, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: insar-hf {name}" in capsys.readouterr().out


def test_top_level_help_lists_every_command(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    for name in COMMANDS:
        assert name in out


def _heavy_modules_after(argvs: list[list[str]], prelude: str = "") -> list[str]:
    """The heavy modules a fresh interpreter has imported after ``prelude`` and then
    ``main(argv)`` for each argv."""
    code = (
        "import sys\n"
        f"{prelude}\n"
        "from insar_hf.cli import main\n"
        f"for argv in {argvs!r}:\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        f"print(sorted(set(sys.modules) & set({sorted(HEAVY)!r})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])


def test_top_level_help_imports_no_heavy_dependency():
    assert _heavy_modules_after([["--help"]]) == []


def test_every_command_help_imports_no_heavy_dependency():
    assert _heavy_modules_after([[name, "--help"] for name in COMMANDS]) == []


def test_the_heavy_import_check_sees_a_heavy_import():
    assert _heavy_modules_after([["--help"]], prelude="import rasterio") == ["rasterio"]


def test_console_script_reports_version():
    out = subprocess.run(
        [sys.executable, "-m", "insar_hf.cli", "--version"], capture_output=True, text=True
    )
    assert out.stdout.strip().startswith("insar-hf ")
