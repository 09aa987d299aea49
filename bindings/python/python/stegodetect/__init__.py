"""stegodetect: fast, honest steganography detection for images (native core).

    import stegodetect
    det = stegodetect.Detector()            # the built-in model; ONNX Runtime from the onnxruntime package
    r = det.scan("image.png")               # a path, bytes, a PIL image or a numpy array
    if r.is_stego:
        print(r.method, r.probability, r.payload_text)
"""
from __future__ import annotations

import functools
import io
import json
import os
from typing import Any, Dict, Iterable, List, Optional, Protocol, Tuple, TypedDict, Union, cast

from ._errors import (
    DecodeError as DecodeError,
    EmbedError as EmbedError,
    InternalError as InternalError,
    InvalidArgumentError as InvalidArgumentError,
    LimitError as LimitError,
    ModelError as ModelError,
    NotFoundError as NotFoundError,
    RuntimeNotFoundError as RuntimeNotFoundError,
    StegodetectError as StegodetectError,
    StegodetectFileNotFoundError as StegodetectFileNotFoundError,
    StegodetectIOError as StegodetectIOError,
    StegodetectPermissionError as StegodetectPermissionError,
)
from . import _native
from ._native import Metrics as Metrics, ScanResult as ScanResult, __version__ as __version__

class SupportsArrayInterface(Protocol):
    """An image given as pixels: a numpy array or a PIL image (anything with the array interface)."""

    @property
    def __array_interface__(self) -> Dict[str, Any]: ...


#: What `Detector.scan` takes: a path, the file's bytes, a numpy array or a PIL image.
Scannable = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, SupportsArrayInterface]


class ModelInfo(TypedDict):
    """The deciding model: its id (from the model's metadata) and the SHA-256 of the file."""

    id: str
    sha256: str


#: One entry of `Detector.scan_directory`: the path and its result or the exception it failed with.
DirectoryEntry = Tuple[str, Union[ScanResult, "StegodetectError"]]


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


_PIXEL_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def _pixels(x: Any) -> Optional[Tuple[bytes, int, int, str]]:
    """Raw 8-bit pixels of a PIL image (L, LA, RGB, RGBA) or a uint8 numpy array (HxW or HxWxC,
    C in 1..4) as (data, width, height, mode), or None when the input needs a container."""
    if hasattr(x, "__array_interface__") and not hasattr(x, "getbands"):
        import numpy as np

        a = np.asarray(x)
        if a.dtype != np.uint8 or a.ndim not in (2, 3) or (a.ndim == 3 and a.shape[2] not in _PIXEL_MODES):
            return None
        channels = 1 if a.ndim == 2 else a.shape[2]
        # copied twice (tobytes, then into the core's planes: the abi3 buffer API of Python 3.9
        # offers no borrowed view), never encoded
        return np.ascontiguousarray(a).tobytes(), a.shape[1], a.shape[0], _PIXEL_MODES[channels]
    mode = getattr(x, "mode", None)
    if mode in ("L", "LA", "RGB", "RGBA") and hasattr(x, "tobytes"):
        return x.tobytes(), x.size[0], x.size[1], mode
    return None


def _to_native(x: Scannable) -> Union[str, "os.PathLike[str]", bytes, bytearray]:
    """Paths and bytes pass through (bytes are borrowed, not copied); other images are encoded as
    PNG (lossless)."""
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
        import numpy as np

        a = np.asarray(x)
        # 8-bit arrays took the pixel path; 16-bit grey and boolean masks are real images too
        if not ((a.dtype == np.uint16 and a.ndim == 2) or (a.dtype == np.bool_ and a.ndim == 2)):
            raise InvalidArgumentError(
                f"cannot scan a {a.dtype} array of shape {a.shape}: give uint8 pixels as HxW or HxWxC "
                "(C = 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA), or a 2-D uint16 / bool array",
                "invalid_argument")
        img = Image.fromarray(a)
    else:
        raise TypeError(f"cannot scan a {type(x).__name__}: give a path, bytes, a PIL image or a numpy array")
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


class Detector:
    """A detector over the native core. One instance may be shared between threads: scans release
    the GIL and run in parallel natively.

    Arguments: `model` an ONNX file (None: the built-in model); `threads` intra-op threads of the
    model; `threshold` the stego probability above which an image is called stego; `rules_only`
    decide without a model (no ONNX Runtime needed); `runtime` the ONNX Runtime library file
    (default: the `onnxruntime` package installed beside this one, else ORT_DYLIB_PATH,
    $VIRTUAL_ENV, the system loader's places); `max_file_bytes`, `max_pixels`, `max_frames`
    limits for hostile input; `extract` recover payloads; `lsb_rate_midpoint` the scattered-LSB
    rate scored 0.5; `sequential_lsb` the payload-agnostic sequential analysis (random,
    encrypted payloads written from the first pixel; on by default, one or two ms per lossless
    image); `steghide_seeds` search every JPEG for steghide's embedding under all 2^32 seeds of
    its generator (finds steghide output whatever the passphrase and reads unencrypted payloads,
    at tens of seconds per JPEG: off by default); `passphrases` tried on every JPEG as
    steghide passphrases and OutGuess keys, besides what every scan tries (steghide's built-in
    common passphrases, the empty one and about 260 of the most used; OutGuess's default key and
    the same common ones as keys) (a few microseconds each; what one opens is decrypted and returned as the payload); `metrics` a registry every scan is recorded in.

    Raises `RuntimeNotFoundError` (what was searched and how to install it) when a model is used
    and no ONNX Runtime is found, `ModelError` for a model that cannot be loaded (a PyTorch
    checkpoint, a wrong signature), `InvalidArgumentError` for options out of range."""

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
        sequential_lsb: bool = True,
        steghide_seeds: bool = False,
        passphrases: Optional[List[str]] = None,
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
            sequential_lsb=sequential_lsb,
            steghide_seeds=steghide_seeds,
            passphrases=passphrases,
            metrics=metrics,
        )
        self.metrics = metrics

    @property
    def model(self) -> Optional[ModelInfo]:
        """The deciding model's id and SHA-256, or None with rules only."""
        return cast(Optional[ModelInfo], self._native.model)

    def scan(self, x: Scannable) -> ScanResult:
        """Scan one image: a path, bytes, a PIL image or a numpy array (HxW or HxWxC uint8).

        8-bit L/LA/RGB/RGBA pixels (arrays, PIL images) are scanned as they are, without encoding:
        the result is that of the same pixels in a lossless PNG without metadata. Other modes
        (palette, 16-bit) are encoded as PNG first."""
        px = _pixels(x)
        if px is not None:
            return self._native.scan_pixels_native(*px)
        return self._native.scan_native(_to_native(x))

    def scan_many(
        self, items: Iterable[Scannable], jobs: Optional[int] = None, progress: bool = False
    ) -> List[Union[ScanResult, StegodetectError]]:
        """Scan many images in parallel (native threads, GIL released; `jobs` threads, default one
        per core). Returns, in order, a ScanResult or the exception each input failed with
        (errors are never clean). `progress=True` shows a tqdm bar when tqdm is installed.
        In a child made by fork() the native library runs the batch on a thread pool of its own.
        Arrays and PIL images (L, LA, RGB, RGBA, 8-bit) go through the native pixel path as in
        `scan`; other modes are encoded as PNG."""
        native: List[Any] = []
        for x in items:
            px = _pixels(x)
            native.append(px if px is not None else _to_native(x))
        bar = None
        if progress:
            try:
                from tqdm import tqdm  # optional dependency
            except ImportError:
                pass
            else:
                bar = tqdm(total=len(native), unit="img")
        if bar is None:
            return self._native.scan_many_native(native, jobs)
        out: List[Union[ScanResult, StegodetectError]] = []
        # chunks large enough to keep every thread busy, small enough for a live bar
        chunk = max(32, 8 * (jobs or os.cpu_count() or 1))
        try:
            for i in range(0, len(native), chunk):
                part = self._native.scan_many_native(native[i : i + chunk], jobs)
                out.extend(part)
                bar.update(len(part))
        finally:
            bar.close()
        return out

    def scan_directory(
        self,
        path: Union[str, "os.PathLike[str]"],
        recursive: bool = True,
        progress: bool = False,
        jobs: Optional[int] = None,
        follow_symlinks: bool = True,
        all_files: bool = False,
    ) -> List[DirectoryEntry]:
        """Scan every image file under a directory: [(path, ScanResult or exception)], in the
        library's walk order (the CLI's rules: entries sorted by name, image extensions unless
        `all_files`, symbolic links followed with loop detection unless `follow_symlinks` is
        False). An entry that is skipped (a link not followed, a loop, a dangling link, a FIFO or
        device) or unreadable is never dropped: it comes with a `StegodetectIOError`."""
        entries = _native.walk_inputs(
            [path], all_files=all_files, follow_symlinks=follow_symlinks, recursive=recursive
        )
        files = [p for kind, p, _ in entries if kind == "file"]
        scanned = dict(zip(files, self.scan_many(files, jobs=jobs, progress=progress)))
        out: List[DirectoryEntry] = []
        for kind, p, reason in entries:
            if kind == "file":
                out.append((p, scanned[p]))
            elif kind in ("skipped", "unreadable"):
                out.append((p, StegodetectIOError(f"{kind}: {p}: {reason}", "io")))
        return out

    def inspect(self, x: Scannable, *, html: bool = False) -> Dict[str, Any]:
        """The analyst's view of an image (what ``stegodetect inspect`` shows), e.g. for a
        notebook: the scan's ``result``, ``width``, ``height``, ``scale`` (planes are sampled
        every ``scale`` pixels), ``extent`` (a sequential payload's estimated extent or None),
        ``metadata`` and ``trailer``; ``preview`` (uint8 HxWx4), ``planes`` (dicts with
        ``channel``, ``bit``, ``evidence`` and ``bits``, a uint8 HxW array of 0/1) and ``heat``
        (``rate`` and ``pairs`` grids: ``block`` in pixels and ``values``, a float32 rows x cols
        array, NaN where a block has no estimate; None for lossy images). Arrays are numpy arrays
        when numpy is installed, else ``(bytes, dtype, shape)``. With ``html=True`` the rendered
        page is under ``html`` (self-contained)."""
        # pixels (PIL images, numpy arrays) are inspected as a lossless PNG of them
        info, arrays, page = self._native.inspect_native(_to_native(x), html)
        try:
            import numpy as np

            def arr(raw: bytes, dtype: str, shape: List[int]) -> Any:
                return np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape)
        except ImportError:  # pragma: no cover - numpy is optional
            def arr(raw: bytes, dtype: str, shape: List[int]) -> Any:
                return (raw, dtype, shape)
        by_name = {name: arr(raw, dtype, shape) for name, raw, dtype, shape in arrays}
        info["preview"] = by_name["preview"]
        for p in info["planes"]:
            p["bits"] = by_name[f"plane:{p['channel']}{p['bit']}"]
        heat = info.get("heat")
        if heat:
            for key in ("rate", "pairs"):
                if heat.get(key) is not None:
                    heat[key]["values"] = by_name[f"heat:{key}"]
        if html:
            info["html"] = page
        return info

    def extract(self, x: Scannable) -> List[Dict[str, Any]]:
        """Every payload found in an image: dicts with ``method``, ``length`` (bytes), ``text``
        (None when not text), ``encoding``, ``bit_order``, ``channel``, ``offset``, ``complete``
        and ``tool`` (None when not a known tool's format). The bytes themselves: `scan(...).payload`."""
        return self._native.extract_native(_to_native(x))


@functools.lru_cache(maxsize=8)
def _shared(options: Tuple[Tuple[str, Any], ...]) -> Detector:
    return Detector(**dict(options))


def shared_detector(**options: Any) -> Detector:
    """A detector created once per process for these options (hashable keyword arguments of
    `Detector`) and reused: for worker processes (Dask, multiprocessing) that scan many batches
    and should load the model once."""
    return _shared(tuple(sorted(options.items())))


def embed(
    cover: Union[bytes, str, "os.PathLike[str]"],
    payload: Union[bytes, str],
    method: str,
    *,
    bit_order: str = "msb-first",
    starlight_quirks: bool = False,
    output_format: Optional[str] = None,
    scatter_key: Optional[int] = None,
) -> bytes:
    """Write `payload` into `cover` with one of the five methods (alpha, palette, lsb.rgb, exif,
    raw) in Starlight's byte layout, or in a JPEG's DCT coefficients with `jpeg.jsteg` (jsteg's
    length header; non-JPEG covers are encoded as JPEG first); returns the stego file. The
    generator, for tests and training. `cover` is a file's bytes or its path; text payloads are
    encoded as UTF-8."""
    if not isinstance(cover, (bytes, bytearray)):
        with open(cover, "rb") as f:
            cover = f.read()
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    return _native.embed(bytes(cover), data, method, bit_order=bit_order, starlight_quirks=starlight_quirks,
                         output_format=output_format, scatter_key=scatter_key)


def _json_text(x: Union[Dict[str, Any], str, "os.PathLike[str]"]) -> str:
    if isinstance(x, dict):
        return json.dumps(x)
    with open(x, encoding="utf-8") as f:
        return f.read()


def regress(
    baseline: Union[Dict[str, Any], str, "os.PathLike[str]"],
    current: Union[Dict[str, Any], str, "os.PathLike[str]"],
    rules: Optional[Union[Dict[str, Any], str, "os.PathLike[str]"]] = None,
) -> Dict[str, Any]:
    """The regression gate of `stegodetect regress`: compare two eval reports or metrics
    snapshots (dicts or JSON files). Returns {"passed", "rules", "checks", "table"}; raises
    InvalidArgumentError for a baseline without the required fields."""
    return _native.regress(_json_text(baseline), _json_text(current),
                           None if rules is None else _json_text(rules))


def evaluate(
    detector: Detector,
    *,
    dataset: Optional[Union[str, "os.PathLike[str]"]] = None,
    manifest: Optional[Union[str, "os.PathLike[str]"]] = None,
    max_fpr: Optional[float] = None,
    min_detection: Optional[float] = None,
) -> Dict[str, Any]:
    """Evaluate on a labelled set (a Starlight-style directory with sidecars, or a CSV/JSONL
    manifest): the report of `stegodetect eval` (FPR, detection per method with Wilson
    intervals, latency percentiles, ...). Errors are counted apart, never as clean."""
    return _native.evaluate(detector._native, dataset=dataset, manifest=manifest,
                            max_fpr=max_fpr, min_detection=min_detection)


def replay_logs(paths: Iterable[Union[str, "os.PathLike[str]"]]) -> Dict[str, Any]:
    """Metrics logs (written by ``Metrics.set_log``, ``stegodetect scan --metrics-log`` or the
    service) read back, as ``stegodetect report --log`` shows them: ``stats`` (scans, stego,
    clean, stego_by_method, scans_by_format, errors_by_kind, latency, model), ``series`` (per
    minute), ``records``, ``first_ts``, ``last_ts`` and ``notes`` (torn or unparseable lines).
    Raises InvalidArgumentError when the logs hold no scan record."""
    return _native.replay_logs(list(paths))


def write_report(
    out_dir: Union[str, "os.PathLike[str]"],
    *,
    logs: Optional[Iterable[Union[str, "os.PathLike[str]"]]] = None,
    eval_report: Optional[Union[str, "os.PathLike[str]"]] = None,
) -> Tuple[str, str]:
    """``stegodetect report``: write ``report.html`` (the dashboard with its data inlined, no
    external assets) and ``report.md`` to ``out_dir`` from metrics logs or from an eval report
    (give exactly one). Returns the two paths."""
    html, md = _native.write_report(out_dir, logs=None if logs is None else list(logs),
                                    eval_report=eval_report)
    return str(html), str(md)


def validate(
    detector: Detector,
    *,
    dataset: Optional[Union[str, "os.PathLike[str]"]] = None,
    manifest: Optional[Union[str, "os.PathLike[str]"]] = None,
    baseline: Optional[Union[str, "os.PathLike[str]"]] = None,
    fresh_covers: Optional[Union[str, "os.PathLike[str]"]] = None,
    fixtures: Optional[Union[str, "os.PathLike[str]"]] = None,
    thresholds: Optional[Union[Dict[str, Any], str, "os.PathLike[str]"]] = None,
    server_exe: Optional[Union[str, "os.PathLike[str]"]] = None,
) -> Dict[str, Any]:
    """The production checks of ``stegodetect validate`` run natively with this detector:
    benchmark (eval of ``dataset``/``manifest`` and the regression gate against ``baseline``),
    fresh stego made from ``fresh_covers``, edge cases (format fixtures read from ``fixtures``,
    the repository's tests/fixtures/clean), load, memory and platform. Returns the report
    (``ready``, ``verdict``, ``checks`` with ``status`` pass / FAIL / not run, ``failures`` and
    ``figures``, ``markdown``, ``eval_report``). A check without its input does not run and fails
    the verdict. The load check's service part starts ``server_exe`` (a ``stegodetect``
    executable) as ``stegodetect serve`` with this detector's options; without it that part
    fails, so the verdict is READY only with a server."""
    return _native.validate(detector._native, dataset=dataset, manifest=manifest, baseline=baseline,
                            fresh_covers=fresh_covers, fixtures=fixtures,
                            thresholds=None if thresholds is None else _json_text(thresholds),
                            server_exe=server_exe)


# a literal list: type checkers (mypy --strict) read it as the explicit exports
__all__ = [
    "Detector", "ScanResult", "Metrics", "Scannable", "SupportsArrayInterface", "ModelInfo", "DirectoryEntry",
    "embed", "evaluate", "regress", "replay_logs", "shared_detector",
    "validate", "write_report", "__version__",
    "StegodetectError", "DecodeError", "LimitError", "InvalidArgumentError", "NotFoundError", "ModelError",
    "RuntimeNotFoundError", "EmbedError", "InternalError", "StegodetectIOError", "StegodetectFileNotFoundError",
    "StegodetectPermissionError",
]
