//! Learned models run natively through `ort` (ONNX Runtime). A model declares named inputs; the
//! detector computes only the streams a model asks for and refuses, by name, any it cannot provide.
//!
//! Streams: `features` [N, K] ([`features::FEATURE_NAMES`], version [`features::FEATURES_VERSION`]).
//! Outputs recognised by name: `stego_prob` or `stego_logits` ([N] or [N, 1]), optionally
//! `method_probs` or `method_logits` ([N, 5], class order alpha, palette, lsb.rgb, exif, raw).
//!
//! Sessions are kept in a small pool, each behind a mutex (`Session::run` needs `&mut`), so one
//! [`Model`] serves any number of threads; each session uses an explicit intra-op thread count.

pub mod features;
pub mod runtime;
pub mod starlight_v4;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use ort::session::Session;
use ort::value::Tensor;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use features::{FEATURES_VERSION, N_FEATURES};

/// Input names of Starlight's V4 model (`detector_balanced.onnx`).
pub const STARLIGHT_V4_INPUTS: [&str; 8] = [
    "pixel_tensor",
    "meta",
    "alpha",
    "lsb",
    "palette",
    "palette_lsb",
    "format_features",
    "content_features",
];

/// Identity of a loaded model, reported in every verdict it makes.
#[derive(Debug, Clone, Serialize)]
pub struct ModelInfo {
    /// `model_id` from the model's metadata, else its file name.
    pub id: String,
    /// SHA-256 of the model file, hex.
    pub sha256: String,
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
}

/// What a model said about one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub stego_prob: f32,
    /// Method probabilities (class order), when the model has a method head.
    pub method_probs: Option<[f32; 5]>,
}

#[derive(Debug, Clone, Copy)]
enum StegoOut {
    Prob,
    Logits,
}

/// A loaded model with its session pool.
pub struct Model {
    sessions: Vec<Mutex<Session>>,
    next: AtomicUsize,
    info: ModelInfo,
    stego: (String, StegoOut),
    method: Option<(String, bool)>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("info", &self.info)
            .field("sessions", &self.sessions.len())
            .finish()
    }
}

/// How to run a model.
#[derive(Debug, Clone, Copy)]
pub struct RunSettings {
    /// Intra-op threads per session (ONNX Runtime's default would be every core).
    pub intra_threads: usize,
    /// Sessions in the pool (concurrent inferences).
    pub sessions: usize,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            intra_threads: 1,
            sessions: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .min(8),
        }
    }
}

fn model_err(what: &str) -> impl Fn(ort::Error) -> Error + '_ {
    move |e| Error::Model(format!("{what}: {e}"))
}

impl Model {
    /// Load a model file.
    pub fn load_file(path: &Path, runtime: Option<&Path>, run: RunSettings) -> Result<Model> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::Model(format!("cannot read model {}: {e}", path.display())))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self::load_bytes(&bytes, &name, runtime, run)
    }

    /// Load a model from memory; `name` identifies it when its metadata has no `model_id`.
    pub fn load_bytes(
        bytes: &[u8],
        name: &str,
        runtime: Option<&Path>,
        run: RunSettings,
    ) -> Result<Model> {
        let env = runtime::environment(runtime)?;
        let mut sessions = Vec::new();
        for _ in 0..run.sessions.max(1) {
            let s = Session::builder(env)
                .map_err(model_err("session builder"))?
                .with_intra_threads(run.intra_threads.max(1))
                .map_err(|e| Error::Model(format!("intra-op threads: {e}")))?
                .with_inter_threads(1)
                .map_err(|e| Error::Model(format!("inter-op threads: {e}")))?
                .commit_from_memory(bytes)
                .map_err(|e| Error::Model(format!("cannot load model {name}: {e}")))?;
            sessions.push(Mutex::new(s));
        }
        let s = sessions[0].get_mut().unwrap();
        let inputs: Vec<String> = s.inputs().iter().map(|o| o.name().to_string()).collect();
        let outputs: Vec<String> = s.outputs().iter().map(|o| o.name().to_string()).collect();
        // Inputs: only streams we can compute.
        let unknown: Vec<&String> = inputs.iter().filter(|n| *n != "features").collect();
        if !unknown.is_empty() {
            let v4 = unknown
                .iter()
                .filter(|n| STARLIGHT_V4_INPUTS.contains(&n.as_str()))
                .count();
            let note = if v4 > 0 {
                " (Starlight V4 tensors are not computed by this version yet)"
            } else {
                ""
            };
            return Err(Error::Model(format!(
                "model {name} asks for input(s) {} that stegodetect cannot provide{note}; available: features",
                unknown.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
            )));
        }
        if inputs.is_empty() {
            return Err(Error::Model(format!("model {name} has no inputs")));
        }
        let feat = &s.inputs()[0];
        let shape = feat
            .dtype()
            .tensor_shape()
            .map(|s| s.to_vec())
            .unwrap_or_default();
        if feat.dtype().tensor_type() != Some(ort::value::TensorElementType::Float32)
            || shape.len() != 2
            || (shape[1] != N_FEATURES as i64 && shape[1] != -1)
        {
            return Err(Error::Model(format!(
                "model {name}: input 'features' must be float32 [N, {N_FEATURES}], found {:?} {shape:?}",
                feat.dtype().tensor_type()
            )));
        }
        let meta = s.metadata().map_err(model_err("model metadata"))?;
        if let Some(v) = meta.custom("features_version") {
            if v.trim() != FEATURES_VERSION.to_string() {
                return Err(Error::Model(format!(
                    "model {name} was trained on feature version {v}; this library computes version {FEATURES_VERSION}"
                )));
            }
        }
        let id = meta.custom("model_id").unwrap_or_else(|| name.to_string());
        drop(meta);
        let stego = if outputs.iter().any(|o| o == "stego_prob") {
            ("stego_prob".to_string(), StegoOut::Prob)
        } else if outputs.iter().any(|o| o == "stego_logits") {
            ("stego_logits".to_string(), StegoOut::Logits)
        } else {
            return Err(Error::Model(format!(
                "model {name} has neither a 'stego_prob' nor a 'stego_logits' output (outputs: {})",
                outputs.join(", ")
            )));
        };
        let method = if outputs.iter().any(|o| o == "method_probs") {
            Some(("method_probs".to_string(), false))
        } else if outputs.iter().any(|o| o == "method_logits") {
            Some(("method_logits".to_string(), true))
        } else {
            None
        };
        let sha256 = Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok(Model {
            sessions,
            next: AtomicUsize::new(0),
            info: ModelInfo {
                id,
                sha256,
                inputs,
                outputs,
            },
            stego,
            method,
        })
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Run the model on a batch of feature rows.
    pub fn predict(&self, rows: &[[f32; N_FEATURES]]) -> Result<Vec<Prediction>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let n = rows.len();
        let data: Vec<f32> = rows.iter().flatten().copied().collect();
        let input = Tensor::from_array((vec![n as i64, N_FEATURES as i64], data))
            .map_err(model_err("input tensor"))?;
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.sessions.len();
        let mut session = self.sessions[i].lock().unwrap_or_else(|e| e.into_inner());
        let out = session
            .run(ort::inputs!["features" => input])
            .map_err(model_err("inference"))?;
        let (_, stego) = out[self.stego.0.as_str()]
            .try_extract_tensor::<f32>()
            .map_err(model_err("stego output"))?;
        if stego.len() != n {
            return Err(Error::Model(format!(
                "output '{}' has {} values for {n} images",
                self.stego.0,
                stego.len()
            )));
        }
        let methods = match &self.method {
            Some((name, logits)) => {
                let (_, m) = out[name.as_str()]
                    .try_extract_tensor::<f32>()
                    .map_err(model_err("method output"))?;
                if m.len() != n * 5 {
                    return Err(Error::Model(format!(
                        "output '{name}' must be [N, 5], got {} values",
                        m.len()
                    )));
                }
                Some((m.to_vec(), *logits))
            }
            None => None,
        };
        Ok((0..n)
            .map(|k| {
                let p = match self.stego.1 {
                    StegoOut::Prob => stego[k],
                    StegoOut::Logits => sigmoid(stego[k]),
                };
                let method_probs = methods.as_ref().map(|(m, logits)| {
                    let mut row = [0f32; 5];
                    row.copy_from_slice(&m[k * 5..k * 5 + 5]);
                    if *logits {
                        softmax(&mut row);
                    }
                    row
                });
                Prediction {
                    stego_prob: p,
                    method_probs,
                }
            })
            .collect())
    }
}

fn sigmoid(x: f32) -> f32 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}

fn softmax(v: &mut [f32; 5]) {
    let m = v.iter().copied().fold(f32::MIN, f32::max);
    let mut sum = 0.0;
    for x in v.iter_mut() {
        *x = (*x - m).exp();
        sum += *x;
    }
    for x in v.iter_mut() {
        *x /= sum;
    }
}
