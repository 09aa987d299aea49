//! Cost of the C API against the Rust call it wraps: the same images scanned with
//! `Detector::scan_bytes` and with `sd_scan_buffer` + `sd_result_free` (the C ABI path: panic
//! boundary, result wrapping), interleaved over rounds, single thread, medians.
//!
//! ```text
//! cargo run --release -p stegodetect-capi --example overhead -- [--rounds N] DIR...
//! ```

use std::time::Instant;

use sdcore::{Detector, Options};
use stegodetect_c::*;

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut rounds, mut dirs) = (7usize, Vec::new());
    while let Some(a) = args.next() {
        if a == "--rounds" {
            rounds = args
                .next()
                .and_then(|v| v.parse().ok())
                .expect("--rounds N");
        } else {
            dirs.push(a);
        }
    }
    let rust = Detector::new(Options::default()).expect("default model (make setup)");
    let mut det: *mut SdDetector = std::ptr::null_mut();
    assert_eq!(
        unsafe { sd_detector_new(std::ptr::null(), &mut det) },
        SdStatus::Ok
    );
    let mut images = Vec::new();
    for d in &dirs {
        let mut files: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .collect();
        files.sort();
        for p in files {
            if let Ok(b) = std::fs::read(&p) {
                if rust.scan_bytes(&b).is_ok() {
                    images.push(b);
                }
            }
        }
    }
    assert!(!images.is_empty(), "no decodable images");
    let (mut t_rust, mut t_c) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        for k in 0..2 {
            let t = Instant::now();
            if (round + k) % 2 == 0 {
                for b in &images {
                    std::hint::black_box(rust.scan_bytes(b).unwrap());
                }
                t_rust.push(t.elapsed().as_secs_f64());
            } else {
                for b in &images {
                    let mut r: *mut SdResult = std::ptr::null_mut();
                    let s = unsafe { sd_scan_buffer(det, b.as_ptr(), b.len(), &mut r) };
                    assert_eq!(s, SdStatus::Ok);
                    std::hint::black_box(unsafe { sd_result_probability(r) });
                    unsafe { sd_result_free(r) };
                }
                t_c.push(t.elapsed().as_secs_f64());
            }
        }
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (r, c) = (med(&mut t_rust), med(&mut t_c));
    let n = images.len() as f64;
    println!(
        "{} images, {rounds} rounds, single thread, medians:",
        images.len()
    );
    println!("  Rust Detector::scan_bytes: {:.3} ms/image", r / n * 1e3);
    println!("  C API sd_scan_buffer:      {:.3} ms/image", c / n * 1e3);
    println!("  C / Rust = {:.3}x", c / r);
    unsafe { sd_detector_free(det) };
}
