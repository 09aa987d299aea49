//! The command-line tool: exit codes, JSON fields, stdin, embed with sidecar, extract.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stegodetect"))
}

/// A temporary directory, removed when the returned guard drops.
fn tmpdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

#[test]
fn exit_codes_follow_the_verdicts() {
    let fx = common::root().join("tests/fixtures/clean");
    let clean = bin()
        .args(["scan", "--no-progress"])
        .arg(fx.join("rgb.png"))
        .output()
        .unwrap();
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );
    let stego = bin()
        .args(["scan"])
        .arg(common::root().join("examples/images/stego-lsb.png"))
        .output()
        .unwrap();
    assert_eq!(stego.status.code(), Some(1));
    let dir = tmpdir();
    let d = dir.path();
    std::fs::write(d.join("broken.png"), b"\x89PNG\r\n\x1a\nnope").unwrap();
    let err = bin()
        .args(["scan"])
        .arg(fx.join("rgb.png"))
        .arg(d.join("broken.png"))
        .output()
        .unwrap();
    assert_eq!(err.status.code(), Some(2));
    let out = String::from_utf8_lossy(&err.stdout);
    assert!(out.contains("ERROR (decode)"), "{out}");
    assert!(out.contains("2 files: 0 stego, 1 clean, 1 errors"), "{out}");
}

#[test]
fn jsonl_and_json_records_carry_the_contract_fields() {
    let imgs = common::root().join("examples/images");
    let out = bin()
        .args(["scan", "--format", "jsonl"])
        .arg(&imgs)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let recs: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        recs.len(),
        9,
        "images only: sidecars are skipped in directories"
    );
    for r in &recs {
        for k in [
            "path",
            "is_stego",
            "probability",
            "method",
            "method_id",
            "payload",
            "error",
        ] {
            assert!(r.get(k).is_some(), "missing {k} in {r}");
        }
    }
    let lsb = recs
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("stego-lsb.png"))
        .unwrap();
    assert_eq!(lsb["is_stego"], true);
    assert_eq!(lsb["method"], "lsb.rgb");
    assert_eq!(lsb["method_id"], 2);
    assert_eq!(lsb["payload"]["bit_order"], "lsb-first");
    assert_eq!(lsb["payload"]["length"], 58);
    assert!(lsb["payload"]["text"]
        .as_str()
        .unwrap()
        .starts_with("Meet at the old lighthouse"));
    let clean = recs
        .iter()
        .find(|r| r["path"].as_str().unwrap().ends_with("clean-photo.png"))
        .unwrap();
    assert_eq!(clean["is_stego"], false);
    assert!(clean["method"].is_null() && clean["payload"].is_null() && clean["error"].is_null());

    let out = bin()
        .args(["scan", "--format", "json"])
        .arg(&imgs)
        .output()
        .unwrap();
    let arr: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(arr.len(), 9);
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(
        summary.contains("9 files: 5 stego, 4 clean, 0 errors"),
        "{summary}"
    );
}

#[test]
fn error_records_are_errors_not_clean() {
    let dir = tmpdir();
    let d = dir.path();
    std::fs::write(d.join("empty.png"), b"").unwrap();
    std::fs::write(d.join("text.jpg"), b"hello").unwrap();
    let out = bin()
        .args(["scan", "--format", "jsonl"])
        .arg(d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    for l in String::from_utf8(out.stdout).unwrap().lines() {
        let r: serde_json::Value = serde_json::from_str(l).unwrap();
        assert!(r["is_stego"].is_null(), "{r}");
        assert!(r["error"].is_string(), "{r}");
    }
}

#[test]
fn stdin_is_scanned() {
    let mut child = bin()
        .args(["scan", "--format", "jsonl", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let img = std::fs::read(common::root().join("examples/images/stego-alpha.png")).unwrap();
    child.stdin.take().unwrap().write_all(&img).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["path"], "-");
    assert_eq!(r["method"], "alpha");
}

#[test]
fn embed_writes_image_and_sidecar_then_extract_recovers() {
    let dir = tmpdir();
    let d = dir.path();
    let payload = d.join("p.txt");
    std::fs::write(&payload, b"The payload written by the CLI test.").unwrap();
    let cover = common::root().join("tests/fixtures/clean/static.gif");
    let out = d.join("out.gif");
    let st = bin()
        .args([
            "embed",
            "--method",
            "palette",
            "--bit-order",
            "lsb-first",
            "--payload-file",
        ])
        .arg(&payload)
        .arg("-o")
        .arg(&out)
        .arg(&cover)
        .status()
        .unwrap();
    assert!(st.success());
    let side: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("out.gif.json")).unwrap()).unwrap();
    assert_eq!(side["embedding"]["technique"], "palette");
    assert_eq!(side["embedding"]["bit_order"], "lsb-first");
    assert_eq!(side["clean_file"], "static.gif");

    let saved = d.join("payload.bin");
    let ex = bin()
        .args(["extract", "-o"])
        .arg(&saved)
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(ex.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&ex.stdout).contains("The payload written by the CLI test."));
    assert_eq!(
        std::fs::read(&saved).unwrap(),
        b"The payload written by the CLI test."
    );

    let json = bin()
        .args(["extract", "--format", "json"])
        .arg(&out)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v[0]["method"], "palette");
    assert_eq!(v[0]["bit_order"], "lsb-first");

    let none = bin().args(["extract"]).arg(&cover).output().unwrap();
    assert_eq!(none.status.code(), Some(1));

    // a method the cover cannot carry is a clear error, exit 2
    let bad = bin()
        .args(["embed", "--method", "exif", "--payload-file"])
        .arg(&payload)
        .arg("-o")
        .arg(d.join("x.gif"))
        .arg(&cover)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("EXIF"));
}

#[test]
fn bench_reports_a_ratio() {
    let out = bin()
        .args(["bench", "--rounds", "1", "--json"])
        .arg(common::root().join("tests/fixtures/clean"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["files"].as_u64().unwrap() >= 20);
    assert!(v["ratio"].as_f64().unwrap() > 0.0);
}

#[test]
fn starlight_json_keeps_the_reference_result_shape() {
    let dir = tmpdir();
    let d = dir.path();
    std::fs::write(d.join("bad.png"), b"\x89PNG\r\n\x1a\n").unwrap();
    let out = bin()
        .args(["scan", "--starlight-json"])
        .arg(common::root().join("examples/images"))
        .arg(d.join("bad.png"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let arr: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(arr.len(), 10);
    for r in &arr {
        if r.get("error").is_some() {
            assert!(r["file_path"].as_str().unwrap().ends_with("bad.png"));
            assert!(r.get("is_stego").is_none());
            continue;
        }
        for k in ["file_path", "is_stego", "stego_probability", "method_id"] {
            assert!(r.get(k).is_some(), "{k} missing in {r}");
        }
        if r["is_stego"] == true {
            assert!(
                r["stego_type"].is_string()
                    && r["confidence"].is_number()
                    && r["extracted_message"].is_string()
            );
        } else {
            assert!(r.get("stego_type").is_none());
        }
    }
    let pal = arr
        .iter()
        .find(|r| {
            r["file_path"]
                .as_str()
                .unwrap()
                .ends_with("stego-palette.gif")
        })
        .unwrap();
    assert_eq!(pal["stego_type"], "palette");
    assert_eq!(pal["method_id"], 1);
    assert_eq!(pal["bit_order"], "msb-first");
}

#[test]
fn the_default_model_decides_unless_rules_only_is_asked_for() {
    let img = common::root().join("examples/images/stego-exif.jpg");
    let run = |extra: &[&str]| -> serde_json::Value {
        let out = bin()
            .args(["scan", "--format", "jsonl"])
            .args(extra)
            .arg(&img)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let r = run(&[]);
    assert_eq!(r["decided_by"], "model");
    assert_eq!(r["model"]["id"], "stegodetect-default-1");
    assert_eq!(r["model"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(r["method"], "exif");
    let r = run(&["--rules-only"]);
    assert_eq!(r["decided_by"], "rules");
    assert!(r["model"].is_null());
}

#[test]
fn scan_writes_one_metrics_record_per_file_errors_included() {
    let dir = tmpdir();
    let d = dir.path();
    std::fs::write(d.join("broken.png"), b"\x89PNG\r\n\x1a\nnope").unwrap();
    for f in ["stego-lsb.png", "clean-photo.png"] {
        std::fs::copy(common::root().join("examples/images").join(f), d.join(f)).unwrap();
    }
    let log = d.join("m.jsonl");
    let out = bin()
        .args([
            "scan",
            "--no-progress",
            "--format",
            "jsonl",
            "--metrics-log",
        ])
        .arg(&log)
        .arg(d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "an unreadable file: exit 2");
    let c = stegodetect::metrics::log::read_log(&log).unwrap();
    assert!(!c.torn_tail && c.bad_lines.is_empty());
    let by_file = |n: &str| {
        c.records
            .iter()
            .find(|r| r["file"].as_str().is_some_and(|f| f.ends_with(n)))
            .unwrap_or_else(|| panic!("{n} not logged: {:?}", c.records))
    };
    assert_eq!(c.records.len(), 3);
    assert_eq!(by_file("broken.png")["ok"], false);
    assert_eq!(by_file("broken.png")["error_kind"], "decode");
    assert_eq!(by_file("stego-lsb.png")["is_stego"], true);
    assert_eq!(by_file("clean-photo.png")["is_stego"], false);
    // an unwritable log path fails before scanning, exit 2
    let bad = bin()
        .args([
            "scan",
            "--no-progress",
            "--metrics-log",
            "/nonexistent-dir/m.jsonl",
        ])
        .arg(d)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn cli_embeds_and_scans_jsteg() {
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("p.txt");
    std::fs::write(&payload, "a secret in the coefficients, ".repeat(20)).unwrap();
    let out = dir.path().join("s.jpg");
    let st = Command::new(common::bin())
        .args([
            "embed",
            "--method",
            "jpeg.jsteg",
            "--no-sidecar",
            "--payload-file",
        ])
        .arg(&payload)
        .arg("-o")
        .arg(&out)
        .arg(common::root().join("tests/fixtures/jpeg/photo-kphotoalbum.jpg"))
        .status()
        .unwrap();
    assert!(st.success());
    let o = Command::new(common::bin())
        .args(["scan", "--rules-only", "--format", "json"])
        .arg(&out)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = if v.is_array() { &v[0] } else { &v };
    assert_eq!(r["method"], "jpeg.jsteg", "{v}");
    assert_eq!(r["tool"], "jsteg");
    assert_eq!(
        r["payload"]["text"],
        "a secret in the coefficients, ".repeat(20)
    );
}

/// `--steghide-seeds` searches all 2^32 of steghide's seeds (tens of seconds): real steghide
/// output with an unencrypted payload is called `jpeg.steghide` by tool `steghide`, with the
/// payload byte-exact, by the rules alone.
#[test]
fn steghide_seed_search_reads_an_unencrypted_payload() {
    let o = Command::new(common::bin())
        .args([
            "scan",
            "--rules-only",
            "--steghide-seeds",
            "--format",
            "json",
        ])
        .arg(common::root().join("tests/fixtures/jpeg/steghide-none-kphotoalbum.jpg"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = if v.is_array() { &v[0] } else { &v };
    assert_eq!(r["method"], "jpeg.steghide", "{v}");
    assert_eq!(r["tool"], "steghide");
    let text = r["payload"]["text"].as_str().expect("payload text");
    assert_eq!(text.len(), 600);
    assert!(text.starts_with("                    GNU GENERAL PUBLIC LICENSE"));
    assert_eq!(o.status.code(), Some(1), "stego exits 1");
}

/// `--passphrases FILE`: the fixture made under `PASS` is decrypted by a list holding it
/// (CRLF lines, an empty line); a missing file is a usage error.
#[test]
fn steghide_passphrase_file_decrypts() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("pw.txt");
    std::fs::write(&list, "letmein\r\n\r\nPASS\r\n").unwrap();
    let o = Command::new(common::bin())
        .args(["scan", "--rules-only", "--format", "json", "--passphrases"])
        .arg(&list)
        .arg(common::root().join("tests/fixtures/jpeg/steghide-kphotoalbum.jpg"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let r = if v.is_array() { &v[0] } else { &v };
    assert_eq!(r["method"], "jpeg.steghide", "{v}");
    assert_eq!(r["payload"]["length"], 3000);
    let bad = Command::new(common::bin())
        .args(["scan", "--passphrases", "/nonexistent/pw.txt", "x.jpg"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("/nonexistent/pw.txt"));
}

#[test]
fn a_missing_runtime_is_an_actionable_error() {
    // In a separate process: ONNX Runtime is process-global once loaded.
    let out = Command::new(common::bin())
        .args(["scan", "--runtime", "/no/such/libonnxruntime.so", "--model"])
        .arg(common::test_models().join("follow_rules.onnx"))
        .arg(common::root().join("examples/images"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("ONNX Runtime not available") && err.contains("make setup"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing may be reported as scanned");
}

#[test]
fn cli_scan_with_a_model_reports_it() {
    let out = Command::new(common::bin())
        .args(["scan", "--format", "jsonl", "--model"])
        .arg(common::test_models().join("follow_rules.onnx"))
        .arg(common::root().join("examples/images"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let n = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .inspect(|r| {
            assert_eq!(r["decided_by"], "model");
            assert_eq!(r["model"]["id"], "test-follow-rules");
        })
        .count();
    assert_eq!(n, 9);
}
