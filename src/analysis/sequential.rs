//! Payload-agnostic detection of sequential LSB embedding: a payload written from the first sample
//! along a scan path leaves a prefix whose LSBs cannot be predicted from their neighbourhood, even
//! when the payload itself is random (encrypted or compressed) and no content search can read it.
//!
//! Per image and per group of samples (the colour channels, grey, alpha, palette indices) a small
//! logistic model of P(LSB = 1 | context) is fitted on a sample of the whole image. The context
//! never reads the sample's own LSB: the distance of its upper bits to the mean of its four
//! neighbours, the other colour channels' prediction of it, the other channels' LSBs where their
//! upper bits agree, the left and right neighbours' LSBs where theirs agree, each per texture
//! class (range of the neighbours). Along each scan path the
//! statistic is the cumulative log-likelihood ratio of "these LSBs are coin flips" against "these
//! LSBs follow the image's model": `Λ(k) = Σ_{i<k} (loss_i − ln 2)`, with `loss_i` the model's log
//! loss on sample `i`. On a clean image the model predicts better than a coin and `Λ` drifts down;
//! over an embedded prefix it rises. Its maximum over prefix lengths is the evidence and the
//! prefix where the cumulative sum peaks estimates the payload length (a change-point estimate).
//!
//! Paths: RGB interleaved row-major (also covers BGR: the same pixels), grey, alpha (when it
//! varies) and palette indices (whose model reads the colours the two candidate indices stand
//! for), one bit per sample. On by default (`Options::sequential_lsb`). Not searched: single colour planes (on
//! held-out clean screenshots and renders their prefixes reached `Λ` 361, too close to what
//! payloads give), column-major orders, and two bits per sample (the second bit is the reference
//! that tells noise from embedding, so two-bit embedding is vetoed as noise; see
//! `examples/sequential_stat.rs` and models/README.md for the measurements).

use serde::Serialize;

use super::profile::TINY_PIXELS;
use super::{Evidence, Method};
use crate::planes::{ColorMode, PixelPlanes};

/// Longest prefix evaluated, in samples of a path (8 KiB at one bit per sample). Longer payloads
/// are reported as "at least" this long; they are also what the structural estimators see.
pub const KMAX: usize = 65_536;
/// Shortest prefix the maximum is taken over (64 bytes at one bit per sample).
const KMIN: usize = 512;
/// Paths shorter than this are not tested (a 64-byte payload would cover a third of them).
const MIN_PATH: usize = 3 * KMIN;
/// Once a path's statistic falls this far below zero the search along it stops: a payload
/// written from the first sample would have kept it up, and a rise further on is the image, not
/// an embedding that starts at sample 0 (it also bounds the work on clean images).
const STOP_BELOW: f64 = -200.0;
/// Texture classes: range of the four neighbours below 1, 3, 7, 16, 40, and above.
const RANGE_EDGES: [i32; 5] = [1, 3, 7, 16, 40];
const N_CLASSES: usize = 6;
/// Differences between a sample's upper bits and a prediction of it are clipped to this: beyond
/// about one level they say nothing about the LSB, and a linear model must not extrapolate there.
const DIFF_CLIP: f32 = 1.5;
/// Context features per sample (the class intercept comes first).
const NF: usize = 6;
const D: usize = NF + 1;
/// Ridge penalty of the fit, and the largest change of one weight in one Newton step.
const RIDGE: f32 = 1.0;
const MAX_STEP: f64 = 4.0;

/// Predictions are clipped to [P_CLIP, 1 - P_CLIP]: one surprising LSB costs at most ln 100.
/// Where the context tells the LSB (a flat area, the colour of the other index of a palette
/// pair) a random bit then costs the model about twice what it did at 0.05, the clip used before;
/// clean images fall below `STOP_BELOW` sooner.
const P_CLIP: f32 = 0.01;
/// The fit reads about this many samples, spread over the whole image.
const FIT_SAMPLES: usize = 8_000;

/// `Λ` at which sequential evidence reaches a score of 0.5, and the width of its logistic ramp
/// (a finding from about 81). Clean lossless images of 128x128 or more reached at most 22 on the
/// training sources (5,782 images) and 54 on the held-out sets 1-4 (3,366), but for one planet
/// texture (596: its polar rows are noise the global model does not describe); clean palette
/// images 71 (1,708); random 64-byte payloads written by `embed` on 82 held-out covers: 142 /
/// 164 (RGB) and 157 / 164 (palette) above it (models/README.md). Chosen after seeing those
/// sets; the fresh sources of `make heldout5` were measured once, afterwards.
pub const LAMBDA_MID: f32 = 110.0;
/// Width of the logistic ramp from `Λ` to the sequential score (see [`LAMBDA_MID`]).
pub const LAMBDA_WIDTH: f32 = 10.0;

/// Whether bits could be a fair coin's: the count of ones and of changes between neighbours
/// within 6 standard deviations of a coin's (random data fails about once in 10^8). A payload of
/// random bytes written from the first sample makes the first `KMIN` LSBs of its path such bits;
/// a prefix that is not (a transparent corner, a flat title bar) cannot hold one, and its path
/// is not modelled (most icons and screenshots: the analysis's cost goes where it can find
/// something).
fn coin_like(bits: impl Iterator<Item = u8>) -> bool {
    let (mut n, mut ones, mut changes, mut prev) = (0usize, 0usize, 0usize, None);
    for b in bits {
        n += 1;
        ones += b as usize;
        changes += prev.is_some_and(|p| p != b) as usize;
        prev = Some(b);
    }
    let slack = 6.0 * (n as f64).sqrt() / 2.0;
    (ones as f64 - n as f64 / 2.0).abs() <= slack
        && (changes as f64 - (n as f64 - 1.0) / 2.0).abs() <= slack
}

/// The statistic of one scan path.
#[derive(Debug, Clone, Serialize)]
pub struct PathStat {
    /// Path name (`RGB`, `grey`, `alpha`, `palette index`).
    pub path: &'static str,
    /// Maximum of the cumulative log-likelihood ratio over prefixes of at least 512 samples (held
    /// at most at `LAMBDA_MID - 6 LAMBDA_WIDTH` when the model's confident predictions over that
    /// prefix were right far more often than a coin's: a described region, not a payload).
    pub lambda: f32,
    /// Estimated embedded length in samples (= bits at one bit per sample): where the
    /// statistic peaks. Where `lambda` is below [`NO_FINDING_BELOW`] (no finding) only the range
    /// of the maximum is read, and this is the peak within it.
    pub samples: usize,
    /// The estimate reached the end of the evaluated range: the payload is at least this long.
    pub at_least: bool,
    /// Samples of the prefix where `lambda` was taken whose LSB the model predicted with
    /// probability at least [`CONFIDENT`] either way, and how many of those it got wrong.
    pub confident: (u32, u32),
}

/// `Λ` is held at most here (no finding) when the prefix's confident predictions were right
/// far more often than a coin's.
const NOT_A_COIN: f32 = LAMBDA_MID - 6.0 * LAMBDA_WIDTH;

/// Samples between two tallies of the confident predictions (for the coin check's first half).
const TALLY_EVERY: usize = 16;

/// Confident predictions wrong at least this often over a prefix are a coin's, however many (see
/// `path_stat`): clean regions the model describes were wrong 19-39 % of the time (sets 1-7 and
/// training sources, `examples/sequential_stat`).
const COIN_WRONG_SHARE: f64 = 0.42;

/// A prediction this sure (or more) of either bit value is a confident one.
const CONFIDENT: f32 = 0.9;

/// Below this `Λ` a path gives no finding (they start near 81: score
/// [`super::pixels::FINDING_CUT`]) and no extent in `inspect` (80): its noise reference is not
/// fitted, and its peak is not searched past the range of the maximum (a third of the path, at
/// most `KMAX`).
pub const NO_FINDING_BELOW: f32 = LAMBDA_MID - 4.0 * LAMBDA_WIDTH;

/// Statistics of every path that could be tested.
pub fn paths(p: &PixelPlanes) -> Vec<PathStat> {
    if p.bit_depth != 8 && p.mode != ColorMode::Palette {
        return Vec::new(); // 16-bit and sub-byte grey: the stored samples are not the raw values
    }
    let (w, h) = (p.width as usize, p.height as usize);
    if w < 2 || h < 2 || (p.pixels() as u64) < TINY_PIXELS {
        return Vec::new(); // below 128x128 a short payload is too large a share of the image
    }
    let ch = p.channels();
    let n = p.pixels();
    let mut out = Vec::new();
    // one path: the group's LSBs, with the bit above them as the noise reference when it has a
    // meaning (not for palette indices)
    let mut run = |name: &'static str, g: Group, reference: bool, period: usize, len: usize| {
        if len < MIN_PATH || !coin_like(g.lsbs().take(KMIN)) {
            return;
        }
        let Some(model) = g.fit() else {
            return;
        };
        type Stream<'s> = Box<dyn Iterator<Item = (f32, u8)> + 's>;
        let stat = |above: Option<Stream>| {
            let lsb = g.stream(&model);
            path_stat(name, lsb, above, period, len, g.evaluated())
        };
        let Some(plain) = stat(None) else {
            return;
        };
        // The noise reference only lowers the statistic: below the finding range the plain
        // statistic (an upper bound) is kept and the reference's fit is saved.
        if !reference || plain.lambda < NO_FINDING_BELOW {
            out.push(plain);
            return;
        }
        let above = g.above();
        match above.fit() {
            Some(m) => out.extend(stat(Some(Box::new(above.stream(&m))))),
            None => out.push(plain),
        }
    };
    match p.mode {
        ColorMode::Rgb | ColorMode::Rgba => {
            run("RGB", Group::colour(&p.samples, w, h, ch), true, 3, 3 * n);
        }
        ColorMode::Grey | ColorMode::GreyAlpha => {
            run("grey", Group::single(&p.samples, w, h, ch, 0), true, 1, n);
        }
        ColorMode::Palette => {
            if let Some(pal) = &p.palette {
                run(
                    "palette index",
                    Group::palette(&p.samples, w, h, pal),
                    false,
                    1,
                    n,
                );
            }
        }
    }
    if p.mode.has_alpha() {
        run(
            "alpha",
            Group::single(&p.samples, w, h, ch, ch - 1),
            true,
            1,
            n,
        );
    }
    out
}

/// Sequential evidence of one frame (lossless sources only: a lossy codec's LSBs are noise).
pub fn analyse(p: &PixelPlanes, lossy: bool, frame: Option<u32>, out: &mut Vec<Evidence>) {
    if lossy {
        return;
    }
    // one piece of evidence per method: its strongest path
    let mut best: Vec<(Method, PathStat)> = Vec::new();
    for s in paths(p) {
        let method = match s.path {
            "alpha" => Method::Alpha,
            "palette index" => Method::Palette,
            _ => Method::LsbRgb,
        };
        match best.iter_mut().find(|(m, _)| *m == method) {
            Some((_, b)) if b.lambda >= s.lambda => {}
            Some(slot) => slot.1 = s,
            None => best.push((method, s)),
        }
    }
    for (method, s) in best {
        let score = 1.0 / (1.0 + (-(s.lambda - LAMBDA_MID) / LAMBDA_WIDTH).exp());
        if score < super::pixels::FINDING_CUT {
            continue;
        }
        let frame_txt = frame.map(|f| format!(" of frame {f}")).unwrap_or_default();
        let len = match s.at_least {
            true => format!("at least {} bytes", s.samples / 8),
            false => format!("about {} bytes", s.samples / 8),
        };
        out.push(Evidence::new(
            method,
            score,
            "sequential",
            format!(
                "the {} LSBs{frame_txt} look random from the first sample for {len} at one bit per sample, then follow the image (log-likelihood ratio {:.1}): sequential embedding of an unreadable (encrypted or compressed) payload",
                s.path, s.lambda
            ),
        ));
    }
}

/// Weight of both penalties: one confidently wrong prediction can cost the model up to
/// ln 20 − ln 2 ≈ 2.3 nats where compression saves at most ln 2 per bit.
const PENALTY: f64 = 3.0;

/// Contexts of the adaptive check: global prediction bucket (5) x the previous LSB of the same
/// channel (2) x the previous LSB on the path (2) x channel within the path's period (up to 3).
const ADAPTIVE_CONTEXTS: usize = 5 * 2 * 2 * 3;

/// The running statistic of one bit plane along a path.
#[derive(Default)]
struct Running {
    /// Σ (model loss − ln 2): how much worse than a coin the image's model predicts.
    model: f64,
    /// Σ (ln 2 − adaptive loss): how far below one bit per sample the prefix compresses.
    compress: f64,
    counts: Vec<[u32; 2]>,
    prev: [u8; 3],
    prev_any: u8,
}

impl Running {
    fn new() -> Self {
        Running {
            counts: vec![[0; 2]; ADAPTIVE_CONTEXTS],
            ..Default::default()
        }
    }

    /// Add the next sample (model prediction `p`, bit `y`, channel `c` of the path's period);
    /// returns the statistic of the prefix so far.
    fn push(&mut self, p: f32, y: u8, c: usize) -> f64 {
        let ln2 = std::f64::consts::LN_2;
        let loss = if y == 1 { -p.ln() } else { -(1.0 - p).ln() };
        self.model += loss as f64 - ln2;
        let bucket = ((p * 5.0) as usize).min(4);
        let ctx = ((bucket * 2 + self.prev[c] as usize) * 2 + self.prev_any as usize) * 3 + c;
        let [n0, n1] = self.counts[ctx];
        // Krichevsky-Trofimov estimate from the counts so far
        let q = (n1 as f64 + 0.5) / ((n0 + n1) as f64 + 1.0);
        self.compress += ln2 + if y == 1 { q.ln() } else { (1.0 - q).ln() };
        self.counts[ctx][y as usize] += 1;
        self.prev[c] = y;
        self.prev_any = y;
        self.model - PENALTY * self.compress.max(0.0)
    }
}

/// `Λ` along one path: `pred` yields the model's prediction and the LSB of each sample in path
/// order (the first `KMAX` samples or so, `evaluated` in all); the path is `len` samples long
/// and interleaves `period` channels. `above` yields the same for the bit above the LSB, where
/// that bit has a meaning (not for palette indices).
///
/// Two things make a prefix look random to a model fitted on the whole image without any
/// embedding, and both are discounted:
/// - the model can be confidently wrong over a region it does not describe (a row of repeated
///   anti-aliased edges, a border): the statistic is penalised by how well an adaptive model,
///   learnt from the path's own prefix (context counts over the model's prediction and the
///   previous bits), compresses the bits below one bit each. A random prefix cannot be
///   compressed, a structured one can;
/// - the region can be noisy (a noise row at the top of a screenshot, film grain): then the bit
///   above the LSB is as unpredictable as the LSB, where embedding leaves it as the image made
///   it. The same statistic of that bit over the same prefix, when positive, is subtracted.
fn path_stat(
    path: &'static str,
    pred: impl Iterator<Item = (f32, u8)>,
    mut above: Option<impl Iterator<Item = (f32, u8)>>,
    period: usize,
    len: usize,
    evaluated: usize,
) -> Option<PathStat> {
    if len < MIN_PATH {
        return None;
    }
    let last = (len / 3).min(KMAX); // the maximum is taken over prefixes up to a third
    let (mut lsb, mut reference) = (Running::new(), Running::new());
    let (mut lambda, mut peak, mut peak_at) = (f64::MIN, f64::MIN, 0usize);
    let (mut sure, mut wrong, mut at_lambda, mut lambda_at) = (0u32, 0u32, (0u32, 0u32), 0usize);
    // (sure, wrong) after every TALLY_EVERY samples
    let mut tally: Vec<(u32, u32)> = Vec::with_capacity(last / TALLY_EVERY + 1);
    for (k, (p, y)) in pred.enumerate() {
        if p >= CONFIDENT || p <= 1.0 - CONFIDENT {
            sure += 1;
            wrong += ((p >= 0.5) != (y == 1)) as u32;
        }
        let c = k % period;
        let mut stat = lsb.push(p, y, c);
        if let Some((p1, y1)) = above.as_mut().and_then(Iterator::next) {
            stat -= PENALTY * reference.push(p1, y1, c).max(0.0);
        }
        let k = k + 1;
        if k % TALLY_EVERY == 0 && k <= last {
            tally.push((sure, wrong));
        }
        if k >= KMIN && k <= last && stat > lambda {
            lambda = stat;
            at_lambda = (sure, wrong);
            lambda_at = k;
        }
        if stat > peak {
            peak = stat;
            peak_at = k;
        }
        if stat < STOP_BELOW {
            if stat > lambda {
                // stopped before KMIN: the statistic where it stopped
                lambda = stat;
                at_lambda = (sure, wrong);
            }
            break;
        } // Past the range of the maximum only the length estimate (the peak) is still read, and
          // only where `Λ` can be reported (a finding or `inspect`'s extent): a clean path stops
          // here (on icons and small images the rest was two thirds of the analysis's cost).
        if k == last && lambda < NO_FINDING_BELOW as f64 {
            break;
        }
    }
    // Over a payload of random bytes the model's confident predictions are wrong half the time;
    // over a region it describes but did not fit (a screenshot's dialog rows) they are mostly
    // right. Fewer wrong than a coin's 3 standard deviations below half, and fewer than
    // `COIN_WRONG_SHARE` of them: the image, not a payload. (The share keeps long payloads whose
    // header bits the model gets right: 1,655 confident predictions 45.9 % wrong over a 512-byte
    // payload are 3.3 standard deviations below half; the clean regions held here are 19-39 %.)
    // The best prefix can run past a payload's end into image the model predicts (a 128-byte
    // payload's 1,024 samples and 227 after them), so where the statistic is a finding's, its
    // first half, which a payload starting at the first sample fills, may also show the coin
    // (below a finding's statistic this would lift clean UI images at Λ 100-106).
    let coin_like = |(sure, wrong): (u32, u32)| {
        let (sure, wrong) = (sure as f64, wrong as f64);
        wrong >= sure / 2.0 - 1.5 * sure.sqrt() || wrong >= COIN_WRONG_SHARE * sure
    };
    let first_half = (lambda_at / 2 / TALLY_EVERY)
        .checked_sub(1)
        .and_then(|i| tally.get(i).copied());
    let coin =
        coin_like(at_lambda) || (lambda >= LAMBDA_MID as f64 && first_half.is_some_and(coin_like));
    if !coin {
        lambda = lambda.min(NOT_A_COIN as f64);
    }
    Some(PathStat {
        path,
        lambda: lambda as f32,
        samples: peak_at,
        at_least: peak_at == evaluated && evaluated < len,
        confident: at_lambda,
    })
}

/// Samples modelled together, with their context features.
struct Group<'a> {
    s: &'a [u8],
    /// Bits dropped from every sample: 0 models the LSB, 1 the bit above it (the reference).
    shift: u32,
    w: usize,
    h: usize,
    /// Samples per pixel in `s`.
    ch: usize,
    kind: Kind<'a>,
}

enum Kind<'a> {
    /// R, G, B predicted from their neighbours and from each other.
    Colour,
    /// One channel (grey or alpha) at this offset in the pixel.
    Single(usize),
    /// Palette indices and their colours.
    Palette(&'a [[u8; 3]]),
}

/// Mirror an index at the borders (-1 -> 1, n -> n - 2).
#[inline]
fn mirror(i: isize, n: usize) -> usize {
    if i < 0 {
        1.min(n - 1)
    } else if i as usize >= n {
        n.saturating_sub(2)
    } else {
        i as usize
    }
}

#[inline]
fn class_of(range: i32) -> usize {
    RANGE_EDGES.iter().take_while(|&&e| range >= e).count()
}

/// One sample's context: texture class, features, its LSB.
type Ctx = (usize, [f32; D], u8);

impl<'a> Group<'a> {
    fn colour(s: &'a [u8], w: usize, h: usize, ch: usize) -> Self {
        Group {
            s,
            shift: 0,
            w,
            h,
            ch,
            kind: Kind::Colour,
        }
    }
    fn single(s: &'a [u8], w: usize, h: usize, ch: usize, offset: usize) -> Self {
        Group {
            s,
            shift: 0,
            w,
            h,
            ch,
            kind: Kind::Single(offset),
        }
    }
    fn palette(s: &'a [u8], w: usize, h: usize, pal: &'a [[u8; 3]]) -> Self {
        Group {
            s,
            shift: 0,
            w,
            h,
            ch: 1,
            kind: Kind::Palette(pal),
        }
    }

    /// The same samples with their LSB dropped: the bit above the LSB is modelled instead.
    fn above(&self) -> Self {
        Group {
            shift: 1,
            kind: match self.kind {
                Kind::Colour => Kind::Colour,
                Kind::Single(c) => Kind::Single(c),
                Kind::Palette(p) => Kind::Palette(p),
            },
            ..*self
        }
    }

    /// The LSBs of the modelled samples in path order (pixel-major, channel-minor).
    fn lsbs(&self) -> impl Iterator<Item = u8> + '_ {
        let (cc, ch) = (self.per_pixel(), self.ch);
        let offset = match self.kind {
            Kind::Single(c) => c,
            _ => 0,
        };
        (0..self.w * self.h)
            .flat_map(move |i| (0..cc).map(move |c| self.s[i * ch + offset + c] & 1))
    }

    /// Modelled samples per pixel.
    fn per_pixel(&self) -> usize {
        match self.kind {
            Kind::Colour => 3,
            _ => 1,
        }
    }

    /// Contexts of the modelled samples of pixel `i`, in channel order.
    fn contexts(&self, i: usize, out: &mut [Ctx; 3]) {
        let (x, y) = ((i % self.w) as isize, (i / self.w) as isize);
        let nb = [
            mirror(y - 1, self.h) * self.w + x as usize,
            mirror(y + 1, self.h) * self.w + x as usize,
            y as usize * self.w + mirror(x - 1, self.w),
            y as usize * self.w + mirror(x + 1, self.w),
        ];
        let px = |j: usize, c: usize| (self.s[j * self.ch + c] >> self.shift) as i32;
        match self.kind {
            Kind::Colour => {
                let mut mean = [0f32; 3];
                let mut class = [0usize; 3];
                for c in 0..3 {
                    let v = nb.map(|j| px(j, c));
                    mean[c] = v.iter().sum::<i32>() as f32 / 4.0;
                    let (lo, hi) = (v.iter().min().unwrap(), v.iter().max().unwrap());
                    class[c] = class_of(hi - lo);
                }
                for c in 0..3 {
                    let v = px(i, c);
                    let upper = (v & !1) as f32 + 0.5;
                    let mut f = [0f32; D];
                    f[0] = 1.0;
                    f[1] = (mean[c] - upper).clamp(-DIFF_CLIP, DIFF_CLIP);
                    for (k, o) in [(c + 2) % 3, (c + 1) % 3].into_iter().enumerate() {
                        let ov = px(i, o);
                        let predicted = ov as f32 + (mean[c] - mean[o]);
                        f[2 + 2 * k] = (predicted - upper).clamp(-DIFF_CLIP, DIFF_CLIP);
                        if ov & !1 == v & !1 {
                            f[3 + 2 * k] = (ov & 1) as f32 - 0.5;
                        }
                    }
                    horizontal(&mut f, v, px(nb[2], c), px(nb[3], c));
                    out[c] = (class[c], f, (v & 1) as u8);
                }
            }
            Kind::Single(c) => {
                let v = nb.map(|j| px(j, c));
                let (lo, hi) = (v.iter().min().unwrap(), v.iter().max().unwrap());
                let mean = v.iter().sum::<i32>() as f32 / 4.0;
                let s = px(i, c);
                let mut f = [0f32; D];
                f[0] = 1.0;
                f[1] = (mean - ((s & !1) as f32 + 0.5)).clamp(-DIFF_CLIP, DIFF_CLIP);
                horizontal(&mut f, s, v[2], v[3]);
                out[0] = (class_of(hi - lo), f, (s & 1) as u8);
            }
            Kind::Palette(pal) => {
                let s = px(i, 0) as usize;
                let (even, odd) = (s & !1, s | 1);
                let v = nb.map(|j| px(j, 0) as usize);
                let mut distinct = 1;
                for k in 1..4 {
                    if !v[..k].contains(&v[k]) {
                        distinct += 1;
                    }
                }
                let count = |t: usize| v.iter().filter(|&&u| u == t).count() as f32;
                let colour = |t: usize| pal.get(t).map(|c| c.map(f32::from));
                let mut mean = [0f32; 3];
                for &u in &v {
                    let c = colour(u).unwrap_or([0.0; 3]);
                    for k in 0..3 {
                        mean[k] += c[k] / 4.0;
                    }
                }
                let dist = |c: [f32; 3]| {
                    ((c[0] - mean[0]).powi(2) + (c[1] - mean[1]).powi(2) + (c[2] - mean[2]).powi(2))
                        .sqrt()
                };
                let mut f = [0f32; D];
                f[0] = 1.0;
                f[1] = (count(odd) - count(even)) / 4.0;
                match (colour(even), colour(odd)) {
                    (Some(e), Some(o)) => {
                        f[2] = ((dist(e) - dist(o)) / 16.0).clamp(-DIFF_CLIP, DIFF_CLIP)
                    }
                    _ => f[3] = 1.0, // the odd index has no colour: the LSB cannot be 1
                }
                out[0] = (distinct - 1, f, (s & 1) as u8);
            }
        }
    }

    /// Fit the model (one logistic model per texture class) on a spread sample of the image.
    /// `None` when the LSBs do not vary at all (nothing to model: a constant plane).
    fn fit(&self) -> Option<Vec<[f32; D]>> {
        let n = self.w * self.h;
        let cc = self.per_pixel();
        let mut ctx = [(0usize, [0f32; D], 0u8); 3];
        let step = (n * cc / FIT_SAMPLES).max(1);
        let mut xs: Vec<Vec<[f32; D]>> = vec![Vec::new(); N_CLASSES];
        let mut ys: Vec<Vec<u8>> = vec![Vec::new(); N_CLASSES];
        let mut ones = 0usize;
        // one pixel at a pseudo-random place in each stretch of `step`: a fixed stride aliases
        // with periodic structure (a stride of 49 pixels on a 399-wide image with a 7-pixel
        // pattern read one column phase only, and the model was confidently wrong elsewhere)
        for k in 0..n / step {
            let i = k * step + (jitter(k as u64) % step as u64) as usize;
            self.contexts(i, &mut ctx);
            for &(class, f, y) in &ctx[..cc] {
                xs[class].push(f);
                ys[class].push(y);
                ones += y as usize;
            }
        }
        let total: usize = ys.iter().map(Vec::len).sum();
        if ones == 0 || ones == total {
            return None;
        }
        Some(xs.iter().zip(&ys).map(|(x, y)| fit(x, y)).collect())
    }

    /// Pixels whose samples a path reads: its maxima lie within `KMAX` samples.
    fn evaluated_pixels(&self) -> usize {
        (self.w * self.h).min(KMAX.div_ceil(self.per_pixel()) + self.w)
    }

    /// Samples a path reads.
    fn evaluated(&self) -> usize {
        self.evaluated_pixels() * self.per_pixel()
    }

    /// The model's prediction P(LSB = 1), clipped to [P_CLIP, 1 - P_CLIP], and the LSB of every
    /// modelled sample of the first pixels (pixel-major, channel-minor), computed as the path
    /// reads them (it may stop early).
    fn stream<'s>(&'s self, weights: &'s [[f32; D]]) -> impl Iterator<Item = (f32, u8)> + 's {
        let cc = self.per_pixel();
        (0..self.evaluated_pixels()).flat_map(move |i| {
            let mut ctx = [(0usize, [0f32; D], 0u8); 3];
            self.contexts(i, &mut ctx);
            let mut out = [(0f32, 0u8); 3];
            for (o, &(class, f, y)) in out.iter_mut().zip(&ctx[..cc]) {
                *o = (
                    sigmoid(dot(&weights[class], &f)).clamp(P_CLIP, 1.0 - P_CLIP),
                    y,
                );
            }
            out.into_iter().take(cc)
        })
    }
}

/// The left and right neighbours' mean LSB where both their upper bits equal the sample's (a run
/// of one colour along the row, such as a screenshot's one-pixel border line, predicts its own LSBs even
/// where the rows above and below differ and make the context an edge).
#[inline]
fn horizontal(f: &mut [f32; D], v: i32, left: i32, right: i32) {
    if left & !1 == v & !1 && right & !1 == v & !1 {
        f[NF] = ((left & 1) + (right & 1)) as f32 / 2.0 - 0.5;
    }
}

/// A fixed pseudo-random number for `k` (SplitMix64's finaliser): reproducible scans.
#[inline]
fn jitter(k: u64) -> u64 {
    let mut z = k.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[inline]
fn dot(a: &[f32; D], b: &[f32; D]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[inline]
fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// The fit's samples column by column (one contiguous `f64` column per feature, labels as 0/1),
/// with scratch columns for the per-sample derivative weights: the passes of [`evaluate`] read
/// them in SIMD lanes.
struct Columns {
    x: [Vec<f64>; D],
    y: Vec<f64>,
    /// p - y and p (1 - p) of the last evaluation, per sample.
    r: Vec<f64>,
    q: Vec<f64>,
    /// q x_a for one feature a at a time.
    qx: Vec<f64>,
    /// Samples before the padding to whole blocks of [`LANES`].
    real: usize,
}

impl Columns {
    fn new<'a>(rows: impl Iterator<Item = (&'a [f32; D], u8)>) -> Self {
        let mut c = Columns {
            x: std::array::from_fn(|_| Vec::new()),
            y: Vec::new(),
            r: Vec::new(),
            q: Vec::new(),
            qx: Vec::new(),
            real: 0,
        };
        for (f, t) in rows {
            for (col, &v) in c.x.iter_mut().zip(f) {
                col.push(v as f64);
            }
            c.y.push(t as f64);
        }
        c.real = c.y.len();
        // padding to whole blocks of lanes: all-zero samples, whose z is 0 whatever the
        // weights, so they add nothing to the derivatives and exactly ln 2 each to the loss
        let n = c.real.next_multiple_of(LANES);
        for col in c.x.iter_mut() {
            col.resize(n, 0.0);
        }
        c.y.resize(n, 0.0);
        (c.r, c.q, c.qx) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        c
    }

    /// Samples, without the padding.
    fn len(&self) -> usize {
        self.real
    }
}

/// SIMD lanes of the fit's passes (8 doubles: two AVX2 registers per accumulator).
const LANES: usize = 8;

/// e^x for x <= 0 (a logistic model's e^-|z|) without libm, so that a pass over the samples
/// vectorises: x = n ln 2 + r with |r| <= ln 2 / 2, e^r by its Taylor series to r^12 (relative
/// error below 2e-16), 2^n put into the exponent bits. Within 2 ulp of libm's `exp`; 0 below
/// -708 (where libm's is subnormal, far below what a fit can see).
#[inline(always)]
fn exp_nonpositive(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    // ln 2 split as fdlibm does: the high part has trailing zero bits, so n * LN2_HI is exact
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    // 1.5 * 2^52: adding it rounds to an integer that sits in the low mantissa bits
    const SHIFTER: f64 = 6_755_399_441_055_744.0;
    let x = x.max(-708.0);
    let t = x * LOG2E + SHIFTER;
    let n = t - SHIFTER;
    let r = x - n * LN2_HI - n * LN2_LO;
    // Horner over 1/12!, 1/11!, ..., 1/1!, 1
    const TAYLOR: [f64; 13] = {
        let mut c = [1.0; 13];
        let mut k = 1;
        while k < 13 {
            c[12 - k] = c[13 - k] / k as f64;
            k += 1;
        }
        c
    };
    let mut p = TAYLOR[0];
    for &coef in &TAYLOR[1..] {
        p = p * r + coef;
    }
    let scale = f64::from_bits(t.to_bits().wrapping_add(1023) << 52);
    p * scale
}

/// Σ a_i b_i over equal-length columns, in lanes (the order of the additions is fixed, so the
/// result is reproducible).
#[inline(always)]
fn column_dot(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0f64; LANES];
    let (ca, cb) = (a.chunks_exact(LANES), b.chunks_exact(LANES));
    let tail: f64 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for l in 0..LANES {
            acc[l] += x[l] * y[l];
        }
    }
    acc.iter().sum::<f64>() + tail
}

/// Penalised negative log-likelihood of the logistic model `w` on the samples `c`, with its
/// gradient and Hessian (lower triangle) when `grad` is given. One pass over the samples in
/// lanes for the loss and the per-sample weights, then one dot product per gradient entry and
/// per Hessian entry over the columns.
#[allow(clippy::needless_range_loop)] // matrix code reads better with indices
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
fn evaluate(
    w: &[f64; D],
    c: &mut Columns,
    ridge: f64,
    grad: Option<(&mut [f64; D], &mut [[f64; D]; D])>,
) -> f64 {
    let want = grad.is_some();
    // -log sigmoid(+-z) = max(m, 0) + ln(1 + e^-|z|), stable for large |z|; the ln(1 + e)
    // terms are summed as the ln of products (factors in [1, 2], 64 per lane at a time)
    let (mut plus, mut logs) = ([0f64; LANES], 0f64);
    let mut prod = [1f64; LANES];
    let mut factors = 0usize;
    // the samples in blocks of LANES, each step written lane by lane so that it vectorises
    for start in (0..c.y.len()).step_by(LANES) {
        let mut z = [0f64; LANES];
        for k in 0..D {
            let col = &c.x[k][start..start + LANES];
            for l in 0..LANES {
                z[l] += w[k] * col[l];
            }
        }
        let y = &c.y[start..start + LANES];
        let mut e = [0f64; LANES];
        for l in 0..LANES {
            e[l] = exp_nonpositive(-z[l].abs());
            // m = -z for a label 1, z for a label 0
            let m = z[l] * (1.0 - 2.0 * y[l]);
            plus[l] += m.max(0.0);
            prod[l] *= 1.0 + e[l];
        }
        if want {
            let r = &mut c.r[start..start + LANES];
            for l in 0..LANES {
                let num = if z[l] >= 0.0 { 1.0 } else { e[l] };
                let p = num / (1.0 + e[l]);
                r[l] = p - y[l];
            }
            let q = &mut c.q[start..start + LANES];
            for l in 0..LANES {
                let num = if z[l] >= 0.0 { 1.0 } else { e[l] };
                let p = num / (1.0 + e[l]);
                q[l] = p * (1.0 - p);
            }
        }
        factors += 1;
        if factors == 64 {
            logs += prod.iter().map(|v| v.ln()).sum::<f64>();
            (prod, factors) = ([1.0; LANES], 0);
        }
    }
    logs += prod.iter().map(|v| v.ln()).sum::<f64>();
    // the padding's ln 2 each
    logs -= (c.y.len() - c.len()) as f64 * std::f64::consts::LN_2;
    let mut sum = 0.5 * ridge * w.iter().map(|v| v * v).sum::<f64>();
    sum += plus.iter().sum::<f64>() + logs;
    if let Some((g, hm)) = grad {
        for a in 0..D {
            g[a] += column_dot(&c.r, &c.x[a]);
            for (o, (&q, &x)) in c.qx.iter_mut().zip(c.q.iter().zip(&c.x[a])) {
                *o = q * x;
            }
            for b in 0..=a {
                hm[a][b] += column_dot(&c.qx, &c.x[b]);
            }
        }
    }
    sum
}

/// Ridge logistic regression by damped Newton steps (a handful of iterations on D weights). On
/// separable data (flat areas, where the neighbours give the LSB away) plain Newton overshoots;
/// steps are capped and halved until the penalised loss falls. The loss of a trial step and the
/// derivatives for the next step come from the same evaluation.
#[allow(clippy::needless_range_loop)]
fn fit(x: &[[f32; D]], y: &[u8]) -> [f32; D] {
    if x.is_empty() {
        return [0.0; D];
    }
    // Most of the way on every 4th sample, then a few steps on all of them (the ridge penalty is
    // scaled with the sample so both stages minimise the same objective): the same weights at
    // about half the passes over the full sample.
    let start = if x.len() >= 2_000 {
        let mut quarter = Columns::new(x.iter().zip(y.iter().copied()).step_by(4));
        let ridge = RIDGE as f64 * quarter.len() as f64 / x.len() as f64;
        newton(&mut quarter, [0.0; D], ridge, 8)
    } else {
        [0.0; D]
    };
    let mut all = Columns::new(x.iter().zip(y.iter().copied()));
    newton(&mut all, start, RIDGE as f64, 3).map(|v| v as f32)
}

/// Damped Newton iterations from `w` with ridge penalty `ridge`.
#[allow(clippy::needless_range_loop)]
fn newton(c: &mut Columns, mut w: [f64; D], ridge: f64, iterations: usize) -> [f64; D] {
    let mut g = [0f64; D];
    let mut hm = [[0f64; D]; D];
    let mut current = evaluate(&w, c, ridge, Some((&mut g, &mut hm)));
    for _ in 0..iterations {
        for a in 0..D {
            g[a] += ridge * w[a];
            hm[a][a] += ridge;
            for b in 0..a {
                hm[b][a] = hm[a][b];
            }
        }
        let Some(mut step) = solve(hm, g) else { break };
        let big = step.iter().fold(0f64, |m, v| m.max(v.abs()));
        if big > MAX_STEP {
            step = step.map(|v| v * MAX_STEP / big);
        }
        let mut t = 1.0;
        let accepted = loop {
            let trial: [f64; D] = std::array::from_fn(|k| w[k] - t * step[k]);
            let (mut tg, mut th) = ([0f64; D], [[0f64; D]; D]);
            let value = evaluate(&trial, c, ridge, Some((&mut tg, &mut th)));
            if value < current {
                break Some((trial, value, tg, th));
            }
            t *= 0.5;
            if t < 1.0 / 64.0 {
                break None;
            }
        };
        let Some((next, value, ng, nh)) = accepted else {
            break;
        };
        let gain = current - value;
        (w, current, g, hm) = (next, value, ng, nh);
        if big * t < 1e-4 || gain < 1e-4 * current {
            break;
        }
    }
    w
}

/// Solve `a x = b` for a symmetric positive definite `a` (Cholesky).
#[allow(clippy::needless_range_loop)]
fn solve(mut a: [[f64; D]; D], mut b: [f64; D]) -> Option<[f64; D]> {
    for j in 0..D {
        let mut d = a[j][j];
        for k in 0..j {
            d -= a[j][k] * a[j][k];
        }
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        a[j][j] = d;
        for i in j + 1..D {
            let mut s = a[i][j];
            for k in 0..j {
                s -= a[i][k] * a[j][k];
            }
            a[i][j] = s / d;
        }
    }
    for i in 0..D {
        for k in 0..i {
            b[i] -= a[i][k] * b[k];
        }
        b[i] /= a[i][i];
    }
    for i in (0..D).rev() {
        for k in i + 1..D {
            b[i] -= a[k][i] * b[k];
        }
        b[i] /= a[i][i];
    }
    Some(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_coin_like_prefixes_are_modelled() {
        let mut x = 0x2545_f491u32;
        let coin: Vec<u8> = (0..KMIN)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x & 1) as u8
            })
            .collect();
        assert!(coin_like(coin.iter().copied()));
        assert!(!coin_like(std::iter::repeat_n(0u8, KMIN)));
        assert!(!coin_like((0..KMIN).map(|i| (i % 2) as u8)), "alternating");
        assert!(
            !coin_like((0..KMIN).map(|i| (i / 8 % 2) as u8)),
            "runs of 8"
        );
    }

    /// A noisy synthetic gradient with a 7-pixel pattern in one channel (the training set's hard
    /// negatives), 399 pixels wide: a fixed fit stride of 49 pixels read one phase of the
    /// pattern only, and the first rows reached `Λ` 191.
    #[test]
    fn the_fit_sample_does_not_alias_with_periodic_structure() {
        let (w, h) = (399usize, 330usize);
        let mut x = 0x9e37_79b9u32;
        let mut s = Vec::with_capacity(w * h * 3);
        for y in 0..h {
            for c in 0..w {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let t = (c as f32 / w as f32 + y as f32 / h as f32) / 2.0;
                let v = (128.0 + 29.0 * t + (x % 5) as f32 - 2.0) as u8;
                s.extend_from_slice(&[v, v.wrapping_add((c % 7) as u8), 255 - v]);
            }
        }
        let p = PixelPlanes::from_samples(w as u32, h as u32, ColorMode::Rgb, s);
        for stat in paths(&p) {
            assert!(stat.lambda < 40.0, "{stat:?}");
        }
    }

    /// The vectorisable exp agrees with libm's to a few ulp over the range a fit meets.
    #[test]
    fn exp_nonpositive_matches_libm() {
        let mut worst = 0f64;
        for i in 0..=200_000 {
            let x = -(i as f64) * 740.0 / 200_000.0;
            let (ours, libm) = (exp_nonpositive(x), x.exp());
            if x >= -708.0 {
                worst = worst.max(((ours - libm) / libm).abs());
            } else {
                assert!(ours <= 1e-300, "{x}: {ours}");
            }
        }
        assert!(worst < 1e-15, "worst relative error {worst:e}");
        assert_eq!(exp_nonpositive(0.0), 1.0);
    }

    /// The lane-wise evaluation gives the loss, gradient and Hessian a direct per-sample sum
    /// gives (padding excluded), for sample counts on and off a whole number of lanes; and the
    /// fit lowers the loss from the zero model.
    #[test]
    #[allow(clippy::needless_range_loop)]
    fn evaluation_matches_a_direct_sum_and_the_fit_descends() {
        let mut s = 0x1234_5678u32;
        let mut rnd = || {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            s as f64 / u32::MAX as f64
        };
        let truth = [0.3, 1.5, -2.0, 0.7, 0.0, -0.4, 1.1];
        for n in [37usize, 800, 2_003, 8_000] {
            let (mut x, mut y) = (Vec::new(), Vec::new());
            for _ in 0..n {
                let mut f = [1.0f32; D];
                for v in f.iter_mut().skip(1) {
                    *v = (rnd() * 2.0 - 1.0) as f32;
                }
                let z: f64 = (0..D).map(|k| truth[k] * f[k] as f64).sum();
                y.push((rnd() < 1.0 / (1.0 + (-z).exp())) as u8);
                x.push(f);
            }
            let mut c = Columns::new(x.iter().zip(y.iter().copied()));
            let loss_at = |w: &[f64; D], c: &mut Columns| evaluate(w, c, RIDGE as f64, None);
            let w = truth.map(|v| v * 0.8 + 0.05);
            let (mut g, mut h) = ([0f64; D], [[0f64; D]; D]);
            let loss = evaluate(&w, &mut c, RIDGE as f64, Some((&mut g, &mut h)));
            let (mut dl, mut dg, mut dh) = (0f64, [0f64; D], [[0f64; D]; D]);
            for (f, &t) in x.iter().zip(&y) {
                let z: f64 = (0..D).map(|k| w[k] * f[k] as f64).sum();
                let p = 1.0 / (1.0 + (-z).exp());
                dl -= if t == 1 { p.ln() } else { (1.0 - p).ln() };
                for a in 0..D {
                    dg[a] += (p - t as f64) * f[a] as f64;
                    for b in 0..=a {
                        dh[a][b] += p * (1.0 - p) * f[a] as f64 * f[b] as f64;
                    }
                }
            }
            dl += 0.5 * RIDGE as f64 * w.iter().map(|v| v * v).sum::<f64>();
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-10 * (1.0 + b.abs());
            assert!(close(loss, dl), "n {n}: loss {loss} vs {dl}");
            for a in 0..D {
                assert!(close(g[a], dg[a]), "n {n}: gradient {a}");
                for b in 0..=a {
                    assert!(close(h[a][b], dh[a][b]), "n {n}: Hessian {a} {b}");
                }
            }
            let fitted = fit(&x, &y).map(|v| v as f64);
            assert!(
                loss_at(&fitted, &mut c) < loss_at(&[0.0; D], &mut c),
                "n {n}"
            );
        }
    }

    #[test]
    #[allow(clippy::needless_range_loop)]
    fn cholesky_solves_a_small_system() {
        let mut a = [[0f64; D]; D];
        for i in 0..D {
            a[i][i] = 2.0;
            if i > 0 {
                a[i][i - 1] = 0.5;
                a[i - 1][i] = 0.5;
            }
        }
        let x: [f64; D] = std::array::from_fn(|i| [1.0, -2.0, 0.5, 3.0, 0.0, 1.5, -0.75][i % 7]);
        let mut b = [0f64; D];
        for i in 0..D {
            b[i] = (0..D).map(|k| a[i][k] * x[k]).sum();
        }
        let got = solve(a, b).unwrap();
        for i in 0..D {
            assert!((got[i] - x[i]).abs() < 1e-9, "{got:?}");
        }
    }
}
