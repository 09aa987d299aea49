//! `stegodetect validate`: the production checks, run against a model and a labelled data set,
//! with a report (JSON and Markdown) whose "ready" verdict holds only when every check ran and
//! passed. A check that cannot run fails the verdict: nothing is skipped into a pass.
//!
//! Checks: 1 benchmark (eval + regression gate against a baseline report), 2 fresh data (stego
//! made now with `embed` from covers the model has not seen), 3 edge cases with expected
//! outcomes, 4 load (library at 1, 2 and N threads, and `serve` over loopback), 5 memory (peak
//! RSS under load and for the largest image scanned), 6 platform (what ran, recorded).
//!
//! Exit code: 0 ready, 1 not ready.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Args;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use stegodetect::embed::{self, png_chunk, EmbedOptions};
use stegodetect::eval::{self, Gates};
use stegodetect::metrics::ProcessMemory;
use stegodetect::regress::{self, Figures, Rules};
use stegodetect::{BitOrder, Detector, ErrorKind, Method};

use crate::{CmdResult, DetectorArgs};

/// Options of `stegodetect validate`.
#[derive(Args)]
pub struct ValidateArgs {
    /// Labelled set, laid out as Starlight's datasets (stego images with sidecars, clean covers).
    #[arg(long, conflicts_with = "manifest")]
    dataset: Option<PathBuf>,
    /// Labelled set as a manifest (CSV or JSONL: path, label, method, ...).
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Baseline eval report (`report.json` of `stegodetect eval` or of an earlier validate) for
    /// the regression gate. Without one the benchmark check cannot pass.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Clean images the model has not seen; stego is made from them now with `embed`.
    #[arg(long)]
    fresh_covers: Option<PathBuf>,
    /// Thresholds (JSON with any of the fields printed by --print-thresholds).
    #[arg(long)]
    thresholds: Option<PathBuf>,
    /// Print the default thresholds as JSON and exit.
    #[arg(long)]
    print_thresholds: bool,
    /// Where report.json, report.md and eval-report.json are written.
    #[arg(long, default_value = "validation-report")]
    report_dir: PathBuf,
    #[command(flatten)]
    detector: DetectorArgs,
}

/// Thresholds of every check (documented defaults; override any field with --thresholds).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Benchmark: largest false-positive rate on the labelled set.
    pub max_fpr: f64,
    /// Benchmark: smallest detection rate per method on the labelled set.
    pub min_detection: f64,
    /// Benchmark: fewest labelled images (an empty or tiny set cannot validate anything).
    pub min_images: u64,
    /// Benchmark: regression rules against the baseline.
    pub regress: Rules,
    /// Fresh data: covers used at most (sorted, the first ones).
    pub fresh_max_covers: usize,
    /// Fresh data: fewest stego images per method that must have been made.
    pub fresh_min_per_method: u64,
    /// Fresh data: smallest detection rate per method.
    pub fresh_min_detection: f64,
    /// Fresh data: largest false-positive rate on the covers.
    pub fresh_max_fpr: f64,
    /// Edge cases: hostile inputs must be refused within this many milliseconds.
    pub hostile_max_ms: f64,
    /// Edge cases and memory: the large image scanned (pixels; capped by the pixel limit).
    pub large_image_pixels: u64,
    /// Memory: the large image may raise peak RSS by at most this many bytes per pixel.
    pub large_image_bytes_per_pixel: f64,
    /// Load: scans per thread count through the library.
    pub load_requests: usize,
    /// Load: thread counts (0 = one per core).
    pub load_threads: Vec<usize>,
    /// Load: throughput at the most threads over one thread must reach this (machines with 2+
    /// cores).
    pub min_thread_scaling: f64,
    /// Load: requests through `serve` over loopback.
    pub serve_requests: usize,
    /// Load: concurrent clients against `serve`.
    pub serve_concurrency: usize,
    /// Load: p95 of a library scan, milliseconds.
    pub max_library_p95_ms: f64,
    /// Load: p95 of a `/v1/scan` request, milliseconds.
    pub max_serve_p95_ms: f64,
    /// Memory: peak RSS of this process during the library load, MiB.
    pub max_load_rss_mib: f64,
    /// Memory: peak RSS of the server under load, MiB.
    pub max_serve_rss_mib: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            max_fpr: 0.001,
            min_detection: 0.95,
            min_images: 50,
            regress: Rules::default(),
            fresh_max_covers: 40,
            fresh_min_per_method: 10,
            fresh_min_detection: 0.95,
            fresh_max_fpr: 0.05,
            hostile_max_ms: 1000.0,
            large_image_pixels: 16_000_000,
            large_image_bytes_per_pixel: 16.0,
            load_requests: 400,
            load_threads: vec![1, 2, 0],
            min_thread_scaling: 1.3,
            serve_requests: 400,
            serve_concurrency: 8,
            max_library_p95_ms: 500.0,
            max_serve_p95_ms: 1000.0,
            max_load_rss_mib: 2048.0,
            max_serve_rss_mib: 2048.0,
        }
    }
}

/// One check's outcome.
#[derive(Debug, Serialize)]
struct Check {
    name: &'static str,
    /// `pass`, `FAIL`, or `not run` (which fails the verdict too).
    status: &'static str,
    summary: String,
    failures: Vec<String>,
    figures: Value,
}

impl Check {
    fn new(name: &'static str, summary: String, failures: Vec<String>, figures: Value) -> Check {
        Check {
            name,
            status: if failures.is_empty() { "pass" } else { "FAIL" },
            summary,
            failures,
            figures,
        }
    }
    fn not_run(name: &'static str, why: String) -> Check {
        Check {
            name,
            status: "not run",
            summary: format!("could not run: {why}"),
            failures: vec![why],
            figures: Value::Null,
        }
    }
}

pub fn run(a: ValidateArgs) -> CmdResult {
    if a.print_thresholds {
        println!("{}", serde_json::to_string_pretty(&Thresholds::default())?);
        return Ok(0);
    }
    let th: Thresholds = match &a.thresholds {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?
        }
        None => Thresholds::default(),
    };
    std::fs::create_dir_all(&a.report_dir)
        .map_err(|e| format!("{}: {e}", a.report_dir.display()))?;
    let started = Instant::now();
    let mut checks: Vec<Check> = Vec::new();
    let det = a.detector.detector();
    let platform = platform(det.as_ref().ok());
    match &det {
        Err(e) => {
            let why = format!("no detector: {e}");
            for name in ["benchmark", "fresh data", "edge cases", "load", "memory"] {
                checks.push(Check::not_run(name, why.clone()));
            }
        }
        Ok(det) => {
            eprintln!("validate: 1/5 benchmark");
            let (bench, images) = benchmark(det, &a, &th);
            checks.push(bench);
            eprintln!("validate: 2/5 fresh data");
            checks.push(fresh_data(det, a.fresh_covers.as_deref(), &th));
            eprintln!("validate: 3/5 edge cases");
            let (edge, large) = edge_cases(det, &th);
            checks.push(edge);
            eprintln!("validate: 4/5 load");
            let (load, mem) = load(det, &a.detector, &images, &th);
            checks.push(load);
            eprintln!("validate: 5/5 memory");
            checks.push(memory(large, mem, &th));
        }
    }
    let platform_failures: Vec<String> = ["os", "cpu", "stegodetect", "model", "runtime"]
        .iter()
        .filter(|k| platform[**k].is_null())
        .map(|k| format!("{k} unknown"))
        .collect();
    checks.push(Check::new(
        "platform",
        "what ran, recorded".into(),
        platform_failures,
        platform.clone(),
    ));
    let ready = checks.iter().all(|c| c.status == "pass");
    let report = json!({
        "ready": ready,
        "verdict": if ready { "READY" } else { "NOT READY" },
        "seconds": started.elapsed().as_secs_f64(),
        "timestamp": stegodetect::metrics::log::iso8601(stegodetect::metrics::log::now_ts()),
        "inputs": {
            "dataset": a.dataset, "manifest": a.manifest, "baseline": a.baseline,
            "fresh_covers": a.fresh_covers, "thresholds_file": a.thresholds,
        },
        "thresholds": th,
        "checks": checks,
        "platform": platform,
    });
    let json_path = a.report_dir.join("report.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&report)? + "\n")
        .map_err(|e| format!("{}: {e}", json_path.display()))?;
    let md_path = a.report_dir.join("report.md");
    std::fs::write(&md_path, markdown(&report, &checks))
        .map_err(|e| format!("{}: {e}", md_path.display()))?;
    for c in &checks {
        println!("{:<11} {:<8} {}", c.name, c.status, c.summary);
        for f in &c.failures {
            println!("{:<11}          - {f}", "");
        }
    }
    println!(
        "{}: report in {}",
        if ready { "READY" } else { "NOT READY" },
        a.report_dir.display()
    );
    Ok(if ready { 0 } else { 1 })
}

fn markdown(report: &Value, checks: &[Check]) -> String {
    let mut s = format!(
        "# Validation: {}\n\n{} · {:.1} s · model {} · stegodetect {}\n\n| check | status | summary |\n|---|---|---|\n",
        report["verdict"].as_str().unwrap_or("?"),
        report["timestamp"].as_str().unwrap_or(""),
        report["seconds"].as_f64().unwrap_or(0.0),
        report["platform"]["model"]["id"]
            .as_str()
            .or(report["platform"]["model"].as_str())
            .unwrap_or("none"),
        report["platform"]["stegodetect"].as_str().unwrap_or("?"),
    );
    for c in checks {
        s += &format!(
            "| {} | {} | {} |\n",
            c.name,
            c.status,
            c.summary.replace('|', "/")
        );
    }
    for c in checks {
        s += &format!("\n## {} — {}\n\n{}\n", c.name, c.status, c.summary);
        for f in &c.failures {
            s += &format!("- **{f}**\n");
        }
        if !c.figures.is_null() {
            s += &format!(
                "\n```json\n{}\n```\n",
                serde_json::to_string_pretty(&c.figures).unwrap_or_default()
            );
        }
    }
    s
}

/// Check 1: eval on the labelled set, its gates, and the regression gate against the baseline.
/// Also returns the bytes of up to 64 labelled images for the load check.
fn benchmark(det: &Detector, a: &ValidateArgs, th: &Thresholds) -> (Check, Vec<Vec<u8>>) {
    const NAME: &str = "benchmark";
    let items = match (&a.dataset, &a.manifest) {
        (Some(d), None) => eval::load_sidecar_dir(d),
        (None, Some(m)) => eval::load_manifest(m),
        _ => {
            return (
                Check::not_run(NAME, "no labelled set (--dataset or --manifest)".into()),
                vec![],
            )
        }
    };
    let items = match items {
        Ok(i) => i,
        Err(e) => return (Check::not_run(NAME, format!("labelled set: {e}")), vec![]),
    };
    let gates = Gates {
        max_fpr: th.max_fpr,
        min_detection: th.min_detection,
    };
    let (results, rep) = eval::evaluate(det, &items, gates);
    // images for the load check: the first 64 the eval scanned without error
    let images: Vec<Vec<u8>> = results
        .iter()
        .filter(|r| r.error.is_none())
        .filter_map(|r| std::fs::read(&r.path).ok())
        .take(64)
        .collect();
    let _ = std::fs::write(
        a.report_dir.join("eval-report.json"),
        serde_json::to_string_pretty(&rep).unwrap_or_default(),
    );
    let mut failures: Vec<String> = Vec::new();
    if rep.images < th.min_images {
        failures.push(format!(
            "{} labelled images, fewer than the {} required",
            rep.images, th.min_images
        ));
    }
    if rep.fpr.n == 0 || rep.detection.n == 0 {
        failures.push(format!(
            "the set needs clean and stego images ({} clean, {} stego)",
            rep.fpr.n, rep.detection.n
        ));
    }
    failures.extend(rep.failures.iter().cloned());
    for (m, r) in &rep.detection_by_method {
        if r.n > 0 && r.rate < th.min_detection {
            failures.push(format!(
                "{m}: detection {}/{} ({:.2} %) below {:.2} %",
                r.k,
                r.n,
                100.0 * r.rate,
                100.0 * th.min_detection
            ));
        }
    }
    let rep_json = serde_json::to_value(&rep).unwrap_or(Value::Null);
    let mut gate = Value::Null;
    match &a.baseline {
        None => {
            failures.push("no baseline report (--baseline): the regression gate cannot run".into())
        }
        Some(p) => {
            let base = std::fs::read_to_string(p)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|e| e.to_string()))
                .and_then(|v| {
                    Figures::from_json(&v, &p.display().to_string()).map_err(|e| e.to_string())
                });
            let cur = Figures::from_json(&rep_json, "this run");
            match (base, cur) {
                (Err(e), _) => failures.push(format!("baseline unusable: {e}")),
                (_, Err(e)) => failures.push(format!("this run unusable for the gate: {e}")),
                (Ok(b), Ok(c)) => {
                    let checks = regress::compare(&b, &c, &th.regress);
                    failures.extend(checks.iter().filter(|c| c.status == "FAIL").map(|c| {
                        let f = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.4}"));
                        format!(
                            "regression: {}: baseline {}, current {}, limit {}{}",
                            c.rule,
                            f(c.baseline),
                            f(c.current),
                            f(c.limit),
                            if c.note.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", c.note)
                            }
                        )
                    }));
                    gate = json!({"passed": regress::passed(&checks), "checks": checks});
                }
            }
        }
    }
    let det_min = rep
        .detection_by_method
        .values()
        .map(|r| r.rate)
        .fold(f64::NAN, f64::min);
    let summary = format!(
        "{} images: FPR {:.3} % ({}/{}), detection {:.2} % ({}/{}), lowest per method {:.2} %, {} errors",
        rep.images,
        100.0 * rep.fpr.rate,
        rep.fpr.k,
        rep.fpr.n,
        100.0 * rep.detection.rate,
        rep.detection.k,
        rep.detection.n,
        100.0 * det_min,
        rep.errors.k
    );
    let figures = json!({
        "images": rep.images, "errors": rep.errors, "fpr": rep.fpr, "detection": rep.detection,
        "detection_by_method": rep.detection_by_method, "extraction_exact": rep.extraction_exact,
        "roc_auc": rep.roc_auc, "latency": rep.latency, "images_per_second": rep.images_per_second,
        "regression": gate,
    });
    (Check::new(NAME, summary, failures, figures), images)
}

/// Deterministic payload text of a given length band for fresh stego.
fn payload(i: usize, method: Method) -> Vec<u8> {
    const WORDS: [&str; 16] = [
        "orbit", "lantern", "harbor", "quiet", "signal", "meridian", "copper", "willow", "static",
        "ember", "cipher", "tundra", "velvet", "atlas", "monsoon", "granite",
    ];
    let mut s = format!("validate {} {} ", method.name(), i);
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let len = 48 + (i * 37) % 160;
    while s.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s += WORDS[(x % 16) as usize];
        s.push(' ');
    }
    s.into_bytes()
}

/// The image files under `dir` (the library's walk: symlinks followed, unreadable entries left
/// out since covers are only material here).
fn list_images(dir: &Path) -> Vec<PathBuf> {
    let dirs = [dir.to_path_buf()];
    stegodetect::inputs::walk(&dirs, Default::default())
        .filter_map(|i| match i {
            stegodetect::inputs::Input::File(p) => Some(p),
            _ => None,
        })
        .collect()
}

/// Check 2: stego made now from covers the model has not seen, every method, then scanned.
fn fresh_data(det: &Detector, covers: Option<&Path>, th: &Thresholds) -> Check {
    const NAME: &str = "fresh data";
    let Some(dir) = covers else {
        return Check::not_run(NAME, "no fresh covers (--fresh-covers DIR)".into());
    };
    let files: Vec<PathBuf> = list_images(dir)
        .into_iter()
        .take(th.fresh_max_covers)
        .collect();
    if files.is_empty() {
        return Check::not_run(NAME, format!("no images in {}", dir.display()));
    }
    // per method: (made, detected, right method, payload exact); not embeddable counted apart
    let mut per: std::collections::BTreeMap<&str, [u64; 4]> = Default::default();
    let mut not_embeddable: std::collections::BTreeMap<&str, u64> = Default::default();
    let (mut clean_n, mut clean_fp, mut errors) = (0u64, 0u64, Vec::<String>::new());
    let results: Vec<_> = files
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let mut out = Vec::new();
            let Ok(cover) = std::fs::read(p) else {
                return (p, Err("unreadable".to_string()), out);
            };
            let clean = det.scan_bytes(&cover).map(|r| r.is_stego);
            for (k, m) in Method::ALL.iter().enumerate() {
                let data = payload(i * 5 + k, *m);
                let mut o = EmbedOptions::new(*m);
                o.bit_order = if (i + k) % 2 == 0 {
                    BitOrder::MsbFirst
                } else {
                    BitOrder::LsbFirst
                };
                match embed::embed(&cover, &data, &o) {
                    Err(_) => out.push((*m, None)),
                    Ok(s) => {
                        let r = det.scan_bytes(&s.bytes).map(|r| {
                            let exact = r
                                .findings
                                .iter()
                                .filter_map(|f| f.payload.as_ref())
                                .any(|pl| pl.bytes == data);
                            (r.is_stego, r.method == Some(*m), exact)
                        });
                        out.push((*m, Some(r.map_err(|e| e.to_string()))));
                    }
                }
            }
            (p, clean.map_err(|e| e.to_string()), out)
        })
        .collect();
    for (p, clean, out) in results {
        match clean {
            Ok(flagged) => {
                clean_n += 1;
                clean_fp += flagged as u64;
            }
            Err(e) => errors.push(format!("cover {}: {e}", p.display())),
        }
        for (m, r) in out {
            match r {
                None => *not_embeddable.entry(m.name()).or_default() += 1,
                Some(Err(e)) => errors.push(format!("{} stego of {}: {e}", m.name(), p.display())),
                Some(Ok((hit, right, exact))) => {
                    let e = per.entry(m.name()).or_default();
                    e[0] += 1;
                    e[1] += hit as u64;
                    e[2] += right as u64;
                    e[3] += exact as u64;
                }
            }
        }
    }
    let mut failures = Vec::new();
    let mut by_method = serde_json::Map::new();
    for m in Method::ALL {
        let [n, hit, right, exact] = per.get(m.name()).copied().unwrap_or_default();
        if n < th.fresh_min_per_method {
            failures.push(format!(
                "{}: only {n} stego images could be made (at least {} needed)",
                m.name(),
                th.fresh_min_per_method
            ));
        } else if (hit as f64) < th.fresh_min_detection * n as f64 {
            failures.push(format!(
                "{}: detection {hit}/{n} below {:.1} %",
                m.name(),
                100.0 * th.fresh_min_detection
            ));
        }
        by_method.insert(
            m.name().into(),
            json!({"n": n, "detected": eval::Rate::new(hit, n), "right_method": eval::Rate::new(right, n),
                   "payload_exact": eval::Rate::new(exact, n),
                   "not_embeddable": not_embeddable.get(m.name()).copied().unwrap_or(0)}),
        );
    }
    if (clean_fp as f64) > th.fresh_max_fpr * clean_n as f64 {
        failures.push(format!(
            "covers flagged {clean_fp}/{clean_n}, above {:.1} %",
            100.0 * th.fresh_max_fpr
        ));
    }
    if !errors.is_empty() {
        failures.push(format!(
            "{} scans failed (first: {})",
            errors.len(),
            errors[0]
        ));
    }
    let made: u64 = per.values().map(|v| v[0]).sum();
    let hit: u64 = per.values().map(|v| v[1]).sum();
    Check::new(
        NAME,
        format!(
            "{} covers from {}: {hit}/{made} fresh stego detected, {clean_fp}/{clean_n} covers flagged",
            files.len(),
            dir.display()
        ),
        failures,
        json!({"covers": files.len(), "cover_fpr": eval::Rate::new(clean_fp, clean_n),
               "by_method": by_method, "errors": errors.len()}),
    )
}

/// What an edge case must give.
#[derive(Clone, Copy)]
enum Expect {
    /// Scanned, clean.
    Clean,
    /// Scanned, stego with this method.
    Stego(Method),
    /// Scanned, whatever the verdict, within the hostile-input time bound.
    ScannedQuickly,
    /// A typed error of one of these kinds, within the hostile-input time bound.
    Error(&'static [ErrorKind]),
    /// An error of any kind but internal, or a verdict: never a panic (bit flips).
    NoInternal,
}

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../../tests/fixtures/clean/", $name)).as_slice()
    };
}

/// The large image: a smooth gradient with mild noise, as a fast-compressed PNG.
fn large_png(side: u32) -> Vec<u8> {
    let mut raw = Vec::with_capacity(side as usize * side as usize * 3);
    let mut x: u32 = 0x1234_5678;
    for yy in 0..side {
        for xx in 0..side {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let n = x & 7;
            raw.push(((xx * 255 / side + n) & 0xFF) as u8);
            raw.push(((yy * 255 / side + n) & 0xFF) as u8);
            raw.push((((xx + yy) * 127 / side + n) & 0xFF) as u8);
        }
    }
    let mut out = Vec::new();
    let mut e = png::Encoder::new(&mut out, side, side);
    e.set_color(png::ColorType::Rgb);
    e.set_depth(png::BitDepth::Eight);
    e.set_compression(png::Compression::Fast);
    if let Ok(mut w) = e.write_header() {
        let _ = w.write_image_data(&raw);
    }
    out
}

/// A 2x2 animated GIF of `n` frames.
fn many_frames_gif(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    if let Ok(mut e) = gif::Encoder::new(&mut out, 2, 2, &[0, 0, 0, 255, 255, 255]) {
        for i in 0..n {
            let f = gif::Frame {
                width: 2,
                height: 2,
                buffer: std::borrow::Cow::Owned(vec![(i % 2) as u8, 1, 0, 1]),
                ..gif::Frame::default()
            };
            if e.write_frame(&f).is_err() {
                break;
            }
        }
    }
    out
}

/// What the large-image case measured, for the memory check.
pub struct LargeImage {
    pixels: u64,
    rss_before: u64,
    peak: u64,
    scanned: bool,
}

/// Check 3: formats and modes, corrupt, truncated, empty, non-image, hostile and large inputs.
fn edge_cases(det: &Detector, th: &Thresholds) -> (Check, Option<LargeImage>) {
    use ErrorKind::*;
    const DECODE: &[ErrorKind] = &[Decode, UnknownFormat];
    let formats: Vec<(&str, &[u8])> = vec![
        ("PNG 16-bit RGBA", fixture!("rgba16.png")),
        ("PNG 16-bit grey", fixture!("grey16.png")),
        ("PNG grey+alpha", fixture!("grey_alpha.png")),
        ("PNG palette", fixture!("palette.png")),
        ("PNG RGB", fixture!("rgb.png")),
        ("GIF animated", fixture!("animated.gif")),
        ("GIF static", fixture!("static.gif")),
        ("JPEG baseline", fixture!("baseline.jpg")),
        ("JPEG progressive", fixture!("progressive.jpg")),
        ("WebP lossless", fixture!("lossless.webp")),
        ("WebP lossy with alpha", fixture!("lossy_alpha.webp")),
        ("BMP 1-bit", fixture!("bmp1.bmp")),
        ("BMP 24-bit", fixture!("bmp24.bmp")),
    ];
    let mut cases: Vec<(String, Vec<u8>, Expect)> = Vec::new();
    for (name, b) in &formats {
        cases.push((format!("{name}: clean"), b.to_vec(), Expect::Clean));
        cases.push((
            format!("{name}: truncated at half"),
            b[..b.len() / 2].to_vec(),
            Expect::Error(DECODE),
        ));
        let mut flipped = b.to_vec();
        for k in 0..8 {
            let i = (b.len() / 9) * (k + 1);
            flipped[i] ^= 0x5A;
        }
        cases.push((
            format!("{name}: bytes flipped"),
            flipped,
            Expect::NoInternal,
        ));
    }
    let rgb = fixture!("rgb.png");
    let mut failures = Vec::new();
    match embed::embed(
        rgb,
        b"validate: a payload in the pixels of a fixture",
        &EmbedOptions::new(Method::LsbRgb),
    ) {
        Ok(s) => cases.push((
            "PNG lsb.rgb stego".into(),
            s.bytes,
            Expect::Stego(Method::LsbRgb),
        )),
        Err(e) => failures.push(format!("the stego case could not be made: {e}")),
    }
    cases.push(("zero bytes".into(), vec![], Expect::Error(&[UnknownFormat])));
    cases.push((
        "text file".into(),
        b"just some text, not an image\n".repeat(40),
        Expect::Error(&[UnknownFormat]),
    ));
    cases.push((
        "ELF executable header".into(),
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".repeat(8),
        Expect::Error(&[UnknownFormat]),
    ));
    cases.push((
        "PDF".into(),
        b"%PDF-1.7\n1 0 obj << >> endobj\n".repeat(8),
        Expect::Error(&[UnknownFormat]),
    ));
    // hostile: declared sizes over the pixel limit, lying lengths
    let side = ((det.options().limits.max_pixels as f64).sqrt() as u32).saturating_add(2);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = side.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend(png_chunk(b"IHDR", &ihdr));
    png.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(png_chunk(b"IEND", b""));
    cases.push((
        format!("PNG declaring {side}x{side} (over the pixel limit)"),
        png,
        Expect::Error(&[Limit]),
    ));
    let mut gif = b"GIF89a\xFF\xFF\xFF\xFF\x00\x00\x00".to_vec();
    gif.extend_from_slice(&[
        0x2C, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    ]);
    cases.push((
        "GIF declaring 65535x65535".into(),
        gif,
        if det.options().limits.max_pixels < 65535 * 65535 {
            Expect::Error(&[Limit])
        } else {
            Expect::NoInternal
        },
    ));
    cases.push((
        "JPEG segment length past the end".into(),
        vec![0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xF0, b'E', b'x', b'i', b'f'],
        Expect::Error(&[Decode]),
    ));
    let mut webp = fixture!("lossless.webp").to_vec();
    webp[4..8].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
    cases.push((
        "WebP with a lying RIFF size".into(),
        webp,
        Expect::Error(&[Decode]),
    ));
    // endless GIF frames: far more frames than the frame limit, answered within the time bound
    cases.push((
        "GIF with 20,000 frames".into(),
        many_frames_gif(20_000),
        Expect::ScannedQuickly,
    ));

    let mut rows = Vec::new();
    for (name, bytes, expect) in &cases {
        let t = Instant::now();
        let r = det.scan_bytes(bytes);
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let got = match &r {
            Ok(r) if r.is_stego => format!("stego {}", r.method.map_or("?", |m| m.name())),
            Ok(_) => "clean".to_string(),
            Err(e) => format!("error {}", e.kind().as_str()),
        };
        let ok = match (expect, &r) {
            (Expect::Clean, Ok(r)) => !r.is_stego,
            (Expect::Stego(m), Ok(r)) => r.is_stego && r.method == Some(*m),
            (Expect::ScannedQuickly, Ok(_)) => ms <= th.hostile_max_ms,
            (Expect::Error(kinds), Err(e)) => kinds.contains(&e.kind()) && ms <= th.hostile_max_ms,
            (Expect::NoInternal, Ok(_)) => true,
            (Expect::NoInternal, Err(e)) => e.kind() != Internal,
            _ => false,
        };
        let want = match expect {
            Expect::Clean => "clean".to_string(),
            Expect::Stego(m) => format!("stego {}", m.name()),
            Expect::ScannedQuickly => format!("a verdict within {} ms", th.hostile_max_ms),
            Expect::Error(k) => format!(
                "error {} within {} ms",
                k.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("|"),
                th.hostile_max_ms
            ),
            Expect::NoInternal => "a verdict or a typed error".to_string(),
        };
        if !ok {
            failures.push(format!("{name}: expected {want}, got {got} ({ms:.1} ms)"));
        }
        rows.push(json!({"case": name, "expected": want, "got": got, "ms": ms, "ok": ok}));
    }
    // the largest image: scanned within the memory bound (measured by the memory check)
    let pixels = th.large_image_pixels.min(det.options().limits.max_pixels);
    let side = (pixels as f64).sqrt() as u32;
    let big = large_png(side);
    reset_peak_rss();
    let before = ProcessMemory::current();
    let t = Instant::now();
    let r = det.scan_bytes(&big);
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let after = ProcessMemory::current();
    drop(big);
    let large = before.zip(after).map(|(b, a)| LargeImage {
        pixels: side as u64 * side as u64,
        rss_before: b.rss_bytes,
        peak: a.peak_rss_bytes,
        scanned: r.is_ok(),
    });
    let got = match &r {
        Ok(r) => format!("scanned ({})", if r.is_stego { "stego" } else { "clean" }),
        Err(e) => format!("error {e}"),
    };
    if r.is_err() {
        failures.push(format!("{side}x{side} image: {got}"));
    }
    rows.push(
        json!({"case": format!("{side}x{side} RGB PNG (largest tested)"), "expected": "a verdict",
                     "got": got, "ms": ms, "ok": r.is_ok()}),
    );
    let n = rows.len();
    (
        Check::new(
            "edge cases",
            format!("{} of {n} cases as expected", n - failures.len()),
            failures,
            json!(rows),
        ),
        large,
    )
}

/// Reset the kernel's peak-RSS mark of this process (Linux: `/proc/self/clear_refs`).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// What the load check measured, for the memory check.
pub struct LoadMemory {
    library_peak: Option<u64>,
    serve_peak: Option<u64>,
}

/// Check 4: library scans at 1, 2 and N threads; `serve` over loopback.
fn load(
    det: &Detector,
    args: &DetectorArgs,
    images: &[Vec<u8>],
    th: &Thresholds,
) -> (Check, LoadMemory) {
    const NAME: &str = "load";
    let mut mem = LoadMemory {
        library_peak: None,
        serve_peak: None,
    };
    if images.is_empty() {
        return (
            Check::not_run(NAME, "no scannable labelled images to load with".into()),
            mem,
        );
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut threads: Vec<usize> = th
        .load_threads
        .iter()
        .map(|&t| if t == 0 { cores } else { t })
        .collect();
    threads.sort_unstable();
    threads.dedup();
    let mut failures = Vec::new();
    let mut runs = Vec::new();
    let mut rates: Vec<(usize, f64)> = Vec::new();
    reset_peak_rss();
    for &t in &threads {
        let pool = match rayon::ThreadPoolBuilder::new().num_threads(t).build() {
            Ok(p) => p,
            Err(e) => {
                failures.push(format!("{t} threads: {e}"));
                continue;
            }
        };
        let start = Instant::now();
        // per scan: (microseconds, succeeded)
        let res: Vec<(u64, bool)> = pool.install(|| {
            (0..th.load_requests)
                .into_par_iter()
                .map(|i| {
                    let t0 = Instant::now();
                    let r = det.scan_bytes(&images[i % images.len()]);
                    (t0.elapsed().as_micros() as u64, r.is_ok())
                })
                .collect()
        });
        let wall = start.elapsed().as_secs_f64();
        let mut ok: Vec<u64> = res.iter().filter(|r| r.1).map(|r| r.0).collect();
        ok.sort_unstable();
        let errors = res.len() - ok.len();
        let busy: f64 = res.iter().map(|r| r.0 as f64).sum::<f64>() / 1e6;
        let complete = ok.len() == th.load_requests && th.load_requests > 0;
        let p = crate::loadtest::percentiles_ms(&ok);
        if !complete {
            failures.push(format!(
                "{t} threads: {errors} of {} scans failed; no rate reported",
                th.load_requests
            ));
        } else {
            rates.push((t, th.load_requests as f64 / wall));
        }
        if p["p95"].as_f64().unwrap_or(f64::MAX) > th.max_library_p95_ms {
            failures.push(format!(
                "{t} threads: p95 {:.1} ms over {} ms",
                p["p95"].as_f64().unwrap_or(0.0),
                th.max_library_p95_ms
            ));
        }
        runs.push(json!({
            "via": "library", "threads": t, "scans": th.load_requests, "succeeded": ok.len(),
            "errors": errors, "seconds": wall,
            "scans_per_s": if complete { json!(th.load_requests as f64 / wall) } else { Value::Null },
            "latency_ms": p, "achieved_concurrency": busy / wall,
        }));
    }
    mem.library_peak = ProcessMemory::current().map(|m| m.peak_rss_bytes);
    let one = rates.iter().find(|r| r.0 == 1);
    let most = rates.iter().filter(|r| r.0 > 1).max_by_key(|r| r.0);
    let scaling = match (one, most) {
        (Some(a), Some(b)) => Some(b.1 / a.1),
        _ => None,
    };
    if cores >= 2 {
        match scaling {
            Some(s) if s < th.min_thread_scaling => failures.push(format!(
                "throughput at {} threads is {s:.2}x one thread's, below {}x",
                most.map_or(1, |r| r.0),
                th.min_thread_scaling
            )),
            None => failures.push("thread scaling could not be measured".into()),
            _ => {}
        }
    }
    match serve_load(args, images, th) {
        Ok((run, peak)) => {
            let complete = run["requests_per_s"].is_number();
            if !complete {
                failures.push(format!(
                    "serve: {} of {} requests succeeded ({}); no rate reported",
                    run["succeeded"], th.serve_requests, run["errors"]
                ));
            }
            let p95 = run["latency_ms"]["p95"].as_f64().unwrap_or(f64::MAX);
            if p95 > th.max_serve_p95_ms {
                failures.push(format!(
                    "serve: p95 {p95:.1} ms over {} ms",
                    th.max_serve_p95_ms
                ));
            }
            mem.serve_peak = peak;
            runs.push(json!({"via": "serve", "run": run, "server_peak_rss_bytes": peak}));
        }
        Err(e) => failures.push(format!("serve: {e}")),
    }
    let fmt_rates: Vec<String> = rates
        .iter()
        .map(|(t, r)| format!("{t} thr {r:.0}/s"))
        .collect();
    let serve_rate = runs
        .last()
        .and_then(|r| r["run"]["requests_per_s"].as_f64())
        .map_or("no rate".to_string(), |r| format!("{r:.0} req/s"));
    (
        Check::new(
            NAME,
            format!(
                "library {} (scaling {}); serve {serve_rate} at {} clients",
                fmt_rates.join(", "),
                scaling.map_or("n/a".into(), |s| format!("{s:.2}x")),
                th.serve_concurrency
            ),
            failures,
            json!({"images": images.len(), "cores": cores, "runs": runs, "scaling": scaling}),
        ),
        mem,
    )
}

/// Kill the server on drop, whatever happens in between.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `stegodetect serve` (this binary) on a free loopback port with the same detector
/// options, wait until it is ready, drive it, and read its peak RSS.
fn serve_load(
    args: &DetectorArgs,
    images: &[Vec<u8>],
    th: &Thresholds,
) -> Result<(Value, Option<u64>), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let token = format!(
        "validate-{:x}",
        stegodetect::metrics::log::now_ts().to_bits()
    );
    let mut cmd = Command::new(exe);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .args(args.to_args())
        .env("STEGODETECT_API_TOKEN", &token)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = Server(cmd.spawn().map_err(|e| format!("cannot start: {e}"))?);
    let stdout = child.0.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("listening on ") {
                let _ = tx.send(url.trim().to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .map_err(|_| "did not start listening within 60 s".to_string())?;
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(5))
        .build();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if Instant::now() > deadline {
            return Err("not ready within 60 s".into());
        }
        match agent.get(&format!("{url}/health/ready")).call() {
            Ok(r) if r.status() == 200 => break,
            // the self-test ran before the server listened: a failed one is final
            Err(ureq::Error::Status(503, r)) => {
                let body: Value = r.into_json().unwrap_or(Value::Null);
                if body["self_test"]["passed"] == false {
                    return Err(format!(
                        "not ready, self-test failed: {}",
                        body["self_test"]
                    ));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let run = crate::loadtest::drive(
        &url,
        &token,
        images,
        th.serve_requests,
        th.serve_concurrency,
    );
    let peak = std::fs::read_to_string(format!("/proc/{}/status", child.0.id()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map(|kib| kib * 1024);
    Ok((run, peak))
}

/// Check 5: peak RSS under load and for the large image, against bounds from the limits.
fn memory(large: Option<LargeImage>, load: LoadMemory, th: &Thresholds) -> Check {
    const MIB: f64 = 1024.0 * 1024.0;
    let mut failures = Vec::new();
    let mut figures = serde_json::Map::new();
    match large {
        Some(l) if l.scanned => {
            let bound = l.rss_before as f64 + th.large_image_bytes_per_pixel * l.pixels as f64;
            if l.peak as f64 > bound {
                failures.push(format!(
                    "{} px image: peak RSS {:.0} MiB over the bound {:.0} MiB",
                    l.pixels,
                    l.peak as f64 / MIB,
                    bound / MIB
                ));
            }
            figures.insert(
                "large_image".into(),
                json!({"pixels": l.pixels, "rss_before_mib": l.rss_before as f64 / MIB,
                       "peak_mib": l.peak as f64 / MIB, "bound_mib": bound / MIB,
                       "bytes_per_pixel_used": (l.peak.saturating_sub(l.rss_before)) as f64 / l.pixels as f64}),
            );
        }
        Some(_) => failures.push("the large image was not scanned".into()),
        None => failures.push("peak RSS cannot be read on this platform".into()),
    }
    for (what, key, peak, max) in [
        (
            "library load",
            "library_load_peak_mib",
            load.library_peak,
            th.max_load_rss_mib,
        ),
        (
            "serve",
            "serve_peak_mib",
            load.serve_peak,
            th.max_serve_rss_mib,
        ),
    ] {
        match peak {
            Some(p) => {
                let mib = p as f64 / MIB;
                if mib > max {
                    failures.push(format!("{what}: peak RSS {mib:.0} MiB over {max} MiB"));
                }
                figures.insert(key.into(), json!(mib));
            }
            None => failures.push(format!("{what}: peak RSS not measured")),
        }
    }
    let summary = format!(
        "large image peak {} MiB, library load peak {} MiB, server peak {} MiB",
        figures
            .get("large_image")
            .and_then(|l| l["peak_mib"].as_f64())
            .map_or("?".into(), |v| format!("{v:.0}")),
        figures
            .get("library_load_peak_mib")
            .and_then(|v| v.as_f64())
            .map_or("?".into(), |v| format!("{v:.0}")),
        figures
            .get("serve_peak_mib")
            .and_then(|v| v.as_f64())
            .map_or("?".into(), |v| format!("{v:.0}")),
    );
    Check::new("memory", summary, failures, Value::Object(figures))
}

/// Check 6's figures: what ran.
fn platform(det: Option<&Detector>) -> Value {
    let read = |p: &str| std::fs::read_to_string(p).ok();
    let cpu = read("/proc/cpuinfo").and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("model name"))
            .and_then(|l| l.split(':').nth(1))
            .map(|s| s.trim().to_string())
    });
    let mem = read("/proc/meminfo").and_then(|s| {
        s.lines()
            .find(|l| l.starts_with("MemTotal:"))
            .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
    });
    let model = det.map(|d| match d.model() {
        Some(m) => json!({"id": m.id, "sha256": m.sha256}),
        None => json!("rules only (no model)"),
    });
    let runtime = stegodetect::model::runtime::loaded_path().map(|p| p.display().to_string());
    let rules_only = det.is_some_and(|d| d.model().is_none());
    json!({
        "os": format!("{} {} {}", std::env::consts::OS, std::env::consts::ARCH,
                      read("/proc/sys/kernel/osrelease").unwrap_or_default().trim()),
        "cpu": cpu,
        "logical_cpus": std::thread::available_parallelism().map_or(1, |n| n.get()),
        "memory_mib": mem.map(|k| k / 1024),
        "stegodetect": stegodetect::VERSION,
        "model": model,
        // a rules-only run has no runtime to record, which is itself a fact, not a gap
        "runtime": runtime.map(Value::from).or(rules_only.then(|| json!("none (rules only)"))),
    })
}
