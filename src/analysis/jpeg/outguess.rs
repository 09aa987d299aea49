//! OutGuess 0.2/0.4 under a known key: its payload read back, as `outguess -r` does.
//!
//! OutGuess writes no magic and no checksum: any JPEG "retrieves" something under any key. So
//! a payload counts only when it reads as something (text, or a file with a known magic), which
//! random bytes of that length never do by chance. The keys every scan tries are OutGuess's own
//! default, `"Default key"`, used when `outguess` is run without `-k`, and the common
//! passphrases of [`known_keys`] (read on only when the header names one of OutGuess's default
//! seeds, which makes them nearly free); callers may add more.
//!
//! The format as OutGuess reads it (written from its description, not its code): the usable
//! coefficients are those other than 0 and 1, DC included, block by block in decoding order
//! (MCU by MCU, each component's blocks of the MCU row by row), natural order inside a block;
//! each carries its low bit. Two RC4 streams are keyed with `MD5(label || key)` ("Encryption",
//! "Seeding"); the "Seeding" stream's 32-bit big-endian words give the distances between the
//! bits read (`word % skipmod + 1`, `skipmod` 32 for the header). The 4-byte header (seed, then
//! length, little-endian, XORed with the "Encryption" stream) is read; the seed is stirred into
//! the "Seeding" stream, and before each payload byte `skipmod` adapts to spread the rest of
//! the payload over the rest of the image. The payload is XORed with the "Encryption" stream
//! from its start (the same bytes that masked the header).

use rayon::prelude::*;

use super::keyed::{opened, promising, reads_as, MIN_PAYLOAD};
use super::rc4::Arc4;
use crate::analysis::{Evidence, Method};
use crate::extract::PayloadEncoding;
use crate::planes::dct::DctPlanes;
use crate::vocab::Tool;

/// OutGuess's key when none is given.
pub const DEFAULT_KEY: &str = "Default key";

/// RC4 keyed as OutGuess keys it: `MD5(label || key)` stirred into the identity state.
fn keyed(label: &str, key: &[u8]) -> Arc4 {
    use md5::Digest;
    let mut h = md5::Md5::new();
    h.update(label.as_bytes());
    h.update(key);
    let digest = h.finalize();
    let mut a = Arc4::identity();
    a.stir(&digest);
    a
}

/// OutGuess's usable coefficients, found on demand: their number and the low bits of the
/// first [`HEAD_SPAN`], counted from the blocks' counts without listing them; any other bit is
/// read by a forward [`Walk`] over the blocks (a selection only moves forward).
pub struct Bits<'a> {
    dct: &'a DctPlanes,
    /// [`DctPlanes::block_counts`]
    counts: std::borrow::Cow<'a, [Vec<(u8, u8)>]>,
    /// per component, its blocks inside the image `(per row, rows)` ([`DctPlanes::blocks_inside`])
    inside: Vec<(usize, usize)>,
    len: usize,
    /// the low bits of the first [`HEAD_SPAN`] usable coefficients, where every key's header
    /// lies: read once, so that testing a key's header costs 32 lookups in a short array
    head: Vec<u8>,
}

/// Usable coefficients that can hold a header: its 32 bits lie in the first 1,024 (the first
/// at most 31 in, then steps of at most 32).
const HEAD_SPAN: usize = 1024;

/// OutGuess uses every coefficient but 0 and 1.
#[inline(always)]
fn usable(v: i16) -> bool {
    v != 0 && v != 1
}

impl<'a> Bits<'a> {
    /// OutGuess's usable coefficients of `dct`: the blocks in decoding order
    /// ([`DctPlanes::scan_order`]) that lie in the image (MCU padding left out).
    pub fn new(dct: &'a DctPlanes) -> Bits<'a> {
        Self::counted(dct, std::borrow::Cow::Owned(dct.block_counts()))
    }

    /// [`Bits::new`] from [`DctPlanes::block_counts`] already made.
    pub fn with_counts(dct: &'a DctPlanes, counts: &'a [Vec<(u8, u8)>]) -> Bits<'a> {
        Self::counted(dct, std::borrow::Cow::Borrowed(counts))
    }

    fn counted(dct: &'a DctPlanes, counts: std::borrow::Cow<'a, [Vec<(u8, u8)>]>) -> Bits<'a> {
        let inside: Vec<(usize, usize)> = (0..dct.components.len())
            .map(|ci| dct.blocks_inside(ci))
            .collect();
        // the total in any order: row by row of each component's blocks inside
        let mut len = 0;
        for ((c, n), &(wb, hb)) in dct.components.iter().zip(counts.iter()).zip(&inside) {
            for row in n.chunks(c.blocks_x.max(1)).take(hb) {
                len += row[..wb.min(row.len())]
                    .iter()
                    .map(|&(nonzero, ones)| (nonzero - ones) as usize)
                    .sum::<usize>();
            }
        }
        let mut bits = Bits {
            dct,
            counts,
            inside,
            len,
            head: Vec::new(),
        };
        let mut head = Vec::with_capacity(HEAD_SPAN.min(len));
        let mut walk = Walk::new(&bits);
        'blocks: while let Some((ci, b)) = walk.block {
            for &z in &crate::planes::dct::NATURAL_TO_ZIGZAG {
                if head.len() == HEAD_SPAN {
                    break 'blocks;
                }
                let v = dct.components[ci].blocks[b][z];
                if usable(v) {
                    head.push((v & 1) as u8);
                }
            }
            walk.block = walk.next_inside();
        }
        bits.head = head;
        bits
    }

    /// Number of usable coefficients (bits).
    pub fn len(&self) -> usize {
        self.len
    }

    /// No usable coefficients.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The usable coefficients of block `b` of component `ci`.
    fn usable_in(&self, (ci, b): (usize, usize)) -> usize {
        let (nonzero, ones) = self.counts[ci][b];
        (nonzero - ones) as usize
    }
}

/// A walk over [`Bits`] in OutGuess's order: reading bit `i` costs the blocks between the bit
/// read before and `i` (a payload's selection only moves forward; a bit before the last one
/// read starts the walk over).
struct Walk<'b, 'a> {
    bits: &'b Bits<'a>,
    order: crate::planes::dct::ScanOrder<'a>,
    /// the block reached, and the usable coefficients before it
    block: Option<(usize, usize)>,
    before: usize,
}

impl<'b, 'a> Walk<'b, 'a> {
    fn new(bits: &'b Bits<'a>) -> Walk<'b, 'a> {
        let mut w = Walk {
            bits,
            order: bits.dct.scan_order(),
            block: None,
            before: 0,
        };
        w.block = w.next_inside();
        w
    }

    /// The next block of the scan order that lies in the image.
    fn next_inside(&mut self) -> Option<(usize, usize)> {
        let (dct, inside) = (self.bits.dct, &self.bits.inside);
        self.order.by_ref().find(|&(ci, b)| {
            let (wb, hb) = inside[ci];
            let per_row = dct.components[ci].blocks_x;
            b % per_row < wb && b / per_row < hb
        })
    }

    /// The low bit of usable coefficient `i`.
    fn bit(&mut self, i: usize) -> Option<u8> {
        if i >= self.bits.len {
            return None;
        }
        if i < self.before {
            *self = Walk::new(self.bits);
        }
        loop {
            let at = self.block?;
            let n = self.bits.usable_in(at);
            if i < self.before + n {
                break;
            }
            self.before += n;
            self.block = self.next_inside();
        }
        let (ci, b) = self.block?;
        let mut r = i - self.before;
        for &z in &crate::planes::dct::NATURAL_TO_ZIGZAG {
            let v = self.bits.dct.components[ci].blocks[b][z];
            if usable(v) {
                if r == 0 {
                    return Some((v & 1) as u8);
                }
                r -= 1;
            }
        }
        None
    }
}

/// The selection of bits: OutGuess's iterator.
struct Iter {
    rc: Arc4,
    skipmod: u32,
    off: usize,
}

impl Iter {
    fn new(key: &[u8]) -> Iter {
        let mut rc = keyed("Seeding", key);
        let off = (rc.word() % 32) as usize;
        Iter {
            rc,
            skipmod: 32,
            off,
        }
    }

    fn next(&mut self) {
        self.off += (self.rc.word() % self.skipmod) as usize + 1;
    }

    /// `skipmod` for `left` payload bytes over the bits left: twice the room per bit, fading to
    /// once over the last 32nd of the image (OutGuess computes it in single precision).
    fn adapt(&mut self, total: usize, left: usize) {
        let rest = total as i64 - self.off as i64;
        let x32 = (total / 32) as i64;
        let adj: f32 = if rest > x32 {
            2.0
        } else {
            2.0 - (x32 - rest) as f32 / x32 as f32
        };
        let v = adj * rest as f32 / (8 * left) as f32;
        self.skipmod = v as u32;
    }

    /// Read one byte, least significant bit first; `None` past the end.
    fn byte(&mut self, walk: &mut Walk<'_, '_>) -> Option<u8> {
        let mut b = 0u8;
        for k in 0..8 {
            b |= walk.bit(self.off)? << k;
            self.next();
        }
        Some(b)
    }
}

/// OutGuess's search for the embedding that changes fewest bits (`steg_find`) tries the seeds
/// 0-255 unless told otherwise (`-s`, `-i`): a header read under a wrong key names such a seed
/// one time in 256.
pub const DEFAULT_SEEDS: u16 = 256;

/// A key's selection and encryption up to the end of OutGuess's header, which depend on the key
/// alone: made once per key, then tried on any number of images.
#[derive(Clone)]
pub struct Prepared {
    /// where the header's 32 bits lie among the usable coefficients
    head: [u16; 32],
    /// the "Encryption" stream's first bytes, which mask the header
    mask: [u8; 4],
    /// the "Seeding" stream and the selection's offset after the header
    seeding: Arc4,
    off: usize,
    /// the "Encryption" stream from its start, which masks the payload
    enc: Arc4,
}

impl Prepared {
    /// `key`'s streams, run to the end of the header.
    pub fn new(key: &[u8]) -> Prepared {
        let mut enc = keyed("Encryption", key);
        let fresh = enc.clone();
        let mut it = Iter::new(key);
        let mut head = [0u16; 32];
        for h in head.iter_mut() {
            // below HEAD_SPAN by construction (steps of at most 32)
            *h = it.off as u16;
            it.next();
        }
        Prepared {
            head,
            mask: std::array::from_fn(|_| enc.byte()),
            seeding: it.rc,
            off: it.off,
            enc: fresh,
        }
    }

    /// The header's seed and payload length in `bits`, when the length fits the image.
    pub fn header(&self, bits: &Bits<'_>) -> Option<(u16, usize)> {
        let mut head = self.mask;
        for (k, &at) in self.head.iter().enumerate() {
            head[k / 8] ^= *bits.head.get(at as usize)? << (k % 8);
        }
        let seed = u16::from_le_bytes([head[0], head[1]]);
        let len = u16::from_le_bytes([head[2], head[3]]) as usize;
        (len != 0 && len <= bits.len().div_ceil(8)).then_some((seed, len))
    }

    /// The payload after a [`Prepared::header`], and whether it was read whole, when `accept`
    /// takes its first bytes (up to 16: reading stops there when it does not); `None` when the
    /// selection runs out before 16 bytes. OutGuess spreads a payload up to the image's last
    /// usable coefficient and drops the bits its selection places beyond it, so a payload can
    /// end early: the bytes read whole are returned, marked incomplete.
    pub fn payload(
        &self,
        bits: &Bits<'_>,
        seed: u16,
        len: usize,
        accept: impl Fn(&[u8]) -> bool,
    ) -> Option<(Vec<u8>, bool)> {
        let mut it = Iter {
            rc: self.seeding.clone(),
            skipmod: 32,
            off: self.off,
        };
        it.rc.stir(&seed.to_le_bytes());
        let mut enc = self.enc.clone();
        let mut walk = Walk::new(bits);
        let mut out = Vec::with_capacity(len);
        for left in (1..=len).rev() {
            it.adapt(bits.len(), left);
            if it.skipmod == 0 {
                return None;
            }
            let Some(b) = it.byte(&mut walk) else {
                // past the last usable coefficient: what OutGuess could not store
                return (out.len() >= MIN_PAYLOAD && accept(&out[..MIN_PAYLOAD]))
                    .then_some((out, false));
            };
            out.push(b ^ enc.byte());
            if out.len() == len.min(MIN_PAYLOAD) && !accept(&out) {
                return None;
            }
        }
        Some((out, true))
    }
}

/// What `outguess -r -k KEY` would write, with the header's seed and whether it was read whole
/// ([`Prepared::header`], then [`Prepared::payload`]); `None` when the header's length does not
/// fit or `accept` refuses the first bytes (then nothing was there for this key).
pub fn retrieve(
    bits: &Bits<'_>,
    key: &[u8],
    accept: impl Fn(&[u8]) -> bool,
) -> Option<(u16, Vec<u8>, bool)> {
    let p = Prepared::new(key);
    let (seed, len) = p.header(bits)?;
    let (out, whole) = p.payload(bits, seed, len, accept)?;
    Some((seed, out, whole))
}

/// Keys every scan tries besides OutGuess's default: the common passphrases steghide's check
/// tries ([`crate::analysis::jpeg::steghide::known_passphrases`]), prepared once per process.
/// Only headers with one of OutGuess's default seeds ([`DEFAULT_SEEDS`]) are read on, which
/// makes a key cost about the 32 lookups of its header (output made with `-i` beyond 256 under
/// one of these keys needs `--passphrases`).
pub fn known_keys() -> &'static [(&'static str, Prepared)] {
    static KNOWN: std::sync::OnceLock<Vec<(&'static str, Prepared)>> = std::sync::OnceLock::new();
    KNOWN.get_or_init(|| {
        crate::analysis::jpeg::steghide::known_passphrases()
            .iter()
            .map(|k| (k.passphrase, Prepared::new(k.passphrase.as_bytes())))
            .collect()
    })
}

/// Try OutGuess's default key, then `keys` (in parallel), then [`known_keys`] on a JPEG and add
/// evidence for `jpeg.outguess` (tool `outguess`) when one retrieves a payload that reads as
/// text or a file, with the payload; nothing otherwise. Tens of microseconds for a photo: the
/// usable coefficients' first bits read once, 32 of them per known key, a few hundred bits per
/// header that passes.
pub fn analyse(
    dct: &DctPlanes,
    counts: &[Vec<(u8, u8)>],
    keys: &[String],
    extract: bool,
    max_payload_bytes: usize,
    evidence: &mut Vec<Evidence>,
) {
    let bits = Bits::with_counts(dct, counts);
    if bits.len() < 8 * (4 + MIN_PAYLOAD) {
        return;
    }
    let open = |key: &str, prepared: &Prepared, any_seed: bool| {
        let (seed, len) = prepared.header(&bits)?;
        if !any_seed && seed >= DEFAULT_SEEDS {
            return None;
        }
        let (p, whole) = prepared.payload(&bits, seed, len, promising)?;
        let what = reads_as(&p)?;
        Some((key.to_string(), seed, p, whole, what))
    };
    static DEFAULT: std::sync::OnceLock<Prepared> = std::sync::OnceLock::new();
    let default = DEFAULT.get_or_init(|| Prepared::new(DEFAULT_KEY.as_bytes()));
    let found = open(DEFAULT_KEY, default, true)
        .or_else(|| {
            keys.par_iter()
                .find_map_first(|k| open(k, &Prepared::new(k.as_bytes()), true))
        })
        .or_else(|| known_keys().iter().find_map(|(k, p)| open(k, p, false)));
    let Some((key, seed, p, whole, what)) = found else {
        return;
    };
    let under = if key == DEFAULT_KEY {
        "its default key (outguess run without -k)".to_string()
    } else {
        format!("the key {key:?}")
    };
    let detail = format!(
        "OutGuess's header read under {under}: seed {seed}, a {}-byte payload over {} \
         usable coefficients, decrypted: {what}: payload recovered{}",
        p.len(),
        bits.len(),
        if whole {
            ""
        } else {
            " (its end ran past the last usable coefficient, where OutGuess stores nothing)"
        }
    );
    evidence.push(opened(
        Method::JpegOutguess,
        Tool::Outguess,
        PayloadEncoding::Outguess,
        "outguess-key",
        detail,
        "dct.ac",
        (p, whole),
        (extract, max_payload_bytes),
    ));
}
