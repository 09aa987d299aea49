//! Structural estimators for LSB replacement scattered over the image, where content search sees
//! nothing: weighted stego-image analysis with moderated weights (WS), sample pair analysis (SPA),
//! and Westfeld-Pfitzmann chi-square over growing prefixes (for sequential embedding of
//! random-looking data). Estimates are embedding rates p (fraction of samples whose LSB carries
//! payload; about p/2 of them change).

use serde::Serialize;

use super::stats::chi2_sf;

/// Most interior pixels visited per channel by WS/SPA (rows are subsampled beyond this).
const MAX_VISIT: usize = 1 << 20;

/// Per-channel WS estimate over an interleaved 8-bit plane (`ch` samples per pixel, channel `c`).
pub fn ws(s: &[u8], w: usize, h: usize, ch: usize, c: usize) -> Option<f64> {
    if w < 3 || h < 3 {
        return None;
    }
    let step = ((w * h) / MAX_VISIT).max(1);
    let stride = w * ch;
    let (mut num, mut den) = (0.0f64, 0.0f64);
    for y in (1..h - 1).step_by(step) {
        let row = y * stride + c;
        for x in 1..w - 1 {
            let i = row + x * ch;
            let v = s[i];
            if v == 0 || v == 255 {
                continue; // moderated: saturated samples cannot move both ways
            }
            let (n, so, e, we) = (
                s[i - stride] as f32,
                s[i + stride] as f32,
                s[i + ch] as f32,
                s[i - ch] as f32,
            );
            let mean = (n + so + e + we) * 0.25;
            let var = (n * n + so * so + e * e + we * we) * 0.25 - mean * mean;
            let wt = 1.0 / (5.0 + var.max(0.0));
            let sign = if v & 1 == 1 { 1.0 } else { -1.0 };
            num += (wt * sign * (v as f32 - mean)) as f64;
            den += wt as f64;
        }
    }
    (den > 0.0).then(|| 2.0 * num / den)
}

/// Per-channel SPA estimate (Dumitrescu-Wu-Wang) over horizontally adjacent pairs.
pub fn spa(s: &[u8], w: usize, h: usize, ch: usize, c: usize) -> Option<f64> {
    if w < 2 || h < 1 {
        return None;
    }
    let step = ((w * h) / MAX_VISIT).max(1);
    let (mut x, mut y, mut k, mut n) = (0u64, 0u64, 0u64, 0u64);
    for row in (0..h).step_by(step) {
        let base = row * w * ch + c;
        for col in 0..w - 1 {
            let u = s[base + col * ch];
            let v = s[base + (col + 1) * ch];
            n += 1;
            let v_even = v & 1 == 0;
            if (v_even && u < v) || (!v_even && u > v) {
                x += 1;
            } else if u != v {
                y += 1;
            }
            if u >> 1 == v >> 1 {
                k += 1;
            }
        }
    }
    if k == 0 || n == 0 {
        return None;
    }
    // 0.5 k p^2 + (2x - n) p + (y - x) = 0, smaller root
    let a = 0.5 * k as f64;
    let b = 2.0 * x as f64 - n as f64;
    let cc = y as f64 - x as f64;
    let disc = b * b - 4.0 * a * cc;
    if disc < 0.0 {
        return None;
    }
    let r1 = (-b + disc.sqrt()) / (2.0 * a);
    let r2 = (-b - disc.sqrt()) / (2.0 * a);
    Some(r1.min(r2).abs().min(r1.max(r2).abs()))
}

/// Result of chi-square over growing prefixes.
#[derive(Debug, Clone, Serialize)]
pub struct ChiPrefix {
    /// p-value of the first 1 % prefix.
    pub p_first: f32,
    /// p-value over the whole sequence.
    pub p_all: f32,
    /// Largest prefix fraction (0..1) over which every checkpoint's p-value stays above 0.95.
    pub sequential_fraction: f32,
}

/// Chi-square of pairs of values (2k, 2k+1) over growing prefixes of `values` (selected channel
/// samples in stream order). `None` when too few pairs are populated for a test.
pub fn chi_prefix(values: impl Iterator<Item = u8>, total: usize) -> Option<ChiPrefix> {
    if total < 2000 {
        return None;
    }
    let checkpoints = 100usize;
    let mut hist = [0u64; 256];
    let mut ps = Vec::with_capacity(checkpoints);
    let mut next = 1usize;
    for (i, v) in values.enumerate() {
        hist[v as usize] += 1;
        if (i + 1) * checkpoints >= next * total {
            ps.push(chi_p(&hist));
            next += 1;
        }
    }
    let first = (*ps.first()?)?;
    let all = (*ps.last()?)?;
    let mut run = 0;
    for p in &ps {
        match p {
            Some(p) if *p > 0.95 => run += 1,
            _ => break,
        }
    }
    Some(ChiPrefix {
        p_first: first as f32,
        p_all: all as f32,
        sequential_fraction: run as f32 / ps.len() as f32,
    })
}

fn chi_p(hist: &[u64; 256]) -> Option<f64> {
    let (mut chi, mut cats) = (0.0, 0);
    for k in 0..128 {
        let (a, b) = (hist[2 * k] as f64, hist[2 * k + 1] as f64);
        let e = (a + b) / 2.0;
        if e >= 5.0 {
            chi += (a - e) * (a - e) / e;
            cats += 1;
        }
    }
    (cats >= 8).then(|| chi2_sf(chi, (cats - 1) as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth synthetic "photo" with noise, to check that estimators see embedding.
    fn cover(w: usize, h: usize, seed: u64) -> Vec<u8> {
        let mut s = seed;
        let mut rnd = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s
        };
        let mut v = vec![0u8; w * h];
        for y in 0..h {
            for x in 0..w {
                let base =
                    60.0 + 40.0 * ((x as f64) / 37.0).sin() + 50.0 * ((y as f64) / 23.0).cos();
                let noise = (rnd() % 7) as f64 - 3.0;
                v[y * w + x] = (base + noise).clamp(1.0, 254.0) as u8;
            }
        }
        v
    }

    #[test]
    fn ws_and_spa_rise_with_embedding_rate() {
        let (w, h) = (256, 256);
        let clean = cover(w, h, 7);
        let mut stego = clean.clone();
        let mut s = 99u64;
        for v in stego.iter_mut() {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            if (s >> 33) % 100 < 40 {
                *v = (*v & !1) | ((s >> 20) & 1) as u8;
            }
        }
        let (wc, ws_) = (
            ws(&clean, w, h, 1, 0).unwrap(),
            ws(&stego, w, h, 1, 0).unwrap(),
        );
        let (sc, ss) = (
            spa(&clean, w, h, 1, 0).unwrap(),
            spa(&stego, w, h, 1, 0).unwrap(),
        );
        assert!(
            wc.abs() < 0.1 && (ws_ - 0.4).abs() < 0.12,
            "ws clean {wc} stego {ws_}"
        );
        assert!(
            sc.abs() < 0.1 && (ss - 0.4).abs() < 0.12,
            "spa clean {sc} stego {ss}"
        );
    }
}
