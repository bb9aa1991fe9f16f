"""Attention maps of a ViT classifier: per-head [CLS] maps, attention rollout, combined maps.

Pure torch / NumPy; no model code. The
inputs are the ``attentions`` that a Hugging Face ViT returns with ``output_attentions=True``
(only on the eager attention path): a sequence of ``num_layers`` tensors of shape
``(batch, heads, tokens, tokens)`` with token 0 the [CLS] token and tokens ``1..`` the patches in
row-major order (row 0 = the top, i.e. north, edge of the image).

Attention rollout follows Abnar & Zuidema (2020), "Quantifying Attention Flow in Transformers",
ACL, eq. in Sec. 3: the residual connection is modelled by ``A' = 0.5 * A + 0.5 * I``, each
``A'`` is re-normalised so that its rows sum to 1, and the layers are chained by matrix product
``R = A'_L @ ... @ A'_1``. Heads are fused before the product by their mean, max or min. With a
``discard_ratio`` (Gildenblat's variant of rollout, used in the comparison of
:mod:`insar_hf.inference.localisation`), the lowest fraction of each fused layer's weights is
set to zero before the residual is added, so that the many small weights of a diffuse head do
not wash out the few strong ones; the [CLS] column is never discarded.

Boxes around the high parts of these maps are in :mod:`insar_hf.inference.boxes`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
import torch.nn.functional as F

from insar_hf.schema import IMAGE_SIZE

HEAD_FUSIONS = ("mean", "max", "min")
MAP_METHODS = ("rollout", "layer")

__all__ = [
    "HEAD_FUSIONS",
    "MAP_METHODS",
    "attention_rollout",
    "cls_attention_maps",
    "combined_map",
    "fuse_heads",
    "normalise_map",
    "upsample_map",
]


def _layers(attentions: Sequence[torch.Tensor] | torch.Tensor) -> list[torch.Tensor]:
    """Per-layer ``(B, H, T, T)`` float tensors, validated (no copy of the whole stack)."""
    if isinstance(attentions, torch.Tensor):
        if attentions.ndim != 5:
            raise ValueError(
                "attentions must be L tensors of shape (batch, heads, tokens, tokens) or one "
                f"(batch, layers, heads, tokens, tokens) tensor; got shape {tuple(attentions.shape)}"
            )
        layers = list(attentions.unbind(dim=1))
    else:
        layers = list(attentions)
        if not layers or any(a is None for a in layers):
            raise ValueError(
                "no attention weights: load the model with attn_implementation='eager' and call "
                "it with output_attentions=True"
            )
    shape = tuple(layers[0].shape)
    for a in layers:
        if a.ndim != 4 or a.shape[-1] != a.shape[-2] or tuple(a.shape) != shape:
            raise ValueError(
                "attentions must be L tensors of one shape (batch, heads, tokens, tokens); got "
                f"{[tuple(x.shape) for x in layers]}"
            )
    return [a.float() for a in layers]


def _grid_side(num_patches: int) -> int:
    side = int(round(num_patches**0.5))
    if side * side != num_patches:
        raise ValueError(
            f"{num_patches} patch tokens do not form a square grid; attentions must include the "
            "[CLS] token first and a square number of patch tokens (e.g. 1 + 14*14 = 197)"
        )
    return side


def fuse_heads(att: torch.Tensor, head_fusion: str = "mean") -> torch.Tensor:
    """Fuse the head axis (``-3``) of ``(..., H, T, T)`` attention by mean, max or min."""
    if head_fusion == "mean":
        return att.mean(dim=-3)
    if head_fusion == "max":
        return att.amax(dim=-3)
    if head_fusion == "min":
        return att.amin(dim=-3)
    raise ValueError(f"head_fusion must be one of {HEAD_FUSIONS}; got {head_fusion!r}")


def cls_attention_maps(attentions: Sequence[torch.Tensor] | torch.Tensor) -> torch.Tensor:
    """Per-layer, per-head attention of the [CLS] query on every patch.

    Parameters
    ----------
    attentions
        ``num_layers`` tensors of shape ``(B, H, T, T)`` (``T = 1 + g*g``), or one stacked
        ``(B, L, H, T, T)`` tensor.

    Returns
    -------
    torch.Tensor
        Shape ``(B, L, H, g, g)``; row 0 of each map is the top row of patches. Values are the
        raw softmax weights (they sum, together with the [CLS]-to-[CLS] weight, to 1).
    """
    layers = _layers(attentions)
    side = _grid_side(layers[0].shape[-1] - 1)
    cls_to_patch = torch.stack([a[:, :, 0, 1:] for a in layers], dim=1)  # (B, L, H, g*g)
    return cls_to_patch.reshape(*cls_to_patch.shape[:-1], side, side)  # (B, L, H, g, g)


def attention_rollout(
    attentions: Sequence[torch.Tensor] | torch.Tensor,
    *,
    head_fusion: str = "mean",
    up_to_layer: int | None = None,
    discard_ratio: float = 0.0,
) -> torch.Tensor:
    """Attention rollout (Abnar & Zuidema 2020) through the first ``up_to_layer + 1`` layers.

    Parameters
    ----------
    attentions
        ``num_layers`` tensors ``(B, H, T, T)`` or one ``(B, L, H, T, T)`` tensor.
    head_fusion
        ``"mean"``, ``"max"`` or ``"min"`` over heads, applied per layer before the product.
    up_to_layer
        Index of the last layer included (default: all layers). Negative indices count from
        the end.
    discard_ratio
        Fraction in [0, 1) of each fused layer's smallest weights (per image, [CLS] column
        excluded) set to zero before the residual is added.

    Returns
    -------
    torch.Tensor
        Shape ``(B, T, T)``; row ``i`` is how much each input token flows into token ``i`` at the
        output of the chosen layer. Every row sums to 1.
    """
    if not 0.0 <= discard_ratio < 1.0:
        raise ValueError(f"discard_ratio must lie in [0, 1); got {discard_ratio}")
    layers = _layers(attentions)
    num_layers = len(layers)
    last = num_layers - 1 if up_to_layer is None else up_to_layer
    if last < 0:
        last += num_layers
    if not 0 <= last < num_layers:
        raise ValueError(f"up_to_layer must lie in [0, {num_layers - 1}]; got {up_to_layer}")
    tokens = layers[0].shape[-1]
    eye = torch.eye(tokens, dtype=layers[0].dtype, device=layers[0].device)
    rollout = None
    for att in layers[: last + 1]:
        fused = fuse_heads(att, head_fusion)  # (B, T, T)
        if discard_ratio > 0.0:
            fused = _discard_lowest(fused, discard_ratio)
        residual = 0.5 * fused + 0.5 * eye  # (B, T, T)
        # keepdim: divide each row by its own sum (without it, broadcasting divides columns)
        residual = residual / residual.sum(dim=-1, keepdim=True)
        rollout = residual if rollout is None else residual @ rollout  # (B, T, T)
    return rollout


def _discard_lowest(fused: torch.Tensor, ratio: float) -> torch.Tensor:
    """``fused`` ``(B, T, T)`` with its lowest ``ratio`` of non-[CLS]-column weights zeroed."""
    batch, tokens, _ = fused.shape
    keep_cls = torch.zeros(tokens, tokens, dtype=torch.bool, device=fused.device)
    keep_cls[:, 0] = True
    candidates = fused.masked_fill(keep_cls, float("inf")).reshape(batch, -1)  # (B, T*T)
    count = int(ratio * tokens * (tokens - 1))
    if count == 0:
        return fused
    lowest = candidates.topk(count, dim=-1, largest=False).indices  # (B, count)
    return fused.reshape(batch, -1).scatter(1, lowest, 0.0).reshape(batch, tokens, tokens)


def combined_map(
    attentions: Sequence[torch.Tensor] | torch.Tensor,
    *,
    method: str = "rollout",
    head_fusion: str = "mean",
    layer: int | None = None,
    discard_ratio: float = 0.0,
) -> torch.Tensor:
    """The [CLS]-to-patch map that summarises where the model looks.

    Parameters
    ----------
    method
        ``"rollout"``: the [CLS] row of :func:`attention_rollout` through ``layer`` (default all
        layers); ``"layer"``: the head-fused [CLS] attention of the single layer ``layer``
        (default the last).
    head_fusion
        ``"mean"``, ``"max"`` or ``"min"``.
    layer
        Layer index (negative counts from the end).
    discard_ratio
        Rollout only: see :func:`attention_rollout`.

    Returns
    -------
    torch.Tensor
        Shape ``(B, g, g)``, raw (not normalised) non-negative weights.
    """
    layers = _layers(attentions)
    side = _grid_side(layers[0].shape[-1] - 1)
    if method == "rollout":
        cls_row = attention_rollout(
            layers, head_fusion=head_fusion, up_to_layer=layer, discard_ratio=discard_ratio
        )[:, 0, 1:]
    elif method == "layer":
        num_layers = len(layers)
        index = num_layers - 1 if layer is None else layer
        if not -num_layers <= index < num_layers:
            raise ValueError(f"layer must lie in [0, {num_layers - 1}]; got {layer}")
        cls_row = fuse_heads(layers[index][:, :, :1], head_fusion)[:, 0, 1:]  # (B, g*g)
    else:
        raise ValueError(f"method must be one of {MAP_METHODS}; got {method!r}")
    return cls_row.reshape(-1, side, side)  # (B, g, g)


def normalise_map(values: np.ndarray | torch.Tensor) -> np.ndarray:
    """Min-max normalise the last two axes to [0, 1] (a constant map becomes all zeros)."""
    arr = values.detach().cpu().numpy() if isinstance(values, torch.Tensor) else values
    arr = np.asarray(arr, dtype=np.float32)
    low = arr.min(axis=(-2, -1), keepdims=True)
    span = arr.max(axis=(-2, -1), keepdims=True) - low
    safe = np.where(span > 0, span, 1.0)
    return np.where(span > 0, (arr - low) / safe, 0.0).astype(np.float32)


def upsample_map(
    values: torch.Tensor | np.ndarray, size: int | tuple[int, int] = IMAGE_SIZE
) -> np.ndarray:
    """Bilinearly upsample ``(..., g, g)`` maps to ``(..., size, size)`` (float32 NumPy).

    Each patch's value sits at its patch centre (``align_corners=False``), so a map peaked on
    patch ``(r, c)`` stays peaked on pixels ``[r*p, (r+1)*p)`` for patch size ``p``.
    """
    tensor = torch.as_tensor(np.asarray(values) if not isinstance(values, torch.Tensor) else values)
    tensor = tensor.detach().float().cpu()
    lead = tensor.shape[:-2]
    flat = tensor.reshape(-1, 1, *tensor.shape[-2:])  # (N, 1, g, g)
    out_size = (size, size) if isinstance(size, int) else tuple(size)
    up = F.interpolate(flat, size=out_size, mode="bilinear", align_corners=False)  # (N,1,S,S)
    return up.reshape(*lead, *out_size).numpy().astype(np.float32)
