"""How fast this machine is: a few seconds of measurement that estimate how long the plan takes.

The plan's sizes never depend on them (:mod:`insar_hf.quickstart.plan`).

* :func:`calibrate_generation` -- scenes per second per process for the whole row path.
* :func:`calibrate_input_pipeline` -- training images per second of every epoch's input: the
  batched augmentation and collation of images decoded once into memory.
* :func:`calibrate_model` -- training and inference images per second of a preset on this CPU.
"""

from __future__ import annotations

import io
import time
from typing import Any

import numpy as np

from insar_hf.dataset.rows import scene_to_row
from insar_hf.model.presets import build_model
from insar_hf.schema import KIND_NAMES
from insar_hf.simulate.config import SceneConfig
from insar_hf.simulate.scene import sample_scene
from insar_hf.training.batch_augment import BatchAugmentation
from insar_hf.training.memory import make_collator


def calibrate_generation(seed: int = 0, n: int = 12) -> tuple[float, list[dict[str, Any]]]:
    """Scenes per second per process for the whole row path (scene, render, encode), and the rows."""
    # Seeds far from any dataset index stream; the scenes are timed, never kept. The warm-up
    # scene holds an earthquake, so that loading the compiled Okada (about a second, once per
    # process) is not timed as the speed of every scene.
    warm = SceneConfig().replace(positive_fraction=1.0)
    scene_to_row(sample_scene(np.random.SeedSequence(seed, spawn_key=(99, 0)), warm))
    start = time.perf_counter()
    rows = [
        scene_to_row(sample_scene(np.random.SeedSequence(seed, spawn_key=(99, i))))
        for i in range(1, n + 1)
    ]
    return n / (time.perf_counter() - start), rows


def calibrate_input_pipeline(rows: list[dict[str, Any]]) -> float:
    """Training images per second of the input pipeline of every epoch: batched augmentation
    and collation of images already in memory.

    Training decodes each image once, before the first epoch (:mod:`insar_hf.training.memory`,
    about 4 ms per image on one core, a few seconds per thousand images); that one-off cost is
    left out here, as the plan's per-epoch rate should.
    """
    from PIL import Image

    collate = make_collator(BatchAugmentation())
    examples = [
        {
            "image": np.asarray(Image.open(io.BytesIO(row["image"]["bytes"])).convert("RGB")),
            "labels": row["label"],
            "wrapped": KIND_NAMES[row["kind"]] == KIND_NAMES[0],
            "augment": True,
        }
        for row in rows
    ]
    # Warm-up: the first batch pays one-off costs (torch's import inside collate, grid_sample's
    # set-up) that a training run pays once, not per image; timed cold, they made a 100 img/s
    # pipeline measure 5 img/s and shrank the plan tenfold.
    collate(examples[:2])
    start = time.perf_counter()
    collate(examples)
    return len(examples) / (time.perf_counter() - start)


def calibrate_model(preset: str, batch_size: int) -> tuple[float, float]:
    """Training and inference images per second of ``preset`` on this CPU (a few steps)."""
    import torch

    model = build_model(
        preset,
        id2label={0: "no_earthquake", 1: "earthquake"},
        label2id={"no_earthquake": 0, "earthquake": 1},
    )
    x = torch.randn(batch_size, 3, 224, 224)  # (B, C, H, W)
    y = torch.randint(0, 2, (batch_size,))
    optim = torch.optim.Adam(model.parameters(), lr=1e-4)
    model.train()

    def step():
        optim.zero_grad()
        model(pixel_values=x, labels=y).loss.backward()
        optim.step()

    step()  # warm-up
    start = time.perf_counter()
    steps = 2
    for _ in range(steps):
        step()
    train_rate = steps * batch_size / (time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        model(pixel_values=x)
        start = time.perf_counter()
        model(pixel_values=x)
        infer_rate = batch_size / (time.perf_counter() - start)
    return train_rate, infer_rate
