"""Stego made by third-party tools (not ours), scanned through the Python module: detected, the
tool named, the payload byte-exact. stego-lsb (PyPI, LSBSteg) writes a little-endian size tag
and the data into 1 or 2 LSBs of every channel."""
from __future__ import annotations

import pathlib
import random

import pytest
from PIL import Image

import stegodetect

LSBSteg = pytest.importorskip("stego_lsb.LSBSteg")
import stepic  # noqa: E402  (requirements/test.txt: a missing install fails, not skips)

EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples" / "images"
TEXT = (b"Meet at the north gate after the second bell; bring the ledger and the "
        b"copper key. Nobody else is to know.")


@pytest.fixture(scope="module")
def det() -> stegodetect.Detector:
    return stegodetect.Detector()


# Random (encrypted) payloads show only where the stream after them is not random too: on the
# icon, not on the noisy photo, whose LSB plane is itself noise (a known limit: docs/measured.md).
CASES = [("clean-photo.png", "text"), ("clean-icon.png", "text"), ("clean-icon.png", "random")]


@pytest.mark.parametrize("num_lsb", [1, 2])
@pytest.mark.parametrize("cover,kind", CASES)
def test_stego_lsb(det: stegodetect.Detector, tmp_path: pathlib.Path, num_lsb: int, kind: str,
                   cover: str) -> None:
    im = Image.open(EXAMPLES / cover)
    im = im.convert("RGBA" if im.mode in ("RGBA", "LA", "P") else "RGB")
    payload = TEXT if kind == "text" else random.Random(num_lsb).randbytes(96)
    out = tmp_path / "stego.png"
    LSBSteg.hide_message_in_image(im, payload, num_lsb).save(out)
    # the tool reads back what it wrote
    assert LSBSteg.recover_message_from_image(Image.open(out), num_lsb) == payload
    r = det.scan(out)
    assert r.is_stego, r.to_dict()["findings"]
    assert r.tool == "stego-lsb"
    assert r.payload == payload
    d = r.to_dict()["payload"]
    assert d["tool"] == "stego-lsb" and d.get("lsbs", 1) == num_lsb
    assert d.get("encrypted", False) == (kind == "random")


# stepic (Debian / PyPI) writes each byte into nine LSBs with an end flag and no header. Text is
# named and extracted anywhere; random payloads only where the LSBs after them are not noise too
# (the icon): in the noisy photo the flags are no evidence, and the payload is found, unnamed, by
# the sequential analysis.
@pytest.mark.parametrize("cover,kind", CASES + [("clean-photo.png", "random")])
def test_stepic(det: stegodetect.Detector, tmp_path: pathlib.Path, cover: str, kind: str) -> None:
    im = Image.open(EXAMPLES / cover)
    im = im.convert("RGBA" if im.mode in ("RGBA", "LA", "P") else "RGB")
    payload = TEXT if kind == "text" else random.Random(5).randbytes(96)
    out = tmp_path / "stego.png"
    stepic.encode(im, payload).save(out)
    # the tool reads back what it wrote
    assert stepic.decode(Image.open(out)).encode("latin-1") == payload
    r = det.scan(out)
    assert r.is_stego, r.to_dict()["findings"]
    if (cover, kind) in CASES:
        assert r.tool == "stepic"
        assert r.payload == payload
