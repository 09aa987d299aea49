//! Metrics logs read back: the scan records of one or more JSONL logs ([`super::log`]) aggregated
//! into the figures of the live registry's `/v1/stats` and `/v1/series` (counts by verdict,
//! method, format and error kind, total latency percentiles, the model, and a per-minute series),
//! for reports made after the fact (`stegodetect report --log`). Typed, so the report and the
//! dashboard read the same field names as the service's.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::log::read_log;
use super::{Latency, SeriesPoint};
use crate::error::{Error, Result};
use crate::stats::percentile;
use crate::vocab::Method;

/// The figures of a set of logs, in the shape of the registry's snapshot where they overlap.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayStats {
    /// Images scanned successfully.
    pub scans: u64,
    /// Of those, verdict stego.
    pub stego: u64,
    /// Of those, verdict clean.
    pub clean: u64,
    /// Stego verdicts per method (every method, zeros included).
    pub stego_by_method: BTreeMap<&'static str, u64>,
    /// Scans per image format.
    pub scans_by_format: BTreeMap<String, u64>,
    /// Failed scans per error kind (never counted as clean).
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Total scan latency (`total` only: logs keep per-stage times but reports show the total).
    pub latency: BTreeMap<&'static str, Latency>,
    /// Records per second over the span of the logs (under the key `1m`, where the dashboard
    /// reads the live rate).
    pub throughput_per_s: BTreeMap<&'static str, f64>,
    /// The model named by the latest scan record that names one (`id`, `sha256`).
    pub model: Option<Value>,
}

/// Most detections a replay lists (the latest ones; the rest are counted in
/// [`Replay::detections_omitted`]).
pub const MAX_DETECTIONS: usize = 1000;

/// One stego verdict of a log, for the report's list of detections.
#[derive(Debug, Clone, Serialize)]
pub struct Detection {
    /// When it was scanned, ISO 8601 (UTC).
    pub time: String,
    /// The scanned file, when the log names one.
    pub file: Option<String>,
    /// The service's scan id (for `/v1/inspect/{scan_id}` while it is recent), when logged.
    pub scan_id: Option<u64>,
    /// The method reported.
    pub method: Option<String>,
    /// The tool recognised, if any.
    pub tool: Option<String>,
    /// The stego probability.
    pub probability: f64,
    /// Size of the recovered payload, when one was recovered.
    pub payload_bytes: Option<u64>,
    /// Its preview (text, or the first bytes in hex).
    pub payload_preview: Option<String>,
}

impl Detection {
    /// The detection of a stego scan record ([`super::log::scan_record`]).
    pub fn from_record(r: &Value) -> Detection {
        let s = |k: &str| r[k].as_str().map(str::to_owned);
        Detection {
            time: r["ts"]
                .as_f64()
                .map_or_else(|| "?".into(), super::log::iso8601),
            file: s("file"),
            scan_id: r["scan_id"].as_u64(),
            method: s("method"),
            tool: s("tool"),
            probability: r["probability"].as_f64().unwrap_or(f64::NAN),
            payload_bytes: r["payload_bytes"].as_u64(),
            payload_preview: s("payload_preview"),
        }
    }
}

/// Scan records of logs, aggregated.
#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    /// Totals.
    pub stats: ReplayStats,
    /// The stego verdicts, in time order (the latest [`MAX_DETECTIONS`]).
    pub detections: Vec<Detection>,
    /// Stego verdicts not listed in `detections` (older than the listed ones).
    pub detections_omitted: u64,
    /// Minute by minute, in time order (the live registry's series type).
    pub series: Vec<SeriesPoint>,
    /// Scan records read.
    pub records: usize,
    /// Time of the first and the last record, seconds since the Unix epoch.
    pub first_ts: f64,
    /// See `first_ts`.
    pub last_ts: f64,
    /// What was skipped while reading (a torn last line, unparseable lines), per file.
    pub notes: Vec<String>,
}

fn count(m: &mut BTreeMap<String, u64>, k: Option<&str>) {
    *m.entry(k.unwrap_or("?").to_string()).or_default() += 1;
}

/// Read the scan records of `paths` (rotated parts in any order: records are sorted by time) and
/// aggregate them. Fails on an unreadable file or when there is no scan record at all.
pub fn replay<P: AsRef<Path>>(paths: &[P]) -> Result<Replay> {
    let mut records = Vec::new();
    let mut notes = Vec::new();
    for p in paths {
        let p = p.as_ref();
        let c = read_log(p)?;
        if c.torn_tail {
            notes.push(format!("{}: torn last line skipped", p.display()));
        }
        if !c.bad_lines.is_empty() {
            notes.push(format!(
                "{}: unparseable lines {:?}",
                p.display(),
                c.bad_lines
            ));
        }
        records.extend(c.records.into_iter().filter(|r| r["kind"] == "scan"));
    }
    if records.is_empty() {
        let names: Vec<PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
        return Err(Error::InvalidArgument(format!(
            "no scan records in {names:?}"
        )));
    }
    let ts = |r: &Value| r["ts"].as_f64().unwrap_or(0.0);
    records.sort_by(|a, b| ts(a).total_cmp(&ts(b)));
    let mut stego_by_method: BTreeMap<&'static str, u64> =
        Method::ALL.iter().map(|m| (m.name(), 0)).collect();
    let (mut by_format, mut errors) = (BTreeMap::new(), BTreeMap::new());
    let (mut scans, mut stego, mut model) = (0u64, 0u64, None);
    let mut latency = Vec::new();
    let mut detections = std::collections::VecDeque::new();
    // per minute: scans, errors, stego, latencies (ms)
    let mut minutes: BTreeMap<i64, (u64, u64, u64, Vec<f64>)> = BTreeMap::new();
    for r in &records {
        let m = minutes.entry((ts(r) / 60.0).floor() as i64).or_default();
        if r["ok"] == true {
            scans += 1;
            m.0 += 1;
            let ms = r["timings_ms"]["total"].as_f64().unwrap_or(0.0);
            latency.push(ms);
            m.3.push(ms);
            count(&mut by_format, r["format"].as_str());
            if r["is_stego"] == true {
                stego += 1;
                detections.push_back(r);
                if detections.len() > MAX_DETECTIONS {
                    detections.pop_front();
                }
                m.2 += 1;
                let method = r["method"].as_str().and_then(|s| s.parse::<Method>().ok());
                match method {
                    Some(method) => *stego_by_method.entry(method.name()).or_default() += 1,
                    None => *stego_by_method.entry("?").or_default() += 1,
                }
            }
            if !r["model"].is_null() {
                model = Some(r["model"].clone());
            }
        } else {
            m.1 += 1;
            count(&mut errors, r["error_kind"].as_str());
        }
    }
    latency.sort_by(f64::total_cmp);
    let us = |p: f64| (percentile(&latency, p) * 1e3).round() as u64;
    let total = Latency {
        count: latency.len() as u64,
        p50_us: us(0.5),
        p95_us: us(0.95),
        p99_us: us(0.99),
        max_us: us(1.0),
    };
    let series = minutes
        .into_iter()
        .map(|(t, (scans, errors, stego, mut l))| {
            l.sort_by(f64::total_cmp);
            SeriesPoint {
                t: (t * 60) as f64,
                scans,
                errors,
                stego,
                p50_ms: percentile(&l, 0.5),
                p95_ms: percentile(&l, 0.95),
                p99_ms: percentile(&l, 0.99),
            }
        })
        .collect();
    let (first_ts, last_ts) = (ts(&records[0]), ts(&records[records.len() - 1]));
    Ok(Replay {
        stats: ReplayStats {
            scans,
            stego,
            clean: scans - stego,
            stego_by_method,
            scans_by_format: by_format,
            errors_by_kind: errors,
            latency: BTreeMap::from([("total", total)]),
            throughput_per_s: BTreeMap::from([(
                "1m",
                records.len() as f64 / (last_ts - first_ts).max(1.0),
            )]),
            model,
        },
        series,
        detections_omitted: stego - detections.len() as u64,
        detections: detections.into_iter().map(Detection::from_record).collect(),
        records: records.len(),
        first_ts,
        last_ts,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::log::{failure_record, JsonlLog, LogOptions};
    use serde_json::json;

    #[test]
    fn logs_add_up_in_time_order() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
        let scan = |ts: f64, stego: bool, method: &str, ms: f64| {
            json!({"kind": "scan", "ts": ts, "ok": true, "is_stego": stego, "method": method,
                   "format": "png", "model": {"id": "m", "sha256": "00"},
                   "timings_ms": {"total": ms}})
        };
        let la = JsonlLog::open(&a, LogOptions::default()).unwrap();
        la.append(&scan(120.0, true, "lsb.rgb", 2.0)).unwrap();
        la.append(&json!({"kind": "interval", "ts": 121.0}))
            .unwrap();
        let lb = JsonlLog::open(&b, LogOptions::default()).unwrap();
        lb.append(&scan(60.0, false, "", 1.0)).unwrap();
        let mut fail = failure_record(Some("x.png"), "decode", "bad");
        fail["ts"] = json!(61.0);
        lb.append(&fail).unwrap();
        std::fs::write(&b, std::fs::read_to_string(&b).unwrap() + "{\"torn").unwrap();
        let r = replay(&[&a, &b]).unwrap();
        assert_eq!((r.records, r.first_ts, r.last_ts), (3, 60.0, 120.0));
        assert_eq!((r.stats.scans, r.stats.stego, r.stats.clean), (2, 1, 1));
        assert_eq!(r.stats.stego_by_method["lsb.rgb"], 1);
        assert_eq!(
            r.stats.stego_by_method.len(),
            Method::ALL.len(),
            "every method, zeros included"
        );
        assert_eq!(r.stats.errors_by_kind["decode"], 1);
        assert_eq!(r.stats.latency["total"].p95_us, 2000);
        assert_eq!(r.series.len(), 2);
        assert_eq!((r.series[0].t, r.series[0].errors), (60.0, 1));
        assert_eq!(r.notes.len(), 1, "{:?}", r.notes);
        assert!(replay(&[dir.path().join("none.jsonl")]).is_err());
        // the one stego verdict is listed, with a readable time
        assert_eq!(r.detections.len(), 1);
        assert_eq!(r.detections_omitted, 0);
        let d = &r.detections[0];
        assert_eq!(d.method.as_deref(), Some("lsb.rgb"));
        assert_eq!(d.time, "1970-01-01T00:02:00.000Z");
    }

    #[test]
    fn detections_keep_the_latest_with_their_payload_preview() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jsonl");
        let log = JsonlLog::open(&a, LogOptions::default()).unwrap();
        for i in 0..MAX_DETECTIONS + 5 {
            log.append(
                &json!({"kind": "scan", "ts": i as f64, "ok": true, "is_stego": true,
                   "method": "lsb.rgb", "file": format!("f{i}.png"), "tool": "stegano",
                   "probability": 0.99, "payload_bytes": 5, "payload_preview": "hello",
                   "timings_ms": {"total": 1.0}}),
            )
            .unwrap();
        }
        let r = replay(&[&a]).unwrap();
        assert_eq!(r.detections.len(), MAX_DETECTIONS);
        assert_eq!(r.detections_omitted, 5);
        let last = r.detections.last().unwrap();
        assert_eq!(
            last.file.as_deref(),
            Some(format!("f{}.png", MAX_DETECTIONS + 4).as_str())
        );
        assert_eq!(
            (last.tool.as_deref(), last.payload_preview.as_deref()),
            (Some("stegano"), Some("hello"))
        );
    }
}
