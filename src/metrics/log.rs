//! Append-only JSONL metrics log with size-based rotation.
//!
//! Each record is serialised to one buffer ending in `\n` and written with a single `write` on a
//! file opened for appending, so concurrent writers never interleave and a killed process leaves
//! whole lines only (a write that the OS cut short is reported as an error, never left silently).
//! When the next record would take the file past `max_bytes`, the file is rotated:
//! `log.jsonl` -> `log.jsonl.1` -> ... -> `log.jsonl.<keep>` (the oldest is dropped).
//! [`read_log`] reads a log back and tolerates a torn last line.
//!
//! Scan records ([`scan_record`]) have these fields: `kind` = `"scan"`, `ts` (seconds since the
//! Unix epoch), `scan_id` (registry id, absent for errors), `file` (when known), `ok`, then for
//! a scan `is_stego`, `probability`, `method`, `format`, `width`, `height`, `bytes`, `model`,
//! `tool`, `payload_bytes` and `payload_preview` (the recovered payload, `null` when none; the
//! preview is [`PREVIEW_CHARS`] characters of text or the first bytes in hex) and `timings_ms`
//! (`decode`, `analysis`, `model`, `total`), or for an error `error_kind` and `error`.
//!
//! Interval records ([`interval_record`], written by `stegodetect serve --metrics-log-interval`)
//! carry the names the reference's monitoring records and their readers use — `timestamp`,
//! `model_version`, `fpr`, `detection_rates` (per method), `performance` (`p50_ms`, `p95_ms`,
//! `p99_ms`, `throughput_per_s`) — plus `kind` = `"interval"`, `ts`, `window` (the interval's
//! outcome counts and latency), `samples` (labelled clean and stego counts behind the rates, which
//! the reference never recorded) and the full registry `snapshot`.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::verdict::ScanResult;

/// Rotation settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogOptions {
    /// Rotate before a record would take the file past this size (bytes; at least one record is
    /// always written to a fresh file, however large).
    pub max_bytes: u64,
    /// Rotated files kept (`.1` newest .. `.keep` oldest); 0 truncates instead of keeping.
    pub keep: usize,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions {
            max_bytes: 64 << 20,
            keep: 5,
        }
    }
}

/// An append-only JSONL log, shareable between threads.
pub struct JsonlLog {
    path: PathBuf,
    opts: LogOptions,
    file: Mutex<(File, u64)>,
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> Error {
    Error::Io {
        path: format!("{what} {}", path.display()),
        file: path.to_path_buf(),
        source: e,
    }
}

fn open_append(path: &Path) -> Result<(File, u64)> {
    let f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io_err("cannot open metrics log", path, e))?;
    let len = f
        .metadata()
        .map_err(|e| io_err("cannot stat metrics log", path, e))?
        .len();
    Ok((f, len))
}

impl JsonlLog {
    /// Open (or create) the log for appending. Fails with an I/O error when the path cannot be
    /// written, so a bad log setting is found before any scan, not after.
    pub fn open(path: impl Into<PathBuf>, opts: LogOptions) -> Result<Self> {
        let path = path.into();
        if opts.max_bytes == 0 {
            return Err(Error::InvalidArgument(
                "metrics log max_bytes must be positive".into(),
            ));
        }
        let file = open_append(&path)?;
        Ok(JsonlLog {
            path,
            opts,
            file: Mutex::new(file),
        })
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append one record as one line, written in one call.
    pub fn append<T: Serialize + ?Sized>(&self, record: &T) -> Result<()> {
        let mut line = serde_json::to_vec(record)
            .map_err(|e| Error::Internal(format!("metrics record not serialisable: {e}")))?;
        line.push(b'\n');
        let mut g = self.file.lock().unwrap_or_else(|p| p.into_inner());
        if g.1 > 0 && g.1 + line.len() as u64 > self.opts.max_bytes {
            self.rotate()?;
            *g = open_append(&self.path)?;
        }
        let n =
            g.0.write(&line)
                .map_err(|e| io_err("cannot write metrics log", &self.path, e))?;
        if n != line.len() {
            // A short write (disk full, file-size limit): cut the torn line off again so the log
            // stays whole lines, and say so rather than pretend. With O_APPEND our n bytes are the
            // file's last n bytes: cut exactly those (not back to our own count of the length,
            // which misses what other processes appended before us).
            if let Ok(len) = g.0.metadata().map(|m| m.len()) {
                let _ = g.0.set_len(len.saturating_sub(n as u64));
            }
            return Err(io_err(
                "short write to metrics log",
                &self.path,
                std::io::Error::new(
                    std::io::ErrorKind::WriteZero,
                    format!("only {n} of {} bytes written", line.len()),
                ),
            ));
        }
        g.1 += n as u64;
        Ok(())
    }

    fn rotated(&self, i: usize) -> PathBuf {
        let mut p = self.path.clone().into_os_string();
        p.push(format!(".{i}"));
        PathBuf::from(p)
    }

    fn rotate(&self) -> Result<()> {
        let keep = self.opts.keep;
        let ren = |from: &Path, to: &Path| -> Result<()> {
            match std::fs::rename(from, to) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(io_err("cannot rotate metrics log", from, e)),
            }
        };
        if keep == 0 {
            return File::create(&self.path)
                .map(|_| ())
                .map_err(|e| io_err("cannot truncate metrics log", &self.path, e));
        }
        for i in (1..keep).rev() {
            ren(&self.rotated(i), &self.rotated(i + 1))?;
        }
        ren(&self.path, &self.rotated(1))
    }
}

/// What [`read_log`] found.
#[derive(Debug, Default)]
pub struct LogContents {
    /// Every complete, parseable record, in file order.
    pub records: Vec<Value>,
    /// The last line had no newline (a writer was killed mid-line, or is writing now); it is
    /// not in `records`.
    pub torn_tail: bool,
    /// Complete lines that were not JSON (1-based line numbers).
    pub bad_lines: Vec<usize>,
}

/// Read a JSONL log, tolerating a torn last line.
pub fn read_log(path: impl AsRef<Path>) -> Result<LogContents> {
    let path = path.as_ref();
    let f = File::open(path).map_err(|e| io_err("cannot open metrics log", path, e))?;
    let mut r = BufReader::new(f);
    let mut out = LogContents::default();
    let mut buf = Vec::new();
    let mut n = 0;
    loop {
        buf.clear();
        let got = r
            .read_until(b'\n', &mut buf)
            .map_err(|e| io_err("cannot read metrics log", path, e))?;
        if got == 0 {
            break;
        }
        n += 1;
        if buf.last() != Some(&b'\n') {
            out.torn_tail = true;
            break;
        }
        match serde_json::from_slice::<Value>(&buf) {
            Ok(v) => out.records.push(v),
            Err(_) => out.bad_lines.push(n),
        }
    }
    Ok(out)
}

/// Seconds since the Unix epoch.
pub fn now_ts() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// One interval's record (fields in the module documentation); `window` names the snapshot's
/// window that the interval covers (`1m`, `5m`, `1h` or `24h`).
pub fn interval_record(s: &super::Snapshot, window: &str) -> Value {
    let w = s.windows.get(window).cloned().unwrap_or_default();
    let now = now_ts();
    json!({
        "kind": "interval",
        "ts": now,
        "timestamp": iso8601(now),
        "model_version": s.model.as_ref().map(|m| m.id.clone()),
        "fpr": s.fpr.rate,
        "detection_rates": s.detection_by_method.iter().map(|(m, r)| (*m, r.rate)).collect::<std::collections::BTreeMap<_, _>>(),
        "samples": {
            "clean": s.fpr.n,
            "stego": s.detection_by_method.iter().map(|(m, r)| (*m, r.n)).collect::<std::collections::BTreeMap<_, _>>(),
        },
        "performance": {
            "p50_ms": w.p50_ms, "p95_ms": w.p95_ms, "p99_ms": w.p99_ms,
            "throughput_per_s": s.throughput_per_s.get(window),
        },
        "window": {"name": window, "stats": w},
        "snapshot": s,
    })
}

/// RFC 3339 UTC time with milliseconds for seconds since the Unix epoch.
pub fn iso8601(ts: f64) -> String {
    let t = UNIX_EPOCH + std::time::Duration::from_secs_f64(ts.max(0.0));
    humantime::format_rfc3339_millis(t).to_string()
}

/// Characters of a payload's preview in a scan record.
pub const PREVIEW_CHARS: usize = 64;

/// One scan's record (fields in the module documentation, in that order). `scan_id` is what
/// [`super::Metrics::record`] returned, so ground truth recorded later can be joined to it.
pub fn scan_record(
    file: Option<&str>,
    scan_id: Option<u64>,
    outcome: &Result<ScanResult>,
) -> Value {
    let r = match outcome {
        Ok(r) => r,
        Err(e) => return failure_record(file, e.kind().as_str(), &e.to_string()),
    };
    let mut v = record_head(file, scan_id);
    let m = v.as_object_mut().expect("object");
    let rest = json!({
        "ok": true,
        "is_stego": r.is_stego,
        "probability": r.probability,
        "method": r.method.map(|m| m.name()),
        "format": r.image.format.as_str(),
        "width": r.image.width,
        "height": r.image.height,
        "bytes": r.image.file_size,
        "model": r.model.as_ref().map(|m| json!({"id": m.id, "sha256": m.sha256})),
        "tool": r.tool.map(|t| t.name()),
        "payload_bytes": r.payload.as_ref().map(|p| p.bytes.len()),
        "payload_preview": r.payload.as_ref().map(|p| p.preview(PREVIEW_CHARS)),
        "timings_ms": {
            "decode": r.timings.decode_us as f64 / 1e3,
            "analysis": r.timings.analysis_us as f64 / 1e3,
            "model": r.timings.model_us as f64 / 1e3,
            "total": r.timings.total_us as f64 / 1e3,
        },
    });
    if let Value::Object(rest) = rest {
        m.extend(rest);
    }
    v
}

/// The record of a scan request that failed: an error of the scan, or a service's rejection
/// ([`super::Metrics::record_failure`]: `timeout`, `busy`, `limit`, `invalid_argument`).
pub fn failure_record(file: Option<&str>, kind: &str, message: &str) -> Value {
    let mut v = record_head(file, None);
    let m = v.as_object_mut().expect("object");
    m.insert("ok".into(), json!(false));
    m.insert("error_kind".into(), json!(kind));
    m.insert("error".into(), json!(message));
    v
}

/// `kind`, `ts`, `scan_id` and `file`: the fields every scan record starts with.
fn record_head(file: Option<&str>, scan_id: Option<u64>) -> Value {
    let mut v = json!({"kind": "scan", "ts": now_ts()});
    if let Some(id) = scan_id {
        v["scan_id"] = json!(id);
    }
    if let Some(f) = file {
        v["file"] = json!(f);
    }
    v
}
