//! Encoders used by the embedder (lossless unless the Starlight JPEG quirk asks for q95).

use std::borrow::Cow;

use image::ExtendedColorType;

use crate::container::Format;
use crate::error::{Error, Result};

/// An 8-bit image to write.
pub(crate) struct Raster<'a> {
    pub width: u32,
    pub height: u32,
    /// 1 (grey or index), 3 (RGB) or 4 (RGBA) samples per pixel.
    pub channels: usize,
    pub samples: &'a [u8],
    /// Palette for indexed output.
    pub palette: Option<&'a [[u8; 3]]>,
}

fn enc(e: impl std::fmt::Display) -> Error {
    Error::Embed(format!("encoder: {e}"))
}

pub(crate) fn write(format: Format, r: &Raster<'_>, jpeg_quality: u8) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let ct = match (r.channels, r.palette.is_some()) {
        (1, _) => ExtendedColorType::L8,
        (3, _) => ExtendedColorType::Rgb8,
        (4, _) => ExtendedColorType::Rgba8,
        (n, _) => return Err(Error::Embed(format!("{n} channels cannot be written"))),
    };
    match format {
        Format::Png => write_png(r, &mut out)?,
        Format::Gif => write_gif(r, &mut out)?,
        Format::WebP => {
            if r.palette.is_some() {
                return Err(Error::Embed("WebP cannot store palette indices".into()));
            }
            image::codecs::webp::WebPEncoder::new_lossless(&mut out)
                .encode(r.samples, r.width, r.height, ct)
                .map_err(enc)?
        }
        Format::Bmp => image::codecs::bmp::BmpEncoder::new(&mut out)
            .encode_with_palette(r.samples, r.width, r.height, ct, r.palette)
            .map_err(enc)?,
        Format::Jpeg => {
            if r.channels == 4 || r.palette.is_some() {
                return Err(Error::Embed("JPEG output needs RGB or grey pixels".into()));
            }
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, jpeg_quality)
                .encode(r.samples, r.width, r.height, ct)
                .map_err(enc)?
        }
    }
    Ok(out)
}

fn write_png(r: &Raster<'_>, out: &mut Vec<u8>) -> Result<()> {
    let mut e = png::Encoder::new(&mut *out, r.width, r.height);
    e.set_depth(png::BitDepth::Eight);
    e.set_color(match (r.channels, r.palette.is_some()) {
        (1, true) => png::ColorType::Indexed,
        (1, false) => png::ColorType::Grayscale,
        (3, _) => png::ColorType::Rgb,
        _ => png::ColorType::Rgba,
    });
    if let Some(p) = r.palette {
        e.set_palette(p.iter().flatten().copied().collect::<Vec<u8>>());
    }
    let mut w = e.write_header().map_err(enc)?;
    w.write_image_data(r.samples).map_err(enc)?;
    w.finish().map_err(enc)
}

fn write_gif(r: &Raster<'_>, out: &mut Vec<u8>) -> Result<()> {
    let (w, h) = (
        u16::try_from(r.width).map_err(enc)?,
        u16::try_from(r.height).map_err(enc)?,
    );
    // Grey output (the Starlight quirk) is an identity grey palette.
    let grey: Vec<[u8; 3]>;
    let pal = match r.palette {
        Some(p) if r.channels == 1 => p,
        None if r.channels == 1 => {
            grey = (0..=255u8).map(|v| [v, v, v]).collect();
            &grey
        }
        _ => return Err(Error::Embed("GIF output needs palette indices".into())),
    };
    let mut flat: Vec<u8> = pal.iter().flatten().copied().collect();
    let size = pal.len().next_power_of_two().max(2);
    flat.resize(size * 3, 0);
    let mut e = gif::Encoder::new(&mut *out, w, h, &flat).map_err(enc)?;
    let frame = gif::Frame {
        width: w,
        height: h,
        buffer: Cow::Borrowed(r.samples),
        ..Default::default()
    };
    e.write_frame(&frame).map_err(enc)?;
    Ok(())
}
