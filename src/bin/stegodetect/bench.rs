//! `stegodetect bench`: scan time against decode-only time (container walk + pixel decoding) of
//! the same files, interleaved in one run so machine noise hits both alike.

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
    /// Rounds; each round times decode-only and scan over every file once.
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
    let mut files = Vec::new();
    for p in &a.paths {
        for e in walkdir::WalkDir::new(p).sort_by_file_name() {
            let e = e?;
            if e.file_type().is_file() {
                let b = std::fs::read(e.path())?;
                // only files that scan without error take part
                if det.scan_bytes(&b).is_ok() {
                    files.push(b);
                }
            }
        }
    }
    if files.is_empty() {
        return Err("no decodable images to benchmark".into());
    }
    let (mut dec, mut scan) = (Vec::new(), Vec::new());
    for round in 0..a.rounds.max(1) {
        // alternate which runs first to cancel warm-up and drift
        for pass in 0..2 {
            let decode_first = (round + pass) % 2 == 0;
            let t = Instant::now();
            for b in &files {
                if decode_first {
                    std::hint::black_box(det.decode(b)?);
                } else {
                    std::hint::black_box(det.scan_bytes(b)?);
                }
            }
            let s = t.elapsed().as_secs_f64();
            if decode_first {
                dec.push(s)
            } else {
                scan.push(s)
            }
        }
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (d, s) = (med(&mut dec), med(&mut scan));
    let n = files.len() as f64;
    let bytes: usize = files.iter().map(Vec::len).sum();
    if a.json {
        println!(
            "{}",
            json!({"files": files.len(), "bytes": bytes, "rounds": a.rounds, "decode_s": d, "scan_s": s,
                   "decode_ms_per_image": d / n * 1e3, "scan_ms_per_image": s / n * 1e3, "ratio": s / d})
        );
    } else {
        println!(
            "{} files ({:.1} MB), {} rounds, single thread, medians:",
            files.len(),
            bytes as f64 / 1e6,
            a.rounds
        );
        println!("  decode only: {:.3} s ({:.3} ms/image)", d, d / n * 1e3);
        println!("  full scan:   {:.3} s ({:.3} ms/image)", s, s / n * 1e3);
        println!("  scan / decode = {:.2}x", s / d);
    }
    Ok(0)
}
