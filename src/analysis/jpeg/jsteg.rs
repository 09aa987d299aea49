//! Sequential LSB replacement in DCT coefficients (jsteg and tools like it).
//!
//! jsteg writes its bits into the least significant bit (two's complement) of the AC
//! coefficients whose value is neither 0 nor 1, in the order the scan codes them, starting at
//! the first block. Replacing LSBs equalises the counts of each value pair {2k, 2k+1}, and since
//! -1 is paired with -2 while +1 is left alone, it breaks the sign symmetry of the coefficients
//! ([`profile`]). Counting by value sign and pair makes the test indifferent to the payload's
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
/// Relative pair inequality `r1 + r2` assumed when the image has too little left after the
/// prefix to measure its own (natural JPEGs mostly show 0.3 to 1; a few, with flat histograms
/// near zero, show negative values: the power uses its magnitude).
const R_PRIOR: f64 = 0.3;

/// The usable coefficients in scan order (their LSBs are jsteg's bit stream).
pub fn stream(dct: &DctPlanes) -> Vec<i16> {
    let mut out = Vec::new();
    for (c, b) in dct.scan_order() {
        let block = &dct.components[c].blocks[b];
        out.extend(block[1..].iter().copied().filter(|&v| usable(v)));
    }
    out
}

/// Largest magnitude whose mirror counts enter the symmetry test.
const M: i16 = 6;

/// Counts of the values -M..=M (0 unused) over a prefix.
#[derive(Debug, Clone, Copy, Default)]
struct Counts([i64; 2 * M as usize + 1]);

impl Counts {
    #[inline]
    fn add(&mut self, v: i16) {
        if (-M..=M).contains(&v) {
            self.0[(v + M) as usize] += 1;
        }
    }
    fn h(&self, v: i16) -> f64 {
        self.0[(v + M) as usize] as f64
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
    /// z of the inequality of the pairs (-1, -2) and (2, 3), near 0 when jsteg equalised them.
    /// Each pair's relative difference is taken with the smaller magnitude first; a payload
    /// with a share `p` of 1 bits leaves `2p - 1` in the first and `1 - 2p` in the second,
    /// so their sum is 0 for any payload, while natural coefficients make both positive.
    fn z_equalised(&self) -> f64 {
        self.r_sum() / self.sd()
    }
    /// `r1 + r2`, the relative inequalities of (-1, -2) and (2, 3).
    fn r_sum(&self) -> f64 {
        let (n1, n2) = (self.h(-1) + self.h(-2), self.h(2) + self.h(3));
        if n1 == 0.0 || n2 == 0.0 {
            return 0.0;
        }
        (self.h(-1) - self.h(-2)) / n1 + (self.h(2) - self.h(3)) / n2
    }
    /// Standard deviation of `r_sum` under equalisation.
    fn sd(&self) -> f64 {
        let (n1, n2) = (self.h(-1) + self.h(-2), self.h(2) + self.h(3));
        if n1 == 0.0 || n2 == 0.0 {
            return f64::INFINITY;
        }
        (1.0 / n1 + 1.0 / n2).sqrt()
    }
    fn minus(&self, o: &Counts) -> Counts {
        let mut c = *self;
        for (a, b) in c.0.iter_mut().zip(o.0) {
            *a -= b;
        }
        c
    }
}

/// What the sign-symmetry profile found.
#[derive(Debug, Clone, Copy)]
pub struct Profile {
    /// Usable coefficients in all.
    pub usable: usize,
    /// The prefix (in usable coefficients, a multiple of 8) where the symmetry break peaks.
    pub extent: usize,
    /// Its z.
    pub z: f64,
    /// z of the inequality of the pairs (-1, -2) and (2, 3) over that prefix (near 0 when
    /// jsteg wrote it all).
    pub z_pairs: f64,
    /// How many deviations from "equalised" the image's own pair inequality (measured after
    /// the prefix) would put a clean prefix of this size: the test's power.
    pub power: f64,
}

/// The sign-symmetry profile: jsteg pairs -1 with -2 but never touches +1, and pairs (2, 3)
/// but (-3, -4), so over its payload the mirror counts `h(m)`, `h(-m)` part ways
/// ([`Counts::z_symmetry`]). Natural AC coefficients are near symmetric about zero; some
/// encoders are biased over a whole image, but do not also equalise the pairs, which jsteg
/// does. The prefix with the largest z is the payload's extent.
pub fn profile(dct: &DctPlanes) -> Profile {
    let (mut counts, mut usable_n) = (Counts::default(), 0usize);
    let mut best = (0.0f64, 0usize, Counts::default());
    for (ci, b) in dct.scan_order() {
        for &v in dct.components[ci].blocks[b][1..].iter() {
            if v == 0 {
                continue;
            }
            counts.add(v);
            if usable(v) {
                usable_n += 1;
                if usable_n % 8 == 0 {
                    let z = counts.z_symmetry();
                    if z > best.0 {
                        best = (z, usable_n, counts);
                    }
                }
            }
        }
    }
    let rest = counts.minus(&best.2);
    let natural = if rest.h(-1) + rest.h(-2) >= 100.0 && rest.h(2) + rest.h(3) >= 100.0 {
        rest.r_sum()
    } else {
        R_PRIOR
    };
    Profile {
        usable: usable_n,
        extent: best.1,
        z: best.0,
        z_pairs: best.2.z_equalised(),
        power: natural.abs() / best.2.sd(),
    }
}

/// jsteg's header read from the LSB stream: payload size in bytes and the bits it occupies.
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
    let start = 5 + n;
    (len > 0 && start + len * 8 <= s.len()).then_some((len, start))
}

/// Bytes of the LSB stream from bit `start`, `len` bytes, MSB-first.
pub fn read_bytes(s: &[i16], start: usize, len: usize) -> Vec<u8> {
    s[start..start + len * 8]
        .chunks_exact(8)
        .map(|c| c.iter().fold(0u8, |b, &v| b << 1 | (v & 1) as u8))
        .collect()
}

/// Symmetry z, equalisation z and power over the prefix of `end` usable coefficients (what
/// jsteg's header declares).
pub fn prefix_stats(dct: &DctPlanes, end: usize) -> (f64, f64, f64) {
    let (mut pre, mut all, mut usable_n) = (Counts::default(), Counts::default(), 0usize);
    for (ci, b) in dct.scan_order() {
        for &v in dct.components[ci].blocks[b][1..].iter() {
            if v == 0 {
                continue;
            }
            all.add(v);
            if usable_n < end {
                pre.add(v);
            }
            usable_n += usable(v) as usize;
        }
    }
    let rest = all.minus(&pre);
    let natural = if rest.h(-1) + rest.h(-2) >= 100.0 && rest.h(2) + rest.h(3) >= 100.0 {
        rest.r_sum()
    } else {
        R_PRIOR
    };
    (pre.z_symmetry(), pre.z_equalised(), natural.abs() / pre.sd())
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
    let s = stream(dct);
    if let Some((len, start)) = header(&s) {
        let end = start + len * 8;
        let (z, z_eq, power) = prefix_stats(dct, end);
        if z >= Z_HEADER && z_eq.abs() <= Z_EQUAL && power >= Z_POWER * 0.5 {
            let bytes = read_bytes(&s, start, len);
            let encrypted = crate::stats::entropy(&bytes) > 7.0 && len >= 64;
            let detail = format!(
                "jsteg's header declares {len} bytes; over the {end} usable AC coefficients \
                 (scan order) that carry them the value pairs (-1, -2) and (2, 3) are equalised \
                 (z {z_eq:.1}) and the sign symmetry of natural coefficients is lost (z {z:.1}): \
                 payload recovered"
            );
            let mut e = Evidence::new(
                Method::JpegJsteg,
                score(z + (Z_SYMMETRY - Z_HEADER)).max(0.9),
                "dct-sequential",
                detail,
            );
            e.payload = Some(Payload {
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
            });
            evidence.push(e);
            return;
        }
    }
    let p = profile(dct);
    let equalised = p.z_pairs.abs() <= Z_EQUAL && p.power >= Z_POWER;
    if p.z < Z_SYMMETRY * 0.5 || !equalised {
        return;
    }
    let detail = format!(
        "the first {} of {} usable AC coefficients (scan order) have the value pairs (-1, -2) \
         and (2, 3) equalised (z {:.1}) and lost the sign symmetry of natural coefficients \
         (z {:.1}): sequential LSB replacement of about {} bytes",
        p.extent,
        p.usable,
        p.z_pairs,
        p.z,
        p.extent / 8
    );
    evidence.push(Evidence::new(
        Method::JpegJsteg,
        score(p.z),
        "dct-sequential",
        detail,
    ));
}
