//! Regression gate: compare a current eval report or metrics snapshot with a baseline, with the
//! reference's relative rules (FPR x1.1, per-method detection x0.95, p95 latency x1.2) and its
//! absolute rules (FPR at most baseline + 0.02 percentage points, detection above 95 %, p95 below
//! 5 ms, per-format FPR at most baseline + 0.02 points). Unlike the reference, a baseline that
//! lacks the required fields is refused, and a breach is an exit code, not a printed warning.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Thresholds (a JSON file can override any of them).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct Rules {
    /// Current FPR may be at most baseline FPR times this.
    pub fpr_factor: f64,
    /// Current FPR may be at most baseline FPR plus this (rate units: 0.0002 = 0.02 points).
    pub fpr_abs_margin: f64,
    /// Per-method detection must stay at or above baseline times this.
    pub detection_factor: f64,
    /// Per-method detection must stay above this.
    pub min_detection: f64,
    /// p95 latency may be at most baseline times this.
    pub p95_factor: f64,
    /// p95 latency must stay below this (milliseconds).
    pub max_p95_ms: f64,
    /// Per-format FPR may be at most baseline plus this (rate units).
    pub format_fpr_margin: f64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            fpr_factor: 1.1,
            fpr_abs_margin: 0.0002,
            detection_factor: 0.95,
            min_detection: 0.95,
            p95_factor: 1.2,
            max_p95_ms: 5.0,
            format_fpr_margin: 0.0002,
        }
    }
}

/// The figures a gate compares, read from an eval report or a metrics snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    /// False-positive rate.
    pub fpr: f64,
    /// Detection rate per method.
    pub detection: BTreeMap<String, f64>,
    /// p95 scan latency, milliseconds (metrics snapshots).
    pub p95_ms: Option<f64>,
    /// FPR per format (eval reports).
    pub fpr_by_format: BTreeMap<String, f64>,
}

fn rate(v: &serde_json::Value) -> Option<f64> {
    v.get("rate")
        .and_then(|r| r.as_f64())
        .or_else(|| v.as_f64())
}

impl Figures {
    /// Read `report.json` of `stegodetect eval` or a metrics snapshot; refuse input without an FPR
    /// or without per-method detection rates measured on at least one image.
    pub fn from_json(v: &serde_json::Value, what: &str) -> Result<Figures> {
        let bad = |m: &str| Error::InvalidArgument(format!("{what}: {m}"));
        let fpr = v
            .get("fpr")
            .and_then(rate)
            .ok_or_else(|| bad("no `fpr` (not an eval report or metrics snapshot)"))?;
        let det = v
            .get("detection_by_method")
            .and_then(|d| d.as_object())
            .ok_or_else(|| bad("no `detection_by_method`"))?;
        let detection: BTreeMap<String, f64> = det
            .iter()
            .filter(|(_, r)| r.get("n").and_then(|n| n.as_u64()).is_none_or(|n| n > 0))
            .filter_map(|(m, r)| rate(r).map(|x| (m.clone(), x)))
            .collect();
        if detection.is_empty() {
            return Err(bad("no per-method detection rate measured on any image"));
        }
        let p95_ms = v
            .pointer("/latency/total/p95_us")
            .and_then(|x| x.as_f64())
            .map(|us| us / 1000.0);
        let fpr_by_format = v
            .get("fpr_by_format")
            .and_then(|d| d.as_object())
            .map(|d| {
                d.iter()
                    .filter_map(|(f, r)| rate(r).map(|x| (f.clone(), x)))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Figures {
            fpr,
            detection,
            p95_ms,
            fpr_by_format,
        })
    }
}

/// One rule's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    /// Rule name.
    pub rule: String,
    /// Baseline value.
    pub baseline: Option<f64>,
    /// Current value.
    pub current: Option<f64>,
    /// The limit the current value was held to.
    pub limit: Option<f64>,
    /// Passed, failed, or not compared (with why).
    pub status: &'static str,
    /// Explanation for a breach or a skipped rule.
    pub note: String,
}

/// Apply the rules; the gate passes when no check failed.
pub fn compare(base: &Figures, cur: &Figures, r: &Rules) -> Vec<Check> {
    let mut out = Vec::new();
    let mut check = |rule: String,
                     b: Option<f64>,
                     c: Option<f64>,
                     limit: Option<f64>,
                     ok: Option<bool>,
                     note: String| {
        let status = match ok {
            Some(true) => "pass",
            Some(false) => "FAIL",
            None => "not compared",
        };
        out.push(Check {
            rule,
            baseline: b,
            current: c,
            limit,
            status,
            note,
        });
    };
    let fpr_rel = base.fpr * r.fpr_factor;
    check(
        "fpr (relative)".into(),
        Some(base.fpr),
        Some(cur.fpr),
        Some(fpr_rel),
        Some(cur.fpr <= fpr_rel),
        String::new(),
    );
    let fpr_abs = base.fpr + r.fpr_abs_margin;
    check(
        "fpr (absolute)".into(),
        Some(base.fpr),
        Some(cur.fpr),
        Some(fpr_abs),
        Some(cur.fpr <= fpr_abs),
        String::new(),
    );
    for (m, &b) in &base.detection {
        match cur.detection.get(m) {
            Some(&c) => {
                let lim = b * r.detection_factor;
                check(
                    format!("detection {m} (relative)"),
                    Some(b),
                    Some(c),
                    Some(lim),
                    Some(c >= lim),
                    String::new(),
                );
                check(
                    format!("detection {m} (absolute)"),
                    Some(b),
                    Some(c),
                    Some(r.min_detection),
                    Some(c > r.min_detection),
                    String::new(),
                );
            }
            // a method the baseline measured and the current run did not is a failure, not a skip
            None => check(
                format!("detection {m}"),
                Some(b),
                None,
                None,
                Some(false),
                "not measured in the current run".into(),
            ),
        }
    }
    match (base.p95_ms, cur.p95_ms) {
        (Some(b), Some(c)) => {
            check(
                "p95 latency ms (relative)".into(),
                Some(b),
                Some(c),
                Some(b * r.p95_factor),
                Some(c <= b * r.p95_factor),
                String::new(),
            );
            check(
                "p95 latency ms (absolute)".into(),
                Some(b),
                Some(c),
                Some(r.max_p95_ms),
                Some(c < r.max_p95_ms),
                String::new(),
            );
        }
        (b, c) => {
            let why = match (b, c) {
                (None, None) => {
                    "neither file has latency (eval reports do not; metrics snapshots do)"
                }
                (None, _) => "the baseline has no latency",
                _ => "the current file has no latency",
            };
            check("p95 latency ms".into(), b, c, None, None, why.into())
        }
    }
    for (f, &b) in &base.fpr_by_format {
        if let Some(&c) = cur.fpr_by_format.get(f) {
            let lim = b + r.format_fpr_margin;
            check(
                format!("fpr {f}"),
                Some(b),
                Some(c),
                Some(lim),
                Some(c <= lim),
                String::new(),
            );
        }
    }
    out
}

/// Whether every compared rule passed.
pub fn passed(checks: &[Check]) -> bool {
    checks.iter().all(|c| c.status != "FAIL")
}

/// A readable table of the checks.
pub fn table(checks: &[Check]) -> String {
    let f = |v: Option<f64>| v.map_or("-".to_string(), |x| format!("{x:.4}"));
    let mut s = format!(
        "{:<34} {:>10} {:>10} {:>10}  {}\n",
        "rule", "baseline", "current", "limit", "status"
    );
    for c in checks {
        s += &format!(
            "{:<34} {:>10} {:>10} {:>10}  {}{}\n",
            c.rule,
            f(c.baseline),
            f(c.current),
            f(c.limit),
            c.status,
            if c.note.is_empty() {
                String::new()
            } else {
                format!(" ({})", c.note)
            }
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figs(fpr: f64, det: f64, p95: Option<f64>) -> Figures {
        Figures {
            fpr,
            detection: [("lsb.rgb".to_string(), det)].into(),
            p95_ms: p95,
            fpr_by_format: BTreeMap::new(),
        }
    }

    #[test]
    fn rules_fire_as_specified() {
        let r = Rules::default();
        assert!(passed(&compare(
            &figs(0.001, 0.99, Some(2.0)),
            &figs(0.001, 0.99, Some(2.0)),
            &r
        )));
        // FPR up by more than 10 %
        assert!(!passed(&compare(
            &figs(0.001, 0.99, None),
            &figs(0.0012, 0.99, None),
            &r
        )));
        // detection down by more than 5 %, or below 95 %
        assert!(!passed(&compare(
            &figs(0.0, 0.99, None),
            &figs(0.0, 0.93, None),
            &r
        )));
        // latency up by more than 20 %
        assert!(!passed(&compare(
            &figs(0.0, 0.99, Some(2.0)),
            &figs(0.0, 0.99, Some(2.5)),
            &r
        )));
        // baseline FPR 0: any false positive fires
        assert!(!passed(&compare(
            &figs(0.0, 0.99, None),
            &figs(0.0001, 0.99, None),
            &r
        )));
        // a method missing from the current run fails
        let mut cur = figs(0.0, 0.99, None);
        cur.detection.clear();
        assert!(!passed(&compare(&figs(0.0, 0.99, None), &cur, &r)));
    }

    #[test]
    fn baselines_without_required_fields_are_refused() {
        assert!(Figures::from_json(&serde_json::json!({"fpr": 0.0}), "b").is_err());
        let reference_v3 = serde_json::json!({"fpr": 0.32, "detection_rates": {"lsb": 95.0}});
        assert!(Figures::from_json(&reference_v3, "b").is_err());
        let empty = serde_json::json!({"fpr": {"rate": 0.0}, "detection_by_method": {"alpha": {"k": 0, "n": 0, "rate": 0.0}}});
        assert!(Figures::from_json(&empty, "b").is_err());
    }
}
