//! Training/evaluation data for the default model, written by the library's own `embed`:
//!
//! ```text
//! cargo run --release --example make_dataset -- --out data/dataset \
//!     --seeds ../shared/data/starlight-sample/seeds --per-source 600 SOURCE_DIR...
//! ```
//! Each SOURCE_DIR is one source (its folder name is the source name; the Starlight sample folder
//! `clean` is named `starlight-sample`). For every cover (up to `--per-source`, spread over the
//! sorted listing): the cover itself (clean); one hard negative of a kind chosen by index
//! (re-encoded JPEG, legitimate camera EXIF with a caption, a known phone trailer, zero padding,
//! ordinary PNG text chunks, a smooth synthetic gradient); and two stego images with methods taken
//! in turn from those the cover can carry, payloads of Starlight seed text (16 bytes up to the
//! whole seed), random bytes, or a binary file (16 bytes up to capacity), both bit orders, and the
//! Starlight quirks on some; on half the lossless colour covers of 128x128 or more, scattered LSB
//! replacement too (random positions, 2-50 % of the samples, no payload file). Writes `manifest.jsonl` (path, label, method, payload_file, source,
//! kind). Deterministic: the same inputs give the same files.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::json;
use stegodetect::embed::{embed, png_chunk, with_exif_block, EmbedOptions};
use stegodetect::{BitOrder, Detector, Format, Method};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Little-endian TIFF with IFD0 ASCII tags and an Exif IFD holding a UserComment.
fn camera_tiff(
    make: &str,
    model: &str,
    software: &str,
    description: Option<&str>,
    comment: &[u8],
) -> Vec<u8> {
    let mut ifd0: Vec<(u16, Vec<u8>)> = vec![
        (0x010F, make.into()),
        (0x0110, model.into()),
        (0x0131, software.into()),
    ];
    if let Some(d) = description {
        ifd0.insert(0, (0x010E, d.into()));
    }
    ifd0.push((0x0132, b"2024:06:01 12:34:56".to_vec()));
    let mut uc = b"ASCII\0\0\0".to_vec();
    uc.extend_from_slice(comment);
    // layout: header(8) | IFD0 | IFD0 values | ExifIFD | values
    let n0 = ifd0.len() + 1;
    let ifd0_size = 2 + n0 * 12 + 4;
    let mut values = Vec::new();
    let vals_start = 8 + ifd0_size;
    let mut entries = Vec::new();
    for (tag, v) in &ifd0 {
        let mut v = v.clone();
        v.push(0);
        let off = vals_start + values.len();
        entries.push((
            *tag,
            2u16,
            v.len() as u32,
            if v.len() <= 4 {
                u32::from_le_bytes(pad4(&v))
            } else {
                off as u32
            },
        ));
        if v.len() > 4 {
            values.extend_from_slice(&v);
            if values.len() % 2 == 1 {
                values.push(0);
            }
        }
    }
    let exif_ifd_at = vals_start + values.len();
    entries.push((0x8769, 4, 1, exif_ifd_at as u32));
    let uc_at = exif_ifd_at + 2 + 12 + 4;
    let mut t = b"II*\0\x08\0\0\0".to_vec();
    t.extend_from_slice(&(n0 as u16).to_le_bytes());
    for (tag, ty, count, v) in entries {
        t.extend_from_slice(&tag.to_le_bytes());
        t.extend_from_slice(&ty.to_le_bytes());
        t.extend_from_slice(&count.to_le_bytes());
        t.extend_from_slice(&v.to_le_bytes());
    }
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&values);
    t.extend_from_slice(&1u16.to_le_bytes());
    t.extend_from_slice(&0x9286u16.to_le_bytes());
    t.extend_from_slice(&7u16.to_le_bytes());
    t.extend_from_slice(&(uc.len() as u32).to_le_bytes());
    t.extend_from_slice(&(uc_at as u32).to_le_bytes());
    t.extend_from_slice(&0u32.to_le_bytes());
    t.extend_from_slice(&uc);
    t
}

fn pad4(v: &[u8]) -> [u8; 4] {
    let mut a = [0u8; 4];
    a[..v.len()].copy_from_slice(v);
    a
}

fn encode(rgb: &[u8], w: u32, h: u32, f: image::ImageFormat, q: u8) -> Vec<u8> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    match f {
        image::ImageFormat::Jpeg => image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, q)
            .write_image(rgb, w, h, image::ExtendedColorType::Rgb8)
            .unwrap(),
        _ => image::codecs::png::PngEncoder::new(&mut out)
            .write_image(rgb, w, h, image::ExtendedColorType::Rgb8)
            .unwrap(),
    }
    out
}

const CAMERAS: [(&str, &str, &str); 5] = [
    (
        "Canon",
        "Canon EOS 80D",
        "Adobe Photoshop Lightroom Classic 12.0",
    ),
    ("NIKON CORPORATION", "NIKON D750", "Ver.1.10"),
    ("samsung", "SM-G991B", "G991BXXU5CVDD"),
    ("Apple", "iPhone 13", "16.5"),
    ("OLYMPUS IMAGING CORP.", "E-M10", "Version 1.0"),
];

/// Photo captions of the kind photo managers write into UserComment.
const CAPTIONS: [&str; 6] = [
    "Colorful cups. Aarhus, Denmark.",
    "Sunset over the harbour, late August.",
    "Grandma's 80th birthday party in the garden",
    "Morning fog on the lake",
    "View from the summit, looking north towards the glacier.",
    "Street market, Saturday",
];

/// One hard negative (clean) of the kind picked by `k`.
fn hard_negative(
    k: u64,
    cover: &[u8],
    rgb: &(Vec<u8>, u32, u32),
    seeds: &[Vec<u8>],
    rng: &mut Rng,
) -> Option<(&'static str, Vec<u8>, &'static str)> {
    let (px, w, h) = rgb;
    match k % 6 {
        0 => Some((
            "reencoded-jpeg",
            encode(
                px,
                *w,
                *h,
                image::ImageFormat::Jpeg,
                70 + rng.below(26) as u8,
            ),
            "jpg",
        )),
        1 => {
            let cam = CAMERAS[rng.below(5) as usize];
            let caption = (rng.below(2) == 0).then(|| {
                let s = &seeds[rng.below(seeds.len() as u64) as usize];
                let n = (40 + rng.below(160) as usize).min(s.len());
                String::from_utf8_lossy(&s[..n]).replace('\n', " ")
            });
            // UserComment: empty, a short tag, a photo manager's one-line caption, or a stock
            // site's credit line
            let comment: Vec<u8> = match rng.below(4) {
                0 => b"Screenshot".to_vec(),
                3 => format!(
                    "{} image \"{}-{}_{}.jpg\"",
                    ["Stock", "Free photo", "Wallpaper"][rng.below(3) as usize],
                    ["forest", "city", "beach", "road"][rng.below(4) as usize],
                    rng.below(9000) + 1000,
                    [340, 640, 1280, 1920][rng.below(4) as usize]
                )
                .into_bytes(),
                1 => format!(
                    "{} Shot on {} {}. Processed in {}.",
                    CAPTIONS[rng.below(CAPTIONS.len() as u64) as usize],
                    cam.0,
                    cam.1,
                    cam.2
                )
                .into_bytes(),
                _ => Vec::new(),
            };
            let jpg = encode(px, *w, *h, image::ImageFormat::Jpeg, 90);
            let tiff = camera_tiff(cam.0, cam.1, cam.2, caption.as_deref(), &comment);
            Some(("camera-exif", with_exif_block(&jpg, &tiff).ok()?, "jpg"))
        }
        2 => {
            // phone trailers: an MPF second image, or a motion-photo MP4 announced in XMP
            let jpg = encode(px, *w, *h, image::ImageFormat::Jpeg, 88);
            let mut out = jpg[..2].to_vec();
            if rng.below(2) == 0 {
                out.extend_from_slice(&[0xFF, 0xE2, 0x00, 0x08, b'M', b'P', b'F', 0, 0, 0]);
                out.extend_from_slice(&jpg[2..]);
                out.extend_from_slice(&encode(
                    &px[..(*w as usize * 3 * (*h as usize / 2).max(1))],
                    *w,
                    (*h / 2).max(1),
                    image::ImageFormat::Jpeg,
                    70,
                ));
            } else {
                let xmp = b"http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:Description GCamera:MotionPhoto=\"1\"/></x:xmpmeta>";
                out.extend_from_slice(&[0xFF, 0xE1]);
                out.extend_from_slice(&((xmp.len() + 2) as u16).to_be_bytes());
                out.extend_from_slice(xmp);
                out.extend_from_slice(&jpg[2..]);
                let mut mp4 = vec![0, 0, 0, 0x18];
                mp4.extend_from_slice(b"ftypmp42\0\0\0\0mp42isom");
                let n = 2000 + rng.below(20000) as usize;
                mp4.extend(rng.bytes(n));
                out.extend(mp4);
            }
            Some(("known-trailer", out, "jpg"))
        }
        3 => {
            let mut out = cover.to_vec();
            out.extend(vec![0u8; 1 + rng.below(64) as usize]);
            Some(("zero-padding", out, ""))
        }
        4 => {
            let png = encode(px, *w, *h, image::ImageFormat::Png, 0);
            let mut out = png[..33].to_vec();
            for (k, v) in [
                ("Software", "GIMP 2.10.34"),
                ("Title", "holiday"),
                ("Comment", "Created with GIMP"),
                ("date:create", "2024-06-01T12:34:56+00:00"),
            ] {
                let mut d = k.as_bytes().to_vec();
                d.push(0);
                d.extend_from_slice(v.as_bytes());
                out.extend(png_chunk(b"tEXt", &d));
            }
            out.extend_from_slice(&png[33..]);
            Some(("png-text", out, "png"))
        }
        _ => {
            // smooth synthetic gradient with a little noise
            let (gw, gh) = (64 + rng.below(448) as u32, 64 + rng.below(448) as u32);
            let mut g = Vec::with_capacity((gw * gh * 3) as usize);
            let (a, b) = (rng.below(255) as f32, rng.below(255) as f32);
            for y in 0..gh {
                for x in 0..gw {
                    let t = (x as f32 / gw as f32 + y as f32 / gh as f32) / 2.0;
                    let n = (rng.below(5) as f32) - 2.0;
                    let v = (a + (b - a) * t + n).clamp(0.0, 255.0) as u8;
                    g.extend_from_slice(&[v, v.wrapping_add((x % 7) as u8), 255 - v]);
                }
            }
            Some((
                "gradient",
                encode(&g, gw, gh, image::ImageFormat::Png, 0),
                "png",
            ))
        }
    }
}

fn ext_of(f: Format) -> &'static str {
    match f {
        Format::Png => "png",
        Format::Jpeg => "jpg",
        Format::Gif => "gif",
        Format::Bmp => "bmp",
        Format::WebP => "webp",
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (mut out, mut seeds_dir, mut per, mut dirs) =
        (PathBuf::from("data/dataset"), None, 600usize, Vec::new());
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().map(PathBuf::from).unwrap(),
            "--seeds" => seeds_dir = args.next().map(PathBuf::from),
            "--per-source" => {
                per = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--per-source N")
            }
            _ => dirs.push(PathBuf::from(a)),
        }
    }
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(seeds_dir.expect("--seeds DIR"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    seeds.sort();
    let det = Detector::rules_only(); // decodes covers and keeps those the rules call clean
    let mut rows = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let source = if name == "clean" {
            "starlight-sample".to_string()
        } else {
            name
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        files.sort();
        let step = (files.len() / per).max(1);
        let files: Vec<PathBuf> = files.into_iter().step_by(step).take(per).collect();
        for sub in ["clean", "stego", "payloads"] {
            std::fs::create_dir_all(out.join(sub).join(&source)).unwrap();
        }
        let src_rows: Vec<serde_json::Value> = files
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, path)| make_cover(&det, &out, &source, i, path, &seeds))
            .collect();
        eprintln!(
            "{source}: {} covers, {} images",
            files.len(),
            src_rows.len()
        );
        rows.extend(src_rows);
    }
    let mut m = String::new();
    for r in &rows {
        m += &(r.to_string() + "\n");
    }
    std::fs::write(out.join("manifest.jsonl"), m).unwrap();
    eprintln!(
        "{} images, manifest {}",
        rows.len(),
        out.join("manifest.jsonl").display()
    );
}

fn make_cover(
    det: &Detector,
    out: &Path,
    source: &str,
    i: usize,
    path: &Path,
    seeds: &[Vec<u8>],
) -> Vec<serde_json::Value> {
    let mut rows = Vec::new();
    let Ok(cover) = std::fs::read(path) else {
        return rows;
    };
    let Ok(r) = det.scan_bytes(&cover) else {
        return rows;
    };
    if r.is_stego || r.image.width * r.image.height < 64 {
        return rows; // keep labels honest: only covers the rules see as clean, and not 1-pixel images
    }
    let mut rng =
        Rng(0x9E37_79B9_7F4A_7C15 ^ ((i as u64 + 1) * 0x2545_F491_4F6C_DD1D) ^ source.len() as u64);
    let fmt = r.image.format;
    let rel = |sub: &str, name: String| format!("{sub}/{source}/{name}");
    let clean_rel = rel("clean", format!("{i:05}.{}", ext_of(fmt)));
    std::fs::write(out.join(&clean_rel), &cover).unwrap();
    rows.push(json!({"path": clean_rel, "label": "clean", "source": source, "kind": "cover"}));
    let rgb = image::load_from_memory(&cover).ok().map(|im| {
        let im = im.to_rgb8();
        let (w, h) = im.dimensions();
        (im.into_raw(), w, h)
    });
    if let Some(rgb) = &rgb {
        if let Some((kind, bytes, ext)) = hard_negative(i as u64, &cover, rgb, seeds, &mut rng) {
            let ext = if ext.is_empty() { ext_of(fmt) } else { ext };
            let p = rel("clean", format!("{i:05}-{kind}.{ext}"));
            std::fs::write(out.join(&p), bytes).unwrap();
            rows.push(json!({"path": p, "label": "clean", "source": source, "kind": kind}));
        }
    }
    let applicable: Vec<Method> = Method::STARLIGHT
        .into_iter()
        .filter(|m| match m {
            Method::Exif => matches!(fmt, Format::Jpeg | Format::Png | Format::WebP),
            Method::Palette => r.image.mode == "P",
            _ => true,
        })
        .collect();
    let px = (r.image.width * r.image.height) as usize;
    for k in 0..2 {
        let m = applicable[(i * 2 + k) % applicable.len()];
        let capacity = match m {
            Method::Alpha => px / 8 - 6,
            Method::Palette => px / 8 - 1,
            Method::LsbRgb => px * 3 / 8 - 1,
            Method::Exif => 60_000,
            Method::Raw => 200_000,
            // the dataset trains the pixel/container model: Starlight's five only
            m => unreachable!("{m} is not among Starlight's methods"),
        };
        if capacity < 16 {
            continue;
        }
        let kind_roll = rng.below(100);
        let (kind, payload) = if kind_roll < 70 {
            let s = &seeds[rng.below(seeds.len() as u64) as usize];
            let max = s.len().min(capacity);
            // log-uniform size from 16 bytes to the whole seed
            let size = (16.0 * ((max as f64 / 16.0).max(1.0)).powf(rng.below(1001) as f64 / 1000.0))
                as usize;
            let mut size = size.clamp(16, max);
            while std::str::from_utf8(&s[..size]).is_err() {
                size -= 1;
            }
            ("seed-text", s[..size].to_vec())
        } else {
            let size = (16.0
                * ((capacity as f64 / 16.0).max(1.0)).powf(rng.below(1001) as f64 / 1000.0))
                as usize;
            let size = size.clamp(16, capacity.min(100_000));
            if kind_roll < 85 {
                ("random", rng.bytes(size))
            } else {
                let mut b = b"PK\x03\x04\x14\0\0\0\x08\0".to_vec();
                b.extend(rng.bytes(size.saturating_sub(10)));
                ("binary-zip", b)
            }
        };
        let opts = EmbedOptions {
            method: m,
            bit_order: if rng.below(2) == 0 {
                BitOrder::MsbFirst
            } else {
                BitOrder::LsbFirst
            },
            starlight_quirks: rng.below(10) < 3,
            output_format: None,
            scatter_key: None,
        };
        let Ok(st) = embed(&cover, &payload, &opts) else {
            continue;
        };
        let p = rel(
            "stego",
            format!("{i:05}-{k}-{}.{}", m.name(), ext_of(st.format)),
        );
        let pf = rel("payloads", format!("{i:05}-{k}.bin"));
        std::fs::write(out.join(&p), &st.bytes).unwrap();
        std::fs::write(out.join(&pf), &payload).unwrap();
        rows.push(json!({"path": p, "label": "stego", "method": m.name(), "payload_file": pf, "source": source,
                         "kind": kind, "bit_order": opts.bit_order.as_str(), "quirks": opts.starlight_quirks}));
    }
    // scattered LSB replacement (random positions and bits) on half the lossless colour covers
    // that statistics can judge, at a rate log-uniform from 2 % to 50 % of the samples
    let lossless_colour = matches!(r.image.mode, "RGB" | "RGBA") && !r.profile.lossy;
    if lossless_colour && px >= 128 * 128 && rng.below(2) == 0 {
        let rate = 0.02 * 25f64.powf(rng.below(1001) as f64 / 1000.0);
        if let Ok(st) = stegodetect::embed::scatter_random(&cover, rate, rng.next()) {
            let p = rel("stego", format!("{i:05}-scattered.png"));
            std::fs::write(out.join(&p), &st.bytes).unwrap();
            rows.push(
                json!({"path": p, "label": "stego", "method": "lsb.rgb", "source": source,
                             "kind": "scattered", "rate": rate}),
            );
        }
    }
    rows
}
