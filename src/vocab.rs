//! The shared vocabulary of results: which method hid a payload ([`Method`]: Starlight's five
//! classes, then the JPEG-domain methods), how its bits were ordered ([`BitOrder`]), what the content search recognised
//! ([`HitKind`]) and which tool wrote it ([`Tool`]). A leaf module: analyses, extraction, the
//! verdict, metrics and every face use these names, and it imports nothing from the crate.

use serde::{Deserialize, Serialize};

/// How a payload was hidden: Starlight's five methods in its class order (ids 0-4 are fixed),
/// then the JPEG-domain methods (ids 5-9), which embed in quantised DCT coefficients.
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
    /// Sequential LSB replacement of the non-zero, non-one AC coefficients in scan order, as
    /// jsteg does (id 5).
    #[serde(rename = "jpeg.jsteg")]
    JpegJsteg,
    /// Coefficient shrinkage (|c| decremented, zeros created) as F5 and nsF5 do (id 6).
    #[serde(rename = "jpeg.f5")]
    JpegF5,
    /// OutGuess: LSB replacement at key-chosen coefficients, histogram corrected (id 7).
    #[serde(rename = "jpeg.outguess")]
    JpegOutguess,
    /// steghide: graph-theoretic exchange of coefficient values (id 8).
    #[serde(rename = "jpeg.steghide")]
    JpegSteghide,
    /// Coefficient-domain embedding of no recognised kind (id 9).
    #[serde(rename = "jpeg.generic")]
    JpegGeneric,
}

impl Method {
    /// Starlight's five methods in class order (ids 0-4): the classes of the learned models and
    /// of Starlight-compatible output.
    pub const STARLIGHT: [Method; 5] = [
        Method::Alpha,
        Method::Palette,
        Method::LsbRgb,
        Method::Exif,
        Method::Raw,
    ];

    /// The JPEG-domain methods (ids 5-9).
    pub const JPEG: [Method; 5] = [
        Method::JpegJsteg,
        Method::JpegF5,
        Method::JpegOutguess,
        Method::JpegSteghide,
        Method::JpegGeneric,
    ];

    /// Every method in id order.
    pub const ALL: [Method; 10] = [
        Method::Alpha,
        Method::Palette,
        Method::LsbRgb,
        Method::Exif,
        Method::Raw,
        Method::JpegJsteg,
        Method::JpegF5,
        Method::JpegOutguess,
        Method::JpegSteghide,
        Method::JpegGeneric,
    ];

    /// Method id: Starlight's class id for its five (0-4), then 5-9.
    pub fn id(self) -> u8 {
        self as u8
    }

    /// Result name (`alpha`, `palette`, `lsb.rgb`, `exif`, `raw`, `jpeg.jsteg`, `jpeg.f5`,
    /// `jpeg.outguess`, `jpeg.steghide`, `jpeg.generic`).
    pub fn name(self) -> &'static str {
        match self {
            Method::Alpha => "alpha",
            Method::Palette => "palette",
            Method::LsbRgb => "lsb.rgb",
            Method::Exif => "exif",
            Method::Raw => "raw",
            Method::JpegJsteg => "jpeg.jsteg",
            Method::JpegF5 => "jpeg.f5",
            Method::JpegOutguess => "jpeg.outguess",
            Method::JpegSteghide => "jpeg.steghide",
            Method::JpegGeneric => "jpeg.generic",
        }
    }

    /// Method by id.
    pub fn from_id(id: u8) -> Option<Method> {
        Method::ALL.get(id as usize).copied()
    }

    /// Whether the method embeds in JPEG coefficients (ids 5-9).
    pub fn is_jpeg_domain(self) -> bool {
        self.id() >= 5
    }

    /// The Starlight class a method is reported as in Starlight-compatible output, which knows
    /// only five: itself for those, `lsb.rgb` (id 2, LSB-type embedding in the image data) for
    /// the JPEG-domain methods.
    pub fn starlight_class(self) -> Method {
        if self.is_jpeg_domain() {
            Method::LsbRgb
        } else {
            self
        }
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
            "jpeg.jsteg" | "jsteg" => Ok(Method::JpegJsteg),
            "jpeg.f5" | "f5" => Ok(Method::JpegF5),
            "jpeg.outguess" | "outguess" => Ok(Method::JpegOutguess),
            "jpeg.steghide" | "steghide" => Ok(Method::JpegSteghide),
            "jpeg.generic" => Ok(Method::JpegGeneric),
            other => Err(format!(
                "unknown method {other:?} (alpha, palette, lsb.rgb, exif, raw, jpeg.jsteg, \
                 jpeg.f5, jpeg.outguess, jpeg.steghide, jpeg.generic)"
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
    /// stepic (a flag bit after every byte).
    #[serde(rename = "stepic")]
    Stepic,
    /// jsteg's format: a 5-bit length-of-length, the length, then the payload, in the LSBs of
    /// the AC coefficients other than 0 and 1.
    #[serde(rename = "jsteg")]
    Jsteg,
    /// steghide (recognised by the learned JPEG-domain model; its payloads are encrypted).
    #[serde(rename = "steghide")]
    Steghide,
    /// OutGuess (recognised by the learned JPEG-domain model; its payloads are keyed).
    #[serde(rename = "outguess")]
    Outguess,
    /// f5stegojs (npm; F5 with its own shuffle and length header), read under a password given.
    #[serde(rename = "f5stegojs")]
    F5stegojs,
}

impl Tool {
    /// The name reported in results (`stegano`, `stego-lsb`, `cloacked-pixel`, `stepic`, `jsteg`,
    /// `steghide`, `outguess`, `f5stegojs`).
    pub fn name(self) -> &'static str {
        match self {
            Tool::Stegano => "stegano",
            Tool::StegoLsb => "stego-lsb",
            Tool::CloackedPixel => "cloacked-pixel",
            Tool::Stepic => "stepic",
            Tool::Jsteg => "jsteg",
            Tool::Steghide => "steghide",
            Tool::Outguess => "outguess",
            Tool::F5stegojs => "f5stegojs",
        }
    }
}

impl std::fmt::Display for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
