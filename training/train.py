"""Train the ViT earthquake detector (thin wrapper around :func:`insar_hf.training.trainer.main`).

Runs under plain Python and under Accelerate::

    python training/train.py --dataset DATA_DIR --preset vit-micro --output_dir outputs/micro
    accelerate launch --config_file training/accelerate/cpu.yaml training/train.py \\
        training/configs/cpu_demo.json
    accelerate launch --config_file training/accelerate/multi_gpu.yaml training/train.py \\
        training/configs/paper_vit_b16.json

``python training/train.py --help`` lists every option (model, data, augmentation and all of
``transformers.TrainingArguments``). A JSON file may be given as the only argument instead.
See docs/training.md.

After training it says whether the run learned (:mod:`insar_hf.training.learning`): a run whose
training loss stayed at ln 2, or whose validation ROC-AUC is no better than chance, ends with a
``WARNING: the model did not learn`` line, its likely cause and the fix.
"""

from __future__ import annotations

import sys

from insar_hf.training.learning import warn_unless_learned
from insar_hf.training.trainer import main

if __name__ == "__main__":
    status = main()
    warn_unless_learned(sys.argv[1:])
    raise SystemExit(status)
