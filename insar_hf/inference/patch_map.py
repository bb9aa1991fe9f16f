"""The patch map: the detector's own classifier applied to every last-layer patch token.

A ViT classifier reads one token, ``[CLS]``, through its head: ``logits = W LN(h_L[0]) + b``
(``LN`` the encoder's final layer norm, ``h_L`` the last layer's output). The *same* head on a
patch token ``i`` gives that patch's logits, ``W LN(h_L[i]) + b``, and their earthquake log-odds
``logit[earthquake] - logit[other]`` form a map on the patch grid at the cost of one matrix
product after the forward pass. Trained with the patch loss (``--patch_loss_weight``,
:mod:`insar_hf.training.trainer`), each patch token learns whether its patch lies in the
deformation: "token labelling" (Jiang et al. 2021, "All Tokens Matter: Token Labeling for
Training Better Vision Transformers", NeurIPS), with labels that the simulator gives exactly.
The model stays a plain ``ViTForImageClassification``: nothing is added to it.

Functions take the output of a forward pass with ``output_hidden_states=True``.
"""

from __future__ import annotations

from typing import Any

import torch

__all__ = ["log_odds", "patch_log_odds", "patch_token_logits"]


def log_odds(logits: torch.Tensor, positive_index: int) -> torch.Tensor:
    """``logit[positive] - max(other logits)`` over the last axis: (..., C) -> (...)."""
    others = torch.cat([logits[..., :positive_index], logits[..., positive_index + 1 :]], dim=-1)
    return logits[..., positive_index] - others.amax(dim=-1)


def patch_token_logits(model: Any, hidden_states: tuple[torch.Tensor, ...]) -> torch.Tensor:
    """The classifier's logits of every patch token, (B, N, C).

    Parameters
    ----------
    model
        A ``ViTForImageClassification`` (a ``base_model`` with the final ``layernorm`` and a
        ``classifier`` head).
    hidden_states
        ``output.hidden_states`` of a forward pass with ``output_hidden_states=True``: the
        embeddings and each layer's output, (B, 1 + N, D) each, the last one before the final
        layer norm.

    Returns
    -------
    torch.Tensor
        Shape (B, N, C): patches in row-major order of the ``g x g`` grid (``N = g^2``).
    """
    norm = getattr(model.base_model, "layernorm", None)
    head = getattr(model, "classifier", None)
    if norm is None or head is None:
        raise ValueError(
            "the patch map needs a ViT image classifier (a final `layernorm` and a `classifier`)"
        )
    if not hidden_states:
        raise ValueError("no hidden states: run the model with output_hidden_states=True")
    tokens = norm(hidden_states[-1])  # (B, 1 + N, D): the sequence the [CLS] head reads
    return head(tokens[:, 1:])  # (B, N, C)


def patch_log_odds(
    model: Any, hidden_states: tuple[torch.Tensor, ...], positive_index: int = 1
) -> torch.Tensor:
    """The patch map: earthquake log-odds of every patch token on the grid, (B, g, g)."""
    scores = log_odds(patch_token_logits(model, hidden_states), positive_index)  # (B, N)
    grid = int(round(scores.shape[1] ** 0.5))
    if grid * grid != scores.shape[1]:
        raise ValueError(f"{scores.shape[1]} patch tokens do not form a square grid")
    return scores.reshape(-1, grid, grid)  # (B, g, g)
