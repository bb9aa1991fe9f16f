"""Pushes to the Hugging Face Hub: one function used by every push (dataset, model, Space).

Everything goes through :class:`huggingface_hub.HfApi`, so the usual authentication (the token
saved by ``hf auth login`` or the ``HF_TOKEN`` environment variable) and the ``HF_ENDPOINT``
environment variable (a private Hub or the test stand-in in ``tests/hub_standin.py``) apply.

``HfApi.upload_folder`` is the resumable, multi-commit upload in huggingface_hub >= 2 (the
separate ``upload_large_folder`` of 0.x/1.x was folded into it); where an older client still
offers ``upload_large_folder`` we use that for its resumability.
"""

from __future__ import annotations

from pathlib import Path

REPO_TYPES = ("dataset", "model", "space")


def push_folder(
    folder: str | Path,
    repo_id: str,
    *,
    repo_type: str,
    token: str | None = None,
    private: bool = False,
    commit_message: str = "Upload with insar_hf",
    space_sdk: str | None = None,
    ignore_patterns: list[str] | None = None,
) -> str:
    """Create ``repo_id`` if needed and upload every file of ``folder`` to its root.

    Parameters
    ----------
    folder
        Local folder; its layout is kept in the repository.
    repo_id
        ``"owner/name"``.
    repo_type
        ``"dataset"``, ``"model"`` or ``"space"``.
    token
        Hub token; ``None`` uses the saved login or ``HF_TOKEN``.
    private
        Create the repository private (only used when it does not exist yet).
    commit_message
        Title of the commit.
    space_sdk
        For ``repo_type="space"``: the Space SDK (e.g. ``"gradio"``) given to ``create_repo``.
    ignore_patterns
        Glob patterns of files not to upload (``.git/`` and the client's cache are never uploaded).

    Returns
    -------
    str
        URL of the repository on the Hub (``HF_ENDPOINT`` aware).
    """
    from huggingface_hub import HfApi

    folder = Path(folder)
    if repo_type not in REPO_TYPES:
        raise ValueError(f"repo_type must be one of {REPO_TYPES}, got {repo_type!r}")
    if not folder.is_dir():
        raise FileNotFoundError(f"push_folder: {folder} is not a folder; write it first")
    if repo_id.count("/") != 1 or not all(repo_id.split("/")):
        raise ValueError(f"repo_id must look like 'owner/name', got {repo_id!r}")
    if repo_type == "space" and space_sdk is None:
        raise ValueError("pushing a Space needs space_sdk (e.g. 'gradio')")

    api = HfApi(token=token)
    url = api.create_repo(
        repo_id,
        repo_type=repo_type,
        private=private,
        exist_ok=True,
        space_sdk=space_sdk,
    )
    ignore = [".cache/**", "**/.cache/**", "*.tmp", "**/*.tmp", *(ignore_patterns or [])]
    if hasattr(api, "upload_large_folder"):  # huggingface_hub < 2
        api.upload_large_folder(
            repo_id=repo_id, folder_path=folder, repo_type=repo_type, ignore_patterns=ignore
        )
    else:
        api.upload_folder(
            repo_id=repo_id,
            folder_path=folder,
            repo_type=repo_type,
            commit_message=commit_message,
            ignore_patterns=ignore,
        )
    return str(url)
