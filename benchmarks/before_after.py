"""Time the generator of another git revision against this checkout, in one run, interleaved.

Used by ``benchmarks/bench_synth.py --before REV``.  The package at ``REV`` is extracted
(``git archive``) into a temporary folder; one server process per tree (``PYTHONPATH`` set to
it, BLAS threads pinned to 1) times the same scenes on request, and the two are asked in turn,
chunk after chunk, so that a machine whose load changes during the run slows both alike.
Each chunk is timed in the server's own CPU time (``time.process_time``: one thread, so the
time the process runs, not the time it waits for a core other processes hold), which makes
the figures usable on a shared machine; they are the rates of an idle core, less the cache and
memory-bandwidth contention of the neighbours.  Figures are totals over all chunks; the ratio
is also given per chunk (median and range).

``insar-hf generate`` is timed the same way: the CLI of each tree in turn, the same arguments,
each into a fresh folder.
"""

from __future__ import annotations

import io
import json
import math
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
THREADS = {v: "1" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def extract(revision: str, into: Path) -> Path:
    """The ``insar_hf`` package of ``revision`` under ``into``; returns ``into``."""
    tar = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", revision, "insar_hf"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(tar)) as archive:
        archive.extractall(into, filter="data")
    return into


def serve() -> None:
    """Server loop of one tree: reads ``start n`` lines, answers one JSON line each."""
    import numpy as np

    from insar_hf.dataset.rows import scene_to_row
    from insar_hf.simulate.scene import sample_scene
    from insar_hf.simulate.seeds import scene_seed_sequence

    # Warm-up: imports, caches and any compilation are paid before the first timed chunk.
    scene_to_row(sample_scene(scene_seed_sequence(0, "validation", 0)))
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        start, n = (int(v) for v in line.split())
        seeds = [scene_seed_sequence(0, "train", i) for i in range(start, start + n)]
        t0 = time.process_time()
        scenes = [sample_scene(s) for s in seeds]
        t1 = time.process_time()
        rows = [scene_to_row(s) for s in scenes]
        t2 = time.process_time()
        size = [len(r["image"]["bytes"]) + len(r["deformation_mask"]["bytes"]) for r in rows]
        draws = [s.metadata["redraws"] + 1 for s in scenes if s.metadata["mechanism"] != "none"]
        answer = {
            "sample_s": t1 - t0,
            "row_s": t2 - t1,
            "bytes": float(np.sum(size)),
            "draws": float(np.sum(draws)),
            "positives": len(draws),
        }
        print(json.dumps(answer), flush=True)


class Server:
    """One tree's server process."""

    def __init__(self, tree: Path) -> None:
        env = {**os.environ, **THREADS, "PYTHONPATH": str(tree)}
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve"],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._read()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("a benchmark server process died; run it alone to see why")
        return json.loads(line)

    def time(self, start: int, n: int) -> dict:
        self.proc.stdin.write(f"{start} {n}\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def compare_scenes(revision: str, scenes: int, chunk: int = 20) -> dict:
    """Per tree: scenes/s of ``sample_scene``, samples/s of scene + row, KB and draws per sample;
    and the after/before ratios per chunk."""
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"before": extract(revision, Path(tmp)), "after": REPO}
        servers = {name: Server(tree) for name, tree in trees.items()}
        totals = {name: {} for name in trees}
        ratios = {"sample": [], "whole": []}
        try:
            for k, start in enumerate(range(0, scenes, chunk)):
                n = min(chunk, scenes - start)
                order = list(trees) if k % 2 == 0 else list(trees)[::-1]
                got = {name: servers[name].time(start, n) for name in order}
                for name, answer in got.items():
                    for key, value in answer.items():
                        totals[name][key] = totals[name].get(key, 0.0) + value
                ratios["sample"].append(got["before"]["sample_s"] / got["after"]["sample_s"])
                whole = {name: got[name]["sample_s"] + got[name]["row_s"] for name in got}
                ratios["whole"].append(whole["before"] / whole["after"])
        finally:
            for server in servers.values():
                server.close()
    out = {}
    for name, t in totals.items():
        out[name] = {
            "scenes_per_s": scenes / t["sample_s"],
            "samples_per_s": scenes / (t["sample_s"] + t["row_s"]),
            "kb_per_sample": t["bytes"] / scenes / 1000.0,
            "draws_per_positive": t["draws"] / max(t["positives"], 1),
        }
    out["speedup"] = {key: (statistics.median(v), min(v), max(v)) for key, v in ratios.items() if v}
    return out


def compare_generate(revision: str, num_samples: int, workers: int, rounds: int = 2) -> dict:
    """``insar-hf generate`` of each tree, ``rounds`` times in turn, the same arguments.

    Per tree: ``wall_per_s``, samples per second of the command's wall time (card included),
    best round; ``cpu_ms``, CPU milliseconds per sample of all its processes (``RUSAGE_CHILDREN``:
    what the samples cost, whoever else uses the machine), best round; and ``cores_per_s``,
    ``workers`` cores' worth of that CPU time: the rate of an otherwise idle machine if the
    work spread perfectly over the cores.
    """
    import resource

    argv = ["--num-samples", str(num_samples), "--workers", str(workers), "--no-progress"]
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"before": extract(revision, Path(tmp) / "tree"), "after": REPO}
        for k in range(rounds):
            for name in list(trees) if k % 2 == 0 else list(trees)[::-1]:
                out = Path(tmp) / f"{name}-{k}"
                env = {**os.environ, "PYTHONPATH": str(trees[name])}
                cmd = [sys.executable, "-m", "insar_hf.cli", "generate", "--out", str(out), *argv]
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                subprocess.run(cmd, env=env, check=True, capture_output=True)
                elapsed = time.perf_counter() - t0
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                used = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
                wall[name] = max(wall.get(name, 0.0), num_samples / elapsed)
                cpu[name] = min(cpu.get(name, math.inf), 1e3 * used / num_samples)
    return {
        name: {
            "wall_per_s": wall[name],
            "cpu_ms": cpu[name],
            "cores_per_s": workers * 1e3 / cpu[name],
        }
        for name in wall
    }


def print_comparison(revision: str, scenes: int, generate: int = 0, workers: int = 2) -> None:
    """Print the before/after table of ``bench_synth.py --before`` (and ``--generate``)."""
    r = compare_scenes(revision, scenes)
    b, a = r["before"], r["after"]
    print(
        f"before ({revision}) / after (this checkout), {scenes} default scenes, "
        "CPU time of one core, interleaved"
    )
    rows = [
        ("sample_scene, scenes/s/core", "scenes_per_s", "sample", 150),
        ("scene + row, samples/s/core", "samples_per_s", "whole", None),
    ]
    for label, key, ratio, target in rows:
        med, lo, hi = r["speedup"][ratio]
        goal = (
            ""
            if target is None
            else f"  target >= {target}: " + ("PASS" if a[key] >= target else "MISS")
        )
        print(
            f"  {label:30s} {b[key]:7.1f} {a[key]:7.1f}  x{a[key] / b[key]:.2f} "
            f"(per chunk median x{med:.2f}, {lo:.2f}-{hi:.2f}){goal}"
        )
    print(
        f"  {'KB per sample (image + mask)':30s} {b['kb_per_sample']:7.1f} "
        f"{a['kb_per_sample']:7.1f}  target <= 50: {'PASS' if a['kb_per_sample'] <= 50 else 'MISS'}"
    )
    print(
        f"  {'draws per positive':30s} {b['draws_per_positive']:7.2f} {a['draws_per_positive']:7.2f}"
    )
    if generate:
        g = compare_generate(revision, generate, workers)
        print(f"insar-hf generate, {generate} samples, {workers} workers, card included")
        for key, label in (
            ("wall_per_s", "samples/s, wall time"),
            ("cpu_ms", "CPU ms per sample"),
            ("cores_per_s", f"samples/s of {workers} idle cores"),
        ):
            before, after = g["before"][key], g["after"][key]
            print(f"  {label:30s} {before:7.1f} {after:7.1f}  x{after / before:.2f}")
        print("  target >= 100 samples/s on 2 cores (idle cores, from CPU time)")


if __name__ == "__main__" and "--serve" in sys.argv:
    serve()
