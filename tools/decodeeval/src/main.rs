//! Decoder comparison (issue 18, docs/measured.md): stegodetect's own decode step
//! (`Detector::decode`: container walk and pixels, for JPEGs the coefficients and pixels made
//! from them; still WebPs through libwebp) against the decoders available as crates on the same
//! files: png, zune-png, zune-jpeg, libjpeg-turbo-rs, image-webp, libwebp (`webp`); for JPEGs
//! also libjpeg-turbo-rs's coefficients alone (what stegodetect's pixels are made from), and
//! zune-jpeg's or libjpeg-turbo-rs's pixels each with a separate coefficient read (what a scan
//! needs, pixels and coefficients, from the peers). `DECODEEVAL_ONLY=NAME` times one decoder
//! alone (for a profiler). Single
//! thread (`RAYON_NUM_THREADS=1` unless set), medians over rounds of each decoder's total per
//! format, decoders interleaved per round.
//! Usage: decodeeval [--rounds N] FILE_OR_DIR...
use std::time::Instant;

fn files(args: &[String]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for a in args {
        let p = std::path::Path::new(a);
        if p.is_dir() {
            let mut v: Vec<_> = std::fs::read_dir(p)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .collect();
            v.sort();
            for f in v {
                if let Ok(b) = std::fs::read(&f) {
                    out.push(b);
                }
            }
        } else if let Ok(b) = std::fs::read(p) {
            out.push(b);
        }
    }
    out
}

type Dec = (&'static str, fn(&[u8]) -> Option<usize>);

fn ours(b: &[u8]) -> Option<usize> {
    static DET: std::sync::OnceLock<stegodetect::Detector> = std::sync::OnceLock::new();
    let det = DET.get_or_init(stegodetect::Detector::rules_only);
    let (_, _, d) = det.decode(b).ok()?;
    Some(d.frames[0].samples.len())
}

fn png_crate(b: &[u8]) -> Option<usize> {
    let mut d = png::Decoder::new(std::io::Cursor::new(b));
    d.set_transformations(png::Transformations::IDENTITY);
    let mut r = d.read_info().ok()?;
    let mut buf = vec![0; r.output_buffer_size()?];
    r.next_frame(&mut buf).ok()?;
    Some(buf.len())
}

fn zune_png(b: &[u8]) -> Option<usize> {
    let mut d = zune_png::PngDecoder::new(zune_core::bytestream::ZCursor::new(b));
    d.decode_raw().ok().map(|v| v.len())
}

fn zune_jpeg(b: &[u8]) -> Option<usize> {
    let mut d = zune_jpeg::JpegDecoder::new(zune_core::bytestream::ZCursor::new(b));
    d.decode().ok().map(|v| v.len())
}

/// The same with libjpeg-turbo-rs's pixels.
fn turbo_and_coefficients(b: &[u8]) -> Option<usize> {
    let c = libjpeg_turbo_rs::read_coefficients(b).ok()?;
    Some(turbo_rs(b)? + c.components.len())
}

/// What stegodetect's JPEG step would cost with a separate pixel decoder: zune-jpeg's pixels and
/// the coefficients the JPEG-domain analyses read (stegodetect makes its pixels from those).
fn zune_and_coefficients(b: &[u8]) -> Option<usize> {
    let c = libjpeg_turbo_rs::read_coefficients(b).ok()?;
    Some(zune_jpeg(b)? + c.components.len())
}

/// The coefficients alone (what stegodetect's pixels are made from).
fn coefficients(b: &[u8]) -> Option<usize> {
    libjpeg_turbo_rs::read_coefficients(b)
        .ok()
        .map(|c| c.components.len())
}

fn turbo_rs(b: &[u8]) -> Option<usize> {
    libjpeg_turbo_rs::decompress(b).ok().map(|i| i.data.len())
}

fn image_webp(b: &[u8]) -> Option<usize> {
    let mut d = image_webp::WebPDecoder::new(std::io::Cursor::new(b)).ok()?;
    let mut buf = vec![0; d.output_buffer_size()?];
    d.read_image(&mut buf).ok()?;
    Some(buf.len())
}

fn libwebp(b: &[u8]) -> Option<usize> {
    webp::Decoder::new(b).decode().map(|i| i.len())
}

fn main() {
    // one thread for every decoder: stegodetect's JPEG path would otherwise run the three
    // components' IDCTs on a second core (rayon) while the others decode on one
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        std::env::set_var("RAYON_NUM_THREADS", "1");
    }
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut rounds = 3;
    if args.first().map(String::as_str) == Some("--rounds") {
        rounds = args[1].parse().unwrap();
        args.drain(..2);
    }
    let all = files(&args);
    let groups: [(&str, &[u8], Vec<Dec>); 3] = [
        (
            "png",
            b"\x89PNG",
            vec![
                ("stegodetect", ours),
                ("png", png_crate),
                ("zune-png", zune_png),
            ],
        ),
        (
            "jpeg",
            b"\xff\xd8\xff",
            vec![
                ("stegodetect", ours),
                ("zune-jpeg", zune_jpeg),
                ("libjpeg-turbo-rs", turbo_rs),
                ("zune-jpeg + coefs", zune_and_coefficients),
                ("libjpeg-turbo-rs + coefs", turbo_and_coefficients),
                ("coefficients only", coefficients),
            ],
        ),
        (
            "webp",
            b"RIFF",
            vec![
                ("stegodetect", ours),
                ("image-webp", image_webp),
                ("libwebp", libwebp),
            ],
        ),
    ];
    // DECODEEVAL_ONLY=NAME times one decoder alone (for a profiler)
    let only = std::env::var("DECODEEVAL_ONLY").ok();
    for (name, magic, mut decs) in groups {
        if let Some(o) = &only {
            decs.retain(|(d, _)| d == o);
        }
        // files every decoder of the group decodes
        let set: Vec<&Vec<u8>> = all
            .iter()
            .filter(|b| b.starts_with(magic) && decs.iter().all(|(_, f)| f(b).is_some()))
            .collect();
        let skipped = all.iter().filter(|b| b.starts_with(magic)).count() - set.len();
        if set.is_empty() {
            continue;
        }
        let mut times = vec![Vec::new(); decs.len()];
        for round in 0..rounds {
            for k in 0..decs.len() {
                let i = (round + k) % decs.len();
                let t = Instant::now();
                for b in &set {
                    std::hint::black_box(decs[i].1(b));
                }
                times[i].push(t.elapsed().as_secs_f64());
            }
        }
        let med: Vec<f64> = times
            .iter_mut()
            .map(|v| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            })
            .collect();
        println!(
            "{name}: {} files ({skipped} not decoded by every decoder), {rounds} rounds",
            set.len()
        );
        for (k, (d, _)) in decs.iter().enumerate() {
            println!(
                "  {d:<24} {:>9.3} ms/image  {:.2}x of ours",
                med[k] / set.len() as f64 * 1e3,
                med[k] / med[0]
            );
        }
    }
}
