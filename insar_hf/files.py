"""Writing files: whole or not at all, and readable by whom the umask says.

A file written through a temporary file renamed into place (:func:`write_atomically`) is never
seen half-written, but the temporary file is made private (mode 0600: ``tempfile.mkstemp``, and
the tempfile crate behind ``safetensors.torch.save_file`` since safetensors 0.8, so every
``save_pretrained``). A renamed file keeps that mode, so a model folder or an overlay would be
readable by its owner only, unlike every file ``open()`` makes (``0666`` masked by the umask:
0644 by default). :func:`give_umask_mode` gives a file the mode ``open()`` would have given it;
:func:`write_atomically` does so before the rename.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["give_umask_mode", "umask_mode", "write_atomically"]


def umask_mode() -> int:
    """``0o666 & ~umask``: the permission bits ``open()`` gives a new file (0o644 for umask 022).

    The umask can only be read by setting it; it is set to the restrictive 0o077 for that instant
    (never to 0, which would let a file made by another thread meanwhile be world-writable).
    """
    mask = os.umask(0o077)
    os.umask(mask)
    return 0o666 & ~mask


def give_umask_mode(path: str | os.PathLike, *, like: str | os.PathLike | None = None) -> None:
    """Give ``path`` the permission bits of the file ``like`` when it exists, else :func:`umask_mode`.

    ``like`` is the file being replaced: overwriting a file keeps its mode, as ``open()`` does.
    """
    if like is not None and os.path.exists(like):
        mode = os.stat(like).st_mode & 0o7777
    else:
        mode = umask_mode()
    os.chmod(path, mode)


def write_atomically(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> Path:
    """Write ``path`` through a temporary file beside it, renamed into place when complete.

    Parameters
    ----------
    path
        The file to write; its folder is created.
    write
        Writes the content into the open binary handle it is given.

    Returns
    -------
    Path
        ``path``, with the mode of the file it replaced, else :func:`umask_mode`. When ``write``
        raises, nothing is left behind and an existing ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        give_umask_mode(tmp, like=path)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
