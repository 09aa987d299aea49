//! Calibrated statistics of a JPEG's luminance coefficients: the input of the learned
//! JPEG-domain model (steghide, OutGuess). Tools that keep first-order histograms (OutGuess
//! corrects them, steghide exchanges values) still change how neighbouring coefficients depend on
//! each other; those dependencies are measured here against a *calibrated* reference — the same
//! image decompressed, cropped by 4 pixels (breaking the 8x8 grid the payload lives on) and
//! compressed again with the same quantisation table — whose statistics approximate the cover's.
//!
//! Four groups of 25 (coefficients and differences clipped to [-2, 2]), each on the image and as
//! the difference to its calibrated version, plus two quantisation scalars
//! (`scripts/research/jpeg_features.py` is the study they were chosen in):
//! - intra-block co-occurrence of horizontally and vertically adjacent AC coefficients;
//! - inter-block co-occurrence of the same low-frequency mode (u + v <= 4) in adjacent blocks;
//! - intra-block Markov transitions of |C| differences along rows and columns;
//! - inter-block Markov transitions of same-mode |C| differences between adjacent blocks.

use crate::planes::dct::{DctComponent, DctPlanes, ZIGZAG_TO_NATURAL};

/// Length of the feature vector.
pub const N_FEATURES: usize = 202;
/// Bumped whenever a feature's definition changes (models record the version they were trained on).
pub const FEATURES_VERSION: u32 = 1;
/// The clip threshold of coefficients and differences.
const T: i32 = 2;
const BINS: usize = (2 * T + 1) as usize;
const GROUP: usize = BINS * BINS;

/// Side of the block window the features are computed on (64 blocks: 512 x 512 luminance
/// pixels, the centre of larger images), which bounds their cost; the statistics are densities.
pub const WINDOW: usize = 64;

/// Coefficient blocks of one component in natural (row-major 8x8) order.
struct Blocks {
    bx: usize,
    by: usize,
    data: Vec<[i32; 64]>,
}

impl Blocks {
    /// The centred window of at most [`WINDOW`] x [`WINDOW`] blocks of a component.
    fn window(c: &DctComponent) -> Blocks {
        let (bx, by) = (c.blocks_x.min(WINDOW), c.blocks_y.min(WINDOW));
        let (x0, y0) = ((c.blocks_x - bx) / 2, (c.blocks_y - by) / 2);
        let mut data = Vec::with_capacity(bx * by);
        for y in y0..y0 + by {
            for b in &c.blocks[y * c.blocks_x + x0..y * c.blocks_x + x0 + bx] {
                let mut n = [0i32; 64];
                for (z, &v) in b.iter().enumerate() {
                    n[ZIGZAG_TO_NATURAL[z]] = v as i32;
                }
                data.push(n);
            }
        }
        Blocks { bx, by, data }
    }
}

/// The feature vector of a JPEG (its luminance, the centred window of [`WINDOW`] blocks), or
/// `None` when it is too small to calibrate (fewer than 3x3 luminance blocks) or has no component.
pub fn features(planes: &DctPlanes) -> Option<[f32; N_FEATURES]> {
    let c = planes.components.first()?;
    if c.blocks_x < 3 || c.blocks_y < 3 || c.blocks.len() != c.blocks_x * c.blocks_y {
        return None;
    }
    let mut q = [0f32; 64];
    for (z, &v) in c.quant.iter().enumerate() {
        q[ZIGZAG_TO_NATURAL[z]] = v.max(1) as f32;
    }
    let blocks = Blocks::window(c);
    let f0 = groups(&blocks);
    let f1 = groups(&calibrated(&blocks, &q));
    let mut out = [0f32; N_FEATURES];
    for i in 0..4 * GROUP {
        out[i] = f0[i] as f32;
        out[4 * GROUP + i] = (f0[i] - f1[i]) as f32;
    }
    out[8 * GROUP] = (q[1] + q[8]).ln();
    let low: f32 = (0..4).flat_map(|u| (0..4).map(move |v| q[u * 8 + v])).sum();
    out[8 * GROUP + 1] = (low / 16.0).ln();
    Some(out)
}

#[inline]
fn bin(v: i32) -> usize {
    (v.clamp(-T, T) + T) as usize
}

/// Counts of one group in two halves (horizontal and vertical pairs), so that consecutive
/// increments rarely wait on each other.
type Counts = [[u32; GROUP]; 2];

/// Count the pair (a, b), except (0, 0): most pairs of a JPEG are zeros, and counting them one
/// by one would cost more than everything else. `n` counts every pair; [`total`] puts the
/// zero pairs back as `n` minus the others.
#[inline]
fn add(m: &mut [u32; GROUP], n: &mut u32, a: i32, b: i32) {
    *n += 1;
    if a != 0 || b != 0 {
        m[bin(a) * BINS + bin(b)] += 1;
    }
}

const CENTRE: usize = (T as usize) * BINS + T as usize;

fn total(m: &Counts, n: u32) -> [f64; GROUP] {
    let mut out: [f64; GROUP] = std::array::from_fn(|i| (m[0][i] + m[1][i]) as f64);
    let others: f64 = out.iter().sum();
    out[CENTRE] += n as f64 - others;
    out
}

/// A co-occurrence made symmetric and normalised to sum 1.
fn symmetric(m: &[f64; GROUP]) -> [f64; GROUP] {
    let mut s = [0f64; GROUP];
    for i in 0..BINS {
        for j in 0..BINS {
            s[i * BINS + j] = m[i * BINS + j] + m[j * BINS + i];
        }
    }
    let total: f64 = s.iter().sum();
    if total > 0.0 {
        s.iter_mut().for_each(|v| *v /= total);
    }
    s
}

/// Rows normalised: P(next | current); empty rows stay 0.
fn conditional(m: &[f64; GROUP]) -> [f64; GROUP] {
    let mut c = *m;
    for row in c.chunks_exact_mut(BINS) {
        let s: f64 = row.iter().sum();
        if s > 0.0 {
            row.iter_mut().for_each(|v| *v /= s);
        }
    }
    c
}

/// Low-frequency AC modes (natural index) with 1 <= u + v <= 4.
const LOW_MODES: [usize; 14] = [1, 2, 3, 4, 8, 9, 10, 11, 16, 17, 18, 24, 25, 32];

/// The four groups, in order: intra co-occurrence, inter co-occurrence, intra Markov, inter Markov.
fn groups(b: &Blocks) -> [f64; 4 * GROUP] {
    let zero = [[0u32; GROUP]; 2];
    let (mut n_intra, mut n_inter, mut n_mk_intra, mut n_mk_inter) = (0u32, 0u32, 0u32, 0u32);
    let (mut intra, mut inter, mut mk_intra, mut mk_inter): (Counts, Counts, Counts, Counts) =
        (zero, zero, zero, zero);
    // blocks whose AC coefficients are all zero (common in smooth areas) contribute only zero
    // pairs, and pairs of |DC| with 0: counted without walking them
    let busy: Vec<bool> = b
        .data
        .iter()
        .map(|c| c[1..].iter().any(|&v| v != 0))
        .collect();
    // |C| of every block, computed once (each block takes part in up to nine triples)
    let abs: Vec<[i32; 64]> = b
        .data
        .iter()
        .map(|c| std::array::from_fn(|i| c[i].abs()))
        .collect();
    for (k, c) in b.data.iter().enumerate() {
        let (x, y) = (k % b.bx, k / b.bx);
        if !busy[k] {
            n_intra += 110;
            n_mk_intra += 94;
            add(&mut mk_intra[0], &mut n_mk_intra, c[0].abs(), 0);
            add(&mut mk_intra[1], &mut n_mk_intra, c[0].abs(), 0);
        } else {
            intra_block(
                c,
                &abs[k],
                &mut intra,
                &mut n_intra,
                &mut mk_intra,
                &mut n_mk_intra,
            );
        }
        // inter-block co-occurrence of low modes with the right and lower neighbours
        if x + 1 < b.bx {
            if busy[k] || busy[k + 1] {
                let n = &b.data[k + 1];
                for &m in &LOW_MODES {
                    add(&mut inter[0], &mut n_inter, c[m], n[m]);
                }
            } else {
                n_inter += LOW_MODES.len() as u32;
            }
        }
        if y + 1 < b.by {
            if busy[k] || busy[k + b.bx] {
                let n = &b.data[k + b.bx];
                for &m in &LOW_MODES {
                    add(&mut inter[1], &mut n_inter, c[m], n[m]);
                }
            } else {
                n_inter += LOW_MODES.len() as u32;
            }
        }
        // inter-block Markov: same-mode |C| differences over three blocks in a row / column
        if x + 2 < b.bx {
            if busy[k] || busy[k + 1] || busy[k + 2] {
                let (a, n1, n2) = (&abs[k], &abs[k + 1], &abs[k + 2]);
                for m in 1..64 {
                    let (a0, a1, a2) = (a[m], n1[m], n2[m]);
                    add(&mut mk_inter[0], &mut n_mk_inter, a0 - a1, a1 - a2);
                }
            } else {
                n_mk_inter += 63;
            }
        }
        if y + 2 < b.by {
            if busy[k] || busy[k + b.bx] || busy[k + 2 * b.bx] {
                let (a, n1, n2) = (&abs[k], &abs[k + b.bx], &abs[k + 2 * b.bx]);
                for m in 1..64 {
                    let (a0, a1, a2) = (a[m], n1[m], n2[m]);
                    add(&mut mk_inter[1], &mut n_mk_inter, a0 - a1, a1 - a2);
                }
            } else {
                n_mk_inter += 63;
            }
        }
    }
    let mut out = [0f64; 4 * GROUP];
    out[..GROUP].copy_from_slice(&symmetric(&total(&intra, n_intra)));
    out[GROUP..2 * GROUP].copy_from_slice(&symmetric(&total(&inter, n_inter)));
    out[2 * GROUP..3 * GROUP].copy_from_slice(&conditional(&total(&mk_intra, n_mk_intra)));
    out[3 * GROUP..].copy_from_slice(&conditional(&total(&mk_inter, n_mk_inter)));
    out
}

/// The intra-block pairs of one block: co-occurrences of adjacent AC coefficients (110 pairs)
/// and Markov transitions of |C| differences along rows and columns (96).
fn intra_block(
    c: &[i32; 64],
    a: &[i32; 64],
    intra: &mut Counts,
    n_intra: &mut u32,
    mk_intra: &mut Counts,
    n_mk_intra: &mut u32,
) {
    {
        // intra-block co-occurrence: adjacent pairs, none involving DC
        for r in 0..8 {
            for col in 0..7 {
                if r == 0 && col == 0 {
                    continue;
                }
                add(&mut intra[0], n_intra, c[r * 8 + col], c[r * 8 + col + 1]);
                add(&mut intra[1], n_intra, c[col * 8 + r], c[(col + 1) * 8 + r]);
            }
        }
        // intra-block Markov: consecutive differences of |C| along rows and along columns
        for r in 0..8 {
            for col in 0..6 {
                let (a0, a1, a2) = (a[r * 8 + col], a[r * 8 + col + 1], a[r * 8 + col + 2]);
                add(&mut mk_intra[0], n_mk_intra, a0 - a1, a1 - a2);
                let (b0, b1, b2) = (a[col * 8 + r], a[(col + 1) * 8 + r], a[(col + 2) * 8 + r]);
                add(&mut mk_intra[1], n_mk_intra, b0 - b1, b1 - b2);
            }
        }
    }
}

type Mat8 = [[f32; 8]; 8];

/// The orthonormal 8-point DCT-II matrix `D[k][n] = c_k cos((2n + 1) k pi / 16)` and its
/// transpose.
fn dct_matrices() -> (Mat8, Mat8) {
    let mut d = [[0f32; 8]; 8];
    for (k, row) in d.iter_mut().enumerate() {
        let ck = if k == 0 { (1.0f64 / 8.0).sqrt() } else { 0.5 };
        for (n, v) in row.iter_mut().enumerate() {
            *v = (ck * ((2 * n + 1) as f64 * k as f64 * std::f64::consts::PI / 16.0).cos()) as f32;
        }
    }
    let mut t = [[0f32; 8]; 8];
    for i in 0..8 {
        for j in 0..8 {
            t[i][j] = d[j][i];
        }
    }
    (d, t)
}

/// `a * b`, written row by row so the inner loop is one 8-wide vector operation.
#[inline]
fn matmul(a: &Mat8, b: &Mat8) -> Mat8 {
    let mut out = [[0f32; 8]; 8];
    for (o, ar) in out.iter_mut().zip(a) {
        for (k, br) in b.iter().enumerate() {
            let s = ar[k];
            for (x, y) in o.iter_mut().zip(br) {
                *x += s * y;
            }
        }
    }
    out
}

/// Decompress (dequantise, inverse DCT `D^T X D`, round and clip), crop 4 pixels from the top
/// and the left, compress again (`D X D^T`) with the same table.
fn calibrated(b: &Blocks, q: &[f32; 64]) -> Blocks {
    let (d, dt) = dct_matrices();
    let (w, h) = (b.bx * 8, b.by * 8);
    let mut px = vec![0f32; w * h];
    for (k, c) in b.data.iter().enumerate() {
        let (x0, y0) = ((k % b.bx) * 8, (k / b.bx) * 8);
        let mut deq = [[0f32; 8]; 8];
        for (i, row) in deq.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = c[i * 8 + j] as f32 * q[i * 8 + j];
            }
        }
        let p = matmul(&matmul(&dt, &deq), &d);
        for (r, row) in p.iter().enumerate() {
            let line = &mut px[(y0 + r) * w + x0..(y0 + r) * w + x0 + 8];
            for (o, v) in line.iter_mut().zip(row) {
                *o = (v + 128.0).round().clamp(0.0, 255.0);
            }
        }
    }
    let (bx, by) = ((w - 4) / 8, (h - 4) / 8);
    let mut data = Vec::with_capacity(bx * by);
    for y in 0..by {
        for x in 0..bx {
            let mut blk = [[0f32; 8]; 8];
            for (r, row) in blk.iter_mut().enumerate() {
                let start = (4 + y * 8 + r) * w + 4 + x * 8;
                for (o, v) in row.iter_mut().zip(&px[start..start + 8]) {
                    *o = v - 128.0;
                }
            }
            let f = matmul(&matmul(&d, &blk), &dt);
            let mut out = [0i32; 64];
            for (i, row) in f.iter().enumerate() {
                for (j, v) in row.iter().enumerate() {
                    out[i * 8 + j] = (v / q[i * 8 + j]).round() as i32;
                }
            }
            data.push(out);
        }
    }
    Blocks { bx, by, data }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transforms_invert_each_other() {
        let (d, dt) = dct_matrices();
        let x: Mat8 = std::array::from_fn(|i| {
            std::array::from_fn(|j| ((i * 37 + j * 11) % 255) as f32 - 128.0)
        });
        let forward = matmul(&matmul(&d, &x), &dt);
        let back = matmul(&matmul(&dt, &forward), &d);
        for (a, b) in x.iter().flatten().zip(back.iter().flatten()) {
            assert!((a - b).abs() < 1e-3, "{a} {b}");
        }
        // the DC of a flat block is 8 times its value
        let flat = [[10f32; 8]; 8];
        assert!((matmul(&matmul(&d, &flat), &dt)[0][0] - 80.0).abs() < 1e-3);
    }

    #[test]
    fn groups_are_distributions() {
        let data = (0..64)
            .map(|k| std::array::from_fn(|i| ((k * 7 + i * 3) % 9) as i32 - 4))
            .collect();
        let f = groups(&Blocks { bx: 8, by: 8, data });
        for g in 0..2 {
            let s: f64 = f[g * GROUP..(g + 1) * GROUP].iter().sum();
            assert!((s - 1.0).abs() < 1e-9, "group {g} sums to {s}");
        }
        for g in 2..4 {
            for row in f[g * GROUP..(g + 1) * GROUP].chunks(BINS) {
                let s: f64 = row.iter().sum();
                assert!(s == 0.0 || (s - 1.0).abs() < 1e-9);
            }
        }
    }
}
