//! The whole scan path from bytes: sniffing, container walk, decoding, every analysis, extraction,
//! the verdict, and the Starlight V4 input streams (the model itself is ONNX Runtime's code and is
//! left out: the rules decide here).
#![no_main]
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use stegodetect::{Detector, Limits, ModelChoice, Options};

fn detector() -> &'static Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(|| {
        Detector::new(Options {
            model: ModelChoice::Rules,
            limits: Limits {
                max_pixels: 4_000_000,
                ..Limits::default()
            },
            ..Options::default()
        })
        .expect("options")
    })
}

fuzz_target!(|data: &[u8]| {
    let d = detector();
    if let Ok(r) = d.scan_bytes(data) {
        // a verdict is always well-formed
        assert!((0.0..=1.0).contains(&r.probability));
        let _ = serde_json_len(&r);
    }
    let _ = d.starlight_v4_inputs(data);
});

fn serde_json_len(r: &stegodetect::ScanResult) -> usize {
    stegodetect::compat::starlight_record("fuzz", &Ok(r.clone()))
        .to_string()
        .len()
}
