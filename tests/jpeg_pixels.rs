//! JPEG pixels are made from the quantised coefficients the JPEG-domain analyses read (one
//! entropy decoding per file): they must be libjpeg-turbo's, bit for bit, for every layout that
//! path handles. The expected SHA-256 of each file's RGB (or grey) samples is Pillow 11.3's
//! decode (libjpeg-turbo): `np.asarray(Image.open(f).convert(mode)).tobytes()`.

use sha2::{Digest, Sha256};
use stegodetect::container::{self, Format};
use stegodetect::options::Limits;
use stegodetect::planes::{self, ColorMode};

fn decode(path: &str) -> planes::PixelPlanes {
    let bytes = std::fs::read(path).unwrap();
    let limits = Limits::default();
    let info = container::parse(Format::Jpeg, &bytes, &limits).unwrap();
    let mut d = planes::decode(Format::Jpeg, &bytes, &info, &limits).unwrap();
    d.frames.remove(0)
}

fn sha(samples: &[u8]) -> String {
    Sha256::digest(samples)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn pixels_are_libjpeg_turbos_for_every_layout_the_coefficient_path_handles() {
    for (file, mode, want) in [
        // 45x31 crops: odd sizes, so chroma edges and partial blocks count
        (
            "jpeg-layouts/s444.jpg",
            ColorMode::Rgb,
            "d2ee9dbfbe0cceafd9c0e9702618b09990e0487608462f81f898c4fdbd04d6df",
        ),
        (
            "jpeg-layouts/s422.jpg",
            ColorMode::Rgb,
            "a18376857e2758d22cea278186348da2f4b7be7e319107d9b8e6a96234f84eb9",
        ),
        (
            "jpeg-layouts/s440.jpg",
            ColorMode::Rgb,
            "b76fb37cbbdfc73f7ddf595b8c087836a8432db65fbac0b15c87a049dd27b750",
        ),
        (
            "jpeg-layouts/s420.jpg",
            ColorMode::Rgb,
            "47a67f18f35dfc7172bb79cbbfb87e361099bd10ec7b69ba74e89b9e8f855139",
        ),
        (
            "jpeg-layouts/s420-progressive.jpg",
            ColorMode::Rgb,
            "47a67f18f35dfc7172bb79cbbfb87e361099bd10ec7b69ba74e89b9e8f855139",
        ),
        (
            "clean/baseline.jpg",
            ColorMode::Rgb,
            "ef83ae1af98b9fe93057b7bc21bc29c227f1f40454b855988d24c65a4e8310e8",
        ),
        (
            "clean/progressive.jpg",
            ColorMode::Rgb,
            "ef83ae1af98b9fe93057b7bc21bc29c227f1f40454b855988d24c65a4e8310e8",
        ),
        (
            "clean/camera_exif.jpg",
            ColorMode::Rgb,
            "7c6c980ad41eec513c76547ad89d3a9781363b639dd113a54ef6de4a4f43b97a",
        ),
        (
            "clean/grey.jpg",
            ColorMode::Grey,
            "bb4bbf6fad63f8cdd4e8cd2782091019b9647af7d14ba2eb9752cdf8920ba224",
        ),
    ] {
        let p = decode(&format!("tests/fixtures/{file}"));
        assert_eq!(p.mode, mode, "{file}");
        assert_eq!(sha(&p.samples), want, "{file}");
    }
}

#[test]
fn other_layouts_fall_back_to_the_general_decoder() {
    // 4:1:1 chroma (a quarter width) is not the coefficient path's: decoded all the same, and
    // close to libjpeg-turbo's (Pillow's mean sample 193.866)
    let p = decode("tests/fixtures/jpeg-layouts/s411.jpg");
    assert_eq!((p.width, p.height, p.mode), (45, 31, ColorMode::Rgb));
    let mean = p.samples.iter().map(|&v| v as f64).sum::<f64>() / p.samples.len() as f64;
    assert!((mean - 193.866).abs() < 0.5, "{mean}");
}
