//! Hostile files and special files against the scanner (CLI and library): decompression bombs
//! stay within memory, non-regular files are refused without reading or hanging, symbolic links
//! in directories are followed or reported, never dropped, and JSON records keep their
//! documented field order.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::hostile;
use serde_json::Value;
use stegodetect::ErrorKind;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stegodetect"))
}

/// Run to the end, killing it if it has not ended after `guard` (a hang is a failure, reported
/// as such rather than as a stuck test run).
fn run_guarded(cmd: &mut Command, guard: Duration) -> (Option<i32>, String, String) {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > guard {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {guard:?} (hung): {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn jsonl(s: &str) -> Vec<Value> {
    s.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn an_iccp_bomb_is_not_inflated() {
    // 64x64 pixels, an ICC profile that inflates to 900 MiB (a 0.9 MB file): the decoder used to
    // inflate it (peak 960 MB) before it decoded a pixel
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("iccp-bomb.png");
    std::fs::write(&f, hostile::zero_png(64, 64, 2, &hostile::iccp_bomb(900))).unwrap();
    let (code, out, err, peak_kib) = common::run_with_peak_rss(
        bin()
            .args(["scan", "--no-progress", "--format", "jsonl"])
            .arg(&f),
    );
    assert_eq!(code, 0, "{out}{err}");
    let r = &jsonl(&out)[0];
    assert_eq!(r["is_stego"], false, "{r}");
    assert!(r["container"]["icc_bytes"].as_u64().unwrap() > 800_000);
    assert!(
        peak_kib < 100 * 1024,
        "peak RSS {peak_kib} KiB scanning an iCCP bomb"
    );
}

#[test]
fn special_files_are_refused_without_reading_or_hanging() {
    // a character device that never ends: refused before reading, whatever --max-file-size says
    let (code, out, _) = run_guarded(
        bin().args([
            "scan",
            "--no-progress",
            "--format",
            "jsonl",
            "--max-file-size",
            "1000000",
            "/dev/zero",
        ]),
        Duration::from_secs(120),
    );
    assert_eq!(code, Some(2));
    let r = &jsonl(&out)[0];
    assert_eq!(r["error_kind"], "io", "{r}");
    assert!(
        r["error"].as_str().unwrap().contains("character device"),
        "{r}"
    );

    // a FIFO with no writer: opening it used to block forever
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.png");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let (code, out, _) = run_guarded(
        bin()
            .args(["scan", "--no-progress", "--format", "jsonl"])
            .arg(&fifo),
        Duration::from_secs(120),
    );
    assert_eq!(code, Some(2));
    let r = &jsonl(&out)[0];
    assert_eq!(r["error_kind"], "io", "{r}");
    assert!(r["error"].as_str().unwrap().contains("FIFO"), "{r}");

    // the library says the same
    for p in [Path::new("/dev/zero"), fifo.as_path()] {
        let e = stegodetect::read_limited(p, 1_000_000).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Io, "{e}");
    }
}

#[test]
fn a_regular_file_is_read_only_up_to_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("big.png");
    std::fs::write(&f, vec![0u8; 5000]).unwrap();
    let e = stegodetect::read_limited(&f, 4999).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Limit, "{e}");
    assert_eq!(stegodetect::read_limited(&f, 5000).unwrap().len(), 5000);
}

/// A directory with a clean image, a symlink to a stego image, a dangling link and a loop.
fn tree_with_links(dir: &Path) {
    let ex = common::root().join("examples/images");
    std::fs::copy(ex.join("clean-photo.png"), dir.join("a-clean.png")).unwrap();
    std::os::unix::fs::symlink(ex.join("stego-lsb.png"), dir.join("b-link.png")).unwrap();
}

#[test]
fn symlinks_in_directories_are_followed_by_default() {
    let dir = tempfile::tempdir().unwrap();
    tree_with_links(dir.path());
    let (code, out, err) = run_guarded(
        bin()
            .args(["scan", "--no-progress", "--format", "jsonl"])
            .arg(dir.path()),
        Duration::from_secs(300),
    );
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 2, "{out}");
    assert_eq!(recs[1]["is_stego"], true, "{}", recs[1]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("2 files: 1 stego, 1 clean, 0 errors, 0 skipped"),
        "{err}"
    );
}

#[test]
fn unfollowed_dangling_and_looping_links_are_reported_as_skipped() {
    let dir = tempfile::tempdir().unwrap();
    tree_with_links(dir.path());
    // not followed on request: reported, and the exit code says not everything was scanned
    let (code, out, err) = run_guarded(
        bin()
            .args([
                "scan",
                "--no-progress",
                "--format",
                "jsonl",
                "--no-follow-symlinks",
            ])
            .arg(dir.path()),
        Duration::from_secs(300),
    );
    let recs = jsonl(&out);
    assert_eq!(recs.len(), 2, "{out}");
    assert_eq!(
        recs[1]["skipped"], "symbolic link, not followed",
        "{}",
        recs[1]
    );
    assert_eq!(recs[1]["is_stego"], Value::Null);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("2 files: 0 stego, 1 clean, 0 errors, 1 skipped"),
        "{err}"
    );

    // followed: a dangling link and a loop are skipped with their reasons
    std::os::unix::fs::symlink("/nonexistent/x.png", dir.path().join("c-dangling.png")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("d-loop")).unwrap();
    let sub = dir.path().join("e-sub");
    std::fs::create_dir(&sub).unwrap();
    std::os::unix::fs::symlink(dir.path(), sub.join("back")).unwrap();
    let (code, out, _) = run_guarded(
        bin()
            .args(["scan", "--no-progress", "--format", "jsonl"])
            .arg(dir.path()),
        Duration::from_secs(300),
    );
    assert_eq!(code, Some(2));
    let recs = jsonl(&out);
    let reason = |name: &str| {
        recs.iter()
            .find(|r| r["path"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("no record for {name}: {out}"))["skipped"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        reason("c-dangling.png").starts_with("dangling symbolic link"),
        "{out}"
    );
    assert!(reason("back").starts_with("symbolic link loop"), "{out}");
    // the stego image behind the link is still found
    assert!(recs.iter().any(|r| r["is_stego"] == true), "{out}");
}

#[test]
fn json_records_keep_the_documented_field_order() {
    let ex = common::root().join("examples/images");
    let out = bin()
        .args(["scan", "--no-progress", "--format", "jsonl"])
        .arg(ex.join("stego-lsb.png"))
        .arg(ex.join("missing.png"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lead = [
        "path",
        "is_stego",
        "probability",
        "method",
        "method_id",
        "tool",
        "payload",
        "error",
    ];
    for line in text.lines() {
        let positions: Vec<usize> = lead
            .iter()
            .map(|k| {
                line.find(&format!("\"{k}\":"))
                    .unwrap_or_else(|| panic!("no {k}: {line}"))
            })
            .collect();
        assert!(line.starts_with("{\"path\":"), "{line}");
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{line}");
    }
    // the library's record: the same order, without a path
    let det = common::detector();
    let r = det.scan_path(ex.join("stego-lsb.png")).unwrap();
    let s = serde_json::to_string(&stegodetect::verdict::record(None, Ok(&r))).unwrap();
    assert!(
        s.starts_with("{\"is_stego\":true,\"probability\":"),
        "{}",
        &s[..80]
    );
}
