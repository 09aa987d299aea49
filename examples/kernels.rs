//! Where a scan's analysis time goes: each pixel analysis timed alone on the same decoded first
//! frame, single-threaded, medians of `--rounds` per image, mean per image over all files.
//!
//! ```text
//! cargo run --release --example kernels -- [--rounds 5] [--each] PATH...
//! ```
//! A profiling aid for issue 18 (scan at the speed of decoding): the per-analysis split that a
//! perf profile gives only in shares, in milliseconds, next to decoding.

use std::path::PathBuf;
use std::time::Instant;

use stegodetect::analysis::{alpha, pairs, palette, pixels, profile, sequential, structural};
use stegodetect::container::{self, Format};
use stegodetect::planes as decode;
use stegodetect::Options;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn timed(rounds: usize, mut f: impl FnMut()) -> f64 {
    median(
        (0..rounds)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect(),
    )
}

fn files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut v: Vec<PathBuf> = walkdir::WalkDir::new(p)
                .follow_links(true)
                .into_iter()
                .flatten()
                .filter(|e| e.file_type().is_file())
                .map(|e| e.into_path())
                .collect();
            v.sort();
            out.extend(v);
        } else {
            out.push(p.clone());
        }
    }
    out
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut rounds = 5;
    if let Some(i) = args.iter().position(|a| a == "--rounds") {
        rounds = args[i + 1].parse().expect("--rounds N");
        args.drain(i..i + 2);
    }
    if args.first().map(String::as_str) == Some("--ws") {
        // WS alone on a W x H RGB plane of smooth noise: ns per sample
        let (w, h): (usize, usize) = (args[1].parse().unwrap(), args[2].parse().unwrap());
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let s: Vec<u8> = (0..w * h * 3)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                ((i / 3 % w + i / 3 / w) as u64 / 8 + (x & 15)) as u8
            })
            .collect();
        let ms = timed(rounds.max(20), || {
            std::hint::black_box(structural::ws(&s, w, h, 3, 3));
        });
        println!(
            "ws {w}x{h} RGB: {ms:.4} ms, {:.3} ns per sample",
            ms * 1e6 / (w * h * 3) as f64
        );
        return;
    }
    // --each: one line per image too (path, then the times in the order of the summary)
    let each = match args.iter().position(|a| a == "--each") {
        Some(i) => {
            args.remove(i);
            true
        }
        None => false,
    };
    let paths: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    let opts = Options::default();
    let names = [
        "decode",
        "profile",
        "content",
        "tools",
        "alpha",
        "palette",
        "sequential",
        "flat",
        "ws",
        "spa",
        "chi",
        "pairs",
    ];
    let mut sum = vec![0.0f64; names.len()];
    let mut n = 0usize;
    for path in files(&paths) {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Some(format) = Format::sniff(&bytes) else {
            continue;
        };
        let Ok(info) = container::parse(format, &bytes, &opts.limits) else {
            continue;
        };
        let Ok(decoded) = decode::decode(format, &bytes, &info, &opts.limits) else {
            continue;
        };
        let p = &decoded.frames[0];
        let prof = profile::profile(format, &info, p);
        let (w, h, ch) = (p.width as usize, p.height as usize, p.channels());
        let cc = if ch >= 3 { 3 } else { 1 };
        let mut t = vec![0.0f64; names.len()];
        t[0] = timed(rounds, || {
            std::hint::black_box(decode::decode(format, &bytes, &info, &opts.limits).ok());
        });
        t[1] = timed(rounds, || {
            std::hint::black_box(profile::profile(format, &info, p));
        });
        let mut ev = Vec::new();
        t[2] = timed(rounds, || pixels::content(p, None, &opts, &mut ev));
        t[3] = timed(rounds, || {
            pixels::tools(p, info.lossy, None, &opts, &mut ev)
        });
        t[4] = timed(rounds, || alpha::analyse(p, None, &mut ev));
        t[5] = timed(rounds, || palette::analyse(p, None, &mut ev));
        t[6] = timed(rounds, || sequential::analyse(p, prof.lossy, None, &mut ev));
        let structural_runs = p.is_8bit() && !prof.lossy && w >= 3 && h >= 3 && cc <= ch;
        if structural_runs {
            if prof.flat_estimator_applicable {
                t[7] = timed(rounds, || {
                    std::hint::black_box(structural::flat_pairs(&p.samples, w, h, ch, cc));
                });
            }
            t[8] = timed(rounds, || {
                std::hint::black_box(structural::ws(&p.samples, w, h, ch, cc));
            });
            if prof.structural_applicable {
                t[9] = timed(rounds, || {
                    std::hint::black_box(structural::spa(&p.samples, w, h, ch, cc));
                });
                t[10] = timed(rounds, || {
                    std::hint::black_box(structural::chi_prefix(&p.samples, ch, cc));
                });
            }
        }
        t[11] = timed(rounds, || {
            std::hint::black_box(pairs::balance(p, prof.lossy));
        });
        if each {
            let times: Vec<String> = t.iter().map(|v| format!("{v:.4}")).collect();
            println!("{} {}", path.display(), times.join(" "));
        }
        for (s, v) in sum.iter_mut().zip(&t) {
            *s += v;
        }
        n += 1;
        ev.clear();
    }
    println!("{n} images, {rounds} rounds, single thread, mean of per-image medians (ms):");
    let analysis: f64 = sum[1..].iter().sum::<f64>() / n.max(1) as f64;
    for (name, s) in names.iter().zip(&sum) {
        println!("  {name:<11} {:>9.4}", s / n.max(1) as f64);
    }
    println!(
        "  analyses   {analysis:>9.4}  ({:.2}x decode)",
        analysis / (sum[0] / n.max(1) as f64)
    );
}
