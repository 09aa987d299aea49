#![warn(missing_docs)]
//! # stegodetect
//!
//! A fast, honest steganography detector and extractor for images (PNG, JPEG, GIF, BMP, WebP),
//! compatible with the Starlight project's five methods and formats.
//!
//! The pipeline, one module per stage:
//! [`container`] (structure walk: exact end of image, metadata) → [`planes`] (pixels, palette
//! indices kept) → [`analysis`] (per-method evidence) → [`extract`] (payloads) → [`verdict`]
//! (the rules' decision and the result type) → [`model`] (features, the learned decision) →
//! [`metrics`] → the faces (CLI, HTTP, C, Python). Leaf modules hold what every stage shares:
//! [`vocab`] (methods, bit orders, tools), [`stats`], [`error`], [`options`]. Imports only
//! point back along this line (`scripts/import_cycles.py`, run by `make test`, fails on a
//! cycle). [`embed`] is the matching generator.
//!
//! The learned model runs in ONNX Runtime (1.17 or later), loaded at run time from the host:
//! `pip install onnxruntime` into a virtual environment, a system package, or `ORT_DYLIB_PATH`
//! naming the library (search order in [`model::runtime`]). `Detector::rules_only()` needs none.
//!
//! ```no_run
//! // the default learned model; `Detector::rules_only()` scans without one
//! let detector = stegodetect::Detector::new(stegodetect::Options::default())?;
//! let result = detector.scan_path("image.png")?;
//! if result.is_stego {
//!     println!("{} ({:.2})", result.method.unwrap(), result.probability);
//! }
//! # Ok::<(), stegodetect::Error>(())
//! ```

pub mod analysis;
pub mod bench;
pub mod budget;
pub mod compat;
pub mod container;
mod detector;
pub mod embed;
pub mod error;
pub mod eval;
pub mod extract;
pub mod inputs;
pub mod inspect;
#[cfg(feature = "http-client")]
pub mod loadtest;
pub mod metrics;
pub mod model;
pub mod options;
pub mod planes;
pub mod regress;
pub mod report;
pub mod selftest;
pub mod stats;
pub mod validate;
pub mod verdict;
pub mod vocab;

pub use budget::MemoryBudget;
pub use container::Format;
pub use detector::{read_limited, Detector};
pub use error::{Error, ErrorKind, Result};
pub use extract::{Payload, PayloadEncoding};
pub use options::{Limits, ModelChoice, Options};
pub use planes::ColorMode;
pub use verdict::{ImageInfo, MethodScores, ScanResult, Timings};
pub use vocab::{BitOrder, Method, Tool};

/// Library version (from Cargo.toml).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Helpers shared by the unit tests.
#[cfg(test)]
pub(crate) mod test_support {
    /// A xorshift64 stream from `state` (reproducible test data without a dependency).
    pub(crate) fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }
}
