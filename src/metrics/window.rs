//! Windowed outcomes (last minute, 5 minutes, hour, day): scans, errors, stego verdicts and total
//! latency percentiles, kept in minute buckets for the last hour and hour buckets for the last
//! day (about 90 small histograms, whatever the traffic). Windows have bucket granularity: the
//! 1-minute window covers the current and the previous minute.

use std::collections::{BTreeMap, VecDeque};

use hdrhistogram::Histogram;
use serde::Serialize;

use super::WINDOWS;

struct Bucket {
    start: u64,
    scans: u64,
    errors: u64,
    stego: u64,
    latency: Histogram<u64>,
}

impl Bucket {
    fn new(start: u64) -> Self {
        Bucket {
            start,
            scans: 0,
            errors: 0,
            stego: 0,
            // 1 µs .. 1 h, 2 significant digits: small enough to keep ~90 of them
            latency: Histogram::new_with_bounds(1, 3_600_000_000, 2).expect("valid bounds"),
        }
    }
}

/// Outcome counts and latency over one window.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct WindowStats {
    /// Seconds the window covers (shorter while the registry is younger than the window).
    pub seconds: f64,
    /// Successful scans.
    pub scans: u64,
    /// Inputs that could not be scanned.
    pub errors: u64,
    /// Stego verdicts.
    pub stego: u64,
    /// errors / (scans + errors); 0 without traffic.
    pub error_rate: f64,
    /// stego / scans; 0 without scans.
    pub stego_rate: f64,
    /// Total-latency percentiles of the successful scans, milliseconds (0 without scans).
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
}

/// One minute of outcomes, for charts over time.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct SeriesPoint {
    /// Start of the minute, seconds since the Unix epoch.
    pub t: f64,
    /// Successful scans.
    pub scans: u64,
    /// Inputs that could not be scanned.
    pub errors: u64,
    /// Stego verdicts.
    pub stego: u64,
    /// Total-latency percentiles of the minute's scans, milliseconds (0 without scans).
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
}

/// Minute and hour buckets.
pub(crate) struct Windows {
    minutes: VecDeque<Bucket>,
    hours: VecDeque<Bucket>,
}

fn bucket_at(q: &mut VecDeque<Bucket>, start: u64, keep: u64) -> &mut Bucket {
    if q.back().is_none_or(|b| b.start != start) {
        q.push_back(Bucket::new(start));
    }
    while q.front().is_some_and(|b| b.start + keep <= start) {
        q.pop_front();
    }
    q.back_mut().expect("just pushed")
}

impl Windows {
    pub(crate) fn new() -> Self {
        Windows {
            minutes: VecDeque::new(),
            hours: VecDeque::new(),
        }
    }

    /// Count one outcome at `sec` seconds since start: an error, or a scan with its verdict and
    /// total latency.
    pub(crate) fn record(&mut self, sec: u64, scan: Option<(bool, u64)>) {
        for b in [
            bucket_at(&mut self.minutes, sec / 60 * 60, 3600 + 60),
            bucket_at(&mut self.hours, sec / 3600 * 3600, 86_400 + 3600),
        ] {
            match scan {
                None => b.errors += 1,
                Some((stego, us)) => {
                    b.scans += 1;
                    b.stego += stego as u64;
                    b.latency.saturating_record(us.max(1));
                }
            }
        }
    }

    /// Figures over the last `len` seconds at `now` seconds since start.
    pub(crate) fn stats(&self, now: f64, len: u64) -> WindowStats {
        let (q, unit) = if len <= 3600 {
            (&self.minutes, 60)
        } else {
            (&self.hours, 3600)
        };
        let from = ((now - len as f64).max(0.0) as u64) / unit * unit;
        let mut w = WindowStats {
            seconds: now.clamp(1.0, len as f64),
            ..WindowStats::default()
        };
        let mut h: Option<Histogram<u64>> = None;
        for b in q.iter().filter(|b| b.start >= from) {
            w.scans += b.scans;
            w.errors += b.errors;
            w.stego += b.stego;
            match &mut h {
                Some(h) => h.add(&b.latency).expect("same bounds"),
                None => h = Some(b.latency.clone()),
            }
        }
        let total = w.scans + w.errors;
        if total > 0 {
            w.error_rate = w.errors as f64 / total as f64;
        }
        if w.scans > 0 {
            w.stego_rate = w.stego as f64 / w.scans as f64;
            let h = h.expect("scans recorded");
            let ms = |p: f64| h.value_at_quantile(p) as f64 / 1e3;
            (w.p50_ms, w.p95_ms, w.p99_ms) = (ms(0.5), ms(0.95), ms(0.99));
        }
        w
    }

    /// The last hour, minute by minute (minutes without traffic left out); `t0` is the registry's
    /// start in seconds since the Unix epoch.
    pub(crate) fn series(&self, t0: f64) -> Vec<SeriesPoint> {
        self.minutes
            .iter()
            .map(|b| {
                let ms = |p: f64| {
                    if b.scans == 0 {
                        0.0
                    } else {
                        b.latency.value_at_quantile(p) as f64 / 1e3
                    }
                };
                SeriesPoint {
                    t: t0 + b.start as f64,
                    scans: b.scans,
                    errors: b.errors,
                    stego: b.stego,
                    p50_ms: ms(0.5),
                    p95_ms: ms(0.95),
                    p99_ms: ms(0.99),
                }
            })
            .collect()
    }

    /// Every window's figures.
    pub(crate) fn all(&self, now: f64) -> BTreeMap<&'static str, WindowStats> {
        WINDOWS
            .iter()
            .map(|&(name, len)| (name, self.stats(now, len)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_count_their_buckets_and_forget_old_ones() {
        let mut w = Windows::new();
        // 10 errors at second 0; one scan per minute for two hours, every 4th stego, 1 ms .. 120 ms
        for _ in 0..10 {
            w.record(0, None);
        }
        for m in 0..120u64 {
            w.record(m * 60 + 30, Some((m % 4 == 0, (m + 1) * 1000)));
        }
        let now = 119.0 * 60.0 + 40.0;
        let one = w.stats(now, 60);
        assert_eq!((one.scans, one.errors), (2, 0)); // minutes 118 and 119
        let hour = w.stats(now, 3600);
        assert_eq!((hour.scans, hour.errors), (61, 0)); // minutes 59..=119
        let day = w.stats(now, 86_400);
        assert_eq!((day.scans, day.errors, day.stego), (120, 10, 30));
        assert!((day.error_rate - 10.0 / 130.0).abs() < 1e-12);
        assert!((day.stego_rate - 0.25).abs() < 1e-12);
        assert!((day.p95_ms - 114.0).abs() <= 1.2, "{}", day.p95_ms);
        assert_eq!(
            w.minutes.len(),
            61,
            "an hour of minutes kept, plus the current one"
        );
        // a quiet day later everything has gone
        let later = now + 2.0 * 86_400.0;
        w.record(later as u64, None);
        let day = w.stats(later, 86_400);
        assert_eq!((day.scans, day.errors), (0, 1));
        assert_eq!(day.p95_ms, 0.0);
    }
}
