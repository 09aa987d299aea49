//! The metrics registry: counts, errors apart, ground truth with intervals, Prometheus text with
//! bounded labels, exact counts under concurrent recording.

mod common;

use stegodetect::metrics::Metrics;
use stegodetect::Method;

fn examples() -> Vec<(String, Vec<u8>)> {
    let dir = common::root().join("examples/images");
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "json"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn counts_errors_truth_and_exposition() {
    let det = common::detector();
    let m = Metrics::new();
    let mut ids = Vec::new();
    for (name, bytes) in examples() {
        let id = m.record(&det.scan_bytes(&bytes)).expect("scanned");
        ids.push((name, id));
    }
    assert!(m.record(&det.scan_bytes(b"garbage")).is_none());
    assert!(m.record(&det.scan_bytes(b"\x89PNG\r\n\x1a\n")).is_none());
    let s = m.snapshot();
    assert_eq!((s.scans, s.clean, s.stego), (9, 4, 5));
    assert_eq!(
        s.errors_by_kind["unknown_format"] + s.errors_by_kind["decode"],
        2
    );
    assert_eq!(s.stego_by_method["palette"], 1);
    assert_eq!(s.latency["total"].count, 9);
    assert!(s.latency["total"].p95_us >= s.latency["total"].p50_us);
    assert_eq!(s.model.as_ref().unwrap().id, "stegodetect-default-1");

    for (name, id) in &ids {
        let method = name
            .strip_prefix("stego-")
            .map(|n| match n.split('.').next().unwrap() {
                "alpha" => Method::Alpha,
                "palette" => Method::Palette,
                "lsb" => Method::LsbRgb,
                "exif" => Method::Exif,
                _ => Method::Raw,
            });
        m.record_truth(*id, method.is_some(), method).unwrap();
    }
    assert_eq!(
        m.record_truth(ids[0].1, false, None).unwrap_err().kind(),
        stegodetect::ErrorKind::NotFound,
        "each scan id counts once"
    );
    let e = m.record_truth(999_999, false, None).unwrap_err();
    assert_eq!(e.kind(), stegodetect::ErrorKind::NotFound);
    assert_eq!(e.kind().as_str(), "not_found");
    let s = m.snapshot();
    assert_eq!((s.fpr.k, s.fpr.n), (0, 4));
    for method in ["alpha", "palette", "lsb.rgb", "exif", "raw"] {
        assert_eq!(
            (
                s.detection_by_method[method].k,
                s.detection_by_method[method].n
            ),
            (1, 1),
            "{method}"
        );
        assert_eq!(s.method_correct_by_method[method].k, 1);
    }

    let text = m.prometheus();
    assert!(text.contains("stegodetect_scans_total{verdict=\"stego\"} 5"));
    assert!(text.contains("stegodetect_scans_total{verdict=\"clean\"} 4"));
    assert!(text.contains("stegodetect_stego_total{method=\"lsb.rgb\"} 1"));
    assert!(text.contains("# TYPE stegodetect_latency_seconds summary"));
    assert!(text.contains("stegodetect_throughput_per_second{window=\"1m\"}"));
    assert!(s.throughput_per_s["1m"] > 0.0);
    assert!(
        !text.contains("examples/") && !text.contains(".png"),
        "no paths as labels"
    );
    m.reset();
    assert_eq!(m.snapshot().scans, 0);
}

#[test]
fn concurrent_recording_adds_up_exactly() {
    let det = common::detector();
    let m = Metrics::new();
    let stego = det
        .scan_bytes(&std::fs::read(common::root().join("examples/images/stego-raw.webp")).unwrap());
    let clean = det.scan_bytes(
        &std::fs::read(common::root().join("examples/images/clean-photo.png")).unwrap(),
    );
    let err = det.scan_bytes(b"nope");
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for i in 0..1000 {
                    m.record(match i % 3 {
                        0 => &stego,
                        1 => &clean,
                        _ => &err,
                    });
                }
            });
        }
    });
    let s = m.snapshot();
    assert_eq!(s.stego, 8 * 334);
    assert_eq!(s.clean, 8 * 333);
    assert_eq!(s.errors_by_kind["unknown_format"], 8 * 333);
    assert_eq!(s.latency["total"].count, 8 * 667);
}

/// The JSONL log: whole lines from many threads, size rotation that loses nothing it keeps, a
/// torn tail tolerated by the reader, typed errors for an unwritable path.
#[test]
fn jsonl_log_rotates_and_never_tears_lines() {
    use stegodetect::metrics::log::{read_log, scan_record, JsonlLog, LogOptions};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let path = dir.join("metrics.jsonl");
    let log = JsonlLog::open(
        &path,
        LogOptions {
            max_bytes: 20_000,
            keep: 1000,
        },
    )
    .unwrap();
    let det = common::detector();
    let imgs = examples();
    let m = Metrics::new();
    std::thread::scope(|s| {
        for t in 0..8 {
            let (log, det, imgs, m) = (&log, &det, &imgs, &m);
            s.spawn(move || {
                for i in 0..50 {
                    let (name, bytes) = &imgs[(t + i) % imgs.len()];
                    let r = det.scan_bytes(bytes);
                    let id = m.record(&r);
                    log.append(&scan_record(Some(name), id, &r)).unwrap();
                }
            });
        }
    });
    let mut files = vec![path.clone()];
    for i in 1.. {
        let p = dir.join(format!("metrics.jsonl.{i}"));
        if !p.exists() {
            break;
        }
        files.push(p);
    }
    assert!(
        files.len() > 3,
        "rotation expected, got {} files",
        files.len()
    );
    let mut records = Vec::new();
    for f in &files {
        assert!(std::fs::metadata(f).unwrap().len() <= 20_000);
        let c = read_log(f).unwrap();
        assert!(!c.torn_tail && c.bad_lines.is_empty(), "{}", f.display());
        records.extend(c.records);
    }
    assert_eq!(records.len(), 400);
    let ids: std::collections::BTreeSet<u64> = records
        .iter()
        .filter_map(|r| r["scan_id"].as_u64())
        .collect();
    assert_eq!(ids.len(), 400, "every scan logged once with its id");
    assert!(records
        .iter()
        .all(|r| r["kind"] == "scan" && r["ok"] == true && r["timings_ms"]["total"].is_number()));
    let stego = records.iter().filter(|r| r["is_stego"] == true).count() as u64;
    assert_eq!(stego, m.snapshot().stego);

    // a killed writer's torn tail: complete records still read, the tail reported
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    f.write_all(b"{\"kind\":\"scan\",\"ok\":tr").unwrap();
    let c = read_log(&path).unwrap();
    assert!(c.torn_tail && c.bad_lines.is_empty());

    // an unwritable path is a typed I/O error at open, before any scan
    let e = JsonlLog::open(dir.join("no/such/dir/m.jsonl"), LogOptions::default()).err();
    assert_eq!(e.map(|e| e.kind()), Some(stegodetect::ErrorKind::Io));
}

#[test]
fn labels_in_words_are_checked_before_the_scan_id_is_used() {
    let det = common::detector();
    let m = Metrics::new();
    let id = m
        .record(&det.scan_bytes(&common::fixture("rgb.png")))
        .expect("scanned");
    let kind = |r: stegodetect::Result<()>| r.unwrap_err().kind();
    use stegodetect::ErrorKind::{InvalidArgument, NotFound};
    assert_eq!(kind(m.record_label(id, "dirty", None)), InvalidArgument);
    assert_eq!(kind(m.record_label(id, "stego", None)), InvalidArgument);
    assert_eq!(
        kind(m.record_label(id, "stego", Some("bogus"))),
        InvalidArgument
    );
    // none of the refusals used the id up
    m.record_label(id, "clean", None).unwrap();
    assert_eq!(kind(m.record_label(id, "clean", None)), NotFound);
    let s = m.snapshot();
    assert_eq!((s.fpr.k, s.fpr.n), (0, 1));
}
