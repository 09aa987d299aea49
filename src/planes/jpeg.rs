//! JPEG pixels from the quantised DCT coefficients the JPEG-domain analyses read anyway, so that
//! a JPEG is entropy-decoded once. The steps are libjpeg-turbo's defaults, which is what Pillow
//! (and so Starlight's reference) decodes with: the islow IDCT with dequantisation (the
//! `libjpeg-turbo-rs` kernel), "fancy" triangle-filter upsampling of subsampled chroma with the
//! edge rows and columns replicated, and its fixed-point YCbCr -> RGB conversion.
//!
//! Handled: 8-bit greyscale, and 8-bit YCbCr whose chroma is full size, half width (4:2:2),
//! half height (4:4:0) or both (4:2:0). Anything else (RGB or CMYK JPEGs, other sampling
//! factors, 12-bit samples) gives `None` and is decoded by the general decoder.

use std::sync::OnceLock;

use libjpeg_turbo_rs::simd::{detect, SimdRoutines};

use super::dct::{DctComponent, DctPlanes, NATURAL_TO_ZIGZAG, ZIGZAG_TO_NATURAL};
use super::{ColorMode, PixelPlanes};

fn routines() -> &'static SimdRoutines {
    static R: OnceLock<SimdRoutines> = OnceLock::new();
    R.get_or_init(detect)
}

/// Output rows per parallel task (see [`bands`]).
const TASK_ROWS: usize = 64;

/// The pixels of `d`, or `None` for a layout this path does not handle.
pub(crate) fn pixels(d: &DctPlanes) -> Option<PixelPlanes> {
    pixels_in_tasks(d, TASK_ROWS)
}

/// [`pixels`] with tasks of about `task_rows` output rows (the result does not depend on it).
fn pixels_in_tasks(d: &DctPlanes, task_rows: usize) -> Option<PixelPlanes> {
    let (w, h) = (d.width as usize, d.height as usize);
    if d.precision != 8 || w == 0 || h == 0 {
        return None;
    }
    match d.components.as_slice() {
        [grey] => {
            let (stride, rows) = (grey.blocks_x * 8, grey.blocks_y * 8);
            if grey.blocks.len() != grey.blocks_x * grey.blocks_y || stride < w || rows < h {
                return None;
            }
            let quant = natural_quant(grey);
            let mut out = vec![0u8; w * h];
            bands(&mut out, w, 8, task_rows, |row0, rows| {
                let mut luma = vec![0u8; stride * rows.len().div_ceil(w).next_multiple_of(8)];
                idct_rows(grey, &quant, row0 / 8, &mut luma);
                for (o, src) in rows.chunks_exact_mut(w).zip(luma.chunks_exact(stride)) {
                    o.copy_from_slice(&src[..w]);
                }
            });
            Some(PixelPlanes::from_samples(
                w as u32,
                h as u32,
                ColorMode::Grey,
                out,
            ))
        }
        [y, cb, cr] if d.ycbcr => ycbcr(w, h, [y, cb, cr], task_rows),
        _ => None,
    }
}

/// Rows of output split into tasks of whole bands of `band` rows (`row_len` bytes each), about
/// `task_rows` rows per task, run in parallel where a core is free (one image scanned alone):
/// `f(first row, its rows)`. Each task's scratch is one band of luma samples, in cache, instead
/// of a whole-image plane (one byte per pixel more at peak, its pages faulted in one by one).
fn bands(
    out: &mut [u8],
    row_len: usize,
    band: usize,
    task_rows: usize,
    f: impl Fn(usize, &mut [u8]) + Sync,
) {
    use rayon::prelude::*;
    let rows = band * (task_rows / band).max(1);
    out.par_chunks_mut(rows * row_len)
        .enumerate()
        .for_each(|(i, chunk)| f(i * rows, chunk));
}

/// A component's quantisation table in natural order, as the IDCT reads it.
fn natural_quant(c: &DctComponent) -> [u16; 64] {
    std::array::from_fn(|n| c.quant[NATURAL_TO_ZIGZAG[n]])
}

/// The IDCT of `c`'s block rows from `block_row0` on, as many as fit in `plane` (`blocks_x * 8`
/// samples wide, a whole number of block rows high; rows past the component's last are left).
fn idct_rows(c: &DctComponent, quant: &[u16; 64], block_row0: usize, plane: &mut [u8]) {
    let stride = c.blocks_x * 8;
    let idct = routines().idct_islow;
    let mut out = [0u8; 64];
    let first = block_row0 * c.blocks_x;
    let blocks = c.blocks.get(first..).unwrap_or_default();
    for (band, blocks) in plane
        .chunks_exact_mut(stride * 8)
        .zip(blocks.chunks_exact(c.blocks_x))
    {
        for (bx, block) in blocks.iter().enumerate() {
            // zigzag -> natural order, only as far as the last 16 values holding a non-zero one
            // (the rest of a block is mostly zeros: this reordering cost as much as the IDCT)
            let used = block
                .chunks_exact(16)
                .rposition(|q| q.iter().fold(0, |a, &v| a | v) != 0)
                .map_or(0, |i| 16 * (i + 1));
            let mut coef = [0i16; 64];
            for (k, &v) in block[..used].iter().enumerate() {
                coef[ZIGZAG_TO_NATURAL[k]] = v;
            }
            idct(&coef, quant, &mut out);
            for (r, src) in out.chunks_exact(8).enumerate() {
                let at = r * stride + bx * 8;
                band[at..at + 8].copy_from_slice(src);
            }
        }
    }
}

/// One component's samples after the IDCT: `blocks_x * 8` wide, `blocks_y * 8` high.
fn samples(c: &DctComponent) -> Option<Vec<u8>> {
    if c.blocks.len() != c.blocks_x * c.blocks_y {
        return None;
    }
    let mut plane = vec![0u8; c.blocks_x * 8 * c.blocks_y * 8];
    idct_rows(c, &natural_quant(c), 0, &mut plane);
    Some(plane)
}

fn ycbcr(
    w: usize,
    h: usize,
    [y, cb, cr]: [&DctComponent; 3],
    task_rows: usize,
) -> Option<PixelPlanes> {
    let (hs, vs) = (y.h_samp, y.v_samp);
    let chroma_ok = |c: &DctComponent| c.h_samp == 1 && c.v_samp == 1;
    if !(1..=2).contains(&hs) || !(1..=2).contains(&vs) || !chroma_ok(cb) || !chroma_ok(cr) {
        return None;
    }
    // the chroma samples that hold image data; the rest is block padding
    let (cw, ch) = (w.div_ceil(hs), h.div_ceil(vs));
    if cb.blocks_x * 8 < cw || cb.blocks_y * 8 < ch || y.blocks_x * 8 < w || y.blocks_y * 8 < h {
        return None;
    }
    if y.blocks.len() != y.blocks_x * y.blocks_y {
        return None;
    }
    // whole chroma planes (a quarter or half of the luma's size for subsampled chroma: fancy
    // upsampling reads the rows on either side of a band), the luma band by band
    let (cbp, crp) = rayon::join(|| samples(cb), || samples(cr));
    let (cbp, crp) = (cbp?, crp?);
    let (ys, cs) = (y.blocks_x * 8, cb.blocks_x * 8);
    let quant = natural_quant(y);
    let simd = routines();
    let mut rgb = vec![0u8; w * h * 3];
    bands(&mut rgb, w * 3, 8 * vs, task_rows, |row0, rows| {
        let mut luma = vec![0u8; ys * (rows.len() / (w * 3)).next_multiple_of(8 * vs)];
        idct_rows(y, &quant, row0 / 8, &mut luma);
        // full-width chroma rows of the current output row (one spare sample for odd widths)
        let (mut ub, mut ur) = (vec![0u8; cw * hs + 1], vec![0u8; cw * hs + 1]);
        let (mut vb, mut vr) = (vec![0u16; cw], vec![0u16; cw]);
        for (i, out) in rows.chunks_exact_mut(w * 3).enumerate() {
            let row = row0 + i;
            let luma = &luma[i * ys..][..w];
            for (plane, up, colsum) in [(&cbp, &mut ub, &mut vb), (&crp, &mut ur, &mut vr)] {
                if vs == 1 {
                    let src = &plane[row.min(ch - 1) * cs..][..cw];
                    if hs == 1 {
                        up[..cw].copy_from_slice(src);
                    } else {
                        fancy_h2v1(src, up);
                    }
                } else {
                    // the nearer chroma row weighs 3, the one beyond it 1 (edge rows repeat)
                    let near = row / 2;
                    let far = if row % 2 == 0 {
                        near.saturating_sub(1)
                    } else {
                        near + 1
                    };
                    let a = &plane[near.min(ch - 1) * cs..][..cw];
                    let b = &plane[far.min(ch - 1) * cs..][..cw];
                    for ((s, &x), &z) in colsum.iter_mut().zip(a).zip(b) {
                        *s = 3 * x as u16 + z as u16;
                    }
                    if hs == 1 {
                        // libjpeg-turbo's h1v2: bias 1 above, 2 below
                        let bias = if row % 2 == 0 { 1 } else { 2 };
                        for (o, &s) in up.iter_mut().zip(colsum.iter()) {
                            *o = ((s + bias) >> 2) as u8;
                        }
                    } else {
                        fancy_h2v2(colsum, up);
                    }
                }
            }
            simd.ycbcr_to_rgb_row(luma, &ub[..w], &ur[..w], out, w);
        }
    });
    Some(PixelPlanes::from_samples(
        w as u32,
        h as u32,
        ColorMode::Rgb,
        rgb,
    ))
}

/// libjpeg's h2v1 fancy upsampling: each output sample is 3/4 its own input and 1/4 the nearer
/// neighbour, biased alternately (1, 2) so that rounding does not drift; at the edges the
/// neighbour is the sample itself. (Edges apart, the loop reads fixed windows so it vectorises.)
fn fancy_h2v1(input: &[u8], out: &mut [u8]) {
    let n = input.len();
    if n == 0 {
        return;
    }
    let out = &mut out[..2 * n];
    let pair = |left: u8, v: u8, right: u8| {
        let v = 3 * v as u16;
        [
            ((v + left as u16 + 1) >> 2) as u8,
            ((v + right as u16 + 2) >> 2) as u8,
        ]
    };
    for (o, w) in out[2..].chunks_exact_mut(2).zip(input.windows(3)) {
        o.copy_from_slice(&pair(w[0], w[1], w[2]));
    }
    out[..2].copy_from_slice(&pair(input[0], input[0], input[1.min(n - 1)]));
    out[2 * n - 2..].copy_from_slice(&pair(
        input[n.saturating_sub(2)],
        input[n - 1],
        input[n - 1],
    ));
}

/// libjpeg's h2v2 fancy upsampling on one row of column sums (3 x nearer row + farther row):
/// horizontally 3/4 and 1/4 again, biased 8 and 7, the edges weighted 4/4.
fn fancy_h2v2(colsum: &[u16], out: &mut [u8]) {
    let n = colsum.len();
    if n == 0 {
        return;
    }
    let out = &mut out[..2 * n];
    let pair = |left: u16, v: u16, right: u16| {
        let v = 3 * v;
        [((v + left + 8) >> 4) as u8, ((v + right + 7) >> 4) as u8]
    };
    for (o, w) in out[2..].chunks_exact_mut(2).zip(colsum.windows(3)) {
        o.copy_from_slice(&pair(w[0], w[1], w[2]));
    }
    out[..2].copy_from_slice(&pair(colsum[0], colsum[0], colsum[1.min(n - 1)]));
    out[2 * n - 2..].copy_from_slice(&pair(
        colsum[n.saturating_sub(2)],
        colsum[n - 1],
        colsum[n - 1],
    ));
}

#[cfg(test)]
mod tests {
    use super::super::dct::{DctComponent, DctPlanes};

    /// Pixels made in tasks of 8-16 rows are those made in one task, for every layout, with
    /// partial blocks and MCUs at the right and bottom edges.
    #[test]
    fn bands_do_not_change_pixels() {
        let mut seed = 11u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 16) as i16
        };
        for (hs, vs) in [(1, 1), (2, 1), (1, 2), (2, 2)] {
            for grey in [false, true] {
                if grey && (hs, vs) != (1, 1) {
                    continue;
                }
                let (w, h) = (37usize, 83usize);
                let (mx, my) = (w.div_ceil(8 * hs), h.div_ceil(8 * vs));
                let mut component = |sh: usize, sv: usize| {
                    let (bx, by) = (mx * sh, my * sv);
                    let blocks = (0..bx * by)
                        .map(|_| {
                            // a DC and a few low frequencies, sometimes more
                            let mut b = [0i16; 64];
                            let n = [1, 3, 10, 64][(next() & 3) as usize];
                            for v in b.iter_mut().take(n) {
                                *v = next() % 24;
                            }
                            b
                        })
                        .collect();
                    DctComponent {
                        id: 1,
                        blocks_x: bx,
                        blocks_y: by,
                        h_samp: sh,
                        v_samp: sv,
                        quant: [4; 64],
                        blocks,
                    }
                };
                let components = if grey {
                    vec![component(1, 1)]
                } else {
                    vec![component(hs, vs), component(1, 1), component(1, 1)]
                };
                let d = DctPlanes {
                    width: w as u32,
                    height: h as u32,
                    components,
                    precision: 8,
                    ycbcr: !grey,
                };
                let one = super::pixels_in_tasks(&d, 1 << 20).unwrap();
                for task in [1, 8, 16, 64] {
                    let banded = super::pixels_in_tasks(&d, task).unwrap();
                    assert_eq!(
                        banded.samples, one.samples,
                        "{hs}x{vs} grey {grey} task {task}"
                    );
                }
            }
        }
    }

    /// The windowed loops give what the per-sample definition gives, edges and widths 1-2
    /// included.
    #[test]
    fn fancy_upsampling_matches_its_definition() {
        let mut seed = 7u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 20) as u16
        };
        for n in 1..40 {
            let input: Vec<u8> = (0..n).map(|_| next() as u8).collect();
            let sums: Vec<u16> = (0..n).map(|_| next() % 1021).collect();
            let (mut a, mut b) = (vec![0u8; 2 * n + 1], vec![0u8; 2 * n + 1]);
            super::fancy_h2v1(&input, &mut a);
            super::fancy_h2v2(&sums, &mut b);
            for i in 0..n {
                let (l, r) = (i.saturating_sub(1), (i + 1).min(n - 1));
                let v = 3 * input[i] as u16;
                assert_eq!(a[2 * i], ((v + input[l] as u16 + 1) >> 2) as u8);
                assert_eq!(a[2 * i + 1], ((v + input[r] as u16 + 2) >> 2) as u8);
                let v = 3 * sums[i];
                assert_eq!(b[2 * i], ((v + sums[l] + 8) >> 4) as u8);
                assert_eq!(b[2 * i + 1], ((v + sums[r] + 7) >> 4) as u8);
            }
        }
    }
}
