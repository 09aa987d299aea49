//! The analyst's view (`Detector::inspect`): bit planes marked where the evidence is, a heat map
//! whose band covers a sequential payload's real extent, the extent estimated, metadata and
//! trailer shown, bounded sizes for large images, typed errors for bad input.

mod common;

use image::ImageEncoder as _;
use stegodetect::embed::{embed, EmbedOptions};
use stegodetect::inspect::{self, Inspection};
use stegodetect::Method;

fn inspect(bytes: &[u8]) -> Inspection {
    common::detector().inspect(bytes).expect("inspect")
}

fn example(name: &str) -> Vec<u8> {
    std::fs::read(common::root().join("examples/images").join(name)).unwrap()
}

/// Names (`R0`, `A0`, `index0`, ...) of the planes marked as evidence.
fn marked(i: &Inspection) -> Vec<String> {
    i.planes
        .iter()
        .filter(|p| p.evidence)
        .map(|p| format!("{}{}", p.channel, p.bit))
        .collect()
}

#[test]
fn planes_of_the_method_found_are_marked() {
    for (file, method, planes) in [
        ("stego-lsb.png", Method::LsbRgb, vec!["R0", "G0", "B0"]),
        ("stego-alpha.png", Method::Alpha, vec!["A0"]),
        ("stego-palette.gif", Method::Palette, vec!["index0"]),
    ] {
        let i = inspect(&example(file));
        assert_eq!(i.result.method, Some(method), "{file}");
        assert_eq!(marked(&i), planes, "{file}");
        // every bit of every channel is there, at the displayed size
        let channels = match method {
            Method::Alpha => 4,
            Method::Palette => 1,
            _ => 3,
        };
        assert_eq!(i.planes.len(), 8 * channels, "{file}");
        let n = (i.display_width * i.display_height) as usize;
        assert!(i
            .planes
            .iter()
            .all(|p| p.bits.len() == n && p.bits.iter().all(|&b| b <= 1)));
        assert_eq!(i.preview.len(), 4 * n);
        // a payload read from the first pixel: its extent comes from its length
        let x = i.extent.as_ref().expect("extent");
        assert_eq!(x.source, "payload", "{file}");
        assert!(x.pixels > 0 && x.rows < i.height as f64, "{file}: {x:?}");
    }
}

#[test]
fn metadata_and_trailer_payloads_are_shown_with_their_judgement() {
    let i = inspect(&example("stego-exif.jpg"));
    assert_eq!(i.result.method, Some(Method::Exif));
    assert!(marked(&i).is_empty(), "no plane carries an EXIF payload");
    assert!(i.heat.is_none(), "a JPEG's LSBs are codec noise");
    // the coefficient histogram and its calibrated estimate: shares (|v| > 8 left out), zero
    // the most common value in both, the two close on a clean image's coefficients
    let c = i
        .coefficients
        .as_ref()
        .expect("a JPEG's coefficient histogram");
    assert_eq!(c.values.len(), 17);
    for h in [&c.image, &c.calibrated] {
        let total: f64 = h.iter().sum();
        assert!(total > 0.5 && total <= 1.0 + 1e-9, "{h:?}");
        assert!(h.iter().all(|&v| v <= h[8]), "{h:?}");
    }
    assert!((c.image[8] - c.calibrated[8]).abs() < 0.1, "{c:?}");
    let row = i
        .metadata
        .iter()
        .find(|m| m.evidence)
        .expect("the field is evidence");
    assert!(row.field.starts_with("exif:"), "{row:?}");
    assert!(row.judgement.starts_with("evidence"), "{row:?}");
    assert!(
        row.preview.contains("Meet at the old lighthouse"),
        "{row:?}"
    );

    let i = inspect(&example("stego-raw.webp"));
    assert!(i.coefficients.is_none());
    assert_eq!(i.result.method, Some(Method::Raw));
    let t = i.trailer.as_ref().expect("trailer");
    assert!(
        t.hex_dump
            .starts_with(&format!("{:08x}  ", t.trailer.offset)),
        "{}",
        t.hex_dump
    );
    assert!(t.hex_dump.contains("|Meet at the old |"), "{}", t.hex_dump);
}

#[test]
fn a_clean_image_has_no_marked_plane_and_no_extent() {
    for name in ["clean-photo.png", "clean-icon.png", "clean-palette.gif"] {
        let i = inspect(&example(name));
        assert!(!i.result.is_stego, "{name}");
        assert!(marked(&i).is_empty(), "{name}");
        assert!(i.extent.is_none(), "{name}: {:?}", i.extent);
    }
}

/// Mean of the finite values of block row `r`.
fn row_mean(g: &inspect::Grid, r: usize) -> Option<f32> {
    let row = &g.values[r * g.cols as usize..(r + 1) * g.cols as usize];
    let v: Vec<f32> = row.iter().copied().filter(|v| v.is_finite()).collect();
    (!v.is_empty()).then(|| v.iter().sum::<f32>() / v.len() as f32)
}

#[test]
fn the_heat_map_of_a_sequential_payload_covers_its_real_extent() {
    let cover = std::fs::read(common::starlight_sample().join("clean/clean-0029.png")).unwrap();
    let width = 256.0; // the cover's size
    for (k, bytes) in [1_500usize, 6_000, 12_000, 20_000].into_iter().enumerate() {
        // random bytes: nothing to read, only the sequential analysis and the heat map see them
        let payload = common::random_bytes(bytes, 0x5eed + k as u64);
        let stego = embed(&cover, &payload, &EmbedOptions::new(Method::LsbRgb))
            .unwrap()
            .bytes;
        let i = inspect(&stego);
        assert_eq!(i.width as f64, width);
        // payload and its terminator at one bit per R, G and B sample
        let rows = (bytes + 1) as f64 * 8.0 / 3.0 / width;
        let x = i.extent.as_ref().expect("extent estimated");
        assert!(
            (x.rows - rows).abs() <= 8.0,
            "{bytes} B: extent {:.1} rows, true {rows:.1} ({})",
            x.rows,
            x.source
        );
        let g = i
            .heat
            .as_ref()
            .and_then(|h| h.rate.as_ref())
            .expect("rate map");
        let block = g.block as f64;
        // block rows wholly inside the payload are hot, those wholly after it are not
        let (mut inside, mut after) = (Vec::new(), Vec::new());
        for r in 0..g.rows as usize {
            let (top, bottom) = (r as f64 * block, (r + 1) as f64 * block);
            match row_mean(g, r) {
                Some(m) if bottom <= rows => inside.push(m),
                Some(m) if top >= rows => after.push(m),
                _ => {}
            }
        }
        let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len().max(1) as f32;
        assert!(
            !inside.is_empty() && mean(&inside) > 0.6,
            "{bytes} B: inside {inside:?}"
        );
        assert!(
            after.is_empty() || mean(&after) < 0.25,
            "{bytes} B: after {after:?}"
        );
        assert!(
            inside.iter().all(|&m| m > 0.35),
            "{bytes} B: a cold row inside the payload: {inside:?}"
        );
        // the pair map (coarser blocks) tells the same story, less sharply
        let g = &i.heat.as_ref().unwrap().pairs;
        let (mut inside, mut after) = (Vec::new(), Vec::new());
        for r in 0..g.rows as usize {
            let (top, bottom) = (r as f64 * g.block as f64, (r + 1) as f64 * g.block as f64);
            match row_mean(g, r) {
                Some(m) if bottom <= rows => inside.push(m),
                Some(m) if top >= rows => after.push(m),
                _ => {}
            }
        }
        // (where a region's own histogram is smooth the shifted pairs are equal too: the
        // statistic is conservative there, so the mean is judged, not every row)
        // (1,500 bytes fill no whole 32-pixel block row)
        assert!(
            inside.is_empty() == (bytes < 3_000),
            "{bytes} B: {inside:?}"
        );
        assert!(
            inside.is_empty() || mean(&inside) > 0.4,
            "{bytes} B: pairs inside {inside:?}"
        );
        assert!(
            after.is_empty() || mean(&after) < 0.2,
            "{bytes} B: pairs after {after:?}"
        );
    }
}

#[test]
fn large_images_are_shown_downsampled_within_bounds() {
    // a 1500x1100 RGB gradient with noise
    let (w, h) = (1500u32, 1100u32);
    let noise = common::random_bytes((w * h * 3) as usize, 7);
    let mut samples = Vec::with_capacity(noise.len());
    for y in 0..h {
        for x in 0..w {
            for c in 0..3u32 {
                let n = noise[((y * w + x) * 3 + c) as usize] % 5;
                samples.push(((x / 7 + y / 5 + c * 40) % 200) as u8 + n);
            }
        }
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&samples, w, h, image::ExtendedColorType::Rgb8)
        .unwrap();
    let i = inspect(&png);
    assert_eq!(i.scale, 3);
    assert!(i.display_width <= inspect::MAX_SIDE && i.display_height <= inspect::MAX_SIDE);
    let h = i.heat.as_ref().unwrap();
    let g = h.rate.as_ref().unwrap();
    assert!(
        g.cols <= inspect::MAX_GRID && g.rows <= inspect::MAX_GRID,
        "{} x {}",
        g.cols,
        g.rows
    );
    let page = inspect::page::render(&i, "big.png").unwrap();
    assert!(
        page.html.len() < 4 << 20,
        "page of {} bytes",
        page.html.len()
    );
    assert!(page.html.contains("shown every 3 pixels"));
}

#[test]
fn bad_input_is_a_typed_error() {
    let det = common::detector();
    let lsb = example("stego-lsb.png");
    for bad in [&b""[..], &b"not an image"[..], &lsb[..lsb.len() / 3]] {
        let e = det.inspect(bad).expect_err("bad input");
        assert!(!matches!(e, stegodetect::Error::Internal(_)), "{e}");
    }
}

#[test]
fn scattered_embedding_shows_as_uniform_noise_not_a_band() {
    let cover = std::fs::read(common::starlight_sample().join("clean/clean-0029.png")).unwrap();
    // 20,000 bytes at random R, G, B positions of a 256x256 cover: about 0.8 of the samples
    let mut o = EmbedOptions::new(Method::LsbRgb);
    o.scatter_key = Some(7);
    let stego = embed(&cover, &common::random_bytes(20_000, 3), &o)
        .unwrap()
        .bytes;
    let i = inspect(&stego);
    assert!(i.extent.is_none(), "no sequential extent: {:?}", i.extent);
    let g = i.heat.as_ref().and_then(|h| h.rate.as_ref()).unwrap();
    let rows: Vec<f32> = (0..g.rows as usize)
        .filter_map(|r| row_mean(g, r))
        .collect();
    let (top, bottom) = rows.split_at(rows.len() / 2);
    let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
    // raised everywhere, and as much at the bottom as at the top
    assert!(mean(top) > 0.3 && mean(bottom) > 0.3, "{rows:?}");
    assert!((mean(top) - mean(bottom)).abs() < 0.2, "{rows:?}");
}
