//! DCTR features (Holub and Fridrich, "Low-complexity features for JPEG steganalysis using
//! undecimated DCT", IEEE TIFS 2015): histograms of the luminance's undecimated DCT, split by
//! where each 8x8 window sits relative to the JPEG grid. Embedding changes in the quantised
//! coefficients (nsF5, steghide, OutGuess, J-UNIWARD) disturb the statistics of the windows on
//! the grid differently from those off it; a linear model over the 8,000 values sees that where
//! the 202 [`super::features`] do not.
//!
//! The luminance (the same centred window of at most [`super::features::WINDOW`] blocks) is
//! decompressed without rounding; every 8x8 window is transformed with the orthonormal DCT; for
//! each of the 64 basis functions `(k, l)` and each of the 25 classes of grid offsets `(a, b)`
//! (offsets `a` and `8 - a` are merged: the basis functions are symmetric or antisymmetric), the
//! histogram of `min(round(|U| / q), 4)` is kept as shares of its count. `q` is the quantisation
//! step the paper ties to the JPEG quality, `8 (2 - QF / 50)`, taken from the table's scale
//! relative to the standard one so that any encoder's table gets one.

use super::features::{dct_matrices, luminance_window, matmul_first, Blocks, Mat8};
use crate::planes::dct::DctPlanes;

/// Largest bin (`min(round(|U| / q), T)`).
const T: usize = 4;
const BINS: usize = T + 1;
/// Classes of grid offsets: `min(a, 8 - a)` by `min(b, 8 - b)`.
const CLASSES: usize = 25;
/// Length of the feature vector: 64 basis functions x 25 offset classes x 5 bins.
pub const N_DCTR: usize = 64 * CLASSES * BINS;

/// The IJG standard luminance table (natural order), quality 50, as floats.
const STD_LUM: [f32; 64] = {
    let mut t = [0f32; 64];
    let mut i = 0;
    while i < 64 {
        t[i] = super::double::STD_LUMINANCE[i] as f32;
        i += 1;
    }
    t
};

/// The DCTR features of a JPEG, or `None` where [`super::features::features`] has none (fewer
/// than 3x3 luminance blocks).
pub fn dctr(planes: &DctPlanes) -> Option<Vec<f32>> {
    let (blocks, q) = luminance_window(planes)?;
    let px = decompress(&blocks, &q);
    Some(histograms(
        &px,
        blocks.bx * 8,
        blocks.by * 8,
        quant_step(&q),
    ))
}

/// `8 (2 - QF / 50)` for an IJG table of quality QF, which is 8 times the table's scale against
/// the standard one; the median of the 64 ratios gives other encoders' tables a scale too.
fn quant_step(q: &[f32; 64]) -> f32 {
    let mut r: Vec<f32> = q.iter().zip(&STD_LUM).map(|(a, b)| a / b).collect();
    r.sort_by(f32::total_cmp);
    (8.0 * (r[31] + r[32]) / 2.0).max(0.1)
}

/// The window's luminance, dequantised and inverse transformed, not rounded (level shift
/// included).
fn decompress(b: &Blocks, q: &[f32; 64]) -> Vec<f32> {
    let (d, dt) = dct_matrices();
    let w = b.bx * 8;
    let mut px = vec![0f32; w * b.by * 8];
    for (k, c) in b.data.iter().enumerate() {
        let (x0, y0) = ((k % b.bx) * 8, (k / b.bx) * 8);
        let deq: Mat8 =
            std::array::from_fn(|i| std::array::from_fn(|j| c[i * 8 + j] as f32 * q[i * 8 + j]));
        let (rows, cols) = super::features::extent(c);
        let p = matmul_first(&matmul_first(&dt, &deq, rows as usize), &d, cols as usize);
        for (r, row) in p.iter().enumerate() {
            let line = &mut px[(y0 + r) * w + x0..(y0 + r) * w + x0 + 8];
            for (o, v) in line.iter_mut().zip(row) {
                *o = v + 128.0;
            }
        }
    }
    px
}

/// Histograms of the undecimated DCT of `px` (`w` x `h`), shares per basis function and offset
/// class, laid out `[(k * 8 + l) * 25 + class] * 5 + bin`.
///
/// The 2-D basis functions are separable: each row is filtered with the 8 one-dimensional basis
/// functions once, then each of the 64 outputs is one 8-tap filter down the columns, 576
/// multiply-adds per pixel instead of 4,096. Eight consecutive outputs of a row are the eight
/// horizontal grid offsets, one vector lane each.
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
fn histograms(px: &[f32], w: usize, h: usize, q: f32) -> Vec<f32> {
    let mut counts = vec![0u32; N_DCTR];
    if w < 8 || h < 8 {
        return counts.iter().map(|_| 0.0).collect();
    }
    let (d, _) = dct_matrices();
    let (ow, oh) = (w - 7, h - 7);
    // r[l][y][x] = sum over n of d[l][n] px[y][x + n]
    let mut r = vec![0f32; 8 * h * ow];
    for y in 0..h {
        let row = &px[y * w..(y + 1) * w];
        for (l, dl) in d.iter().enumerate() {
            let out = &mut r[(l * h + y) * ow..(l * h + y + 1) * ow];
            for (n, &c) in dl.iter().enumerate() {
                for (o, v) in out.iter_mut().zip(&row[n..n + ow]) {
                    *o += c * v;
                }
            }
        }
    }
    let fold = |a: usize| a.min(8 - a);
    // acc[kl][vertical class][t][horizontal offset]: the count of |u| >= edges[t], the bins'
    // lower edges (compares, which vectorise where a float-to-integer bin would not);
    // n[vertical class][horizontal offset]: the count of all
    let e = edges(q);
    let mut acc = vec![[[[0u32; 8]; T]; 5]; 64];
    let mut n = [[0u32; 8]; 5];
    let chunks = ow / 8;
    for y in 0..oh {
        let ya = fold(y % 8);
        for lane in n[ya].iter_mut() {
            *lane += chunks as u32;
        }
        for x in chunks * 8..ow {
            n[ya][x % 8] += 1;
        }
        for l in 0..8 {
            let rows: [&[f32]; 8] =
                std::array::from_fn(|m| &r[(l * h + y + m) * ow..(l * h + y + m + 1) * ow]);
            for (k, dk) in d.iter().enumerate() {
                let a = &mut acc[k * 8 + l][ya];
                for c in 0..chunks {
                    let mut u = [0f32; 8];
                    for (m, row) in rows.iter().enumerate() {
                        let src: &[f32; 8] = row[c * 8..c * 8 + 8].try_into().unwrap();
                        for (o, v) in u.iter_mut().zip(src) {
                            *o += dk[m] * v;
                        }
                    }
                    for (lanes, &edge) in a.iter_mut().zip(&e) {
                        for (o, v) in lanes.iter_mut().zip(&u) {
                            *o += (v.abs() >= edge) as u32;
                        }
                    }
                }
                for x in chunks * 8..ow {
                    let u: f32 = (0..8).map(|m| dk[m] * rows[m][x]).sum();
                    for (lanes, &edge) in a.iter_mut().zip(&e) {
                        lanes[x % 8] += (u.abs() >= edge) as u32;
                    }
                }
            }
        }
    }
    for (kl, per_kl) in acc.iter().enumerate() {
        for (ya, per_class) in per_kl.iter().enumerate() {
            for xb in 0..8 {
                let base = (kl * CLASSES + ya * 5 + fold(xb)) * BINS;
                counts[base] += n[ya][xb] - per_class[0][xb];
                for t in 1..T {
                    counts[base + t] += per_class[t - 1][xb] - per_class[t][xb];
                }
                counts[base + T] += per_class[T - 1][xb];
            }
        }
    }
    shares(&counts)
}

/// The lower edges of the bins 1..=T of `min(round(|u| / q), T)`, moved up by q / 256: on the
/// grid, `u` is a dequantised coefficient, whose multiples of the table entry land exactly on
/// half-integers of `q` for common tables (6 / 4 = 1.5), and the order of a float sum would
/// then decide the bin.
fn edges(q: f32) -> [f32; T] {
    std::array::from_fn(|t| (t as f32 + 0.5 + 1.0 / 256.0) * q)
}

/// Each histogram as shares of its count.
fn shares(counts: &[u32]) -> Vec<f32> {
    let mut out = vec![0f32; counts.len()];
    for (o, c) in out.chunks_exact_mut(BINS).zip(counts.chunks_exact(BINS)) {
        let total: u32 = c.iter().sum();
        if total > 0 {
            for (x, &v) in o.iter_mut().zip(c) {
                *x = v as f32 / total as f32;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::features::matmul;
    use super::*;

    /// The definition, one 8x8 window at a time.
    fn reference(px: &[f32], w: usize, h: usize, q: f32) -> Vec<f32> {
        let (d, dt) = dct_matrices();
        let fold = |a: usize| a.min(8 - a);
        let mut counts = vec![0u32; N_DCTR];
        for y in 0..=h - 8 {
            for x in 0..=w - 8 {
                let patch: Mat8 =
                    std::array::from_fn(|r| std::array::from_fn(|c| px[(y + r) * w + x + c]));
                let u = matmul(&matmul(&d, &patch), &dt);
                let class = fold(y % 8) * 5 + fold(x % 8);
                for (kl, v) in u.iter().flatten().enumerate() {
                    let b = edges(q).iter().filter(|&&e| v.abs() >= e).count();
                    counts[(kl * CLASSES + class) * BINS + b] += 1;
                }
            }
        }
        shares(&counts)
    }

    #[test]
    fn the_separable_filters_give_the_windows_transforms() {
        let (w, h) = (53, 37);
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let px: Vec<f32> = (0..w * h)
            .map(|i| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ((i % w) as f32 * 1.5 + (state % 4000) as f32 * 0.0137) % 256.0
            })
            .collect();
        let (a, b) = (histograms(&px, w, h, 3.0), reference(&px, w, h, 3.0));
        // values on a bin's edge may fall either side with the order of the sums
        let worst = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0f32, f32::max);
        assert!(worst < 0.02, "{worst}");
        assert!(a.iter().zip(&b).filter(|(x, y)| x != y).count() < 20);
        let total: f32 = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum();
        assert!(total < 1.0, "{total}");
    }

    #[test]
    fn the_quantisation_step_follows_the_ijg_quality() {
        // quality 75: the standard table halved (scale 50): q = 8 (2 - 75 / 50) = 4
        let q75: [f32; 64] = std::array::from_fn(|i| ((STD_LUM[i] * 50.0 + 50.0) / 100.0).floor());
        assert!((quant_step(&q75) - 4.0).abs() < 0.3, "{}", quant_step(&q75));
        let q95: [f32; 64] = std::array::from_fn(|i| ((STD_LUM[i] * 10.0 + 50.0) / 100.0).floor());
        assert!((quant_step(&q95) - 0.8).abs() < 0.2, "{}", quant_step(&q95));
    }

    #[test]
    fn a_flat_image_puts_every_ac_value_in_the_zero_bin() {
        let (w, h) = (32, 24);
        let px = vec![100f32; w * h];
        let f = histograms(&px, w, h, 4.0);
        assert_eq!(f.len(), N_DCTR);
        for kl in 1..64 {
            for class in 0..CLASSES {
                let base = (kl * CLASSES + class) * BINS;
                assert!(
                    (f[base] - 1.0).abs() < 1e-6,
                    "{kl} {class}: {:?}",
                    &f[base..base + 5]
                );
            }
        }
        // the DC of a flat 100 is 800: the top bin
        assert!((f[T] - 1.0).abs() < 1e-6);
    }
}
