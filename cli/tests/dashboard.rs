//! The dashboard and the static report in a real browser: headless Chromium (installed by
//! `make setup`) loads the live page of a running service and a report written from a metrics
//! log, and the DOM after load must hold charts drawn from data. Screenshots are kept in the
//! test's target tmp directory (`target/tmp/`).

mod browser;
mod common;

use browser::{artifacts, chromium, file_url};

use std::process::{Command, Stdio};

/// `data-kind` -> `data-points` of every chart in a dumped DOM.
fn charts(dom: &str) -> Vec<(String, usize)> {
    dom.split("data-kind=\"")
        .skip(1)
        .filter_map(|s| {
            let kind = s.split('"').next()?.to_string();
            let pts = s
                .split("data-points=\"")
                .nth(1)?
                .split('"')
                .next()?
                .parse()
                .ok()?;
            Some((kind, pts))
        })
        .collect()
}

fn scan_examples(bin: &str, extra: &[&str]) {
    let st = Command::new(bin)
        .args(["scan", "--no-progress"])
        .args(extra)
        .arg(common::root().join("examples/images"))
        .arg(common::root().join("tests/fixtures/clean"))
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(1), "the examples hold stego");
}

#[test]
fn live_dashboard_renders_charts_with_data() {
    let server = common::Server::start_with("dash-token", &[]);
    let base = server.base.clone();
    let images = common::root().join("examples/images");
    for e in std::fs::read_dir(&images).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x != "json") {
            let r = ureq::post(&format!("{base}/v1/scan"))
                .set("Authorization", "Bearer dash-token")
                .send_bytes(&std::fs::read(&p).unwrap());
            assert!(r.is_ok(), "{}", p.display());
        }
    }
    let url = format!("{base}/dashboard#token=dash-token");
    let dom = chromium(&[], &url);
    std::fs::write(artifacts().join("dashboard-dom.html"), &dom).unwrap();
    assert!(
        dom.contains("data-rendered=\"true\""),
        "not rendered: target/tmp/dashboard-dom.html"
    );
    let c = charts(&dom);
    for kind in ["latency", "throughput", "methods", "formats"] {
        assert!(
            c.iter().any(|(k, n)| k == kind && *n > 0),
            "{kind} chart without data: {c:?}"
        );
    }
    assert!(dom.contains(">9<"), "nine scans in the overview");
    // the live page lists the five stego examples, each opening its inspect page by scan id
    assert_eq!(dom.matches("<tr data-method=\"").count(), 5, "{dom}");
    assert_eq!(dom.matches("data-scan=\"").count(), 5, "{dom}");
    assert!(dom.contains("Meet at the old lighthouse at dawn"), "{dom}");
    let shot = artifacts().join("dashboard.png");
    chromium(
        &[
            "--window-size=1300,1200",
            &format!("--screenshot={}", shot.display()),
        ],
        &url,
    );
    assert!(std::fs::metadata(&shot).unwrap().len() > 10_000);
    // a wrong token: the page says it could not load, and draws nothing
    let dom = chromium(&[], &format!("{base}/dashboard#token=wrong"));
    assert!(dom.contains("cannot load") && dom.contains("401"), "{dom}");
    assert!(charts(&dom).is_empty());
    server.stop();
}

#[test]
fn static_report_renders_from_a_metrics_log_and_an_eval_report() {
    let bin = env!("CARGO_BIN_EXE_stegodetect");
    let dir = artifacts().join(format!("report-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("scans.jsonl");
    scan_examples(bin, &["--metrics-log", log.to_str().unwrap()]);
    let st = Command::new(bin)
        .args(["report", "--log"])
        .arg(&log)
        .arg("-o")
        .arg(&dir)
        .status()
        .unwrap();
    assert!(st.success());
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    // one record per image file the scan found
    let images = ["examples/images", "tests/fixtures/clean"]
        .iter()
        .flat_map(|d| std::fs::read_dir(common::root().join(d)).unwrap())
        .filter(|e| stegodetect::inputs::has_image_extension(&e.as_ref().unwrap().path()))
        .count();
    assert!(
        md.contains(&format!("- scans: {images}\n")) && md.contains("## Scans by format"),
        "{images} images expected: {md}"
    );
    // per-minute rows are labelled with ISO 8601 times, not epoch seconds
    assert!(
        md.lines()
            .any(|l| l.starts_with("| 20") && l.contains("T") && l.contains("Z |")),
        "{md}"
    );
    // the detections are listed: every stego example with its payload preview
    let rows: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("| 20") && l.contains("examples/images/stego-"))
        .collect();
    assert_eq!(rows.len(), 5, "{md}");
    assert!(
        rows.iter()
            .all(|r| r.contains("`Meet at the old lighthouse")),
        "{md}"
    );
    let dom = chromium(&[], &file_url(&dir.join("report.html")));
    let listed = dom.matches("<tr data-method=\"").count();
    assert_eq!(listed, 5, "{dom}");
    for m in ["alpha", "palette", "lsb.rgb", "exif", "raw"] {
        assert!(
            dom.contains(&format!("<tr data-method=\"{m}\"")),
            "{m}: {dom}"
        );
    }
    assert!(dom.contains("Meet at the old lighthouse at dawn"), "{dom}");
    // with --inspect, each detection links its inspect page
    let linked = dir.join("linked");
    let st = Command::new(bin)
        .args(["report", "--inspect", "--log"])
        .arg(&log)
        .arg("-o")
        .arg(&linked)
        .status()
        .unwrap();
    assert!(st.success());
    let md = std::fs::read_to_string(linked.join("report.md")).unwrap();
    assert_eq!(md.matches("](inspect/").count(), 5, "{md}");
    let ldom = chromium(&[], &file_url(&linked.join("report.html")));
    assert_eq!(ldom.matches("<a href=\"inspect/").count(), 5, "{ldom}");
    for n in 0..5 {
        let page = std::fs::read_to_string(linked.join(format!("inspect/{n}/index.html"))).unwrap();
        assert!(page.contains("data-verdict=\"stego\""), "inspect/{n}");
    }
    let c = charts(&dom);
    for kind in ["latency", "throughput", "methods", "formats"] {
        assert!(c.iter().any(|(k, n)| k == kind && *n > 0), "{kind}: {c:?}");
    }
    chromium(
        &[
            "--window-size=1300,1200",
            &format!("--screenshot={}", artifacts().join("report.png").display()),
        ],
        &file_url(&dir.join("report.html")),
    );

    // from an eval report: the rate charts
    let eval = dir.join("eval");
    let st = Command::new(bin)
        .args(["report", "--eval"])
        .arg(common::root().join("models/heldout-report.json"))
        .arg("-o")
        .arg(&eval)
        .status()
        .unwrap();
    assert!(st.success());
    let dom = chromium(&[], &file_url(&eval.join("report.html")));
    assert!(
        charts(&dom)
            .iter()
            .any(|(k, n)| k == "detection" && *n == 5),
        "{dom}"
    );
    // the false-positive row carries the report's own counts and rate
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(common::root().join("models/heldout-report.json")).unwrap(),
    )
    .unwrap();
    let fpr = &json["fpr"];
    let row = format!(
        "| clean images | {:.2} % | {}/{} |",
        fpr["rate"].as_f64().unwrap() * 100.0,
        fpr["k"],
        fpr["n"]
    );
    let md = std::fs::read_to_string(eval.join("report.md")).unwrap();
    assert!(md.contains(&row), "{row} not in {md}");
    // not a report at all
    let st = Command::new(bin)
        .args(["report", "--eval"])
        .arg(common::root().join("Cargo.toml"))
        .arg("-o")
        .arg(&eval)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(st.code(), Some(2));
}
