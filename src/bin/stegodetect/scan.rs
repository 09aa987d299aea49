//! `stegodetect scan`: streams files through the detector in parallel chunks (bounded memory, all
//! cores), prints one record per file in input order, and a summary.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::{json, Value};
use stegodetect::{Detector, ScanResult};

use crate::{CmdResult, DetectorArgs};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutFormat {
    Text,
    Json,
    Jsonl,
}

#[derive(Args)]
pub struct ScanArgs {
    /// Files or directories (searched recursively); `-` reads stdin.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    format: OutFormat,
    /// Parallel scans (default: number of cores).
    #[arg(short, long)]
    jobs: Option<usize>,
    /// In directories, scan every file (sniffed by content), not only image extensions.
    #[arg(long)]
    all_files: bool,
    /// Never show the progress bar.
    #[arg(long)]
    no_progress: bool,
    /// Print Starlight's scanner result shape (a JSON array of `file_path`, `is_stego`,
    /// `stego_probability`, `method_id`, `stego_type`, `confidence`, `extracted_message`,
    /// `image_format`, `bit_order`, or `error`) so existing consumers keep working.
    #[arg(long, conflicts_with = "format")]
    starlight_json: bool,
    /// Append one JSONL record per scan (errors included) to this metrics log; rotated by size.
    /// Fields: see `stegodetect::metrics::log`.
    #[arg(long)]
    metrics_log: Option<PathBuf>,
    /// Rotate the metrics log before it would pass this many bytes.
    #[arg(long, default_value_t = stegodetect::metrics::log::LogOptions::default().max_bytes)]
    metrics_log_max_bytes: u64,
    #[command(flatten)]
    detector: DetectorArgs,
}

const IMAGE_EXT: &[&str] = &["png", "jpg", "jpeg", "gif", "bmp", "webp"];
/// Files scanned per parallel batch and per thread: results (payloads included) of one batch are
/// held until printed in input order, so this bounds memory while keeping every core busy.
const CHUNK_PER_THREAD: usize = 16;

enum Input {
    File(PathBuf),
    Stdin,
    /// A directory entry that could not be read: reported as an error record, never skipped.
    Unreadable(PathBuf, String),
}

impl Input {
    fn name(&self) -> String {
        match self {
            Input::File(p) | Input::Unreadable(p, _) => p.display().to_string(),
            Input::Stdin => "-".into(),
        }
    }
}

/// Inputs in a stable order: arguments as given, directory entries sorted by name.
fn inputs<'a>(paths: &'a [PathBuf], all_files: bool) -> impl Iterator<Item = Input> + 'a {
    paths
        .iter()
        .flat_map(move |p| -> Box<dyn Iterator<Item = Input>> {
            if p.as_os_str() == "-" {
                Box::new(std::iter::once(Input::Stdin))
            } else if p.is_dir() {
                Box::new(
                    walkdir::WalkDir::new(p)
                        .sort_by_file_name()
                        .into_iter()
                        .filter_map(move |e| match e {
                            Ok(e) if e.file_type().is_file() => {
                                let f = e.into_path();
                                (all_files || has_image_ext(&f)).then_some(Input::File(f))
                            }
                            Ok(_) => None,
                            // unreadable directory entries become error records, not silence
                            Err(e) => Some(Input::Unreadable(
                                e.path().map(Path::to_path_buf).unwrap_or_default(),
                                e.to_string(),
                            )),
                        }),
                )
            } else {
                Box::new(std::iter::once(Input::File(p.clone())))
            }
        })
}

fn has_image_ext(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXT.contains(&e.to_ascii_lowercase().as_str()))
}

fn scan_one(det: &Detector, input: &Input, max: u64) -> stegodetect::Result<ScanResult> {
    match input {
        Input::File(p) => det.scan_path(p),
        Input::Unreadable(p, msg) => Err(stegodetect::Error::Io {
            path: format!("cannot read {}", p.display().to_string()),
            source: std::io::Error::other(msg.clone()),
        }),
        Input::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin()
                .take(max + 1)
                .read_to_end(&mut buf)
                .map_err(|e| stegodetect::Error::Io {
                    path: "cannot read -".into(),
                    source: e,
                })?;
            det.scan_bytes(&buf)
        }
    }
}

/// The JSON record of one file: the fields every consumer relies on first, then the details.
pub fn record(path: &str, r: &stegodetect::Result<ScanResult>) -> Value {
    match r {
        Ok(res) => {
            let mut v = serde_json::to_value(res).expect("scan results serialise");
            let obj = v.as_object_mut().unwrap();
            let mut out = serde_json::Map::new();
            out.insert("path".into(), json!(path));
            for k in ["is_stego", "probability", "method", "method_id", "payload"] {
                out.insert(k.into(), obj.remove(k).unwrap_or(Value::Null));
            }
            out.insert("error".into(), Value::Null);
            out.extend(std::mem::take(obj));
            Value::Object(out)
        }
        Err(e) => json!({
            "path": path, "is_stego": null, "probability": null, "method": null, "method_id": null,
            "payload": null, "error": e.to_string(), "error_kind": e.kind().as_str(),
        }),
    }
}

fn text_line(path: &str, r: &stegodetect::Result<ScanResult>) -> String {
    match r {
        Err(e) => format!("{path}: ERROR ({}) {e}", e.kind()),
        Ok(r) if r.is_stego => {
            let m = r.method.map(|m| m.name()).unwrap_or("?");
            let mut s = format!("{path}: STEGO {m} (p={:.3})", r.probability);
            if let Some(p) = &r.payload {
                let preview = p.text().map(|t| {
                    let t: String = t
                        .chars()
                        .take(60)
                        .map(|c| if c.is_control() { ' ' } else { c })
                        .collect();
                    format!(" \"{t}\"")
                });
                s += &format!(
                    " payload {} bytes in {}{}",
                    p.bytes.len(),
                    p.channel,
                    preview.unwrap_or_default()
                );
            }
            if let Some(f) = r.findings.first() {
                s += &format!("\n    {}", f.detail);
            }
            s
        }
        Ok(r) => format!("{path}: clean (p={:.3})", r.probability),
    }
}

pub fn run(a: ScanArgs) -> CmdResult {
    let mut a = a;
    if a.starlight_json {
        a.format = OutFormat::Json;
    }
    let det = a.detector.detector()?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.jobs.unwrap_or(0))
        .build()?;
    let show = !a.no_progress && std::io::stderr().is_terminal();
    let total: u64 = if show {
        inputs(&a.paths, a.all_files).count() as u64
    } else {
        0
    };
    let bar = if show && total > 1 {
        let b = ProgressBar::new(total);
        b.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} files, {per_sec}, eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut files, mut stego, mut errors) = (0u64, 0u64, 0u64);
    let metrics = stegodetect::metrics::Metrics::new();
    let log = a
        .metrics_log
        .as_ref()
        .map(|p| {
            stegodetect::metrics::log::JsonlLog::open(
                p,
                stegodetect::metrics::log::LogOptions {
                    max_bytes: a.metrics_log_max_bytes,
                    ..Default::default()
                },
            )
        })
        .transpose()?;
    let start = Instant::now();
    let mut it = inputs(&a.paths, a.all_files).peekable();
    let max = a.detector.max_file_size;
    if a.format == OutFormat::Json {
        writeln!(out, "[")?;
    }
    while it.peek().is_some() {
        let chunk: Vec<Input> = it
            .by_ref()
            .take(CHUNK_PER_THREAD * pool.current_num_threads())
            .collect();
        let paths: Vec<&PathBuf> = chunk
            .iter()
            .filter_map(|i| match i {
                Input::File(p) => Some(p),
                Input::Stdin | Input::Unreadable(..) => None,
            })
            .collect();
        let results: Vec<_> = pool.install(|| {
            if paths.len() == chunk.len() {
                // files only: batched model calls
                det.scan_paths(&paths)
            } else {
                chunk.par_iter().map(|i| scan_one(&det, i, max)).collect()
            }
        });
        bar.inc(chunk.len() as u64);
        for (input, r) in chunk.iter().zip(&results) {
            let name = input.name();
            let scan_id = metrics.record(r);
            if let Some(log) = &log {
                log.append(&stegodetect::metrics::log::scan_record(
                    Some(&name),
                    scan_id,
                    r,
                ))?;
            }
            match r {
                Ok(r) if r.is_stego => stego += 1,
                Ok(_) => {}
                Err(_) => errors += 1,
            }
            let line = match a.format {
                OutFormat::Text => text_line(&name, r),
                _ if a.starlight_json => {
                    serde_json::to_string(&stegodetect::compat::starlight_record(&name, r))?
                }
                _ => serde_json::to_string(&record(&name, r))?,
            };
            if a.format == OutFormat::Json && files > 0 {
                writeln!(out, ",")?;
            }
            if a.format == OutFormat::Json {
                write!(out, "{line}")?;
            } else {
                writeln!(out, "{line}")?;
            }
            files += 1;
        }
        out.flush()?;
    }
    if a.format == OutFormat::Json {
        writeln!(out, "\n]")?;
    }
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    let lat = &metrics.snapshot().latency["total"];
    let summary = format!(
        "{files} files: {stego} stego, {} clean, {errors} errors in {secs:.2} s ({:.1} images/s; per image p50 {:.2} ms, p95 {:.2} ms)",
        files - stego - errors,
        files as f64 / secs.max(1e-9),
        lat.p50_us as f64 / 1e3,
        lat.p95_us as f64 / 1e3
    );
    if a.format == OutFormat::Text {
        writeln!(out, "{summary}")?;
    } else {
        out.flush()?;
        eprintln!("{summary}");
    }
    out.flush()?;
    Ok(if errors > 0 {
        2
    } else if stego > 0 {
        1
    } else {
        0
    })
}

#[derive(Args)]
pub struct FeaturesArgs {
    /// Files or directories (searched recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// In directories, take every file, not only image extensions.
    #[arg(long)]
    all_files: bool,
    #[command(flatten)]
    detector: DetectorArgs,
}

/// One JSONL record per file: the feature vector and, when a model is given, its probability.
pub fn features(a: FeaturesArgs) -> CmdResult {
    use stegodetect::model::features::{extract, FEATURES_VERSION, FEATURE_NAMES};
    let det = a.detector.detector()?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    writeln!(
        out,
        "{}",
        json!({"features_version": FEATURES_VERSION, "names": FEATURE_NAMES})
    )?;
    let mut it = inputs(&a.paths, a.all_files).peekable();
    let mut errors = 0;
    while it.peek().is_some() {
        let chunk: Vec<Input> = it.by_ref().take(64).collect();
        let rows: Vec<Value> = chunk
            .par_iter()
            .map(|i| match scan_one(&det, i, a.detector.max_file_size) {
                Ok(r) => {
                    json!({"path": i.name(), "features": extract(&r), "probability": r.probability,
                                "decided_by": r.decided_by, "error": null})
                }
                Err(e) => json!({"path": i.name(), "features": null, "error": e.to_string()}),
            })
            .collect();
        for r in rows {
            errors += r["error"].is_string() as u32;
            writeln!(out, "{r}")?;
        }
    }
    out.flush()?;
    Ok(if errors > 0 { 2 } else { 0 })
}
