//! Metrics registry shared by every face (CLI, HTTP service, C, Python): scans by verdict, method
//! and format; errors by kind (never counted as clean); latency histograms per stage (decode,
//! analysis, model, total) with percentiles; bytes and pixels scanned; the model in use; and
//! ground truth recorded against scan ids, giving false-positive and detection rates with Wilson
//! intervals. Prometheus text exposition uses bounded label sets only (no paths, no ids).
//!
//! This is the core of the monitoring issue; windows, the JSONL log, alerts and the service build
//! on it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Instant;

pub mod alerts;
pub mod log;
#[cfg(feature = "notify")]
pub mod notify;
mod recorder;
pub mod replay;
mod window;

pub use recorder::{Recorded, Recorder};
pub use window::{SeriesPoint, WindowStats};

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::analysis::Method;
use crate::error::{Error, ErrorKind, Result};
use crate::stats::Rate;
use crate::verdict::{ModelRef, ScanResult};

/// Stages whose latency is recorded.
pub const STAGES: [&str; 4] = ["decode", "analysis", "model", "total"];
/// Scans remembered for ground truth (oldest forgotten first).
const TRUTH_MEMORY: usize = 100_000;

/// Failure kind of a scan that ran past a service's deadline (HTTP 504, or a body read that timed
/// out: 408), for [`Metrics::record_failure`].
pub const TIMEOUT: &str = "timeout";
/// Failure kind of a request shed because the service was at capacity (HTTP 503), for
/// [`Metrics::record_failure`].
pub const BUSY: &str = "busy";
/// Throughput windows, in seconds.
pub const WINDOWS: [(&str, u64); 4] = [("1m", 60), ("5m", 300), ("1h", 3600), ("24h", 86_400)];

struct Inner {
    started: Instant,
    /// `started` as seconds since the Unix epoch.
    started_unix: f64,
    next_id: u64,
    clean: u64,
    stego: u64,
    by_method: [u64; Method::ALL.len()],
    by_format: BTreeMap<&'static str, u64>,
    errors: BTreeMap<&'static str, u64>,
    bytes: u64,
    pixels: u64,
    latency: Vec<Histogram<u64>>,
    model: Option<ModelRef>,
    /// scan id -> (flagged, predicted method), for ground truth
    recent: HashMap<u64, (bool, Option<Method>)>,
    order: VecDeque<u64>,
    truth: Truth,
    /// (second since start, scans finished in it), at most the longest window
    per_second: VecDeque<(u64, u64)>,
    windows: window::Windows,
}

#[derive(Default, Clone, Copy)]
struct Truth {
    fp: u64,
    clean: u64,
    detected: [u64; Method::ALL.len()],
    stego: [u64; Method::ALL.len()],
    right_method: [u64; Method::ALL.len()],
}

/// A thread-safe metrics registry. Recording takes one short lock per scan.
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

fn histogram() -> Histogram<u64> {
    // 1 µs .. 1 h, 3 significant digits
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

/// Latency percentiles of one stage, in microseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Latency {
    /// Samples recorded.
    pub count: u64,
    /// Median.
    pub p50_us: u64,
    /// 95th percentile.
    pub p95_us: u64,
    /// 99th percentile.
    pub p99_us: u64,
    /// Largest.
    pub max_us: u64,
}

/// A point-in-time copy of the registry.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    /// Seconds since the registry was created or reset.
    pub uptime_s: f64,
    /// Images scanned successfully.
    pub scans: u64,
    /// Of those, verdict clean.
    pub clean: u64,
    /// Of those, verdict stego.
    pub stego: u64,
    /// Stego verdicts per method.
    pub stego_by_method: BTreeMap<&'static str, u64>,
    /// Scans per image format.
    pub scans_by_format: BTreeMap<&'static str, u64>,
    /// Inputs that could not be scanned, per error kind, and a service's rejections of scan
    /// requests ([`TIMEOUT`], [`BUSY`], `limit`, `invalid_argument`; see
    /// [`Metrics::record_failure`]).
    pub errors_by_kind: BTreeMap<&'static str, u64>,
    /// Scans (successful or not) per second over the last minute, 5 minutes, hour and day (over
    /// the uptime while it is shorter than the window).
    pub throughput_per_s: BTreeMap<&'static str, f64>,
    /// Bytes of input scanned.
    pub bytes: u64,
    /// Pixels scanned.
    pub pixels: u64,
    /// Latency per stage.
    pub latency: BTreeMap<&'static str, Latency>,
    /// Outcomes and total latency over the last minute, 5 minutes, hour and day (minute and hour
    /// buckets).
    pub windows: BTreeMap<&'static str, WindowStats>,
    /// Model behind the verdicts (the latest seen).
    pub model: Option<ModelRef>,
    /// Clean images (by ground truth) flagged stego.
    pub fpr: Rate,
    /// Stego images (by ground truth) detected, per true method.
    pub detection_by_method: BTreeMap<&'static str, Rate>,
    /// Detected with the right method, per true method.
    pub method_correct_by_method: BTreeMap<&'static str, Rate>,
    /// This process's memory, where the OS reports it (Linux `/proc/self/status`).
    pub memory: Option<ProcessMemory>,
}

impl Snapshot {
    /// The snapshot as JSON with, on request, one window's figures added under `window`
    /// (`1m`, `5m`, `1h`, `24h`: its throughput and outcome stats) and one method's under `method`
    /// (stego verdicts, detection and right-method rates): the `/v1/stats` answer. An unknown
    /// window or method is an invalid argument.
    pub fn view(&self, window: Option<&str>, method: Option<&str>) -> Result<serde_json::Value> {
        let mut v = serde_json::to_value(self).expect("snapshot serialises");
        if let Some(w) = window {
            let (Some(rate), Some(stats)) = (self.throughput_per_s.get(w), self.windows.get(w))
            else {
                return Err(Error::InvalidArgument(format!(
                    "window must be one of 1m, 5m, 1h, 24h, not {w:?}"
                )));
            };
            v["window"] = serde_json::json!({"name": w, "throughput_per_s": rate, "stats": stats});
        }
        if let Some(m) = method {
            let name = m
                .parse::<Method>()
                .map_err(|_| Error::InvalidArgument(format!("unknown method {m:?}")))?
                .name();
            v["method"] = serde_json::json!({
                "name": name,
                "stego": self.stego_by_method.get(name),
                "detection": self.detection_by_method.get(name),
                "method_correct": self.method_correct_by_method.get(name),
            });
        }
        Ok(v)
    }
}

/// Resident memory of the process.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
pub struct ProcessMemory {
    /// Resident set size now.
    pub rss_bytes: u64,
    /// Peak resident set size since the process started.
    pub peak_rss_bytes: u64,
}

impl ProcessMemory {
    /// Read the current figures; `None` where `/proc/self/status` is not available.
    pub fn current() -> Option<Self> {
        let status = std::fs::read_to_string("/proc/self/status").ok()?;
        let kib = |key: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                .map(|k| k * 1024)
        };
        Some(ProcessMemory {
            rss_bytes: kib("VmRSS:")?,
            peak_rss_bytes: kib("VmHWM:")?,
        })
    }
}

impl Metrics {
    /// An empty registry.
    pub fn new() -> Self {
        Metrics {
            inner: Mutex::new(Inner::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Record one scan outcome; returns the scan id (for [`Metrics::record_truth`]) of a
    /// successful scan. Errors are counted by kind, never as clean.
    pub fn record(&self, outcome: &Result<ScanResult>) -> Option<u64> {
        let mut g = self.lock();
        let sec = g.started.elapsed().as_secs();
        g.tick(sec);
        match outcome {
            Err(e) => {
                g.failure(sec, e.kind().as_str());
                None
            }
            Ok(r) => {
                if r.is_stego {
                    g.stego += 1;
                    if let Some(m) = r.method {
                        g.by_method[m.id() as usize] += 1;
                    }
                } else {
                    g.clean += 1;
                }
                *g.by_format.entry(r.image.format.as_str()).or_default() += 1;
                g.bytes += r.image.file_size as u64;
                g.pixels += r.image.width as u64 * r.image.height as u64;
                let t = r.timings;
                for (h, us) in
                    g.latency
                        .iter_mut()
                        .zip([t.decode_us, t.analysis_us, t.model_us, t.total_us])
                {
                    h.saturating_record(us.max(1));
                }
                if r.model.is_some() {
                    g.model = r.model.clone();
                }
                g.windows.record(sec, Some((r.is_stego, t.total_us)));
                let id = g.next_id;
                g.next_id += 1;
                g.recent.insert(id, (r.is_stego, r.method));
                g.order.push_back(id);
                if g.order.len() > TRUTH_MEMORY {
                    if let Some(old) = g.order.pop_front() {
                        g.recent.remove(&old);
                    }
                }
                Some(id)
            }
        }
    }

    /// Record a request that failed around a scan rather than in it: a service's rejections
    /// ([`TIMEOUT`], [`BUSY`], or an [`ErrorKind`] name such as `"limit"` for a body over the
    /// limit). Counted with the scan errors by kind, so error-rate alerts see them.
    pub fn record_failure(&self, kind: &'static str) {
        let mut g = self.lock();
        let sec = g.started.elapsed().as_secs();
        g.tick(sec);
        g.failure(sec, kind);
    }

    /// Record the true label of a scanned image. Each scan id counts once.
    /// A stego label needs its method; a refused label leaves the scan id unlabelled.
    pub fn record_truth(&self, scan_id: u64, stego: bool, method: Option<Method>) -> Result<()> {
        if stego && method.is_none() {
            return Err(Error::InvalidArgument(
                "a stego label needs its method".into(),
            ));
        }
        let mut g = self.lock();
        let (flagged, predicted) = g.recent.remove(&scan_id).ok_or_else(|| {
            Error::NotFound(format!("unknown or already labelled scan id {scan_id}"))
        })?;
        if let Some(m) = method.filter(|_| stego) {
            let i = m.id() as usize;
            g.truth.stego[i] += 1;
            g.truth.detected[i] += flagged as u64;
            g.truth.right_method[i] += (flagged && predicted == Some(m)) as u64;
        } else {
            g.truth.clean += 1;
            g.truth.fp += flagged as u64;
        }
        Ok(())
    }

    /// [`Metrics::record_truth`] from the words every face takes: `label` is `clean` or
    /// `stego`, `method` a method name (needed for `stego`); other words are invalid arguments.
    pub fn record_label(&self, scan_id: u64, label: &str, method: Option<&str>) -> Result<()> {
        let stego = match label {
            "stego" => true,
            "clean" => false,
            other => {
                return Err(Error::InvalidArgument(format!(
                    "label must be clean or stego, not {other:?}"
                )))
            }
        };
        let method = method
            .map(str::parse::<Method>)
            .transpose()
            .map_err(Error::InvalidArgument)?;
        self.record_truth(scan_id, stego, method)
    }

    /// Outcomes of the last hour, minute by minute (for charts).
    pub fn series(&self) -> Vec<SeriesPoint> {
        let g = self.lock();
        g.windows.series(g.started_unix)
    }

    /// Forget everything.
    pub fn reset(&self) {
        *self.lock() = Inner::new();
    }

    /// A copy of the current values.
    pub fn snapshot(&self) -> Snapshot {
        let g = self.lock();
        let now = g.started.elapsed();
        let per_method = |f: &dyn Fn(usize) -> Rate| {
            Method::ALL
                .iter()
                .map(|m| (m.name(), f(m.id() as usize)))
                .collect()
        };
        Snapshot {
            uptime_s: g.started.elapsed().as_secs_f64(),
            scans: g.clean + g.stego,
            clean: g.clean,
            stego: g.stego,
            stego_by_method: Method::ALL
                .iter()
                .map(|m| (m.name(), g.by_method[m.id() as usize]))
                .collect(),
            scans_by_format: g.by_format.clone(),
            errors_by_kind: g.errors.clone(),
            throughput_per_s: g.throughput(now.as_secs_f64()),
            windows: g.windows.all(now.as_secs_f64()),
            bytes: g.bytes,
            pixels: g.pixels,
            latency: STAGES
                .iter()
                .zip(&g.latency)
                .map(|(s, h)| {
                    let q = |p: f64| {
                        if h.is_empty() {
                            0
                        } else {
                            h.value_at_quantile(p)
                        }
                    };
                    (
                        *s,
                        Latency {
                            count: h.len(),
                            p50_us: q(0.5),
                            p95_us: q(0.95),
                            p99_us: q(0.99),
                            max_us: h.max(),
                        },
                    )
                })
                .collect(),
            model: g.model.clone(),
            fpr: Rate::new(g.truth.fp, g.truth.clean),
            detection_by_method: per_method(&|i| Rate::new(g.truth.detected[i], g.truth.stego[i])),
            method_correct_by_method: per_method(&|i| {
                Rate::new(g.truth.right_method[i], g.truth.stego[i])
            }),
            memory: ProcessMemory::current(),
        }
    }

    /// Prometheus text exposition (content type `text/plain; version=0.0.4`).
    pub fn prometheus(&self) -> String {
        let s = self.snapshot();
        let mut o = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, rows: Vec<(String, f64)>| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, v) in rows {
                let _ = writeln!(o, "{name}{labels} {v}");
            }
        };
        metric(
            "stegodetect_scans_total",
            "counter",
            "Images scanned, by verdict.",
            vec![
                ("{verdict=\"clean\"}".into(), s.clean as f64),
                ("{verdict=\"stego\"}".into(), s.stego as f64),
            ],
        );
        metric(
            "stegodetect_stego_total",
            "counter",
            "Stego verdicts by method.",
            s.stego_by_method
                .iter()
                .map(|(m, v)| (format!("{{method=\"{m}\"}}"), *v as f64))
                .collect(),
        );
        metric(
            "stegodetect_scans_by_format_total",
            "counter",
            "Images scanned, by format.",
            s.scans_by_format
                .iter()
                .map(|(f, v)| (format!("{{format=\"{f}\"}}"), *v as f64))
                .collect(),
        );
        let kinds = [
            ErrorKind::Io.as_str(),
            ErrorKind::UnknownFormat.as_str(),
            ErrorKind::Decode.as_str(),
            ErrorKind::Limit.as_str(),
            ErrorKind::InvalidArgument.as_str(),
            ErrorKind::Embed.as_str(),
            ErrorKind::Model.as_str(),
            ErrorKind::RuntimeNotFound.as_str(),
            ErrorKind::Internal.as_str(),
            TIMEOUT,
            BUSY,
        ];
        metric(
            "stegodetect_errors_total",
            "counter",
            "Inputs that could not be scanned, by error kind (never counted as clean).",
            kinds
                .iter()
                .map(|k| {
                    (
                        format!("{{kind=\"{k}\"}}"),
                        s.errors_by_kind.get(k).copied().unwrap_or(0) as f64,
                    )
                })
                .collect(),
        );
        metric(
            "stegodetect_throughput_per_second",
            "gauge",
            "Scans per second over a trailing window.",
            s.throughput_per_s
                .iter()
                .map(|(w, v)| (format!("{{window=\"{w}\"}}"), *v))
                .collect(),
        );
        metric(
            "stegodetect_bytes_total",
            "counter",
            "Bytes of input scanned.",
            vec![(String::new(), s.bytes as f64)],
        );
        metric(
            "stegodetect_pixels_total",
            "counter",
            "Pixels scanned.",
            vec![(String::new(), s.pixels as f64)],
        );
        let mut rows = Vec::new();
        for (stage, l) in &s.latency {
            for (q, v) in [("0.5", l.p50_us), ("0.95", l.p95_us), ("0.99", l.p99_us)] {
                rows.push((
                    format!("{{stage=\"{stage}\",quantile=\"{q}\"}}"),
                    v as f64 / 1e6,
                ));
            }
        }
        metric(
            "stegodetect_latency_seconds",
            "summary",
            "Scan latency per stage.",
            rows,
        );
        metric(
            "stegodetect_ground_truth_fpr",
            "gauge",
            "False-positive rate over images labelled clean.",
            vec![(String::new(), s.fpr.rate)],
        );
        metric(
            "stegodetect_ground_truth_detection",
            "gauge",
            "Detection rate over images labelled stego, by true method.",
            s.detection_by_method
                .iter()
                .map(|(m, r)| (format!("{{method=\"{m}\"}}"), r.rate))
                .collect(),
        );
        if let Some(m) = s.memory {
            metric(
                "stegodetect_process_resident_memory_bytes",
                "gauge",
                "Resident memory of the process.",
                vec![(String::new(), m.rss_bytes as f64)],
            );
            metric(
                "stegodetect_process_peak_resident_memory_bytes",
                "gauge",
                "Peak resident memory of the process.",
                vec![(String::new(), m.peak_rss_bytes as f64)],
            );
        }
        if let Some(m) = &s.model {
            metric(
                "stegodetect_model_info",
                "gauge",
                "The model behind the verdicts (always 1).",
                vec![(
                    format!("{{model=\"{}\",sha256=\"{}\"}}", m.id, m.sha256),
                    1.0,
                )],
            );
        }
        o
    }
}

impl Inner {
    fn new() -> Self {
        Inner {
            started: Instant::now(),
            started_unix: log::now_ts(),
            next_id: 1,
            clean: 0,
            stego: 0,
            by_method: [0; Method::ALL.len()],
            by_format: BTreeMap::new(),
            errors: BTreeMap::new(),
            bytes: 0,
            pixels: 0,
            latency: (0..STAGES.len()).map(|_| histogram()).collect(),
            model: None,
            recent: HashMap::new(),
            order: VecDeque::new(),
            truth: Truth::default(),
            per_second: VecDeque::new(),
            windows: window::Windows::new(),
        }
    }

    /// Count one failure of `kind` in second `sec` (after [`Inner::tick`]).
    fn failure(&mut self, sec: u64, kind: &'static str) {
        *self.errors.entry(kind).or_default() += 1;
        self.windows.record(sec, None);
    }

    /// Count one scan finished in second `sec` since start; drop seconds older than a day.
    fn tick(&mut self, sec: u64) {
        match self.per_second.back_mut() {
            Some((s, n)) if *s == sec => *n += 1,
            _ => self.per_second.push_back((sec, 1)),
        }
        while self
            .per_second
            .front()
            .is_some_and(|&(s, _)| s + WINDOWS[3].1 <= sec)
        {
            self.per_second.pop_front();
        }
    }

    /// Scans per second over each window ending at `now` (seconds since start).
    fn throughput(&self, now: f64) -> BTreeMap<&'static str, f64> {
        WINDOWS
            .iter()
            .map(|&(name, w)| {
                let from = now - w as f64;
                let n: u64 = self
                    .per_second
                    .iter()
                    .filter(|&&(s, _)| s as f64 >= from.floor())
                    .map(|&(_, n)| n)
                    .sum();
                (name, n as f64 / now.clamp(1.0, w as f64))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throughput_windows_count_the_right_seconds() {
        let mut g = Inner::new();
        // 120 scans in second 0, then one per second up to second 3599
        for _ in 0..120 {
            g.tick(0);
        }
        for s in 1..3600 {
            g.tick(s);
        }
        let t = g.throughput(3600.0);
        assert_eq!(t["1m"], 60.0 / 60.0);
        assert_eq!(t["5m"], 300.0 / 300.0);
        assert!((t["1h"] - (3599.0 + 120.0) / 3600.0).abs() < 1e-9);
        // the day window divides by the uptime while it is shorter than a day
        assert!((t["24h"] - (3599.0 + 120.0) / 3600.0).abs() < 1e-9);
        // a day later the old seconds are gone
        g.tick(3600 + 86_400);
        assert_eq!(g.per_second.len(), 1);
    }
}
