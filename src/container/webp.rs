//! WebP RIFF walk: the RIFF size gives the exact end; chunks inside give size, EXIF, XMP, ICC and
//! animation frames. A RIFF size that points past the file is a truncated (or lying) file.

use super::metadata::{MetadataField, MetadataSource};
use super::{le16, le32, ContainerInfo};
use crate::error::{Error, Result};

const F: &str = "webp";

pub(super) fn walk(b: &[u8]) -> Result<ContainerInfo> {
    if b.len() < 12 {
        return Err(Error::truncated(F, "RIFF header"));
    }
    let mut info = ContainerInfo {
        frames: 1,
        ..Default::default()
    };
    let riff = le32(b, 4) as usize;
    let end = riff
        .checked_add(8)
        .ok_or_else(|| Error::decode(F, "RIFF size overflows"))?;
    if end > b.len() {
        return Err(Error::truncated(
            F,
            &format!(
                "RIFF body (declares {riff} bytes, file has {})",
                b.len() - 8
            ),
        ));
    }
    if riff % 2 == 1 {
        info.oddities.push("odd RIFF size".into());
    }
    info.image_end = end;
    let mut pos = 12;
    let mut anmf = 0;
    while pos + 8 <= end {
        let fourcc = &b[pos..pos + 4];
        let size = le32(b, pos + 4) as usize;
        let data_start = pos + 8;
        let data_end = data_start
            .checked_add(size)
            .filter(|&e| e <= end)
            .ok_or_else(|| {
                Error::truncated(F, &format!("{} chunk", String::from_utf8_lossy(fourcc)))
            })?;
        let data = &b[data_start..data_end];
        match fourcc {
            b"VP8X" if data.len() >= 10 => {
                info.width = 1 + u24(data, 4);
                info.height = 1 + u24(data, 7);
            }
            b"VP8L" if data.len() >= 5 && info.width == 0 => {
                let bits = le32(data, 1);
                info.width = 1 + (bits & 0x3FFF);
                info.height = 1 + ((bits >> 14) & 0x3FFF);
            }
            b"VP8 " => info.lossy = true,
            _ => {}
        }
        match fourcc {
            b"VP8 " if data.len() >= 10 && info.width == 0 => {
                info.width = (le16(data, 6) & 0x3FFF) as u32;
                info.height = (le16(data, 8) & 0x3FFF) as u32;
            }
            b"EXIF" => {
                let tiff = data.strip_prefix(b"Exif\0\0").unwrap_or(data);
                info.exif_prefixed = tiff.len() != data.len();
                info.exif = Some(tiff.to_vec());
            }
            b"XMP " => info.metadata.push(MetadataField::new(
                MetadataSource::Xmp,
                "xmp".into(),
                data.to_vec(),
            )),
            b"ICCP" => info.icc_bytes = Some(size),
            b"ANMF" => {
                anmf += 1;
                // a lossy frame (VP8 inside the frame) makes the pixels lossy, as a top-level
                // VP8 chunk does: the LSB analyses must not read codec noise as a payload
                if frame_is_lossy(data) {
                    info.lossy = true;
                }
            }
            _ => {}
        }
        pos = data_end + (size & 1);
    }
    if anmf > 0 {
        info.frames = anmf;
    }
    if pos < end && end - pos >= 8 {
        info.oddities
            .push("unparsed bytes inside the RIFF body".into());
    }
    Ok(info)
}

/// Whether an ANMF chunk's frame data (after its 16-byte header: offsets, size, duration, flags)
/// holds a lossy `VP8 ` bitstream, possibly after an `ALPH` chunk.
fn frame_is_lossy(anmf: &[u8]) -> bool {
    let mut pos = 16;
    while pos + 8 <= anmf.len() {
        if &anmf[pos..pos + 4] == b"VP8 " {
            return true;
        }
        let size = le32(anmf, pos + 4) as usize;
        pos = match pos.checked_add(8 + size + (size & 1)) {
            Some(p) => p,
            None => break,
        };
    }
    false
}

fn u24(b: &[u8], at: usize) -> u32 {
    b[at] as u32 | (b[at + 1] as u32) << 8 | (b[at + 2] as u32) << 16
}
