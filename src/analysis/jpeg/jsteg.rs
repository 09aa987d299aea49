//! Sequential LSB replacement in DCT coefficients (jsteg and tools like it).
//!
//! jsteg writes its bits into the least significant bit (two's complement) of the AC
//! coefficients whose value is neither 0 nor 1, in the order the scan codes them, starting at
//! the first block. Replacing LSBs equalises the counts of each value pair {2k, 2k+1}, and since
//! -1 is paired with -2 while +1 is left alone, it breaks the sign symmetry of the coefficients
//! ([`scan`]). Counting by value sign and pair makes the test indifferent to the payload's
//! bit balance (text has more 0 bits than 1).
//!
//! jsteg's own format, written by `embed --method jpeg.jsteg`: 5 bits giving the bit length `n`
//! of the size field, `n` bits of payload size in bytes, then the payload, each MSB-first.

use super::super::{Evidence, Method, Tool};
use crate::extract::{Payload, PayloadEncoding};
use crate::planes::dct::DctPlanes;

/// Whether jsteg writes into a coefficient of this value (AC only, checked by the caller).
#[inline]
pub fn usable(v: i16) -> bool {
    v != 0 && v != 1
}

/// z of the sign-symmetry break a payload must reach (the maximum over prefixes of a clean
/// image's random walk stays near 3; docs/jpeg-domain.md has the measured distribution).
const Z_SYMMETRY: f64 = 6.0;
/// Largest |z| of a pair's inequality for it to count as equalised.
const Z_EQUAL: f64 = 3.0;
/// How far (in deviations) the image's own pair inequality would have put a clean prefix from
/// "equalised": a prefix too short to tell is no evidence.
const Z_POWER: f64 = 6.0;
/// [`Z_POWER`] for the one prefix jsteg's header declares: a single test, not the best of many
/// prefixes, so a weaker one keeps the false-positive rate (short payloads in small covers; the
/// curves in docs/jpeg-domain.md).
const Z_POWER_HEADER: f64 = 4.0;
/// Relative pair inequality `r1 + r2` assumed when the image has too little left after the
/// prefix to measure its own (natural JPEGs mostly show 0.3 to 1; a few, with flat histograms
/// near zero, show negative values: the power uses its magnitude).
const R_PRIOR: f64 = 0.3;

/// Largest magnitude whose counts enter the tests.
const M: i16 = 6;
/// Smallest z of the shift of each of the first two mirror differences, `h(1) - h(-1)` and
/// `h(-2) - h(2)`, over the prefix ([`Counts::z_mirror`]): jsteg moves them in alternating
/// directions, while synthetic images (gradients, user interfaces) whose coefficients lean to
/// one sign move them together.
const Z_ALTERNATE: f64 = 2.0;
/// Largest pair inequality over the prefix, as a share of the image's own (`power`), that
/// still counts as equalised when the prefix is so long that [`Z_EQUAL`] deviations are a
/// small fraction of it (a payload's byte structure leaves a few percent).
const R_EQUAL: f64 = 0.1;
/// Largest pair inequality on either side that a payload's bit balance explains: text, the
/// least balanced payload, has 40-47 % of 1 bits, `|1 - 2p|` up to 0.2.
const R_SIDE: f64 = 0.2;
/// Fewest counts at magnitudes 1-6 after the payload for the rest to be measured.
const REST_MIN: f64 = 400.0;

/// Counts of the values -M..=M (0 unused) over a stretch of coefficients.
#[derive(Debug, Clone, Copy, Default)]
struct Counts([i64; 2 * M as usize + 1]);

/// Each value's term in `D` of [`Counts::z_symmetry`]: `(-1)^(m+1) sign(v)` for `|v| = m`.
const D_TERM: [i64; 2 * M as usize + 1] = {
    let mut t = [0i64; 2 * M as usize + 1];
    let mut v = -M;
    while v <= M {
        let m = v.unsigned_abs();
        if m > 0 {
            let alt = if m % 2 == 1 { 1 } else { -1 };
            t[(v + M) as usize] = if v > 0 { alt } else { -alt };
        }
        v += 1;
    }
    t
};

impl Counts {
    fn h(&self, v: i16) -> f64 {
        self.0[(v + M) as usize] as f64
    }
    fn total(&self) -> f64 {
        self.0.iter().sum::<i64>() as f64
    }
    /// z of `D = sum over m of (-1)^(m+1) (h(m) - h(-m))`, 0 for coefficients symmetric about
    /// zero. jsteg's pairs shift every mirror pair: `h(1) - h(-1)` by `(h1 - h2) / 2`,
    /// `h(2) - h(-2)` by `(h3 - h1) / 2`, `h(3) - h(-3)` by `(h2 - h4) / 2`, and so on with
    /// alternating signs, so all terms add up.
    fn z_symmetry(&self) -> f64 {
        let (mut d, mut n) = (0.0, 0.0);
        for m in 1..=M {
            let sign = if m % 2 == 1 { 1.0 } else { -1.0 };
            d += sign * (self.h(m) - self.h(-m));
            n += self.h(m) + self.h(-m);
        }
        if n < 50.0 {
            return 0.0;
        }
        d / n.sqrt()
    }
    /// The pair inequality `r_pos + r_neg` and its standard deviation under equalisation.
    /// jsteg's pairs are (2, 3), (4, 5) on the positive side and (-1, -2), (-3, -4), (-5, -6)
    /// on the negative; `r` is the relative excess of each pair's smaller magnitude, pooled
    /// per side. A payload with a share `p` of 1 bits leaves `1 - 2p` on the positive side
    /// (even values are the smaller) and `2p - 1` on the negative (odd ones are), so the sum is
    /// 0 for any payload, while natural coefficients make both sides positive.
    fn pairs(&self) -> (f64, f64) {
        let (pos, neg, sd) = self.pair_sides();
        (pos + neg, sd)
    }
    /// `r_pos`, `r_neg` and the standard deviation of their sum (see [`Counts::pairs`]).
    fn pair_sides(&self) -> (f64, f64, f64) {
        let side = |pairs: &[(i16, i16)]| {
            let (mut d, mut n) = (0.0, 0.0);
            for &(small, large) in pairs {
                d += self.h(small) - self.h(large);
                n += self.h(small) + self.h(large);
            }
            (d, n)
        };
        let (dp, np) = side(&[(2, 3), (4, 5)]);
        let (dn, nn) = side(&[(-1, -2), (-3, -4), (-5, -6)]);
        if np == 0.0 || nn == 0.0 {
            return (0.0, 0.0, f64::INFINITY);
        }
        (dp / np, dn / nn, (1.0 / np + 1.0 / nn).sqrt())
    }
    /// z of the share `(h(a) - h(b)) / (h(a) + h(b))` against 0 (a cover symmetric about zero)
    /// or against `base`'s share (the rest of the image, when large enough to measure: a cover
    /// leaning to one sign throughout), whichever is larger: jsteg shifts the share against the
    /// cover's own, which is unknown, and each reference fails on some covers (drawings lean
    /// to one sign; photos change from top to bottom).
    fn z_mirror(&self, a: i16, b: i16, base: Option<&Counts>) -> f64 {
        let share = |c: &Counts| {
            let n = c.h(a) + c.h(b);
            (n > 0.0).then(|| ((c.h(a) - c.h(b)) / n, n))
        };
        let Some((d, n)) = share(self) else {
            return 0.0;
        };
        let against_zero = d * n.sqrt();
        match base.and_then(share) {
            Some((d0, n0)) => against_zero.max((d - d0) / (1.0 / n + 1.0 / n0).sqrt()),
            None => against_zero,
        }
    }
    fn minus(&self, o: &Counts) -> Counts {
        let mut c = *self;
        for (a, b) in c.0.iter_mut().zip(o.0) {
            *a -= b;
        }
        c
    }
}

/// How well "jsteg wrote over this prefix" explains a prefix's counts, against "clean"
/// ([`fit`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// Log-likelihood ratio (nats) of jsteg over the whole prefix against a clean prefix.
    pub llr: f64,
    /// How much better (nats) the best partial replacement (a share of the prefix's
    /// coefficients replaced) explains the counts than replacement of all of it: near 0 for a
    /// payload, large for a clean prefix that departs from the model a little over very many
    /// coefficients (which makes any likelihood ratio large).
    pub shortfall: f64,
    /// Whether each of jsteg's value pairs is split by the one share of 1 bits as a payload
    /// splits them (a chi-square test of the five pairs' splits against their pooled share
    /// holds at 0.1 %): the likelihood ratio only says which model is less wrong, and a
    /// drawn prefix leaning to one sign can be far from both.
    pub pairs_fit: bool,
    /// The jsteg model's deviance (G², twice the log-likelihood it falls short of the counts'
    /// own shares by) over the 11 values; about the degrees of freedom (8) when it fits.
    pub deviance: f64,
    /// Coefficients of the prefix among the values -6..=5 (the ratio's sample).
    pub counted: f64,
    /// Whether the share of 1 bits the pairs show is one a payload has: 0.35-0.6 within two
    /// deviations (random and encrypted bytes 0.5, text 0.4-0.47); drawings whose odd values
    /// outnumber the even ones in every pair (0.7 and more) fit a "payload" of mostly 1 bits.
    pub bits_fit: bool,
}

/// Smallest log-likelihood ratio (nats) of jsteg's declared prefix for [`Prefix::is_declared_fit`].
const LLR_MIN: f64 = 12.0;
/// Largest shortfall (nats) of full replacement against the best partial one ([`Fit`]).
const SHORTFALL_MAX: f64 = 2.0;
/// Largest deviance of the jsteg model ([`Fit::deviance`]): the chi-square quantile at 0.1 %
/// for its 8 degrees of freedom. A clean prefix far from both models (a game texture whose
/// pairs split 3 : 1 everywhere, as no payload's bits do) is not jsteg's for being nearer it.
const DEVIANCE_MAX: f64 = 26.1;
/// Over a long prefix a model of the cover's shape that is only nearly right leaves a deviance
/// that grows with the prefix's size, as the likelihood ratio does, so a fixed quantile turns
/// away long payloads in covers whose histogram the shape model misses (trellis-quantised
/// photos with ten times fewer ±1 than ±2: deviance 229 against a ratio of 6,150 nats). Where
/// the ratio is at least [`LLR_LARGE`], the jsteg model may leave up to [`DEVIANCE_SHARE`] of
/// the clean model's excess misfit (twice the ratio) unexplained.
const LLR_LARGE: f64 = 100.0;
/// See [`LLR_LARGE`].
const DEVIANCE_SHARE: f64 = 0.25;
/// Fewest counted coefficients ([`Fit::counted`]): a ratio over fewer rests on a handful of
/// values (screenshots whose coefficients lie mostly beyond ±6).
const COUNTED_MIN: f64 = 100.0;

/// jsteg's value pairs among -6..=5 as `(odd, even)` values: the odd one carries a 1 bit.
const PAIRS: [(i16, i16); 5] = [(-1, -2), (3, 2), (-3, -4), (5, 4), (-5, -6)];

/// Generalised likelihood ratios of a prefix's counts of the values -6..=5 (+6 left out: its
/// partner 7 is not counted) under jsteg against clean. The clean model: a cover whose
/// magnitude shape is that of the rest of the image, tilted by `exp(-λ (m - 1))` to the
/// prefix's own steepness (the top of a photo is often smoother than the rest), each magnitude
/// split between the signs by the prefix's own share of positive values (drawings and
/// gradients lean to one sign; natural covers split evenly). The jsteg model: the same cover
/// with every pair's total split by the payload's share `p` of 1 bits (0.3-0.7: text has fewer
/// 1 bits). Between them, a share `β` of the coefficients replaced. Each `β` fits λ by maximum
/// likelihood, so a clean prefix steeper or flatter than the rest stays clean; what only jsteg
/// explains is the pairs equal where the shape says they differ, together with `+1` left alone
/// while `-1` is thinned. Covers with flat histograms (every magnitude about as common) give
/// about 0: nothing shows there.
fn fit(pre: &Counts, rest: &Counts) -> Fit {
    // the cover's magnitude shape, 1..=6 (index m - 1), from the rest (half a count added so
    // that no magnitude has probability zero)
    let theta: [f64; 6] = std::array::from_fn(|i| {
        let m = i as i16 + 1;
        (rest.h(m) + rest.h(-m) + 1.0) / 2.0
    });
    let mag = |v: i16| v.unsigned_abs() as usize - 1;
    let (mut odd, mut even) = (0.0, 0.0);
    for &(o, e) in &PAIRS {
        odd += pre.h(o);
        even += pre.h(e);
    }
    let p = if odd + even > 0.0 {
        (odd / (odd + even)).clamp(0.3, 0.7)
    } else {
        0.5
    };
    let n: f64 = (-M..M).filter(|&v| v != 0).map(|v| pre.h(v)).sum();
    // the prefix's lean to one sign: jsteg's pairs keep each sign's total, so one share of
    // positive values (magnitudes 1-5, which both signs carry) fits both models
    let (pos, neg) = (1..M).fold((0.0, 0.0), |(p, q), m| (p + pre.h(m), q + pre.h(-m)));
    let lean = if pos + neg > 0.0 {
        (pos / (pos + neg)).clamp(0.05, 0.95)
    } else {
        0.5
    };
    // log-likelihood of the prefix with a share `beta` replaced, the cover tilted by `lambda`
    // and leaning to the positive sign by `lean`
    let loglik = |beta: f64, lambda: f64| {
        let t: [f64; 6] = std::array::from_fn(|i| theta[i] * (-lambda * i as f64).exp());
        let w = |v: i16| if v > 0 { lean } else { 1.0 - lean };
        // both models put the same mass on -6..=5: every magnitude's two signs, -6 alone
        let z = t[..5].iter().sum::<f64>() + t[5] * (1.0 - lean);
        let term = |v: i16, jsteg: f64| {
            let c = pre.h(v);
            if c == 0.0 {
                return 0.0;
            }
            c * ((1.0 - beta) * t[mag(v)] * w(v) + beta * jsteg).ln()
        };
        let mut l = term(1, t[0] * lean);
        for &(o, e) in &PAIRS {
            let pair = (t[mag(o)] + t[mag(e)]) * w(o);
            l += term(o, p * pair) + term(e, (1.0 - p) * pair);
        }
        l - n * z.ln()
    };
    if n == 0.0 {
        return Fit {
            llr: 0.0,
            shortfall: 0.0,
            pairs_fit: false,
            deviance: 0.0,
            counted: 0.0,
            bits_fit: false,
        };
    }
    // each pair's split against the pooled share, unclamped: binomial under jsteg whatever the
    // cover
    let share = odd / (odd + even);
    let (mut chi2, mut df) = (0.0, 0usize);
    for &(o, e) in &PAIRS {
        let total = pre.h(o) + pre.h(e);
        if total > 0.0 && share > 0.0 && share < 1.0 {
            chi2 += (pre.h(o) - share * total).powi(2) / (total * share * (1.0 - share));
            df += 1;
        }
    }
    // chi-square quantiles at 0.999 for 1-4 degrees of freedom (one lost to the pooled share)
    const CHI2_999: [f64; 4] = [10.83, 13.82, 16.27, 18.47];
    let pairs_fit = df >= 2 && chi2 <= CHI2_999[df - 2];
    let profile = |beta: f64| maximise(|lambda| loglik(beta, lambda));
    let (clean, full) = (profile(0.0), profile(1.0));
    let best = [0.1, 0.3, 0.5, 0.7, 0.9]
        .into_iter()
        .map(profile)
        .fold(full, f64::max);
    let saturated: f64 = (-M..M)
        .filter(|&v| v != 0 && pre.h(v) > 0.0)
        .map(|v| pre.h(v) * (pre.h(v) / n).ln())
        .sum();
    Fit {
        llr: full - clean,
        shortfall: best - full,
        pairs_fit,
        deviance: 2.0 * (saturated - full),
        counted: n,
        bits_fit: {
            let off = (0.35 - share).max(share - 0.6).max(0.0);
            off <= 2.0 * (share * (1.0 - share) / (odd + even)).sqrt()
        },
    }
}

/// Maximum of `f` over λ in [-3, 3]: the best of a grid, then a golden-section search around
/// it (the likelihoods are smooth and near concave in λ).
fn maximise(f: impl Fn(f64) -> f64) -> f64 {
    const STEP: f64 = 0.2;
    let (mut best, mut at) = (f64::NEG_INFINITY, 0.0);
    for i in -15..=15 {
        let x = i as f64 * STEP;
        let y = f(x);
        if y > best {
            (best, at) = (y, x);
        }
    }
    let (mut a, mut b) = (at - STEP, at + STEP);
    let g = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..16 {
        let (c, d) = (b - g * (b - a), a + g * (b - a));
        if f(c) > f(d) {
            b = d;
        } else {
            a = c;
        }
    }
    best.max(f((a + b) / 2.0))
}

/// [`Prefix::fit`] from the counts of the values -6..=6 (index `v + 6`) over a prefix and
/// after it.
pub fn prefix_fit(prefix: [i64; 13], rest: [i64; 13]) -> Option<Fit> {
    let rest = Counts(rest);
    (rest.total() >= REST_MIN).then(|| fit(&Counts(prefix), &rest))
}

/// The statistics of a prefix of the usable coefficients (a candidate payload) against the
/// rest of the image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prefix {
    /// Usable coefficients in the prefix.
    pub extent: usize,
    /// Usable coefficients in all.
    pub usable: usize,
    /// z of the sign-symmetry break over the prefix (large under jsteg).
    pub z: f64,
    /// z of the pair inequality over the prefix (near 0 under jsteg).
    pub z_pairs: f64,
    /// How many deviations from "equalised" the image's own pair inequality (measured after
    /// the prefix, or assumed) would put a clean prefix of this size: the test's power.
    pub power: f64,
    /// z of the shift of `h(1) - h(-1)` and of `h(-2) - h(2)` (as shares of their pair) over the
    /// prefix ([`Counts::z_mirror`]; both positive under jsteg).
    pub z_mirror: (f64, f64),
    /// The pair inequality of the positive and of the negative side over the prefix (opposite
    /// and within the payload's bit imbalance under jsteg).
    pub r_sides: (f64, f64),
    /// Counts of the values -6..=6 over the prefix (index `v + 6`).
    pub counts: [i64; 13],
    /// Counts of the values -6..=6 after the prefix (index `v + 6`).
    pub rest: [i64; 13],
}

impl Prefix {
    fn new(pre: &Counts, all: &Counts, extent: usize, usable: usize) -> Prefix {
        let rest = all.minus(pre);
        let judged = rest.total() >= REST_MIN;
        let natural = if judged { rest.pairs().0 } else { R_PRIOR };
        let (r, sd) = pre.pairs();
        Prefix {
            extent,
            usable,
            z: pre.z_symmetry(),
            z_pairs: r / sd,
            power: natural.abs() / sd,
            z_mirror: {
                let base = judged.then_some(&rest);
                (pre.z_mirror(1, -1, base), pre.z_mirror(-2, 2, base))
            },
            r_sides: {
                let (p, n, _) = pre.pair_sides();
                (p, n)
            },
            counts: pre.0,
            rest: rest.0,
        }
    }

    /// How well "jsteg wrote over this prefix" explains it against "clean" ([`fit`]); `None`
    /// when too little of the image is left after the prefix to model its cover.
    pub fn fit(&self) -> Option<Fit> {
        prefix_fit(self.counts, self.rest)
    }

    /// Whether the prefix carries jsteg's signature: the symmetry broken by at least `z_min`,
    /// the pairs equalised where a clean image would have shown them unequal, and the mirror
    /// differences shifting as jsteg's pairing moves them (each by [`Z_ALTERNATE`]).
    pub fn is_signature(&self, z_min: f64) -> bool {
        self.statistics_hold(z_min, Z_POWER) && self.z_mirror.0.min(self.z_mirror.1) >= Z_ALTERNATE
    }

    /// [`Prefix::is_signature`] for the one prefix that jsteg's header declares (not the best
    /// of many): the symmetry by [`Z_HEADER`], and the two mirror shifts together by twice
    /// [`Z_ALTERNATE`], neither against jsteg's direction (one of them is small in covers whose
    /// `h(-1)` and `h(-2)` are close).
    pub fn is_declared_signature(&self) -> bool {
        self.statistics_hold(Z_HEADER, Z_POWER_HEADER)
            && self.z_mirror.0.min(self.z_mirror.1) >= 0.0
            && self.z_mirror.0 + self.z_mirror.1 >= 2.0 * Z_ALTERNATE
    }

    /// Whether the likelihood ratio ([`Prefix::fit`]) calls the declared prefix jsteg's
    /// without the symmetry and power thresholds of [`Prefix::is_declared_signature`], which
    /// short payloads cannot reach: full replacement at least [`LLR_MIN`] nats likelier than a
    /// clean prefix, within [`SHORTFALL_MAX`] of the best partial replacement, fitting the
    /// counts ([`Fit::pairs_fit`], [`Fit::bits_fit`], [`DEVIANCE_MAX`]) over at least
    /// [`COUNTED_MIN`] of them. The
    /// mirror shifts are not required: both models carry the prefix's lean to one sign, which
    /// is what those checks guard against, and covers that lean (cube maps, game screens) hide
    /// payloads too.
    pub fn is_declared_fit(&self) -> bool {
        self.fit().is_some_and(|f| {
            f.llr >= LLR_MIN
                && f.shortfall <= SHORTFALL_MAX
                && f.pairs_fit
                && (f.deviance <= DEVIANCE_MAX
                    || (f.llr >= LLR_LARGE && f.deviance <= DEVIANCE_SHARE * 2.0 * f.llr))
                && f.counted >= COUNTED_MIN
                && f.bits_fit
        })
    }

    fn statistics_hold(&self, z_min: f64, power_min: f64) -> bool {
        self.z >= z_min
            && self.z_pairs.abs() <= Z_EQUAL.max(R_EQUAL * self.power)
            && self.power >= power_min
            && self.r_sides.0.abs() <= R_SIDE
            && self.r_sides.1.abs() <= R_SIDE
    }
}

/// One pass over the non-zero AC coefficients in scan order: the usable coefficients (jsteg's
/// bit stream), the prefix where the symmetry break peaks ([`Prefix`], the payload's extent
/// for any sequential tool), and the prefix that jsteg's header declares, if it parses.
#[derive(Debug, PartialEq)]
pub struct Scan {
    /// The usable coefficients in scan order, as far as jsteg's header and the payload it
    /// declares reach (the first 36 when no header parses, up to the header's end when it
    /// declares more than the image's AC coefficients could hold).
    pub stream: Vec<i16>,
    /// The prefix where the sign-symmetry break peaks (judged at the end of each block in which
    /// the usable count passed a multiple of 64).
    pub peak: Prefix,
    /// jsteg's header, `(payload bytes, first payload bit)`, and the prefix it declares.
    pub header: Option<((usize, usize), Prefix)>,
    /// The stretch after the declared prefix, about as long (to the end of the block where it
    /// is reached, or of the image), as a prefix of the image without the declared one: a
    /// payload ends where its header says, while a clean image's drawn or non-stationary
    /// region that happens to look like one goes on.
    pub after_header: Option<Prefix>,
}

impl Scan {
    /// The log-likelihood ratio of jsteg's declared prefix when it alone calls the prefix a
    /// payload ([`Prefix::is_declared_fit`]) and the stretch after it does not look like one
    /// (its ratio under [`AFTER_LLR_MAX`]; where too little of the image is left to tell, the
    /// symmetry rules alone decide).
    pub fn declared_by_fit(&self) -> Option<f64> {
        let (_, h) = self.header.as_ref()?;
        by_fit(h, self.after_header.as_ref())
    }
}

/// [`Scan::declared_by_fit`] for a declared prefix and the stretch after it.
fn by_fit(declared: &Prefix, after: Option<&Prefix>) -> Option<f64> {
    if !declared.is_declared_fit() {
        return None;
    }
    if after
        .and_then(Prefix::fit)
        .is_none_or(|f| f.llr >= AFTER_LLR_MAX)
    {
        return None;
    }
    declared.fit().map(|f| f.llr)
}

/// [`Scan::declared_by_fit`] as if jsteg's header declared the prefix whose counts of the
/// values -6..=6 (index `v + 6`) are `prefix`, the stretch after it ending where the counts are
/// `window_end`, in an image whose counts are `all`: how often a clean image's prefixes would
/// pass (`examples/jpeg_domain.rs llr`).
pub fn by_fit_at(prefix: [i64; 13], window_end: [i64; 13], all: [i64; 13]) -> Option<f64> {
    let (pre, end, all) = (Counts(prefix), Counts(window_end), Counts(all));
    let declared = Prefix::new(&pre, &all, 0, 0);
    let after = Prefix::new(&end.minus(&pre), &all.minus(&pre), 0, 0);
    by_fit(&declared, Some(&after))
}

/// Largest log-likelihood ratio (nats) of the stretch after jsteg's declared prefix
/// ([`Scan::after_header`]) for [`Scan::declared_by_fit`].
const AFTER_LLR_MAX: f64 = 4.0;

/// Run the single pass ([`Scan`]). jsteg pairs -1 with -2 but never touches +1, and pairs
/// (2, 3) but (-3, -4), so over its payload the mirror counts `h(m)`, `h(-m)` part ways.
pub fn scan(dct: &DctPlanes) -> Scan {
    scan_blocks(dct, true)
}

/// [`scan`], with the blocks that need no per-coefficient look counted whole (vectorised,
/// [`Running::add_block`]) or not (`false`: every coefficient walked, the definition the fast
/// path is tested against).
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
fn scan_blocks(dct: &DctPlanes, whole_blocks: bool) -> Scan {
    let mut run = Running::default();
    // the stream is kept only as far as jsteg's header (at most 36 bits) and its payload reach
    let mut s: Vec<i16> = Vec::with_capacity(64);
    let (mut k, mut keep) = (0usize, 36usize);
    let mut best = (0.0f64, 0usize, Running::default());
    let mut hdr: Option<(usize, usize)> = None;
    let mut at_end: Option<Counts> = None;
    let mut window_end: Option<Counts> = None;
    // no image holds more usable coefficients than AC coefficients: a header declaring more (a
    // clean image's first LSBs read as a header often declare megabytes) cannot be jsteg's, and
    // keeping its "payload" would walk and store every coefficient of the image
    let capacity: usize = dct.components.iter().map(|c| c.blocks.len() * 63).sum();
    for (ci, b) in dct.scan_order() {
        let block = &dct.components[ci].blocks[b];
        let before = k;
        // Whole blocks: past the kept stream (the header settled), or inside a declared
        // payload that goes on past the block (its usable values are only stored). Most blocks
        // of a photo's chroma and smooth areas have no AC coefficient at all.
        // Inside a declared payload: where the block's usable values are, as a bit mask (a
        // smooth image's blocks hold a few, often none, and a payload may span most blocks).
        let mut usable_at = 0u64;
        let whole = whole_blocks
            && (k >= keep
                || hdr.is_some() && {
                    usable_at = block
                        .iter()
                        .enumerate()
                        .skip(1)
                        .fold(0, |m, (i, &v)| m | (usable(v) as u64) << i);
                    k + (usable_at.count_ones() as usize) < keep
                });
        if whole {
            while usable_at != 0 {
                s.push(block[usable_at.trailing_zeros() as usize]);
                usable_at &= usable_at - 1;
            }
            k += run.add_block(block);
        } else {
            for &v in &block[1..] {
                if v == 0 {
                    continue;
                }
                run.add(v);
                if !usable(v) {
                    continue;
                }
                k += 1;
                if k <= keep {
                    s.push(v);
                    if hdr.is_none() {
                        hdr = header(&s);
                        if let Some((len, start)) = hdr {
                            keep = start.saturating_add(len.saturating_mul(8));
                            if keep > capacity {
                                // settled: no header, nothing more kept
                                (hdr, keep) = (None, k);
                            }
                        }
                    }
                }
                if k == keep && hdr.is_some() {
                    at_end = Some(run.counts());
                }
            }
        }
        if k == before {
            continue;
        }
        // The prefix is judged at the end of every block in which the usable count passed a
        // multiple of 64 (so about once per 64 usable coefficients, as many looks as a clean
        // image's maximum was calibrated with), whichever way the block was counted.
        if window_end.is_none() && at_end.is_some() && k >= keep.saturating_mul(2) {
            window_end = Some(run.counts());
        }
        if k / 64 != before / 64 {
            let (d, n) = run.d_n();
            // (z <= 0 never beats the best, which starts at 0)
            if n >= 50 && d > 0 {
                let z = d as f64 / (n as f64).sqrt();
                if z > best.0 {
                    best = (z, k, run);
                }
            }
        }
    }
    let all = run.counts();
    let header = hdr
        .zip(at_end)
        .map(|((len, start), pre)| ((len, start), Prefix::new(&pre, &all, start + len * 8, k)));
    let after_header = at_end.filter(|_| header.is_some()).map(|pre| {
        let image = all.minus(&pre);
        let window = window_end.unwrap_or(all).minus(&pre);
        Prefix::new(&window, &image, keep, k - keep)
    });
    Scan {
        peak: Prefix::new(&best.2.counts(), &all, best.1, k),
        header,
        after_header,
        stream: s,
    }
}

/// Count one half block (32 values, narrowed to `i8`) into the lanes: one compare and add per
/// value over 32 byte lanes (an AVX2 register), twice the values per instruction of `i16` lanes.
#[inline(always)]
fn add_half(lanes: &mut Lanes, half: &[i8; LANES]) {
    for (j, lane) in lanes.iter_mut().enumerate() {
        let v = j as i8 - M as i8;
        if v == 0 {
            continue;
        }
        for (c, &x) in lane.iter_mut().zip(half) {
            *c += (x == v) as u8;
        }
    }
}

/// Lanes of [`Running`]: half a block at a time, as bytes (an AVX2 register of `i8`).
const LANES: usize = 32;
/// Per-value byte counters of [`Running`], one per lane.
type Lanes = [[u8; LANES]; 2 * M as usize + 1];
/// Whole blocks the lanes take before they are summed into the totals: a block adds at most 2
/// to a lane, all values together (64 coefficients over 32 lanes), so a lane's counts and
/// their sums over values stay within `u8` ([`Running::d_n`] sums them in `i16`).
const FLUSH: usize = 127;

/// Counts of the values -M..=M as the scan goes: single coefficients go straight into the
/// totals, whole blocks into 32 byte lanes per value (compare and add over the block's halves,
/// narrowed to `i8`: vectorised, no branch per coefficient), summed into the totals only when
/// a count is read and every [`FLUSH`] blocks. Copied whole where the scan keeps a snapshot
/// (the peak).
#[derive(Clone, Copy)]
struct Running {
    totals: Counts,
    lanes: Lanes,
    blocks: usize,
}

impl Default for Running {
    fn default() -> Self {
        Running {
            totals: Counts::default(),
            lanes: [[0; LANES]; 2 * M as usize + 1],
            blocks: 0,
        }
    }
}

impl Running {
    /// Count one coefficient.
    #[inline(always)]
    fn add(&mut self, v: i16) {
        if v != 0 && (-M..=M).contains(&v) {
            self.totals.0[(v + M) as usize] += 1;
        }
    }

    /// Count a block's AC coefficients (its DC read as 0); returns how many are usable.
    #[inline(always)] // into the AVX2 version of `scan_blocks`
    fn add_block(&mut self, block: &[i16; 64]) -> usize {
        // Narrowed to i8, saturating: values beyond +-127 are neither counted nor 0 or 1
        // either way, so counts and usability are unchanged.
        // (the DC is masked in the same pass: a byte stored into the array just written
        // would stall the vector loads that follow; each half is narrowed on its own, so it
        // is written and read back as one register)
        const AC: [i8; LANES] = {
            let mut m = [-1i8; LANES];
            m[0] = 0;
            m
        };
        let narrow = |src: &[i16], mask: &[i8; LANES]| -> [i8; LANES] {
            let mut out = [0i8; LANES];
            for ((d, &v), &m) in out.iter_mut().zip(src).zip(mask) {
                *d = v.clamp(-128, 127) as i8 & m;
            }
            out
        };
        let lo = &narrow(&block[..LANES], &AC);
        let hi = &narrow(&block[LANES..], &[-1; LANES]);
        // zigzag order: the high frequencies, mostly zero, are the second half
        let hi_used = hi.iter().fold(0, |a, &v| a | v) != 0;
        if !hi_used && lo.iter().fold(0, |a, &v| a | v) == 0 {
            return 0;
        }
        let usable_in = |h: &[i8; LANES]| h.iter().map(|&x| (x != 0 && x != 1) as u8).sum::<u8>();
        add_half(&mut self.lanes, lo);
        let mut usable = usable_in(lo) as usize;
        if hi_used {
            add_half(&mut self.lanes, hi);
            usable += usable_in(hi) as usize;
        }
        self.blocks += 1;
        if self.blocks == FLUSH {
            self.flush();
        }
        usable
    }

    fn flush(&mut self) {
        for (t, lane) in self.totals.0.iter_mut().zip(&mut self.lanes) {
            *t += lane.iter().map(|&c| c as i64).sum::<i64>();
            *lane = [0; LANES];
        }
        self.blocks = 0;
    }

    /// The counts so far.
    fn counts(&self) -> Counts {
        let mut c = *self;
        c.flush();
        c.totals
    }

    /// `D` of [`Counts::z_symmetry`] and the number of counts, so far (the lanes summed
    /// lane-wise first, in 16 bits: a lane holds at most 2 counts per block, all values
    /// together, so under `2 * FLUSH`; then one horizontal sum each).
    #[inline(always)]
    fn d_n(&self) -> (i64, i64) {
        let (mut dl, mut nl) = ([0i16; LANES], [0i16; LANES]);
        for (lane, &t) in self.lanes.iter().zip(&D_TERM) {
            for ((d, n), &c) in dl.iter_mut().zip(nl.iter_mut()).zip(lane) {
                let c = c as i16;
                *d += if t > 0 {
                    c
                } else if t < 0 {
                    -c
                } else {
                    0
                };
                *n += c;
            }
        }
        let d = dl.iter().map(|&x| x as i64).sum::<i64>()
            + self
                .totals
                .0
                .iter()
                .zip(&D_TERM)
                .map(|(&c, &t)| c * t)
                .sum::<i64>();
        let n = nl.iter().map(|&x| x as i64).sum::<i64>() + self.totals.0.iter().sum::<i64>();
        (d, n)
    }
}

/// jsteg's header read from the start of the LSB stream: payload size in bytes and the index of
/// its first bit (None until the stream holds the whole header, or when it declares nothing).
pub fn header(s: &[i16]) -> Option<(usize, usize)> {
    let bit = |i: usize| s.get(i).map(|&v| (v & 1) as usize);
    let mut n = 0;
    for i in 0..5 {
        n = n << 1 | bit(i)?;
    }
    if n == 0 {
        return None;
    }
    let mut len = 0usize;
    for i in 0..n {
        len = len << 1 | bit(5 + i)?;
    }
    (len > 0).then_some((len, 5 + n))
}

/// Bytes of the LSB stream from bit `start`, `len` bytes, MSB-first.
pub fn read_bytes(s: &[i16], start: usize, len: usize) -> Vec<u8> {
    s[start..start + len * 8]
        .chunks_exact(8)
        .map(|c| c.iter().fold(0u8, |b, &v| b << 1 | (v & 1) as u8))
        .collect()
}

/// Blocks with at least this many usable coefficients enter [`repeats`].
const REPEAT_MIN_USABLE: usize = 3;
/// Share of repeated blocks in a prefix above which it is a drawn pattern, not a payload.
const REPEAT_SHARE: f64 = 0.25;
/// Fewest candidate blocks for the share to be judged.
const REPEAT_MIN_BLOCKS: usize = 8;

/// Among the blocks that carry the first `extent` usable coefficients and hold at least
/// [`REPEAT_MIN_USABLE`] of them: `(repeats, blocks)`, a repeat being a block whose AC
/// coefficients equal those of the component's previous block. User interfaces and gradients
/// (title bars, flat panels at the top of a screenshot) repeat blocks exactly, and their
/// coefficients can lean to one sign with the pairs near equal, like a payload; jsteg writes
/// payload bits into every usable coefficient, so two blocks stay equal only where the bits
/// happen to agree (at most 1 in 8 of such blocks).
fn repeats(dct: &DctPlanes, extent: usize) -> (usize, usize) {
    let (mut k, mut repeated, mut blocks) = (0usize, 0usize, 0usize);
    let mut prev: Vec<Option<usize>> = vec![None; dct.components.len()];
    for (ci, b) in dct.scan_order() {
        if k >= extent {
            break;
        }
        let c = &dct.components[ci];
        let u = c.blocks[b][1..].iter().filter(|&&v| usable(v)).count();
        if u >= REPEAT_MIN_USABLE {
            blocks += 1;
            repeated += prev[ci].is_some_and(|p| c.blocks[p][1..] == c.blocks[b][1..]) as usize;
        }
        prev[ci] = Some(b);
        k += u;
    }
    (repeated, blocks)
}

/// Whether the prefix of `extent` usable coefficients repeats blocks as drawings do
/// ([`repeats`]).
pub fn drawn(dct: &DctPlanes, extent: usize) -> bool {
    let (repeated, blocks) = repeats(dct, extent);
    blocks >= REPEAT_MIN_BLOCKS && repeated as f64 > REPEAT_SHARE * blocks as f64
}

/// Score of a symmetry z: 0.5 at [`Z_SYMMETRY`], above 0.99 three deviations higher.
fn score(z: f64) -> f32 {
    (1.0 / (1.0 + (-(z - Z_SYMMETRY) * 1.6).exp())) as f32
}

/// Symmetry z a prefix of the length jsteg's header declares must reach: one prefix tested,
/// not the maximum over all, so a lower bar holds the same false-positive rate.
const Z_HEADER: f64 = 4.0;

/// Add jsteg evidence: from jsteg's header when the prefix it declares carries the signature
/// (payload recovered), else from the profile (any sequential coefficient-LSB tool).
pub fn analyse(dct: &DctPlanes, evidence: &mut Vec<Evidence>) {
    let scan = scan(dct);
    // the likelihood ratio only where the symmetry rules do not already decide
    let by_rules = scan
        .header
        .as_ref()
        .is_some_and(|(_, h)| h.is_declared_signature());
    let by_fit = if by_rules {
        None
    } else {
        scan.declared_by_fit()
    };
    let Scan {
        stream: s,
        peak: p,
        header,
        ..
    } = scan;
    if let Some(((len, start), h)) = &header {
        let (len, start) = (*len, *start);
        let end = start + len * 8;
        if (by_rules || by_fit.is_some()) && !drawn(dct, end) {
            let p = h;
            let (z, z_eq) = (p.z, p.z_pairs);
            let bytes = read_bytes(&s, start, len);
            let encrypted = crate::stats::entropy(&bytes) > 7.0 && len >= 64;
            let (detail, score) = match by_fit {
                Some(llr) => (
                    format!(
                        "jsteg's header declares {len} bytes; over the {end} usable AC \
                         coefficients (scan order) that carry them, jsteg's replacement of \
                         their low bits is e^{llr:.0} times likelier than a clean cover of this \
                         image's histogram shape, and the stretch after them is not: payload \
                         recovered"
                    ),
                    (0.9 + 0.005 * (llr - LLR_MIN)).min(0.99) as f32,
                ),
                None => (
                    format!(
                        "jsteg's header declares {len} bytes; over the {end} usable AC \
                         coefficients (scan order) that carry them the value pairs (-1, -2) and \
                         (2, 3) are equalised (z {z_eq:.1}) and the sign symmetry of natural \
                         coefficients is lost (z {z:.1}): payload recovered"
                    ),
                    score(z + (Z_SYMMETRY - Z_HEADER)).max(0.9),
                ),
            };
            let mut e = Evidence::new(Method::JpegJsteg, score, "dct-sequential", detail);
            e.payload = Some(payload(bytes, encrypted));
            evidence.push(e);
            return;
        }
    }
    // a prefix that leaves too little of the image to compare with is the image's own
    // character (a render asymmetric all through), not a payload's extent
    let rest_measured = Counts(p.rest).total() >= REST_MIN;
    if !p.is_signature(Z_SYMMETRY * 0.5) || !rest_measured || drawn(dct, p.extent) {
        return;
    }
    let mut detail = format!(
        "the first {} of {} usable AC coefficients (scan order) have the value pairs (-1, -2) \
         and (2, 3) equalised (z {:.1}) and lost the sign symmetry of natural coefficients \
         (z {:.1}): sequential LSB replacement of about {} bytes",
        p.extent,
        p.usable,
        p.z_pairs,
        p.z,
        p.extent / 8
    );
    // jsteg's header, where the one the stream starts with declares a payload ending where the
    // peak's extent, found without it, does: the declared prefix alone fell short of the tests
    // above (they judge it by itself, at a stricter bar than one agreeing with the peak)
    let agreed = header.and_then(|((len, start), _)| agrees(len, start, p.extent, s.len()));
    let mut e = Evidence::new(
        Method::JpegJsteg,
        score(p.z),
        "dct-sequential",
        String::new(),
    );
    if let Some((len, start, end)) = agreed {
        detail.push_str(&format!(
            "; jsteg's header declares {len} bytes ending at usable coefficient {end}, where \
             that replacement ends: payload recovered"
        ));
        let bytes = read_bytes(&s, start, len);
        let encrypted = crate::stats::entropy(&bytes) > 7.0 && len >= 64;
        e.payload = Some(payload(bytes, encrypted));
    }
    e.detail = detail;
    evidence.push(e);
}

/// The score a sequential finding without jsteg's header keeps on a re-saved JPEG: below the
/// default threshold, so it is reported but decides nothing.
pub const RESAVE_HOLD: f32 = 0.45;

/// Hold the sequential findings that no jsteg header confirms at [`RESAVE_HOLD`] on a JPEG the
/// double-compression report calls a re-save (`first_quality`: its estimate, when one). A
/// re-save at a higher quality leaves values empty and others doubled, which reads like the
/// pairs a payload equalises: 4 of the 5 jsteg false positives of held-out sets A-C (21,000
/// JPEGs) were such re-saves, with no header (docs/jpeg-domain.md). Payloads declared by
/// jsteg's header keep their score.
pub fn hold_on_resave(evidence: &mut [Evidence], first_quality: Option<u8>) {
    for e in evidence.iter_mut().filter(|e| {
        e.method == Method::JpegJsteg
            && e.analysis == "dct-sequential"
            && e.payload.is_none()
            && e.score > RESAVE_HOLD
    }) {
        e.score = RESAVE_HOLD;
        let first = first_quality.map_or(String::new(), |q| format!(", first quality {q}"));
        e.detail.push_str(&format!(
            "; held below a verdict: this JPEG was compressed twice{first}, which leaves values \
             uneven in this way, and no jsteg header declares a payload here"
        ));
    }
}

/// `(len, start, end)` of a header declaring `len` bytes from bit `start` when the payload's
/// end lies within the LSB stream read (`stream_len` bits) and agrees with the peak's `extent`.
fn agrees(
    len: usize,
    start: usize,
    extent: usize,
    stream_len: usize,
) -> Option<(usize, usize, usize)> {
    let end = start + len * 8;
    let not_past = extent <= end + (end / 32).max(AGREE_MIN);
    let not_short = extent + end / 4 >= end;
    (end <= stream_len && not_past && not_short).then_some((len, start, end))
}

/// How far (usable coefficients) the peak's extent may pass a declared payload's end, for
/// payloads under 32 times this long (longer ones: a 32nd of their length); it may fall short
/// of it by a quarter. The peak is judged at the ends of blocks, and where noise slows the
/// growth of the symmetry break it peaks early: where jsteg's payloads were found this way
/// (held-out sets A and B) the peak lay 0.6-23 % short of the end. A peak far
/// past the declared end is the image's own asymmetry going on, and the header the random
/// first bits of a clean image's stream (a set C map tile: declared end 14,081, peak 16,768).
const AGREE_MIN: usize = 64;

/// jsteg's payload as read from the LSB stream.
fn payload(bytes: Vec<u8>, encrypted: bool) -> Payload {
    Payload {
        method: Method::JpegJsteg,
        bytes,
        encoding: PayloadEncoding::Jsteg,
        file_type: None,
        bit_order: Some(crate::vocab::BitOrder::MsbFirst),
        channel: "dct.ac".into(),
        offset: 0,
        frame: None,
        complete: true,
        tool: Some(Tool::Jsteg),
        lsbs: None,
        encrypted,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resaves_hold_sequential_findings_without_a_header() {
        let finding = |score: f32, with_payload: bool| {
            let mut e = Evidence::new(Method::JpegJsteg, score, "dct-sequential", "x".into());
            if with_payload {
                e.payload = Some(payload(b"declared".to_vec(), false));
            }
            e
        };
        let mut ev = vec![
            finding(0.98, false),
            finding(0.99, true),
            finding(0.3, false),
            Evidence::new(Method::JpegSteghide, 0.99, "steghide", "y".into()),
        ];
        hold_on_resave(&mut ev, Some(70));
        assert_eq!(ev[0].score, RESAVE_HOLD);
        assert!(
            ev[0].detail.contains("first quality 70"),
            "{}",
            ev[0].detail
        );
        assert_eq!(ev[1].score, 0.99);
        assert_eq!((ev[2].score, ev[2].detail.as_str()), (0.3, "x"));
        assert_eq!(ev[3].score, 0.99);
    }
    use crate::embed::{embed, EmbedOptions};

    /// Counts of the values -6..=6 for a cover whose magnitude m has `shape[m - 1]` per sign,
    /// and the same cover after jsteg with a share `p` of 1 bits.
    fn cover_and_jsteg(shape: [i64; 6], p: f64) -> (Counts, Counts) {
        let mut c = Counts::default();
        for m in 1..=6i16 {
            c.0[(m + M) as usize] = shape[m as usize - 1];
            c.0[(M - m) as usize] = shape[m as usize - 1];
        }
        let mut j = c;
        for (o, e) in [(-1, -2), (3, 2), (-3, -4), (5, 4), (-5, -6)] {
            let s = c.h(o) + c.h(e);
            j.0[(o + M) as usize] = (p * s).round() as i64;
            j.0[(e + M) as usize] = ((1.0 - p) * s).round() as i64;
        }
        (c, j)
    }

    /// A long payload in a trellis-quantised photo (ten times fewer ±1 than ±2; counts of a
    /// held-out cover, 3,420 random bytes by jsteg): the jsteg model leaves a deviance far over
    /// the fixed quantile but a small share of the clean model's misfit, so the declared prefix
    /// is jsteg's; the same cover's clean declared prefix is not.
    #[test]
    fn long_payloads_in_covers_the_shape_model_misses_are_declared() {
        let with = |pre: [i64; 13], rest: [i64; 13]| {
            let all: [i64; 13] = std::array::from_fn(|i| pre[i] + rest[i]);
            Prefix::new(&Counts(pre), &Counts(all), 0, 0)
        };
        let stego = with(
            [
                741, 697, 1578, 1551, 3329, 3267, 0, 183, 4213, 3982, 1079, 1093, 491,
            ],
            [
                9571, 17363, 23723, 29928, 110173, 7890, 0, 7764, 110507, 29490, 23999, 17400, 9739,
            ],
        );
        let f = stego.fit().unwrap();
        assert!(f.deviance > DEVIANCE_MAX && f.llr >= LLR_LARGE, "{f:?}");
        assert!(stego.is_declared_fit(), "{f:?}");
        let clean = with(
            [16, 42, 31, 82, 198, 14, 0, 11, 217, 66, 22, 41, 12],
            [
                9990, 18324, 24851, 31816, 116376, 8071, 0, 7936, 116688, 31221, 25160, 18348,
                10133,
            ],
        );
        assert!(!clean.is_declared_fit(), "{:?}", clean.fit());
    }

    #[test]
    fn the_likelihood_ratio_tells_jsteg_from_covers_steeper_or_flatter_than_the_rest() {
        let rest = cover_and_jsteg([4000, 1500, 700, 350, 180, 90], 0.5).0;
        // a short prefix: 200 coefficients of magnitude 1-6
        let (cover, stego) = cover_and_jsteg([45, 18, 9, 5, 2, 1], 0.5);
        let (l_cover, l_stego) = (fit(&cover, &rest), fit(&stego, &rest));
        assert!(l_cover.llr < 0.0, "{l_cover:?}");
        assert!(
            l_stego.llr > 8.0 && l_stego.shortfall < 1.0 && l_stego.pairs_fit,
            "{l_stego:?}"
        );
        // a text payload (fewer 1 bits) is as clear
        let text = fit(&cover_and_jsteg([45, 18, 9, 5, 2, 1], 0.42).1, &rest);
        assert!(
            text.llr > 8.0 && text.shortfall < 1.0 && text.pairs_fit && text.bits_fit,
            "{text:?}"
        );
        // pairs split 72 : 28 towards the odd value everywhere (a drawing): no payload's bits
        let odd = fit(&cover_and_jsteg([135, 54, 27, 15, 6, 3], 0.72).1, &rest);
        assert!(!odd.bits_fit, "{odd:?}");
        // a clean prefix much flatter or steeper than the rest is still clean: the tilt absorbs it
        for shape in [[30, 25, 20, 16, 12, 9], [70, 12, 3, 1, 0, 0]] {
            let f = fit(&cover_and_jsteg(shape, 0.5).0, &rest);
            assert!(f.llr < 0.0, "{shape:?}: {f:?}");
        }
        // a cover leaning to the positive sign (a gradient: 60 : 40 at every magnitude) is clean,
        // and jsteg over it is found (over a longer prefix: the lean takes some of the power)
        let longer = cover_and_jsteg([135, 54, 27, 15, 6, 3], 0.5).0;
        let (mut lean, mut lean_stego) = (longer, longer);
        for m in 1..=6i16 {
            let total = longer.h(m) + longer.h(-m);
            lean.0[(m + M) as usize] = (0.6 * total).round() as i64;
            lean.0[(M - m) as usize] = (0.4 * total).round() as i64;
        }
        lean_stego.0 = lean.0;
        for (o, e) in PAIRS {
            let total = lean.h(o) + lean.h(e);
            lean_stego.0[(o + M) as usize] = (total / 2.0).round() as i64;
            lean_stego.0[(e + M) as usize] = (total / 2.0).round() as i64;
        }
        let (fl, fs) = (fit(&lean, &rest), fit(&lean_stego, &rest));
        assert!(fl.llr < 0.0, "{fl:?}");
        assert!(fs.llr > 8.0 && fs.pairs_fit, "{fs:?}");
        // a flat cover: jsteg changes nothing that shows, the ratio stays near 0
        let (c, j) = cover_and_jsteg([20, 20, 20, 20, 20, 20], 0.5);
        let flat_rest = cover_and_jsteg([2000; 6], 0.5).0;
        let (fc, fj) = (fit(&c, &flat_rest), fit(&j, &flat_rest));
        assert!(fc.llr.abs() < 2.0 && fj.llr.abs() < 2.0, "{fc:?} {fj:?}");
        // a long clean prefix a little off the model (a tenth of the way to jsteg): the ratio
        // of full replacement is large, but a partial one explains it far better
        let (c, j) = cover_and_jsteg([40_000, 15_000, 7_000, 3_500, 1_800, 900], 0.5);
        let mut off = c;
        for (a, (x, y)) in off.0.iter_mut().zip(c.0.iter().zip(j.0)) {
            *a = (0.9 * *x as f64 + 0.1 * y as f64).round() as i64;
        }
        let f = fit(&off, &rest);
        assert!(f.shortfall > 50.0, "{f:?}");
    }

    #[test]
    fn a_short_payload_the_symmetry_rules_miss_is_found_by_the_likelihood_ratio() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clean");
        let cover = std::fs::read(dir.join("baseline.jpg")).unwrap();
        // the clean cover: nothing
        let mut ev = Vec::new();
        analyse(&DctPlanes::read(&cover, 0).unwrap(), &mut ev);
        assert!(ev.is_empty(), "{ev:?}");
        // 36-56 bytes: 0.03-0.05 bits per non-zero AC coefficient of its 9,048
        let (mut rules, mut found, mut by_fit_alone) = (0, 0, 0);
        for len in (36..60usize).step_by(4) {
            let payload: Vec<u8> = (0..len).map(|i| (i * 151 % 253) as u8 ^ 0x5a).collect();
            let st = embed(&cover, &payload, &EmbedOptions::new(Method::JpegJsteg)).unwrap();
            let dct = DctPlanes::read(&st.bytes, 0).unwrap();
            let scan = scan(&dct);
            let (_, h) = scan.header.as_ref().expect("jsteg's header parses");
            rules += h.is_declared_signature() as usize;
            let mut ev = Vec::new();
            analyse(&dct, &mut ev);
            if let Some(e) = ev.first() {
                found += 1;
                assert_eq!(e.payload.as_ref().map(|p| &p.bytes), Some(&payload));
                if !h.is_declared_signature() {
                    by_fit_alone += 1;
                    assert!(e.detail.contains("likelier"), "{e:?}");
                }
            }
        }
        // 48 bytes: the rules miss it, the ratio finds it
        assert!(
            by_fit_alone >= 1 && found > rules,
            "{found} found, {rules} by the rules"
        );
    }

    #[test]
    fn counting_whole_blocks_gives_what_walking_every_coefficient_gives() {
        // read at run time: test fixtures are not part of the published package
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let covers: Vec<Vec<u8>> = [
            "jpeg/photo-kphotoalbum.jpg",
            "jpeg/progressive-supertux.jpg",
            "clean/baseline.jpg",
            "clean/grey.jpg",
        ]
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect();
        let mut compared = 0;
        for cover in &covers {
            let mut files = vec![cover.clone()];
            for len in [16usize, 300, 2_000] {
                let payload: Vec<u8> = (0..len).map(|i| (i * 37 % 251) as u8).collect();
                if let Ok(st) = embed(cover, &payload, &EmbedOptions::new(Method::JpegJsteg)) {
                    files.push(st.bytes);
                }
            }
            for f in files {
                let dct = DctPlanes::read(&f, 0).unwrap();
                assert_eq!(scan_blocks(&dct, true), scan_blocks(&dct, false));
                compared += 1;
            }
        }
        assert!(compared >= 10, "only {compared} files compared");
    }

    /// The lanes flushed (more than `FLUSH` whole blocks) and a declared payload stored by
    /// whole blocks: the same scan as the coefficient walk.
    #[test]
    fn whole_blocks_past_a_flush_and_through_a_declared_payload() {
        use crate::planes::dct::DctComponent;
        let mut next = crate::test_support::xorshift(0x2545_F491_4F6C_DD1D);
        let (bx, by) = (100, 120);
        let mut blocks = vec![[0i16; 64]; bx * by];
        for b in &mut blocks {
            for (i, v) in b.iter_mut().enumerate() {
                // sparser towards high frequencies, values up to +-9, some empty blocks, and
                // a few beyond the byte range the whole-block counting narrows values to
                if next() % 64 > 48 - (i as u64 * 3 / 4) {
                    continue;
                }
                const WIDE: [i16; 12] = [
                    127,
                    -127,
                    128,
                    -128,
                    129,
                    -129,
                    256,
                    -256,
                    1000,
                    -2048,
                    i16::MIN,
                    i16::MAX,
                ];
                let r = next();
                *v = if r.is_multiple_of(32) {
                    WIDE[(r >> 8) as usize % WIDE.len()]
                } else {
                    ((r >> 8) % 19) as i16 - 9
                };
            }
        }
        // jsteg's header: 14 bits of length, 12,000 bytes (96,000 of the ~200,000 usable values)
        let bits: Vec<bool> = (0..5)
            .rev()
            .map(|i| 14 >> i & 1 == 1)
            .chain((0..14).rev().map(|i| 12_000 >> i & 1 == 1))
            .collect();
        for (v, &bit) in blocks[0][1..].iter_mut().zip(&bits) {
            *v = if bit { 3 } else { 2 };
        }
        let dct = DctPlanes {
            width: bx as u32 * 8,
            height: by as u32 * 8,
            components: vec![DctComponent {
                id: 1,
                blocks_x: bx,
                blocks_y: by,
                h_samp: 1,
                v_samp: 1,
                quant: [1; 64],
                blocks,
            }],
            precision: 8,
            ycbcr: false,
        };
        let fast = scan_blocks(&dct, true);
        let usable = fast.peak.usable;
        assert!(usable > 2 * 96_019 && bx * by > FLUSH, "{usable} usable");
        assert_eq!(fast.header.as_ref().map(|h| h.0), Some((12_000, 19)));
        assert_eq!(fast.stream.len(), 96_019);
        assert!(fast.after_header.is_some());
        assert_eq!(fast, scan_blocks(&dct, false));
    }

    #[test]
    fn a_drawn_prefix_is_not_a_payload_and_a_payload_over_it_is() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jpeg");
        let cover = std::fs::read(dir.join("drawn-tdiary-glass.jpg")).unwrap();
        let dct = DctPlanes::read(&cover, 0).unwrap();
        let p = scan(&dct).peak;
        // the gradient bar alone passes the statistical signature ...
        assert!(p.is_signature(Z_SYMMETRY), "{p:?}");
        // ... but repeats its blocks, so no evidence comes of it
        let (repeated, blocks) = repeats(&dct, p.extent);
        assert!(
            drawn(&dct, p.extent),
            "{repeated} of {blocks} blocks repeated"
        );
        let mut ev = Vec::new();
        analyse(&dct, &mut ev);
        assert!(ev.is_empty(), "{ev:?}");
        // jsteg over the same image: the payload's bits break the repeats, found and read back
        let payload: Vec<u8> = (0..300).map(|i| (i * 73 % 251) as u8).collect();
        let st = embed(&cover, &payload, &EmbedOptions::new(Method::JpegJsteg)).unwrap();
        let dct = DctPlanes::read(&st.bytes, 0).unwrap();
        let mut ev = Vec::new();
        analyse(&dct, &mut ev);
        let e = ev.first().expect("jsteg evidence");
        assert!(e.score >= 0.9, "{e:?}");
        assert_eq!(e.payload.as_ref().map(|p| &p.bytes), Some(&payload));
    }

    #[test]
    fn a_declared_payload_agrees_with_a_peak_a_little_short_of_its_end() {
        // 3,000 bytes from bit 14: the payload ends at 24,014
        assert_eq!(agrees(3_000, 14, 24_014, 50_000), Some((3_000, 14, 24_014)));
        // past the end by a 32nd of its length (750) at most, at least AGREE_MIN
        assert!(agrees(3_000, 14, 24_014 + 750, 50_000).is_some());
        assert!(agrees(3_000, 14, 24_014 + 751, 50_000).is_none());
        assert!(agrees(10, 14, 94 + AGREE_MIN, 5_000).is_some());
        assert!(agrees(10, 14, 94 + AGREE_MIN + 1, 5_000).is_none());
        // short of it by a quarter (6,003) at most
        assert!(agrees(3_000, 14, 24_014 - 6_003, 50_000).is_some());
        assert!(agrees(3_000, 14, 24_014 - 6_004, 50_000).is_none());
        // the clean map tile whose first bits declared 14,081 under a peak at 16,768
        assert!(agrees(1_758, 17, 16_768, 20_000).is_none());
        // a declared end past the stream read is no payload
        assert!(agrees(3_000, 14, 24_014, 24_013).is_none());
    }

    /// Sequential replacement without jsteg's header (the prefix where the symmetry break
    /// peaks): reported where the image goes on after it, not where the prefix is the whole
    /// image, which leaves nothing to tell a payload's extent from the image's own character.
    #[test]
    fn a_peak_prefix_needs_the_rest_of_the_image() {
        let mut next = crate::test_support::xorshift(0x2545_F491_4F6C_DD1D);
        // a Laplacian-like cover: sparse blocks, magnitudes falling off, symmetric signs
        let blocks: Vec<[i16; 64]> = (0..64 * 64)
            .map(|_| {
                std::array::from_fn(|i| {
                    let r = next();
                    if i == 0 || r % 100 >= 40 {
                        return 0;
                    }
                    let m = [1, 1, 1, 1, 2, 2, 3, 4][(r >> 8) as usize % 8];
                    if (r >> 16) & 1 == 0 {
                        m
                    } else {
                        -m
                    }
                })
            })
            .collect();
        let cover = DctPlanes {
            width: 512,
            height: 512,
            components: vec![crate::planes::dct::DctComponent {
                id: 1,
                blocks_x: 64,
                blocks_y: 64,
                h_samp: 1,
                v_samp: 1,
                quant: [8; 64],
                blocks,
            }],
            precision: 8,
            ycbcr: false,
        };
        let n_usable: usize = cover.components[0]
            .blocks
            .iter()
            .map(|b| b[1..].iter().filter(|&&v| usable(v)).count())
            .sum();
        // random low bits into the first `share` of the usable coefficients, in scan order
        let mut replaced = |share: f64| {
            let mut d = cover.clone();
            let mut left = (n_usable as f64 * share) as usize;
            for b in d.components[0].blocks.iter_mut() {
                for v in b[1..].iter_mut() {
                    if left > 0 && usable(*v) {
                        *v = (*v & !1) | (next() & 1) as i16;
                        left -= 1;
                    }
                }
            }
            let mut ev = Vec::new();
            analyse(&d, &mut ev);
            ev
        };
        assert!(replaced(0.0).is_empty());
        let part = replaced(0.6);
        assert!(
            part.iter()
                .any(|e| e.method == Method::JpegJsteg && e.score > 0.5),
            "{part:?}"
        );
        let whole = replaced(1.0);
        assert!(whole.is_empty(), "{whole:?}");
    }
}
