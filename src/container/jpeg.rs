//! JPEG marker walk: SOF size, EOI end (scan data skipped by the entropy-coded segment rules, so
//! an FF D9 inside an EXIF thumbnail or a payload never ends the image), APP1 EXIF/XMP, APP2
//! ICC/MPF, COM.

use super::metadata::{MetadataField, MetadataSource};
use super::{be16, ContainerInfo};
use crate::error::{Error, Result};

const F: &str = "jpeg";
const XMP_ID: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";

pub(super) fn walk(b: &[u8]) -> Result<ContainerInfo> {
    let mut info = ContainerInfo {
        frames: 1,
        lossy: true,
        ..Default::default()
    };
    let mut pos = 2;
    loop {
        // Find the marker: 0xFF, optional fill 0xFFs, then the code.
        if pos >= b.len() {
            // no EOI: a truncated file, whose missing rows decoders fill in silently; a verdict
            // on it would say "clean" about pixels that are not there (Pillow refuses it too)
            return Err(Error::truncated(F, "image data (no EOI marker)"));
        }
        if b[pos] != 0xFF {
            return Err(Error::decode(
                F,
                format!("expected a marker at offset {pos}"),
            ));
        }
        while pos < b.len() && b[pos] == 0xFF {
            pos += 1;
        }
        let Some(&m) = b.get(pos) else {
            return Err(Error::truncated(F, "marker"));
        };
        pos += 1;
        match m {
            0xD9 => {
                info.image_end = pos;
                break;
            }
            0xD0..=0xD7 | 0x01 | 0xD8 => continue,
            _ => {}
        }
        if pos + 2 > b.len() {
            return Err(Error::truncated(F, "segment length"));
        }
        let len = be16(b, pos) as usize;
        if len < 2 {
            return Err(Error::decode(F, format!("segment length {len} < 2")));
        }
        if pos + len > b.len() {
            return Err(Error::truncated(F, &format!("segment FF{m:02X}")));
        }
        let data = &b[pos + 2..pos + len];
        match m {
            0xC0..=0xCF if !matches!(m, 0xC4 | 0xC8 | 0xCC) && data.len() >= 5 => {
                info.height = be16(data, 1) as u32;
                info.width = be16(data, 3) as u32;
            }
            0xE1 if data.starts_with(b"Exif\0\0") => {
                if info.exif.is_none() {
                    info.exif = Some(data[6..].to_vec());
                } else {
                    info.oddities.push("more than one EXIF APP1 segment".into());
                }
            }
            0xE1 if data.starts_with(XMP_ID) => {
                let xmp = &data[XMP_ID.len()..];
                if contains(xmp, b"MotionPhoto") || contains(xmp, b"MicroVideo") {
                    info.motion_photo = true;
                }
                info.metadata.push(MetadataField::new(
                    MetadataSource::Xmp,
                    "xmp".into(),
                    xmp.to_vec(),
                ));
            }
            0xE2 if data.starts_with(b"ICC_PROFILE\0") => {
                *info.icc_bytes.get_or_insert(0) += data.len().saturating_sub(14);
            }
            0xE2 if data.starts_with(b"MPF\0") => info.has_mpf = true,
            0xFE => info.metadata.push(MetadataField::new(
                MetadataSource::JpegComment,
                "COM".into(),
                data.to_vec(),
            )),
            0xE0..=0xEF if data.len() >= 32 * 1024 => {
                info.oddities.push(format!(
                    "large APP{} segment ({} bytes)",
                    m - 0xE0,
                    data.len()
                ));
            }
            _ => {}
        }
        pos += len;
        if m == 0xDA {
            info.jpeg_scans += 1;
            pos = skip_entropy_coded(b, pos);
        }
    }
    Ok(info)
}

/// Skip entropy-coded data: stop at an 0xFF that starts a real marker (not FF00 stuffing, not RSTn).
fn skip_entropy_coded(b: &[u8], mut pos: usize) -> usize {
    while let Some(off) = memchr_ff(&b[pos..]) {
        let p = pos + off;
        match b.get(p + 1) {
            None => return b.len(),
            Some(0x00) | Some(0xD0..=0xD7) | Some(0xFF) => pos = p + 1,
            Some(_) => return p,
        }
    }
    b.len()
}

fn memchr_ff(s: &[u8]) -> Option<usize> {
    memchr::memchr(0xFF, s)
}

pub(super) fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}
