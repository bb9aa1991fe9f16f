"""Where does the model see the earthquake? One entry point for every explanation map.

:func:`explain` runs the model on a batch and returns the calibrated probabilities, the
attention weights and one map per image on the patch grid, made by one of
:data:`MAP_METHODS`:

``"rollout"``
    Attention rollout (Abnar & Zuidema 2020), :func:`insar_hf.inference.attention.attention_rollout`.
``"rollout_discard"``
    Rollout with the lowest ``discard_ratio`` of each layer's weights dropped (same function).
``"layer"``
    The head-fused [CLS] attention of one layer (default the last).
``"relevance"``
    Gradient-weighted attention relevance (Chefer et al. 2021),
    :mod:`insar_hf.inference.relevance`: one backward pass.
``"occlusion"``
    The drop of the score when blocks of patches become no data,
    :mod:`insar_hf.inference.occlusion`: ``(g - block + 1)^2`` forward passes, the slow reference.
``"patch"``
    The earthquake log-odds of the classifier applied to every last-layer patch token,
    :mod:`insar_hf.inference.patch_map`: one matrix product after the forward pass. It is what
    the patch loss (``--patch_loss_weight``) trains.

The explained score of the class-specific maps is the log-odds of an earthquake,
``logit[positive] - logit[other]`` (the quantity the calibrated verdict thresholds).
:data:`DEFAULT_MAP_METHOD` is the method that localised best on the validation split in
``benchmarks/bench_localisation.py`` (see ``docs/space.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from insar_hf.inference.attention import HEAD_FUSIONS, combined_map
from insar_hf.inference.occlusion import no_data_fill, occlusion_map
from insar_hf.inference.patch_map import log_odds, patch_log_odds
from insar_hf.inference.relevance import gradient_relevance

MAP_METHODS = ("rollout_discard", "rollout", "layer", "relevance", "occlusion", "patch")
DEFAULT_MAP_METHOD = "rollout_discard"

__all__ = ["DEFAULT_MAP_METHOD", "MAP_METHODS", "Explanation", "MapSettings", "explain"]


@dataclass(frozen=True)
class MapSettings:
    """How to make an explanation map.

    Attributes
    ----------
    method
        One of :data:`MAP_METHODS`.
    head_fusion
        ``"mean"``, ``"max"`` or ``"min"`` over heads (rollout and layer maps).
    layer
        Last layer of rollout / the single layer of ``"layer"`` (None: the last).
    discard_ratio
        Fraction of each layer's weakest attention dropped by ``"rollout_discard"``.
    occlusion_block
        Side, in patches, of the squares blanked by ``"occlusion"``.
    """

    method: str = DEFAULT_MAP_METHOD
    head_fusion: str = "mean"
    layer: int | None = None
    discard_ratio: float = 0.9
    occlusion_block: int = 1

    def __post_init__(self):
        if self.method not in MAP_METHODS:
            raise ValueError(f"method must be one of {MAP_METHODS}; got {self.method!r}")
        if self.head_fusion not in HEAD_FUSIONS:
            raise ValueError(f"head_fusion must be one of {HEAD_FUSIONS}; got {self.head_fusion!r}")
        if not 0.0 <= self.discard_ratio < 1.0:
            raise ValueError(f"discard_ratio must lie in [0, 1); got {self.discard_ratio}")
        if self.occlusion_block < 1:
            raise ValueError(f"occlusion_block must be >= 1 patch; got {self.occlusion_block}")


@dataclass
class Explanation:
    """Output of :func:`explain` for a batch of ``B`` images (all on the CPU).

    Attributes
    ----------
    probabilities
        ``(B, C)`` ``softmax(logits / temperature)``.
    attentions
        ``num_layers`` tensors ``(B, H, T, T)``.
    maps
        ``(B, g, g)`` raw (not normalised) map on the patch grid.
    """

    probabilities: torch.Tensor
    attentions: tuple[torch.Tensor, ...]
    maps: torch.Tensor


def explain(
    model: Any,
    pixel_values: torch.Tensor,
    settings: MapSettings | None = None,
    *,
    positive_index: int = 1,
    temperature: float = 1.0,
    image_processor: Any = None,
) -> Explanation:
    """Probabilities, attentions and the ``settings.method`` map of a batch.

    Parameters
    ----------
    model
        A ViT classifier on the eager attention path (in eval mode).
    pixel_values
        ``(B, 3, S, S)`` on the model's device.
    settings
        :class:`MapSettings` (default: the default method).
    positive_index, temperature
        The earthquake class and the calibration temperature.
    image_processor
        Needed by ``"occlusion"`` (the no-data fill).
    """
    settings = MapSettings() if settings is None else settings
    gradient = settings.method == "relevance"
    patch = settings.method == "patch"
    with torch.enable_grad() if gradient else torch.inference_mode():
        out = model(pixel_values=pixel_values, output_attentions=True, output_hidden_states=patch)
        if not out.attentions or any(a is None for a in out.attentions):
            raise RuntimeError("the model returned no attentions; load it with eager attention")
        if gradient:
            score = log_odds(out.logits, positive_index).sum()
            grads = torch.autograd.grad(score, out.attentions)
        patch_maps = patch_log_odds(model, out.hidden_states, positive_index) if patch else None
    logits = out.logits.detach().float()
    probabilities = (logits / temperature).softmax(dim=-1).cpu()
    attentions = tuple(a.detach().float().cpu() for a in out.attentions)
    grid = int(round((attentions[0].shape[-1] - 1) ** 0.5))
    if patch_maps is not None:
        maps = patch_maps  # (B, g, g), made with the forward pass
    elif settings.method in ("rollout", "rollout_discard", "layer"):
        maps = combined_map(
            attentions,
            method="layer" if settings.method == "layer" else "rollout",
            head_fusion=settings.head_fusion,
            layer=settings.layer,
            discard_ratio=settings.discard_ratio if settings.method == "rollout_discard" else 0.0,
        )
    elif gradient:
        grads = tuple(g.float().cpu() for g in grads)
        maps = gradient_relevance(attentions, grads).reshape(-1, grid, grid)
    else:
        if image_processor is None:
            raise ValueError("occlusion needs the image_processor (for the no-data fill)")
        fill = no_data_fill(image_processor, pixel_values.shape[-1]).to(pixel_values.device)

        def score(batch: torch.Tensor) -> torch.Tensor:
            return log_odds(model(pixel_values=batch).logits, positive_index)

        maps = occlusion_map(
            score,
            pixel_values,
            fill,
            patch_size=pixel_values.shape[-1] // grid,
            block=settings.occlusion_block,
        )
    return Explanation(probabilities, attentions, maps.detach().float().cpu())
