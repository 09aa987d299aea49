"""A scanning service in a few lines: FastAPI in front of the native detector and its metrics.

    pip install fastapi uvicorn
    uvicorn examples.python.fastapi_app:app --port 8000     # (or: python examples/python/fastapi_app.py)
    curl --data-binary @image.png localhost:8000/scan
    curl localhost:8000/metrics

Scans run in FastAPI's thread pool; the native scan releases the GIL, so they run in parallel.
An input that cannot be scanned is an error status, never "clean". For a hardened service
(auth, limits, alerts, dashboard) use `stegodetect serve`.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse

import stegodetect

metrics = stegodetect.Metrics()
detector = stegodetect.Detector(metrics=metrics)
app = FastAPI(title="stegodetect (FastAPI example)")


@app.post("/scan")
async def scan(request: Request) -> Dict[str, Any]:
    body = await request.body()
    try:
        r = await run_in_threadpool(detector.scan, body)
    except stegodetect.LimitError as e:
        raise HTTPException(413, str(e)) from e
    except stegodetect.DecodeError as e:
        raise HTTPException(422, str(e)) from e
    except stegodetect.StegodetectError as e:
        raise HTTPException(500, str(e)) from e
    return {"scan_id": r.scan_id, **r.to_dict()}


@app.post("/feedback/{scan_id}")
def feedback(scan_id: int, label: str, method: Optional[str] = None) -> Dict[str, str]:
    try:
        metrics.record_truth(scan_id, label, method)
    except stegodetect.InvalidArgumentError as e:
        raise HTTPException(400, str(e)) from e
    return {"status": "recorded"}


@app.get("/metrics", response_class=PlainTextResponse)
def prometheus() -> PlainTextResponse:
    return PlainTextResponse(metrics.prometheus(), media_type="text/plain; version=0.0.4; charset=utf-8")


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
