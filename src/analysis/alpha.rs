//! Alpha plane structure: an otherwise opaque (or binary 0/255) alpha plane whose values moved by
//! one (254 inside opaque areas, 1 inside transparent ones) is LSB embedding. Natural anti-aliased
//! edges and fades spread over many values, or put 254/1 on the boundary between transparent and
//! opaque, and are not evidence. Decodable alpha streams are found by the content search.

use super::{Evidence, Method};
use crate::planes::PixelPlanes;

/// Add alpha-plane evidence for one frame.
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
pub fn analyse(p: &PixelPlanes, frame: Option<u32>, out: &mut Vec<Evidence>) {
    if !p.mode.has_alpha() || p.bit_depth != 8 {
        return;
    }
    let ch = p.channels();
    let (w, h) = (p.width as usize, p.height as usize);
    let a = |x: usize, y: usize| p.samples[(y * w + x) * ch + ch - 1];
    let mut hist = [0u64; 256];
    for px in p.samples.chunks_exact(ch) {
        hist[px[ch - 1] as usize] += 1;
    }
    let others: u64 = hist[2..254].iter().sum();
    let moved = hist[254] + hist[1];
    if others != 0 || moved == 0 || hist[255] + hist[0] == 0 {
        return;
    }
    // Only {0,255} plus their LSB neighbours. Count the moved samples whose four neighbours lie
    // on the same side (254/255 around a 254, 0/1 around a 1): interior changes, not edges.
    // Scattered embedding also leaves most moved samples next to an unmoved one; a designed
    // region at 254 (seen in icons) is a solid block.
    let (mut interior, mut scattered) = (0u64, 0u64);
    for y in 1..h.saturating_sub(1) {
        for x in 1..w - 1 {
            let v = a(x, y);
            if v != 254 && v != 1 {
                continue;
            }
            let same = |n: u8| (n >> 1) == (v >> 1);
            let n = [a(x - 1, y), a(x + 1, y), a(x, y - 1), a(x, y + 1)];
            if n.iter().all(|&q| same(q)) {
                interior += 1;
                if n.iter().any(|&q| q != v) {
                    scattered += 1;
                }
            }
        }
    }
    let tiny = (p.pixels() as u64) < super::profile::TINY_PIXELS;
    let score = match scattered {
        _ if tiny || scattered * 2 < interior => 0.2,
        32.. => 0.97,
        8..=31 => 0.6,
        _ => 0.2,
    };
    let frame_txt = frame.map(|f| format!(" (frame {f})")).unwrap_or_default();
    out.push(Evidence::new(
        Method::Alpha,
        score,
        "alpha-plane",
        format!(
            "alpha plane is opaque/binary except {moved} samples one step off (254 or 1), {interior} of them inside uniform areas{frame_txt}"
        ),
    ));
}
