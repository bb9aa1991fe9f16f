#!/usr/bin/env bash
# The packaged default model (insar_hf/model/default/), rebuilt from nothing on a CPU:
#   bash training/default_model.sh
# 1. 20,000 synthetic samples (16,000 / 2,000 / 2,000, seed 1) into outputs/default_model/dataset,
#    half of the wrapped scenes of both classes on real earthquake-free interferograms of
#    ../shared/real-backgrounds (train / validation / test scenes on the backgrounds of their own
#    volcanoes: docs/generator.md, "Real backgrounds");
# 2. the vit-mini recipe of training/configs/default_model.json (AdamW lr 3e-4, 5 % warm-up,
#    cosine, weight decay 0.05, 12 epochs, the patch loss of weight 1, best epoch by validation
#    ROC-AUC), calibrated by training/train.py: temperature on the validation split, threshold
#    for 5 % false alarms on the real backgrounds of the validation volcanoes, real_nuisance.json;
# 3. its verdicts on the twelve real development windows, when ../shared/real-dev exists;
# 4. the final files copied into insar_hf/model/default/ (python -m insar_hf.training.export).
# Every step resumes or refuses rather than overwrite: delete outputs/default_model to start over.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=outputs/default_model
BANK=../shared/real-backgrounds  # also named in training/configs/default_model.json
if [ ! -d "$BANK" ]; then
  echo "error: no real-background bank at $BANK: the default model is trained on it" \
    "(docs/generator.md, 'Real backgrounds', says what it holds and where it comes from)" >&2
  exit 2
fi
insar-hf generate --out "$OUT/dataset" --split-sizes 16000,2000,2000 --seed 1 --no-figure \
  --real-backgrounds "$BANK" --real-background-fraction 0.5
if [ ! -f "$OUT/model/calibration.json" ]; then
  accelerate launch --config_file training/accelerate/cpu.yaml training/train.py \
    training/configs/default_model.json
fi
if [ -f ../shared/real-dev/windows.json ]; then
  python benchmarks/dev_windows.py --model "$OUT/model" --write
fi
python -m insar_hf.training.export "$OUT/model"
