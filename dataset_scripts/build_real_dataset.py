"""Build (and optionally push) the real-event dataset: a thin wrapper of ``insar-hf build-real``.

examples:
  python dataset_scripts/build_real_dataset.py --products products/ --catalog comcat.csv \\
      --out real_ds --push-to-hub me/insar-real
"""

from __future__ import annotations

import sys

from insar_hf.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["build-real", *sys.argv[1:]]))
