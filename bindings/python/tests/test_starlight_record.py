"""stegodetect.compat.starlight against a record of the reference scanner's key/value behaviour
(starlight_reference_record.json, written from ../shared/docs/starlight-reference.md): the same
keys and value types on clean, stego and failed scans, the same method map, probability rule,
bit orders, "memory" for bytes, stripped messages equal to the generator's payloads, and
scan_directory records equal to scan_file's — on the reference generator's own stego files
(48, with sidecars) and clean covers."""
from __future__ import annotations

import json
import pathlib
from typing import Any, Dict

import pytest

from stegodetect.compat.starlight import StarlightScanner

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SAMPLE = ROOT.parent / "shared" / "data" / "starlight-sample"
RECORD = json.loads((HERE / "starlight_reference_record.json").read_text())
TYPES = {"str": str, "bool": bool, "float": float, "int": int}


@pytest.fixture(scope="module")
def scanner() -> StarlightScanner:
    return StarlightScanner(quiet=True)


def check_shape(rec: Dict[str, Any], path: str) -> None:
    """Keys, types and value rules every successful record must follow."""
    rules = RECORD["record"]
    expected = set(rules["always"])
    for key, t in rules["always"].items():
        assert key in rec, (key, rec)
        # JSON numbers: a float field may hold an integral value, never a bool
        ok = isinstance(rec[key], (int, float)) and not isinstance(rec[key], bool) if t == "float" else \
            type(rec[key]) is TYPES[t]
        assert ok, (key, t, rec)
    assert rec["file_path"] == path
    lo, hi = RECORD["probability_range"]
    assert lo <= rec["stego_probability"] <= hi
    assert rec["is_stego"] == (rec["stego_probability"] > 0.5), rec  # strict, as the reference
    assert RECORD["method_id_range"][0] <= rec["method_id"] <= RECORD["method_id_range"][1]
    assert rec["bit_order"] in RECORD["bit_order_values"]
    ext = path.rsplit(".", 1)[-1].lower() if path != RECORD["bytes_file_path"] else None
    if ext in RECORD["image_format_by_extension"]:
        assert rec["image_format"] == RECORD["image_format_by_extension"][ext], rec
    if rec["is_stego"]:
        expected |= set(rules["stego_only"])
        for key, t in rules["stego_only"].items():
            assert isinstance(rec[key], TYPES[t]), (key, rec)
        assert rec["stego_type"] in RECORD["method_map"]
        assert RECORD["method_map"][rec["method_id"]] == rec["stego_type"], rec
        assert 0.0 <= rec["confidence"] <= 1.0
        present = [k for k in rules["stego_one_of"] if k in rec]
        assert len(present) == 1, rec
        assert isinstance(rec[present[0]], str)
        expected |= set(present)
        if "stegodetect_method" in rec:
            assert rec["stegodetect_method"].startswith("jpeg.") and rec["stego_type"] == "lsb.rgb"
            expected.add("stegodetect_method")
    else:
        assert rec["bit_order"] == RECORD["bit_order_when_clean"], rec
    assert set(rec) == expected, sorted(set(rec) ^ expected)


def reference_stego() -> list[pathlib.Path]:
    files = sorted(p for p in (SAMPLE / "reference-stego").iterdir() if p.suffix != ".json" and p.suffix != ".md")
    assert len(files) == 48, "the Starlight sample must sit beside the repository"
    return files


def test_reference_generator_output_matches_the_record(scanner: StarlightScanner) -> None:
    seeds = {p.stem: p.read_text(encoding="utf-8") for p in (SAMPLE / "seeds").glob("*.md")}
    for img in reference_stego():
        sidecar = json.loads(pathlib.Path(str(img) + ".json").read_text())["embedding"]
        rec = scanner.scan_file(str(img))
        check_shape(rec, str(img))
        assert rec["is_stego"] and rec["stego_type"] == sidecar["technique"], (img.name, rec)
        if "bit_order" in sidecar:
            assert rec["bit_order"] == sidecar["bit_order"], (img.name, rec)
        seed = next(s for name, s in seeds.items() if img.name.startswith(name + "_"))
        assert rec.get("extracted_message") == seed.strip(), (img.name, rec.get("extracted_message", "")[:80])


def test_clean_covers_bytes_and_directories_match_the_record(scanner: StarlightScanner) -> None:
    clean = sorted((SAMPLE / "clean").iterdir())[:40]
    by_path = {}
    for p in clean:
        rec = scanner.scan_file(str(p))
        check_shape(rec, str(p))
        by_path[str(p)] = rec
    # bytes are named "memory"
    rec = scanner.scan_file(clean[0].read_bytes())
    check_shape(rec, RECORD["bytes_file_path"])
    # the directory call gives the same records as the file call, with the reference's keywords
    for rec in scanner.scan_directory(str(SAMPLE / "reference-stego"), recursive=True, quiet=True):
        check_shape(rec, rec["file_path"])
        assert rec == scanner.scan_file(rec["file_path"])


def test_failures_are_error_records(scanner: StarlightScanner, tmp_path: pathlib.Path) -> None:
    keys = RECORD["error_record"]["keys"]
    for x, name in [(b"not an image", "memory"), (str(tmp_path / "missing.png"), str(tmp_path / "missing.png"))]:
        rec = scanner.scan_file(x)
        assert set(rec) == set(keys), rec
        assert rec["file_path"] == name
        assert rec["error"].startswith(RECORD["error_record"]["error_prefix"]), rec
