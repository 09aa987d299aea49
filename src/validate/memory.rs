//! Check 5: peak RSS under load and for the large image, against bounds from the limits.

use serde_json::{json, Value};

use super::edge_cases::LargeImage;
use super::load::LoadMemory;
use super::{Check, Thresholds};

/// Check 5: peak RSS under load and for the large image, against bounds from the limits.
pub fn check(large: Option<LargeImage>, load: LoadMemory, th: &Thresholds) -> Check {
    const MIB: f64 = 1024.0 * 1024.0;
    let mut failures = Vec::new();
    let mut figures = serde_json::Map::new();
    match large {
        Some(l) if l.scanned => {
            let bound = l.rss_before as f64 + th.large_image_bytes_per_pixel * l.pixels as f64;
            if l.peak as f64 > bound {
                failures.push(format!(
                    "{} px image: peak RSS {:.0} MiB over the bound {:.0} MiB",
                    l.pixels,
                    l.peak as f64 / MIB,
                    bound / MIB
                ));
            }
            figures.insert(
                "large_image".into(),
                json!({"pixels": l.pixels, "rss_before_mib": l.rss_before as f64 / MIB,
                       "peak_mib": l.peak as f64 / MIB, "bound_mib": bound / MIB,
                       "bytes_per_pixel_used": (l.peak.saturating_sub(l.rss_before)) as f64 / l.pixels as f64}),
            );
        }
        Some(_) => failures.push("the large image was not scanned".into()),
        None => failures.push("peak RSS cannot be read on this platform".into()),
    }
    for (what, key, peak, max) in [
        (
            "library load",
            "library_load_peak_mib",
            load.library_peak,
            th.max_load_rss_mib,
        ),
        (
            "serve",
            "serve_peak_mib",
            load.serve_peak,
            th.max_serve_rss_mib,
        ),
    ] {
        match peak {
            Some(p) => {
                let mib = p as f64 / MIB;
                if mib > max {
                    failures.push(format!("{what}: peak RSS {mib:.0} MiB over {max} MiB"));
                }
                figures.insert(key.into(), json!(mib));
            }
            None => failures.push(format!("{what}: peak RSS not measured")),
        }
    }
    let summary = format!(
        "large image peak {} MiB, library load peak {} MiB, server peak {} MiB",
        figures
            .get("large_image")
            .and_then(|l| l["peak_mib"].as_f64())
            .map_or("?".into(), |v| format!("{v:.0}")),
        figures
            .get("library_load_peak_mib")
            .and_then(|v| v.as_f64())
            .map_or("?".into(), |v| format!("{v:.0}")),
        figures
            .get("serve_peak_mib")
            .and_then(|v| v.as_f64())
            .map_or("?".into(), |v| format!("{v:.0}")),
    );
    Check::new("memory", summary, failures, Value::Object(figures))
}
