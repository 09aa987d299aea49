//! Check 4: library scans at 1, 2 and N threads, and a running `serve` driven over loopback.

use std::time::Instant;

use rayon::prelude::*;
use serde_json::{json, Value};

use super::{Check, Thresholds};
use crate::detector::Detector;
use crate::metrics::ProcessMemory;

/// Drives a running `stegodetect serve` with the images for the load check: the run's figures
/// (`requests_per_s` a number only when every request succeeded, `latency_ms` with `p95`,
/// `succeeded`, `errors`) and the server's peak RSS in bytes. The CLI starts itself as the
/// server; a face without a server passes none and that part of the check fails.
pub trait ServeLoad {
    /// Run the requests of `th` (`serve_requests` at `serve_concurrency`).
    fn drive(&self, images: &[Vec<u8>], th: &Thresholds) -> Result<(Value, Option<u64>), String>;
}

/// Reset the kernel's peak-RSS mark of this process (Linux: `/proc/self/clear_refs`).
pub(crate) fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// What the load check measured, for the memory check.
pub struct LoadMemory {
    pub(crate) library_peak: Option<u64>,
    pub(crate) serve_peak: Option<u64>,
}

/// Check 4: library scans at 1, 2 and N threads; `serve` over loopback.
pub fn check(
    det: &Detector,
    serve: Option<&dyn ServeLoad>,
    images: &[Vec<u8>],
    th: &Thresholds,
) -> (Check, LoadMemory) {
    const NAME: &str = "load";
    let mut mem = LoadMemory {
        library_peak: None,
        serve_peak: None,
    };
    if images.is_empty() {
        return (
            Check::not_run(NAME, "no scannable labelled images to load with".into()),
            mem,
        );
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut threads: Vec<usize> = th
        .load_threads
        .iter()
        .map(|&t| if t == 0 { cores } else { t })
        .collect();
    threads.sort_unstable();
    threads.dedup();
    let mut failures = Vec::new();
    let mut runs = Vec::new();
    let mut rates: Vec<(usize, f64)> = Vec::new();
    reset_peak_rss();
    for &t in &threads {
        let pool = match rayon::ThreadPoolBuilder::new().num_threads(t).build() {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{t} threads: {e}"));
                continue;
            }
        };
        let start = Instant::now();
        // per scan: (microseconds, succeeded)
        let res: Vec<(u64, bool)> = pool.install(|| {
            (0..th.load_requests)
                .into_par_iter()
                .map(|i| {
                    let t0 = Instant::now();
                    let r = det.scan_bytes(&images[i % images.len()]);
                    (t0.elapsed().as_micros() as u64, r.is_ok())
                })
                .collect()
        });
        let wall = start.elapsed().as_secs_f64();
        let mut ok: Vec<u64> = res.iter().filter(|r| r.1).map(|r| r.0).collect();
        ok.sort_unstable();
        let errors = res.len() - ok.len();
        let busy: f64 = res.iter().map(|r| r.0 as f64).sum::<f64>() / 1e6;
        let complete = ok.len() == th.load_requests && th.load_requests > 0;
        let p = crate::stats::percentiles_ms(&ok);
        if !complete {
            failures.push(format!(
                "{t} threads: {errors} of {} scans failed; no rate reported",
                th.load_requests
            ));
        } else {
            rates.push((t, th.load_requests as f64 / wall));
        }
        if p["p95"].as_f64().unwrap_or(f64::MAX) > th.max_library_p95_ms {
            failures.push(format!(
                "{t} threads: p95 {:.1} ms over {} ms",
                p["p95"].as_f64().unwrap_or(0.0),
                th.max_library_p95_ms
            ));
        }
        runs.push(json!({
            "via": "library", "threads": t, "scans": th.load_requests, "succeeded": ok.len(),
            "errors": errors, "seconds": wall,
            "scans_per_s": if complete { json!(th.load_requests as f64 / wall) } else { Value::Null },
            "latency_ms": p, "achieved_concurrency": busy / wall,
        }));
    }
    mem.library_peak = ProcessMemory::current().map(|m| m.peak_rss_bytes);
    let one = rates.iter().find(|r| r.0 == 1);
    let most = rates.iter().filter(|r| r.0 > 1).max_by_key(|r| r.0);
    let scaling = match (one, most) {
        (Some(a), Some(b)) => Some(b.1 / a.1),
        _ => None,
    };
    if cores >= 2 {
        match scaling {
            Some(s) if s < th.min_thread_scaling => failures.push(format!(
                "throughput at {} threads is {s:.2}x one thread's, below {}x",
                most.map_or(1, |r| r.0),
                th.min_thread_scaling
            )),
            None => failures.push("thread scaling could not be measured".into()),
            _ => {}
        }
    }
    let served = match serve {
        Some(s) => s.drive(images, th),
        None => Err("not run: this face has no server to drive (the CLI starts one)".into()),
    };
    match served {
        Ok((run, peak)) => {
            let complete = run["requests_per_s"].is_number();
            if !complete {
                failures.push(format!(
                    "serve: {} of {} requests succeeded ({}); no rate reported",
                    run["succeeded"], th.serve_requests, run["errors"]
                ));
            }
            let p95 = run["latency_ms"]["p95"].as_f64().unwrap_or(f64::MAX);
            if p95 > th.max_serve_p95_ms {
                failures.push(format!(
                    "serve: p95 {p95:.1} ms over {} ms",
                    th.max_serve_p95_ms
                ));
            }
            mem.serve_peak = peak;
            runs.push(json!({"via": "serve", "run": run, "server_peak_rss_bytes": peak}));
        }
        Err(e) => failures.push(format!("serve: {e}")),
    }
    let fmt_rates: Vec<String> = rates
        .iter()
        .map(|(t, r)| format!("{t} thr {r:.0}/s"))
        .collect();
    let serve_rate = runs
        .last()
        .and_then(|r| r["run"]["requests_per_s"].as_f64())
        .map_or("no rate".to_string(), |r| format!("{r:.0} req/s"));
    (
        Check::new(
            NAME,
            format!(
                "library {} (scaling {}); serve {serve_rate} at {} clients",
                fmt_rates.join(", "),
                scaling.map_or("n/a".into(), |s| format!("{s:.2}x")),
                th.serve_concurrency
            ),
            failures,
            json!({"images": images.len(), "cores": cores, "runs": runs, "scaling": scaling}),
        ),
        mem,
    )
}
