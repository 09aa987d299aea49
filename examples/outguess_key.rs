//! Read OutGuess payloads under a key (default: OutGuess's "Default key") from JPEG files, or
//! time the known-key check every scan makes.
//!
//! `cargo run --release --example outguess_key -- [--key KEY] FILE...`
//! `cargo run --release --example outguess_key -- --time ROUNDS FILE...`: per JPEG, the median
//! over rounds of OutGuess's default key alone (its header and payload test) and of the whole
//! check (`outguess::analyse`: the default key and the common keys), single thread, after the
//! coefficients are read and counted; and, for comparison, the common keys tried the way a
//! caller's list is (streams keyed per image, headers with any seed read on).
use std::time::Instant;

use stegodetect::analysis::jpeg::outguess::{analyse, retrieve, Bits, DEFAULT_KEY};
use stegodetect::analysis::jpeg::steghide::known_passphrases;
use stegodetect::planes::dct::DctPlanes;

fn read(f: &str) -> Option<DctPlanes> {
    let bytes = std::fs::read(f).expect("read");
    let scans = bytes.windows(2).filter(|w| w == &[0xFF, 0xDA]).count() as u32;
    DctPlanes::read(&bytes, scans).ok()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time(rounds: usize, files: &[String]) {
    let planes: Vec<DctPlanes> = files.iter().filter_map(|f| read(f)).collect();
    let counts: Vec<_> = planes.iter().map(|d| d.block_counts()).collect();
    let n = planes.len() as f64;
    let (mut default, mut whole, mut naive) = (Vec::new(), Vec::new(), Vec::new());
    let mut found = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        for (d, c) in planes.iter().zip(&counts) {
            let bits = Bits::with_counts(d, c);
            std::hint::black_box(retrieve(&bits, DEFAULT_KEY.as_bytes(), |_| false));
        }
        default.push(t.elapsed().as_secs_f64() * 1e3 / n);
        let t = Instant::now();
        found = 0;
        for (d, c) in planes.iter().zip(&counts) {
            let mut evidence = Vec::new();
            analyse(d, c, &[], false, 0, &mut evidence);
            found += evidence.len();
        }
        whole.push(t.elapsed().as_secs_f64() * 1e3 / n);
        // the common keys as a caller's list would be tried: streams keyed per image, any seed
        let t = Instant::now();
        for (d, c) in planes.iter().zip(&counts) {
            let bits = Bits::with_counts(d, c);
            for k in known_passphrases() {
                std::hint::black_box(retrieve(&bits, k.passphrase.as_bytes(), |_| false));
            }
        }
        naive.push(t.elapsed().as_secs_f64() * 1e3 / n);
    }
    println!(
        "{} JPEGs, {rounds} rounds: default key {:.4} ms, whole check {:.4} ms per JPEG; {found} found; \
         the common keys keyed per image, any seed: {:.4} ms",
        planes.len(),
        median(default),
        median(whole),
        median(naive)
    );
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(i) = args.iter().position(|a| a == "--time") {
        let rounds = args[i + 1].parse().expect("--time ROUNDS");
        args.drain(i..i + 2);
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build_global()
            .ok();
        return time(rounds, &args);
    }
    let mut key = DEFAULT_KEY.to_string();
    if let Some(i) = args.iter().position(|a| a == "--key") {
        key = args[i + 1].clone();
        args.drain(i..i + 2);
    }
    for f in args {
        let Some(dct) = read(&f) else {
            println!("{f}\tunreadable");
            continue;
        };
        let bits = Bits::new(&dct);
        match retrieve(&bits, key.as_bytes(), |_| true) {
            Some((seed, p, _)) => println!(
                "{f}\t{} bits\tseed {seed}\t{} bytes\t{:?}",
                bits.len(),
                p.len(),
                String::from_utf8_lossy(&p[..p.len().min(60)])
            ),
            None => println!("{f}\t{} bits\tnothing", bits.len()),
        }
    }
}
