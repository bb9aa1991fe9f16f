"""The Gradio Space as a folder ready to upload: the repository's ``space/`` plus the package.

:func:`stage_space` copies ``space/`` (app.py, README.md with the Spaces header,
requirements.txt, examples/) and a copy of the ``insar_hf`` package, so that the Space imports the
same code as the library, and writes the model to ``model_id.txt`` (read by app.py when
``INSAR_HF_MODEL`` is not set): a Hub id as it is, also into the README header's ``models:``
list; a local model folder as a path relative to the staged folder (``../model`` for the
quickstart's ``OUT/space``), so that the folder can be moved with its model, and never into the
header, whose ``models:`` must name Hub models (issue 23, item 10: an absolute path of the machine
that staged it reached both). Used by ``insar-hf push-space`` and the quickstart. A ``notice``
(the quickstart's warning that its model did not learn) goes into the header's
``short_description`` and title and heads the README.

app.py's model, in order: ``INSAR_HF_MODEL``, ``model_id.txt``, a ``model/`` folder beside it,
then the default model inside the package copy (``insar_hf/model/default/``, with its
``calibration.json``), so a Space staged without a model id or ``model/`` still serves a model.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import insar_hf

MODEL_ID_FILE = "model_id.txt"
NOT_LEARNED = "model did not learn"
"""What the header of a Space staged with a notice says (title and short description)."""
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache", "flagged", ".gradio")


def default_space_dir() -> Path:
    """The ``space/`` folder next to the installed (editable) ``insar_hf`` package."""
    return Path(insar_hf.__file__).resolve().parent.parent / "space"


def stage_space(
    space_dir: Path,
    out_dir: Path,
    *,
    model_id: str | None = None,
    dataset_id: str | None = None,
    notice: str | None = None,
) -> Path:
    """Copy ``space_dir`` and the ``insar_hf`` package into ``out_dir``; configure the model.

    ``model_id`` is a Hub id or a local model folder (see the module docstring). ``notice``
    (lines of text) marks a Space whose model did not learn: the header's title and
    ``short_description`` say so and the README starts with it. ``out_dir`` must not exist or be
    empty. Returns ``out_dir``.
    """
    from huggingface_hub import SpaceCard

    space_dir, out_dir = Path(space_dir), Path(out_dir)
    if not (space_dir / "app.py").is_file() or not (space_dir / "README.md").is_file():
        raise FileNotFoundError(f"{space_dir} is not a Space folder (needs app.py and README.md)")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FileExistsError(f"{out_dir} is not empty; choose a new folder for the staged Space")
    shutil.copytree(space_dir, out_dir, ignore=_IGNORE, dirs_exist_ok=True)
    package = Path(insar_hf.__file__).resolve().parent
    shutil.copytree(package, out_dir / "insar_hf", ignore=_IGNORE)
    card = SpaceCard.load(out_dir / "README.md")
    if model_id and Path(model_id).is_dir():  # a local folder: relative, and no Hub metadata
        relative = os.path.relpath(Path(model_id).resolve(), out_dir.resolve())
        (out_dir / MODEL_ID_FILE).write_text(Path(relative).as_posix() + "\n")
        card.data.models = None
    elif model_id:
        (out_dir / MODEL_ID_FILE).write_text(model_id + "\n")
        card.data.models = [model_id]
    if dataset_id:
        card.data.datasets = [dataset_id]
    if notice:
        card.data.title = f"{card.data.title or 'InSAR Earthquake Detector'} ({NOT_LEARNED})"
        card.data.short_description = f"Demo only: its {NOT_LEARNED} (see README)"
        quoted = "\n".join(f"> {line.strip()}" for line in notice.strip().splitlines())
        card.text = f"\n{quoted}\n" + card.text
    card.save(out_dir / "README.md")
    return out_dir
