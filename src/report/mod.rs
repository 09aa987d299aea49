//! Reports made after the fact, from JSONL metrics logs ([`from_logs`]) or an eval report
//! ([`from_eval`]): the dashboard page with its data inlined (no external assets; the same page
//! `stegodetect serve` answers at `/dashboard`) and a Markdown summary with bar charts in text.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::error::{Error, Result};

/// The dashboard page (self-contained; served live by `stegodetect serve`, or with its data
/// inlined by [`ReportData::html`]).
pub const DASHBOARD_HTML: &str = include_str!("dashboard.html");

/// A report's data, in the shape the dashboard reads (`stats`, `series` or `rate_groups`,
/// `source`), and what was skipped while reading it.
#[derive(Debug, Clone)]
pub struct ReportData {
    /// What the dashboard page shows.
    pub data: Value,
    /// Torn or unparseable log lines, per file.
    pub notes: Vec<String>,
}

impl ReportData {
    /// The dashboard page with the data inlined.
    pub fn html(&self) -> String {
        // `</` is escaped so no record can close the script element
        let inline = format!(
            "<script>window.STEGODETECT_DATA = {};</script>",
            serde_json::to_string(&self.data)
                .expect("report data serialises")
                .replace("</", "<\\/")
        );
        DASHBOARD_HTML.replacen("<!--DATA-->", &inline, 1)
    }

    /// The Markdown summary: totals, counts and rates as tables with bars, the per-minute series.
    pub fn markdown(&self) -> String {
        render_markdown(&self.data, &self.notes)
    }

    /// Write `report.html` and `report.md` into `dir` (created if needed); returns their paths.
    pub fn write(&self, dir: &Path) -> Result<(PathBuf, PathBuf)> {
        let io = |p: &Path, e: std::io::Error| Error::Io {
            path: format!("cannot write {}", p.display()),
            file: p.to_path_buf(),
            source: e,
        };
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let (html, md) = (dir.join("report.html"), dir.join("report.md"));
        std::fs::write(&html, self.html()).map_err(|e| io(&html, e))?;
        std::fs::write(&md, self.markdown()).map_err(|e| io(&md, e))?;
        Ok((html, md))
    }
}

/// The logs' scan records in the shape the dashboard reads from /v1/stats and /v1/series.
pub fn from_logs<P: AsRef<Path>>(paths: &[P]) -> Result<ReportData> {
    let r = crate::metrics::replay::replay(paths)?;
    let source = format!(
        "log {} ({} records)",
        paths
            .iter()
            .map(|p| p.as_ref().display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        r.records
    );
    Ok(ReportData {
        data: json!({"stats": r.stats, "series": r.series, "source": source, "generated": r.last_ts,
               "throughput_note": "throughput over the log", "detections": r.detections,
               "detections_omitted": r.detections_omitted}),
        notes: r.notes,
    })
}

/// An eval report: rates with intervals per group, and its latency.
pub fn from_eval(p: &Path) -> Result<ReportData> {
    let bytes = std::fs::read(p).map_err(|e| Error::Io {
        path: format!("cannot read {}", p.display()),
        file: p.to_path_buf(),
        source: e,
    })?;
    let r: Value = serde_json::from_slice(&bytes)
        .map_err(|e| Error::InvalidArgument(format!("{}: {e}", p.display())))?;
    if r.get("fpr").is_none() || r.get("detection_by_method").is_none() {
        return Err(Error::InvalidArgument(format!(
            "{} is not an eval report (no fpr / detection_by_method)",
            p.display()
        )));
    }
    let mut groups = serde_json::Map::new();
    for (key, title) in [
        ("detection_by_source", "Detection by source"),
        ("detection_by_size", "Detection by size"),
        ("detection_by_kind", "Detection by payload kind"),
        ("fpr_by_source", "False positives by source"),
        ("fpr_by_format", "False positives by format"),
        ("fpr_by_kind", "False positives by kind of clean image"),
    ] {
        if let Some(g) = r
            .get(key)
            .filter(|g| g.as_object().is_some_and(|o| !o.is_empty()))
        {
            groups.insert(title.into(), g.clone());
        }
    }
    // `errors` is a rate: k inputs that could not be scanned out of n
    let errors = r["errors"]["k"].as_u64().unwrap_or(0);
    let stats = json!({
        "scans": r["images"].as_u64().map(|n| n.saturating_sub(errors)),
        "errors_by_kind": if errors > 0 { json!({"any": errors}) } else { json!({}) },
        "fpr": r["fpr"],
        "detection_by_method": r["detection_by_method"],
        "latency": r["latency"],
        "throughput_per_s": {"1m": r["images_per_second"]},
        "model": {"id": r["model"], "sha256": r["model_sha256"]},
    });
    let mut data = json!({"stats": stats, "rate_groups": groups, "source": format!("eval report {}", p.display()),
          "throughput_note": "images per second in the eval", "passed": r["passed"], "failures": r["failures"]});
    let mut notes = Vec::new();
    // the flagged images, from the item results `stegodetect eval` writes beside its report
    let items = p.with_file_name("items.jsonl");
    if items.exists() {
        let c = crate::metrics::log::read_log(&items)?;
        if c.torn_tail || !c.bad_lines.is_empty() {
            notes.push(format!("{}: unreadable lines skipped", items.display()));
        }
        let flagged: Vec<&Value> = c.records.iter().filter(|i| i["flagged"] == true).collect();
        let omitted = flagged
            .len()
            .saturating_sub(crate::metrics::replay::MAX_DETECTIONS);
        let list: Vec<Value> = flagged[omitted..]
            .iter()
            .map(|i| {
                json!({"file": i["path"], "method": i["predicted_method"], "probability": i["probability"],
                       "truth": if i["stego"] == true { i["method"].as_str().unwrap_or("stego") } else { "clean" }})
            })
            .collect();
        data["detections"] = json!(list);
        data["detections_omitted"] = json!(omitted);
    }
    Ok(ReportData { data, notes })
}

fn bar(v: f64, max: f64) -> String {
    let n = if max > 0.0 {
        (v / max * 30.0).round() as usize
    } else {
        0
    };
    "█".repeat(n)
}

fn render_markdown(d: &Value, notes: &[String]) -> String {
    let s = &d["stats"];
    let mut o = String::new();
    let _ = writeln!(
        o,
        "# stegodetect report\n\n- source: {}",
        d["source"].as_str().unwrap_or("?")
    );
    if let Some(m) = s["model"]["id"].as_str() {
        let _ = writeln!(o, "- model: {m}");
    }
    if let Some(p) = d["passed"].as_bool() {
        let _ = writeln!(o, "- eval verdict: {}", if p { "PASSED" } else { "FAILED" });
    }
    for (k, label) in [("scans", "scans"), ("stego", "stego verdicts")] {
        if let Some(v) = s[k].as_u64() {
            let _ = writeln!(o, "- {label}: {v}");
        }
    }
    let errors: u64 = s["errors_by_kind"]
        .as_object()
        .map_or(0, |e| e.values().filter_map(Value::as_u64).sum());
    let _ = writeln!(o, "- errors (never counted as clean): {errors}");
    let l = &s["latency"]["total"];
    if let Some(p95) = l["p95_us"].as_f64() {
        let _ = writeln!(
            o,
            "- latency: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms",
            l["p50_us"].as_f64().unwrap_or(0.0) / 1e3,
            p95 / 1e3,
            l["p99_us"].as_f64().unwrap_or(0.0) / 1e3
        );
    }
    for n in notes {
        let _ = writeln!(o, "- note: {n}");
    }
    let counts = |o: &mut String, title: &str, m: &Value| {
        let Some(m) = m.as_object().filter(|m| !m.is_empty()) else {
            return;
        };
        let max = m.values().filter_map(Value::as_f64).fold(0.0, f64::max);
        let _ = writeln!(o, "\n## {title}\n\n| | count | |\n|---|---|---|");
        for (k, v) in m {
            let v = v.as_f64().unwrap_or(0.0);
            let _ = writeln!(o, "| {k} | {v} | {} |", bar(v, max));
        }
    };
    let rates = |o: &mut String, title: &str, m: &Value| {
        let Some(m) = m.as_object().filter(|m| !m.is_empty()) else {
            return;
        };
        let _ = writeln!(
            o,
            "\n## {title}\n\n| | rate | k / n | 95 % CI | |\n|---|---|---|---|---|"
        );
        for (k, r) in m {
            let rate = r["rate"].as_f64().unwrap_or(0.0);
            let _ = writeln!(
                o,
                "| {k} | {:.2} % | {}/{} | {:.2}-{:.2} % | {} |",
                rate * 100.0,
                r["k"],
                r["n"],
                r["lo"].as_f64().unwrap_or(0.0) * 100.0,
                r["hi"].as_f64().unwrap_or(0.0) * 100.0,
                bar(rate, 1.0)
            );
        }
    };
    counts(&mut o, "Stego verdicts by method", &s["stego_by_method"]);
    counts(&mut o, "Scans by format", &s["scans_by_format"]);
    counts(&mut o, "Errors by kind", &s["errors_by_kind"]);
    rates(&mut o, "Detection by method", &s["detection_by_method"]);
    if s["fpr"].is_object() {
        rates(
            &mut o,
            "False positives",
            &json!({"clean images": s["fpr"]}),
        );
    }
    if let Some(g) = d["rate_groups"].as_object() {
        for (title, m) in g {
            rates(&mut o, title, m);
        }
    }
    if let Some(det) = d["detections"].as_array() {
        let omitted = d["detections_omitted"].as_u64().unwrap_or(0);
        let _ = writeln!(o, "\n## Detections\n");
        if omitted > 0 {
            let _ = writeln!(o, "The latest {}; {omitted} older not listed.\n", det.len());
        }
        if det.is_empty() {
            let _ = writeln!(o, "No stego verdicts.");
        } else {
            // eval reports know the truth of each flagged image instead of its scan time
            let truth = det.iter().any(|x| x["truth"].is_string());
            let _ = writeln!(
                o,
                "| {} | file | method | tool | probability | payload |\n|---|---|---|---|---|---|",
                if truth { "truth" } else { "time (UTC)" }
            );
            // table cells: no pipes or line breaks from file names or payloads
            let cell = |v: &Value| {
                v.as_str().map_or_else(
                    || "–".to_string(),
                    |s| s.replace('|', "\\|").replace('\n', " "),
                )
            };
            for x in det.iter().rev() {
                let file = match x["inspect"].as_str() {
                    Some(link) => format!("[{}]({link})", cell(&x["file"])),
                    None => cell(&x["file"]),
                };
                let payload = match x["payload_bytes"].as_u64() {
                    Some(n) => format!(
                        "`{}` ({n} B)",
                        cell(&x["payload_preview"]).replace('`', "'")
                    ),
                    None => "–".into(),
                };
                let _ = writeln!(
                    o,
                    "| {} | {file} | {} | {} | {:.4} | {payload} |",
                    cell(&x[if truth { "truth" } else { "time" }]),
                    cell(&x["method"]),
                    cell(&x["tool"]),
                    x["probability"].as_f64().unwrap_or(f64::NAN),
                );
            }
        }
    }
    if let Some(series) = d["series"].as_array().filter(|s| !s.is_empty()) {
        let max = series
            .iter()
            .filter_map(|p| p["p95_ms"].as_f64())
            .fold(0.0, f64::max);
        let _ = writeln!(o, "\n## Per minute\n\n| minute (UTC) | scans | errors | stego | p95 ms | |\n|---|---|---|---|---|---|");
        for p in series {
            let p95 = p["p95_ms"].as_f64().unwrap_or(0.0);
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {p95:.2} | {} |",
                p["t"]
                    .as_f64()
                    .map_or_else(|| "?".into(), crate::metrics::log::iso8601),
                p["scans"],
                p["errors"],
                p["stego"],
                bar(p95, max)
            );
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_eval_report_lists_its_flagged_images_with_their_truth() {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("report.json");
        let rate = json!({"k": 0, "n": 1, "rate": 0.0, "lo": 0.0, "hi": 0.9});
        std::fs::write(
            &report,
            json!({"fpr": rate, "detection_by_method": {"lsb.rgb": rate}, "errors": {"k": 0}, "images": 3})
                .to_string(),
        )
        .unwrap();
        // no item results beside it: no list
        assert!(from_eval(&report).unwrap().data.get("detections").is_none());
        let items = [
            json!({"path": "a.png", "stego": true, "method": "lsb.rgb", "flagged": true,
                   "predicted_method": "lsb.rgb", "probability": 0.97}),
            json!({"path": "b|c.png", "stego": false, "flagged": true, "predicted_method": "raw",
                   "probability": 0.6}),
            json!({"path": "d.png", "stego": false, "flagged": false, "probability": 0.01}),
        ];
        let lines: Vec<String> = items.iter().map(|i| i.to_string()).collect();
        std::fs::write(dir.path().join("items.jsonl"), lines.join("\n") + "\n").unwrap();
        let r = from_eval(&report).unwrap();
        let det = r.data["detections"].as_array().unwrap();
        assert_eq!(det.len(), 2);
        assert_eq!(det[1]["truth"], "clean");
        let md = r.markdown();
        assert!(md.contains("| truth | file |"), "{md}");
        assert!(
            md.contains("| clean | b\\|c.png | raw | – | 0.6000 | – |"),
            "{md}"
        );
        assert!(md.contains("| lsb.rgb | a.png | lsb.rgb |"), "{md}");
    }
}
