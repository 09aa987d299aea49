//! `stegodetect serve`: the HTTP face. Scans run on the blocking pool through the one shared
//! detector and metrics registry; everything but liveness, readiness and (if asked) /metrics needs
//! the bearer token. A scan that fails is an error status, never a "clean" answer.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use clap::Args;
use serde::Deserialize;
use serde_json::{json, Value};
use stegodetect::metrics::alerts::{AlertConfig, AlertEngine, Transition};
use stegodetect::metrics::log::{interval_record, now_ts, JsonlLog, LogOptions};
use stegodetect::metrics::notify::Notifier;
use stegodetect::metrics::{Recorder, BUSY, TIMEOUT, WINDOWS};
use stegodetect::selftest::SelfTest;
use stegodetect::{Detector, ErrorKind, MemoryBudget, ScanResult};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;

use crate::{CmdResult, DetectorArgs};

mod inspect;

/// Options of `stegodetect serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port; the bound address is printed).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// File holding the API token (default: the STEGODETECT_API_TOKEN environment variable).
    /// The service refuses to start without one.
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Serve /metrics without the token (for a Prometheus scraper on a trusted network).
    #[arg(long)]
    public_metrics: bool,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = 64 << 20)]
    max_body_bytes: usize,
    /// Scans running at once; further scan requests get 503 with Retry-After.
    #[arg(long, default_value_t = 32)]
    max_concurrent_scans: usize,
    /// Longest a scan may take before the request gets 504.
    #[arg(long, default_value_t = 30.0, value_parser = positive_secs)]
    scan_timeout_secs: f64,
    /// A request's headers must arrive within this time, and a keep-alive connection may stay
    /// idle between requests this long; then the connection is closed.
    #[arg(long, default_value_t = 10.0, value_parser = positive_secs)]
    header_timeout_secs: f64,
    /// A request body must arrive within this time (then 408): a client that trickles its body
    /// or sends less than its Content-Length cannot hold a connection.
    #[arg(long, default_value_t = 30.0, value_parser = positive_secs)]
    body_timeout_secs: f64,
    /// Open connections at most; further clients wait in the listen backlog.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// After SIGTERM or Ctrl-C, in-flight requests get this long to finish; then the remaining
    /// connections are closed and the process exits.
    #[arg(long, default_value_t = 10.0, value_parser = positive_secs)]
    shutdown_grace_secs: f64,
    /// Memory the scans in flight may use together for decoding and analysis, in MiB (estimated
    /// per image from its declared size before decoding). Scans that do not fit wait their turn,
    /// up to the scan timeout, then get 503; an image larger than the whole budget runs alone.
    #[arg(long, default_value_t = 1024)]
    decode_memory_mib: u64,
    /// Append JSONL records to this metrics log (size-rotated): one per scan, one per interval,
    /// or both (`--metrics-log-records`).
    #[arg(long)]
    metrics_log: Option<PathBuf>,
    /// What the metrics log holds.
    #[arg(long, value_enum, default_value = "scans")]
    metrics_log_records: LogRecords,
    /// Seconds between interval records (with `--metrics-log-records intervals|both`).
    #[arg(long, default_value_t = 60)]
    metrics_log_interval: u64,
    /// Alert rules and notifiers (JSON; see `stegodetect::metrics::alerts`).
    #[arg(long)]
    alert_rules: Option<PathBuf>,
    /// Keep the bytes of the latest successful scans, up to this many MiB together, for
    /// `GET /v1/inspect/{scan_id}` (0: keep none).
    #[arg(long, default_value_t = 64)]
    inspect_cache_mib: usize,
    #[command(flatten)]
    detector: DetectorArgs,
}

/// A duration in seconds: finite, positive, at most a day (fractions allowed).
fn positive_secs(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if v.is_finite() && v > 0.0 && v <= 86_400.0 {
        Ok(v)
    } else {
        Err(format!("{s} is not a number of seconds in (0, 86400]"))
    }
}

/// Which records the metrics log gets.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogRecords {
    Scans,
    Intervals,
    Both,
}

struct App {
    det: Detector,
    /// Registry, and the log when scan records are logged.
    recorder: Recorder,
    /// The log when interval records are written.
    interval_log: Option<Arc<JsonlLog>>,
    token: Vec<u8>,
    public_metrics: bool,
    scans: Arc<Semaphore>,
    /// Scans handed to the scan pool (rayon's, one thread per core) at once: two per core, so a
    /// core never waits for the next one; the rest wait their turn in order (a fair semaphore)
    /// and can still time out or be answered 503 before they take memory.
    running: Arc<Semaphore>,
    scan_timeout: Duration,
    body_timeout: Duration,
    max_body: usize,
    memory: Arc<MemoryBudget>,
    ready: AtomicBool,
    self_test: Mutex<SelfTest>,
    alerts: Option<AlertEngine>,
    notifiers: Vec<Notifier>,
    /// The latest scans' bytes, for `/v1/inspect/{scan_id}`.
    recent: inspect::RecentScans,
    /// The latest stego verdicts, for `/v1/detections`.
    detections: inspect::RecentDetections,
}

type Shared = Arc<App>;

/// Read the token: file first, then the environment; empty tokens are refused.
fn load_token(file: Option<&PathBuf>) -> Result<Vec<u8>, String> {
    let raw = match file {
        Some(p) => std::fs::read_to_string(p)
            .map_err(|e| format!("cannot read token file {}: {e}", p.display()))?,
        None => std::env::var("STEGODETECT_API_TOKEN").map_err(|_| {
            "no API token: set STEGODETECT_API_TOKEN or pass --token-file".to_string()
        })?,
    };
    let t = raw.trim();
    if t.is_empty() {
        return Err("the API token is empty".into());
    }
    Ok(t.as_bytes().to_vec())
}

pub fn run(a: ServeArgs) -> CmdResult {
    let token = load_token(a.token_file.as_ref())?;
    let det = a.detector.detector()?;
    let log = a
        .metrics_log
        .as_ref()
        .map(|p| JsonlLog::open(p, LogOptions::default()).map(Arc::new))
        .transpose()?;
    let recorder = Recorder::new();
    if a.metrics_log_records != LogRecords::Intervals {
        recorder.set_log(log.clone());
    }
    let interval_log = log.filter(|_| a.metrics_log_records != LogRecords::Scans);
    let alert_config = a
        .alert_rules
        .as_ref()
        .map(|p| AlertConfig::load(p))
        .transpose()?;
    let notifiers = match &alert_config {
        Some(c) => Notifier::from_config(&c.notifiers)?,
        None => Vec::new(),
    };
    let alerts = alert_config.as_ref().map(AlertEngine::new).transpose()?;
    let every = Duration::from_secs(
        alert_config
            .as_ref()
            .and_then(|c| c.evaluate_every_secs)
            .unwrap_or(15)
            .max(1),
    );
    let self_test = det.self_test();
    let app = Arc::new(App {
        ready: AtomicBool::new(self_test.passed),
        self_test: Mutex::new(self_test),
        det,
        recorder,
        interval_log,
        token,
        public_metrics: a.public_metrics,
        scans: Arc::new(Semaphore::new(a.max_concurrent_scans.max(1))),
        running: Arc::new(Semaphore::new(
            std::thread::available_parallelism().map_or(2, |n| n.get()) * 2,
        )),
        scan_timeout: Duration::from_secs_f64(a.scan_timeout_secs),
        body_timeout: Duration::from_secs_f64(a.body_timeout_secs),
        max_body: a.max_body_bytes,
        memory: MemoryBudget::new(a.decode_memory_mib.max(1) << 20),
        alerts,
        notifiers,
        recent: inspect::RecentScans::new(a.inspect_cache_mib.saturating_mul(1 << 20)),
        detections: inspect::RecentDetections::default(),
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let intervals = (a.metrics_log.is_some() && a.metrics_log_records != LogRecords::Scans)
        .then(|| Duration::from_secs(a.metrics_log_interval.max(1)));
    let conns = Connections {
        header_timeout: Duration::from_secs_f64(a.header_timeout_secs),
        max: a.max_connections.max(1),
        grace: Duration::from_secs_f64(a.shutdown_grace_secs),
    };
    let served = rt.block_on(serve(
        app,
        a.listen,
        a.max_body_bytes,
        every,
        intervals,
        conns,
    ));
    // scans still running on the blocking pool after the grace period are not waited for
    rt.shutdown_background();
    served?;
    Ok(0)
}

/// Connection handling settings.
struct Connections {
    header_timeout: Duration,
    max: usize,
    grace: Duration,
}

async fn serve(
    app: Shared,
    listen: SocketAddr,
    max_body: usize,
    alert_every: Duration,
    log_intervals: Option<Duration>,
    conns: Connections,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    log_line(json!({"event": "listening", "addr": addr.to_string(),
                    "ready": app.ready.load(Ordering::SeqCst)}));
    // the bound address on stdout, for scripts and tests that asked for port 0
    println!("listening on http://{addr}");
    let protected = Router::new()
        .route("/v1/scan", post(scan))
        .route("/v1/feedback", post(feedback))
        .route("/v1/stats", get(stats))
        .route("/v1/inspect/{scan_id}", get(inspect::inspect))
        .route("/v1/detections", get(inspect::detections))
        .route("/v1/series", get(series))
        .route("/openapi.json", get(openapi))
        .route("/v1/alerts", get(list_alerts))
        .route("/v1/alerts/{id}/ack", post(ack_alert))
        .layer(middleware::from_fn_with_state(app.clone(), require_token));
    let metrics_route = Router::new().route("/metrics", get(prometheus));
    let metrics_route = if app.public_metrics {
        metrics_route
    } else {
        metrics_route.layer(middleware::from_fn_with_state(app.clone(), require_token))
    };
    let router = Router::new()
        .route(
            "/health/live",
            get(|| async { Json(json!({"status": "live"})) }),
        )
        .route("/health/ready", get(ready))
        // the page holds no data; it fetches the token-protected endpoints itself
        .route("/dashboard", get(dashboard))
        .merge(protected)
        .merge(metrics_route)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn(access_log))
        .with_state(app.clone());
    if app.alerts.is_some() {
        let app = app.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(alert_every);
            loop {
                tick.tick().await;
                evaluate_alerts(&app).await;
            }
        });
    }
    if let Some(every) = log_intervals {
        let app = app.clone();
        // the window the interval record describes: the shortest that covers the interval
        let window = WINDOWS
            .iter()
            .find(|(_, len)| *len >= every.as_secs())
            .map_or("24h", |(n, _)| *n);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.tick().await; // the first tick is immediate; the first record comes after one interval
            loop {
                tick.tick().await;
                let rec = interval_record(&app.recorder.metrics().snapshot(), window);
                if let Some(log) = &app.interval_log {
                    if let Err(e) = log.append(&rec) {
                        log_line(json!({"event": "metrics_log_failed", "error": e.to_string()}));
                    }
                }
            }
        });
    }
    accept_loop(listener, router, conns).await;
    log_line(json!({"event": "stopped"}));
    Ok(())
}

/// Accept connections until a shutdown signal, at most `conns.max` at once, each served by
/// hyper with a header-read (and keep-alive idle) timeout; then let in-flight requests finish
/// within the grace period and close whatever is left.
async fn accept_loop(listener: tokio::net::TcpListener, router: Router, conns: Connections) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(conns.header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(conns.max));
    let mut signal = std::pin::pin!(shutdown_signal());
    loop {
        let slot = tokio::select! {
            s = slots.clone().acquire_owned() => s.expect("the semaphore is never closed"),
            _ = &mut signal => break,
        };
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // e.g. out of file descriptors: back off instead of spinning
                    log_line(json!({"event": "accept_failed", "error": e.to_string()}));
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut signal => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let conn = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _slot = slot;
            // a client that vanished or sent garbage: nothing to answer
            let _ = conn.await;
        });
    }
    drop(listener);
    tokio::select! {
        _ = graceful.shutdown() => {}
        _ = tokio::time::sleep(conns.grace) => {
            log_line(json!({"event": "shutdown_deadline",
                            "open_connections": conns.max - slots.available_permits(),
                            "grace_s": conns.grace.as_secs_f64()}));
        }
    }
}

/// SIGTERM or Ctrl-C: stop accepting, let in-flight requests finish.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    log_line(json!({"event": "shutdown", "reason": "signal"}));
}

/// Judge the alert rules and send each transition to every notifier (off the async threads).
async fn evaluate_alerts(app: &Shared) {
    let Some(engine) = &app.alerts else { return };
    let transitions = engine.evaluate(&app.recorder.metrics().snapshot(), now_ts());
    if transitions.is_empty() {
        return;
    }
    let app = app.clone();
    let _ = tokio::task::spawn_blocking(move || {
        for t in &transitions {
            log_line(
                json!({"event": "alert", "transition": t.event, "alert": t.alert.id,
                            "value": t.alert.value}),
            );
            notify_all(&app.notifiers, t);
        }
    })
    .await;
}

fn notify_all(notifiers: &[Notifier], t: &Transition) {
    for n in notifiers {
        if let Err(e) = n.send(t) {
            log_line(
                json!({"event": "notify_failed", "alert": t.alert.id, "error": e.to_string()}),
            );
        }
    }
}

async fn list_alerts(State(app): State<Shared>) -> Response {
    match &app.alerts {
        Some(e) => Json(json!({"alerts": e.list()})).into_response(),
        None => Json(json!({"alerts": [], "note": "no alert rules configured (--alert-rules)"}))
            .into_response(),
    }
}

#[derive(Deserialize, Default)]
struct Ack {
    /// Suppress until this time (seconds since the Unix epoch) ...
    until: Option<f64>,
    /// ... or for this many seconds from now.
    suppress_secs: Option<f64>,
}

async fn ack_alert(
    State(app): State<Shared>,
    axum::extract::Path(id): axum::extract::Path<String>,
    req: Request,
) -> Response {
    let body = match with_deadline(app.body_timeout, Bytes::from_request(req, &())).await {
        Ok(Ok(b)) => b,
        Ok(Err(e)) => return error(e.status(), kind_of(e.status()), e.body_text()),
        Err(r) => return r.into_response(),
    };
    let ack: Ack = if body.is_empty() {
        Ack::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(a) => a,
            Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_argument", e.to_string()),
        }
    };
    for (name, v) in [("until", ack.until), ("suppress_secs", ack.suppress_secs)] {
        if v.is_some_and(|v| !v.is_finite() || v < 0.0) {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_argument",
                format!("{name} must be a finite number of seconds, not negative"),
            );
        }
    }
    let until = ack.until.or(ack.suppress_secs.map(|s| now_ts() + s));
    let Some(engine) = &app.alerts else {
        return error(
            StatusCode::NOT_FOUND,
            "unknown_alert",
            "no alert rules configured",
        );
    };
    match engine.acknowledge(&id, until) {
        Ok(a) => Json(json!({"alert": a})).into_response(),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            error(StatusCode::NOT_FOUND, "unknown_alert", e.to_string())
        }
        Err(e) => error(StatusCode::CONFLICT, "invalid_state", e.to_string()),
    }
}

/// One structured log line on stderr.
fn log_line(mut v: Value) {
    if let Some(o) = v.as_object_mut() {
        o.insert("ts".into(), json!(stegodetect::metrics::log::now_ts()));
    }
    eprintln!("{v}");
}

async fn access_log(req: Request, next: Next) -> Response {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let t = Instant::now();
    let resp = next.run(req).await;
    log_line(
        json!({"event": "request", "method": method.as_str(), "path": path,
                    "status": resp.status().as_u16(), "ms": t.elapsed().as_secs_f64() * 1e3}),
    );
    resp
}

fn error(status: StatusCode, kind: &str, message: impl Into<String>) -> Response {
    (
        status,
        Json(json!({"error": {"kind": kind, "message": message.into()}})),
    )
        .into_response()
}

async fn require_token(
    State(app): State<Shared>,
    headers: HeaderMap,
    req: Request,
    next: Next,
) -> Response {
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(bearer_token)
        .map(str::as_bytes)
        .unwrap_or_default();
    // ConstantTimeEq on slices is false for different lengths without comparing contents
    if bool::from(given.ct_eq(&app.token)) {
        next.run(req).await
    } else {
        let mut r = error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong bearer token",
        );
        r.headers_mut()
            .insert(header::WWW_AUTHENTICATE, "Bearer".parse().unwrap());
        r
    }
}

/// The token of an `Authorization: Bearer TOKEN` value; the scheme is case-insensitive
/// (RFC 7235, section 2.1).
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim_start_matches(' '))
}

async fn ready(State(app): State<Shared>) -> Response {
    let st = app
        .self_test
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let model = app
        .det
        .model()
        .map(|m| json!({"id": m.id, "sha256": m.sha256}));
    let body = json!({
        "status": if st.passed { "ready" } else { "not ready" },
        "model": model,
        "self_test": st,
    });
    let code = if st.passed && app.ready.load(Ordering::SeqCst) {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

/// The image of a scan request: the raw body, or the first file part of a multipart form. A
/// declared length over the limit is refused before anything is read.
async fn image_bytes(req: Request, max_body: usize) -> Result<Bytes, Rejection> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max_body as u64) {
        return Err(Rejection::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "body of {} bytes is over the {max_body}-byte limit",
                declared.unwrap_or(0)
            ),
        ));
    }
    let multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    // each failure keeps the status axum gives it: 413 over the limit, 400 a malformed body
    // (cut short, or not the chunked encoding it claims)
    let fail = Rejection::new;
    if multipart {
        let mut form = Multipart::from_request(req, &())
            .await
            .map_err(|e| fail(e.status(), e.body_text()))?;
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| fail(e.status(), e.body_text()))?
        {
            if field.file_name().is_some() || field.name() == Some("file") {
                return field
                    .bytes()
                    .await
                    .map_err(|e| fail(e.status(), e.body_text()));
            }
        }
        Err(Rejection::new(
            StatusCode::BAD_REQUEST,
            "multipart form without a file part",
        ))
    } else {
        Bytes::from_request(req, &())
            .await
            .map_err(|e| fail(e.status(), e.body_text()))
    }
}

/// The error kind (metrics label and `error.kind`) of a rejection status.
fn kind_of(status: StatusCode) -> &'static str {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ErrorKind::Limit.as_str(),
        StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => TIMEOUT,
        StatusCode::SERVICE_UNAVAILABLE => BUSY,
        StatusCode::UNPROCESSABLE_ENTITY => ErrorKind::Decode.as_str(),
        s if s.is_server_error() => ErrorKind::Internal.as_str(),
        _ => ErrorKind::InvalidArgument.as_str(),
    }
}

/// A request refused before (or instead of) its scan: the status and why. Its kind follows from
/// the status ([`kind_of`]).
struct Rejection {
    status: StatusCode,
    message: String,
}

impl Rejection {
    fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Rejection {
            status,
            message: message.into(),
        }
    }

    fn kind(&self) -> &'static str {
        kind_of(self.status)
    }

    /// The error response (503 with Retry-After).
    fn into_response(self) -> Response {
        let mut r = error(self.status, self.kind(), self.message);
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            r.headers_mut().insert(
                header::RETRY_AFTER,
                "1".parse().expect("valid header value"),
            );
        }
        r
    }
}

/// Run a body read under the body deadline; past it, a 408.
async fn with_deadline<T>(
    deadline: Duration,
    read: impl std::future::Future<Output = T>,
) -> Result<T, Rejection> {
    tokio::time::timeout(deadline, read).await.map_err(|_| {
        Rejection::new(
            StatusCode::REQUEST_TIMEOUT,
            format!("the request body did not arrive within {deadline:?}"),
        )
    })
}

fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::UnknownFormat | ErrorKind::Decode => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::Limit => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::InvalidArgument | ErrorKind::Io => StatusCode::BAD_REQUEST,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::Model | ErrorKind::RuntimeNotFound | ErrorKind::Embed | ErrorKind::Internal => {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Where a scan request stands, so that exactly one of the handler (on timeout) and the worker
/// (on completion) decides how it is recorded.
const PENDING: u8 = 0;
const FINISHED: u8 = 1;
const TIMED_OUT: u8 = 2;

/// What the worker of a scan request produced.
enum Outcome {
    Scanned(Box<stegodetect::Result<ScanResult>>, Option<u64>),
    /// The memory budget had no room before the deadline.
    NoMemory,
    /// Not started: the request had timed out before the scan's turn came.
    NotRun,
}

async fn scan(State(app): State<Shared>, req: Request) -> Response {
    let bytes = match with_deadline(app.body_timeout, image_bytes(req, app.max_body)).await {
        Ok(Ok(b)) => b,
        Ok(Err(r)) | Err(r) => return rejected(&app, r).await,
    };
    // the scan's own deadline starts once the body is in (the body has its own)
    let deadline = tokio::time::Instant::now() + app.scan_timeout;
    if bytes.is_empty() {
        return rejected(&app, Rejection::new(StatusCode::BAD_REQUEST, "empty body")).await;
    }
    let Ok(permit) = app.scans.clone().try_acquire_owned() else {
        let r = Rejection::new(StatusCode::SERVICE_UNAVAILABLE, "too many scans in flight");
        return rejected(&app, r).await;
    };
    let state = Arc::new(AtomicU8::new(PENDING));
    let mut work = {
        let (app, state) = (app.clone(), state.clone());
        tokio::spawn(async move {
            let turn = app.running.clone().acquire_owned().await;
            // Decode memory first, off the pool: a scan waiting for memory inside a pool thread
            // could wait on a scan its own thread is running (rayon runs queued work while a
            // join waits). Most requests fit at once; the rest wait on a blocking thread.
            let need = app.det.memory_estimate(&bytes);
            let held = match app.memory.reserve(need, Duration::ZERO) {
                Some(h) => Some(h),
                None => {
                    let (app, left) = (
                        app.clone(),
                        deadline.saturating_duration_since(tokio::time::Instant::now()),
                    );
                    tokio::task::spawn_blocking(move || app.memory.reserve(need, left))
                        .await
                        .map_err(|e| e.to_string())?
                }
            };
            // The scan on rayon's pool, where the library's own parallel parts (rayon::join)
            // run without handing work between thread pools; the pool has one thread per core,
            // so concurrent scans queue instead of time-slicing.
            let (tx, rx) = tokio::sync::oneshot::channel();
            rayon::spawn(move || {
                let job = std::panic::AssertUnwindSafe(|| {
                    let (_permit, _turn, held) = (permit, turn, held);
                    let outcome = if state.load(Ordering::SeqCst) == TIMED_OUT {
                        Outcome::NotRun // timed out waiting for a turn: nobody waits for it
                    } else if held.is_some() {
                        Outcome::Scanned(Box::new(app.det.scan_bytes(&bytes)), None)
                    } else {
                        Outcome::NoMemory
                    };
                    let recorded = record_outcome(&app, &state, outcome);
                    if let (Outcome::Scanned(r, Some(id)), Ok(())) = &recorded {
                        if let Ok(res) = r.as_ref() {
                            if res.is_stego {
                                app.detections.add(*id, res);
                            }
                            app.recent.keep(*id, bytes);
                        }
                    }
                    recorded
                });
                // a panic must not take the pool's thread (rayon aborts the process): the
                // dropped sender answers 500
                if let Ok(recorded) = std::panic::catch_unwind(job) {
                    let _ = tx.send(recorded);
                }
            });
            rx.await
                .map_err(|_| "the scan stopped without an outcome".to_string())
        })
    };
    let done = tokio::select! {
        r = &mut work => r,
        _ = tokio::time::sleep_until(deadline) => {
            if state.compare_exchange(PENDING, TIMED_OUT, Ordering::SeqCst, Ordering::SeqCst).is_ok() {
                // the worker records the timeout when it finishes
                return error(
                    StatusCode::GATEWAY_TIMEOUT,
                    TIMEOUT,
                    format!("scan took longer than {:?}", app.scan_timeout),
                );
            }
            // it finished at the deadline: its outcome stands
            work.await
        }
    };
    let (outcome, logged) = match done {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e),
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
    };
    if let Err(e) = logged {
        // the verdict exists, but an unlogged scan must not look like a logged one
        return error(StatusCode::INTERNAL_SERVER_ERROR, "io", e.to_string());
    }
    match outcome {
        Outcome::Scanned(r, id) => match *r {
            Ok(res) => {
                let mut v = stegodetect::verdict::record(None, Ok(&res));
                let o = v.as_object_mut().expect("object");
                o.insert("scan_id".into(), json!(id));
                Json(v).into_response()
            }
            Err(e) => error(status_of(e.kind()), e.kind().as_str(), e.to_string()),
        },
        Outcome::NoMemory => Rejection::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the decode memory budget stayed full until the scan deadline",
        )
        .into_response(),
        Outcome::NotRun => unreachable!("a request that is not run has timed out"),
    }
}

/// Record a scan request's outcome in the registry and the log, unless the handler already
/// answered 504: then it is recorded as a timeout, whatever the scan gave.
fn record_outcome(
    app: &App,
    state: &AtomicU8,
    outcome: Outcome,
) -> (Outcome, stegodetect::Result<()>) {
    if state
        .compare_exchange(PENDING, FINISHED, Ordering::SeqCst, Ordering::SeqCst)
        .is_err()
    {
        let msg = format!("scan took longer than {:?}", app.scan_timeout);
        return (outcome, app.recorder.record_failure(None, TIMEOUT, &msg));
    }
    match outcome {
        Outcome::Scanned(r, _) => {
            let rec = app.recorder.record(None, &r);
            let logged = rec.log_error.map_or(Ok(()), Err);
            (Outcome::Scanned(r, rec.scan_id), logged)
        }
        Outcome::NoMemory => {
            let logged = app
                .recorder
                .record_failure(None, BUSY, "decode memory budget full");
            (Outcome::NoMemory, logged)
        }
        Outcome::NotRun => unreachable!("only a timed-out request is not run"),
    }
}

/// Record a rejected scan request (registry and log, with its message) and answer it.
async fn rejected(app: &Shared, r: Rejection) -> Response {
    let (app2, kind, message) = (app.clone(), r.kind(), r.message.clone());
    // the log write may touch the disk: off the async threads
    let _ = tokio::task::spawn_blocking(move || {
        let _ = app2.recorder.record_failure(None, kind, &message);
    })
    .await;
    r.into_response()
}

#[derive(Deserialize)]
struct Feedback {
    scan_id: u64,
    label: String,
    method: Option<String>,
}

async fn feedback(State(app): State<Shared>, req: Request) -> Response {
    // axum's statuses: 413 over the limit, 400 not JSON, 422 JSON of the wrong shape, 415 not
    // declared as JSON
    let Json(f) =
        match with_deadline(app.body_timeout, Json::<Feedback>::from_request(req, &())).await {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => return error(e.status(), kind_of(e.status()), e.body_text()),
            Err(r) => return r.into_response(),
        };
    match app
        .recorder
        .metrics()
        .record_label(f.scan_id, &f.label, f.method.as_deref())
    {
        Ok(()) => Json(json!({"recorded": true, "scan_id": f.scan_id})).into_response(),
        Err(e) if e.kind() == ErrorKind::NotFound => {
            error(StatusCode::NOT_FOUND, "unknown_scan", e.to_string())
        }
        Err(e) => error(StatusCode::BAD_REQUEST, "invalid_argument", e.to_string()),
    }
}

#[derive(Deserialize)]
struct StatsQuery {
    window: Option<String>,
    method: Option<String>,
}

async fn stats(State(app): State<Shared>, Query(q): Query<StatsQuery>) -> Response {
    let s = app.recorder.metrics().snapshot();
    match s.view(q.window.as_deref(), q.method.as_deref()) {
        Ok(v) => Json(v).into_response(),
        Err(e) => error(StatusCode::BAD_REQUEST, "invalid_argument", e.to_string()),
    }
}

// The dashboard page (`stegodetect::report::DASHBOARD_HTML`) is self-contained; the token travels
// in the URL fragment, never to the server except as the bearer header of the page's own requests.

async fn dashboard() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
            ),
        ],
        stegodetect::report::DASHBOARD_HTML,
    )
        .into_response()
}

async fn series(State(app): State<Shared>) -> Json<Value> {
    Json(json!({"series": app.recorder.metrics().series()}))
}

async fn prometheus(State(app): State<Shared>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.recorder.metrics().prometheus(),
    )
        .into_response()
}

async fn openapi() -> Json<Value> {
    Json(openapi_doc())
}

/// The API description (OpenAPI 3.1), kept next to the handlers it describes.
fn openapi_doc() -> Value {
    let err = json!({"$ref": "#/components/schemas/Error"});
    let op = |summary: &str, auth: bool, codes: &[(&str, &str)]| {
        let responses: serde_json::Map<String, Value> = codes
            .iter()
            .map(|(c, d)| {
                let mut r = json!({"description": d});
                if !c.starts_with('2') {
                    r["content"] = json!({"application/json": {"schema": err}});
                }
                (c.to_string(), r)
            })
            .collect();
        let mut o = json!({"summary": summary, "responses": responses});
        if !auth {
            o["security"] = json!([]);
        }
        o
    };
    json!({
        "openapi": "3.1.0",
        "info": {"title": "stegodetect", "version": stegodetect::VERSION},
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {"type": "object", "properties": {"error": {"type": "object",
                "properties": {"kind": {"type": "string"}, "message": {"type": "string"}}}}}}
        },
        "security": [{"bearer": []}],
        "paths": {
            "/v1/scan": {"post": op("Scan one image (raw body or multipart file part); the verdict with a scan_id", true,
                &[("200", "verdict"), ("400", "empty or malformed request (body cut short, false chunked encoding, no file part)"),
                  ("401", "token"), ("408", "the body did not arrive within the body timeout"), ("413", "over a limit"),
                  ("422", "not a supported or a corrupt image"), ("500", "model or internal error"),
                  ("503", "too many scans in flight, or the decode memory budget stayed full (Retry-After)"), ("504", "scan timed out")])},
            "/v1/feedback": {"post": op("Record the true label of a scan: {scan_id, label: clean|stego, method}", true,
                &[("200", "recorded"), ("400", "not JSON, bad label or method"), ("401", "token"), ("404", "unknown or already labelled scan id"),
                  ("408", "body too slow"), ("413", "body over the limit"), ("415", "not declared as JSON"), ("422", "JSON of the wrong shape")])},
            "/v1/stats": {"get": op("Metrics snapshot; ?window=1m|5m|1h|24h, ?method=NAME", true,
                &[("200", "snapshot"), ("400", "unknown window or method"), ("401", "token")])},
            "/v1/detections": {"get": op("The latest stego verdicts (at most 1,000): time, scan_id, method, tool, probability, payload preview", true,
                &[("200", "detections"), ("401", "token")])},
            "/v1/inspect/{scan_id}": {"get": op("The inspect page of a recent scan (HTML; ?format=json for its data): bit planes, heat maps, payload extent, findings, metadata, trailer", true,
                &[("200", "page or JSON"), ("400", "unknown format"), ("401", "token"), ("404", "not among the recent scans kept (--inspect-cache-mib)")])},
            "/metrics": {"get": op("Prometheus text exposition", true, &[("200", "metrics"), ("401", "token")])},
            "/health/live": {"get": op("Liveness", false, &[("200", "live")])},
            "/health/ready": {"get": op("Readiness: model loaded and golden self-test passed", false,
                &[("200", "ready"), ("503", "not ready")])},
            "/openapi.json": {"get": op("This document", true, &[("200", "OpenAPI document")])},
            "/v1/series": {"get": op("The last hour minute by minute: scans, errors, stego, latency p50/p95/p99", true,
                &[("200", "series"), ("401", "token")])},
            "/dashboard": {"get": op("Self-contained dashboard page; open it as /dashboard#token=TOKEN", false,
                &[("200", "HTML page")])},
            "/v1/alerts": {"get": op("Alerts raised by the configured rules (active, acknowledged, resolved)", true,
                &[("200", "alerts"), ("401", "token")])},
            "/v1/alerts/{id}/ack": {"post": op("Acknowledge an alert; body {until} or {suppress_secs} suppresses it until then", true,
                &[("200", "acknowledged"), ("400", "bad body, or a negative or non-finite duration"), ("401", "token"), ("404", "unknown alert"),
                  ("408", "body too slow"), ("409", "resolved"), ("413", "body over the limit")])},
        }
    })
}
