//! Image type: what makes structural estimators unreliable (tiny, flat, saturated, synthetic or
//! palette-derived images, lossy sources), decided before they are trusted.

use serde::Serialize;

use crate::container::{ContainerInfo, Format};
use crate::planes::{ColorMode, PixelPlanes};

/// Below this many pixels no statistical test beats chance at small rates (square-root law).
pub const TINY_PIXELS: u64 = 128 * 128;

#[derive(Debug, Clone, Serialize)]
pub struct ImageProfile {
    pub pixels: u64,
    /// Distinct colours (capped at 65,536), colour modes only.
    pub unique_colors: u32,
    /// Fraction of pixels equal to their left neighbour.
    pub flat_fraction: f32,
    /// Fraction of colour samples at 0 or 255.
    pub saturated_fraction: f32,
    /// The decoded pixels come from a lossy codec (JPEG, lossy WebP).
    pub lossy: bool,
    /// Whether WS/SPA estimates are trusted on this image, and if not why.
    pub structural_applicable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structural_skipped: Option<&'static str>,
}

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
        let s = &p.samples;
        let mut seen = vec![0u64; 1 << 18]; // 2^24 bits
        let (mut same, mut satn) = (0u64, 0u64);
        for i in 0..p.pixels() {
            let o = i * ch;
            let key = if cc == 3 {
                (s[o] as usize) << 16 | (s[o + 1] as usize) << 8 | s[o + 2] as usize
            } else {
                s[o] as usize
            };
            let (w, b) = (key >> 6, 1u64 << (key & 63));
            if seen[w] & b == 0 {
                seen[w] |= b;
                unique = unique.saturating_add(1);
            }
            if i % p.width as usize != 0 && s[o..o + cc] == s[o - ch..o - ch + cc] {
                same += 1;
            }
            satn += s[o..o + cc].iter().filter(|&&v| v == 0 || v == 255).count() as u64;
        }
        unique = unique.min(65_536);
        flat = same as f32 / pixels as f32;
        sat = satn as f32 / (pixels * cc as u64) as f32;
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
        structural_skipped: skipped,
    }
}
