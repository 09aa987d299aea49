//! Check 6: what ran (OS, CPU, memory, versions, model, runtime), recorded; it fails only when
//! one of them is unknown.

use serde_json::{json, Value};

use super::Check;
use crate::detector::Detector;

/// Check 6's figures: what ran.
pub fn figures(det: Option<&Detector>) -> Value {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let cpu = read("/proc/cpuinfo").and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .map(|s| s.trim().to_string())
    });
    let mem = read("/proc/meminfo").and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
    });
    let model = det.map(|d| match d.model() {
        Some(m) => json!({"id": m.id, "sha256": m.sha256}),
        None => json!("rules only (no model)"),
    });
    let runtime = crate::model::runtime::loaded_path().map(|p| p.display().to_string());
    let rules_only = det.is_some_and(|d| d.model().is_none());
    json!({
        "os": format!("{} {} {}", std::env::consts::OS, std::env::consts::ARCH,
                      read("/proc/sys/kernel/osrelease").unwrap_or_default().trim()),
        "cpu": cpu,
        "logical_cpus": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "memory_mib": mem.map(|k| k / 1024),
        "stegodetect": crate::VERSION,
        "model": model,
        // a rules-only run has no runtime to record, which is itself a fact, not a gap
        "runtime": runtime.map(Value::from).or(rules_only.then(|| json!("none (rules only)"))),
    })
}

/// The platform check: passes when the OS, CPU, version, model and runtime are all known.
pub fn check(figures: &Value) -> Check {
    let failures: Vec<String> = ["os", "cpu", "stegodetect", "model", "runtime"]
        .iter()
        .filter(|k| figures[**k].is_null())
        .map(|k| format!("{k} unknown"))
        .collect();
    Check::new(
        "platform",
        "what ran, recorded".into(),
        failures,
        figures.clone(),
    )
}
