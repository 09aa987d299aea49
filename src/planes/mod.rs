//! Pixel planes: decoded samples as the embedder left them. Palette images keep their indices and
//! palette (the `image` crate would expand them), 16-bit images keep their true LSBs, and every
//! GIF frame is kept as its own indexed plane. JPEGs are read as quantised DCT coefficients
//! ([`dct`]), which the JPEG-domain analyses use and the pixels are made from ([`jpeg`]).

mod baseline;
mod bmp;
pub mod dct;
mod decode;
mod jpeg;
mod webp;

use serde::Serialize;

pub use decode::{decode, decode_jpeg, read_jpeg, working_memory};

/// Colour layout of a plane's samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ColorMode {
    /// One grey sample per pixel.
    #[serde(rename = "L")]
    Grey,
    /// Grey then alpha.
    #[serde(rename = "LA")]
    GreyAlpha,
    /// Red, green, blue.
    #[serde(rename = "RGB")]
    Rgb,
    /// Red, green, blue, alpha.
    #[serde(rename = "RGBA")]
    Rgba,
    /// One palette index per pixel; colours in [`PixelPlanes::palette`].
    #[serde(rename = "P")]
    Palette,
}

impl ColorMode {
    /// Samples per pixel.
    pub fn channels(self) -> usize {
        match self {
            ColorMode::Grey | ColorMode::Palette => 1,
            ColorMode::GreyAlpha => 2,
            ColorMode::Rgb => 3,
            ColorMode::Rgba => 4,
        }
    }

    /// Pillow-style mode name (`L`, `LA`, `RGB`, `RGBA`, `P`).
    pub fn as_str(self) -> &'static str {
        match self {
            ColorMode::Grey => "L",
            ColorMode::GreyAlpha => "LA",
            ColorMode::Rgb => "RGB",
            ColorMode::Rgba => "RGBA",
            ColorMode::Palette => "P",
        }
    }

    /// Whether the mode has an alpha channel.
    pub fn has_alpha(self) -> bool {
        matches!(self, ColorMode::GreyAlpha | ColorMode::Rgba)
    }
}

/// One decoded image (or GIF frame).
#[derive(Debug, Clone)]
pub struct PixelPlanes {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Layout of the samples.
    pub mode: ColorMode,
    /// Bit depth of the source samples (1, 2, 4, 8 or 16).
    pub bit_depth: u8,
    /// Interleaved samples, `mode.channels()` per pixel, row-major. 16-bit sources store the high
    /// byte here and the true LSBs in `low_bits`; sub-byte sources store the raw value.
    pub samples: Vec<u8>,
    /// For 16-bit sources: the least significant bit of every sample (0/1), same layout.
    pub low_bits: Option<Vec<u8>>,
    /// Palette colours for [`ColorMode::Palette`].
    pub palette: Option<Vec<[u8; 3]>>,
    /// Offset of this plane on the canvas (GIF frames).
    pub left: u32,
    /// Top offset on the canvas (GIF frames).
    pub top: u32,
}

impl PixelPlanes {
    /// An 8-bit plane of `mode` (not palette) from interleaved row-major samples, at the canvas
    /// origin.
    pub fn from_samples(width: u32, height: u32, mode: ColorMode, samples: Vec<u8>) -> Self {
        PixelPlanes {
            width,
            height,
            mode,
            bit_depth: 8,
            samples,
            low_bits: None,
            palette: None,
            left: 0,
            top: 0,
        }
    }

    /// Number of pixels.
    pub fn pixels(&self) -> usize {
        self.width as usize * self.height as usize
    }

    /// Samples per pixel.
    pub fn channels(&self) -> usize {
        self.mode.channels()
    }

    /// The LSB of sample `i` (true LSB for 16-bit sources).
    #[inline]
    pub fn lsb(&self, i: usize) -> u8 {
        match &self.low_bits {
            Some(l) => l[i],
            None => self.samples[i] & 1,
        }
    }

    /// Whether structural estimators on 8-bit values apply.
    pub fn is_8bit(&self) -> bool {
        self.bit_depth == 8 && self.mode != ColorMode::Palette
    }
}

/// All frames of an image, plus how many there were.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The frames decoded (all, unless the frame limit cut them).
    pub frames: Vec<PixelPlanes>,
    /// Frames in the file (may exceed `frames.len()` when the frame limit cut decoding short).
    pub frames_total: u32,
}
