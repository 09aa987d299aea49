//! `Detector::scan_pixels` (raw pixels from memory) gives the verdict of the same pixels in a
//! lossless PNG, and refuses what it cannot scan with typed errors.

mod common;

use stegodetect::planes::ColorMode;
use stegodetect::ErrorKind;

fn png_of(w: u32, h: u32, ct: png::ColorType, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = png::Encoder::new(&mut out, w, h);
    e.set_color(ct);
    e.set_depth(png::BitDepth::Eight);
    e.write_header().unwrap().write_image_data(data).unwrap();
    out
}

#[test]
fn pixels_scan_as_the_same_pixels_in_a_png() {
    let det = common::detector();
    for name in ["stego-alpha.png", "stego-lsb.png", "clean-photo.png"] {
        let bytes = std::fs::read(common::root().join("examples/images").join(name)).unwrap();
        let img = image::load_from_memory(&bytes).unwrap();
        let (w, h) = (img.width(), img.height());
        for (mode, ct, data) in [
            (
                ColorMode::Rgba,
                png::ColorType::Rgba,
                img.to_rgba8().into_raw(),
            ),
            (
                ColorMode::Rgb,
                png::ColorType::Rgb,
                img.to_rgb8().into_raw(),
            ),
            (
                ColorMode::Grey,
                png::ColorType::Grayscale,
                img.to_luma8().into_raw(),
            ),
            (
                ColorMode::GreyAlpha,
                png::ColorType::GrayscaleAlpha,
                img.to_luma_alpha8().into_raw(),
            ),
        ] {
            let want = det.scan_bytes(&png_of(w, h, ct, &data)).unwrap();
            let got = det.scan_pixels(w, h, mode, data).unwrap();
            assert_eq!(
                (got.is_stego, got.method, got.probability),
                (want.is_stego, want.method, want.probability),
                "{name} as {mode:?}"
            );
            assert_eq!(got.payload.map(|p| p.bytes), want.payload.map(|p| p.bytes));
        }
    }
}

#[test]
fn pixel_errors_are_typed() {
    let det = common::detector();
    let kind = |r: stegodetect::Result<_>| r.unwrap_err().kind();
    assert_eq!(
        kind(det.scan_pixels(2, 2, ColorMode::Rgb, vec![0; 11])),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(det.scan_pixels(2, 2, ColorMode::Palette, vec![0; 4])),
        ErrorKind::InvalidArgument
    );
    assert_eq!(
        kind(det.scan_pixels(0, 5, ColorMode::Rgb, vec![])),
        ErrorKind::InvalidArgument
    );
    let small = stegodetect::Detector::new(stegodetect::Options {
        limits: stegodetect::Limits {
            max_pixels: 100,
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        kind(small.scan_pixels(20, 20, ColorMode::Rgb, vec![0; 1200])),
        ErrorKind::Limit
    );
    // huge declared sizes are refused before any allocation
    assert_eq!(
        kind(det.scan_pixels(u32::MAX, u32::MAX, ColorMode::Rgba, vec![])),
        ErrorKind::Limit
    );
}
