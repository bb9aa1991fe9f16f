"""A bank of real backgrounds: find, group, split and read real earthquake-free interferograms.

Files
-----
:class:`BackgroundBank` takes every file under its folder that holds wrapped phase:

* 8-bit phase images (``.png``, ``.tif``, ``.tiff`` that open as grey, or RGB with equal
  channels: :mod:`insar_hf.products.phase8`), at :data:`PHASE8_PIXEL_M` and 256 levels;
* wrapped-phase products: COMET-LiCSAR ``*.geo.diff_pha.tif``, ASF HyP3 ``*_wrapped_phase.tif``
  and binary ``NAME.diff`` with its ``NAME.par`` (read with
  :func:`insar_hf.products.read_product`), at their own grid spacing, not quantised.

An ``index.json`` in the folder (a list of ``{"file": ..., "volcano": ...}``) names each file's
volcano; otherwise the name says it (:mod:`insar_hf.backgrounds.names`), or nothing.

Groups and splits
-----------------
Interferograms of one place or one acquisition must not fall in two splits: crops of several
volcanoes are often cut from one LiCSAR frame on the same dates, and share its atmosphere.  A
*group* is a connected set of volcanoes and frames (two files share a group when they share a
volcano or a frame); a file that names neither is grouped with its folder.  Groups are put in the
order of the SHA-256 of their names and laid end to end, train's share of the files first (default
70 / 15 / 15 %); a group goes to the split its middle file falls in: deterministic, balanced to
within a group, and the same on every machine.  ``BackgroundBank.split("validation")`` is the sequence of
:class:`~insar_hf.simulate.background.Background` that the validation scenes are drawn on.

The bank object holds names only (it is cheap to send to worker processes); files are read when
a background is asked for, products through a small cache.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from insar_hf.backgrounds.names import name_facts
from insar_hf.physics import los as los_mod
from insar_hf.products import read_product
from insar_hf.products.phase8 import LEVELS, is_phase8_image, read_phase8
from insar_hf.schema import SPLITS
from insar_hf.simulate.background import Background

__all__ = [
    "DEFAULT_SPLIT_FRACTIONS",
    "INDEX_FILE",
    "PHASE8_PIXEL_M",
    "BackgroundBank",
    "BackgroundEntry",
    "BackgroundSplit",
]

PHASE8_PIXEL_M = 100.0
"""Ground spacing (m) of 8-bit phase images, which carry no grid: the LiCSAR crops of Bountos et
al. (2021) are at 0.001 degrees, about 100 m (111 m north-south, less east-west away from the
equator)."""

DEFAULT_SPLIT_FRACTIONS = (0.7, 0.15, 0.15)
"""Share of a bank's files in train, validation and test."""

INDEX_FILE = "index.json"
"""Optional list of ``{"file": name, "volcano": name}`` in a bank's folder."""

_PRODUCT_ENDINGS = (".geo.diff_pha.tif", "_wrapped_phase.tif", ".diff")


@dataclass(frozen=True)
class BackgroundEntry:
    """One file of a bank: its path (relative to the bank), format and what its name says."""

    path: str
    format: str  # "phase8" or "product"
    volcano: str
    frame: str
    pass_direction: str
    group: str
    split: str


def _is_product(path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(end) for end in _PRODUCT_ENDINGS)


def _read_index(root: Path) -> dict[str, str]:
    path = root / INDEX_FILE
    if not path.is_file():
        return {}
    try:
        items = json.loads(path.read_text())
        return {str(item["file"]): str(item.get("volcano", "")) for item in items}
    except (ValueError, TypeError, KeyError) as err:
        raise ValueError(
            f"{path}: expected a JSON list of {{'file': ..., 'volcano': ...}} ({err})"
        ) from None


def _groups(keys: list[tuple[str, ...]]) -> list[str]:
    """Connected components of the files' keys (volcano, frame, folder): each file's group name.

    A group is named for its smallest key, so its name does not depend on the file order.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for file_keys in keys:
        roots = [find(k) for k in file_keys]
        for r in roots[1:]:
            parent[find(r)] = find(roots[0])
    members: dict[str, list[str]] = {}
    for key in parent:
        members.setdefault(find(key), []).append(key)
    name = {root: min(ks) for root, ks in members.items()}
    return [name[find(file_keys[0])] for file_keys in keys]


def _assign_splits(groups: list[str], fractions: Sequence[float]) -> dict[str, str]:
    """Group -> split: groups in SHA-256 order, each to the split whose share of the files its
    middle file falls in (so a split's count is within half a group of its share, at each end)."""
    counts: dict[str, int] = {}
    for g in groups:
        counts[g] = counts.get(g, 0) + 1
    order = sorted(counts, key=lambda g: hashlib.sha256(g.encode()).hexdigest())
    total = len(groups)
    bounds = np.cumsum(fractions) * total
    out: dict[str, str] = {}
    done = 0
    for g in order:
        index = int(np.searchsorted(bounds, done + counts[g] / 2, side="right"))
        out[g] = SPLITS[min(index, len(SPLITS) - 1)]
        done += counts[g]
    return out


@functools.lru_cache(maxsize=8)
def _read_product_phase(path: str) -> tuple[np.ndarray, float, float]:
    product = read_product(path, kind="wrapped")
    phase = np.asarray(product.field_rad("wrapped"), dtype=np.float32)
    return phase, float(np.mean(product.pixel_size_m())), float(product.wavelength_m)


def _sensor_for(wavelength_m: float) -> str:
    """The sensor of :data:`insar_hf.physics.los.SENSORS` with the nearest wavelength."""
    return min(
        los_mod.SENSORS,
        key=lambda k: abs(math.log(los_mod.SENSORS[k].wavelength_m / wavelength_m)),
    )


class BackgroundSplit(Sequence):
    """The backgrounds of one split of a bank, read on demand (a sequence of ``Background``)."""

    def __init__(self, bank: BackgroundBank, split: str) -> None:
        self.bank = bank
        self.split = split
        self.entries = [e for e in bank.entries if e.split == split]

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> Background:
        return self.bank.load(self.entries[index])

    def __repr__(self) -> str:
        return f"BackgroundSplit({self.bank.root}, {self.split!r}: {len(self)} files)"


class BackgroundBank:
    """The real backgrounds in ``root``, grouped and split (module docstring).

    Parameters
    ----------
    root : path-like
        A folder of 8-bit phase images and / or wrapped-phase products (searched recursively).
    split_fractions : three floats
        Share of the files in train, validation and test (each > 0, summing to 1).
    phase8_pixel_m : float
        Ground spacing of 8-bit phase images, metres.

    Raises
    ------
    ValueError
        ``root`` is not a folder, holds no background, or the fractions are wrong.
    """

    def __init__(
        self,
        root,
        split_fractions: Sequence[float] = DEFAULT_SPLIT_FRACTIONS,
        *,
        phase8_pixel_m: float = PHASE8_PIXEL_M,
    ) -> None:
        self.root = Path(root).expanduser().resolve()
        fractions = tuple(float(f) for f in split_fractions)
        if len(fractions) != len(SPLITS) or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-6:
            raise ValueError(
                f"split_fractions needs {len(SPLITS)} shares > 0 (train, validation, test) "
                f"summing to 1, got {list(split_fractions)}"
            )
        if not phase8_pixel_m > 0:
            raise ValueError(f"phase8_pixel_m must be > 0 metres, got {phase8_pixel_m}")
        if not self.root.is_dir():
            raise ValueError(f"real backgrounds: {root} is not a folder")
        self.split_fractions = fractions
        self.phase8_pixel_m = float(phase8_pixel_m)
        self.entries = self._scan()

    def _scan(self) -> list[BackgroundEntry]:
        index = _read_index(self.root)
        found: list[tuple[str, str]] = []
        for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
            rel = path.relative_to(self.root).as_posix()
            if is_phase8_image(path):  # first: an 8-bit image may carry a product's name
                found.append((rel, "phase8"))
            elif _is_product(path):
                found.append((rel, "product"))
        if not found:
            raise ValueError(
                f"real backgrounds: no interferogram found in {self.root}; expected 8-bit "
                "wrapped-phase images (.png / .tif, grey levels 0-255 over one fringe) or "
                "wrapped-phase products (*.geo.diff_pha.tif, *_wrapped_phase.tif, NAME.diff + "
                "NAME.par)"
            )
        facts = [name_facts(rel) for rel, _ in found]
        volcanoes = [index.get(Path(rel).name, f.volcano) for (rel, _), f in zip(found, facts)]
        keys = []
        for (rel, _), f, volcano in zip(found, facts, volcanoes):
            k = tuple(x for x in (f"volcano:{volcano}" * bool(volcano), f"frame:{f.frame}"
                                  * bool(f.frame)) if x)  # fmt: skip
            keys.append(k or (f"folder:{Path(rel).parent.as_posix()}",))
        groups = _groups(keys)
        splits = _assign_splits(groups, self.split_fractions)
        return [
            BackgroundEntry(rel, fmt, volcano, f.frame, f.pass_direction, group, splits[group])
            for (rel, fmt), f, volcano, group in zip(found, facts, volcanoes, groups)
        ]

    def split(self, name: str) -> BackgroundSplit:
        """The backgrounds of split ``name`` (train, validation or test); refuses an empty one."""
        if name not in SPLITS:
            raise ValueError(f"split must be one of {SPLITS}, got {name!r}")
        part = BackgroundSplit(self, name)
        if not len(part):
            raise ValueError(
                f"real backgrounds in {self.root}: the {name} split is empty ({len(self.entries)} "
                f"files in {len({e.group for e in self.entries})} group(s) of volcanoes / frames "
                "cannot fill three splits); add interferograms of other places, or change the "
                "split fractions"
            )
        return part

    def load(self, entry: BackgroundEntry) -> Background:
        """Read one entry as a :class:`~insar_hf.simulate.background.Background`."""
        path = self.root / entry.path
        if entry.format == "phase8":
            phase, pixel_m, levels, sensor = read_phase8(path), self.phase8_pixel_m, LEVELS, None
        else:
            phase, pixel_m, wavelength = _read_product_phase(str(path))
            levels, sensor = 0, _sensor_for(wavelength)
        return Background(
            wrapped_rad=phase,
            pixel_m=pixel_m,
            pass_direction=entry.pass_direction,
            sensor=sensor or "sentinel1",
            levels=levels,
            name=entry.path,
            volcano=entry.volcano,
            group=entry.group,
        )

    def digest(self) -> str:
        """SHA-256 of the files' paths and sizes, the fractions and the 8-bit spacing."""
        h = hashlib.sha256()
        for e in self.entries:
            h.update(f"{e.path}\0{(self.root / e.path).stat().st_size}\n".encode())
        h.update(repr((self.split_fractions, self.phase8_pixel_m)).encode())
        return h.hexdigest()

    def summary(self) -> dict:
        """Files, groups and volcanoes per split, and the bank's identity (for cards and logs)."""
        out: dict = {
            "root": str(self.root),
            "files": len(self.entries),
            "digest": self.digest(),
            "split_fractions": list(self.split_fractions),
            "phase8_pixel_m": self.phase8_pixel_m,
        }
        for split in SPLITS:
            part = [e for e in self.entries if e.split == split]
            out[split] = {
                "files": len(part),
                "groups": len({e.group for e in part}),
                "volcanoes": len({e.volcano for e in part if e.volcano}),
            }
        return out

    def __repr__(self) -> str:
        parts = ", ".join(f"{s} {sum(e.split == s for e in self.entries)}" for s in SPLITS)
        return f"BackgroundBank({self.root}: {len(self.entries)} files; {parts})"
