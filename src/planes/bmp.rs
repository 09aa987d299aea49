//! Indexed BMP reader (1/4/8-bit, uncompressed): the `image` crate expands palettes, losing the
//! indices that palette steganography hides in.

use super::{ColorMode, PixelPlanes};
use crate::container::bmp_header;
use crate::error::{Error, Result};

const F: &str = "bmp";

/// Decode an uncompressed palette BMP; `Ok(None)` when the file is not one (caller falls back to
/// the generic decoder).
pub(super) fn decode_indexed(b: &[u8]) -> Result<Option<PixelPlanes>> {
    let h = bmp_header(b)?;
    if !matches!(h.bpp, 1 | 4 | 8) || h.compression != 0 {
        return Ok(None);
    }
    let entry = if h.header_size == 12 { 3 } else { 4 };
    let max_colors = 1usize << h.bpp;
    let n_colors = if h.colors_used == 0 {
        max_colors
    } else {
        (h.colors_used as usize).min(max_colors)
    };
    let pal_start = 14 + h.header_size as usize;
    let pal_end = pal_start + n_colors * entry;
    if pal_end > b.len() {
        return Err(Error::truncated(F, "palette"));
    }
    // a palette that runs into the pixel data is cut where the pixels start
    let pal_end = pal_end.min(h.data_offset.max(pal_start + 2 * entry));
    let palette: Vec<[u8; 3]> = b[pal_start..pal_end]
        .chunks_exact(entry)
        .map(|c| [c[2], c[1], c[0]])
        .collect();
    let (w, hgt) = (h.width as usize, h.height as usize);
    let stride = (h.bpp as usize * w).div_ceil(32) * 4;
    let need = h.data_offset + stride * hgt;
    if need > b.len() {
        return Err(Error::truncated(F, "pixel data"));
    }
    let mut idx = vec![0u8; w * hgt];
    let per_byte = 8 / h.bpp as usize;
    let mask = ((1u16 << h.bpp) - 1) as u8;
    for y in 0..hgt {
        let src_row = if h.top_down { y } else { hgt - 1 - y };
        let row = &b[h.data_offset + src_row * stride..][..stride];
        let out = &mut idx[y * w..(y + 1) * w];
        for (x, o) in out.iter_mut().enumerate() {
            let byte = row[x / per_byte];
            let shift = 8 - h.bpp as usize * (x % per_byte + 1);
            *o = (byte >> shift) & mask;
        }
    }
    Ok(Some(PixelPlanes {
        width: h.width,
        height: h.height,
        mode: ColorMode::Palette,
        bit_depth: h.bpp as u8,
        samples: idx,
        low_bits: None,
        palette: Some(palette),
        left: 0,
        top: 0,
    }))
}
