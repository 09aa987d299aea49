//! Payloads read under a known key or password (OutGuess, f5stegojs): those tools write no
//! magic and no checksum, so any JPEG yields "data" under any key, and a payload counts only
//! when it reads as something that random bytes of its length never do by chance.

use crate::container::trailer::{kind_of, TrailerKind};

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
