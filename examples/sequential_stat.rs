//! The sequential-LSB statistic ([`stegodetect::analysis::sequential`]) of every image under the
//! given folders, one line per image: the strongest path, its log-likelihood ratio `Λ`, the
//! estimated embedded length in samples, and the file. Used to set the calibrations' midpoints on clean training
//! sources and to check random-payload stego:
//!
//! ```text
//! cargo run --release --example sequential_stat -- DIR... > stats.tsv
//! ```
//! Lossy images (JPEG, lossy WebP) are skipped, as in the scan.

use std::path::PathBuf;

use rayon::prelude::*;
use stegodetect::analysis::sequential;
use stegodetect::inputs::{walk, Input, WalkOptions};
use stegodetect::{container, planes, Format, Limits};

fn main() {
    let dirs: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    assert!(!dirs.is_empty(), "give image folders");
    let files: Vec<PathBuf> = walk(&dirs, WalkOptions::default())
        .filter_map(|i| match i {
            Input::File(p) => Some(p),
            _ => None,
        })
        .collect();
    let limits = Limits::default();
    let lines: Vec<String> = files
        .par_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(p).ok()?;
            let format = Format::sniff(&bytes)?;
            let info = container::parse(format, &bytes, &limits).ok()?;
            if format == Format::Jpeg || info.lossy {
                return None;
            }
            let d = planes::decode(format, &bytes, &info, &limits).ok()?;
            let all = sequential::paths(&d.frames[0]);
            if std::env::var_os("SEQ_ALL").is_some() {
                eprintln!("{}: {all:?}", p.display());
            }
            let best = all
                .into_iter()
                .max_by(|a, b| a.lambda.total_cmp(&b.lambda))?;
            Some(format!(
                "{:.2}\t{}\t{}{}\t{}/{}\t{}",
                best.lambda,
                best.path,
                best.samples,
                if best.at_least { "+" } else { "" },
                best.confident.1,
                best.confident.0,
                p.display()
            ))
        })
        .collect();
    for l in lines {
        println!("{l}");
    }
}
