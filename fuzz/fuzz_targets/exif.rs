//! The EXIF (TIFF) parser behind every container's EXIF block.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let tiff = data.strip_prefix(b"Exif\0\0").unwrap_or(data);
    let (mut fields, mut oddities) = (Vec::new(), Vec::new());
    stegodetect::container::metadata::exif_fields(tiff, &mut fields, &mut oddities);
});
