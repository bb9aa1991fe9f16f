import numpy as np
import pytest
import torch

from insar_hf.inference.attention import (
    attention_rollout,
    cls_attention_maps,
    combined_map,
    normalise_map,
    upsample_map,
)
from insar_hf.inference.boxes import (
    Box,
    box_iou,
    boxes_from_map,
    boxes_to_map_coordinates,
    merge_boxes,
    pixel_to_map,
)

TOKENS = 1 + 14 * 14


def _random_attention(layers=3, heads=4, tokens=TOKENS, batch=2, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [
        torch.rand(batch, heads, tokens, tokens, generator=gen).softmax(dim=-1)
        for _ in range(layers)
    ]


def test_rollout_rows_sum_to_one_for_unnormalised_asymmetric_attention():
    gen = torch.Generator().manual_seed(1)
    att = [torch.rand(2, 4, TOKENS, TOKENS, generator=gen) * 5 for _ in range(3)]
    rollout = attention_rollout(att)
    torch.testing.assert_close(rollout.sum(dim=-1), torch.ones(2, TOKENS), rtol=0, atol=1e-5)


def test_identity_attention_gives_identity_rollout_and_uniform_map():
    eye = torch.eye(TOKENS).expand(1, 4, TOKENS, TOKENS)
    att = [eye, eye]
    torch.testing.assert_close(attention_rollout(att)[0], torch.eye(TOKENS))
    heat = combined_map(att)[0]
    assert torch.all(heat == heat[0, 0])


def test_uniform_attention_gives_uniform_patch_map():
    uniform = torch.full((1, 2, TOKENS, TOKENS), 1.0 / TOKENS)
    heat = combined_map([uniform, uniform, uniform], head_fusion="max")[0]
    torch.testing.assert_close(heat, torch.full_like(heat, heat[0, 0].item()))


def test_rollout_matches_hand_computed_two_token_two_layer_value():
    a1 = torch.tensor([[0.2, 0.8], [0.6, 0.4]]).reshape(1, 1, 2, 2)
    a2 = torch.tensor([[1.0, 0.0], [0.5, 0.5]]).reshape(1, 1, 2, 2)
    # A1' = [[.6,.4],[.3,.7]], A2' = [[1,0],[.25,.75]]; R = A2' @ A1'
    expected = torch.tensor([[0.6, 0.4], [0.375, 0.625]])
    torch.testing.assert_close(attention_rollout([a1, a2])[0], expected)


def test_rollout_up_to_first_layer_is_that_layers_residual_matrix():
    a1 = torch.tensor([[0.2, 0.8], [0.6, 0.4]]).reshape(1, 1, 2, 2)
    a2 = torch.tensor([[1.0, 0.0], [0.5, 0.5]]).reshape(1, 1, 2, 2)
    expected = torch.tensor([[0.6, 0.4], [0.3, 0.7]])
    torch.testing.assert_close(attention_rollout([a1, a2], up_to_layer=0)[0], expected)


@pytest.mark.parametrize("fusion,reduce", [("max", torch.amax), ("min", torch.amin)])
def test_layer_map_head_fusion_reduces_heads_elementwise(fusion, reduce):
    att = _random_attention(layers=2)
    heat = combined_map(att, method="layer", head_fusion=fusion, layer=-1)
    expected = reduce(att[-1][:, :, 0, 1:], dim=1).reshape(2, 14, 14)
    torch.testing.assert_close(heat, expected)


def test_cls_maps_have_layer_head_grid_shape_and_row_major_patch_order():
    att = _random_attention(layers=3, heads=4)
    att[1][0, 2, 0, :] = 0.0
    att[1][0, 2, 0, 1 + 3 * 14 + 9] = 1.0
    maps = cls_attention_maps(att)
    assert maps.shape == (2, 3, 4, 14, 14)
    assert np.unravel_index(int(maps[0, 1, 2].argmax()), (14, 14)) == (3, 9)


def test_non_square_patch_count_is_rejected_with_clear_message():
    with pytest.raises(ValueError, match="square grid"):
        cls_attention_maps([torch.rand(1, 2, 1 + 15, 1 + 15)])


def test_unknown_head_fusion_is_rejected():
    with pytest.raises(ValueError, match="head_fusion must be one of"):
        attention_rollout(_random_attention(layers=1), head_fusion="median")


def test_upsample_keeps_peak_inside_the_patch():
    grid = np.zeros((14, 14), dtype=np.float32)
    grid[3, 9] = 1.0
    up = upsample_map(grid, 224)
    assert up.shape == (224, 224)
    row, col = np.unravel_index(up.argmax(), up.shape)
    assert 48 <= row < 64 and 144 <= col < 160


def test_upsample_preserves_leading_axes():
    assert upsample_map(torch.rand(2, 3, 14, 14), 28).shape == (2, 3, 28, 28)


def test_map_peaked_on_known_patch_gives_box_around_that_patch():
    grid = np.full((14, 14), 0.1, dtype=np.float32)
    grid[3, 9] = 1.0
    boxes = boxes_from_map(upsample_map(grid, 224), threshold=0.5)
    assert len(boxes) == 1
    b = boxes[0]
    # contains the patch's centre half and stays within one patch of its edges
    assert b.x_min <= 148 and b.x_max >= 156 and b.y_min <= 52 and b.y_max >= 60
    assert b.x_min >= 144 - 16 and b.x_max <= 160 + 16
    assert b.y_min >= 48 - 16 and b.y_max <= 64 + 16


def test_boxes_are_half_open_and_sorted_by_score():
    heat = np.zeros((50, 60), dtype=np.float32)
    heat[10:20, 5:15] = 1.0
    heat[30:40, 40:55] = 0.8
    boxes = boxes_from_map(heat, threshold=0.5, score="max", min_area=1)
    assert [b.as_list() for b in boxes] == [[5, 10, 15, 20], [40, 30, 55, 40]]
    assert [b.score for b in boxes] == pytest.approx([1.0, 0.8])


def test_mean_score_is_mean_of_normalised_map_in_component():
    heat = np.zeros((20, 20), dtype=np.float32)
    heat[2:4, 2:4] = [[1.0, 0.6], [0.6, 0.6]]
    (box,) = boxes_from_map(heat, threshold=0.5, score="mean", min_area=1)
    assert box.score == pytest.approx(0.7)


def test_constant_map_gives_no_box_and_zero_normalised_map():
    assert boxes_from_map(np.ones((8, 8))) == []
    assert not normalise_map(np.ones((8, 8))).any()


def test_pixel_to_map_uses_gdal_geotransform_convention():
    gt = (500000.0, 30.0, 0.0, 4000000.0, 0.0, -30.0)
    xs, ys = pixel_to_map([0, 10], [0, 20], gt)
    np.testing.assert_allclose(xs, [500000.0, 500300.0])
    np.testing.assert_allclose(ys, [4000000.0, 3999400.0])


def test_image_box_maps_to_known_geographic_box_of_a_larger_source():
    gt = (500000.0, 30.0, 0.0, 4000000.0, 0.0, -30.0)
    boxes = [Box(0, 0, 112, 56, 1.0), [0, 0, 224, 224]]
    out = boxes_to_map_coordinates(boxes, gt, image_shape=(224, 224), source_shape=(448, 448))
    assert out[0] == pytest.approx([500000.0, 4000000.0 - 112 * 30, 500000.0 + 224 * 30, 4e6])
    assert out[1] == pytest.approx([500000.0, 4000000.0 - 448 * 30, 500000.0 + 448 * 30, 4e6])


def test_affine_geotransform_is_accepted():
    affine = pytest.importorskip("affine")
    transform = affine.Affine(10.0, 0.0, 100.0, 0.0, -10.0, 200.0)
    out = boxes_to_map_coordinates([[1, 2, 3, 4]], transform, image_shape=(8, 8))
    assert out[0] == pytest.approx([110.0, 160.0, 130.0, 180.0])


def test_overlapping_boxes_merge_transitively_into_their_union():
    boxes = [Box(0, 0, 10, 10, 0.5), Box(20, 0, 30, 10, 0.7), Box(8, 2, 22, 6, 0.9)]
    assert merge_boxes(boxes) == [Box(0, 0, 30, 10, 0.9)]


def test_touching_boxes_do_not_merge():
    boxes = [Box(0, 0, 10, 10, 0.5), Box(10, 0, 20, 10, 0.7)]
    assert len(merge_boxes(boxes)) == 2


def test_box_iou_of_known_boxes():
    assert box_iou([0, 0, 10, 10], [5, 0, 15, 10]) == pytest.approx(50 / 150)
    assert box_iou([0, 0, 10, 10], [10, 10, 20, 20]) == 0.0
    assert box_iou([0, 0, 0, 0], [0, 0, 0, 0]) == 0.0


def test_padded_non_square_source_maps_image_box_into_the_array_only():
    gt = (0.0, 10.0, 0.0, 0.0, 0.0, -10.0)
    # 112 x 224 array padded by 56 rows top and bottom: image rows 56..168 hold the data
    out = boxes_to_map_coordinates([[0, 0, 224, 112]], gt, source_shape=(112, 224))
    assert out[0] == pytest.approx([0.0, -560.0, 2240.0, 0.0])
