//! Container layer: walks each format's structure (chunks, markers, blocks, RIFF size) to find the
//! exact end of the image, what follows it, and every metadata block with free text. Pixels are not
//! decoded here (see [`crate::planes`]).

mod bmp;
mod gif;
mod jpeg;
pub mod metadata;
mod png;
pub mod trailer;
mod webp;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::options::Limits;
pub(crate) use bmp::header as bmp_header;
pub use metadata::{MetadataField, MetadataSource};
pub use trailer::{Trailer, TrailerKind};

/// Image container formats, detected from content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// PNG (all bit depths and colour types).
    Png,
    /// JPEG (baseline and progressive).
    Jpeg,
    /// GIF (every frame).
    Gif,
    /// BMP (1-32 bit).
    Bmp,
    /// WebP (lossy, lossless, with alpha).
    WebP,
}

impl Format {
    /// Lower-case name (`"png"`, `"jpeg"`, `"gif"`, `"bmp"`, `"webp"`), as Starlight's `image_format`.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpeg",
            Format::Gif => "gif",
            Format::Bmp => "bmp",
            Format::WebP => "webp",
        }
    }

    /// Detect the format from the first bytes (magic numbers), never from a file name.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Format::Gif)
        } else if bytes.len() >= 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Format::WebP)
        } else if bytes.len() >= 26 && bytes.starts_with(b"BM") {
            Some(Format::Bmp)
        } else {
            None
        }
    }

    /// Guess an output format from a file extension (used by the embedder for `-o` paths).
    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext.to_ascii_lowercase().as_str() {
            "png" => Some(Format::Png),
            "jpg" | "jpeg" => Some(Format::Jpeg),
            "gif" => Some(Format::Gif),
            "bmp" => Some(Format::Bmp),
            "webp" => Some(Format::WebP),
            _ => None,
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the container walk found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContainerInfo {
    /// Offset one past the last byte of the image proper (IEND chunk, EOI marker, GIF trailer,
    /// RIFF size, BMP pixel data).
    pub image_end: usize,
    /// Declared canvas size from the header.
    pub width: u32,
    /// Declared canvas height.
    pub height: u32,
    /// Data after the end of the image, if any.
    pub trailer: Option<Trailer>,
    /// Free-text and binary metadata blocks, in file order.
    pub metadata: Vec<MetadataField>,
    /// Raw TIFF bytes of the EXIF block (without the `Exif\0\0` header), if any.
    #[serde(skip)]
    pub exif: Option<Vec<u8>>,
    /// Whether the stored EXIF block began with `Exif\0\0` (WebP stores it either way).
    #[serde(skip)]
    pub exif_prefixed: bool,
    /// Size of the embedded ICC profile in bytes.
    pub icc_bytes: Option<usize>,
    /// Frames counted by the structure walk (GIF images, WebP ANMF; 1 otherwise).
    pub frames: u32,
    /// Structural oddities (chunks after IEND, oversized segments, lying size fields ...).
    pub oddities: Vec<String>,
    /// The pixels are lossy-coded (JPEG, WebP VP8).
    pub lossy: bool,
    /// JPEG start-of-scan markers (1 for baseline, about 10 for progressive).
    #[serde(skip)]
    pub jpeg_scans: u32,
    /// JPEG carries an MPF (multi-picture) index, so a second image after EOI is expected.
    #[serde(skip)]
    pub has_mpf: bool,
    /// Whether XMP mentions an embedded motion-photo video (Google/Samsung), so an MP4 after the
    /// image is expected.
    #[serde(skip)]
    pub motion_photo: bool,
}

/// Walk the container of `bytes` (format already sniffed).
pub fn parse(format: Format, bytes: &[u8], limits: &Limits) -> Result<ContainerInfo> {
    let mut info = match format {
        Format::Png => png::walk(bytes, limits)?,
        Format::Jpeg => jpeg::walk(bytes)?,
        Format::Gif => gif::walk(bytes)?,
        Format::WebP => webp::walk(bytes)?,
        Format::Bmp => bmp::walk(bytes)?,
    };
    if let Some(tiff) = info.exif.clone() {
        metadata::exif_fields(&tiff, &mut info.metadata, &mut info.oddities);
    }
    if info.image_end < bytes.len() {
        info.trailer = Some(trailer::classify(
            format,
            &bytes[info.image_end..],
            info.image_end,
            &info,
        ));
    }
    Ok(info)
}

/// Big-endian u32 at `at` (caller checks bounds).
pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
pub(crate) fn le32(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
pub(crate) fn le16(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}
pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

/// Check a declared size against the pixel limit.
pub(crate) fn check_pixels(width: u32, height: u32, limits: &Limits) -> Result<()> {
    let px = width as u64 * height as u64;
    if px > limits.max_pixels {
        return Err(Error::Limit(format!(
            "{width}x{height} = {px} pixels exceeds the limit of {} pixels",
            limits.max_pixels
        )));
    }
    Ok(())
}
