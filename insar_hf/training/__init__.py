"""Making and judging a model: the Trainer recipe, augmentation, evaluation and the card.

* :mod:`~insar_hf.training.arguments` -- the run's options (``HfArgumentParser`` dataclasses).
* :mod:`~insar_hf.training.augment` -- the per-image NumPy reference of the physics-respecting
  augmentation.
* :mod:`~insar_hf.training.batch_augment` -- the same augmentation on a whole batch (torch), the
  training path.
* :mod:`~insar_hf.training.memory` -- splits decoded once into memory, and the collator.
* :mod:`~insar_hf.training.data` -- the three splits, read with ``load_dataset``, served in memory
  or decoded lazily.
* :mod:`~insar_hf.training.trainer` -- ``train`` and ``main`` (behind ``training/train.py``).
* :mod:`~insar_hf.training.evaluation` -- metrics, breakdowns and ``metrics.json``.
* :mod:`~insar_hf.training.figures` -- the figures of an evaluation.
* :mod:`~insar_hf.training.calibrate` -- temperature and threshold fitted on the validation split.
* :mod:`~insar_hf.training.card` -- the model card, rendered from ``metrics.json``,
  ``calibration.json``, ``real_events.json`` and ``dev_windows.json``, and the Hub push.
* :mod:`~insar_hf.training.export` -- a trained folder becomes the packaged default model.
* :mod:`~insar_hf.training.card_sections` -- the card's model-index entries and its real-events
  and dev-windows sections.
"""
