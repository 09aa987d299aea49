//! Extraction: recovered payloads. Payloads fall out of the analyses (content search over bit
//! streams, metadata fields, bytes after the image); this module holds the payload type and the
//! Starlight-specific finishing rules.

use base64::Engine;
use serde::Serialize;

use crate::container::TrailerKind;
use crate::vocab::{BitOrder, HitKind, Method, Tool};

/// How the payload was delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PayloadEncoding {
    /// `AI42` marker, payload, NUL (Starlight alpha; the generator's trailing space is removed).
    Ai42,
    /// NUL-terminated (or unterminated) text.
    Text,
    /// 32-bit big-endian length prefix.
    LengthPrefixed,
    /// A file recognised by its magic number.
    Magic,
    /// A metadata field's value (EXIF UserComment after its charset header, a text chunk, ...).
    Metadata,
    /// Bytes after the end of the image.
    Appended,
    /// jsteg's header: a 5-bit size of the length field, the length, then the payload.
    Jsteg,
    /// steghide's embedded file, unencrypted (`-e none`) or decrypted under a known passphrase:
    /// its data, zlib-decompressed.
    Steghide,
    /// OutGuess's payload under a known key (its default key or one given), decrypted.
    Outguess,
    /// f5stegojs's payload under a password given, unmasked (its length header removed).
    F5stegojs,
}

impl From<HitKind> for PayloadEncoding {
    fn from(k: HitKind) -> Self {
        match k {
            HitKind::Ai42 => PayloadEncoding::Ai42,
            HitKind::Text => PayloadEncoding::Text,
            HitKind::LengthPrefixed => PayloadEncoding::LengthPrefixed,
            HitKind::Magic => PayloadEncoding::Magic,
        }
    }
}

/// A recovered payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    /// Method the payload was hidden with.
    pub method: Method,
    /// The payload bytes.
    pub bytes: Vec<u8>,
    /// How the payload was delimited.
    pub encoding: PayloadEncoding,
    /// File type when the payload is a recognised file.
    pub file_type: Option<TrailerKind>,
    /// Bit order (pixel methods).
    pub bit_order: Option<BitOrder>,
    /// Where it was: a bit stream (`rgb`, `r`, `alpha`, `index`, ...), a metadata field
    /// (`exif:UserComment`, `png:tEXt:Comment`), or `trailer`.
    pub channel: String,
    /// Byte offset of the payload: in the packed bit stream for pixel methods, in the file for
    /// metadata and appended data.
    pub offset: usize,
    /// GIF frame index for animated images.
    pub frame: Option<u32>,
    /// The end of the payload was found (terminator, length, container end); false when cut at
    /// the capacity or the size cap.
    pub complete: bool,
    /// The tool whose format this is, when recognised.
    pub tool: Option<Tool>,
    /// Low bits per sample the payload occupies, when a tool wrote more than one.
    pub lsbs: Option<u8>,
    /// The bytes look random (encrypted or compressed): they are what the tool wrote, exact, but
    /// not readable without its key.
    pub encrypted: bool,
}

impl Payload {
    /// The payload as UTF-8 text, if it is valid UTF-8.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.bytes).ok()
    }

    /// A one-line preview of at most `max` characters for lists and logs: the text (control
    /// characters shown as `·`) when the payload is UTF-8, else its first bytes in hex; `…`
    /// marks a cut.
    pub fn preview(&self, max: usize) -> String {
        let max = max.max(1);
        let (mut out, cut) = match self.text() {
            Some(t) => {
                let mut chars = t.chars();
                let s: String = chars
                    .by_ref()
                    .take(max)
                    .map(|c| if c.is_control() { '·' } else { c })
                    .collect();
                (s, chars.next().is_some())
            }
            None => {
                let n = (max / 3).max(1).min(self.bytes.len());
                let hex: Vec<String> = self.bytes[..n].iter().map(|b| format!("{b:02x}")).collect();
                (hex.join(" "), n < self.bytes.len())
            }
        };
        if cut {
            out.push('…');
        }
        out
    }
}

#[derive(Serialize)]
struct PayloadJson<'a> {
    method: Method,
    length: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    text: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    base64: Option<String>,
    encoding: PayloadEncoding,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_type: Option<TrailerKind>,
    bit_order: Option<BitOrder>,
    channel: &'a str,
    offset: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    frame: Option<u32>,
    complete: bool,
    tool: Option<Tool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lsbs: Option<u8>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    encrypted: bool,
}

impl Serialize for Payload {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = self.text();
        PayloadJson {
            method: self.method,
            length: self.bytes.len(),
            text,
            base64: text
                .is_none()
                .then(|| base64::engine::general_purpose::STANDARD.encode(&self.bytes)),
            encoding: self.encoding,
            file_type: self.file_type,
            bit_order: self.bit_order,
            channel: &self.channel,
            offset: self.offset,
            frame: self.frame,
            complete: self.complete,
            tool: self.tool,
            lsbs: self.lsbs,
            encrypted: self.encrypted,
        }
        .serialize(s)
    }
}

/// Starlight's alpha generator writes `AI42 ‖ payload ‖ ' ' ‖ NUL`; our embedder does the same, so
/// one trailing space after an `AI42` payload is part of the format, not of the payload.
pub(crate) fn strip_ai42_space(bytes: &mut Vec<u8>) {
    if bytes.last() == Some(&b' ') {
        bytes.pop();
    }
}
