//! The generator: writes a payload with one of Starlight's five methods, in the byte layout its
//! generators use (§3.2 of the reference), so that stego made here is what Starlight expects and
//! what our detector and extractor must handle; and jsteg-style stego in JPEG coefficients
//! (`jpeg.jsteg`).
//!
//! By default nothing changes but the payload: palette images keep their palette and format,
//! appended data leaves the image bytes alone, EXIF is inserted without re-encoding. With
//! `starlight_quirks` the reference generator's side effects are reproduced (RGB conversion,
//! grey-scale GIF output for palette stego, JPEG re-encoded at quality 95, piexif's IFD layout).

mod exif;
mod jsteg;
mod write;

use serde_json::json;

use crate::analysis::{BitOrder, Method};
use crate::container::{self, Format};
use crate::error::{Error, Result};
use crate::options::Limits;
use crate::planes::{self, ColorMode, PixelPlanes};
use write::Raster;

/// What to embed and how.
#[derive(Debug, Clone)]
pub struct EmbedOptions {
    /// Method to embed with.
    pub method: Method,
    /// Bit order for `lsb.rgb` and `palette` (alpha is always LSB-first with the `AI42` prefix).
    pub bit_order: BitOrder,
    /// Reproduce the Starlight generator's side effects.
    pub starlight_quirks: bool,
    /// Output container; default: the cover's format when it can hold the method losslessly,
    /// else PNG.
    pub output_format: Option<Format>,
    /// `lsb.rgb` only: write the payload's bits (no terminator) at distinct pseudo-random R, G, B
    /// sample positions drawn from this key, instead of sequentially from the first pixel. The
    /// scattered embedding that only the structural estimators can see; the same key gives the
    /// same positions, so the payload can be read back by whoever holds it.
    pub scatter_key: Option<u64>,
}

impl EmbedOptions {
    /// Defaults for a method: MSB-first, no quirks, the cover's container.
    pub fn new(method: Method) -> Self {
        EmbedOptions {
            method,
            bit_order: BitOrder::MsbFirst,
            starlight_quirks: false,
            output_format: None,
            scatter_key: None,
        }
    }
}

/// A written stego image.
#[derive(Debug, Clone)]
pub struct Embedded {
    /// The stego file.
    pub bytes: Vec<u8>,
    /// Its container format.
    pub format: Format,
}

/// Embed `payload` into `cover` (any supported image, in memory).
pub fn embed(cover: &[u8], payload: &[u8], opts: &EmbedOptions) -> Result<Embedded> {
    if opts.scatter_key.is_some() && opts.method != Method::LsbRgb {
        return Err(Error::InvalidArgument(format!(
            "scattered embedding is an lsb.rgb variant, not {}",
            opts.method
        )));
    }
    let limits = Limits::default();
    let format = Format::sniff(cover).ok_or_else(|| Error::UnknownFormat("cover".into()))?;
    let info = container::parse(format, cover, &limits)?;
    let decode = || -> Result<PixelPlanes> {
        let mut d = planes::decode(format, cover, &info, &limits)?;
        Ok(d.frames.swap_remove(0))
    };
    let out_fmt = |default: Format, allowed: &[Format]| -> Result<Format> {
        let f = opts.output_format.unwrap_or(if allowed.contains(&format) {
            format
        } else {
            default
        });
        if allowed.contains(&f) {
            Ok(f)
        } else {
            Err(Error::Embed(format!(
                "{} cannot carry {} stego losslessly",
                f, opts.method
            )))
        }
    };
    let q = opts.starlight_quirks;
    match opts.method {
        Method::Alpha => {
            let p = decode()?;
            let (w, h) = (p.width, p.height);
            let mut rgba = to_rgba(&p);
            let mut stream = b"AI42".to_vec();
            stream.extend_from_slice(payload);
            stream.extend_from_slice(b" \0");
            let bits = bits_of(&stream, BitOrder::LsbFirst);
            check_capacity(bits.len(), p.pixels(), "alpha")?;
            for (k, b) in bits.iter().enumerate() {
                rgba[k * 4 + 3] = (rgba[k * 4 + 3] & !1) | b;
            }
            let f = out_fmt(Format::Png, &[Format::Png, Format::WebP])?;
            let bytes = write::write(
                f,
                &Raster {
                    width: w,
                    height: h,
                    channels: 4,
                    samples: &rgba,
                    palette: None,
                },
                95,
            )?;
            Ok(Embedded { bytes, format: f })
        }
        Method::LsbRgb => {
            let p = decode()?;
            let (w, h) = (p.width, p.height);
            let keep_alpha = p.mode.has_alpha() && !q;
            let ch = if keep_alpha { 4 } else { 3 };
            let mut px = to_rgba(&p);
            if !keep_alpha {
                px = px
                    .chunks_exact(4)
                    .flat_map(|c| [c[0], c[1], c[2]])
                    .collect();
            }
            let sample = |k: usize| (k / 3) * ch + k % 3; // k-th R, G or B sample
            if let Some(key) = opts.scatter_key {
                let bits = bits_of(payload, opts.bit_order);
                check_capacity(bits.len(), p.pixels() * 3, "RGB")?;
                for (k, b) in scatter_positions(p.pixels() * 3, bits.len(), key)
                    .into_iter()
                    .zip(bits)
                {
                    let i = sample(k);
                    px[i] = (px[i] & !1) | b;
                }
            } else {
                let mut stream = payload.to_vec();
                stream.push(0);
                let bits = bits_of(&stream, opts.bit_order);
                check_capacity(bits.len(), p.pixels() * 3, "RGB")?;
                for (k, b) in bits.iter().enumerate() {
                    let i = sample(k);
                    px[i] = (px[i] & !1) | b;
                }
            }
            let f = out_fmt(Format::Png, &[Format::Png, Format::WebP, Format::Bmp])?;
            let bytes = write::write(
                f,
                &Raster {
                    width: w,
                    height: h,
                    channels: ch,
                    samples: &px,
                    palette: None,
                },
                95,
            )?;
            Ok(Embedded { bytes, format: f })
        }
        Method::Palette => {
            let p = decode()?;
            let (w, h) = (p.width, p.height);
            let (mut idx, mut pal) = match (&p.mode, &p.palette) {
                (ColorMode::Palette, Some(pal)) => (p.samples.clone(), pal.clone()),
                _ => quantize(&p),
            };
            // index ^ 1 must exist: pad odd palettes with a copy of the last colour
            if pal.len() % 2 == 1 {
                pal.push(*pal.last().unwrap());
            }
            let mut stream = payload.to_vec();
            stream.push(0);
            let bits = bits_of(&stream, opts.bit_order);
            check_capacity(bits.len(), idx.len(), "palette-index")?;
            for (k, b) in bits.iter().enumerate() {
                idx[k] = (idx[k] & !1) | b;
            }
            let (f, palette) = if q {
                (Format::Gif, None) // grey-scale GIF whose grey values are the indices
            } else {
                (
                    out_fmt(Format::Png, &[Format::Png, Format::Gif, Format::Bmp])?,
                    Some(&pal[..]),
                )
            };
            let bytes = write::write(
                f,
                &Raster {
                    width: w,
                    height: h,
                    channels: 1,
                    samples: &idx,
                    palette,
                },
                95,
            )?;
            Ok(Embedded { bytes, format: f })
        }
        Method::Exif => {
            let (base, f) = if q {
                (resave(format, cover, decode()?)?, format)
            } else {
                (cover.to_vec(), format)
            };
            let info = container::parse(f, &base, &limits)?;
            let tiff = exif::user_comment_tiff(payload, q);
            let mut bytes = exif::insert(f, &base[..info.image_end], &info, &tiff)?;
            bytes.extend_from_slice(&base[info.image_end..]);
            Ok(Embedded { bytes, format: f })
        }
        Method::Raw => {
            let mut bytes = if q {
                resave(format, cover, decode()?)?
            } else {
                cover.to_vec()
            };
            bytes.extend_from_slice(payload);
            Ok(Embedded { bytes, format })
        }
        Method::JpegJsteg => {
            // a JPEG cover keeps its coefficients; any other is encoded as a JPEG first
            let jpeg = if format == Format::Jpeg {
                cover[..info.image_end].to_vec()
            } else {
                let p = decode()?;
                let rgb: Vec<u8> = to_rgba(&p)
                    .chunks_exact(4)
                    .flat_map(|c| [c[0], c[1], c[2]])
                    .collect();
                let r = Raster {
                    width: p.width,
                    height: p.height,
                    channels: 3,
                    samples: &rgb,
                    palette: None,
                };
                write::write(Format::Jpeg, &r, 90)?
            };
            Ok(Embedded {
                bytes: jsteg::embed(&jpeg, payload)?,
                format: Format::Jpeg,
            })
        }
        Method::JpegF5 | Method::JpegOutguess | Method::JpegSteghide | Method::JpegGeneric => {
            Err(Error::Embed(format!(
                "{} stego is made by its own tool (F5/nsF5: conseal, outguess, steghide); \
                 embed writes jpeg.jsteg only",
                opts.method
            )))
        }
    }
}

/// Put a raw TIFF/EXIF block into a PNG, JPEG or WebP file (replacing any existing EXIF block)
/// without re-encoding: used for hard negatives with legitimate camera EXIF.
pub fn with_exif_block(file: &[u8], tiff: &[u8]) -> Result<Vec<u8>> {
    let format = Format::sniff(file).ok_or_else(|| Error::UnknownFormat("file".into()))?;
    let info = container::parse(format, file, &Limits::default())?;
    let mut out = exif::insert(format, &file[..info.image_end], &info, tiff)?;
    out.extend_from_slice(&file[info.image_end..]);
    Ok(out)
}

/// One PNG chunk: big-endian data length, the four-byte type, the data, and the CRC-32 of type
/// and data.
pub fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(12 + data.len());
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32fast::hash(&out[4..]);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

/// Starlight's sidecar for a stego file.
pub fn sidecar(method: Method, bit_order: BitOrder, clean_file: &str) -> serde_json::Value {
    let (category, ai42) = match method {
        Method::Alpha | Method::Palette | Method::LsbRgb => ("pixel", method == Method::Alpha),
        Method::Exif => ("metadata", false),
        Method::Raw => ("eoi", false),
        m if m.is_jpeg_domain() => ("dct", false),
        _ => unreachable!("every method has a category"),
    };
    let mut emb = json!({ "category": category, "technique": method.name(), "ai42": ai42 });
    match method {
        Method::Alpha => emb["bit_order"] = json!("lsb-first"),
        Method::Palette | Method::LsbRgb => emb["bit_order"] = json!(bit_order.as_str()),
        _ => {}
    }
    json!({ "embedding": emb, "clean_file": clean_file })
}

/// Bits of `bytes` in the given order.
/// Scattered embedding of random bits into a fraction `rate` (0..=1) of the cover's R, G and B
/// samples, positions and bits drawn from `key`, written as PNG: the stand-in for key-based LSB
/// tools in tests, benchmarks and training data.
pub fn scatter_random(cover: &[u8], rate: f64, key: u64) -> Result<Embedded> {
    if !(0.0..=1.0).contains(&rate) {
        return Err(Error::InvalidArgument(format!(
            "rate {rate} is outside [0, 1]"
        )));
    }
    let format = Format::sniff(cover).ok_or_else(|| Error::UnknownFormat("cover".into()))?;
    let info = container::parse(format, cover, &Limits::default())?;
    let samples = info.width as u64 * info.height as u64 * 3;
    let len = (rate * samples as f64 / 8.0) as usize;
    let mut next = key_stream(!key);
    let payload: Vec<u8> = (0..len).map(|_| (next() >> 56) as u8).collect();
    let opts = EmbedOptions {
        output_format: Some(Format::Png),
        scatter_key: Some(key),
        ..EmbedOptions::new(Method::LsbRgb)
    };
    embed(cover, &payload, &opts)
}

/// Read back `len` bytes written by scattered embedding with `key` (see
/// [`EmbedOptions::scatter_key`]).
pub fn read_scattered(image: &[u8], len: usize, key: u64, order: BitOrder) -> Result<Vec<u8>> {
    let limits = Limits::default();
    let format = Format::sniff(image).ok_or_else(|| Error::UnknownFormat("image".into()))?;
    let info = container::parse(format, image, &limits)?;
    let p = planes::decode(format, image, &info, &limits)?
        .frames
        .swap_remove(0);
    let px = to_rgba(&p);
    let bits = len
        .checked_mul(8)
        .filter(|&b| b <= p.pixels() * 3)
        .ok_or_else(|| {
            Error::InvalidArgument(format!("{len} bytes do not fit the image's RGB samples"))
        })?;
    let positions = scatter_positions(p.pixels() * 3, bits, key);
    Ok(positions
        .chunks_exact(8)
        .map(|byte| {
            byte.iter().enumerate().fold(0u8, |acc, (i, &k)| {
                let bit = px[(k / 3) * 4 + k % 3] & 1;
                acc | match order {
                    BitOrder::MsbFirst => bit << (7 - i),
                    BitOrder::LsbFirst => bit << i,
                }
            })
        })
        .collect())
}

/// xorshift64* from a key (never the all-zero state).
fn key_stream(key: u64) -> impl FnMut() -> u64 {
    let mut s = key ^ 0x9E37_79B9_7F4A_7C15;
    if s == 0 {
        s = 1;
    }
    move || {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        s.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// The first `count` of a keyed pseudo-random permutation of `0..n`: distinct positions, the
/// same for the same key. Fisher-Yates with the swaps kept in a map, so memory grows with
/// `count`, not with the image.
pub fn scatter_positions(n: usize, count: usize, key: u64) -> Vec<usize> {
    let mut next = key_stream(key);
    let count = count.min(n);
    let mut moved = std::collections::HashMap::with_capacity(count);
    let mut out = Vec::with_capacity(count);
    for k in 0..count {
        let j = k + (next() % (n - k) as u64) as usize;
        let at_j = moved.get(&j).copied().unwrap_or(j);
        let at_k = moved.get(&k).copied().unwrap_or(k);
        moved.insert(j, at_k);
        out.push(at_j);
    }
    out
}

fn bits_of(bytes: &[u8], order: BitOrder) -> Vec<u8> {
    let mut v = Vec::with_capacity(bytes.len() * 8);
    for &b in bytes {
        for i in 0..8 {
            v.push(match order {
                BitOrder::MsbFirst => (b >> (7 - i)) & 1,
                BitOrder::LsbFirst => (b >> i) & 1,
            });
        }
    }
    v
}

fn check_capacity(bits: usize, capacity: usize, what: &str) -> Result<()> {
    if bits > capacity {
        return Err(Error::Embed(format!(
            "payload needs {bits} bits but the {what} capacity is {capacity} bits ({} bytes)",
            capacity / 8
        )));
    }
    Ok(())
}

/// RGBA8 of any plane (grey replicated, palette looked up, 16-bit reduced to the high byte,
/// opaque alpha added when there is none).
fn to_rgba(p: &PixelPlanes) -> Vec<u8> {
    let mut out = Vec::with_capacity(p.pixels() * 4);
    let s = &p.samples;
    match p.mode {
        ColorMode::Rgba => out.extend_from_slice(s),
        ColorMode::Rgb => s
            .chunks_exact(3)
            .for_each(|c| out.extend_from_slice(&[c[0], c[1], c[2], 255])),
        ColorMode::Grey => s
            .iter()
            .for_each(|&g| out.extend_from_slice(&[g, g, g, 255])),
        ColorMode::GreyAlpha => s
            .chunks_exact(2)
            .for_each(|c| out.extend_from_slice(&[c[0], c[0], c[0], c[1]])),
        ColorMode::Palette => {
            let pal = p.palette.as_deref().unwrap_or_default();
            s.iter().for_each(|&i| {
                let c = pal.get(i as usize).copied().unwrap_or([0, 0, 0]);
                out.extend_from_slice(&[c[0], c[1], c[2], 255]);
            })
        }
    }
    out
}

/// 256-colour palette for a true-colour cover (NeuQuant).
fn quantize(p: &PixelPlanes) -> (Vec<u8>, Vec<[u8; 3]>) {
    let rgba = to_rgba(p);
    let nq = color_quant::NeuQuant::new(10, 256, &rgba);
    let pal: Vec<[u8; 3]> = nq
        .color_map_rgb()
        .chunks_exact(3)
        .map(|c| [c[0], c[1], c[2]])
        .collect();
    let idx = rgba.chunks_exact(4).map(|c| nq.index_of(c) as u8).collect();
    (idx, pal)
}

/// Re-save a cover the way the Starlight generator does before EXIF/EOI embedding: JPEG at
/// quality 95, GIF as grey-scale indices, PNG/WebP/BMP losslessly.
fn resave(format: Format, _cover: &[u8], p: PixelPlanes) -> Result<Vec<u8>> {
    let (w, h) = (p.width, p.height);
    match (format, p.mode) {
        (Format::Gif, ColorMode::Palette) => write::write(
            Format::Gif,
            &Raster {
                width: w,
                height: h,
                channels: 1,
                samples: &p.samples,
                palette: None,
            },
            95,
        ),
        _ => {
            let rgba = to_rgba(&p);
            let (ch, px): (usize, Vec<u8>) = if p.mode.has_alpha() && format != Format::Jpeg {
                (4, rgba)
            } else {
                (
                    3,
                    rgba.chunks_exact(4)
                        .flat_map(|c| [c[0], c[1], c[2]])
                        .collect(),
                )
            };
            write::write(
                format,
                &Raster {
                    width: w,
                    height: h,
                    channels: ch,
                    samples: &px,
                    palette: None,
                },
                95,
            )
        }
    }
}
