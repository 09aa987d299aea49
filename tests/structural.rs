//! Scattered (random-position) LSB replacement, invisible to content search, is caught by the
//! structural estimators on natural never-compressed images, and the same covers stay clean.

mod common;

use stegodetect::{Detector, Method};

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

/// Replace the LSB of a random `rate` fraction of the RGB samples with random bits.
fn random_lsb(png: &[u8], rate: f64, seed: u64) -> Vec<u8> {
    let img = image::load_from_memory(png).unwrap().to_rgb8();
    let (w, h) = img.dimensions();
    let mut px = img.into_raw();
    let mut s = seed | 1;
    for v in px.iter_mut() {
        if (xorshift(&mut s) % 10_000) as f64 / 10_000.0 < rate {
            *v = (*v & !1) | (xorshift(&mut s) & 1) as u8;
        }
    }
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image_rgb(&px, w, h)
        .unwrap();
    out
}

trait WriteRgb {
    fn write_image_rgb(self, px: &[u8], w: u32, h: u32) -> image::ImageResult<()>;
}
impl<W: std::io::Write> WriteRgb for image::codecs::png::PngEncoder<W> {
    fn write_image_rgb(self, px: &[u8], w: u32, h: u32) -> image::ImageResult<()> {
        use image::ImageEncoder;
        self.write_image(px, w, h, image::ExtendedColorType::Rgb8)
    }
}

#[test]
fn random_lsb_replacement_is_detected_structurally() {
    let det = Detector::rules_only();
    let dir = common::starlight_sample().join("clean");
    let mut tried = 0;
    for name in [
        "clean-0004.png",
        "clean-0029.png",
        "clean-0038.png",
        "clean-0106.png",
        "clean-0127.png",
    ] {
        let cover = std::fs::read(dir.join(name)).unwrap();
        let clean = det.scan_bytes(&cover).unwrap();
        if !clean.profile.structural_applicable {
            continue;
        }
        tried += 1;
        assert!(!clean.is_stego, "{name}: clean cover flagged");
        let st = det.scan_bytes(&random_lsb(&cover, 0.5, 7)).unwrap();
        assert!(
            st.is_stego,
            "{name}: rate 0.5 missed, estimates {:?}",
            st.structural
        );
        assert_eq!(st.method, Some(Method::LsbRgb));
        assert!(st.findings[0].analysis == "structural");
        // WS is the detection statistic (it reads up to ~2x high on some covers); SPA estimates the
        // rate itself
        let s = st.structural.as_ref().unwrap();
        assert!(s.rate >= 0.3, "{name}: WS statistic {}", s.rate);
        for spa in &s.spa {
            assert!((0.4..0.6).contains(spa), "{name}: SPA estimate {spa}");
        }
    }
    assert!(
        tried >= 4,
        "too few natural covers with structural analysis: {tried}"
    );
}
