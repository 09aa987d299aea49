//! The `raw` method: bytes after the exact end of the image.

use super::{Evidence, Method};
use crate::container::trailer::is_short_number;
use crate::container::{ContainerInfo, TrailerKind};
use crate::extract::{Payload, PayloadEncoding};

/// Add `raw`-method evidence for the bytes after the image (payload capped at `max_payload`).
pub fn analyse(info: &ContainerInfo, bytes: &[u8], max_payload: usize, out: &mut Vec<Evidence>) {
    let Some(t) = &info.trailer else { return };
    let tail = &bytes[t.offset.min(bytes.len())..];
    let (score, what) = match t.kind {
        // a finding, not a verdict (the trailer is marked legitimate for the model too)
        TrailerKind::Text if is_short_number(tail) => (
            0.3,
            "a short decimal number, as some writers append (a length, a timestamp)".into(),
        ),
        // graded, not a verdict: what a rewrite in place leaves, but a place data could hide too
        TrailerKind::Remnant => (
            0.3,
            "the tail of an earlier write of this file (it ends with the format's own end marker)"
                .into(),
        ),
        _ if t.known_legit => (
            0.15,
            format!(
                "{:?} trailer written by cameras/phones (known, legitimate)",
                t.kind
            ),
        ),
        TrailerKind::Padding if t.length <= 4096 => (
            0.1,
            "padding (zeros, 0xFF or a little whitespace)".to_string(),
        ),
        TrailerKind::Padding => (0.3, "large padding (zeros or 0xFF)".to_string()),
        TrailerKind::Ai42 => (0.99, "AI42-marked payload".into()),
        TrailerKind::Text if t.length < 4 => (0.2, "a few whitespace/text bytes".into()),
        _ if t.length < 4 => (0.4, "a few stray bytes".into()),
        k => (0.98, format!("{k:?} data").to_lowercase()),
    };
    let detail = format!(
        "{} bytes after the end of the image at offset {}: {what} (entropy {:.2} bits/byte, {:.0} % printable)",
        t.length,
        t.offset,
        t.entropy,
        t.printable_ratio * 100.0
    );
    let mut ev = Evidence::new(Method::Raw, score, "appended", detail);
    ev.payload = Some(payload(bytes, t.offset, t.kind, max_payload));
    out.push(ev);
}

/// The trailer as a payload: Starlight's `AI42` marker and NUL terminator removed when present,
/// capped at `max` bytes.
fn payload(bytes: &[u8], offset: usize, kind: TrailerKind, max: usize) -> Payload {
    let tail = &bytes[offset.min(bytes.len())..];
    let (mut data, mut complete) = if kind == TrailerKind::Ai42 {
        let body = &tail[4..];
        let end = body.iter().position(|&c| c == 0);
        (body[..end.unwrap_or(body.len())].to_vec(), end.is_some())
    } else {
        (tail.to_vec(), true)
    };
    if data.len() > max {
        data.truncate(max);
        complete = false;
    }
    Payload {
        method: Method::Raw,
        bytes: data,
        encoding: if kind == TrailerKind::Ai42 {
            PayloadEncoding::Ai42
        } else {
            PayloadEncoding::Appended
        },
        file_type: (!matches!(
            kind,
            TrailerKind::Text | TrailerKind::Binary | TrailerKind::Padding
        ))
        .then_some(kind),
        bit_order: None,
        channel: "trailer".into(),
        offset,
        frame: None,
        complete,
        tool: None,
        lsbs: None,
        encrypted: false,
    }
}
