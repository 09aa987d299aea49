//! Check 1: eval on the labelled set, its gates, and the regression gate against a baseline.

use serde_json::{json, Value};

use super::{Check, Inputs, Thresholds};
use crate::detector::Detector;
use crate::eval::{self, Gates};
use crate::regress::{self, Figures};

/// Check 1: eval on the labelled set, its gates, and the regression gate against the baseline.
/// Also returns the bytes of up to 64 labelled images for the load check, and the eval report.
pub fn check(det: &Detector, a: &Inputs, th: &Thresholds) -> (Check, Vec<Vec<u8>>, Option<Value>) {
    const NAME: &str = "benchmark";
    let items = match (&a.dataset, &a.manifest) {
        (Some(d), None) => eval::load_sidecar_dir(d),
        (None, Some(m)) => eval::load_manifest(m),
        _ => {
            return (
                Check::not_run(NAME, "no labelled set (--dataset or --manifest)".into()),
                vec![],
                None,
            )
        }
    };
    let items = match items {
        Ok(i) => i,
        Err(e) => {
            return (
                Check::not_run(NAME, format!("labelled set: {e}")),
                vec![],
                None,
            )
        }
    };
    let gates = Gates {
        max_fpr: th.max_fpr,
        min_detection: th.min_detection,
    };
    let (results, rep) = eval::evaluate(det, &items, gates);
    // images for the load check: the first 64 the eval scanned without error
    let images: Vec<Vec<u8>> = results
        .iter()
        .filter(|r| r.error.is_none())
        .filter_map(|r| std::fs::read(&r.path).ok())
        .take(64)
        .collect();
    let mut failures: Vec<String> = Vec::new();
    if rep.images < th.min_images {
        failures.push(format!(
            "{} labelled images, fewer than the {} required",
            rep.images, th.min_images
        ));
    }
    if rep.fpr.n == 0 || rep.detection.n == 0 {
        failures.push(format!(
            "the set needs clean and stego images ({} clean, {} stego)",
            rep.fpr.n, rep.detection.n
        ));
    }
    failures.extend(rep.failures.iter().cloned());
    for (m, r) in &rep.detection_by_method {
        if r.n > 0 && r.rate < th.min_detection {
            failures.push(format!(
                "{m}: detection {}/{} ({:.2} %) below {:.2} %",
                r.k,
                r.n,
                100.0 * r.rate,
                100.0 * th.min_detection
            ));
        }
    }
    let rep_json = serde_json::to_value(&rep).unwrap_or(Value::Null);
    let mut gate = Value::Null;
    match &a.baseline {
        None => {
            failures.push("no baseline report (--baseline): the regression gate cannot run".into())
        }
        Some(p) => {
            let base = std::fs::read_to_string(p)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|e| e.to_string()))
                .and_then(|v| {
                    Figures::from_json(&v, &p.display().to_string()).map_err(|e| e.to_string())
                });
            let cur = Figures::from_json(&rep_json, "this run");
            match (base, cur) {
                (Err(e), _) => failures.push(format!("baseline unusable: {e}")),
                (_, Err(e)) => failures.push(format!("this run unusable for the gate: {e}")),
                (Ok(b), Ok(c)) => {
                    let checks = regress::compare(&b, &c, &th.regress);
                    failures.extend(checks.iter().filter(|c| c.status == "FAIL").map(|c| {
                        let f = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.4}"));
                        format!(
                            "regression: {}: baseline {}, current {}, limit {}{}",
                            c.rule,
                            f(c.baseline),
                            f(c.current),
                            f(c.limit),
                            if c.note.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", c.note)
                            }
                        )
                    }));
                    gate = json!({"passed": regress::passed(&checks), "checks": checks});
                }
            }
        }
    }
    let det_min = rep
        .detection_by_method
        .values()
        .map(|r| r.rate)
        .fold(f64::NAN, f64::min);
    let summary = format!(
        "{} images: FPR {:.3} % ({}/{}), detection {:.2} % ({}/{}), lowest per method {:.2} %, {} errors",
        rep.images,
        100.0 * rep.fpr.rate,
        rep.fpr.k,
        rep.fpr.n,
        100.0 * rep.detection.rate,
        rep.detection.k,
        rep.detection.n,
        100.0 * det_min,
        rep.errors.k
    );
    let figures = json!({
        "images": rep.images, "errors": rep.errors, "fpr": rep.fpr, "detection": rep.detection,
        "detection_by_method": rep.detection_by_method, "extraction_exact": rep.extraction_exact,
        "roc_auc": rep.roc_auc, "latency": rep.latency, "images_per_second": rep.images_per_second,
        "regression": gate,
    });
    (
        Check::new(NAME, summary, failures, figures),
        images,
        Some(rep_json),
    )
}
