"""Where a checkpoint comes from: a local model folder or a Hub id, told apart before loading.

``from_pretrained`` given a string that is neither an existing folder nor a Hub model waits for
the Hub (retries, tens of seconds without a network) and fails with a traceback, or with "Repo id
must be in the form" for a missing absolute path.  :func:`resolve_model_source` answers at once
instead, with one :class:`ModelSourceError` line:

* an existing folder must hold :data:`CONFIG_FILE` and one of :data:`WEIGHT_FILES`;
* a string that cannot be a Hub id (absolute, ``./``, ``~``, several ``/``, a backslash, a
  trailing ``/``), or whose first part is an existing local folder, is a missing local path;
* anything else is looked up once: in the local Hub cache, else on the Hub
  (:data:`HUB_TIMEOUT_S`), unless ``HF_HUB_OFFLINE`` is set.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

CONFIG_FILE = "config.json"
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
"""A model folder holds one of these (single-file or sharded weights)."""
HUB_TIMEOUT_S = 10.0
"""Seconds to wait for the Hub's answer about an id that is not a local folder."""
REPO_ID_RE = re.compile(r"^[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?$")
"""What a Hub model id looks like: ``name`` or ``owner/name``."""


class ModelSourceError(ValueError):
    """A ``--model`` that is neither a model folder nor a Hub model; the message says which."""


def check_model_folder(folder: str | os.PathLike) -> Path:
    """``folder`` if it holds a model, else :class:`ModelSourceError` naming what was looked for."""
    folder = Path(folder)
    if not folder.is_dir():
        what = "a file, not a folder" if folder.exists() else "no such folder"
        raise ModelSourceError(
            f"{folder}: {what} ({folder.resolve()}); pass the model folder that training wrote "
            f"(holding {CONFIG_FILE} and {' / '.join(WEIGHT_FILES[::2])})"
        )
    missing = [] if (folder / CONFIG_FILE).is_file() else [CONFIG_FILE]
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        missing.append(" / ".join(WEIGHT_FILES[::2]))
    if missing:
        raise ModelSourceError(
            f"{folder}: not a model folder: looked for {CONFIG_FILE} and "
            f"{' / '.join(WEIGHT_FILES[::2])}, missing {' and '.join(missing)}; train a model "
            "there (insar-hf quickstart, training/train.py) or pass another folder"
        )
    return folder


def looks_like_local_path(text: str) -> bool:
    """True when ``text`` cannot be a Hub id or its first part is an existing local folder."""
    if not REPO_ID_RE.match(text) or ".." in text or "--" in text:
        return True
    head = text.split("/", 1)[0]
    return "/" in text and Path(head).is_dir()


def resolve_model_source(path_or_repo_id: str | os.PathLike) -> str:
    """The checked folder (as a string) or Hub id to give ``from_pretrained``.

    Raises
    ------
    ModelSourceError
        A missing local path, a folder without a model, or an id the Hub does not know (or
        cannot be asked about), in one line.
    """
    text = str(path_or_repo_id)
    if isinstance(path_or_repo_id, os.PathLike) or Path(text).exists():
        return str(check_model_folder(text))
    if looks_like_local_path(text):
        return str(check_model_folder(text))  # raises: no such folder
    from huggingface_hub import constants, try_to_load_from_cache

    if isinstance(try_to_load_from_cache(text, CONFIG_FILE), str):
        return text
    where = f"no local folder {text} ({Path(text).resolve()})"
    if constants.HF_HUB_OFFLINE:
        raise ModelSourceError(
            f"{text}: {where}, and HF_HUB_OFFLINE is set while the Hub cache has no such model; "
            "check the path, or unset HF_HUB_OFFLINE to download it"
        )
    return _ask_hub(text, where)


def _ask_hub(repo_id: str, where: str) -> str:
    from huggingface_hub import HfApi
    from huggingface_hub.errors import GatedRepoError, RepositoryNotFoundError

    try:
        HfApi().model_info(repo_id, timeout=HUB_TIMEOUT_S)
    except GatedRepoError:
        return repo_id  # it exists; from_pretrained explains the access rules
    except RepositoryNotFoundError:
        raise ModelSourceError(
            f"{repo_id}: {where}, and no model {repo_id!r} on the Hub (or it is private: log in "
            "with `hf auth login`); check the path"
        ) from None
    except Exception as error:  # network failures of whichever HTTP client the Hub library uses
        raise ModelSourceError(
            f"{repo_id}: {where}, and the Hub could not be asked about a model of that id "
            f"({type(error).__name__}); check the path, or connect and retry"
        ) from None
    return repo_id
