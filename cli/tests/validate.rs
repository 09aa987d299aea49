//! `stegodetect validate`: ready only when every check ran and passed; loudly not ready with an
//! always-clean model, a missing runtime, an empty data set, or no baseline.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Run from the repository root: validate's self-tests read `tests/fixtures` relative to it.
fn bin() -> Command {
    let mut c = Command::new(common::bin());
    c.current_dir(common::root());
    c
}

fn sample() -> PathBuf {
    common::starlight_sample()
}

/// The behaviour-only test profile: small load figures so the test stays quick, and every speed
/// bound lifted — the regression gate's p95 rules (absolute and against the baseline), the
/// hostile-input time limit, the load p95 limits and the thread-scaling floor. Tests run side by
/// side on a shared (or slow) machine, so an outcome that depends on speed would depend on the
/// machine; speed is measured by `validate` itself and reported, not asserted here. Every other
/// threshold is the default.
fn quick_thresholds(dir: &Path) -> PathBuf {
    let p = dir.join("thresholds.json");
    std::fs::write(
        &p,
        r#"{"load_requests": 120, "serve_requests": 120, "serve_concurrency": 4,
            "large_image_pixels": 4000000, "min_thread_scaling": 0.0,
            "max_library_p95_ms": 1e9, "max_serve_p95_ms": 1e9, "hostile_max_ms": 1e9,
            "regress": {"max_p95_ms": 1e9, "p95_factor": 1e9}}"#,
    )
    .unwrap();
    p
}

fn baseline(dir: &Path) -> PathBuf {
    let out = bin()
        .args(["eval", "--dataset"])
        .arg(sample())
        .arg("--report-dir")
        .arg(dir.join("baseline"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("baseline/report.json")
}

fn validate(
    dir: &Path,
    extra: &[&str],
    dataset: &Path,
    base: Option<&Path>,
) -> (i32, Value, String) {
    let report = dir.join(format!(
        "report-{}",
        extra.join("-").replace(['/', '.'], "_")
    ));
    let mut c = bin();
    c.arg("validate")
        .arg("--dataset")
        .arg(dataset)
        .arg("--fresh-covers")
        .arg(common::root().join("tests/fixtures/clean"))
        .arg("--thresholds")
        .arg(quick_thresholds(dir))
        .arg("--report-dir")
        .arg(&report)
        .args(extra);
    if let Some(b) = base {
        c.arg("--baseline").arg(b);
    }
    let out = c.output().unwrap();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("report.json")).unwrap())
            .unwrap();
    let md = std::fs::read_to_string(report.join("report.md")).unwrap();
    assert!(md.contains(json["verdict"].as_str().unwrap()));
    (
        out.status.code().unwrap(),
        json,
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn status<'a>(r: &'a Value, name: &str) -> &'a str {
    r["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}"))["status"]
        .as_str()
        .unwrap()
}

#[test]
fn the_default_model_is_ready_and_every_check_ran() {
    let dir = tempfile::tempdir().unwrap();
    let base = baseline(dir.path());
    let (code, r, out) = validate(dir.path(), &[], &sample(), Some(&base));
    assert_eq!(code, 0, "{out}\n{r}");
    assert_eq!(r["ready"], true);
    let checks = r["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 6);
    for c in checks {
        assert_eq!(c["status"], "pass", "{c}");
    }
    // figures are there, measured
    let load = &checks.iter().find(|c| c["name"] == "load").unwrap()["figures"];
    let runs = load["runs"].as_array().unwrap();
    assert!(runs
        .iter()
        .any(|r| r["via"] == "serve" && r["run"]["requests_per_s"].as_f64().unwrap() > 0.0));
    assert!(runs
        .iter()
        .filter(|r| r["via"] == "library")
        .all(|r| r["errors"] == 0));
    let fresh = &checks.iter().find(|c| c["name"] == "fresh data").unwrap()["figures"];
    for m in ["alpha", "palette", "lsb.rgb", "exif", "raw"] {
        assert!(fresh["by_method"][m]["n"].as_u64().unwrap() >= 10, "{m}");
    }
    assert!(r["platform"]["runtime"]
        .as_str()
        .unwrap()
        .contains("onnxruntime"));
}

#[test]
fn not_ready_with_an_always_clean_model() {
    let dir = tempfile::tempdir().unwrap();
    let base = baseline(dir.path());
    let model = common::test_models().join("always_clean.onnx");
    let (code, r, _) = validate(
        dir.path(),
        &["--model", model.to_str().unwrap()],
        &sample(),
        Some(&base),
    );
    assert_eq!(code, 1);
    assert_eq!(r["ready"], false);
    assert_eq!(status(&r, "benchmark"), "FAIL");
    assert_eq!(status(&r, "fresh data"), "FAIL");
    assert_eq!(status(&r, "edge cases"), "FAIL");
}

#[test]
fn not_ready_without_a_runtime_an_empty_set_or_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let base = baseline(dir.path());
    // no ONNX Runtime: nothing can run, and every check says so
    let (code, r, out) = validate(
        dir.path(),
        &["--runtime", "/nonexistent/libonnxruntime.so"],
        &sample(),
        Some(&base),
    );
    assert_eq!(code, 1);
    for name in ["benchmark", "fresh data", "edge cases", "load", "memory"] {
        assert_eq!(status(&r, name), "not run", "{name}");
    }
    assert!(out.contains("NOT READY"));
    // an empty data set
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let (code, r, _) = validate(dir.path(), &[], &empty, Some(&base));
    assert_eq!(code, 1);
    assert_ne!(status(&r, "benchmark"), "pass");
    assert_eq!(status(&r, "load"), "not run");
    // no baseline: the regression gate cannot run, so the benchmark cannot pass
    let (code, r, _) = validate(dir.path(), &[], &sample(), None);
    assert_eq!(code, 1);
    assert_eq!(status(&r, "benchmark"), "FAIL");
    assert!(r["checks"][0]["failures"]
        .to_string()
        .contains("no baseline"));
}

#[test]
fn the_library_runs_the_checks_and_a_missing_input_is_never_a_pass() {
    use stegodetect::validate::{self, Inputs, Outcome, Thresholds};
    let det = stegodetect::Detector::rules_only();
    let th = Thresholds {
        large_image_pixels: 1_000_000,
        hostile_max_ms: 1e9,
        ..Thresholds::default()
    };
    // no labelled set, no covers, no fixture directory, no server
    let steps = std::sync::Mutex::new(Vec::new());
    let r = validate::run(Ok(&det), &Inputs::default(), &th, None, &|s| {
        steps.lock().unwrap().push(s.to_string())
    });
    assert_eq!(steps.lock().unwrap().len(), 5);
    assert!(!r.ready && r.verdict == "NOT READY");
    let status = |name: &str| r.checks.iter().find(|c| c.name == name).unwrap().status;
    assert_eq!(status("benchmark"), Outcome::NotRun);
    assert_eq!(status("fresh data"), Outcome::NotRun);
    assert_eq!(status("load"), Outcome::NotRun);
    let edge = r.checks.iter().find(|c| c.name == "edge cases").unwrap();
    assert_eq!(edge.status, Outcome::Fail);
    assert!(
        edge.failures[0].contains("no fixture directory"),
        "{:?}",
        edge.failures
    );
    // with the fixtures, every edge case runs and passes on the rules alone
    let inputs = Inputs {
        fixtures: Some(common::root().join("tests/fixtures/clean")),
        ..Inputs::default()
    };
    let r = validate::run(Ok(&det), &inputs, &th, None, &|_| {});
    let edge = r.checks.iter().find(|c| c.name == "edge cases").unwrap();
    assert_eq!(edge.status, Outcome::Pass, "{:?}", edge.failures);
    assert!(r.markdown().contains("| edge cases | pass |"));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["checks"][2]["status"], "pass");
    assert_eq!(json["checks"][0]["status"], "not run");
}
