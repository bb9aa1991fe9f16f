"""The default model: the checkpoint packaged with insar_hf, used wherever no model is named.

``Detector.from_pretrained()`` with no argument, ``insar-hf predict`` without ``--model`` and the
Space without a configured model all load :data:`DEFAULT_MODEL_DIR`, the folder
``insar_hf/model/default/`` installed with the package (``[tool.setuptools.package-data]``):
``config.json``, ``model.safetensors``, ``preprocessor_config.json``, its card ``README.md`` and,
once calibrated, ``calibration.json``, and ``dev_windows.json``. It works offline: nothing is
downloaded. ``training/default_model.sh`` rebuilds it from nothing and
:func:`insar_hf.training.export.export_default_model` swaps a trained folder in.
"""

from __future__ import annotations

from pathlib import Path

from insar_hf.model.checkpoint import CONFIG_FILE, WEIGHT_FILES, ModelSourceError

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default"
"""The packaged default checkpoint (a folder of the installed package)."""

DEFAULT_SOURCE_MODEL_DIR = Path(__file__).resolve().parent / "default_source"
"""The packaged source-estimation checkpoint (``training/train_source.py`` with
``training/configs/source_cpu.json``), loaded by ``SourceEstimator.from_pretrained()``."""

DEFAULT_MODEL_NAME = "insar-hf-default-detector"
"""How the default model is named to users (outputs, the Space): its ``model_name``
(training/configs/default_model.json)."""


def default_model_path(folder: Path | None = None) -> Path:
    """:data:`DEFAULT_MODEL_DIR` (or another packaged ``folder``), checked to hold a model.

    Raises
    ------
    ModelSourceError
        The installed package lacks the folder's config or weights (an install without package
        data), in one line that says what to do.
    """
    folder = DEFAULT_MODEL_DIR if folder is None else folder
    missing = [] if (folder / CONFIG_FILE).is_file() else [CONFIG_FILE]
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        missing.append(WEIGHT_FILES[0])
    if missing:
        raise ModelSourceError(
            f"the packaged default model {folder} lacks {' and '.join(missing)} (an install "
            "without package data); reinstall insar-hf, or pass a model folder or Hub id"
        )
    return folder
