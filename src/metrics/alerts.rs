//! Alert rules over the metrics registry: windowed p95 latency, error rate and stego rate, ground
//! truth FPR and per-method detection, and process memory, each compared with a threshold.
//! Alerts are deduplicated by rule and labels and move active -> acknowledged -> resolved; an
//! acknowledgement may suppress an alert until a time, after which a still-breached rule fires
//! again. Evaluation returns the transitions to notify ([`super::notify`] sends them).
//!
//! Rules come from a JSON file ([`AlertConfig::load`]):
//!
//! ```json
//! {"evaluate_every_secs": 15,
//!  "rules": [
//!   {"name": "slow", "metric": "latency_p95_ms", "window": "5m", "op": ">", "threshold": 100},
//!   {"name": "errors", "metric": "error_rate", "window": "5m", "op": ">", "threshold": 0.01, "min_samples": 20},
//!   {"name": "drift", "metric": "stego_rate", "window": "1h", "op": ">", "threshold": 0.2, "min_samples": 100},
//!   {"name": "fpr", "metric": "fpr", "op": ">", "threshold": 0.0005, "min_samples": 100},
//!   {"name": "lsb", "metric": "detection", "method": "lsb.rgb", "op": "<", "threshold": 0.99, "min_samples": 50},
//!   {"name": "memory", "metric": "rss_bytes", "op": ">", "threshold": 4e9}],
//!  "notifiers": [{"kind": "slack", "url": "https://hooks.slack.com/..."}]}
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::{Snapshot, WINDOWS};
use crate::analysis::Method;
use crate::error::{Error, Result};

/// What a rule measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertMetric {
    /// 95th percentile of total scan latency over the window, milliseconds.
    LatencyP95Ms,
    /// Errors / (scans + errors) over the window.
    ErrorRate,
    /// Stego verdicts / scans over the window (drift of what the traffic looks like).
    StegoRate,
    /// False-positive rate from ground truth (all labelled clean images so far).
    Fpr,
    /// Detection rate from ground truth for `method`.
    Detection,
    /// Resident memory of the process, bytes.
    RssBytes,
}

/// Comparison that breaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Breach when the value is above the threshold.
    #[serde(rename = ">")]
    Above,
    /// Breach when the value is below the threshold.
    #[serde(rename = "<")]
    Below,
}

/// One rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertRule {
    /// Unique name.
    pub name: String,
    /// What is measured.
    pub metric: AlertMetric,
    /// Window for the windowed metrics (`1m`, `5m`, `1h`, `24h`; default `5m`).
    #[serde(default)]
    pub window: Option<String>,
    /// Method for `detection`.
    #[serde(default)]
    pub method: Option<String>,
    /// Comparison.
    pub op: Op,
    /// Threshold.
    pub threshold: f64,
    /// Fewer samples than this (window traffic, or labelled images) and the rule is not judged.
    #[serde(default)]
    pub min_samples: u64,
    /// Free label carried into notifications (default `warning`).
    #[serde(default = "default_severity")]
    pub severity: String,
}

fn default_severity() -> String {
    "warning".into()
}

/// The alert configuration file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertConfig {
    /// Rules.
    pub rules: Vec<AlertRule>,
    /// Where transitions are sent (kinds in [`super::notify`]); kept as JSON here so that the
    /// rules can be used without the notifiers.
    #[serde(default)]
    pub notifiers: Vec<serde_json::Value>,
    /// How often a service evaluates the rules (default 15 s).
    #[serde(default)]
    pub evaluate_every_secs: Option<u64>,
}

impl AlertConfig {
    /// Read and check a configuration file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: format!("cannot read alert rules {}", path.display()),
            file: path.to_path_buf(),
            source: e,
        })?;
        let c: AlertConfig = serde_json::from_str(&text)
            .map_err(|e| Error::InvalidArgument(format!("alert rules {}: {e}", path.display())))?;
        c.check()?;
        Ok(c)
    }

    /// Reject duplicate names, unknown windows and methods, a detection rule without a method.
    pub fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidArgument(m));
        for (i, r) in self.rules.iter().enumerate() {
            if self.rules[..i].iter().any(|o| o.name == r.name) {
                return bad(format!("duplicate alert rule name {:?}", r.name));
            }
            if let Some(w) = &r.window {
                if !WINDOWS.iter().any(|(n, _)| n == w) {
                    return bad(format!("rule {:?}: unknown window {w:?}", r.name));
                }
            }
            match (&r.metric, &r.method) {
                (AlertMetric::Detection, None) => {
                    return bad(format!("rule {:?}: detection needs a method", r.name))
                }
                (_, Some(m)) if m.parse::<Method>().is_err() => {
                    return bad(format!("rule {:?}: unknown method {m:?}", r.name))
                }
                _ => {}
            }
            if !r.threshold.is_finite() {
                return bad(format!("rule {:?}: threshold must be a number", r.name));
            }
        }
        Ok(())
    }
}

/// Where an alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Breached and not acknowledged.
    Active,
    /// Breached, acknowledged by someone (suppressed until `suppressed_until`, if set).
    Acknowledged,
    /// No longer breached.
    Resolved,
}

/// One alert: a rule with its labels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    /// Stable id: the rule name, then the labels (`lsb-detection:method=lsb.rgb`).
    pub id: String,
    /// The rule's name.
    pub rule: String,
    /// Labels (`window`, `method`).
    pub labels: BTreeMap<String, String>,
    /// The rule's severity.
    pub severity: String,
    /// State.
    pub state: AlertState,
    /// Last measured value.
    pub value: f64,
    /// The rule's threshold and comparison.
    pub threshold: f64,
    /// `>` or `<`.
    pub op: Op,
    /// Samples behind the value.
    pub samples: u64,
    /// When it (last) fired, seconds since the Unix epoch.
    pub fired_at: f64,
    /// When it was resolved, if it is.
    pub resolved_at: Option<f64>,
    /// An acknowledgement's suppression end, if any.
    pub suppressed_until: Option<f64>,
    /// One sentence for people.
    pub message: String,
}

/// A transition to notify.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    /// `firing` or `resolved`.
    pub event: &'static str,
    /// The alert after the transition.
    pub alert: Alert,
}

/// Rules and the alerts they raised.
pub struct AlertEngine {
    rules: Vec<AlertRule>,
    alerts: Mutex<BTreeMap<String, Alert>>,
}

/// The value of a rule's metric and the samples behind it; `None` when the snapshot lacks it.
fn measure(rule: &AlertRule, s: &Snapshot) -> Option<(f64, u64)> {
    let window = || s.windows.get(rule.window.as_deref().unwrap_or("5m"));
    match rule.metric {
        AlertMetric::LatencyP95Ms => window().map(|w| (w.p95_ms, w.scans)),
        AlertMetric::ErrorRate => window().map(|w| (w.error_rate, w.scans + w.errors)),
        AlertMetric::StegoRate => window().map(|w| (w.stego_rate, w.scans)),
        AlertMetric::Fpr => Some((s.fpr.rate, s.fpr.n)),
        AlertMetric::Detection => {
            let m = rule.method.as_deref()?.parse::<Method>().ok()?;
            s.detection_by_method.get(m.name()).map(|r| (r.rate, r.n))
        }
        AlertMetric::RssBytes => s.memory.map(|m| (m.rss_bytes as f64, 1)),
    }
}

impl AlertEngine {
    /// An engine over checked rules.
    pub fn new(config: &AlertConfig) -> Result<Self> {
        config.check()?;
        Ok(AlertEngine {
            rules: config.rules.clone(),
            alerts: Mutex::new(BTreeMap::new()),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Alert>> {
        self.alerts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Judge every rule against a snapshot at `now` (seconds since the Unix epoch); returns the
    /// transitions to notify. A rule without enough samples leaves its alert as it was.
    pub fn evaluate(&self, s: &Snapshot, now: f64) -> Vec<Transition> {
        let mut alerts = self.lock();
        let mut out = Vec::new();
        for rule in &self.rules {
            let Some((value, samples)) = measure(rule, s) else {
                continue;
            };
            if samples < rule.min_samples {
                continue;
            }
            let mut labels = BTreeMap::new();
            if matches!(
                rule.metric,
                AlertMetric::LatencyP95Ms | AlertMetric::ErrorRate | AlertMetric::StegoRate
            ) {
                labels.insert("window".into(), rule.window.clone().unwrap_or("5m".into()));
            }
            if let Some(m) = &rule.method {
                labels.insert("method".into(), m.clone());
            }
            let id = std::iter::once(rule.name.clone())
                .chain(labels.iter().map(|(k, v)| format!("{k}={v}")))
                .collect::<Vec<_>>()
                .join(":");
            let breached = match rule.op {
                Op::Above => value > rule.threshold,
                Op::Below => value < rule.threshold,
            };
            let message = format!(
                "{}: {:?} is {value:.6} ({} {} {}; {samples} samples)",
                rule.name,
                rule.metric,
                if breached { "breaches" } else { "within" },
                if rule.op == Op::Above { ">" } else { "<" },
                rule.threshold
            );
            let existing = alerts.get_mut(&id);
            match (existing, breached) {
                (None, true) => {
                    let a = Alert {
                        id: id.clone(),
                        rule: rule.name.clone(),
                        labels,
                        severity: rule.severity.clone(),
                        state: AlertState::Active,
                        value,
                        threshold: rule.threshold,
                        op: rule.op,
                        samples,
                        fired_at: now,
                        resolved_at: None,
                        suppressed_until: None,
                        message,
                    };
                    out.push(Transition {
                        event: "firing",
                        alert: a.clone(),
                    });
                    alerts.insert(id, a);
                }
                (None, false) => {}
                (Some(a), true) => {
                    (a.value, a.samples, a.message) = (value, samples, message);
                    let refire = match a.state {
                        AlertState::Resolved => true,
                        AlertState::Acknowledged => a.suppressed_until.is_some_and(|t| now >= t),
                        AlertState::Active => false,
                    };
                    if refire {
                        a.state = AlertState::Active;
                        a.fired_at = now;
                        a.resolved_at = None;
                        a.suppressed_until = None;
                        out.push(Transition {
                            event: "firing",
                            alert: a.clone(),
                        });
                    }
                }
                (Some(a), false) => {
                    (a.value, a.samples, a.message) = (value, samples, message);
                    if a.state != AlertState::Resolved {
                        a.state = AlertState::Resolved;
                        a.resolved_at = Some(now);
                        a.suppressed_until = None;
                        out.push(Transition {
                            event: "resolved",
                            alert: a.clone(),
                        });
                    }
                }
            }
        }
        out
    }

    /// Every alert raised so far (resolved ones included), by id.
    pub fn list(&self) -> Vec<Alert> {
        self.lock().values().cloned().collect()
    }

    /// Acknowledge an active alert, optionally suppressing it until `until` (seconds since the
    /// Unix epoch); an unknown id is an invalid-argument error, a resolved alert cannot be
    /// acknowledged.
    pub fn acknowledge(&self, id: &str, until: Option<f64>) -> Result<Alert> {
        let mut alerts = self.lock();
        let a = alerts
            .get_mut(id)
            .ok_or_else(|| Error::NotFound(format!("unknown alert {id:?}")))?;
        if a.state == AlertState::Resolved {
            return Err(Error::InvalidArgument(format!(
                "alert {id:?} is resolved; nothing to acknowledge"
            )));
        }
        a.state = AlertState::Acknowledged;
        a.suppressed_until = until;
        Ok(a.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Metrics;
    use crate::stats::Rate;

    fn config(rules: &str) -> AlertConfig {
        let c: AlertConfig = serde_json::from_str(&format!(r#"{{"rules": {rules}}}"#)).unwrap();
        c.check().unwrap();
        c
    }

    #[test]
    fn alerts_fire_once_resolve_and_honour_suppression() {
        let e = AlertEngine::new(&config(
            r#"[{"name": "lsb", "metric": "detection", "method": "lsb.rgb", "op": "<", "threshold": 0.99, "min_samples": 10},
                {"name": "fpr", "metric": "fpr", "op": ">", "threshold": 0.001, "min_samples": 100}]"#,
        ))
        .unwrap();
        let mut s = Metrics::new().snapshot();
        // too few samples: nothing judged
        s.detection_by_method.insert("lsb.rgb", Rate::new(5, 9));
        assert!(e.evaluate(&s, 0.0).is_empty());
        // breach: fires once, then stays quiet while breached (dedup)
        s.detection_by_method.insert("lsb.rgb", Rate::new(90, 100));
        let t = e.evaluate(&s, 1.0);
        assert_eq!(t.len(), 1);
        assert_eq!(
            (t[0].event, t[0].alert.id.as_str()),
            ("firing", "lsb:method=lsb.rgb")
        );
        assert!(e.evaluate(&s, 2.0).is_empty());
        // acknowledged with suppression until t=10: quiet before, fires again after
        let a = e.acknowledge("lsb:method=lsb.rgb", Some(10.0)).unwrap();
        assert_eq!(a.state, AlertState::Acknowledged);
        assert!(e.evaluate(&s, 5.0).is_empty());
        let t = e.evaluate(&s, 10.0);
        assert_eq!((t.len(), t[0].alert.state), (1, AlertState::Active));
        // recovery resolves it, once
        s.detection_by_method
            .insert("lsb.rgb", Rate::new(995, 1000));
        let t = e.evaluate(&s, 11.0);
        assert_eq!(
            (t[0].event, t[0].alert.resolved_at),
            ("resolved", Some(11.0))
        );
        assert!(e.evaluate(&s, 12.0).is_empty());
        assert!(e.acknowledge("lsb:method=lsb.rgb", None).is_err());
        assert!(e.acknowledge("nope", None).is_err());
        // the FPR rule never had enough labelled clean images
        assert_eq!(e.list().len(), 1);
    }

    #[test]
    fn bad_configs_are_refused() {
        for rules in [
            r#"[{"name": "a", "metric": "detection", "op": "<", "threshold": 0.9}]"#,
            r#"[{"name": "a", "metric": "error_rate", "window": "2m", "op": ">", "threshold": 0.1}]"#,
            r#"[{"name": "a", "metric": "fpr", "op": ">", "threshold": 0.1},
                {"name": "a", "metric": "fpr", "op": ">", "threshold": 0.2}]"#,
            r#"[{"name": "a", "metric": "detection", "method": "jpeg", "op": "<", "threshold": 0.9}]"#,
        ] {
            let c: AlertConfig = serde_json::from_str(&format!(r#"{{"rules": {rules}}}"#)).unwrap();
            assert!(c.check().is_err(), "{rules}");
        }
        assert!(serde_json::from_str::<AlertConfig>(
            r#"{"rules": [{"name": "a", "metric": "fpr", "op": ">=", "threshold": 0.1}]}"#
        )
        .is_err());
    }
}
