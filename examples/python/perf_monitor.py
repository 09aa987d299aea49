#!/usr/bin/env python3
"""Performance monitor: evaluate a detector on a labelled set, append one JSONL record, run the
regression gate against a baseline, and exit non-zero on a breach (so it can gate CI).

    python examples/python/perf_monitor.py --dataset DIR [--manifest M] [--model MODEL.onnx]
        [--baseline BASELINE.json] [--rules RULES.json] [--output report.json] [--log metrics.jsonl]

--dataset is a Starlight-style directory (stego images with sidecars, clean covers), --manifest a
CSV/JSONL manifest (path,label,method,...). The report written to --output is the full eval report
and can serve as the next run's --baseline. Exit codes: 0 gate passed (or no baseline), 1 a rule
was breached or the report failed its own gates, 2 the inputs could not be used.

The JSONL record keeps the field names of Starlight's monitor_performance.py (timestamp, fpr and
detection_rates in percent, performance.p50_ms/p95_ms/p99_ms) and adds counts, intervals and the
model id, so its readers keep working and nothing is reported without its sample size.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from typing import Any, Dict, List, Optional

import stegodetect


def record(report: Dict[str, Any]) -> Dict[str, Any]:
    """The JSONL record of one run."""
    lat = report.get("latency", {}).get("total", {})
    pct = lambda r: None if r.get("rate") is None else 100.0 * r["rate"]  # noqa: E731
    return {
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
        "model": report.get("model"),
        "model_sha256": report.get("model_sha256"),
        "fpr": pct(report["fpr"]),
        "fpr_counts": {k: report["fpr"].get(k) for k in ("k", "n", "lo", "hi")},
        "detection_rates": {m: pct(r) for m, r in report["detection_by_method"].items()},
        "detection_counts": {m: {"k": r.get("k"), "n": r.get("n")} for m, r in report["detection_by_method"].items()},
        "errors": report["errors"].get("k"),
        "images": report["images"],
        "performance": {
            "p50_ms": lat.get("p50_us", 0) / 1000.0,
            "p95_ms": lat.get("p95_us", 0) / 1000.0,
            "p99_ms": lat.get("p99_us", 0) / 1000.0,
            "images_per_second": report.get("images_per_second"),
        },
        "passed": report.get("passed"),
    }


def append_jsonl(path: str, rec: Dict[str, Any]) -> None:
    line = json.dumps(rec, separators=(",", ":")) + "\n"
    # one write of one whole line, so a killed monitor never leaves half a record
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode("utf-8"))
    finally:
        os.close(fd)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--dataset", help="Starlight-style directory with sidecars")
    src.add_argument("--manifest", help="CSV or JSONL manifest")
    ap.add_argument("--model", help="ONNX model (default: the built-in model)")
    ap.add_argument("--baseline", help="baseline eval report or metrics snapshot (JSON)")
    ap.add_argument("--rules", help="regression thresholds (JSON, fields of stegodetect regress)")
    ap.add_argument("--output", default="metrics.json", help="where the eval report is written")
    ap.add_argument("--log", default="metrics.jsonl", help="JSONL log to append the record to")
    a = ap.parse_args(argv)
    try:
        det = stegodetect.Detector(a.model)
        report = stegodetect.evaluate(det, dataset=a.dataset, manifest=a.manifest)
    except stegodetect.StegodetectError as e:
        print(f"perf_monitor: {e}", file=sys.stderr)
        return 2
    with open(a.output, "w", encoding="utf-8") as f:
        json.dump(report, f, indent=2)
    rec = record(report)
    append_jsonl(a.log, rec)
    print(f"{report['images']} images, FPR {rec['fpr']}%, detection {rec['detection_rates']}, "
          f"p95 {rec['performance']['p95_ms']:.2f} ms, errors {rec['errors']}")
    code = 0 if report.get("passed") else 1
    for why in report.get("failures", []):
        print(f"report gate: {why}")
    if a.baseline:
        try:
            gate = stegodetect.regress(a.baseline, report, a.rules)
        except (stegodetect.StegodetectError, OSError) as e:
            print(f"perf_monitor: baseline unusable: {e}", file=sys.stderr)
            return 2
        print(gate["table"], end="")
        if not gate["passed"]:
            print("REGRESSION: " + "; ".join(c["rule"] for c in gate["checks"] if c["status"] == "FAIL"))
            code = 1
    return code


if __name__ == "__main__":
    sys.exit(main())
