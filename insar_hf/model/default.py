"""The default model: the checkpoint packaged with insar_hf, used wherever no model is named.

``Detector.from_pretrained()`` with no argument, ``insar-hf predict`` without ``--model`` and the
Space without a configured model all load :data:`DEFAULT_MODEL_DIR`, the folder
``insar_hf/model/default/`` installed with the package (``[tool.setuptools.package-data]``):
``config.json``, ``model.safetensors``, ``preprocessor_config.json``, its card ``README.md`` and,
once calibrated, ``calibration.json``, and ``dev_windows.json``. It works offline: nothing is
downloaded. ``training/default_model.sh`` rebuilds it from nothing.
"""

from __future__ import annotations

from pathlib import Path

from insar_hf.model.checkpoint import CONFIG_FILE, WEIGHT_FILES, ModelSourceError

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default"
"""The packaged default checkpoint (a folder of the installed package)."""

DEFAULT_MODEL_NAME = "insar-hf-default-detector"
"""How the default model is named to users (outputs, the Space): its ``model_name``
(training/configs/default_model.json)."""


def default_model_path() -> Path:
    """:data:`DEFAULT_MODEL_DIR`, checked to hold a model.

    Raises
    ------
    ModelSourceError
        The installed package lacks the folder's config or weights (an install without package
        data), in one line that says what to do.
    """
    folder = DEFAULT_MODEL_DIR
    missing = [] if (folder / CONFIG_FILE).is_file() else [CONFIG_FILE]
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        missing.append(WEIGHT_FILES[0])
    if missing:
        raise ModelSourceError(
            f"the packaged default model {folder} lacks {' and '.join(missing)} (an install "
            "without package data); reinstall insar-hf, or pass a model folder or Hub id"
        )
    return folder


EXPORTED_FILES = (
    CONFIG_FILE,
    "model.safetensors",
    "preprocessor_config.json",
    "calibration.json",
    "README.md",
    "metrics.json",
    "training_config.json",
    "dev_windows.json",
    "confusion_matrix.png",
    "detection_vs_magnitude.png",
    "reliability_diagram.png",
    "training_curves.png",
)
"""What a trained model folder gives the packaged default: the model, its calibration, its card
and the files the card shows (no checkpoints, logs or optimiser state)."""


def export_default_model(model_dir: str | Path, dest: str | Path = DEFAULT_MODEL_DIR) -> list[str]:
    """Replace the packaged default model with the final files of a trained ``model_dir``.

    The folder is written beside ``dest`` first and swapped in at the end, so a failure leaves the
    old default untouched. Returns the names copied. Raises :class:`ModelSourceError` when
    ``model_dir`` lacks the config, the safetensors weights or ``calibration.json`` (the default
    model's verdicts use its threshold).
    """
    import shutil

    source, dest = Path(model_dir), Path(dest)
    required = (CONFIG_FILE, "model.safetensors", "calibration.json")
    missing = [name for name in required if not (source / name).is_file()]
    if missing:
        raise ModelSourceError(
            f"{source} lacks {', '.join(missing)}: train it with training/train.py (which "
            f"calibrates it) or run `insar-hf calibrate --model {source} --dataset DATA`"
        )
    staging = dest.with_name(dest.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    copied = [name for name in EXPORTED_FILES if (source / name).is_file()]
    for name in copied:
        shutil.copy2(source / name, staging / name)
    old = dest.with_name(dest.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)
    staging.rename(dest)
    shutil.rmtree(old, ignore_errors=True)
    return copied


def main(argv: list[str] | None = None) -> int:
    """``python -m insar_hf.model.default MODEL_DIR``: make MODEL_DIR the packaged default."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m insar_hf.model.default MODEL_DIR", file=sys.stderr)
        return 2
    try:
        copied = export_default_model(args[0])
    except ModelSourceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{DEFAULT_MODEL_DIR}: {', '.join(copied)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
