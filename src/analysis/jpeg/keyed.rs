//! Payloads read under a known key or password (OutGuess, f5stegojs): those tools write no
//! magic and no checksum, so any JPEG yields "data" under any key, and a payload counts only
//! when it reads as something that random bytes of its length never do by chance.

use crate::analysis::{Evidence, Method};
use crate::container::trailer::{kind_of, TrailerKind};
use crate::extract::{Payload, PayloadEncoding};
use crate::vocab::Tool;

/// Shortest payload taken: under 16 bytes, text-like bytes turn up by chance too often.
pub(crate) const MIN_PAYLOAD: usize = 16;

/// A known file type's magic number.
fn is_file(b: &[u8]) -> bool {
    use TrailerKind::*;
    matches!(
        kind_of(b),
        Jpeg | Png | Gif | Zip | Pdf | Gzip | SevenZip | Rar | Mp4
    )
}

/// The first 16 bytes of a payload worth reading on: printable ASCII (random bytes pass with
/// a chance of about 2e-7) or a file's magic.
pub(crate) fn promising(b: &[u8]) -> bool {
    b.len() >= MIN_PAYLOAD
        && (b
            .iter()
            .all(|&c| matches!(c, b'\t' | b'\n' | b'\r' | 0x20..=0x7E))
            || is_file(b))
}

/// What a payload reads as, if anything: text (the content search's tests for text) or a
/// file with a known magic.
pub(crate) fn reads_as(b: &[u8]) -> Option<&'static str> {
    if is_file(b) {
        Some("a file with a known magic number")
    } else if crate::analysis::content::plausible_text(b) {
        Some("text")
    } else {
        None
    }
}

/// What a payload opened under a key is reported as: evidence for `method` by `tool` at
/// [`Evidence::OPENED`], with the payload attached when `extract` (cut at `max_payload_bytes`;
/// complete when `whole` and not cut).
#[allow(clippy::too_many_arguments)]
pub(crate) fn opened(
    method: Method,
    tool: Tool,
    encoding: PayloadEncoding,
    analysis: &'static str,
    detail: String,
    channel: &str,
    (mut payload, whole): (Vec<u8>, bool),
    (extract, max_payload_bytes): (bool, usize),
) -> Evidence {
    let mut e = Evidence::new(method, Evidence::OPENED, analysis, detail);
    e.tool = Some(tool);
    if extract {
        let complete = whole && payload.len() <= max_payload_bytes;
        payload.truncate(max_payload_bytes);
        e.payload = Some(Payload {
            method,
            bytes: payload,
            encoding,
            file_type: None,
            bit_order: None,
            channel: channel.into(),
            offset: 0,
            frame: None,
            complete,
            tool: Some(tool),
            lsbs: None,
            encrypted: false,
        });
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_text_or_files_are_payloads() {
        assert!(promising(b"meet me at the old mill"));
        assert!(!promising(b"short"));
        assert!(!promising(&[0x8d; 20]));
        assert!(promising(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj"));
        assert_eq!(
            reads_as(b"meet me at the old mill at midnight, bring the documents\n"),
            Some("text")
        );
        assert_eq!(reads_as(b"qqqqqqqqqqqqqqqqqqqqqqqq"), None);
    }
}
