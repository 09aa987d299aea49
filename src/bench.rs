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
    /// With [`run_with_inspect`]: the analyst's view of every image, inspected and rendered as
    /// its HTML page (`stegodetect inspect`), in seconds.
    pub inspect_s: Option<f64>,
    /// The page's time over the scan's (with the model): what an inspect view costs.
    pub inspect_over_scan: Option<f64>,
    /// The same comparison per format and size class (`png/icon`, `jpeg/large`, ...), for every
    /// group with an image in it: a mixed corpus's total hides the format or size that is slow.
    pub groups: Vec<BenchGroup>,
}

/// Decode-only against the full scan for one group of images (medians over rounds of the
/// group's summed times).
#[derive(Debug, Clone, Serialize)]
pub struct BenchGroup {
    /// `format/class`: format as [`crate::Format::as_str`], class `icon` (< 0.1 Mpx), `small`
    /// (< 1 Mpx) or `large` (>= 1 Mpx, first frame).
    pub group: String,
    /// Images in the group.
    pub files: usize,
    /// Decode-only time per image, milliseconds.
    pub decode_ms_per_image: f64,
    /// Full scan time per image, milliseconds.
    pub scan_ms_per_image: f64,
    /// Scan over decode-only time.
    pub ratio: f64,
}

/// Size class of an image of `pixels` (first frame): `icon`, `small` or `large`.
pub fn size_class(pixels: u64) -> &'static str {
    match pixels {
        p if p < 100_000 => "icon",
        p if p < 1_000_000 => "small",
        _ => "large",
    }
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

/// Time every variant over `images` for `rounds` rounds (at least one): the variants alternate
/// image by image, their order rotating with the image and the round, to cancel warm-up and drift.
pub fn run(det: &Detector, images: &[Vec<u8>], rounds: usize) -> Result<BenchReport> {
    single_thread(|| timed(det, images, rounds, false))
}

/// [`run`], also timing the inspect page of every image ([`crate::Detector::inspect`] and
/// [`crate::inspect::page::render`]) in the same interleaved rounds.
pub fn run_with_inspect(det: &Detector, images: &[Vec<u8>], rounds: usize) -> Result<BenchReport> {
    single_thread(|| timed(det, images, rounds, true))
}

fn single_thread(f: impl FnOnce() -> Result<BenchReport> + Send) -> Result<BenchReport> {
    // single thread: a scan splits one image's work across the rayon pool it runs in, and
    // decode-only does not
    rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| Error::Internal(format!("benchmark thread pool: {e}")))?
        .install(f)
}

fn timed(det: &Detector, images: &[Vec<u8>], rounds: usize, inspect: bool) -> Result<BenchReport> {
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
    // 0 decode only, 1 rules-only scan, 2 the full scan, 3 the full scan recorded in a registry,
    // 4 (when asked for) the inspect page
    let variants = if inspect { 5 } else { 4 };
    let metrics = crate::metrics::Metrics::new();
    // group of each image, from one decode outside the timing
    let mut group_of = Vec::with_capacity(images.len());
    for b in images {
        let (format, _, d) = det.decode(b)?;
        let px = d.frames.first().map_or(0, |f| f.pixels() as u64);
        group_of.push(format!("{}/{}", format.as_str(), size_class(px)));
    }
    let mut names: Vec<String> = group_of.clone();
    names.sort();
    names.dedup();
    let gi: Vec<usize> = group_of
        .iter()
        .map(|g| names.binary_search(g).unwrap())
        .collect();
    // times[variant][round], and per group: group_times[variant][group][round]
    let mut times = vec![Vec::new(); variants];
    let mut group_times = vec![vec![Vec::new(); names.len()]; variants];
    // Variants alternate image by image (their order rotating with the image and the round),
    // so that a machine whose speed drifts over seconds (other load, a virtual machine's
    // neighbours) slows every variant alike: the ratios stay comparable within a run.
    for round in 0..rounds {
        let mut total = vec![0.0f64; variants];
        let mut per_group = vec![vec![0.0f64; names.len()]; variants];
        for (i, (b, &g)) in images.iter().zip(&gi).enumerate() {
            for k in 0..variants {
                let v = (round + i + k) % variants;
                let ti = Instant::now();
                match v {
                    0 => drop(std::hint::black_box(det.decode(b)?)),
                    1 => drop(std::hint::black_box(rules.scan_bytes(b)?)),
                    2 => drop(std::hint::black_box(det.scan_bytes(b)?)),
                    3 => {
                        let r = det.scan_bytes(b);
                        std::hint::black_box(metrics.record(&r));
                        drop(std::hint::black_box(r?));
                    }
                    _ => {
                        let i = det.inspect(b)?;
                        drop(std::hint::black_box(crate::inspect::page::render(
                            &i, "bench",
                        )?));
                    }
                }
                let t = ti.elapsed().as_secs_f64();
                total[v] += t;
                per_group[v][g] += t;
            }
        }
        for v in 0..variants {
            times[v].push(total[v]);
            for (g, t) in per_group[v].iter().enumerate() {
                group_times[v][g].push(*t);
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let med: Vec<f64> = times.iter_mut().map(median).collect();
    let groups = names
        .iter()
        .enumerate()
        .map(|(g, name)| {
            let files = gi.iter().filter(|&&x| x == g).count();
            let decode = median(&mut group_times[0][g]);
            let scan = median(&mut group_times[2][g]);
            BenchGroup {
                group: name.clone(),
                files,
                decode_ms_per_image: decode / files as f64 * 1e3,
                scan_ms_per_image: scan / files as f64 * 1e3,
                ratio: scan / decode,
            }
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
        inspect_s: med.get(4).copied(),
        inspect_over_scan: med.get(4).map(|t| t / scan),
        groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_classes_split_at_a_tenth_and_one_megapixel() {
        assert_eq!(size_class(99_999), "icon");
        assert_eq!(size_class(100_000), "small");
        assert_eq!(size_class(999_999), "small");
        assert_eq!(size_class(1_000_000), "large");
    }

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
        assert!(r.inspect_s.is_none() && r.inspect_over_scan.is_none());
        let with = run_with_inspect(&det, &images, 1).unwrap();
        assert!(with.inspect_s.is_some_and(|t| t > 0.0) && with.inspect_over_scan.is_some());
        let groups: Vec<(&str, usize)> = r
            .groups
            .iter()
            .map(|g| (g.group.as_str(), g.files))
            .collect();
        assert_eq!(groups, [("gif/icon", 1), ("png/icon", 1)]);
        assert!(r
            .groups
            .iter()
            .all(|g| g.decode_ms_per_image > 0.0 && g.ratio > 0.0));
        assert_eq!(
            run(&det, &[], 3).unwrap_err().kind(),
            crate::ErrorKind::InvalidArgument
        );
    }
}
