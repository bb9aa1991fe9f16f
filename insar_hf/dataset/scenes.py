"""Which scene is a dataset row: ``(seed, split, index)``, the scene config and the backgrounds.

Row ``index`` of ``split`` is ``sample_scene(scene_seed_sequence(seed, split, index), config,
backgrounds=bank.split(split))``: the parquet writer (:mod:`insar_hf.dataset.generate`) and the
stream (:mod:`insar_hf.dataset.stream`) both call :func:`row_scene`, so a stream and a parquet
set made with one seed, config and bank hold the same scenes.  A split's scenes are drawn on that
split's real backgrounds only (:class:`~insar_hf.backgrounds.BackgroundBank` splits by volcano),
so the validation and test scenes never show a training volcano.
"""

from __future__ import annotations

import os
from typing import Any

from insar_hf.backgrounds import BackgroundBank
from insar_hf.simulate.config import SceneConfig
from insar_hf.simulate.scene import Scene, sample_scene
from insar_hf.simulate.seeds import scene_seed_sequence

__all__ = ["backgrounds_record", "open_backgrounds", "row_scene"]


def open_backgrounds(
    backgrounds: BackgroundBank | str | os.PathLike | None, config: SceneConfig
) -> BackgroundBank | None:
    """The bank that ``config`` needs: a bank, or a folder to open as one, or None.

    Raises ``ValueError`` when ``config.real_background_fraction > 0`` and no bank is given, or
    when a bank is given that the config would never use (fraction 0).
    """
    fraction = config.real_background_fraction
    if backgrounds is None:
        if fraction > 0:
            raise ValueError(
                f"real_background_fraction = {fraction} needs real backgrounds: give a folder of "
                "real earthquake-free wrapped interferograms (--real-backgrounds DIR)"
            )
        return None
    if fraction <= 0:
        raise ValueError(
            "real backgrounds were given but real_background_fraction is 0, so none would be "
            "used: give a fraction in (0, 1] (--real-background-fraction F)"
        )
    bank = backgrounds if isinstance(backgrounds, BackgroundBank) else BackgroundBank(backgrounds)
    for split in ("train", "validation", "test"):
        bank.split(split)  # refuses an empty split now, not in a worker
    return bank


def backgrounds_record(bank: BackgroundBank | None) -> dict[str, Any] | None:
    """What defines a bank's scenes, for a dataset's generation file (no machine's paths)."""
    if bank is None:
        return None
    summary = bank.summary()
    del summary["root"]
    return summary


def row_scene(
    seed: int, split: str, index: int, config: SceneConfig, bank: BackgroundBank | None = None
) -> Scene:
    """The scene of row ``index`` of ``split`` (module docstring)."""
    backgrounds = None if bank is None else bank.split(split)
    return sample_scene(scene_seed_sequence(seed, split, index), config, backgrounds=backgrounds)
