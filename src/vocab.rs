//! The shared vocabulary of results: which method hid a payload ([`Method`], Starlight's five
//! classes), how its bits were ordered ([`BitOrder`]), what the content search recognised
//! ([`HitKind`]) and which tool wrote it ([`Tool`]). A leaf module: analyses, extraction, the
//! verdict, metrics and every face use these names, and it imports nothing from the crate.

use serde::{Deserialize, Serialize};

/// Starlight's five methods, in its class order (ids 0-4 are fixed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Method {
    /// Alpha-channel LSB (id 0).
    #[serde(rename = "alpha")]
    Alpha,
    /// Palette-index LSB (id 1).
    #[serde(rename = "palette")]
    Palette,
    /// RGB (or grey) LSB (id 2).
    #[serde(rename = "lsb.rgb")]
    LsbRgb,
    /// Metadata text (id 3).
    #[serde(rename = "exif")]
    Exif,
    /// Data after the end of the image (id 4).
    #[serde(rename = "raw")]
    Raw,
}

impl Method {
    /// All methods in class order.
    pub const ALL: [Method; 5] = [
        Method::Alpha,
        Method::Palette,
        Method::LsbRgb,
        Method::Exif,
        Method::Raw,
    ];

    /// Starlight class id.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// Starlight name (`alpha`, `palette`, `lsb.rgb`, `exif`, `raw`).
    pub fn name(self) -> &'static str {
        match self {
            Method::Alpha => "alpha",
            Method::Palette => "palette",
            Method::LsbRgb => "lsb.rgb",
            Method::Exif => "exif",
            Method::Raw => "raw",
        }
    }

    /// Method by class id.
    pub fn from_id(id: u8) -> Option<Method> {
        Method::ALL.get(id as usize).copied()
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "alpha" => Ok(Method::Alpha),
            "palette" => Ok(Method::Palette),
            "lsb.rgb" | "lsb" => Ok(Method::LsbRgb),
            "exif" => Ok(Method::Exif),
            "raw" | "eoi" => Ok(Method::Raw),
            other => Err(format!(
                "unknown method {other:?} (alpha, palette, lsb.rgb, exif, raw)"
            )),
        }
    }
}

/// Order in which a byte's bits were written to consecutive positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BitOrder {
    /// Bit 7 first (Starlight "msb-first").
    #[serde(rename = "msb-first")]
    MsbFirst,
    /// Bit 0 first (Starlight "lsb-first", used by the alpha method).
    #[serde(rename = "lsb-first")]
    LsbFirst,
}

impl BitOrder {
    /// Starlight's name (`msb-first`, `lsb-first`).
    pub fn as_str(self) -> &'static str {
        match self {
            BitOrder::MsbFirst => "msb-first",
            BitOrder::LsbFirst => "lsb-first",
        }
    }
    /// Both orders, MSB-first first.
    pub const BOTH: [BitOrder; 2] = [BitOrder::MsbFirst, BitOrder::LsbFirst];
}

impl std::str::FromStr for BitOrder {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "msb-first" | "msb" => Ok(BitOrder::MsbFirst),
            "lsb-first" | "lsb" => Ok(BitOrder::LsbFirst),
            other => Err(format!(
                "unknown bit order {other:?} (msb-first or lsb-first)"
            )),
        }
    }
}

/// What was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HitKind {
    /// `AI42` then payload then NUL (Starlight).
    Ai42,
    /// Magic number of a known file format.
    Magic,
    /// Big-endian 32-bit length, then that many bytes.
    LengthPrefixed,
    /// Printable text, NUL-terminated unless `complete` is false.
    Text,
}

/// A tool whose format is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Tool {
    /// PyPI `stegano` (`lsb.hide`).
    #[serde(rename = "stegano")]
    Stegano,
    /// PyPI `stego-lsb` (`LSBSteg`).
    #[serde(rename = "stego-lsb")]
    StegoLsb,
    /// cloacked-pixel (`lsb.py`, AES-encrypted payloads).
    #[serde(rename = "cloacked-pixel")]
    CloackedPixel,
}

impl Tool {
    /// The name reported in results (`stegano`, `stego-lsb`, `cloacked-pixel`).
    pub fn name(self) -> &'static str {
        match self {
            Tool::Stegano => "stegano",
            Tool::StegoLsb => "stego-lsb",
            Tool::CloackedPixel => "cloacked-pixel",
        }
    }
}

impl std::fmt::Display for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
