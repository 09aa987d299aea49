//! Time steghide's seed search on JPEG files (`--around SEED RADIUS`: only the seeds within
//! RADIUS of SEED, for a known passphrase's seed). Prints one line per file: samples, seconds,
//! what was found. `--known-only ROUNDS`: time only the known passphrases every scan tries
//! (the coefficients read first, the sample index included), the median of ROUNDS rounds over
//! all files, and print what they open.
//!
//! `cargo run --release --example steghide_seeds -- [--known-only 5] FILE...`
use stegodetect::analysis::jpeg::steghide::{
    known_passphrases, search_counted, try_passphrase, try_passphrases, SampleIndex, Samples,
};
use stegodetect::planes::dct::DctPlanes;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let (mut first, mut last) = (0u32, u32::MAX);
    if let Some(i) = args.iter().position(|a| a == "--around") {
        let c: u32 = args[i + 1].parse().expect("seed");
        let r: u32 = args[i + 2].parse().expect("radius");
        (first, last) = (c.saturating_sub(r), c.saturating_add(r));
        args.drain(i..i + 3);
    }
    if let Some(i) = args.iter().position(|a| a == "--known-only") {
        let rounds: usize = args[i + 1].parse().expect("rounds");
        args.drain(i..i + 2);
        return known_only(&args, rounds);
    }
    for f in args {
        let bytes = std::fs::read(&f).expect("read");
        let scans = bytes.windows(2).filter(|w| w == &[0xFF, 0xDA]).count() as u32;
        let dct = match DctPlanes::read(&bytes, scans) {
            Ok(d) => d,
            Err(e) => {
                println!("{f}\terror {e}");
                continue;
            }
        };
        let t = std::time::Instant::now();
        if let Some(ix) = SampleIndex::new(&dct) {
            for p in known_passphrases().iter().map(|k| k.passphrase) {
                if let Some(found) = try_passphrase(&ix, p, 1 << 24) {
                    println!("{f}\tknown passphrase {p:?}: {found:?}");
                }
            }
            println!(
                "{f}\tknown passphrases tried in {:.3} ms (sample index included)",
                t.elapsed().as_secs_f64() * 1e3
            );
        }
        let t = std::time::Instant::now();
        for _ in 0..20 {
            std::hint::black_box(Samples::new(std::hint::black_box(&dct)));
        }
        let per = t.elapsed().as_secs_f64() / 20.0 * 1e3;
        let Some(s) = Samples::new(&dct) else {
            println!("{f}\ttoo few samples");
            continue;
        };
        let t = std::time::Instant::now();
        let (found, magic) = search_counted(&s, first..=last, 1 << 24);
        println!(
            "{f}\t{} samples ({per:.3} ms to read)\t{:.2} s\t{magic} magic\t{:?}",
            s.len(),
            t.elapsed().as_secs_f64(),
            found
                .iter()
                .map(|x| format!(
                    "{:?} payload {:?}",
                    x.header,
                    x.payload.as_ref().map(|p| (
                        &p.file_name,
                        p.data.len(),
                        p.checksum_ok,
                        String::from_utf8_lossy(&p.data[..p.data.len().min(40)]).into_owned()
                    ))
                ))
                .collect::<Vec<_>>()
        );
    }
}

/// Median time of the known passphrases over all `files`, per file (the per-block counts a
/// scan makes anyway not included).
fn known_only(files: &[String], rounds: usize) {
    // (file, coefficients, per-block counts)
    type Read = (String, DctPlanes, Vec<Vec<(u8, u8)>>);
    let planes: Vec<Read> = files
        .iter()
        .filter_map(|f| {
            let bytes = std::fs::read(f).ok()?;
            let scans = bytes.windows(2).filter(|w| w == &[0xFF, 0xDA]).count() as u32;
            let dct = DctPlanes::read(&bytes, scans).ok()?;
            let counts = dct.block_counts();
            Some((f.clone(), dct, counts))
        })
        .collect();
    let mut times = Vec::new();
    for round in 0..rounds {
        let t = std::time::Instant::now();
        for (f, dct, counts) in &planes {
            let found = SampleIndex::with_counts(dct, counts)
                .and_then(|ix| try_passphrases(&ix, &[], 1 << 24));
            if let (0, Some(found)) = (round, found) {
                println!("{f}\t{:?}\t{:?}", found.passphrase, found.header);
            }
        }
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    println!(
        "{} files, {} known passphrases: {:.3} ms per file (median of {rounds} rounds)",
        planes.len(),
        known_passphrases().len(),
        times[rounds / 2] / planes.len() as f64 * 1e3
    );
}
