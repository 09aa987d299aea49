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
import time

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
    with pytest.raises(stegodetect.StegodetectIOError) as e:
        det.scan("/nonexistent/image.png")
    assert isinstance(e.value, OSError)
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
    work = [EXAMPLES / "stego-lsb.png"] * 400
    done = threading.Event()
    ticks = 0

    def scan() -> None:
        det.scan_many(work)
        done.set()

    t = threading.Thread(target=scan)
    start = time.perf_counter()
    t.start()
    while not done.is_set():
        ticks += 1  # only advances while the scanning thread has released the GIL
    t.join()
    elapsed = time.perf_counter() - start
    assert elapsed > 0.05, "the batch was too short to tell"
    assert ticks > 100_000, f"{ticks} ticks in {elapsed:.2f} s: the GIL was held"


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
    with pytest.raises(stegodetect.InvalidArgumentError):
        m.record_truth(r.scan_id, "stego", "lsb.rgb")
    assert m.snapshot()["detection_by_method"]["lsb.rgb"]["k"] == 1
    assert 'stegodetect_scans_total{verdict="stego"} 1' in m.prometheus()
    assert len(log.read_text().splitlines()) == 3
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
    bad = s.scan_file(b"junk")
    assert bad["error"].startswith("Could not process")
    assert len(s.scan_directory(str(EXAMPLES))) == 9


def test_stubs_match_the_native_module() -> None:
    out = subprocess.run([sys.executable, "-m", "mypy.stubtest", "stegodetect._native"],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
