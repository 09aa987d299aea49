//! Data after the end of the image: statistics and a recognised type, including the trailers real
//! phones write legitimately (MPF second images, Google/Samsung motion-photo MP4, Samsung SEF).

use serde::Serialize;

use super::{ContainerInfo, Format};
use crate::stats;

/// What the bytes after the image look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TrailerKind {
    /// Only 0x00 or only 0xFF bytes, or fewer than 64 ASCII whitespace bytes.
    Padding,
    /// Starlight's `AI42` marker.
    Ai42,
    /// Another JPEG image.
    Jpeg,
    /// A PNG image.
    Png,
    /// A GIF image.
    Gif,
    /// A ZIP archive.
    Zip,
    /// A PDF document.
    Pdf,
    /// A gzip stream.
    Gzip,
    /// A 7-Zip archive.
    SevenZip,
    /// A RAR archive.
    Rar,
    /// An MP4/ISO-BMFF video (motion photos).
    Mp4,
    /// Samsung SEFH/SEFT trailer.
    SamsungSef,
    /// The tail of an earlier, longer write of the same file: it ends with the format's own end
    /// (a PNG `IEND` chunk, a JPEG EOI marker) without starting a new image. Left behind when a
    /// file is rewritten in place without being truncated.
    Remnant,
    /// Mostly printable UTF-8.
    Text,
    /// Anything else.
    Binary,
}

/// Bytes found after the end of the image.
#[derive(Debug, Clone, Serialize)]
pub struct Trailer {
    /// Offset of the first byte after the image.
    pub offset: usize,
    /// Number of bytes after the image.
    pub length: usize,
    /// What the bytes look like.
    pub kind: TrailerKind,
    /// Written for a known purpose (MPF image with an MPF index, motion photo announced in XMP,
    /// Samsung SEF) or explained by how files are written (a remnant of an earlier write).
    pub known_legit: bool,
    /// Shannon entropy, bits per byte.
    pub entropy: f32,
    /// Fraction of printable bytes.
    pub printable_ratio: f32,
}

pub(super) fn classify(format: Format, t: &[u8], offset: usize, info: &ContainerInfo) -> Trailer {
    let mut kind = kind_of(t);
    if matches!(kind, TrailerKind::Binary | TrailerKind::Text) && is_remnant(format, t) {
        kind = TrailerKind::Remnant;
    }
    let known_legit = match kind {
        TrailerKind::Jpeg => info.has_mpf,
        TrailerKind::Mp4 => info.motion_photo,
        TrailerKind::SamsungSef => true,
        // explained by how files are rewritten, like the phone trailers: the model weighs it so
        TrailerKind::Remnant => true,
        TrailerKind::Text => is_short_number(t),
        _ => false,
    };
    Trailer {
        offset,
        length: t.len(),
        kind,
        known_legit,
        entropy: stats::entropy(t) as f32,
        printable_ratio: stats::printable_ratio(t) as f32,
    }
}

/// A short decimal number (under 16 bytes of digits and whitespace): what some writers append
/// after an image (a length, a timestamp, a counter: cacti's screenshots end with their own
/// offset, "41178"). It carries under 50 bits; Starlight's raw payloads are 16 bytes or more.
pub(crate) fn is_short_number(t: &[u8]) -> bool {
    t.len() < 16
        && t.iter().any(u8::is_ascii_digit)
        && t.iter()
            .all(|c| c.is_ascii_digit() || c.is_ascii_whitespace())
}

/// Whether bytes after the image end with the format's own end, as the stale tail of an earlier
/// write does: a complete PNG `IEND` chunk (with its CRC), or a JPEG EOI marker after
/// entropy-coded data (its `FF 00` byte stuffing or a marker: two bytes of chance do not count),
/// or after fewer than 14 bytes, too few to show either (a Blender manual figure ends `FF D9 14
/// 51 40 1F FF D9`; under 16 bytes is less than any Starlight payload, and a random tail ends
/// with the marker one time in 65,536).
fn is_remnant(format: Format, t: &[u8]) -> bool {
    match format {
        Format::Png => t.len() >= 12 && t.ends_with(b"\0\0\0\0IEND\xAE\x42\x60\x82"),
        Format::Jpeg => {
            t.len() > 2
                && t.ends_with(&[0xFF, 0xD9])
                && (t.len() < 16
                    || t[..t.len() - 2]
                        .windows(2)
                        .any(|w| w[0] == 0xFF && matches!(w[1], 0x00 | 0xC0..=0xFE)))
        }
        _ => false,
    }
}

/// Recognise a byte string by its magic number (also used for payloads found in bit planes).
pub fn kind_of(t: &[u8]) -> TrailerKind {
    // A line break or a few spaces after the end (an editor's or a script's final newline)
    // carry nothing either.
    let whitespace = !t.is_empty() && t.len() < 64 && t.iter().all(u8::is_ascii_whitespace);
    if t.iter().all(|&c| c == 0) || t.iter().all(|&c| c == 0xFF) || whitespace {
        TrailerKind::Padding
    } else if t.starts_with(b"AI42") {
        TrailerKind::Ai42
    } else if t.starts_with(&[0xFF, 0xD8, 0xFF]) {
        TrailerKind::Jpeg
    } else if t.starts_with(b"\x89PNG\r\n\x1a\n") {
        TrailerKind::Png
    } else if t.starts_with(b"GIF87a") || t.starts_with(b"GIF89a") {
        TrailerKind::Gif
    } else if t.starts_with(b"PK\x03\x04") || t.starts_with(b"PK\x05\x06") {
        TrailerKind::Zip
    } else if t.starts_with(b"%PDF-") {
        TrailerKind::Pdf
    } else if t.starts_with(&[0x1F, 0x8B, 0x08]) {
        TrailerKind::Gzip
    } else if t.starts_with(b"7z\xBC\xAF\x27\x1C") {
        TrailerKind::SevenZip
    } else if t.starts_with(b"Rar!\x1A\x07") {
        TrailerKind::Rar
    } else if t.len() >= 12 && &t[4..8] == b"ftyp" {
        TrailerKind::Mp4
    } else if t.ends_with(b"SEFT") && t.windows(4).any(|w| w == b"SEFH") {
        TrailerKind::SamsungSef
    } else if std::str::from_utf8(t).is_ok() && stats::printable_ratio(t) >= 0.9 {
        TrailerKind::Text
    } else {
        TrailerKind::Binary
    }
}
