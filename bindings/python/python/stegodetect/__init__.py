"""stegodetect: fast, honest steganography detection for images (native core).

    import stegodetect
    det = stegodetect.Detector()            # the built-in model; ONNX Runtime from the onnxruntime package
    r = det.scan("image.png")               # a path, bytes, a PIL image or a numpy array
    if r.is_stego:
        print(r.method, r.probability, r.payload_text)
"""
from __future__ import annotations

import io
import os
from typing import Any, Iterable, List, Optional, Sequence, Union

from ._errors import *  # noqa: F401,F403  (the exception classes)
from ._errors import StegodetectError
from . import _native
from ._native import Metrics, ScanResult, __version__

Scannable = Union[str, "os.PathLike[str]", bytes, bytearray, Any]

_IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp"}


def _runtime_from_package() -> Optional[str]:
    """The onnxruntime wheel's shared library, found without importing onnxruntime."""
    if os.environ.get("ORT_DYLIB_PATH"):
        return None
    import importlib.util

    spec = importlib.util.find_spec("onnxruntime")
    if spec is None or not spec.submodule_search_locations:
        return None
    capi = os.path.join(list(spec.submodule_search_locations)[0], "capi")
    try:
        libs = sorted(f for f in os.listdir(capi) if f.startswith("libonnxruntime.so"))
    except OSError:
        return None
    return os.path.join(capi, libs[-1]) if libs else None


def _to_native(x: Scannable) -> Union[str, "os.PathLike[str]", bytes, bytearray]:
    """Paths and bytes pass through; PIL images and numpy arrays are encoded as PNG (lossless)."""
    if isinstance(x, (str, bytes, bytearray)) or hasattr(x, "__fspath__"):
        return x
    if isinstance(x, memoryview):
        return bytes(x)
    try:
        from PIL import Image
    except ImportError as e:  # pragma: no cover - Pillow is needed only for these inputs
        raise TypeError("scanning PIL images or numpy arrays needs Pillow") from e
    if isinstance(x, Image.Image):
        img = x
    elif hasattr(x, "__array_interface__"):
        img = Image.fromarray(x)
    else:
        raise TypeError(f"cannot scan a {type(x).__name__}: give a path, bytes, a PIL image or a numpy array")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


class Detector:
    """A detector over the native core. One instance may be shared between threads: scans release
    the GIL and run in parallel natively."""

    def __init__(
        self,
        model: Optional[Union[str, "os.PathLike[str]"]] = None,
        *,
        threads: Optional[int] = None,
        threshold: float = 0.5,
        rules_only: bool = False,
        runtime: Optional[Union[str, "os.PathLike[str]"]] = None,
        max_file_bytes: Optional[int] = None,
        max_pixels: Optional[int] = None,
        max_frames: Optional[int] = None,
        extract: bool = True,
        lsb_rate_midpoint: Optional[float] = None,
        metrics: Optional[Metrics] = None,
    ) -> None:
        if runtime is None and not rules_only:
            runtime = _runtime_from_package()
        self._native = _native.Detector(
            model,
            threads=threads,
            threshold=threshold,
            rules_only=rules_only,
            runtime=runtime,
            max_file_bytes=max_file_bytes,
            max_pixels=max_pixels,
            max_frames=max_frames,
            extract=extract,
            lsb_rate_midpoint=lsb_rate_midpoint,
            metrics=metrics,
        )
        self.metrics = metrics

    @property
    def model(self) -> Optional[dict]:
        """The deciding model's id and SHA-256, or None with rules only."""
        return self._native.model

    def scan(self, x: Scannable) -> ScanResult:
        """Scan one image: a path, bytes, a PIL image or a numpy array (HxW or HxWxC uint8)."""
        return self._native.scan_native(_to_native(x))

    def scan_many(
        self, items: Iterable[Scannable], jobs: Optional[int] = None, progress: bool = False
    ) -> List[Union[ScanResult, StegodetectError]]:
        """Scan many images in parallel (native threads, GIL released). Returns, in order, a
        ScanResult or the exception each input failed with (errors are never clean)."""
        native = [_to_native(x) for x in items]
        if not progress:
            return self._native.scan_many_native(native)
        try:
            from tqdm import tqdm  # optional
        except ImportError:
            tqdm = None
        out: List[Union[ScanResult, StegodetectError]] = []
        chunk = max(16, 4 * (jobs or os.cpu_count() or 1))
        bar = tqdm(total=len(native)) if tqdm else None
        for i in range(0, len(native), chunk):
            out.extend(self._native.scan_many_native(native[i : i + chunk]))
            if bar:
                bar.update(min(chunk, len(native) - i))
        if bar:
            bar.close()
        return out

    def scan_directory(
        self, path: Union[str, "os.PathLike[str]"], recursive: bool = True, progress: bool = False
    ) -> List[tuple]:
        """Scan every image file under a directory: [(path, ScanResult or exception)], sorted."""
        files: List[str] = []
        for root, dirs, names in os.walk(path):
            dirs.sort()
            files.extend(
                os.path.join(root, n)
                for n in sorted(names)
                if os.path.splitext(n)[1].lower() in _IMAGE_EXTENSIONS
            )
            if not recursive:
                break
        return list(zip(files, self.scan_many(files, progress=progress)))

    def extract(self, x: Scannable) -> List[dict]:
        """Every payload found in an image."""
        return self._native.extract_native(_to_native(x))


__all__ = ["Detector", "ScanResult", "Metrics", "__version__"] + [
    n for n in dir() if n.endswith("Error")
]
