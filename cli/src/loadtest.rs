//! `stegodetect loadtest`: prints `stegodetect::loadtest::drive` against a running service.

use std::path::PathBuf;

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
    /// Offered load in requests per second (open loop: each request is due at a fixed time and
    /// its latency counts from then, waiting for a free client included); default: each client
    /// sends its next request when the last is answered.
    #[arg(long)]
    rate: Option<f64>,
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
    if a.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
        return Err("--rate must be a positive number of requests per second".into());
    }
    let report =
        stegodetect::loadtest::drive(&a.url, &token, &images, a.requests, a.concurrency, a.rate);
    let complete = report["succeeded"] == json!(a.requests);
    let q = |p: &str| report["latency_ms"][p].as_f64().unwrap_or(0.0);
    if a.json {
        println!("{report}");
    } else {
        println!(
            "{} requests{}, {} succeeded, {} failed, {} clients (achieved {:.1}), {:.2} s",
            a.requests,
            a.rate
                .map(|r| format!(" offered at {r} per second"))
                .unwrap_or_default(),
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
