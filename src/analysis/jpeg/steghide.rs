//! steghide 0.5.1, found without its passphrase.
//!
//! steghide picks the coefficients it embeds in with a permutation drawn from a 32-bit linear
//! congruential generator whose seed is the passphrase's MD5 folded to 32 bits (CVE-2021-27211),
//! so every possible embedding order can be tried: about four billion seeds, each rejected
//! after two bits on average. The first 25 bits of every steghide embedding are fixed (the magic
//! `0x73688D` and version 0), then come the encryption algorithm and mode and the payload's
//! size; a seed whose first 65 bits read as such a header, with a size that fits, names the
//! embedding, its size and its encryption. Unencrypted payloads (`steghide -e none`) are then
//! read whole (zlib-decompressed and checked); encrypted ones cannot be read without the
//! passphrase, but their header is still certain enough for the default encryption
//! (rijndael-128 in CBC mode): a clean image shows that by chance once in tens of thousands of
//! images of a megapixel.
//!
//! The search costs tens of seconds per image on two cores whatever the image's size, far
//! beyond a scan's budget, so it runs only when asked for ([`crate::Options::steghide_seeds`]).
//! One seed costs microseconds, so every scan tries the seeds of [`known_passphrases`] (the
//! empty passphrase and about 260 that people use most) and of the caller's passphrases
//! ([`crate::Options::passphrases`]), and decrypts what they open (steghide's default
//! rijndael-128 in CBC mode). At most 256 KiB of one payload are read.
//!
//! The format as steghide reads it (its `JpegFile`, `Selector`, `EmbData`): the samples are
//! the non-zero coefficients, DC included, component by component, block rows top to bottom
//! (the component's own size in blocks, without MCU padding), coefficients in natural order;
//! a sample's value is `|c| mod 2`, and each embedded bit is the sum mod 2 of three samples at
//! consecutive places of the permutation. Bit fields are read least significant bit first.

use rayon::prelude::*;
use std::io::Read;

use crate::analysis::{Evidence, Method};
use crate::extract::{Payload, PayloadEncoding};
use crate::planes::dct::{DctPlanes, NATURAL_TO_ZIGZAG};
use crate::vocab::Tool;

/// steghide's generator: `v = A v + 1 (mod 2^32)`.
const LCG_A: u32 = 1_367_208_549;
/// Samples summed for each embedded bit.
const SAMPLES_PER_BIT: usize = 3;
/// steghide's magic, 24 bits, least significant first, then version 0 (one zero bit).
const MAGIC: u32 = 0x0073_688D;
const MAGIC_BITS: usize = 25;
/// Magic and version, algorithm (5 bits), mode (3 bits), payload bits (32 bits).
const HEADER_BITS: usize = MAGIC_BITS + 5 + 3 + 32;
/// Fewest samples worth searching: a header and a few bytes.
const MIN_SAMPLES: u32 = (SAMPLES_PER_BIT * (HEADER_BITS + 64)) as u32;
/// Smallest payload field steghide writes: compression and checksum flags and an empty file
/// name's NUL.
const MIN_PLAIN_BITS: u32 = 10;

/// Most embedded bits read for one payload (256 KiB): reading follows steghide's selector, whose
/// memory grows with every place drawn, so a header claiming more (a real payload that large
/// needs a JPEG of some twenty megapixels; a crafted one could claim a third of a huge image)
/// is reported without its payload.
const MAX_READ_BITS: u64 = 1 << 21;
/// Most unencrypted headers read whole in one seed search (each may read up to
/// [`MAX_READ_BITS`]; an image crafted with headers under many seeds gets no more).
const MAX_PLAIN_READS: usize = 16;

/// steghide's algorithm numbers (libmcrypt names), 0 = none.
const ALGORITHMS: [&str; 23] = [
    "none",
    "twofish",
    "rijndael-128",
    "rijndael-192",
    "rijndael-256",
    "saferplus",
    "rc2",
    "xtea",
    "serpent",
    "safersk64",
    "safersk128",
    "cast-256",
    "loki97",
    "gost",
    "threeway",
    "cast-128",
    "blowfish",
    "des",
    "tripledes",
    "enigma",
    "arcfour",
    "panama",
    "wake",
];
/// steghide's mode numbers.
const MODES: [&str; 8] = ["ecb", "cbc", "ofb", "cfb", "nofb", "ncfb", "ctr", "stream"];
/// steghide's defaults: rijndael-128 in CBC mode.
const DEFAULT_ALGORITHM: u32 = 2;
const DEFAULT_MODE: u32 = 1;

/// The sample parities of one JPEG in steghide's order, one bit each.
#[derive(Debug, Clone)]
pub struct Samples {
    bits: Vec<u64>,
    len: u32,
}

impl Samples {
    /// steghide's samples of `dct`. `None` when there are too few to hold a header, or more than
    /// steghide can count (2^32).
    pub fn new(dct: &DctPlanes) -> Option<Samples> {
        let mut bits = Vec::new();
        let mut len: u64 = 0;
        let mut word = 0u64;
        for (ci, c) in dct.components.iter().enumerate() {
            let (wb, hb) = dct.blocks_inside(ci);
            for by in 0..hb {
                for block in &c.blocks[by * c.blocks_x..by * c.blocks_x + wb] {
                    for &z in &NATURAL_TO_ZIGZAG {
                        let v = block[z];
                        if v != 0 {
                            // |v| mod 2 is the low bit in two's complement
                            word |= ((v & 1) as u64) << (len & 63);
                            len += 1;
                            if len & 63 == 0 {
                                bits.push(word);
                                word = 0;
                            }
                        }
                    }
                }
            }
        }
        if len & 63 != 0 {
            bits.push(word);
        }
        let len = u32::try_from(len).ok()?;
        (len >= MIN_SAMPLES).then_some(Samples { bits, len })
    }

    /// Number of samples (non-zero coefficients).
    pub fn len(&self) -> u32 {
        self.len
    }

    /// Whether there are no samples (never true of a value [`Samples::new`] returned).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline(always)]
    fn parity(&self, i: u32) -> u32 {
        ((self.bits[(i >> 6) as usize] >> (i & 63)) & 1) as u32
    }
}

/// Sample parities in steghide's order, however they are held.
pub trait Parity {
    /// Number of samples.
    fn count(&self) -> u32;
    /// `|c| mod 2` of sample `i < count()`.
    fn parity_at(&self, i: u32) -> u32;
}

impl Parity for Samples {
    fn count(&self) -> u32 {
        self.len
    }
    #[inline(always)]
    fn parity_at(&self, i: u32) -> u32 {
        self.parity(i)
    }
}

/// steghide's samples found on demand: each block's count of non-zero coefficients, summed in
/// steghide's order, so that the few hundred places one seed's header reads cost a binary
/// search each instead of listing every sample (a scan checks known passphrases this way).
pub struct SampleIndex<'a> {
    blocks: Vec<&'a [i16; 64]>,
    /// samples before each block
    starts: Vec<u32>,
    len: u32,
}

impl<'a> SampleIndex<'a> {
    /// The index of `dct`'s samples; `None` as for [`Samples::new`].
    pub fn new(dct: &'a DctPlanes) -> Option<SampleIndex<'a>> {
        Self::with_counts(dct, &dct.block_counts())
    }

    /// [`SampleIndex::new`] from [`DctPlanes::block_counts`] already made.
    pub fn with_counts(dct: &'a DctPlanes, counts: &[Vec<(u8, u8)>]) -> Option<SampleIndex<'a>> {
        let mut blocks = Vec::new();
        let mut starts = Vec::new();
        let mut len: u64 = 0;
        for (ci, (c, n)) in dct.components.iter().zip(counts).enumerate() {
            let (wb, hb) = dct.blocks_inside(ci);
            for by in 0..hb {
                let row = by * c.blocks_x..by * c.blocks_x + wb;
                for (block, &(nz, _)) in c.blocks[row.clone()].iter().zip(&n[row]) {
                    blocks.push(block);
                    starts.push(u32::try_from(len).ok()?);
                    len += nz as u64;
                }
            }
        }
        let len = u32::try_from(len).ok()?;
        (len >= MIN_SAMPLES).then_some(SampleIndex {
            blocks,
            starts,
            len,
        })
    }
}

impl Parity for SampleIndex<'_> {
    fn count(&self) -> u32 {
        self.len
    }
    fn parity_at(&self, i: u32) -> u32 {
        let b = self.starts.partition_point(|&s| s <= i) - 1;
        let mut r = i - self.starts[b];
        for &z in &NATURAL_TO_ZIGZAG {
            let v = self.blocks[b][z];
            if v != 0 {
                if r == 0 {
                    return (v & 1) as u32;
                }
                r -= 1;
            }
        }
        unreachable!("sample {i} counted in block {b}")
    }
}

/// steghide's `getValue(n)`: the generator's next state scaled to `0..n`, in the same double
/// arithmetic (the rounding decides the last place).
#[inline(always)]
fn next(v: &mut u32, n: u32) -> u32 {
    *v = v.wrapping_mul(LCG_A).wrapping_add(1);
    (n as f64 * (*v as f64 / 4_294_967_296.0)) as u32
}

/// Bit `i` of the fixed start of every embedding.
#[inline(always)]
fn magic_bit(i: usize) -> u32 {
    if i < 24 {
        (MAGIC >> i) & 1
    } else {
        0
    }
}

/// steghide's lazily drawn permutation of `0..m` (its `Selector`), reproduced step for step:
/// a draw that falls on a place already taken takes the value that place's own draw moved.
struct Selector {
    max: u32,
    state: u32,
    x: Vec<u32>,
    y: Vec<u32>,
    /// value -> the latest index whose `x` is that value
    rev: std::collections::HashMap<u32, u32>,
}

impl Selector {
    fn new(max: u32, seed: u32) -> Selector {
        Selector {
            max,
            state: seed,
            x: Vec::new(),
            y: Vec::new(),
            rev: std::collections::HashMap::new(),
        }
    }

    /// Index `i < j` whose `x` is `v`.
    fn index_of(&self, v: u32, j: u32) -> Option<u32> {
        self.rev.get(&v).copied().filter(|&i| i < j)
    }

    fn set_x(&mut self, i: u32, v: u32) {
        self.x[i as usize] = v;
        self.rev.insert(v, i);
    }

    /// Place `i` of the permutation (`i < max`).
    fn get(&mut self, i: u32) -> u32 {
        let mut j = self.x.len() as u32;
        if i >= j {
            self.x.resize(i as usize + 1, 0);
            self.y.resize(i as usize + 1, 0);
        }
        while j <= i {
            let k = j + next(&mut self.state, self.max - j);
            if let Some(p) = self.index_of(k, j) {
                let moved = self.y[p as usize];
                self.set_x(j, moved);
                if self.x[j as usize] > j {
                    self.y[j as usize] = j;
                }
                if self.x[p as usize] > j {
                    self.y[p as usize] = j;
                    if let Some(l) = self.index_of(self.y[p as usize], j) {
                        self.y[p as usize] = self.y[l as usize];
                    }
                }
            } else {
                self.set_x(j, k);
                self.y[j as usize] = j;
            }
            if self.x[j as usize] > j {
                if let Some(p) = self.index_of(self.y[j as usize], j) {
                    self.y[j as usize] = self.y[p as usize];
                }
            }
            j += 1;
        }
        self.x[i as usize]
    }
}

/// Reads embedded bits in order for one seed.
struct Reader<'a, P: Parity + ?Sized> {
    samples: &'a P,
    selector: Selector,
    next_sample: u32,
}

impl<'a, P: Parity + ?Sized> Reader<'a, P> {
    fn new(samples: &'a P, seed: u32) -> Reader<'a, P> {
        Reader {
            samples,
            selector: Selector::new(samples.count(), seed),
            next_sample: 0,
        }
    }

    /// Bits left to read before the samples run out (steghide stops one vertex early).
    fn bits_left(&self) -> u64 {
        (self.samples.count().saturating_sub(self.next_sample) as u64).saturating_sub(1)
            / SAMPLES_PER_BIT as u64
    }

    fn bit(&mut self) -> u32 {
        let mut e = 0;
        for _ in 0..SAMPLES_PER_BIT {
            let p = self.selector.get(self.next_sample);
            self.next_sample += 1;
            e ^= self.samples.parity_at(p);
        }
        e
    }

    /// `n <= 32` bits, least significant first.
    fn value(&mut self, n: usize) -> u32 {
        (0..n).fold(0, |acc, i| acc | (self.bit() << i))
    }
}

/// Outcome of the fast test of one seed.
enum Quick {
    Reject,
    Pass,
    /// A draw fell on a place already taken: read this seed with the full [`Selector`].
    Exact,
}

/// The fast test: do the first 25 bits read as steghide's magic and version? Places are drawn
/// as steghide draws them while no draw repeats one taken before, which is all but certain
/// this early; when one does, [`Quick::Exact`] hands the seed to the full selector.
#[inline(always)]
fn quick<P: Parity + ?Sized>(samples: &P, seed: u32) -> Quick {
    let m = samples.count();
    let mut v = seed;
    let mut taken = [0u32; MAGIC_BITS * SAMPLES_PER_BIT];
    let mut j = 0usize;
    for bit in 0..MAGIC_BITS {
        let mut e = 0;
        for _ in 0..SAMPLES_PER_BIT {
            let k = j as u32 + next(&mut v, m - j as u32);
            if taken[..j].contains(&k) {
                return Quick::Exact;
            }
            taken[j] = k;
            j += 1;
            e ^= samples.parity_at(k);
        }
        if e != magic_bit(bit) {
            return Quick::Reject;
        }
    }
    Quick::Pass
}

/// Bits each branch-free stage tests: six draws, one seed in four passes to the next stage.
const STAGE_BITS: usize = 2;
/// Stages before the exact test: the first eight bits (24 draws).
const STAGES: usize = 4;

/// The generator's state after `t` steps from seed `s` is `POW[t] s + ADD[t]`, so a later stage
/// starts from the seed alone.
const POW: [u32; STAGES * STAGE_BITS * SAMPLES_PER_BIT + 1] = lcg_table().0;
const ADD: [u32; STAGES * STAGE_BITS * SAMPLES_PER_BIT + 1] = lcg_table().1;

const fn lcg_table() -> (
    [u32; STAGES * STAGE_BITS * SAMPLES_PER_BIT + 1],
    [u32; STAGES * STAGE_BITS * SAMPLES_PER_BIT + 1],
) {
    let mut pow = [1u32; STAGES * STAGE_BITS * SAMPLES_PER_BIT + 1];
    let mut add = [0u32; STAGES * STAGE_BITS * SAMPLES_PER_BIT + 1];
    let mut t = 1;
    while t < pow.len() {
        pow[t] = pow[t - 1].wrapping_mul(LCG_A);
        add[t] = add[t - 1].wrapping_mul(LCG_A).wrapping_add(1);
        t += 1;
    }
    (pow, add)
}

/// Do bits `stage * STAGE_BITS ..` of seed `s` match, taking the draws as if none repeated (a
/// repeat among the first 24 draws happens to about 300 in `m` seeds, so the true seed is
/// lost that rarely) and scaling them in integer arithmetic? Also true when a draw is so close
/// below an integer that steghide's double rounding might differ: [`quick`] decides those.
#[inline(always)]
fn stage_passes(bits: &[u64], m: u32, s: u32, stage: usize) -> bool {
    let first = stage * STAGE_BITS;
    let t0 = first * SAMPLES_PER_BIT;
    let mut v = POW[t0].wrapping_mul(s).wrapping_add(ADD[t0]);
    let mut ok = true;
    let mut unsure = false;
    for bit in first..first + STAGE_BITS {
        let mut e = 0u64;
        for t in 0..SAMPLES_PER_BIT {
            let j = (bit * SAMPLES_PER_BIT + t) as u32;
            v = v.wrapping_mul(LCG_A).wrapping_add(1);
            let p = (m - j) as u64 * v as u64;
            unsure |= p as u32 >= 0xFFFF_F000;
            let k = j + (p >> 32) as u32;
            e ^= bits[(k >> 6) as usize] >> (k & 63);
        }
        ok &= (e & 1) as u32 == magic_bit(bit);
    }
    ok | unsure
}

/// The first stage over `count` seeds from `first`, without branches on the bits (a seed fails
/// half of its bit tests, so a branch per bit mispredicts constantly): the seeds that pass.
/// Blocks of 64 seeds are tested into a mask first, a loop the compiler can vectorise.
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
fn first_stage(samples: &Samples, first: u32, count: u32, out: &mut Vec<u32>) {
    const BLOCK: u32 = 64;
    let (bits, m) = (&samples.bits[..], samples.len);
    let mut pass = [0u8; BLOCK as usize];
    let mut i = 0;
    while i < count {
        let n = BLOCK.min(count - i);
        let base = first.wrapping_add(i);
        for (b, p) in pass.iter_mut().enumerate().take(n as usize) {
            *p = stage_passes(bits, m, base.wrapping_add(b as u32), 0) as u8;
        }
        for (b, &p) in pass.iter().enumerate().take(n as usize) {
            if p != 0 {
                out.push(base.wrapping_add(b as u32));
            }
        }
        i += n;
    }
}

/// A later stage over the seeds that passed the one before, in place.
#[multiversion::multiversion(targets("x86_64+avx2+fma"))]
fn next_stage(samples: &Samples, seeds: &mut Vec<u32>, stage: usize) {
    let (bits, m) = (&samples.bits[..], samples.len);
    let mut n = 0;
    for i in 0..seeds.len() {
        let s = seeds[i];
        seeds[n] = s;
        n += stage_passes(bits, m, s, stage) as usize;
    }
    seeds.truncate(n);
}

/// The embedding a seed reads, past its magic.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The generator's seed (the passphrase's MD5, its four 32-bit words XORed).
    pub seed: u32,
    /// steghide's encryption algorithm number (0 = none; 2 = rijndael-128, the default).
    pub algorithm: u32,
    /// steghide's encryption mode number (1 = cbc, the default).
    pub mode: u32,
    /// Bits of the (compressed) payload field before encryption.
    pub plain_bits: u32,
    /// Bits embedded after the header: the payload field, encrypted and padded.
    pub embedded_bits: u64,
}

impl Header {
    /// The algorithm's name (libmcrypt's), or `"unknown"`.
    pub fn algorithm_name(&self) -> &'static str {
        ALGORITHMS
            .get(self.algorithm as usize)
            .copied()
            .unwrap_or("unknown")
    }

    /// The mode's name.
    pub fn mode_name(&self) -> &'static str {
        MODES.get(self.mode as usize).copied().unwrap_or("unknown")
    }

    /// steghide's default encryption (what `steghide embed` does unless told otherwise).
    pub fn default_encryption(&self) -> bool {
        self.algorithm == DEFAULT_ALGORITHM && self.mode == DEFAULT_MODE
    }
}

/// What a seed search found.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    /// The header.
    pub header: Header,
    /// Read whole when unencrypted, or decrypted under a known passphrase: the embedded file's
    /// name and bytes.
    pub payload: Option<Plain>,
    /// The passphrase whose seed this is, when it was one of those tried
    /// ([`known_passphrases`] and the caller's).
    pub passphrase: Option<String>,
    /// The payload was not read: the header declares more than 256 KiB.
    pub unread: bool,
}

/// A passphrase every scan tries, with its generator seed (computed once per process).
#[derive(Debug, Clone, Copy)]
pub struct Known {
    /// The passphrase.
    pub passphrase: &'static str,
    /// [`seed_of`] the passphrase.
    pub seed: u32,
}

/// Passphrases every scan tries on every JPEG (about a microsecond each: most seeds fail the
/// first bits of the magic): the empty one, which steghide accepts when its prompt is answered
/// with Enter, then `common_passphrases.txt`: a few words of the trade (`steghide`, `stego`,
/// `hidden`, ...) and the 250 most common passwords of zxcvbn's frequency list (MIT;
/// NOTICE.md). A payload under a passphrase this weak is read in every scan; any other is left
/// to `--passphrases` and the seed search. (The list is short for speed: a thousand cost
/// about 1 ms per JPEG, `cargo run --release --example steghide_seeds -- --known-only 7`.)
pub fn known_passphrases() -> &'static [Known] {
    static KNOWN: std::sync::OnceLock<Vec<Known>> = std::sync::OnceLock::new();
    KNOWN.get_or_init(|| {
        std::iter::once("")
            .chain(include_str!("common_passphrases.txt").lines())
            .map(|p| Known {
                passphrase: p,
                seed: seed_of(p.as_bytes()),
            })
            .collect()
    })
}

/// steghide's seed for a passphrase: its MD5's four little-endian 32-bit words XORed.
pub fn seed_of(passphrase: &[u8]) -> u32 {
    use md5::Digest;
    let d = md5::Md5::digest(passphrase);
    d.chunks_exact(4)
        .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
        .fold(0, |a, w| a ^ w)
}

/// steghide's key for rijndael-128 (libmcrypt's key size 32, so AES-256): mhash's "mcrypt" key
/// generation with MD5, `MD5(p)` then `MD5(p || key so far)`.
fn key_of(passphrase: &[u8]) -> [u8; 32] {
    use md5::Digest;
    let first = md5::Md5::digest(passphrase);
    let mut h = md5::Md5::new();
    h.update(passphrase);
    h.update(first);
    let second = h.finalize();
    let mut key = [0u8; 32];
    key[..16].copy_from_slice(&first);
    key[16..].copy_from_slice(&second);
    key
}

/// Read and decrypt a payload under steghide's default encryption (rijndael-128, CBC; the IV
/// is the first 16 bytes) with `passphrase`, then parse it as [`read_plain`] does.
fn read_encrypted<P: Parity + ?Sized>(
    r: &mut Reader<'_, P>,
    h: &Header,
    passphrase: &[u8],
    max_bytes: usize,
) -> Option<Plain> {
    use aes::cipher::{block_padding::NoPadding, BlockDecryptMut, KeyIvInit};
    if !h.default_encryption() || !h.embedded_bits.is_multiple_of(128) || h.embedded_bits < 256 {
        return None;
    }
    let mut bytes = vec![0u8; (h.embedded_bits / 8) as usize];
    for byte in bytes.iter_mut() {
        *byte = (0..8).fold(0u8, |acc, i| acc | ((r.bit() as u8) << i));
    }
    let (iv, ct) = bytes.split_at_mut(16);
    let iv: [u8; 16] = (*iv).try_into().ok()?;
    let plain = cbc::Decryptor::<aes::Aes256>::new(&key_of(passphrase).into(), &iv.into())
        .decrypt_padded_mut::<NoPadding>(ct)
        .ok()?;
    let bits: Vec<u8> = plain
        .iter()
        .flat_map(|&b| (0..8).map(move |i| (b >> i) & 1))
        .take(h.plain_bits as usize)
        .collect();
    parse_plain(bits, max_bytes)
}

/// Try one passphrase: the header under its seed and, when one is there, the payload
/// (unencrypted, or decrypted when steghide's default encryption was used).
pub fn try_passphrase<P: Parity + ?Sized>(
    samples: &P,
    passphrase: &str,
    max_payload_bytes: usize,
) -> Option<Found> {
    try_seeded(
        samples,
        passphrase,
        seed_of(passphrase.as_bytes()),
        max_payload_bytes,
    )
}

/// [`try_passphrase`] with the passphrase's seed already known, after the fast test of its
/// first bits (which most seeds fail).
fn try_seeded<P: Parity + ?Sized>(
    samples: &P,
    passphrase: &str,
    seed: u32,
    max_payload_bytes: usize,
) -> Option<Found> {
    if let Quick::Reject = quick(samples, seed) {
        return None;
    }
    let (h, mut r) = header(samples, seed)?;
    let unread = h.embedded_bits > MAX_READ_BITS;
    let payload = if unread {
        None
    } else if h.algorithm == 0 {
        // a header that does not parse this far was chance
        Some(read_plain(&mut r, h.plain_bits, max_payload_bytes)?)
    } else {
        read_encrypted(&mut r, &h, passphrase.as_bytes(), max_payload_bytes)
    };
    Some(Found {
        header: h,
        payload,
        passphrase: Some(passphrase.to_string()),
        unread,
    })
}

/// Try [`known_passphrases`], then `more` (in parallel: a long list is a dictionary attack),
/// and return the first embedding one of them opens.
pub fn try_passphrases<P: Parity + Sync + ?Sized>(
    samples: &P,
    more: &[String],
    max_payload_bytes: usize,
) -> Option<Found> {
    known_passphrases()
        .iter()
        .find_map(|k| try_seeded(samples, k.passphrase, k.seed, max_payload_bytes))
        .or_else(|| {
            more.par_iter().find_map_first(|p| {
                try_seeded(samples, p, seed_of(p.as_bytes()), max_payload_bytes)
            })
        })
}

/// An unencrypted steghide payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Plain {
    /// The embedded file's name as steghide stored it (may be empty).
    pub file_name: String,
    /// The file's bytes.
    pub data: Vec<u8>,
    /// The CRC-32 steghide stored matched the data (or none was stored).
    pub checksum_ok: bool,
    /// The data is whole (not cut at the payload size limit).
    pub complete: bool,
}

/// Encrypted size in bits of `plain` bits under steghide's encryption (libmcrypt's block and
/// IV sizes for the algorithms steghide offers), or `None` for an unknown algorithm.
fn encrypted_bits(algorithm: u32, mode: u32, plain: u32) -> Option<u64> {
    // (block bytes, IV bytes in modes that have one); stream ciphers: block 1
    let (block, iv): (u64, u64) = match algorithm {
        0 => return Some(plain as u64),
        1 | 2 | 5 | 8 | 10 | 11 | 12 => (16, 16),
        3 => (24, 24),
        4 => (32, 32),
        6 | 7 | 9 | 13 | 14 | 15 | 16 | 17 | 18 => (8, 8),
        19..=22 => (1, 0),
        _ => return None,
    };
    let stream_mode = mode == 7;
    if (block == 1) != stream_mode {
        // block ciphers have no stream mode, stream ciphers no other
        return None;
    }
    let iv_bits = if mode == 0 || stream_mode { 0 } else { 8 * iv };
    let block_bits = 8 * block;
    Some(iv_bits + (plain as u64).div_ceil(block_bits) * block_bits)
}

/// Do the first 25 bits of `seed`, drawn by the full selector, read as the magic and version?
fn exact_magic<P: Parity + ?Sized>(samples: &P, seed: u32) -> bool {
    let mut r = Reader::new(samples, seed);
    (0..MAGIC_BITS).all(|i| r.bit() == magic_bit(i))
}

/// Read the header after the magic for `seed` (its first 25 bits already matched) and check
/// that it describes an embedding that fits.
fn header<P: Parity + ?Sized>(samples: &P, seed: u32) -> Option<(Header, Reader<'_, P>)> {
    let mut r = Reader::new(samples, seed);
    for i in 0..MAGIC_BITS {
        if r.bit() != magic_bit(i) {
            return None;
        }
    }
    let algorithm = r.value(5);
    let mode = r.value(3);
    let plain_bits = r.value(32);
    let embedded_bits = encrypted_bits(algorithm, mode, plain_bits)?;
    if plain_bits < MIN_PLAIN_BITS || embedded_bits > r.bits_left() {
        return None;
    }
    let h = Header {
        seed,
        algorithm,
        mode,
        plain_bits,
        embedded_bits,
    };
    Some((h, r))
}

/// Read an unencrypted payload field (compression flag, size, zlib stream, checksum flag,
/// CRC-32 (mhash's, which is the BZIP2 variant), NUL-terminated name, data). `None` when it does not parse: then the header was
/// chance.
fn read_plain<P: Parity + ?Sized>(
    r: &mut Reader<'_, P>,
    plain_bits: u32,
    max_bytes: usize,
) -> Option<Plain> {
    let bits: Vec<u8> = (0..plain_bits).map(|_| r.bit() as u8).collect();
    parse_plain(bits, max_bytes)
}

/// Parse a payload field's bits (see [`read_plain`]).
fn parse_plain(mut bits: Vec<u8>, max_bytes: usize) -> Option<Plain> {
    let field = |bits: &[u8], at: usize, n: usize| -> Option<u32> {
        let s = bits.get(at..at + n)?;
        Some(
            s.iter()
                .enumerate()
                .fold(0u32, |acc, (i, &b)| acc | ((b as u32) << i)),
        )
    };
    if bits[0] == 1 {
        // compressed: the field's length in bits, then zlib over its bytes (zero-padded)
        let size = field(&bits, 1, 32)? as u64;
        let want = size.div_ceil(8);
        if !(bits.len() - 33).is_multiple_of(8) || want > max_bytes as u64 + 4096 {
            return None;
        }
        let packed: Vec<u8> = bits[33..]
            .chunks(8)
            .map(|c| {
                c.iter()
                    .enumerate()
                    .fold(0u8, |acc, (i, &b)| acc | (b << i))
            })
            .collect();
        let mut out = Vec::with_capacity(want as usize);
        let mut z = flate2::read::ZlibDecoder::new(&packed[..]).take(want + 1);
        z.read_to_end(&mut out).ok()?;
        if out.len() as u64 != want {
            return None;
        }
        bits = out
            .iter()
            .flat_map(|&b| (0..8).map(move |i| (b >> i) & 1))
            .take(size as usize)
            .collect();
    } else {
        bits.remove(0);
    }
    let mut at = 0;
    let checksum = *bits.get(at)? == 1;
    at += 1;
    let crc = if checksum {
        let c = field(&bits, at, 32)?;
        at += 32;
        Some(c)
    } else {
        None
    };
    let mut name = Vec::new();
    loop {
        let c = field(&bits, at, 8)? as u8;
        at += 8;
        if c == 0 {
            break;
        }
        name.push(c);
    }
    let rest = bits.len() - at;
    if !rest.is_multiple_of(8) {
        return None;
    }
    let data: Vec<u8> = (0..rest / 8)
        .map(|i| field(&bits, at + 8 * i, 8).unwrap_or(0) as u8)
        .take(max_bytes)
        .collect();
    let complete = data.len() == rest / 8;
    let checksum_ok = match crc {
        Some(c) => complete && crc::Crc::<u32>::new(&crc::CRC_32_BZIP2).checksum(&data) == c,
        None => true,
    };
    Some(Plain {
        file_name: String::from_utf8_lossy(&name).into_owned(),
        data,
        checksum_ok,
        complete,
    })
}

/// Try every seed in `seeds` (a sub-range lets tests and callers split the work) and return
/// the embeddings found: a header that fits, with the payload when it is unencrypted and
/// parses. Runs on the current rayon pool.
pub fn search(
    samples: &Samples,
    seeds: std::ops::RangeInclusive<u32>,
    max_payload_bytes: usize,
) -> Vec<Found> {
    search_counted(samples, seeds, max_payload_bytes).0
}

/// [`search`], with the number of seeds whose first 25 bits read as the magic and version: by
/// chance about one in 2^25 (128 of the 2^32) on a clean image whose coefficient parities are
/// as good as random, which is what the certainty of a header rests on.
pub fn search_counted(
    samples: &Samples,
    seeds: std::ops::RangeInclusive<u32>,
    max_payload_bytes: usize,
) -> (Vec<Found>, usize) {
    const CHUNK: u64 = 1 << 20;
    let (lo, hi) = (*seeds.start() as u64, *seeds.end() as u64);
    if lo > hi {
        return (Vec::new(), 0);
    }
    let chunks = (hi - lo) / CHUNK + 1;
    let candidates: Vec<u32> = (0..chunks)
        .into_par_iter()
        .flat_map_iter(|c| {
            let a = lo + c * CHUNK;
            let b = (a + CHUNK - 1).min(hi);
            let mut passed = Vec::with_capacity((CHUNK >> (2 * STAGE_BITS)) as usize * 2);
            first_stage(samples, a as u32, (b - a + 1) as u32, &mut passed);
            for stage in 1..STAGES {
                next_stage(samples, &mut passed, stage);
            }
            passed
                .into_iter()
                .filter(|&s| !matches!(quick(samples, s), Quick::Reject))
        })
        .collect();
    let mut found = Vec::new();
    let mut magic = 0;
    let mut plain_reads = 0;
    for seed in candidates {
        if !matches!(quick(samples, seed), Quick::Exact) || exact_magic(samples, seed) {
            magic += 1;
        }
        let Some((h, mut r)) = header(samples, seed) else {
            continue;
        };
        let unread =
            h.embedded_bits > MAX_READ_BITS || (h.algorithm == 0 && plain_reads >= MAX_PLAIN_READS);
        if h.algorithm == 0 && !unread {
            plain_reads += 1;
            match read_plain(&mut r, h.plain_bits, max_payload_bytes) {
                Some(p) => found.push(Found {
                    header: h,
                    payload: Some(p),
                    passphrase: None,
                    unread: false,
                }),
                None => continue,
            }
        } else {
            found.push(Found {
                header: h,
                payload: None,
                passphrase: None,
                unread,
            });
        }
    }
    (found, magic)
}

/// Expected number of chance headers over the whole seed space for `m` samples, with the given
/// share of (algorithm, mode) values accepted: 2^32 seeds, 2^-25 for magic and version, that
/// share, and a size field (32 random bits) small enough to fit.
fn chance_headers(m: u32, share: f64) -> f64 {
    let fit = (m as f64 / SAMPLES_PER_BIT as f64) / 4_294_967_296.0;
    4_294_967_296.0 * 2f64.powi(-(MAGIC_BITS as i32)) * share * fit
}

/// Search every seed of a JPEG for a steghide embedding and say what was found, as evidence
/// for `jpeg.steghide` (tool `steghide`): certain (0.99) for a payload that reads whole
/// (unencrypted, or decrypted under a known passphrase) or a header with steghide's default
/// encryption; 0.3, reported but not deciding, for a header with another encryption (such
/// headers turn up by chance in about one image in 200 of a megapixel); a zero-score note when
/// nothing was found. `extract`: attach the payload, cut at `max_payload_bytes`.
pub fn analyse(
    dct: &DctPlanes,
    extract: bool,
    max_payload_bytes: usize,
    passphrases: &[String],
    evidence: &mut Vec<Evidence>,
) {
    let Some(samples) = Samples::new(dct) else {
        evidence.push(Evidence::new(
            Method::JpegSteghide,
            0.0,
            "steghide-seeds",
            "steghide seed search not run: too few non-zero coefficients for a header".into(),
        ));
        return;
    };
    let m = samples.len();
    let (mut found, magic) = search_counted(&samples, 0..=u32::MAX, max_payload_bytes);
    // an encrypted header under a passphrase tried opens
    for f in found.iter_mut().filter(|f| f.payload.is_none()) {
        let seed = f.header.seed;
        let p = known_passphrases()
            .iter()
            .map(|k| k.passphrase)
            .chain(passphrases.iter().map(String::as_str))
            .find(|p| seed_of(p.as_bytes()) == seed);
        if let Some(opened) = p.and_then(|p| try_passphrase(&samples, p, max_payload_bytes)) {
            *f = opened;
        }
    }
    // the most certain finding speaks; a second header in one image would be chance
    let best = found.into_iter().max_by_key(|f| {
        (
            f.payload.as_ref().is_some_and(|p| p.checksum_ok),
            f.payload.is_some() || f.header.default_encryption(),
        )
    });
    match best {
        Some(f) => evidence.push(finding(f, m, "steghide-seeds", extract)),
        None => evidence.push(Evidence::new(
            Method::JpegSteghide,
            0.0,
            "steghide-seeds",
            format!(
                "steghide seed search: no embedding under any of the 2^32 seeds ({m} non-zero \
                 coefficients; {magic} seeds read the magic by chance, about 128 expected, none \
                 with a header that fits)"
            ),
        )),
    }
}

/// Images of at most this many blocks (all components; about 0.17 Mpx at 4:2:0) have their
/// samples listed for the known passphrases: the list costs less than the binary searches of
/// the about 1,600 samples the built-in passphrases read.
const LIST_BLOCKS: usize = 4096;

/// Try the [`known_passphrases`] and `passphrases` on a JPEG (what every scan does: a fraction
/// of a millisecond for a photo, one pass counting the non-zero coefficients, then about a
/// microsecond per passphrase) and add evidence when one opens an embedding, with the payload
/// decrypted; nothing otherwise.
pub fn analyse_known(
    dct: &DctPlanes,
    counts: &[Vec<(u8, u8)>],
    extract: bool,
    max_payload_bytes: usize,
    passphrases: &[String],
    evidence: &mut Vec<Evidence>,
) {
    // a long list, or a small image, pays for listing every sample's parity once (a pass over
    // the blocks); a few passphrases on a large image look up the few samples they read
    let blocks: usize = dct.components.iter().map(|c| c.blocks.len()).sum();
    let found = if passphrases.len() > 256 || blocks <= LIST_BLOCKS {
        Samples::new(dct)
            .and_then(|s| try_passphrases(&s, passphrases, max_payload_bytes).map(|f| (f, s.len())))
    } else {
        SampleIndex::with_counts(dct, counts).and_then(|s| {
            try_passphrases(&s, passphrases, max_payload_bytes).map(|f| (f, s.count()))
        })
    };
    if let Some((f, m)) = found {
        evidence.push(finding(f, m, "steghide-passphrase", extract));
    }
}

/// The evidence for an embedding found in `m` samples by `analysis`.
fn finding(f: Found, m: u32, analysis: &'static str, extract: bool) -> Evidence {
    let h = &f.header;
    let bytes = h.plain_bits.div_ceil(8);
    let how = match f.passphrase.as_deref() {
        Some("") => "under the empty passphrase".to_string(),
        Some(p) => format!("under the passphrase {p:?}"),
        None => format!(
            "without the passphrase (seed {:#010x}, one of 2^32 tried)",
            h.seed
        ),
    };
    let mut head = format!(
        "steghide's header read {how}: magic, version 0, {} in {} mode, a payload field of \
         {bytes} bytes (compressed before encryption) in {m} non-zero coefficients",
        h.algorithm_name(),
        h.mode_name()
    );
    if f.unread {
        head.push_str(" (not read: over the 256 KiB that are read of one payload)");
    }
    let mut e = match &f.payload {
        Some(p) => Evidence::new(
            Method::JpegSteghide,
            if p.checksum_ok { Evidence::OPENED } else { 0.9 },
            analysis,
            format!(
                "{head}; {}: file {:?}, {} bytes, CRC-32 {}: payload recovered",
                if h.algorithm == 0 {
                    "unencrypted"
                } else {
                    "decrypted"
                },
                p.file_name,
                p.data.len(),
                if p.checksum_ok {
                    "matches"
                } else {
                    "does not match"
                }
            ),
        ),
        None if f.passphrase.is_some() => Evidence::new(
            Method::JpegSteghide,
            0.99,
            analysis,
            if f.unread {
                head
            } else {
                format!("{head}; the payload did not open (an encryption other than the default)")
            },
        ),
        None if h.default_encryption() => Evidence::new(
            Method::JpegSteghide,
            0.99,
            analysis,
            format!(
                "{head}; steghide's default encryption, which a clean image shows by chance \
                 about {:.0e} times",
                chance_headers(m, 1.0 / 256.0)
            ),
        ),
        None => Evidence::new(
            Method::JpegSteghide,
            0.3,
            analysis,
            format!(
                "{head}; not steghide's default encryption: a header like this turns up by \
                 chance about {:.0e} times in an image of this size, so it is not taken alone",
                chance_headers(m, 0.5)
            ),
        ),
    };
    e.tool = Some(Tool::Steghide);
    if let (Some(p), true) = (f.payload, extract) {
        e.payload = Some(Payload {
            method: Method::JpegSteghide,
            encrypted: false,
            bytes: p.data,
            encoding: PayloadEncoding::Steghide,
            file_type: None,
            bit_order: None,
            channel: "dct.nonzero".into(),
            offset: 0,
            frame: None,
            complete: p.complete,
            tool: Some(Tool::Steghide),
            lsbs: None,
        });
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(parities: &[u8]) -> Samples {
        let mut bits = vec![0u64; parities.len().div_ceil(64)];
        for (i, &p) in parities.iter().enumerate() {
            bits[i / 64] |= (p as u64 & 1) << (i % 64);
        }
        Samples {
            bits,
            len: parities.len() as u32,
        }
    }

    /// The index finds every sample's parity where the list of all samples has it: colour and
    /// greyscale, baseline and progressive, and values of both signs far from zero.
    #[test]
    fn the_index_reads_what_the_sample_list_holds() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jpeg");
        for name in [
            "photo-kphotoalbum.jpg",
            "progressive-supertux.jpg",
            "f5stegojs-grey-kphotoalbum.jpg",
        ] {
            let mut dct = DctPlanes::read(&std::fs::read(dir.join(name)).unwrap(), 64).unwrap();
            if name == "photo-kphotoalbum.jpg" {
                let mut next = crate::test_support::xorshift(9);
                for b in dct.components[0].blocks.iter_mut().step_by(7) {
                    let z = next() as usize % 64;
                    b[z] = (next() % 4001) as i16 - 2000;
                }
            }
            let all = Samples::new(&dct).unwrap();
            let ix = SampleIndex::new(&dct).unwrap();
            assert_eq!(ix.count(), all.len(), "{name}");
            for i in 0..all.len() {
                assert_eq!(ix.parity_at(i), all.parity(i), "{name} sample {i}");
            }
        }
    }

    #[test]
    fn the_selector_is_a_permutation_and_the_quick_path_agrees_with_it() {
        for (m, seed) in [(500u32, 7u32), (2_000, 0x6940_3060), (50, 1)] {
            let mut s = Selector::new(m, seed);
            let all: Vec<u32> = (0..m).map(|i| s.get(i)).collect();
            let mut sorted = all.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..m).collect::<Vec<_>>(), "m {m} seed {seed}");
            // without repeats the first draws are j + getValue(m - j)
            let mut v = seed;
            for (j, &x) in all.iter().enumerate().take(10) {
                let k = j as u32 + next(&mut v, m - j as u32);
                if !all[..j].contains(&k) {
                    assert_eq!(x, k);
                }
            }
        }
    }

    /// Write `bits` for `seed` the way steghide places them (set the first sample of each
    /// triple so that the triple's parity is the bit).
    fn plant(p: &mut [u8], seed: u32, bits: &[u32]) {
        let base = samples(p);
        let mut sel = Selector::new(base.len, seed);
        let mut at = 0;
        for &b in bits {
            let places: Vec<u32> = (0..3)
                .map(|_| {
                    let q = sel.get(at);
                    at += 1;
                    q
                })
                .collect();
            let e = places.iter().fold(0u8, |acc, &q| acc ^ p[q as usize]);
            if e as u32 != b {
                p[places[0] as usize] ^= 1;
            }
        }
    }

    fn field(v: u32, n: usize) -> Vec<u32> {
        (0..n).map(|i| (v >> i) & 1).collect()
    }

    fn noise(n: usize, mut x: u64) -> Vec<u8> {
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x & 1) as u8
            })
            .collect()
    }

    #[test]
    fn a_planted_default_header_is_found_in_its_seed_window_and_nothing_in_noise() {
        let mut p = noise(60_000, 99);
        let clean = samples(&p);
        let seed = 0x6940_3060u32;
        let mut bits: Vec<u32> = (0..MAGIC_BITS).map(magic_bit).collect();
        bits.extend(field(DEFAULT_ALGORITHM, 5));
        bits.extend(field(DEFAULT_MODE, 3));
        bits.extend(field(1_000, 32));
        plant(&mut p, seed, &bits);
        let s = samples(&p);
        let window = seed - (1 << 16)..=seed + (1 << 16);
        let found = search(&s, window.clone(), 1 << 20);
        assert_eq!(found.len(), 1, "{found:?}");
        let h = &found[0].header;
        assert_eq!((h.seed, h.plain_bits), (seed, 1_000));
        assert!(h.default_encryption());
        assert_eq!(h.embedded_bits, 128 + 1_024);
        assert!(found[0].payload.is_none());
        assert!(search(&clean, window, 1 << 20).is_empty());
    }

    #[test]
    fn an_unencrypted_compressed_payload_is_read_whole_and_checked() {
        use std::io::Write;
        let data = b"attack at dawn, attack at dawn, attack at dawn".to_vec();
        // the field steghide compresses: checksum flag, CRC-32, name, NUL, data
        let mut inner: Vec<u32> = vec![1];
        inner.extend(field(
            crc::Crc::<u32>::new(&crc::CRC_32_BZIP2).checksum(&data),
            32,
        ));
        for &c in b"msg.txt\0".iter().chain(&data) {
            inner.extend(field(c as u32, 8));
        }
        let packed: Vec<u8> = inner
            .chunks(8)
            .map(|c| {
                c.iter()
                    .enumerate()
                    .fold(0u8, |a, (i, &b)| a | ((b as u8) << i))
            })
            .collect();
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        z.write_all(&packed).unwrap();
        let zbytes = z.finish().unwrap();
        let mut plain = vec![1];
        plain.extend(field(inner.len() as u32, 32));
        for &b in &zbytes {
            plain.extend(field(b as u32, 8));
        }
        let mut p = noise(40_000, 5);
        let seed = 0x3b75_655e;
        let mut bits: Vec<u32> = (0..MAGIC_BITS).map(magic_bit).collect();
        bits.extend(field(0, 5));
        bits.extend(field(0, 3));
        bits.extend(field(plain.len() as u32, 32));
        bits.extend(&plain);
        plant(&mut p, seed, &bits);
        let found = search(&samples(&p), seed - 1000..=seed + 1000, 1 << 20);
        assert_eq!(found.len(), 1, "{found:?}");
        let got = found[0].payload.as_ref().expect("unencrypted payload read");
        assert_eq!(got.data, data);
        assert_eq!(got.file_name, "msg.txt");
        assert!(got.checksum_ok);
    }

    #[test]
    fn a_header_claiming_more_than_the_read_limit_is_reported_unread() {
        // a crafted image: under the empty passphrase's seed, an unencrypted header declaring
        // 2^21 + 8 bits, which fits its 6.5 million samples; nothing past the header is read
        let mut p = noise(6_500_000, 11);
        let seed = seed_of(b"");
        let mut bits: Vec<u32> = (0..MAGIC_BITS).map(magic_bit).collect();
        bits.extend(field(0, 5));
        bits.extend(field(1, 3));
        bits.extend(field((1 << 21) + 8, 32));
        plant(&mut p, seed, &bits);
        let f = try_passphrase(&samples(&p), "", 1 << 20).expect("header under the empty seed");
        assert!(f.unread && f.payload.is_none(), "{f:?}");
        let e = finding(f, 6_500_000, "steghide-passphrase", true);
        assert!(e.detail.contains("not read"), "{}", e.detail);
        assert!(e.payload.is_none());
    }

    #[test]
    fn headers_that_cannot_be_steghide_are_refused() {
        // stream mode with a block cipher, a size beyond the samples, an unknown algorithm
        assert_eq!(encrypted_bits(2, 7, 100), None);
        assert_eq!(encrypted_bits(20, 1, 100), None);
        assert_eq!(encrypted_bits(23, 1, 100), None);
        assert_eq!(encrypted_bits(20, 7, 100), Some(104));
        assert_eq!(encrypted_bits(2, 0, 100), Some(128));
        let mut p = noise(3_000, 3);
        let seed = 12_345;
        let mut bits: Vec<u32> = (0..MAGIC_BITS).map(magic_bit).collect();
        bits.extend(field(2, 5));
        bits.extend(field(1, 3));
        bits.extend(field(5_000, 32)); // 5,000 bits need 15,000+ samples
        plant(&mut p, seed, &bits);
        assert!(search(&samples(&p), 0..=100_000, 1 << 20).is_empty());
    }
}
