//! Parity of the eight Starlight V4 input tensors with the reference values (reference §1.2.10),
//! exact for PNG and GIF, with a documented tolerance for JPEG (decoders differ).

mod common;

use stegodetect::model::starlight_v4::{reference_tail, tensors, V4Tensors};
use stegodetect::{Detector, Format};

fn v4(path: &std::path::Path) -> V4Tensors {
    let bytes = std::fs::read(path).unwrap();
    let (format, info, decoded) = Detector::rules_only().decode(&bytes).unwrap();
    tensors(format, &bytes, &info, &decoded.frames[0])
}

fn sum(v: &[f32]) -> f64 {
    v.iter().map(|&x| x as f64).sum()
}

fn close(a: &[f32], b: &[f32], tol: f32) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol)
}

#[test]
fn png_rgb_matches_reference() {
    let t = v4(&common::starlight_sample().join("clean/clean-0004.png"));
    assert_eq!(t.format_features, [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    assert!(
        close(
            &t.content_features,
            &[0.949219, 0.238973, 0.293294, 0.0, 0.0, 0.0],
            1e-6
        ),
        "{:?}",
        t.content_features
    );
    assert!(
        (sum(&t.pixel_tensor) - 94227.78).abs() < 0.01,
        "{}",
        sum(&t.pixel_tensor)
    );
    assert_eq!(sum(&t.lsb), 70928.0);
    assert_eq!(sum(&t.meta), 0.0);
    assert_eq!(sum(&t.alpha) + sum(&t.palette) + sum(&t.palette_lsb), 0.0);
}

#[test]
fn gif_palette_matches_reference() {
    let t = v4(&common::starlight_sample().join("clean/clean-0001.gif"));
    assert_eq!(t.format_features, [0.0, 0.0, 1.0, 0.0, 1.0, 1.0]);
    assert!(
        close(
            &t.content_features,
            &[0.894531, 0.211263, 0.372314, 0.0, 0.0, 0.0],
            1e-6
        ),
        "{:?}",
        t.content_features
    );
    assert!(
        (sum(&t.palette) - 231.20).abs() < 0.01,
        "{}",
        sum(&t.palette)
    );
    assert_eq!(sum(&t.palette_lsb), 21563.0);
}

#[test]
fn large_png_is_centre_cropped() {
    let t = v4(&common::starlight_sample().join("clean/clean-0021.png"));
    assert_eq!(t.format_features, [0.0, 0.0, 0.0, 1.0, 4.0, 4.0]);
    assert!(
        close(
            &t.content_features,
            &[0.972656, 0.346395, 0.016113, 0.0, 0.0, 0.0],
            1e-6
        ),
        "{:?}",
        t.content_features
    );
}

#[test]
fn jpeg_matches_the_reference_decoder() {
    // Reference (libjpeg-turbo through Pillow): format [0,0,0,1,1,1], content
    // [0.929688, 0.245809, 0.321818], Σlsb 67314. JPEG pixels are made the way libjpeg-turbo
    // makes them (tests/jpeg_pixels.rs), so the tensors match.
    let t = v4(&common::starlight_sample().join("clean/clean-0003.jpg"));
    assert_eq!(t.format_features, [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]);
    assert!(
        close(
            &t.content_features[..3],
            &[0.929688, 0.245809, 0.321818],
            1e-5
        ),
        "{:?}",
        t.content_features
    );
    assert_eq!(sum(&t.lsb), 67314.0);
}

#[test]
fn alpha_stego_exposes_the_ai42_bits() {
    let t = v4(&common::starlight_sample().join("reference-stego/sample__november_alpha_001.png"));
    assert_eq!(t.format_features[0], 1.0);
    // first 32 alpha-LSB values: LSB-first bits of "AI42"
    let want = [
        1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1,
        0, 0,
    ];
    let plane = 256 * 256;
    let got: Vec<i32> = t.alpha[plane..plane + 32]
        .iter()
        .map(|&v| v as i32)
        .collect();
    assert_eq!(got, want);
}

#[test]
fn tail_rules_keep_the_reference_quirks() {
    let dir = common::starlight_sample().join("reference-stego");
    let seed = std::fs::read(common::starlight_sample().join("seeds/sample__november.md")).unwrap();
    // PNG: the reference skips 4 bytes of the payload (IEND + 12)
    let png = std::fs::read(dir.join("sample__november_eoi_001.png")).unwrap();
    assert_eq!(reference_tail(Format::Png, &png), seed[4..].to_vec());
    // JPEG: after the last FF D9
    let jpg = std::fs::read(dir.join("sample__november_eoi_004.jpg")).unwrap();
    assert_eq!(reference_tail(Format::Jpeg, &jpg), seed.to_vec());
    // tiny files: nothing
    assert!(reference_tail(Format::Jpeg, &jpg[..999]).is_empty());
    // meta carries the tail
    let t = v4(&dir.join("sample__november_eoi_004.jpg"));
    assert_eq!((t.meta[0] * 255.0).round() as u8, seed[0]);
}

#[test]
fn pillow_modes_for_sub_byte_grey_grey_bmp_and_gif_screens() {
    // 1-bit grey PNG: Pillow scales to 0/255 (a 2-pixel image written here: white, black)
    let mut png = Vec::new();
    {
        let mut e = png::Encoder::new(&mut png, 2, 1);
        e.set_color(png::ColorType::Grayscale);
        e.set_depth(png::BitDepth::One);
        let mut w = e.write_header().unwrap();
        w.write_image_data(&[0b1000_0000]).unwrap();
    }
    let (format, info, decoded) = Detector::rules_only().decode(&png).unwrap();
    let t = tensors(format, &png, &info, &decoded.frames[0]);
    // the 2x1 image sits at row 127, columns 127..129 of the padded crop
    assert_eq!(
        (
            t.pixel_tensor[127 * 256 + 127],
            t.pixel_tensor[127 * 256 + 128]
        ),
        (1.0, 0.0)
    );
    // 8-bit BMP with the identity grey palette: Pillow opens it as L (no palette streams)
    let mut bmp = Vec::new();
    let grey: Vec<u8> = (0..64 * 64).map(|i| (i % 251) as u8).collect();
    image::codecs::bmp::BmpEncoder::new(&mut bmp)
        .encode(&grey, 64, 64, image::ExtendedColorType::L8)
        .unwrap();
    let (format, info, decoded) = Detector::rules_only().decode(&bmp).unwrap();
    assert_eq!(
        decoded.frames[0].mode.as_str(),
        "P",
        "our planes keep the indices"
    );
    let t = tensors(format, &bmp, &info, &decoded.frames[0]);
    assert_eq!(t.format_features[2], 0.0);
    assert_eq!(sum(&t.palette) + sum(&t.palette_lsb), 0.0);
    // GIF whose first frame is smaller than the logical screen: the screen is what Pillow sizes
    let mut gif = Vec::new();
    {
        let mut enc = gif::Encoder::new(&mut gif, 32, 32, &[0, 0, 0, 255, 255, 255]).unwrap();
        let frame = gif::Frame {
            left: 4,
            top: 4,
            width: 8,
            height: 8,
            buffer: std::borrow::Cow::Owned(vec![1u8; 64]),
            ..Default::default()
        };
        enc.write_frame(&frame).unwrap();
    }
    let (format, info, decoded) = Detector::rules_only().decode(&gif).unwrap();
    let t = tensors(format, &gif, &info, &decoded.frames[0]);
    assert_eq!(&t.format_features[4..], &[32.0 / 256.0, 32.0 / 256.0]);
    // the 8x8 white frame sits at (4,4) of the 32x32 screen, centred in the 256 crop at 112
    let plane = 256 * 256;
    let at = |y: usize, x: usize| t.pixel_tensor[(112 + y) * 256 + 112 + x];
    assert_eq!(
        (at(4, 4), at(3, 3), at(11, 11), at(12, 12)),
        (1.0, 0.0, 1.0, 0.0)
    );
    assert_eq!(sum(&t.pixel_tensor[..plane]), 64.0);
}
