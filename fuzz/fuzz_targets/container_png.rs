//! The png container walk and pixel decoding on arbitrary bytes (the format forced, so every
//! input reaches this parser): a typed error or a result, never a panic, hang or unbounded memory.
#![no_main]
use libfuzzer_sys::fuzz_target;
use stegodetect::{container, planes, Format, Limits};

fuzz_target!(|data: &[u8]| {
    // limits small enough that a declared size can never make the fuzzer run out of memory
    let limits = Limits {
        max_pixels: 4_000_000,
        ..Limits::default()
    };
    if let Ok(info) = container::parse(Format::Png, data, &limits) {
        let _ = planes::decode(Format::Png, data, &info, &limits);
    }
});
