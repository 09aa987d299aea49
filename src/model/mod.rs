//! Learned models run natively through `ort` (ONNX Runtime). A model declares named inputs; the
//! detector computes only the streams a model asks for and refuses, by name, any it cannot provide.
//!
//! Streams: `features` [N, K] ([`features::FEATURE_NAMES`], version [`features::FEATURES_VERSION`]),
//! and the eight Starlight V4 tensors (`pixel_tensor`, `meta`, `alpha`, `lsb`, `palette`,
//! `palette_lsb`, `format_features`, `content_features`; see [`starlight_v4`]) plus the legacy
//! `bit_order` input, supplied as Starlight's scanner did.
//! Outputs recognised by name: `stego_prob` or `stego_logits` (`[N]` or `[N, 1]`), optionally
//! `method_probs` or `method_logits` ([N, 5], class order alpha, palette, lsb.rgb, exif, raw).
//!
//! Sessions are kept in a small pool, each behind a mutex (`Session::run` needs `&mut`), so one
//! [`Model`] serves any number of threads; each session uses an explicit intra-op thread count.

pub mod features;
pub mod jpeg;
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
use crate::verdict::{ModelRef, ScanResult};
use crate::vocab::Method;
use features::{FEATURES_VERSION, N_FEATURES};

/// The default model, built into the library (`make model` regenerates it; see models/README.md).
pub static DEFAULT_MODEL: &[u8] = include_bytes!("../../models/stegodetect-default.onnx");

/// File name the default model is reported under when its metadata has no id.
pub const DEFAULT_MODEL_NAME: &str = "stegodetect-default.onnx";

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
    /// Input names the model declares.
    pub inputs: Vec<String>,
    /// Output names the model declares.
    pub outputs: Vec<String>,
}

/// What a model said about one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// Probability that the image carries a payload.
    pub stego_prob: f32,
    /// Method probabilities (class order), when the model has a method head.
    pub method_probs: Option<[f32; 5]>,
}

/// Let a model's prediction decide a rules verdict: probability, decision, method (the model's method head, else
/// the strongest rule evidence), scores and the reported payload.
pub(crate) fn apply(r: &mut ScanResult, p: &Prediction, m: ModelRef, threshold: f32) {
    r.probability = p.stego_prob.clamp(0.0, 1.0);
    r.is_stego = r.probability > threshold;
    r.decided_by = "model";
    r.model = Some(m);
    r.method_probs = p.method_probs;
    let method = match p.method_probs {
        Some(mp) => {
            // the model's classes are Starlight's five; the JPEG-domain scores stay the rules'
            for (m, p) in Method::STARLIGHT.iter().zip(mp) {
                *r.scores.slot(*m) = p * r.probability;
            }
            let best = (0..5).max_by(|&a, &b| mp[a].total_cmp(&mp[b])).unwrap();
            Method::from_id(best as u8)
        }
        None => r.findings.first().map(|e| e.method),
    };
    r.method = if r.is_stego { method } else { None };
    // The model knows nothing of JPEG-domain embedding: strong coefficient evidence from the
    // rules decides over a model that does not see it.
    // (The learned JPEG model's evidence, analysis `jpeg-model`, counts as a model's decision.)
    let mut named = None;
    if let Some(e) = r
        .findings
        .iter()
        .find(|e| e.method.is_jpeg_domain() && e.score > threshold && e.score > r.probability)
    {
        r.probability = e.score;
        r.is_stego = true;
        r.method = Some(e.method);
        r.decided_by = if e.analysis == "jpeg-model" {
            "model"
        } else {
            "rules"
        };
        named = e.tool;
    }
    // The learned JPEG model is a second detector (steghide, OutGuess) beside the one above
    // (Starlight's five methods): the probability that either method is present is their
    // noisy-OR, so JPEGs rank by both. Neither detector's verdict changes by it: a clean verdict
    // keeps its probability at or below the threshold.
    if let Some(s) = r
        .findings
        .iter()
        .filter(|e| e.analysis == "jpeg-model")
        .map(|e| e.score.clamp(0.0, 1.0))
        .reduce(f32::max)
    {
        let either = 1.0 - (1.0 - r.probability) * (1.0 - s);
        r.probability = if r.is_stego {
            either
        } else {
            either.min(threshold)
        };
    }
    r.method_id = r.method.map(Method::id);
    r.payload = r
        .method
        .and_then(|m| crate::verdict::best_payload(&r.findings, Some(m)));
    r.tool = r.payload.as_ref().and_then(|p| p.tool).or(named);
}

#[derive(Debug, Clone, Copy)]
enum StegoOut {
    Prob,
    Logits,
}

/// Per-image inputs a model may read; only the streams the model declared are computed.
#[derive(Debug, Clone, Default)]
pub struct ModelFeed {
    /// The feature vector, when the model reads `features`.
    pub features: Option<[f32; N_FEATURES]>,
    /// The Starlight V4 tensors, when the model reads any.
    pub v4: Option<starlight_v4::V4Tensors>,
}

/// A declared input and the shape of one image's slice of it.
#[derive(Debug, Clone)]
struct InputSpec {
    name: String,
    dims: Vec<i64>,
}

/// A loaded model with its session pool.
pub struct Model {
    sessions: Vec<Mutex<Session>>,
    next: AtomicUsize,
    info: ModelInfo,
    inputs: Vec<InputSpec>,
    /// Largest batch the model accepts (a fixed first dimension, e.g. an export without dynamic axes).
    max_batch: usize,
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

/// `run.sessions` sessions of one model, each behind its own mutex.
fn session_pool(
    bytes: &[u8],
    name: &str,
    runtime: Option<&Path>,
    run: RunSettings,
) -> Result<Vec<Mutex<Session>>> {
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
    Ok(sessions)
}

/// The pool's next session, locked (round robin; a poisoned lock is taken over: a session
/// holds no state between runs).
fn next_session<'a>(
    sessions: &'a [Mutex<Session>],
    next: &AtomicUsize,
) -> std::sync::MutexGuard<'a, Session> {
    let i = next.fetch_add(1, Ordering::Relaxed) % sessions.len();
    sessions[i].lock().unwrap_or_else(|p| p.into_inner())
}

impl Model {
    /// Load a model file.
    pub fn load_file(path: &Path, runtime: Option<&Path>, run: RunSettings) -> Result<Model> {
        let bytes = std::fs::read(path)
            .map_err(|e| Error::Model(format!("cannot read model {}: {e}", path.display())))?;
        // PyTorch checkpoints (Starlight's later `detector_balanced.pth`) are zip archives or
        // pickles: say so rather than report an ONNX parse error
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if matches!(ext, "pth" | "pt" | "ckpt") || bytes.starts_with(b"PK\x03\x04") {
            return Err(Error::Model(format!(
                "{} is a PyTorch checkpoint: stegodetect runs ONNX models only (export it with \
                 torch.onnx.export, or use the built-in model)",
                path.display()
            )));
        }
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
        let mut sessions = session_pool(bytes, name, runtime, run)?;
        let s = sessions[0].get_mut().unwrap();
        let inputs: Vec<String> = s.inputs().iter().map(|o| o.name().to_string()).collect();
        let outputs: Vec<String> = s.outputs().iter().map(|o| o.name().to_string()).collect();
        if inputs.is_empty() {
            return Err(Error::Model(format!("model {name} has no inputs")));
        }
        // Inputs: only streams we can compute, with the shapes we produce.
        let unknown: Vec<String> = inputs
            .iter()
            .filter(|n| stream_dims(n).is_none())
            .map(|n| format!("'{n}'"))
            .collect();
        if !unknown.is_empty() {
            return Err(Error::Model(format!(
                "model {name} asks for input(s) {} that stegodetect cannot provide; available: features, {}, bit_order",
                unknown.join(", "),
                STARLIGHT_V4_INPUTS.join(", ")
            )));
        }
        let mut specs = Vec::new();
        let mut max_batch = usize::MAX;
        for o in s.inputs() {
            let dims = stream_dims(o.name()).unwrap();
            let shape = o
                .dtype()
                .tensor_shape()
                .map(|s| s.to_vec())
                .unwrap_or_default();
            let fits = shape.len() == dims.len() + 1
                && shape[1..].iter().zip(&dims).all(|(&m, &d)| m == d || m < 0)
                && o.dtype().tensor_type() == Some(ort::value::TensorElementType::Float32);
            if !fits {
                return Err(Error::Model(format!(
                    "model {name}: input '{}' must be float32 [N, {}], found {:?} {shape:?}",
                    o.name(),
                    dims.iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(", "),
                    o.dtype().tensor_type()
                )));
            }
            if shape.first().is_some_and(|&b| b > 0) {
                max_batch = max_batch.min(shape[0] as usize);
            }
            specs.push(InputSpec {
                name: o.name().to_string(),
                dims,
            });
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
            inputs: specs,
            max_batch,
            stego,
            method,
        })
    }

    /// Identity of the model.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Largest number of images one call may carry.
    pub fn max_batch(&self) -> usize {
        self.max_batch
    }

    /// Whether the model reads the `features` stream.
    pub fn needs_features(&self) -> bool {
        self.inputs.iter().any(|i| i.name == "features")
    }

    /// Whether the model reads any Starlight V4 tensor.
    pub fn needs_v4(&self) -> bool {
        self.inputs.iter().any(|i| i.name != "features")
    }

    /// Run the model on a batch of images.
    pub fn predict(&self, feeds: &[ModelFeed]) -> Result<Vec<Prediction>> {
        if feeds.is_empty() {
            return Ok(Vec::new());
        }
        let n = feeds.len();
        let mut values = Vec::with_capacity(self.inputs.len());
        for spec in &self.inputs {
            let per: usize = spec.dims.iter().product::<i64>() as usize;
            let mut data = Vec::with_capacity(per * n);
            for f in feeds {
                let slice: &[f32] = if spec.name == "features" {
                    f.features.as_ref().map(|r| &r[..])
                } else {
                    f.v4.as_ref()
                        .and_then(|t| t.get(&spec.name))
                        .map(|(d, _)| d)
                }
                .ok_or_else(|| Error::Model(format!("input '{}' was not computed", spec.name)))?;
                data.extend_from_slice(slice);
            }
            let mut shape = vec![n as i64];
            shape.extend_from_slice(&spec.dims);
            let t = Tensor::from_array((shape, data)).map_err(model_err("input tensor"))?;
            values.push((
                std::borrow::Cow::from(spec.name.clone()),
                ort::session::SessionInputValue::from(t),
            ));
        }
        let mut session = next_session(&self.sessions, &self.next);
        let out = session.run(values).map_err(model_err("inference"))?;
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
        if stego.iter().any(|p| !p.is_finite()) {
            return Err(Error::Model(format!(
                "model output '{}' is not a finite number",
                self.stego.0
            )));
        }
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

/// Shape (without the batch dimension) of a stream we can compute.
fn stream_dims(name: &str) -> Option<Vec<i64>> {
    if name == "features" {
        return Some(vec![N_FEATURES as i64]);
    }
    Some(match name {
        "pixel_tensor" | "pixel" | "lsb" => vec![3, 256, 256],
        "alpha" => vec![2, 256, 256],
        "palette_lsb" => vec![1, 256, 256],
        "meta" | "metadata" => vec![2048],
        "palette" => vec![768],
        "format_features" | "content_features" => vec![6],
        "bit_order" => vec![3],
        _ => return None,
    })
}
