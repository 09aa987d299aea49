//! Image type: what makes structural estimators unreliable (tiny, flat, saturated, synthetic or
//! palette-derived images, lossy sources), decided before they are trusted.

use serde::Serialize;

use crate::container::{ContainerInfo, Format};
use crate::planes::{ColorMode, PixelPlanes};

/// Below this many pixels no statistical test beats chance at small rates (square-root law).
pub const TINY_PIXELS: u64 = 128 * 128;

/// Image-type measures of the first frame and whether structural estimators are trusted on it.
#[derive(Debug, Clone, Serialize)]
pub struct ImageProfile {
    /// Pixels in the frame.
    pub pixels: u64,
    /// Distinct colours, counted up to 257 ("more than 256"), colour modes only.
    pub unique_colors: u32,
    /// Fraction of pixels equal to their left neighbour.
    pub flat_fraction: f32,
    /// Fraction of colour samples at 0 or 255.
    pub saturated_fraction: f32,
    /// The decoded pixels come from a lossy codec (JPEG, lossy WebP).
    pub lossy: bool,
    /// Whether WS/SPA estimates are trusted on this image, and if not why.
    pub structural_applicable: bool,
    /// Whether the flat-neighbourhood estimator applies: on every lossless 8-bit colour or grey
    /// image that is not tiny. It looks only at samples whose four neighbours are equal (not 0 or
    /// 255), where covers leave no bias, so flat, saturated and few-colour images are fine.
    pub flat_estimator_applicable: bool,
    /// Why structural estimators were skipped, when they were.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structural_skipped: Option<&'static str>,
}

/// Measure the image type of a frame.
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
pub fn profile(format: Format, info: &ContainerInfo, p: &PixelPlanes) -> ImageProfile {
    let pixels = p.pixels() as u64;
    let lossy = format == Format::Jpeg || info.lossy;
    let colour = matches!(
        p.mode,
        ColorMode::Rgb | ColorMode::Rgba | ColorMode::Grey | ColorMode::GreyAlpha
    );
    let (mut unique, mut flat, mut sat) = (0u32, 0.0f32, 0.0f32);
    if colour && pixels > 0 {
        let ch = p.channels();
        let cc = if matches!(p.mode, ColorMode::Rgb | ColorMode::Rgba) {
            3
        } else {
            1
        };
        unique = count_colors(&p.samples, ch, cc, 256);
        let (w, s) = (p.width as usize, &p.samples);
        // Flatness and saturation are coarse image-type measures: a row sample suffices.
        let step = (p.pixels() >> 15).max(1);
        let (mut same, mut satn, mut seen) = (0u64, 0u64, 0u64);
        for row in s.chunks_exact(w * ch).step_by(step) {
            let mut prev = u32::MAX;
            for px in row.chunks_exact(ch) {
                let key = if cc == 3 {
                    px[0] as u32 | (px[1] as u32) << 8 | (px[2] as u32) << 16
                } else {
                    px[0] as u32
                };
                same += (key == prev) as u64;
                prev = key;
                for &v in &px[..cc] {
                    satn += (v == 0 || v == 255) as u64;
                }
            }
            seen += w as u64;
        }
        flat = same as f32 / seen as f32;
        sat = satn as f32 / (seen * cc as u64) as f32;
    }
    let skipped = if !colour {
        Some("palette image")
    } else if !p.is_8bit() {
        Some("not 8-bit")
    } else if lossy {
        Some("lossy source")
    } else if pixels < TINY_PIXELS {
        Some("tiny image")
    } else if unique <= 256 {
        Some("palette-derived (256 colours or fewer)")
    } else if flat > 0.5 {
        Some("flat (synthetic) image")
    } else if sat > 0.3 {
        Some("saturated image")
    } else {
        None
    };
    ImageProfile {
        pixels,
        unique_colors: unique,
        flat_fraction: flat,
        saturated_fraction: sat,
        lossy,
        structural_applicable: skipped.is_none(),
        flat_estimator_applicable: colour && p.is_8bit() && !lossy && pixels >= TINY_PIXELS,
        structural_skipped: skipped,
    }
}

/// Distinct colours among the first `cc` channels, counting stops at `cap + 1`.
fn count_colors(s: &[u8], ch: usize, cc: usize, cap: u32) -> u32 {
    const SLOTS: usize = 1024; // open addressing; at most cap + 1 < SLOTS / 2 keys
    let mut table = [u32::MAX; SLOTS];
    let mut n = 0u32;
    for px in s.chunks_exact(ch) {
        let key = if cc == 3 {
            (px[0] as u32) << 16 | (px[1] as u32) << 8 | px[2] as u32
        } else {
            px[0] as u32
        };
        let mut i = (key.wrapping_mul(0x9E37_79B1) >> 22) as usize;
        loop {
            match table[i] {
                k if k == key => break,
                u32::MAX => {
                    table[i] = key;
                    n += 1;
                    if n > cap {
                        return n;
                    }
                    break;
                }
                _ => i = (i + 1) % SLOTS,
            }
        }
    }
    n
}
