"""The source network at inference: :class:`SourceEstimator` turns interferograms into sources.

``SourceEstimator.from_pretrained(folder_or_repo_id)`` loads a ViT regression model trained by
``training/train_source.py`` (``problem_type="regression"``, one output per target of
:data:`insar_hf.source.targets.TARGETS`, the target scaling in its ``config.json``). ``estimate``
accepts what :meth:`insar_hf.inference.detector.Detector.predict` accepts (a PIL image, an image
or product path, a 2-D phase / displacement array with its ``kind``; one or a list, batched;
:func:`insar_hf.inference.inputs.prepare_input` makes the model image) and returns a
:class:`~insar_hf.source.estimate.SourceEstimate` per input, with the one-sigma spread measured
on the validation split at training time (``sigma``) and the wall time per input (``seconds``).

The pixel spacing matters: the network reads the *shape* of the pattern in pixels, so with
``pixel_m`` the magnitude (and the depth, where that measured better on the validation split:
:attr:`~insar_hf.source.targets.TargetScaling.scale_free`) come from the scale-free heads;
without it from the plain heads, with a wider ``sigma`` (:mod:`insar_hf.source.targets`).
Positions are in pixels of the ``224 x 224`` model image, as the dataset's
``epicentre_row_px`` / ``epicentre_col_px``: the network's head applied to each last-layer patch
token gives the epicentre heat map (``epicentre_heat``), decoded to pixels by
:func:`insar_hf.source.epicentre.decode_epicentre`; everything else comes from the [CLS] token.

Example
-------
>>> from insar_hf.source.estimator import SourceEstimator
>>> est = SourceEstimator.from_pretrained("outputs/source_model")   # doctest: +SKIP
>>> s = est.estimate("scene.png", pixel_m=120.0)                    # doctest: +SKIP
>>> round(s.mw, 2), s.sigma["mw"], s.mechanism                      # doctest: +SKIP
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from insar_hf.inference.inputs import input_list, prepare_input
from insar_hf.inference.patch_map import patch_token_logits
from insar_hf.model.default import DEFAULT_SOURCE_MODEL_DIR, default_model_path
from insar_hf.model.presets import load_model, pixel_values_from_images
from insar_hf.schema import IMAGE_SIZE
from insar_hf.source.estimate import SourceEstimate
from insar_hf.source.metrics import mechanism_from_angles
from insar_hf.source.targets import PATCH_TARGETS, SOURCE_FIELDS, TargetScaling

__all__ = ["SourceEstimator"]


def _pixel_spacings(pixel_m: Any, n: int) -> np.ndarray:
    """``pixel_m`` (None, a number, or one per input) as a float64 array (n,), NaN = unknown."""
    if pixel_m is None:
        return np.full(n, np.nan)
    values = np.atleast_1d(np.asarray(pixel_m, dtype=object)).reshape(-1)
    values = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    if values.size == 1:
        values = np.full(n, values[0])
    if values.size != n:
        raise ValueError(f"pixel_m must be one number or one per input ({n}); got {values.size}")
    if np.any(np.isfinite(values) & (values <= 0)):
        raise ValueError(f"pixel_m must be > 0 metres; got {values.tolist()}")
    return values


class SourceEstimator:
    """ViT regression network that estimates an earthquake's source from an interferogram.

    Parameters
    ----------
    model
        A ``*ForImageClassification`` with ``problem_type="regression"`` whose config carries
        the target scaling (:meth:`insar_hf.source.targets.TargetScaling.from_config`).
    device
        ``"cpu"``, ``"cuda"``, ... (default: CUDA when available).
    """

    def __init__(self, model: Any, *, device: str | None = None):
        import torch

        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        self.scaling = TargetScaling.from_config(model.config)
        if getattr(model.config, "problem_type", None) != "regression":
            raise ValueError(
                "a source model must have problem_type='regression'; this one has "
                f"{getattr(model.config, 'problem_type', None)!r}"
            )
        self.model = model.to(device).eval()
        self.device = device
        image_size = getattr(model.config, "image_size", IMAGE_SIZE)
        self.image_size = int(image_size if isinstance(image_size, int) else image_size[0])

    @classmethod
    def from_pretrained(
        cls, path_or_repo_id: str | os.PathLike | None = None, device: str | None = None
    ):
        """Load a source model from a folder or Hub id (SDPA attention: no maps are needed).

        ``None`` loads the packaged source model
        (:data:`insar_hf.model.default.DEFAULT_SOURCE_MODEL_DIR`). A missing folder or unknown Hub id raises
        :class:`~insar_hf.model.checkpoint.ModelSourceError`; a detector (no target scaling in
        its config) raises ``ValueError``.
        """
        if path_or_repo_id is None:
            path_or_repo_id = default_model_path(DEFAULT_SOURCE_MODEL_DIR)
        return cls(load_model(path_or_repo_id, attn_implementation="sdpa"), device=device)

    def outputs(
        self, images: Sequence[Any] | np.ndarray, *, batch_size: int = 64
    ) -> tuple[np.ndarray, np.ndarray]:
        """Raw network outputs: the [CLS] token's and the epicentre heat maps.

        ``images`` are RGB PIL images or uint8 arrays (N, 224, 224, 3), the model input.

        Returns
        -------
        (np.ndarray, np.ndarray)
            The [CLS] outputs (standardised targets), (N, T) float32 (the model's ``logits``),
            and the ``epicentre_heat`` logits of the patch tokens, (N, g, g) float32.
        """
        import torch

        heat_index = self.scaling.names.index(PATCH_TARGETS[0])
        values, heats = [], []
        with torch.inference_mode():
            for start in range(0, len(images), batch_size):
                x = pixel_values_from_images(images[start : start + batch_size])  # (B, 3, S, S)
                out = self.model(pixel_values=x.to(self.device), output_hidden_states=True)
                tokens = patch_token_logits(self.model, out.hidden_states)  # (B, N, T)
                grid = int(round(tokens.shape[1] ** 0.5))
                heats.append(tokens[..., heat_index].reshape(-1, grid, grid).float().cpu().numpy())
                values.append(out.logits.float().cpu().numpy())  # (B, T)
        if not values:
            grid = self.image_size // self.model.config.patch_size
            return (
                np.zeros((0, len(self.scaling.names)), np.float32),
                np.zeros((0, grid, grid), np.float32),
            )
        return np.concatenate(values), np.concatenate(heats)

    def decode_images(
        self, images: Sequence[Any] | np.ndarray, pixel_m: Any = None, *, batch_size: int = 64
    ) -> dict[str, np.ndarray]:
        """Physical source fields of model images: :data:`~insar_hf.source.targets.SOURCE_FIELDS`
        and ``mechanism`` -> arrays (N,). ``pixel_m``: spacing of the model images, metres."""
        px = _pixel_spacings(pixel_m, len(images))
        return self.decode_outputs(self.outputs(images, batch_size=batch_size), px)

    def decode_outputs(
        self, outputs: tuple[np.ndarray, np.ndarray], pixel_m: Any = None
    ) -> dict[str, np.ndarray]:
        """Physical source fields and ``mechanism`` of raw outputs (:meth:`outputs`: the [CLS]
        values (N, T) and the heat maps (N, g, g); see
        :meth:`insar_hf.source.targets.TargetScaling.decode`)."""
        values, heat = outputs
        fields = self.scaling.decode(
            values, _pixel_spacings(pixel_m, len(values)), heat, self.image_size
        )
        fields["mechanism"] = np.array(
            [mechanism_from_angles(r, d) for r, d in zip(fields["rake_deg"], fields["dip_deg"])],
            dtype=object,
        )
        return fields

    def estimate(
        self,
        x: Any,
        *,
        pixel_m: Any = None,
        kind: str | None = None,
        units: str = "rad",
        wavelength_m: float | None = None,
        batch_size: int = 32,
    ) -> SourceEstimate | list[SourceEstimate]:
        """Estimate the source of one input (or a list, batched).

        Parameters
        ----------
        x
            PIL image, image or product path, 2-D array, or a list of those (as
            :meth:`insar_hf.inference.detector.Detector.predict`).
        pixel_m
            Ground spacing of the **model image's** pixels, metres: one number or one per input.
            A rendered 224 x 224 image: its own spacing; an array or product of ``rows x cols``
            pixels of spacing ``d``: ``d * max(rows, cols) / 224`` (rendering pads to a square).
            None: a product's own spacing (its grid and CRS; see
            :class:`insar_hf.inference.inputs.ModelInput`), else magnitude and depth from the plain
            heads (see the module docstring).
        kind, units, wavelength_m
            For array input (and plain GeoTIFFs), as in ``Detector.predict``.
        batch_size
            Inputs per forward pass.

        Returns
        -------
        SourceEstimate or list[SourceEstimate]
            A list when ``x`` is a list or tuple. ``seconds`` is the wall time per input
            (preparation, network and decoding of its batch, shared equally).
        """
        single, items = input_list(x, batch_size, "estimate")
        px = _pixel_spacings(pixel_m, len(items))
        results: list[SourceEstimate] = []
        for start in range(0, len(items), batch_size):
            t0 = time.perf_counter()
            chunk = items[start : start + batch_size]
            prepared = [
                prepare_input(
                    item, kind=kind, units=units, wavelength_m=wavelength_m, size=self.image_size
                )
                for item in chunk
            ]
            images = [p.image for p in prepared]
            chunk_px = px[start : start + len(chunk)].copy()
            for i, p in enumerate(prepared):  # a product knows its own spacing
                if not np.isfinite(chunk_px[i]) and p.pixel_m is not None:
                    chunk_px[i] = p.pixel_m
            fields = self.decode_images(images, chunk_px, batch_size=batch_size)
            seconds = (time.perf_counter() - t0) / len(chunk)
            for i in range(len(chunk)):
                known = bool(np.isfinite(chunk_px[i]))
                results.append(
                    SourceEstimate(
                        **{name: float(fields[name][i]) for name in SOURCE_FIELDS},
                        mechanism=str(fields["mechanism"][i]),
                        method="network",
                        seconds=seconds,
                        sigma=self.scaling.sigma(known),
                        pixel_m=float(chunk_px[i]),
                    )
                )
        return results[0] if single else results
