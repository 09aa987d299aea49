//! GIF block walk: logical screen, image descriptors with their sub-blocks, extensions (comment,
//! application/XMP), trailer `;` as the exact end.

use super::metadata::{MetadataField, MetadataSource};
use super::{le16, ContainerInfo};
use crate::error::{Error, Result};

const F: &str = "gif";

pub(super) fn walk(b: &[u8]) -> Result<ContainerInfo> {
    let mut info = ContainerInfo::default();
    if b.len() < 13 {
        return Err(Error::truncated(F, "logical screen descriptor"));
    }
    info.width = le16(b, 6) as u32;
    info.height = le16(b, 8) as u32;
    let flags = b[10];
    let mut pos = 13;
    if flags & 0x80 != 0 {
        pos += 3 << ((flags & 7) + 1);
    }
    loop {
        let Some(&block) = b.get(pos) else {
            // Many GIFs in the wild lack the trailer; decoders accept them.
            info.oddities.push("missing GIF trailer".into());
            info.image_end = b.len();
            return Ok(info);
        };
        pos += 1;
        match block {
            0x3B => {
                info.image_end = pos;
                return Ok(info);
            }
            0x2C => {
                if pos + 9 > b.len() {
                    return Err(Error::truncated(F, "image descriptor"));
                }
                let f = b[pos + 8];
                pos += 9;
                if f & 0x80 != 0 {
                    pos += 3 << ((f & 7) + 1);
                }
                pos += 1; // LZW minimum code size
                pos = sub_blocks(b, pos, None)?;
                info.frames += 1;
            }
            0x21 => {
                let Some(&label) = b.get(pos) else {
                    return Err(Error::truncated(F, "extension"));
                };
                pos += 1;
                match label {
                    0xFE => {
                        let mut text = Vec::new();
                        pos = sub_blocks(b, pos, Some(&mut text))?;
                        info.metadata.push(MetadataField::new(
                            MetadataSource::GifComment,
                            "comment".into(),
                            text,
                        ));
                    }
                    0xFF => {
                        // application extension: 11-byte identifier block, then data sub-blocks
                        let id = b.get(pos + 1..pos + 12).unwrap_or_default().to_vec();
                        let mut data = Vec::new();
                        pos = sub_blocks(b, pos, Some(&mut data))?;
                        if id.starts_with(b"XMP Data") {
                            // XMP's "magic trailer" makes the sub-block walk consume the raw packet.
                            let xmp = data.get(11..).unwrap_or_default().to_vec();
                            info.metadata.push(MetadataField::new(
                                MetadataSource::Xmp,
                                "xmp".into(),
                                xmp,
                            ));
                        } else if !id.starts_with(b"NETSCAPE2.0")
                            && !id.starts_with(b"ANIMEXTS1.0")
                            && data.len() > 1024
                        {
                            info.oddities.push(format!(
                                "application extension {} with {} bytes",
                                String::from_utf8_lossy(&id),
                                data.len()
                            ));
                        }
                    }
                    _ => pos = sub_blocks(b, pos, None)?,
                }
            }
            0x00 => {
                // stray block terminator: tolerated by decoders
                continue;
            }
            other => {
                return Err(Error::decode(
                    F,
                    format!("unknown block 0x{other:02X} at offset {}", pos - 1),
                ));
            }
        }
    }
}

/// Walk data sub-blocks from `pos` (size byte, data ...) to the zero terminator; optionally
/// collect the data. Returns the position after the terminator.
fn sub_blocks(b: &[u8], mut pos: usize, mut out: Option<&mut Vec<u8>>) -> Result<usize> {
    loop {
        let Some(&n) = b.get(pos) else {
            return Err(Error::truncated(F, "data sub-blocks"));
        };
        pos += 1;
        if n == 0 {
            return Ok(pos);
        }
        let end = pos + n as usize;
        if end > b.len() {
            return Err(Error::truncated(F, "data sub-block"));
        }
        if let Some(o) = out.as_deref_mut() {
            o.extend_from_slice(&b[pos..end]);
        }
        pos = end;
    }
}
