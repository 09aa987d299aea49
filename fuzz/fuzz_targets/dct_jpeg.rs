//! The JPEG-domain path on arbitrary bytes: the container walk, the DCT coefficient reader
//! (libjpeg-turbo-rs) under the same pixel limit as a scan, the JPEG-domain analyses with the
//! learned model's features (finite), steghide's sample order with a small window of its seed
//! search (header and unencrypted-payload parsing), f5stegojs's reader under a password
//! (every header accepted), and the jsteg embedder when the
//! coefficients read: a typed error or a result, never a panic, hang or unbounded memory.
#![no_main]
use libfuzzer_sys::fuzz_target;
use stegodetect::analysis::jpeg;
use stegodetect::embed::{embed, EmbedOptions};
use stegodetect::{container, Format, Limits, Method};

fuzz_target!(|data: &[u8]| {
    // limits small enough that a declared size can never make the fuzzer run out of memory
    let limits = Limits {
        max_pixels: 4_000_000,
        ..Limits::default()
    };
    let Ok(info) = container::parse(Format::Jpeg, data, &limits) else {
        return;
    };
    if info.width as u64 * info.height as u64 > limits.max_pixels {
        return;
    }
    let mut evidence = Vec::new();
    if let Some(f) = jpeg::analyse(data, &info, true, &mut evidence) {
        assert!(f.iter().all(|v| v.is_finite()), "non-finite feature");
    }
    // steghide's seed search over 4,096 seeds (all 2^32 take tens of seconds): every header
    // that fits is parsed, unencrypted payloads through zlib
    let image = &data[..info.image_end.min(data.len())];
    if let Ok(dct) = stegodetect::planes::dct::DctPlanes::read(image, info.jpeg_scans) {
        if let Some(s) = jpeg::steghide::Samples::new(&dct) {
            for f in jpeg::steghide::search(&s, 0..=4095, 1 << 16) {
                assert!(f.header.embedded_bits <= s.len() as u64);
            }
        }
        // f5stegojs under a password, whatever its k and declared length say
        if let Some((k, p, _)) = jpeg::f5::retrieve(&dct, b"fuzz", |_| true) {
            let blocks = dct.components.iter().map(|c| c.blocks.len()).max().unwrap_or(0);
            assert!((1..=16).contains(&k) && p.len() <= blocks * 8);
        }
    }
    // the embedder reads and rewrites the coefficients (only when the analyses could read them)
    if !evidence.iter().any(|e| e.analysis == "dct") {
        let _ = embed(data, b"fuzz", &EmbedOptions::new(Method::JpegJsteg));
    }
});
