//! JPEG-domain analyses: embedding in the quantised DCT coefficients, which pixel statistics do
//! not see. The coefficients are read here, once, from the image proper (entropy decoding only);
//! each analysis adds [`Evidence`] for one of the JPEG-domain methods (ids 5-9).
//!
//! - [`jsteg`]: sequential LSB replacement along the scan order (jsteg and its kin): the
//!   pair-of-values asymmetry vanishes over the payload and returns after it; length estimate
//!   and, for jsteg's length header, the payload byte-exact.
//!
//! - [`features`]: calibrated co-occurrence and Markov statistics of the luminance, the input
//!   of the learned model for steghide and OutGuess (`model::jpeg`), which runs in the detector.
//!
//! - [`steghide`]: steghide's embedding under known passphrases (the empty one: every scan,
//!   microseconds, payload decrypted), and found without its passphrase by trying all 2^32
//!   seeds of its generator (tens of seconds per image: only when asked for,
//!   `Options::steghide_seeds`).
//!
//! - [`outguess`]: OutGuess payloads read back under its default key and the common
//!   passphrases (every scan) and the keys given, when they read as text or a file.
//!
//! - [`f5`]: f5stegojs payloads read back under the passwords given (never a built-in list:
//!   each password costs an RC4 stream as long as the luminance), when they read as text or a
//!   file.
//!
//! - [`double`]: the luminance table's IJG quality, and double compression (a re-save) with
//!   the first steps and quality, from the coefficient histograms; reported with every JPEG.
//!
//! - [`dctr`]: DCTR rich-model features (8,000 histograms of the undecimated DCT), for studies
//!   of nsF5 and J-UNIWARD; not used by the detector, whose operating point a linear model over
//!   them did not reach (docs/jpeg-domain.md).
//!
//! F5/nsF5 and J-UNIWARD are not detected statistically (docs/jpeg-domain.md has what was
//! measured).

pub mod dctr;
pub mod double;
pub mod f5;
pub mod features;
pub mod jsteg;
mod keyed;
pub mod outguess;
mod rc4;
pub mod steghide;

use super::{Evidence, Method};
use crate::container::ContainerInfo;
use crate::planes::dct::DctPlanes;

/// Run the JPEG-domain analyses on a JPEG file's bytes, and return the learned model's input
/// when `want_features`. A file whose coefficients cannot be read (though its pixels decoded)
/// gets a zero-score note saying the analyses did not run.
pub fn analyse(
    bytes: &[u8],
    info: &ContainerInfo,
    want_features: bool,
    evidence: &mut Vec<Evidence>,
) -> Option<Box<[f32; features::N_FEATURES]>> {
    let image = &bytes[..info.image_end.min(bytes.len())];
    let dct = DctPlanes::read(image, info.jpeg_scans);
    let steghide = Steghide {
        all_seeds: false,
        extract: true,
        max_payload_bytes: crate::Limits::default().max_payload_bytes,
        passphrases: &[],
    };
    analyse_planes(dct.as_ref(), want_features, steghide, evidence).0
}

/// What the steghide analysis does.
#[derive(Debug, Clone, Copy)]
pub struct Steghide<'a> {
    /// Search all 2^32 seeds (tens of seconds); otherwise only known passphrases' seeds.
    pub all_seeds: bool,
    /// Attach payloads read or decrypted.
    pub extract: bool,
    /// Longest payload attached.
    pub max_payload_bytes: usize,
    /// Passphrases tried besides the empty one.
    pub passphrases: &'a [String],
}

/// The learned model's input, when asked for, and the quality and double-compression report.
pub type Outputs = (
    Option<Box<[f32; features::N_FEATURES]>>,
    Option<double::JpegReport>,
);

/// [`analyse`] on coefficients already read (or the error reading them gave); also the JPEG's
/// quality and double-compression report ([`double`]).
pub fn analyse_planes(
    dct: std::result::Result<&DctPlanes, &crate::Error>,
    want_features: bool,
    steghide: Steghide<'_>,
    evidence: &mut Vec<Evidence>,
) -> Outputs {
    let dct = match dct {
        Ok(d) => d,
        Err(e) => {
            evidence.push(Evidence::new(
                Method::JpegGeneric,
                0.0,
                "dct",
                format!("JPEG-domain analyses not run: {e}"),
            ));
            return (None, None);
        }
    };
    jsteg::analyse(dct, evidence);
    // the known-key checks of both tools index their samples from one count of the blocks
    let counts = dct.block_counts();
    outguess::analyse(
        dct,
        &counts,
        steghide.passphrases,
        steghide.extract,
        steghide.max_payload_bytes,
        evidence,
    );
    f5::analyse(
        dct,
        steghide.passphrases,
        steghide.extract,
        steghide.max_payload_bytes,
        evidence,
    );
    if steghide.all_seeds {
        let (x, m, p) = (
            steghide.extract,
            steghide.max_payload_bytes,
            steghide.passphrases,
        );
        steghide::analyse(dct, x, m, p, evidence);
    } else {
        let (x, m, p) = (
            steghide.extract,
            steghide.max_payload_bytes,
            steghide.passphrases,
        );
        steghide::analyse_known(dct, &counts, x, m, p, evidence);
    }
    let cal = features::Calibration::new(dct);
    let report = double::report_with(dct, cal.as_ref());
    if let Some(r) = report.as_ref().filter(|r| r.double_compressed) {
        jsteg::hold_on_resave(evidence, r.primary_quality);
    }
    let features = want_features
        .then(|| cal.map(|c| Box::new(c.features())))
        .flatten();
    (features, report)
}
