//! `stegodetect._native`: the Python face of the core (pyo3, abi3). Thin: it converts arguments,
//! releases the GIL around native work, and maps core errors onto the exception classes of
//! `stegodetect._errors` (which also derive from the fitting builtins). The Python package
//! (`python/stegodetect`) adds input conversion (PIL, numpy) and the Starlight compatibility layer.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use rayon::prelude::*;
use sdcore::embed::EmbedOptions;
use sdcore::metrics::log::{JsonlLog, LogOptions};
use sdcore::metrics::Recorder;
use sdcore::planes::ColorMode;
use sdcore::{Error, ErrorKind, Format, ModelChoice, Options};

/// POSIX error numbers the Python exceptions are chosen by (the same on Linux and macOS).
mod libc_errno {
    pub const EPERM: i32 = 1;
    pub const ENOENT: i32 = 2;
    pub const EACCES: i32 = 13;
}

/// Map a core error onto `stegodetect._errors`.
fn py_err(py: Python<'_>, e: Error) -> PyErr {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let name = match e.kind() {
        // the OSError subclass that `except FileNotFoundError` / `PermissionError` expect
        ErrorKind::Io => match e.os_error() {
            Some(libc_errno::ENOENT) => "StegodetectFileNotFoundError",
            Some(libc_errno::EACCES | libc_errno::EPERM) => "StegodetectPermissionError",
            _ => "StegodetectIOError",
        },
        ErrorKind::UnknownFormat | ErrorKind::Decode => "DecodeError",
        ErrorKind::Limit => "LimitError",
        ErrorKind::InvalidArgument => "InvalidArgumentError",
        ErrorKind::Embed => "EmbedError",
        ErrorKind::Model => "ModelError",
        ErrorKind::RuntimeNotFound => "RuntimeNotFoundError",
        ErrorKind::Internal => "InternalError",
        ErrorKind::NotFound => "NotFoundError",
    };
    let cls = MODULE
        .get_or_try_init(py, || py.import("stegodetect._errors").map(|m| m.unbind()))
        .and_then(|m| m.bind(py).getattr(name));
    let inst = cls.and_then(|c| {
        if e.kind() == ErrorKind::Io {
            let file = e.io_file().map(|f| f.to_string_lossy().into_owned());
            c.call1((e.to_string(), e.kind().as_str(), e.os_error(), file))
        } else {
            c.call1((e.to_string(), e.kind().as_str()))
        }
    });
    match inst {
        Ok(inst) => PyErr::from_value(inst),
        Err(err) => err,
    }
}

/// One V4 input array for Python: name, raw float32 bytes, shape.
type V4Array = (&'static str, Py<PyBytes>, Vec<i64>);
/// An array of the inspect view: name, raw bytes, numpy dtype, shape.
type InspectArray = (String, Py<PyBytes>, &'static str, Vec<i64>);

fn json_to_py(py: Python<'_>, v: &impl serde::Serialize) -> PyResult<Py<PyAny>> {
    let s = serde_json::to_string(v).expect("serialisable");
    Ok(py.import("json")?.call_method1("loads", (s,))?.unbind())
}

/// What can be scanned natively: a path, or bytes borrowed from an immutable `bytes` object
/// (zero-copy: the object outlives the GIL-free scan), or an owned copy of a mutable buffer.
enum Input<'a> {
    Path(PathBuf),
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
    /// Raw 8-bit pixels (a numpy array or PIL image, unpacked by the Python layer): samples
    /// (borrowed from the bytes object; copied once on the thread that scans them, as the core
    /// owns its planes), width, height, layout.
    Pixels(pyo3::pybacked::PyBackedBytes, u32, u32, ColorMode),
}

impl Input<'_> {
    /// The file, for metrics log records.
    fn path(&self) -> Option<&std::path::Path> {
        match self {
            Input::Path(p) => Some(p),
            _ => None,
        }
    }

    fn bytes(&self) -> Option<&[u8]> {
        match self {
            Input::Path(_) | Input::Pixels(..) => None,
            Input::Borrowed(b) => Some(b),
            Input::Owned(b) => Some(b),
        }
    }
}

fn pixel_mode(mode: &str) -> Result<ColorMode, Error> {
    match mode {
        "L" => Ok(ColorMode::Grey),
        "LA" => Ok(ColorMode::GreyAlpha),
        "RGB" => Ok(ColorMode::Rgb),
        "RGBA" => Ok(ColorMode::Rgba),
        other => Err(Error::InvalidArgument(format!(
            "pixel mode {other:?} (L, LA, RGB, RGBA)"
        ))),
    }
}

fn input<'a>(x: &'a Bound<'_, PyAny>) -> PyResult<Input<'a>> {
    if let Ok(t) = x.downcast::<pyo3::types::PyTuple>() {
        // (samples, width, height, mode) from the Python layer's pixel unpacking
        if t.len() == 4 {
            let data: pyo3::pybacked::PyBackedBytes =
                t.get_item(0)?.downcast_into::<PyBytes>()?.into();
            let (w, h, mode): (u32, u32, String) = (
                t.get_item(1)?.extract()?,
                t.get_item(2)?.extract()?,
                t.get_item(3)?.extract()?,
            );
            let mode = pixel_mode(&mode).map_err(|e| PyValueError::new_err(e.to_string()))?;
            return Ok(Input::Pixels(data, w, h, mode));
        }
    }
    if let Ok(b) = x.downcast::<PyBytes>() {
        return Ok(Input::Borrowed(b.as_bytes()));
    }
    if let Ok(b) = x.downcast::<PyByteArray>() {
        return Ok(Input::Owned(b.to_vec()));
    }
    if x.is_instance_of::<PyString>() {
        return Ok(Input::Path(PathBuf::from(x.extract::<String>()?)));
    }
    if let Ok(p) = x.extract::<PathBuf>() {
        return Ok(Input::Path(p));
    }
    Err(PyTypeError::new_err(
        "scan takes a path (str or os.PathLike) or bytes; PIL images and numpy arrays are \
         converted by stegodetect.Detector.scan",
    ))
}

/// A file's bytes: borrowed when given in memory, read (within the size limit) from a path.
fn load<'a>(i: &'a Input<'_>, max: u64) -> Result<std::borrow::Cow<'a, [u8]>, Error> {
    match i.bytes() {
        Some(b) => Ok(std::borrow::Cow::Borrowed(b)),
        None => match i {
            Input::Path(p) => sdcore::read_limited(p, max).map(std::borrow::Cow::Owned),
            _ => unreachable!("bytes() is None only for paths"),
        },
    }
}

fn parse<T: std::str::FromStr<Err = String>>(py: Python<'_>, s: &str) -> PyResult<T> {
    s.parse::<T>()
        .map_err(|e| py_err(py, Error::InvalidArgument(e)))
}

/// The metrics registry (the same native registry the CLI, the service and C use).
#[pyclass(frozen, module = "stegodetect._native")]
struct Metrics {
    inner: Recorder,
}

#[pymethods]
impl Metrics {
    #[new]
    fn new() -> Self {
        Metrics {
            inner: Recorder::new(),
        }
    }

    /// The whole snapshot as a dict (the service's `/v1/stats`); `window` (`1m`, `5m`, `1h`,
    /// `24h`) and `method` add that window's and that method's figures.
    #[pyo3(signature = (window=None, method=None))]
    fn snapshot(
        &self,
        py: Python<'_>,
        window: Option<&str>,
        method: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        let v = self
            .inner
            .metrics()
            .snapshot()
            .view(window, method)
            .map_err(|e| py_err(py, e))?;
        json_to_py(py, &v)
    }

    /// Prometheus text exposition.
    fn prometheus(&self) -> String {
        self.inner.metrics().prometheus()
    }

    /// Record the true label of a scan ("clean" or "stego", with the method for stego).
    #[pyo3(signature = (scan_id, label, method=None))]
    fn record_truth(
        &self,
        py: Python<'_>,
        scan_id: u64,
        label: &str,
        method: Option<&str>,
    ) -> PyResult<()> {
        self.inner
            .metrics()
            .record_label(scan_id, label, method)
            .map_err(|e| py_err(py, e))
    }

    /// Append one JSONL record per scan to `path` (rotated past `max_bytes`); None stops.
    #[pyo3(signature = (path, max_bytes=None))]
    fn set_log(
        &self,
        py: Python<'_>,
        path: Option<PathBuf>,
        max_bytes: Option<u64>,
    ) -> PyResult<()> {
        let log = match path {
            Some(p) => Some(Arc::new(
                JsonlLog::open(
                    p,
                    LogOptions {
                        max_bytes: max_bytes.unwrap_or(LogOptions::default().max_bytes),
                        ..LogOptions::default()
                    },
                )
                .map_err(|e| py_err(py, e))?,
            )),
            None => None,
        };
        self.inner.set_log(log);
        Ok(())
    }

    /// Forget every count.
    fn reset(&self) {
        self.inner.metrics().reset()
    }
}

/// One verdict: the decision, its probability, the method and tool, the recovered payload;
/// `to_dict()` has everything (findings, scores, image facts, timings).
#[pyclass(frozen, module = "stegodetect._native")]
struct ScanResult {
    r: sdcore::ScanResult,
    /// The scan's id in the attached metrics registry (for `Metrics.record_truth`), or None.
    #[pyo3(get)]
    scan_id: Option<u64>,
}

#[pymethods]
impl ScanResult {
    /// True when the image is judged to hide a payload (`probability > threshold`).
    #[getter]
    fn is_stego(&self) -> bool {
        self.r.is_stego
    }
    /// The stego probability in [0, 1] (the model's, or the strongest rule evidence's).
    #[getter]
    fn probability(&self) -> f32 {
        self.r.probability
    }
    /// The method when stego ("alpha", "palette", "lsb.rgb", "exif", "raw", "jpeg.jsteg", ...),
    /// else None.
    #[getter]
    fn method(&self) -> Option<&'static str> {
        self.r.method.map(|m| m.name())
    }
    /// The method's id (Starlight's 0-4, then 5-9 for the JPEG-domain methods), else None.
    #[getter]
    fn method_id(&self) -> Option<u8> {
        self.r.method_id
    }
    /// The tool recognised ("stegano", "stego-lsb", "cloacked-pixel", "stepic", "jsteg" by the payload's
    /// format; "steghide", "outguess" by the learned JPEG model or a key; "f5stegojs" under a
    /// password given), or None.
    #[getter]
    fn tool(&self) -> Option<&'static str> {
        self.r.tool.map(|t| t.name())
    }
    /// The recovered payload's bytes, or None.
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        self.r.payload.as_ref().map(|p| PyBytes::new(py, &p.bytes))
    }
    /// The payload as text when it is valid UTF-8, else None.
    #[getter]
    fn payload_text(&self) -> Option<String> {
        self.r
            .payload
            .as_ref()
            .and_then(|p| p.text())
            .map(str::to_string)
    }
    /// Every field (as the CLI's JSON record) in a dict.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &sdcore::verdict::record(None, Ok(&self.r)))
    }
    /// Starlight's scanner record for this result and a path.
    fn starlight_record(&self, py: Python<'_>, path: &str) -> PyResult<Py<PyAny>> {
        json_to_py(
            py,
            &sdcore::compat::starlight_record(path, &Ok(self.r.clone())),
        )
    }
    fn __repr__(&self) -> String {
        match self.r.method {
            Some(m) if self.r.is_stego => {
                format!(
                    "<ScanResult stego {} p={:.3}>",
                    m.name(),
                    self.r.probability
                )
            }
            _ => format!("<ScanResult clean p={:.3}>", self.r.probability),
        }
    }
}

/// Starlight's record for an input that could not be scanned.
#[pyfunction]
fn starlight_error_record(py: Python<'_>, path: &str, message: &str) -> PyResult<Py<PyAny>> {
    json_to_py(py, &sdcore::compat::starlight_error(path, message))
}

/// A detector; share one between threads (scans release the GIL).
#[pyclass(frozen, module = "stegodetect._native")]
struct Detector {
    det: sdcore::Detector,
    metrics: Option<Py<Metrics>>,
}

impl Detector {
    fn finish(
        &self,
        py: Python<'_>,
        file: Option<&std::path::Path>,
        r: sdcore::Result<sdcore::ScanResult>,
    ) -> PyResult<ScanResult> {
        let id = match &self.metrics {
            Some(m) => {
                let file = file.map(|p| p.to_string_lossy());
                m.get()
                    .inner
                    .record(file.as_deref(), &r)
                    .into_result()
                    .map_err(|e| py_err(py, e))?
            }
            None => None,
        };
        r.map(|r| ScanResult { r, scan_id: id })
            .map_err(|e| py_err(py, e))
    }
}

#[pymethods]
impl Detector {
    #[new]
    #[pyo3(signature = (model=None, *, threads=None, threshold=0.5, rules_only=false, runtime=None,
                        max_file_bytes=None, max_pixels=None, max_frames=None, extract=true,
                        lsb_rate_midpoint=None, sequential_lsb=true, steghide_seeds=false,
                        passphrases=None, metrics=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        model: Option<PathBuf>,
        threads: Option<usize>,
        threshold: f32,
        rules_only: bool,
        runtime: Option<PathBuf>,
        max_file_bytes: Option<u64>,
        max_pixels: Option<u64>,
        max_frames: Option<u32>,
        extract: bool,
        lsb_rate_midpoint: Option<f32>,
        sequential_lsb: bool,
        steghide_seeds: bool,
        passphrases: Option<Vec<String>>,
        metrics: Option<Py<Metrics>>,
    ) -> PyResult<Self> {
        let mut o = Options {
            threshold,
            extract,
            sequential_lsb,
            steghide_seeds,
            passphrases: passphrases.unwrap_or_default(),
            runtime_path: runtime,
            model: match (model, rules_only) {
                (Some(_), true) => {
                    return Err(py_err(
                        py,
                        Error::InvalidArgument("model and rules_only exclude each other".into()),
                    ))
                }
                (Some(p), false) => ModelChoice::Path(p),
                (None, true) => ModelChoice::Rules,
                (None, false) => ModelChoice::Default,
            },
            ..Options::default()
        };
        if let Some(t) = threads {
            o.model_threads = t;
        }
        if let Some(v) = max_file_bytes {
            o.limits.max_file_bytes = v;
        }
        if let Some(v) = max_pixels {
            o.limits.max_pixels = v;
        }
        if let Some(v) = max_frames {
            o.limits.max_frames = v;
        }
        if let Some(v) = lsb_rate_midpoint {
            o.lsb_rate_midpoint = v;
        }
        let det = py
            .detach(|| sdcore::Detector::new(o))
            .map_err(|e| py_err(py, e))?;
        Ok(Detector { det, metrics })
    }

    /// Scan a path or bytes (the GIL is released while scanning; bytes are not copied).
    fn scan_native(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<ScanResult> {
        let i = input(x)?;
        let r = py.detach(|| match &i {
            Input::Path(p) => self.det.scan_path(p),
            i => self.det.scan_bytes(i.bytes().unwrap_or_default()),
        });
        self.finish(py, i.path(), r)
    }

    /// Scan raw 8-bit pixels (`mode`: L, LA, RGB or RGBA; `data` row-major interleaved).
    fn scan_pixels_native(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyBytes>,
        width: u32,
        height: u32,
        mode: &str,
    ) -> PyResult<ScanResult> {
        let mode = pixel_mode(mode).map_err(|e| py_err(py, e))?;
        // the core owns its planes: one copy, no encoding
        let samples = data.as_bytes().to_vec();
        let r = py.detach(|| self.det.scan_pixels(width, height, mode, samples));
        self.finish(py, None, r)
    }

    /// Scan many paths or bytes in parallel natively (GIL released); per item a ScanResult or
    /// the exception it failed with (returned, not raised).
    /// `jobs`: threads for this call (default: the global pool, one per core).
    #[pyo3(signature = (items, jobs=None))]
    fn scan_many_native(
        &self,
        py: Python<'_>,
        items: Vec<Bound<'_, PyAny>>,
        jobs: Option<usize>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let inputs: Vec<Input> = items.iter().map(input).collect::<PyResult<_>>()?;
        let pixels: Vec<(usize, &[u8], u32, u32, ColorMode)> = inputs
            .iter()
            .enumerate()
            .filter_map(|(k, i)| match i {
                Input::Pixels(v, w, h, m) => Some((k, &v[..], *w, *h, *m)),
                _ => None,
            })
            .collect();
        let pool = match jobs {
            Some(0) => {
                return Err(py_err(
                    py,
                    Error::InvalidArgument("jobs must be at least 1".into()),
                ))
            }
            Some(n) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(n)
                    .build()
                    .map_err(|e| py_err(py, Error::Internal(e.to_string())))?,
            ),
            None => None,
        };
        let run = || {
            let (paths, bytes): (Vec<_>, Vec<_>) = inputs
                .iter()
                .enumerate()
                .filter(|(_, i)| !matches!(i, Input::Pixels(..)))
                .partition(|(_, i)| matches!(i, Input::Path(_)));
            // files and buffers each go through the batched core entry points
            let mut out: Vec<Option<sdcore::Result<sdcore::ScanResult>>> =
                (0..inputs.len()).map(|_| None).collect();
            let ps: Vec<&std::path::Path> = paths
                .iter()
                .map(|(_, i)| match i {
                    Input::Path(p) => p.as_path(),
                    _ => unreachable!(),
                })
                .collect();
            for ((k, _), r) in paths.iter().zip(self.det.scan_paths(&ps)) {
                out[*k] = Some(r);
            }
            let bs: Vec<&[u8]> = bytes
                .iter()
                .map(|(_, i)| i.bytes().unwrap_or_default())
                .collect();
            for ((k, _), r) in bytes.iter().zip(self.det.scan_many(&bs)) {
                out[*k] = Some(r);
            }
            // pixels through the core's pixel path, in parallel (no container to encode); each
            // copied on the thread that scans it and freed there: copying the whole batch up
            // front grew and trimmed the heap on every call (page faults: 1.35x a scan loop)
            let scanned: Vec<_> = pixels
                .into_par_iter()
                .map(|(k, v, w, h, m)| (k, self.det.scan_pixels(w, h, m, v.to_vec())))
                .collect();
            for (k, r) in scanned {
                out[k] = Some(r);
            }
            out.into_iter()
                .map(|r| r.expect("every input scanned"))
                .collect::<Vec<_>>()
        };
        let results = py.detach(|| match &pool {
            Some(p) => p.install(run),
            None => run(),
        });
        results
            .into_iter()
            .zip(&inputs)
            .map(|(r, i)| match self.finish(py, i.path(), r) {
                Ok(s) => Ok(Py::new(py, s)?.into_any()),
                Err(e) => Ok(e.into_value(py).into_any()),
            })
            .collect()
    }

    /// Every payload found, as a list of dicts.
    fn extract_native(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let i = input(x)?;
        let max = self.det.options().limits.max_file_bytes;
        let r = py.detach(|| load(&i, max).and_then(|b| self.det.extract_bytes(&b)));
        let payloads = r.map_err(|e| py_err(py, e))?;
        json_to_py(py, &payloads)
    }

    /// The analyst's view of an image (`stegodetect::inspect`): its JSON form (arrays left out),
    /// the arrays as `(name, raw bytes, dtype, shape)` — `preview` (uint8 HxWx4), `plane:R0` ...
    /// (uint8 0/1, HxW), `heat:rate` and `heat:pairs` (float32 little-endian, rows x cols) — and,
    /// with `html`, the rendered page.
    #[pyo3(signature = (x, html=false))]
    fn inspect_native(
        &self,
        py: Python<'_>,
        x: &Bound<'_, PyAny>,
        html: bool,
    ) -> PyResult<(Py<PyAny>, Vec<InspectArray>, Option<String>)> {
        let i = input(x)?;
        let max = self.det.options().limits.max_file_bytes;
        let name = i.path().map(|p| p.display().to_string());
        let (ins, page) = py
            .detach(|| {
                let ins = load(&i, max).and_then(|b| self.det.inspect(&b))?;
                let page = match html {
                    true => Some(
                        sdcore::inspect::page::render(&ins, name.as_deref().unwrap_or("image"))?
                            .html,
                    ),
                    false => None,
                };
                Ok::<_, Error>((ins, page))
            })
            .map_err(|e| py_err(py, e))?;
        let (dh, dw) = (ins.display_height as i64, ins.display_width as i64);
        let mut arrays: Vec<InspectArray> = vec![(
            "preview".into(),
            PyBytes::new(py, &ins.preview).unbind(),
            "uint8",
            vec![dh, dw, 4],
        )];
        for p in &ins.planes {
            arrays.push((
                format!("plane:{}{}", p.channel, p.bit),
                PyBytes::new(py, &p.bits).unbind(),
                "uint8",
                vec![dh, dw],
            ));
        }
        if let Some(h) = &ins.heat {
            for (key, g) in [("rate", h.rate.as_ref()), ("pairs", Some(&h.pairs))] {
                let Some(g) = g else { continue };
                let raw: Vec<u8> = g.values.iter().flat_map(|v| v.to_le_bytes()).collect();
                arrays.push((
                    format!("heat:{key}"),
                    PyBytes::new(py, &raw).unbind(),
                    "float32",
                    vec![g.rows as i64, g.cols as i64],
                ));
            }
        }
        Ok((json_to_py(py, &ins)?, arrays, page))
    }

    /// The eight Starlight V4 inputs of an image: [(name, float32 little-endian bytes, shape)],
    /// in the order of the reference's `load_unified_input`, each without the batch dimension
    /// (`lsb` CHW here; the Python layer returns it HWC as the reference does).
    fn starlight_v4_native(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<Vec<V4Array>> {
        let i = input(x)?;
        let max = self.det.options().limits.max_file_bytes;
        let t = py
            .detach(|| load(&i, max).and_then(|b| self.det.starlight_v4_inputs(&b)))
            .map_err(|e| py_err(py, e))?;
        // the model's input order is the order of `load_unified_input`'s tuple
        sdcore::model::STARLIGHT_V4_INPUTS
            .iter()
            .map(|&name| {
                let (data, shape) = t.get(name).expect("a V4 stream");
                let raw: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
                Ok((name, PyBytes::new(py, &raw).unbind(), shape.to_vec()))
            })
            .collect()
    }

    /// Benchmark baseline: seconds per image of `rounds` passes of the core's `scan_bytes` over
    /// `items`, timed in Rust with no Python in the loop (GIL released).
    fn bench_scan_bytes(
        &self,
        py: Python<'_>,
        items: Vec<Bound<'_, PyBytes>>,
        rounds: usize,
    ) -> PyResult<f64> {
        let bufs: Vec<&[u8]> = items.iter().map(|b| b.as_bytes()).collect();
        let rounds = rounds.max(1);
        py.detach(|| {
            let t = std::time::Instant::now();
            for _ in 0..rounds {
                for b in &bufs {
                    self.det.scan_bytes(b)?;
                }
            }
            Ok(t.elapsed().as_secs_f64() / (rounds * bufs.len().max(1)) as f64)
        })
        .map_err(|e| py_err(py, e))
    }

    /// The model in use: {"id", "sha256"} or None with rules only.
    #[getter]
    fn model(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        self.det
            .model()
            .map(|m| json_to_py(py, &serde_json::json!({"id": m.id, "sha256": m.sha256})))
            .transpose()
    }
}

/// Embed a payload into a cover image (bytes in, stego file bytes out): the generator used for
/// tests and training.
#[pyfunction]
#[pyo3(signature = (cover, payload, method, *, bit_order="msb-first", starlight_quirks=false,
                    output_format=None, scatter_key=None))]
#[allow(clippy::too_many_arguments)]
fn embed<'py>(
    py: Python<'py>,
    cover: &[u8],
    payload: &[u8],
    method: &str,
    bit_order: &str,
    starlight_quirks: bool,
    output_format: Option<&str>,
    scatter_key: Option<u64>,
) -> PyResult<Bound<'py, PyBytes>> {
    let output_format = output_format
        .map(|f| {
            Format::from_extension(f).ok_or_else(|| {
                py_err(
                    py,
                    Error::InvalidArgument(format!(
                        "output format {f:?} (png, jpeg, gif, bmp, webp)"
                    )),
                )
            })
        })
        .transpose()?;
    let opts = EmbedOptions {
        method: parse(py, method)?,
        bit_order: parse(py, bit_order)?,
        starlight_quirks,
        output_format,
        scatter_key,
    };
    let out = py
        .detach(|| sdcore::embed::embed(cover, payload, &opts))
        .map_err(|e| py_err(py, e))?;
    Ok(PyBytes::new(py, &out.bytes))
}

/// The regression gate over two JSON documents (eval reports or metrics snapshots) and optional
/// rules (JSON): {"passed", "rules", "checks", "table"}.
#[pyfunction]
#[pyo3(signature = (baseline, current, rules=None))]
fn regress(
    py: Python<'_>,
    baseline: &str,
    current: &str,
    rules: Option<&str>,
) -> PyResult<Py<PyAny>> {
    use sdcore::regress::{compare, passed, table, Figures, Rules};
    let json = |text: &str, what: &str| {
        serde_json::from_str::<serde_json::Value>(text)
            .map_err(|e| py_err(py, Error::InvalidArgument(format!("{what}: {e}"))))
    };
    let rules: Rules = match rules {
        Some(r) => serde_json::from_value(json(r, "rules")?)
            .map_err(|e| py_err(py, Error::InvalidArgument(format!("rules: {e}"))))?,
        None => Rules::default(),
    };
    let base =
        Figures::from_json(&json(baseline, "baseline")?, "baseline").map_err(|e| py_err(py, e))?;
    let cur =
        Figures::from_json(&json(current, "current")?, "current").map_err(|e| py_err(py, e))?;
    let checks = compare(&base, &cur, &rules);
    json_to_py(
        py,
        &serde_json::json!({
            "passed": passed(&checks), "rules": rules, "checks": checks, "table": table(&checks)
        }),
    )
}

/// Evaluate a detector on a labelled set (a Starlight-style directory with sidecars, or a
/// manifest): the report of `stegodetect eval` as a dict.
#[pyfunction]
#[pyo3(signature = (detector, *, dataset=None, manifest=None, max_fpr=None, min_detection=None))]
fn evaluate(
    py: Python<'_>,
    detector: &Detector,
    dataset: Option<PathBuf>,
    manifest: Option<PathBuf>,
    max_fpr: Option<f64>,
    min_detection: Option<f64>,
) -> PyResult<Py<PyAny>> {
    use sdcore::eval;
    let mut gates = eval::Gates::default();
    if let Some(v) = max_fpr {
        gates.max_fpr = v;
    }
    if let Some(v) = min_detection {
        gates.min_detection = v;
    }
    let report = py
        .detach(|| {
            let items = match (&dataset, &manifest) {
                (Some(d), None) => eval::load_sidecar_dir(d)?,
                (None, Some(m)) => eval::load_manifest(m)?,
                _ => {
                    return Err(Error::InvalidArgument(
                        "give exactly one of dataset and manifest".into(),
                    ))
                }
            };
            Ok(eval::evaluate(&detector.det, &items, gates).1)
        })
        .map_err(|e| py_err(py, e))?;
    json_to_py(py, &report)
}

/// The production checks of `stegodetect validate` (`stegodetect::validate::run`) with this
/// detector; `thresholds` is JSON text overriding any default. The load check's service part
/// starts `server_exe` (a `stegodetect` executable) as `serve` with this detector's options;
/// without one that part fails and the verdict is not READY.
#[pyfunction]
#[pyo3(signature = (detector, *, dataset=None, manifest=None, baseline=None, fresh_covers=None, fixtures=None, thresholds=None, server_exe=None))]
#[allow(clippy::too_many_arguments)]
fn validate(
    py: Python<'_>,
    detector: &Detector,
    dataset: Option<PathBuf>,
    manifest: Option<PathBuf>,
    baseline: Option<PathBuf>,
    fresh_covers: Option<PathBuf>,
    fixtures: Option<PathBuf>,
    thresholds: Option<&str>,
    server_exe: Option<PathBuf>,
) -> PyResult<Py<PyAny>> {
    use sdcore::validate::{self, Inputs, ServeCommand, ServeLoad, Thresholds};
    let th: Thresholds = match thresholds {
        Some(t) => serde_json::from_str(t)
            .map_err(|e| py_err(py, Error::InvalidArgument(format!("thresholds: {e}"))))?,
        None => Thresholds::default(),
    };
    let inputs = Inputs {
        dataset,
        manifest,
        baseline,
        fresh_covers,
        thresholds_file: None,
        fixtures,
    };
    let serve = server_exe.map(|exe| ServeCommand {
        exe,
        args: detector.det.options().to_cli_args(),
    });
    let report = py.detach(|| {
        let serve = serve.as_ref().map(|s| s as &dyn ServeLoad);
        validate::run(Ok(&detector.det), &inputs, &th, serve, &|_| {})
    });
    let mut v = serde_json::to_value(&report).expect("reports serialise");
    v["markdown"] = serde_json::Value::String(report.markdown());
    v["eval_report"] = report.eval_report.clone().unwrap_or_default();
    json_to_py(py, &v)
}

/// `stegodetect report`: the dashboard page (data inlined) and a Markdown summary written to
/// `out_dir` from metrics logs or an eval report (exactly one); returns their paths.
#[pyfunction]
#[pyo3(signature = (out_dir, *, logs=None, eval_report=None))]
fn write_report(
    py: Python<'_>,
    out_dir: PathBuf,
    logs: Option<Vec<PathBuf>>,
    eval_report: Option<PathBuf>,
) -> PyResult<(PathBuf, PathBuf)> {
    use sdcore::report;
    py.detach(|| {
        let data = match (logs, eval_report) {
            (Some(l), None) => report::from_logs(&l)?,
            (None, Some(e)) => report::from_eval(&e)?,
            _ => {
                return Err(Error::InvalidArgument(
                    "give exactly one of logs and eval_report".into(),
                ))
            }
        };
        data.write(&out_dir)
    })
    .map_err(|e| py_err(py, e))
}

/// JSONL metrics logs read back (`stegodetect::metrics::replay`, what `stegodetect report --log`
/// shows): `stats` (scans, stego, clean, by method, format and error kind, total latency, the
/// model), `series` (per minute), `records`, `first_ts`, `last_ts`, `notes`.
#[pyfunction]
fn replay_logs(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<Py<PyAny>> {
    let r = py
        .detach(|| sdcore::metrics::replay::replay(&paths))
        .map_err(|e| py_err(py, e))?;
    json_to_py(py, &r)
}

/// The library's directory walk (`stegodetect::inputs`): one `(kind, path, reason)` per entry,
/// kind `file`, `skipped` (a symbolic link not followed, a loop, a dangling link, a special
/// file), `unreadable` or `ignored` (not an image extension); reason for skipped and unreadable.
#[pyfunction]
#[pyo3(signature = (paths, *, all_files=false, follow_symlinks=true, recursive=true))]
fn walk_inputs(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    all_files: bool,
    follow_symlinks: bool,
    recursive: bool,
) -> Vec<(&'static str, String, Option<String>)> {
    use sdcore::inputs::{walk, Input, WalkOptions};
    let opts = WalkOptions {
        all_files,
        follow_symlinks,
        recursive,
    };
    py.detach(|| {
        walk(&paths, opts)
            .map(|i| {
                let name = i.name();
                match i {
                    Input::File(_) | Input::Stdin => ("file", name, None),
                    Input::Skipped { reason, .. } => ("skipped", name, Some(reason)),
                    Input::Unreadable { error, .. } => ("unreadable", name, Some(error)),
                    Input::Ignored(_) => ("ignored", name, None),
                }
            })
            .collect()
    })
}

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", sdcore::VERSION)?;
    m.add_class::<Detector>()?;
    m.add_class::<ScanResult>()?;
    m.add_class::<Metrics>()?;
    m.add_function(wrap_pyfunction!(starlight_error_record, m)?)?;
    m.add_function(wrap_pyfunction!(embed, m)?)?;
    m.add_function(wrap_pyfunction!(regress, m)?)?;
    m.add_function(wrap_pyfunction!(evaluate, m)?)?;
    m.add_function(wrap_pyfunction!(walk_inputs, m)?)?;
    m.add_function(wrap_pyfunction!(replay_logs, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(write_report, m)?)?;
    Ok(())
}
