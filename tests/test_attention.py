"""insar_hf.inference.attention: [CLS] maps, rollout, head fusion, upsampling."""

import numpy as np
import pytest
import torch

from insar_hf.inference.attention import (
    attention_rollout,
    cls_attention_maps,
    combined_map,
    upsample_map,
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
