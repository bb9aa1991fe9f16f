"""Seeds and random streams of a scene, and the two elementary draws every step uses.

A scene is a pure function of its seed: an ``int`` or a ``np.random.SeedSequence``
(:func:`scene_seed_sequence` for dataset splits, whose spawn key ``(split id, index)`` makes a
scene independent of how many came before it).  :func:`root_sequence` validates the seed and
:func:`child_rng` builds the generator of stream ``k`` (the children ``spawn_key + (k,)``)
without mutating the root, so drawing twice from one ``SeedSequence`` object gives the same
scene.  :func:`seed_metadata` reads the seed, split and index back from the root for the
scene's metadata.  :func:`choose` and :func:`log_uniform` are the weighted choice and
log-uniform draw shared by the design, nuisance and source steps.
"""

from __future__ import annotations

import math

import numpy as np

from insar_hf.schema import SPLIT_STREAMS

__all__ = [
    "child_rng",
    "choose",
    "log_uniform",
    "root_sequence",
    "scene_seed_sequence",
    "seed_metadata",
]


def scene_seed_sequence(seed: int, split: str, index: int) -> np.random.SeedSequence:
    """Seed sequence of scene ``index`` of ``split``: ``SeedSequence(seed, spawn_key=(id, index))``.

    ``id`` is ``schema.SPLIT_STREAMS[split]`` (train 0, validation 1, test 2), so no two
    ``(split, index)`` share a stream and a scene never depends on how many scenes came before it.
    """
    if not (isinstance(seed, (int, np.integer)) and 0 <= seed < 2**63):
        raise ValueError(f"seed must be an integer in [0, 2**63), got {seed!r}")
    if split not in SPLIT_STREAMS:
        raise ValueError(f"split must be one of {list(SPLIT_STREAMS)}, got {split!r}")
    if not (isinstance(index, (int, np.integer)) and index >= 0):
        raise ValueError(f"index must be an integer >= 0, got {index!r}")
    return np.random.SeedSequence(int(seed), spawn_key=(SPLIT_STREAMS[split], int(index)))


def root_sequence(seed) -> np.random.SeedSequence:
    """The scene's root ``SeedSequence``: ``seed`` itself, or ``SeedSequence(seed)`` for an int.

    Raises ``ValueError`` unless the seed (or the sequence's entropy) is an integer in
    ``[0, 2**63)``, so that it can be recorded in the metadata.
    """
    if isinstance(seed, np.random.SeedSequence):
        if not isinstance(seed.entropy, (int, np.integer)) or not 0 <= seed.entropy < 2**63:
            raise ValueError(
                "the SeedSequence must have an integer entropy in [0, 2**63) so that it can be "
                f"recorded in the metadata; got entropy {seed.entropy!r}"
            )
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) and 0 <= seed < 2**63:
        return np.random.SeedSequence(int(seed))
    raise ValueError(f"seed must be an integer in [0, 2**63) or a numpy SeedSequence, got {seed!r}")


def child_rng(root: np.random.SeedSequence, k: int) -> np.random.Generator:
    """Generator of stream ``k`` of ``root``: the child with spawn key ``root.spawn_key + (k,)``."""
    # Built explicitly rather than with root.spawn(), which mutates ``root`` and would make a
    # second call with the same SeedSequence object draw a different scene.
    child = np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, k))
    return np.random.default_rng(child)


def seed_metadata(root: np.random.SeedSequence) -> dict:
    """``seed``, ``split``, ``index`` and ``spawn_key`` metadata of a scene's root sequence.

    A root made by :func:`scene_seed_sequence` gives its split and index back; any other root
    gives ``split = ""`` and ``index = -1``.
    """
    split = ""
    index = -1
    key = tuple(int(k) for k in root.spawn_key)
    if len(key) == 2 and key[0] in SPLIT_STREAMS.values():
        split = next(name for name, i in SPLIT_STREAMS.items() if i == key[0])
        index = key[1]
    return {
        "seed": int(root.entropy),
        "split": split,
        "index": index,
        "spawn_key": ",".join(str(k) for k in key),
    }


def choose(rng: np.random.Generator, pairs: tuple) -> str:
    """One name of ``(name, weight)`` pairs, with probability proportional to its weight."""
    names = [name for name, _ in pairs]
    weights = np.array([w for _, w in pairs], dtype=np.float64)
    return names[int(rng.choice(len(names), p=weights / weights.sum()))]


def log_uniform(rng: np.random.Generator, lo: float, hi: float) -> float:
    """One draw, log-uniform in ``[lo, hi]`` (both > 0)."""
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))
