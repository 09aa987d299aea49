//! The JSON records of the bundled images and fixtures do not change unnoticed: every field of
//! `verdict::record` except `timings` must match `tests/golden/records.jsonl` byte for byte. The
//! rules decide here (pure Rust, so the bytes are the same on every machine); the model's output
//! is checked by the model tests. After an intended change of results, regenerate the file with
//! `STEGODETECT_BLESS=1 cargo test --release --test golden` and review its diff.

mod common;

use std::path::PathBuf;

use stegodetect::{verdict, Detector};

fn inputs() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in ["examples/images", "tests/fixtures/clean"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(common::root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e != "json" && e != "py"))
            .collect();
        files.sort();
        v.extend(files);
    }
    v
}

fn records() -> String {
    let det = Detector::rules_only();
    let mut out = String::new();
    for p in inputs() {
        let name = p
            .strip_prefix(common::root())
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let r = det.scan_path(&p);
        let mut rec = verdict::record(Some(&name), r.as_ref());
        rec.as_object_mut().unwrap().remove("timings");
        out += &serde_json::to_string(&rec).unwrap();
        out.push('\n');
    }
    out
}

#[test]
fn records_match_the_golden_file() {
    let path = common::root().join("tests/golden/records.jsonl");
    let now = records();
    if std::env::var_os("STEGODETECT_BLESS").is_some() {
        std::fs::write(&path, &now).unwrap();
        return;
    }
    let golden = std::fs::read_to_string(&path).expect("tests/golden/records.jsonl");
    assert!(now.lines().count() >= 30, "every bundled image is covered");
    for (i, (a, b)) in golden.lines().zip(now.lines()).enumerate() {
        assert_eq!(a, b, "record {i} changed (see the module doc to bless)");
    }
    assert_eq!(golden.lines().count(), now.lines().count());
}
