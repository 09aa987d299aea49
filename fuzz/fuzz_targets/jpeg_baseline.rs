//! Differential: the baseline coefficient reader (`DctPlanes::read_baseline`, libjpeg-turbo-rs's
//! entropy decoder driven by stegodetect's loop) against `libjpeg-turbo-rs::read_coefficients`
//! on arbitrary bytes. Wherever the fast path gives coefficients, the reference must give the
//! same ones; where it declines, `DctPlanes::read` falls back to the reference, so a scan sees
//! the reference's result either way. No panic, hang or unbounded memory in either.
#![no_main]
use libfuzzer_sys::fuzz_target;
use stegodetect::planes::dct::DctPlanes;
use stegodetect::{container, Format, Limits};

fuzz_target!(|data: &[u8]| {
    // the readers allocate what the frame declares: keep the fuzzer's memory bounded the way a
    // scan does, by the container walk's frame size under a pixel limit
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
    let image = &data[..info.image_end.min(data.len())];
    let fast = DctPlanes::read_baseline(image);
    let reference = DctPlanes::read_general(image);
    if let Some(fast) = fast {
        let reference = reference.expect("the reference reads what the fast path reads");
        assert!(fast == reference, "coefficients differ");
    }
});
