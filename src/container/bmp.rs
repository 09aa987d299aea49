//! BMP: the end of the image is where the pixel array (or an embedded V5 ICC profile) ends; the
//! file-size field is checked against it.

use super::{le16, le32, ContainerInfo};
use crate::error::{Error, Result};

const F: &str = "bmp";

/// Parsed BMP header fields, shared with the pixel reader.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BmpHeader {
    pub file_size: u32,
    pub data_offset: usize,
    pub header_size: u32,
    pub width: u32,
    pub height: u32,
    pub top_down: bool,
    pub bpp: u16,
    pub compression: u32,
    pub image_size: u32,
    pub colors_used: u32,
}

pub(crate) fn header(b: &[u8]) -> Result<BmpHeader> {
    if b.len() < 26 {
        return Err(Error::truncated(F, "header"));
    }
    let header_size = le32(b, 14);
    let (width, height, bpp, compression, image_size, colors_used, top_down);
    if header_size == 12 {
        width = le16(b, 18) as u32;
        let h = le16(b, 20) as i16 as i32;
        top_down = h < 0;
        height = h.unsigned_abs();
        bpp = le16(b, 24);
        compression = 0;
        image_size = 0;
        colors_used = 0;
    } else if header_size >= 40 {
        if b.len() < 54 {
            return Err(Error::truncated(F, "info header"));
        }
        let w = le32(b, 18) as i32;
        let h = le32(b, 22) as i32;
        if w <= 0 || h == 0 || h == i32::MIN {
            return Err(Error::decode(F, format!("invalid size {w}x{h}")));
        }
        width = w as u32;
        top_down = h < 0;
        height = h.unsigned_abs();
        bpp = le16(b, 28);
        compression = le32(b, 30);
        image_size = le32(b, 34);
        colors_used = le32(b, 46);
    } else {
        return Err(Error::decode(
            F,
            format!("unknown DIB header size {header_size}"),
        ));
    }
    Ok(BmpHeader {
        file_size: le32(b, 2),
        data_offset: le32(b, 10) as usize,
        header_size,
        width,
        height,
        top_down,
        bpp,
        compression,
        image_size,
        colors_used,
    })
}

pub(super) fn walk(b: &[u8]) -> Result<ContainerInfo> {
    let h = header(b)?;
    let mut info = ContainerInfo {
        width: h.width,
        height: h.height,
        frames: 1,
        ..Default::default()
    };
    let stride = (h.bpp as u64 * h.width as u64).div_ceil(32) * 4;
    let pixel_bytes = match h.compression {
        1 | 2 | 4 | 5 => h.image_size as u64, // RLE8, RLE4, JPEG, PNG: size field is authoritative
        _ => stride.saturating_mul(h.height as u64),
    };
    let mut end = (h.data_offset as u64).saturating_add(pixel_bytes);
    // V5 header with an embedded profile: the profile may sit after the pixels.
    if h.header_size >= 124 && b.len() >= 14 + 124 && le32(b, 14 + 56) == 0x4D42_4544 {
        let off = 14 + le32(b, 14 + 112) as u64;
        let size = le32(b, 14 + 116) as u64;
        info.icc_bytes = Some(size as usize);
        end = end.max(off + size);
    }
    if end > b.len() as u64 {
        return Err(Error::truncated(
            F,
            &format!("pixel data (needs {end} bytes, file has {})", b.len()),
        ));
    }
    // Some writers pad the pixel array by a few zero bytes and count them in the file-size field.
    let declared = h.file_size as u64;
    if declared > end
        && declared <= b.len() as u64
        && declared - end <= 16
        && b[end as usize..declared as usize].iter().all(|&c| c == 0)
    {
        end = declared;
    }
    if declared != end && h.file_size as usize != b.len() {
        info.oddities.push(format!(
            "file-size field {} differs from the image end {end}",
            h.file_size
        ));
    }
    info.image_end = end as usize;
    Ok(info)
}
