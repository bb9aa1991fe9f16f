"""Splits of the real-event set by event: no event reaches two splits.

A product's group is the union of its qualifying events (:class:`Groups`, merged across products
that share one); an event-free pair is its own group. :func:`assign_splits` gives whole groups to
train / validation / test, and :func:`balance_labels` undersamples the majority label of a split.
"""

from __future__ import annotations

import math

import numpy as np

from insar_hf.schema import SPLITS


class Groups:
    """Union-find over group keys (event ids / pair keys)."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        """The root of ``key``'s group (``key`` itself when new)."""
        self.parent.setdefault(key, key)
        while self.parent[key] != key:
            self.parent[key] = self.parent[self.parent[key]]
            key = self.parent[key]
        return key

    def union(self, keys: list[str]) -> str:
        """Merge the groups of ``keys``; returns the merged group's root (the smallest root)."""
        roots = sorted({self.find(k) for k in keys})
        for root in roots[1:]:
            self.parent[root] = roots[0]
        return roots[0]


def assign_splits(groups: list[str], fractions, rng: np.random.Generator) -> dict[str, str]:
    """Map each group to a split, shuffled, in proportions ``fractions`` (train, val, test).

    With at least three groups every split gets one (test first, then validation).
    """
    groups = sorted(groups)
    order = [groups[i] for i in rng.permutation(len(groups))]
    n = len(order)
    counts = [int(math.floor(f * n)) for f in fractions]
    counts[0] = n - counts[1] - counts[2]
    if n >= 3:
        for i in (2, 1):
            if counts[i] == 0:
                counts[i] = 1
                counts[0] -= 1
    out, start = {}, 0
    for split, count in zip(SPLITS, counts):
        for group in order[start : start + count]:
            out[group] = split
        start += count
    return out


def balance_labels(rows: list[dict], rng: np.random.Generator) -> int:
    """Drop random rows of the majority label in place (re-indexing); returns how many."""
    labels = np.array([r["label"] for r in rows])
    counts = np.bincount(labels, minlength=2)
    if counts.min() == 0:
        return 0
    majority = int(np.argmax(counts))
    candidates = np.flatnonzero(labels == majority)
    drop = set(
        rng.choice(candidates, size=int(counts.max() - counts.min()), replace=False).tolist()
    )
    kept = [r for i, r in enumerate(rows) if i not in drop]
    for index, row in enumerate(kept):
        if "index" in row:
            row["index"] = index
    rows[:] = kept
    return len(drop)
