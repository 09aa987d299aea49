//! Read OutGuess payloads under a key (default: OutGuess's "Default key") from JPEG files.
//!
//! `cargo run --release --example outguess_key -- [--key KEY] FILE...`
use stegodetect::analysis::jpeg::outguess::{retrieve, Bits, DEFAULT_KEY};
use stegodetect::planes::dct::DctPlanes;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut key = DEFAULT_KEY.to_string();
    if let Some(i) = args.iter().position(|a| a == "--key") {
        key = args[i + 1].clone();
        args.drain(i..i + 2);
    }
    for f in args {
        let bytes = std::fs::read(&f).expect("read");
        let scans = bytes.windows(2).filter(|w| w == &[0xFF, 0xDA]).count() as u32;
        let Ok(dct) = DctPlanes::read(&bytes, scans) else {
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
