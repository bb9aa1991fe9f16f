"""FLOPs of a ViT classifier and the dense bf16 peak of common GPUs: model FLOPs utilisation.

Forward FLOPs of one image (2 FLOPs per multiply-add; what ``torch.utils.flop_counter`` counts:
the matrix products, not the normalisations, softmax, GELU or bias additions), for hidden size
``d``, MLP size ``m``, ``L`` layers, ``P = (image_size / patch_size)^2`` patches,
``T = P + 1`` tokens (with [CLS]), ``C`` channels, patch side ``p`` and ``K`` labels:

.. math::

    F = 2 \\left[ P C p^2 d + L \\left( 4 T d^2 + 2 T d m + 2 T^2 d \\right) + d K \\right]

the patch embedding (a ``p x p`` convolution with stride ``p``), per layer the Q, K, V and
output projections (``4 T d^2``), the two MLP matrices (``2 T d m``) and the attention products
``Q K^T`` and ``A V`` (``T^2 d`` each), and the linear head on the [CLS] state. A training step
costs about ``3 F`` per image (the backward pass twice the forward), so the model FLOPs
utilisation of a run at ``r`` images/s is ``3 F r / peak`` (Chowdhery et al. 2022, PaLM,
appendix B). ViT-B/16 at 224: ``F`` = 35.1 GFLOP.
"""

from __future__ import annotations

PEAK_BF16_FLOPS: dict[str, float] = {
    "H100 PCIe": 756e12,
    "GH200": 989e12,
    "H100": 989e12,
    "H200": 989e12,
    "H800": 989e12,
    "B200": 2250e12,
    "A100": 312e12,
    "A800": 312e12,
    "L40S": 362e12,
    "L40": 181e12,
    "L4": 121e12,
    "A10": 125e12,
    "RTX A6000": 155e12,
}
"""Dense (no sparsity) bf16 tensor-core peak, FLOP/s, of GPUs by a substring of their
``torch.cuda.get_device_name``; the vendors' data sheets (SXM parts unless named). Looked up in
this order, so that the longer names ("H100 PCIe", "L40S", "A100") win over their prefixes."""


def vit_flops_per_image(config) -> float:
    """Forward FLOPs of one image through a ViT classifier (the formula of the module docstring).

    Parameters
    ----------
    config
        A ``transformers.ViTConfig`` (or any object with ``hidden_size``, ``intermediate_size``,
        ``num_hidden_layers``, ``image_size``, ``patch_size``, ``num_channels``, ``num_labels``).

    Returns
    -------
    float
        FLOPs (2 per multiply-add) of one forward pass of one image.
    """
    d, m, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    patches = (config.image_size // config.patch_size) ** 2
    tokens = patches + 1  # + [CLS]
    embed = patches * (config.num_channels * config.patch_size**2) * d
    per_layer = 4 * tokens * d * d + 2 * tokens * d * m + 2 * tokens * tokens * d
    head = d * config.num_labels
    return 2.0 * (embed + layers * per_layer + head)


def peak_bf16_flops(device_name: str) -> float | None:
    """Dense bf16 peak FLOP/s of the GPU called ``device_name``; None when it is not in the table."""
    return next((peak for key, peak in PEAK_BF16_FLOPS.items() if key in device_name), None)


def model_flops_utilisation(config, images_per_s: float, peak_flops: float) -> float:
    """Fraction of ``peak_flops`` that training at ``images_per_s`` uses: ``3 F r / peak``."""
    return 3.0 * vit_flops_per_image(config) * images_per_s / peak_flops
