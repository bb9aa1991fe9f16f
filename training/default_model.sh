#!/usr/bin/env bash
# The packaged default model (insar_hf/model/default/), rebuilt from nothing on a CPU:
#   bash training/default_model.sh
# 1. 20,000 synthetic samples (16,000 / 2,000 / 2,000, seed 1) into outputs/default_model/dataset;
# 2. the vit-mini recipe of training/configs/default_model.json (AdamW lr 3e-4, 5 % warm-up,
#    cosine, weight decay 0.05, 12 epochs, best epoch by validation ROC-AUC), calibrated on the
#    validation split (temperature, threshold for a 5 % false-positive rate) by training/train.py;
# 3. its verdicts on the twelve real development windows, when ../shared/real-dev exists;
# 4. the final files copied into insar_hf/model/default/ (python -m insar_hf.training.export).
# Every step resumes or refuses rather than overwrite: delete outputs/default_model to start over.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=outputs/default_model
insar-hf generate --out "$OUT/dataset" --split-sizes 16000,2000,2000 --seed 1 --no-figure
if [ ! -f "$OUT/model/calibration.json" ]; then
  accelerate launch --config_file training/accelerate/cpu.yaml training/train.py \
    training/configs/default_model.json
fi
if [ -f ../shared/real-dev/windows.json ]; then
  python benchmarks/dev_windows.py --model "$OUT/model" --write
fi
python -m insar_hf.training.export "$OUT/model"
