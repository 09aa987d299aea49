//! The `raw` method: bytes after the exact end of the image.

use super::{Evidence, Method};
use crate::container::{ContainerInfo, TrailerKind};
use crate::extract::{Payload, PayloadEncoding};

pub fn analyse(info: &ContainerInfo, out: &mut Vec<Evidence>) {
    let Some(t) = &info.trailer else { return };
    let (score, what) = match t.kind {
        _ if t.known_legit => (
            0.15,
            format!(
                "{:?} trailer written by cameras/phones (known, legitimate)",
                t.kind
            ),
        ),
        TrailerKind::Padding if t.length <= 4096 => (0.1, "padding (zeros or 0xFF)".to_string()),
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
    ev.payload = Some(payload(info, t.kind));
    out.push(ev);
}

fn payload(info: &ContainerInfo, kind: TrailerKind) -> Payload {
    let t = info.trailer.as_ref().unwrap();
    Payload {
        method: Method::Raw,
        bytes: Vec::new(), // filled by the caller, who holds the file bytes
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
        offset: t.offset,
        frame: None,
        complete: true,
    }
}

/// Fill the payload bytes of the appended-data evidence from the file (kept out of
/// [`ContainerInfo`] so large trailers are not copied unless reported).
pub(crate) fn fill(bytes: &[u8], ev: &mut Evidence, max: usize) {
    let Some(p) = ev.payload.as_mut() else { return };
    if p.channel != "trailer" {
        return;
    }
    let tail = &bytes[p.offset.min(bytes.len())..];
    let mut data = if p.encoding == PayloadEncoding::Ai42 {
        let body = &tail[4..];
        let end = body.iter().position(|&c| c == 0);
        p.complete = end.is_some();
        body[..end.unwrap_or(body.len())].to_vec()
    } else {
        tail.to_vec()
    };
    if data.len() > max {
        data.truncate(max);
        p.complete = false;
    }
    p.bytes = data;
}
