"""Detector: verdicts equal the model's own outputs, maps its attention, boxes the map."""

import json
import shutil

import numpy as np
import pytest
import torch
from matplotlib import colormaps
from PIL import Image
from real_fixtures import quiet_los_m, write_binary, write_licsar

from insar_hf.inference.attention import attention_rollout, normalise_map, upsample_map
from insar_hf.inference.boxes import Box
from insar_hf.inference.detector import Detector, Prediction
from insar_hf.inference.inputs import read_frame
from insar_hf.inference.overlay import draw_overlay, head_map_gallery
from insar_hf.model.presets import pixel_values_from_images
from insar_hf.physics.los import phase_from_los_rad
from insar_hf.render import render_interferogram

LABELS = {0: "no_earthquake", 1: "earthquake"}
THRESHOLD = 0.5
# The LiCSAR fixture's grid: 150 x 260 pixels of 0.001 degrees from (37.0 E, 37.5 N).
LICSAR_SHAPE = (150, 260)
LON0, LAT0, STEP = 37.0, 37.5, 0.001


def _save_tiny_vit(folder, *, layers: int = 2, heads: int = 4, mlp: int = 37):
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    config = ViTConfig(
        image_size=224,
        patch_size=16,
        hidden_size=32,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=mlp,
        id2label=LABELS,
        label2id={v: k for k, v in LABELS.items()},
    )
    torch.manual_seed(0)
    ViTForImageClassification(config).save_pretrained(folder)
    ViTImageProcessor().save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    return _save_tiny_vit(tmp_path_factory.mktemp("tiny-vit"))


@pytest.fixture(scope="module")
def detector(model_dir):
    return Detector.from_pretrained(model_dir, device="cpu")


@pytest.fixture(scope="module")
def phase():
    rows, cols = np.mgrid[0:224, 0:224]
    return (0.002 * ((rows - 80.0) ** 2 + (cols - 150.0) ** 2)).astype(np.float32)


@pytest.fixture(scope="module")
def prediction(detector, phase):
    return detector.predict(phase, kind="wrapped")


def _noise_image(seed):
    """A non-constant RGB image (constant ones are refused as holding no signal)."""
    rgb = np.random.default_rng(seed).integers(1, 256, size=(224, 224, 3), dtype=np.uint8)
    return Image.fromarray(rgb)


def _model_outputs(detector, image):
    """Logits (C,) and attentions (L x (1, H, T, T)) of the model, without the Detector."""
    pixels = pixel_values_from_images([image])  # (1, 3, 224, 224)
    with torch.inference_mode():
        out = detector.model(pixel_values=pixels, output_attentions=True)
    return out.logits[0], out.attentions


# ------------------------------------------------------------------ loading


def test_from_pretrained_uses_eager_attention(detector):
    assert detector.model.config._attn_implementation == "eager"


def test_sdpa_model_is_switched_to_eager(model_dir):
    from transformers import AutoImageProcessor, ViTForImageClassification

    model = ViTForImageClassification.from_pretrained(model_dir, attn_implementation="sdpa")
    det = Detector(model, AutoImageProcessor.from_pretrained(model_dir), device="cpu")
    assert det.model.config._attn_implementation == "eager"
    assert det.predict(_noise_image(1)).head_maps.shape[0] == 2


def test_checkpoint_without_processor_config_gets_the_canonical_processor(model_dir, tmp_path):
    folder = tmp_path / "no-processor"
    shutil.copytree(model_dir, folder)
    (folder / "preprocessor_config.json").unlink()
    det = Detector.from_pretrained(folder, device="cpu")
    image = _noise_image(2)
    expected = Detector.from_pretrained(model_dir, device="cpu").predict(image).probability
    assert det.predict(image).probability == pytest.approx(expected, abs=1e-6)


# ------------------------------------------------------------------ verdict


def test_prediction_has_the_documented_shapes(prediction):
    assert isinstance(prediction, Prediction)
    assert prediction.head_maps.shape == (2, 4, 14, 14)  # (layers, heads, g, g)
    assert prediction.combined_map.shape == (224, 224)


def test_probabilities_are_the_softmax_of_the_models_logits(detector, phase):
    logits, _ = _model_outputs(detector, render_interferogram(phase, "unwrapped"))
    expected = torch.softmax(logits, dim=-1).numpy()
    result = detector.predict(phase, kind="unwrapped")
    got = [result.probabilities[LABELS[i]] for i in range(2)]
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_probabilities_sum_to_one(prediction):
    assert sum(prediction.probabilities.values()) == pytest.approx(1.0, abs=1e-6)


def test_probability_is_that_of_the_earthquake_class(prediction):
    assert prediction.probability == prediction.probabilities["earthquake"]


def test_label_is_the_most_probable_class(prediction):
    assert prediction.label == max(prediction.probabilities, key=prediction.probabilities.get)


def test_pipeline_agrees_with_detector_probabilities(model_dir, detector, phase):
    from transformers import pipeline

    image = render_interferogram(phase, "wrapped")
    scores = pipeline("image-classification", model=str(model_dir), device="cpu")(image)
    expected = {s["label"]: s["score"] for s in scores}
    got = detector.predict(image).probabilities
    assert got == pytest.approx(expected, abs=1e-5)


# ------------------------------------------------------------------ maps


def test_head_maps_equal_the_models_cls_attention(detector, phase):
    image = render_interferogram(phase, "wrapped")
    _, att = _model_outputs(detector, image)
    expected = torch.stack([a[0, :, 0, 1:] for a in att]).reshape(2, 4, 14, 14).numpy()
    np.testing.assert_allclose(detector.predict(image).head_maps, expected, atol=1e-6)


def test_combined_map_is_the_rollout_of_the_models_own_attentions(detector, phase):
    image = render_interferogram(phase, "wrapped")
    _, att = _model_outputs(detector, image)
    cls_row = attention_rollout(att)[0, 0, 1:].reshape(14, 14)  # [CLS] row, patches only
    expected = normalise_map(upsample_map(cls_row, 224))
    got = detector.predict(image, method="rollout").combined_map
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_layer_map_is_the_head_mean_cls_attention_of_that_layer(detector, phase):
    image = render_interferogram(phase, "wrapped")
    _, att = _model_outputs(detector, image)
    cls_row = att[0][0, :, 0, 1:].mean(dim=0).reshape(14, 14)  # layer 0, mean over heads
    expected = normalise_map(upsample_map(cls_row, 224))
    got = detector.predict(image, method="layer", layer=0).combined_map
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_combined_map_spans_zero_to_one(prediction):
    assert prediction.combined_map.min() == 0.0
    assert prediction.combined_map.max() == pytest.approx(1.0)


# ------------------------------------------------------------------ boxes


def test_every_box_is_tight_around_map_pixels_above_the_threshold(prediction):
    above = prediction.combined_map >= THRESHOLD
    assert prediction.boxes
    for b in prediction.boxes:
        inside = above[b.y_min : b.y_max, b.x_min : b.x_max]
        edges = (inside[0], inside[-1], inside[:, 0], inside[:, -1])
        assert all(edge.any() for edge in edges), b


def test_boxes_are_sorted_best_first(prediction):
    scores = [b.score for b in prediction.boxes]
    assert scores == sorted(scores, reverse=True)


# ------------------------------------------------------------------ inputs


def test_array_input_equals_its_rendered_image(detector, phase):
    from_array = detector.predict(phase, kind="wrapped")
    from_image = detector.predict(render_interferogram(phase, "wrapped"))
    assert from_array.probabilities == pytest.approx(from_image.probabilities, abs=1e-6)


def test_image_path_equals_pil_image(detector, phase, tmp_path):
    image = render_interferogram(phase, "unwrapped")
    image.save(tmp_path / "scene.png")
    assert detector.predict(tmp_path / "scene.png").probabilities == pytest.approx(
        detector.predict(image).probabilities, abs=1e-6
    )


def test_batched_probabilities_equal_one_by_one(detector, phase):
    inputs = [phase, -phase, phase.T]
    batched = detector.predict(inputs, kind="wrapped", batch_size=2)
    single = [detector.predict(x, kind="wrapped") for x in inputs]
    got = [r.probabilities["earthquake"] for r in batched]
    np.testing.assert_allclose(got, [r.probability for r in single], atol=1e-5)


def test_batched_maps_equal_one_by_one(detector, phase):
    inputs = [phase, -phase, phase.T]
    batched = detector.predict(inputs, kind="wrapped", batch_size=2)
    for x, result in zip(inputs, batched):
        single = detector.predict(x, kind="wrapped")
        np.testing.assert_allclose(result.head_maps, single.head_maps, atol=1e-5)
        np.testing.assert_allclose(result.combined_map, single.combined_map, atol=1e-4)


def test_metres_input_equals_phase_input_converted_by_phase_from_los_rad(detector):
    wavelength_m = 0.0555
    los_m = quiet_los_m((224, 224), np.random.default_rng(5), rms_m=0.01)
    in_m = detector.predict(los_m, kind="unwrapped", units="m", wavelength_m=wavelength_m)
    phase_rad = phase_from_los_rad(los_m, wavelength_m)
    in_rad = detector.predict(phase_rad, kind="unwrapped")
    np.testing.assert_array_equal(np.asarray(in_m.image), np.asarray(in_rad.image))
    assert in_m.probabilities == in_rad.probabilities


def test_metres_input_uses_the_phase_convention(detector, phase):
    # phase = -4 pi / wavelength * los: motion away from the satellite is negative phase
    wavelength_m = 0.0555
    los_m = -phase * wavelength_m / (4 * np.pi)
    in_m = detector.predict(los_m, kind="unwrapped", units="m", wavelength_m=wavelength_m)
    in_rad = detector.predict(phase, kind="unwrapped")
    assert in_m.probability == pytest.approx(in_rad.probability, abs=1e-5)


@pytest.mark.parametrize(
    "x,kwargs,message",
    [
        (np.zeros((4, 4, 3)), {"kind": "wrapped"}, "must be 2-D"),
        (np.full((8, 8), np.nan), {"kind": "wrapped"}, "no finite value"),
        (np.zeros((8, 8)), {"kind": "interferogram"}, "kind must be one of"),
        (np.zeros((8, 8)), {"kind": "wrapped", "units": "m"}, "wavelength_m"),
        (np.zeros((0, 8)), {"kind": "wrapped"}, "empty"),
        (Image.new("L", (224, 224)), {}, "hold data"),  # grey 0 everywhere: a frame edge
        (Image.new("I;16", (224, 224)), {}, "16-bit"),
        (3.5, {}, "cannot predict on float"),
    ],
)
def test_bad_input_gets_a_clear_error(detector, x, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        detector.predict(x, **kwargs)


def test_unsupported_and_unreadable_files_are_rejected(detector, tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "broken.png").write_bytes(b"not a png at all")
    with pytest.raises(ValueError, match="unsupported file type '.txt'"):
        detector.predict(tmp_path / "notes.txt")
    with pytest.raises(ValueError, match="not a readable PNG/JPEG image"):
        detector.predict(tmp_path / "broken.png")
    with pytest.raises(FileNotFoundError, match="no such file"):
        detector.predict(tmp_path / "missing.png")


def test_a_suffix_that_no_reader_handles_is_an_unsupported_file_type(detector, tmp_path):
    (tmp_path / "frame.r4").write_bytes(b"\0" * 16)
    with pytest.raises(ValueError, match=r"unsupported file type '\.r4'.*\.tif, \.unw"):
        detector.predict(tmp_path / "frame.r4")


def test_a_binary_par_header_is_read_as_its_product(detector, tmp_path):
    los_m = quiet_los_m((120, 120), np.random.default_rng(4))
    par = write_binary(tmp_path, "20230120_20230213", los_m)
    from_par = detector.predict(par, kind="unwrapped")
    from_unw = detector.predict(par.with_suffix(".unw"), kind="unwrapped")
    assert from_par.probabilities == from_unw.probabilities


def test_enormous_image_is_refused_before_decoding(detector, tmp_path):
    Image.new("1", (8000, 6000)).save(tmp_path / "huge.png")
    with pytest.raises(ValueError, match="8000 x 6000 pixels is too large"):
        detector.predict(tmp_path / "huge.png")


# ------------------------------------------------------------------ georeferenced input


@pytest.fixture
def licsar_unw(tmp_path):
    los_m = quiet_los_m(LICSAR_SHAPE, np.random.default_rng(3))
    folder = write_licsar(tmp_path, "20230120", "20230213", los_m, with_enu=False)
    return folder / "20230120_20230213.geo.unw.tif"


def test_product_path_equals_its_phase_array(detector, licsar_unw):
    phase, _, _ = read_frame(licsar_unw, "unwrapped")
    from_path = detector.predict(licsar_unw, kind="unwrapped")
    from_array = detector.predict(phase, kind="unwrapped")
    assert from_path.probability == pytest.approx(from_array.probability, abs=1e-6)


def test_product_map_boxes_are_its_pixel_boxes_through_the_geotransform(detector, licsar_unw):
    # The 150 x 260 frame is centred on a 260 x 260 square (55 no-data rows above), then scaled
    # to 224: image pixel p is frame pixel p * 260 / 224 - offset, clipped to the frame.
    rows, cols = LICSAR_SHAPE
    side = max(rows, cols)
    off_r, off_c = (side - rows) // 2, (side - cols) // 2
    scale = side / 224

    def to_frame(p, offset, n):
        return min(max(p * scale - offset, 0), n)

    result = detector.predict(licsar_unw, kind="unwrapped")
    assert result.boxes and len(result.map_boxes) == len(result.boxes)
    for b, map_box in zip(result.boxes, result.map_boxes):
        c0, c1 = to_frame(b.x_min, off_c, cols), to_frame(b.x_max, off_c, cols)
        r0, r1 = to_frame(b.y_min, off_r, rows), to_frame(b.y_max, off_r, rows)
        expected = [LON0 + STEP * c0, LAT0 - STEP * r1, LON0 + STEP * c1, LAT0 - STEP * r0]
        assert map_box == pytest.approx(expected, abs=1e-9)


def test_scan_map_boxes_of_a_product_are_its_frame_boxes_through_the_geotransform(
    detector, licsar_unw
):
    result = detector.scan(licsar_unw, window=100, stride=80, min_probability=0.0, progress=False)
    assert result.probability.shape == LICSAR_SHAPE
    assert result.boxes and len(result.map_boxes) == len(result.boxes)
    for b, map_box in zip(result.boxes, result.map_boxes):
        expected = [
            LON0 + STEP * b.x_min,
            LAT0 - STEP * b.y_max,
            LON0 + STEP * b.x_max,
            LAT0 - STEP * b.y_min,
        ]
        assert map_box == pytest.approx(expected, abs=1e-9)


def test_an_unwrapped_product_is_predicted_on_its_unwrapped_phase(detector, licsar_unw):
    phase, _, _ = read_frame(licsar_unw, "unwrapped")
    result = detector.predict(licsar_unw)
    expected = detector.predict(phase, kind="unwrapped")
    assert result.kind == "unwrapped" and result.to_dict()["kind"] == "unwrapped"
    np.testing.assert_array_equal(np.asarray(result.image), np.asarray(expected.image))


def test_a_wrapped_product_file_is_predicted_on_its_wrapped_phase(detector, licsar_unw):
    wrapped = licsar_unw.with_name("20230120_20230213.geo.diff_pha.tif")
    phase, kind, _ = read_frame(wrapped)
    assert kind == "wrapped" and detector.predict(wrapped).kind == "wrapped"
    expected = detector.predict(phase, kind="wrapped")
    np.testing.assert_array_equal(
        np.asarray(detector.predict(wrapped).image), np.asarray(expected.image)
    )


def test_kind_overrides_the_products_own(detector, licsar_unw):
    result = detector.predict(licsar_unw, kind="wrapped")
    phase, _, _ = read_frame(licsar_unw, "wrapped")
    assert result.kind == "wrapped"
    np.testing.assert_array_equal(
        np.asarray(result.image), np.asarray(detector.predict(phase, kind="wrapped").image)
    )


def test_read_frame_defaults_to_the_products_kind(licsar_unw):
    assert read_frame(licsar_unw)[1] == "unwrapped"
    assert read_frame(licsar_unw.parent)[1] == "wrapped"  # the folder holds both: the default


def test_scan_of_an_unwrapped_product_scans_its_unwrapped_phase(detector, licsar_unw):
    phase, _, _ = read_frame(licsar_unw, "unwrapped")
    from_path = detector.scan(licsar_unw, window=100, stride=80, progress=False)
    from_array = detector.scan(phase, kind="unwrapped", window=100, stride=80, progress=False)
    assert from_path.kind == "unwrapped"
    np.testing.assert_allclose(
        from_path.window_probabilities, from_array.window_probabilities, atol=1e-6
    )


# ------------------------------------------------------------------ scan


@pytest.fixture(scope="module")
def frame():
    return np.random.default_rng(0).normal(size=(300, 400)).astype(np.float32)


@pytest.fixture(scope="module")
def scan(detector, frame):
    return detector.scan(frame, kind="unwrapped", window=224, stride=160, progress=False)


def test_scan_windows_step_by_the_stride_and_end_at_the_frame_edge(scan):
    assert scan.window_origins == [(0, 0), (0, 160), (0, 176), (76, 0), (76, 160), (76, 176)]


def test_scan_window_probabilities_equal_predictions_on_the_tiles(detector, frame, scan):
    tiles = [frame[r : r + 224, c : c + 224] for r, c in scan.window_origins]
    expected = [p.probability for p in detector.predict(tiles, kind="unwrapped")]
    np.testing.assert_allclose(scan.window_probabilities, expected, atol=1e-5)


def test_scan_probability_is_the_mean_over_the_covering_windows(frame, scan):
    total = np.zeros(frame.shape)
    count = np.zeros(frame.shape)
    for (r, c), p in zip(scan.window_origins, scan.window_probabilities):
        total[r : r + 224, c : c + 224] += p
        count[r : r + 224, c : c + 224] += 1
    np.testing.assert_allclose(scan.probability, total / count, rtol=1e-6)


def test_scan_map_boxes_are_its_frame_boxes_through_the_geotransform(detector):
    frame = np.random.default_rng(1).normal(size=(256, 256)).astype(np.float32)
    gt = (1000.0, 20.0, 0.0, 5000.0, 0.0, -20.0)
    result = detector.scan(
        frame, kind="wrapped", geotransform=gt, min_probability=0.0, progress=False
    )
    assert result.boxes and len(result.map_boxes) == len(result.boxes)
    for box, map_box in zip(result.boxes, result.map_boxes):
        expected = [1000 + 20 * box.x_min, 5000 - 20 * box.y_max, 1000 + 20 * box.x_max]
        assert map_box == pytest.approx([*expected, 5000 - 20 * box.y_min])


def test_scan_leaves_out_windows_with_too_little_data(detector, frame):
    holey = frame.copy()
    holey[:, :210] = np.nan  # windows at column 0: 14 of 224 columns hold data (6 % < 10 %)
    result = detector.scan(holey, kind="unwrapped", window=224, stride=160, progress=False)
    judged = [c >= 160 for _, c in result.window_origins]
    assert np.isnan(result.window_probabilities[~np.array(judged)]).all()
    assert np.isfinite(result.window_probabilities[judged]).all()
    assert (
        np.isnan(result.probability[:, :160]).all()
        and np.isfinite(result.probability[:, 160:]).all()
    )


def test_scan_boxes_lie_inside_the_frame(detector):
    frame = np.random.default_rng(1).normal(size=(256, 256)).astype(np.float32)
    result = detector.scan(frame, kind="wrapped", min_probability=0.0, progress=False)
    assert result.boxes
    for box in result.boxes:
        assert 0 <= box.x_min < box.x_max <= 256 and 0 <= box.y_min < box.y_max <= 256


def test_scan_boxes_are_the_tight_boxes_of_its_explanation_map(detector):
    from insar_hf.inference.boxes import boxes_from_map

    frame = np.random.default_rng(1).normal(size=(256, 320)).astype(np.float32)
    result = detector.scan(frame, kind="wrapped", min_probability=0.0, progress=False)
    level = detector.map_choice.level()
    expected = boxes_from_map(result.attention, threshold=level, max_boxes=None)
    assert [b.as_list() for b in result.boxes] == [b.as_list() for b in expected]
    peak = float(np.nanmax(result.attention))  # scores in probability x map
    assert [b.score for b in result.boxes] == pytest.approx([b.score * peak for b in expected])
    assert all(b.area <= 0.5 * 256 * 320 or b.flat for b in result.boxes)


def test_scan_windows_below_the_threshold_give_no_box(detector, frame):
    result = detector.scan(frame, kind="unwrapped", min_probability=1.01, progress=False)
    assert result.boxes == [] and np.isfinite(result.attention).all()


def test_repr_names_the_model_its_preset_threshold_and_map():
    det = Detector.from_pretrained(device="cpu")
    shown = repr(det)
    assert shown.startswith("Detector(model='insar-hf-default-detector', preset='vit-mini', ")
    assert f"P(earthquake) >= {det.decision_threshold:.4f} (calibrated" in shown
    assert f"map={det.map_choice.method!r} with box level {det.map_choice.box_threshold}" in shown


def test_repr_of_a_model_of_no_preset_says_its_size(detector, model_dir):
    assert f"model={str(model_dir)!r}, preset='custom: hidden 32, 2 layers'" in repr(detector)
    assert "verdict: argmax (uncalibrated)" in repr(detector)


# ------------------------------------------------------------------ pictures and output


def test_to_dict_holds_the_predictions_values_and_survives_json(prediction):
    data = json.loads(json.dumps(prediction.to_dict()))
    assert data == {
        "source": prediction.source,
        "kind": "wrapped",
        "label": prediction.label,
        "probability": prediction.probability,
        "probabilities": prediction.probabilities,
        "boxes": [{"box": b.as_list(), "score": b.score} for b in prediction.boxes],
        "map_boxes": None,
    }


def test_overlay_without_map_weight_is_the_image_enlarged_by_nearest_neighbour(prediction):
    out = draw_overlay(prediction.image, prediction.combined_map, [], alpha=0.0, scale=2)
    expected = prediction.image.resize((448, 448), Image.Resampling.NEAREST)
    np.testing.assert_array_equal(np.asarray(out), np.asarray(expected))


def test_overlay_with_full_map_weight_is_the_map_in_inferno():
    heat = np.linspace(0.0, 1.0, 64 * 64, dtype=np.float32).reshape(64, 64)
    out = draw_overlay(Image.new("RGB", (64, 64)), heat, [], alpha=1.0)
    expected = (colormaps["inferno"](heat)[..., :3] * 255).astype(np.uint8)
    np.testing.assert_array_equal(np.asarray(out), expected)


def test_overlay_draws_the_top_box_edges_on_its_half_open_bounds():
    image = Image.new("RGB", (64, 64), (0, 0, 255))
    out = np.asarray(draw_overlay(image, np.zeros((64, 64)), [Box(10, 20, 30, 40, 1.0)], alpha=0.0))
    assert tuple(out[36, 10]) == (0, 255, 0) and tuple(out[36, 29]) == (0, 255, 0)
    assert tuple(out[36, 31]) == (0, 0, 255) and tuple(out[36, 20]) == (0, 0, 255)


def test_prediction_overlay_is_draw_overlay_of_its_map_and_boxes(prediction):
    expected = draw_overlay(prediction.image, prediction.combined_map, prediction.boxes, scale=2)
    np.testing.assert_array_equal(np.asarray(prediction.overlay(scale=2)), np.asarray(expected))


def test_gallery_has_one_captioned_image_per_head_of_the_layer(prediction):
    gallery = head_map_gallery(prediction.head_maps, layer=0, size=56)
    assert [caption for _, caption in gallery] == [f"layer 1, head {h}" for h in range(1, 5)]
    assert {image.size for image, _ in gallery} == {(56, 56)}


def test_gallery_images_are_the_normalised_head_maps_in_inferno(prediction):
    gallery = head_map_gallery(prediction.head_maps, layer=-1, size=14)
    for h, (image, _) in enumerate(gallery):
        norm = normalise_map(prediction.head_maps[-1, h])
        expected = (colormaps["inferno"](norm)[..., :3] * 255).astype(np.uint8)
        np.testing.assert_array_equal(np.asarray(image), expected)


# ------------------------------------------------------------------ command line


def test_predict_command_prints_the_detectors_results_as_json(
    model_dir, detector, phase, tmp_path, capsys
):
    from insar_hf.cli import main

    paths = []
    for name, kind in (("a.png", "wrapped"), ("b.png", "unwrapped")):
        render_interferogram(phase, kind).save(tmp_path / name)
        paths.append(str(tmp_path / name))
    assert main(["predict", *paths, "--model", str(model_dir), "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert [r["source"] for r in results] == paths
    expected = [detector.predict(p).probability for p in paths]
    assert [r["probability"] for r in results] == pytest.approx(expected, abs=1e-6)


def test_predict_command_writes_one_overlay_per_file(model_dir, phase, tmp_path):
    from insar_hf.cli import main

    paths = []
    for name in ("a.png", "b.png"):
        render_interferogram(phase, "wrapped").save(tmp_path / name)
        paths.append(str(tmp_path / name))
    out = tmp_path / "overlay.png"
    assert main(["predict", *paths, "--model", str(model_dir), "--overlay", str(out)]) == 0
    assert (tmp_path / "overlay-a.png").is_file() and (tmp_path / "overlay-b.png").is_file()


def test_predict_command_reports_a_bad_file_without_traceback(model_dir, tmp_path, capsys):
    from insar_hf.cli import main

    (tmp_path / "notes.txt").write_text("x")
    assert main(["predict", str(tmp_path / "notes.txt"), "--model", str(model_dir)]) == 2
    assert "unsupported file type '.txt'" in capsys.readouterr().err


def test_a_products_model_input_knows_its_ground_pixel_spacing(detector, licsar_unw):
    from insar_hf.inference.inputs import prepare_input

    model_input = prepare_input(licsar_unw, kind=None, units="rad", wavelength_m=None, size=224)
    rows, cols = LICSAR_SHAPE
    lat = LAT0 - STEP * rows / 2  # the grid's central latitude
    m_per_deg = 6_371_000.0 * np.pi / 180.0  # mean Earth radius
    pixel = 0.5 * STEP * m_per_deg * (np.cos(np.radians(lat)) + 1.0)  # mean of width and height
    assert model_input.pixel_m == pytest.approx(pixel * max(rows, cols) / 224, rel=1e-3)
    assert detector.predict(licsar_unw).pixel_m == model_input.pixel_m  # kept for the estimate
    image_input = prepare_input(
        model_input.image, kind=None, units="rad", wavelength_m=None, size=224
    )
    assert image_input.pixel_m is None  # an image does not say


def test_a_grey_image_is_read_as_8bit_wrapped_phase(detector, tmp_path):
    # A rendered interferogram is never grey: a grey PNG (or one stored as RGB with three equal
    # channels) is the 8-bit wrapped phase of LiCSAR crop collections, g / 255 * 2 pi - pi.
    from insar_hf.products.phase8 import decode_phase8

    grey = np.random.default_rng(0).integers(1, 255, size=(227, 227), dtype=np.uint8)
    Image.fromarray(grey).save(tmp_path / "grey.png")
    Image.fromarray(np.stack([grey] * 3, axis=-1)).save(tmp_path / "rgb.png")
    expected = detector.predict(decode_phase8(grey), kind="wrapped")
    for name in ("grey.png", "rgb.png"):
        found = detector.predict(tmp_path / name)
        assert found.kind == "wrapped"
        np.testing.assert_array_equal(np.asarray(found.image), np.asarray(expected.image))
        assert found.probability == expected.probability


def test_a_grey_image_cannot_hold_unwrapped_phase(detector):
    grey = Image.fromarray(np.full((64, 64), 7, dtype=np.uint8))
    with pytest.raises(ValueError, match="cannot hold unwrapped phase"):
        detector.predict(grey, kind="unwrapped")
