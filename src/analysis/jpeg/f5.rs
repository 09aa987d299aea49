//! f5stegojs (npm `f5stegojs`, an F5 port with its own shuffle and header) under a known
//! password: its payload read back, as `f5stego -x -p PASSWORD` does.
//!
//! f5stegojs embeds in the luminance only (the component with id 1, else the first): its
//! coefficients are the component's blocks row-major, MCU padding included, 64 each in zigzag
//! order, with the DC read as 0, so `l = 64 x blocks` positions. RC4 keyed with the password's
//! bytes gives a stream; its little-endian words 1..l shuffle the positions (Fisher-Yates,
//! `word % (k + 1)`), and the bytes from `4 l` on mask the data (`gamma`). In shuffled order,
//! each non-zero coefficient carries a bit (its low bit, inverted for negative values). The
//! first four bits, XORed with gamma's first byte, give the matrix code's `k` (1-16): with
//! `k = 1` every bit is data; otherwise each group of `2^k - 1` bits gives `k` bits (the XOR of
//! the 1-based indices of the ones). The data, byte by byte XORed with gamma, opens with the
//! length (2 bytes, little-endian; 3 when the second byte's high bit is set).
//!
//! f5stegojs writes no magic and no checksum, and does not encrypt (the mask is fixed by the
//! password): a payload counts only when it reads as text or a known file, as for OutGuess
//! ([`super::keyed`]). The cost is the key's RC4 stream over `4 l` bytes: milliseconds per
//! key for a photo, so only the caller's passwords are tried, never a built-in list.

use rayon::prelude::*;

use super::keyed::{opened, promising, reads_as, MIN_PAYLOAD};
use super::rc4::{Arc4, Lanes};
use crate::analysis::{Evidence, Method};
use crate::extract::PayloadEncoding;
use crate::planes::dct::{DctComponent, DctPlanes};
use crate::vocab::Tool;

/// f5stegojs refuses images of more pixels than this (its default `maxPixels`, 4096 x 4096);
/// bigger ones are not read (which also bounds the permutation kept: 4 bytes per position).
pub const MAX_PIXELS: u64 = 4096 * 4096;

/// Positions of the permutation kept on the first try: enough for the header and the first
/// bytes of a payload at every `k` up to 7 on most photos (at higher `k`, or for the whole
/// payload, the stream is run again keeping them all).
const FIRST_SPAN: usize = 1 << 16;

/// The component f5stegojs embeds in.
fn luma(dct: &DctPlanes) -> Option<&DctComponent> {
    dct.components
        .iter()
        .find(|c| c.id == 1)
        .or(dct.components.first())
}

/// The coefficient at position `p` as f5stegojs reads it (the DC, kept apart there, as 0).
#[inline]
fn coefficient(c: &DctComponent, p: usize) -> i16 {
    if p.is_multiple_of(64) {
        0
    } else {
        c.blocks[p / 64][p % 64]
    }
}

/// The non-zero coefficients f5stegojs reads (the AC ones).
fn nonzero_ac(c: &DctComponent) -> usize {
    c.blocks
        .iter()
        .map(|b| b[1..].iter().filter(|&&v| v != 0).count())
        .sum()
}

/// The bit a non-zero coefficient carries.
#[inline]
fn bit(v: i16) -> u32 {
    ((v & 1) as u32) ^ (v < 0) as u32
}

/// Passwords shuffled in one loop. RC4 makes each byte wait on the last one's swap, so one
/// stream leaves the processor idle; several advanced side by side overlap and cost little more
/// than one.
const LANES: usize = 4;

/// `w % d` through `inv = 1 / d`, computed once per step and shared by the lanes (a
/// multiplication per lane instead of a division). Exact: `w * inv` is within 2^-20 of `w / d`,
/// so the truncated quotient is off by at most one, which the remainder's range corrects.
#[inline(always)]
fn rem(w: u32, d: u32, inv: f64) -> u32 {
    let q = (w as f64 * inv) as i64;
    let r = w as i64 - q * d as i64;
    (if r < 0 {
        r + d as i64
    } else if r >= d as i64 {
        r - d as i64
    } else {
        r
    }) as u32
}

/// Each password's shuffle over `l` positions: the first `m` entries of the permutation
/// (inside-out Fisher-Yates over the stream's little-endian words 1..l, entry `word % (k + 1)`
/// taking `k`), and the stream left where the mask (`gamma`) starts.
fn shuffle_lanes<const N: usize>(
    passwords: [&[u8]; N],
    l: usize,
    m: usize,
) -> [(Vec<u32>, Arc4); N] {
    let mut rc = Lanes::new(passwords.map(Arc4::rc4));
    let m = m.min(l);
    let mut pm: [Vec<u32>; N] = std::array::from_fn(|_| vec![0u32; m]);
    if l > 0 {
        rc.words_le(); // word 0 is not used
        for k in 1..m {
            let (d, inv) = (k as u32 + 1, 1.0 / (k + 1) as f64);
            for (w, pm) in rc.words_le().into_iter().zip(pm.iter_mut()) {
                let r = rem(w, d, inv) as usize;
                pm[k] = pm[r];
                pm[r] = k as u32;
            }
        }
        // past m only the entries below m are kept
        for k in m.max(1)..l {
            let (d, inv) = (k as u32 + 1, 1.0 / (k + 1) as f64);
            for (w, pm) in rc.words_le().into_iter().zip(pm.iter_mut()) {
                let r = rem(w, d, inv) as usize;
                if r < m {
                    pm[r] = k as u32;
                }
            }
        }
    }
    let mut pm = pm.map(Some);
    let mut rc = rc.into_states().map(Some);
    std::array::from_fn(|i| (pm[i].take().unwrap(), rc[i].take().unwrap()))
}

/// One password's shuffle ([`shuffle_lanes`]).
fn shuffle(password: &[u8], l: usize, m: usize) -> (Vec<u32>, Arc4) {
    let [one] = shuffle_lanes([password], l, m);
    one
}

/// The data f5stegojs would extract, up to `want` bytes (none: only `k`), read along `pm`
/// with the mask from `gamma`: `k` and the bytes, or `None` when `pm` ended first while
/// positions were left (read again with more).
fn read(
    c: &DctComponent,
    pm: &[u32],
    gamma: &Arc4,
    l: usize,
    want: usize,
) -> Option<(u32, Vec<u8>)> {
    let gamma = &mut gamma.clone();
    let mut values = pm
        .iter()
        .map(|&p| coefficient(c, p as usize))
        .filter(|&v| v != 0);
    let mut out = Vec::with_capacity(want);
    let mut k = 0u32;
    for n in 0..4 {
        let v = values.next()?;
        k |= bit(v) << n;
    }
    let k = (k ^ (gamma.byte() as u32 & 15)) + 1;
    if want == 0 {
        return Some((k, out));
    }
    let n = (1u32 << k) - 1;
    let (mut acc, mut have) = (0u32, 0u32);
    let (mut hash, mut code) = (0u32, 0u32);
    for v in values {
        if k == 1 {
            acc |= bit(v) << have;
            have += 1;
        } else {
            code += 1;
            if bit(v) == 1 {
                hash ^= code;
            }
            if code < n {
                continue;
            }
            acc |= hash << have;
            have += k;
            (hash, code) = (0, 0);
        }
        while have >= 8 {
            out.push((acc & 0xFF) as u8 ^ gamma.byte());
            if out.len() >= want {
                return Some((k, out));
            }
            acc >>= 8;
            have -= 8;
        }
    }
    // the tool flushes what is left as a last byte
    if have > 0 && out.len() < want && pm.len() == l {
        out.push((acc & 0xFF) as u8 ^ gamma.byte());
    }
    (pm.len() == l).then_some((k, out))
}

/// The length header at the start of the data: (header bytes, payload length).
fn header(data: &[u8]) -> Option<(usize, usize)> {
    match data {
        [a, b, c, ..] if b & 0x80 != 0 => Some((
            3,
            *a as usize + (((*b & 0x7F) as usize) << 8) + ((*c as usize) << 15),
        )),
        [a, b, ..] if b & 0x80 == 0 => Some((2, *a as usize + ((*b as usize) << 8))),
        _ => None,
    }
}

/// What `f5stego -x -p PASSWORD` would write, when its first bytes pass `accept`, with `k`
/// and whether the whole declared length was there; `None` when the image is too big for
/// f5stegojs, the declared length exceeds what the image can hold at that `k`, or `accept`
/// refuses (nothing under this password, as far as can be told).
pub fn retrieve(
    dct: &DctPlanes,
    password: &[u8],
    accept: impl Fn(&[u8]) -> bool,
) -> Option<(u32, Vec<u8>, bool)> {
    if dct.width as u64 * dct.height as u64 > MAX_PIXELS {
        return None;
    }
    let c = luma(dct)?;
    let l = c.blocks.len() * 64;
    let nonzero = nonzero_ac(c);
    retrieve_in(c, l, nonzero, password, None, accept)
}

/// [`retrieve`] on the luminance `c` of `l` positions and `nonzero` non-zero AC coefficients,
/// with the password's shuffle over the first [`FIRST_SPAN`] positions when already made.
fn retrieve_in(
    c: &DctComponent,
    l: usize,
    nonzero: usize,
    password: &[u8],
    shuffled: Option<(Vec<u32>, Arc4)>,
    accept: impl Fn(&[u8]) -> bool,
) -> Option<(u32, Vec<u8>, bool)> {
    let first = 3 + MIN_PAYLOAD;
    let (mut pm, gamma) = shuffled.unwrap_or_else(|| shuffle(password, l, FIRST_SPAN));
    // read in steps, each only for what passed the last (most passwords stop at the first two)
    let mut step = |want: usize| {
        read(c, &pm, &gamma, l, want).or_else(|| {
            // the positions kept ran out: all of them
            let (all, g) = shuffle(password, l, l);
            pm = all;
            read(c, &pm, &g, l, want)
        })
    };
    let (k, _) = step(0)?;
    // what the image holds at this k: every group of 2^k - 1 coefficients gives k bits
    let groups = nonzero.saturating_sub(4) / ((1usize << k) - 1);
    let capacity = groups * k as usize / 8;
    if capacity < first {
        return None;
    }
    let (s, len) = header(&step(3)?.1)?;
    if len < MIN_PAYLOAD || s + len > capacity {
        return None;
    }
    let head = step(first)?.1;
    if !accept(&head[s..head.len().min(s + len)]) {
        return None;
    }
    let mut data = if s + len <= head.len() {
        head
    } else {
        step(s + len)?.1
    };
    let whole = data.len() >= s + len;
    data.truncate(s + len);
    Some((k, data.split_off(s), whole))
}

/// Try the caller's `passwords` (in parallel) as f5stegojs passwords and add evidence for
/// `jpeg.f5` (tool `f5stegojs`) when one retrieves a payload that reads as text or a file,
/// with the payload. Milliseconds per password for a photo (an RC4 stream of 4 bytes per
/// luminance coefficient).
pub fn analyse(
    dct: &DctPlanes,
    passwords: &[String],
    extract: bool,
    max_payload_bytes: usize,
    evidence: &mut Vec<Evidence>,
) {
    if passwords.is_empty() || dct.width as u64 * dct.height as u64 > MAX_PIXELS {
        return;
    }
    let Some(c) = luma(dct) else {
        return;
    };
    let l = c.blocks.len() * 64;
    let nonzero = nonzero_ac(c);
    if nonzero < 8 * (3 + MIN_PAYLOAD) {
        return;
    }
    // LANES passwords shuffled together (the last group padded with its last password)
    let found = passwords.par_chunks(LANES).find_map_first(|group| {
        let lanes: [&[u8]; LANES] =
            std::array::from_fn(|i| group[i.min(group.len() - 1)].as_bytes());
        let shuffled = shuffle_lanes(lanes, l, FIRST_SPAN);
        group.iter().zip(shuffled).find_map(|(pw, sh)| {
            let (k, p, whole) = retrieve_in(c, l, nonzero, pw.as_bytes(), Some(sh), promising)?;
            let what = reads_as(&p)?;
            Some((pw, k, p, whole, what))
        })
    });
    let Some((pw, k, p, whole, what)) = found else {
        return;
    };
    let detail = format!(
        "f5stegojs's data read under the password {pw:?}: matrix code k = {k}, a {}-byte \
         payload over {nonzero} non-zero luminance coefficients, unmasked: {what}: payload \
         recovered{}",
        p.len(),
        if whole {
            ""
        } else {
            " (shorter than its header says)"
        }
    );
    evidence.push(opened(
        Method::JpegF5,
        Tool::F5stegojs,
        PayloadEncoding::F5stegojs,
        "f5-key",
        detail,
        "dct.y",
        (p, whole),
        (extract, max_payload_bytes),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shuffle kept in part is the whole shuffle's first entries, and a permutation.
    #[test]
    fn partial_shuffle_is_the_whole_ones_prefix() {
        let l = 5000;
        let (all, g1) = shuffle(b"pw", l, l);
        let mut seen = vec![false; l];
        for &p in &all {
            assert!(!seen[p as usize]);
            seen[p as usize] = true;
        }
        for m in [1, 7, 100, 4999] {
            let (part, mut g2) = shuffle(b"pw", l, m);
            assert_eq!(part[..], all[..m], "m = {m}");
            assert_eq!(g1.clone().byte(), g2.byte());
        }
    }

    /// The shared-reciprocal remainder is `%` for every divisor of a shuffle over up to
    /// f5stegojs's largest image, at the words where rounding could go wrong (multiples of the
    /// divisor and their neighbours, the ends of the range) and at random ones.
    #[test]
    fn remainders_are_exact() {
        let mut next = crate::test_support::xorshift(5);
        let check = |w: u32, d: u32| {
            assert_eq!(rem(w, d, 1.0 / d as f64), w % d, "{w} % {d}");
        };
        let divisors = (2..5000u32).chain((0..20_000).map(|_| 2 + (next() as u32) % (1 << 25)));
        let mut words = crate::test_support::xorshift(6);
        for d in divisors.chain([(1 << 25) + 1, 4096 * 4096 * 2]) {
            let q = u32::MAX / d;
            for w in [
                0,
                1,
                d - 1,
                d,
                d + 1,
                q * d,
                q * d - 1,
                u32::MAX,
                u32::MAX - 1,
            ] {
                check(w, d);
            }
            for _ in 0..4 {
                let w = words() as u32;
                check(w, d);
                let m = (w / d) * d;
                check(m, d);
                check(m.wrapping_sub(1), d);
            }
        }
    }

    /// Passwords shuffled side by side get the shuffles each gets alone.
    #[test]
    fn lanes_are_independent() {
        let (l, m) = (3000, 700);
        let lanes = shuffle_lanes([b"a".as_slice(), b"bb", b"a", b"ccc"], l, m);
        for (pw, (pm, g)) in [b"a".as_slice(), b"bb", b"a", b"ccc"].iter().zip(lanes) {
            let (one, g1) = shuffle(pw, l, m);
            assert_eq!(pm, one);
            assert_eq!(g.clone().byte(), g1.clone().byte());
        }
    }

    #[test]
    fn headers() {
        assert_eq!(header(&[0x10, 0x02, 0xFF]), Some((2, 0x210)));
        assert_eq!(
            header(&[0x10, 0x81, 0x03]),
            Some((3, 0x10 + (1 << 8) + (3 << 15)))
        );
        assert_eq!(header(&[0x10]), None);
    }
}
