//! `stegodetect._native`: the Python face of the core (pyo3, abi3). Thin: it converts arguments,
//! releases the GIL around native work, and maps core errors onto the exception classes of
//! `stegodetect._errors` (which also derive from the fitting builtins). The Python package
//! (`python/stegodetect`) adds input conversion (PIL, numpy) and the Starlight compatibility layer.

use std::path::PathBuf;
use std::sync::Mutex;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use sdcore::metrics::log::{scan_record, JsonlLog, LogOptions};
use sdcore::{Error, ErrorKind, Method, ModelChoice, Options};

/// Map a core error onto `stegodetect._errors`.
fn py_err(py: Python<'_>, e: Error) -> PyErr {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let name = match e.kind() {
        ErrorKind::Io => "StegodetectIOError",
        ErrorKind::UnknownFormat | ErrorKind::Decode => "DecodeError",
        ErrorKind::Limit => "LimitError",
        ErrorKind::InvalidArgument => "InvalidArgumentError",
        ErrorKind::Embed => "EmbedError",
        ErrorKind::Model => "ModelError",
        ErrorKind::RuntimeNotFound => "RuntimeNotFoundError",
        ErrorKind::Internal => "InternalError",
    };
    let cls = MODULE
        .get_or_try_init(py, || py.import("stegodetect._errors").map(|m| m.unbind()))
        .and_then(|m| m.bind(py).getattr(name));
    match cls {
        Ok(cls) => match cls.call1((e.to_string(), e.kind().as_str())) {
            Ok(inst) => PyErr::from_value(inst),
            Err(err) => err,
        },
        Err(err) => err,
    }
}

fn json_to_py(py: Python<'_>, v: &impl serde::Serialize) -> PyResult<Py<PyAny>> {
    let s = serde_json::to_string(v).expect("serialisable");
    Ok(py.import("json")?.call_method1("loads", (s,))?.unbind())
}

/// What can be scanned natively: a path or bytes.
enum Input {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

fn input(x: &Bound<'_, PyAny>) -> PyResult<Input> {
    if let Ok(b) = x.downcast::<PyBytes>() {
        return Ok(Input::Bytes(b.as_bytes().to_vec()));
    }
    if let Ok(b) = x.downcast::<PyByteArray>() {
        return Ok(Input::Bytes(b.to_vec()));
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

/// The metrics registry (the same native registry the CLI, the service and C use).
#[pyclass(frozen, module = "stegodetect._native")]
struct Metrics {
    inner: sdcore::metrics::Metrics,
    log: Mutex<Option<JsonlLog>>,
}

#[pymethods]
impl Metrics {
    #[new]
    fn new() -> Self {
        Metrics {
            inner: sdcore::metrics::Metrics::new(),
            log: Mutex::new(None),
        }
    }

    /// The whole snapshot as a dict.
    fn snapshot(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        json_to_py(py, &self.inner.snapshot())
    }

    /// Prometheus text exposition.
    fn prometheus(&self) -> String {
        self.inner.prometheus()
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
        let stego = match label {
            "stego" => true,
            "clean" => false,
            other => {
                return Err(py_err(
                    py,
                    Error::InvalidArgument(format!("label must be clean or stego, not {other:?}")),
                ))
            }
        };
        let m = method
            .map(|m| m.parse::<Method>().map_err(Error::InvalidArgument))
            .transpose()
            .map_err(|e| py_err(py, e))?;
        self.inner
            .record_truth(scan_id, stego, m)
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
            Some(p) => Some(
                JsonlLog::open(
                    p,
                    LogOptions {
                        max_bytes: max_bytes.unwrap_or(LogOptions::default().max_bytes),
                        ..LogOptions::default()
                    },
                )
                .map_err(|e| py_err(py, e))?,
            ),
            None => None,
        };
        *self.log.lock().unwrap_or_else(|p| p.into_inner()) = log;
        Ok(())
    }

    /// Forget every count.
    fn reset(&self) {
        self.inner.reset()
    }
}

impl Metrics {
    fn record(&self, r: &sdcore::Result<sdcore::ScanResult>) -> Result<Option<u64>, Error> {
        let id = self.inner.record(r);
        if let Some(l) = self.log.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            l.append(&scan_record(None, id, r))?;
        }
        Ok(id)
    }
}

/// One verdict.
#[pyclass(frozen, module = "stegodetect._native")]
struct ScanResult {
    r: sdcore::ScanResult,
    #[pyo3(get)]
    scan_id: Option<u64>,
}

#[pymethods]
impl ScanResult {
    #[getter]
    fn is_stego(&self) -> bool {
        self.r.is_stego
    }
    #[getter]
    fn probability(&self) -> f32 {
        self.r.probability
    }
    #[getter]
    fn method(&self) -> Option<&'static str> {
        self.r.method.map(|m| m.name())
    }
    #[getter]
    fn method_id(&self) -> Option<u8> {
        self.r.method_id
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
        json_to_py(py, &self.r)
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
        r: sdcore::Result<sdcore::ScanResult>,
    ) -> PyResult<ScanResult> {
        let id = match &self.metrics {
            Some(m) => m.get().record(&r).map_err(|e| py_err(py, e))?,
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
                        lsb_rate_midpoint=None, metrics=None))]
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
        metrics: Option<Py<Metrics>>,
    ) -> PyResult<Self> {
        let mut o = Options {
            threshold,
            extract,
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

    /// Scan a path or bytes (the GIL is released while scanning).
    fn scan_native(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<ScanResult> {
        let r = match input(x)? {
            Input::Path(p) => py.detach(|| self.det.scan_path(&p)),
            Input::Bytes(b) => py.detach(|| self.det.scan_bytes(&b)),
        };
        self.finish(py, r)
    }

    /// Scan many paths or bytes in parallel natively (GIL released); per item a ScanResult or
    /// the exception it failed with (returned, not raised).
    fn scan_many_native(
        &self,
        py: Python<'_>,
        items: Vec<Bound<'_, PyAny>>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let inputs: Vec<Input> = items.iter().map(input).collect::<PyResult<_>>()?;
        let results = py.detach(|| {
            use rayon::prelude::*;
            inputs
                .par_iter()
                .map(|i| match i {
                    Input::Path(p) => self.det.scan_path(p),
                    Input::Bytes(b) => self.det.scan_bytes(b),
                })
                .collect::<Vec<_>>()
        });
        results
            .into_iter()
            .map(|r| match self.finish(py, r) {
                Ok(s) => Ok(Py::new(py, s)?.into_any()),
                Err(e) => Ok(e.into_value(py).into_any()),
            })
            .collect()
    }

    /// Every payload found, as a list of dicts.
    fn extract_native(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let r = match input(x)? {
            Input::Path(p) => py.detach(|| {
                sdcore::read_limited(&p, self.det.options().limits.max_file_bytes)
                    .and_then(|b| self.det.extract_bytes(&b))
            }),
            Input::Bytes(b) => py.detach(|| self.det.extract_bytes(&b)),
        };
        let payloads = r.map_err(|e| py_err(py, e))?;
        json_to_py(py, &payloads)
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

/// The native module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", sdcore::VERSION)?;
    m.add_class::<Detector>()?;
    m.add_class::<ScanResult>()?;
    m.add_class::<Metrics>()?;
    m.add_function(wrap_pyfunction!(starlight_error_record, m)?)?;
    Ok(())
}
