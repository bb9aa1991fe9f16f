"""Gradient-weighted attention relevance of a ViT (Chefer, Gur & Wolf 2021).

The rule of "Generic Attention-model Explainability for Interpreting Bi-Modal and
Encoder-Decoder Transformers" (ICCV 2021, eqs. 5-6), the simpler follow-up of "Transformer
Interpretability Beyond Attention Visualization" (CVPR 2021): for a self-attention encoder the
relevance of every token to every token starts as the identity, ``R = I``, and each layer ``b``
adds its gradient-weighted attention,

    Abar_b = E_h[ (grad A_b  *  A_b)^+ ],        R <- R + Abar_b @ R,

where ``A_b`` is the ``(heads, tokens, tokens)`` attention of layer ``b``, ``grad A_b`` the
gradient of the explained score with respect to it, ``*`` the element-wise product, ``^+`` the
positive part and ``E_h`` the mean over heads. The map is the [CLS] row of ``R`` over the patch
tokens. Unlike rollout it is class-specific: only attention that *raises* the score counts.

Pure torch; the forward and backward pass that produce ``A_b`` and ``grad A_b`` are in
:mod:`insar_hf.inference.explain`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

__all__ = ["gradient_relevance"]


def gradient_relevance(
    attentions: Sequence[torch.Tensor], gradients: Sequence[torch.Tensor]
) -> torch.Tensor:
    """Relevance map of the [CLS] token over the patches (Chefer et al. 2021, ICCV, eq. 6).

    Parameters
    ----------
    attentions, gradients
        ``num_layers`` tensors of shape ``(B, H, T, T)`` each: the attention weights and the
        gradient of the explained score (per image) with respect to them.

    Returns
    -------
    torch.Tensor
        Shape ``(B, T - 1)``: non-negative relevance of each patch token (row-major), detached.
    """
    if len(attentions) == 0 or len(attentions) != len(gradients):
        raise ValueError(
            f"need one gradient per attention layer; got {len(attentions)} layers and "
            f"{len(gradients)} gradients"
        )
    first = attentions[0]
    batch, tokens = first.shape[0], first.shape[-1]
    relevance = torch.eye(tokens, dtype=torch.float32).expand(batch, tokens, tokens).clone()
    for att, grad in zip(attentions, gradients):
        if att.shape != grad.shape or att.ndim != 4:
            raise ValueError(
                f"attention {tuple(att.shape)} and gradient {tuple(grad.shape)} must share one "
                "(batch, heads, tokens, tokens) shape"
            )
        weighted = (grad.detach().float() * att.detach().float()).clamp(min=0).mean(dim=1)
        relevance = relevance + weighted @ relevance  # (B, T, T)
    return relevance[:, 0, 1:]
