//! Format-specific pixel decoding into [`PixelPlanes`]. Sizes are checked against the limits
//! before any pixel buffer is allocated.

use std::io::Cursor;
use std::num::NonZeroU64;

use super::dct::DctPlanes;
use super::{bmp, ColorMode, Decoded, PixelPlanes};
use crate::container::{check_pixels, ContainerInfo, Format};
use crate::error::{Error, Result};
use crate::options::Limits;

/// Decode the pixels of an image whose container was already walked.
pub fn decode(
    format: Format,
    bytes: &[u8],
    info: &ContainerInfo,
    limits: &Limits,
) -> Result<Decoded> {
    check_pixels(info.width, info.height, limits)?;
    match format {
        Format::Png => Ok(single(decode_png(bytes, limits)?, info)),
        Format::Gif => decode_gif(bytes, info, limits),
        Format::Bmp => match bmp::decode_indexed(bytes)? {
            Some(p) => Ok(single(p, info)),
            None => Ok(single(decode_generic(format, bytes, limits)?, info)),
        },
        Format::Jpeg => decode_jpeg(
            bytes,
            info,
            limits,
            read_jpeg(bytes, info, limits).ok().as_ref(),
        ),
        Format::WebP => Ok(single(decode_webp(bytes, info, limits)?, info)),
    }
}

/// The quantised DCT coefficients of a walked JPEG (the image proper, up to its EOI), within the
/// pixel limit.
pub fn read_jpeg(bytes: &[u8], info: &ContainerInfo, limits: &Limits) -> Result<DctPlanes> {
    check_pixels(info.width, info.height, limits)?;
    DctPlanes::read(&bytes[..info.image_end.min(bytes.len())], info.jpeg_scans)
}

/// A JPEG's pixels: from its coefficients `dct` (one entropy decoding for pixels and the
/// JPEG-domain analyses) where their layout allows ([`super::jpeg`]), else from the general
/// decoder (also when the coefficients could not be read).
pub fn decode_jpeg(
    bytes: &[u8],
    info: &ContainerInfo,
    limits: &Limits,
    dct: Option<&DctPlanes>,
) -> Result<Decoded> {
    check_pixels(info.width, info.height, limits)?;
    match dct.and_then(super::jpeg::pixels) {
        Some(p) => Ok(single(p, info)),
        None => Ok(single(decode_generic(Format::Jpeg, bytes, limits)?, info)),
    }
}

/// Working memory (bytes) that decoding and analysing an image is expected to need at most, from
/// the sizes its container declares: twice the decoded samples (the decoder's buffer and the
/// planes the analyses derive; measured peaks are near one copy), for JPEGs 12 bytes a pixel
/// for the DCT coefficients the JPEG-domain analyses read, plus a fixed 16 MiB.
pub fn working_memory(format: Format, bytes: &[u8], info: &ContainerInfo, limits: &Limits) -> u64 {
    let px = info.width as u64 * info.height as u64;
    let samples = match format {
        Format::Png => {
            // IHDR: bit depth at byte 24, colour type at 25 (the walk checked IHDR comes first)
            let (depth, colour) = (bytes.get(24).copied(), bytes.get(25).copied());
            let channels = match colour {
                Some(2) => 3,
                Some(4) => 2,
                Some(6) => 4,
                _ => 1,
            };
            let per_sample = if depth == Some(16) { 2 } else { 1 };
            px * channels * per_sample
        }
        // indexed frames, each at most the canvas, within the frame budget of `decode_gif`
        Format::Gif => px
            .saturating_mul(info.frames.clamp(1, limits.max_frames.max(1)) as u64)
            .min(limits.max_pixels.saturating_mul(4)),
        Format::Jpeg => px * 3,
        Format::WebP | Format::Bmp => px * 4,
    };
    // JPEG-domain analyses: quantised coefficients (2 bytes each, up to three full-resolution
    // components) and the usable-coefficient stream (at most as many again)
    let coefficients = if format == Format::Jpeg { px * 12 } else { 0 };
    samples
        .saturating_mul(2)
        .saturating_add(coefficients)
        .saturating_add(16 << 20)
}

fn single(p: PixelPlanes, info: &ContainerInfo) -> Decoded {
    Decoded {
        frames: vec![p],
        frames_total: info.frames.max(1),
    }
}

/// Bytes a decoder may allocate for an image at the pixel limit (8 bytes per pixel covers RGBA16).
fn alloc_limit(limits: &Limits) -> u64 {
    limits.max_pixels.saturating_mul(8).saturating_add(1 << 20)
}

fn decode_png(bytes: &[u8], limits: &Limits) -> Result<PixelPlanes> {
    const F: &str = "png";
    let png_limits = png::Limits {
        bytes: alloc_limit(limits).min(usize::MAX as u64) as usize,
    };
    let mut dec = png::Decoder::new_with_limits(Cursor::new(bytes), png_limits);
    dec.set_transformations(png::Transformations::IDENTITY);
    // The container walk already read the text chunks within the metadata budget, and the ICC
    // profile is not used: left to the decoder, an iCCP or zTXt chunk would be inflated up to the
    // pixel-derived allocation limit (a 900 KB file asking for 900 MB).
    dec.set_ignore_iccp_chunk(true);
    dec.set_ignore_text_chunk(true);
    let mut reader = dec.read_info().map_err(png_err)?;
    let (w, h) = (reader.info().width, reader.info().height);
    check_pixels(w, h, limits)?;
    let palette: Option<Vec<[u8; 3]>> = reader
        .info()
        .palette
        .as_ref()
        .map(|p| p.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect());
    let (ct, depth) = reader.output_color_type();
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| Error::Limit("PNG output buffer too large".into()))?;
    let mut buf = vec![0u8; size];
    let out = reader.next_frame(&mut buf).map_err(png_err)?;
    let line = out.line_size;
    let mode = match ct {
        png::ColorType::Grayscale => ColorMode::Grey,
        png::ColorType::GrayscaleAlpha => ColorMode::GreyAlpha,
        png::ColorType::Rgb => ColorMode::Rgb,
        png::ColorType::Rgba => ColorMode::Rgba,
        png::ColorType::Indexed => ColorMode::Palette,
    };
    let bits = depth as u8;
    let ch = mode.channels();
    let (w_us, h_us) = (w as usize, h as usize);
    let (samples, low_bits) = match bits {
        8 => {
            if line == w_us * ch {
                buf.truncate(w_us * h_us * ch);
                (buf, None)
            } else {
                let mut s = Vec::with_capacity(w_us * h_us * ch);
                for row in buf.chunks(line).take(h_us) {
                    s.extend_from_slice(&row[..w_us * ch]);
                }
                (s, None)
            }
        }
        16 => {
            let n = w_us * h_us * ch;
            let mut hi = Vec::with_capacity(n);
            let mut lo = Vec::with_capacity(n);
            for row in buf.chunks(line).take(h_us) {
                for s in row[..w_us * ch * 2].chunks_exact(2) {
                    hi.push(s[0]);
                    lo.push(s[1] & 1);
                }
            }
            (hi, Some(lo))
        }
        1 | 2 | 4 => {
            // Grey or indexed with 1 sample per pixel: unpack, most significant bits first.
            let per = 8 / bits as usize;
            let mask = (1u8 << bits) - 1;
            let mut s = Vec::with_capacity(w_us * h_us);
            for row in buf.chunks(line).take(h_us) {
                for x in 0..w_us {
                    let shift = 8 - bits as usize * (x % per + 1);
                    s.push((row[x / per] >> shift) & mask);
                }
            }
            (s, None)
        }
        other => return Err(Error::decode(F, format!("unsupported bit depth {other}"))),
    };
    if mode == ColorMode::Palette && palette.is_none() {
        return Err(Error::decode(F, "indexed image without PLTE"));
    }
    Ok(PixelPlanes {
        width: w,
        height: h,
        mode,
        bit_depth: bits,
        samples,
        low_bits,
        palette,
        left: 0,
        top: 0,
    })
}

fn png_err(e: png::DecodingError) -> Error {
    match e {
        png::DecodingError::LimitsExceeded => Error::Limit("PNG decoder memory limit".into()),
        other => Error::decode("png", other.to_string()),
    }
}

fn decode_gif(bytes: &[u8], info: &ContainerInfo, limits: &Limits) -> Result<Decoded> {
    const F: &str = "gif";
    let mut opts = gif::DecodeOptions::new();
    opts.set_color_output(gif::ColorOutput::Indexed);
    opts.set_memory_limit(gif::MemoryLimit::Bytes(
        NonZeroU64::new(limits.max_pixels.max(1)).unwrap(),
    ));
    let mut dec = opts
        .read_info(Cursor::new(bytes))
        .map_err(|e| Error::decode(F, e.to_string()))?;
    check_pixels(dec.width() as u32, dec.height() as u32, limits)?;
    let global: Option<Vec<[u8; 3]>> = dec.global_palette().map(to_rgb);
    let mut frames = Vec::new();
    let mut budget = limits.max_pixels.saturating_mul(4);
    while (frames.len() as u32) < limits.max_frames {
        let Some(frame) = dec
            .read_next_frame()
            .map_err(|e| Error::decode(F, e.to_string()))?
        else {
            break;
        };
        let px = frame.width as u64 * frame.height as u64;
        budget = budget.checked_sub(px).ok_or_else(|| {
            Error::Limit(format!(
                "GIF frames add up to more than {} pixels",
                limits.max_pixels.saturating_mul(4)
            ))
        })?;
        let palette = frame
            .palette
            .as_deref()
            .map(to_rgb)
            .or_else(|| global.clone());
        let Some(palette) = palette else {
            return Err(Error::decode(F, "frame without a colour table"));
        };
        frames.push(PixelPlanes {
            width: frame.width as u32,
            height: frame.height as u32,
            mode: ColorMode::Palette,
            bit_depth: 8,
            samples: frame.buffer.to_vec(),
            low_bits: None,
            palette: Some(palette),
            left: frame.left as u32,
            top: frame.top as u32,
        });
    }
    if frames.is_empty() {
        return Err(Error::decode(F, "no image frames"));
    }
    let total = info.frames.max(frames.len() as u32);
    Ok(Decoded {
        frames,
        frames_total: total,
    })
}

fn to_rgb(p: &[u8]) -> Vec<[u8; 3]> {
    p.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect()
}

/// A still WebP through libwebp ([`super::webp`]), after checking the size its bitstream declares
/// against the pixel limit (the whole output is allocated at once). Animations (first frame) and
/// files libwebp refuses go to image-webp, which decodes them or says why not as a typed error.
fn decode_webp(bytes: &[u8], info: &ContainerInfo, limits: &Limits) -> Result<PixelPlanes> {
    let bytes = &bytes[..info.image_end.min(bytes.len())];
    let Some(still) = super::webp::features(bytes) else {
        return decode_generic(Format::WebP, bytes, limits);
    };
    check_pixels(still.width, still.height, limits)?;
    let Some(samples) = super::webp::decode(bytes, &still) else {
        return decode_generic(Format::WebP, bytes, limits);
    };
    let mode = if still.alpha {
        ColorMode::Rgba
    } else {
        ColorMode::Rgb
    };
    Ok(PixelPlanes::from_samples(
        still.width,
        still.height,
        mode,
        samples,
    ))
}

/// JPEG, animated WebP and true-colour BMP through the `image` crate.
fn decode_generic(format: Format, bytes: &[u8], limits: &Limits) -> Result<PixelPlanes> {
    let f = format.as_str();
    let fmt = match format {
        Format::Jpeg => image::ImageFormat::Jpeg,
        Format::WebP => image::ImageFormat::WebP,
        Format::Bmp => image::ImageFormat::Bmp,
        Format::Png => image::ImageFormat::Png,
        Format::Gif => image::ImageFormat::Gif,
    };
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), fmt);
    let mut l = image::Limits::default();
    l.max_alloc = Some(alloc_limit(limits));
    reader.limits(l);
    let img = reader.decode().map_err(|e| Error::from_image(f, e))?;
    let (w, h) = (img.width(), img.height());
    check_pixels(w, h, limits)?;
    let (mode, bits, samples, low_bits) = match img {
        image::DynamicImage::ImageLuma8(b) => (ColorMode::Grey, 8, b.into_raw(), None),
        image::DynamicImage::ImageLumaA8(b) => (ColorMode::GreyAlpha, 8, b.into_raw(), None),
        image::DynamicImage::ImageRgb8(b) => (ColorMode::Rgb, 8, b.into_raw(), None),
        image::DynamicImage::ImageRgba8(b) => (ColorMode::Rgba, 8, b.into_raw(), None),
        image::DynamicImage::ImageLuma16(b) => split16(ColorMode::Grey, b.into_raw()),
        image::DynamicImage::ImageLumaA16(b) => split16(ColorMode::GreyAlpha, b.into_raw()),
        image::DynamicImage::ImageRgb16(b) => split16(ColorMode::Rgb, b.into_raw()),
        image::DynamicImage::ImageRgba16(b) => split16(ColorMode::Rgba, b.into_raw()),
        other => (ColorMode::Rgba, 8, other.to_rgba8().into_raw(), None),
    };
    Ok(PixelPlanes {
        width: w,
        height: h,
        mode,
        bit_depth: bits,
        samples,
        low_bits,
        palette: None,
        left: 0,
        top: 0,
    })
}

fn split16(mode: ColorMode, v: Vec<u16>) -> (ColorMode, u8, Vec<u8>, Option<Vec<u8>>) {
    let hi = v.iter().map(|s| (s >> 8) as u8).collect();
    let lo = v.iter().map(|s| (s & 1) as u8).collect();
    (mode, 16, hi, Some(lo))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container;

    fn fixture(name: &str) -> Vec<u8> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/clean");
        std::fs::read(dir.join(name)).unwrap()
    }

    /// libwebp (still images) and image-webp give the same pixels: exactly for lossless files and,
    /// on these fixtures, for lossy ones too (both upsample chroma the "fancy" way); and they are
    /// Pillow's.
    #[test]
    fn libwebp_and_image_webp_agree() {
        let limits = Limits::default();
        for name in ["lossless.webp", "lossy.webp", "lossy_alpha.webp"] {
            let b = fixture(name);
            let info = container::parse(Format::WebP, &b, &limits).unwrap();
            let ours = decode_webp(&b, &info, &limits).unwrap();
            let reference = decode_generic(Format::WebP, &b, &limits).unwrap();
            assert_eq!(ours.mode, reference.mode, "{name}");
            assert_eq!(
                (ours.width, ours.height),
                (reference.width, reference.height)
            );
            assert!(ours.samples == reference.samples, "{name}: pixels differ");
        }
        // Pillow 11.3 (libwebp 1.5.0), the decoder Starlight sees: np.array(im).sum() and the sum
        // of the low bits of the lossy fixtures
        for (name, sum, lsb) in [
            ("lossy.webp", 6_301_553u64, 24_569u64),
            ("lossy_alpha.webp", 1_982_303, 8_319),
        ] {
            let b = fixture(name);
            let info = container::parse(Format::WebP, &b, &limits).unwrap();
            let p = decode_webp(&b, &info, &limits).unwrap();
            let s: u64 = p.samples.iter().map(|&x| x as u64).sum();
            let l: u64 = p.samples.iter().map(|&x| (x & 1) as u64).sum();
            assert_eq!((s, l), (sum, lsb), "{name}: not Pillow's pixels");
        }
    }

    /// A bitstream declaring more pixels than the limit is refused before libwebp allocates.
    #[test]
    fn libwebp_respects_the_pixel_limit() {
        let b = fixture("lossy.webp");
        let info = container::parse(Format::WebP, &b, &Limits::default()).unwrap();
        let small = Limits {
            max_pixels: 100,
            ..Limits::default()
        };
        let err = decode_webp(&b, &info, &small).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Limit, "{err}");
    }

    /// Animations go to image-webp (first frame); a truncated still WebP is a typed decode error.
    #[test]
    fn animated_and_truncated_webp() {
        let limits = Limits::default();
        let b = fixture("animated.webp");
        let info = container::parse(Format::WebP, &b, &limits).unwrap();
        assert_eq!(info.frames, 3);
        let p = decode_webp(&b, &info, &limits).unwrap();
        assert_eq!((p.width, p.height), (64, 64));
        let b = fixture("lossy.webp");
        let mut info = container::parse(Format::WebP, &b, &limits).unwrap();
        let cut = &b[..b.len() / 2];
        info.image_end = cut.len();
        let err = decode_webp(cut, &info, &limits).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Decode, "{err}");
    }
}
