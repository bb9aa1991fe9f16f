"""The training input pipeline: the batched augmentation keeps the physics of the per-image
reference, memory decoding is exact, and the in-memory / lazy choice is made as documented.

Oracles: the renderer's encoding (a constant phase offset is a rotation of every phasor; flips
are exact mirrors), a wrapped phase ramp whose gradient a crop must scale by ``1 / side``, the
renderer's no-data rule, and the lazy path's decoded images for the in-memory split.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from insar_hf import render  # noqa: E402
from insar_hf.model.presets import pixel_values_from_images  # noqa: E402
from insar_hf.training.batch_augment import (  # noqa: E402
    BatchAugmentation,
    affine_maps,
    augment_batch,
    augment_pixel_values,
    patch_targets,
)

LEVEL = 2.0 / 255.0  # one uint8 step in [-1, 1]


def _wrapped_images(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:224, 0:224] / 224.0
    out = []
    for _ in range(n):
        a, b, c = rng.uniform(-30, 30, 3)
        phase = a * x + b * y + c * x * y
        phase[rng.random(phase.shape) < 0.05] = np.nan  # scattered no data
        out.append(render.render_array(phase, "wrapped"))
    return np.stack(out)


def _unwrapped_images(n: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:224, 0:224] / 224.0
    out = []
    for _ in range(n):
        field = rng.uniform(-20, 20) * np.exp(-((x - 0.5) ** 2 + (y - 0.4) ** 2) / 0.05)
        field[:, :30] = np.nan
        out.append(render.render_array(field, "unwrapped"))
    return np.stack(out)


def _phase(pv: torch.Tensor) -> np.ndarray:
    return np.arctan2(pv[:, 0].numpy(), pv[:, 1].numpy())


def test_identity_settings_return_the_input():
    pv = pixel_values_from_images(_unwrapped_images(3))
    aug = BatchAugmentation(flip_prob=0.0, phase_offset=False, crop_prob=0.0)
    out = augment_pixel_values(pv, torch.zeros(3, dtype=torch.bool), aug, torch.Generator())
    assert torch.equal(out, pv)  # unwrapped values are exact at input pixel centres
    pw = pixel_values_from_images(_wrapped_images(3))
    out = augment_pixel_values(pw, torch.ones(3, dtype=torch.bool), aug, torch.Generator())
    assert torch.equal(out[:, 2], pw[:, 2])  # the no-data mask is unchanged
    assert float((out - pw).abs().max()) <= LEVEL + 1e-6  # renormalised phasor: one level at most


def test_flips_are_exact_mirrors():
    pv = pixel_values_from_images(_unwrapped_images(4))
    aug = BatchAugmentation(flip_prob=1.0, phase_offset=False, crop_prob=0.0)
    out = augment_pixel_values(pv, torch.zeros(4, dtype=torch.bool), aug, torch.Generator())
    assert torch.equal(out, torch.flip(pv, dims=(2, 3)))


def test_phase_offset_is_one_constant_rotation_per_image():
    images = _wrapped_images(6)
    pv = pixel_values_from_images(images)
    aug = BatchAugmentation(flip_prob=0.0, phase_offset=True, crop_prob=0.0)
    out = augment_pixel_values(pv, torch.ones(6, dtype=torch.bool), aug, torch.Generator())
    valid = images[..., 2] > 0
    shift = np.angle(np.exp(1j * (_phase(out) - _phase(pv))))  # (6, 224, 224)
    offsets = []
    for i in range(6):
        d = shift[i][valid[i]]
        centre = np.angle(np.mean(np.exp(1j * d)))
        assert np.max(np.abs(np.angle(np.exp(1j * (d - centre))))) < 0.02  # quantisation only
        offsets.append(centre)
    assert np.std(offsets) > 0.5  # offsets differ between images (uniform on the circle)


def test_unwrapped_images_get_no_phase_offset():
    pv = pixel_values_from_images(_unwrapped_images(3))
    aug = BatchAugmentation(flip_prob=0.0, phase_offset=True, crop_prob=0.0)
    out = augment_pixel_values(pv, torch.zeros(3, dtype=torch.bool), aug, torch.Generator())
    assert torch.equal(out, pv)


def test_a_crop_scales_a_phase_ramp_by_its_side():
    slope = 0.05  # rad per pixel: well under a cycle per pixel after any crop
    x = np.arange(224.0)[None, :].repeat(224, axis=0)
    image = render.render_array(slope * x, "wrapped")
    pv = pixel_values_from_images(np.stack([image] * 8))
    aug = BatchAugmentation(flip_prob=0.0, phase_offset=False, crop_prob=1.0, crop_min_scale=0.3)
    theta, crop = affine_maps(8, aug, torch.Generator().manual_seed(7))
    out = augment_pixel_values(
        pv, torch.ones(8, dtype=torch.bool), aug, torch.Generator().manual_seed(7)
    )
    assert bool(crop.all())
    for i in range(8):
        phase = np.unwrap(_phase(out[i : i + 1])[0, 112, 10:-10])
        measured = np.polyfit(np.arange(phase.size), phase, 1)[0]
        side = float(theta[i, 0, 0])
        assert measured == pytest.approx(slope * side, rel=0.02)
    assert float(theta[:, 0, 0].min()) >= math.sqrt(0.3) - 1e-6


def test_no_data_follows_the_renderers_half_area_rule():
    images = _unwrapped_images(2)  # columns 0-29 are no data
    pv = pixel_values_from_images(images)
    aug = BatchAugmentation(flip_prob=0.0, phase_offset=False, crop_prob=1.0, crop_min_scale=0.5)
    out = augment_pixel_values(
        pv, torch.zeros(2, dtype=torch.bool), aug, torch.Generator().manual_seed(3)
    )
    invalid = out[:, 2] < 0
    # No-data pixels are black in every channel; valid ones carry B = +1.
    assert bool((out[:, :, :, :][invalid.unsqueeze(1).expand(-1, 3, -1, -1)] == -1).all())
    assert bool((out[:, 2][~invalid] == 1).all())
    theta, _ = affine_maps(2, aug, torch.Generator().manual_seed(3))
    for i in range(2):
        s, t = float(theta[i, 0, 0]), float(theta[i, 0, 2])
        # Output column c maps to input column ((s * u + t) + 1) * 112 - 0.5, u the normalised
        # output coordinate; the edge of the no-data band is input column 29.5.
        u = (np.arange(224) + 0.5) / 112.0 - 1.0
        src = (s * u + t + 1.0) * 112.0 - 0.5
        expected_invalid = src < 29.5 - 1e-6
        got = invalid[i, 112].numpy()
        assert np.array_equal(got, expected_invalid)


def test_the_same_generator_seed_gives_the_same_batch():
    pv = pixel_values_from_images(_wrapped_images(4))
    aug = BatchAugmentation()
    wrapped = torch.ones(4, dtype=torch.bool)
    a = augment_pixel_values(pv, wrapped, aug, torch.Generator().manual_seed(11))
    b = augment_pixel_values(pv, wrapped, aug, torch.Generator().manual_seed(11))
    c = augment_pixel_values(pv, wrapped, aug, torch.Generator().manual_seed(12))
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_bad_shapes_are_refused():
    aug = BatchAugmentation()
    with pytest.raises(
        ValueError, match=r"pixel_values must be \(B, 3, H, W\), got \(2, 224, 224\)"
    ):
        augment_pixel_values(torch.zeros(2, 224, 224), torch.ones(2, dtype=torch.bool), aug)
    with pytest.raises(ValueError, match=r"wrapped must be \(2,\), got \(3,\)"):
        augment_pixel_values(torch.zeros(2, 3, 8, 8), torch.ones(3, dtype=torch.bool), aug)


# --- deformation masks and patch targets ------------------------------------------------------


def _source_coordinate(scale: float, offset: float) -> np.ndarray:
    """Input pixel coordinate (224,) sampled by each output pixel centre of an affine map."""
    u = (np.arange(224) + 0.5) / 112.0 - 1.0  # output centres, normalised
    return (scale * u + offset + 1.0) * 112.0 - 0.5


def test_masks_follow_the_analytic_flip_and_crop_of_their_image():
    """A half-plane mask (columns < 100, or rows < 70) lands where the affine map sends it."""
    n = 16
    aug = BatchAugmentation(flip_prob=0.5, phase_offset=True, crop_prob=0.5, crop_min_scale=0.4)
    pv = pixel_values_from_images(_wrapped_images(n))
    cols = torch.zeros(n, 224, 224, dtype=torch.bool)
    cols[: n // 2, :, :100] = True
    cols[n // 2 :, :70, :] = True
    theta, crop = affine_maps(n, aug, torch.Generator().manual_seed(5))
    _, masks = augment_batch(
        pv, torch.ones(n, dtype=torch.bool), aug, torch.Generator().manual_seed(5), masks=cols
    )
    assert bool(crop.any()) and bool((~crop).any()) and bool((theta[:, 0, 0] < 0).any())
    for i in range(n):
        if i < n // 2:  # mask edge at input column 99.5, the map's x part
            src = _source_coordinate(float(theta[i, 0, 0]), float(theta[i, 0, 2]))
            expected = np.broadcast_to(src < 99.5 - 1e-6, (224, 224))
        else:  # mask edge at input row 69.5, the map's y part
            src = _source_coordinate(float(theta[i, 1, 1]), float(theta[i, 1, 2]))
            expected = np.broadcast_to((src < 69.5 - 1e-6)[:, None], (224, 224))
        assert np.array_equal(masks[i].numpy(), expected), i
        want = patch_targets(
            torch.from_numpy(expected.copy())[None], torch.ones(1), patch_size=16, fraction=0.25
        )
        got = patch_targets(masks[i : i + 1], torch.ones(1), patch_size=16, fraction=0.25)
        assert torch.equal(got, want), i


def test_masks_and_no_data_share_one_resampling():
    """An image whose valid pixels are its mask: after any augmentation, still so."""
    n = 12
    mask = torch.from_numpy(np.random.default_rng(0).random((n, 224, 224)) < 0.6)
    mask |= torch.from_numpy(np.add.outer(np.arange(224), np.arange(224)) < 200)[None]
    images = _unwrapped_images(n)
    images[..., 2] = np.where(mask.numpy(), 255, 0)  # no data outside the mask
    pv = pixel_values_from_images(images)
    aug = BatchAugmentation(flip_prob=0.5, phase_offset=False, crop_prob=0.7, crop_min_scale=0.4)
    for seed in range(4):
        out, masks = augment_batch(
            pv, torch.zeros(n, dtype=torch.bool), aug, torch.Generator().manual_seed(seed), mask
        )
        assert torch.equal(masks, out[:, 2] > 0)


def test_masks_leave_the_augmented_images_unchanged():
    pv = pixel_values_from_images(_wrapped_images(4))
    wrapped, aug = torch.ones(4, dtype=torch.bool), BatchAugmentation(crop_prob=1.0)
    plain = augment_pixel_values(pv, wrapped, aug, torch.Generator().manual_seed(2))
    with_masks, _ = augment_batch(
        pv, wrapped, aug, torch.Generator().manual_seed(2), torch.ones(4, 224, 224, dtype=bool)
    )
    assert torch.equal(plain, with_masks)


def test_a_patch_is_positive_from_the_chosen_fraction_of_mask_pixels():
    masks = torch.zeros(2, 224, 224, dtype=torch.bool)
    masks[:, 32:40, 80:88] = True  # 64 of patch (row 2, col 5)'s 256 pixels: a quarter
    masks[:, 0:16, 0:15] = True  # 240 / 256 of patch (0, 0)
    targets = patch_targets(masks, torch.tensor([1, 0]), patch_size=16, fraction=0.25)
    assert targets.shape == (2, 196) and targets.dtype == torch.long
    assert torch.nonzero(targets[0]).flatten().tolist() == [0, 2 * 14 + 5]
    assert int(targets[1].sum()) == 0  # a scene without an earthquake: no positive patch
    stricter = patch_targets(masks, torch.tensor([1, 1]), patch_size=16, fraction=0.26)
    assert torch.nonzero(stricter[0]).flatten().tolist() == [0]


def test_a_patch_fraction_outside_zero_one_is_refused():
    with pytest.raises(ValueError, match=r"the patch fraction must lie in \(0, 1\], got 0.0"):
        patch_targets(
            torch.zeros(1, 32, 32, dtype=torch.bool), torch.ones(1), patch_size=16, fraction=0.0
        )


# --- decoded in memory -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_split(tmp_path_factory):
    from datasets import load_dataset

    from insar_hf.dataset.generate import generate_dataset

    out = tmp_path_factory.mktemp("ds")
    generate_dataset(
        out,
        split_sizes_={"train": 10, "validation": 5, "test": 5},
        seed=3,
        workers=1,
        progress=False,
    )
    return load_dataset(str(out))["train"]


def test_memory_decoding_equals_the_lazy_path(tiny_split):
    from insar_hf.training.data import lazy_split
    from insar_hf.training.memory import decode_split

    decoded = decode_split(tiny_split, augment=True, workers=2)
    lazy = lazy_split(tiny_split, True)
    kinds = tiny_split.features["kind"].names
    assert len(decoded) == len(lazy) == 10
    for i in range(10):
        a, b = decoded[i], lazy[i]
        assert np.array_equal(a["image"], b["image"])
        assert a["labels"] == b["labels"] == tiny_split[i]["label"]
        assert a["wrapped"] == b["wrapped"] == (kinds[tiny_split[i]["kind"]] == "wrapped")
        assert a["augment"] is True and b["augment"] is True


def test_the_collator_augments_training_batches_only(tiny_split):
    from insar_hf.training.memory import decode_split, make_collator

    train = decode_split(tiny_split, augment=True)
    evaluation = decode_split(tiny_split, augment=False)
    collate = make_collator(BatchAugmentation(flip_prob=1.0, crop_prob=0.0, phase_offset=False))
    plain = pixel_values_from_images(train.images[:4])
    batch = collate([evaluation[i] for i in range(4)])
    assert torch.equal(batch["pixel_values"], plain)
    assert batch["labels"].tolist() == [int(x) for x in train.labels[:4]]
    augmented = collate([train[i] for i in range(4)])["pixel_values"]
    unwrapped = ~torch.from_numpy(train.wrapped[:4])
    # Both flips on every image: unwrapped images are exact mirrors, wrapped within one level.
    mirrored = torch.flip(plain, dims=(2, 3))
    assert torch.equal(augmented[unwrapped], mirrored[unwrapped])
    assert float((augmented - mirrored).abs().max()) <= LEVEL + 1e-6


def test_masks_decode_alike_in_memory_and_lazily(tiny_split):
    from insar_hf.training.data import lazy_split
    from insar_hf.training.memory import decode_split

    decoded = decode_split(tiny_split, augment=False, masks=True)
    lazy = lazy_split(tiny_split, False, masks=True)
    for i in range(len(tiny_split)):
        truth = np.asarray(tiny_split[i]["deformation_mask"]) > 0
        assert np.array_equal(decoded[i]["mask"], truth)
        assert np.array_equal(lazy[i]["mask"], truth)
    assert any(decoded.masks[i].any() for i in range(len(decoded)))


def test_the_collator_makes_patch_targets_from_the_masks(tiny_split):
    from insar_hf.training.memory import PatchTargets, decode_split, make_collator

    evaluation = decode_split(tiny_split, augment=False, masks=True)
    collate = make_collator(BatchAugmentation(), PatchTargets(fraction=0.5))
    batch = collate([evaluation[i] for i in range(len(evaluation))])
    labels = torch.from_numpy(evaluation.labels)
    want = patch_targets(torch.from_numpy(evaluation.masks), labels, patch_size=16, fraction=0.5)
    assert torch.equal(batch["patch_labels"], want) and int(want.sum()) > 0
    plain = make_collator(BatchAugmentation())([evaluation[0]])
    assert set(plain) == {"pixel_values", "labels"}  # no patch targets without PatchTargets


def test_a_split_without_masks_is_refused_for_the_patch_loss(tiny_split):
    from insar_hf.training.data import lazy_split
    from insar_hf.training.memory import decode_split

    bare = tiny_split.remove_columns("deformation_mask")
    for make in (
        lambda: decode_split(bare, augment=True, masks=True),
        lambda: lazy_split(bare, True, masks=True),
    ):
        with pytest.raises(ValueError, match="the patch loss needs the generator's masks"):
            make()


def test_the_generator_stream_carries_masks_for_the_patch_loss():
    from insar_hf.simulate.scene import sample_scene
    from insar_hf.simulate.seeds import scene_seed_sequence
    from insar_hf.training.arguments import DataArguments
    from insar_hf.training.data import lazy_split, load_splits

    args = DataArguments(synthetic_seed=6, max_eval_samples=1, max_test_samples=1)
    splits = load_splits(args, masks=True)
    first = next(iter(lazy_split(splits["train"], True, masks=True)))
    scene = sample_scene(scene_seed_sequence(6, "train", 0))  # an earthquake (8.6 % of pixels)
    assert scene.deformation_mask.any() and np.array_equal(first["mask"], scene.deformation_mask)
    assert first["labels"] == scene.label
    assert "deformation_mask" not in load_splits(args)["train"].features  # off: no mask cost


def test_memory_budget_is_half_the_free_memory():
    from insar_hf.training.memory import BYTES_PER_IMAGE, fits_in_memory

    assert BYTES_PER_IMAGE == 224 * 224 * 3  # 150,528 bytes per decoded image
    need = 10_000 * BYTES_PER_IMAGE
    assert fits_in_memory(10_000, available_bytes=2 * need) is True
    assert fits_in_memory(10_000, available_bytes=2 * need - 2) is False


def test_in_memory_is_chosen_when_it_fits_and_refused_for_streams(tiny_split, monkeypatch):
    from insar_hf.training import data

    splits = {"train": tiny_split, "eval": tiny_split.select(range(4))}
    train, evaluation, how = data.training_datasets(splits, in_memory=None)
    assert how == "in memory" and len(train) == 10 and len(evaluation) == 4
    assert train[0]["augment"] is True and evaluation[0]["augment"] is False
    monkeypatch.setattr(data, "fits_in_memory", lambda n: False)  # a machine without the room
    train, evaluation, how = data.training_datasets(splits, in_memory=None)
    assert how == "lazy" and train[0]["augment"] is True and evaluation[0]["augment"] is False
    streamed = {"train": tiny_split.to_iterable_dataset(), "eval": tiny_split}
    with pytest.raises(ValueError, match="--in_memory needs map-style splits"):
        data.training_datasets(streamed, in_memory=True)
    assert data.training_datasets(streamed, in_memory=None)[2] == "lazy"
