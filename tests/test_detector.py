import numpy as np
import pytest
import torch
from PIL import Image

from insar_hf.inference.detector import Detector, Prediction, draw_overlay, head_map_gallery
from insar_hf.render import render_interferogram

LABELS = {0: "no_earthquake", 1: "earthquake"}


def _save_tiny_vit(folder):
    from transformers import ViTConfig, ViTForImageClassification, ViTImageProcessor

    config = ViTConfig(
        image_size=224,
        patch_size=16,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=37,
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


@pytest.fixture
def phase():
    rows, cols = np.mgrid[0:224, 0:224]
    return (0.002 * ((rows - 80.0) ** 2 + (cols - 150.0) ** 2)).astype(np.float32)


def test_from_pretrained_uses_eager_attention(detector):
    assert detector.model.config._attn_implementation == "eager"


def test_prediction_has_documented_shapes_and_normalised_probabilities(detector, phase):
    result = detector.predict(phase, kind="unwrapped")
    assert isinstance(result, Prediction)
    assert result.head_maps.shape == (2, 4, 14, 14)
    assert result.combined_map.shape == (224, 224)
    assert 0.0 <= result.combined_map.min() and result.combined_map.max() == pytest.approx(1.0)
    assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-6)
    assert result.probability == result.probabilities["earthquake"]
    assert result.label == max(result.probabilities, key=result.probabilities.get)


def test_boxes_lie_inside_the_image(detector, phase):
    result = detector.predict(phase, kind="wrapped")
    assert result.boxes
    for box in result.boxes:
        assert 0 <= box.x_min < box.x_max <= 224 and 0 <= box.y_min < box.y_max <= 224


def test_pipeline_agrees_with_detector_probabilities(model_dir, detector, phase):
    from transformers import pipeline

    image = render_interferogram(phase, "wrapped")
    scores = pipeline("image-classification", model=str(model_dir), device="cpu")(image)
    expected = {s["label"]: s["score"] for s in scores}
    got = detector.predict(image).probabilities
    assert got == pytest.approx(expected, abs=1e-5)


def test_head_maps_equal_the_models_cls_attention(model_dir, detector, phase):
    image = render_interferogram(phase, "wrapped")
    pixels = detector.image_processor(images=image, return_tensors="pt")["pixel_values"]
    with torch.inference_mode():
        att = detector.model(pixel_values=pixels, output_attentions=True).attentions
    expected = torch.stack([a[0, :, 0, 1:] for a in att]).reshape(2, 4, 14, 14).numpy()
    np.testing.assert_allclose(detector.predict(image).head_maps, expected, atol=1e-6)


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


def test_batched_list_equals_single_predictions(detector, phase):
    inputs = [phase, -phase, phase.T]
    batched = detector.predict(inputs, kind="wrapped", batch_size=2)
    for x, result in zip(inputs, batched):
        single = detector.predict(x, kind="wrapped")
        assert result.probability == pytest.approx(single.probability, abs=1e-5)


def test_metres_input_uses_the_phase_convention(detector, phase):
    pytest.importorskip("insar_hf.physics.los")
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
        (Image.new("L", (224, 224)), {}, "mode 'L'"),
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


def test_sdpa_model_is_switched_to_eager(model_dir):
    from transformers import AutoImageProcessor, ViTForImageClassification

    model = ViTForImageClassification.from_pretrained(model_dir, attn_implementation="sdpa")
    det = Detector(model, AutoImageProcessor.from_pretrained(model_dir), device="cpu")
    assert det.predict(Image.new("RGB", (224, 224), (10, 200, 30))).head_maps.shape[0] == 2


def test_scan_window_probabilities_equal_predictions_on_the_tiles(detector):
    rng = np.random.default_rng(0)
    frame = rng.normal(size=(300, 400)).astype(np.float32)
    result = detector.scan(frame, kind="unwrapped", window=224, stride=160, progress=False)
    assert result.window_origins == [(0, 0), (0, 160), (0, 176), (76, 0), (76, 160), (76, 176)]
    assert result.probability.shape == (300, 400)
    r, c = result.window_origins[4]
    tile = detector.predict(frame[r : r + 224, c : c + 224], kind="unwrapped")
    assert result.window_probabilities[4] == pytest.approx(tile.probability, abs=1e-5)
    # a pixel covered by one window only carries that window's probability
    assert result.probability[0, 0] == pytest.approx(result.window_probabilities[0])


def test_scan_boxes_are_in_frame_pixels_and_map_coordinates(detector):
    frame = np.random.default_rng(1).normal(size=(256, 256)).astype(np.float32)
    gt = (1000.0, 20.0, 0.0, 5000.0, 0.0, -20.0)
    result = detector.scan(
        frame, kind="wrapped", geotransform=gt, min_probability=0.0, progress=False
    )
    assert result.boxes and len(result.map_boxes) == len(result.boxes)
    for box, (x0, y0, x1, y1) in zip(result.boxes, result.map_boxes):
        assert 0 <= box.x_min < box.x_max <= 256 and 0 <= box.y_min < box.y_max <= 256
        expected = [1000 + 20 * box.x_min, 5000 - 20 * box.y_max, 1000 + 20 * box.x_max]
        assert [x0, y0, x1, y1] == pytest.approx([*expected, 5000 - 20 * box.y_min])


def test_overlay_and_gallery_are_images_of_the_right_size(detector, phase):
    result = detector.predict(phase, kind="wrapped")
    overlay = draw_overlay(result.image, result.combined_map, result.boxes)
    assert overlay.size == (224, 224) and overlay.mode == "RGB"
    big = result.overlay(scale=2)
    assert big.size == (448, 448)
    gallery = head_map_gallery(result.head_maps, layer=0, size=56)
    assert [caption for _, caption in gallery][-1] == "layer 1, head 4"
    assert gallery[0][0].size == (56, 56)


def test_to_dict_is_json_serialisable(detector, phase):
    import json

    data = json.loads(json.dumps(detector.predict(phase, kind="wrapped").to_dict()))
    assert set(data) >= {"label", "probability", "probabilities", "boxes"}


def test_overlay_draws_the_top_box_edges_on_its_half_open_bounds():
    from insar_hf.inference.attention import Box

    image = Image.new("RGB", (64, 64), (0, 0, 255))
    out = np.asarray(draw_overlay(image, np.zeros((64, 64)), [Box(10, 20, 30, 40, 1.0)], alpha=0.0))
    assert tuple(out[36, 10]) == (0, 255, 0) and tuple(out[36, 29]) == (0, 255, 0)
    assert tuple(out[36, 31]) == (0, 0, 255) and tuple(out[36, 20]) == (0, 0, 255)


@pytest.fixture
def licsar_unw(tmp_path):
    from real_fixtures import quiet_los_m, write_licsar

    los_m = quiet_los_m((150, 260), np.random.default_rng(3))
    folder = write_licsar(tmp_path, "20230120", "20230213", los_m, with_enu=False)
    return folder / "20230120_20230213.geo.unw.tif"


def _inside_bounds(box, bounds):
    x0, y0, x1, y1 = bounds
    eps = 1e-9
    return x0 - eps <= box[0] < box[2] <= x1 + eps and y0 - eps <= box[1] < box[3] <= y1 + eps


def test_geotiff_product_gives_boxes_in_its_map_coordinates(detector, licsar_unw):
    from insar_hf.inference.detector import read_frame

    result = detector.predict(licsar_unw, kind="unwrapped")
    phase, _, _ = read_frame(licsar_unw, "unwrapped")
    same = detector.predict(phase, kind="unwrapped")
    assert result.probability == pytest.approx(same.probability, abs=1e-6)
    bounds = (37.0, 37.5 - 150 * 0.001, 37.0 + 260 * 0.001, 37.5)
    assert result.map_boxes and len(result.map_boxes) == len(result.boxes)
    assert all(_inside_bounds(b, bounds) for b in result.map_boxes)


def test_scan_of_a_product_reports_boxes_in_map_coordinates(detector, licsar_unw):
    result = detector.scan(licsar_unw, window=100, stride=80, min_probability=0.0, progress=False)
    assert result.probability.shape == (150, 260)
    bounds = (37.0, 37.5 - 150 * 0.001, 37.0 + 260 * 0.001, 37.5)
    assert result.map_boxes and all(_inside_bounds(b, bounds) for b in result.map_boxes)


def test_predict_command_prints_json_and_writes_overlays(model_dir, phase, tmp_path, capsys):
    import json

    from insar_hf.cli import main

    paths = []
    for name, kind in (("a.png", "wrapped"), ("b.png", "unwrapped")):
        render_interferogram(phase, kind).save(tmp_path / name)
        paths.append(str(tmp_path / name))
    out = tmp_path / "overlay.png"
    assert (
        main(["predict", *paths, "--model", str(model_dir), "--json", "--overlay", str(out)]) == 0
    )
    results = json.loads(capsys.readouterr().out)
    assert [r["source"] for r in results] == paths
    assert (tmp_path / "overlay-a.png").is_file() and (tmp_path / "overlay-b.png").is_file()


def test_predict_command_reports_a_bad_file_without_traceback(model_dir, tmp_path, capsys):
    from insar_hf.cli import main

    (tmp_path / "notes.txt").write_text("x")
    assert main(["predict", str(tmp_path / "notes.txt"), "--model", str(model_dir)]) == 2
    assert "unsupported file type '.txt'" in capsys.readouterr().err


def test_enormous_image_is_refused_before_decoding(detector, tmp_path):
    Image.new("1", (8000, 6000)).save(tmp_path / "huge.png")
    with pytest.raises(ValueError, match="8000 x 6000 pixels is too large"):
        detector.predict(tmp_path / "huge.png")


def test_checkpoint_without_processor_config_gets_the_canonical_processor(model_dir, tmp_path):
    import shutil

    folder = tmp_path / "no-processor"
    shutil.copytree(model_dir, folder)
    (folder / "preprocessor_config.json").unlink()
    det = Detector.from_pretrained(folder, device="cpu")
    image = Image.new("RGB", (224, 224), (30, 120, 255))
    expected = Detector.from_pretrained(model_dir, device="cpu").predict(image).probability
    assert det.predict(image).probability == pytest.approx(expected, abs=1e-6)
