//! Sequential content search: what an embedder that writes from the first bit leaves at the start
//! of a stream. Recognises Starlight's `AI42` marker, magic numbers of known formats, 32-bit
//! length prefixes, and NUL-terminated (or long unterminated) printable text, and rejects the
//! repetitive runs that flat, transparent or dithered regions produce.

use super::bitstream::ByteSource;
use crate::container::{trailer::kind_of, TrailerKind};
use crate::stats::text_quality;
pub use crate::vocab::HitKind;

/// A recognised payload at the start of a stream.
#[derive(Debug, Clone)]
pub struct ContentHit {
    /// What was recognised.
    pub kind: HitKind,
    /// File type for `Magic` hits.
    pub magic: Option<TrailerKind>,
    /// The payload (marker, length prefix and terminator removed).
    pub bytes: Vec<u8>,
    /// The payload's end was found (terminator, length or container end).
    pub complete: bool,
    /// Byte offset of the payload in the packed stream.
    pub offset: usize,
    /// Evidence strength in [0, 1].
    pub score: f32,
}

/// Minimum length of NUL-terminated text accepted without further conditions.
const MIN_TEXT: usize = 16;
/// Minimum length of text accepted without a terminator.
const MIN_UNTERMINATED: usize = 32;

/// Search the start of `s`. `max_payload` caps the bytes read for a payload.
pub fn search<S: ByteSource + ?Sized>(s: &S, max_payload: usize) -> Option<ContentHit> {
    let n = s.len();
    if n < 8 {
        return None;
    }
    let head = read(s, 0, 16);
    if head.starts_with(b"AI42") {
        let (bytes, complete) = read_ai42(s, 4, max_payload);
        let score = if complete { 0.99 } else { 0.9 };
        return Some(ContentHit {
            kind: HitKind::Ai42,
            magic: None,
            bytes,
            complete,
            offset: 4,
            score,
        });
    }
    if let Some(kind) = magic(s, 0) {
        let (bytes, complete) = read_magic_payload(s, 0, kind, max_payload);
        return Some(ContentHit {
            kind: HitKind::Magic,
            magic: Some(kind),
            bytes,
            complete,
            offset: 0,
            score: 0.95,
        });
    }
    let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    if len >= 8 && len <= n - 4 && len <= max_payload {
        let probe = read(s, 4, len.min(256));
        let body_magic = magic(s, 4);
        if body_magic.is_some() || text_quality(&probe).is_some() {
            let body = read(s, 4, len);
            if body_magic.is_some() || text_quality(&body).is_some() {
                return Some(ContentHit {
                    kind: HitKind::LengthPrefixed,
                    magic: body_magic,
                    bytes: body,
                    complete: true,
                    offset: 4,
                    score: 0.95,
                });
            }
        }
    }
    text_hit(s, max_payload)
}

/// Why a run of text read by [`text_run`] stopped.
enum Stop {
    /// A NUL terminator at this position.
    Nul,
    /// A byte that cannot be text (control, DEL, invalid UTF-8) at this position.
    Bad(usize),
    /// The stream or the cap ended.
    End,
}

/// The text from `from` up to a NUL, a byte that cannot be text, or `limit`.
fn text_run<S: ByteSource + ?Sized>(s: &S, from: usize, limit: usize) -> (Vec<u8>, Stop) {
    let mut run = Vec::new();
    let mut stop = Stop::End;
    // Continuation bytes still owed to the last UTF-8 lead byte, and where that lead byte is: a
    // sequence that breaks ends the run there at once (a plane of ones reads as 0xFF bytes, which
    // would otherwise be read to the end of the stream before the UTF-8 check below).
    let (mut owed, mut lead) = (0u8, 0usize);
    for j in from..limit {
        let c = s.get(j);
        if owed > 0 {
            if c & 0xC0 == 0x80 {
                owed -= 1;
                run.push(c);
                continue;
            }
            run.truncate(lead - from);
            stop = Stop::Bad(lead);
            break;
        }
        if c == 0 {
            stop = Stop::Nul;
            break;
        }
        if (c < 32 && !matches!(c, b'\t' | b'\n' | b'\r')) || c == 127 {
            stop = Stop::Bad(j);
            break;
        }
        if c >= 0x80 {
            owed = match c {
                0xC2..=0xDF => 1,
                0xE0..=0xEF => 2,
                0xF0..=0xF4 => 3,
                _ => {
                    stop = Stop::Bad(j);
                    break;
                }
            };
            lead = j;
        }
        run.push(c);
    }
    if owed > 0 && matches!(stop, Stop::End) {
        // The stream or cap ended inside a sequence: as before, the run ends before it.
        run.truncate(lead - from);
        stop = Stop::Bad(lead);
    }
    if let Err(e) = std::str::from_utf8(&run) {
        let v = e.valid_up_to();
        run.truncate(v);
        stop = Stop::Bad(from + v);
    }
    (run, stop)
}

/// Whether text resumes right after a bad byte at `from - 1`: the next 16 bytes (or all of them
/// before a NUL, at least 4) are printable ASCII.
fn resumes<S: ByteSource + ?Sized>(s: &S, from: usize, limit: usize) -> bool {
    let mut good = 0;
    for j in from..limit.min(from + 16) {
        match s.get(j) {
            0 => return good >= 4,
            c if (32..127).contains(&c) || matches!(c, b'\t' | b'\n' | b'\r') => good += 1,
            _ => return false,
        }
    }
    good == 16
}

/// Largest share of bytes equal to the one a short period (2-16) further on in LSB text of
/// `len` >= 32 bytes (see [`text_hit`]). Text varies more the longer the window: over every
/// window of the 24 Starlight seed texts (31 KB, one in 7 bytes) the largest share is 0.67 at
/// 32 bytes, 0.49 at 48, 0.46 at 56, 0.40 at 63 and 0.39 at 64 (99.9th percentiles 0.53, 0.38,
/// 0.36, 0.31, 0.30); a cjpeg re-save's flat LSBs read as `۶m۶m...` reach 0.549 at 63 bytes.
fn max_period_agreement(len: usize) -> f64 {
    match len {
        0..56 => 0.55,
        56..64 => 0.5,
        _ => 0.45,
    }
}

/// Text before the first damaged byte needed to read past one, and the fewest good bytes between
/// two damaged ones.
const DAMAGE_SPACING: usize = 16;

fn text_hit<S: ByteSource + ?Sized>(s: &S, max_payload: usize) -> Option<ContentHit> {
    // Read until NUL, the end of the text, or the cap. A byte that cannot be text ends the text
    // unless text resumes right after it, at most one such byte in any 16: a payload damaged by a
    // writer that rewrites some pixels (Starlight's GIF writer remaps palette indices) is returned
    // whole with its damaged bytes as read, marked incomplete, instead of cut at the first one.
    let limit = s.len().min(max_payload);
    let mut bytes = Vec::new();
    let mut clean = Vec::new(); // the text without its damaged bytes, for the text tests
    let mut terminated = false;
    let mut damaged = 0usize;
    let mut last_damage = None::<usize>;
    let mut from = 0;
    loop {
        let (run, stop) = text_run(s, from, limit);
        bytes.extend_from_slice(&run);
        clean.extend_from_slice(&run);
        match stop {
            Stop::Nul => {
                terminated = true;
                break;
            }
            Stop::End => break,
            Stop::Bad(j) => {
                let spaced = last_damage.is_none_or(|l| j >= l + DAMAGE_SPACING);
                if clean.len() >= DAMAGE_SPACING && spaced && resumes(s, j + 1, limit) {
                    bytes.push(s.get(j));
                    damaged += 1;
                    last_damage = Some(j);
                    from = j + 1;
                } else {
                    break;
                }
            }
        }
    }
    let q = text_quality(&clean)?;
    if !varied_like_text(&clean) || !spread_like_text(&clean) {
        return None;
    }
    let len = clean.len();
    // Short text without a clean end (no NUL, or read past damage) that is mostly runs of one
    // character is a sprite's flat LSBs read as ASCII (`wwwwwwwwwwwwwwwwwwwwwWPRUUUUUU&wFj`),
    // not a message: prose repeats a character in under 9 % of adjacent pairs.
    if (!terminated || damaged > 0) && len < 64 && repeat_share(&clean) > 0.35 {
        return None;
    }
    // A flat area's LSBs read as bytes repeat with a short period without repeating exactly
    // (`۶-ٶm۶m˶m۶m۶lɶm۶m۲m۲m۶m[` from a 22x15 flag: 61 % of bytes equal the one 3 further on).
    // Text reaches less the longer it is ([`max_period_agreement`]).
    if len >= 32 && crate::stats::period_agreement(&clean, 2) >= max_period_agreement(len) {
        return None;
    }
    let score = if terminated && len >= MIN_TEXT {
        if q < 0.5 && len < 64 {
            0.75
        } else if len >= 32 {
            0.99
        } else {
            0.97
        }
    } else if terminated && len >= 10 && is_wordy(&clean) {
        0.8
    } else if !terminated && len >= MIN_UNTERMINATED && q >= 0.6 {
        0.93
    } else {
        return None;
    };
    Some(ContentHit {
        kind: HitKind::Text,
        magic: None,
        bytes,
        complete: terminated && damaged == 0,
        offset: 0,
        score,
    })
}

/// Text read from bit planes that passes every test of the content search for an unterminated
/// string: text quality, variety and spread of characters, no runs of a few letters, no short
/// period. For tool formats whose end marker is itself cheap to hit by chance (stepic's flag
/// bits are 0 wherever a plane's LSBs are).
pub(crate) fn plausible_text(b: &[u8]) -> bool {
    text_quality(b).is_some()
        && varied_like_text(b)
        && spread_like_text(b)
        && !(b.len() < 64 && repeat_share(b) > 0.35)
        && !(b.len() >= 32 && crate::stats::period_agreement(b, 2) >= max_period_agreement(b.len()))
}

/// Long strings read from bit planes must vary the way text does: written text repeats a
/// character in under 9 % of adjacent pairs and uses 29 or more distinct characters in any 256
/// (the Starlight seed texts, every window), hex 16; the LSB stream of a sprite's flat areas read
/// as ASCII repeats characters in runs from a handful of letters (`""""&wfwwvfffffffb""""gwww`:
/// 58 % repeats, 7 characters, on a clean image). Strings under 64 bytes are left to the other
/// tests (short text has too few pairs to tell).
///
/// The spread of the characters counts too: prose of 64 bytes or more has a byte entropy of at
/// least 3.56 bits (every window of the seed texts; 4.1 from 251 bytes), hex about 4, decimal
/// digits 3.3; a clean 144x144 forest tile's LSBs read as 251 bytes of `wfffgfgfvgvwvgvf...`
/// (17 distinct characters, 8 % repeats, but 2.5 bits: four letters make most of it). Under 3
/// bits (an effective alphabet of under 8 equally used characters) is not text; from 32 bytes,
/// where the seed windows reach 3.05 at least, under 2.5.
fn spread_like_text(b: &[u8]) -> bool {
    let floor = match b.len() {
        0..32 => return true,
        32..64 => 2.5,
        _ => 3.0,
    };
    crate::stats::entropy(b) >= floor
}

/// Share of adjacent pairs that repeat a byte.
fn repeat_share(b: &[u8]) -> f64 {
    let repeats = b.windows(2).filter(|w| w[0] == w[1]).count();
    repeats as f64 / b.len().saturating_sub(1).max(1) as f64
}

fn varied_like_text(b: &[u8]) -> bool {
    if b.len() < 64 {
        return true;
    }
    let mut seen = [false; 256];
    let distinct = b
        .iter()
        .filter(|&&c| !std::mem::replace(&mut seen[c as usize], true))
        .count();
    let (max_repeat, min_distinct) = if b.len() >= 256 {
        (0.2, 16)
    } else {
        (0.35, 12)
    };
    repeat_share(b) <= max_repeat && distinct >= min_distinct
}

/// Short NUL-terminated strings (10-15 bytes) pass only if they look like words: letters, digits,
/// spaces, newlines and light (markdown) punctuation, at least one space, at least half letters.
/// With the terminator the chance that noise passes is below 1e-5 per stream.
fn is_wordy(b: &[u8]) -> bool {
    let ok = b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || b" .,!?'-:#*_()\n".contains(c));
    let letters = b.iter().filter(|c| c.is_ascii_alphabetic()).count();
    ok && b.contains(&b' ') && letters * 2 >= b.len()
}

/// Known file-format magic numbers of at least three bytes, at `from` in `s`. A JPEG's
/// `FF D8 FF` must open a chain of segments: three bytes alone turn up by chance in flat areas'
/// LSBs (`ff d8 ff a5 ...` in a 22x15 flag), and so does a fourth (a 46x38 palette sprite's
/// index LSBs), but not the next segment's marker where the first segment's length says.
fn magic<S: ByteSource + ?Sized>(s: &S, from: usize) -> Option<TrailerKind> {
    use TrailerKind::*;
    match kind_of(&read(s, from, 16)) {
        Jpeg if !jpeg_segments(s, from) => None,
        k @ (Jpeg | Png | Gif | Zip | Pdf | Gzip | SevenZip | Rar | Mp4) => Some(k),
        _ => None,
    }
}

/// `FF D8` at `from`, then segments (`FF`, a marker, a big-endian length) whose markers can
/// follow SOI, up to a start of scan or for two segments, inside `s`.
fn jpeg_segments<S: ByteSource + ?Sized>(s: &S, from: usize) -> bool {
    let mut at = from + 2;
    for seen in 0.. {
        let h = read(s, at, 4);
        if h.len() < 2 || h[0] != 0xFF {
            return false;
        }
        if h[1] == 0xDA && seen > 0 {
            return true;
        }
        if !opens_jpeg(h[1]) || h.len() < 4 {
            return false;
        }
        if seen == 2 {
            return true;
        }
        let len = u16::from_be_bytes([h[2], h[3]]) as usize;
        if len < 2 {
            return false;
        }
        at += 2 + len;
    }
    unreachable!()
}

/// A marker that can follow SOI: SOF0-15 and DHT/DAC (C0-CF), DQT (DB), DRI (DD), APP0-15
/// (E0-EF), COM (FE).
fn opens_jpeg(m: u8) -> bool {
    matches!(m, 0xC0..=0xCF | 0xDB | 0xDD | 0xE0..=0xEF | 0xFE)
}

fn read<S: ByteSource + ?Sized>(s: &S, from: usize, n: usize) -> Vec<u8> {
    let end = (from + n).min(s.len());
    (from..end).map(|j| s.get(j)).collect()
}

/// Bytes from `from` up to (excluding) the first NUL, capped at `max`.
pub fn read_until_nul<S: ByteSource + ?Sized>(s: &S, from: usize, max: usize) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    let end = s.len().min(from.saturating_add(max));
    for j in from..end {
        let c = s.get(j);
        if c == 0 {
            return (out, true);
        }
        out.push(c);
    }
    (out, false)
}

/// An `AI42` payload (`AI42 ‖ payload ‖ ' ' ‖ NUL`): up to the first NUL when what precedes it
/// ends in the space or is text of at least [`MIN_TEXT`] bytes (writers without the space), else
/// up to the first `' ' NUL`, since a binary (encrypted, compressed) payload may hold NULs before
/// its end (a few random bytes often read as text); the first NUL when there is none.
fn read_ai42<S: ByteSource + ?Sized>(s: &S, from: usize, max: usize) -> (Vec<u8>, bool) {
    let (bytes, complete) = read_until_nul(s, from, max);
    let text = bytes.len() >= MIN_TEXT
        && std::str::from_utf8(&bytes)
            .is_ok_and(|t| t.chars().all(|c| !c.is_control() || c.is_whitespace()));
    if !complete || text || bytes.last() == Some(&b' ') {
        return (bytes, complete);
    }
    let end = s.len().min(from.saturating_add(max));
    let mut prev = 0u8;
    for j in from..end {
        let c = s.get(j);
        if c == 0 && prev == b' ' {
            return (read(s, from, j - from), true);
        }
        prev = c;
    }
    (bytes, complete)
}

/// A payload that starts with a magic number: images are cut at their exact end by the container
/// walker; other formats are read to the cap and marked incomplete.
fn read_magic_payload<S: ByteSource + ?Sized>(
    s: &S,
    from: usize,
    kind: TrailerKind,
    max: usize,
) -> (Vec<u8>, bool) {
    let cap = max.min(s.len() - from);
    let bytes = read(s, from, cap);
    let format = match kind {
        TrailerKind::Png => Some(crate::container::Format::Png),
        TrailerKind::Jpeg => Some(crate::container::Format::Jpeg),
        TrailerKind::Gif => Some(crate::container::Format::Gif),
        _ => None,
    };
    if let Some(f) = format {
        // only the exact end is needed: no metadata inflating inside a nested image
        let limits = crate::options::Limits {
            max_metadata_bytes: 0,
            ..Default::default()
        };
        if let Ok(info) = crate::container::parse(f, &bytes, &limits) {
            if info.image_end <= bytes.len()
                && !info.oddities.iter().any(|o| o.starts_with("missing"))
            {
                let mut b = bytes;
                b.truncate(info.image_end);
                return (b, true);
            }
        }
    }
    (bytes, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_ai42_text_and_length_prefix() {
        let h = search(&b"AI42hello there\0junk"[..], 1 << 20).unwrap();
        assert_eq!(h.kind, HitKind::Ai42);
        assert_eq!(h.bytes, b"hello there");
        assert!(h.complete);

        let h = search(&b"The quick brown fox jumps\0\x93\x11"[..], 1 << 20).unwrap();
        assert_eq!(h.kind, HitKind::Text);
        assert_eq!(h.bytes, b"The quick brown fox jumps");

        let mut v = 20u32.to_be_bytes().to_vec();
        v.extend_from_slice(b"twenty bytes of text");
        v.extend_from_slice(&[0x91, 0x13, 0x02]);
        let h = search(&v[..], 1 << 20).unwrap();
        assert_eq!(h.kind, HitKind::LengthPrefixed);
        assert_eq!(h.bytes, b"twenty bytes of text");
    }

    #[test]
    fn binary_ai42_payloads_end_at_space_nul() {
        // a binary payload holding NULs ends at the format's `' ' NUL`, not at its first NUL
        let h = search(&b"AI42\x93\0\x11\x00\x7f \0\xff\xff"[..], 1 << 20).unwrap();
        assert_eq!(h.bytes, b"\x93\0\x11\x00\x7f ");
        assert!(h.complete);
        // a payload that starts with NUL
        let h = search(&b"AI42\0\x01\x02 \0\xff"[..], 1 << 20).unwrap();
        assert_eq!(h.bytes, b"\0\x01\x02 ");
        // text keeps the first NUL even without the space (older writers)
        let h = search(&b"AI42plain text, no space\0more \0"[..], 1 << 20).unwrap();
        assert_eq!(h.bytes, b"plain text, no space");
        // binary without any `' ' NUL`: the first NUL
        let h = search(&b"AI42\x93\x11\0\x01\x02\xff\xff"[..], 1 << 20).unwrap();
        assert_eq!(h.bytes, b"\x93\x11");
    }

    #[test]
    fn flat_area_bytes_with_a_short_period_are_not_text() {
        // the rgb LSBs of a 22x15 flag (hedgewars), read as UTF-8: a three-byte period, 61 %
        let flag = "۶-ٶm۶m˶m۶m۶lɶm۶m۲m۲m۶m[".as_bytes();
        let mut stream = flag.to_vec();
        stream.extend_from_slice(&[0x93, 0x11, 0x02]);
        assert!(search(&stream[..], 1 << 20).is_none());
        // prose of the same length still is
        let mut prose = b"Bring the key to the mill at ten.".to_vec();
        prose.extend_from_slice(&[0x93, 0x11, 0x02]);
        assert_eq!(search(&prose[..], 1 << 20).unwrap().kind, HitKind::Text);
        // 63 bytes of a cjpeg re-save's flat LSBs (held-out set D): 0.549 at period 12, under
        // the 0.55 that shorter strings are allowed, over what 63 bytes of text reach
        let resave = "%۵۶mkǵ۶m۶m۶m۶m۶me˵[ǎ۶m۶m۶m۶m۶ml٭۶m۶m۶m[\u{5ed}۶m".as_bytes();
        assert_eq!(resave.len(), 63);
        let mut stream = resave.to_vec();
        stream.extend_from_slice(&[0x93, 0x11, 0x02]);
        assert!(search(&stream[..], 1 << 20).is_none());
        let mut prose =
            b"Meet me at the old mill at midnight and bring all the documents.".to_vec();
        prose.truncate(63);
        prose.extend_from_slice(&[0x93, 0x11, 0x02]);
        assert_eq!(search(&prose[..], 1 << 20).unwrap().kind, HitKind::Text);
    }

    #[test]
    fn a_jpeg_magic_needs_a_marker_that_opens_a_jpeg() {
        // chance FF D8 FF from a flat area, followed by a byte no JPEG starts with
        let mut chance = vec![0xFF, 0xD8, 0xFF, 0xA5];
        chance.extend((0..60u32).map(|i| (i * 97 % 251) as u8));
        assert!(search(&chance[..], 1 << 20).is_none_or(|h| h.kind != HitKind::Magic));
        // a JFIF header is found: APP0, then a quantisation table
        let mut jfif = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        jfif.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        jfif.extend_from_slice(&[0xFF, 0xDB, 0x00, 0x43, 0x00]);
        jfif.extend((0..64u32).map(|i| (i * 97 % 251) as u8));
        jfif.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x11]);
        let h = search(&jfif[..], 1 << 20).unwrap();
        assert_eq!((h.kind, h.magic), (HitKind::Magic, Some(TrailerKind::Jpeg)));
        // a chance opening marker whose segment length leads nowhere is not
        let mut cut = jfif.clone();
        cut[20] = 0x7F;
        assert!(search(&cut[..], 1 << 20).is_none_or(|h| h.kind != HitKind::Magic));
    }

    #[test]
    fn rejects_long_strings_of_runs_from_a_few_letters() {
        let runs = b"\"\"\"\"&wfwwvfffffffb\"\"\"\"gwww".repeat(20);
        assert!(!varied_like_text(&runs));
        let text = b"Meet me at the old lighthouse at dawn; bring the second key and the ledger. \
                     Nobody else should know about this, not even the harbour master or his clerk.";
        assert!(varied_like_text(text));
        let hex: Vec<u8> = (0..300u32)
            .map(|i| b"0123456789abcdef"[((i * 7 + i / 3) % 16) as usize])
            .collect();
        assert!(varied_like_text(&hex));
    }

    #[test]
    fn rejects_strings_drawn_from_a_few_letters() {
        // the start of a clean wesnoth forest tile's RGBA LSB stream read msb-first (251 bytes)
        use base64::Engine;
        let tile = base64::engine::general_purpose::STANDARD
            .decode(concat!(
                "J3dmZmZnZmdmdmd2d3ZndmZ2Z2ZnZ3dmdnZ2Zndmd2d3ZndndnZnciIiJ2ZnZ3ZmZmdmZmd3dmd3Z2d3d2",
                "Znd3d3Z2Zmd3dnJ3Z3ZmZ2ZmZ2Znd2d3Zndnd3d3dmZnd3Zndnd3d3dnd2Zmdf93d3IiIid3ZmZ2dnd3dm",
                "Z2ZnZnZ3dnZ2ZmZmZ3d3Z2dndnd3dmd3d3dmZmdnZmZmdmZmZ3Z3Z2Z2Z3Z2Z2dmdmZmd3d3Z3qQK0ZyIy",
                "IidnZmZmd3d3dndnZ2dmd2ZmZ3ZmZnZ3d3Z2ZmZnZnZnd3d2ZnZ2ZmZmZndmZ3Z2Z2dnd2ZndnZmdnd2d3",
                "dmZlY2o=",
            ))
            .unwrap();
        assert_eq!(tile.len(), 251);
        assert!(varied_like_text(&tile), "the older tests let it through");
        assert!(!spread_like_text(&tile));
        let text = b"Meet me at the old lighthouse at dawn; bring the second key and the ledger.";
        assert!(spread_like_text(text));
        let hex: Vec<u8> = (0..64u32)
            .map(|i| b"0123456789abcdef"[((i * 7 + i / 3) % 16) as usize])
            .collect();
        assert!(spread_like_text(&hex));
        let digits: Vec<u8> = (0..64u32)
            .map(|i| b'0' + ((i * 7 + i / 3) % 10) as u8)
            .collect();
        assert!(spread_like_text(&digits));
    }

    #[test]
    fn short_unterminated_runs_are_not_text() {
        let mut sprite = b"wwwwwwwwwwwwwwwwwwwwwWPRUUUUUU&wFj wSu".to_vec();
        sprite.extend_from_slice(&[0x93, 0x11, 0x02, 0x7f]);
        assert!(search(&sprite[..], 1 << 20).is_none());
        // the same length of prose, unterminated, is text
        let mut prose = b"Meet me at the old lighthouse, at dawn.".to_vec();
        prose.extend_from_slice(&[0x93, 0x11, 0x02, 0x7f]);
        assert!(search(&prose[..], 1 << 20).is_some_and(|h| h.kind == HitKind::Text));
    }

    #[test]
    fn rejects_runs_noise_and_short_strings() {
        assert!(search(&[0x55u8; 64][..], 1 << 20).is_none());
        assert!(search(&[0u8; 64][..], 1 << 20).is_none());
        assert!(search(&[0xFFu8; 64][..], 1 << 20).is_none());
        assert!(search(&b"abc\0defghijklmnopqrstuvwxyz"[..], 1 << 20).is_none());
        let periodic: Vec<u8> = b"I$".iter().cycle().take(64).copied().collect();
        assert!(search(&periodic[..], 1 << 20).is_none());
    }

    #[test]
    fn damaged_text_is_returned_whole_and_marked_incomplete() {
        let text = b"Meet me at the old lighthouse at dawn; bring the second key and the ledger. \
                     Nobody else should know about this, not even the harbour master or his clerk.";
        let mut v = text.to_vec();
        // bit errors as a writer that rewrites some pixels leaves them: a control byte, a byte
        // above 127 and a DEL, 20 or more bytes apart
        v[30] ^= 0x60;
        v[70] ^= 0x80;
        v[120] = 127;
        v.push(0);
        v.extend_from_slice(&[0x93, 0x11, 0x02]);
        let h = search(&v[..], 1 << 20).unwrap();
        assert_eq!(h.kind, HitKind::Text);
        assert_eq!(
            h.bytes,
            &v[..text.len()],
            "every byte up to the terminator, as read"
        );
        assert!(!h.complete);
        // intact: complete
        let mut ok = text.to_vec();
        ok.push(0);
        assert!(search(&ok[..], 1 << 20).unwrap().complete);
        // a bad byte followed by noise ends the text there; so do two bad bytes close together
        let mut noisy = text[..40].to_vec();
        noisy.extend((0..64u32).map(|i| (i * 97 + 13) as u8 | 0x80));
        assert_eq!(search(&noisy[..], 1 << 20).unwrap().bytes, &text[..40]);
        let mut close = text.to_vec();
        close[40] = 1;
        close[45] = 2;
        assert_eq!(search(&close[..], 1 << 20).unwrap().bytes, &text[..40]);
    }
}
