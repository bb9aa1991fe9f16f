"""Making and judging a model: the Trainer recipe, augmentation, evaluation and the card.

* :mod:`~insar_hf.training.arguments` -- the run's options (``HfArgumentParser`` dataclasses).
* :mod:`~insar_hf.training.augment` -- physics-respecting augmentation, the batch transform and
  the collator.
* :mod:`~insar_hf.training.data` -- the three splits, read with ``load_dataset``, decoded lazily.
* :mod:`~insar_hf.training.trainer` -- ``train`` and ``main`` (behind ``training/train.py``).
* :mod:`~insar_hf.training.evaluation` -- metrics, breakdowns and ``metrics.json``.
* :mod:`~insar_hf.training.figures` -- the figures of an evaluation.
* :mod:`~insar_hf.training.card` -- the model card, rendered from ``metrics.json`` and
  ``real_events.json``, and the Hub push.
"""
