//! Differential: the baseline coefficient reader (`DctPlanes::read_baseline`, libjpeg-turbo-rs's
//! entropy decoder driven by stegodetect's loop) against `libjpeg-turbo-rs::read_coefficients`
//! on arbitrary bytes. Wherever the fast path gives coefficients, the reference must give the
//! same ones; where it declines, `DctPlanes::read` falls back to the reference, so a scan sees
//! the reference's result either way. No panic, hang or unbounded memory in either.
#![no_main]
use libfuzzer_sys::fuzz_target;
use stegodetect::planes::dct::DctPlanes;

fuzz_target!(|data: &[u8]| {
    // a frame's declared size is not checked by the readers: keep the fuzzer's memory bounded
    // the way a scan's pixel limit does
    if let Some((w, h)) = frame_size(data) {
        if w as u64 * h as u64 > 4_000_000 {
            return;
        }
    }
    let fast = DctPlanes::read_baseline(data);
    let reference = DctPlanes::read_general(data);
    if let Some(fast) = fast {
        let reference = reference.expect("the reference reads what the fast path reads");
        assert!(fast == reference, "coefficients differ");
    }
});

/// Width and height of the first SOF marker segment, if any.
fn frame_size(d: &[u8]) -> Option<(u16, u16)> {
    let mut i = 2;
    while i + 9 < d.len() {
        if d[i] != 0xFF {
            i += 1;
            continue;
        }
        let m = d[i + 1];
        if (0xC0..=0xCF).contains(&m) && !matches!(m, 0xC4 | 0xC8 | 0xCC) {
            let h = u16::from_be_bytes([d[i + 5], d[i + 6]]);
            let w = u16::from_be_bytes([d[i + 7], d[i + 8]]);
            return Some((w, h));
        }
        i += 2;
    }
    None
}
