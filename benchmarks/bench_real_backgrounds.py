"""Synthetic-only against real-background mixes and fine-tuning, measured on real nuisance (#21).

Every model is trained with the same recipe and budget (``training/configs/default_model.json``:
vit-mini, AdamW 3e-4, warm-up, cosine, best epoch by validation ROC-AUC) on the same scenes
(``--split-sizes``, one seed); the only difference is the share of wrapped scenes whose nuisance
is a real earthquake-free interferogram (``--mixes``), or a fine-tuning of the synthetic-only
model on scenes whose wrapped nuisance is all real (``--finetune-epochs``).  Each model is
calibrated as it would ship: temperature on its validation split, threshold for at most 5 % false
alarms on the raw backgrounds of the bank's **validation volcanoes**.  Printed per model:

(a) synthetic test ROC-AUC (the synthetic-only test split; unwrapped and wrapped apart);
(b) false alarms on the raw backgrounds of the validation volcanoes (at P >= 0.5; at the
    threshold it is 5 % by construction) and of the **test volcanoes** at that threshold (held
    out: nothing was chosen on them);
(c) detection of synthetic earthquakes drawn on the validation (and test) volcanoes'
    backgrounds, by magnitude, and their ROC-AUC against the raw backgrounds of the same volcanoes;
(d) the twelve dev windows (reported, never used to choose).

The mix is chosen by (b) and (c) on the validation volcanoes.  Scenes of a fraction between 0
and 1 are the rows of the two sets made with fractions 0 and 1 and one seed
(:func:`insar_hf.simulate.scene.on_real_background` says which row comes from which; checked on
a few rows against :func:`insar_hf.dataset.scenes.row_scene`), so only two sets are generated.

usage (about 2.5 h on 2 idle cores; each model's figures in WORKDIR/NAME/bench_real_backgrounds.json;
two runs with other --mixes may share a workdir once its data exist):
  python benchmarks/bench_real_backgrounds.py --bank ../shared/real-backgrounds/deepcube \\
      --workdir outputs/bench_real_backgrounds
  python benchmarks/bench_real_backgrounds.py --bank DIR --workdir W --report-only
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from pathlib import Path

import numpy as np

from insar_hf.backgrounds import BackgroundBank
from insar_hf.dataset.generate import generate_dataset
from insar_hf.dataset.scenes import row_scene
from insar_hf.schema import SPLITS
from insar_hf.simulate.config import SceneConfig
from insar_hf.simulate.scene import on_real_background
from insar_hf.simulate.seeds import scene_seed_sequence

REPO = Path(__file__).resolve().parents[1]
REAL_DEV = REPO.parent / "shared" / "real-dev"
RECIPE = REPO / "training" / "configs" / "default_model.json"


def compose_mix(f0: Path, f1: Path, out: Path, fraction: float, seed: int) -> Path:
    """The parquet set of ``fraction``, row by row from the sets of fractions 0 and 1."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if (out / "done").is_file():
        return out
    (out / "data").mkdir(parents=True, exist_ok=True)
    config = SceneConfig(real_background_fraction=fraction)
    for split in SPLITS:
        a = pq.read_table(sorted((f0 / "data").glob(f"{split}-*.parquet")))
        b = pq.read_table(sorted((f1 / "data").glob(f"{split}-*.parquet")))
        take_b = np.array(
            [
                on_real_background(scene_seed_sequence(seed, split, i), config)
                for i in range(a.num_rows)
            ]
        )
        rows = [b.slice(i, 1) if take_b[i] else a.slice(i, 1) for i in range(a.num_rows)]
        table = pa.concat_tables(rows).combine_chunks().replace_schema_metadata(a.schema.metadata)
        pq.write_table(table, out / "data" / f"{split}-00000-of-00001.parquet")
    (out / "done").write_text(f"fraction {fraction}\n")
    return out


def check_composed(mix: Path, bank: BackgroundBank, fraction: float, seed: int, n: int = 3):
    """The first ``n`` background rows of the composed validation split are the generator's."""
    from datasets import load_dataset

    from insar_hf.dataset.rows import scene_to_row

    ds = load_dataset(str(mix), split="validation")
    config = SceneConfig(real_background_fraction=fraction)
    checked = 0
    for i, file in enumerate(ds["background_file"]):
        if not file:
            continue
        row = scene_to_row(row_scene(seed, "validation", i, config, bank))
        assert row["background_file"] == file and row["label"] == ds[i]["label"], i
        checked += 1
        if checked == n:
            return
    raise AssertionError("no background row to check")


def train(config: dict, out: Path) -> Path:
    """Run ``training/train.py`` on a JSON config (skipped when the model exists)."""
    from insar_hf.training.trainer import main as train_main

    if (out / "metrics.json").is_file():
        return out
    if out.exists():
        shutil.rmtree(out)
    path = out.with_suffix(".json")
    path.write_text(json.dumps(config, indent=1))
    train_main([str(path)])
    return out


def measure(model_dir: Path, bank: BackgroundBank, data: dict[str, Path], mix: Path) -> dict:
    """(a)-(d) of one model, calibrated on its validation split and the validation volcanoes."""
    from datasets import load_dataset

    from insar_hf.inference.detector import Detector
    from insar_hf.model.calibration import load_calibration
    from insar_hf.model.presets import load_model
    from insar_hf.real.dev_windows import evaluate_dev_windows
    from insar_hf.training.calibrate import calibrate_model
    from insar_hf.training.evaluation import predict_logits
    from insar_hf.training.real_nuisance import real_nuisance_report

    model = load_model(model_dir, attn_implementation="sdpa")
    calibrate_model(
        model, load_dataset(str(mix), split="validation"), model_dir, real_backgrounds=bank
    )
    calibration = load_calibration(model_dir)
    out: dict = {"threshold": calibration.threshold, "temperature": calibration.temperature}
    from sklearn.metrics import roc_auc_score

    test = load_dataset(str(data["f0"]), split="test")
    logits, columns = predict_logits(model, test, batch_size=128)
    score = logits[:, 1] - logits[:, 0]
    labels, kinds = np.asarray(columns["label"]), np.asarray(columns["kind"])
    out["a_synthetic_test_roc_auc"] = float(roc_auc_score(labels, score))
    for kind in ("wrapped", "unwrapped"):
        sel = kinds == kind
        out[f"a_{kind}_roc_auc"] = float(roc_auc_score(labels[sel], score[sel]))
    for split in ("validation", "test"):
        earthquakes = load_dataset(str(data["realpos"]), split=split)
        out[split] = real_nuisance_report(
            model, calibration, bank, split=split, earthquakes=earthquakes
        )
    if (REAL_DEV / "windows.json").is_file():
        dev = evaluate_dev_windows(Detector.from_pretrained(model_dir), REAL_DEV)
        out["d_dev_windows"] = {
            "summary": dev["summary"],
            "p": [round(w["probability"], 3) for w in dev["windows"]],
        }
    return out


RESULT_FILE = "bench_real_backgrounds.json"
"""A model's (a)-(d) in its folder: runs of this script on other mixes may share the workdir."""


def measured(model_dir: Path, bank: BackgroundBank, data: dict[str, Path], mix: Path) -> dict:
    """:func:`measure`, once: read back from the model folder when it was measured before."""
    path = model_dir / RESULT_FILE
    if not path.is_file():
        path.write_text(json.dumps(measure(model_dir, bank, data, mix), indent=1))
    return json.loads(path.read_text())


def gather(work: Path) -> dict[str, dict]:
    """Every measured model of ``work``, by name (mixes in order, then fine-tuning)."""
    found = {p.parent.name: json.loads(p.read_text()) for p in work.glob(f"*/{RESULT_FILE}")}
    return dict(sorted(found.items(), key=lambda kv: (kv[0].startswith("finetune"), kv[0])))


def print_table(results: dict[str, dict]) -> None:
    head = (
        "| model | (a) synth ROC-AUC (wrapped / unwrapped) | (b) val-volcano FA @0.5 | "
        "(b) test-volcano FA @thr | (c) val detection @thr | (c) ROC-AUC val / test | "
        "(d) dev flagged EQ / no-EQ |"
    )
    print(head)
    print("|" + "---|" * 7)
    for name, r in results.items():
        v, t = r["validation"], r["test"]
        dev = r.get("d_dev_windows", {}).get("summary", {})
        flagged = (
            f"{dev.get('earthquake', {}).get('flagged', '?')}/4, "
            f"{dev.get('earthquake_free', {}).get('flagged', '?')}/8"
            if dev
            else "n/a"
        )
        print(
            f"| {name} | {r['a_synthetic_test_roc_auc']:.3f} ({r['a_wrapped_roc_auc']:.3f} / "
            f"{r['a_unwrapped_roc_auc']:.3f}) | {v['flagged_at_0.5']:.3f} | "
            f"{t['false_alarm_rate']:.3f} | {v['detection_rate']:.3f} | "
            f"{v['roc_auc']:.3f} / {t['roc_auc']:.3f} | {flagged} |"
        )
    print()
    for name, r in results.items():
        bins = " ".join(
            f"{b['mw'][0]}-{b['mw'][1]}: {b['detection_rate']:.2f} ({b['n']})"
            for b in r["validation"]["detection_by_mw"]
            if b["detection_rate"] is not None
        )
        print(f"(c) {name}, detection by Mw on validation volcanoes: {bins}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bank", required=True, help="folder of real backgrounds")
    parser.add_argument("--workdir", default="outputs/bench_real_backgrounds")
    parser.add_argument("--split-sizes", default="6000,1000,1000")
    parser.add_argument("--positives", default="1,600,600", help="(c) earthquakes per split")
    parser.add_argument("--seed", type=int, default=2)
    parser.add_argument("--mixes", default="0,0.25,0.5,0.75")
    parser.add_argument("--epochs", type=float, default=12)
    parser.add_argument("--finetune-epochs", type=float, default=4, help="0: no fine-tuning")
    parser.add_argument("--finetune-lr", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default all)")
    parser.add_argument("--report-only", action="store_true", help="print the measured models")
    args = parser.parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    if args.report_only:
        print_table(gather(work))
        return 0
    bank = BackgroundBank(args.bank)
    sizes = tuple(int(v) for v in args.split_sizes.split(","))
    workers = max(1, len(os.sched_getaffinity(0)))
    data = {"f0": work / "f0", "f1": work / "f1", "realpos": work / "realpos"}
    configs = {
        "f0": SceneConfig(),
        "f1": SceneConfig(real_background_fraction=1.0),
        "realpos": SceneConfig(
            real_background_fraction=1.0, positive_fraction=1.0, wrapped_fraction=1.0
        ),
    }
    for name, path in data.items():
        if not (path / "README.md").is_file():
            positives = name == "realpos"
            generate_dataset(
                path,
                split_sizes_=tuple(int(v) for v in args.positives.split(","))
                if positives
                else sizes,
                seed=args.seed + positives,
                workers=workers,
                scene_config=configs[name],
                backgrounds=None if name == "f0" else bank,
                figure=False,
            )
    recipe = json.loads(RECIPE.read_text())
    for fraction in (float(f) for f in args.mixes.split(",")):
        name = f"mix_{fraction:g}"
        mix = data["f0"] if fraction == 0 else work / f"data_{name}"
        if fraction == 1:
            mix = data["f1"]
        elif fraction > 0:
            compose_mix(data["f0"], data["f1"], mix, fraction, args.seed)
            check_composed(mix, bank, fraction, args.seed)
        config = recipe | {
            "dataset": str(mix),
            "dataset_id": f"bench_real_backgrounds {name}",
            "output_dir": str(work / name),
            "model_name": name,
            "num_train_epochs": args.epochs,
        }
        model = train(config, work / name)
        print_table({name: measured(model, bank, data, mix)})
    if args.finetune_epochs > 0:
        name = f"finetune_f1_{args.finetune_epochs:g}ep"
        config = recipe | {
            "init_from": str(work / "mix_0"),
            "keep_classifier": True,
            "dataset": str(data["f1"]),
            "dataset_id": "bench_real_backgrounds fine-tuning on f1",
            "output_dir": str(work / name),
            "model_name": name,
            "learning_rate": args.finetune_lr,
            "num_train_epochs": args.finetune_epochs,
        }
        config.pop("preset", None)
        model = train(config, work / name)
        measured(model, bank, data, data["f1"])
    print_table(gather(work))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
