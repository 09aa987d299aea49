//! F5-family shrinkage (F5, nsF5): calibrated histogram estimate of the share of modified
//! coefficients (Fridrich, Goljan, Hogea 2002).
//!
//! F5 embeds by decrementing the magnitude of non-zero AC coefficients, so zeros gain and ones
//! lose. The cover's histogram is estimated by calibration: the decoded luminance, cropped by 4
//! pixels in each direction, is transformed again and quantised with the image's own table; the
//! crop moves the block grid, so the estimate has the cover's statistics but none of the
//! embedding. For the three lowest AC frequencies the modification rate `beta` is the least
//! squares fit of `h(0) = H(0) + beta H(1)` and `h(1) = (1 - beta) H(1) + beta H(2)` (observed
//! `h`, estimated `H`, counts of absolute values).

use crate::planes::dct::DctPlanes;
use crate::planes::{ColorMode, PixelPlanes};

/// Zigzag indices of the frequencies (0,1), (1,0) and (1,1).
const MODES: [usize; 3] = [1, 2, 4];

/// The calibrated estimate of the F5 modification rate of the luminance coefficients, or
/// `None` when the image is too small (fewer than 64 blocks) or not 8-bit grey or RGB.
pub fn beta(dct: &DctPlanes, frame: &PixelPlanes) -> Option<f64> {
    let y_comp = dct.components.first()?;
    let (w, h) = (frame.width as usize, frame.height as usize);
    if w < 8 * 8 + 4 || h < 8 * 8 + 4 || frame.bit_depth != 8 {
        return None;
    }
    let ch = frame.channels();
    let luma = |x: usize, y: usize| -> f64 {
        let i = (y * w + x) * ch;
        let s = &frame.samples;
        match frame.mode {
            ColorMode::Grey | ColorMode::GreyAlpha => s[i] as f64,
            ColorMode::Rgb | ColorMode::Rgba => {
                0.299 * s[i] as f64 + 0.587 * s[i + 1] as f64 + 0.114 * s[i + 2] as f64
            }
            ColorMode::Palette => 0.0,
        }
    };
    if frame.mode == ColorMode::Palette {
        return None;
    }
    // the luminance blocks cover the image only when it is not subsampled against chroma
    // differently; use the visible blocks of the first component
    let (bx, by) = (w.div_ceil(8).min(y_comp.blocks_x), h.div_ceil(8).min(y_comp.blocks_y));
    let mut observed = [[0f64; 3]; 3];
    for y in 0..by {
        for x in 0..bx {
            let b = &y_comp.blocks[y * y_comp.blocks_x + x];
            for (m, &k) in MODES.iter().enumerate() {
                let a = b[k].unsigned_abs() as usize;
                if a < 3 {
                    observed[m][a] += 1.0;
                }
            }
        }
    }
    // basis: cos((2i + 1) pi / 16) and the DCT scale factors of the three frequencies
    let c: [f64; 8] = std::array::from_fn(|i| ((2 * i + 1) as f64 * std::f64::consts::PI / 16.0).cos());
    let scale = [0.25 / std::f64::consts::SQRT_2, 0.25 / std::f64::consts::SQRT_2, 0.25];
    let q = [y_comp.quant[1], y_comp.quant[2], y_comp.quant[4]].map(|v| v.max(1) as f64);
    let (cbx, cby) = ((w - 4) / 8, (h - 4) / 8);
    let mut estimated = [[0f64; 3]; 3];
    let mut rows = [[0f64; 8]; 8];
    for j in 0..cby {
        for i in 0..cbx {
            for (yy, row) in rows.iter_mut().enumerate() {
                for (xx, v) in row.iter_mut().enumerate() {
                    *v = luma(4 + i * 8 + xx, 4 + j * 8 + yy);
                }
            }
            // (0,1): horizontal frequency 1; (1,0): vertical 1; (1,1): both
            let (mut f01, mut f10, mut f11) = (0.0, 0.0, 0.0);
            for (yy, row) in rows.iter().enumerate() {
                let sum_row: f64 = row.iter().sum();
                let h1: f64 = row.iter().zip(c).map(|(p, cx)| p * cx).sum();
                f01 += h1;
                f10 += sum_row * c[yy];
                f11 += h1 * c[yy];
            }
            for (m, f) in [f01 * scale[0], f10 * scale[1], f11 * scale[2]].iter().enumerate() {
                let a = (f / q[m]).round().abs() as usize;
                if a < 3 {
                    estimated[m][a] += 1.0;
                }
            }
        }
    }
    let ratio = (bx * by) as f64 / (cbx * cby).max(1) as f64;
    let mut betas = Vec::with_capacity(3);
    for m in 0..3 {
        let (h0, h1) = (observed[m][0], observed[m][1]);
        let [e0, e1, e2] = estimated[m].map(|v| v * ratio);
        let den = e1 * e1 + (e2 - e1) * (e2 - e1);
        if den > 0.0 && e1 >= 10.0 {
            betas.push((e1 * (h0 - e0) + (h1 - e1) * (e2 - e1)) / den);
        }
    }
    if betas.is_empty() || bx * by < 64 {
        return None;
    }
    Some(betas.iter().sum::<f64>() / betas.len() as f64)
}
