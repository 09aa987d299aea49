//! `stegodetect bench`: prints `stegodetect::bench` (scan time against decode-only time of the
//! same files, the model's and the metrics' shares, one interleaved run).

use std::path::PathBuf;

use clap::Args;
use stegodetect::bench;

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
    /// Also time the inspect page of every image (`stegodetect inspect`) against its scan.
    #[arg(long)]
    inspect: bool,
    #[command(flatten)]
    detector: DetectorArgs,
}

pub fn run(a: BenchArgs) -> CmdResult {
    let det = a.detector.detector()?;
    let images = bench::load_images(&det, &a.paths)?;
    let r = if a.inspect {
        bench::run_with_inspect(&det, &images, a.rounds)?
    } else {
        bench::run(&det, &images, a.rounds)?
    };
    if a.json {
        println!("{}", serde_json::to_string(&r)?);
        return Ok(0);
    }
    let n = r.files as f64;
    println!(
        "{} files ({:.1} MB), {} rounds, single thread, medians:",
        r.files,
        r.bytes as f64 / 1e6,
        r.rounds
    );
    println!(
        "  decode only:        {:.3} s ({:.3} ms/image)",
        r.decode_s, r.decode_ms_per_image
    );
    println!(
        "  scan, rules only:   {:.3} s ({:.3} ms/image)",
        r.rules_scan_s,
        r.rules_scan_s / n * 1e3
    );
    if let (Some(m), Some(id), Some(o)) = (r.model_scan_s, &r.model, r.model_overhead) {
        println!(
            "  scan with model:    {:.3} s ({:.3} ms/image), model {id}",
            m,
            m / n * 1e3
        );
        println!(
            "  model adds {:.1} % to the rules-only scan",
            (o - 1.0) * 100.0
        );
    }
    println!(
        "  scan + metrics:     {:.3} s ({:.3} ms/image): metrics add {:.1} %",
        r.metrics_scan_s,
        r.metrics_scan_s / n * 1e3,
        (r.metrics_overhead - 1.0) * 100.0
    );
    println!("  scan / decode = {:.2}x", r.ratio);
    if let (Some(t), Some(x)) = (r.inspect_s, r.inspect_over_scan) {
        println!(
            "  inspect page:       {:.3} s ({:.3} ms/image): {x:.2}x the scan",
            t,
            t / n * 1e3
        );
    }
    println!("  per format and size class (icon < 0.1 Mpx, small < 1 Mpx, large):");
    println!(
        "    {:<14} {:>6} {:>12} {:>12} {:>8}",
        "group", "files", "decode ms", "scan ms", "ratio"
    );
    for g in &r.groups {
        println!(
            "    {:<14} {:>6} {:>12.3} {:>12.3} {:>7.2}x",
            g.group, g.files, g.decode_ms_per_image, g.scan_ms_per_image, g.ratio
        );
    }
    Ok(0)
}
