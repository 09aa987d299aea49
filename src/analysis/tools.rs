//! Formats of widely used free LSB tools, recognised by their headers so that the tool can be
//! named and its payload extracted byte-exact, whatever the payload is (text, a file, or
//! encrypted bytes):
//!
//! - **stegano** (PyPI `stegano`, `lsb.hide`): the decimal byte length of the message, `:`, then
//!   the message (a string, UTF-8 by default); one bit in the LSB of each R, G, B sample (alpha
//!   skipped), pixels row-major, each byte most significant bit first.
//! - **stego-lsb** (PyPI `stego-lsb`, `LSBSteg`): a little-endian size tag of
//!   `ceil(bit_length(capacity in bits) / 8)` bytes, then the data; `n` LSBs (1-8) of every sample
//!   of every band (alpha included; palette indices for palette images), row-major, each byte
//!   most significant bit first, the first of a sample's `n` bits in its highest used bit.
//!
//! - **cloacked-pixel** (`livz/cloacked-pixel`, `lsb.py hide`): a 4-byte little-endian size, then
//!   AES-256-CBC output (a 16-byte IV and the ciphertext, padded to a multiple of 32 bytes, so the
//!   size is 16 more than a multiple of 32); one bit in the LSB of each R, G, B sample (alpha
//!   skipped), row-major, each byte most significant bit first. Always encrypted.
//!
//! - **stepic** (Debian and PyPI `stepic`): no header; each byte in the LSBs of nine R, G, B
//!   samples (three pixels), most significant bit first, the ninth LSB 1 after the last byte and
//!   0 after every other.
//!
//! A header alone is weak evidence (a few random bytes can look like one), so a hit also needs
//! the payload to be plausible: text or a known file, or, for binary (encrypted or compressed)
//! data, bytes that look random where the stream after the payload does not.

use super::bitstream::ByteSource;
use super::content::plausible_text;
use crate::container::{trailer::kind_of, TrailerKind};
use crate::planes::{ColorMode, PixelPlanes};
use crate::stats::text_quality;
pub use crate::vocab::Tool;

/// What the payload of a recognised header looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadLook {
    /// Printable text.
    Text,
    /// A file recognised by its magic number.
    File(TrailerKind),
    /// Random-looking bytes (encrypted or compressed): not readable as such.
    Random,
}

/// A payload written by a recognised tool.
#[derive(Debug, Clone)]
pub struct ToolHit {
    /// The tool.
    pub tool: Tool,
    /// Stream name as reported (`rgb`, `rgba`, `grey`, `index`, ...).
    pub channel: &'static str,
    /// LSBs per sample the tool used.
    pub lsbs: u8,
    /// The payload (header removed), cut at the size cap when longer.
    pub bytes: Vec<u8>,
    /// The whole payload was read (false when cut at the size cap).
    pub complete: bool,
    /// Byte offset of the payload in the tool's packed stream (the header's length).
    pub offset: usize,
    /// What the payload looks like.
    pub look: PayloadLook,
    /// Evidence strength in [0, 1].
    pub score: f32,
}

/// Bytes from the `n` low bits of each sample, the first bit in the highest of them, bytes most
/// significant bit first (stego-lsb's layout; with `n = 1`, the plain LSB stream).
struct LowBits<'a> {
    samples: &'a [u8],
    /// Channels taken from each pixel (indices into the pixel's samples).
    take: &'a [usize],
    channels: usize,
    n: usize,
}

impl LowBits<'_> {
    fn bits(&self) -> usize {
        self.samples.len() / self.channels * self.take.len() * self.n
    }
    #[inline]
    fn bit(&self, k: usize) -> u8 {
        let per_px = self.take.len() * self.n;
        let (px, r) = (k / per_px, k % per_px);
        let s = self.samples[px * self.channels + self.take[r / self.n]];
        (s >> (self.n - 1 - r % self.n)) & 1
    }
}

impl LowBits<'_> {
    /// Samples in the stream (pixels row-major, the taken channels of each).
    fn samples_len(&self) -> usize {
        self.samples.len() / self.channels * self.take.len()
    }

    /// The `n` low bits of stream sample `j`.
    #[inline]
    fn low(&self, j: usize) -> u8 {
        let t = self.take.len();
        let s = self.samples[(j / t) * self.channels + self.take[j % t]];
        (s as u16 & ((1u16 << self.n) - 1)) as u8
    }

    /// Every sample of every pixel is taken, in order: stream sample j is `samples[j]`.
    fn dense(&self) -> bool {
        self.take.len() == self.channels && self.take.iter().enumerate().all(|(i, &c)| i == c)
    }

    /// Of the stream samples in `[a, b)`, how many have the same low bits as the same channel of
    /// the next pixel, and how many were compared.
    fn agreements(&self, a: usize, b: usize) -> (usize, usize) {
        let t = self.take.len();
        let b = b.min(self.samples_len().saturating_sub(t));
        if a >= b {
            return (0, 0);
        }
        let same = if self.dense() {
            // the same count over the sample slices directly (vectorises)
            let mask = ((1u16 << self.n) - 1) as u8;
            let s = self.samples;
            s[a..b]
                .iter()
                .zip(&s[a + t..b + t])
                .filter(|&(x, y)| (x ^ y) & mask == 0)
                .count()
        } else {
            (a..b).filter(|&j| self.low(j) == self.low(j + t)).count()
        };
        (same, b - a)
    }

    /// Whether the payload in stream bytes `[from, end)` ends at a boundary seen in the samples:
    /// its samples' low bits agree with their right neighbours' as often as random bits do,
    /// while those right after it agree clearly more often (image noise is spatially correlated,
    /// even where its bytes pass as random: the second of two LSBs of a photo). A test of two
    /// proportions, `SAMPLE_BOUNDARY_Z` standard errors, on at least four times the payload's
    /// samples after it.
    fn sample_boundary(&self, from: usize, end: usize) -> bool {
        let (a, b) = (from * 8 / self.n, end * 8 / self.n);
        let after = (4 * (b - a)).clamp(2048, 32_768);
        let (k1, n1) = self.agreements(a, b);
        let (k2, n2) = self.agreements(b, b + after);
        if n1 == 0 || n2 < 4 * n1.min(512) {
            return false;
        }
        let chance = 1.0 / (1u32 << self.n) as f64;
        let (p1, p2) = (k1 as f64 / n1 as f64, k2 as f64 / n2 as f64);
        if p1 > chance + 3.0 * (chance * (1.0 - chance) / n1 as f64).sqrt() {
            return false;
        }
        let pooled = (k1 + k2) as f64 / (n1 + n2) as f64;
        let se = (pooled * (1.0 - pooled) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
        se > 0.0 && (p2 - p1) / se >= SAMPLE_BOUNDARY_Z
    }
}

/// Standard errors by which the samples after a random-looking payload must agree with their
/// neighbours more often than the payload's own (`LowBits::sample_boundary`).
const SAMPLE_BOUNDARY_Z: f64 = 6.0;

impl ByteSource for LowBits<'_> {
    fn len(&self) -> usize {
        self.bits() / 8
    }
    fn get(&self, j: usize) -> u8 {
        (0..8).fold(0u8, |v, b| v | (self.bit(j * 8 + b) << (7 - b)))
    }
    fn read_bytes(&self, from: usize, n: usize) -> Vec<u8> {
        let end = from.saturating_add(n).min(self.len());
        if from >= end {
            return Vec::new();
        }
        if self.n == 1 && self.dense() {
            // the plain LSB stream: byte j from samples 8j..8j+8
            return self.samples[from * 8..end * 8]
                .chunks_exact(8)
                .map(|c| c.iter().fold(0u8, |v, &x| (v << 1) | (x & 1)))
                .collect();
        }
        (from..end).map(|j| self.get(j)).collect()
    }
}

fn read(s: &impl ByteSource, from: usize, n: usize) -> Vec<u8> {
    s.read_bytes(from, n)
}

/// Every recognised tool payload in a plane (8-bit samples or palette indices) of a losslessly
/// coded image (these tools write PNG or BMP: lossy coding would destroy their payloads, and
/// decoded JPEG pixels gave chance headers).
pub fn search(p: &PixelPlanes, lossy: bool, max_payload: usize) -> Vec<ToolHit> {
    let mut hits = Vec::new();
    if lossy || (p.bit_depth != 8 && p.mode != ColorMode::Palette) {
        return hits;
    }
    let ch = p.channels();
    let all: Vec<usize> = (0..ch).collect();
    if let Some(h) = stego_lsb(p, &all, max_payload) {
        hits.push(h);
    }
    if matches!(p.mode, ColorMode::Rgb | ColorMode::Rgba) {
        if let Some(h) = stegano(p, max_payload) {
            hits.push(h);
        }
        if let Some(h) = cloacked_pixel(p, max_payload) {
            hits.push(h);
        }
        if let Some(h) = stepic(p, max_payload) {
            hits.push(h);
        }
    }
    hits
}

fn channel_name(mode: ColorMode) -> &'static str {
    match mode {
        ColorMode::Rgb => "rgb",
        ColorMode::Rgba => "rgba",
        ColorMode::Grey => "grey",
        ColorMode::GreyAlpha => "grey+alpha",
        ColorMode::Palette => "index",
    }
}

/// Judge the payload a length header announces, reading only what the decision needs first (a
/// chance header on a large image can announce megabytes): text, a file, or random bytes with a
/// sharp boundary after them. `s` holds the payload at `from`, `size` bytes long; `lsbs` is the
/// low bits per sample it was read from. The whole payload (capped at `max`) when accepted.
fn judge(
    s: &LowBits,
    from: usize,
    size: usize,
    lsbs: usize,
    max: usize,
) -> Option<(PayloadLook, f32, Vec<u8>)> {
    let probe = read(s, from, size.min(512));
    let full = || read(s, from, size.min(max));
    let kind = kind_of(&probe);
    if !matches!(
        kind,
        TrailerKind::Text | TrailerKind::Binary | TrailerKind::Padding | TrailerKind::Ai42
    ) {
        return Some((PayloadLook::File(kind), 0.98, full()));
    }
    if size >= 4 && text_quality(&probe).is_some() && printable(&probe) {
        let bytes = full();
        if text_quality(&bytes).is_some() && printable(&bytes) {
            // above the generic content search's 0.99 for the same text read without the
            // header, so the tool's exact payload is the one reported
            let score = if size >= 12 { 0.995 } else { 0.9 };
            return Some((PayloadLook::Text, score, bytes));
        }
        return None;
    }
    // Encrypted or compressed: only where the bytes pass as random and the stream right after
    // them does not (an image whose LSB plane is noise everywhere gives no boundary to see; one
    // whose noisy part fades out gradually gives no sharp one). Not from 4 or more low bits,
    // which carry the image itself (never random after anything), and not on samples too short
    // to tell: on clean icons and UI images, 32-38 "random" bytes in 4-7 low bits of tiny images
    // or in one LSB of a 32x32 icon passed a laxer version of this rule.
    let end = from + size;
    if lsbs > 3 || size < MIN_RANDOM || s.len() < end + 4 * MIN_RANDOM || !looks_random(&probe) {
        return None;
    }
    let next = read(s, end, MIN_RANDOM);
    let near = read(s, end, 4 * MIN_RANDOM);
    let after = read(s, end, 4096);
    let tail = read(s, end - MIN_RANDOM, MIN_RANDOM);
    // the boundary must be sharp: random up to `end`, not random from `end` on, in the bytes or
    // (where the image's own low bits pass the byte tests) in the samples' spatial agreement
    let bytes_change = !(looks_random(&next) || looks_random(&near) || looks_random(&after));
    if !looks_random(&tail) || !(bytes_change || s.sample_boundary(from, end)) {
        return None;
    }
    let bytes = full();
    looks_random(&bytes).then_some((PayloadLook::Random, 0.9, bytes))
}

/// Fewest bytes of a random-looking payload accepted (with four times as many after it).
const MIN_RANDOM: usize = 64;

/// Mostly printable: at most one control character in 50 (besides tab and newlines), as
/// [`text_quality`] requires, and no NUL.
fn printable(b: &[u8]) -> bool {
    !b.contains(&0)
}

/// Bytes that pass simple randomness checks for their length: balanced bits, no byte value
/// over-represented, few equal neighbours. Each check fails random data about once in 10,000 or
/// less; structured data (text, pixels, headers) fails them by far.
fn looks_random(b: &[u8]) -> bool {
    if b.len() < 32 {
        return false;
    }
    let n = b.len() as f64;
    let ones: u32 = b.iter().map(|c| c.count_ones()).sum();
    let bits = n * 8.0;
    // 4.5 standard deviations: random data fails this about once in 150,000
    if (ones as f64 - bits / 2.0).abs() > 4.5 * (bits / 4.0).sqrt() {
        return false;
    }
    let mut counts = [0u32; 256];
    for &c in b {
        counts[c as usize] += 1;
    }
    // counts of one value and of equal neighbours are Poisson with mean about n / 256, whose
    // tail is far heavier than a normal one at these means (a 5-sigma rule rejected 2-4 % of
    // random 128-256 byte payloads); the largest of 256 counts gets a 256 times smaller tail
    let max = *counts.iter().max().unwrap_or(&0);
    if max > poisson_bound(n / 256.0, 4e-7) {
        return false;
    }
    let equal = b.windows(2).filter(|w| w[0] == w[1]).count() as u32;
    equal <= poisson_bound((n - 1.0) / 256.0, 1e-4)
}

/// The largest count `k` with P(X > k) <= `alpha` for X Poisson with mean `mean` (a normal bound
/// with a wide margin for large means, where the exact sum underflows).
fn poisson_bound(mean: f64, alpha: f64) -> u32 {
    if mean > 50.0 {
        return (mean + 6.0 * mean.sqrt() + 3.0) as u32;
    }
    let mut pmf = (-mean).exp();
    let mut cdf = pmf;
    let mut k = 0u32;
    while 1.0 - cdf > alpha {
        k += 1;
        pmf *= mean / k as f64;
        cdf += pmf;
    }
    k
}

/// stego-lsb: try 1 to 8 LSBs per sample over all bands; the first plausible one wins.
fn stego_lsb(p: &PixelPlanes, take: &[usize], max_payload: usize) -> Option<ToolHit> {
    for n in 1..=8usize {
        let s = LowBits {
            samples: &p.samples,
            take,
            channels: p.channels(),
            n,
        };
        let cap_bits = s.bits() as u64;
        let tag = (64 - cap_bits.leading_zeros() as usize).div_ceil(8).max(1);
        let cap_bytes = (cap_bits / 8) as usize;
        if cap_bytes <= tag + 1 {
            continue;
        }
        let size = read(&s, 0, tag)
            .iter()
            .rev()
            .fold(0u64, |v, &b| (v << 8) | b as u64) as usize;
        if size == 0 || size > cap_bytes - tag {
            continue;
        }
        if let Some((look, score, bytes)) = judge(&s, tag, size, n, max_payload) {
            return Some(ToolHit {
                tool: Tool::StegoLsb,
                channel: channel_name(p.mode),
                lsbs: n as u8,
                complete: bytes.len() == size,
                bytes,
                offset: tag,
                look,
                score,
            });
        }
    }
    None
}

/// cloacked-pixel: a 4-byte little-endian size of the form 16 + 32 k (IV + padded AES-CBC), then
/// that many random-looking bytes, in the R, G, B LSBs. The size's form makes the header itself
/// strong evidence: random bytes give one below a 256x256 image's capacity about once in 5
/// million.
fn cloacked_pixel(p: &PixelPlanes, max_payload: usize) -> Option<ToolHit> {
    let s = LowBits {
        samples: &p.samples,
        take: &[0, 1, 2],
        channels: p.channels(),
        n: 1,
    };
    let head = read(&s, 0, 4);
    if head.len() < 4 {
        return None;
    }
    let size = u32::from_le_bytes([head[0], head[1], head[2], head[3]]) as usize;
    if size < 48 || !(size - 16).is_multiple_of(32) || size > s.len() - 4 {
        return None;
    }
    if !looks_random(&read(&s, 4, size.min(512))) {
        return None;
    }
    // Small headers come easily from structured LSBs (zero bits), so where the payload would
    // fill more than a quarter of the plane (a 16x16 icon's anti-aliased LSBs passed as 48-80
    // random bytes) the stream after it must be there, as long as the smallest payload judged
    // random, and not random (44 plain bytes after 48 "random" ones in a clean 16x16 icon).
    let end = 4 + size;
    if size * 4 > s.len()
        && (s.len() < end + MIN_RANDOM || looks_random(&read(&s, end, 4 * MIN_RANDOM)))
    {
        return None;
    }
    let bytes = read(&s, 4, size.min(max_payload));
    Some(ToolHit {
        tool: Tool::CloackedPixel,
        channel: "rgb",
        lsbs: 1,
        complete: bytes.len() == size,
        bytes,
        offset: 4,
        look: PayloadLook::Random,
        score: 0.95,
    })
}

/// stegano: `<length>:` then the message, in the R, G, B LSBs.
fn stegano(p: &PixelPlanes, max_payload: usize) -> Option<ToolHit> {
    let s = LowBits {
        samples: &p.samples,
        take: &[0, 1, 2],
        channels: p.channels(),
        n: 1,
    };
    let head = read(&s, 0, 11);
    let colon = head.iter().position(|&c| c == b':')?;
    let digits = &head[..colon];
    if digits.is_empty() || digits[0] == b'0' || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let size: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
    let start = colon + 1;
    if size == 0 || size > s.len().saturating_sub(start) {
        return None;
    }
    // a probe first: a chance header can announce megabytes
    let probe = read(&s, start, size.min(64));
    if let Err(e) = std::str::from_utf8(&probe) {
        if e.error_len().is_some() {
            return None; // invalid, not just cut inside the probe's last character
        }
    }
    let take_n = size.min(max_payload);
    let bytes = read(&s, start, take_n);
    // stegano hides strings: the message must be UTF-8 (cut at the cap: up to its last
    // character)
    let valid = match std::str::from_utf8(&bytes) {
        Ok(_) => bytes.len(),
        Err(e) if take_n < size => e.valid_up_to(),
        Err(_) => return None,
    };
    let text = &bytes[..valid];
    // short messages need a longer header to be believable: "5:" is 2 bytes of chance
    let score = if text_quality(text).is_some() && (text.len() >= 8 || digits.len() >= 2) {
        0.995
    } else if text.len() >= 16 {
        0.9 // UTF-8 without the look of text (e.g. another script's letters): still a string
    } else {
        return None;
    };
    Some(ToolHit {
        tool: Tool::Stegano,
        channel: "rgb",
        lsbs: 1,
        complete: take_n == size,
        bytes,
        offset: start,
        look: PayloadLook::Text,
        score,
    })
}

/// Most bytes a stepic stream is followed for before its end flag (16 MiB; stepic writes one
/// byte per three pixels, so only images over 48 Mpx hold more).
const STEPIC_MAX: usize = 1 << 24;

/// stepic (Debian `stepic`, PyPI `stepic`): no header; each byte in the LSBs of nine R, G, B
/// samples (three pixels), most significant bit first, and the ninth LSB 0 after every byte but
/// the last, where it is 1. A stream of noise ends within a few bytes (each flag 1 with
/// probability 1/2), but structured LSBs (icons, charts) keep the flags 0 for free, so the
/// payload carries the evidence: a known file, at least `STEPIC_MIN_TEXT` bytes of text that
/// passes the content search's tests, or at least `MIN_RANDOM` random-looking bytes with a
/// sharp boundary after them (as for stego-lsb). On the clean sets, 4-13 byte "texts" such as
/// `IX\tIIIHIII]G7` and 44-77 random-looking bytes of charts passed looser rules.
fn stepic(p: &PixelPlanes, max_payload: usize) -> Option<ToolHit> {
    let s = LowBits {
        samples: &p.samples,
        take: &[0, 1, 2],
        channels: p.channels(),
        n: 1,
    };
    let groups = (s.bits() / 9).min(STEPIC_MAX);
    let byte = |g: usize| (0..8).fold(0u8, |v, k| (v << 1) | s.bit(g * 9 + k));
    let last = |g: usize| s.bit(g * 9 + 8) == 1;
    // a probe of up to 64 bytes decides whether the stream is worth following
    let mut bytes = Vec::new();
    let mut end = None;
    for g in 0..groups.min(64) {
        bytes.push(byte(g));
        if last(g) {
            end = Some(g + 1);
            break;
        }
    }
    if bytes.len() < 4 {
        return None;
    }
    let kind = kind_of(&bytes);
    let file = !matches!(
        kind,
        TrailerKind::Text | TrailerKind::Binary | TrailerKind::Padding | TrailerKind::Ai42
    );
    let text = text_quality(&bytes).is_some() && printable(&bytes);
    let random = bytes.len() >= MIN_RANDOM && looks_random(&bytes);
    if !(file || text || random) {
        return None;
    }
    let size = match end {
        Some(n) => n,
        None => (64..groups).find(|&g| last(g))? + 1,
    };
    let bytes: Vec<u8> = (0..size.min(max_payload)).map(byte).collect();
    let (look, score) = if file {
        (PayloadLook::File(kind), 0.98)
    } else if text && size >= STEPIC_MIN_TEXT && printable(&bytes) && plausible_text(&bytes) {
        (PayloadLook::Text, 0.995)
    } else if random && looks_random(&bytes) && stepic_boundary(&s, size, groups) {
        (PayloadLook::Random, 0.9)
    } else {
        return None;
    };
    Some(ToolHit {
        tool: Tool::Stepic,
        channel: "rgb",
        lsbs: 1,
        complete: bytes.len() == size,
        bytes,
        offset: 0,
        look,
        score,
    })
}

/// Fewest bytes of a stepic text payload.
const STEPIC_MIN_TEXT: usize = 16;

/// A sharp end after a random-looking stepic payload of `size` bytes: the bytes that follow (read
/// the same way) do not pass as random, or the samples after it agree with their neighbours more
/// often than the payload's (see [`LowBits::sample_boundary`]).
fn stepic_boundary(s: &LowBits, size: usize, groups: usize) -> bool {
    if groups < size + 4 * MIN_RANDOM {
        return false;
    }
    let byte = |g: usize| (0..8).fold(0u8, |v, k| (v << 1) | s.bit(g * 9 + k));
    let after = |n: usize| {
        (size..(size + n).min(groups))
            .map(byte)
            .collect::<Vec<u8>>()
    };
    let bytes_change = ![MIN_RANDOM, 4 * MIN_RANDOM, 4096]
        .iter()
        .any(|&n| looks_random(&after(n)));
    bytes_change || s.sample_boundary(0, size * 9 / 8)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An RGB(A) plane of noise-free gradient pixels with `data` written in the `n` LSBs of
    /// every sample (stego-lsb's layout).
    fn plane(w: u32, h: u32, mode: ColorMode, data: &[u8], n: usize) -> PixelPlanes {
        let ch = mode.channels();
        let mut samples: Vec<u8> = (0..(w * h) as usize * ch)
            .map(|i| ((i / ch) % 200 + 20) as u8 & !((1u8 << n) - 1))
            .collect();
        let bits: Vec<u8> = data
            .iter()
            .flat_map(|b| (0..8).map(move |k| (b >> (7 - k)) & 1))
            .collect();
        for (i, chunk) in bits.chunks(n).enumerate() {
            let mut v = 0u8;
            for (k, b) in chunk.iter().enumerate() {
                v |= b << (n - 1 - k);
            }
            samples[i] = (samples[i] & !((1u8 << n) - 1)) | v;
        }
        PixelPlanes::from_samples(w, h, mode, samples)
    }

    /// Write `data` MSB first into the R, G, B LSBs of an RGBA plane (stegano's and
    /// cloacked-pixel's layout).
    fn write_rgb_lsbs(p: &mut PixelPlanes, data: &[u8]) {
        let bits = data
            .iter()
            .flat_map(|b| (0..8).map(move |k| (b >> (7 - k)) & 1));
        for (k, b) in bits.enumerate() {
            let i = k / 3 * 4 + k % 3;
            p.samples[i] = (p.samples[i] & !1) | b;
        }
    }

    /// `n` pseudo-random bytes (xorshift32 from `seed`).
    fn xorshift_bytes(seed: u32, n: usize) -> Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect()
    }

    fn stego_lsb_data(w: u32, h: u32, ch: usize, n: usize, msg: &[u8]) -> Vec<u8> {
        let cap_bits = (w * h) as u64 * ch as u64 * n as u64;
        let tag = (64 - cap_bits.leading_zeros() as usize).div_ceil(8);
        let mut d = (msg.len() as u64).to_le_bytes()[..tag].to_vec();
        d.extend_from_slice(msg);
        d
    }

    #[test]
    fn stego_lsb_text_and_random_payloads_at_1_to_3_lsbs() {
        let text = b"The quick brown fox jumps over the lazy dog at noon.";
        let random = xorshift_bytes(0x1234_5678, 200);
        for n in 1..=3 {
            for (msg, look) in [
                (&text[..], PayloadLook::Text),
                (&random[..], PayloadLook::Random),
            ] {
                let p = plane(
                    128,
                    128,
                    ColorMode::Rgba,
                    &stego_lsb_data(128, 128, 4, n, msg),
                    n,
                );
                let hits = search(&p, false, 1 << 20);
                let h = hits
                    .iter()
                    .find(|h| h.tool == Tool::StegoLsb)
                    .unwrap_or_else(|| panic!("{n} LSBs, {look:?}: no hit"));
                assert_eq!((h.lsbs as usize, h.look), (n, look));
                assert_eq!(h.bytes, msg);
                assert!(h.complete);
            }
        }
    }

    /// RGB noise whose 2 low bits pass the byte tests for random data, but where each sample
    /// repeats its left neighbour's value with probability `repeat` (spatially correlated, as
    /// photo noise is); `data` in the 2 LSBs of the first samples (stego-lsb's layout).
    fn correlated_noise(w: u32, h: u32, repeat: u32, data: &[u8]) -> PixelPlanes {
        let (w_, h_) = (w as usize, h as usize);
        let draws = xorshift_bytes(0x9e37_79b9, 2 * w_ * h_ * 3);
        let mut samples = vec![0u8; w_ * h_ * 3];
        for i in 0..w_ * h_ * 3 {
            let (coin, value) = (draws[2 * i] as u32, draws[2 * i + 1]);
            samples[i] = if i % (w_ * 3) >= 3 && coin * 100 < repeat * 256 {
                samples[i - 3]
            } else {
                value % 200 + 20
            };
        }
        let stego = plane(w, h, ColorMode::Rgb, data, 2);
        let written = (data.len() * 8).div_ceil(2);
        for (s, &v) in samples.iter_mut().zip(&stego.samples).take(written) {
            *s = (*s & !3) | (v & 3);
        }
        PixelPlanes::from_samples(w, h, ColorMode::Rgb, samples)
    }

    /// The dense fast paths (every channel, in order) read what the per-bit definitions read.
    #[test]
    fn dense_fast_paths_match_the_definitions() {
        let samples = xorshift_bytes(0x0bad_cafe, 3 * 700 + 2);
        for (take, channels) in [(&[0usize][..], 1), (&[0, 1, 2][..], 3), (&[0, 2][..], 3)] {
            for n in 1..=3 {
                let s = LowBits {
                    samples: &samples[..samples.len() / channels * channels],
                    take,
                    channels,
                    n,
                };
                for (from, len) in [(0, 5), (3, 64), (200, 4096), (s.len() - 2, 9)] {
                    let slow: Vec<u8> = (from..(from + len).min(s.len()))
                        .map(|j| s.get(j))
                        .collect();
                    assert_eq!(s.read_bytes(from, len), slow, "{take:?} n {n} from {from}");
                }
                let t = take.len();
                for (a, b) in [(0, 10), (5, 900), (100, 100_000), (50, 20)] {
                    let bb = b.min(s.samples_len().saturating_sub(t));
                    let same = (a..bb).filter(|&j| s.low(j) == s.low(j + t)).count();
                    assert_eq!(
                        s.agreements(a, b),
                        (same, bb.saturating_sub(a)),
                        "{take:?} n {n} [{a}, {b})"
                    );
                }
            }
        }
    }

    #[test]
    fn stego_lsb_random_payload_in_noise_is_seen_at_its_sample_boundary() {
        let random = xorshift_bytes(0x5151_7777, 64);
        let data = stego_lsb_data(128, 128, 3, 2, &random);
        // the image's own 2 LSBs pass as random bytes right after the payload: the byte test
        // alone sees no boundary
        let p = correlated_noise(128, 128, 30, &data);
        let s = LowBits {
            samples: &p.samples,
            take: &[0, 1, 2],
            channels: 3,
            n: 2,
        };
        let end = data.len();
        assert!(looks_random(&read(&s, end, 4 * MIN_RANDOM)));
        assert!(s.sample_boundary(3, end));
        let hits = search(&p, false, 1 << 20);
        let h = hits
            .iter()
            .find(|h| h.tool == Tool::StegoLsb)
            .expect("no hit");
        assert_eq!(
            (h.lsbs, h.look, &h.bytes[..]),
            (2, PayloadLook::Random, &random[..])
        );
        // without spatial correlation there is no boundary to see, and no claim
        let flat = correlated_noise(128, 128, 0, &data);
        assert!(!search(&flat, false, 1 << 20)
            .iter()
            .any(|h| h.tool == Tool::StegoLsb));
        // the clean correlated image itself: no header
        let clean = correlated_noise(128, 128, 30, &[]);
        assert!(search(&clean, false, 1 << 20).is_empty());
    }

    /// `data` in stepic's layout: nine R, G, B LSBs per byte, the ninth the end flag.
    fn write_stepic(p: &mut PixelPlanes, data: &[u8]) {
        let ch = p.channels();
        let bits = data.iter().enumerate().flat_map(|(i, b)| {
            let last = (i + 1 == data.len()) as u8;
            (0..8).map(move |k| (b >> (7 - k)) & 1).chain([last])
        });
        for (k, b) in bits.enumerate() {
            let i = k / 3 * ch + k % 3;
            p.samples[i] = (p.samples[i] & !1) | b;
        }
    }

    #[test]
    fn stepic_text_and_random_payloads_end_at_their_flag() {
        let text = b"Meet at the north gate after the second bell.";
        let random: Vec<u8> = (0..96u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert!(looks_random(&random));
        let with = |repeat: u32, mode: ColorMode, msg: &[u8]| {
            // noise in every LSB: the stream after the payload passes as random bytes too, but
            // with `repeat` its samples agree with their neighbours
            let mut p = correlated_noise(64, 64, repeat, &[]);
            if mode == ColorMode::Rgba {
                let px: Vec<u8> = p
                    .samples
                    .chunks(3)
                    .flat_map(|c| [c[0], c[1], c[2], 255])
                    .collect();
                p = PixelPlanes::from_samples(64, 64, mode, px);
            }
            write_stepic(&mut p, msg);
            search(&p, false, 1 << 20)
                .into_iter()
                .find(|h| h.tool == Tool::Stepic)
        };
        for mode in [ColorMode::Rgb, ColorMode::Rgba] {
            for (msg, look) in [
                (&text[..], PayloadLook::Text),
                (&random[..], PayloadLook::Random),
            ] {
                let h = with(30, mode, msg).unwrap_or_else(|| panic!("{mode:?} {look:?}: no hit"));
                assert_eq!((h.look, &h.bytes[..], h.complete), (look, msg, true));
            }
        }
        // random bytes need 64 of them and a boundary: none in noise without spatial structure
        assert!(with(30, ColorMode::Rgb, &random[..63]).is_none());
        assert!(with(0, ColorMode::Rgb, &random).is_none());
        // text needs 16 bytes that read like text
        assert!(with(0, ColorMode::Rgb, &text[..15]).is_none());
        assert!(with(0, ColorMode::Rgb, b"IX\tIIIHIII]G7IIIHIII]").is_none());
        assert!(with(0, ColorMode::Rgb, &text[..16]).is_some());
    }

    #[test]
    fn stegano_messages_with_their_length() {
        let msg = "hidden: 16 bytes";
        let mut data = format!("{}:", msg.len()).into_bytes();
        data.extend_from_slice(msg.as_bytes());
        // RGB channels only: write the bits into R, G, B of an RGBA plane
        let mut p = plane(64, 64, ColorMode::Rgba, &[], 1);
        write_rgb_lsbs(&mut p, &data);
        let hits = search(&p, false, 1 << 20);
        let h = hits
            .iter()
            .find(|h| h.tool == Tool::Stegano)
            .expect("stegano hit");
        assert_eq!(h.bytes, msg.as_bytes());
        assert!(h.score > 0.99);
    }

    #[test]
    fn cloacked_pixel_encrypted_payloads() {
        // its layout: LE size (IV + ciphertext padded to 32), then the bytes, in R, G, B LSBs
        let ct = xorshift_bytes(0x9E37_79B9, 16 + 64);
        let mut data = (ct.len() as u32).to_le_bytes().to_vec();
        data.extend_from_slice(&ct);
        let mut p = plane(64, 64, ColorMode::Rgba, &[], 1);
        write_rgb_lsbs(&mut p, &data);
        let hits = search(&p, false, 1 << 20);
        let h = hits
            .iter()
            .find(|h| h.tool == Tool::CloackedPixel)
            .expect("cloacked-pixel hit");
        assert_eq!((h.bytes.as_slice(), h.look), (&ct[..], PayloadLook::Random));
        // in a 20x20 icon 48 bytes fill a third of the plane: random after them, no verdict; a
        // plain stream after them shows the boundary; a 16x16 icon has too little after them
        let mut icon = 48u32.to_le_bytes().to_vec();
        icon.extend_from_slice(&ct[..48]);
        let mut noisy = icon.clone();
        let mut y = 0x2545_F491u32;
        noisy.extend((0..98).map(|_| {
            y ^= y << 13;
            y ^= y >> 17;
            y ^= y << 5;
            (y >> 8) as u8
        }));
        let mut p = plane(20, 20, ColorMode::Rgba, &[], 1);
        write_rgb_lsbs(&mut p, &noisy);
        let tools = |p: &PixelPlanes| {
            search(p, false, 1 << 20)
                .iter()
                .map(|h| h.tool)
                .collect::<Vec<_>>()
        };
        assert!(!tools(&p).contains(&Tool::CloackedPixel));
        let mut p = plane(20, 20, ColorMode::Rgba, &[], 1);
        write_rgb_lsbs(&mut p, &icon);
        assert!(tools(&p).contains(&Tool::CloackedPixel));
        let mut p = plane(16, 16, ColorMode::Rgba, &[], 1);
        write_rgb_lsbs(&mut p, &icon);
        assert!(!tools(&p).contains(&Tool::CloackedPixel));
        // a size not of the form 16 + 32 k is not its header
        data[0] += 1;
        let mut q = plane(64, 64, ColorMode::Rgba, &[], 1);
        write_rgb_lsbs(&mut q, &data);
        assert!(search(&q, false, 1 << 20)
            .iter()
            .all(|h| h.tool != Tool::CloackedPixel));
    }

    #[test]
    fn random_bytes_look_random_at_every_length() {
        // the counts rule must not reject random payloads of the sizes tools write
        assert_eq!(poisson_bound(0.25, 4e-7), 5);
        assert_eq!(poisson_bound(1.0, 4e-7), 9);
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut rejected = 0;
        for len in [64usize, 128, 256, 512, 1500, 4096] {
            for _ in 0..200 {
                let b: Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        (x >> 32) as u8
                    })
                    .collect();
                rejected += !looks_random(&b) as u32;
            }
        }
        assert!(rejected <= 1, "{rejected} of 1,200 random buffers rejected");
        // structure still fails
        assert!(!looks_random(&[7u8; 256]));
        assert!(!looks_random(
            &b"the quick brown fox jumps over the lazy dog ".repeat(8)
        ));
        let ramp: Vec<u8> = (0..512u32).map(|i| (i / 3) as u8).collect();
        assert!(!looks_random(&ramp));
    }

    #[test]
    fn clean_planes_give_nothing() {
        for mode in [ColorMode::Rgb, ColorMode::Rgba, ColorMode::Grey] {
            let p = plane(96, 96, mode, &[], 1);
            assert!(search(&p, false, 1 << 20).is_empty(), "{mode:?}");
        }
    }
}
