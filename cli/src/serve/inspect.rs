//! What the service keeps of its latest scans for the analyst: `GET /v1/detections` (the latest
//! stego verdicts, which the dashboard lists) and `GET /v1/inspect/{scan_id}` (the inspect page,
//! or its JSON with `?format=json`, of a recent scan). The bytes of the latest successful scans
//! are kept bounded in total size (`--inspect-cache-mib`; the oldest go first), so an analyst can
//! look at a detection the dashboard or an alert pointed at without uploading the image again.

use std::collections::VecDeque;
use std::sync::Mutex;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;
use stegodetect::metrics::log::scan_record;
use stegodetect::metrics::replay::{Detection, MAX_DETECTIONS};

use super::{error, status_of, Shared};

/// The bytes of the latest scans, oldest first, at most `max_bytes` together.
pub struct RecentScans {
    scans: Mutex<(VecDeque<(u64, Bytes)>, usize)>,
    max_bytes: usize,
}

impl RecentScans {
    /// A cache of at most `max_bytes` (0 keeps nothing).
    pub fn new(max_bytes: usize) -> Self {
        RecentScans {
            scans: Mutex::new((VecDeque::new(), 0)),
            max_bytes,
        }
    }

    /// Keep scan `id`'s bytes (`Bytes` shares the request's buffer: no copy), dropping the
    /// oldest scans until the total fits. An image larger than the whole cache is not kept.
    pub fn keep(&self, id: u64, bytes: Bytes) {
        if bytes.len() > self.max_bytes {
            return;
        }
        let mut g = self.scans.lock().unwrap_or_else(|p| p.into_inner());
        let (list, total) = &mut *g;
        *total += bytes.len();
        list.push_back((id, bytes));
        while *total > self.max_bytes {
            match list.pop_front() {
                Some((_, b)) => *total -= b.len(),
                None => break,
            }
        }
    }

    fn get(&self, id: u64) -> Option<Bytes> {
        let g = self.scans.lock().unwrap_or_else(|p| p.into_inner());
        g.0.iter().find(|(i, _)| *i == id).map(|(_, b)| b.clone())
    }
}

/// The latest stego verdicts, oldest first, at most [`MAX_DETECTIONS`].
#[derive(Default)]
pub struct RecentDetections {
    list: Mutex<(VecDeque<Detection>, u64)>,
}

impl RecentDetections {
    /// Add the detection of a stego scan (`id` from the registry).
    pub fn add(&self, id: u64, r: &stegodetect::ScanResult) {
        let rec = scan_record(None, Some(id), &Ok(r.clone()));
        let mut g = self.list.lock().unwrap_or_else(|p| p.into_inner());
        g.0.push_back(Detection::from_record(&rec));
        if g.0.len() > MAX_DETECTIONS {
            g.0.pop_front();
            g.1 += 1;
        }
    }
}

/// `GET /v1/detections`: `{"detections": [...], "detections_omitted": n}`, oldest first (the
/// shape of a report's list).
pub async fn detections(State(app): State<Shared>) -> Response {
    let g = app
        .detections
        .list
        .lock()
        .unwrap_or_else(|p| p.into_inner());
    Json(json!({"detections": g.0, "detections_omitted": g.1})).into_response()
}

#[derive(Deserialize)]
pub struct InspectQuery {
    /// `html` (default) or `json`.
    format: Option<String>,
}

pub async fn inspect(
    State(app): State<Shared>,
    Path(id): Path<u64>,
    Query(q): Query<InspectQuery>,
) -> Response {
    let json = match q.format.as_deref() {
        None | Some("html") => false,
        Some("json") => true,
        Some(f) => {
            return error(
                StatusCode::BAD_REQUEST,
                "invalid_argument",
                format!("format {f}: html or json"),
            )
        }
    };
    let Some(bytes) = app.recent.get(id) else {
        return error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!(
                "scan {id} is not among the recent scans kept for inspection (--inspect-cache-mib)"
            ),
        );
    };
    // one of the scans' turns on the blocking pool: an inspection costs a little more than a scan
    let Ok(turn) = app.running.clone().acquire_owned().await else {
        return error(StatusCode::SERVICE_UNAVAILABLE, "busy", "shutting down");
    };
    let app2 = app.clone();
    let done = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        let ins = app2.det.inspect(&bytes)?;
        Ok::<_, stegodetect::Error>(match json {
            true => Json(ins).into_response(),
            false => {
                let page = stegodetect::inspect::page::render(&ins, &format!("scan {id}"))?;
                (
                    [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                    page.html,
                )
                    .into_response()
            }
        })
    });
    match tokio::time::timeout(app.scan_timeout, done).await {
        Ok(Ok(Ok(r))) => r,
        Ok(Ok(Err(e))) => error(status_of(e.kind()), e.kind().as_str(), e.to_string()),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
        Err(_) => error(
            StatusCode::GATEWAY_TIMEOUT,
            "timeout",
            format!("inspection took longer than {:?}", app.scan_timeout),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_keeps_the_latest_scans_within_its_size() {
        let c = RecentScans::new(10);
        c.keep(1, Bytes::from_static(b"aaaa"));
        c.keep(2, Bytes::from_static(b"bbbb"));
        assert!(c.get(1).is_some() && c.get(2).is_some());
        c.keep(3, Bytes::from_static(b"cccc")); // 12 bytes: the oldest goes
        assert!(c.get(1).is_none());
        assert_eq!(c.get(3).as_deref(), Some(&b"cccc"[..]));
        c.keep(4, Bytes::from_static(b"too large to keep")); // larger than the cache: not kept
        assert!(c.get(4).is_none() && c.get(2).is_some());
        let none = RecentScans::new(0);
        none.keep(1, Bytes::from_static(b"x"));
        assert!(none.get(1).is_none());
    }
}
