"""A labelled grid of synthetic scenes, to see what the generator makes.

Panel ``i`` is drawn with the class and kind fixed in turn (positive wrapped, negative wrapped,
positive unwrapped, negative unwrapped, ...), everything else from :class:`SceneConfig`, seed
``scene_seed_sequence(seed, "train", i)``.  Wrapped phase is shown with a cyclic colour map,
unwrapped phase (median removed) with a diverging one, no data in grey; the ground-truth box is
drawn in lime and the epicentre (surface projection of the rupture centroid) as a ``+``.  With
``model_input=True`` the panels show the canonical image of :mod:`insar_hf.render` instead.

Layout: ``min(columns, n)`` panels per row, ``ceil(n / columns)`` rows, filled row by row; each
panel takes :data:`PANEL_SIZE_IN` inches, so a PNG written at ``dpi`` is ``columns * 3.2 *
dpi`` pixels wide and ``rows * 3.9 * dpi`` high.  Cells after the last panel are blank.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from insar_hf.render import render_array
from insar_hf.simulate.config import SceneConfig
from insar_hf.simulate.scene import Scene, sample_scene
from insar_hf.simulate.seeds import scene_seed_sequence

_CELLS = ((1, "wrapped"), (0, "wrapped"), (1, "unwrapped"), (0, "unwrapped"))

PANEL_SIZE_IN = (3.2, 3.9)
"""Width and height of one panel, inches (the height leaves room for a three-line caption)."""


def preview_scenes(n: int = 16, seed: int = 0, config: SceneConfig | None = None) -> list[Scene]:
    """The ``n`` scenes of :func:`preview_figure`: class and kind cycle through the four cells."""
    if not (isinstance(n, int) and 1 <= n <= 256):
        raise ValueError(f"n must be an integer number of panels in [1, 256], got {n!r}")
    config = SceneConfig() if config is None else config
    scenes = []
    for i in range(n):
        positive, kind = _CELLS[i % len(_CELLS)]
        cell_config = config.replace(
            positive_fraction=float(positive), wrapped_fraction=float(kind == "wrapped")
        )
        scenes.append(sample_scene(scene_seed_sequence(seed, "train", i), cell_config))
    return scenes


def _caption(scene: Scene) -> str:
    m = scene.metadata
    top = f"{scene.kind} | label {scene.label} | {m['deformation_source']}"
    if math.isfinite(m["mw"]):
        top += f"\nMw {m['mw']:.1f} {m['mechanism']} | top {m['top_depth_m'] / 1000:.1f} km"
    else:
        top += "\nno earthquake"
    pass_short = "asc" if m["pass_direction"] == "ascending" else "desc"
    return top + f"\n{m['sensor']} {pass_short} | {m['pixel_m']:.0f} m/px"


def preview_figure(
    n: int = 16,
    seed: int = 0,
    config: SceneConfig | None = None,
    *,
    columns: int = 4,
    model_input: bool = False,
):
    """A matplotlib figure (Agg) with ``n`` captioned panels; see the module docstring."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    if not (isinstance(columns, int) and columns >= 1):
        raise ValueError(f"columns must be an integer >= 1, got {columns!r}")
    scenes = preview_scenes(n, seed, config)
    columns = min(columns, n)
    rows = math.ceil(n / columns)
    fig, axes = plt.subplots(
        rows, columns, figsize=(PANEL_SIZE_IN[0] * columns, PANEL_SIZE_IN[1] * rows), squeeze=False
    )
    for ax in axes.flat[n:]:
        ax.axis("off")
    for ax, scene in zip(axes.flat, scenes):
        field = scene.field_rad
        if model_input:
            ax.imshow(render_array(field, scene.kind, size=field.shape[0]), interpolation="nearest")
        elif scene.kind == "wrapped":
            cmap = plt.get_cmap("twilight_shifted").with_extremes(bad="0.6")
            ax.imshow(field, cmap=cmap, vmin=-math.pi, vmax=math.pi, interpolation="nearest")
        else:
            shown = field - np.nanmedian(field)
            lim = max(float(np.nanpercentile(np.abs(shown), 99)), 1e-6)
            cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.6")
            ax.imshow(shown, cmap=cmap, vmin=-lim, vmax=lim, interpolation="nearest")
        x0, y0, x1, y1 = scene.deformation_bbox
        if x1 > x0:
            # imshow puts pixel centres on integers: pixel j spans [j - 0.5, j + 0.5).
            ax.add_patch(
                Rectangle(
                    (x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, edgecolor="lime", lw=1.5
                )
            )
        m = scene.metadata
        if math.isfinite(m["epicentre_row_px"]):
            ax.plot(m["epicentre_col_px"] - 0.5, m["epicentre_row_px"] - 0.5, "+", color="k", ms=9)
        ax.set_title(_caption(scene), fontsize=7.5)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(
        f"insar_hf synthetic scenes (seed {seed}); box = ground-truth deformation, + = epicentre",
        fontsize=10,
    )
    fig.tight_layout()
    return fig


def write_preview(
    out: str | Path,
    n: int = 16,
    seed: int = 0,
    config: SceneConfig | None = None,
    *,
    columns: int = 4,
    model_input: bool = False,
    dpi: int = 110,
) -> Path:
    """Write :func:`preview_figure` to the PNG ``out`` (parent folders are created)."""
    import matplotlib.pyplot as plt

    out = Path(out)
    if out.suffix.lower() != ".png":
        raise ValueError(f"out must be a .png path, got {str(out)!r}")
    fig = preview_figure(n, seed, config, columns=columns, model_input=model_input)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(out, dpi=dpi)
    finally:
        plt.close(fig)
    return out
