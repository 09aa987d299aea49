//! Golden self-test: a fixed clean image and a fixed stego image scanned through the whole path
//! (decode, analyses, model), with their expected verdicts. A service is ready only when it
//! passes; a detector whose model or runtime misbehaves fails it instead of answering "clean".

use serde::Serialize;

use crate::analysis::Method;
use crate::detector::Detector;

const CLEAN: &[u8] = include_bytes!("../examples/images/clean-photo.png");
const STEGO: &[u8] = include_bytes!("../examples/images/stego-alpha.png");

/// One golden image's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct SelfTestCheck {
    /// Which golden image.
    pub name: &'static str,
    /// What it must give.
    pub expected: &'static str,
    /// What it gave (a verdict and method, or the error).
    pub got: String,
    /// The verdict's probability, when it scanned.
    pub probability: Option<f32>,
    /// Whether `got` matches `expected`.
    pub passed: bool,
}

/// Outcome of [`Detector::self_test`].
#[derive(Debug, Clone, Serialize)]
pub struct SelfTest {
    /// Every check passed.
    pub passed: bool,
    /// The checks.
    pub checks: Vec<SelfTestCheck>,
}

impl Detector {
    /// Scan the built-in golden images: a natural clean PNG must be clean, an alpha-LSB stego PNG
    /// must be stego with method `alpha` and its payload recovered.
    pub fn self_test(&self) -> SelfTest {
        let clean = match self.scan_bytes(CLEAN) {
            Ok(r) => SelfTestCheck {
                name: "clean-photo.png",
                expected: "clean",
                got: if r.is_stego {
                    format!("stego ({})", r.method.map_or("?", |m| m.name()))
                } else {
                    "clean".into()
                },
                probability: Some(r.probability),
                passed: !r.is_stego,
            },
            Err(e) => failed("clean-photo.png", "clean", &e),
        };
        let stego = match self.scan_bytes(STEGO) {
            Ok(r) => {
                let ok = r.is_stego
                    && r.method == Some(Method::Alpha)
                    && r.payload.as_ref().is_some_and(|p| !p.bytes.is_empty());
                SelfTestCheck {
                    name: "stego-alpha.png",
                    expected: "stego (alpha) with its payload",
                    got: match (r.is_stego, r.method, &r.payload) {
                        (false, _, _) => "clean".into(),
                        (true, m, p) => format!(
                            "stego ({}){}",
                            m.map_or("?", |m| m.name()),
                            if p.is_some() {
                                " with a payload"
                            } else {
                                " without a payload"
                            }
                        ),
                    },
                    probability: Some(r.probability),
                    passed: ok,
                }
            }
            Err(e) => failed("stego-alpha.png", "stego (alpha) with its payload", &e),
        };
        SelfTest {
            passed: clean.passed && stego.passed,
            checks: vec![clean, stego],
        }
    }
}

fn failed(name: &'static str, expected: &'static str, e: &crate::Error) -> SelfTestCheck {
    SelfTestCheck {
        name,
        expected,
        got: format!("error ({}): {e}", e.kind()),
        probability: None,
        passed: false,
    }
}
