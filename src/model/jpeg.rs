//! The learned JPEG-domain model: a gradient-boosted tree ensemble over calibrated coefficient
//! statistics ([`crate::analysis::jpeg::features`]) that tells clean JPEGs from steghide and
//! OutGuess output. Trained by `scripts/train_jpeg_model.py` on the JPEGs of
//! `scripts/jpeg_data.sh` (sources in models/README.md), exported to ONNX, built into the library
//! and run through `ort` beside the default model whenever a model is in use.
//!
//! Its ONNX metadata carries the feature version it was trained on, its classes (`clean`,
//! `steghide`, `outguess`) and its operating threshold on `1 - P(clean)` (chosen for 0.05 %
//! false positives out of fold); the evidence score maps that threshold to 0.5.

use std::path::Path;
use std::sync::atomic::AtomicUsize;
use std::sync::Mutex;

use ort::session::Session;
use ort::value::Tensor;

use super::{model_err, next_session, session_pool, RunSettings};
use crate::analysis::jpeg::features::{FEATURES_VERSION, N_FEATURES};
use crate::analysis::{Evidence, Method, Tool};
use crate::error::{Error, Result};

/// The built-in JPEG-domain model (`models/jpeg-tools.onnx`).
pub static JPEG_MODEL: &[u8] = include_bytes!("../../models/jpeg-tools.onnx");

const CLASSES: &str = "clean,steghide,outguess";

/// A loaded JPEG-domain model with its session pool.
pub struct JpegModel {
    sessions: Vec<Mutex<Session>>,
    next: AtomicUsize,
    threshold: f32,
    id: String,
}

impl std::fmt::Debug for JpegModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JpegModel")
            .field("id", &self.id)
            .field("threshold", &self.threshold)
            .finish()
    }
}

impl JpegModel {
    /// Load the built-in model.
    pub fn builtin(runtime: Option<&Path>, run: RunSettings) -> Result<JpegModel> {
        Self::load_bytes(JPEG_MODEL, "jpeg-tools.onnx", runtime, run)
    }

    /// Load a model with the built-in one's contract (input `jpeg_features` [N, 202], output
    /// `probabilities` [N, 3], metadata `features_version`, `classes`, `threshold`).
    pub fn load_bytes(
        bytes: &[u8],
        name: &str,
        runtime: Option<&Path>,
        run: RunSettings,
    ) -> Result<JpegModel> {
        let sessions = session_pool(bytes, name, runtime, run)?;
        let (threshold, id) = {
            let s = sessions[0].lock().unwrap_or_else(|p| p.into_inner());
            let inputs: Vec<&str> = s.inputs().iter().map(|i| i.name()).collect();
            let outputs: Vec<&str> = s.outputs().iter().map(|o| o.name()).collect();
            if inputs != ["jpeg_features"] || !outputs.contains(&"probabilities") {
                return Err(Error::Model(format!(
                    "JPEG model {name}: needs input 'jpeg_features' and output 'probabilities' \
                     (has {inputs:?} -> {outputs:?})"
                )));
            }
            let meta = s.metadata().map_err(model_err("model metadata"))?;
            let get = |k: &str| {
                meta.custom(k)
                    .ok_or_else(|| Error::Model(format!("JPEG model {name}: no '{k}' metadata")))
            };
            if get("features_version")?.trim() != FEATURES_VERSION.to_string() {
                return Err(Error::Model(format!(
                    "JPEG model {name} was trained on another feature version than {FEATURES_VERSION}"
                )));
            }
            if get("classes")? != CLASSES {
                return Err(Error::Model(format!(
                    "JPEG model {name}: classes must be {CLASSES}"
                )));
            }
            let threshold: f32 = get("threshold")?
                .trim()
                .parse()
                .ok()
                .filter(|t: &f32| (0.0..1.0).contains(t))
                .ok_or_else(|| Error::Model(format!("JPEG model {name}: bad threshold")))?;
            (
                threshold,
                meta.custom("model_id").unwrap_or_else(|| name.to_string()),
            )
        };
        Ok(JpegModel {
            sessions,
            next: AtomicUsize::new(0),
            threshold,
            id,
        })
    }

    /// The model's id (its metadata's `model_id`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Class probabilities (clean, steghide, outguess) of one feature vector.
    pub fn predict(&self, features: &[f32; N_FEATURES]) -> Result<[f32; 3]> {
        let t = Tensor::from_array((vec![1i64, N_FEATURES as i64], features.to_vec()))
            .map_err(model_err("input tensor"))?;
        let mut session = next_session(&self.sessions, &self.next);
        let out = session
            .run(ort::inputs!["jpeg_features" => t])
            .map_err(model_err("JPEG model inference"))?;
        let (_, p) = out["probabilities"]
            .try_extract_tensor::<f32>()
            .map_err(model_err("JPEG model output"))?;
        if p.len() != 3 || p.iter().any(|v| !v.is_finite()) {
            return Err(Error::Model(format!(
                "JPEG model output must be 3 finite probabilities, got {p:?}"
            )));
        }
        Ok([p[0], p[1], p[2]])
    }

    /// The evidence of one feature vector: `jpeg.steghide` or `jpeg.outguess` (the likelier of
    /// the two), scored so that the model's operating threshold is 0.5; the tool is named.
    pub fn evidence(&self, features: &[f32; N_FEATURES]) -> Result<Evidence> {
        let p = self.predict(features)?;
        Ok(self.evidence_of(p))
    }

    fn evidence_of(&self, p: [f32; 3]) -> Evidence {
        let s = (1.0 - p[0]).clamp(0.0, 1.0);
        let t = self.threshold;
        let score = if s > t {
            0.5 + 0.5 * (s - t) / (1.0 - t)
        } else {
            0.5 * s / t
        };
        let (method, tool, name) = if p[1] >= p[2] {
            (Method::JpegSteghide, Tool::Steghide, "steghide")
        } else {
            (Method::JpegOutguess, Tool::Outguess, "OutGuess")
        };
        let mut e = Evidence::new(
            method,
            score,
            "jpeg-model",
            format!(
                "learned JPEG model ({}): P(clean) {:.4}, P(steghide) {:.4}, P(OutGuess) {:.4}; \
                 {name}-like embedding {} (operating point {:.4} on 1 - P(clean))",
                self.id,
                p[0],
                p[1],
                p[2],
                if s > t { "found" } else { "not found" },
                t
            ),
        );
        e.tool = Some(tool);
        e
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(threshold: f32) -> JpegModel {
        JpegModel {
            sessions: Vec::new(),
            next: AtomicUsize::new(0),
            threshold,
            id: "t".into(),
        }
    }

    #[test]
    fn the_operating_threshold_maps_to_one_half() {
        let m = model(0.98);
        let at = |p0: f32, p1: f32| m.evidence_of([p0, p1, 1.0 - p0 - p1]);
        assert!((at(0.02, 0.01).score - 0.5).abs() < 1e-4);
        assert!(at(0.021, 0.01).score < 0.5 && at(0.019, 0.01).score > 0.5);
        assert_eq!(at(0.0, 1.0).score, 1.0);
        assert_eq!(at(1.0, 0.0).score, 0.0);
        let e = at(0.001, 0.9);
        assert_eq!(
            (e.method, e.tool),
            (Method::JpegSteghide, Some(Tool::Steghide))
        );
        let e = at(0.001, 0.1);
        assert_eq!(
            (e.method, e.tool),
            (Method::JpegOutguess, Some(Tool::Outguess))
        );
    }
}
