//! `stegodetect serve` over loopback: authentication, scans (raw and multipart), errors as error
//! statuses, feedback, statistics, Prometheus text, readiness from the golden self-test, the
//! metrics log, and graceful shutdown on SIGTERM.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Command;

use common::{bin, Server};

use serde_json::Value;

const TOKEN: &str = "test-token-123";

/// (status, body) of a request, whatever the status.
fn call(req: ureq::Request, body: Option<&[u8]>) -> (u16, String, Option<String>) {
    let r = match body {
        Some(b) => req.send_bytes(b),
        None => req.call(),
    };
    let resp = match r {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("transport error: {e}"),
    };
    let ct = resp.header("content-type").map(str::to_string);
    (resp.status(), resp.into_string().unwrap(), ct)
}

fn authed(method: &str, url: &str) -> ureq::Request {
    ureq::request(method, url).set("Authorization", &format!("Bearer {TOKEN}"))
}

fn json(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn example(name: &str) -> Vec<u8> {
    std::fs::read(common::root().join("examples/images").join(name)).unwrap()
}

fn multipart(file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----stegodetect-test-boundary";
    let mut b = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    b.extend_from_slice(file);
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), b)
}

#[test]
fn service_endpoints_auth_errors_feedback_and_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("scans.jsonl");
    let s = Server::start_with(
        TOKEN,
        &[
            "--metrics-log",
            log.to_str().unwrap(),
            "--max-body-bytes",
            "150000",
        ],
    );

    // health: no token needed; ready means the golden self-test passed with the default model
    let (code, body, _) = call(ureq::get(&s.url("/health/live")), None);
    assert_eq!((code, json(&body)["status"].as_str()), (200, Some("live")));
    let (code, body, _) = call(ureq::get(&s.url("/health/ready")), None);
    let ready = json(&body);
    assert_eq!(code, 200, "{body}");
    assert_eq!(ready["self_test"]["passed"], true);
    assert!(ready["model"]["sha256"]
        .as_str()
        .is_some_and(|h| h.len() == 64));

    // everything else needs the bearer token
    for path in ["/v1/stats", "/metrics", "/openapi.json"] {
        let (code, _, _) = call(ureq::get(&s.url(path)), None);
        assert_eq!(code, 401, "{path} without a token");
        let wrong = ureq::get(&s.url(path)).set("Authorization", "Bearer test-token-12");
        assert_eq!(call(wrong, None).0, 401, "{path} with a wrong token");
    }
    let (code, _, _) = call(
        ureq::post(&s.url("/v1/scan")),
        Some(b"x"), // tiny: the server answers 401 without reading a body
    );
    assert_eq!(code, 401);

    // scans: raw body and multipart; the verdict carries a scan id
    let (code, body, _) = call(
        authed("POST", &s.url("/v1/scan")),
        Some(&example("stego-lsb.png")),
    );
    let stego = json(&body);
    assert_eq!(code, 200, "{body}");
    // the documented field order: the verdict first
    assert!(
        body.starts_with("{\"is_stego\":true,\"probability\":"),
        "{body}"
    );
    assert_eq!(stego["is_stego"], true);
    assert_eq!(stego["method"], "lsb.rgb");
    let stego_id = stego["scan_id"].as_u64().unwrap();

    // the inspect page of that recent scan, behind the token
    let page = s.url(&format!("/v1/inspect/{stego_id}"));
    assert_eq!(call(ureq::get(&page), None).0, 401);
    let (code, body, ct) = call(authed("GET", &page), None);
    assert_eq!(code, 200, "{body}");
    assert!(ct.is_some_and(|c| c.starts_with("text/html")));
    assert!(
        body.contains("data-verdict=\"stego\"")
            && body.contains("data-plane=\"R0\" data-evidence=\"true\"")
    );
    let (code, body, _) = call(authed("GET", &format!("{page}?format=json")), None);
    assert_eq!(code, 200, "{body}");
    let v = json(&body);
    assert_eq!(v["result"]["method"], "lsb.rgb");
    assert_eq!(v["planes"].as_array().map(Vec::len), Some(24));
    assert_eq!(
        call(authed("GET", &format!("{page}?format=pdf")), None).0,
        400
    );
    let (code, body, _) = call(authed("GET", &s.url("/v1/detections")), None);
    assert_eq!(code, 200, "{body}");
    let d = json(&body);
    assert_eq!(
        d["detections"][0]["scan_id"].as_u64(),
        Some(stego_id),
        "{body}"
    );
    assert_eq!(d["detections"][0]["method"], "lsb.rgb");
    assert_eq!(call(ureq::get(&s.url("/v1/detections")), None).0, 401);
    let (code, body, _) = call(authed("GET", &s.url("/v1/inspect/999999")), None);
    assert_eq!(code, 404, "{body}");
    assert_eq!(json(&body)["error"]["kind"], "not_found");
    let (ct, form) = multipart(&example("clean-photo.png"));
    let req = authed("POST", &s.url("/v1/scan")).set("Content-Type", &ct);
    let (code, body, _) = call(req, Some(&form));
    let clean = json(&body);
    assert_eq!(
        (code, &clean["is_stego"]),
        (200, &Value::Bool(false)),
        "{body}"
    );
    let clean_id = clean["scan_id"].as_u64().unwrap();
    assert_ne!(stego_id, clean_id);

    // errors are error statuses with a typed body, never a clean verdict
    for (bytes, want, kind) in [
        (b"not an image".to_vec(), 422, "unknown_format"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec(), 422, "decode"),
        (Vec::new(), 400, "invalid_argument"),
    ] {
        let (code, body, _) = call(authed("POST", &s.url("/v1/scan")), Some(&bytes));
        let v = json(&body);
        assert_eq!(code, want, "{body}");
        assert_eq!(v["error"]["kind"], kind, "{body}");
        assert!(v.get("is_stego").is_none());
    }

    // over the body limit: refused from the declared length, before the body is read (sent raw:
    // a client still writing a big body would see the connection reset instead of the answer)
    {
        use std::io::Write;
        let addr = s.base.trim_start_matches("http://");
        let mut tcp = std::net::TcpStream::connect(addr).unwrap();
        write!(
            tcp,
            "POST /v1/scan HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 160000\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut resp = String::new();
        tcp.read_to_string(&mut resp).unwrap();
        assert!(resp.starts_with("HTTP/1.1 413"), "{resp}");
        assert!(resp.contains("\"kind\":\"limit\""), "{resp}");
    }

    // feedback: recorded once; unknown ids and bad labels refused
    let fb = |body: &str| {
        call(
            authed("POST", &s.url("/v1/feedback")).set("Content-Type", "application/json"),
            Some(body.as_bytes()),
        )
    };
    let ok = format!(r#"{{"scan_id": {stego_id}, "label": "stego", "method": "lsb.rgb"}}"#);
    assert_eq!(fb(&ok).0, 200);
    assert_eq!(fb(&ok).0, 404, "a scan id is labelled once");
    assert_eq!(
        fb(&format!(r#"{{"scan_id": {clean_id}, "label": "maybe"}}"#)).0,
        400
    );
    assert_eq!(fb(r#"{"scan_id": 999999, "label": "clean"}"#).0, 404);
    assert_eq!(fb("{not json").0, 400);
    assert_eq!(
        fb(&format!(r#"{{"scan_id": {clean_id}, "label": "clean"}}"#)).0,
        200
    );

    // statistics: counts, errors apart, ground truth, window and method filters
    let (code, body, _) = call(
        authed("GET", &s.url("/v1/stats?window=1m&method=lsb.rgb")),
        None,
    );
    let st = json(&body);
    assert_eq!(code, 200, "{body}");
    assert_eq!(
        (st["scans"].as_u64(), st["stego"].as_u64()),
        (Some(2), Some(1))
    );
    let errors: u64 = st["errors_by_kind"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    // the two undecodable bodies, and the empty and oversize requests (rejected before a scan,
    // counted all the same so error-rate alerts see them)
    assert_eq!(errors, 4, "{body}");
    assert_eq!(st["errors_by_kind"]["invalid_argument"], 1, "{body}");
    assert_eq!(st["errors_by_kind"]["limit"], 1, "{body}");
    assert_eq!(st["method"]["detection"]["k"], 1);
    assert_eq!(st["fpr"]["n"], 1);
    assert!(st["window"]["throughput_per_s"].as_f64().unwrap() > 0.0);
    assert!(st["memory"]["rss_bytes"].as_u64().unwrap() > 0);
    assert_eq!(
        call(authed("GET", &s.url("/v1/stats?window=2m")), None).0,
        400
    );
    assert_eq!(
        call(authed("GET", &s.url("/v1/stats?method=jpeg")), None).0,
        400
    );

    // Prometheus text with its content type and bounded labels
    let (code, text, ct) = call(authed("GET", &s.url("/metrics")), None);
    assert_eq!(code, 200);
    assert!(ct.unwrap().starts_with("text/plain; version=0.0.4"));
    assert!(
        text.contains("stegodetect_scans_total{verdict=\"stego\"} 1"),
        "{text}"
    );
    assert!(text.contains("stegodetect_errors_total{kind=\"unknown_format\"} 1"));
    assert!(text.contains("stegodetect_process_resident_memory_bytes "));
    assert!(!text.contains(".png"), "no paths as labels");

    let (code, body, _) = call(authed("GET", &s.url("/openapi.json")), None);
    let api = json(&body);
    assert_eq!(code, 200);
    for p in [
        "/v1/scan",
        "/v1/feedback",
        "/v1/stats",
        "/metrics",
        "/health/ready",
    ] {
        assert!(api["paths"].get(p).is_some(), "{p} undocumented");
    }

    // SIGTERM: clean exit, shutdown logged; the metrics log holds every scan, errors included
    let (status, stderr) = s.stop();
    assert!(status.success(), "{status:?}\n{stderr}");
    assert!(stderr.contains("\"event\":\"stopped\""), "{stderr}");
    let c = stegodetect::metrics::log::read_log(&log).unwrap();
    assert!(!c.torn_tail);
    assert_eq!(
        c.records.len(),
        6,
        "two verdicts, two decode errors, two rejections"
    );
    assert_eq!(c.records.iter().filter(|r| r["ok"] == false).count(), 4);
}

#[test]
fn metrics_can_be_public_and_a_failing_self_test_means_not_ready() {
    let always_clean = common::test_models().join("always_clean.onnx");
    let s = Server::start_with(
        TOKEN,
        &[
            "--public-metrics",
            "--model",
            always_clean.to_str().unwrap(),
        ],
    );
    assert_eq!(call(ureq::get(&s.url("/metrics")), None).0, 200);
    assert_eq!(call(ureq::get(&s.url("/v1/stats")), None).0, 401);
    let (code, body, _) = call(ureq::get(&s.url("/health/ready")), None);
    assert_eq!(
        code, 503,
        "a model that misses the golden stego image: {body}"
    );
    let v = json(&body);
    assert_eq!(v["self_test"]["passed"], false);
    assert_eq!(v["self_test"]["checks"][1]["got"], "clean");
    s.stop();
}

#[test]
fn no_token_no_service() {
    let out = Command::new(env!("CARGO_BIN_EXE_stegodetect"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env_remove("STEGODETECT_API_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("STEGODETECT_API_TOKEN"));
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("token");
    std::fs::write(&empty, "\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stegodetect"))
        .args(["serve", "--listen", "127.0.0.1:0", "--token-file"])
        .arg(Path::new(&empty))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty"));
}

/// A loopback HTTP receiver: hands over (head, body) of every request and answers 200, or, when
/// it knows the webhook secret, 401 to a request whose HMAC signature does not verify.
fn http_receiver(
    secret: Option<&'static str>,
) -> (String, std::sync::mpsc::Receiver<(String, Vec<u8>)>) {
    use std::io::Write;
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", l.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { return };
            let mut r = BufReader::new(c.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push_str(&line);
            }
            let len = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            let mut body = vec![0; len];
            r.read_exact(&mut body).unwrap();
            let verified = secret.is_none_or(|k| {
                let sig = stegodetect::metrics::notify::signature(k.as_bytes(), &body);
                head.lines().any(|l| {
                    l.split_once(':').is_some_and(|(n, v)| {
                        n.eq_ignore_ascii_case("x-stegodetect-signature") && v.trim() == sig
                    })
                })
            });
            let reply: &[u8] = if verified {
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            } else {
                b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 13\r\nConnection: close\r\n\r\nbad signature"
            };
            let _ = c.write_all(reply);
            if tx.send((head, body)).is_err() {
                return;
            }
        }
    });
    (url, rx)
}

/// A loopback SMTP server that accepts every message and hands over its DATA.
fn smtp_receiver() -> (u16, std::sync::mpsc::Receiver<String>) {
    use std::io::Write;
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { return };
            let mut r = BufReader::new(c.try_clone().unwrap());
            let _ = c.write_all(b"220 localhost ESMTP test\r\n");
            let mut data = String::new();
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let cmd = line.to_ascii_uppercase();
                let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                    b"250 localhost\r\n"
                } else if cmd.starts_with("DATA") {
                    let _ = c.write_all(b"354 go ahead\r\n");
                    loop {
                        let mut l = String::new();
                        if r.read_line(&mut l).unwrap_or(0) == 0 || l == ".\r\n" {
                            break;
                        }
                        data.push_str(&l);
                    }
                    b"250 queued\r\n"
                } else if cmd.starts_with("QUIT") {
                    let _ = c.write_all(b"221 bye\r\n");
                    break;
                } else {
                    b"250 ok\r\n"
                };
                let _ = c.write_all(reply);
            }
            if !data.is_empty() && tx.send(data).is_err() {
                return;
            }
        }
    });
    (port, rx)
}

/// A wrong label raises a detection alert: it fires once to Slack, the signed webhook and SMTP
/// (receivers on loopback), can be acknowledged, and unknown ids are refused.
#[test]
fn alerts_fire_to_every_notifier_and_can_be_acknowledged() {
    let (slack, slack_rx) = http_receiver(None);
    let (hook, hook_rx) = http_receiver(Some("hook-secret"));
    // a receiver that verifies signatures, sent to with the wrong secret: it must refuse
    let (forged, forged_rx) = http_receiver(Some("hook-secret"));
    let (smtp_port, smtp_rx) = smtp_receiver();
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("alerts.json");
    let config = serde_json::json!({
        "evaluate_every_secs": 1,
        "rules": [{"name": "lsb-detection", "metric": "detection", "method": "lsb.rgb",
                   "op": "<", "threshold": 0.99, "min_samples": 1, "severity": "critical"}],
        "notifiers": [
            {"kind": "slack", "url": slack},
            {"kind": "webhook", "url": hook, "secret": "hook-secret"},
            {"kind": "webhook", "url": forged, "secret": "not-the-secret"},
            {"kind": "smtp", "host": "127.0.0.1", "port": smtp_port,
             "from": "stegodetect@example.org", "to": ["oncall@example.org"]}
        ]
    });
    std::fs::write(&rules, config.to_string()).unwrap();
    let s = Server::start_with(TOKEN, &["--alert-rules", rules.to_str().unwrap()]);
    let (code, body, _) = call(
        authed("POST", &s.url("/v1/scan")),
        Some(&example("clean-photo.png")),
    );
    assert_eq!(code, 200);
    let id = json(&body)["scan_id"].as_u64().unwrap();
    // the "clean" image was really stego: detection 0 / 1 breaches the rule
    let fb = format!(r#"{{"scan_id": {id}, "label": "stego", "method": "lsb.rgb"}}"#);
    let req = authed("POST", &s.url("/v1/feedback")).set("Content-Type", "application/json");
    assert_eq!(call(req, Some(fb.as_bytes())).0, 200);

    let wait = std::time::Duration::from_secs(10);
    let (_, slack_body) = slack_rx.recv_timeout(wait).expect("Slack notification");
    let text = json(std::str::from_utf8(&slack_body).unwrap());
    assert!(text["text"]
        .as_str()
        .unwrap()
        .contains("FIRING lsb-detection:method=lsb.rgb"));
    let (head, hook_body) = hook_rx.recv_timeout(wait).expect("webhook notification");
    let sig = stegodetect::metrics::notify::signature(b"hook-secret", &hook_body);
    assert!(
        head.to_ascii_lowercase()
            .contains(&format!("x-stegodetect-signature: {sig}")),
        "{head}"
    );
    let t = json(std::str::from_utf8(&hook_body).unwrap());
    assert_eq!(
        (t["event"].as_str(), t["alert"]["state"].as_str()),
        (Some("firing"), Some("active"))
    );
    let (_, forged_body) = forged_rx.recv_timeout(wait).expect("second webhook");
    assert_eq!(forged_body, hook_body, "same transition, wrong signature");
    let mail = smtp_rx.recv_timeout(wait).expect("email notification");
    assert!(
        mail.contains("FIRING") && mail.contains("oncall@example.org"),
        "{mail}"
    );

    // deduplicated: no second notification while it stays breached
    assert!(slack_rx
        .recv_timeout(std::time::Duration::from_millis(2500))
        .is_err());

    let (code, body, _) = call(authed("GET", &s.url("/v1/alerts")), None);
    let alerts = json(&body);
    assert_eq!(code, 200);
    assert_eq!(alerts["alerts"][0]["state"], "active");
    let ack = authed(
        "POST",
        &s.url("/v1/alerts/lsb-detection:method=lsb.rgb/ack"),
    );
    let (code, body, _) = call(ack, Some(br#"{"suppress_secs": 3600}"#));
    assert_eq!(code, 200, "{body}");
    assert_eq!(json(&body)["alert"]["state"], "acknowledged");
    assert_eq!(
        call(authed("POST", &s.url("/v1/alerts/nope/ack")), Some(b"")).0,
        404
    );
    let (_, stderr) = s.stop();
    // the refused delivery is logged as a failure, the others are not
    let failures: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("\"notify_failed\""))
        .collect();
    assert_eq!(failures.len(), 1, "{stderr}");
    assert!(failures[0].contains("401"), "{}", failures[0]);
}

/// Interval records next to scan records: the reference's field names, with the samples behind
/// the rates, and an RFC 3339 timestamp.
#[test]
fn metrics_log_holds_interval_records() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("intervals.jsonl");
    let s = Server::start_with(
        TOKEN,
        &[
            "--metrics-log",
            log.to_str().unwrap(),
            "--metrics-log-records",
            "both",
            "--metrics-log-interval",
            "1",
        ],
    );
    let (code, body, _) = call(
        authed("POST", &s.url("/v1/scan")),
        Some(&example("stego-lsb.png")),
    );
    assert_eq!(code, 200);
    let id = json(&body)["scan_id"].as_u64().unwrap();
    let fb = format!(r#"{{"scan_id": {id}, "label": "stego", "method": "lsb.rgb"}}"#);
    let req = authed("POST", &s.url("/v1/feedback")).set("Content-Type", "application/json");
    assert_eq!(call(req, Some(fb.as_bytes())).0, 200);
    std::thread::sleep(std::time::Duration::from_millis(2600));
    s.stop();
    let c = stegodetect::metrics::log::read_log(&log).unwrap();
    assert!(!c.torn_tail && c.bad_lines.is_empty());
    assert_eq!(c.records.iter().filter(|r| r["kind"] == "scan").count(), 1);
    let iv: Vec<&Value> = c
        .records
        .iter()
        .filter(|r| r["kind"] == "interval")
        .collect();
    assert!(!iv.is_empty(), "{:?}", c.records);
    let last = iv[iv.len() - 1];
    assert_eq!(last["detection_rates"]["lsb.rgb"], 1.0);
    assert_eq!(last["samples"]["stego"]["lsb.rgb"], 1);
    assert_eq!(last["model_version"], "stegodetect-default-1");
    assert!(last["performance"]["p95_ms"].as_f64().unwrap() > 0.0);
    let ts = last["timestamp"].as_str().unwrap();
    assert!(
        ts.len() == 24 && ts.ends_with('Z') && &ts[10..11] == "T",
        "{ts}"
    );
}

#[test]
fn loadtest_reports_closed_and_open_loop_runs() {
    let s = Server::start_with(TOKEN, &[]);
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("loadtest.png");
    std::fs::write(&img, example("stego-lsb.png")).unwrap();
    let base = s.base.clone();
    let run = |extra: &[&str]| {
        let out = std::process::Command::new(bin())
            .args(["loadtest", "--url", &base, "--requests", "12", "--json"])
            .args(extra)
            .arg(&img)
            .env("STEGODETECT_API_TOKEN", TOKEN)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (code, out) = run(&["--concurrency", "3"]);
    assert_eq!(code, Some(0), "{out}");
    let r = json(&out);
    assert_eq!(
        (r["succeeded"].as_u64(), r["offered_rate"].is_null()),
        (Some(12), true)
    );
    assert!(r["requests_per_s"].as_f64().unwrap() > 0.0);
    // open loop: every request is due at i / rate and succeeds; the run lasts at least until the
    // last one is due (11 / 100 s)
    let (code, out) = run(&["--concurrency", "2", "--rate", "100"]);
    assert_eq!(code, Some(0), "{out}");
    let r = json(&out);
    assert_eq!(
        (r["succeeded"].as_u64(), r["offered_rate"].as_f64()),
        (Some(12), Some(100.0))
    );
    assert!(r["seconds"].as_f64().unwrap() >= 0.11, "{r}");
    assert!(r["latency_ms"]["p95"].as_f64().unwrap() > 0.0);
    // a rate that is no rate is refused
    let (code, _) = run(&["--rate", "0"]);
    assert_ne!(code, Some(0));
    // nothing listening: failures are reported, no rate
    drop(s);
    let (code, out) = run(&["--concurrency", "1"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(json(&out)["requests_per_s"].is_null());
}
