#!/usr/bin/env bash
# One GPU check (issue 12): ViT-B/16 training img/s in bf16 with the real input pipeline, the
# model FLOPs utilisation, the DataLoader workers the input needs, and a few hundred steps of the
# paper recipe, printed as one table (benchmarks/gpu_check.py says how each figure is measured).
#
#   benchmarks/gpu_check.sh                      # on a GPU machine, about 6 minutes
#   benchmarks/gpu_check.sh --workers 0 8 16     # another worker sweep
#   benchmarks/gpu_check.sh --allow-cpu --tiny   # every stage on a CPU, vit-micro (the test)
#
# Without a GPU it refuses in one line (exit code 2). GPU_CHECK_TIMEOUT_S (default 480) bounds
# the whole run: at the limit it is interrupted and prints the rows measured so far.
set -euo pipefail
cd "$(dirname "$0")/.."
exec timeout --signal=INT --kill-after=30 "${GPU_CHECK_TIMEOUT_S:-480}" \
    python -u benchmarks/gpu_check.py "$@"
