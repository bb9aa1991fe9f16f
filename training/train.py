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
"""

from __future__ import annotations

from insar_hf.training.trainer import main

if __name__ == "__main__":
    raise SystemExit(main())
