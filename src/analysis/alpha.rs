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
    let counts = match ch {
        2 => classes::<2>(&p.samples),
        4 => classes::<4>(&p.samples),
        _ => return, // (the modes with alpha have 2 or 4 channels)
    };
    let Some((ends, moved)) = counts else {
        return;
    };
    if moved == 0 || ends == 0 {
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

/// Pixels per stretch of [`classes`] between looks at its count of other values.
const STRETCH: usize = 4096;

/// The alpha samples (the last of each `CH`-sample pixel) counted as `(0 or 255, 1 or 254)`;
/// `None` as soon as a stretch holds any other value (most images with a real alpha channel:
/// the analysis has nothing to say about them). Counts without a branch per sample, so an opaque
/// image's pass is vectorised.
#[inline(always)] // into the AVX2 version of `analyse`
fn classes<const CH: usize>(samples: &[u8]) -> Option<(u64, u64)> {
    let (mut ends, mut moved) = (0u64, 0u64);
    for stretch in samples.chunks(STRETCH * CH) {
        let (mut e, mut m, mut o) = (0u32, 0u32, 0u32);
        for px in stretch.chunks_exact(CH) {
            let v = px[CH - 1];
            e += (v == 0 || v == 255) as u32;
            m += (v == 1 || v == 254) as u32;
            o += (v.wrapping_sub(2) < 252) as u32;
        }
        if o != 0 {
            return None;
        }
        ends += e as u64;
        moved += m as u64;
    }
    Some((ends, moved))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The counts by their definition: a histogram of the alpha samples.
    fn by_histogram(samples: &[u8], ch: usize) -> Option<(u64, u64)> {
        let mut hist = [0u64; 256];
        for px in samples.chunks_exact(ch) {
            hist[px[ch - 1] as usize] += 1;
        }
        (hist[2..254].iter().sum::<u64>() == 0).then(|| (hist[0] + hist[255], hist[1] + hist[254]))
    }

    #[test]
    fn alpha_classes_count_what_a_histogram_counts() {
        let mut next = crate::test_support::xorshift(0x9E37_79B9_7F4A_7C15u64);
        // opaque, binary, moved by one, and one other value early, late or in the last
        // partial stretch; sizes around the stretch length
        for pixels in [0, 1, 7, STRETCH - 1, STRETCH, 3 * STRETCH + 5] {
            for case in 0..5 {
                for ch in [2usize, 4] {
                    let mut s: Vec<u8> = (0..pixels * ch)
                        .map(|i| {
                            let r = next();
                            if i % ch != ch - 1 {
                                (r >> 20) as u8 // colour samples: any value
                            } else {
                                match case {
                                    0 => 255,
                                    1 => [0, 255][(r % 2) as usize],
                                    _ => [0, 1, 254, 255][(r % 4) as usize],
                                }
                            }
                        })
                        .collect();
                    if case >= 3 && pixels > 0 {
                        let at = if case == 3 { 0 } else { pixels - 1 };
                        s[at * ch + ch - 1] = 2 + (next() % 252) as u8;
                    }
                    let got = if ch == 2 {
                        classes::<2>(&s)
                    } else {
                        classes::<4>(&s)
                    };
                    assert_eq!(
                        got,
                        by_histogram(&s, ch),
                        "{pixels} pixels, case {case}, {ch}"
                    );
                }
            }
        }
    }
}
