"""Verify a generated dataset folder and say exactly what is wrong.

Checks the card (README.md: features and split sizes), that every shard
data/{split}-{i:05d}-of-{n:05d}.parquet is present and readable to its last row group, has the
card's features and the expected row count, that the shards of each split add up to the card's
count, that no split is empty, and that no temporary file of an interrupted run is left. Exit status 0 when all is well,
1 otherwise (one line per problem).

examples:
  insar-hf check-dataset ds
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="dataset folder written by `insar-hf generate`")


def run(args: argparse.Namespace) -> int:
    from insar_hf.dataset.check import check_dataset

    problems = check_dataset(args.path)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{args.path}: {len(problems)} problem(s)")
        return 1
    print(f"{args.path}: OK")
    return 0
