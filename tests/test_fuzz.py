"""Property tests (hypothesis): careless input gives a result or one of our typed errors.

Over the product readers (headers, rasters and bytes that are almost a product), the Detector
(arrays of any dtype, shape and NaN pattern; bytes that are almost an image) and the command line
(argument parsing of every sub-command; ``predict`` run end to end), no other exception escapes
and no output file is left half-written. Examples are derandomised so that CI is repeatable; run
``pytest tests/test_fuzz.py --hypothesis-show-statistics`` to see how many cases ran.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image
from test_detector import _save_tiny_vit

from insar_hf import cli
from insar_hf.inference.inputs import InputError
from insar_hf.products import ProductError, read_product
from insar_hf.render import render_interferogram

FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PAR_KEYS = ("ifg_length", "ifg_width", "corner_x", "corner_y", "x_spacing", "y_spacing")
PAR_EXTRA = ("date1", "date2", "wavelength", "radar_frequency", "epsg", "crs", "frame")


def _phase(shape=(40, 48)):
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]]
    return (0.02 * ((rows - 17.0) ** 2 + (cols - 30.0) ** 2)).astype(np.float32)


def _geotiff_bytes(name: str) -> bytes:
    import rasterio
    from affine import Affine

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        with rasterio.open(
            path,
            "w",
            driver="GTiff",
            height=40,
            width=48,
            count=1,
            dtype="float32",
            crs="EPSG:4326",
            transform=Affine(0.001, 0, 37.0, 0, -0.001, 37.5),
        ) as dst:
            dst.write(_phase(), 1)
        return path.read_bytes()


GEOTIFF = _geotiff_bytes("x.tif")
PNG = io.BytesIO()
render_interferogram(_phase((64, 64)), "wrapped").save(PNG, format="PNG")
PNG = PNG.getvalue()


def mutated(data: bytes):
    """Bytes that are almost ``data``: truncated, with bytes overwritten, or with bytes inserted."""
    position = st.integers(0, len(data))
    truncated = position.map(lambda n: data[:n])
    overwritten = st.lists(st.tuples(position, st.integers(0, 255)), min_size=1, max_size=8).map(
        lambda edits: _overwrite(data, edits)
    )
    inserted = st.tuples(position, st.binary(min_size=1, max_size=16)).map(
        lambda e: data[: e[0]] + e[1] + data[e[0] :]
    )
    return st.one_of(truncated, overwritten, inserted)


def _overwrite(data: bytes, edits) -> bytes:
    out = bytearray(data)
    for at, value in edits:
        if at < len(out):
            out[at] = value
    return bytes(out)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    # One layer: the fuzz suite runs the model hundreds of times.
    return _save_tiny_vit(tmp_path_factory.mktemp("fuzz-vit"), layers=1, heads=2, mlp=32)


@pytest.fixture(scope="module")
def detector(model_dir):
    from insar_hf.inference.detector import Detector

    return Detector.from_pretrained(model_dir, device="cpu")


def _check_prediction(result) -> None:
    assert 0.0 <= result.probability <= 1.0
    assert sum(result.probabilities.values()) == pytest.approx(1.0, abs=1e-5)
    assert result.image.size == (224, 224) and np.isfinite(result.combined_map).all()


# ------------------------------------------------------------------ product readers

par_value = st.one_of(
    st.integers(-5, 60).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "x", "1e400", "nan", "20230120", "2023-13-45", "EPSG:4326", "100 m"]),
    st.text(max_size=12),
)


@settings(FUZZ, max_examples=150)
@given(
    lines=st.lists(
        st.tuples(st.sampled_from(PAR_KEYS + PAR_EXTRA), par_value), min_size=0, max_size=12
    ),
    unw=st.binary(max_size=2000),
    with_diff=st.booleans(),
    name=st.sampled_from(["ifg", "20230120_20230213", "a_20230213_20230120"]),
)
def test_binary_readers_give_an_interferogram_or_a_product_error(lines, unw, with_diff, name):
    with tempfile.TemporaryDirectory() as tmp:
        par = Path(tmp) / f"{name}.par"
        par.write_text("".join(f"{key}: {value}\n" for key, value in lines))
        par.with_suffix(".unw").write_bytes(unw)
        if with_diff:
            par.with_suffix(".diff").write_bytes(unw[::-1])
        for path in (par, par.with_suffix(".unw")):
            try:
                ifg = read_product(path)
            except ProductError:
                continue
            assert ifg.unwrapped_rad.shape == ifg.shape and ifg.kind in ("wrapped", "unwrapped")


@settings(FUZZ, max_examples=150)
@given(
    data=mutated(GEOTIFF),
    name=st.sampled_from(
        [
            "phase.tif",
            "x.TIFF",
            "20230120_20230213.geo.unw.tif",
            "s_20230120_20230213.geo.diff_pha.tif",
        ]
    ),
    kind=st.sampled_from([None, "wrapped", "unwrapped"]),
)
def test_almost_geotiffs_give_an_interferogram_or_a_product_error(data, name, kind):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            ifg = read_product(path, kind=kind)
        except ProductError:
            return
        assert ifg.field_rad(ifg.kind).shape == ifg.shape


@settings(FUZZ, max_examples=100)
@given(
    stem=st.text(st.characters(codec="ascii", exclude_characters="/\0"), min_size=1, max_size=30),
    suffix=st.sampled_from([".tif", ".tiff", ".unw", ".diff", ".par", ".geo.unw.tif", ""]),
    data=st.binary(max_size=64),
)
def test_any_named_file_gives_an_interferogram_or_a_product_error(stem, suffix, data):
    if stem in (".", ".."):
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{stem}{suffix}"
        path.write_bytes(data)
        with contextlib.suppress(ProductError):
            read_product(path, kind="wrapped")


# ------------------------------------------------------------------ Detector.predict

array_dtypes = st.one_of(
    hnp.floating_dtypes(),
    hnp.integer_dtypes(),
    hnp.unsigned_integer_dtypes(),
    hnp.boolean_dtypes(),
    hnp.complex_number_dtypes(),
)


@settings(FUZZ, max_examples=200)
@given(
    x=hnp.arrays(array_dtypes, hnp.array_shapes(min_dims=0, max_dims=3, max_side=40)),
    kind=st.sampled_from(["wrapped", "unwrapped", None, "phase"]),
    units=st.sampled_from(["rad", "m", "mm"]),
    wavelength_m=st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True)),
)
def test_any_array_gives_a_prediction_or_an_input_error(detector, x, kind, units, wavelength_m):
    try:
        result = detector.predict(x, kind=kind, units=units, wavelength_m=wavelength_m)
    except InputError:
        return
    _check_prediction(result)


@settings(FUZZ, max_examples=50)
@given(
    base=hnp.arrays(
        np.float32,
        st.tuples(st.integers(12, 48), st.integers(12, 48)),
        elements=st.floats(-50, 50, width=32),
    ),
    holes=st.floats(0.0, 1.0),
    seed=st.integers(0, 2**16),
    kind=st.sampled_from(["wrapped", "unwrapped"]),
)
def test_any_nan_pattern_gives_a_prediction_or_an_input_error(detector, base, holes, seed, kind):
    field = base.copy()
    field[np.random.default_rng(seed).random(field.shape) < holes] = np.nan
    try:
        result = detector.predict(field, kind=kind)
    except InputError:
        return
    _check_prediction(result)


@settings(FUZZ, max_examples=150)
@given(data=st.one_of(st.just(PNG), mutated(PNG)), suffix=st.sampled_from([".png", ".jpg"]))
def test_almost_images_give_a_prediction_or_an_input_error(detector, data, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"scene{suffix}"
        path.write_bytes(data)
        try:
            result = detector.predict(path)
        except InputError:
            return
        _check_prediction(result)


@settings(FUZZ, max_examples=100)
@given(
    mode=st.sampled_from(["1", "L", "LA", "P", "RGB", "RGBA", "I", "F", "I;16", "CMYK"]),
    size=st.tuples(st.integers(1, 70), st.integers(1, 70)),
    seed=st.integers(0, 2**16),
)
def test_any_pil_image_gives_a_prediction_or_an_input_error(detector, mode, size, seed):
    pixels = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    image = Image.fromarray(pixels).convert(mode)
    try:
        result = detector.predict(image)
    except InputError:
        return
    _check_prediction(result)


# ------------------------------------------------------------------ command line

COMMAND_NAMES = sorted(cli.COMMANDS)
WORDS = st.one_of(
    st.sampled_from(COMMAND_NAMES),
    st.sampled_from(
        [
            "--model",
            "--json",
            "--overlay",
            "--kind",
            "wrapped",
            "--out",
            "--num-samples",
            "-3",
            "--seed",
            "--split",
            "--repo-id",
            "--help",
            "--version",
            "--",
            "-",
            "x.png",
            "1e9",
        ]
    ),
    st.text(max_size=10),
)


@settings(FUZZ, max_examples=300)
@given(argv=st.lists(WORDS, max_size=8))
def test_any_argument_list_parses_or_exits_with_usage(argv):
    """Every sub-command's ``run`` is replaced by a recorder: only the parsing runs."""
    ran = []
    modules = [importlib.import_module(f"insar_hf.commands.{m}") for m, _ in cli.COMMANDS.values()]
    saved = [m.run for m in modules]
    out, err = io.StringIO(), io.StringIO()
    try:
        for module in modules:
            module.run = lambda args, module=module: ran.append(args) or 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(argv)
    except SystemExit as exit_:
        assert exit_.code in (0, 2), err.getvalue()
        return
    finally:
        for module, run in zip(modules, saved):
            module.run = run
    assert code == 0 and len(ran) <= 1


@settings(FUZZ, max_examples=30)
@given(
    intact=st.booleans(),
    content=st.one_of(mutated(PNG), st.binary(max_size=200)),
    suffix=st.sampled_from([".png", ".jpg", ".png", ".tif", ".unw", ".txt"]),
    flags=st.lists(st.sampled_from(["--json", "--kind=wrapped", "--kind=unwrapped"]), max_size=2),
    overlay=st.sampled_from(["out.png", "sub/out.png", "blocker/out.png", "out.foo", None]),
)
def test_predict_command_exits_0_or_2_and_never_half_writes(
    model_dir, intact, content, suffix, flags, overlay
):
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "blocker").write_text("a file where a folder would go")
        path = tmp / f"in{suffix}"
        path.write_bytes(PNG if intact else content)
        argv = ["predict", str(path), "--model", str(model_dir), *flags]
        if overlay:
            argv += ["--overlay", str(tmp / overlay)]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            code = cli.main(argv)
        assert code in (0, 2)
        written = [
            p for p in tmp.rglob("*") if p.is_file() and p.name not in ("blocker", path.name)
        ]
        assert not [p for p in written if p.name.endswith(".part")]
        for p in written:  # a written overlay is whole
            with Image.open(p) as image:
                image.load()
        assert (code == 0 and overlay in ("out.png", "sub/out.png")) == bool(written)
