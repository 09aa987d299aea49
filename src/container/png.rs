//! PNG chunk walk: IHDR size, IEND end, text chunks, eXIf, iCCP, chunks after IEND.

use super::metadata::{self, MetadataField, MetadataSource};
use super::{be32, ContainerInfo};
use crate::error::{Error, Result};
use crate::options::Limits;

const F: &str = "png";

pub(super) fn walk(b: &[u8], limits: &Limits) -> Result<ContainerInfo> {
    let mut info = ContainerInfo {
        frames: 1,
        ..Default::default()
    };
    let mut pos = 8;
    let mut seen_ihdr = false;
    let mut text_bytes = 0u64;
    loop {
        if pos + 8 > b.len() {
            return Err(Error::truncated(F, "chunk header (no IEND)"));
        }
        let len = be32(b, pos) as usize;
        let kind = &b[pos + 4..pos + 8];
        if len > 0x7FFF_FFFF {
            return Err(Error::decode(F, "chunk length over 2^31-1"));
        }
        let data_start = pos + 8;
        let end = data_start
            .checked_add(len)
            .and_then(|e| e.checked_add(4))
            .unwrap_or(usize::MAX);
        if end > b.len() {
            return Err(Error::truncated(
                F,
                &format!("{} chunk", String::from_utf8_lossy(kind)),
            ));
        }
        let data = &b[data_start..data_start + len];
        if !seen_ihdr {
            if kind != b"IHDR" || len < 13 {
                return Err(Error::decode(F, "first chunk is not IHDR"));
            }
            info.width = be32(data, 0);
            info.height = be32(data, 4);
            seen_ihdr = true;
        }
        match kind {
            b"IEND" => {
                info.image_end = end;
                break;
            }
            b"tEXt" | b"zTXt" | b"iTXt" => {
                // One budget for all text chunks of the file, so many small zlib bombs cannot
                // add up to gigabytes.
                let left = limits.max_metadata_bytes.saturating_sub(text_bytes);
                if let Some(field) = text_chunk(kind, data, left, &mut info.oddities) {
                    text_bytes += field.length as u64;
                    info.metadata.push(field);
                }
            }
            b"eXIf" => {
                info.exif = Some(data.to_vec());
            }
            b"iCCP" => {
                info.icc_bytes = Some(len);
            }
            b"acTL" if len >= 4 => {
                info.frames = be32(data, 0).max(1);
            }
            _ => {}
        }
        pos = end;
    }
    // Chunks after IEND are an oddity worth naming (the bytes themselves are the trailer).
    let mut p = info.image_end;
    let mut after = Vec::new();
    while p + 12 <= b.len() {
        let len = be32(b, p) as usize;
        let kind = &b[p + 4..p + 8];
        if !kind.iter().all(|c| c.is_ascii_alphabetic()) || p + 12 + len > b.len() {
            break;
        }
        after.push(String::from_utf8_lossy(kind).into_owned());
        p += 12 + len;
    }
    if !after.is_empty() {
        info.oddities
            .push(format!("chunks after IEND: {}", after.join(",")));
    }
    Ok(info)
}

fn text_chunk(
    kind: &[u8],
    data: &[u8],
    budget: u64,
    odd: &mut Vec<String>,
) -> Option<MetadataField> {
    let nul = data.iter().position(|&c| c == 0)?;
    let keyword = String::from_utf8_lossy(&data[..nul]).into_owned();
    let rest = &data[nul + 1..];
    let (tag, text): (&str, Vec<u8>) = match kind {
        b"tEXt" => ("tEXt", rest.to_vec()),
        b"zTXt" => {
            // compression method byte, then zlib stream
            let z = rest.get(1..)?;
            match metadata::inflate_limited(z, budget) {
                Ok(t) => ("zTXt", t),
                Err(e) => {
                    odd.push(format!("zTXt {keyword}: {e}"));
                    return None;
                }
            }
        }
        _ => {
            // iTXt: compression flag, method, language\0, translated keyword\0, text
            let flag = *rest.first()?;
            let mut r = rest.get(2..)?;
            for _ in 0..2 {
                let n = r.iter().position(|&c| c == 0)?;
                r = &r[n + 1..];
            }
            if flag == 1 {
                match metadata::inflate_limited(r, budget) {
                    Ok(t) => ("iTXt", t),
                    Err(e) => {
                        odd.push(format!("iTXt {keyword}: {e}"));
                        return None;
                    }
                }
            } else {
                ("iTXt", r.to_vec())
            }
        }
    };
    let source = if keyword == "XML:com.adobe.xmp" {
        MetadataSource::Xmp
    } else {
        MetadataSource::PngText
    };
    Some(MetadataField::new(source, format!("{tag}:{keyword}"), text))
}
