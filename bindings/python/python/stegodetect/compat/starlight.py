"""Drop-in for Starlight's scanner: the same constructor and result keys (file_path, is_stego,
stego_probability, method_id, stego_type, confidence, extracted_message, error), computed by the
native core; and its preprocessing, `load_unified_input`, returning the eight V4 arrays."""
from __future__ import annotations

import functools
import os
from typing import Any, List, Optional, Tuple, Union

from .. import Detector, StegodetectError, _native


class StarlightScanner:
    """The reference scanner's public calls over the native core. `model_path`: an ONNX model
    with the Starlight V4 signature (runs unchanged) or None for the built-in model; a PyTorch
    checkpoint (.pth) is refused with ModelError. `num_workers`: threads for directory scans.
    `quiet`: no summary line after scan_directory. Records have the reference's keys: file_path,
    is_stego, stego_probability, method_id, image_format, bit_order ("none" when clean) and, when
    stego, stego_type, confidence and extracted_message or extraction_error; a failure is
    {"file_path", "error": "Could not process ..."} (never raised)."""

    def __init__(self, model_path: Optional[str] = None, num_workers: int = 4, quiet: bool = False) -> None:
        # model_path: an ONNX model with the Starlight V4 signature runs unchanged; None is the
        # built-in model
        self.detector = Detector(model_path, threads=1)
        self.num_workers = num_workers
        self.quiet = quiet

    def scan_file(self, file_path: Union[str, bytes]) -> dict:
        """One record for a path or the file's bytes (named "memory", as the reference does)."""
        # Starlight's scanner names in-memory input "memory"
        name = "memory" if isinstance(file_path, (bytes, bytearray)) else os.fspath(file_path)
        try:
            return self.detector.scan(file_path).starlight_record(name)
        except StegodetectError as e:
            return _native.starlight_error_record(name, str(e))

    def scan_directory(self, path: str, recursive: bool = True, quiet: Optional[bool] = None) -> List[dict]:
        """Scan every image under `path`; `quiet` (the reference's keyword) overrides the
        constructor's setting for this call."""
        out = []
        for file, r in self.detector.scan_directory(path, recursive=recursive, jobs=self.num_workers):
            if isinstance(r, Exception):
                out.append(_native.starlight_error_record(file, str(r)))
            else:
                out.append(r.starlight_record(file))
        if not (self.quiet if quiet is None else quiet):
            stego = sum(1 for r in out if r.get("is_stego"))
            print(f"scanned {len(out)} files: {stego} stego")
        return out


@functools.lru_cache(maxsize=1)
def _preprocessor() -> Any:
    # the V4 streams need no model: a rules-only native detector computes them
    return _native.Detector(rules_only=True)


def load_unified_input(x: Union[str, "os.PathLike[str]", bytes]) -> Tuple[Any, ...]:
    """The eight inputs of Starlight's V4 model for an image (a path or the file's bytes), as its
    `scripts.starlight_utils.load_unified_input` returns them: float32 numpy arrays
    `(pixel_tensor (3,256,256), meta (2048,), alpha (2,256,256), lsb (256,256,3) HWC,
    palette (768,), palette_lsb (1,256,256), format_features (6,), content_features (6,))`.
    Callers permute `lsb` to CHW and add the batch dimension before the model, as the reference
    scanner did. Raises DecodeError (a ValueError) for what cannot be decoded."""
    import numpy as np

    out = []
    for name, raw, shape in _preprocessor().starlight_v4_native(x):
        a = np.frombuffer(bytearray(raw), dtype="<f4").reshape(shape)  # writable, as the reference's
        if name == "lsb":
            a = np.ascontiguousarray(a.transpose(1, 2, 0))  # the reference returns HWC
        out.append(a)
    return tuple(out)
