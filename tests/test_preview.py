import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from insar_hf.cli import main
from insar_hf.render import render_array
from insar_hf.simulate.config import SceneConfig
from insar_hf.simulate.preview import preview_figure, preview_scenes, write_preview

TINY = SceneConfig(image_size_px=48, min_visible_pixels=10)


@pytest.fixture(scope="module")
def grid():
    """Five panels in two columns: rows 0-1 full, row 2 one panel and one blank cell."""
    fig = preview_figure(5, seed=0, config=TINY, columns=2)
    yield fig, preview_scenes(5, seed=0, config=TINY)
    plt.close(fig)


def _shown(ax) -> np.ndarray:
    """The array an axes displays, NaN where it is masked."""
    return np.ma.filled(np.ma.asarray(ax.images[0].get_array(), dtype=np.float64), np.nan)


def test_panels_cycle_through_class_and_kind():
    scenes = preview_scenes(8, seed=1, config=TINY)
    assert [s.kind for s in scenes[:4]] == ["wrapped", "wrapped", "unwrapped", "unwrapped"]
    assert [s.metadata["deformation_source"] != "none" for s in scenes[:4:2]] == [True, True]
    assert all(s.label == 0 for s in scenes[1::2])


def test_png_is_columns_by_rows_panels_of_3_2_by_3_9_inches(tmp_path):
    out = write_preview(tmp_path / "sub" / "grid.png", n=5, config=TINY, columns=2, dpi=50)
    with Image.open(out) as image:
        assert image.format == "PNG"
        assert image.size == (2 * 160, 3 * 195)  # 3.2 x 50 px wide, 3.9 x 50 px high per panel


def test_columns_are_capped_at_the_panel_count(tmp_path):
    out = write_preview(tmp_path / "grid.png", n=3, config=TINY, columns=4, dpi=40)
    with Image.open(out) as image:
        assert image.size == (3 * 128, 1 * 156)


def test_panels_fill_the_grid_row_by_row_and_the_rest_is_blank(grid):
    fig, _ = grid
    cells = [
        (ax.get_subplotspec().rowspan.start, ax.get_subplotspec().colspan.start) for ax in fig.axes
    ]
    assert cells == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (2, 1)]
    assert [len(ax.images) for ax in fig.axes] == [1, 1, 1, 1, 1, 0]
    assert not fig.axes[5].axison


def test_each_panel_shows_its_scene_phase(grid):
    fig, scenes = grid
    for ax, scene in zip(fig.axes, scenes):
        field = scene.field_rad.astype(np.float64)
        expected = field if scene.kind == "wrapped" else field - np.nanmedian(scene.field_rad)
        np.testing.assert_allclose(_shown(ax), expected, rtol=0, atol=1e-6)


def test_model_input_panels_show_the_rendered_image():
    fig = preview_figure(2, seed=0, config=TINY, columns=2, model_input=True)
    try:
        for ax, scene in zip(fig.axes, preview_scenes(2, seed=0, config=TINY)):
            expected = render_array(scene.field_rad, scene.kind, size=48)
            np.testing.assert_array_equal(ax.images[0].get_array(), expected)
    finally:
        plt.close(fig)


def test_box_and_epicentre_are_drawn_only_for_earthquakes(grid):
    fig, scenes = grid
    for ax, scene in zip(fig.axes, scenes):
        if scene.label == 0:
            assert not ax.patches and not ax.lines
            continue
        (box,) = ax.patches
        x0, y0, x1, y1 = scene.deformation_bbox
        assert (box.get_x(), box.get_y()) == (x0 - 0.5, y0 - 0.5)
        assert (box.get_width(), box.get_height()) == (x1 - x0, y1 - y0)
        (marker,) = ax.lines
        m = scene.metadata
        assert marker.get_xydata().tolist() == [
            [m["epicentre_col_px"] - 0.5, m["epicentre_row_px"] - 0.5]
        ]


def test_captions_name_kind_label_and_source(grid):
    fig, scenes = grid
    for ax, scene in zip(fig.axes, scenes):
        first = ax.get_title().split("\n")[0]
        assert (
            first == f"{scene.kind} | label {scene.label} | {scene.metadata['deformation_source']}"
        )


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


def test_column_count_is_validated():
    with pytest.raises(ValueError, match="columns must be an integer >= 1"):
        preview_figure(2, config=TINY, columns=0)


def test_cli_reports_bad_options_without_a_traceback(tmp_path, capsys):
    assert main(["preview", "--n", "0", "--out", str(tmp_path / "p.png")]) == 2
    assert "n must be an integer number of panels" in capsys.readouterr().err
    assert not (tmp_path / "p.png").exists()
