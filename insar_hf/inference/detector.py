"""One inference API: :class:`Detector` turns interferograms into verdicts, attention maps and boxes.

``Detector.from_pretrained(folder_or_repo_id)`` loads a ViT classifier on the eager attention
path (attention weights exist only there) together with its image processor and its
calibration (:mod:`insar_hf.model.calibration`); with no argument it loads the packaged default
model (:mod:`insar_hf.model.default`). ``predict`` accepts
a PIL image, an image or product path, or a 2-D phase / displacement array with its ``kind``
(:mod:`insar_hf.inference.inputs` says how each becomes the model input), or a list of these
(batched), and returns a :class:`Prediction`. ``scan`` slides the window over a whole frame and
returns a :class:`ScanResult`. Pictures of the explanation are drawn by
:mod:`insar_hf.inference.overlay`.

Example
-------
>>> from insar_hf import Detector
>>> det = Detector.from_pretrained()          # the default model  # doctest: +SKIP
>>> result = det.predict("scene.png")                            # doctest: +SKIP
>>> result.label, round(result.probability, 3), result.boxes[:1]  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from insar_hf.inference.attention import cls_attention_maps, normalise_map, upsample_map
from insar_hf.inference.boxes import boxes_from_map, boxes_to_map_coordinates
from insar_hf.inference.explain import MapSettings, explain
from insar_hf.inference.inputs import (
    check_field,
    input_list,
    is_judgeable,
    prepare_input,
    read_frame,
    render_phase,
)
from insar_hf.inference.map_choice import MapChoice, load_map_choice
from insar_hf.inference.prediction import Prediction, ScanResult
from insar_hf.model.calibration import Calibration, load_calibration
from insar_hf.model.default import default_model_path
from insar_hf.model.presets import build_image_processor, load_model, preset_name
from insar_hf.schema import IMAGE_SIZE, POSITIVE_LABEL

__all__ = ["Detector", "Prediction", "ScanResult"]


class Detector:
    """ViT earthquake detector with attention explanations.

    Parameters
    ----------
    model
        A ``ViTForImageClassification`` (any ``*ForImageClassification`` whose attentions have a
        [CLS] token and a square patch grid). Switched to eager attention if needed.
    image_processor
        The matching image processor (resizing and normalisation).
    device
        ``"cpu"``, ``"cuda"``, ... (default: CUDA when available).
    calibration
        Temperature and decision threshold (:class:`~insar_hf.model.calibration.Calibration`);
        None: ``T = 1`` and the argmax verdict.
    map_choice
        Default explanation map and box threshold
        (:class:`~insar_hf.inference.map_choice.MapChoice`, chosen on validation).
    name
        What to call the model (default: the folder or Hub id it was loaded from);
        :meth:`from_pretrained` takes ``model_name`` of its ``training_config.json``.
    """

    def __init__(
        self,
        model: Any,
        image_processor: Any,
        *,
        device: str | None = None,
        calibration: Calibration | None = None,
        map_choice: MapChoice | None = None,
        name: str | None = None,
    ):
        if device is None:
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if getattr(model.config, "_attn_implementation", "eager") != "eager":
            model.set_attn_implementation("eager")
        self.model = model.to(device).eval()
        self.image_processor = image_processor
        self.device = device
        id2label = {int(k): v for k, v in model.config.id2label.items()}
        self.labels = [id2label[i] for i in range(len(id2label))]
        if POSITIVE_LABEL in self.labels:
            self.positive_index = self.labels.index(POSITIVE_LABEL)
        elif len(self.labels) == 2:
            self.positive_index = 1
        else:
            raise ValueError(
                f"model labels {self.labels} have no {POSITIVE_LABEL!r} class; train with "
                "id2label from the dataset's ClassLabel"
            )
        image_size = getattr(model.config, "image_size", 224)
        self.image_size = int(image_size if isinstance(image_size, int) else image_size[0])
        self.calibration = calibration
        self.temperature = calibration.temperature if calibration else 1.0
        self.decision_threshold = calibration.threshold if calibration else 0.5
        self.map_choice = MapChoice() if map_choice is None else map_choice
        self.name = name or getattr(model.config, "_name_or_path", "") or type(model).__name__

    def __repr__(self) -> str:
        preset = preset_name(self.model.config) or (
            f"custom: hidden {self.model.config.hidden_size}, "
            f"{self.model.config.num_hidden_layers} layers"
        )
        rule = (
            f"P(earthquake) >= {self.decision_threshold:.4f} (calibrated, T = "
            f"{self.temperature:.3f})"
            if self.calibration
            else "argmax (uncalibrated)"
        )
        choice = self.map_choice
        return (
            f"Detector(model={self.name!r}, preset={preset!r}, verdict: {rule}, "
            f"map={choice.method!r} with box level {choice.box_threshold}, device={self.device!r})"
        )

    @classmethod
    def from_pretrained(
        cls, path_or_repo_id: str | os.PathLike | None = None, device: str | None = None
    ):
        """Load model, image processor and calibration from a folder or Hub id (eager attention).

        ``None`` loads the packaged default model
        (:func:`insar_hf.model.default.default_model_path`).
        A checkpoint without ``preprocessor_config.json`` gets
        :func:`insar_hf.model.presets.build_image_processor` (the processor every checkpoint is
        trained with); one without ``calibration.json`` keeps ``T = 1`` and the argmax verdict;
        ``localisation.json`` (:mod:`insar_hf.inference.map_choice`) sets the default map.
        A missing folder or unknown Hub id raises
        :class:`~insar_hf.model.checkpoint.ModelSourceError` before anything is downloaded.
        """
        from transformers import AutoImageProcessor

        source = default_model_path() if path_or_repo_id is None else path_or_repo_id
        model = load_model(source, attn_implementation="eager")
        name = str(source)
        config_file = Path(source) / "training_config.json"  # written by the training recipe
        if config_file.is_file():
            name = json.loads(config_file.read_text()).get("model_name") or name
        try:
            processor = AutoImageProcessor.from_pretrained(str(source))
        except OSError:
            processor = build_image_processor()
        return cls(
            model,
            processor,
            device=device,
            calibration=load_calibration(source),
            map_choice=load_map_choice(source),
            name=name,
        )

    def verdict(self, probabilities: Sequence[float]) -> str:
        """The class name for one row of probabilities: ``p >= threshold`` when calibrated."""
        if self.calibration is None:
            return self.labels[int(np.argmax(probabilities))]
        if probabilities[self.positive_index] >= self.decision_threshold:
            return self.labels[self.positive_index]
        others = [i for i in range(len(self.labels)) if i != self.positive_index]
        return self.labels[max(others, key=lambda i: probabilities[i])]

    # ---------------------------------------------------------------- model
    def settings(self, method: str | None = None, **overrides: Any) -> MapSettings:
        """:class:`MapSettings` of ``method`` (default: the model's chosen method)."""
        return MapSettings(method=method or self.map_choice.method, **overrides)

    def explain(self, images: Sequence[Any], settings: MapSettings | None = None):
        """Probabilities ``(B, C)``, attentions (``L`` x ``(B, H, T, T)``) and maps ``(B, S, S)``.

        ``images`` are RGB PIL images (the model input; no validation here). The maps are made
        by :func:`insar_hf.inference.explain.explain` with ``settings`` (default: the model's
        chosen method), upsampled to the input size and normalised to [0, 1]. All on the CPU.
        """
        inputs = self.image_processor(images=list(images), return_tensors="pt")
        pixel_values = inputs["pixel_values"].to(self.device)  # (B, 3, S, S)
        out = explain(
            self.model,
            pixel_values,
            self.settings() if settings is None else settings,
            positive_index=self.positive_index,
            temperature=self.temperature,
            image_processor=self.image_processor,
        )
        maps = normalise_map(upsample_map(out.maps, self.image_size))  # (B, S, S)
        return out.probabilities, out.attentions, maps

    def predict(
        self,
        x: Any,
        *,
        kind: str | None = None,
        units: str = "rad",
        wavelength_m: float | None = None,
        method: str | None = None,
        head_fusion: str = "mean",
        layer: int | None = None,
        threshold: float | None = None,
        batch_size: int = 16,
    ) -> Prediction | list[Prediction]:
        """Classify one input (or a list, batched) and explain it with attention.

        Parameters
        ----------
        x
            PIL image, image or product path, 2-D array, or a list of those (also a
            :class:`~insar_hf.inference.inputs.ModelInput` made at the model's size by
            :func:`~insar_hf.inference.inputs.prepare_input`, as ``insar-hf predict`` does).
        kind, units, wavelength_m
            For array input (and plain GeoTIFFs): ``"wrapped"`` / ``"unwrapped"``; a product
            knows its own kind, which ``kind`` overrides. ``"rad"`` (phase) or ``"m"`` (LOS
            displacement, positive away from the satellite) with the radar wavelength.
        method, head_fusion, layer
            The explanation map, one of :data:`insar_hf.inference.explain.MAP_METHODS` (default:
            the model's choice, :attr:`map_choice`); heads fused by ``"mean"``, ``"max"`` or
            ``"min"``; ``layer`` the last layer of rollout or the single layer of ``"layer"``.
        threshold
            Relative level of the map for boxes (default: the model's validation-chosen level;
            see :func:`insar_hf.inference.boxes.boxes_from_map`).
        batch_size
            Inputs per forward pass.

        Returns
        -------
        Prediction or list[Prediction]
            A list when ``x`` is a list or tuple.
        """
        single, items = input_list(x, batch_size, "predict")
        prepared = [
            prepare_input(
                item, kind=kind, units=units, wavelength_m=wavelength_m, size=self.image_size
            )
            for item in items
        ]
        settings = self.settings(method, head_fusion=head_fusion, layer=layer)
        threshold = self.map_choice.level(settings.method) if threshold is None else threshold
        results: list[Prediction] = []
        for start in range(0, len(prepared), batch_size):
            chunk = prepared[start : start + batch_size]
            probs, attentions, maps = self.explain([p.image for p in chunk], settings)
            head_maps = cls_attention_maps(attentions).numpy()  # (B, L, H, g, g)
            for i, item in enumerate(chunk):
                boxes = boxes_from_map(maps[i], threshold=threshold)
                map_boxes = None
                if item.geotransform is not None:
                    map_boxes = boxes_to_map_coordinates(
                        boxes,
                        item.geotransform,
                        image_shape=(self.image_size, self.image_size),
                        source_shape=item.source_shape,
                    )
                p = probs[i].tolist()
                results.append(
                    Prediction(
                        label=self.verdict(p),
                        probability=float(p[self.positive_index]),
                        probabilities={name: float(v) for name, v in zip(self.labels, p)},
                        head_maps=head_maps[i],
                        combined_map=maps[i],
                        boxes=boxes,
                        image=item.image,
                        map_boxes=map_boxes,
                        source=item.source,
                        kind=item.kind,
                        pixel_m=item.pixel_m,
                        decision_threshold=self.decision_threshold,
                        calibrated=self.calibration is not None,
                    )
                )
        return results[0] if single else results

    def scan(
        self,
        product_or_array: Any,
        *,
        kind: str | None = None,
        units: str = "rad",
        wavelength_m: float | None = None,
        geotransform: Any = None,
        window: int = IMAGE_SIZE,
        stride: int | None = None,
        batch_size: int = 16,
        min_probability: float | None = None,
        method: str | None = None,
        head_fusion: str = "mean",
        threshold: float | None = None,
        progress: bool = True,
    ) -> ScanResult:
        """Slide a ``window`` over a whole frame; probability map, explanation map and boxes.

        Each window of ``window x window`` frame pixels is rendered on its own (its own
        colour scaling for unwrapped phase) and classified; windows overlap by
        ``window - stride``. The last row / column of windows is aligned with the frame edge so
        that every pixel is covered. The frame's explanation map is the mean, over the windows
        covering a pixel, of each window's probability times its normalised ``method`` map. The
        boxes are :func:`~insar_hf.inference.boxes.boxes_from_map` of that map with only the
        windows at or above ``min_probability`` (default: the decision threshold,
        :attr:`decision_threshold`) counted, at the relative level ``threshold`` (both map and
        level by default the model's validation choice): tight boxes around the frame's regions,
        none over half the frame unless the map is flat there, each scored by the largest
        probability x map inside it.

        Parameters
        ----------
        product_or_array
            A product path (see :func:`insar_hf.products.is_product_path`; its own kind unless
            ``kind`` is given) or a 2-D array with ``kind``.
        geotransform
            For array input: GDAL 6-tuple or ``affine.Affine`` of the frame (products carry
            their own).
        window, stride
            In frame pixels; ``stride`` defaults to ``window // 2``.

        Returns
        -------
        ScanResult
        """
        if isinstance(product_or_array, (str, os.PathLike)):
            phase, kind, product_gt = read_frame(product_or_array, kind)
            geotransform = product_gt if geotransform is None else geotransform
        else:
            phase = check_field(product_or_array, kind, units, wavelength_m)
        if window < 16:
            raise ValueError(f"window must be >= 16 pixels; got {window}")
        stride = window // 2 if stride is None else stride
        if not 0 < stride <= window:
            raise ValueError(f"stride must lie in (0, window={window}]; got {stride}")
        if min_probability is None:
            min_probability = self.decision_threshold
        settings = self.settings(method, head_fusion=head_fusion)
        threshold = self.map_choice.level(settings.method) if threshold is None else threshold
        rows, cols = phase.shape
        win_r, win_c = min(window, rows), min(window, cols)

        def starts(n: int, w: int) -> list[int]:
            last = n - w
            return sorted({*range(0, last + 1, stride), last})

        origins = [(r, c) for r in starts(rows, win_r) for c in starts(cols, win_c)]
        total = np.zeros((rows, cols), dtype=np.float32)
        heat = np.zeros((rows, cols), dtype=np.float32)
        flagged = np.zeros((rows, cols), dtype=np.float32)  # heat of the windows that count
        count = np.zeros((rows, cols), dtype=np.float32)
        window_probs = np.empty(len(origins), dtype=np.float32)
        bar = tqdm(total=len(origins), desc="scan", unit="window", disable=not progress)
        for start in range(0, len(origins), batch_size):
            chunk = origins[start : start + batch_size]
            images = []
            for r, c in chunk:
                tile = phase[r : r + win_r, c : c + win_c]
                judged = is_judgeable(np.isfinite(tile))
                images.append(render_phase(tile, kind, self.image_size) if judged else None)
            valid = [i for i, im in enumerate(images) if im is not None]
            probs = torch.full((len(chunk),), math.nan)
            maps = None
            if valid:
                p, _, maps = self.explain([images[i] for i in valid], settings)  # (V, S, S)
                probs[valid] = p[:, self.positive_index]
            for k, (r, c) in enumerate(chunk):
                prob = float(probs[k])
                window_probs[start + k] = prob
                if k in valid:
                    total[r : r + win_r, c : c + win_c] += prob
                    count[r : r + win_r, c : c + win_c] += 1.0
                    window_map = prob * upsample_map(maps[valid.index(k)], (win_r, win_c))
                    heat[r : r + win_r, c : c + win_c] += window_map
                    if prob >= min_probability:
                        flagged[r : r + win_r, c : c + win_c] += window_map
            bar.update(len(chunk))
        bar.close()
        evidence = np.divide(flagged, count, out=np.zeros_like(flagged), where=count > 0)
        peak = float(evidence.max())
        boxes = [  # scored in probability x map, comparable between frames
            replace(b, score=b.score * peak)
            for b in boxes_from_map(evidence, threshold=threshold, max_boxes=None)
        ]
        map_boxes = None
        if geotransform is not None:
            # frame-pixel boxes: the identity (a "pad" fit would shift a non-square frame's rows)
            map_boxes = boxes_to_map_coordinates(
                boxes, geotransform, image_shape=(rows, cols), fit="stretch"
            )
        with np.errstate(invalid="ignore"):  # 0 / 0 = NaN where no judged window
            probability = total / count
            attention = heat / count
        return ScanResult(
            probability=probability,
            attention=attention,
            window_origins=origins,
            window_probabilities=window_probs,
            boxes=boxes,
            map_boxes=map_boxes,
            window=window,
            geotransform=geotransform,
            kind=kind,
            min_probability=min_probability,
        )
