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

use super::dct::{DctComponent, DctPlanes, NATURAL_TO_ZIGZAG};
use super::{ColorMode, PixelPlanes};

fn routines() -> &'static SimdRoutines {
    static R: OnceLock<SimdRoutines> = OnceLock::new();
    R.get_or_init(detect)
}

/// The pixels of `d`, or `None` for a layout this path does not handle.
pub(crate) fn pixels(d: &DctPlanes) -> Option<PixelPlanes> {
    let (w, h) = (d.width as usize, d.height as usize);
    if d.precision != 8 || w == 0 || h == 0 {
        return None;
    }
    match d.components.as_slice() {
        [grey] => {
            let plane = samples(grey)?;
            let stride = grey.blocks_x * 8;
            let mut out = Vec::with_capacity(w * h);
            for row in plane.chunks_exact(stride).take(h) {
                out.extend_from_slice(&row[..w]);
            }
            Some(PixelPlanes::from_samples(
                w as u32,
                h as u32,
                ColorMode::Grey,
                out,
            ))
        }
        [y, cb, cr] if d.ycbcr => ycbcr(w, h, y, cb, cr),
        _ => None,
    }
}

/// One component's samples after the IDCT: `blocks_x * 8` wide, `blocks_y * 8` high.
fn samples(c: &DctComponent) -> Option<Vec<u8>> {
    let stride = c.blocks_x * 8;
    if c.blocks.len() != c.blocks_x * c.blocks_y {
        return None;
    }
    let mut quant = [0u16; 64];
    for (n, q) in quant.iter_mut().enumerate() {
        *q = c.quant[NATURAL_TO_ZIGZAG[n]];
    }
    let idct = routines().idct_islow;
    let mut plane = vec![0u8; stride * c.blocks_y * 8];
    let mut coef = [0i16; 64];
    let mut out = [0u8; 64];
    for (band, blocks) in plane
        .chunks_exact_mut(stride * 8)
        .zip(c.blocks.chunks_exact(c.blocks_x))
    {
        for (bx, block) in blocks.iter().enumerate() {
            for (n, v) in coef.iter_mut().enumerate() {
                *v = block[NATURAL_TO_ZIGZAG[n]];
            }
            idct(&coef, &quant, &mut out);
            for (r, src) in out.chunks_exact(8).enumerate() {
                let at = r * stride + bx * 8;
                band[at..at + 8].copy_from_slice(src);
            }
        }
    }
    Some(plane)
}

fn ycbcr(
    w: usize,
    h: usize,
    y: &DctComponent,
    cb: &DctComponent,
    cr: &DctComponent,
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
    // the three planes' IDCTs in parallel where a core is free (one image scanned alone)
    let (yp, (cbp, crp)) = rayon::join(
        || samples(y),
        || rayon::join(|| samples(cb), || samples(cr)),
    );
    let (yp, cbp, crp) = (yp?, cbp?, crp?);
    let (ys, cs) = (y.blocks_x * 8, cb.blocks_x * 8);
    let simd = routines();
    let mut rgb = vec![0u8; w * h * 3];
    // full-width chroma rows of the current output row (one spare sample for odd widths)
    let (mut ub, mut ur) = (vec![0u8; cw * hs + 1], vec![0u8; cw * hs + 1]);
    let (mut vb, mut vr) = (vec![0u16; cw], vec![0u16; cw]);
    for (row, out) in rgb.chunks_exact_mut(w * 3).enumerate() {
        let luma = &yp[row * ys..][..w];
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
