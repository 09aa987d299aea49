//! `stegodetect loadtest`: drive a running `stegodetect serve` with real images from N concurrent
//! clients (keep-alive connections) and report throughput, latency percentiles, errors and the
//! concurrency actually achieved. It refuses to report a rate unless every request succeeded.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::json;

use crate::CmdResult;

/// Options of `stegodetect loadtest`.
#[derive(Args)]
pub struct LoadtestArgs {
    /// Base URL of the service.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// File holding the API token (default: STEGODETECT_API_TOKEN).
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Requests in all.
    #[arg(long, default_value_t = 10_000)]
    requests: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    /// Images to send, in turn (files; at least one).
    #[arg(required = true)]
    images: Vec<PathBuf>,
}

pub fn run(a: LoadtestArgs) -> CmdResult {
    let token = match &a.token_file {
        Some(p) => std::fs::read_to_string(p)?.trim().to_string(),
        None => std::env::var("STEGODETECT_API_TOKEN")
            .map_err(|_| "no API token: set STEGODETECT_API_TOKEN or pass --token-file")?,
    };
    let images: Vec<Vec<u8>> = a
        .images
        .iter()
        .map(std::fs::read)
        .collect::<Result<_, _>>()?;
    let report = drive(&a.url, &token, &images, a.requests, a.concurrency);
    let complete = report["succeeded"] == json!(a.requests);
    let q = |p: &str| report["latency_ms"][p].as_f64().unwrap_or(0.0);
    if a.json {
        println!("{report}");
    } else {
        println!(
            "{} requests, {} succeeded, {} failed, {} clients (achieved {:.1}), {:.2} s",
            a.requests,
            report["succeeded"],
            a.requests as u64 - report["succeeded"].as_u64().unwrap_or(0),
            a.concurrency,
            report["achieved_concurrency"].as_f64().unwrap_or(0.0),
            report["seconds"].as_f64().unwrap_or(0.0)
        );
        match report["requests_per_s"].as_f64() {
            Some(r) => println!("  throughput: {r:.1} requests/s"),
            None => println!(
                "  throughput: not reported (not every request succeeded): {}",
                report["errors"]
            ),
        }
        println!(
            "  latency ms: p50 {:.2}, p95 {:.2}, p99 {:.2}, max {:.2}",
            q("p50"),
            q("p95"),
            q("p99"),
            q("max")
        );
    }
    Ok(if complete { 0 } else { 1 })
}

/// Post `requests` scans of `images` (in turn) to `base_url` from `concurrency` keep-alive
/// clients. The report has no rate (`requests_per_s` null) unless every request was a real,
/// successful scan.
pub fn drive(
    base_url: &str,
    token: &str,
    images: &[Vec<u8>],
    requests: usize,
    concurrency: usize,
) -> serde_json::Value {
    let url = format!("{}/v1/scan", base_url.trim_end_matches('/'));
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    // per client: (latencies of successes in µs, failures by status or transport error)
    let per_client: Vec<(Vec<u64>, Vec<String>, Duration)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..concurrency.max(1))
            .map(|_| {
                let (url, next) = (&url, &next);
                s.spawn(move || {
                    let agent = ureq::AgentBuilder::new()
                        .timeout(Duration::from_secs(60))
                        .build();
                    let (mut ok, mut bad, mut busy) = (Vec::new(), Vec::new(), Duration::ZERO);
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= requests {
                            break;
                        }
                        let t = Instant::now();
                        let r = agent
                            .post(url)
                            .set("Authorization", &format!("Bearer {token}"))
                            .send_bytes(&images[i % images.len()]);
                        let dt = t.elapsed();
                        busy += dt;
                        match r {
                            Ok(resp) => match resp.into_string() {
                                Ok(body) if body.contains("\"scan_id\"") => {
                                    ok.push(dt.as_micros() as u64)
                                }
                                Ok(_) => bad.push("200 without a verdict".into()),
                                Err(e) => bad.push(format!("body: {e}")),
                            },
                            Err(ureq::Error::Status(code, _)) => bad.push(format!("HTTP {code}")),
                            Err(e) => bad.push(format!("transport: {}", e.kind())),
                        }
                    }
                    (ok, bad, busy)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("client thread"))
            .collect()
    });
    let wall = started.elapsed().as_secs_f64();
    let mut lat: Vec<u64> = per_client
        .iter()
        .flat_map(|c| c.0.iter().copied())
        .collect();
    lat.sort_unstable();
    let mut errors = std::collections::BTreeMap::<String, usize>::new();
    for e in per_client.iter().flat_map(|c| c.1.iter()) {
        *errors.entry(e.clone()).or_default() += 1;
    }
    let busy: f64 = per_client.iter().map(|c| c.2.as_secs_f64()).sum();
    let complete = lat.len() == requests;
    json!({
        "requests": requests,
        "succeeded": lat.len(),
        "errors": errors,
        "concurrency": concurrency,
        "achieved_concurrency": busy / wall,
        "seconds": wall,
        // no rate unless every request was a real, successful scan
        "requests_per_s": if complete { json!(requests as f64 / wall) } else { json!(null) },
        "latency_ms": stegodetect::stats::percentiles_ms(&lat),
    })
}
