"""A trained model folder becomes a packaged default model (``insar_hf/model/default*/``).

``python -m insar_hf.training.export MODEL_DIR`` (the last step of ``training/default_model.sh``)
copies the files a model repository gets (:data:`insar_hf.training.card.PUSHED_FILES`: weights,
configs, processor, card, metrics, calibration, dev-window verdicts and the card's figures; no
checkpoints, logs or optimiser state) into :data:`insar_hf.model.default.DEFAULT_MODEL_DIR`.
``python -m insar_hf.training.export --source MODEL_DIR`` does the same for a source model
(:data:`SOURCE_FILES`, then its card, :func:`insar_hf.source.card.write_source_card`) into
:data:`insar_hf.model.default.DEFAULT_SOURCE_MODEL_DIR`.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from insar_hf.files import give_umask_mode
from insar_hf.model.calibration import CALIBRATION_FILE
from insar_hf.model.checkpoint import CONFIG_FILE, ModelSourceError
from insar_hf.model.default import DEFAULT_MODEL_DIR, DEFAULT_SOURCE_MODEL_DIR
from insar_hf.source.card import COMPARISON_FILE, SOURCE_METRICS_FILE, write_source_card
from insar_hf.training.card import PUSHED_FILES, TRAINING_CONFIG_FILE

SOURCE_FILES = (
    CONFIG_FILE,
    "model.safetensors",
    "preprocessor_config.json",
    TRAINING_CONFIG_FILE,
    SOURCE_METRICS_FILE,
    COMPARISON_FILE,
)
"""What a packaged source model keeps (its card is rendered from them)."""


def export_default_model(model_dir: str | Path, dest: str | Path = DEFAULT_MODEL_DIR) -> list[str]:
    """Replace the packaged default model with the final files of a trained ``model_dir``.

    The folder is written beside ``dest`` first and swapped in at the end, so a failure leaves the
    old default untouched. Returns the names copied (the :data:`PUSHED_FILES` present). Raises
    :class:`ModelSourceError` when ``model_dir`` lacks the config, the safetensors weights or
    ``calibration.json`` (the default model's verdicts use its threshold).
    """
    source, dest = Path(model_dir), Path(dest)
    required = (CONFIG_FILE, "model.safetensors", CALIBRATION_FILE)
    missing = [name for name in required if not (source / name).is_file()]
    if missing:
        raise ModelSourceError(
            f"{source} lacks {', '.join(missing)}: train it with training/train.py (which "
            f"calibrates it) or run `insar-hf calibrate --model {source} --dataset DATA`"
        )
    return _swap_in(source, dest, PUSHED_FILES)


def export_source_model(
    model_dir: str | Path, dest: str | Path = DEFAULT_SOURCE_MODEL_DIR
) -> list[str]:
    """Replace the packaged source model with a trained ``model_dir`` and render its card.

    Raises :class:`ModelSourceError` when ``model_dir`` lacks the config, the weights or
    ``source_metrics.json`` (written by ``training/train_source.py``).
    """
    source, dest = Path(model_dir), Path(dest)
    missing = [
        name
        for name in (CONFIG_FILE, "model.safetensors", SOURCE_METRICS_FILE)
        if not (source / name).is_file()
    ]
    if missing:
        raise ModelSourceError(
            f"{source} lacks {', '.join(missing)}: train it with training/train_source.py"
        )
    return _swap_in(source, dest, SOURCE_FILES, card=write_source_card)


def _swap_in(source: Path, dest: Path, names, card=None) -> list[str]:
    """Copy the ``names`` present in ``source`` beside ``dest``, render ``card``, swap in."""
    staging = dest.with_name(dest.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    copied = [name for name in names if (source / name).is_file()]
    for name in copied:
        shutil.copyfile(source / name, staging / name)
        give_umask_mode(staging / name)  # a 0600 model.safetensors (safetensors >= 0.8) too
    if card is not None:
        card(staging)
    old = dest.with_name(dest.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)
    staging.rename(dest)
    shutil.rmtree(old, ignore_errors=True)
    return copied


def main(argv: list[str] | None = None) -> int:
    """``python -m insar_hf.training.export [--source] MODEL_DIR``: make it the packaged one."""
    args = sys.argv[1:] if argv is None else argv
    source_model = args[:1] == ["--source"]
    args = args[1:] if source_model else args
    if len(args) != 1:
        print("usage: python -m insar_hf.training.export [--source] MODEL_DIR", file=sys.stderr)
        return 2
    export, dest = (
        (export_source_model, DEFAULT_SOURCE_MODEL_DIR)
        if source_model
        else (export_default_model, DEFAULT_MODEL_DIR)
    )
    try:
        copied = export(args[0])
    except ModelSourceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{dest}: {', '.join(copied)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
