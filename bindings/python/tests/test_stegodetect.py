"""The Python module against the built wheel: parity with the CLI, every input type, every
exception, the GIL released during native work, metrics, the Starlight compatibility layer and
the stubs."""
from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import threading

import numpy as np
import pytest
from PIL import Image

import stegodetect
from stegodetect.compat.starlight import StarlightScanner

ROOT = pathlib.Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples" / "images"
FIXTURES = ROOT / "tests" / "fixtures" / "clean"
CLI = ROOT / "target" / "release" / "stegodetect"


@pytest.fixture(scope="module")
def det() -> stegodetect.Detector:
    return stegodetect.Detector()


def images() -> list[pathlib.Path]:
    return sorted(p for d in (EXAMPLES, FIXTURES) for p in d.iterdir() if p.suffix != ".json" and p.suffix != ".py")


def test_parity_with_the_cli(det: stegodetect.Detector) -> None:
    out = subprocess.run([str(CLI), "scan", "--format", "jsonl", str(EXAMPLES), str(FIXTURES)],
                         capture_output=True, text=True, check=False)
    assert out.returncode in (1, 2), out.stderr
    cli = {r["path"]: r for r in map(json.loads, out.stdout.splitlines())}
    compared = 0
    for p in images():
        rec = cli.get(str(p))
        if rec is None:
            continue
        if rec["error"] is not None:
            with pytest.raises(stegodetect.StegodetectError):
                det.scan(p)
            continue
        r = det.scan(p)
        assert (r.is_stego, r.method) == (rec["is_stego"], rec["method"]), p
        assert abs(r.probability - rec["probability"]) < 1e-6, p
        compared += 1
    assert compared >= 30


def test_every_input_type(det: stegodetect.Detector) -> None:
    path = EXAMPLES / "stego-alpha.png"
    data = path.read_bytes()
    im = Image.open(path)
    results = [det.scan(str(path)), det.scan(path), det.scan(data), det.scan(bytearray(data)),
               det.scan(memoryview(data)), det.scan(im), det.scan(np.asarray(im))]
    for r in results:
        assert r.is_stego and r.method == "alpha" and r.method_id == 0
        assert r.payload is not None and r.payload_text is not None
        assert r.to_dict()["is_stego"] is True
        # the documented field order, as the CLI's JSON record
        assert list(r.to_dict())[:7] == [
            "is_stego", "probability", "method", "method_id", "tool", "payload", "error"
        ]
    with pytest.raises(TypeError):
        det.scan(12345)


def test_every_exception() -> None:
    det = stegodetect.Detector()
    with pytest.raises(stegodetect.DecodeError) as e:
        det.scan(b"not an image")
    assert isinstance(e.value, ValueError) and e.value.kind == "unknown_format"
    with pytest.raises(stegodetect.DecodeError) as e:
        det.scan((EXAMPLES / "stego-lsb.png").read_bytes()[:500])
    assert e.value.kind == "decode"
    with pytest.raises(FileNotFoundError) as nf:
        det.scan("/nonexistent/image.png")
    assert isinstance(nf.value, stegodetect.StegodetectIOError) and nf.value.kind == "io"
    assert nf.value.errno == 2 and nf.value.filename == "/nonexistent/image.png"
    assert "/nonexistent/image.png" in str(nf.value)
    with pytest.raises(stegodetect.LimitError):
        stegodetect.Detector(max_pixels=100).scan(EXAMPLES / "clean-photo.png")
    with pytest.raises(stegodetect.ModelError):
        stegodetect.Detector("/nonexistent/model.onnx")
    # ONNX Runtime loads once per process: a missing one is seen in a fresh interpreter
    code = ("import stegodetect\n"
            "try:\n    stegodetect.Detector(runtime='/nonexistent/libonnxruntime.so')\n"
            "except stegodetect.RuntimeNotFoundError as e:\n"
            "    assert isinstance(e, stegodetect.ModelError) and isinstance(e, RuntimeError)\n"
            "    print('RuntimeNotFoundError', e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and "RuntimeNotFoundError" in out.stdout, out.stdout + out.stderr
    with pytest.raises(stegodetect.InvalidArgumentError):
        stegodetect.Detector(threshold=2.0)
    with pytest.raises(stegodetect.InvalidArgumentError):
        stegodetect.Detector("/x.onnx", rules_only=True)


def test_scan_many_and_directory_keep_errors_apart(det: stegodetect.Detector) -> None:
    out = det.scan_many([b"junk", EXAMPLES / "stego-raw.webp", EXAMPLES / "clean-photo.png"])
    assert isinstance(out[0], stegodetect.DecodeError)
    assert out[1].is_stego and out[1].method == "raw"
    assert not out[2].is_stego
    found = dict(det.scan_directory(EXAMPLES))
    assert len(found) == 9
    assert sum(1 for r in found.values() if r.is_stego) == 5


def test_gil_is_released_during_native_scans(det: stegodetect.Detector) -> None:
    # With a switch interval far longer than the batch, this thread can only run while the
    # scanning thread is inside native code: if the GIL were held there, the main thread would
    # first run after the batch ended and count no tick while it was in progress. No timing is
    # asserted; the batch is long enough (hundreds of scans) for the OS to wake this thread.
    work = [EXAMPLES / "stego-lsb.png"] * 400
    entered, done = threading.Event(), threading.Event()
    ticks_during_batch = 0

    def scan() -> None:
        entered.set()
        det.scan_many(work)
        done.set()

    old = sys.getswitchinterval()
    sys.setswitchinterval(100.0)
    try:
        t = threading.Thread(target=scan)
        t.start()
        entered.wait()
        # Event.wait(timeout) releases the GIL, so the scanning thread gets it back when its
        # native call returns
        while not done.wait(0.0005):
            ticks_during_batch += 1
        t.join()
    finally:
        sys.setswitchinterval(old)
    assert ticks_during_batch > 0, "the main thread never ran during the batch: the GIL was held"


def test_metrics_are_the_native_registry(tmp_path: pathlib.Path) -> None:
    m = stegodetect.Metrics()
    log = tmp_path / "scans.jsonl"
    m.set_log(log)
    det = stegodetect.Detector(metrics=m)
    r = det.scan(EXAMPLES / "stego-lsb.png")
    det.scan(EXAMPLES / "clean-photo.png")
    with pytest.raises(stegodetect.DecodeError):
        det.scan(b"junk")
    s = m.snapshot()
    assert (s["scans"], s["stego"], s["errors_by_kind"]) == (2, 1, {"unknown_format": 1})
    assert r.scan_id is not None
    m.record_truth(r.scan_id, "stego", "lsb.rgb")
    with pytest.raises(stegodetect.NotFoundError) as e:
        m.record_truth(r.scan_id, "stego", "lsb.rgb")
    # a kind of InvalidArgumentError (what it raised before) and of LookupError
    assert isinstance(e.value, stegodetect.InvalidArgumentError) and isinstance(e.value, LookupError)
    assert e.value.kind == "not_found"
    assert m.snapshot()["detection_by_method"]["lsb.rgb"]["k"] == 1
    view = m.snapshot(window="1m", method="lsb.rgb")  # the service's /v1/stats?window=&method=
    assert view["window"]["name"] == "1m" and view["method"]["stego"] == 1
    with pytest.raises(stegodetect.InvalidArgumentError):
        m.snapshot(window="2m")
    assert 'stegodetect_scans_total{verdict="stego"} 1' in m.prometheus()
    lines = [json.loads(l) for l in log.read_text().splitlines()]
    assert len(lines) == 3
    # the same record as the CLI and C write: a path scanned gives its file name, bytes none
    assert lines[0]["file"] == str(EXAMPLES / "stego-lsb.png") and lines[0]["scan_id"] == r.scan_id
    assert "file" not in lines[2] and lines[2]["error_kind"] == "unknown_format"
    # read back as the report shows it
    rep = stegodetect.replay_logs([log])
    assert rep["records"] == 3 and rep["stats"]["scans"] == 2 and rep["stats"]["stego"] == 1
    assert rep["stats"]["stego_by_method"]["lsb.rgb"] == 1
    assert rep["stats"]["errors_by_kind"] == {"unknown_format": 1}
    assert sum(m["scans"] for m in rep["series"]) == 2
    html, md = stegodetect.write_report(tmp_path / "report", logs=[log])
    assert "window.STEGODETECT_DATA" in pathlib.Path(html).read_text()
    assert "- scans: 2" in pathlib.Path(md).read_text()
    with pytest.raises(stegodetect.InvalidArgumentError):
        stegodetect.write_report(tmp_path / "r2")
    m.reset()
    assert m.snapshot()["scans"] == 0


def test_starlight_compatibility() -> None:
    s = StarlightScanner(quiet=True)
    r = s.scan_file(str(EXAMPLES / "stego-exif.jpg"))
    for k in ("file_path", "is_stego", "stego_probability", "method_id", "stego_type", "confidence", "extracted_message"):
        assert k in r, k
    assert r["stego_type"] == "exif" and r["method_id"] == 3
    clean = s.scan_file((EXAMPLES / "clean-photo.png").read_bytes())
    assert clean["is_stego"] is False and "stego_type" not in clean
    # the reference sets bit_order on every record ("none" when clean)
    assert clean["bit_order"] == "none" and r["bit_order"] == "none"
    bad = s.scan_file(b"junk")
    assert bad["error"].startswith("Could not process") and bad["file_path"] == "memory"
    assert len(s.scan_directory(str(EXAMPLES))) == 9
    assert len(s.scan_directory(str(EXAMPLES), quiet=True)) == 9  # the reference's keyword


def test_starlight_messages_are_stripped_and_pth_models_refused(tmp_path: pathlib.Path) -> None:
    s = StarlightScanner(quiet=True)
    stego = stegodetect.embed(FIXTURES / "rgb.png", "a message with a trailing newline\n", "lsb.rgb")
    r = s.scan_file(stego)
    assert r["stego_type"] == "lsb.rgb" and r["bit_order"] == "msb-first", r
    assert r["extracted_message"] == "a message with a trailing newline"
    pth = tmp_path / "detector_balanced.pth"
    pth.write_bytes(b"PK\x03\x04 not an onnx model")
    with pytest.raises(stegodetect.ModelError, match="PyTorch checkpoint"):
        StarlightScanner(model_path=str(pth))


USER_SCRIPT = """\
import sys
from pathlib import Path
from typing import List, Optional

import numpy as np
from PIL import Image

import stegodetect
from stegodetect import (Detector, DirectoryEntry, Metrics, ModelInfo, ScanResult,
                         StegodetectError, StegodetectIOError, __version__)


def main(images: Path) -> int:
    m = Metrics()
    det = Detector(metrics=m)  # the built-in model; ONNX Runtime from the onnxruntime package
    info: Optional[ModelInfo] = det.model
    assert info is not None
    print("version", __version__, "model", info["id"], info["sha256"][:12])
    entries: List[DirectoryEntry] = det.scan_directory(images)
    for path, r in entries:
        if isinstance(r, ScanResult):
            print(Path(path).name, "stego" if r.is_stego else "clean", r.method, r.tool,
                  round(r.probability, 3), r.payload_text)
        else:
            print(path, "error", r.kind)
    one: ScanResult = det.scan(images / "stego-lsb.png")
    assert one.is_stego and one.method == "lsb.rgb" and one.payload is not None
    assert det.scan((images / "clean-photo.png").read_bytes()).is_stego is False
    assert det.scan(np.zeros((64, 64, 3), dtype=np.uint8)).is_stego is False
    assert det.scan(Image.new("RGBA", (64, 64))).is_stego is False
    batch = det.scan_many([b"junk", str(images / "clean-photo.png")])
    assert isinstance(batch[0], StegodetectError) and isinstance(batch[1], ScanResult)
    for p in det.extract(images / "stego-alpha.png"):
        print("extracted", p["method"], p["length"])
    try:
        det.scan(images / "missing.png")
    except FileNotFoundError as e:
        assert isinstance(e, StegodetectIOError)
        print("missing", Path(str(e.filename)).name)
    stego: bytes = stegodetect.embed(images / "clean-photo.png", "hello from a script", "lsb.rgb")
    assert det.scan(stego).payload_text == "hello from a script"
    snap = m.snapshot()
    print("metrics", snap["scans"], "scans", snap["stego"], "stego", snap["errors_by_kind"])
    print(m.prometheus().splitlines()[0])
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
"""


def test_a_user_script_type_checks_strictly_and_runs_outside_the_repository(tmp_path: pathlib.Path) -> None:
    # what a user writes from the README and docstrings, checked with mypy --strict against the
    # installed package, then run from an empty directory outside the repository: the default
    # model with ONNX Runtime from the onnxruntime package of this venv
    script = tmp_path / "user.py"
    script.write_text(USER_SCRIPT)
    out = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
                         capture_output=True, text=True, check=False, cwd=tmp_path)
    assert out.returncode == 0, out.stdout + out.stderr
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "ORT_DYLIB_PATH", "LD_LIBRARY_PATH")}
    run = subprocess.run([sys.executable, str(script), str(EXAMPLES)], capture_output=True, text=True,
                         check=False, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    for want in ("stego-lsb.png stego lsb.rgb", "stego-alpha.png stego alpha", "clean-photo.png clean None",
                 "extracted alpha", "missing missing.png"):
        assert any(line.startswith(want) for line in lines), (want, run.stdout)
    # 9 files (5 stego), 4 single scans (1 stego), a batch of 2 (junk: an error), the missing file
    # (an error), the embedded message (stego): errors counted apart, never as clean
    assert "metrics 15 scans 7 stego {'io': 1, 'unknown_format': 1}" in run.stdout, run.stdout


def test_the_scannable_type_refuses_what_cannot_be_scanned(tmp_path: pathlib.Path) -> None:
    script = tmp_path / "wrong.py"
    script.write_text("import stegodetect\n"
                      "det = stegodetect.Detector(rules_only=True)\n"
                      "det.scan(12345)\n")
    out = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
                         capture_output=True, text=True, check=False, cwd=tmp_path)
    assert out.returncode == 1 and 'Argument 1 to "scan" of "Detector"' in out.stdout, out.stdout


def test_every_public_callable_and_property_has_a_docstring() -> None:
    import inspect

    from stegodetect.compat import starlight

    aliases = {"Scannable", "DirectoryEntry"}  # typing aliases, documented by comments
    missing = []

    def check(name: str, obj: object) -> None:
        if not (getattr(obj, "__doc__", None) or "").strip():
            missing.append(name)

    owners = [(n, getattr(stegodetect, n)) for n in stegodetect.__all__ if not n.startswith("__") and n not in aliases]
    owners += [("compat.starlight." + n, getattr(starlight, n)) for n in ("StarlightScanner", "load_unified_input")]
    for name, obj in owners:
        check(name, obj)
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            for attr, member in vars(obj).items():
                if not attr.startswith("_"):
                    check(f"{name}.{attr}", member)
    assert not missing, missing


def test_stubs_match_the_native_module() -> None:
    out = subprocess.run([sys.executable, "-m", "mypy.stubtest", "stegodetect._native"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr


STARLIGHT = ROOT.parent / "shared" / "data" / "starlight-sample"
EXAMPLES_PY = ROOT / "examples" / "python"


def load_example(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES_PY / f"{name}.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def png_bytes(im: Image.Image) -> bytes:
    import io

    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


@pytest.mark.parametrize("path,mode", [
    (EXAMPLES / "stego-alpha.png", "RGBA"), (EXAMPLES / "stego-lsb.png", "RGB"),
    (EXAMPLES / "clean-photo.png", "RGB"), (FIXTURES / "grey.png", "L"),
    (FIXTURES / "grey_alpha.png", "LA"), (FIXTURES / "rgba_natural_alpha.png", "RGBA"),
])
def test_pixels_scan_as_the_same_pixels_in_a_png(det: stegodetect.Detector, path: pathlib.Path, mode: str) -> None:
    im = Image.open(path).convert(mode)
    want = det.scan(png_bytes(im))
    arr = np.asarray(im)
    for got in (det.scan(arr), det.scan(im), det.scan(arr[..., None] if arr.ndim == 2 else arr)):
        assert (got.is_stego, got.method) == (want.is_stego, want.method), path
        assert abs(got.probability - want.probability) < 1e-6, path
        assert got.payload == want.payload
    # the batch takes the same pixel path (not PNG-encoded), results in order
    for got in det.scan_many([arr, im, png_bytes(im)]):
        assert isinstance(got, stegodetect.ScanResult)
        assert abs(got.probability - want.probability) < 1e-6 and got.payload == want.payload, path
    # a non-contiguous view scans as its pixels
    flipped = arr[::-1]
    assert abs(det.scan(flipped).probability - det.scan(png_bytes(Image.fromarray(flipped))).probability) < 1e-6


def test_pixel_input_errors() -> None:
    det = stegodetect.Detector()
    # unsupported arrays get a clear error, not Pillow's
    for bad in (np.zeros((8, 8, 3), np.float32), np.zeros((8, 8, 7), np.uint8), np.zeros((2, 8, 8, 3), np.uint8)):
        with pytest.raises(stegodetect.InvalidArgumentError, match="uint8"):
            det.scan(bad)
        with pytest.raises(stegodetect.InvalidArgumentError, match="uint8"):
            det.scan_many([bad])
    with pytest.raises(stegodetect.InvalidArgumentError):
        det._native.scan_pixels_native(b"123", 2, 2, "RGB")
    with pytest.raises(stegodetect.InvalidArgumentError):
        det._native.scan_pixels_native(b"1234", 2, 2, "P")
    with pytest.raises(stegodetect.LimitError):
        stegodetect.Detector(max_pixels=100).scan(np.zeros((20, 20, 3), np.uint8))
    with pytest.raises(stegodetect.InvalidArgumentError):
        det.scan(np.zeros((0, 5, 3), np.uint8))


def test_load_unified_input_matches_the_reference_values() -> None:
    from stegodetect.compat.starlight import load_unified_input

    png = STARLIGHT / "clean" / "clean-0004.png"
    t = load_unified_input(str(png))
    shapes = [(3, 256, 256), (2048,), (2, 256, 256), (256, 256, 3), (768,), (1, 256, 256), (6,), (6,)]
    assert [a.shape for a in t] == shapes
    assert all(a.dtype == np.float32 for a in t)
    pixel, meta, alpha, lsb, palette, palette_lsb, fmt, content = t
    np.testing.assert_allclose(fmt, [0, 0, 0, 1, 1, 1])
    np.testing.assert_allclose(content, [0.949219, 0.238973, 0.293294, 0, 0, 0], atol=1e-5)
    assert abs(pixel.sum() - 94227.78) < 0.05 and lsb.sum() == 70928 and meta.sum() == 0
    # lsb is HWC and is bit 0 of the pixel values
    np.testing.assert_array_equal(lsb[..., 0], (np.rint(pixel[0] * 255).astype(int) & 1))
    # bytes give the same arrays; arrays are writable as the reference's are
    for a, b in zip(t, load_unified_input(png.read_bytes())):
        np.testing.assert_array_equal(a, b)
    pixel[0, 0, 0] = 1.0
    gif = load_unified_input(STARLIGHT / "clean" / "clean-0001.gif")
    np.testing.assert_allclose(gif[6], [0, 0, 1, 0, 1, 1])
    assert abs(gif[4].sum() - 231.20) < 0.01 and gif[5].sum() == 21563
    with pytest.raises(stegodetect.DecodeError):
        load_unified_input(b"junk")


COVERS = {"alpha": FIXTURES / "rgba_natural_alpha.png", "palette": FIXTURES / "palette.png",
          "lsb.rgb": FIXTURES / "rgb.png", "exif": FIXTURES / "baseline.jpg", "raw": FIXTURES / "rgb.png"}


@pytest.mark.parametrize("method", sorted(COVERS))
def test_embed_round_trip(det: stegodetect.Detector, method: str) -> None:
    text = f"a {method} payload from python, long enough to be read back with confidence"
    stego = stegodetect.embed(COVERS[method], text, method)
    r = det.scan(stego)
    assert r.is_stego and r.method == method, r
    assert r.payload_text is not None and text in r.payload_text
    assert any(text.encode() in p["bytes"] if isinstance(p.get("bytes"), bytes) else True
               for p in det.extract(stego))


def test_jsteg_round_trip_and_starlight_mapping(det: stegodetect.Detector) -> None:
    cover = ROOT / "tests" / "fixtures" / "jpeg" / "photo-kphotoalbum.jpg"
    text = "hidden in the DCT coefficients, written by jpeg.jsteg from python. " * 6
    stego = stegodetect.embed(cover, text, "jpeg.jsteg")
    r = det.scan(stego)
    assert r.is_stego and r.method == "jpeg.jsteg" and r.method_id == 5, r
    assert r.tool == "jsteg" and r.payload_text == text
    assert r.to_dict()["scores"]["jpeg.jsteg"] > 0.9
    clean = det.scan(cover)
    assert not clean.is_stego and clean.to_dict()["scores"]["jpeg.jsteg"] < 0.5
    with pytest.raises(stegodetect.EmbedError):
        stegodetect.embed(cover, b"x", "jpeg.f5")


def test_jpeg_report_in_the_record(det: stegodetect.Detector) -> None:
    jpegs = ROOT / "tests" / "fixtures" / "jpeg"
    resaved = det.scan(jpegs / "resaved-kphotoalbum.jpg").to_dict()["jpeg"]
    assert resaved["quality"] == 90 and resaved["double_compressed"]
    assert resaved["primary_quality"] == 80
    photo = det.scan(jpegs / "photo-kphotoalbum.jpg").to_dict()["jpeg"]
    assert photo["quality"] == 80 and not photo["double_compressed"]
    assert det.scan(FIXTURES / "rgb.png").to_dict()["jpeg"] is None


def test_embed_errors() -> None:
    cover = (FIXTURES / "rgb.png").read_bytes()
    with pytest.raises(stegodetect.InvalidArgumentError):
        stegodetect.embed(cover, b"x", "nonsense")
    with pytest.raises(stegodetect.InvalidArgumentError):
        stegodetect.embed(cover, b"x", "lsb.rgb", bit_order="sideways")
    with pytest.raises(stegodetect.InvalidArgumentError):
        stegodetect.embed(cover, b"x", "alpha", scatter_key=7)
    with pytest.raises(stegodetect.EmbedError):
        stegodetect.embed(cover, b"x" * 10_000_000, "lsb.rgb")
    with pytest.raises(stegodetect.DecodeError):
        stegodetect.embed(b"junk", b"x", "raw")


def make_manifest(tmp: pathlib.Path, clean: int = 8) -> pathlib.Path:
    rows = ["path,label,method"]
    covers = sorted(p for p in FIXTURES.iterdir() if p.suffix == ".png")[:clean]
    for p in covers:
        rows.append(f"{p},clean,")
    for i, (method, cover) in enumerate(sorted(COVERS.items())):
        out = tmp / f"stego-{i}.{'jpg' if method == 'exif' else 'png'}"
        out.write_bytes(stegodetect.embed(cover, f"monitor payload {i} " * 4, method))
        rows.append(f"{out},stego,{method}")
    m = tmp / "manifest.csv"
    m.write_text("\n".join(rows) + "\n")
    return m


def test_evaluate_and_the_regression_gate(det: stegodetect.Detector, tmp_path: pathlib.Path) -> None:
    rep = stegodetect.evaluate(det, manifest=make_manifest(tmp_path))
    assert rep["images"] == 13 and rep["errors"]["k"] == 0
    assert rep["detection"]["n"] == 5 and rep["fpr"]["n"] == 8
    gate = stegodetect.regress(rep, rep, {"max_p95_ms": 1e9})
    assert gate["passed"], gate["table"]
    worse = json.loads(json.dumps(rep))
    worse["detection_by_method"]["alpha"]["rate"] = 0.5
    gate = stegodetect.regress(rep, worse, {"max_p95_ms": 1e9})
    assert not gate["passed"] and "FAIL" in gate["table"]
    with pytest.raises(stegodetect.InvalidArgumentError):
        stegodetect.regress({"detection_by_method": {}}, rep)
    with pytest.raises(stegodetect.InvalidArgumentError):
        stegodetect.evaluate(det)


def test_perf_monitor_example(tmp_path: pathlib.Path) -> None:
    manifest = make_manifest(tmp_path)
    rules = tmp_path / "rules.json"
    rules.write_text('{"max_p95_ms": 1000000, "p95_factor": 1000}')  # timing noise is not under test
    log, first, second = tmp_path / "metrics.jsonl", tmp_path / "first.json", tmp_path / "second.json"
    script = str(EXAMPLES_PY / "perf_monitor.py")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, script, "--manifest", str(manifest), "--log", str(log), *args],
                              capture_output=True, text=True, check=False)

    out = run("--output", str(first))
    assert out.returncode == 0, out.stdout + out.stderr
    out = run("--output", str(second), "--baseline", str(first), "--rules", str(rules))
    assert out.returncode == 0 and "PASS" in out.stdout.upper(), out.stdout + out.stderr
    recs = [json.loads(line) for line in log.read_text().splitlines()]
    assert len(recs) == 2
    assert recs[0]["fpr"] == 0.0 and recs[0]["detection_rates"]["lsb.rgb"] == 100.0
    assert recs[0]["performance"]["p95_ms"] > 0 and recs[0]["images"] == 13
    # a baseline that was better than this run: the gate breaks and the exit code says so
    base = json.loads(first.read_text())
    base["latency"]["total"]["p95_us"] = 0.001
    doctored = tmp_path / "doctored.json"
    doctored.write_text(json.dumps(base))
    out = run("--output", str(second), "--baseline", str(doctored), "--rules", str(rules))
    assert out.returncode == 1 and "REGRESSION" in out.stdout, out.stdout + out.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"fpr": 0.0}')
    out = run("--output", str(second), "--baseline", str(broken))
    assert out.returncode == 2 and "baseline unusable" in out.stderr


def test_fastapi_example() -> None:
    from fastapi.testclient import TestClient

    app = load_example("fastapi_app")
    client = TestClient(app.app)
    r = client.post("/scan", content=(EXAMPLES / "stego-raw.webp").read_bytes())
    assert r.status_code == 200 and r.json()["is_stego"] and r.json()["method"] == "raw"
    scan_id = r.json()["scan_id"]
    assert client.post("/scan", content=b"junk").status_code == 422
    assert client.post(f"/feedback/{scan_id}", params={"label": "stego", "method": "raw"}).status_code == 200
    assert client.post(f"/feedback/{scan_id}", params={"label": "maybe"}).status_code == 400
    m = client.get("/metrics")
    assert m.status_code == 200 and m.headers["content-type"].startswith("text/plain")
    assert 'stegodetect_scans_total{verdict="stego"} 1' in m.text
    assert 'stegodetect_errors_total{kind="unknown_format"} 1' in m.text


def test_dask_example_equals_a_local_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from dask.distributed import Client, LocalCluster

    # the worker processes import the example by name, as they would an installed module
    monkeypatch.syspath_prepend(str(EXAMPLES_PY))
    monkeypatch.setenv("PYTHONPATH", str(EXAMPLES_PY))
    mod = importlib.import_module("dask_scan")
    paths = mod.list_images(str(EXAMPLES)) + mod.list_images(str(FIXTURES))
    local = [mod.result_dict(p, r) for p, r in zip(paths, stegodetect.Detector().scan_many(paths))]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        for ship in (False, True):
            got = mod.scan_distributed(client, paths, batch_size=7, ship_bytes=ship, timeout=120)
            assert [g["path"] for g in got] == paths
            for g, w in zip(got, local):
                assert (g["is_stego"], g["method"], g["payload_text"], g["error"] is None) == \
                    (w["is_stego"], w["method"], w["payload_text"], w["error"] is None), g["path"]
                if w["probability"] is not None:
                    assert abs(g["probability"] - w["probability"]) < 1e-6
        assert sum(1 for w in local if w["is_stego"]) == 5


def test_overhead_benchmark_runs(tmp_path: pathlib.Path) -> None:
    # the benchmark itself (make bench-python) reports the figures; here: it runs and measures
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, str(ROOT / "bindings" / "python" / "bench" / "overhead.py"),
                        "--rounds", "1", "--imports", "3", "--json", str(out)],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    figs = json.loads(out.read_text())
    assert figs["scan_bytes"]["images"] >= 50 and figs["scan_bytes"]["ratio_median"] > 0
    assert figs["import"]["interpreter_ms"] > 0 and figs["import"]["interpreter_with_import_ms"] > 0


def test_progress_bar_and_order(det: stegodetect.Detector) -> None:
    work = [EXAMPLES / "stego-lsb.png", b"junk", EXAMPLES / "clean-photo.png"] * 20
    plain = det.scan_many(work)
    for other in (det.scan_many(work, progress=True), det.scan_many(work, jobs=1),
                  det.scan_many(work, jobs=3, progress=True)):
        assert len(other) == len(plain)
        for a, b in zip(plain, other):
            assert type(a) is type(b)
            if isinstance(a, stegodetect.ScanResult):
                assert a.probability == b.probability
    with pytest.raises(stegodetect.InvalidArgumentError):
        det.scan_many(work, jobs=0)


def test_scans_in_a_forked_child(det: stegodetect.Detector) -> None:
    # the native global pool does not survive fork(): a child must still scan in parallel
    det.scan_many([EXAMPLES / "stego-lsb.png"] * 4)
    det.scan(EXAMPLES / "clean-camera.jpg")
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(r)
        try:
            signal_alarm = __import__("signal")
            signal_alarm.alarm(60)
            out = det.scan_many([EXAMPLES / "stego-lsb.png", EXAMPLES / "clean-photo.png"] * 4)
            # one scan also splits its work across the pool (a JPEG's coefficients beside its
            # pixels), so single scans in the child need a live pool too
            single = [det.scan(EXAMPLES / n).is_stego for n in ("stego-lsb.png", "clean-camera.jpg")]
            ok = [x.is_stego for x in out] == [True, False] * 4 and single == [True, False]
            os.write(w, b"ok" if ok else b"wrong")
        finally:
            os._exit(0)
    os.close(w)
    got = os.read(r, 16)
    os.waitpid(pid, 0)
    assert got == b"ok", got


def test_scan_directory_follows_links_and_reports_what_it_skips(
    det: stegodetect.Detector, tmp_path: pathlib.Path
) -> None:
    # the library's walk: links followed, a dangling link reported, nothing dropped silently
    (tmp_path / "a-clean.png").write_bytes((EXAMPLES / "clean-photo.png").read_bytes())
    (tmp_path / "b-link.png").symlink_to(EXAMPLES / "stego-lsb.png")
    (tmp_path / "c-dangling.png").symlink_to(tmp_path / "missing.png")
    (tmp_path / "notes.txt").write_text("not an image")
    found = det.scan_directory(tmp_path)
    names = [pathlib.Path(p).name for p, _ in found]
    assert names == ["a-clean.png", "b-link.png", "c-dangling.png"]
    assert not found[0][1].is_stego and found[1][1].is_stego
    err = found[2][1]
    assert isinstance(err, stegodetect.StegodetectIOError) and "dangling" in str(err)
    # not following: the link is reported instead of scanned
    found = dict(det.scan_directory(tmp_path, follow_symlinks=False))
    assert isinstance(found[str(tmp_path / "b-link.png")], stegodetect.StegodetectIOError)


def test_sequential_lsb_is_on_by_default_and_finds_random_payloads() -> None:
    cover = ROOT.parent / "shared" / "data" / "starlight-sample" / "clean" / "clean-0004.png"
    payload = np.random.default_rng(4).integers(0, 256, 2048, dtype=np.uint8).tobytes()
    stego = stegodetect.embed(cover, payload, "lsb.rgb")
    on = stegodetect.Detector(rules_only=True)
    off = stegodetect.Detector(rules_only=True, sequential_lsb=False)

    def sequential(d: stegodetect.Detector, x: bytes | pathlib.Path) -> list[dict]:
        return [f for f in d.scan(x).to_dict()["findings"] if f["analysis"] == "sequential"]

    found = sequential(on, stego)
    assert found and found[0]["method"] == "lsb.rgb" and found[0]["score"] >= 0.5, found
    assert not sequential(off, stego)
    assert not sequential(on, cover)


def test_steghide_seed_search_is_off_by_default_and_reaches_the_core(tmp_path: pathlib.Path) -> None:
    # a 16x16 JPEG has too few coefficients for steghide's header: the search says so at once
    # (the whole search, tens of seconds, is tested through the CLI and in Rust)
    tiny = tmp_path / "tiny.jpg"
    Image.new("RGB", (16, 16), (90, 120, 200)).save(tiny, quality=90)

    def seeds(d: stegodetect.Detector) -> list[dict]:
        return [f for f in d.scan(tiny).to_dict()["findings"] if f["analysis"] == "steghide-seeds"]

    found = seeds(stegodetect.Detector(rules_only=True, steghide_seeds=True))
    assert len(found) == 1 and found[0]["score"] == 0.0 and "too few" in found[0]["detail"], found
    assert not seeds(stegodetect.Detector(rules_only=True))


def test_passphrases_decrypt_real_steghide_output() -> None:
    stego = ROOT / "tests" / "fixtures" / "jpeg" / "steghide-kphotoalbum.jpg"
    r = stegodetect.Detector(rules_only=True, passphrases=["nope", "PASS"]).scan(stego)
    assert r.method == "jpeg.steghide" and r.tool == "steghide", r
    assert r.payload is not None and len(r.payload) == 3000
    assert r.payload.startswith(b"                    GNU GENERAL PUBLIC LICENSE")
    # the empty passphrase is always tried: the fixture made with it opens without a list
    empty = stegodetect.Detector(rules_only=True).scan(stego.with_name("steghide-empty-kphotoalbum.jpg"))
    assert empty.payload == b"the password is swordfish\n"
    # the same list is tried as f5stegojs passwords
    f5 = stego.with_name("f5stegojs-kphotoalbum.jpg")
    r = stegodetect.Detector(rules_only=True, passphrases=["correct horse"]).scan(f5)
    assert r.method == "jpeg.f5" and r.tool == "f5stegojs", r
    assert r.payload is not None and len(r.payload) == 600
    assert stegodetect.Detector(rules_only=True).scan(f5).method != "jpeg.f5"


def test_validate_runs_the_native_checks_and_never_passes_what_did_not_run(det: stegodetect.Detector) -> None:
    rep = stegodetect.validate(det, fixtures=FIXTURES,
                               thresholds={"large_image_pixels": 1_000_000, "hostile_max_ms": 1e9})
    status = {c["name"]: c["status"] for c in rep["checks"]}
    assert status["edge cases"] == "pass", rep["checks"]
    # no labelled set, no covers: not run, so not ready
    assert status["benchmark"] == "not run" and status["fresh data"] == "not run"
    assert rep["ready"] is False and rep["verdict"] == "NOT READY"
    assert "| edge cases | pass |" in rep["markdown"]
    with pytest.raises(stegodetect.InvalidArgumentError):
        stegodetect.validate(det, thresholds={"no_such_threshold": 1})


def test_validate_is_ready_with_a_labelled_set_a_baseline_and_a_server(
    det: stegodetect.Detector, tmp_path: pathlib.Path
) -> None:
    # the whole release check from Python, the service part against the CLI built by `make test`
    exe = ROOT / "target" / "release" / "stegodetect"
    assert exe.exists(), f"{exe} missing: cargo build --release (make test builds it)"
    sample = ROOT.parent / "shared" / "data" / "starlight-sample"
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(stegodetect.evaluate(det, dataset=sample)))
    quick = {"load_requests": 60, "serve_requests": 60, "serve_concurrency": 4,
             "large_image_pixels": 1_000_000, "min_thread_scaling": 0.0, "max_library_p95_ms": 1e9,
             "max_serve_p95_ms": 1e9, "hostile_max_ms": 1e9,
             "regress": {"max_p95_ms": 1e9, "p95_factor": 1e9}}
    rep = stegodetect.validate(det, dataset=sample, baseline=baseline, fresh_covers=FIXTURES,
                               fixtures=FIXTURES, thresholds=quick, server_exe=exe)
    assert rep["ready"] is True, [(c["name"], c["failures"]) for c in rep["checks"]]
    load = next(c for c in rep["checks"] if c["name"] == "load")
    assert any(r["via"] == "serve" and r["run"]["requests_per_s"] > 0 for r in load["figures"]["runs"])


def test_package_metadata_is_complete() -> None:
    from importlib.metadata import metadata

    md = metadata("stegodetect")
    assert md["Name"] == "stegodetect" and md["Version"] == stegodetect.__version__
    assert md["License"] == "MIT" and md["Requires-Python"] == ">=3.9"
    assert "License :: OSI Approved :: MIT License" in md.get_all("Classifier")
    assert "steganography" in md["Keywords"] and "Detector(" in md["Description"]


def test_the_wheel_is_portable_and_small() -> None:
    # built by scripts/test-python.sh: manylinux2014 (glibc 2.17) and stripped
    wheels = sorted((ROOT / "target" / "wheels").glob("stegodetect-*.whl"))
    assert len(wheels) == 1, wheels
    assert "manylinux2014_x86_64" in wheels[0].name or "manylinux_2_17" in wheels[0].name, wheels[0].name
    assert wheels[0].stat().st_size < 5_000_000, wheels[0].stat().st_size


def test_inspect_gives_numpy_planes_heat_maps_and_the_page(det: stegodetect.Detector) -> None:
    v = det.inspect(EXAMPLES / "stego-lsb.png", html=True)
    assert v["result"]["is_stego"] and v["result"]["method"] == "lsb.rgb"
    h, w = v["preview"].shape[:2]
    assert v["preview"].shape == (h, w, 4) and v["preview"].dtype == np.uint8
    assert len(v["planes"]) == 24
    marked = [f"{p['channel']}{p['bit']}" for p in v["planes"] if p["evidence"]]
    assert marked == ["R0", "G0", "B0"]
    bits = v["planes"][0]["bits"]
    assert bits.shape == (h, w) and set(np.unique(bits)) <= {0, 1}
    # the planes are the image's: bit 7 of R is the top bit of the preview's red channel
    r7 = next(p["bits"] for p in v["planes"] if p["channel"] == "R" and p["bit"] == 7)
    assert np.array_equal(r7, v["preview"][:, :, 0] >> 7)
    rate = v["heat"]["rate"]
    assert rate["values"].dtype == np.float32 and rate["values"].shape == (rate["rows"], rate["cols"])
    assert v["extent"] and v["extent"]["source"] == "payload"
    assert 'data-verdict="stego"' in v["html"]
    # a random payload, nothing to read: the extent comes from the sequential analysis
    cover = ROOT.parent / "shared" / "data" / "starlight-sample" / "clean" / "clean-0029.png"
    stego = stegodetect.embed(cover, np.random.default_rng(29).integers(0, 256, 6000, dtype=np.uint8).tobytes(),
                              "lsb.rgb")
    v = det.inspect(stego)
    assert v["extent"]["source"] == "sequential", v["extent"]
    assert abs(v["extent"]["rows"] - 6001 * 8 / 3 / v["width"]) <= 8
    # a clean image: nothing marked
    v = det.inspect(Image.open(EXAMPLES / "clean-photo.png"))
    assert not v["result"]["is_stego"] and not any(p["evidence"] for p in v["planes"])
    with pytest.raises(stegodetect.DecodeError):
        det.inspect(b"\x89PNG\r\n\x1a\n" + b"\0" * 40)
