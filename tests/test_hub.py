"""insar_hf.hub.push_folder against the Hub stand-in (tests/hub_standin.py)."""
# ruff: noqa: F811  (pytest fixtures imported from hub_standin are redefined as arguments)

import pytest
from hub_standin import hub_standin  # noqa: F401

from insar_hf.hub import push_folder


def _folder(tmp_path):
    folder = tmp_path / "repo"
    (folder / "data").mkdir(parents=True)
    (folder / "README.md").write_text("---\nlicense: apache-2.0\n---\n# hello\n")
    (folder / "data" / "train-00000-of-00001.parquet").write_bytes(bytes(range(256)) * 40)
    return folder


def test_push_folder_uploads_every_file_byte_for_byte(hub_standin, tmp_path):
    folder = _folder(tmp_path)
    url = push_folder(folder, "org/set", repo_type="dataset")
    assert url == f"{hub_standin.endpoint}/datasets/org/set"
    remote = hub_standin.files("org/set", "dataset")
    local = {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }
    assert remote == local


def test_push_folder_again_is_a_no_op_commit(hub_standin, tmp_path):
    folder = _folder(tmp_path)
    push_folder(folder, "org/set", repo_type="dataset")
    head = hub_standin.repos[("dataset", "org/set")].head
    push_folder(folder, "org/set", repo_type="dataset")
    assert hub_standin.repos[("dataset", "org/set")].head == head


def test_push_folder_creates_private_repo(hub_standin, tmp_path):
    push_folder(_folder(tmp_path), "org/model", repo_type="model", private=True)
    assert hub_standin.repos[("model", "org/model")].private


def test_pushed_file_downloads_through_hf_hub_download(hub_standin, tmp_path):
    from huggingface_hub import hf_hub_download

    folder = _folder(tmp_path)
    push_folder(folder, "org/set", repo_type="dataset")
    path = hf_hub_download("org/set", "README.md", repo_type="dataset")
    assert open(path).read() == (folder / "README.md").read_text()


def test_push_folder_names_a_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a folder; write it first"):
        push_folder(tmp_path / "nope", "org/set", repo_type="dataset")


def test_push_folder_rejects_a_repo_id_without_owner(tmp_path):
    with pytest.raises(ValueError, match="repo_id must look like 'owner/name', got 'set'"):
        push_folder(tmp_path, "set", repo_type="dataset")


def test_push_folder_rejects_an_unknown_repo_type(tmp_path):
    with pytest.raises(ValueError, match="repo_type must be one of"):
        push_folder(tmp_path, "org/set", repo_type="bucket")


def test_standin_answers_whoami_for_its_token_only(hub_standin):
    from huggingface_hub import HfApi
    from huggingface_hub.errors import HfHubHTTPError

    assert HfApi().whoami()["name"] == "standin-user"
    with pytest.raises(HfHubHTTPError, match="Invalid user token"):
        HfApi(token="hf_wrong").whoami()
