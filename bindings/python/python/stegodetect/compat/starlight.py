"""Drop-in for Starlight's scanner: the same constructor and result keys (file_path, is_stego,
stego_probability, method_id, stego_type, confidence, extracted_message, error), computed by the
native core."""
from __future__ import annotations

import os
from typing import List, Optional, Union

from .. import Detector, StegodetectError, _native


class StarlightScanner:
    def __init__(self, model_path: Optional[str] = None, num_workers: int = 4, quiet: bool = False) -> None:
        # model_path: an ONNX model with the Starlight V4 signature runs unchanged; None is the
        # built-in model
        self.detector = Detector(model_path, threads=1)
        self.num_workers = num_workers
        self.quiet = quiet

    def scan_file(self, file_path: Union[str, bytes]) -> dict:
        name = "<bytes>" if isinstance(file_path, (bytes, bytearray)) else os.fspath(file_path)
        try:
            return self.detector.scan(file_path).starlight_record(name)
        except StegodetectError as e:
            return _native.starlight_error_record(name, str(e))

    def scan_directory(self, path: str, recursive: bool = True) -> List[dict]:
        out = []
        for file, r in self.detector.scan_directory(path, recursive=recursive):
            if isinstance(r, Exception):
                out.append(_native.starlight_error_record(file, str(r)))
            else:
                out.append(r.starlight_record(file))
        if not self.quiet:
            stego = sum(1 for r in out if r.get("is_stego"))
            print(f"scanned {len(out)} files: {stego} stego")
        return out
