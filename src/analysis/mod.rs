//! Per-method analyses. Each produces [`Evidence`] (a score in 0..=1, a human-readable detail and,
//! where one was recovered, a payload) for one of Starlight's five methods, in its class order:
//! 0 `alpha`, 1 `palette`, 2 `lsb.rgb`, 3 `exif`, 4 `raw`.
//!
//! - [`pixels`]: sequential content search over every LSB stream (both bit orders), and the
//!   headers of known tools ([`tools`]: stegano, stego-lsb, cloacked-pixel, stepic);
//! - [`sequential`]: payload-agnostic sequential embedding (random, encrypted payloads) from the
//!   predictability of the LSBs along the scan path;
//! - [`structural`]: WS / SPA / chi-square estimators for scattered LSB replacement, gated by the
//!   image [`profile`] so flat, synthetic, palette-derived and tiny images do not fire;
//! - [`alpha`]: opaque alpha planes with LSB changes;
//! - [`palette`]: palette structure built for index-LSB hiding, chi-square over indices;
//! - [`pairs`]: pair balance of colour, index and alpha samples, a continuous model input;
//! - [`metadata`]: free-text metadata fields (the `exif` method);
//! - [`appended`]: data after the end of the image (the `raw` method);
//! - [`jpeg`]: embedding in a JPEG's DCT coefficients (the `jpeg.*` methods).

pub mod alpha;
pub mod appended;
pub mod bitstream;
pub mod content;
pub mod jpeg;
pub mod metadata;
pub mod pairs;
pub mod palette;
pub mod pixels;
pub mod profile;
pub mod sequential;
pub mod structural;
pub mod tools;

use serde::Serialize;

pub use crate::vocab::{BitOrder, HitKind, Method, Tool};
pub use profile::ImageProfile;

use crate::container::{ContainerInfo, Format};
use crate::extract::Payload;
use crate::options::Options;
use crate::planes::dct::DctPlanes;
use crate::planes::Decoded;

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
    /// The tool this evidence names without a payload (the learned JPEG model's steghide /
    /// OutGuess); a payload's own tool is in the payload.
    #[serde(skip)]
    pub tool: Option<Tool>,
}

impl Evidence {
    /// The score of a payload a tool's own format opened under a key (a steghide payload
    /// decrypted with its CRC-32 matching, OutGuess text or a file decrypted under a key):
    /// proof, which outranks every statistical rule (the jsteg rule's 0.9999... on an OutGuess
    /// file whose first coefficients it had changed would otherwise name the wrong method).
    pub const OPENED: f32 = 1.0;

    pub(crate) fn new(method: Method, score: f32, analysis: &'static str, detail: String) -> Self {
        Evidence {
            method,
            score,
            analysis,
            detail,
            payload: None,
            tool: None,
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
    /// Pair balance of the first frame's samples.
    pub pairs: pairs::PairBalance,
    /// The learned JPEG model's input ([`jpeg::features`]), when asked for and the image is a
    /// JPEG large enough.
    #[serde(skip)]
    pub jpeg_features: Option<Box<[f32; jpeg::features::N_FEATURES]>>,
    /// A JPEG's quality and double compression ([`jpeg::double`]), when its coefficients read.
    pub jpeg: Option<jpeg::double::JpegReport>,
}

/// The JPEG-domain analyses' evidence and the learned JPEG model's input, computed from the
/// quantised coefficients alone (no pixels), so that a scan can run them alongside making the
/// pixels.
pub struct JpegDomain {
    evidence: Vec<Evidence>,
    features: Option<Box<[f32; jpeg::features::N_FEATURES]>>,
    report: Option<jpeg::double::JpegReport>,
}

/// Run the JPEG-domain analyses on a JPEG's coefficients (or note the error reading them gave);
/// `want_features`: also compute the learned JPEG model's input. steghide's whole seed space is
/// searched when `opts.steghide_seeds`, its known passphrases' seeds otherwise.
pub fn jpeg_domain(
    dct: std::result::Result<&DctPlanes, &crate::Error>,
    want_features: bool,
    opts: &Options,
) -> JpegDomain {
    let mut evidence = Vec::new();
    let steghide = jpeg::Steghide {
        all_seeds: opts.steghide_seeds,
        extract: opts.extract,
        max_payload_bytes: opts.limits.max_payload_bytes,
        passphrases: &opts.passphrases,
    };
    let (features, report) = jpeg::analyse_planes(dct, want_features, steghide, &mut evidence);
    JpegDomain {
        evidence,
        features,
        report,
    }
}

/// Run every analysis on a walked container, its decoded planes and the file bytes, with the
/// JPEG-domain part already run ([`jpeg_domain`]; `None` when there is none). The per-frame
/// content analyses and the first frame's sequential and structural estimators run as two
/// halves through `rayon::join`: one image scanned alone uses two cores, while a batch scan's
/// pool, busy with other images, runs both halves on the same thread. Evidence keeps one order.
pub fn analyse(
    format: Format,
    bytes: &[u8],
    info: &ContainerInfo,
    decoded: &Decoded,
    opts: &Options,
    jpeg: Option<JpegDomain>,
) -> Analysis {
    let first = &decoded.frames[0];
    let profile = profile::profile(format, info, first);
    let multi = decoded.frames.len() > 1;
    let (mut evidence, (later, structural, pairs)) = rayon::join(
        || {
            let mut evidence = Vec::new();
            for (i, frame) in decoded.frames.iter().enumerate() {
                let frame_no = multi.then_some(i as u32);
                pixels::content(frame, frame_no, opts, &mut evidence);
                pixels::tools(frame, info.lossy, frame_no, opts, &mut evidence);
                alpha::analyse(frame, frame_no, &mut evidence);
                palette::analyse(frame, frame_no, &mut evidence);
            }
            evidence
        },
        || {
            let mut evidence = Vec::new();
            if opts.sequential_lsb {
                sequential::analyse(first, profile.lossy, multi.then_some(0), &mut evidence);
            }
            let structural =
                pixels::structural(first, &profile, opts.lsb_rate_midpoint, &mut evidence);
            (evidence, structural, pairs::balance(first, profile.lossy))
        },
    );
    evidence.extend(later);
    metadata::analyse(info, &mut evidence);
    appended::analyse(info, bytes, opts.limits.max_payload_bytes, &mut evidence);
    let (jpeg_features, jpeg) = match jpeg {
        Some(j) => {
            evidence.extend(j.evidence);
            (j.features, j.report)
        }
        None => (None, None),
    };
    Analysis {
        evidence,
        profile,
        structural,
        pairs,
        jpeg_features,
        jpeg,
    }
}
