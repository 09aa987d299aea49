"""Type stubs of the native module (checked against it by mypy.stubtest in the tests)."""
import os
from typing import Any, List, Optional, Tuple, Union

from typing_extensions import final

__all__ = [
    "Detector",
    "Metrics",
    "ScanResult",
    "__version__",
    "embed",
    "evaluate",
    "regress",
    "replay_logs",
    "starlight_error_record",
    "validate",
    "write_report",
    "walk_inputs",
]

__version__: str

@final
class Metrics:
    def __new__(cls) -> Metrics: ...
    def snapshot(self, window: Optional[str] = None, method: Optional[str] = None) -> dict[str, Any]: ...
    def prometheus(self) -> str: ...
    def record_truth(self, scan_id: int, label: str, method: Optional[str] = None) -> None: ...
    def set_log(self, path: Optional[Union[str, os.PathLike[str]]], max_bytes: Optional[int] = None) -> None: ...
    def reset(self) -> None: ...

@final
class ScanResult:
    @property
    def scan_id(self) -> Optional[int]: ...
    @property
    def is_stego(self) -> bool: ...
    @property
    def probability(self) -> float: ...
    @property
    def method(self) -> Optional[str]: ...
    @property
    def method_id(self) -> Optional[int]: ...
    @property
    def tool(self) -> Optional[str]: ...
    @property
    def payload(self) -> Optional[bytes]: ...
    @property
    def payload_text(self) -> Optional[str]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def starlight_record(self, path: str) -> dict[str, Any]: ...

@final
class Detector:
    def __new__(
        cls,
        model: Optional[Union[str, os.PathLike[str]]] = None,
        *,
        threads: Optional[int] = None,
        threshold: float = 0.5,
        rules_only: bool = False,
        runtime: Optional[Union[str, os.PathLike[str]]] = None,
        max_file_bytes: Optional[int] = None,
        max_pixels: Optional[int] = None,
        max_frames: Optional[int] = None,
        extract: bool = True,
        lsb_rate_midpoint: Optional[float] = None,
        sequential_lsb: bool = True,
        steghide_seeds: bool = False,
        passphrases: Optional[List[str]] = None,
        metrics: Optional[Metrics] = None,
    ) -> Detector: ...
    @property
    def model(self) -> Optional[dict[str, Any]]: ...
    def scan_native(self, x: Union[str, os.PathLike[str], bytes, bytearray]) -> ScanResult: ...
    def scan_pixels_native(self, data: bytes, width: int, height: int, mode: str) -> ScanResult: ...
    def scan_many_native(self, items: List[Any], jobs: Optional[int] = None) -> List[Any]: ...
    def extract_native(self, x: Union[str, os.PathLike[str], bytes, bytearray]) -> List[dict[str, Any]]: ...
    def inspect_native(
        self, x: Union[str, os.PathLike[str], bytes, bytearray], html: bool = False
    ) -> Tuple[dict[str, Any], List[Tuple[str, bytes, str, List[int]]], Optional[str]]: ...
    def starlight_v4_native(
        self, x: Union[str, os.PathLike[str], bytes, bytearray]
    ) -> List[Tuple[str, bytes, List[int]]]: ...
    def bench_scan_bytes(self, items: List[bytes], rounds: int) -> float: ...

def starlight_error_record(path: str, message: str) -> dict[str, Any]: ...
def embed(
    cover: bytes,
    payload: bytes,
    method: str,
    *,
    bit_order: str = "msb-first",
    starlight_quirks: bool = False,
    output_format: Optional[str] = None,
    scatter_key: Optional[int] = None,
) -> bytes: ...
def regress(baseline: str, current: str, rules: Optional[str] = None) -> dict[str, Any]: ...
def replay_logs(paths: list[Union[str, os.PathLike[str]]]) -> dict[str, Any]: ...
def write_report(
    out_dir: Union[str, os.PathLike[str]],
    *,
    logs: Optional[list[Union[str, os.PathLike[str]]]] = None,
    eval_report: Optional[Union[str, os.PathLike[str]]] = None,
) -> Tuple[str, str]: ...
def validate(
    detector: Detector,
    *,
    dataset: Optional[Union[str, os.PathLike[str]]] = None,
    manifest: Optional[Union[str, os.PathLike[str]]] = None,
    baseline: Optional[Union[str, os.PathLike[str]]] = None,
    fresh_covers: Optional[Union[str, os.PathLike[str]]] = None,
    fixtures: Optional[Union[str, os.PathLike[str]]] = None,
    thresholds: Optional[str] = None,
    server_exe: Optional[Union[str, os.PathLike[str]]] = None,
) -> dict[str, Any]: ...
def walk_inputs(
    paths: list[Union[str, os.PathLike[str]]],
    *,
    all_files: bool = False,
    follow_symlinks: bool = True,
    recursive: bool = True,
) -> list[tuple[str, str, Optional[str]]]: ...
def evaluate(
    detector: Detector,
    *,
    dataset: Optional[Union[str, os.PathLike[str]]] = None,
    manifest: Optional[Union[str, os.PathLike[str]]] = None,
    max_fpr: Optional[float] = None,
    min_detection: Optional[float] = None,
) -> dict[str, Any]: ...
