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
pub(super) struct Blocks {
    pub(super) bx: usize,
    pub(super) by: usize,
    pub(super) data: Vec<[i16; 64]>,
}

impl Blocks {
    /// The centred window of at most [`WINDOW`] x [`WINDOW`] blocks of a component.
    fn window(c: &DctComponent) -> Blocks {
        let (bx, by) = (c.blocks_x.min(WINDOW), c.blocks_y.min(WINDOW));
        let (x0, y0) = ((c.blocks_x - bx) / 2, (c.blocks_y - by) / 2);
        let mut data = Vec::with_capacity(bx * by);
        for y in y0..y0 + by {
            for b in &c.blocks[y * c.blocks_x + x0..y * c.blocks_x + x0 + bx] {
                let mut n = [0i16; 64];
                for (z, &v) in b.iter().enumerate() {
                    n[ZIGZAG_TO_NATURAL[z]] = v;
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
    Calibration::new(planes).map(|c| c.features())
}

/// The centred luminance window, its calibrated version and the table: what the features and
/// the double-compression report ([`super::double`]) are computed from, made once per JPEG.
pub(super) struct Calibration {
    pub(super) blocks: Blocks,
    pub(super) calibrated: Blocks,
    /// Quantisation table, natural order.
    pub(super) q: [f32; 64],
}

impl Calibration {
    /// `None` where [`features`] has none.
    pub(super) fn new(planes: &DctPlanes) -> Option<Calibration> {
        let (blocks, q) = luminance_window(planes)?;
        let calibrated = calibrated(&blocks, &q);
        Some(Calibration {
            blocks,
            calibrated,
            q,
        })
    }

    /// The feature vector ([`features`]).
    pub(super) fn features(&self) -> [f32; N_FEATURES] {
        let (f0, f1) = (groups(&self.blocks), groups(&self.calibrated));
        let q = &self.q;
        let mut out = [0f32; N_FEATURES];
        for i in 0..4 * GROUP {
            out[i] = f0[i] as f32;
            out[4 * GROUP + i] = (f0[i] - f1[i]) as f32;
        }
        out[8 * GROUP] = (q[1] + q[8]).ln();
        let low: f32 = (0..4).flat_map(|u| (0..4).map(move |v| q[u * 8 + v])).sum();
        out[8 * GROUP + 1] = (low / 16.0).ln();
        out
    }
}

/// The centred window of the luminance blocks and its quantisation table (natural order), or
/// `None` when the image is too small to calibrate (fewer than 3x3 blocks) or has no component.
pub(super) fn luminance_window(planes: &DctPlanes) -> Option<(Blocks, [f32; 64])> {
    let c = planes.components.first()?;
    if c.blocks_x < 3 || c.blocks_y < 3 || c.blocks.len() != c.blocks_x * c.blocks_y {
        return None;
    }
    let mut q = [0f32; 64];
    for (z, &v) in c.quant.iter().enumerate() {
        q[ZIGZAG_TO_NATURAL[z]] = v.max(1) as f32;
    }
    Some((Blocks::window(c), q))
}

/// Largest |value| of [`histograms`].
pub const HIST_RANGE: i32 = 8;

/// The histogram of the luminance AC coefficients (values `-HIST_RANGE..=HIST_RANGE`, as shares
/// of all AC coefficients) of the image and of its calibrated version (decompressed, cropped by
/// 4 pixels, compressed again with the same table: an estimate of the cover's), over the same
/// centred window as [`features`]. Embedding that changes coefficients (jsteg, F5 shrinkage,
/// OutGuess before its correction) shows as a departure from the estimate, most in the bins
/// -1, 0 and 1. `None` where [`features`] is.
pub fn histograms(planes: &DctPlanes) -> Option<(Vec<f64>, Vec<f64>)> {
    let (blocks, q) = luminance_window(planes)?;
    let share = |b: &Blocks| {
        let n = (2 * HIST_RANGE + 1) as usize;
        let mut h = vec![0f64; n];
        for blk in &b.data {
            for &v in &blk[1..] {
                let v = v as i32;
                if v.abs() <= HIST_RANGE {
                    h[(v + HIST_RANGE) as usize] += 1.0;
                }
            }
        }
        let total = (b.data.len() * 63).max(1) as f64;
        h.iter_mut().for_each(|x| *x /= total);
        h
    };
    Some((share(&blocks), share(&calibrated(&blocks, &q))))
}

#[inline]
fn bin(v: i32) -> usize {
    (v.clamp(-T, T) + T) as usize
}

/// Counts of one group: four interleaved copies (consecutive increments go to different
/// copies, so runs of the same pair, mostly zeros, do not wait on each other), 32 slots each so
/// a masked code indexes without a bounds check; slot [`SKIP`] collects positions that are not
/// pairs.
type Counts = [[u32; 32]; 4];

/// Code of a position that is not a pair (ignored).
const SKIP: u8 = GROUP as u8;

/// Count every code of `codes`.
#[inline]
fn count(h: &mut Counts, codes: &[u8]) {
    let mut quads = codes.chunks_exact(4);
    for q in &mut quads {
        for (copy, &c) in h.iter_mut().zip(q) {
            copy[c as usize & 31] += 1;
        }
    }
    for &c in quads.remainder() {
        h[0][c as usize & 31] += 1;
    }
}

/// Count the codes of the first `rows` rows and `cols` columns of a block's 64 codes.
#[inline(always)] // into the AVX2 version of `groups`
fn count_rect(h: &mut Counts, codes: &[u8; 64], rows: usize, cols: usize) {
    for row in codes.chunks_exact(8).take(rows) {
        count(h, &row[..cols]);
    }
}

/// Rows and columns of a block (natural order) that hold a non-zero value: one past the last
/// row and one past the last column that do (at least 1 each). Every pair, triple and
/// difference outside them is the centre code (0, 0), which is not counted one by one.
#[inline(always)]
pub(super) fn extent(v: &[i16; 64]) -> (u8, u8) {
    let (mut rows, mut cols) = (0u8, 0u8);
    for (r, row) in v.chunks_exact(8).enumerate() {
        let any = row.iter().fold(0u8, |m, &x| m | (x != 0) as u8);
        rows = if any != 0 { r as u8 } else { rows };
        cols |= row
            .iter()
            .enumerate()
            .fold(0u8, |m, (c, &x)| m | ((x != 0) as u8) << c);
    }
    (rows + 1, (8 - cols.leading_zeros() as u8).max(1))
}

/// Bins of the 64 values of a block.
#[inline]
fn bins(v: &[i16; 64]) -> [u8; 64] {
    std::array::from_fn(|i| bin(v[i] as i32) as u8)
}

/// Pair codes `BINS * x[i] + y[i + d]` of bins, [`SKIP`] where `valid[i]` is false or `i + d`
/// is past the end.
#[inline]
fn codes(x: &[u8; 64], y: &[u8; 64], d: usize, valid: &[bool; 64]) -> [u8; 64] {
    let mut out = [SKIP; 64];
    // zipped slices, no index arithmetic: the loop is vectorised
    for ((o, (&p, &q)), &v) in out.iter_mut().zip(x.iter().zip(&y[d..])).zip(valid) {
        let c = p * BINS as u8 + q;
        *o = if v { c } else { SKIP };
    }
    out
}

/// Bins of `a[i] - b[i + d]` (the bin of 0 past the end).
#[inline]
fn diff_bins(a: &[u16; 64], b: &[u16; 64], d: usize) -> [u8; 64] {
    let mut out = [T as u8; 64];
    for (o, (&p, &q)) in out.iter_mut().zip(a.iter().zip(&b[d..])) {
        *o = ((p as i32 - q as i32).clamp(-T, T) + T) as u8;
    }
    out
}

/// Positions (natural order) where `f(row, col)` holds.
const fn positions(rows: usize, cols: usize, skip_dc: bool) -> [bool; 64] {
    let mut v = [false; 64];
    let mut i = 0;
    while i < 64 {
        v[i] = i / 8 < rows && i % 8 < cols && !(skip_dc && i == 0);
        i += 1;
    }
    v
}

/// First positions of intra-block pairs and triples: along rows (the next position one column
/// on) and along columns (one row on); co-occurrences leave out the pairs with DC.
const H_PAIR: [bool; 64] = positions(8, 7, true);
const V_PAIR: [bool; 64] = positions(7, 8, true);
const H_TRIPLE: [bool; 64] = positions(8, 6, false);
const V_TRIPLE: [bool; 64] = positions(6, 8, false);
/// Every AC position.
const AC: [bool; 64] = positions(8, 8, true);

const CENTRE: usize = (T as usize) * BINS + T as usize;

/// The counts of a group as one histogram, with the zero pairs not counted one by one put back
/// as `n` (every pair) minus the others.
fn total(m: &Counts, n: u32) -> [f64; GROUP] {
    let mut out: [f64; GROUP] = std::array::from_fn(|i| m.iter().map(|c| c[i]).sum::<u32>() as f64);
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
///
/// Each block's values, and the |C| differences the Markov groups use, are binned once into
/// arrays; pair codes are then built position by position over whole arrays (vectorised) and
/// counted within the blocks' extent of non-zero values (beyond it every pair is (0, 0), whose
/// count [`total`] puts back). Blocks whose AC coefficients are all zero with such neighbours
/// (smooth areas) are walked only for the pairs with DC.
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
fn groups(b: &Blocks) -> [f64; 4 * GROUP] {
    let zero: Counts = [[0; 32]; 4];
    let (mut intra, mut inter, mut mk_intra, mut mk_inter) = (zero, zero, zero, zero);
    let nb = b.data.len() as u32;
    let (w, h) = (b.bx as u32, b.by as u32);
    // pairs per block: 110 intra (no DC), 96 intra Markov; between blocks, 14 low modes per
    // adjacent pair and 63 modes per run of three
    let n_intra = 110 * nb;
    let n_mk_intra = 96 * nb;
    let n_inter = 14 * ((w - 1) * h + w * (h - 1));
    let n_mk_inter = 63 * (w.saturating_sub(2) * h + w * h.saturating_sub(2));
    let busy: Vec<bool> = b
        .data
        .iter()
        .map(|c| c[1..].iter().any(|&v| v != 0))
        .collect();
    let cb: Vec<[u8; 64]> = b.data.iter().map(bins).collect();
    let ext: Vec<(u8, u8)> = b.data.iter().map(extent).collect();
    // |C| of every block, computed once (each block takes part in up to nine triples)
    let abs: Vec<[u16; 64]> = b
        .data
        .iter()
        .map(|c| std::array::from_fn(|i| c[i].unsigned_abs()))
        .collect();
    for k in 0..b.data.len() {
        let (x, y) = (k % b.bx, k / b.bx);
        let a = &abs[k];
        if busy[k] {
            // pairs and triples start in the block's extent (the others are all (0, 0)) and
            // where they fit: pairs up to column 6 / row 6, triples up to column 5 / row 5
            let (rows, cols) = (ext[k].0 as usize, ext[k].1 as usize);
            let h_pairs = codes(&cb[k], &cb[k], 1, &H_PAIR);
            count_rect(&mut intra, &h_pairs, rows, cols.min(7));
            let v_pairs = codes(&cb[k], &cb[k], 8, &V_PAIR);
            count_rect(&mut intra, &v_pairs, rows.min(7), cols);
            let dh = diff_bins(a, a, 1);
            let h_triples = codes(&dh, &dh, 1, &H_TRIPLE);
            count_rect(&mut mk_intra, &h_triples, rows, cols.min(6));
            let dv = diff_bins(a, a, 8);
            let v_triples = codes(&dv, &dv, 8, &V_TRIPLE);
            count_rect(&mut mk_intra, &v_triples, rows.min(6), cols);
        } else {
            // only the Markov triples through DC are not zero: (|DC|, 0) along row and column
            let code = [bin(a[0] as i32) as u8 * BINS as u8 + T as u8; 2];
            count(&mut mk_intra, &code);
        }
        // inter-block co-occurrence of low modes with the right and lower neighbours
        for (dx, dy, fits) in [(1, 0, x + 1 < b.bx), (0, 1, y + 1 < b.by)] {
            let n = k + dx + dy * b.bx;
            if fits && (busy[k] || busy[n]) {
                // the 14 low modes gathered (a 64-wide pass would count 50 SKIP codes)
                let (x, y) = (&cb[k], &cb[n]);
                let low: [u8; 14] =
                    std::array::from_fn(|j| x[LOW_MODES[j]] * BINS as u8 + y[LOW_MODES[j]]);
                count(&mut inter, &low);
            }
        }
        // inter-block Markov: same-mode |C| differences over three blocks in a row / column
        for (dx, dy, fits) in [(1, 0, x + 2 < b.bx), (0, 1, y + 2 < b.by)] {
            let (n1, n2) = (k + dx + dy * b.bx, k + 2 * (dx + dy * b.bx));
            if fits && (busy[k] || busy[n1] || busy[n2]) {
                let (d1, d2) = (diff_bins(a, &abs[n1], 0), diff_bins(&abs[n1], &abs[n2], 0));
                // the three blocks' joint extent
                let rows = ext[k].0.max(ext[n1].0).max(ext[n2].0) as usize;
                let cols = ext[k].1.max(ext[n1].1).max(ext[n2].1) as usize;
                count_rect(&mut mk_inter, &codes(&d1, &d2, 0, &AC), rows, cols);
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

pub(super) type Mat8 = [[f32; 8]; 8];

/// The orthonormal 8-point DCT-II matrix `D[k][n] = c_k cos((2n + 1) k pi / 16)` and its
/// transpose.
pub(super) fn dct_matrices() -> (Mat8, Mat8) {
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
#[inline(always)] // into the AVX2 version of `calibrated`
pub(super) fn matmul(a: &Mat8, b: &Mat8) -> Mat8 {
    matmul_first(a, b, 8)
}

/// `a * b` over the first `inner` rows of `b` (columns of `a`): equal to [`matmul`] where the
/// others are zero, but for the sign of zero results (the terms left out are products with
/// zero, and adding +-0 changes no other sum).
#[inline(always)]
pub(super) fn matmul_first(a: &Mat8, b: &Mat8, inner: usize) -> Mat8 {
    let mut out = [[0f32; 8]; 8];
    for (o, ar) in out.iter_mut().zip(a) {
        for (k, br) in b.iter().enumerate().take(inner) {
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
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
fn calibrated(b: &Blocks, q: &[f32; 64]) -> Blocks {
    let (d, dt) = dct_matrices();
    let (w, h) = (b.bx * 8, b.by * 8);
    // decompressed samples are whole numbers in 0..=255: kept as bytes
    let mut px = vec![0u8; w * h];
    for (k, c) in b.data.iter().enumerate() {
        let (x0, y0) = ((k % b.bx) * 8, (k / b.bx) * 8);
        let mut deq = [[0f32; 8]; 8];
        for (i, row) in deq.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = c[i * 8 + j] as f32 * q[i * 8 + j];
            }
        }
        // rows and columns of `deq` past its extent are zero, and so are the columns of
        // `dt deq` past it: the sums leave them out (the samples are unchanged, a zero's sign
        // is lost in the rounding)
        let (rows, cols) = extent(c);
        let p = matmul_first(&matmul_first(&dt, &deq, rows as usize), &d, cols as usize);
        for (r, row) in p.iter().enumerate() {
            let line = &mut px[(y0 + r) * w + x0..(y0 + r) * w + x0 + 8];
            for (o, v) in line.iter_mut().zip(row) {
                *o = (v + 128.0).round().clamp(0.0, 255.0) as u8;
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
                    *o = *v as f32 - 128.0;
                }
            }
            let f = matmul(&matmul(&d, &blk), &dt);
            // |values| <= 1024 (the DCT of samples within +-128, a table entry >= 1)
            let mut out = [0i16; 64];
            for (i, row) in f.iter().enumerate() {
                for (j, v) in row.iter().enumerate() {
                    out[i * 8 + j] = (v / q[i * 8 + j]).round() as i16;
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
    fn the_inverse_transform_within_the_extent_equals_the_whole_one() {
        let (d, dt) = dct_matrices();
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for density in [0u64, 2, 8, 30, 64] {
            for _ in 0..200 {
                let c: [i16; 64] = std::array::from_fn(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    if state % 64 < density {
                        (state >> 20) as i16 % 40
                    } else {
                        0
                    }
                });
                let deq: Mat8 =
                    std::array::from_fn(|i| std::array::from_fn(|j| c[i * 8 + j] as f32 * 3.0));
                let whole = matmul(&matmul(&dt, &deq), &d);
                let (rows, cols) = extent(&c);
                let part = matmul_first(&matmul_first(&dt, &deq, rows as usize), &d, cols as usize);
                for (a, b) in whole.iter().flatten().zip(part.iter().flatten()) {
                    assert!(a == b, "{a} {b} (extent {rows} x {cols})");
                }
            }
        }
    }

    /// Every pair counted one by one, zeros included: the definition [`groups`] must match.
    fn groups_naive(b: &Blocks) -> [f64; 4 * GROUP] {
        let zero: Counts = [[0; 32]; 4];
        let (mut g, mut n) = ([zero; 4], [0u32; 4]);
        let mut count = |k: usize, half: usize, a: i32, b: i32| {
            g[k][half][bin(a) * BINS + bin(b)] += 1;
            n[k] += 1;
        };
        let at = |k: usize, r: usize, c: usize| b.data[k][r * 8 + c] as i32;
        for k in 0..b.data.len() {
            let (x, y) = (k % b.bx, k / b.bx);
            for r in 0..8 {
                for c in 0..7 {
                    if (r, c) != (0, 0) {
                        count(0, 0, at(k, r, c), at(k, r, c + 1));
                        count(0, 1, at(k, c, r), at(k, c + 1, r));
                    }
                }
                for c in 0..6 {
                    let (a0, a1, a2) = (
                        at(k, r, c).abs(),
                        at(k, r, c + 1).abs(),
                        at(k, r, c + 2).abs(),
                    );
                    count(2, 0, a0 - a1, a1 - a2);
                    let (b0, b1, b2) = (
                        at(k, c, r).abs(),
                        at(k, c + 1, r).abs(),
                        at(k, c + 2, r).abs(),
                    );
                    count(2, 1, b0 - b1, b1 - b2);
                }
            }
            for (dx, dy, half) in [(1, 0, 0), (0, 1, 1)] {
                if x + dx < b.bx && y + dy < b.by {
                    let n1 = k + dx + dy * b.bx;
                    for &m in &LOW_MODES {
                        count(1, half, b.data[k][m] as i32, b.data[n1][m] as i32);
                    }
                }
                if x + 2 * dx < b.bx && y + 2 * dy < b.by {
                    let (n1, n2) = (k + dx + dy * b.bx, k + 2 * (dx + dy * b.bx));
                    for m in 1..64 {
                        let (a0, a1, a2) =
                            (at(k, 0, m).abs(), at(n1, 0, m).abs(), at(n2, 0, m).abs());
                        count(3, half, a0 - a1, a1 - a2);
                    }
                }
            }
        }
        let mut out = [0f64; 4 * GROUP];
        out[..GROUP].copy_from_slice(&symmetric(&total(&g[0], n[0])));
        out[GROUP..2 * GROUP].copy_from_slice(&symmetric(&total(&g[1], n[1])));
        out[2 * GROUP..3 * GROUP].copy_from_slice(&conditional(&total(&g[2], n[2])));
        out[3 * GROUP..].copy_from_slice(&conditional(&total(&g[3], n[3])));
        out
    }

    #[test]
    fn groups_count_exactly_what_walking_every_pair_counts() {
        // sparse blocks like a JPEG's (mostly zeros, a few values up to +-5, some empty), on
        // windows of 2 to 9 blocks a side (the calibrated window can be 2 wide)
        let mut next = crate::test_support::xorshift(0x9E37_79B9_7F4A_7C15u64);
        for (bx, by) in [(2, 2), (3, 3), (2, 5), (7, 4), (9, 9)] {
            for density in [0u64, 3, 12, 40] {
                let data = (0..bx * by)
                    .map(|_| {
                        std::array::from_fn(|_| {
                            let r = next();
                            if r % 64 < density {
                                (r >> 8) as i16 % 11 - 5
                            } else {
                                0
                            }
                        })
                    })
                    .collect();
                let b = Blocks { bx, by, data };
                assert_eq!(
                    groups(&b),
                    groups_naive(&b),
                    "{bx}x{by}, density {density}/64"
                );
            }
        }
    }

    #[test]
    fn groups_are_distributions() {
        let data = (0..64)
            .map(|k| std::array::from_fn(|i| ((k * 7 + i * 3) % 9) as i16 - 4))
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
