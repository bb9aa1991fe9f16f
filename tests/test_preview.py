import numpy as np
import pytest
from PIL import Image

from insar_hf.cli import main
from insar_hf.simulate.preview import preview_scenes, write_preview
from insar_hf.simulate.scene import SceneConfig

TINY = SceneConfig(image_size_px=48, min_visible_pixels=10)


def test_panels_cycle_through_class_and_kind():
    scenes = preview_scenes(8, seed=1, config=TINY)
    assert [s.kind for s in scenes[:4]] == ["wrapped", "wrapped", "unwrapped", "unwrapped"]
    assert [s.metadata["deformation_source"] != "none" for s in scenes[:4:2]] == [True, True]
    assert all(s.label == 0 for s in scenes[1::2])


def test_write_preview_writes_a_png_grid(tmp_path):
    out = write_preview(tmp_path / "sub" / "grid.png", n=4, seed=0, config=TINY, columns=2)
    with Image.open(out) as image:
        assert image.format == "PNG"
        width, height = image.size
    assert width > 300 and height > 300
    pixels = np.asarray(Image.open(out).convert("L"))
    assert pixels.std() > 10  # not a blank canvas


def test_cli_preview_writes_the_file(tmp_path, capsys):
    out = tmp_path / "preview.png"
    assert main(["preview", "--n", "2", "--seed", "3", "--out", str(out)]) == 0
    assert out.exists() and "wrote" in capsys.readouterr().out


def test_non_png_path_is_refused(tmp_path):
    with pytest.raises(ValueError, match="out must be a .png path"):
        write_preview(tmp_path / "grid.jpg", n=1, config=TINY)
    assert not (tmp_path / "grid.jpg").exists()


def test_panel_count_is_validated():
    with pytest.raises(ValueError, match="n must be an integer number of panels"):
        preview_scenes(0, config=TINY)


def test_cli_reports_bad_options_without_a_traceback(tmp_path, capsys):
    assert main(["preview", "--n", "0", "--out", str(tmp_path / "p.png")]) == 2
    assert "n must be an integer number of panels" in capsys.readouterr().err
    assert not (tmp_path / "p.png").exists()
