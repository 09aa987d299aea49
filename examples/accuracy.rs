//! Accuracy of detection and extraction on stego made by `embed` from clean covers.
//!
//! ```text
//! cargo run --release --example accuracy -- --seeds ../shared/data/starlight-sample/seeds \
//!     --per-dir 400 ../shared/data/starlight-sample/clean data/corpus/*
//! ```
//! For every cover (up to `--per-dir` per directory, spread over the directory), every method the
//! cover can carry, and two payload configurations (size from 16 bytes to the whole seed text, both
//! bit orders, Starlight quirks on and off), the stego image is generated in memory, scanned and
//! checked: detected with the right method, and payload recovered byte-exact. Prints counts per
//! method, format and size band with Wilson 95 % intervals.
//!
//! With `--random-lsb 0.1,0.2,0.4` it measures scattered LSB replacement instead (a random
//! fraction of the RGB samples of every lossless 8-bit colour cover gets a random LSB), which only
//! the structural estimators can see, next to the false-positive rate on the same covers.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;
use stegodetect::embed::{embed, EmbedOptions};
use stegodetect::eval::wilson;
use stegodetect::{BitOrder, Detector, Format, Method};

#[derive(Default, Clone, Copy)]
struct Tally {
    n: u64,
    detected: u64,
    method_ok: u64,
    exact: u64,
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut seeds_dir, mut per_dir, mut dirs) = (None, 400usize, Vec::new());
    let mut random_rates: Vec<f64> = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seeds" => seeds_dir = args.next().map(PathBuf::from),
            "--per-dir" => {
                per_dir = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--per-dir N")
            }
            "--random-lsb" => {
                let list = args.next().expect("--random-lsb R,R");
                random_rates = list.split(',').map(|r| r.parse().expect("rate")).collect();
            }
            _ => dirs.push(PathBuf::from(a)),
        }
    }
    if !random_rates.is_empty() {
        return random_lsb(&dirs, per_dir, &random_rates);
    }
    let seeds_dir = seeds_dir.expect("--seeds DIR");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&seeds_dir)
        .expect("seeds dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    seeds.sort();
    let covers = list_covers(&dirs, per_dir);
    let det =
        Detector::new(stegodetect::Options::default()).expect("default model (run `make setup`)");
    let rows: Vec<(String, String, String, String, Tally, Option<String>)> = covers
        .par_iter()
        .enumerate()
        .flat_map_iter(|(ci, path)| {
            let cover = std::fs::read(path).unwrap_or_default();
            let Some(fmt) = Format::sniff(&cover) else {
                return Vec::new();
            };
            let Ok(base) = det.scan_bytes(&cover) else {
                return Vec::new();
            };
            let mut out = Vec::new();
            for m in Method::STARLIGHT {
                if m == Method::Exif && !matches!(fmt, Format::Jpeg | Format::Png | Format::WebP) {
                    continue;
                }
                if m == Method::Palette && base.image.mode != "P" {
                    continue;
                }
                for cfg in 0..2usize {
                    let k = ci * 7 + cfg * 3 + m.id() as usize;
                    let seed = &seeds[k % seeds.len()];
                    let sizes = [16usize, 24, 32, 64, 128, 256, usize::MAX];
                    let mut size = sizes[(k / 2) % sizes.len()].min(seed.len());
                    while std::str::from_utf8(&seed[..size]).is_err() {
                        size -= 1;
                    }
                    let payload = &seed[..size];
                    let opts = EmbedOptions {
                        method: m,
                        bit_order: if (ci + cfg) % 2 == 0 {
                            BitOrder::MsbFirst
                        } else {
                            BitOrder::LsbFirst
                        },
                        starlight_quirks: cfg == 1,
                        output_format: None,
                        scatter_key: None,
                    };
                    let Ok(st) = embed(&cover, payload, &opts) else {
                        continue;
                    };
                    let px = base.image.width as u64 * base.image.height as u64;
                    let cover_band = match px {
                        0..=65_535 => "< 256x256",
                        65_536..=1_048_575 => "< 1 MP",
                        _ => ">= 1 MP",
                    };
                    let band = match size {
                        0..=31 => "16-31 B",
                        32..=127 => "32-127 B",
                        _ => ">=128 B",
                    };
                    let mut t = Tally {
                        n: 1,
                        ..Default::default()
                    };
                    let mut miss = None;
                    match det.scan_bytes(&st.bytes) {
                        Ok(r) => {
                            t.detected = r.is_stego as u64;
                            t.method_ok = (r.is_stego && r.method == Some(m)) as u64;
                            t.exact = r
                                .payloads
                                .iter()
                                .any(|p| p.method == m && p.bytes == payload)
                                as u64;
                            if t.method_ok == 0 || t.exact == 0 {
                                miss = Some(format!(
                                    "{} {m} {:?} {size}B quirks={} -> {:?} p={:.2} {}",
                                    path.display(),
                                    opts.bit_order,
                                    opts.starlight_quirks,
                                    r.method,
                                    r.probability,
                                    r.findings
                                        .first()
                                        .map(|f| f.detail.clone())
                                        .unwrap_or_default()
                                ));
                            }
                        }
                        Err(e) => miss = Some(format!("{} {m}: scan error {e}", path.display())),
                    }
                    out.push((
                        m.name().to_string(),
                        st.format.to_string(),
                        band.to_string(),
                        cover_band.to_string(),
                        t,
                        miss,
                    ));
                }
            }
            out
        })
        .collect();
    let mut by: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for (m, f, b, c, t, _) in &rows {
        for key in [
            (m.clone(), "all".to_string()),
            (m.clone(), format!("cover {c}")),
            (m.clone(), format!("fmt {f}")),
            (m.clone(), format!("size {b}")),
        ] {
            let e = by.entry(key).or_default();
            e.n += t.n;
            e.detected += t.detected;
            e.method_ok += t.method_ok;
            e.exact += t.exact;
        }
    }
    println!("covers: {}, stego images: {}", covers.len(), rows.len());
    println!(
        "{:<8} {:<14} {:>6} {:>22} {:>22} {:>22}",
        "method", "group", "n", "detected", "right method", "exact extraction"
    );
    for ((m, g), t) in &by {
        let f = |k| {
            let (lo, hi) = wilson(k, t.n);
            format!(
                "{:6.2}% [{:5.1},{:5.1}]",
                100.0 * k as f64 / t.n as f64,
                lo * 100.0,
                hi * 100.0
            )
        };
        println!(
            "{m:<8} {g:<14} {:>6} {:>22} {:>22} {:>22}",
            t.n,
            f(t.detected),
            f(t.method_ok),
            f(t.exact)
        );
    }
    let misses: Vec<_> = rows.iter().filter_map(|r| r.5.as_ref()).collect();
    println!("misses ({}):", misses.len());
    for m in misses.iter().take(40) {
        println!("  {m}");
    }
}

fn random_lsb(dirs: &[PathBuf], per_dir: usize, rates: &[f64]) {
    let det =
        Detector::new(stegodetect::Options::default()).expect("default model (run `make setup`)");
    let covers = list_covers(dirs, per_dir);
    // (applicable, clean flagged, [detected per rate])
    let rows: Vec<(bool, bool, Vec<bool>)> = covers
        .par_iter()
        .enumerate()
        .filter_map(|(ci, path)| {
            let bytes = std::fs::read(path).ok()?;
            let r = det.scan_bytes(&bytes).ok()?;
            let lossless_colour = matches!(r.image.mode, "RGB" | "RGBA")
                && r.image.bit_depth == 8
                && !r.profile.lossy;
            if !lossless_colour || r.image.width * r.image.height < 64 * 64 {
                return None;
            }
            let detected = rates
                .iter()
                .enumerate()
                .map(|(k, &rate)| {
                    let key = (ci as u64 + 1) * 0x9E37_79B9_7F4A_7C15 + k as u64;
                    let out = stegodetect::embed::scatter_random(&bytes, rate, key)
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    det.scan_bytes(&out.bytes)
                        .map(|r| r.is_stego && r.method == Some(Method::LsbRgb))
                        .unwrap_or(false)
                })
                .collect();
            Some((r.profile.structural_applicable, r.is_stego, detected))
        })
        .collect();
    for (label, pick) in [("structural applies", true), ("structural skipped", false)] {
        let sel: Vec<_> = rows.iter().filter(|r| r.0 == pick).collect();
        let n = sel.len() as u64;
        let fp = sel.iter().filter(|r| r.1).count() as u64;
        let (lo, hi) = wilson(fp, n);
        println!(
            "{label}: {n} lossless colour covers, clean flagged {fp} ({:.2} % [{:.2}, {:.2}])",
            100.0 * fp as f64 / n.max(1) as f64,
            lo * 100.0,
            hi * 100.0
        );
        for (i, rate) in rates.iter().enumerate() {
            let k = sel.iter().filter(|r| r.2[i]).count() as u64;
            let (lo, hi) = wilson(k, n);
            println!("  rate {rate:.2} (replaced fraction of RGB samples): detected {k}/{n} = {:.2} % [{:.1}, {:.1}]", 100.0 * k as f64 / n.max(1) as f64, lo * 100.0, hi * 100.0);
        }
    }
}

/// Up to `per_dir` files of each directory, spread evenly over its sorted listing.
fn list_covers(dirs: &[PathBuf], per_dir: usize) -> Vec<PathBuf> {
    let mut covers = Vec::new();
    for d in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(d)
            .expect("cover dir")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .collect();
        files.sort();
        let step = (files.len() / per_dir).max(1);
        covers.extend(files.into_iter().step_by(step).take(per_dir));
    }
    covers
}
