//! The analyst's view of one image ([`crate::Detector::inspect`]): what a scan concluded and the
//! pictures that show why — every bit plane of every channel, a heat map of local embedding
//! evidence, the estimated extent of a sequential payload, the metadata fields and the data after
//! the image. [`page`] renders it as one self-contained HTML page (`stegodetect inspect`).
//!
//! Built for large images: planes are sampled down to at most [`MAX_SIDE`] pixels a side
//! (nearest pixel, so noise stays noise; [`Inspection::scale`] says by how much) and the heat map
//! has at most [`MAX_GRID`] blocks a side, so memory and the page stay bounded whatever the image.
//! GIFs are inspected on their first frame.

pub mod page;

use serde::Serialize;

use crate::analysis::{metadata::field_label, pairs::pair_stat, sequential, structural};
use crate::container::{ContainerInfo, Trailer};
use crate::planes::{ColorMode, PixelPlanes};
use crate::verdict::ScanResult;
use crate::vocab::Method;

/// Longest side of a displayed bit plane, in pixels.
pub const MAX_SIDE: u32 = 512;
/// Most heat-map blocks along a side.
pub const MAX_GRID: u32 = 64;
/// Smallest heat-map block side, in pixels (a local estimate needs a few hundred samples).
pub const MIN_BLOCK: u32 = 8;
/// Bytes of the trailer shown as a hex dump.
pub const TRAILER_DUMP: usize = 256;

/// Everything the inspect view shows about one image.
#[derive(Debug, Clone, Serialize)]
pub struct Inspection {
    /// The scan's result (verdict, findings, payloads, per-method scores).
    pub result: ScanResult,
    /// Width of the inspected frame.
    pub width: u32,
    /// Height of the inspected frame.
    pub height: u32,
    /// Planes and the image preview are sampled every `scale` pixels (1: full size).
    pub scale: u32,
    /// The image itself at the planes' size, RGBA row-major (`display_width` x `display_height`).
    #[serde(skip)]
    pub preview: Vec<u8>,
    /// Width of the planes and the preview.
    pub display_width: u32,
    /// Height of the planes and the preview.
    pub display_height: u32,
    /// Every bit plane of every channel (and of palette indices).
    pub planes: Vec<BitPlane>,
    /// Local embedding evidence per block; `None` for lossy images (whose LSBs are codec noise)
    /// and images under 16 pixels a side.
    pub heat: Option<HeatMap>,
    /// Where a sequential payload was estimated to lie, if one was.
    pub extent: Option<Extent>,
    /// The metadata fields, with whether each was evidence.
    pub metadata: Vec<MetadataRow>,
    /// The data after the end of the image, if any.
    pub trailer: Option<TrailerView>,
    /// For JPEGs: the luminance AC coefficient histogram against its calibrated estimate.
    pub coefficients: Option<CoefficientHistogram>,
}

/// A JPEG's luminance AC coefficient histogram and its calibrated estimate
/// ([`crate::analysis::jpeg::features::histograms`]): shares of all AC coefficients per value.
#[derive(Debug, Clone, Serialize)]
pub struct CoefficientHistogram {
    /// The values, `-8..=8`.
    pub values: Vec<i32>,
    /// The image's shares.
    pub image: Vec<f64>,
    /// The calibrated (cropped and recompressed) estimate of the cover's.
    pub calibrated: Vec<f64>,
}

/// One bit plane: 1 where the bit is set, sampled like the preview.
#[derive(Debug, Clone, Serialize)]
pub struct BitPlane {
    /// Channel: `R`, `G`, `B`, `A`, `grey` or `index` (palette index).
    pub channel: &'static str,
    /// Bit, 0 = least significant.
    pub bit: u8,
    /// A finding concerns this plane (the LSBs, or the two lowest bits for a 2-bit tool, of the
    /// channels of the method found).
    pub evidence: bool,
    /// The bits, one byte (0 or 1) per displayed pixel, row-major.
    #[serde(skip)]
    pub bits: Vec<u8>,
}

/// Local evidence on a grid of blocks of `block` x `block` pixels (the last row and column of
/// blocks may be smaller), row-major, `cols` x `rows`; `NaN` where a block has too few usable
/// samples.
#[derive(Debug, Clone, Serialize)]
pub struct Grid {
    /// Block side in pixels.
    pub block: u32,
    /// Blocks per row.
    pub cols: u32,
    /// Block rows.
    pub rows: u32,
    /// One value per block.
    pub values: Vec<f32>,
}

/// Local embedding evidence.
#[derive(Debug, Clone, Serialize)]
pub struct HeatMap {
    /// Local WS estimate of the LSB embedding rate (about 0 on a clean block, about 1 where every
    /// LSB is payload), averaged over the colour channels (grey: the one channel); at most
    /// [`MAX_GRID`] blocks a side of at least [`MIN_BLOCK`] pixels. Absent for palette images
    /// (indices are not values a neighbourhood predicts).
    pub rate: Option<Grid>,
    /// Chi-square of each block's value pairs against the shifted pairs: the pair balance of
    /// [`crate::analysis::pairs`], towards 1 where the pairs (2k, 2k+1) are equalised (as LSB
    /// replacement makes them) and the pairs (2k+1, 2k+2) are not, near 0 on clean blocks
    /// (whose smooth histograms equalise both; the plain Westfeld-Pfitzmann p-value is near 1
    /// on most clean photo blocks), negative values shown as 0. Palette indices included. Blocks
    /// four times the side of `rate`'s: the test needs a few hundred samples per block.
    pub pairs: Grid,
}

/// The estimated extent of a sequential payload along row-major order from the first pixel.
#[derive(Debug, Clone, Serialize)]
pub struct Extent {
    /// Where the estimate comes from: `payload` (a recovered payload's length), `sequential`
    /// (the payload-agnostic change-point estimate) or `heat` (the band of high local WS rates
    /// from the top, where the sequential estimate reached the end of the range it reads).
    pub source: &'static str,
    /// Stream read (`rgb`, `rgba`, `alpha`, `index`, ... or the sequential path's name).
    pub stream: String,
    /// Pixels the payload covers from the first one.
    pub pixels: u64,
    /// The same as rows of the image (fractional).
    pub rows: f64,
}

/// One metadata field of the container.
#[derive(Debug, Clone, Serialize)]
pub struct MetadataRow {
    /// The field as findings name it (`exif:Artist`, `png:tEXt:Comment`, ...).
    pub field: String,
    /// Raw length in bytes.
    pub length: usize,
    /// Text (first 200 characters) or, for binary values, the first 48 bytes in hex.
    pub preview: String,
    /// Byte entropy of the raw value, bits per byte.
    pub entropy: f32,
    /// The finding about this field, if one was made; else why it was not evidence.
    pub judgement: String,
    /// Whether a finding was made about it.
    pub evidence: bool,
}

/// The data after the image.
#[derive(Debug, Clone, Serialize)]
pub struct TrailerView {
    /// The container's description (offset, length, kind, entropy, printable ratio).
    pub trailer: Trailer,
    /// Hex dump of its first [`TRAILER_DUMP`] bytes (offset, hex, ASCII per 16-byte line).
    pub hex_dump: String,
}

/// Build the view of a scanned frame. `bytes` is the file (for the trailer's dump).
pub(crate) fn build(
    result: ScanResult,
    info: &ContainerInfo,
    frame: &PixelPlanes,
    bytes: &[u8],
    lossy: bool,
) -> Inspection {
    let (w, h) = (frame.width, frame.height);
    let scale = w.max(h).div_ceil(MAX_SIDE).max(1);
    let (dw, dh) = (w.div_ceil(scale), h.div_ceil(scale));
    let planes = bit_planes(frame, &result, scale, dw, dh);
    let preview = preview(frame, scale, dw, dh);
    let heat = (!lossy && w >= 16 && h >= 16).then(|| heat_map(frame));
    let extent = extent(&result, frame, lossy, heat.as_ref());
    let metadata = info
        .metadata
        .iter()
        .map(|f| metadata_row(f, &result))
        .collect();
    let trailer = info.trailer.clone().map(|t| {
        let end = bytes.len().min(t.offset.saturating_add(TRAILER_DUMP));
        let hex_dump = hex_dump(bytes.get(t.offset..end).unwrap_or(&[]), t.offset);
        TrailerView {
            trailer: t,
            hex_dump,
        }
    });
    let coefficients = (result.image.format == crate::Format::Jpeg)
        .then(|| {
            let end = info.image_end.min(bytes.len());
            crate::planes::dct::DctPlanes::read(&bytes[..end], info.jpeg_scans).ok()
        })
        .flatten()
        .and_then(|d| crate::analysis::jpeg::features::histograms(&d))
        .map(|(image, calibrated)| {
            let r = crate::analysis::jpeg::features::HIST_RANGE;
            CoefficientHistogram {
                values: (-r..=r).collect(),
                image,
                calibrated,
            }
        });
    Inspection {
        result,
        coefficients,
        width: w,
        height: h,
        scale,
        preview,
        display_width: dw,
        display_height: dh,
        planes,
        heat,
        extent,
        metadata,
        trailer,
    }
}

/// Channel names and sample offsets of a frame's planes.
fn channels(mode: ColorMode) -> &'static [(&'static str, usize)] {
    match mode {
        ColorMode::Rgb => &[("R", 0), ("G", 1), ("B", 2)],
        ColorMode::Rgba => &[("R", 0), ("G", 1), ("B", 2), ("A", 3)],
        ColorMode::Grey => &[("grey", 0)],
        ColorMode::GreyAlpha => &[("grey", 0), ("A", 1)],
        ColorMode::Palette => &[("index", 0)],
    }
}

/// Whether a finding of `method` (read from `stream`, `lsbs` bits per sample) concerns bit `bit`
/// of channel `ch`.
fn concerns(method: Method, stream: Option<&str>, lsbs: u8, ch: &str, bit: u8) -> bool {
    if bit >= lsbs.max(1) {
        return false;
    }
    match method {
        Method::Alpha => ch == "A",
        Method::Palette => ch == "index",
        Method::LsbRgb => match stream {
            // a payload read from named channels: those planes only
            Some("r") => ch == "R",
            Some("g") => ch == "G",
            Some("b") => ch == "B",
            Some("rgba") => ch != "index",
            Some("grey") => ch == "grey",
            _ => matches!(ch, "R" | "G" | "B" | "grey"),
        },
        _ => false,
    }
}

fn bit_planes(p: &PixelPlanes, result: &ScanResult, scale: u32, dw: u32, dh: u32) -> Vec<BitPlane> {
    // (method, stream, bits per sample) of every pixel-domain finding
    let mut found: Vec<(Method, Option<String>, u8)> = Vec::new();
    for e in &result.findings {
        let stream = e.payload.as_ref().map(|p| p.channel.clone());
        let lsbs = e.payload.as_ref().and_then(|p| p.lsbs).unwrap_or(1);
        found.push((e.method, stream, lsbs));
    }
    let ch = p.channels();
    let (w, scale) = (p.width as usize, scale as usize);
    let mut out = Vec::new();
    for &(name, offset) in channels(p.mode) {
        let bits_in = if p.mode == ColorMode::Palette || p.bit_depth >= 8 {
            8
        } else {
            p.bit_depth
        };
        for bit in 0..bits_in {
            let mut bits = Vec::with_capacity((dw * dh) as usize);
            for y in 0..dh as usize {
                for x in 0..dw as usize {
                    let i = ((y * scale) * w + x * scale) * ch + offset;
                    let v = if bit == 0 {
                        p.lsb(i)
                    } else {
                        (p.samples[i] >> bit) & 1
                    };
                    bits.push(v);
                }
            }
            let evidence = found
                .iter()
                .any(|(m, s, l)| concerns(*m, s.as_deref(), *l, name, bit));
            out.push(BitPlane {
                channel: name,
                bit,
                evidence,
                bits,
            });
        }
    }
    out
}

/// The frame as RGBA at the planes' size.
fn preview(p: &PixelPlanes, scale: u32, dw: u32, dh: u32) -> Vec<u8> {
    let ch = p.channels();
    let (w, scale) = (p.width as usize, scale as usize);
    let mut out = Vec::with_capacity((dw * dh * 4) as usize);
    for y in 0..dh as usize {
        for x in 0..dw as usize {
            let i = ((y * scale) * w + x * scale) * ch;
            let s = &p.samples[i..i + ch];
            let px = match p.mode {
                ColorMode::Rgb => [s[0], s[1], s[2], 255],
                ColorMode::Rgba => [s[0], s[1], s[2], s[3]],
                ColorMode::Grey => [s[0], s[0], s[0], 255],
                ColorMode::GreyAlpha => [s[0], s[0], s[0], s[1]],
                ColorMode::Palette => {
                    let c = p
                        .palette
                        .as_ref()
                        .and_then(|pal| pal.get(s[0] as usize))
                        .copied()
                        .unwrap_or([0; 3]);
                    [c[0], c[1], c[2], 255]
                }
            };
            out.extend_from_slice(&px);
        }
    }
    out
}

/// Local WS rate and pair chi-square per block.
fn heat_map(p: &PixelPlanes) -> HeatMap {
    let block = p.width.max(p.height).div_ceil(MAX_GRID).max(MIN_BLOCK);
    // colour channels (grey: one; palette indices: chi-square only, WS needs values)
    let cc = match p.mode {
        ColorMode::Rgb | ColorMode::Rgba => 3,
        ColorMode::Grey | ColorMode::GreyAlpha | ColorMode::Palette => 1,
    };
    let ch = p.channels();
    let w = p.width as usize;
    let pairs = grid(p, 4 * block, |x0, y0, x1, y1| {
        let mut hist = [0u64; 256];
        for y in y0..y1 {
            for px in p.samples[(y * w + x0) * ch..(y * w + x1) * ch].chunks_exact(ch) {
                for &v in &px[..cc] {
                    hist[v as usize] += 1;
                }
            }
        }
        pair_stat(&hist).map_or(f32::NAN, |v| v.balance.max(0.0))
    });
    let mut buf = Vec::new();
    let rate = p.is_8bit().then(|| {
        grid(p, block, |x0, y0, x1, y1| {
            // the block with a margin of one pixel where the image has one: WS predicts each
            // sample from its neighbours and estimates the inner samples only
            let (mx0, my0) = (x0.saturating_sub(1), y0.saturating_sub(1));
            let (mx1, my1) = ((x1 + 1).min(w), (y1 + 1).min(p.height as usize));
            buf.clear();
            for y in my0..my1 {
                buf.extend_from_slice(&p.samples[(y * w + mx0) * ch..(y * w + mx1) * ch]);
            }
            let got: Vec<f64> = structural::ws(&buf, mx1 - mx0, my1 - my0, ch, cc)
                .into_iter()
                .flatten()
                .collect();
            if got.is_empty() {
                f32::NAN
            } else {
                (got.iter().sum::<f64>() / got.len() as f64) as f32
            }
        })
    });
    HeatMap { rate, pairs }
}

/// `f(x0, y0, x1, y1)` over the blocks of side `block` of the frame.
fn grid(p: &PixelPlanes, block: u32, mut f: impl FnMut(usize, usize, usize, usize) -> f32) -> Grid {
    let (cols, rows) = (p.width.div_ceil(block), p.height.div_ceil(block));
    let (w, h, b) = (p.width as usize, p.height as usize, block as usize);
    let mut values = Vec::with_capacity(cols as usize * rows as usize);
    for by in 0..rows as usize {
        for bx in 0..cols as usize {
            let (x0, y0) = (bx * b, by * b);
            values.push(f(x0, y0, (x0 + b).min(w), (y0 + b).min(h)));
        }
    }
    Grid {
        block,
        cols,
        rows,
        values,
    }
}

/// Change point of a grid's block rows: the number of leading block rows whose mean (over the
/// blocks with a value) is above `level`, chosen to maximise the summed excess of those rows
/// over `level` (a sequential payload is a band from the top). 0 when no prefix has any.
fn band_rows(g: &Grid, level: f32) -> usize {
    let (mut sum, mut best, mut at) = (0.0f32, 0.0f32, 0usize);
    for (i, r) in g.values.chunks(g.cols as usize).enumerate() {
        let v: Vec<f32> = r.iter().copied().filter(|v| v.is_finite()).collect();
        if !v.is_empty() {
            sum += v.iter().sum::<f32>() / v.len() as f32 - level;
        }
        if sum > best {
            best = sum;
            at = i + 1;
        }
    }
    at
}

/// The payload's extent: from a recovered sequential payload's length when there is one, else
/// from the sequential analysis's change point when it found evidence.
/// When the sequential analysis reached the end of its range (it reads the first 8 KiB of
/// payload at most), the band of the WS heat map decides how far the payload goes.
fn extent(
    result: &ScanResult,
    p: &PixelPlanes,
    lossy: bool,
    heat: Option<&HeatMap>,
) -> Option<Extent> {
    let w = p.width as f64;
    if let Some(pl) = result.payload.as_ref().filter(|pl| {
        matches!(pl.method, Method::LsbRgb | Method::Alpha | Method::Palette) && pl.frame.is_none()
    }) {
        let per_pixel = match pl.channel.as_str() {
            "rgb" => 3,
            "rgba" => 4,
            _ => 1,
        } * pl.lsbs.unwrap_or(1) as u64;
        // payload bytes and what precedes them in the stream (header, offset), in bits
        let bits = (pl.offset as u64 + pl.bytes.len() as u64) * 8;
        let pixels = bits.div_ceil(per_pixel);
        return Some(Extent {
            source: "payload",
            stream: pl.channel.clone(),
            pixels,
            rows: pixels as f64 / w,
        });
    }
    if lossy {
        return None;
    }
    let best = sequential::paths(p)
        .into_iter()
        .filter(|s| s.lambda >= sequential::LAMBDA_MID - 3.0 * sequential::LAMBDA_WIDTH)
        .max_by(|a, b| a.lambda.total_cmp(&b.lambda))?;
    let per_pixel = if best.path == "RGB" { 3 } else { 1 };
    let mut pixels = (best.samples as u64).div_ceil(per_pixel);
    let mut source = "sequential";
    // at (or within a row of) the end of the range the analysis reads: "at least"
    if best.at_least || best.samples + 3 * p.width as usize >= sequential::KMAX {
        if let Some(g) = heat.and_then(|h| h.rate.as_ref()) {
            let band = (band_rows(g, 0.5) * g.block as usize).min(p.height as usize);
            if band as u64 * p.width as u64 > pixels {
                pixels = band as u64 * p.width as u64;
                source = "heat";
            }
        }
    }
    Some(Extent {
        source,
        stream: best.path.to_string(),
        pixels,
        rows: pixels as f64 / w,
    })
}

fn metadata_row(f: &crate::container::MetadataField, result: &ScanResult) -> MetadataRow {
    let field = field_label(f);
    let prefix = format!("{field}: ");
    let finding = result
        .findings
        .iter()
        .find(|e| e.analysis == "metadata" && e.detail.starts_with(&prefix));
    let preview = match &f.text {
        Some(t) => {
            let mut s: String = t.chars().take(200).collect();
            if t.chars().count() > 200 {
                s.push('…');
            }
            s
        }
        None => hex_line(&f.bytes[..f.bytes.len().min(48)]),
    };
    let judgement = match finding {
        Some(e) => format!("evidence ({:.2}): {}", e.score, &e.detail[prefix.len()..]),
        None if f.text.is_none() => "not evidence: a binary value (thumbnails, maker notes and profiles are judged elsewhere)".into(),
        None => "not evidence: usual content for the field".into(),
    };
    MetadataRow {
        field,
        length: f.length,
        preview,
        entropy: f.entropy,
        judgement,
        evidence: finding.is_some(),
    }
}

fn hex_line(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `offset  hex  |ascii|` lines of 16 bytes.
fn hex_dump(b: &[u8], start: usize) -> String {
    let mut out = String::new();
    for (i, line) in b.chunks(16).enumerate() {
        let ascii: String = line
            .iter()
            .map(|&c| {
                if (0x20..0x7f).contains(&c) {
                    c as char
                } else {
                    '.'
                }
            })
            .collect();
        out.push_str(&format!(
            "{:08x}  {:<47}  |{ascii}|\n",
            start + i * 16,
            hex_line(line)
        ));
    }
    out
}
