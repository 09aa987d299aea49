//! Scan time against decode-only time (container walk + pixel decoding) of the same images, and the
//! shares of the model (scan with the model against the rules alone) and of metrics recording,
//! all interleaved in one run so machine noise hits every variant alike. Single thread, medians
//! over rounds. `stegodetect bench` prints it.

use std::path::Path;
use std::time::Instant;

use serde::Serialize;

use crate::detector::{read_limited, Detector};
use crate::error::{Error, Result};
use crate::inputs::{walk, Input, WalkOptions};
use crate::options::{ModelChoice, Options};

/// One benchmark run (times in seconds are medians over the rounds, for all images).
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// Images timed.
    pub files: usize,
    /// Their bytes.
    pub bytes: usize,
    /// Rounds run.
    pub rounds: usize,
    /// Container walk and pixel decoding only.
    pub decode_s: f64,
    /// The scan with the rules alone.
    pub rules_scan_s: f64,
    /// The scan with the detector's model (`None` for a rules-only detector).
    pub model_scan_s: Option<f64>,
    /// The model's id.
    pub model: Option<String>,
    /// Decode-only time per image, milliseconds.
    pub decode_ms_per_image: f64,
    /// Scan time per image, milliseconds.
    pub scan_ms_per_image: f64,
    /// Scan over decode-only time.
    pub ratio: f64,
    /// The scan with the model over the rules alone.
    pub model_overhead: Option<f64>,
    /// The scan recorded in a metrics registry (as the CLI, the service and the bindings do).
    pub metrics_scan_s: f64,
    /// Recorded scan over the plain scan.
    pub metrics_overhead: f64,
}

/// The images under `paths` that `det` scans without error (every regular file, the content
/// decides the format; the library's walk), read into memory.
pub fn load_images<P: AsRef<Path>>(det: &Detector, paths: &[P]) -> Result<Vec<Vec<u8>>> {
    let roots: Vec<std::path::PathBuf> = paths.iter().map(|p| p.as_ref().to_path_buf()).collect();
    let opts = WalkOptions {
        all_files: true,
        ..Default::default()
    };
    let mut files = Vec::new();
    for input in walk(&roots, opts) {
        if let Input::File(p) = input {
            let b = read_limited(&p, det.options().limits.max_file_bytes)?;
            if det.scan_bytes(&b).is_ok() {
                files.push(b);
            }
        }
    }
    Ok(files)
}

/// Time every variant over `images` for `rounds` rounds (at least one), rotating the order of
/// the variants each round to cancel warm-up and drift.
pub fn run(det: &Detector, images: &[Vec<u8>], rounds: usize) -> Result<BenchReport> {
    if images.is_empty() {
        return Err(Error::InvalidArgument(
            "no decodable images to benchmark".into(),
        ));
    }
    // the same options, only without a model, so the model's share is all that differs
    let rules = Detector::new(Options {
        model: ModelChoice::Rules,
        ..det.options().clone()
    })?;
    let rounds = rounds.max(1);
    // 0 decode only, 1 rules-only scan, 2 the full scan, 3 the full scan recorded in a registry
    const VARIANTS: usize = 4;
    let metrics = crate::metrics::Metrics::new();
    let mut times = vec![Vec::new(); VARIANTS];
    for round in 0..rounds {
        for k in 0..VARIANTS {
            let v = (round + k) % VARIANTS;
            let t = Instant::now();
            for b in images {
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
    let n = images.len() as f64;
    let (decode, rules_scan, scan, recorded) = (med[0], med[1], med[2], med[3]);
    let with_model = det.model().is_some();
    Ok(BenchReport {
        files: images.len(),
        bytes: images.iter().map(Vec::len).sum(),
        rounds,
        decode_s: decode,
        rules_scan_s: rules_scan,
        model_scan_s: with_model.then_some(scan),
        model: det.model().map(|i| i.id.clone()),
        decode_ms_per_image: decode / n * 1e3,
        scan_ms_per_image: scan / n * 1e3,
        ratio: scan / decode,
        model_overhead: with_model.then_some(scan / rules_scan),
        metrics_scan_s: recorded,
        metrics_overhead: recorded / scan,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rules_only_run_times_every_variant_and_refuses_nothing_to_time() {
        let det = Detector::rules_only();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clean");
        let images = load_images(&det, &[dir.join("rgb.png"), dir.join("static.gif")]).unwrap();
        assert_eq!(images.len(), 2);
        let r = run(&det, &images, 1).unwrap();
        assert_eq!((r.files, r.rounds), (2, 1));
        assert!(r.model.is_none() && r.model_scan_s.is_none() && r.model_overhead.is_none());
        assert!(r.decode_s > 0.0 && r.ratio > 0.0 && r.metrics_overhead > 0.0);
        assert_eq!(
            run(&det, &[], 3).unwrap_err().kind(),
            crate::ErrorKind::InvalidArgument
        );
    }
}
