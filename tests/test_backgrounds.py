"""Banks of real backgrounds: names, groups, the split by volcano and reading (tiny files)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from insar_hf.backgrounds import BackgroundBank
from insar_hf.backgrounds.names import name_facts

# (volcano, frame) of the tiny bank: a and b share frame 001A, so they are one group; the rest
# are groups of their own (c and d share nothing; e has two frames, f shares e's second one).
PLACES = [
    ("alpha", "001A_00001_000001"),
    ("beta", "001A_00001_000001"),
    ("gamma", "002D_00002_000002"),
    ("delta", "003A_00003_000003"),
    ("eps", "004D_00004_000004"),
    ("eps", "005D_00005_000005"),
    ("phi", "005D_00005_000005"),
    ("chi", "006A_00006_000006"),
    ("psi", "007D_00007_000007"),
    ("omega", "008A_00008_000008"),
]


def smooth_grey(side: int, seed: int) -> np.ndarray:
    """An 8-bit phase image of a few smooth fringes (no constant no-data areas)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:side, 0:side] / side
    a, b, c = rng.uniform(-6, 6, size=3)
    phase = a * x + b * y + c * np.sin(3 * x + 2 * y)
    return np.round((np.angle(np.exp(1j * phase)) + math.pi) / (2 * math.pi) * 255).astype(np.uint8)


def write_bank(root: Path, side: int = 40, per_place: int = 2, places=PLACES) -> Path:
    """A tiny bank of 8-bit phase PNGs named as the LiCSAR crops of Bountos et al. (2021)."""
    root.mkdir(parents=True, exist_ok=True)
    for i, (volcano, frame) in enumerate(places):
        for k in range(per_place):
            name = f"region_{volcano}_{frame}_{volcano}_2017010{k + 1}_2017020{k + 1}.png"
            Image.fromarray(smooth_grey(side, 10 * i + k)).save(root / name)
    return root


def test_names_give_frame_pass_dates_and_volcano():
    facts = name_facts("africa_afdera_079D_07694_131313_afdera_20151006_20151030_129_159_1.png")
    assert (facts.frame, facts.pass_direction, facts.volcano) == (
        "079D_07694_131313",
        "descending",
        "afdera",
    )
    assert (facts.date1, facts.date2) == ("20151006", "20151030")


def test_a_licsar_path_gives_its_frame_and_no_volcano():
    facts = name_facts("014A_07688_131313/interferograms/20200101_20200113/x.geo.diff_pha.tif")
    assert (facts.frame, facts.pass_direction, facts.volcano) == (
        "014A_07688_131313",
        "ascending",
        "",
    )


def test_volcanoes_that_share_a_frame_share_a_group(tmp_path):
    bank = BackgroundBank(write_bank(tmp_path / "bank"))
    group = {e.volcano: e.group for e in bank.entries}
    assert group["alpha"] == group["beta"] and group["eps"] == group["phi"]
    assert len({group[v] for v in ("alpha", "gamma", "delta", "eps", "chi", "psi", "omega")}) == 7


def test_the_split_never_puts_a_volcano_or_a_frame_in_two_splits(tmp_path):
    bank = BackgroundBank(write_bank(tmp_path / "bank"), (0.5, 0.25, 0.25))
    for key in ("volcano", "frame", "group"):
        splits: dict[str, set] = {}
        for e in bank.entries:
            splits.setdefault(getattr(e, key), set()).add(e.split)
        assert all(len(s) == 1 for s in splits.values()), key
    assert {e.split for e in bank.entries} == {"train", "validation", "test"}


def test_each_split_holds_its_share_of_the_files_to_within_a_group(tmp_path):
    # 8 groups of 2 or 4 files (20 files), shares 0.5 / 0.25 / 0.25: each split's boundary is
    # off by at most half of the largest group at each end.
    bank = BackgroundBank(write_bank(tmp_path / "bank"), (0.5, 0.25, 0.25))
    counts = {s: sum(e.split == s for e in bank.entries) for s in ("train", "validation", "test")}
    assert sum(counts.values()) == 20
    for split, share in (("train", 0.5), ("validation", 0.25), ("test", 0.25)):
        assert abs(counts[split] - share * 20) <= 4, counts


def test_the_split_is_the_same_however_the_files_were_listed(tmp_path):
    a = BackgroundBank(write_bank(tmp_path / "a"))
    b = BackgroundBank(write_bank(tmp_path / "b"))
    assert [(e.path, e.split, e.group) for e in a.entries] == [
        (e.path, e.split, e.group) for e in b.entries
    ]
    assert a.digest() == b.digest()


def test_an_index_file_names_the_volcanoes(tmp_path):
    root = tmp_path / "bank"
    root.mkdir()
    for i in range(3):
        Image.fromarray(smooth_grey(30, i)).save(root / f"crop{i}.png")
    (root / "index.json").write_text(
        json.dumps([{"file": f"crop{i}.png", "volcano": f"v{i}"} for i in range(3)])
    )
    bank = BackgroundBank(root, (0.34, 0.33, 0.33))
    assert sorted(e.volcano for e in bank.entries) == ["v0", "v1", "v2"]
    assert sorted(e.split for e in bank.entries) == ["test", "train", "validation"]


def test_files_that_name_nothing_are_grouped_by_folder(tmp_path):
    for folder in ("site_a", "site_b"):
        (tmp_path / "bank" / folder).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(smooth_grey(30, i)).save(tmp_path / "bank" / folder / f"{i}.png")
    bank = BackgroundBank(tmp_path / "bank", (0.5, 0.25, 0.25))
    assert {e.group for e in bank.entries} == {"folder:site_a", "folder:site_b"}


def test_an_empty_split_is_refused_with_what_to_do(tmp_path):
    root = tmp_path / "bank"
    root.mkdir()
    Image.fromarray(smooth_grey(30, 0)).save(root / "only.png")
    bank = BackgroundBank(root)
    with pytest.raises(ValueError, match="the validation split is empty .* add interferograms"):
        bank.split("validation")


def test_a_folder_without_interferograms_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("no phase here")
    with pytest.raises(ValueError, match="no interferogram found in"):
        BackgroundBank(tmp_path)


def test_a_split_serves_decoded_backgrounds_with_their_names(tmp_path):
    bank = BackgroundBank(write_bank(tmp_path / "bank"))
    background = bank.split("train")[0]
    entry = bank.split("train").entries[0]
    assert background.wrapped_rad.shape == (40, 40) and background.levels == 256
    assert background.pixel_m == 100.0 and background.name == entry.path
    assert background.pass_direction == name_facts(entry.path).pass_direction
    assert (background.volcano, background.group) == (entry.volcano, entry.group)


def test_shared_real_backgrounds_split_by_group_without_leaks():
    root = Path(__file__).resolve().parents[2] / "shared" / "real-backgrounds" / "deepcube"
    if not root.is_dir():
        pytest.skip("../shared/real-backgrounds is not here")
    bank = BackgroundBank(root)
    summary = bank.summary()
    assert summary["files"] == 1719
    for key in ("volcano", "frame"):
        seen: dict[str, set] = {}
        for e in bank.entries:
            seen.setdefault(getattr(e, key), set()).add(e.split)
        assert all(len(s) == 1 for s in seen.values())
