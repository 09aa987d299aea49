//! Alpha plane structure: an otherwise opaque (or binary 0/255) alpha plane whose values moved by
//! one (254, 1) is LSB embedding; natural anti-aliased edges and fades spread over many values and
//! are not evidence. Decodable alpha streams are found by the content search.

use super::{Evidence, Method};
use crate::planes::PixelPlanes;

pub fn analyse(p: &PixelPlanes, frame: Option<u32>, out: &mut Vec<Evidence>) {
    if !p.mode.has_alpha() || p.bit_depth != 8 {
        return;
    }
    let ch = p.channels();
    let mut hist = [0u64; 256];
    for px in p.samples.chunks_exact(ch) {
        hist[px[ch - 1] as usize] += 1;
    }
    let others: u64 = hist[2..254].iter().sum();
    let moved = hist[254] + hist[1];
    let base = hist[255] + hist[0];
    if others != 0 || moved == 0 || base == 0 {
        return;
    }
    // Only {0,255} plus their LSB neighbours: an alpha mask whose LSBs were rewritten.
    let score = match moved {
        16.. => 0.97,
        4..=15 => 0.7,
        _ => 0.3,
    };
    let frame_txt = frame.map(|f| format!(" (frame {f})")).unwrap_or_default();
    out.push(Evidence::new(
        Method::Alpha,
        score,
        "alpha-plane",
        format!(
            "alpha plane is opaque/binary except {moved} samples one step off (254 or 1){frame_txt}: LSB changes, not natural transparency"
        ),
    ));
}
