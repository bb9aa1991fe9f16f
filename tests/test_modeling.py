"""insar_hf.model.presets: presets, init_from, image processor, Auto classes and pipeline agree."""

import json

import numpy as np
import pytest
import torch
from datasets import ClassLabel
from PIL import Image

from insar_hf.model.presets import (
    build_config,
    build_image_processor,
    build_model,
    labels_from_class_label,
    load_model,
    pixel_values_from_images,
    predict_proba,
)

LABELS = ClassLabel(names=["no_earthquake", "earthquake"])
ID2LABEL, LABEL2ID = labels_from_class_label(LABELS)


def _images(rng, n=3, size=224):
    return [rng.integers(0, 256, (size, size, 3), dtype=np.uint8) for _ in range(n)]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A saved micro model + processor, as training writes it."""
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("ckpt")
    build_model("vit-micro", id2label=ID2LABEL, label2id=LABEL2ID).save_pretrained(path)
    build_image_processor().save_pretrained(path)
    return path


@pytest.mark.parametrize(
    "preset, dims",
    [
        ("vit-base-patch16-224", (768, 12, 12, 3072)),
        ("vit-small", (384, 12, 6, 1536)),
        ("vit-tiny", (192, 12, 3, 768)),
        ("vit-micro", (32, 2, 4, 64)),
    ],
)
def test_preset_dimensions_and_patch_grid(preset, dims):
    c = build_config(preset, id2label=ID2LABEL, label2id=LABEL2ID)
    got = (c.hidden_size, c.num_hidden_layers, c.num_attention_heads, c.intermediate_size)
    assert got == dims and (c.image_size, c.patch_size) == (224, 16)


def test_vit_b16_has_86m_parameters_like_the_paper():
    with torch.device("meta"):
        model = build_model("vit-base-patch16-224", id2label=ID2LABEL, label2id=LABEL2ID)
    n = sum(p.numel() for p in model.parameters())
    assert 85.5e6 < n < 86.5e6  # ViT-B/16 backbone 85.8 M + a 2-class head


def test_micro_forward_gives_finite_logits_and_197_tokens():
    model = build_model("vit-micro", id2label=ID2LABEL, label2id=LABEL2ID).eval()
    out = model(pixel_values=torch.randn(2, 3, 224, 224), output_hidden_states=True)
    assert out.logits.shape == (2, 2) and torch.isfinite(out.logits).all()
    assert out.hidden_states[-1].shape == (2, 197, 32)  # 14 x 14 patches + [CLS]


def test_labels_come_from_the_class_label():
    model = build_model("vit-micro", id2label=ID2LABEL, label2id=LABEL2ID)
    assert model.config.id2label == {0: "no_earthquake", 1: "earthquake"}
    assert model.config.label2id == {"no_earthquake": 0, "earthquake": 1}


def test_unknown_preset_names_the_choices():
    with pytest.raises(ValueError, match=r"unknown preset 'vit-huge'; choose one of \['vit-base"):
        build_config("vit-huge", id2label=ID2LABEL, label2id=LABEL2ID)


def test_inconsistent_label_maps_are_refused():
    with pytest.raises(ValueError, match="are not inverse mappings"):
        build_model("vit-micro", id2label=ID2LABEL, label2id={"no_earthquake": 1, "earthquake": 0})


def test_init_from_loads_backbone_and_reinitialises_a_head_of_other_size(tmp_path):
    torch.manual_seed(1)
    three = {0: "a", 1: "b", 2: "c"}
    donor = build_model("vit-micro", id2label=three, label2id={v: k for k, v in three.items()})
    donor.save_pretrained(tmp_path)
    model = build_model("vit-tiny", id2label=ID2LABEL, label2id=LABEL2ID, init_from=str(tmp_path))
    assert model.config.hidden_size == 32  # the checkpoint's architecture, not the preset's
    assert model.classifier.weight.shape == (2, 32)
    torch.testing.assert_close(
        model.vit.embeddings.patch_embeddings.projection.weight,
        donor.vit.embeddings.patch_embeddings.projection.weight,
    )
    torch.testing.assert_close(model.vit.layernorm.weight, donor.vit.layernorm.weight)


def test_init_from_reinitialises_a_head_of_the_same_size(checkpoint):
    donor = load_model(str(checkpoint))
    torch.manual_seed(2)
    model = build_model(
        "vit-micro", id2label=ID2LABEL, label2id=LABEL2ID, init_from=str(checkpoint)
    )
    assert not torch.equal(model.classifier.weight, donor.classifier.weight)
    assert torch.count_nonzero(model.classifier.bias) == 0


def test_keep_classifier_keeps_the_head_of_our_own_checkpoint(checkpoint):
    donor = load_model(str(checkpoint))
    model = build_model(
        "vit-micro",
        id2label=ID2LABEL,
        label2id=LABEL2ID,
        init_from=str(checkpoint),
        keep_classifier=True,
    )
    torch.testing.assert_close(model.classifier.weight, donor.classifier.weight)
    torch.testing.assert_close(model.classifier.bias, donor.classifier.bias)


def test_keep_classifier_refuses_a_checkpoint_with_other_labels(tmp_path):
    three = {0: "a", 1: "b", 2: "c"}
    build_model(
        "vit-micro", id2label=three, label2id={v: k for k, v in three.items()}
    ).save_pretrained(tmp_path)
    with pytest.raises(ValueError, match="--keep_classifier needs .* to have our labels"):
        build_model(
            "vit-micro",
            id2label=ID2LABEL,
            label2id=LABEL2ID,
            init_from=str(tmp_path),
            keep_classifier=True,
        )


def test_our_preprocessing_equals_the_image_processor(rng):
    images = _images(rng)
    ours = pixel_values_from_images(images)
    theirs = build_image_processor()(
        images=[Image.fromarray(im) for im in images], return_tensors="pt"
    )
    torch.testing.assert_close(ours, theirs["pixel_values"], rtol=0, atol=1e-6)
    assert ours.min() >= -1 and ours.max() <= 1


def test_our_preprocessing_resizes_like_the_processor(rng):
    image = Image.fromarray(rng.integers(0, 256, (300, 250, 3), dtype=np.uint8))
    ours = pixel_values_from_images([image])
    theirs = build_image_processor()(images=[image], return_tensors="pt")["pixel_values"]
    torch.testing.assert_close(ours, theirs, rtol=0, atol=1e-6)


def test_processor_config_is_mean_std_one_half(checkpoint):
    cfg = json.loads((checkpoint / "preprocessor_config.json").read_text())
    assert cfg["image_mean"] == [0.5] * 3 and cfg["image_std"] == [0.5] * 3
    assert cfg["size"] == {"height": 224, "width": 224}


def test_auto_classes_give_our_probabilities(checkpoint, rng):
    from transformers import AutoImageProcessor, AutoModelForImageClassification

    images = _images(rng)
    ours = predict_proba(load_model(str(checkpoint)), images)
    processor = AutoImageProcessor.from_pretrained(checkpoint)
    model = AutoModelForImageClassification.from_pretrained(checkpoint).eval()
    with torch.inference_mode():
        x = processor(images=[Image.fromarray(im) for im in images], return_tensors="pt")
        theirs = model(**x).logits.softmax(-1).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)


def test_pipeline_gives_our_probabilities(checkpoint, rng):
    from transformers import pipeline

    images = _images(rng, n=2)
    ours = predict_proba(load_model(str(checkpoint)), images)
    clf = pipeline("image-classification", model=str(checkpoint), device="cpu")
    for im, p in zip(images, ours):
        scores = {d["label"]: d["score"] for d in clf(Image.fromarray(im), top_k=None)}
        np.testing.assert_allclose([scores["no_earthquake"], scores["earthquake"]], p, atol=1e-5)


def test_load_model_is_eager_and_returns_attentions(checkpoint):
    model = load_model(str(checkpoint))
    out = model(pixel_values=torch.zeros(1, 3, 224, 224), output_attentions=True)
    assert model.config._attn_implementation == "eager"
    assert len(out.attentions) == 2 and out.attentions[0].shape == (1, 4, 197, 197)


def test_attention_implementation_is_not_saved_in_config(checkpoint):
    assert "attn_implementation" not in (checkpoint / "config.json").read_text()
