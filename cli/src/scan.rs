//! `stegodetect scan`: streams files through the detector in parallel chunks (bounded memory, all
//! cores), prints one record per file in input order, and a summary.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::{json, Value};
use stegodetect::inputs::{walk, Input, WalkOptions};
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
    /// Follow symbolic links found in directories, with loop detection (the default; links
    /// given as arguments are always followed).
    #[arg(long, overrides_with = "no_follow_symlinks")]
    follow_symlinks: bool,
    /// Do not follow symbolic links found in directories: each is reported as skipped (and the
    /// exit code is 2), never dropped silently.
    #[arg(long)]
    no_follow_symlinks: bool,
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

/// Files scanned per parallel batch and per thread: results (payloads included) of one batch are
/// held until printed in input order, so this bounds memory while keeping every core busy.
const CHUNK_PER_THREAD: usize = 16;

/// Directory walk options from the command line.
fn walk_options(all_files: bool, no_follow_symlinks: bool) -> WalkOptions {
    WalkOptions {
        all_files,
        follow_symlinks: !no_follow_symlinks,
        recursive: true,
    }
}

fn scan_one(det: &Detector, input: &Input, max: u64) -> stegodetect::Result<ScanResult> {
    match input {
        Input::File(p) => det.scan_path(p),
        Input::Unreadable { path, error } => Err(stegodetect::Error::Io {
            path: format!("cannot read {}", path.display()),
            file: path.to_path_buf(),
            source: std::io::Error::other(error.clone()),
        }),
        Input::Skipped { .. } | Input::Ignored(_) => {
            unreachable!("skipped and ignored entries are never scanned")
        }
        Input::Stdin => {
            let mut buf = Vec::new();
            std::io::stdin()
                .take(max + 1)
                .read_to_end(&mut buf)
                .map_err(|e| stegodetect::Error::Io {
                    path: "cannot read -".into(),
                    file: "-".into(),
                    source: e,
                })?;
            det.scan_bytes(&buf)
        }
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
    let walk_opts = walk_options(a.all_files, a.no_follow_symlinks);
    let total: u64 = if show {
        walk(&a.paths, walk_opts)
            .filter(|i| !matches!(i, Input::Ignored(_)))
            .count() as u64
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
    let (mut files, mut stego, mut errors, mut skipped) = (0u64, 0u64, 0u64, 0u64);
    let ignored = std::cell::Cell::new(0u64);
    let recorder = stegodetect::metrics::Recorder::new();
    if let Some(p) = &a.metrics_log {
        let opts = stegodetect::metrics::log::LogOptions {
            max_bytes: a.metrics_log_max_bytes,
            ..Default::default()
        };
        recorder.set_log(Some(Arc::new(stegodetect::metrics::log::JsonlLog::open(
            p, opts,
        )?)));
    }
    let start = Instant::now();
    let mut it = walk(&a.paths, walk_opts)
        .filter(|i| {
            let keep = !matches!(i, Input::Ignored(_));
            ignored.set(ignored.get() + !keep as u64);
            keep
        })
        .peekable();
    let max = a.detector.max_file_size;
    if a.format == OutFormat::Json {
        writeln!(out, "[")?;
    }
    while it.peek().is_some() {
        let chunk: Vec<Input> = it
            .by_ref()
            .take(CHUNK_PER_THREAD * pool.current_num_threads())
            .collect();
        let scannable: Vec<&Input> = chunk
            .iter()
            .filter(|i| !matches!(i, Input::Skipped { .. }))
            .collect();
        let paths: Vec<&PathBuf> = scannable
            .iter()
            .filter_map(|i| match i {
                Input::File(p) => Some(p),
                _ => None,
            })
            .collect();
        let mut results = pool
            .install(|| {
                if paths.len() == scannable.len() {
                    // files only: batched model calls
                    det.scan_paths(&paths)
                } else {
                    scannable
                        .par_iter()
                        .map(|i| scan_one(&det, i, max))
                        .collect()
                }
            })
            .into_iter();
        bar.inc(chunk.len() as u64);
        for input in &chunk {
            let name = input.name();
            let line = if let Input::Skipped { reason, .. } = input {
                skipped += 1;
                match a.format {
                    OutFormat::Text => format!("{name}: SKIPPED ({reason})"),
                    _ if a.starlight_json => {
                        let e = stegodetect::Error::InvalidArgument(format!("skipped: {reason}"));
                        serde_json::to_string(&stegodetect::compat::starlight_record(
                            &name,
                            &Err(e),
                        ))?
                    }
                    _ => {
                        serde_json::to_string(&stegodetect::verdict::skipped_record(&name, reason))?
                    }
                }
            } else {
                let r = &results.next().expect("one result per scanned input");
                recorder.record(Some(&name), r).into_result()?;
                match r {
                    Ok(r) if r.is_stego => stego += 1,
                    Ok(_) => {}
                    Err(_) => errors += 1,
                }
                match a.format {
                    OutFormat::Text => text_line(&name, r),
                    _ if a.starlight_json => {
                        serde_json::to_string(&stegodetect::compat::starlight_record(&name, r))?
                    }
                    _ => serde_json::to_string(&stegodetect::verdict::record(
                        Some(&name),
                        r.as_ref(),
                    ))?,
                }
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
    let lat = &recorder.metrics().snapshot().latency["total"];
    let scanned = files - skipped;
    let ignored = match ignored.get() {
        0 => String::new(),
        n => format!(", {n} other files ignored (not image extensions; --all-files takes them)"),
    };
    let summary = format!(
        "{files} files: {stego} stego, {} clean, {errors} errors, {skipped} skipped{ignored} in {secs:.2} s ({:.1} images/s; per image p50 {:.2} ms, p95 {:.2} ms)",
        scanned - stego - errors,
        scanned as f64 / secs.max(1e-9),
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
    // anything not scanned (an error or a skipped entry) outranks a verdict: 0 means every
    // reachable input was scanned and found clean
    Ok(if errors > 0 || skipped > 0 {
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
    let mut it = walk(&a.paths, walk_options(a.all_files, false))
        .filter(|i| !matches!(i, Input::Ignored(_)))
        .peekable();
    let mut errors = 0;
    while it.peek().is_some() {
        let chunk: Vec<Input> = it.by_ref().take(64).collect();
        let rows: Vec<Value> = chunk
            .par_iter()
            .map(|i| match i {
                Input::Skipped { reason, .. } => {
                    json!({"path": i.name(), "features": null, "error": format!("skipped: {reason}")})
                }
                _ => match scan_one(&det, i, a.detector.max_file_size) {
                Ok(r) => {
                    json!({"path": i.name(), "features": extract(&r), "probability": r.probability,
                                "decided_by": r.decided_by,
                                "pixels": r.image.width as u64 * r.image.height as u64, "error": null})
                }
                Err(e) => json!({"path": i.name(), "features": null, "error": e.to_string()}),
                },
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
