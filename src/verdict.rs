//! Verdict: per-method scores from the evidence, the decision, the reported payload, and the
//! result type every face (CLI, C, Python, HTTP) serialises.

use serde::Serialize;

use crate::analysis::jpeg::double::JpegReport;
use crate::analysis::pairs::PairBalance;
use crate::analysis::pixels::{StructuralReport, REF_PIXELS};
use crate::analysis::{Analysis, Evidence, ImageProfile, Method, Tool};
use crate::container::{ContainerInfo, Format, Trailer};
use crate::extract::Payload;
use crate::planes::Decoded;

/// Per-method scores in method-id order: Starlight's five, then the JPEG-domain methods (which
/// only JPEG inputs can score).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct MethodScores {
    /// Score of the alpha method.
    pub alpha: f32,
    /// Score of the palette method.
    pub palette: f32,
    /// Score of the lsb.rgb method.
    #[serde(rename = "lsb.rgb")]
    pub lsb_rgb: f32,
    /// Score of the exif method.
    pub exif: f32,
    /// Score of the raw method.
    pub raw: f32,
    /// Score of the jpeg.jsteg method.
    #[serde(rename = "jpeg.jsteg")]
    pub jpeg_jsteg: f32,
    /// Score of the jpeg.f5 method.
    #[serde(rename = "jpeg.f5")]
    pub jpeg_f5: f32,
    /// Score of the jpeg.outguess method.
    #[serde(rename = "jpeg.outguess")]
    pub jpeg_outguess: f32,
    /// Score of the jpeg.steghide method.
    #[serde(rename = "jpeg.steghide")]
    pub jpeg_steghide: f32,
    /// Score of the jpeg.generic method.
    #[serde(rename = "jpeg.generic")]
    pub jpeg_generic: f32,
}

impl MethodScores {
    /// Score of one method.
    pub fn get(&self, m: Method) -> f32 {
        let mut s = *self;
        *s.slot(m)
    }
    pub(crate) fn slot(&mut self, m: Method) -> &mut f32 {
        match m {
            Method::Alpha => &mut self.alpha,
            Method::Palette => &mut self.palette,
            Method::LsbRgb => &mut self.lsb_rgb,
            Method::Exif => &mut self.exif,
            Method::Raw => &mut self.raw,
            Method::JpegJsteg => &mut self.jpeg_jsteg,
            Method::JpegF5 => &mut self.jpeg_f5,
            Method::JpegOutguess => &mut self.jpeg_outguess,
            Method::JpegSteghide => &mut self.jpeg_steghide,
            Method::JpegGeneric => &mut self.jpeg_generic,
        }
    }
    /// Scores of Starlight's five methods as an array indexed by class id (the learned models'
    /// classes; [`MethodScores::get`] reads any method).
    pub fn as_array(&self) -> [f32; 5] {
        [self.alpha, self.palette, self.lsb_rgb, self.exif, self.raw]
    }
}

/// Facts about the decoded image.
#[derive(Debug, Clone, Serialize)]
pub struct ImageInfo {
    /// Container format, from content.
    pub format: Format,
    /// Canvas width.
    pub width: u32,
    /// Canvas height.
    pub height: u32,
    /// Pillow-style mode of the first frame (`L`, `LA`, `RGB`, `RGBA`, `P`).
    pub mode: &'static str,
    /// Bit depth of the first frame's samples.
    pub bit_depth: u8,
    /// Frames in the file, and how many were analysed (all unless the frame limit was hit).
    pub frames: u32,
    /// Frames analysed.
    pub frames_analysed: u32,
    /// Input size in bytes.
    pub file_size: usize,
}

/// Container facts worth reporting.
#[derive(Debug, Clone, Serialize)]
pub struct ContainerReport {
    /// Offset one past the image proper.
    pub image_end: usize,
    /// Data after the image, if any.
    pub trailer: Option<Trailer>,
    /// Metadata fields found (`source:name (length)`).
    pub metadata: Vec<String>,
    /// Size of the ICC profile.
    pub icc_bytes: Option<usize>,
    /// Longest decoded text among the metadata fields, in bytes.
    pub longest_text: usize,
    /// Structural oddities.
    pub oddities: Vec<String>,
}

/// Identity of the model behind a verdict.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModelRef {
    /// Model id.
    pub id: String,
    /// SHA-256 of the model file.
    pub sha256: String,
}

/// Time spent per stage, in microseconds.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Timings {
    /// Container walk plus pixel decoding (for a JPEG, with its coefficient analyses, which run
    /// alongside the decoding).
    pub decode_us: u64,
    /// All analyses.
    pub analysis_us: u64,
    /// Model inference (0 without a model).
    pub model_us: u64,
    /// Everything.
    pub total_us: u64,
}

/// The result of scanning one image. Fields serialise in declaration order, which is the
/// documented order of the JSON record (see [`record`]).
#[derive(Debug, Clone, Serialize)]
pub struct ScanResult {
    /// The verdict.
    pub is_stego: bool,
    /// Score in [0, 1]; `is_stego` is `probability > threshold`.
    pub probability: f32,
    /// Most likely method when stego, else `None`.
    pub method: Option<Method>,
    /// Id of `method` (Starlight's class id for its five, 5-9 for the JPEG-domain methods).
    pub method_id: Option<u8>,
    /// The tool whose format the reported payload is in, when recognised (`stegano`,
    /// `stego-lsb`, `cloacked-pixel`, `stepic`, `jsteg`); `None` when unknown or clean.
    pub tool: Option<Tool>,
    /// The payload of the deciding evidence, when one was recovered.
    pub payload: Option<Payload>,
    /// Per-method scores of the final verdict (the model's when one decided, else the rules').
    pub scores: MethodScores,
    /// Per-method scores of the rule analyses (the model's inputs).
    pub rule_scores: MethodScores,
    /// What made the decision: `"rules"` or `"model"`.
    pub decided_by: &'static str,
    /// The model that decided (id and SHA-256), when one did.
    pub model: Option<ModelRef>,
    /// The model's method probabilities (class order), when it has a method head; Starlight's
    /// `method_id` and `confidence` come from these.
    pub method_probs: Option<[f32; 5]>,
    /// Every payload recovered from evidence scoring at least 0.5.
    pub payloads: Vec<Payload>,
    /// Why: all evidence, strongest first.
    pub findings: Vec<Evidence>,
    /// Facts about the image.
    pub image: ImageInfo,
    /// What the container walk found.
    pub container: ContainerReport,
    /// Image type.
    pub profile: ImageProfile,
    /// Structural estimates, when they applied.
    pub structural: Option<StructuralReport>,
    /// Pair balance of the samples (a model input; see [`crate::analysis::pairs`]).
    pub pairs: PairBalance,
    /// A JPEG's quality and double compression (`null` for other formats and JPEGs whose
    /// coefficients did not read; see [`crate::analysis::jpeg::double`]).
    pub jpeg: Option<JpegReport>,
    /// Time per stage.
    pub timings: Timings,
}

pub(crate) fn decide(
    analysis: Analysis,
    format: Format,
    info: &ContainerInfo,
    decoded: &Decoded,
    file_size: usize,
    threshold: f32,
) -> ScanResult {
    let Analysis {
        mut evidence,
        profile,
        structural,
        pairs,
        jpeg,
        ..
    } = analysis;
    evidence.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.method.cmp(&b.method)));
    let mut scores = MethodScores::default();
    for e in &evidence {
        let s = scores.slot(e.method);
        *s = s.max(e.score.clamp(0.0, 1.0));
    }
    let top = evidence.first();
    let probability = top.map_or(0.0, |e| e.score);
    let is_stego = probability > threshold;
    let method = if is_stego {
        top.map(|e| e.method)
    } else {
        None
    };
    let payload = method.and_then(|m| best_payload(&evidence, Some(m)));
    let payloads = evidence
        .iter()
        .filter(|e| e.score >= 0.5)
        .filter_map(|e| e.payload.clone())
        .collect();
    let first = &decoded.frames[0];
    let mut r = ScanResult {
        is_stego,
        probability,
        method,
        method_id: method.map(Method::id),
        tool: payload
            .as_ref()
            .and_then(|p: &Payload| p.tool)
            .or_else(|| method.and(top.and_then(|e| e.tool))),
        scores,
        rule_scores: scores,
        decided_by: "rules",
        model: None,
        method_probs: None,
        payload,
        payloads,
        findings: evidence,
        image: ImageInfo {
            format,
            width: info.width.max(first.width),
            height: info.height.max(first.height),
            mode: first.mode.as_str(),
            bit_depth: first.bit_depth,
            frames: decoded.frames_total,
            frames_analysed: decoded.frames.len() as u32,
            file_size,
        },
        container: ContainerReport {
            image_end: info.image_end,
            trailer: info.trailer.clone(),
            metadata: info
                .metadata
                .iter()
                .map(|m| format!("{:?}:{} ({} bytes)", m.source, m.name, m.length))
                .collect(),
            icc_bytes: info.icc_bytes,
            longest_text: info
                .metadata
                .iter()
                .filter_map(|m| m.text.as_ref().map(String::len))
                .max()
                .unwrap_or(0),
            oddities: info.oddities.clone(),
        },
        profile,
        structural,
        pairs,
        jpeg,
        timings: Timings::default(),
    };
    hold_structural(&mut r, threshold);
    r
}

/// The highest probability a verdict may have when it rests on structural estimates alone (WS,
/// SPA, chi-square, flat areas) on an image of `pixels` pixels. Their noise grows like
/// 1/sqrt(pixels) and small processed images (filter demonstrations, scaled game screenshots)
/// reach the same rates as embedding, so the evidence is graded by capacity: 1.0 from
/// 262,144 pixels (0.25 MP), 0.5 + 0.5 sqrt(pixels / REF_PIXELS) below, which stays above the
/// default threshold (a finding is still reported) but under 0.9 below about 0.16 MP.
pub fn structural_ceiling(pixels: u64) -> f32 {
    0.5 + 0.5 * (pixels as f32 / REF_PIXELS).min(1.0).sqrt()
}

/// Hold a verdict whose strongest finding is a structural estimate and that no other analysis
/// supports (every other finding at or below `threshold`) at [`structural_ceiling`]; the
/// per-method scores are held with it.
pub(crate) fn hold_structural(r: &mut ScanResult, threshold: f32) {
    let top = r.findings.iter().max_by(|a, b| a.score.total_cmp(&b.score));
    let others = r
        .findings
        .iter()
        .filter(|e| e.analysis != "structural")
        .any(|e| e.score > threshold);
    if top.is_none_or(|e| e.analysis != "structural") {
        return;
    }
    let pixels = r.image.width as u64 * r.image.height as u64;
    let ceiling = structural_ceiling(pixels);
    if others || r.probability <= ceiling {
        return;
    }
    r.probability = ceiling;
    for m in Method::ALL {
        let s = r.scores.slot(m);
        *s = s.min(ceiling);
    }
    if r.probability <= threshold {
        // a stricter operating point than the ceiling: not a verdict
        r.is_stego = false;
        r.method = None;
        r.method_id = None;
        r.tool = None;
        r.payload = None;
    }
}

/// The payload to report for a verdict of `method`: the strongest evidence of that method with a
/// payload, else the strongest strong evidence of any method with one (a tool that wrote R, G, B
/// and alpha alike also raises the alpha-plane evidence, which carries no payload).
pub(crate) fn best_payload(evidence: &[Evidence], method: Option<Method>) -> Option<Payload> {
    evidence
        .iter()
        .filter(|e| method.is_none_or(|m| e.method == m))
        .find_map(|e| e.payload.clone())
        .or_else(|| {
            evidence
                .iter()
                .filter(|e| e.score >= 0.9)
                .find_map(|e| e.payload.clone())
        })
}

/// The JSON record of one scan, as every face prints it (`scan --format json`, `POST /v1/scan`,
/// `sd_result_json`, Python's `ScanResult.to_dict`): `path` (when given), `is_stego`,
/// `probability`, `method`, `method_id`, `tool`, `payload`, `error`, then the rest of
/// [`ScanResult`] in declaration order. An error gives the same leading fields, `null`, plus
/// `error_kind`.
pub fn record(
    path: Option<&str>,
    outcome: Result<&ScanResult, &crate::Error>,
) -> serde_json::Value {
    use serde_json::{json, Map, Value};
    let mut out = Map::new();
    if let Some(p) = path {
        out.insert("path".into(), json!(p));
    }
    match outcome {
        Ok(res) => {
            let Value::Object(fields) = serde_json::to_value(res).expect("scan results serialise")
            else {
                unreachable!("a struct serialises to an object")
            };
            // ScanResult's first six fields are the documented leading ones; `error` follows them
            for (i, (k, v)) in fields.into_iter().enumerate() {
                if i == 6 {
                    out.insert("error".into(), Value::Null);
                }
                out.insert(k, v);
            }
        }
        Err(e) => {
            for k in [
                "is_stego",
                "probability",
                "method",
                "method_id",
                "tool",
                "payload",
            ] {
                out.insert(k.into(), Value::Null);
            }
            out.insert("error".into(), json!(e.to_string()));
            out.insert("error_kind".into(), json!(e.kind().as_str()));
        }
    }
    Value::Object(out)
}

/// The JSON record of an input a walk did not scan (a link not followed, a loop, a dangling link,
/// a special file): [`record`]'s leading fields, `null`, then `error` `null` and `skipped` with
/// the reason, so a consumer of scan records never mistakes it for a verdict.
pub fn skipped_record(path: &str, reason: &str) -> serde_json::Value {
    serde_json::json!({"path": path, "is_stego": null, "probability": null, "method": null,
           "method_id": null, "tool": null, "payload": null, "error": null, "skipped": reason})
}
