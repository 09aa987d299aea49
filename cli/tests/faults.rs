//! Faults: a full disk under the JSONL log (simulated with a file-size limit and /dev/full), a
//! server killed mid-load, and the detector, the metrics registry and the log under many threads.
//! Clear errors, nothing lost that was acknowledged, the log always parseable.

mod common;

use std::collections::BTreeSet;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use stegodetect::metrics::log::{read_log, scan_record, JsonlLog, LogOptions};
use stegodetect::metrics::Metrics;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_stegodetect")
}

fn examples() -> std::path::PathBuf {
    common::root().join("examples/images")
}

/// A directory of `n` images (copies of the examples) to scan.
fn many_images(dir: &std::path::Path, n: usize) -> std::path::PathBuf {
    let src: Vec<_> = std::fs::read_dir(examples())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "json"))
        .collect();
    let out = dir.join("images");
    std::fs::create_dir_all(&out).unwrap();
    for i in 0..n {
        let s = &src[i % src.len()];
        std::fs::copy(
            s,
            out.join(format!(
                "{i:03}-{}",
                s.file_name().unwrap().to_string_lossy()
            )),
        )
        .unwrap();
    }
    out
}

#[test]
fn a_full_disk_stops_the_scan_with_a_clear_error_and_keeps_the_log_whole() {
    let dir = tempfile::tempdir().unwrap();
    let images = many_images(dir.path(), 40);
    let log = dir.path().join("scans.jsonl");
    // the file-size limit (4 KiB) makes the disk "full" after a few records; SIGXFSZ ignored,
    // so the write fails with EFBIG as on a full disk
    let script = format!(
        "ulimit -f 4; trap '' XFSZ; exec {} scan --no-progress --format jsonl --metrics-log {} {}",
        bin(),
        log.display(),
        images.display()
    );
    let out = Command::new("bash").args(["-c", &script]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("metrics log"), "{stderr}");
    let printed: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let c = read_log(&log).unwrap();
    assert!(
        !c.torn_tail && c.bad_lines.is_empty(),
        "{:?} {:?}",
        c.torn_tail,
        c.bad_lines
    );
    assert!(std::fs::metadata(&log).unwrap().len() <= 4096);
    // every verdict that was given out is in the log
    assert!(!printed.is_empty() && printed.len() < 40);
    let logged: BTreeSet<String> = c
        .records
        .iter()
        .map(|r| r["file"].as_str().unwrap().to_string())
        .collect();
    for p in &printed {
        assert!(
            logged.contains(p["path"].as_str().unwrap()),
            "{p} not in the log"
        );
    }
}

#[test]
fn dev_full_is_a_clear_io_error() {
    let l = JsonlLog::open("/dev/full", LogOptions::default()).unwrap();
    let e = l
        .append(&serde_json::json!({"x": 1}))
        .expect_err("/dev/full takes nothing");
    assert_eq!(e.kind(), stegodetect::ErrorKind::Io);
    assert!(e.to_string().contains("metrics log"), "{e}");
}

#[test]
fn a_killed_server_loses_no_acknowledged_scan() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("serve.jsonl");
    let server = common::Server::start_with(
        "fault-token",
        &[
            "--metrics-log",
            log.to_str().unwrap(),
            "--max-concurrent-scans",
            "64",
        ],
    );
    let images: Vec<Vec<u8>> = ["stego-lsb.png", "clean-photo.png", "stego-raw.webp"]
        .iter()
        .map(|n| std::fs::read(examples().join(n)).unwrap())
        .collect();
    let acked = Arc::new(Mutex::new(Vec::<u64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let url = server.url("/v1/scan");
    let clients: Vec<_> = (0..4)
        .map(|c| {
            let (acked, stop, url, images) =
                (acked.clone(), stop.clone(), url.clone(), images.clone());
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new()
                    .timeout(std::time::Duration::from_secs(10))
                    .build();
                for i in 0..60 {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let r = agent
                        .post(&url)
                        .set("Authorization", "Bearer fault-token")
                        .send_bytes(&images[(c + i) % images.len()]);
                    match r.ok().and_then(|r| r.into_json::<serde_json::Value>().ok()) {
                        Some(v) => acked.lock().unwrap().push(v["scan_id"].as_u64().unwrap()),
                        None => break, // the server is gone
                    }
                }
            })
        })
        .collect();
    // kill it while requests are in flight
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while acked.lock().unwrap().len() < 40 {
        assert!(
            std::time::Instant::now() < deadline && clients.iter().any(|c| !c.is_finished()),
            "the clients stopped before 40 scans were acknowledged"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let status = server.kill();
    assert!(!status.success());
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.join().unwrap();
    }
    let c = read_log(&log).unwrap();
    assert!(c.bad_lines.is_empty(), "{:?}", c.bad_lines);
    let logged: BTreeSet<u64> = c
        .records
        .iter()
        .filter_map(|r| r["scan_id"].as_u64())
        .collect();
    let acked = acked.lock().unwrap();
    assert!(acked.len() >= 40);
    for id in acked.iter() {
        assert!(
            logged.contains(id),
            "acknowledged scan {id} is not in the log"
        );
    }
}

#[test]
fn detector_metrics_and_log_under_many_threads_add_up_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stress.jsonl");
    // a small rotation size, so rotation happens under contention too
    let log = JsonlLog::open(
        &path,
        LogOptions {
            max_bytes: 64 * 1024,
            keep: 1000,
        },
    )
    .unwrap();
    let det = common::detector();
    let metrics = Metrics::new();
    let inputs: Vec<(Vec<u8>, Option<bool>)> = vec![
        (
            std::fs::read(examples().join("stego-lsb.png")).unwrap(),
            Some(true),
        ),
        (
            std::fs::read(examples().join("clean-photo.png")).unwrap(),
            Some(false),
        ),
        (
            std::fs::read(examples().join("stego-exif.jpg")).unwrap(),
            Some(true),
        ),
        (b"not an image".to_vec(), None),
    ];
    const THREADS: usize = 16;
    const PER_THREAD: usize = 40;
    let ids: Vec<Vec<u64>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (det, metrics, log, inputs) = (&det, &metrics, &log, &inputs);
                s.spawn(move || {
                    let mut ids = Vec::new();
                    for i in 0..PER_THREAD {
                        let (bytes, want) = &inputs[(t + i) % inputs.len()];
                        let r = det.scan_bytes(bytes);
                        assert_eq!(r.as_ref().ok().map(|r| r.is_stego), *want);
                        let id = metrics.record(&r);
                        log.append(&scan_record(None, id, &r)).unwrap();
                        ids.extend(id);
                    }
                    ids
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let total = THREADS * PER_THREAD;
    let per_kind = total / inputs.len();
    let s = metrics.snapshot();
    assert_eq!(s.scans as usize, 3 * per_kind);
    assert_eq!(s.stego as usize, 2 * per_kind);
    assert_eq!(
        s.errors_by_kind.get("unknown_format").copied(),
        Some(per_kind as u64)
    );
    let ids: Vec<u64> = ids.into_iter().flatten().collect();
    let unique: BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!((ids.len(), unique.len()), (3 * per_kind, 3 * per_kind));
    // every record in the current file and the rotated ones, each whole
    let mut records = 0;
    let mut logged = BTreeSet::new();
    for e in std::fs::read_dir(dir.path()).unwrap() {
        let c = read_log(e.unwrap().path()).unwrap();
        assert!(!c.torn_tail && c.bad_lines.is_empty());
        records += c.records.len();
        logged.extend(c.records.iter().filter_map(|r| r["scan_id"].as_u64()));
    }
    assert_eq!(records, total);
    assert_eq!(logged, unique);
}

#[test]
fn a_corrupt_model_file_is_a_clear_model_error() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(common::test_models().join("follow_rules.onnx")).unwrap();
    for (name, bytes) in [
        ("garbage.onnx", b"this is not a model at all".repeat(20)),
        ("truncated.onnx", good[..good.len() / 2].to_vec()),
        ("empty.onnx", Vec::new()),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let e = stegodetect::Detector::new(stegodetect::Options {
            model: stegodetect::ModelChoice::Path(p.clone()),
            ..Default::default()
        })
        .expect_err(name);
        assert_eq!(e.kind(), stegodetect::ErrorKind::Model, "{name}: {e}");
        assert!(
            e.to_string().contains(name),
            "{name}: the message names the file: {e}"
        );
    }
}
