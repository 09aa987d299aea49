//! Metadata blocks and their free-text fields: EXIF (via `kamadak-exif`), XMP, PNG text chunks,
//! JPEG COM, GIF comments. Each field keeps its raw bytes plus decoded text and byte statistics.

use std::io::Read;

use serde::Serialize;

use crate::stats;

/// Where a metadata field came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetadataSource {
    /// A field of the EXIF/TIFF block.
    Exif,
    /// An XMP packet.
    Xmp,
    /// A PNG tEXt, zTXt or iTXt chunk.
    PngText,
    /// A JPEG COM segment.
    JpegComment,
    /// A GIF comment extension.
    GifComment,
}

/// One metadata field.
#[derive(Debug, Clone, Serialize)]
pub struct MetadataField {
    /// Which block the field comes from.
    pub source: MetadataSource,
    /// Tag or keyword, e.g. `UserComment`, `tEXt:Comment`, `COM`.
    pub name: String,
    /// Length of the raw value in bytes.
    pub length: usize,
    /// Decoded text (charset header of UserComment / UCS-2 of XP* tags handled), trimmed of NUL
    /// and whitespace padding; `None` when the value is not text.
    pub text: Option<String>,
    /// Fraction of printable bytes in the raw value.
    pub printable_ratio: f32,
    /// Shannon entropy of the raw value, bits per byte.
    pub entropy: f32,
    /// The raw value (payload source for extraction).
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

impl MetadataField {
    /// A field from its raw value; text and statistics are derived.
    pub fn new(source: MetadataSource, name: String, bytes: Vec<u8>) -> Self {
        let text = text_of(&bytes);
        Self::with_text(source, name, bytes, text)
    }

    fn with_text(
        source: MetadataSource,
        name: String,
        bytes: Vec<u8>,
        text: Option<String>,
    ) -> Self {
        MetadataField {
            source,
            name,
            length: bytes.len(),
            printable_ratio: stats::printable_ratio(&bytes) as f32,
            entropy: stats::entropy(&bytes) as f32,
            text,
            bytes,
        }
    }
}

/// Text if the bytes are UTF-8 (after trimming NUL/space padding) and mostly printable.
fn text_of(bytes: &[u8]) -> Option<String> {
    let trimmed = trim_padding(bytes);
    let s = match std::str::from_utf8(trimmed) {
        Ok(s) => s,
        // text cut inside its last character (a payload cut to a byte count): the text before it
        Err(e) if e.error_len().is_none() && e.valid_up_to() + 4 > trimmed.len() => {
            std::str::from_utf8(&trimmed[..e.valid_up_to()]).ok()?
        }
        Err(_) => return None,
    };
    if stats::printable_ratio(trimmed) >= 0.85
        || s.chars().all(|c| !c.is_control() || c.is_whitespace())
    {
        Some(s.to_string())
    } else {
        None
    }
}

fn trim_padding(b: &[u8]) -> &[u8] {
    let is_pad = |c: &u8| *c == 0 || c.is_ascii_whitespace();
    let start = b.iter().position(|c| !is_pad(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !is_pad(c)).map_or(start, |e| e + 1);
    &b[start..end]
}

/// Inflate a zlib stream, refusing more than `limit` bytes of output.
pub(crate) fn inflate_limited(z: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut dec = flate2::read::ZlibDecoder::new(z).take(limit.saturating_add(1));
    dec.read_to_end(&mut out)
        .map_err(|e| format!("bad zlib data: {e}"))?;
    if out.len() as u64 > limit {
        return Err(format!(
            "decompresses to more than {limit} bytes (metadata budget left)"
        ));
    }
    Ok(out)
}

/// Tags whose values are free text worth checking.
const TEXT_TAGS: &[(u16, &str)] = &[
    (0x010E, "ImageDescription"),
    (0x010F, "Make"),
    (0x0110, "Model"),
    (0x0131, "Software"),
    (0x013B, "Artist"),
    (0x8298, "Copyright"),
    (0x9286, "UserComment"),
    (0x9C9B, "XPTitle"),
    (0x9C9C, "XPComment"),
    (0x9C9D, "XPAuthor"),
    (0x9C9E, "XPKeywords"),
    (0x9C9F, "XPSubject"),
];
const MAKER_NOTE: u16 = 0x927C;

/// Parse raw TIFF/EXIF bytes (without `Exif\0\0`) and push the free-text fields (and unusually
/// large values) to `out`, parse errors to `oddities`. Public for the fuzz targets.
pub fn exif_fields(tiff: &[u8], out: &mut Vec<MetadataField>, oddities: &mut Vec<String>) {
    // continue_on_error: piexif (Starlight's EXIF writer) omits the Exif IFD's next-IFD field, and
    // real cameras write other small errors; keep what parses and note the rest.
    let parsed = exif::Reader::new()
        .continue_on_error(true)
        .read_raw(tiff.to_vec())
        .or_else(|e| {
            e.distill_partial_result(|errs| {
                for e in errs {
                    oddities.push(format!("EXIF: {e}"));
                }
            })
        });
    let exif = match parsed {
        Ok(e) => e,
        Err(e) => {
            oddities.push(format!("EXIF block not parseable: {e}"));
            // Keep the raw block so a payload in a malformed EXIF is still visible.
            out.push(MetadataField::new(
                MetadataSource::Exif,
                "raw".into(),
                tiff.to_vec(),
            ));
            return;
        }
    };
    let little_endian = exif.little_endian();
    for f in exif.fields() {
        let num = f.tag.number();
        let named = TEXT_TAGS.iter().find(|(n, _)| *n == num).map(|(_, s)| *s);
        let raw: Vec<u8> = match &f.value {
            exif::Value::Ascii(parts) => parts.join(&b"\0"[..]),
            exif::Value::Undefined(b, _) | exif::Value::Byte(b) => b.clone(),
            _ => continue,
        };
        let name = match named {
            Some(n) => n.to_string(),
            None if num != MAKER_NOTE && raw.len() > 256 && f.ifd_num == exif::In::PRIMARY => {
                format!("tag0x{num:04X}")
            }
            None => continue,
        };
        let text = match num {
            0x9286 => user_comment_text(&raw, little_endian),
            0x9C9B..=0x9C9F => ucs2_text(&raw, true),
            _ => text_of(&raw),
        };
        out.push(MetadataField::with_text(
            MetadataSource::Exif,
            name,
            raw,
            text,
        ));
    }
}

/// Length of the charset header of an EXIF UserComment (8 bytes) when present.
pub(crate) fn user_comment_header(raw: &[u8]) -> Option<&'static str> {
    let h = raw.get(..8)?;
    match h {
        b"ASCII\0\0\0" => Some("ASCII"),
        b"UNICODE\0" => Some("UNICODE"),
        b"JIS\0\0\0\0\0" => Some("JIS"),
        [0, 0, 0, 0, 0, 0, 0, 0] => Some("UNDEFINED"),
        _ => None,
    }
}

fn user_comment_text(raw: &[u8], little_endian: bool) -> Option<String> {
    match user_comment_header(raw) {
        Some("UNICODE") => ucs2_text(&raw[8..], little_endian),
        Some(_) => text_of(&raw[8..]),
        None => text_of(raw),
    }
}

fn ucs2_text(raw: &[u8], little_endian: bool) -> Option<String> {
    let units: Vec<u16> = raw
        .chunks_exact(2)
        .map(|c| {
            if little_endian {
                u16::from_le_bytes([c[0], c[1]])
            } else {
                u16::from_be_bytes([c[0], c[1]])
            }
        })
        .collect();
    let s = String::from_utf16(&units).ok()?;
    let t = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    Some(t.to_string())
}
