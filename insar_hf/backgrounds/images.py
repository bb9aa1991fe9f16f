"""A bank split's backgrounds as the detector sees them: one rendered model image per file.

:func:`background_dataset` renders each decoded background with the one rendering function
(:func:`insar_hf.render.render_interferogram`, wrapped), exactly as
:meth:`insar_hf.inference.detector.Detector.predict` renders a wrapped phase array, and returns
them as a ``datasets.Dataset`` of label 0 (no earthquake: the backgrounds hold none).  The false
alarms of a model on the validation volcanoes' backgrounds set the shipped decision threshold
(:mod:`insar_hf.training.calibrate`); those of the test volcanoes measure it.
"""

from __future__ import annotations

from insar_hf.backgrounds.bank import BackgroundBank
from insar_hf.render import render_interferogram
from insar_hf.schema import IMAGE_SIZE

__all__ = ["background_dataset"]


def background_dataset(bank: BackgroundBank, split: str, *, size: int = IMAGE_SIZE):
    """The raw backgrounds of ``split`` (no deformation added), rendered for the model.

    Returns
    -------
    datasets.Dataset
        Columns ``image`` (RGB ``size x size``), ``label`` (0), ``background_file``,
        ``background_volcano`` and ``background_group``, in the bank's order.
    """
    from datasets import ClassLabel, Dataset, Features, Value
    from datasets import Image as ImageFeature

    from insar_hf.schema import LABEL_NAMES

    part = bank.split(split)
    rows: dict[str, list] = {
        "image": [],
        "label": [],
        "background_file": [],
        "background_volcano": [],
        "background_group": [],
    }
    for entry in part.entries:
        background = bank.load(entry)
        image = render_interferogram(background.wrapped_rad, "wrapped", size=size).convert("RGB")
        rows["image"].append(image)
        rows["label"].append(0)
        rows["background_file"].append(entry.path)
        rows["background_volcano"].append(entry.volcano)
        rows["background_group"].append(entry.group)
    features = Features(
        {
            "image": ImageFeature(),
            "label": ClassLabel(names=list(LABEL_NAMES)),
            "background_file": Value("string"),
            "background_volcano": Value("string"),
            "background_group": Value("string"),
        }
    )
    return Dataset.from_dict(rows, features=features)
