//! Quality and double compression of a JPEG, from its quantised coefficients alone.
//!
//! A re-saved JPEG (decompressed, then compressed again: edited, re-uploaded, or re-encoded by a
//! tool such as OutGuess) carries the first compression in its histograms. Each AC coefficient
//! of the first file was a multiple of the first step `q1`; the round trip through pixels moves
//! it by a fraction of a unit; the second compression divides by `q2` and rounds. Where `q1 > q2`
//! some values of the second histogram cannot be reached and stay nearly empty; where `q1 < q2`
//! (and `q2` is not a multiple of it) the values that two first steps round to are twice as
//! common as their neighbours. A single compression leaves a smooth histogram.
//!
//! Per low-frequency mode of the luminance, the histogram of `|c|` is fitted by a Poisson model
//! whose shape is the calibrated image's histogram (the same content singly compressed) times a
//! smooth tilt, and by the same model times the pattern each candidate `q1` leaves (double);
//! [`report`] says how the fits decide. This is the aligned case (the second grid on the
//! first), which re-saves are; a crop that shifts the grid, and a second compression with the
//! first table (`q1 = q2` everywhere), leave no trace here. Re-saves are the main source of
//! false alarms for calibrated statistics: the result is reported with every JPEG
//! (`ScanResult::jpeg`) and holds jsteg findings without a header on re-saves
//! ([`super::jsteg::hold_on_resave`]). Measured in docs/jpeg-domain.md.

use serde::Serialize;

use super::features::{Blocks, Calibration};
use crate::planes::dct::{DctPlanes, NATURAL_TO_ZIGZAG, ZIGZAG_TO_NATURAL};

/// The IJG standard luminance table (natural order), quality 50.
pub const STD_LUMINANCE: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// The luminance table libjpeg (and Pillow, ImageMagick, GIMP...) writes for `quality` (1-100),
/// natural order, limited to baseline's 1..=255.
pub fn ijg_luminance(quality: u8) -> [u16; 64] {
    let q = quality.clamp(1, 100) as u32;
    let scale = if q < 50 { 5000 / q } else { 200 - 2 * q };
    std::array::from_fn(|i| ((STD_LUMINANCE[i] as u32 * scale + 50) / 100).clamp(1, 255) as u16)
}

/// What a scan reports about a JPEG's compression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JpegReport {
    /// IJG quality (1-100) whose luminance table is nearest the image's (for other encoders'
    /// tables, cameras' among them, the nearest in summed absolute difference).
    pub quality: u8,
    /// Whether the luminance table is exactly the IJG table of `quality`.
    pub standard_table: bool,
    /// Whether the coefficient histograms show an earlier compression with other steps.
    pub double_compressed: bool,
    /// The IJG quality whose table agrees with most estimated first steps, when
    /// `double_compressed` and one does.
    pub primary_quality: Option<u8>,
    /// `[zigzag index, first step]` of each mode that showed one (its vote), lowest mode first.
    pub primary_steps: Vec<[u16; 2]>,
    /// Strength of the evidence: the smooth model's deviance that the votes' patterns explain,
    /// summed over the votes (0 without votes).
    pub double_evidence: f32,
}

/// Lowest AC modes read (zigzag 1..=MODES).
const MODES: usize = 15;
/// A mode is read when it has at least this many non-zero coefficients.
const MIN_COUNT: u32 = 500;
/// Largest first step tried.
const MAX_PRIMARY: u16 = 64;
/// Most histogram bins fitted; fewer when the tail thins out earlier.
const MAX_BINS: usize = 40;
/// Largest |value| counted.
const HIST: usize = 2 * MAX_BINS;
/// Scale of the logistic noise the round trip through pixels adds to a coefficient, in units
/// (rounding the samples alone gives a standard deviation of 0.29; integer transforms and
/// colour conversion add to it): standard deviation `NOISE * pi / sqrt(3)`, about 0.6.
const NOISE: f64 = 0.33;
/// Bins start where the zero value's noise no longer reaches them: `(k - 1/2) q2 >= ZERO_REACH`.
const ZERO_REACH: f64 = 2.0;
/// Share of coefficients the first pattern does not hold for (clipped areas, edits).
const MIX: f64 = 0.05;
/// A mode votes for a first step (any table) when it explains this much deviance...
const VOTE_GAIN: f64 = 30.0;
/// ...and this share of the smooth model's deviance.
const VOTE_SHARE: f64 = 0.6;
/// Votes that call an image double compressed...
const MIN_VOTES: usize = 3;
/// ...with this much deviance explained in all.
const MIN_EVIDENCE: f64 = 150.0;
/// An IJG table as the first one: deviance explained over all modes read...
const TABLE_GAIN: f64 = 200.0;
/// ...at least this share of the single-compression fits' deviance (drawings and screenshots
/// fit no model well, and some quality always explains a little of their misfit)...
const TABLE_SHARE: f64 = 0.2;
/// ...and at least this much in each of two modes.
const TABLE_MODE_GAIN: f64 = 8.0;

/// Quality and double compression of `planes`' first component (the luminance), or `None`
/// without one or for a 12-bit JPEG (whose tables IJG quality does not describe).
///
/// Two readings decide. The first table was an IJG one (libjpeg and its kin: most encoders):
/// every quality's steps are tried on all modes at once, so weak patterns add up. Or it was any
/// table (cameras): modes whose own pattern stands out vote for their first step.
pub fn report(planes: &DctPlanes) -> Option<JpegReport> {
    report_with(planes, Calibration::new(planes).as_ref())
}

/// [`report`] with the luminance window's calibration already made (`None`: too small to
/// calibrate, which leaves the quality alone).
///
/// Each mode's histogram over the window is compared with its calibrated version's (the image
/// decompressed, cropped by 4 pixels and compressed again with the same table: a single
/// compression of nearly the same content, the first grid gone), tilted by a smooth factor.
/// Two readings decide. The first table was an IJG one (libjpeg and its kin: most encoders):
/// every quality's steps are tried on all modes at once, so weak patterns (a second step not
/// quite twice the first) add up. Or it was any table (cameras): modes whose own pattern
/// stands out vote for their first step.
pub(super) fn report_with(planes: &DctPlanes, cal: Option<&Calibration>) -> Option<JpegReport> {
    let c = planes.components.first()?;
    if planes.precision != 8 {
        return None;
    }
    let natural: [u16; 64] = std::array::from_fn(|n| c.quant[NATURAL_TO_ZIGZAG[n]]);
    let (quality, standard_table) = nearest_quality(&natural);
    let Some(cal) = cal else {
        return Some(JpegReport {
            quality,
            standard_table,
            double_compressed: false,
            primary_quality: None,
            primary_steps: Vec::new(),
            double_evidence: 0.0,
        });
    };
    let (seen, calibrated) = (histograms(&cal.blocks), histograms(&cal.calibrated));
    let modes: Vec<Mode> = (1..=MODES)
        .filter_map(|z| Mode::new(z, &seen[z][1..], &calibrated[z][1..], c.quant[z]))
        .collect();

    // any first table: per-mode votes
    let votes: Vec<(usize, u16, f64)> = modes.iter().filter_map(Mode::vote).collect();
    let vote_gain: f64 = votes.iter().map(|v| v.2).sum();
    let by_votes = votes.len() >= MIN_VOTES && vote_gain >= MIN_EVIDENCE;

    // an IJG first table: the quality whose steps explain the most, refitted. A mode explains
    // at most its own misfit, so without enough misfit the table reading cannot decide and is
    // skipped
    let misfit: f64 = modes.iter().map(|m| m.single.deviance).sum();
    let can_decide = misfit >= TABLE_GAIN
        && modes
            .iter()
            .filter(|m| m.single.deviance >= TABLE_MODE_GAIN)
            .count()
            >= 2;
    let (by_table, table_q, table_gain) = if can_decide {
        table_reading(&modes, misfit)
    } else {
        (false, 0, 0.0)
    };

    let double = by_table || by_votes;
    let primary_quality = if by_table {
        Some(table_q)
    } else if by_votes {
        primary_quality(&votes)
    } else {
        None
    };
    Some(JpegReport {
        quality,
        standard_table,
        double_compressed: double,
        primary_quality,
        primary_steps: votes.iter().map(|&(z, q1, _)| [z as u16, q1]).collect(),
        double_evidence: if double {
            table_gain.max(vote_gain) as f32
        } else {
            0.0
        },
    })
}

/// The IJG reading: every quality's steps screened on all modes at once, the best refitted;
/// `(decides, quality, deviance explained)`.
fn table_reading(modes: &[Mode], misfit: f64) -> (bool, u8, f64) {
    let tables: Vec<[u16; 64]> = (1..=100u8).map(ijg_luminance).collect();
    let step = |q: u8, z: usize| tables[q as usize - 1][ZIGZAG_TO_NATURAL[z]];
    let screened: Vec<f64> = (1..=100u8)
        .map(|q| {
            modes
                .iter()
                .map(|m| m.single.deviance - m.screen(step(q, m.z)))
                .sum()
        })
        .collect();
    let top = screened.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let tied: Vec<u8> = (1..=100u8)
        .filter(|&q| screened[q as usize - 1] >= top - 1e-9)
        .collect();
    // (no quality screened to a number: fits that overflowed on a hostile histogram)
    let Some(&table_q) = tied.get(tied.len() / 2) else {
        return (false, 0, 0.0);
    };
    let gains: Vec<f64> = modes
        .iter()
        .map(|m| m.single.deviance - m.refit(step(table_q, m.z)))
        .collect();
    let table_gain: f64 = gains.iter().sum();
    let decides = top > 0.0
        && table_gain >= TABLE_GAIN
        && table_gain >= TABLE_SHARE * misfit
        && gains.iter().filter(|&&g| g >= TABLE_MODE_GAIN).count() >= 2;
    (decides, table_q, table_gain)
}

/// The IJG quality nearest `table` (natural order) and whether it is exact.
fn nearest_quality(table: &[u16; 64]) -> (u8, bool) {
    let mut best = (u64::MAX, 0u8);
    for q in 1..=100u8 {
        let d: u64 = ijg_luminance(q)
            .iter()
            .zip(table)
            .map(|(&a, &b)| (a as i64 - b as i64).unsigned_abs())
            .sum();
        if d < best.0 {
            best = (d, q);
        }
    }
    (best.1, best.0 == 0)
}

/// The IJG quality whose table holds the most voted first steps, when it holds at least two and
/// three in five of them; of equally good qualities, the middle one.
fn primary_quality(votes: &[(usize, u16, f64)]) -> Option<u8> {
    let agree: Vec<usize> = (1..=100u8)
        .map(|q| {
            let t = ijg_luminance(q);
            votes
                .iter()
                .filter(|&&(z, q1, _)| t[ZIGZAG_TO_NATURAL[z]] == q1)
                .count()
        })
        .collect();
    let top = *agree.iter().max()?;
    if top < 2 || 5 * top < 3 * votes.len() {
        return None;
    }
    let best: Vec<usize> = (0..100).filter(|&i| agree[i] == top).collect();
    Some(best[best.len() / 2] as u8 + 1)
}

/// Per zigzag mode 1..=MODES, the counts of `|c| = 0..=HIST`, then of larger values.
fn histograms(b: &Blocks) -> Vec<[u32; HIST + 2]> {
    let mut hist = vec![[0u32; HIST + 2]; MODES + 1];
    for blk in &b.data {
        for (z, h) in hist.iter_mut().enumerate().skip(1) {
            let v = (blk[ZIGZAG_TO_NATURAL[z]].unsigned_abs() as usize).min(HIST + 1);
            h[v] += 1;
        }
    }
    hist
}

/// One mode's histogram of `|c|`, the bins fitted and its single-compression fit.
struct Mode {
    /// Zigzag index.
    z: usize,
    q2: u16,
    /// Bins `k0..=k1`.
    k0: usize,
    k1: usize,
    counts: Vec<f64>,
    /// The calibrated counts (plus a half).
    shape: Vec<f64>,
    t: Vec<f64>,
    single: Fit,
    /// The single-compression fit's shape (calibrated counts times its smooth tilt), and its
    /// logarithms.
    fitted: Vec<f64>,
    ln_fitted: Vec<f64>,
    /// The counts' sum, and the sum of `h ln h`.
    total: f64,
    h_ln_h: f64,
    /// [`Mode::screen`]'s results by step (NaN: not yet).
    screened: std::cell::RefCell<[f64; 256]>,
}

impl Mode {
    /// From the counts of `|c| = 1, 2, ...` (the last entry: everything beyond) under the step
    /// `q2`, and the calibrated version's; `None` with too few coefficients or bins.
    fn new(z: usize, h: &[u32], calibrated: &[u32], q2: u16) -> Option<Mode> {
        let total: u32 = h.iter().sum();
        if total < MIN_COUNT || q2 == 0 {
            return None;
        }
        let q2f = q2 as f64;
        // bins k0..=k1 (values): past the zero's reach, up to where the last 0.5 % lie
        let k0 = (1..).find(|&k| (k as f64 - 0.5) * q2f >= ZERO_REACH)?;
        let mut tail = total as f64;
        let mut k1 = 0;
        for (i, &n) in h.iter().enumerate() {
            tail -= n as f64;
            k1 = i + 1;
            if tail <= 0.005 * total as f64 {
                break;
            }
        }
        let k1 = k1.clamp(6, MAX_BINS);
        if k1 < k0 + 4 {
            return None;
        }
        let counts: Vec<f64> = (k0..=k1).map(|k| h[k - 1] as f64).collect();
        // the calibrated counts as the shape a single compression gives (a half count where
        // there are none: the shape must not rule a value out)
        let shape: Vec<f64> = (k0..=k1).map(|k| calibrated[k - 1] as f64 + 0.5).collect();
        let t: Vec<f64> = (0..counts.len())
            .map(|i| i as f64 / (counts.len() - 1) as f64)
            .collect();
        let single = Fit::new(&counts, &shape, &t);
        let fitted: Vec<f64> = shape
            .iter()
            .zip(&t)
            .map(|(s, t)| s * (single.theta[1] * t + single.theta[2] * t * t).exp())
            .collect();
        Some(Mode {
            ln_fitted: fitted.iter().map(|f| f.ln()).collect(),
            fitted,
            total: counts.iter().sum(),
            h_ln_h: counts
                .iter()
                .filter(|&&h| h > 0.0)
                .map(|h| h * h.ln())
                .sum(),
            z,
            q2,
            k0,
            k1,
            counts,
            shape,
            t,
            single,
            screened: std::cell::RefCell::new([f64::NAN; 256]),
        })
    }

    /// Whether a first step `q1` leaves no pattern: the same step, a divisor of it, or one
    /// beyond the values fitted.
    fn patternless(&self, q1: u16) -> bool {
        q1 == 0 || self.q2.is_multiple_of(q1) || q1 as usize > 2 * (self.k1 + 1) * self.q2 as usize
    }

    /// The deviance under a first step `q1` with the smooth fit's shape, rescaled (no refit:
    /// at least the refitted deviance).
    /// Remembered per step: the quality sweep asks for the same steps many times.
    fn screen(&self, q1: u16) -> f64 {
        if self.patternless(q1) {
            return self.single.deviance;
        }
        let slot = q1.min(255) as usize;
        let known = self.screened.borrow()[slot];
        if !known.is_nan() {
            return known;
        }
        // means mu = s w f with s making their sum the counts' (so sum(mu - h) = 0): the
        // deviance is 2 (sum h ln h - sum h ln mu), from the logarithms kept with w and f
        let p = cached_pattern(q1, self.q2, self.k0, self.k1);
        let wf: f64 = p.w.iter().zip(&self.fitted).map(|(a, b)| a * b).sum();
        let h_ln_wf: f64 = (0..self.counts.len())
            .map(|i| self.counts[i] * (p.ln_w[i] + self.ln_fitted[i]))
            .sum();
        let d = 2.0 * (self.h_ln_h - self.total * (self.total / wf).ln() - h_ln_wf);
        self.screened.borrow_mut()[slot] = d;
        d
    }

    /// The deviance under a first step `q1`, refitted.
    fn refit(&self, q1: u16) -> f64 {
        if self.patternless(q1) {
            return self.single.deviance;
        }
        let w = self.offsets(q1);
        // from the single fit's tilt, its level set to the counts' total: the pattern changes
        // the shape little, so Newton starts near the optimum
        let th = self.single.theta;
        let level: f64 = (0..self.t.len())
            .map(|i| w[i] * (th[1] * self.t[i] + th[2] * self.t[i] * self.t[i]).exp())
            .sum();
        let start = [(self.total / level).ln(), th[1], th[2]];
        Fit::from(&self.counts, &w, &self.t, start).deviance
    }

    /// The calibrated shape times the pattern of a first step `q1`.
    fn offsets(&self, q1: u16) -> Vec<f64> {
        let p = cached_pattern(q1, self.q2, self.k0, self.k1);
        p.w.iter().zip(&self.shape).map(|(a, b)| a * b).collect()
    }

    /// The first step this mode votes for (any table), and the deviance it explains.
    fn vote(&self) -> Option<(usize, u16, f64)> {
        if self.single.deviance < VOTE_GAIN {
            return None;
        }
        let mut ranked: Vec<(f64, u16)> = (1..=MAX_PRIMARY)
            .filter(|&q1| !self.patternless(q1))
            .map(|q1| (self.screen(q1), q1))
            .collect();
        ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (best_dev, best_q1) = ranked
            .iter()
            .take(3)
            .map(|&(_, q1)| (self.refit(q1), q1))
            .min_by(|a, b| a.0.total_cmp(&b.0))?;
        let gain = self.single.deviance - best_dev;
        (gain >= VOTE_GAIN && gain >= VOTE_SHARE * self.single.deviance)
            .then_some((self.z, best_q1, gain))
    }
}

/// Most patterns a thread keeps (about 700 bytes each): JPEGs share tables, so a batch asks
/// for the same ones again and again.
const PATTERN_CACHE: usize = 16_384;

/// Patterns by `(q1, q2, k0, k1)`.
type PatternCache =
    std::collections::HashMap<(u16, u16, u8, u8), std::rc::Rc<Pattern>, foldhash::fast::FixedState>;

thread_local! {
    static PATTERNS: std::cell::RefCell<PatternCache> = std::cell::RefCell::new(PatternCache::default());
}

/// A [`pattern`] and its logarithms.
struct Pattern {
    w: Vec<f64>,
    ln_w: Vec<f64>,
}

/// [`pattern`], remembered per thread (cleared when full, so memory stays bounded).
fn cached_pattern(q1: u16, q2: u16, k0: usize, k1: usize) -> std::rc::Rc<Pattern> {
    let key = (q1, q2, k0 as u8, k1 as u8);
    PATTERNS.with(|cache| {
        if let Some(w) = cache.borrow().get(&key) {
            return w.clone();
        }
        let w = pattern(q1, q2, k0, k1);
        let w = std::rc::Rc::new(Pattern {
            ln_w: w.iter().map(|v| v.ln()).collect(),
            w,
        });
        let mut cache = cache.borrow_mut();
        if cache.len() >= PATTERN_CACHE {
            cache.clear();
        }
        cache.insert(key, w.clone());
        w
    })
}

/// Relative count of each value `k0..=k1` after a first step `q1` and a second `q2`, with the
/// round trip's noise, mixed with a share [`MIX`] of smooth (singly compressed) values; mean 1.
fn pattern(q1: u16, q2: u16, k0: usize, k1: usize) -> Vec<f64> {
    let (step, width) = (q1 as i64, q2 as i64);
    let q2 = q2 as f64;
    let cdf = |x: f64| 1.0 / (1.0 + (-x / NOISE).exp());
    let n = k1 - k0 + 1;
    let mut w = vec![0f64; n];
    let top = (k1 as f64 + 0.5) * q2 + 8.0 * NOISE;
    // x = m q1 for m = 1, 2, ...: its bin `centre` (x / q2 rounded, halves up) and its offset in
    // the bin `r = x - centre q2`, in [-q2/2, q2/2), kept by whole-number steps
    let (mut x, mut centre, mut r) = (0i64, 0isize, 0i64);
    // the six edges' distribution values depend only on that offset: computed once per offset
    let half = width as usize;
    let mut by_offset: Vec<Option<[f64; 6]>> = vec![None; 2 * half + 1];
    loop {
        x += step;
        r += step;
        if x as f64 > top {
            break;
        }
        while 2 * r >= width {
            r -= width;
            centre += 1;
        }
        let slot = (r + width) as usize;
        let rf = r as f64;
        // the bins centre-2..=centre+2 share their edges: six values of the distribution
        let edge = *by_offset[slot]
            .get_or_insert_with(|| std::array::from_fn(|j| cdf((j as f64 - 2.5) * q2 - rf)));
        for (j, k) in (centre - 2..=centre + 2).enumerate() {
            if k < k0 as isize || k > k1 as isize {
                continue;
            }
            w[k as usize - k0] += edge[j + 1] - edge[j];
        }
    }
    let mean = w.iter().sum::<f64>() / n as f64;
    if mean > 0.0 {
        for v in &mut w {
            *v = (1.0 - MIX) * *v / mean + MIX;
        }
    } else {
        w.fill(1.0);
    }
    w
}

/// A Poisson fit of counts `h` with means `w exp(a + b t + c t^2)`.
struct Fit {
    theta: [f64; 3],
    deviance: f64,
}

impl Fit {
    /// The fit from weighted least squares on the log counts.
    fn new(h: &[f64], w: &[f64], t: &[f64]) -> Fit {
        let x = |i: usize| [1.0, t[i], t[i] * t[i]];
        let mut a = [[0f64; 3]; 3];
        let mut g = [0f64; 3];
        for i in 0..h.len() {
            let wt = h[i] + 0.5;
            let y = (wt / w[i]).ln();
            let xi = x(i);
            for r in 0..3 {
                g[r] += wt * y * xi[r];
                for c in 0..3 {
                    a[r][c] += wt * xi[r] * xi[c];
                }
            }
        }
        Fit::from(h, w, t, solve3(a, g).unwrap_or([0.0; 3]))
    }

    /// The fit from `start` (Newton's method with step halving).
    fn from(h: &[f64], w: &[f64], t: &[f64], start: [f64; 3]) -> Fit {
        let x = |i: usize| [1.0, t[i], t[i] * t[i]];
        let mut theta = start;
        let loglik = |th: &[f64; 3]| -> f64 {
            (0..h.len())
                .map(|i| {
                    let xi = x(i);
                    let eta = th[0] + th[1] * xi[1] + th[2] * xi[2];
                    h[i] * eta - w[i] * eta.exp()
                })
                .sum()
        };
        let mut ll = loglik(&theta);
        for _ in 0..30 {
            let mut hess = [[0f64; 3]; 3];
            let mut grad = [0f64; 3];
            for i in 0..h.len() {
                let xi = x(i);
                let mu = w[i] * (theta[0] + theta[1] * xi[1] + theta[2] * xi[2]).exp();
                for r in 0..3 {
                    grad[r] += (h[i] - mu) * xi[r];
                    for c in 0..3 {
                        hess[r][c] += mu * xi[r] * xi[c];
                    }
                }
            }
            let Some(step) = solve3(hess, grad) else {
                break;
            };
            let mut scale = 1.0;
            let mut improved = false;
            for _ in 0..20 {
                let next = std::array::from_fn(|j| theta[j] + scale * step[j]);
                let l = loglik(&next);
                if l >= ll {
                    theta = next;
                    improved = l - ll > 1e-9 * (1.0 + ll.abs());
                    ll = l;
                    break;
                }
                scale *= 0.5;
            }
            if !improved {
                break;
            }
        }
        let mu: Vec<f64> = (0..h.len())
            .map(|i| w[i] * (theta[0] + theta[1] * t[i] + theta[2] * t[i] * t[i]).exp())
            .collect();
        Fit {
            theta,
            deviance: deviance(h, &mu),
        }
    }
}

/// Poisson deviance of counts `h` against means `mu`.
fn deviance(h: &[f64], mu: &[f64]) -> f64 {
    2.0 * h
        .iter()
        .zip(mu)
        .map(|(&h, &m)| {
            let m = m.max(1e-12);
            (if h > 0.0 { h * (h / m).ln() } else { 0.0 }) - (h - m)
        })
        .sum::<f64>()
}

/// Solve the symmetric 3x3 system `a x = b` (Cramer's rule); `None` when singular.
fn solve3(a: [[f64; 3]; 3], b: [f64; 3]) -> Option<[f64; 3]> {
    let det = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(&a);
    if !d.is_finite() || d.abs() < 1e-12 {
        return None;
    }
    let mut out = [0f64; 3];
    for (j, o) in out.iter_mut().enumerate() {
        let mut m = a;
        for r in 0..3 {
            m[r][j] = b[r];
        }
        *o = det(&m) / d;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::super::features::{dct_matrices, matmul, Mat8};
    use super::*;
    use crate::planes::dct::{DctComponent, ZIGZAG_TO_NATURAL};

    /// A photo-like grey image: blocks whose AC coefficients are Laplacian, wider at low
    /// frequencies, as in photographs.
    pub(super) fn image(w: usize, h: usize) -> Vec<f32> {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut rnd = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let (d, dt) = dct_matrices();
        let mut px = vec![0f32; w * h];
        for by in 0..h / 8 {
            for bx in 0..w / 8 {
                let f: Mat8 = std::array::from_fn(|u| {
                    std::array::from_fn(|v| {
                        if u + v == 0 {
                            return (rnd() * 600.0 - 300.0) as f32;
                        }
                        let scale = 40.0 / (1.0 + (u + v) as f64).powf(1.3);
                        let x = -scale * rnd().ln();
                        (if rnd() < 0.5 { -x } else { x }) as f32
                    })
                });
                let p = matmul(&matmul(&dt, &f), &d);
                for r in 0..8 {
                    for c in 0..8 {
                        px[(by * 8 + r) * w + bx * 8 + c] = p[r][c] + 128.0;
                    }
                }
            }
        }
        px
    }

    /// Compress `px` with the IJG luminance table of each quality in turn (decompressing,
    /// rounding and clipping between them), as a one-component JPEG's coefficients.
    pub(super) fn compress(px: &[f32], w: usize, h: usize, qualities: &[u8]) -> DctPlanes {
        let (d, dt) = dct_matrices();
        let (bx, by) = (w / 8, h / 8);
        let mut px: Vec<f32> = px.iter().map(|v| v.round().clamp(0.0, 255.0)).collect();
        let mut blocks = vec![[0i16; 64]; bx * by];
        for (n, &q) in qualities.iter().enumerate() {
            let table = ijg_luminance(q);
            for (k, blk) in blocks.iter_mut().enumerate() {
                let (x0, y0) = ((k % bx) * 8, (k / bx) * 8);
                let m: Mat8 = std::array::from_fn(|r| {
                    std::array::from_fn(|c| px[(y0 + r) * w + x0 + c] - 128.0)
                });
                let f = matmul(&matmul(&d, &m), &dt);
                for z in 0..64 {
                    let nat = ZIGZAG_TO_NATURAL[z];
                    blk[z] = (f[nat / 8][nat % 8] / table[nat] as f32).round() as i16;
                }
                if n + 1 < qualities.len() {
                    let deq: Mat8 = std::array::from_fn(|r| {
                        std::array::from_fn(|c| {
                            let nat = r * 8 + c;
                            blk[NATURAL_TO_ZIGZAG[nat]] as f32 * table[nat] as f32
                        })
                    });
                    let p = matmul(&matmul(&dt, &deq), &d);
                    for r in 0..8 {
                        for c in 0..8 {
                            px[(y0 + r) * w + x0 + c] = (p[r][c] + 128.0).round().clamp(0.0, 255.0);
                        }
                    }
                }
            }
        }
        let last = ijg_luminance(*qualities.last().unwrap());
        DctPlanes {
            width: w as u32,
            height: h as u32,
            components: vec![DctComponent {
                id: 1,
                blocks_x: bx,
                blocks_y: by,
                h_samp: 1,
                v_samp: 1,
                quant: std::array::from_fn(|z| last[ZIGZAG_TO_NATURAL[z]]),
                blocks,
            }],
            precision: 8,
            ycbcr: false,
        }
    }

    #[test]
    fn ijg_tables_and_their_quality() {
        assert_eq!(ijg_luminance(50), STD_LUMINANCE);
        assert_eq!(ijg_luminance(75)[0], 8);
        assert_eq!(ijg_luminance(100), [1; 64]);
        assert_eq!(ijg_luminance(1)[0], 255);
        for q in [30, 60, 75, 90, 95] {
            assert_eq!(nearest_quality(&ijg_luminance(q)), (q, true));
        }
        let mut camera = ijg_luminance(88);
        camera[5] += 1;
        assert_eq!(nearest_quality(&camera), (88, false));
    }

    #[test]
    fn a_single_compression_is_not_called_double() {
        let (w, h) = (512, 512);
        let px = image(w, h);
        for q in [60, 75, 90, 95] {
            let r = report(&compress(&px, w, h, &[q])).unwrap();
            assert_eq!((r.quality, r.standard_table), (q, true));
            assert!(!r.double_compressed, "quality {q}: {r:?}");
            assert!(r.primary_quality.is_none());
        }
    }

    #[test]
    fn re_saves_show_their_first_quality() {
        let (w, h) = (512, 512);
        let px = image(w, h);
        // re-saves at a higher quality (empty values) and at a lower one (values some first
        // steps reach twice). Lower-quality re-saves are often missed: 95 -> 75 leaves nothing
        // (quality 95's low steps are 1 and 2), 85 -> 70 and 90 -> 70 too little here
        for (first, second) in [(60, 90), (70, 95), (75, 85), (75, 60), (60, 50)] {
            let r = report(&compress(&px, w, h, &[first, second])).unwrap();
            assert_eq!(r.quality, second);
            assert!(r.double_compressed, "{first} -> {second}: {r:?}");
            let got = r.primary_quality.expect("a first quality") as i32;
            assert!(
                (got - first as i32).abs() <= 2,
                "{first} -> {second}: {r:?}"
            );
        }
    }

    #[test]
    fn the_same_table_twice_leaves_no_trace() {
        let (w, h) = (512, 512);
        let px = image(w, h);
        let r = report(&compress(&px, w, h, &[80, 80])).unwrap();
        assert!(!r.double_compressed, "{r:?}");
    }

    #[test]
    fn the_fit_recovers_a_smooth_histogram() {
        let t: Vec<f64> = (0..10).map(|i| i as f64 / 9.0).collect();
        let h: Vec<f64> = t.iter().map(|t| (7.0 - 4.0 * t).exp().round()).collect();
        let f = Fit::new(&h, &[1.0; 10], &t);
        assert!((f.theta[1] + 4.0).abs() < 0.1, "{:?}", f.theta);
        assert!(f.deviance < 5.0, "{}", f.deviance);
    }
}
