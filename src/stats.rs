//! Small statistics shared across the pipeline: byte entropy, printable ratio, text likeness,
//! the chi-square distribution, and proportions with Wilson intervals ([`Rate`]). A leaf module:
//! it imports nothing from the crate.

use serde::{Deserialize, Serialize};

/// Shannon entropy in bits per byte (0 for empty input).
pub fn entropy(b: &[u8]) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    let mut h = [0u32; 256];
    for &c in b {
        h[c as usize] += 1;
    }
    let n = b.len() as f64;
    h.iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Fraction of bytes that are printable ASCII or common whitespace (tab, LF, CR).
pub fn printable_ratio(b: &[u8]) -> f64 {
    if b.is_empty() {
        return 0.0;
    }
    b.iter()
        .filter(|&&c| (32..127).contains(&c) || matches!(c, b'\t' | b'\n' | b'\r'))
        .count() as f64
        / b.len() as f64
}

/// How text-like a byte string is, for bytes pulled out of bit planes where noise and flat regions
/// must not pass: valid UTF-8, almost no control characters, enough distinct characters, and no
/// short period (the repetitive runs flat or dithered regions produce, e.g. `UUUU` or `I$I$`).
/// Returns `None` when it is not text, else a quality in (0, 1].
pub fn text_quality(b: &[u8]) -> Option<f64> {
    if b.is_empty() {
        return None;
    }
    let s = std::str::from_utf8(b).ok()?;
    let mut control = 0usize;
    let mut alnum_space = 0usize;
    let mut chars = 0usize;
    for c in s.chars() {
        chars += 1;
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
            control += 1;
        } else if c.is_alphanumeric() || c == ' ' {
            alnum_space += 1;
        }
    }
    if control * 50 > chars {
        return None;
    }
    let mut seen = [false; 256];
    let distinct = b
        .iter()
        .filter(|&&c| !std::mem::replace(&mut seen[c as usize], true))
        .count();
    if distinct < (b.len() / 2).clamp(3, 8) {
        return None;
    }
    if is_periodic(b) || stuck_low_bit(b) {
        return None;
    }
    Some((alnum_space as f64 / chars as f64).clamp(0.05, 1.0))
}

/// True when one of the five low bits has the same value in every byte of a string of 40 bytes or
/// more. Text varies all of them within a few words (space 0x20 has them clear, `p`-`z` and digits
/// set bit 4, and so on); bytes assembled from pixel LSBs where one channel's bit never changes do
/// not: the LSB stream of an RGBA image over fully transparent pixels (alpha 0) has bits 3 and 7
/// clear in every byte and reads as ASCII from a 32-letter alphabet (`bs632#"fbwg2r...`). In
/// English, 40 characters with none of the letters that set bit 4 (`p`-`z`, digits; ~20 % of
/// characters) happen about once in 10^4 strings, for the other bits far more rarely.
fn stuck_low_bit(b: &[u8]) -> bool {
    if b.len() < 40 {
        return false;
    }
    let (and, or) = b.iter().fold((0xFFu8, 0u8), |(a, o), &c| (a & c, o | c));
    // a bit set in every byte (and) or in none (!or)
    (and | !or) & 0x1F != 0
}

/// True when the string repeats with a period of at most 16 bytes (>= 80 % of positions agree).
pub fn is_periodic(b: &[u8]) -> bool {
    period_agreement(b, 1) >= 0.8
}

/// The largest share of positions `i` with `b[i] == b[i + p]` over periods `p` from `min_period`
/// to 16 (and at most half the length); 0 for strings too short to have such a period.
pub fn period_agreement(b: &[u8], min_period: usize) -> f64 {
    let n = b.len();
    (min_period.max(1)..=16.min(n / 2))
        .map(|p| (0..n - p).filter(|&i| b[i] == b[i + p]).count() as f64 / (n - p) as f64)
        .fold(0.0, f64::max)
}

/// Upper tail probability P(X >= x) of the chi-square distribution with `k` degrees of freedom.
pub fn chi2_sf(x: f64, k: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    1.0 - gamma_p(k / 2.0, x / 2.0)
}

/// Regularised lower incomplete gamma function P(a, x) (series / continued fraction).
fn gamma_p(a: f64, x: f64) -> f64 {
    if x < a + 1.0 {
        let mut sum = 1.0 / a;
        let mut term = sum;
        let mut ap = a;
        for _ in 0..500 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-14 {
                break;
            }
        }
        (sum.ln() - x + a * x.ln() - ln_gamma(a)).exp()
    } else {
        // Lentz's continued fraction for Q(a, x)
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..500 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let del = d * c;
            h *= del;
            if (del - 1.0).abs() < 1e-14 {
                break;
            }
        }
        1.0 - (-x + a * x.ln() - ln_gamma(a)).exp() * h
    }
}

/// ln Γ(x) by the Lanczos approximation.
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 6] = [
        76.180_091_729_471_46,
        -86.505_320_329_416_77,
        24.014_098_240_830_91,
        -1.231_739_572_450_155,
        0.001_208_650_973_866_179,
        -0.000_005_395_239_384_953,
    ];
    let mut y = x;
    let tmp = x + 5.5;
    let tmp = tmp - (x + 0.5) * tmp.ln();
    let mut ser = 1.000_000_000_190_015;
    for g in G {
        y += 1.0;
        ser += g / y;
    }
    -tmp + (2.506_628_274_631_000_5 * ser / x).ln()
}

/// A proportion with its Wilson 95 % interval.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq)]
pub struct Rate {
    /// Successes.
    pub k: u64,
    /// Trials.
    pub n: u64,
    /// k / n (0 when n is 0).
    pub rate: f64,
    /// Lower bound of the Wilson 95 % interval.
    pub lo: f64,
    /// Upper bound of the Wilson 95 % interval.
    pub hi: f64,
}

impl Rate {
    /// A rate with its interval.
    pub fn new(k: u64, n: u64) -> Rate {
        let (lo, hi) = wilson(k, n);
        Rate {
            k,
            n,
            rate: if n == 0 { 0.0 } else { k as f64 / n as f64 },
            lo,
            hi,
        }
    }
}

/// Wilson score interval at 95 %.
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (k, n, z) = (k as f64, n as f64, 1.959_963_985f64);
    let p = k / n;
    let d = 1.0 + z * z / n;
    let c = (p + z * z / (2.0 * n)) / d;
    let h = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / d;
    ((c - h).max(0.0), (c + h).min(1.0))
}

/// Nearest-rank percentile (`p` in 0..=1) of values sorted ascending; zero (the default) when
/// there are none.
pub fn percentile<T: Copy + Default>(sorted: &[T], p: f64) -> T {
    let n = sorted.len();
    if n == 0 {
        return T::default();
    }
    sorted[((n as f64 * p).ceil() as usize).clamp(1, n) - 1]
}

/// p50 / p95 / p99 / max in milliseconds of latencies in microseconds sorted ascending (nearest
/// rank; zeros when empty), as load reports print them.
pub fn percentiles_ms(sorted_us: &[u64]) -> serde_json::Value {
    let q = |p: f64| percentile(sorted_us, p) as f64 / 1e3;
    serde_json::json!({"p50": q(0.5), "p95": q(0.95), "p99": q(0.99), "max": q(1.0)})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_matches_known_values() {
        // chi2(df=1) critical value 3.841 -> 0.05; df=10, 18.307 -> 0.05
        assert!((chi2_sf(3.841, 1.0) - 0.05).abs() < 1e-3);
        assert!((chi2_sf(18.307, 10.0) - 0.05).abs() < 1e-3);
        assert!((chi2_sf(100.0, 127.0) - 0.9643).abs() < 2e-3);
    }

    #[test]
    fn text_quality_rejects_runs_and_accepts_prose() {
        assert!(text_quality(b"UUUUUUUUUUUUUUUUUUUU").is_none());
        assert!(text_quality(b"I$I$I$I$I$I$I$I$I$I$").is_none());
        assert!(text_quality(b"\x01\x02abc").is_none());
        assert!(text_quality(b"Hello, world 1234").is_some());
        assert!(text_quality("Grüße aus Köln, bis bald!".as_bytes()).is_some());
        // LSBs of RGBA pixels over transparent rows: bits 3 and 7 never set
        let stuck = br#"bs632#"fbwg2r"r"sbb7rg#2g&&#67r762bf#'733f"2r327w3s'Fv6gsvgw'7c#gfbfwb2"#;
        assert!(stuck.len() >= 40 && text_quality(stuck).is_none());
        assert!(text_quality(b"dgvGfUtFUUGgTttwwTwUDeVUffTwwvVevdgDvDvTev3").is_none());
        let prose = b"The quick brown fox jumps over the lazy dog, twice: 1, 2.";
        assert!(text_quality(prose).is_some());
    }

    #[test]
    fn entropy_and_printable() {
        assert_eq!(entropy(&[7; 100]), 0.0);
        let all: Vec<u8> = (0..=255).collect();
        assert!((entropy(&all) - 8.0).abs() < 1e-9);
        assert_eq!(printable_ratio(b"ab\x00\x01"), 0.5);
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v = [1u64, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(percentile(&v, 0.5), 5);
        assert_eq!(percentile(&v, 0.95), 10);
        assert_eq!(percentile(&v, 0.0), 1);
        assert_eq!(percentile::<f64>(&[], 0.5), 0.0);
    }
}
