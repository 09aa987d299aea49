//! EXIF UserComment writing: the TIFF block (piexif's layout) and its insertion into JPEG (APP1),
//! PNG (eXIf) and WebP (EXIF chunk, promoting a simple file to VP8X).

use crate::container::{be32, le32, ContainerInfo, Format};
use crate::error::{Error, Result};

/// Big-endian TIFF with a 0th IFD holding only the Exif-IFD pointer and an Exif IFD holding only
/// UserComment = `ASCII\0\0\0` ‖ payload. `piexif_layout` omits the Exif IFD's next-IFD field
/// exactly as piexif does.
pub(crate) fn user_comment_tiff(payload: &[u8], piexif_layout: bool) -> Vec<u8> {
    let mut value = b"ASCII\0\0\0".to_vec();
    value.extend_from_slice(payload);
    let mut t = Vec::with_capacity(64 + value.len());
    t.extend_from_slice(b"MM\0\x2A\0\0\0\x08");
    // 0th IFD at 8: one entry, ExifIFD pointer -> 26
    t.extend_from_slice(&1u16.to_be_bytes());
    t.extend_from_slice(&0x8769u16.to_be_bytes());
    t.extend_from_slice(&4u16.to_be_bytes());
    t.extend_from_slice(&1u32.to_be_bytes());
    t.extend_from_slice(&26u32.to_be_bytes());
    t.extend_from_slice(&0u32.to_be_bytes());
    // Exif IFD at 26
    let value_at: u32 = if piexif_layout { 40 } else { 44 };
    t.extend_from_slice(&1u16.to_be_bytes());
    t.extend_from_slice(&0x9286u16.to_be_bytes());
    t.extend_from_slice(&7u16.to_be_bytes());
    t.extend_from_slice(&(value.len() as u32).to_be_bytes());
    t.extend_from_slice(&value_at.to_be_bytes());
    if !piexif_layout {
        t.extend_from_slice(&0u32.to_be_bytes());
    }
    t.extend_from_slice(&value);
    t
}

/// Put `tiff` into the file as its EXIF block, replacing any existing one.
pub(crate) fn insert(
    format: Format,
    file: &[u8],
    info: &ContainerInfo,
    tiff: &[u8],
) -> Result<Vec<u8>> {
    match format {
        Format::Jpeg => jpeg(file, tiff),
        Format::Png => Ok(png(file, tiff)),
        Format::WebP => webp(file, info, tiff),
        other => Err(Error::Embed(format!(
            "{other} has no EXIF block (use PNG, JPEG or WebP)"
        ))),
    }
}

fn jpeg(file: &[u8], tiff: &[u8]) -> Result<Vec<u8>> {
    let seg_len = 2 + 6 + tiff.len();
    if seg_len > 0xFFFF {
        return Err(Error::Embed(format!(
            "payload too large for a JPEG APP1 segment ({} bytes max)",
            0xFFFF - 8 - 44
        )));
    }
    let mut out = Vec::with_capacity(file.len() + seg_len + 2);
    out.extend_from_slice(&file[..2]);
    let mut pos = 2;
    // keep APP0 (JFIF) segments first; drop existing EXIF APP1 segments
    let mut inserted = false;
    while pos + 4 <= file.len() && file[pos] == 0xFF {
        let m = file[pos + 1];
        if !(0xE0..=0xEF).contains(&m) {
            break;
        }
        let len = u16::from_be_bytes([file[pos + 2], file[pos + 3]]) as usize;
        let seg = &file[pos..(pos + 2 + len).min(file.len())];
        if m != 0xE0 && !inserted {
            push_app1(&mut out, tiff);
            inserted = true;
        }
        if !(m == 0xE1 && seg.get(4..10) == Some(b"Exif\0\0")) {
            out.extend_from_slice(seg);
        }
        pos += 2 + len;
    }
    if !inserted {
        push_app1(&mut out, tiff);
    }
    out.extend_from_slice(&file[pos.min(file.len())..]);
    Ok(out)
}

fn push_app1(out: &mut Vec<u8>, tiff: &[u8]) {
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((2 + 6 + tiff.len()) as u16).to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(tiff);
}

fn png(file: &[u8], tiff: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(file.len() + tiff.len() + 12);
    out.extend_from_slice(&file[..8]);
    let mut pos = 8;
    while pos + 12 <= file.len() {
        let len = be32(file, pos) as usize;
        let end = (pos + 12 + len).min(file.len());
        let kind = &file[pos + 4..pos + 8];
        if kind != b"eXIf" {
            out.extend_from_slice(&file[pos..end]);
        }
        if kind == b"IHDR" {
            out.extend(super::png_chunk(b"eXIf", tiff));
        }
        pos = end;
    }
    out.extend_from_slice(&file[pos.min(file.len())..]);
    out
}

fn webp(file: &[u8], info: &ContainerInfo, tiff: &[u8]) -> Result<Vec<u8>> {
    let end = info.image_end;
    let mut chunks: Vec<(&[u8], &[u8])> = Vec::new();
    let mut pos = 12;
    while pos + 8 <= end {
        let size = le32(file, pos + 4) as usize;
        chunks.push((&file[pos..pos + 4], &file[pos + 8..pos + 8 + size]));
        pos += 8 + size + (size & 1);
    }
    let mut body = Vec::new();
    let push = |body: &mut Vec<u8>, id: &[u8], data: &[u8]| {
        body.extend_from_slice(id);
        body.extend_from_slice(&(data.len() as u32).to_le_bytes());
        body.extend_from_slice(data);
        if data.len() % 2 == 1 {
            body.push(0);
        }
    };
    if chunks.iter().any(|(id, d)| *id == b"VP8X" && d.len() < 10) {
        return Err(Error::Embed("malformed VP8X chunk".into()));
    }
    if chunks.first().map(|c| c.0) != Some(b"VP8X") {
        if info.width == 0 || info.height == 0 {
            return Err(Error::Embed("WebP without a readable canvas size".into()));
        }
        let has_alpha = chunks
            .iter()
            .any(|(id, d)| *id == b"VP8L" && d.len() >= 5 && le32(d, 1) >> 28 & 1 == 1);
        let mut x = vec![0u8; 10];
        x[0] = 0x08 | if has_alpha { 0x10 } else { 0 };
        x[4..7].copy_from_slice(&(info.width - 1).to_le_bytes()[..3]);
        x[7..10].copy_from_slice(&(info.height - 1).to_le_bytes()[..3]);
        push(&mut body, b"VP8X", &x);
    }
    for (id, data) in &chunks {
        if *id == b"EXIF" {
            continue;
        }
        if *id == b"VP8X" {
            let mut x = data.to_vec();
            x[0] |= 0x08;
            push(&mut body, id, &x);
        } else {
            push(&mut body, id, data);
        }
    }
    push(&mut body, b"EXIF", tiff);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
    out.extend_from_slice(b"WEBP");
    out.extend_from_slice(&body);
    out.extend_from_slice(&file[end..]);
    Ok(out)
}
