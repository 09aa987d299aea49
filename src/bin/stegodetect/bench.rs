//! `stegodetect bench`: scan time against decode-only time (container walk + pixel decoding) of
//! the same files, and the model's share (scan with the model against the rules alone), all
//! interleaved in one run so machine noise hits every variant alike.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use serde_json::json;

use crate::{CmdResult, DetectorArgs};

#[derive(Args)]
pub struct BenchArgs {
    /// Image files or directories.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Rounds; each round times every variant over every file once.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    detector: DetectorArgs,
}

pub fn run(a: BenchArgs) -> CmdResult {
    let det = a.detector.detector()?;
    // the same options, only without a model, so the model's share is all that differs
    let rules = stegodetect::Detector::new(stegodetect::Options {
        model: stegodetect::ModelChoice::Rules,
        ..det.options().clone()
    })?;
    let mut files = Vec::new();
    // every regular file (the content decides), by the library's walk
    let walk = stegodetect::inputs::WalkOptions {
        all_files: true,
        ..Default::default()
    };
    for input in stegodetect::inputs::walk(&a.paths, walk) {
        if let stegodetect::inputs::Input::File(p) = input {
            let b = stegodetect::read_limited(&p, det.options().limits.max_file_bytes)?;
            // only files that scan without error take part
            if det.scan_bytes(&b).is_ok() {
                files.push(b);
            }
        }
    }
    if files.is_empty() {
        return Err("no decodable images to benchmark".into());
    }
    let with_model = det.model().is_some();
    // 0 decode only, 1 rules-only scan, 2 the full scan, 3 the full scan recorded in a metrics
    // registry (as the CLI summary, the service and the bindings do)
    let variants = 4;
    let metrics = stegodetect::metrics::Metrics::new();
    let mut times = vec![Vec::new(); variants];
    for round in 0..a.rounds.max(1) {
        // rotate the order of the variants to cancel warm-up and drift
        for k in 0..variants {
            let v = (round + k) % variants;
            let t = Instant::now();
            for b in &files {
                match v {
                    0 => drop(std::hint::black_box(det.decode(b)?)),
                    1 => drop(std::hint::black_box(rules.scan_bytes(b)?)),
                    2 => drop(std::hint::black_box(det.scan_bytes(b)?)),
                    _ => {
                        let r = det.scan_bytes(b);
                        std::hint::black_box(metrics.record(&r));
                        drop(std::hint::black_box(r?));
                    }
                }
            }
            times[v].push(t.elapsed().as_secs_f64());
        }
    }
    let med: Vec<f64> = times
        .iter_mut()
        .map(|v| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        })
        .collect();
    let n = files.len() as f64;
    let bytes: usize = files.iter().map(Vec::len).sum();
    let (d, r) = (med[0], med[1]);
    let m = if with_model { Some(med[2]) } else { None };
    let scan = med[2];
    let recorded = med[3];
    if a.json {
        println!(
            "{}",
            json!({"files": files.len(), "bytes": bytes, "rounds": a.rounds, "decode_s": d, "rules_scan_s": r,
                   "model_scan_s": m, "model": det.model().map(|i| i.id.clone()),
                   "decode_ms_per_image": d / n * 1e3, "scan_ms_per_image": scan / n * 1e3,
                   "ratio": scan / d, "model_overhead": m.map(|m| m / r),
                   "metrics_scan_s": recorded, "metrics_overhead": recorded / scan})
        );
    } else {
        println!(
            "{} files ({:.1} MB), {} rounds, single thread, medians:",
            files.len(),
            bytes as f64 / 1e6,
            a.rounds
        );
        println!(
            "  decode only:        {:.3} s ({:.3} ms/image)",
            d,
            d / n * 1e3
        );
        println!(
            "  scan, rules only:   {:.3} s ({:.3} ms/image)",
            r,
            r / n * 1e3
        );
        if let (Some(m), Some(info)) = (m, det.model()) {
            println!(
                "  scan with model:    {:.3} s ({:.3} ms/image), model {}",
                m,
                m / n * 1e3,
                info.id
            );
            println!(
                "  model adds {:.1} % to the rules-only scan",
                (m / r - 1.0) * 100.0
            );
        }
        println!(
            "  scan + metrics:     {:.3} s ({:.3} ms/image): metrics add {:.1} %",
            recorded,
            recorded / n * 1e3,
            (recorded / scan - 1.0) * 100.0
        );
        println!("  scan / decode = {:.2}x", scan / d);
    }
    Ok(0)
}
