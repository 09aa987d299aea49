//! `eval` on a small generated set: counts that can be checked by hand, errors counted apart, and
//! reports that fail when they could not measure (an always-clean model, an erroring input).

mod common;

use std::path::PathBuf;
use std::process::Command;

use stegodetect::embed::{embed, EmbedOptions};
use stegodetect::eval::{self, Gates};
use stegodetect::{Detector, Method, Options};

/// 4 clean fixtures, 5 stego (one per method) with payload files, and a manifest (CSV).
fn make_set(with_broken: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut csv = String::from("path,label,method,payload_file,source\n");
    for c in ["rgb.png", "static.gif", "baseline.jpg", "lossless.webp"] {
        std::fs::write(d.join(c), common::fixture(c)).unwrap();
        csv += &format!("{c},clean,,,fixtures\n");
    }
    let payload = b"A payload for the evaluation test, long enough to be found.";
    std::fs::write(d.join("payload.txt"), payload).unwrap();
    for (m, cover, out) in [
        (Method::Alpha, "rgb.png", "s-alpha.png"),
        (Method::Palette, "static.gif", "s-palette.gif"),
        (Method::LsbRgb, "rgb.png", "s-lsb.png"),
        (Method::Exif, "baseline.jpg", "s-exif.jpg"),
        (Method::Raw, "lossless.webp", "s-raw.webp"),
    ] {
        let st = embed(&common::fixture(cover), payload, &EmbedOptions::new(m)).unwrap();
        std::fs::write(d.join(out), st.bytes).unwrap();
        csv += &format!("{out},stego,{},payload.txt,generated\n", m.name());
    }
    if with_broken {
        std::fs::write(d.join("broken.png"), b"\x89PNG\r\n\x1a\n\0\0").unwrap();
        csv += "broken.png,clean,,,fixtures\n";
    }
    std::fs::write(d.join("manifest.csv"), csv).unwrap();
    dir
}

#[test]
fn counts_match_the_set() {
    let dir = make_set(false);
    let d = dir.path();
    let items = eval::load_manifest(&d.join("manifest.csv")).unwrap();
    assert_eq!(items.len(), 9);
    let (_, r) = eval::evaluate(&common::detector(), &items, Gates::default());
    assert_eq!((r.fpr.k, r.fpr.n), (0, 4));
    assert_eq!((r.detection.k, r.detection.n), (5, 5));
    assert_eq!((r.extraction_exact.k, r.extraction_exact.n), (5, 5));
    for m in ["alpha", "palette", "lsb.rgb", "exif", "raw"] {
        assert_eq!(r.detection_by_method[m].n, 1);
        assert_eq!(r.confusion[m][m], 1, "{m}");
    }
    assert_eq!(r.roc_auc, Some(1.0));
    assert!(r.passed, "{:?}", r.failures);
}

#[test]
fn errors_are_counted_apart_and_fail_the_report() {
    let dir = make_set(true);
    let d = dir.path();
    let items = eval::load_manifest(&d.join("manifest.csv")).unwrap();
    let (results, r) = eval::evaluate(&common::detector(), &items, Gates::default());
    assert_eq!(r.errors.k, 1);
    assert_eq!(r.fpr.n, 4, "the broken file is not a negative");
    assert!(!r.passed);
    assert!(r.failures[0].contains("could not be scanned"));
    assert!(results
        .iter()
        .any(|i| i.error.is_some() && i.flagged.is_none()));
}

#[test]
fn an_always_clean_model_fails_the_report() {
    let dir = make_set(false);
    let d = dir.path();
    let models = common::test_models();
    let det = Detector::new(Options {
        model: stegodetect::ModelChoice::Path(models.join("always_clean.onnx")),
        ..Options::default()
    })
    .unwrap();
    let items = eval::load_manifest(&d.join("manifest.csv")).unwrap();
    let (_, r) = eval::evaluate(&det, &items, Gates::default());
    assert_eq!(r.detection.k, 0);
    assert!(!r.passed);
    assert!(
        r.failures.iter().any(|f| f.contains("flagged no stego")),
        "{:?}",
        r.failures
    );
    assert_eq!(r.model.as_deref(), Some("test-always-clean"));

    // the CLI exits non-zero and writes both reports
    let out_dir = d.join("report");
    let st = Command::new(env!("CARGO_BIN_EXE_stegodetect"))
        .args(["eval", "--manifest"])
        .arg(d.join("manifest.csv"))
        .arg("--model")
        .arg(models.join("always_clean.onnx"))
        .arg("--report-dir")
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(1));
    let md = std::fs::read_to_string(out_dir.join("report.md")).unwrap();
    assert!(md.contains("FAILED"));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("report.json")).unwrap()).unwrap();
    assert_eq!(json["passed"], false);
}

#[test]
fn an_empty_set_fails() {
    let r = eval::report(&[], None, 0.5, 0.0, Gates::default());
    assert!(!r.passed);
    assert!(
        r.failures.iter().any(|f| f.contains("no clean"))
            && r.failures.iter().any(|f| f.contains("no stego"))
    );
}

#[test]
fn starlight_dataset_layout_is_read_from_sidecars() {
    let items =
        eval::load_sidecar_dir(&common::starlight_sample().join("reference-stego")).unwrap();
    let stego = items.iter().filter(|i| i.stego).count();
    let clean = items.iter().filter(|i| !i.stego).count();
    assert_eq!(
        (stego, clean),
        (48, 8),
        "48 stego and the 8 covers their sidecars name"
    );
}

#[test]
fn starlight_layout_counts_each_cover_once() {
    // stego sidecars name covers as ../clean/x; the clean/ walk finds the same files
    let items = eval::load_sidecar_dir(&common::starlight_sample()).unwrap();
    assert_eq!(items.iter().filter(|i| i.stego).count(), 48);
    assert_eq!(items.iter().filter(|i| !i.stego).count(), 311);
}

#[test]
fn regress_gate_passes_fails_and_refuses() {
    let dir = make_set(false);
    let d = dir.path();
    let bin = env!("CARGO_BIN_EXE_stegodetect");
    let st = Command::new(bin)
        .args(["eval", "--manifest"])
        .arg(d.join("manifest.csv"))
        .arg("--report-dir")
        .arg(d.join("base"))
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(0));
    let base = d.join("base/report.json");
    // wall-clock latency is not under test here (a loaded CI machine); the rules file lifts that bar
    let rules = d.join("rules.json");
    std::fs::write(&rules, r#"{"max_p95_ms": 1e9, "p95_factor": 1e9}"#).unwrap();
    let regress = |current: &PathBuf| {
        Command::new(bin)
            .args(["regress", "--baseline"])
            .arg(&base)
            .arg("--current")
            .arg(current)
            .arg("--rules")
            .arg(&rules)
            .output()
            .unwrap()
    };
    let same = regress(&base);
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stdout)
    );
    // a current run that lost the palette detections
    let mut worse: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&base).unwrap()).unwrap();
    worse["detection_by_method"]["palette"] =
        serde_json::json!({"k": 0, "n": 1, "rate": 0.0, "lo": 0.0, "hi": 0.79});
    let worse_path = d.join("worse.json");
    std::fs::write(&worse_path, worse.to_string()).unwrap();
    let out = regress(&worse_path);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("detection palette (relative)"));
    // the reference's baseline format has no per-method rates we can use: refused, exit 2
    let v3 = d.join("v3.json");
    std::fs::write(&v3, r#"{"fpr": 0.32, "detection_rates": {"lsb": 95.0}}"#).unwrap();
    let out = Command::new(bin)
        .args(["regress", "--baseline"])
        .arg(&v3)
        .arg("--current")
        .arg(&base)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("detection_by_method"));
}

#[test]
fn runs_are_merged_from_their_item_files() {
    // two "folds" written as `stegodetect eval` writes them, merged into one report
    let det = Detector::rules_only();
    let mut files = Vec::new();
    let mut totals = (0u64, 0u64);
    let mut dirs = Vec::new();
    for _ in 0..2 {
        let dir = make_set(false);
        let d = dir.path();
        let items = eval::load_manifest(&d.join("manifest.csv")).unwrap();
        let (results, rep) = eval::evaluate(&det, &items, Gates::default());
        totals = (totals.0 + rep.fpr.n, totals.1 + rep.detection.n);
        let lines: Vec<String> = results
            .iter()
            .map(|r| serde_json::to_string(r).unwrap())
            .collect();
        std::fs::write(d.join("items.jsonl"), lines.join("\n") + "\n").unwrap();
        std::fs::write(d.join("report.json"), serde_json::to_string(&rep).unwrap()).unwrap();
        files.push(d.join("items.jsonl"));
        dirs.push(dir);
    }
    let (items, rep) = eval::merge_runs(&files, 0.9, Gates::default()).unwrap();
    assert_eq!(items.len(), 18);
    assert_eq!((rep.fpr.n, rep.detection.n), totals);
    assert_eq!(
        rep.threshold, 0.5,
        "the threshold the items were scanned at"
    );
    // a line that is not an item result is an error naming the file and line
    std::fs::write(&files[1], "{\"not\": \"an item\"}\n").unwrap();
    let e = eval::merge_runs(&files, 0.5, Gates::default()).unwrap_err();
    assert!(e.to_string().contains("items.jsonl:1"), "{e}");
}

#[test]
fn jpeg_domain_methods_are_evaluated_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cover =
        std::fs::read(common::root().join("tests/fixtures/jpeg/photo-kphotoalbum.jpg")).unwrap();
    std::fs::write(d.join("cover.jpg"), &cover).unwrap();
    let payload = b"jsteg payload for the evaluation test, in the coefficients".repeat(4);
    std::fs::write(d.join("payload.bin"), &payload).unwrap();
    let st = embed(&cover, &payload, &EmbedOptions::new(Method::JpegJsteg)).unwrap();
    std::fs::write(d.join("s.jpg"), st.bytes).unwrap();
    std::fs::write(
        d.join("manifest.csv"),
        "path,label,method,payload_file,source\ncover.jpg,clean,,,fixtures\n\
         s.jpg,stego,jpeg.jsteg,payload.bin,generated\n",
    )
    .unwrap();
    let items = eval::load_manifest(&d.join("manifest.csv")).unwrap();
    let (_, r) = eval::evaluate(&common::detector(), &items, Gates::default());
    assert_eq!((r.fpr.k, r.fpr.n), (0, 1));
    assert_eq!(r.detection_by_method["jpeg.jsteg"].k, 1);
    assert_eq!(r.confusion["jpeg.jsteg"]["jpeg.jsteg"], 1);
    assert_eq!((r.extraction_exact.k, r.extraction_exact.n), (1, 1));
    let md = eval::markdown(&r);
    assert!(
        md.contains(
            "| true \\ predicted | clean | alpha | palette | lsb.rgb | exif | raw | jpeg.jsteg |"
        ),
        "{md}"
    );
}
