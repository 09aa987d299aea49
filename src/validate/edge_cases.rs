//! Check 3: formats and modes, corrupt, truncated, empty, non-image, hostile and large inputs,
//! each with the outcome it must give.

use std::path::Path;
use std::time::Instant;

use serde_json::json;

use super::{Check, Thresholds};
use crate::detector::Detector;
use crate::embed::{self, png_chunk, EmbedOptions};
use crate::error::ErrorKind;
use crate::metrics::ProcessMemory;
use crate::vocab::Method;

/// The format fixtures read from the fixture directory at run time: (case name, file name).
pub const FIXTURES: [(&str, &str); 13] = [
    ("PNG 16-bit RGBA", "rgba16.png"),
    ("PNG 16-bit grey", "grey16.png"),
    ("PNG grey+alpha", "grey_alpha.png"),
    ("PNG palette", "palette.png"),
    ("PNG RGB", "rgb.png"),
    ("GIF animated", "animated.gif"),
    ("GIF static", "static.gif"),
    ("JPEG baseline", "baseline.jpg"),
    ("JPEG progressive", "progressive.jpg"),
    ("WebP lossless", "lossless.webp"),
    ("WebP lossy with alpha", "lossy_alpha.webp"),
    ("BMP 1-bit", "bmp1.bmp"),
    ("BMP 24-bit", "bmp24.bmp"),
];

/// What an edge case must give.
#[derive(Clone, Copy)]
enum Expect {
    /// Scanned, clean.
    Clean,
    /// Scanned, stego with this method.
    Stego(Method),
    /// Scanned, whatever the verdict, within the hostile-input time bound.
    ScannedQuickly,
    /// A typed error of one of these kinds, within the hostile-input time bound.
    Error(&'static [ErrorKind]),
    /// An error of any kind but internal, or a verdict: never a panic (bit flips).
    NoInternal,
}

/// The large image: a smooth gradient with mild noise, as a fast-compressed PNG.
fn large_png(side: u32) -> Vec<u8> {
    let mut raw = Vec::with_capacity(side as usize * side as usize * 3);
    let mut x: u32 = 0x1234_5678;
    for yy in 0..side {
        for xx in 0..side {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let n = x & 7;
            raw.push(((xx * 255 / side + n) & 0xFF) as u8);
            raw.push(((yy * 255 / side + n) & 0xFF) as u8);
            raw.push((((xx + yy) * 127 / side + n) & 0xFF) as u8);
        }
    }
    let mut out = Vec::new();
    let mut e = png::Encoder::new(&mut out, side, side);
    e.set_color(png::ColorType::Rgb);
    e.set_depth(png::BitDepth::Eight);
    e.set_compression(png::Compression::Fast);
    if let Ok(mut w) = e.write_header() {
        let _ = w.write_image_data(&raw);
    }
    out
}

/// A 2x2 animated GIF of `n` frames.
fn many_frames_gif(n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    if let Ok(mut e) = gif::Encoder::new(&mut out, 2, 2, &[0, 0, 0, 255, 255, 255]) {
        for i in 0..n {
            let f = gif::Frame {
                width: 2,
                height: 2,
                buffer: std::borrow::Cow::Owned(vec![(i % 2) as u8, 1, 0, 1]),
                ..gif::Frame::default()
            };
            if e.write_frame(&f).is_err() {
                break;
            }
        }
    }
    out
}

/// What the large-image case measured, for the memory check.
pub struct LargeImage {
    pub(crate) pixels: u64,
    pub(crate) rss_before: u64,
    pub(crate) peak: u64,
    pub(crate) scanned: bool,
}

/// Check 3: formats and modes, corrupt, truncated, empty, non-image, hostile and large inputs.
pub fn check(
    det: &Detector,
    fixtures: Option<&Path>,
    th: &Thresholds,
) -> (Check, Option<LargeImage>) {
    use ErrorKind::*;
    const DECODE: &[ErrorKind] = &[Decode, UnknownFormat];
    let mut failures = Vec::new();
    // the format fixtures, read now (a missing one is a failure, never a skipped pass)
    let mut fx = std::collections::BTreeMap::new();
    for (_, file) in FIXTURES {
        match fixtures.map(|d| (d, std::fs::read(d.join(file)))) {
            Some((_, Ok(b))) => {
                fx.insert(file, b);
            }
            Some((d, Err(e))) => failures.push(format!("fixture {}: {e}", d.join(file).display())),
            None => failures.push(format!("fixture {file}: no fixture directory given")),
        }
    }
    let formats: Vec<(&str, &[u8])> = FIXTURES
        .iter()
        .filter_map(|(name, file)| fx.get(file).map(|b| (*name, b.as_slice())))
        .collect();
    let mut cases: Vec<(String, Vec<u8>, Expect)> = Vec::new();
    for (name, b) in &formats {
        cases.push((format!("{name}: clean"), b.to_vec(), Expect::Clean));
        cases.push((
            format!("{name}: truncated at half"),
            b[..b.len() / 2].to_vec(),
            Expect::Error(DECODE),
        ));
        let mut flipped = b.to_vec();
        for k in 0..8 {
            let i = (b.len() / 9) * (k + 1);
            flipped[i] ^= 0x5A;
        }
        cases.push((
            format!("{name}: bytes flipped"),
            flipped,
            Expect::NoInternal,
        ));
    }
    let rgb = fx.get(&"rgb.png").map_or(&[][..], |b| b.as_slice());
    match embed::embed(
        rgb,
        b"validate: a payload in the pixels of a fixture",
        &EmbedOptions::new(Method::LsbRgb),
    ) {
        Ok(s) => cases.push((
            "PNG lsb.rgb stego".into(),
            s.bytes,
            Expect::Stego(Method::LsbRgb),
        )),
        Err(e) => failures.push(format!("the stego case could not be made: {e}")),
    }
    cases.push(("zero bytes".into(), vec![], Expect::Error(&[UnknownFormat])));
    cases.push((
        "text file".into(),
        b"just some text, not an image\n".repeat(40),
        Expect::Error(&[UnknownFormat]),
    ));
    cases.push((
        "ELF executable header".into(),
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".repeat(8),
        Expect::Error(&[UnknownFormat]),
    ));
    cases.push((
        "PDF".into(),
        b"%PDF-1.7\n1 0 obj << >> endobj\n".repeat(8),
        Expect::Error(&[UnknownFormat]),
    ));
    // hostile: declared sizes over the pixel limit, lying lengths
    let side = ((det.options().limits.max_pixels as f64).sqrt() as u32).saturating_add(2);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = side.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png.extend(png_chunk(b"IHDR", &ihdr));
    png.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(png_chunk(b"IEND", b""));
    cases.push((
        format!("PNG declaring {side}x{side} (over the pixel limit)"),
        png,
        Expect::Error(&[Limit]),
    ));
    let mut gif = b"GIF89a\xFF\xFF\xFF\xFF\x00\x00\x00".to_vec();
    gif.extend_from_slice(&[
        0x2C, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B,
    ]);
    cases.push((
        "GIF declaring 65535x65535".into(),
        gif,
        if det.options().limits.max_pixels < 65535 * 65535 {
            Expect::Error(&[Limit])
        } else {
            Expect::NoInternal
        },
    ));
    cases.push((
        "JPEG segment length past the end".into(),
        vec![0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xF0, b'E', b'x', b'i', b'f'],
        Expect::Error(&[Decode]),
    ));
    if let Some(mut webp) = fx.get(&"lossless.webp").filter(|b| b.len() >= 8).cloned() {
        webp[4..8].copy_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
        cases.push((
            "WebP with a lying RIFF size".into(),
            webp,
            Expect::Error(&[Decode]),
        ));
    }
    // endless GIF frames: far more frames than the frame limit, answered within the time bound
    cases.push((
        "GIF with 20,000 frames".into(),
        many_frames_gif(20_000),
        Expect::ScannedQuickly,
    ));

    let mut rows = Vec::new();
    for (name, bytes, expect) in &cases {
        let t = Instant::now();
        let r = det.scan_bytes(bytes);
        let ms = t.elapsed().as_secs_f64() * 1e3;
        let got = match &r {
            Ok(r) if r.is_stego => format!("stego {}", r.method.map_or("?", |m| m.name())),
            Ok(_) => "clean".to_string(),
            Err(e) => format!("error {}", e.kind().as_str()),
        };
        let ok = match (expect, &r) {
            (Expect::Clean, Ok(r)) => !r.is_stego,
            (Expect::Stego(m), Ok(r)) => r.is_stego && r.method == Some(*m),
            (Expect::ScannedQuickly, Ok(_)) => ms <= th.hostile_max_ms,
            (Expect::Error(kinds), Err(e)) => kinds.contains(&e.kind()) && ms <= th.hostile_max_ms,
            (Expect::NoInternal, Ok(_)) => true,
            (Expect::NoInternal, Err(e)) => e.kind() != Internal,
            _ => false,
        };
        let want = match expect {
            Expect::Clean => "clean".to_string(),
            Expect::Stego(m) => format!("stego {}", m.name()),
            Expect::ScannedQuickly => format!("a verdict within {} ms", th.hostile_max_ms),
            Expect::Error(k) => format!(
                "error {} within {} ms",
                k.iter().map(|k| k.as_str()).collect::<Vec<_>>().join("|"),
                th.hostile_max_ms
            ),
            Expect::NoInternal => "a verdict or a typed error".to_string(),
        };
        if !ok {
            failures.push(format!("{name}: expected {want}, got {got} ({ms:.1} ms)"));
        }
        rows.push(json!({"case": name, "expected": want, "got": got, "ms": ms, "ok": ok}));
    }
    // the largest image: scanned within the memory bound (measured by the memory check)
    let pixels = th.large_image_pixels.min(det.options().limits.max_pixels);
    let side = (pixels as f64).sqrt() as u32;
    let big = large_png(side);
    super::load::reset_peak_rss();
    let before = ProcessMemory::current();
    let t = Instant::now();
    let r = det.scan_bytes(&big);
    let ms = t.elapsed().as_secs_f64() * 1e3;
    let after = ProcessMemory::current();
    drop(big);
    let large = before.zip(after).map(|(b, a)| LargeImage {
        pixels: side as u64 * side as u64,
        rss_before: b.rss_bytes,
        peak: a.peak_rss_bytes,
        scanned: r.is_ok(),
    });
    let got = match &r {
        Ok(r) => format!("scanned ({})", if r.is_stego { "stego" } else { "clean" }),
        Err(e) => format!("error {e}"),
    };
    if r.is_err() {
        failures.push(format!("{side}x{side} image: {got}"));
    }
    rows.push(
        json!({"case": format!("{side}x{side} RGB PNG (largest tested)"), "expected": "a verdict",
                     "got": got, "ms": ms, "ok": r.is_ok()}),
    );
    let n = rows.len();
    (
        Check::new(
            "edge cases",
            format!("{} of {n} cases as expected", n - failures.len()),
            failures,
            json!(rows),
        ),
        large,
    )
}
