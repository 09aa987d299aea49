//! jsteg-style embedding: the payload, behind jsteg's length header, in the LSBs of the usable
//! AC coefficients (see [`crate::analysis::jpeg::jsteg`]) in scan order. The coefficients are
//! rewritten losslessly (no pixel round trip); metadata segments are not carried over.

use crate::analysis::jpeg::jsteg::usable;
use crate::error::{Error, Result};
use crate::planes::dct::DctPlanes;

/// jsteg's header and payload as bits, MSB-first.
fn bits(payload: &[u8]) -> Vec<u8> {
    let len = payload.len();
    let n = (usize::BITS - len.leading_zeros()) as usize; // bits of the size field
    let mut out: Vec<u8> = (0..5).rev().map(|i| ((n >> i) & 1) as u8).collect();
    out.extend((0..n).rev().map(|i| ((len >> i) & 1) as u8));
    for &b in payload {
        out.extend((0..8).rev().map(|i| (b >> i) & 1));
    }
    out
}

/// Embed `payload` (1 byte to 2^31 - 1) into the JPEG `jpeg`.
pub(super) fn embed(jpeg: &[u8], payload: &[u8]) -> Result<Vec<u8>> {
    if payload.is_empty() || payload.len() >= 1 << 31 {
        return Err(Error::Embed(format!(
            "a jsteg payload is 1 byte to 2 GiB, not {} bytes",
            payload.len()
        )));
    }
    let err = |e: libjpeg_turbo_rs::JpegError| Error::decode("jpeg", e.to_string());
    let mut coeffs = libjpeg_turbo_rs::read_coefficients(jpeg).map_err(err)?;
    let planes = DctPlanes::read(jpeg, 0)?;
    let bits = bits(payload);
    let mut next = bits.iter();
    // Only blocks inside the image carry bits: the MCU padding past its right and bottom edges
    // is written back as libjpeg writes it, DC-only dummy blocks (jsteg itself, patched into
    // libjpeg's compressor, never sees them either). A cover whose padding held AC values lost
    // the bits written there and the payload after them read shifted.
    let inside: Vec<(usize, usize)> = (0..planes.components.len())
        .map(|ci| planes.blocks_inside(ci))
        .collect();
    'outer: for (c, b) in planes.scan_order() {
        let (wb, hb) = inside[c];
        let per_row = planes.components[c].blocks_x;
        if b % per_row >= wb || b / per_row >= hb {
            continue;
        }
        for v in coeffs.components[c].blocks[b][1..].iter_mut() {
            if usable(*v) {
                let Some(&bit) = next.next() else {
                    break 'outer;
                };
                *v = (*v & !1) | bit as i16;
            }
        }
    }
    if next.len() > 0 {
        let capacity = bits.len() - next.len();
        return Err(Error::Embed(format!(
            "payload needs {} bits but the usable AC coefficients hold {capacity} ({} bytes \
             after the header)",
            bits.len(),
            capacity.saturating_sub(bits.len() - payload.len() * 8) / 8
        )));
    }
    libjpeg_turbo_rs::write_coefficients(&coeffs).map_err(err)
}
