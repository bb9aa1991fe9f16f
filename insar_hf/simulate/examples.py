"""The example interferograms bundled with the Space (``space/examples/``).

Drawn from the synthetic generator (:func:`insar_hf.simulate.scene.sample_scene`) with seed
sequences ``SeedSequence(seed, spawn_key=(EXAMPLE_STREAM, i))`` (the dataset splits use spawn
keys 0-2, so an example never coincides with a training, validation or test scene of any seed)
and rendered with :func:`insar_hf.render.render_interferogram`: for each of the first
``per_label`` scenes with and without an earthquake, its wrapped **and** unwrapped phase. ``examples.json`` records each file's
label, kind, true deformation box and magnitude.

Regenerate with::

    python -m insar_hf.simulate.examples space/examples
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

from insar_hf.render import render_interferogram
from insar_hf.schema import EXAMPLE_STREAM, KIND_NAMES, LABEL_NAMES
from insar_hf.simulate.scene import sample_scene


def write_examples(
    folder: str | Path,
    *,
    per_label: int = 2,
    seed: int = 2024,
    max_box_fraction: float = 0.5,
    min_mw: float = 6.0,
    max_draws: int = 1000,
) -> list[Path]:
    """Write ``4 * per_label`` example PNGs and ``examples.json`` into ``folder``.

    Parameters
    ----------
    folder
        Output folder (created).
    per_label
        Scenes per label; each gives a wrapped and an unwrapped image.
    max_box_fraction, min_mw
        Positives whose true box covers more of the image, or of smaller magnitude, are
        skipped, so that the examples show a clear deformation that does not fill the image.
    seed
        Generator seed; scene ``i`` is ``SeedSequence(seed, spawn_key=(EXAMPLE_STREAM, i))``.
    max_draws
        Give up (``RuntimeError``) after this many scenes without enough of each label.

    Returns
    -------
    list[Path]
        The PNG files, positives first.
    """
    if per_label < 1:
        raise ValueError(f"per_label must be >= 1; got {per_label}")
    folder = Path(folder)
    chosen: dict[int, list] = {0: [], 1: []}
    for index in range(max_draws):
        scene = sample_scene(np.random.SeedSequence(seed, spawn_key=(EXAMPLE_STREAM, index)))
        x0, y0, x1, y1 = scene.deformation_bbox
        rows, cols = scene.field_rad.shape
        too_big = (x1 - x0) * (y1 - y0) > max_box_fraction * rows * cols
        too_small = not float(scene.metadata.get("mw", float("nan"))) >= min_mw
        if len(chosen[scene.label]) < per_label and not (
            scene.label == 1 and (too_big or too_small)
        ):
            chosen[scene.label].append((index, scene))
        if all(len(v) == per_label for v in chosen.values()):
            break
    else:
        raise RuntimeError(
            f"fewer than {per_label} scenes per label in {max_draws} draws; raise max_draws"
        )
    folder.mkdir(parents=True, exist_ok=True)
    paths, records = [], []
    for label in (1, 0):
        for n, (index, scene) in enumerate(chosen[label], start=1):
            for kind in KIND_NAMES:
                phase = scene.wrapped_rad if kind == "wrapped" else scene.unwrapped_rad
                path = folder / f"{LABEL_NAMES[label]}_{kind}_{n}.png"
                render_interferogram(phase, kind).save(path)
                mw = scene.metadata.get("mw", float("nan"))
                records.append(
                    {
                        "file": path.name,
                        "label": LABEL_NAMES[label],
                        "kind": kind,
                        "scene_index": index,
                        "seed": seed,
                        "deformation_bbox": [int(v) for v in scene.deformation_bbox],
                        "mw": None if mw is None or math.isnan(float(mw)) else float(mw),
                    }
                )
                paths.append(path)
    (folder / "examples.json").write_text(json.dumps(records, indent=2) + "\n")
    return paths


if __name__ == "__main__":
    out = write_examples(sys.argv[1] if len(sys.argv) > 1 else "space/examples")
    print("\n".join(str(p) for p in out))
