//! Per-method analyses. Each produces [`Evidence`] (a score in 0..=1, a human-readable detail and,
//! where one was recovered, a payload) for one of Starlight's five methods, in its class order:
//! 0 `alpha`, 1 `palette`, 2 `lsb.rgb`, 3 `exif`, 4 `raw`.
//!
//! - [`pixels`]: sequential content search over every LSB stream (both bit orders), and the
//!   headers of known tools ([`tools`]: stegano, stego-lsb, cloacked-pixel);
//! - [`sequential`]: payload-agnostic sequential embedding (random, encrypted payloads) from the
//!   predictability of the LSBs along the scan path;
//! - [`structural`]: WS / SPA / chi-square estimators for scattered LSB replacement, gated by the
//!   image [`profile`] so flat, synthetic, palette-derived and tiny images do not fire;
//! - [`alpha`]: opaque alpha planes with LSB changes;
//! - [`palette`]: palette structure built for index-LSB hiding, chi-square over indices;
//! - [`metadata`]: free-text metadata fields (the `exif` method);
//! - [`appended`]: data after the end of the image (the `raw` method).

pub mod alpha;
pub mod appended;
pub mod bitstream;
pub mod content;
pub mod metadata;
pub mod palette;
pub mod pixels;
pub mod profile;
pub mod sequential;
pub mod stats;
pub mod structural;
pub mod tools;

use serde::{Deserialize, Serialize};

pub use bitstream::BitOrder;
pub use content::HitKind;
pub use profile::ImageProfile;
pub use tools::Tool;

use crate::container::{ContainerInfo, Format};
use crate::extract::Payload;
use crate::options::Options;
use crate::planes::Decoded;

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

/// One piece of evidence.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// The method this evidence speaks for.
    pub method: Method,
    /// Strength in [0, 1].
    pub score: f32,
    /// Which analysis produced it (`content`, `sequential`, `structural`, `alpha-plane`,
    /// `palette`, `metadata`, `appended`, `container`).
    pub analysis: &'static str,
    /// Human-readable explanation.
    pub detail: String,
    /// The payload recovered with this evidence, if any.
    #[serde(skip)]
    pub payload: Option<Payload>,
}

impl Evidence {
    pub(crate) fn new(method: Method, score: f32, analysis: &'static str, detail: String) -> Self {
        Evidence {
            method,
            score,
            analysis,
            detail,
            payload: None,
        }
    }
}

/// Everything the analyses found.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// Every piece of evidence, unordered.
    pub evidence: Vec<Evidence>,
    /// Image type of the first frame.
    pub profile: ImageProfile,
    /// Structural estimates when they applied.
    pub structural: Option<pixels::StructuralReport>,
}

/// Run every analysis on a walked container, its decoded planes and the file bytes.
pub fn analyse(
    format: Format,
    bytes: &[u8],
    info: &ContainerInfo,
    decoded: &Decoded,
    opts: &Options,
) -> Analysis {
    let mut evidence = Vec::new();
    let first = &decoded.frames[0];
    let profile = profile::profile(format, info, first);
    let multi = decoded.frames.len() > 1;
    for (i, frame) in decoded.frames.iter().enumerate() {
        let frame_no = multi.then_some(i as u32);
        pixels::content(frame, frame_no, opts, &mut evidence);
        pixels::tools(frame, info.lossy, frame_no, opts, &mut evidence);
        alpha::analyse(frame, frame_no, &mut evidence);
        palette::analyse(frame, frame_no, &mut evidence);
    }
    if opts.sequential_lsb {
        sequential::analyse(first, profile.lossy, multi.then_some(0), &mut evidence);
    }
    let structural = pixels::structural(first, &profile, opts.lsb_rate_midpoint, &mut evidence);
    metadata::analyse(info, &mut evidence);
    appended::analyse(info, bytes, opts.limits.max_payload_bytes, &mut evidence);
    Analysis {
        evidence,
        profile,
        structural,
    }
}
