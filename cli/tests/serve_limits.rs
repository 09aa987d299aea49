//! `stegodetect serve` against slow, malformed and heavy clients over loopback: header, body and
//! idle timeouts, the connection cap, the shutdown deadline, the decode memory budget, status
//! codes, and every rejection and timeout counted by kind in the registry and the log.
//! Nothing here asserts a duration: timeouts are set short and the tests wait (bounded by
//! generous guards) for what must happen.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{hostile, Server};
use serde_json::Value;

const TOKEN: &str = "limits-token";

fn connect(s: &Server) -> TcpStream {
    let c = TcpStream::connect(s.addr()).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    c
}

/// Everything the server sends until it closes the connection (a guard of 120 s turns a hang
/// into a failure).
fn until_closed(c: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match c.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server kept the connection open: {e}"),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

/// The status code of the first response in `raw`.
fn status(raw: &str) -> u16 {
    raw.split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no response: {raw:?}"))
}

/// One HTTP/1.1 request with `Connection: close`; the raw response.
fn request(s: &Server, head: &str, body: &[u8]) -> String {
    let mut c = connect(s);
    c.write_all(format!("{head}Host: x\r\nConnection: close\r\n\r\n").as_bytes())
        .unwrap();
    c.write_all(body).unwrap();
    until_closed(&mut c)
}

/// A scan request whose headers end with `headers` (each ending in CRLF) and whose body starts
/// with `body`; the connection stays open for more (or nothing).
fn start_scan(s: &Server, headers: &str, body: &[u8]) -> TcpStream {
    let mut c = connect(s);
    c.write_all(
        format!(
            "POST /v1/scan HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n{headers}\r\n"
        )
        .as_bytes(),
    )
    .unwrap();
    c.write_all(body).unwrap();
    c
}

fn get_json(s: &Server, path: &str) -> Value {
    let raw = request(
        s,
        &format!("GET {path} HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n"),
        b"",
    );
    assert_eq!(status(&raw), 200, "{raw}");
    serde_json::from_str(raw.split("\r\n\r\n").nth(1).unwrap()).unwrap()
}

fn errors_of(s: &Server, kind: &str) -> u64 {
    get_json(s, "/v1/stats")["errors_by_kind"][kind]
        .as_u64()
        .unwrap_or(0)
}

fn post_scan(s: &Server, body: &[u8]) -> String {
    request(
        s,
        &format!(
            "POST /v1/scan HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: {}\r\n",
            body.len()
        ),
        body,
    )
}

fn log_records(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn slow_clients_are_cut_off_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("scans.jsonl");
    let s = Server::start_with(
        TOKEN,
        &[
            "--header-timeout-secs",
            "0.5",
            "--body-timeout-secs",
            "0.5",
            "--metrics-log",
            log.to_str().unwrap(),
        ],
    );
    // headers that never end: the connection is closed
    let mut c = connect(&s);
    c.write_all(b"POST /v1/scan HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    until_closed(&mut c);

    // a keep-alive connection left idle after a response: closed too
    let mut c = connect(&s);
    c.write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let raw = until_closed(&mut c);
    assert_eq!(status(&raw), 200, "{raw}");

    // a body shorter than its Content-Length: 408
    let mut c = start_scan(&s, "Content-Length: 1000\r\n", b"0123456789");
    let raw = until_closed(&mut c);
    assert_eq!(status(&raw), 408, "{raw}");

    // a chunked body trickled a byte at a time, forever: 408
    let mut c = start_scan(&s, "Transfer-Encoding: chunked\r\n", b"");
    let mut writer = c.try_clone().unwrap();
    let trickle = std::thread::spawn(move || {
        // until the server gives up on it (a write fails once the connection is closed)
        for _ in 0..6000 {
            if writer.write_all(b"1\r\na\r\n").is_err() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    });
    let raw = until_closed(&mut c);
    assert_eq!(status(&raw), 408, "{raw}");
    assert!(
        trickle.join().unwrap(),
        "the trickled body was never cut off"
    );

    // both body timeouts are failures in the registry, Prometheus and the log
    assert_eq!(errors_of(&s, "timeout"), 2);
    let prom = request(
        &s,
        &format!("GET /metrics HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\n"),
        b"",
    );
    assert!(
        prom.contains("stegodetect_errors_total{kind=\"timeout\"} 2"),
        "{prom}"
    );
    let recs = log_records(&log);
    let timeouts = recs
        .iter()
        .filter(|r| r["ok"] == false && r["error_kind"] == "timeout")
        .count();
    assert_eq!(timeouts, 2, "{recs:?}");
}

#[test]
fn status_codes_auth_scheme_and_rejections_counted() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("scans.jsonl");
    let s = Server::start_with(
        TOKEN,
        &[
            "--max-body-bytes",
            "4000",
            "--metrics-log",
            log.to_str().unwrap(),
        ],
    );
    // a multipart body cut before its closing boundary: 400, not 413
    let boundary = "b0undary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n\r\nPNGDATA"
    );
    let raw = request(
        &s,
        &format!(
            "POST /v1/scan HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {}\r\n",
            body.len()
        ),
        body.as_bytes(),
    );
    assert_eq!(status(&raw), 400, "{raw}");
    // a body that claims the chunked encoding but is not chunked: 400
    let raw = request(
        &s,
        &format!("POST /v1/scan HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nTransfer-Encoding: chunked\r\n"),
        b"this is not chunked",
    );
    assert_eq!(status(&raw), 400, "{raw}");
    // over the body limit: 413, for scans and for feedback alike
    let raw = post_scan(&s, &[0u8; 5000]);
    assert_eq!(status(&raw), 413, "{raw}");
    let fb = format!(
        "{{\"scan_id\": 1, \"label\": \"clean\", \"pad\": \"{}\"}}",
        "x".repeat(5000)
    );
    let raw = request(
        &s,
        &format!(
            "POST /v1/feedback HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            fb.len()
        ),
        fb.as_bytes(),
    );
    assert_eq!(status(&raw), 413, "{raw}");
    // JSON of the wrong shape: 422; not JSON: 400
    for (body, want) in [("{\"scan_id\": \"x\"}", 422), ("{not json", 400)] {
        let raw = request(
            &s,
            &format!(
                "POST /v1/feedback HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ),
            body.as_bytes(),
        );
        assert_eq!(status(&raw), want, "{body}: {raw}");
    }
    // the auth scheme is case-insensitive; the token is not
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let raw = request(
            &s,
            &format!("GET /v1/stats HTTP/1.1\r\nAuthorization: {scheme} {TOKEN}\r\n"),
            b"",
        );
        assert_eq!(status(&raw), 200, "{scheme}: {raw}");
    }
    let raw = request(
        &s,
        &format!(
            "GET /v1/stats HTTP/1.1\r\nAuthorization: bearer {}\r\n",
            TOKEN.to_uppercase()
        ),
        b"",
    );
    assert_eq!(status(&raw), 401, "{raw}");
    // negative or non-finite durations are refused
    for body in ["{\"suppress_secs\": -5}", "{\"until\": -1}"] {
        let raw = request(
            &s,
            &format!(
                "POST /v1/alerts/a1/ack HTTP/1.1\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: {}\r\n",
                body.len()
            ),
            body.as_bytes(),
        );
        assert_eq!(status(&raw), 400, "{body}: {raw}");
    }
    // the three scan rejections are counted by kind, and logged as failures
    assert_eq!(errors_of(&s, "invalid_argument"), 2);
    assert_eq!(errors_of(&s, "limit"), 1);
    let failed: Vec<String> = log_records(&log)
        .iter()
        .filter(|r| r["ok"] == false)
        .map(|r| r["error_kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(failed, ["invalid_argument", "invalid_argument", "limit"]);
    // with the reason, as the response said it
    let recs = log_records(&log);
    let limit = recs.iter().find(|r| r["error_kind"] == "limit").unwrap();
    assert!(
        limit["error"].as_str().unwrap().contains("4000-byte limit"),
        "{limit}"
    );
}

/// A large all-zero RGBA PNG: cheap to send (about 250 KB), costly to decode (256 MB).
fn heavy_png() -> Vec<u8> {
    hostile::zero_png(8000, 8000, 6, b"")
}

#[test]
fn scan_timeouts_and_sheds_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("scans.jsonl");
    let heavy = heavy_png();
    // a deadline no scan of 64 megapixels can meet
    let s = Server::start_with(
        TOKEN,
        &[
            "--scan-timeout-secs",
            "0.001",
            "--metrics-log",
            log.to_str().unwrap(),
        ],
    );
    let raw = post_scan(&s, &heavy);
    assert_eq!(status(&raw), 504, "{raw}");
    // the scan goes on in the background; when it ends it is recorded as a timeout, not a scan
    let mut waited = 0;
    while errors_of(&s, "timeout") == 0 {
        waited += 1;
        assert!(waited < 6000, "the timeout was never recorded");
        std::thread::sleep(Duration::from_millis(20));
    }
    let st = get_json(&s, "/v1/stats");
    assert_eq!(st["errors_by_kind"]["timeout"], 1, "{st}");
    assert_eq!(st["scans"], 0, "{st}");
    let recs = log_records(&log);
    assert_eq!(recs.len(), 1, "{recs:?}");
    assert_eq!(
        (&recs[0]["ok"], &recs[0]["error_kind"]),
        (&Value::Bool(false), &Value::from("timeout"))
    );
    drop(s);

    // one scan at a time: concurrent requests are shed with 503 + Retry-After, each counted
    let s = Server::start_with(TOKEN, &["--max-concurrent-scans", "1"]);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
    let answers: Vec<String> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..8)
            .map(|_| {
                let (b, s, heavy) = (barrier.clone(), &s, &heavy);
                sc.spawn(move || {
                    b.wait();
                    post_scan(s, heavy)
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let shed: Vec<&String> = answers.iter().filter(|a| status(a) == 503).collect();
    assert!(
        !shed.is_empty(),
        "8 concurrent heavy scans with room for 1, none shed"
    );
    assert!(answers.iter().any(|a| status(a) == 200));
    for a in &shed {
        assert!(a.to_ascii_lowercase().contains("retry-after: 1"), "{a}");
    }
    assert_eq!(errors_of(&s, "busy"), shed.len() as u64);
}

#[test]
fn shutdown_has_a_deadline() {
    let s = Server::start_with(
        TOKEN,
        &[
            "--shutdown-grace-secs",
            "0.5",
            "--body-timeout-secs",
            "3600",
        ],
    );
    // a request in flight that will never finish: its body never completes
    let _c = start_scan(&s, "Content-Length: 1000\r\n", b"0123456789");
    // make sure the server has the request before the signal
    let ok = request(&s, "GET /health/live HTTP/1.1\r\n", b"");
    assert_eq!(status(&ok), 200);
    let (code, err) = s
        .stop_within(Duration::from_secs(120))
        .expect("the server waited for the slow client past its shutdown deadline");
    assert!(code.success(), "{err}");
    assert!(err.contains("\"event\":\"shutdown_deadline\""), "{err}");
}

#[test]
fn connections_are_capped() {
    let s = Server::start_with(
        TOKEN,
        &["--max-connections", "2", "--header-timeout-secs", "3600"],
    );
    // two silent clients take both slots
    let silent: Vec<TcpStream> = (0..2).map(|_| connect(&s)).collect();
    let mut third = connect(&s);
    third
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    third
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut buf = [0u8; 1];
    let e = third
        .read(&mut buf)
        .expect_err("answered beyond the connection cap");
    assert!(
        matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{e}"
    );
    // a slot frees up: the waiting client is served
    drop(silent);
    third
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let raw = until_closed(&mut third);
    assert_eq!(status(&raw), 200, "{raw}");
}

/// Peak resident memory of a process (`VmHWM`), in KiB.
fn peak_kib(pid: u32) -> u64 {
    let st = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    st.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn concurrent_heavy_and_hostile_images_stay_within_the_memory_budget() {
    let s = Server::start_with(
        TOKEN,
        &["--decode-memory-mib", "256", "--scan-timeout-secs", "3600"],
    );
    let heavy = heavy_png();
    let bomb = hostile::zero_png(64, 64, 2, &hostile::iccp_bomb(900));
    let answers: Vec<String> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..8)
            .map(|i| {
                let (s, body) = (&s, if i % 2 == 0 { &heavy } else { &bomb });
                sc.spawn(move || post_scan(s, body))
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for a in &answers {
        assert_eq!(status(a), 200, "{a}");
    }
    // each 64-megapixel RGBA scan needs about 260 MB; four at once (two per core) would pass 1 GB
    let peak = peak_kib(s.pid());
    assert!(peak < 700 * 1024, "server peak RSS {peak} KiB");
}
