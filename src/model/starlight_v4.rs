//! The eight input tensors of Starlight's V4 model (`detector_balanced.onnx`), computed as its
//! `load_unified_input` does (reference §1.2), so a user's V4 model runs unchanged:
//! 256x256 centre crop with zero padding and round-half-to-even offsets, the reference's tail
//! rules with their quirks (PNG +12, GIF last `;`, WebP > 100 bytes, files under 1000 bytes
//! ignored), palette LSB of the P->L luminance, packbits statistics.
//!
//! Known deviations (decoders differ from Pillow's): JPEGs in layouts the coefficient path does
//! not cover come from zune-jpeg, not libjpeg-turbo, and animated WebPs from image-webp, so their
//! `pixel_tensor`, `lsb` and content features may differ slightly (still WebPs are decoded by
//! libwebp, as Pillow does); 16-bit grey (Pillow `I;16`, which Pillow clips) uses the high byte; CMYK JPEGs
//! are converted by the `image` crate.

use crate::analysis::bitstream::luma;
use crate::container::{ContainerInfo, Format};
use crate::planes::{ColorMode, PixelPlanes};

/// Side of the centre crop.
pub const CROP: usize = 256;
const PLANE: usize = CROP * CROP;

/// The V4 tensors of one image, each flattened in C order without the batch dimension.
#[derive(Debug, Clone)]
pub struct V4Tensors {
    /// `[3, 256, 256]`
    pub pixel_tensor: Vec<f32>,
    /// `[2048]`
    pub meta: Vec<f32>,
    /// `[2, 256, 256]`
    pub alpha: Vec<f32>,
    /// [3, 256, 256] (CHW, as the scanner feeds it)
    pub lsb: Vec<f32>,
    /// `[768]`
    pub palette: Vec<f32>,
    /// `[1, 256, 256]`
    pub palette_lsb: Vec<f32>,
    /// `[6]`
    pub format_features: Vec<f32>,
    /// `[6]`
    pub content_features: Vec<f32>,
}

impl V4Tensors {
    /// Tensor by input name with its shape (batch dimension excluded).
    pub fn get(&self, name: &str) -> Option<(&[f32], &'static [i64])> {
        Some(match name {
            "pixel_tensor" | "pixel" => (&self.pixel_tensor, &[3, 256, 256]),
            "meta" | "metadata" => (&self.meta, &[2048]),
            "alpha" => (&self.alpha, &[2, 256, 256]),
            "lsb" => (&self.lsb, &[3, 256, 256]),
            "palette" => (&self.palette, &[768]),
            "palette_lsb" => (&self.palette_lsb, &[1, 256, 256]),
            "format_features" => (&self.format_features, &[6]),
            "content_features" => (&self.content_features, &[6]),
            // legacy V3 input, supplied as Starlight's scanner did ("msb-first")
            "bit_order" => (&BIT_ORDER, &[3]),
            _ => return None,
        })
    }
}

static BIT_ORDER: [f32; 3] = [0.0, 1.0, 0.0];

/// Source index for crop coordinate `o` along an axis of length `n` (None = zero padding).
fn axis_map(n: usize) -> impl Fn(usize) -> Option<usize> {
    move |o| {
        if n < CROP {
            let pad = (CROP - n) / 2;
            o.checked_sub(pad).filter(|&s| s < n)
        } else {
            // round((n - 256) / 2) with Python's round-half-to-even
            let d = n - CROP;
            // an even d halves exactly; an odd one rounds x.5 to the even neighbour
            let off = if d.is_multiple_of(2) || (d / 2).is_multiple_of(2) {
                d / 2
            } else {
                d / 2 + 1
            };
            Some(o + off)
        }
    }
}

/// Pillow's view of a frame: its mode after Starlight's GIF L->P rule, and the RGB of each pixel.
struct PillowView<'a> {
    p: &'a PixelPlanes,
    mode: ColorMode,
    /// Palette as Pillow returns it for mode P (identity ramp for grey GIFs).
    palette: Vec<[u8; 3]>,
    /// Factor that brings sub-byte grey samples to 8 bits.
    grey_scale: u8,
}

impl PillowView<'_> {
    fn rgb(&self, i: usize) -> [u8; 3] {
        let s = &self.p.samples;
        match self.p.mode {
            ColorMode::Rgb => [s[i * 3], s[i * 3 + 1], s[i * 3 + 2]],
            ColorMode::Rgba => [s[i * 4], s[i * 4 + 1], s[i * 4 + 2]],
            // Pillow scales sub-byte grey to 8 bits (1-bit x255, 2-bit x85, 4-bit x17)
            ColorMode::Grey => [s[i].saturating_mul(self.grey_scale); 3],
            ColorMode::GreyAlpha => [s[i * 2]; 3],
            ColorMode::Palette => self
                .p
                .palette
                .as_ref()
                .and_then(|p| p.get(s[i] as usize).copied())
                .unwrap_or([0; 3]),
        }
    }
}

/// Pillow opens a GIF as `L` when entry i of its palette is (i, i, i) for every entry.
fn is_identity_ramp(p: &[[u8; 3]]) -> bool {
    p.iter().enumerate().all(|(i, c)| *c == [i as u8; 3])
}

/// Compute the eight tensors for the first frame of an image.
pub fn tensors(format: Format, bytes: &[u8], info: &ContainerInfo, p: &PixelPlanes) -> V4Tensors {
    // Pillow's GIF size is the logical screen, the first frame pasted at its offset on index 0.
    let canvas;
    let p = if format == Format::Gif
        && (p.width, p.height, p.left, p.top) != (info.width, info.height, 0, 0)
    {
        canvas = gif_canvas(p, info.width.max(1), info.height.max(1));
        &canvas
    } else {
        p
    };
    let (w, h) = (p.width as usize, p.height as usize);
    let grey_scale = match (p.mode, p.bit_depth) {
        (ColorMode::Grey, 1) => 255,
        (ColorMode::Grey, 2) => 85,
        (ColorMode::Grey, 4) => 17,
        _ => 1,
    };
    let mut view = PillowView {
        p,
        mode: p.mode,
        palette: Vec::new(),
        grey_scale,
    };
    if p.mode == ColorMode::Palette {
        let pal = p.palette.clone().unwrap_or_default();
        let black_white = pal.len() == 2 && pal[0] == [0; 3] && pal[1] == [255; 3];
        if format == Format::Gif && is_identity_ramp(&pal) {
            // Pillow opens such a GIF as L; Starlight converts it back to P with the full identity
            // palette (768 values).
            view.palette = (0..=255u8).map(|v| [v; 3]).collect();
        } else if format == Format::Bmp && (is_identity_ramp(&pal) || black_white) {
            // Pillow's BMP reader drops such palettes: mode L (or 1), no palette streams.
            view.mode = ColorMode::Grey;
        } else {
            view.palette = pal;
        }
    }
    let (my, mx) = (axis_map(h), axis_map(w));
    let mut pixel = vec![0f32; 3 * PLANE];
    let mut lsb = vec![0f32; 3 * PLANE];
    let mut lsb_bits = vec![0u8; 3 * PLANE]; // planar R, G, B bits of the crop
    let mut palette_lsb = vec![0f32; PLANE];
    let mut alpha = vec![0f32; 2 * PLANE];
    let is_p = view.mode == ColorMode::Palette;
    let is_rgba = view.mode == ColorMode::Rgba;
    for oy in 0..CROP {
        let Some(sy) = my(oy) else { continue };
        for ox in 0..CROP {
            let Some(sx) = mx(ox) else { continue };
            let i = sy * w + sx;
            let o = oy * CROP + ox;
            let c = view.rgb(i);
            for k in 0..3 {
                pixel[k * PLANE + o] = c[k] as f32 / 255.0;
                let b = c[k] & 1;
                lsb[k * PLANE + o] = b as f32;
                lsb_bits[k * PLANE + o] = b;
            }
            if is_p {
                let idx = p.samples[i] as usize;
                let col = view.palette.get(idx).copied().unwrap_or([0; 3]);
                palette_lsb[o] = (luma(col) & 1) as f32;
            }
            if is_rgba {
                let a = p.samples[i * 4 + 3];
                alpha[o] = a as f32 / 255.0;
                alpha[PLANE + o] = (a & 1) as f32;
            }
        }
    }
    let (alpha_std, alpha_stats) = if is_rgba {
        let n = (w * h) as f64;
        let (mut s, mut s2) = (0f64, 0f64);
        let mut bits = Vec::with_capacity(w * h);
        for px in p.samples.chunks_exact(4) {
            let a = px[3] as f64;
            s += a;
            s2 += a * a;
            bits.push(px[3] & 1);
        }
        let var = (s2 / n - (s / n) * (s / n)).max(0.0);
        ((var.sqrt() / 255.0) as f32, byte_stats(&packbits(&bits)))
    } else {
        (0.0, [0.0; 3])
    };
    let mut palette = vec![0f32; 768];
    if is_p {
        for (k, v) in view.palette.iter().flatten().take(768).enumerate() {
            palette[k] = *v as f32 / 255.0;
        }
    }
    let rgb_stats = byte_stats(&packbits(&lsb_bits));
    let format_features = vec![
        is_rgba as u8 as f32,
        alpha_std,
        is_p as u8 as f32,
        (view.mode == ColorMode::Rgb) as u8 as f32,
        w as f32 / 256.0,
        h as f32 / 256.0,
    ];
    let mut content_features = rgb_stats.to_vec();
    content_features.extend_from_slice(&alpha_stats);
    V4Tensors {
        pixel_tensor: pixel,
        meta: meta(format, bytes, info),
        alpha,
        lsb,
        palette,
        palette_lsb,
        format_features,
        content_features,
    }
}

/// The first GIF frame pasted on a canvas of the logical screen filled with index 0.
fn gif_canvas(f: &PixelPlanes, w: u32, h: u32) -> PixelPlanes {
    let mut samples = vec![0u8; w as usize * h as usize];
    for y in 0..f.height.min(h.saturating_sub(f.top)) {
        for x in 0..f.width.min(w.saturating_sub(f.left)) {
            samples[((y + f.top) * w + x + f.left) as usize] =
                f.samples[(y * f.width + x) as usize];
        }
    }
    PixelPlanes {
        width: w,
        height: h,
        samples,
        left: 0,
        top: 0,
        ..f.clone()
    }
}

/// numpy `packbits`: 8 bits per byte, first bit in bit 7, last byte zero-padded.
fn packbits(bits: &[u8]) -> Vec<u8> {
    bits.chunks(8)
        .map(|c| {
            c.iter()
                .enumerate()
                .fold(0u8, |v, (i, b)| v | (b << (7 - i)))
        })
        .collect()
}

/// [uniqueness, printable ratio, most-common ratio] (reference `_calculate_content_features`).
fn byte_stats(b: &[u8]) -> [f32; 3] {
    let n = b.len();
    if n == 0 {
        return [0.0; 3];
    }
    let uniq = if n <= 256 {
        distinct(b.iter()) as f64 / n as f64
    } else {
        let k = (n / 1000).max(1);
        (distinct(b.iter().step_by(k)) as f64 / 256.0).min(1.0)
    };
    let printable = b.iter().filter(|&&c| (32..=126).contains(&c)).count() as f64 / n as f64;
    let mut hist = [0usize; 256];
    for &c in b {
        hist[c as usize] += 1;
    }
    let common = *hist.iter().max().unwrap() as f64 / n as f64;
    [uniq as f32, printable as f32, common as f32]
}

fn distinct<'a>(it: impl Iterator<Item = &'a u8>) -> usize {
    let mut seen = [false; 256];
    it.filter(|&&c| !std::mem::replace(&mut seen[c as usize], true))
        .count()
}

/// `meta`: Pillow's `info['exif']` bytes, then the reference's (quirky) tail, 2048 bytes / 255.
fn meta(format: Format, bytes: &[u8], info: &ContainerInfo) -> Vec<f32> {
    let mut m: Vec<u8> = Vec::new();
    if let Some(tiff) = &info.exif {
        let prefix = match format {
            Format::Jpeg | Format::Png => true,
            Format::WebP => info.exif_prefixed,
            _ => false,
        };
        if matches!(format, Format::Jpeg | Format::Png | Format::WebP) {
            if prefix {
                m.extend_from_slice(b"Exif\0\0");
            }
            m.extend_from_slice(tiff);
        }
    }
    m.extend_from_slice(&reference_tail(format, bytes));
    m.resize(2048, 0);
    m.into_iter().map(|b| b as f32 / 255.0).collect()
}

/// `extract_post_tail` of the reference, quirks included (not the exact end: see the container
/// layer for that).
pub fn reference_tail(format: Format, b: &[u8]) -> Vec<u8> {
    let n = b.len();
    if n < 1000 {
        return Vec::new();
    }
    let rfind = |pat: &[u8]| memchr::memmem::rfind(b, pat);
    let start = match format {
        Format::Jpeg => rfind(&[0xFF, 0xD9]).map(|p| p + 2).filter(|&s| s < n),
        Format::Png => rfind(b"IEND").map(|p| p + 12).filter(|&s| s < n),
        Format::Gif => b.iter().rposition(|&c| c == b';').map(|p| p + 1),
        Format::WebP => {
            let end = 8 + u32::from_le_bytes([b[4], b[5], b[6], b[7]]) as usize;
            (n > end + 100).then_some(end)
        }
        Format::Bmp => None,
    };
    start
        .map(|s| b[s..n.min(s + 2048)].to_vec())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_offsets_round_half_to_even() {
        // H=257 -> top 0, H=259 -> top 2 (Python round(0.5)=0, round(1.5)=2), H=258 -> 1
        assert_eq!(axis_map(257)(0), Some(0));
        assert_eq!(axis_map(259)(0), Some(2));
        assert_eq!(axis_map(258)(0), Some(1));
        assert_eq!(axis_map(261)(0), Some(2)); // round(2.5) = 2
                                               // padding: W=100 -> left 78
        assert_eq!(axis_map(100)(77), None);
        assert_eq!(axis_map(100)(78), Some(0));
        assert_eq!(axis_map(100)(177), Some(99));
        assert_eq!(axis_map(100)(178), None);
    }

    #[test]
    fn packbits_and_stats_follow_numpy() {
        assert_eq!(packbits(&[1, 0, 0, 0, 0, 0, 1, 0, 1]), vec![0x82, 0x80]);
        let s = byte_stats(b"AAAB");
        assert_eq!(s, [0.5, 1.0, 0.75]);
    }
}
