"""A source model that answers one known source whatever the image (tests' oracle).

Every layer's attention and MLP outputs and the patch projection are zero, so the last hidden
state of token ``k`` is its position embedding alone. The [CLS] head outputs the encoded targets
(its weights are zero, its bias the targets); the ``epicentre_heat`` row reads the direction of a
patch's position embedding, ``cos(phi_k) u1 + sin(phi_k) u2`` (two orthonormal zero-mean
vectors, which the final layer norm scales to ``sqrt(D)`` and keeps), so that patch ``k``'s
logit is ``A cos(phi_k)``: ``A + log w_k`` on the four patches of the epicentre's bilinear
target ``w`` and ``-A`` elsewhere. The heat map's softmax is then ``w`` to within ``exp(-2A)``.
"""

from __future__ import annotations

import numpy as np
import torch

from insar_hf.source.epicentre import heat_target
from insar_hf.source.targets import PATCH_TARGETS, TARGETS, TargetScaling
from insar_hf.training.arguments import ModelArguments
from insar_hf.training.source_training import build_source_model

AMPLITUDE = 50.0


def answering_source_model(scaling: TargetScaling, truth: dict[str, np.ndarray]):
    """A vit-micro source model whose estimate of any image is the first row of ``truth``."""
    torch.manual_seed(0)
    model = build_source_model(ModelArguments(preset="vit-micro"), scaling)
    d, grid, patch = model.config.hidden_size, 224 // 16, 16
    u1, u2 = torch.zeros(d), torch.zeros(d)
    u1[0], u1[1], u2[2], u2[3] = 1.0, -1.0, 1.0, -1.0
    u1, u2 = u1 / u1.norm(), u2 / u2.norm()
    w = heat_target(truth["epicentre_row_px"][:1], truth["epicentre_col_px"][:1], grid=grid,
                    patch_size=patch)[0].astype(np.float64)  # fmt: skip
    level = np.where(w > 0, 1.0 + np.log(np.maximum(w, 1e-300)) / AMPLITUDE, -1.0)
    phi = torch.from_numpy(np.arccos(np.clip(level, -1.0, 1.0))).float()  # (N,)
    heat = TARGETS.index(PATCH_TARGETS[0])
    with torch.no_grad():
        for name, p in model.vit.named_parameters():
            if "patch_embeddings" in name or name.split(".")[-2] in ("o_proj", "fc2"):
                p.zero_()
        model.vit.embeddings.cls_token.zero_()
        position = model.vit.embeddings.position_embeddings  # (1, 1 + N, D)
        position[0, 0] = u1
        position[0, 1:] = torch.cos(phi)[:, None] * u1 + torch.sin(phi)[:, None] * u2
        model.classifier.weight.zero_()
        model.classifier.bias.copy_(torch.from_numpy(scaling.encode(truth)[0]))
        model.classifier.weight[heat] = AMPLITUDE * u1 / d**0.5
        model.classifier.bias[heat] = 0.0
    return model
