//! Production validation: the checks behind `stegodetect validate`, run against a detector and a
//! labelled data set, with a report whose "ready" verdict holds only when every check ran and
//! passed. A check that cannot run fails the verdict: nothing is skipped into a pass.
//!
//! Checks, one module each: 1 [`benchmark`] (eval + regression gate against a baseline report),
//! 2 [`fresh`] data (stego made now with `embed` from covers the model has not seen), 3
//! [`edge_cases`] with expected outcomes (fixtures read at run time from [`Inputs::fixtures`]),
//! 4 [`load`] (library at 1, 2 and N threads, and a running `serve` driven through
//! [`ServeLoad`], which the CLI provides), 5 [`memory`] (peak RSS under load and for the largest
//! image scanned), 6 [`platform`] (what ran, recorded).

pub mod benchmark;
pub mod edge_cases;
pub mod fresh;
pub mod load;
pub mod memory;
pub mod platform;
#[cfg(feature = "http-client")]
pub mod serve;

use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use load::ServeLoad;
#[cfg(feature = "http-client")]
pub use serve::ServeCommand;

use crate::detector::Detector;
use crate::regress::Rules;

/// Thresholds of every check (documented defaults; override any field with --thresholds).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Benchmark: largest false-positive rate on the labelled set.
    pub max_fpr: f64,
    /// Benchmark: smallest detection rate per method on the labelled set.
    pub min_detection: f64,
    /// Benchmark: fewest labelled images (an empty or tiny set cannot validate anything).
    pub min_images: u64,
    /// Benchmark: regression rules against the baseline.
    pub regress: Rules,
    /// Fresh data: covers used at most (sorted, the first ones).
    pub fresh_max_covers: usize,
    /// Fresh data: fewest stego images per method that must have been made.
    pub fresh_min_per_method: u64,
    /// Fresh data: smallest detection rate per method.
    pub fresh_min_detection: f64,
    /// Fresh data: largest false-positive rate on the covers.
    pub fresh_max_fpr: f64,
    /// Edge cases: hostile inputs must be refused within this many milliseconds.
    pub hostile_max_ms: f64,
    /// Edge cases and memory: the large image scanned (pixels; capped by the pixel limit).
    pub large_image_pixels: u64,
    /// Memory: the large image may raise peak RSS by at most this many bytes per pixel.
    pub large_image_bytes_per_pixel: f64,
    /// Load: scans per thread count through the library.
    pub load_requests: usize,
    /// Load: thread counts (0 = one per core).
    pub load_threads: Vec<usize>,
    /// Load: throughput at the most threads over one thread must reach this (machines with 2+
    /// cores).
    pub min_thread_scaling: f64,
    /// Load: requests through `serve` over loopback.
    pub serve_requests: usize,
    /// Load: concurrent clients against `serve`.
    pub serve_concurrency: usize,
    /// Load: p95 of a library scan, milliseconds.
    pub max_library_p95_ms: f64,
    /// Load: p95 of a `/v1/scan` request, milliseconds.
    pub max_serve_p95_ms: f64,
    /// Memory: peak RSS of this process during the library load, MiB.
    pub max_load_rss_mib: f64,
    /// Memory: peak RSS of the server under load, MiB.
    pub max_serve_rss_mib: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            max_fpr: 0.001,
            min_detection: 0.95,
            min_images: 50,
            regress: Rules::default(),
            fresh_max_covers: 40,
            fresh_min_per_method: 10,
            fresh_min_detection: 0.95,
            fresh_max_fpr: 0.05,
            hostile_max_ms: 1000.0,
            large_image_pixels: 16_000_000,
            large_image_bytes_per_pixel: 16.0,
            load_requests: 400,
            load_threads: vec![1, 2, 0],
            min_thread_scaling: 1.3,
            serve_requests: 400,
            serve_concurrency: 8,
            max_library_p95_ms: 500.0,
            max_serve_p95_ms: 1000.0,
            max_load_rss_mib: 2048.0,
            max_serve_rss_mib: 2048.0,
        }
    }
}

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Outcome {
    /// Ran and met every threshold.
    #[serde(rename = "pass")]
    Pass,
    /// Ran and missed a threshold.
    #[serde(rename = "FAIL")]
    Fail,
    /// Could not run (no data, no detector): fails the verdict too.
    #[serde(rename = "not run")]
    NotRun,
}

impl Outcome {
    /// As printed and written in reports: `pass`, `FAIL`, `not run`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "FAIL",
            Outcome::NotRun => "not run",
        }
    }
}

/// One check's outcome.
#[derive(Debug, Serialize)]
pub struct Check {
    /// The check's name (`benchmark`, `fresh data`, `edge cases`, `load`, `memory`, `platform`).
    pub name: &'static str,
    /// How it ended; anything but [`Outcome::Pass`] fails the verdict.
    pub status: Outcome,
    /// One line of what was found.
    pub summary: String,
    /// Why it did not pass, one line each.
    pub failures: Vec<String>,
    /// What was measured.
    pub figures: Value,
}

impl Check {
    pub(crate) fn new(
        name: &'static str,
        summary: String,
        failures: Vec<String>,
        figures: Value,
    ) -> Check {
        Check {
            name,
            status: if failures.is_empty() {
                Outcome::Pass
            } else {
                Outcome::Fail
            },
            summary,
            failures,
            figures,
        }
    }
    pub(crate) fn not_run(name: &'static str, why: String) -> Check {
        Check {
            name,
            status: Outcome::NotRun,
            summary: format!("could not run: {why}"),
            failures: vec![why],
            figures: Value::Null,
        }
    }
}

/// What the checks run on (each is optional; a check without its input does not run).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Inputs {
    /// Labelled set laid out as Starlight's datasets (stego images with sidecars, clean covers).
    pub dataset: Option<PathBuf>,
    /// Labelled set as a manifest (CSV or JSONL).
    pub manifest: Option<PathBuf>,
    /// Baseline eval report for the regression gate.
    pub baseline: Option<PathBuf>,
    /// Clean images the model has not seen; stego is made from them during the run.
    pub fresh_covers: Option<PathBuf>,
    /// Where the thresholds came from (reported only).
    pub thresholds_file: Option<PathBuf>,
    /// Directory of the edge cases' format fixtures ([`edge_cases::FIXTURES`]; the repository's
    /// `tests/fixtures/clean`).
    pub fixtures: Option<PathBuf>,
}

/// The validation report: `ready` only when every check passed.
#[derive(Debug, Serialize)]
pub struct Report {
    /// Every check passed.
    pub ready: bool,
    /// `READY` or `NOT READY`.
    pub verdict: &'static str,
    /// Wall time of the run.
    pub seconds: f64,
    /// When it ran (ISO 8601).
    pub timestamp: String,
    /// What it ran on.
    pub inputs: Inputs,
    /// The thresholds applied.
    pub thresholds: Thresholds,
    /// Every check, in order.
    pub checks: Vec<Check>,
    /// What ran (the platform check's figures).
    pub platform: Value,
    /// The benchmark's full eval report, when it ran (written apart by the CLI).
    #[serde(skip)]
    pub eval_report: Option<Value>,
}

/// Run every check. `det` is the detector or why there is none (then every check but the
/// platform record is not run); `serve` drives a running service for the load check (without
/// one that part fails); `progress` is told each check's name as it starts.
pub fn run(
    det: std::result::Result<&Detector, String>,
    inputs: &Inputs,
    th: &Thresholds,
    serve: Option<&dyn ServeLoad>,
    progress: &dyn Fn(&str),
) -> Report {
    let started = Instant::now();
    let mut checks: Vec<Check> = Vec::new();
    let platform = platform::figures(det.as_ref().ok().copied());
    let mut eval_report = None;
    match det {
        Err(why) => {
            let why = format!("no detector: {why}");
            for name in ["benchmark", "fresh data", "edge cases", "load", "memory"] {
                checks.push(Check::not_run(name, why.clone()));
            }
        }
        Ok(det) => {
            progress("1/5 benchmark");
            let (bench, images, rep) = benchmark::check(det, inputs, th);
            eval_report = rep;
            checks.push(bench);
            progress("2/5 fresh data");
            checks.push(fresh::check(det, inputs.fresh_covers.as_deref(), th));
            progress("3/5 edge cases");
            let (edge, large) = edge_cases::check(det, inputs.fixtures.as_deref(), th);
            checks.push(edge);
            progress("4/5 load");
            let (load, mem) = load::check(det, serve, &images, th);
            checks.push(load);
            progress("5/5 memory");
            checks.push(memory::check(large, mem, th));
        }
    }
    checks.push(platform::check(&platform));
    let ready = checks.iter().all(|c| c.status == Outcome::Pass);
    Report {
        ready,
        verdict: if ready { "READY" } else { "NOT READY" },
        seconds: started.elapsed().as_secs_f64(),
        timestamp: crate::metrics::log::iso8601(crate::metrics::log::now_ts()),
        inputs: inputs.clone(),
        thresholds: th.clone(),
        checks,
        platform,
        eval_report,
    }
}

impl Report {
    /// The report as Markdown: a table of the checks, then each check with its failures and
    /// figures.
    pub fn markdown(&self) -> String {
        let model = &self.platform["model"];
        let mut s = format!(
            "# Validation: {}\n\n{} · {:.1} s · model {} · stegodetect {}\n\n| check | status | summary |\n|---|---|---|\n",
            self.verdict,
            self.timestamp,
            self.seconds,
            model["id"].as_str().or(model.as_str()).unwrap_or("none"),
            self.platform["stegodetect"].as_str().unwrap_or("?"),
        );
        for c in &self.checks {
            s += &format!(
                "| {} | {} | {} |\n",
                c.name,
                c.status.as_str(),
                c.summary.replace('|', "/")
            );
        }
        for c in &self.checks {
            s += &format!("\n## {} — {}\n\n{}\n", c.name, c.status.as_str(), c.summary);
            for f in &c.failures {
                s += &format!("- **{f}**\n");
            }
            if !c.figures.is_null() {
                s += &format!(
                    "\n```json\n{}\n```\n",
                    serde_json::to_string_pretty(&c.figures).unwrap_or_default()
                );
            }
        }
        s
    }
}
