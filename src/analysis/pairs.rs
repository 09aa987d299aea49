//! Pair balance of the LSB-carrying samples (after Westfeld and Pfitzmann's pairs of values): LSB
//! replacement moves values only within their pair (2k, 2k+1), so it draws the two counts of each
//! such pair towards their mean, whatever the payload, and leaves the shifted pairs (2k+1, 2k+2)
//! as they were. A smooth histogram (a gradient, a photo) is balanced on both kinds of pair; an
//! image's own unequal counts are unequal on both. Comparing the two kinds is the statistic.
//! Weak evidence over a whole image and never a finding: a continuous input for the model where
//! nothing else is (palette indices, alpha planes, images WS cannot weigh), so that the
//! probability of a clean image ranks it instead of sharing one floor value.

use serde::Serialize;

use crate::planes::{ColorMode, PixelPlanes};

/// Samples read per image at most (all channels): larger images are read every k-th row (the
/// histogram of a systematic row sample; enough for a statistic that only ranks).
const MAX_SAMPLES: usize = 1 << 18;

/// The pair test of one group of samples.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct PairStat {
    /// `(X_odd - X_even) / (X_odd + X_even + c)`, in (-1, 1), with `X` each kind of pair's
    /// chi-square excess over its degrees of freedom (held at 0) and `c` three standard
    /// deviations of the chi-square of balanced pairs: towards 1 where the pairs (2k, 2k+1) are
    /// equal and the shifted pairs are not (LSB replacement), near 0 on clean images and on
    /// small histograms (little evidence either way), below 0 where only the shifted pairs are
    /// balanced.
    pub balance: f32,
    /// Samples the histogram counted.
    pub samples: u64,
}

/// Pair balance per sample group; `None` where the group is absent or too few pairs hold enough
/// samples for a test.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct PairBalance {
    /// The colour samples (R, G, B or grey; 8-bit lossless sources).
    pub colour: Option<PairStat>,
    /// The palette indices.
    pub palette: Option<PairStat>,
    /// The alpha samples (8-bit).
    pub alpha: Option<PairStat>,
}

impl PairBalance {
    /// The model's input: the balance, 0 where the group is absent.
    pub fn evidence(s: Option<PairStat>) -> f32 {
        s.map_or(0.0, |s| s.balance)
    }
}

/// Pair balance of one frame; lossy sources have none (their LSBs are the codec's).
pub fn balance(p: &PixelPlanes, lossy: bool) -> PairBalance {
    if lossy || p.width == 0 || p.height == 0 {
        return PairBalance::default();
    }
    let ch = p.channels();
    let w = p.width as usize;
    let mut out = PairBalance::default();
    match p.mode {
        ColorMode::Palette => out.palette = pair_stat(&histograms(&p.samples, w, 1)[0]),
        _ if p.bit_depth == 8 => {
            let t = histograms(&p.samples, w, ch);
            out.colour = match ch {
                1 | 2 => pair_stat(&t[0]),
                // RGB or RGBA: the colour channels together
                _ => pair_stat(&std::array::from_fn(|v| t[0][v] + t[1][v] + t[2][v])),
            };
            if p.mode.has_alpha() {
                out.alpha = pair_stat(&t[ch - 1]);
            }
        }
        _ => {}
    }
    out
}

/// One histogram per channel of interleaved samples (`ch` per pixel, 1 to 4) in one pass, every
/// k-th row so that at most about [`MAX_SAMPLES`] samples are read.
fn histograms(s: &[u8], w: usize, ch: usize) -> [[u64; 256]; 4] {
    let mut t = [[0u64; 256]; 4];
    let row_len = w * ch;
    if row_len == 0 {
        return t;
    }
    let step = s.len().div_ceil(MAX_SAMPLES).max(1);
    let rows = s.chunks_exact(row_len).step_by(step);
    match ch {
        1 => {
            // four tables in turn, merged: consecutive equal values (flat areas) do not wait on
            // each other's increment
            for row in rows {
                let mut q = row.chunks_exact(4);
                for v in q.by_ref() {
                    for k in 0..4 {
                        t[k][v[k] as usize] += 1;
                    }
                }
                for &v in q.remainder() {
                    t[0][v as usize] += 1;
                }
            }
            t[0] = std::array::from_fn(|v| t.iter().map(|t| t[v]).sum());
        }
        _ => {
            for row in rows {
                for px in row.chunks_exact(ch) {
                    for (k, &v) in px.iter().enumerate() {
                        t[k][v as usize] += 1;
                    }
                }
            }
        }
    }
    t
}

/// Chi-square excess and degrees of freedom over the pairs (v, v+1) starting at `first` (0: the
/// LSB pairs, 1: the shifted ones) that hold at least 10 samples.
fn chi_excess(hist: &[u64; 256], first: usize) -> (f64, usize) {
    let (mut chi, mut cats) = (0.0f64, 0usize);
    for v in (first..255).step_by(2) {
        let (a, b) = (hist[v] as f64, hist[v + 1] as f64);
        let e = (a + b) / 2.0;
        if e >= 5.0 {
            chi += (a - e) * (a - e) / e;
            cats += 1;
        }
    }
    let df = cats.saturating_sub(1);
    ((chi - df as f64).max(0.0), df)
}

/// The pair test of one histogram; `None` when neither kind of pair has two categories.
pub fn pair_stat(hist: &[u64; 256]) -> Option<PairStat> {
    let (even, df_even) = chi_excess(hist, 0);
    let (odd, df_odd) = chi_excess(hist, 1);
    if df_even + df_odd == 0 {
        return None;
    }
    let c = 3.0 * (2.0 * (df_even + df_odd) as f64).sqrt();
    Some(PairStat {
        balance: ((odd - even) / (odd + even + c)) as f32,
        samples: hist.iter().sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planes(w: u32, h: u32, mode: ColorMode, samples: Vec<u8>) -> PixelPlanes {
        PixelPlanes::from_samples(w, h, mode, samples)
    }

    fn rng(mut x: u64) -> impl FnMut() -> u64 {
        move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x >> 16
        }
    }

    /// A grey image whose histogram is smooth (a noisy gradient) but for a bias towards even
    /// values, as some natural histograms have.
    fn cover(w: usize, h: usize) -> Vec<u8> {
        let mut r = rng(7);
        (0..w * h)
            .map(|i| {
                let v = 40 + (i % w) * 150 / w + (r() % 9) as usize;
                let v = if r().is_multiple_of(3) { v & !1 } else { v };
                v as u8
            })
            .collect()
    }

    #[test]
    fn replacement_balances_the_lsb_pairs_only() {
        let (w, h) = (256, 256);
        let clean = cover(w, h);
        let mut r = rng(11);
        let stego: Vec<u8> = clean.iter().map(|&v| (v & !1) | (r() & 1) as u8).collect();
        let at = |s: Vec<u8>| {
            balance(&planes(w as u32, h as u32, ColorMode::Grey, s), false)
                .colour
                .unwrap()
        };
        let (c, s) = (at(clean.clone()), at(stego));
        // an even/odd bias unbalances both kinds of pair alike
        assert!(c.balance.abs() < 0.3, "clean {c:?}");
        assert!(s.balance > 0.5, "stego {s:?}");
        assert_eq!(s.samples, (w * h) as u64);
        // a smooth histogram without any LSB bias: near 0
        let mut r = rng(5);
        let smooth: Vec<u8> = (0..w * h)
            .map(|i| (40 + (i % w) * 150 / w) as u8 + (r() % 32) as u8)
            .collect();
        let sm = at(smooth);
        assert!(sm.balance.abs() < 0.3, "{sm:?}");
        // the same embedding over a few hundred samples is little evidence
        let few: Vec<u8> = clean[..196]
            .iter()
            .map(|&v| (v & !1) | (r() & 1) as u8)
            .collect();
        let tiny = balance(&planes(14, 14, ColorMode::Grey, few), false).colour;
        assert!(tiny.is_none_or(|t| t.balance.abs() < 0.3), "{tiny:?}");
        assert_eq!(PairBalance::evidence(None), 0.0);
        assert!(
            balance(&planes(w as u32, h as u32, ColorMode::Grey, clean), true)
                .colour
                .is_none()
        );
    }

    #[test]
    fn groups_follow_the_mode() {
        let rgba: Vec<u8> = (0..64 * 64 * 4).map(|i| (i % 61) as u8).collect();
        let b = balance(&planes(64, 64, ColorMode::Rgba, rgba), false);
        assert!(b.colour.is_some() && b.alpha.is_some() && b.palette.is_none());
        let mut p = planes(
            32,
            32,
            ColorMode::Palette,
            (0..1024).map(|i| (i % 40) as u8).collect(),
        );
        p.palette = Some(vec![[0; 3]; 40]);
        let b = balance(&p, false);
        assert!(b.palette.is_some() && b.colour.is_none() && b.alpha.is_none());
        // a constant plane: no test
        let flat = balance(&planes(32, 32, ColorMode::Grey, vec![9; 1024]), false);
        assert_eq!(flat.colour, None);
    }

    #[test]
    fn large_images_are_row_sampled() {
        // 2048 x 1024 RGB: 6.3 M samples, every 24th row read
        let (w, h) = (2048usize, 1024usize);
        let row: Vec<u8> = (0..w * 3).map(|i| (i % 97) as u8 & !1).collect();
        let s: Vec<u8> = row.iter().copied().cycle().take(w * h * 3).collect();
        let big = balance(&planes(w as u32, h as u32, ColorMode::Rgb, s), false);
        assert_eq!(big.colour.unwrap().samples, (h.div_ceil(24) * w * 3) as u64);
    }
}
