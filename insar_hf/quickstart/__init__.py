"""The README's main job: from nothing to a trained detector, its card and a runnable Space.

:func:`run_quickstart` chains the library's own steps, each of which a user can also run alone:

1. **dataset** -- :func:`insar_hf.dataset.generate.generate_dataset` writes a small synthetic set
   (parquet shards + card) into ``OUT/dataset``; reused when
   :func:`insar_hf.dataset.check.check_dataset` finds it complete and it was made with the
   same size and seed.
2. **model** -- :func:`insar_hf.training.trainer.main`, the very function behind
   ``training/train.py`` (what ``accelerate launch`` runs), trains a small preset into
   ``OUT/model`` and writes ``metrics.json`` (test metrics, breakdowns, attention localisation),
   the figures and the model card; reused when ``metrics.json`` exists for the same plan.
3. **space** -- the repository's ``space/`` folder staged into ``OUT/space`` with
   ``model_id.txt`` pointing at the local checkpoint, so ``python OUT/space/app.py`` serves it
   offline.
4. **push** (optional) -- dataset, model and Space to ``ORG/...`` on the Hub.

The plan (samples, epochs) is fixed for the time budget by the speeds of an idle 2-core reference
machine (never by this machine's load at the moment it starts), and printed before any work with
the time it is expected to take here, from a few seconds of timing. After training the run checks
that the model learned (:mod:`insar_hf.training.learning`) and says so first in its summary.
A finished dataset or model in ``OUT`` made with other settings is never deleted unasked: the run
stops first with :class:`QuickstartConflictError` (``--overwrite`` replaces them).

* :mod:`~insar_hf.quickstart.config` -- :class:`QuickstartConfig`, the options and their checks.
* :mod:`~insar_hf.quickstart.calibrate` -- this machine's generation, input and model speeds.
* :mod:`~insar_hf.quickstart.plan` -- :class:`Plan`: samples and epochs fixed for the budget by
  the reference machine, the time expected here, saved so that every re-run reuses it as it is.
* :mod:`~insar_hf.quickstart.steps` -- the dataset, model, Space and push steps and their reuse.
* :mod:`~insar_hf.quickstart.run` -- :func:`run_quickstart`: the whole job and its summary.
"""

from __future__ import annotations

from insar_hf.quickstart.config import QuickstartConfig, QuickstartConflictError
from insar_hf.quickstart.plan import Plan, make_plan
from insar_hf.quickstart.run import run_quickstart

__all__ = ["Plan", "QuickstartConfig", "QuickstartConflictError", "make_plan", "run_quickstart"]
