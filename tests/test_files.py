"""Files the package writes are whole or absent, and get the mode the umask gives."""

import os
import stat

import pytest

from insar_hf.files import give_umask_mode, umask_mode, write_atomically


@pytest.fixture
def umask():
    """Set the process umask for one test (``umask(value)``), restored afterwards."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_a_file_written_atomically_gets_the_mode_the_umask_gives(tmp_path, umask, mask, mode):
    umask(mask)
    path = write_atomically(tmp_path / "a.bin", lambda handle: handle.write(b"data"))
    assert path.read_bytes() == b"data" and _mode(path) == mode
    assert _mode(path) == _mode(_open_file(tmp_path / "plain"))  # as open() gives


def _open_file(path):
    path.write_bytes(b"x")
    return path


def test_umask_mode_leaves_the_umask_as_it_was(umask):
    umask(0o027)
    assert umask_mode() == 0o640
    assert os.umask(0o027) == 0o027


def test_overwriting_a_file_keeps_its_mode(tmp_path, umask):
    path = tmp_path / "a.bin"
    path.write_bytes(b"old")
    os.chmod(path, 0o600)
    write_atomically(path, lambda handle: handle.write(b"new"))
    assert path.read_bytes() == b"new" and _mode(path) == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "a.bin"
    path.write_bytes(b"old")

    def fail(handle):
        handle.write(b"half")
        raise OSError("No space left on device")

    with pytest.raises(OSError, match="No space left"):
        write_atomically(path, fail)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["a.bin"]


def test_private_safetensors_weights_get_the_mode_the_umask_gives(tmp_path, umask):
    import torch
    from safetensors.torch import save_file

    path = tmp_path / "model.safetensors"
    save_file({"w": torch.zeros(3)}, path)  # 0600 with safetensors >= 0.8 (a renamed temp file)
    give_umask_mode(path)
    assert _mode(path) == 0o644
