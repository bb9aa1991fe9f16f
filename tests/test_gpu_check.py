"""benchmarks/gpu_check.sh: refuses without a GPU; with --allow-cpu --tiny prints every row."""

import importlib.util
import os
import re
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.sh"
NO_GPU = dict(os.environ, CUDA_VISIBLE_DEVICES="")


def _module():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT.with_suffix(".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(*args, timeout=300):
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, env=NO_GPU,
                          timeout=timeout, cwd=SCRIPT.parents[1])  # fmt: skip


def test_without_a_gpu_it_refuses_in_one_line_with_exit_code_2():
    proc = _run()
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "gpu_check: no CUDA GPU is visible (torch.cuda.is_available() is False); run it on a GPU "
        "machine, or add --allow-cpu --tiny to test the script on a CPU"
    )
    assert proc.stdout == ""


def test_allow_cpu_without_tiny_is_refused():
    proc = _run("--allow-cpu")
    assert proc.returncode == 2
    assert (
        proc.stderr.strip() == "gpu_check: --allow-cpu needs --tiny (ViT-B/16 on a CPU takes hours)"
    )


@pytest.fixture(scope="module")
def tiny_table():
    proc = _run("--allow-cpu", "--tiny")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.split("\nstage ")[-1]  # the final table


@pytest.mark.slow
@pytest.mark.parametrize(
    "row",
    [
        r"device +CPU ",
        r"model alone: train img/s +[\d,]+\.\d ",
        r"model FLOPs utilisation +- +peak unknown",
        r"input alone, parquet lazy, 0 workers +[\d,]+\.\d +img/s",
        r"input alone, parquet lazy, 1 workers +[\d,]+\.\d +img/s",
        r"input alone, in memory, 0 workers +[\d,]+\.\d +img/s",
        r"input alone, in memory, 1 workers +[\d,]+\.\d +img/s",
        r"input alone, stream, 0 workers +[\d,]+\.\d +img/s",
        r"input alone, stream, 1 workers +[\d,]+\.\d +img/s",
        r"input keeps up \(parquet lazy\) +(yes, from 1|no: best [\d,]+ img/s at 1) workers",
        r"input keeps up \(in memory\) +(yes, from 1|no: best [\d,]+ img/s at 1) workers",
        r"input keeps up \(stream\) +(yes, from 1|no: best [\d,]+ img/s at 1) workers",
        r"train \+ input \(parquet lazy, 1 workers\) +[\d,]+\.\d +img/s, \d+% of the model alone",
        r"paper recipe: loss +\d\.\d{3} -> \d\.\d{3} +4 of 4 steps",
        r"paper recipe: img/s +[\d,]+\.\d +4 steps x batch 8",
        r"total time +\d+ s",
    ],
)
def test_tiny_cpu_run_prints_every_row_of_the_table(tiny_table, row):
    assert re.search(rf"^{row}", tiny_table, flags=re.MULTILINE), tiny_table


@pytest.mark.parametrize(
    ("rates", "needed"),
    [
        ({0: 1000.0, 4: 300.0, 8: 750.0, 12: 900.0}, (8, True)),  # 0 workers load in series
        ({0: 1000.0, 4: 300.0, 8: 500.0}, (8, False)),  # none keeps up: the fastest
        ({0: 1000.0}, (0, True)),  # 0 counts when it is the only setting swept
    ],
)
def test_input_keeps_up_from_the_fewest_workers_reaching_90_percent_of_the_model(rates, needed):
    assert _module()._workers_needed(rates, model_ips=800.0) == needed
