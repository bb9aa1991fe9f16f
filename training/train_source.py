"""Train the ViT source-estimation network (thin wrapper around
:func:`insar_hf.training.source_training.main`).

Runs under plain Python and under Accelerate::

    python training/train_source.py --dataset DATA_DIR --preset vit-micro --output_dir outputs/s
    accelerate launch --config_file training/accelerate/cpu.yaml training/train_source.py \\
        training/configs/source_cpu.json
    accelerate launch --config_file training/accelerate/single_gpu.yaml training/train_source.py \\
        training/configs/source_gpu.json

Only the earthquake scenes of the dataset are used; flips and crops stay off (they move the
targets). ``python training/train_source.py --help`` lists every option. See docs/source.md.
"""

from __future__ import annotations

from insar_hf.training.source_training import main

if __name__ == "__main__":
    raise SystemExit(main())
