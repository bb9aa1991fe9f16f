"""What the quickstart makes and how long it may take: :class:`QuickstartConfig`.

Also the names the quickstart gives to what it writes: the plan file and the Hub repositories.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from insar_hf.model.presets import PRESETS

PLAN_FILE = "quickstart_plan.json"
DATASET_NAME = "insar-synthetic-earthquakes"
SPACE_NAME = "insar-earthquake-detector"


class QuickstartConflictError(ValueError):
    """``out_dir`` holds a finished dataset or model made with other settings (kept as it is)."""


def model_repo_name(preset: str) -> str:
    """The quickstart model's name: ``insar-vit-micro-quickstart`` for ``vit-micro``."""
    return f"insar-vit-{preset.removeprefix('vit-')}-quickstart"


@dataclass(frozen=True)
class QuickstartConfig:
    """What the quickstart makes and how long it may take.

    Attributes
    ----------
    out_dir
        Folder that receives ``dataset/``, ``model/``, ``space/`` and the plan.
    minutes
        Budget of the whole run on an idle 2-core machine: the plan's sizes are fixed for it by
        the reference measurements (:mod:`insar_hf.quickstart.plan`), whatever this machine.
    preset
        Model preset (see :data:`insar_hf.model.presets.PRESETS`).
    num_samples, epochs
        Fix the plan instead of fitting it to ``minutes``.
    seed
        Seed of the dataset and of training.
    workers
        Generator processes (default: all cores).
    push_to_hub
        Hub organisation or user: push dataset, model and Space there at the end.
    overwrite
        Replace a finished dataset or model in ``out_dir`` that was made with other settings
        (without it the run stops and says what differs; nothing finished is ever deleted).
    """

    out_dir: Path = Path("quickstart_out")
    minutes: float = 15.0
    preset: str = "vit-micro"
    num_samples: int | None = None
    epochs: int | None = None
    seed: int = 0
    workers: int | None = None
    batch_size: int = 16
    learning_rate: float = 3e-4
    push_to_hub: str | None = None
    overwrite: bool = False
    token: str | None = field(default=None, repr=False)

    def __post_init__(self):
        if not self.minutes > 0:
            raise ValueError(f"--minutes must be positive, got {self.minutes}")
        if self.preset not in PRESETS:
            raise ValueError(
                f"--preset {self.preset!r} is unknown; choose one of {sorted(PRESETS)}"
            )
        if self.num_samples is not None and self.num_samples < 20:
            raise ValueError(
                "--num-samples must be at least 20 (every split needs samples), "
                f"got {self.num_samples}"
            )
        if self.epochs is not None and self.epochs < 1:
            raise ValueError(f"--epochs must be >= 1, got {self.epochs}")
        if self.push_to_hub is not None and ("/" in self.push_to_hub or not self.push_to_hub):
            raise ValueError(
                "--push-to-hub takes an organisation or user name (no '/'), "
                f"got {self.push_to_hub!r}"
            )
