"""Produce (and optionally publish) the insar_hf synthetic dataset.

A thin wrapper over ``insar-hf generate`` (``insar_hf.commands.generate``): the same options,
the same code. Examples::

    python dataset_scripts/generate_synthetic.py --num-samples 2000 --out ds
    python dataset_scripts/generate_synthetic.py --split-sizes 805436,100679,100681 --out paper \\
        --push-to-hub my-org/insar-synthetic-earthquakes
"""

from __future__ import annotations

import sys

from insar_hf.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["generate", *sys.argv[1:]]))
