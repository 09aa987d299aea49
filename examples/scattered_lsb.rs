//! Scattered (random-position) LSB replacement on never-compressed covers of at least 0.25 MP.
//!
//! ```text
//! cargo run --release --example scattered_lsb -- --bpp 0.05,0.1,0.2 [--lsb-rate-midpoint M] [--dump OUT] [--include-flat] DIR...
//! ```
//! Covers: 512x512 tiles (up to 4 per image) of lossless natural images where the structural
//! estimators apply, and of JPEG photos downscaled 4x by area averaging (which removes the JPEG
//! block structure, the usual way never-compressed test covers are made from camera output).
//! Stego: `bpp` x pixels random bits written at random sample positions of the R, G, B planes
//! (`embed::scatter_random`, each tile with its own key). Prints FPR and detection at the default threshold,
//! detection at the threshold that keeps FPR <= 1 % on these covers, the ROC AUC of `probability`,
//! the share of clean covers on the most common clean probability, and the estimator's rates.
//! `--include-flat` also keeps lossless covers the image profile calls flat (synthetic), where
//! the WS estimator does not apply.

use std::path::PathBuf;

use image::{ImageEncoder, RgbImage};
use rayon::prelude::*;
use stegodetect::embed::scatter_random;
use stegodetect::eval::{roc_auc, wilson};
use stegodetect::{Detector, Options};

const TILE: u32 = 512;

fn png(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

fn downscale4(img: &RgbImage) -> RgbImage {
    let (w, h) = (img.width() / 4, img.height() / 4);
    RgbImage::from_fn(w, h, |x, y| {
        let mut acc = [0u32; 3];
        for dy in 0..4 {
            for dx in 0..4 {
                let p = img.get_pixel(x * 4 + dx, y * 4 + dy).0;
                for c in 0..3 {
                    acc[c] += p[c] as u32;
                }
            }
        }
        image::Rgb(acc.map(|v| ((v + 8) / 16) as u8))
    })
}

fn tiles(img: &RgbImage) -> Vec<RgbImage> {
    let mut v = Vec::new();
    for ty in 0..img.height() / TILE {
        for tx in 0..img.width() / TILE {
            if v.len() < 4 {
                v.push(image::imageops::crop_imm(img, tx * TILE, ty * TILE, TILE, TILE).to_image());
            }
        }
    }
    v
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut rates, mut dirs, mut dump) = (vec![0.1f64], Vec::new(), None::<PathBuf>);
    let mut midpoint = stegodetect::options::DEFAULT_LSB_RATE_MIDPOINT;
    let mut include_flat = false;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--bpp" => {
                rates = args
                    .next()
                    .unwrap()
                    .split(',')
                    .map(|r| r.parse().unwrap())
                    .collect()
            }
            "--dump" => dump = args.next().map(PathBuf::from),
            "--include-flat" => include_flat = true,
            "--lsb-rate-midpoint" => midpoint = args.next().unwrap().parse().unwrap(),
            _ => dirs.push(PathBuf::from(a)),
        }
    }
    let det = Detector::new(Options {
        lsb_rate_midpoint: midpoint,
        ..Options::default()
    })
    .expect("default model (run `make setup`)");
    let rules = Detector::rules_only();
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| {
            std::fs::read_dir(d)
                .unwrap()
                .filter_map(|e| e.ok().map(|e| e.path()))
        })
        .collect();
    files.sort();
    let covers: Vec<(String, RgbImage)> = files
        .par_iter()
        .flat_map_iter(|p| {
            let bytes = std::fs::read(p).unwrap_or_default();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let Ok(r) = rules.scan_bytes(&bytes) else {
                return Vec::new();
            };
            if (r.image.width as u64 * r.image.height as u64) < 250_000
                || !matches!(r.image.mode, "RGB" | "RGBA")
            {
                return Vec::new();
            }
            let Ok(img) = image::load_from_memory(&bytes) else {
                return Vec::new();
            };
            let img = img.to_rgb8();
            let base = if r.profile.lossy {
                downscale4(&img)
            } else if r.profile.structural_applicable || include_flat {
                img
            } else {
                return Vec::new();
            };
            tiles(&base)
                .into_iter()
                .enumerate()
                .map(|(i, t)| (format!("{name}#{i}"), t))
                .collect()
        })
        .collect();
    println!(
        "{} covers of {TILE}x{TILE} ({} MP)",
        covers.len(),
        (TILE * TILE) as f64 / 1e6
    );
    if let Some(d) = &dump {
        std::fs::create_dir_all(d).unwrap();
        for (name, img) in &covers {
            std::fs::write(d.join(format!("{}.png", name.replace('#', "_"))), png(img)).unwrap();
        }
    }
    // per cover: clean probability, then per rate the stego probability; plus rule rates
    type Row = (f32, f32, Vec<(f32, f32)>);
    let rows: Vec<Row> = covers
        .par_iter()
        .enumerate()
        .map(|(ci, (_, img))| {
            let clean = det.scan_bytes(&png(img)).unwrap();
            let crate_rate = clean
                .structural
                .as_ref()
                .and_then(|s| s.rate)
                .unwrap_or(f32::NAN);
            let st = rates
                .iter()
                .map(|&b| {
                    let r = det
                        .scan_bytes(
                            &scatter_random(&png(img), b / 3.0, ci as u64 * 7919 + 1)
                                .unwrap()
                                .bytes,
                        )
                        .unwrap();
                    (
                        r.probability,
                        r.structural
                            .as_ref()
                            .and_then(|s| s.rate)
                            .unwrap_or(f32::NAN),
                    )
                })
                .collect();
            (clean.probability, crate_rate, st)
        })
        .collect();
    let n = rows.len() as u64;
    if n == 0 {
        eprintln!("no covers of at least {TILE}x{TILE} found: give the image folders themselves");
        std::process::exit(2);
    }
    let fp = rows.iter().filter(|r| r.0 > 0.5).count() as u64;
    let (lo, hi) = wilson(fp, n);
    println!(
        "clean flagged at 0.5: {fp}/{n} = {:.2} % [{:.2}, {:.2}]",
        100.0 * fp as f64 / n as f64,
        lo * 100.0,
        hi * 100.0
    );
    let mut clean_p: Vec<f32> = rows.iter().map(|r| r.0).collect();
    clean_p.sort_by(f32::total_cmp);
    // threshold keeping FPR <= 1 %: the clean probability below which 99 % of covers lie
    let k = ((n as f64) * 0.99).floor() as usize;
    let t1 = clean_p[k.min(clean_p.len() - 1)];
    // rate statistics over the covers where the structural statistic applies (NaN elsewhere)
    let pct = |v: &[f32], q: usize| v[(v.len() * q / 100).min(v.len().saturating_sub(1))];
    let mut clean_rates: Vec<f32> = rows.iter().map(|r| r.1).filter(|r| !r.is_nan()).collect();
    clean_rates.sort_by(f32::total_cmp);
    if clean_rates.is_empty() {
        clean_rates.push(f32::NAN);
    }
    println!(
        "clean rate estimates ({} covers with one): median {:.4}, 95th {:.4}, 99th {:.4}, max {:.4}; threshold for FPR <= 1 %: {t1:.4}",
        rows.iter().filter(|r| !r.1.is_nan()).count(),
        pct(&clean_rates, 50),
        pct(&clean_rates, 95),
        pct(&clean_rates, 99),
        pct(&clean_rates, 100)
    );
    // how often the most common clean probability occurs (a score that ranks has few ties)
    let most_common = clean_p
        .chunk_by(|a, b| a == b)
        .map(<[f32]>::len)
        .max()
        .unwrap_or(0);
    println!(
        "most common clean probability shared by {most_common}/{n} covers ({:.1} %)",
        100.0 * most_common as f64 / n as f64
    );
    for (i, b) in rates.iter().enumerate() {
        let stego_p: Vec<f32> = rows.iter().map(|r| r.2[i].0).collect();
        let auc = roc_auc(&stego_p, &clean_p).unwrap_or(f64::NAN);
        let det05 = rows.iter().filter(|r| r.2[i].0 > 0.5).count() as u64;
        let det1 = rows.iter().filter(|r| r.2[i].0 > t1).count() as u64;
        let mut sr: Vec<f32> = rows
            .iter()
            .map(|r| r.2[i].1)
            .filter(|r| !r.is_nan())
            .collect();
        sr.sort_by(f32::total_cmp);
        if sr.is_empty() {
            sr.push(f32::NAN);
        }
        let (lo, hi) = wilson(det05, n);
        println!(
            "  {b:.3} bpp: ROC AUC {auc:.4}; detected at 0.5 {det05}/{n} = {:.1} % [{:.1}, {:.1}]; at the FPR<=1 % threshold {det1}/{n} = {:.1} %; rate estimate median {:.4}, 5th pct {:.4}",
            100.0 * det05 as f64 / n as f64,
            lo * 100.0,
            hi * 100.0,
            100.0 * det1 as f64 / n as f64,
            pct(&sr, 50),
            pct(&sr, 5)
        );
    }
}
