"""The Gradio Space (space/app.py) launched on 127.0.0.1, and its upload with push-space."""
# ruff: noqa: F811  (pytest fixtures imported from hub_standin are redefined as arguments)

import base64
import fcntl
import importlib.util
import json
import logging
import os
import re
import select
import shutil
import socket
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from hub_standin import hub_standin  # noqa: F401
from PIL import Image
from test_detector import _save_tiny_vit

from insar_hf.inference.detector import Detector

SPACE_DIR = Path(__file__).resolve().parent.parent / "space"
CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None
)


def _load_app():
    spec = importlib.util.spec_from_file_location("space_app", SPACE_DIR / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _launch(demo, app):
    demo.queue().launch(
        server_name="127.0.0.1",
        server_port=_free_port(),
        prevent_thread_lock=True,
        max_file_size=app.MAX_FILE_SIZE,
        quiet=True,
    )
    return demo.local_url


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    root = tmp_path_factory.mktemp("space")
    model_dir = _save_tiny_vit(root / "model")
    examples = SPACE_DIR / "examples"
    app = _load_app()
    demo = app.build_demo(str(model_dir), examples_dir=examples)
    url = _launch(demo, app)
    example = examples / "earthquake_wrapped_1.png"
    yield {"url": url, "model": model_dir, "example": example, "app": app, "demo": demo}
    demo.close()


def _client(url):
    from gradio_client import Client

    return Client(url, verbose=False)


def _analyse(url, *paths, kind="wrapped"):
    from gradio_client import handle_file

    return _client(url).predict(
        [handle_file(str(p)) for p in paths], kind, "rollout", "mean", 2, api_name="/analyse"
    )


def _refusal(url, *paths, kind="wrapped") -> str:
    with pytest.raises(Exception) as info:
        _analyse(url, *paths, kind=kind)
    return str(info.value)


def test_prediction_through_gradio_client_matches_detector(space):
    label, image, heat, gallery, status = _analyse(space["url"], space["example"])
    expected = Detector.from_pretrained(space["model"], device="cpu").predict(space["example"])
    assert label["label"] == space["app"].verdict_text(expected)
    assert Image.open(image).size == Image.open(heat).size == (448, 448)  # twice the input
    assert len(gallery) == 4  # one map per head of the chosen layer
    assert f"P(earthquake) = {expected.probability:.3f}" in status
    assert "true label **earthquake**" in status  # the example's ground truth is shown


def test_the_big_label_shows_the_verdict_against_the_threshold_not_the_argmax(space):
    from types import SimpleNamespace

    between = SimpleNamespace(  # 0.5 < P < threshold: the argmax would say "earthquake 58%"
        label="no_earthquake", probability=0.584, decision_threshold=0.656, calibrated=True
    )
    text = space["app"].verdict_text(between)
    assert text == "No earthquake: P(earthquake) 0.584 < threshold 0.656"
    above = SimpleNamespace(
        label="earthquake", probability=0.91, decision_threshold=0.801, calibrated=True
    )
    assert (
        space["app"]
        .verdict_text(above)
        .startswith("Earthquake deformation: P(earthquake) 0.910 >= ")
    )


def test_interferogram_and_attention_map_are_shown_side_by_side(space):
    _, image, heat, _, _ = _analyse(space["url"], space["example"])
    expected = Detector.from_pretrained(space["model"], device="cpu").predict(space["example"])
    source = np.asarray(expected.image.resize((448, 448), Image.Resampling.NEAREST))
    image, heat = np.asarray(Image.open(image).convert("RGB")), np.asarray(Image.open(heat))
    same = (image == source).all(axis=-1).mean()
    assert same > 0.9  # the interferogram itself, fringes intact, under a few box outlines
    assert (heat == source).all(axis=-1).mean() < 0.1  # the map, not the interferogram


def test_true_box_of_a_synthetic_example_is_drawn_in_white(space):
    record = next(
        r
        for r in json.loads((SPACE_DIR / "examples" / "examples.json").read_text())
        if r["file"] == space["example"].name
    )
    x0, y0, x1, y1 = record["deformation_bbox"]
    _, image, heat, _, _ = _analyse(space["url"], space["example"])
    for panel in (image, heat):
        pixels = np.asarray(Image.open(panel).convert("RGB"))
        assert (pixels[2 * y0 + 20 : 2 * y1 - 20, 2 * x0] == 255).all()  # the left edge
        assert (pixels[2 * y0, 2 * x0 + 20 : 2 * x1 - 20] == 255).all()  # the top edge


def test_upload_that_only_shares_an_example_name_gets_no_true_box(space, tmp_path):
    impostor = tmp_path / space["example"].name
    Image.open(space["example"]).transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(impostor)
    *_, status = _analyse(space["url"], impostor)
    assert "P(earthquake)" in status and "true label" not in status


def test_model_is_named_by_its_model_name_not_a_server_path(space, tmp_path):
    *_, status = _analyse(space["url"], space["example"])
    assert "(model `model (local checkpoint)`)" in status
    assert str(space["model"]) not in status
    app = space["app"]
    assert app.model_label("org/insar-vit") == "org/insar-vit"
    trained = tmp_path / "run"
    trained.mkdir()
    (trained / "training_config.json").write_text(json.dumps({"model_name": "quake-vit"}))
    assert app.model_label(str(trained)) == "quake-vit (local checkpoint)"
    from insar_hf.model.default import DEFAULT_MODEL_DIR

    default = json.loads((DEFAULT_MODEL_DIR / "training_config.json").read_text())["model_name"]
    assert app.model_label(str(DEFAULT_MODEL_DIR)) == f"{default} (packaged default)"


def test_sixteen_bit_upload_says_what_to_upload_instead(space, tmp_path):
    path = tmp_path / "deep.png"
    Image.fromarray(np.full((64, 64), 40000, dtype=np.uint16)).save(path)
    message = _refusal(space["url"], path)
    assert "deep.png is a 16-bit image" in message and "Upload an interferogram rendered" in message
    assert "2-D" not in message and "array" not in message and "Traceback" not in message


def test_file_that_is_not_an_image_gets_a_clear_message(space, tmp_path):
    path = tmp_path / "fake.png"
    path.write_bytes(b"this is not an image")
    assert "fake.png: not a readable PNG/JPEG image" in _refusal(space["url"], path)


def test_errors_never_show_a_server_path(space, tmp_path):
    path = tmp_path / "notes.tif"
    path.write_bytes(b"II*\x00 not really a GeoTIFF")
    message = _refusal(space["url"], path)
    assert "notes.tif" in message
    assert re.search(r"/[\w.-]+/", message) is None, message  # no folder of the server


def test_handled_error_leaves_one_log_line_and_no_traceback(space, tmp_path, capfd, caplog):
    path = tmp_path / "fake.png"
    path.write_bytes(b"this is not an image")
    capfd.readouterr()
    with caplog.at_level(logging.WARNING, logger="insar_hf.space"):
        _refusal(space["url"], path)
        time.sleep(0.5)  # the server thread finishes logging after answering
    records = [r for r in caplog.records if r.name == "insar_hf.space"]
    assert len(records) == 1 and "fake.png: not a readable" in records[0].getMessage()
    assert records[0].exc_info is None
    assert "Traceback" not in capfd.readouterr().err


def test_kind_control_applies_only_to_files_that_do_not_say_their_kind(space, tmp_path):
    app = space["app"]
    named = tmp_path / "20230120_20230213.geo.unw.tif"
    plain = tmp_path / "frame.tiff"
    for path in (named, plain):
        path.write_bytes(b"II*\x00")
    assert not app.needs_kind(space["example"]) and not app.needs_kind(named)
    assert app.needs_kind(plain) and app.needs_kind(tmp_path / "pair.par")


DEV = SPACE_DIR.parent.parent / "shared" / "real-dev"


@pytest.mark.skipif(not DEV.is_dir(), reason="../shared/real-dev (the dev frames) is absent")
def test_both_dev_frames_and_a_tiff_copy_are_analysed_by_the_space(space, tmp_path):
    licsar = DEV / "galapagos_2017" / "sierra_negra_20170320_20170413.geo.diff_pha.tif"
    plain = shutil.copy(licsar, tmp_path / "frame.tiff")  # no name to say its kind
    pair = (DEV / "thessaly_2021" / "greece.unw", DEV / "thessaly_2021" / "greece.par")
    for files in ((licsar,), (plain,), pair):
        *_, status = _analyse(space["url"], *files)
        assert "P(earthquake)" in status and "Top box in map coordinates" in status
    message = _refusal(space["url"], pair[0])
    assert "greece.unw needs its header greece.par: upload both files together." in message


def test_kind_control_is_hidden_until_an_upload_that_does_not_say_its_kind(space, tmp_path):
    demo = space["demo"]
    control = next(
        c for c in demo.config["components"] if c["props"].get("label") == "Phase in the file"
    )
    assert control["props"]["visible"] is False
    show_kind = next(f.fn for f in demo.fns.values() if f.fn.__name__ == "show_kind")
    plain, named = tmp_path / "frame.tif", tmp_path / "20230120_20230213.geo.diff_pha.tif"
    for path in (plain, named):
        path.write_bytes(b"II*\x00")
    assert show_kind([str(plain)])["visible"] is True
    assert show_kind([str(named)])["visible"] is False
    assert show_kind([str(space["example"])])["visible"] is False
    assert show_kind(None)["visible"] is False


def test_a_product_is_staged_with_its_par_and_one_file_is_read_as_it_is(tmp_path):
    app = _load_app()
    folders = [tmp_path / "u1", tmp_path / "u2", tmp_path / "work"]
    for folder in folders:
        folder.mkdir()
    unw, par = folders[0] / "greece.unw", folders[1] / "greece.par"
    unw.write_bytes(b"x")
    par.write_text("y")
    staged = app.stage_upload([unw, par], folders[2])
    assert staged == folders[2] / "greece.unw" and (folders[2] / "greece.par").is_file()
    assert app.stage_upload([par], folders[2]) == par
    with pytest.raises(ValueError, match="Upload one interferogram at a time"):
        app.product_file([unw, unw.with_suffix(".diff"), tmp_path / "a.png"])


def test_app_without_model_explains_how_to_configure_one(monkeypatch, tmp_path):
    from gradio_client import handle_file

    monkeypatch.delenv("INSAR_HF_MODEL", raising=False)
    app = _load_app()
    monkeypatch.setattr(app, "HERE", tmp_path)
    monkeypatch.setattr("insar_hf.model.default.DEFAULT_MODEL_DIR", tmp_path / "no-default")
    demo = app.build_demo(None, examples_dir=tmp_path)
    url = _launch(demo, app)
    try:
        image = tmp_path / "x.png"
        Image.new("RGB", (224, 224)).save(image)
        with pytest.raises(Exception, match="INSAR_HF_MODEL"):
            _client(url).predict(
                [handle_file(str(image))], "wrapped", "rollout", "mean", 1, api_name="/analyse"
            )
    finally:
        demo.close()


def test_the_map_control_offers_every_method_and_starts_on_the_models_choice(tmp_path):
    from insar_hf.inference.explain import MAP_METHODS
    from insar_hf.inference.map_choice import MapChoice, save_map_choice

    model_dir = _save_tiny_vit(tmp_path / "model")
    save_map_choice(MapChoice(method="relevance", box_threshold=0.3), model_dir)
    demo = _load_app().build_demo(str(model_dir), examples_dir=SPACE_DIR / "examples")
    radios = [
        c
        for c in demo.config["components"]
        if c.get("props", {}).get("label", "").startswith("Map")
    ]
    assert len(radios) == 1
    props = radios[0]["props"]
    assert [c[0] for c in props["choices"]] == list(MAP_METHODS) and props["value"] == "relevance"


def test_an_earthquake_verdict_comes_with_the_source_estimate(tmp_path, monkeypatch):
    from insar_hf.model.calibration import Calibration
    from insar_hf.source.estimator import SourceEstimator

    model_dir = _save_tiny_vit(tmp_path / "model")  # threshold 0: every verdict is "earthquake"
    Calibration(1.0, 0.0, 0.05, 10, 0.1, 0.1).save(model_dir)
    monkeypatch.delenv("INSAR_HF_SOURCE_MODEL", raising=False)  # the packaged source model
    app = _load_app()
    demo = app.build_demo(str(model_dir), examples_dir=SPACE_DIR / "examples")
    url = _launch(demo, app)
    try:
        example = SPACE_DIR / "examples" / "earthquake_wrapped_1.png"
        *_, status = _analyse(url, example)
    finally:
        demo.close()
    expected = SourceEstimator.from_pretrained(device="cpu").estimate(example)
    assert status.startswith("**Earthquake deformation**")
    assert f"**First source estimate** (pixel spacing unknown): {expected.describe()}." in status


def test_the_packaged_default_model_is_what_the_app_serves_offline(monkeypatch):
    from insar_hf.model.default import DEFAULT_MODEL_DIR

    monkeypatch.delenv("INSAR_HF_MODEL", raising=False)
    app = _load_app()
    assert not (SPACE_DIR / "model").exists() and not (SPACE_DIR / "model_id.txt").exists()
    assert app.resolve_model() == str(DEFAULT_MODEL_DIR)
    detector = Detector.from_pretrained(app.resolve_model(), device="cpu")
    assert detector.calibration is not None  # the Space's verdicts use the shipped threshold
    example = sorted((SPACE_DIR / "examples").glob("*.png"))[0]
    result = detector.predict(example)
    assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    expected = (
        "earthquake" if result.probability >= detector.decision_threshold else "no_earthquake"
    )
    assert result.label == expected


def _above_ten(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


class _PipeBrowser:
    """Headless chromium driven over the DevTools protocol on ``--remote-debugging-pipe``.

    Messages are JSON objects separated by NUL bytes; the browser reads fd 3 and writes fd 4.
    """

    def __init__(self, flags: list[str]):
        # bash moves the child's pipe ends to fds 3 and 4 (no preexec_fn: the app's
        # server threads run in this process); they are first lifted to fds >= 10 so that
        # neither redirection overwrites the other's source
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        to_chrome_r, from_chrome_w = _above_ten(to_chrome_r), _above_ten(from_chrome_w)
        self.proc = subprocess.Popen(
            [
                shutil.which("bash") or "/bin/bash",  # dash allows single-digit fds only
                "-c",
                f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}',
                CHROMIUM,
                *flags,
                "--remote-debugging-pipe",
                "about:blank",
            ],
            pass_fds=(to_chrome_r, from_chrome_w),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.writer = os.fdopen(to_chrome_w, "wb", buffering=0)
        self.reader = os.fdopen(from_chrome_r, "rb", buffering=0)
        self.buffer = b""
        self.last_id = 0

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self.last_id += 1
        message = {"id": self.last_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.writer.write(json.dumps(message).encode() + b"\0")
        while True:
            while b"\0" not in self.buffer:
                if not select.select([self.reader], [], [], 60.0)[0]:
                    raise RuntimeError(f"{method}: no answer from chromium within 60 s")
                chunk = self.reader.read(1 << 16)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self.buffer += chunk
            raw, self.buffer = self.buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self.last_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def open(self, url: str) -> str:
        target = self.send("Target.createTarget", {"url": url})["targetId"]
        return self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]

    def evaluate(self, session: str, expression: str):
        result = self.send(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session
        )
        return result["result"].get("value")

    def wait_for(self, session: str, expression: str, timeout_s: float = 60.0) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.evaluate(session, expression):
                return True
            time.sleep(0.25)
        return False

    def close(self):
        try:
            self.send("Browser.close")
        except RuntimeError:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def browser(tmp_path):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1280,1400",
    ]
    chrome = _PipeBrowser(flags)
    yield chrome
    chrome.close()


VERDICT_SHOWN = "document.body.innerText.includes('P(earthquake) =')"


def test_headless_chromium_clicks_an_example_thumbnail_and_saves_a_screenshot(
    space, browser, tmp_path
):
    record = next(
        r
        for r in json.loads((SPACE_DIR / "examples" / "examples.json").read_text())
        if r["file"] == space["example"].name
    )
    caption = space["app"].caption(record)
    assert caption == f"Mw {record['mw']:.1f}, {record['kind']}"
    find = (
        "[...document.querySelectorAll('button.thumbnail-item')]"
        f".find(b => (b.querySelector('img') || {{}}).alt === '{caption}')"
    )
    session = browser.open(space["url"])
    assert browser.wait_for(session, f"!!{find}"), "the example thumbnail never appeared"
    assert browser.evaluate(session, "document.body.innerText.includes('How to read this')")
    browser.evaluate(session, f"{find}.click()")
    assert browser.wait_for(session, VERDICT_SHOWN), "no verdict after clicking the example"
    assert browser.evaluate(session, "document.body.innerText.includes('true label')")
    expected = Detector.from_pretrained(space["model"], device="cpu").predict(space["example"])
    big_label = json.dumps(space["app"].verdict_text(expected))
    assert browser.wait_for(session, f"document.body.innerText.includes({big_label})")
    argmax = r"/(no_)?earthquake\s*\d+(\.\d+)?\s*%/"  # a class name with a percentage
    assert not browser.evaluate(session, f"{argmax}.test(document.body.innerText)")
    # 8 example thumbnails, the interferogram and the map side by side, 4 heads
    assert browser.wait_for(session, "document.querySelectorAll('img').length >= 14")
    data = browser.send("Page.captureScreenshot", {"format": "png"}, session)["data"]
    shot = tmp_path / "space.png"
    shot.write_bytes(base64.b64decode(data))
    with Image.open(shot) as image:
        assert image.width >= 1000 and len(set(image.convert("L").getdata())) > 50
    if os.environ.get("INSAR_HF_SCREENSHOT"):
        shutil.copy(shot, os.environ["INSAR_HF_SCREENSHOT"])


def test_example_query_parameter_runs_that_example_on_load(space, browser):
    session = browser.open(f"{space['url'].rstrip('/')}/?example={space['example'].name}")
    assert browser.wait_for(session, VERDICT_SHOWN)


def test_stage_space_configures_the_model_and_bundles_the_package(tmp_path):
    from huggingface_hub import SpaceCard

    from insar_hf.space import stage_space

    out = stage_space(SPACE_DIR, tmp_path / "staged", model_id="org/vit", dataset_id="org/set")
    assert (out / "model_id.txt").read_text() == "org/vit\n"
    card = SpaceCard.load(out / "README.md")
    assert card.data.models == ["org/vit"] and card.data.datasets == ["org/set"]
    assert card.data.sdk == "gradio" and card.data.app_file == "app.py"
    assert (out / "insar_hf" / "inference" / "detector.py").is_file() and (
        out / "requirements.txt"
    ).is_file()
    assert not list(out.rglob("__pycache__"))


def test_a_space_staged_with_a_local_model_names_it_by_a_relative_path_only(tmp_path):
    from huggingface_hub import SpaceCard

    from insar_hf.space import stage_space

    model = _save_tiny_vit(tmp_path / "out" / "model")
    out = stage_space(SPACE_DIR, tmp_path / "out" / "space", model_id=str(model.resolve()))
    assert (out / "model_id.txt").read_text() == "../model\n"
    assert SpaceCard.load(out / "README.md").data.models is None  # Hub ids only
    assert str(tmp_path) not in (out / "README.md").read_text()
    spec = importlib.util.spec_from_file_location("staged_app", out / "app.py")
    staged = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(staged)
    assert staged.resolve_model() == str(model.resolve())


def test_push_space_refuses_a_local_model_the_hub_could_not_read(tmp_path, capsys):
    from insar_hf.cli import main

    model = _save_tiny_vit(tmp_path / "model")
    assert main(["push-space", "--repo-id", "org/s", "--model", str(model)]) == 2
    err = capsys.readouterr().err
    assert "is a local folder" in err and "insar-hf push-model" in err


def test_stage_space_refuses_a_non_empty_folder(tmp_path):
    from insar_hf.space import stage_space

    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(FileExistsError, match="not empty"):
        stage_space(SPACE_DIR, tmp_path / "full")


def test_push_space_uploads_to_the_hub_standin(hub_standin, capsys):
    from insar_hf.cli import main

    assert main(["push-space", "--repo-id", "org/quake-space", "--model", "org/vit"]) == 0
    files = hub_standin.files("org/quake-space", "space")
    assert files["model_id.txt"] == b"org/vit\n"
    assert files["app.py"] == (SPACE_DIR / "app.py").read_bytes()
    assert "insar_hf/inference/detector.py" in files
    assert b"- org/vit" in files["README.md"]
    assert capsys.readouterr().out.strip().endswith("org/quake-space")


def test_write_examples_gives_positives_and_negatives_in_both_kinds(tmp_path):
    from insar_hf.simulate.examples import write_examples

    paths = write_examples(tmp_path / "a", per_label=1)
    names = sorted(p.name for p in paths)
    assert names == [
        "earthquake_unwrapped_1.png",
        "earthquake_wrapped_1.png",
        "no_earthquake_unwrapped_1.png",
        "no_earthquake_wrapped_1.png",
    ]
    records = json.loads((tmp_path / "a" / "examples.json").read_text())
    positive = next(r for r in records if r["label"] == "earthquake")
    x0, y0, x1, y1 = positive["deformation_bbox"]
    assert positive["mw"] >= 6.0 and 0 < (x1 - x0) * (y1 - y0) <= 0.5 * 224 * 224
    again = write_examples(tmp_path / "b", per_label=1)
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]


def test_bundled_examples_are_listed_and_rendered_at_model_size():
    records = json.loads((SPACE_DIR / "examples" / "examples.json").read_text())
    assert {(r["label"], r["kind"]) for r in records} == {
        (label, kind)
        for label in ("earthquake", "no_earthquake")
        for kind in ("wrapped", "unwrapped")
    }
    for r in records:
        with Image.open(SPACE_DIR / "examples" / r["file"]) as image:
            assert image.size == (224, 224) and image.mode == "RGB"


def test_upload_over_the_size_limit_is_refused(space, tmp_path):
    from gradio_client import handle_file

    path = tmp_path / "big.png"
    path.write_bytes(os.urandom(21 * 1024 * 1024))
    with pytest.raises(Exception, match="exceeds the maximum file size of 20971520 bytes"):
        _client(space["url"]).predict(
            [handle_file(str(path))], "wrapped", "rollout", "mean", 2, api_name="/analyse"
        )
