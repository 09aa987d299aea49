//! Palette structure: palettes built so that flipping an index LSB is invisible (entries 2k and
//! 2k+1 nearly equal), and chi-square over growing prefixes of the indices (sequential index-LSB
//! embedding of random-looking data). Index-LSB streams are searched by the content search.

use super::structural::chi_prefix;
use super::{Evidence, Method};
use crate::planes::{ColorMode, PixelPlanes};

/// Add palette-structure evidence for one frame.
pub fn analyse(p: &PixelPlanes, frame: Option<u32>, out: &mut Vec<Evidence>) {
    if p.mode != ColorMode::Palette {
        return;
    }
    let Some(pal) = &p.palette else { return };
    let mut used = [false; 256];
    for &i in &p.samples {
        used[i as usize] = true;
    }
    let frame_txt = frame.map(|f| format!(" (frame {f})")).unwrap_or_default();
    // Pairs (2k, 2k+1) both in the palette and at least one used.
    let (mut pairs, mut twins) = (0, 0);
    for k in 0..pal.len() / 2 {
        let (a, b) = (pal[2 * k], pal[2 * k + 1]);
        if !(used[2 * k] || used[2 * k + 1]) {
            continue;
        }
        pairs += 1;
        if a != b && a.iter().zip(&b).all(|(x, y)| x.abs_diff(*y) <= 2) {
            twins += 1;
        }
    }
    if pairs >= 16 && twins * 4 >= pairs * 3 {
        // Weak on its own: optimised palettes are often sorted so neighbours are similar (seen on
        // 254 of 17,947 clean training images at 0.75), so this only explains, never decides.
        out.push(Evidence::new(
            Method::Palette,
            0.3,
            "palette",
            format!("{twins} of {pairs} palette pairs (2k, 2k+1) are near-identical colours, as in palettes prepared for index-LSB hiding{frame_txt}"),
        ));
    }
    if let Some(c) = chi_prefix(&p.samples, 1, 1) {
        if c.p_first > 0.99 && c.p_all < 0.01 && c.sequential_fraction >= 0.02 {
            out.push(Evidence::new(
                Method::Palette,
                0.8,
                "palette",
                format!(
                    "chi-square: index pairs equalised over the first {:.0} % of the pixels, not after{frame_txt}",
                    c.sequential_fraction * 100.0
                ),
            ));
        }
    }
}
