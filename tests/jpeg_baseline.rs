//! The baseline coefficient reader (`DctPlanes::read_baseline`) against the reference,
//! `libjpeg-turbo-rs::read_coefficients` (`DctPlanes::read_general`): on every JPEG fixture and
//! on truncated and corrupted copies of them, wherever the fast path gives coefficients they
//! are the reference's, and it declines what it does not handle (progressive files).
//! `fuzz/fuzz_targets/jpeg_baseline.rs` runs the same comparison on arbitrary bytes.

use stegodetect::planes::dct::DctPlanes;

fn jpegs() -> Vec<(String, Vec<u8>)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for dir in [
        "tests/fixtures/clean",
        "tests/fixtures/jpeg",
        "tests/fixtures/jpeg-layouts",
        "examples/images",
    ] {
        let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "jpg" || x == "jpeg"))
            .collect();
        paths.sort();
        for p in paths {
            out.push((p.display().to_string(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

/// Some(fast) implies the reference reads the same coefficients; returns whether the fast
/// path read the file.
fn agree(name: &str, bytes: &[u8]) -> bool {
    match DctPlanes::read_baseline(bytes) {
        Some(fast) => {
            let reference = DctPlanes::read_general(bytes)
                .unwrap_or_else(|e| panic!("{name}: the fast path read it, the reference: {e}"));
            assert!(fast == reference, "{name}: coefficients differ");
            true
        }
        None => false,
    }
}

#[test]
fn the_baseline_reader_gives_the_reference_coefficients() {
    let files = jpegs();
    assert!(files.len() >= 20, "{} JPEG fixtures", files.len());
    let (mut fast, mut progressive) = (0, 0);
    for (name, bytes) in &files {
        let is_progressive = bytes.windows(2).any(|w| w == [0xFF, 0xC2]);
        let read = agree(name, bytes);
        if is_progressive {
            progressive += 1;
        } else {
            // every baseline fixture that the reference reads is read by the fast path too
            assert_eq!(read, DctPlanes::read_general(bytes).is_ok(), "{name}");
        }
        fast += read as usize;
    }
    assert!(
        fast >= 15 && progressive >= 2,
        "{fast} read fast, {progressive} progressive"
    );
}

#[test]
fn truncated_and_corrupted_jpegs_give_the_reference_result_or_none() {
    let mut seed = 0x243F_6A88_85A3_08D3u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut cases = 0;
    for (name, bytes) in jpegs() {
        let n = bytes.len();
        for cut in [n / 2, n * 9 / 10, n.saturating_sub(3)] {
            agree(&format!("{name} cut at {cut}"), &bytes[..cut]);
            cases += 1;
        }
        for _ in 0..8 {
            let mut b = bytes.clone();
            // a few bytes changed in the second half (mostly entropy-coded data)
            for _ in 0..3 {
                let at = n / 2 + (next() as usize) % (n - n / 2);
                b[at] = next() as u8;
            }
            agree(&format!("{name} corrupted"), &b);
            cases += 1;
        }
    }
    assert!(cases > 200, "{cases}");
}
