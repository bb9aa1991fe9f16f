"""insar_hf.model.flops: the analytic ViT FLOP count, checked by hand and by torch's counter."""

from types import SimpleNamespace

import pytest

from insar_hf.model.flops import model_flops_utilisation, peak_bf16_flops, vit_flops_per_image


def _tiny(**kw):
    return SimpleNamespace(**{
        "hidden_size": 8, "intermediate_size": 16, "num_hidden_layers": 2, "image_size": 32,
        "patch_size": 16, "num_channels": 3, "num_labels": 2, **kw,
    })  # fmt: skip


def test_flops_of_a_tiny_vit_match_a_hand_count():
    # 2 x 2 = 4 patches, 5 tokens; d = 8, m = 16, 2 layers, 2 labels
    embed = 4 * (3 * 16 * 16) * 8  # 24,576 multiply-adds
    layer = 4 * 5 * 8 * 8 + 2 * 5 * 8 * 16 + 2 * 5 * 5 * 8  # 1,280 + 1,280 + 400
    head = 8 * 2
    assert vit_flops_per_image(_tiny()) == 2 * (embed + 2 * layer + head) == 61_024


def test_vit_b16_forward_is_35_giga_flops():
    base = _tiny(hidden_size=768, intermediate_size=3072, num_hidden_layers=12, image_size=224)
    assert vit_flops_per_image(base) == pytest.approx(35.13e9, rel=1e-3)


def test_flops_agree_with_torch_flop_counter_on_a_tiny_vit_forward():
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import ViTConfig, ViTForImageClassification

    config = ViTConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                       intermediate_size=64, image_size=224, patch_size=16, num_labels=2)  # fmt: skip
    config._attn_implementation = "eager"  # the attention products as matmuls torch can count
    model = ViTForImageClassification(config).eval()
    with torch.no_grad(), FlopCounterMode(display=False) as counter:
        model(pixel_values=torch.zeros(3, 3, 224, 224))
    assert counter.get_total_flops() / 3 == pytest.approx(vit_flops_per_image(config), rel=0.02)


@pytest.mark.parametrize(
    ("name", "peak"),
    [
        ("NVIDIA H100 80GB HBM3", 989e12),
        ("NVIDIA H100 PCIe", 756e12),
        ("NVIDIA H200", 989e12),
        ("NVIDIA A100-SXM4-80GB", 312e12),
        ("NVIDIA A10", 125e12),
        ("NVIDIA L40S", 362e12),
        ("NVIDIA L4", 121e12),
        ("Tesla T4", None),
    ],
)
def test_peak_is_looked_up_by_the_most_specific_name(name, peak):
    assert peak_bf16_flops(name) == peak


def test_mfu_is_three_forward_passes_per_trained_image_over_the_peak():
    config = _tiny()
    assert model_flops_utilisation(config, 1000.0, 61_024 * 3000.0) == pytest.approx(1.0)
