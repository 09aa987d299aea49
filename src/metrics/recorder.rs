//! The one way every face records a scan: the registry ([`Metrics`]) and, when one is set, the
//! JSONL log ([`JsonlLog`]), in that order. The CLI's `scan --metrics-log`, `serve`, the C
//! library's `SdMetrics` and Python's `stegodetect.Metrics` all record through a [`Recorder`], so
//! the same scan gives the same counts and the same log line (with the file name when known)
//! whichever face ran it.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use super::log::{failure_record, scan_record, JsonlLog};
use super::Metrics;
use crate::error::{Error, Result};
use crate::verdict::ScanResult;

/// A metrics registry with an optional JSONL log; shareable between threads.
#[derive(Default)]
pub struct Recorder {
    metrics: Metrics,
    log: RwLock<Option<Arc<JsonlLog>>>,
}

/// What recording one outcome gave.
#[derive(Debug)]
#[must_use = "a failed log write is reported here"]
pub struct Recorded {
    /// The registry's id of a successful scan (for ground truth), `None` for an error.
    pub scan_id: Option<u64>,
    /// The log write's error, when a log is set and the write failed. The registry counted the
    /// outcome all the same.
    pub log_error: Option<Error>,
}

impl Recorded {
    /// The scan id, or the log write's error.
    pub fn into_result(self) -> Result<Option<u64>> {
        match self.log_error {
            Some(e) => Err(e),
            None => Ok(self.scan_id),
        }
    }
}

impl Recorder {
    /// A fresh registry and no log.
    pub fn new() -> Self {
        Self::default()
    }

    /// A fresh registry writing to `log` (an `Arc` so a service can also write its interval
    /// records to the same file).
    pub fn with_log(log: impl Into<Arc<JsonlLog>>) -> Self {
        let r = Self::new();
        r.set_log(Some(log.into()));
        r
    }

    /// The registry (snapshots, Prometheus text, ground truth).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Start writing to `log`, or stop logging with `None`. Records already written stay.
    pub fn set_log(&self, log: Option<Arc<JsonlLog>>) {
        *self.log.write().unwrap_or_else(|p| p.into_inner()) = log;
    }

    /// The log being written, if any (a service also writes its interval records to it).
    pub fn log(&self) -> Option<Arc<JsonlLog>> {
        self.log.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The path of the log being written, if any.
    pub fn log_path(&self) -> Option<PathBuf> {
        self.log().map(|l| l.path().to_path_buf())
    }

    /// Record one scan outcome (an error counts as an error of its kind, never as clean), then
    /// append its log record ([`super::log::scan_record`]) with `file` when given.
    pub fn record(&self, file: Option<&str>, outcome: &Result<ScanResult>) -> Recorded {
        let scan_id = self.metrics.record(outcome);
        let log_error = self
            .log()
            .and_then(|l| l.append(&scan_record(file, scan_id, outcome)).err());
        Recorded { scan_id, log_error }
    }

    /// Record a request that failed around its scan (a service's `timeout`, `busy`, ...): counted
    /// by kind in the registry and logged with its message.
    pub fn record_failure(
        &self,
        file: Option<&str>,
        kind: &'static str,
        message: &str,
    ) -> Result<()> {
        self.metrics.record_failure(kind);
        match self.log() {
            Some(l) => l.append(&failure_record(file, kind, message)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::log::{read_log, LogOptions};

    #[test]
    fn records_count_and_log_with_the_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("scans.jsonl");
        let rec = Recorder::new();
        let err: Result<ScanResult> = Err(Error::InvalidArgument("bad".into()));
        // without a log: counted, nothing written
        assert!(rec
            .record(Some("a.png"), &err)
            .into_result()
            .unwrap()
            .is_none());
        rec.set_log(Some(Arc::new(
            JsonlLog::open(&path, LogOptions::default()).unwrap(),
        )));
        assert_eq!(rec.log_path().as_deref(), Some(path.as_path()));
        assert!(rec.record(Some("b.png"), &err).log_error.is_none());
        rec.record_failure(None, crate::metrics::BUSY, "full")
            .unwrap();
        let snap = rec.metrics().snapshot();
        assert_eq!(
            snap.errors_by_kind.values().sum::<u64>(),
            3,
            "{:?}",
            snap.errors_by_kind
        );
        let lines = read_log(&path).unwrap().records;
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["file"], "b.png");
        assert_eq!(lines[0]["ok"], false);
        assert_eq!(lines[1]["error_kind"], "busy");
        rec.set_log(None);
        assert!(rec.log_path().is_none());
    }
}
