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
/// neighbour is the sample itself.
fn fancy_h2v1(input: &[u8], out: &mut [u8]) {
    let n = input.len();
    for i in 0..n {
        let v = 3 * input[i] as u16;
        let left = input[i.saturating_sub(1)] as u16;
        let right = input[(i + 1).min(n - 1)] as u16;
        out[2 * i] = ((v + left + 1) >> 2) as u8;
        out[2 * i + 1] = ((v + right + 2) >> 2) as u8;
    }
}

/// libjpeg's h2v2 fancy upsampling on one row of column sums (3 x nearer row + farther row):
/// horizontally 3/4 and 1/4 again, biased 8 and 7, the edges weighted 4/4.
fn fancy_h2v2(colsum: &[u16], out: &mut [u8]) {
    let n = colsum.len();
    for i in 0..n {
        let v = 3 * colsum[i];
        let left = colsum[i.saturating_sub(1)];
        let right = colsum[(i + 1).min(n - 1)];
        out[2 * i] = ((v + left + 8) >> 4) as u8;
        out[2 * i + 1] = ((v + right + 7) >> 4) as u8;
    }
}
