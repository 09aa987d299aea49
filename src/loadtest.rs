//! Load generation against a running `stegodetect serve`: N concurrent keep-alive clients post
//! real images to `/v1/scan`; the report has throughput, latency percentiles, errors and the
//! concurrency actually achieved, and refuses a rate unless every request succeeded.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

/// Post `requests` scans of `images` (in turn) to `base_url` from `concurrency` keep-alive
/// clients. The report has no rate (`requests_per_s` null) unless every request was a real,
/// successful scan.
///
/// With `rate` (requests per second) the load is open: request `i` is due at `i / rate` seconds
/// after the start and its latency counts from then, so time spent waiting for a free client
/// counts too (a closed loop would hide it: coordinated omission). Without, each client sends its
/// next request as soon as the last one is answered.
pub fn drive(
    base_url: &str,
    token: &str,
    images: &[Vec<u8>],
    requests: usize,
    concurrency: usize,
    rate: Option<f64>,
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
                        let t = match rate {
                            Some(r) if r > 0.0 => {
                                let due = started + Duration::from_secs_f64(i as f64 / r);
                                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                                    std::thread::sleep(wait);
                                }
                                due
                            }
                            _ => Instant::now(),
                        };
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
        "offered_rate": rate,
        "achieved_concurrency": busy / wall,
        "seconds": wall,
        // no rate unless every request was a real, successful scan
        "requests_per_s": if complete { json!(requests as f64 / wall) } else { json!(null) },
        "latency_ms": crate::stats::percentiles_ms(&lat),
    })
}
