//! The `exif` method: free-text metadata fields judged by field, length, charset and entropy.
//! Cameras and editors write short, expected values (make, model, software, a caption); a long
//! UserComment, a high-entropy blob in a text field, or an `AI42` marker is a payload.

use super::stats::text_quality;
use super::{Evidence, Method};
use crate::container::metadata::user_comment_header;
use crate::container::trailer::kind_of;
use crate::container::{ContainerInfo, MetadataField, MetadataSource, TrailerKind};
use crate::extract::{Payload, PayloadEncoding};

/// Keywords that legitimately carry long machine-written values (ImageMagick profiles and
/// signatures, XMP packets).
fn routine_png_key(name: &str) -> bool {
    let key = name.split_once(':').map_or(name, |(_, k)| k);
    key.starts_with("Raw profile type")
        || key == "XML:com.adobe.xmp"
        || key == "signature"
        || key.starts_with("date:")
        || key == "icc:description"
}

/// An XMP packet, wherever it was stored (ImageMagick copies PNG `XML:com.adobe.xmp` text into a
/// JPEG COM segment): structured metadata written by editors, not free text.
fn is_xmp_packet(t: &str) -> bool {
    let head = &t.as_bytes()[..t.len().min(512)];
    head.windows(9).any(|w| w == b"<?xpacket") || head.windows(10).any(|w| w == b"<x:xmpmeta")
}

/// A caption as photo managers write it into a camera's EXIF (digiKam: "Colorful cups. Aarhus,
/// Denmark. SONY NEX-3N, ..."): one line of prose under 256 characters. It only counts as a
/// caption next to camera fields (Make/Model): Starlight's generator writes an EXIF block that
/// holds the UserComment alone, and a one-line secret note looks the same as a caption otherwise.
fn caption_like(t: &str) -> bool {
    let t = t.trim_end_matches(['\0', ' ', '\n', '\r']);
    let letters = t.chars().filter(|c| c.is_alphabetic() || *c == ' ').count();
    t.len() < 256 && !t.contains('\n') && t.contains(' ') && letters * 10 >= t.chars().count() * 7
}

/// Base64/hex-looking blob: dense charset without spaces, high entropy for its alphabet.
fn looks_encoded(t: &str) -> bool {
    let n = t.len();
    n >= 64
        && !t.contains(' ')
        && t.bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"+/=_-\r\n".contains(&c))
        && super::stats::entropy(t.as_bytes()) > 3.9
}

/// Constant filler: 95 % or more of the value is one byte, or (written as text) one
/// whitespace-separated token. Windows' 0xEA1C "Padding" tag is a short header and then kilobytes
/// of zeros, which some tools rewrite as the text "28 234 0 0 0 8 0 0 0 ..."; cameras pad
/// UserComment with blanks. Filler carries nothing, and a payload does not look like that.
fn is_filler(f: &MetadataField) -> bool {
    fn dominant<T: Ord>(items: impl Iterator<Item = T>) -> bool {
        let mut v: Vec<T> = items.collect();
        v.sort();
        let most = v.chunk_by(|a, b| a == b).map(<[T]>::len).max().unwrap_or(0);
        v.len() >= 16 && most * 100 >= v.len() * 95
    }
    dominant(f.bytes.iter())
        || f.text
            .as_deref()
            .is_some_and(|t| dominant(t.split_whitespace()))
}

fn judge(f: &MetadataField, camera: bool) -> Option<(f32, String)> {
    let text = f.text.as_deref();
    if f.bytes.windows(4).take(16).any(|w| w == b"AI42")
        || text.is_some_and(|t| t.starts_with("AI42"))
    {
        return Some((0.99, "AI42 marker".into()));
    }
    let len = text.map_or(f.length, str::len);
    // A file hidden in a field: its magic number at the start of the value (after a charset header).
    let body = user_comment_header(&f.bytes).map_or(&f.bytes[..], |_| &f.bytes[8..]);
    if let k @ (TrailerKind::Zip
    | TrailerKind::Png
    | TrailerKind::Jpeg
    | TrailerKind::Gif
    | TrailerKind::Gzip
    | TrailerKind::Pdf
    | TrailerKind::SevenZip
    | TrailerKind::Rar) = kind_of(body)
    {
        return Some((
            0.95,
            format!("a {k:?} file inside the field").to_lowercase(),
        ));
    }
    if is_filler(f) {
        return None;
    }
    // UserComment value length as written (cameras leave it empty, blank-padded or short).
    let written = body
        .iter()
        .rposition(|&c| c != 0 && c != b' ')
        .map_or(0, |e| e + 1);
    match (f.source, f.name.as_str(), text) {
        (MetadataSource::Exif, "UserComment", Some(t))
            if written >= 12 && t.len() >= 8 && text_quality(t.as_bytes()).is_some() =>
        {
            if camera && caption_like(t) {
                // Below the verdict threshold on its own; the model may still weigh it.
                return Some((
                    0.3,
                    format!("{len}-character one-line caption in a camera's EXIF UserComment"),
                ));
            }
            let s = if t.len() >= 48 { 0.97 } else { 0.85 };
            Some((s, format!("{len} characters of text in EXIF UserComment")))
        }
        (_, _, Some(t)) if is_xmp_packet(t) => None,
        (MetadataSource::Exif, "UserComment", None) if f.length >= 24 && f.entropy > 4.0 => Some((
            0.9,
            format!("{} bytes of binary data in EXIF UserComment", f.length),
        )),
        (_, _, Some(t))
            if looks_encoded(t)
                && !(f.source == MetadataSource::PngText && routine_png_key(&f.name)) =>
        {
            Some((0.9, format!("{len}-character base64/hex-like blob")))
        }
        (MetadataSource::Exif, "Make" | "Model" | "Software" | "Artist" | "Copyright", Some(_))
            if len >= 256 =>
        {
            Some((
                0.8,
                format!("{len} characters in a field that normally holds a short name"),
            ))
        }
        (MetadataSource::Exif, _, _) if f.name.starts_with("tag0x") => Some((
            0.6,
            format!(
                "unusually large value ({} bytes) in an uncommon tag",
                f.length
            ),
        )),
        (MetadataSource::Xmp, _, _) => None,
        (MetadataSource::PngText, n, _) if routine_png_key(n) => None,
        (_, _, Some(_)) if len >= 1024 => Some((0.6, format!("{len} characters of free text"))),
        (_, _, None) if f.length >= 64 && f.entropy > 6.0 => Some((
            0.85,
            format!("{} bytes of high-entropy binary in a text field", f.length),
        )),
        _ => None,
    }
}

/// Add `exif`-method evidence for every suspicious metadata field.
pub fn analyse(info: &ContainerInfo, out: &mut Vec<Evidence>) {
    let camera = info.metadata.iter().any(|m| {
        m.source == MetadataSource::Exif
            && matches!(m.name.as_str(), "Make" | "Model")
            && m.text.as_deref().is_some_and(|t| !t.trim().is_empty())
    });
    for f in &info.metadata {
        let Some((score, why)) = judge(f, camera) else {
            continue;
        };
        let channel = match f.source {
            MetadataSource::Exif => format!("exif:{}", f.name),
            MetadataSource::Xmp => "xmp".into(),
            MetadataSource::PngText => format!("png:{}", f.name),
            MetadataSource::JpegComment => "jpeg:COM".into(),
            MetadataSource::GifComment => "gif:comment".into(),
        };
        let mut ev = Evidence::new(Method::Exif, score, "metadata", format!("{channel}: {why}"));
        ev.payload = Some(Payload {
            method: Method::Exif,
            bytes: payload_bytes(f),
            encoding: PayloadEncoding::Metadata,
            file_type: None,
            bit_order: None,
            channel,
            offset: 0,
            frame: None,
            complete: true,
            tool: None,
            lsbs: None,
            encrypted: false,
        });
        out.push(ev);
    }
}

/// The value as the embedder wrote it: UserComment without its 8-byte charset header, others raw.
fn payload_bytes(f: &MetadataField) -> Vec<u8> {
    let raw = &f.bytes;
    if f.source == MetadataSource::Exif && f.name == "UserComment" {
        if let Some(h) = user_comment_header(raw) {
            if h == "UNICODE" {
                return f.text.clone().unwrap_or_default().into_bytes();
            }
            return raw[8..].to_vec();
        }
    }
    let body = raw.strip_prefix(b"AI42").unwrap_or(raw);
    body.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uncommon(bytes: Vec<u8>) -> MetadataField {
        MetadataField::new(MetadataSource::Exif, "tag0xEA1C".into(), bytes)
    }

    #[test]
    fn zero_padding_in_an_uncommon_tag_is_not_evidence() {
        // Windows Photo's padding: 0x1C 0xEA, 0x00 0x00 0x00 0x08, then zeros.
        let mut padding = vec![0x1C, 0xEA, 0, 0, 0, 8];
        padding.resize(4122, 0);
        assert_eq!(judge(&uncommon(padding), false), None);
        // the same padding as some tools rewrite it: decimal numbers in text
        let mut text = "28 234 0 0 0 8".to_string();
        while text.len() < 4122 {
            text.push_str(" 0");
        }
        assert_eq!(judge(&uncommon(text.into_bytes()), false), None);
        // the same length of varied bytes still is
        let varied: Vec<u8> = (0..4122u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert!(judge(&uncommon(varied), false).is_some_and(|(s, _)| s >= 0.5));
    }
}
