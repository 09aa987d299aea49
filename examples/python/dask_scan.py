#!/usr/bin/env python3
"""Distributed scan with Dask: the files of a directory in batches over a cluster's workers, each
worker with one native detector (which itself scans its batch in parallel, GIL released).

    python examples/python/dask_scan.py DIR                        # a LocalCluster on this machine
    python examples/python/dask_scan.py DIR --scheduler tcp://scheduler:8786 --ship-bytes

Output: one JSON line per file (path, is_stego, probability, method, payload_text, error), in
path order. Errors are reported as errors, never as clean.

A real cluster: start `dask scheduler` on one host and `dask worker tcp://scheduler:8786
--nworkers 1 --nthreads 1` on each worker host, each with `pip install stegodetect` (the same
wheel) in its environment; pass --scheduler. If the workers do not see the directory on a shared
file system, add --ship-bytes: the client then reads each file and sends its bytes.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

import stegodetect

_EXTS = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"}


def list_images(root: str) -> List[str]:
    out = []
    for d, dirs, names in os.walk(root):
        dirs.sort()
        out.extend(os.path.join(d, n) for n in sorted(names) if os.path.splitext(n)[1].lower() in _EXTS)
    return sorted(out)


def result_dict(path: str, r: Any) -> Dict[str, Any]:
    if isinstance(r, Exception):
        return {"path": path, "is_stego": None, "probability": None, "method": None, "payload_text": None,
                "error": f"{type(r).__name__}: {r}"}
    return {"path": path, "is_stego": r.is_stego, "probability": r.probability, "method": r.method,
            "payload_text": r.payload_text, "error": None}


def scan_batch(batch: Sequence[Tuple[str, Optional[bytes]]]) -> List[Dict[str, Any]]:
    """Runs on a worker: one detector per worker process, reused across batches."""
    results = stegodetect.shared_detector().scan_many([data if data is not None else path for path, data in batch])
    return [result_dict(path, r) for (path, _), r in zip(batch, results)]


def scan_distributed(client: Any, paths: Sequence[str], batch_size: int = 64,
                     ship_bytes: bool = False, timeout: Optional[float] = None) -> List[Dict[str, Any]]:
    """Scan `paths` on the cluster behind a dask.distributed Client; results in input order.
    `timeout` (seconds) bounds the wait for the whole scan (dask's TimeoutError past it)."""
    from dask.distributed import wait

    items: List[Tuple[str, Optional[bytes]]] = []
    for p in paths:
        if ship_bytes:
            with open(p, "rb") as f:
                items.append((p, f.read()))
        else:
            items.append((os.path.abspath(p), None))
    batches = [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    futures = client.map(scan_batch, batches, pure=False)
    wait(futures, timeout=timeout)
    out: List[Dict[str, Any]] = []
    for part in client.gather(futures):
        out.extend(part)
    if not ship_bytes:  # report the paths as given
        for r, p in zip(out, paths):
            r["path"] = p
    return out


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory")
    ap.add_argument("--scheduler", help="address of a running Dask scheduler (default: a LocalCluster)")
    ap.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--ship-bytes", action="store_true", help="send file bytes (no shared file system)")
    a = ap.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    paths = list_images(a.directory)
    if a.scheduler:
        client = Client(a.scheduler)
        cluster = None
    else:
        cluster = LocalCluster(n_workers=a.workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        results = scan_distributed(client, paths, a.batch_size, a.ship_bytes)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    for r in results:
        print(json.dumps(r))
    return 1 if any(r["error"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
