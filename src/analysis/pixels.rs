//! Pixel-plane analyses shared by the lsb.rgb, alpha and palette methods: content search over
//! every LSB stream, and the structural estimators for scattered embedding.

use serde::Serialize;

use super::bitstream::{self, ByteSource};
use super::content::{self, HitKind};
use super::profile::ImageProfile;
use super::structural::{self, ChiPrefix};
use super::tools::{self, PayloadLook};
use super::{Evidence, Method};
use crate::extract::{strip_ai42_space, Payload, PayloadEncoding};
use crate::options::Options;
use crate::planes::{ColorMode, PixelPlanes};
use crate::vocab::BitOrder;

/// Search every stream of a plane in both bit orders; one piece of evidence per stream that hits.
pub fn content(p: &PixelPlanes, frame: Option<u32>, opts: &Options, out: &mut Vec<Evidence>) {
    let max = opts.limits.max_payload_bytes;
    for s in bitstream::streams(p) {
        let mut best: Option<(content::ContentHit, BitOrder)> = None;
        for order in BitOrder::BOTH {
            let packed = s.packed(order);
            if packed.len() < 8 {
                continue;
            }
            if let Some(hit) = content::search(&packed, max) {
                if best.as_ref().is_none_or(|(b, _)| hit.score > b.score) {
                    best = Some((hit, order));
                }
            }
        }
        let Some((mut hit, order)) = best else {
            continue;
        };
        if hit.kind == HitKind::Ai42 {
            strip_ai42_space(&mut hit.bytes);
        }
        let what = match hit.kind {
            HitKind::Ai42 => "AI42-marked payload".to_string(),
            HitKind::Magic => format!("{:?} file", hit.magic.unwrap()).to_lowercase(),
            HitKind::LengthPrefixed => "length-prefixed payload".into(),
            HitKind::Text if hit.complete => "NUL-terminated text".into(),
            HitKind::Text => "text".into(),
        };
        let frame_txt = frame.map(|f| format!(" of frame {f}")).unwrap_or_default();
        let detail = format!(
            "{} bytes of {what} at the start of the {} LSB stream{frame_txt} ({})",
            hit.bytes.len(),
            s.name,
            order.as_str()
        );
        let mut ev = Evidence::new(s.method, hit.score, "content", detail);
        if opts.extract {
            ev.payload = Some(Payload {
                method: s.method,
                encoding: hit.kind.into(),
                file_type: hit.magic,
                bit_order: Some(order),
                channel: s.name.to_string(),
                offset: hit.offset,
                frame,
                complete: hit.complete,
                bytes: hit.bytes,
                tool: None,
                lsbs: None,
                encrypted: false,
            });
        }
        out.push(ev);
    }
}

/// Payloads in the formats of known tools ([`tools` module](crate::analysis::tools)): one piece of evidence each, as content
/// evidence (they are sequential payloads with a length header), naming the tool.
pub fn tools(
    p: &PixelPlanes,
    lossy: bool,
    frame: Option<u32>,
    opts: &Options,
    out: &mut Vec<Evidence>,
) {
    for hit in tools::search(p, lossy, opts.limits.max_payload_bytes) {
        let method = if p.mode == ColorMode::Palette {
            Method::Palette
        } else {
            Method::LsbRgb
        };
        let what = match hit.look {
            PayloadLook::Text => "text".to_string(),
            PayloadLook::File(k) => format!("{k:?} file").to_lowercase(),
            PayloadLook::Random => {
                "random-looking bytes (encrypted or compressed: exact, not readable without the key)"
                    .to_string()
            }
        };
        let frame_txt = frame.map(|f| format!(" of frame {f}")).unwrap_or_default();
        let lsbs = match hit.lsbs {
            1 => "the LSB".to_string(),
            n => format!("the {n} low bits"),
        };
        let detail = format!(
            "{} format: {} bytes of {what} in {lsbs} of the {} samples{frame_txt}, after a {}-byte length header",
            hit.tool,
            hit.bytes.len(),
            hit.channel,
            hit.offset
        );
        let mut ev = Evidence::new(method, hit.score, "content", detail);
        if opts.extract {
            ev.payload = Some(Payload {
                method,
                encoding: PayloadEncoding::LengthPrefixed,
                file_type: match hit.look {
                    PayloadLook::File(k) => Some(k),
                    _ => None,
                },
                bit_order: Some(BitOrder::MsbFirst),
                channel: hit.channel.to_string(),
                offset: hit.offset,
                frame,
                complete: hit.complete,
                tool: Some(hit.tool),
                lsbs: (hit.lsbs > 1).then_some(hit.lsbs),
                encrypted: hit.look == PayloadLook::Random,
                bytes: hit.bytes,
            });
        }
        out.push(ev);
    }
}

/// Structural estimates of the colour channels.
#[derive(Debug, Clone, Serialize)]
pub struct StructuralReport {
    /// WS estimate per colour channel (R, G, B or grey); empty on flat images.
    pub ws: Vec<f32>,
    /// SPA estimate per colour channel; empty on flat images.
    pub spa: Vec<f32>,
    /// Combined WS statistic: the smallest of the mean and the median over the colour channels and
    /// the lowest channel + 0.05. `None` on flat images, where WS is not trusted.
    pub rate: Option<f32>,
    /// Flat-neighbourhood rate estimate, lower 3-sigma bound, median over the colour channels;
    /// `None` with too few samples in flat neighbourhoods.
    pub flat: Option<f32>,
    /// Chi-square over growing prefixes of the colour samples.
    pub chi_square: Option<ChiPrefix>,
    /// Structural evidence below the finding cut, in [0, [`FINDING_CUT`]]: the larger of the WS
    /// and flat-neighbourhood scores, continuous while they are too weak to be reported as
    /// findings, then held at the cut (stronger evidence is a finding, which the lsb.rgb rule
    /// score carries). It lets the score of a clean image rank it (`features` reads it) without
    /// counting strong evidence twice; `None` where neither estimator applied.
    pub score: Option<f32>,
    /// The combined WS statistic on an image where WS is not trusted (flat, saturated,
    /// few-colour or tiny); `None` where `rate` is set or WS cannot run (palette, lossy, not
    /// 8-bit).
    pub untrusted_rate: Option<f32>,
    /// The midpoint `untrusted_rate` is judged against: one that keeps growing as images shrink
    /// (noise grows like 1/sqrt(pixels)), unlike the clamped one trusted rates use.
    pub untrusted_midpoint: Option<f32>,
}

impl StructuralReport {
    /// The untrusted WS rate for the model, as two bounded numbers: on the scale of `score` (a
    /// logistic ramp held at [`FINDING_CUT`]), which carries evidence, and `asinh(rate /
    /// midpoint)` held at 0, which only orders images below any evidence: the ramp underflows to
    /// 0 on the strongly negative rates synthetic images give (down to -7), which made them all
    /// alike. Never a finding.
    pub fn untrusted_scores(&self) -> Option<(f32, f32)> {
        let (r, m) = (self.untrusted_rate?, self.untrusted_midpoint?);
        Some((ramp(r, m).min(FINDING_CUT), (r / m).asinh().min(0.0)))
    }
}

/// Image size at which the structural midpoint is the configured one. Noise in the WS statistic
/// shrinks like 1/sqrt(pixels), so smaller images need a higher midpoint (up to `SMALL_MID`) and
/// larger ones keep the configured floor, which is set by cover bias, not noise. The logistic
/// ramp is 15 % of the midpoint wide.
pub(crate) const REF_PIXELS: f32 = 262_144.0;
const SMALL_MID: f32 = 0.08;

fn rate_midpoint(pixels: u64, floor: f32) -> f32 {
    (floor * (REF_PIXELS / pixels.max(1) as f32).sqrt()).clamp(floor, floor.max(SMALL_MID))
}

/// Midpoint of the flat-neighbourhood evidence relative to the WS one. That estimate measures the
/// rate itself (WS reads up to about twice as high on real covers) and its lower bound already
/// accounts for sample size; clean lossless renders reach ~0.017 (tuned on the training sources
/// and the first held-out set, `make heldout`).
const FLAT_MID_FACTOR: f32 = 2.0 / 3.0;

/// How far above the SPA estimate the WS one may count (see `structural`).
const SPA_MARGIN: f32 = 0.03;

/// Structural scores below this are not reported as findings.
pub const FINDING_CUT: f32 = 0.05;

/// Evidence score: a logistic ramp 15 % of the midpoint wide.
fn ramp(value: f32, mid: f32) -> f32 {
    1.0 / (1.0 + (-(value - mid) / (0.15 * mid)).exp())
}

fn median(v: &mut [f32]) -> f32 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// WS/SPA/chi-square and the flat-neighbourhood estimate on the colour channels, each trusted
/// only where the profile allows.
pub fn structural(
    p: &PixelPlanes,
    profile: &ImageProfile,
    midpoint: f32,
    out: &mut Vec<Evidence>,
) -> Option<StructuralReport> {
    let colour = matches!(
        p.mode,
        ColorMode::Rgb | ColorMode::Rgba | ColorMode::Grey | ColorMode::GreyAlpha
    );
    if !colour || !p.is_8bit() || profile.lossy || p.width < 3 || p.height < 3 {
        return None;
    }
    let (w, h, ch) = (p.width as usize, p.height as usize, p.channels());
    let cc = match p.mode {
        ColorMode::Rgb | ColorMode::Rgba => 3,
        _ => 1,
    };
    let mid = rate_midpoint(profile.pixels, midpoint);
    // all channels must have enough flat samples; their median lower bound is the estimate
    let flat_est: Option<Vec<_>> = if profile.flat_estimator_applicable {
        structural::flat_pairs(&p.samples, w, h, ch, cc)
            .into_iter()
            .collect()
    } else {
        None
    };
    let flat = flat_est.as_ref().map(|v| {
        let mut lower: Vec<f32> = v.iter().map(|e| e.lower as f32).collect();
        median(&mut lower)
    });
    let flat_score = flat.map(|f| ramp(f, FLAT_MID_FACTOR * midpoint));
    let ws_rate = || {
        let ws: Vec<f32> = structural::ws(&p.samples, w, h, ch, cc)
            .into_iter()
            .flatten()
            .map(|v| v as f32)
            .collect();
        (ws.len() == cc).then(|| (combine(&ws), ws))
    };
    if let (Some(f), Some(est), Some(score)) = (flat, &flat_est, flat_score) {
        if score >= FINDING_CUT {
            let n = est.iter().map(|e| e.samples).min().unwrap_or(0);
            out.push(Evidence::new(
                Method::LsbRgb,
                score,
                "structural",
                format!(
                    "LSB flips in flat areas: embedding rate at least {f:.3} (over {n} samples per channel whose four neighbours are equal)"
                ),
            ));
        }
    }
    if !profile.structural_applicable {
        let untrusted_rate = ws_rate().map(|(r, _)| r);
        return Some(StructuralReport {
            ws: Vec::new(),
            spa: Vec::new(),
            rate: None,
            flat,
            chi_square: None,
            score: flat_score.map(|s| s.min(FINDING_CUT)),
            untrusted_rate,
            untrusted_midpoint: untrusted_rate
                .map(|_| mid.max(midpoint * (REF_PIXELS / profile.pixels.max(1) as f32).sqrt())),
        });
    }
    let (ws_rate, ws) = ws_rate()?;
    let spa: Vec<f32> = structural::spa(&p.samples, w, h, ch, cc)
        .into_iter()
        .flatten()
        .map(|v| v as f32)
        .collect();
    if spa.len() != cc {
        return None;
    }
    // Both estimators measure the rate of LSB replacement and agree on it; WS reads high on
    // processed images (filtered, scaled screenshots: WS 0.3-0.45 where SPA says 0.02-0.08)
    let rate = ws_rate.min(combine(&spa) + SPA_MARGIN);
    let chi = structural::chi_prefix(&p.samples, ch, cc);
    let score = ramp(rate, mid);
    if score >= FINDING_CUT {
        out.push(Evidence::new(
            Method::LsbRgb,
            score,
            "structural",
            format!(
                "WS/SPA estimate an LSB embedding rate of {:.3} (WS {ws:.3?}, SPA {spa:.3?})",
                rate
            ),
        ));
    }
    if let Some(c) = &chi {
        // Smooth noisy images (gradients) also equalise pairs locally; sequential embedding must
        // also show in WS over the rows the prefix covers.
        let prefix_ws = if c.p_first > 0.99 && c.p_all < 0.05 && c.sequential_fraction >= 0.02 {
            let rows = ((c.sequential_fraction as f64 * h as f64).ceil() as usize).clamp(3, h);
            let mut v: Vec<f64> = structural::ws(&p.samples[..rows * w * ch], w, rows, ch, cc)
                .into_iter()
                .flatten()
                .collect();
            v.sort_by(f64::total_cmp);
            v.get(v.len() / 2).copied()
        } else {
            None
        };
        if let Some(pw) = prefix_ws.filter(|&pw| pw >= 0.25) {
            out.push(Evidence::new(
                Method::LsbRgb,
                0.85,
                "structural",
                format!(
                    "chi-square: LSB pairs equalised over the first {:.0} % of the samples, not after, and WS estimates {pw:.2} there (sequential embedding)",
                    c.sequential_fraction * 100.0
                ),
            ));
        }
    }
    Some(StructuralReport {
        ws,
        spa,
        rate: Some(rate),
        flat,
        chi_square: chi,
        score: Some(flat_score.map_or(score, |f| f.max(score)).min(FINDING_CUT)),
        untrusted_rate: None,
        untrusted_midpoint: None,
    })
}

/// One WS statistic from the colour channels' estimates. Scattered embedding raises all colour
/// channels alike; one channel's outlier (a synthetic gradient, a dithered plane, a sprite sheet)
/// must not: the smallest of the channels' mean, their median, and the lowest channel plus a
/// margin.
fn combine(ws: &[f32]) -> f32 {
    if ws.len() == 1 {
        return ws[0];
    }
    let mut sorted = ws.to_vec();
    let med = median(&mut sorted);
    let mean = ws.iter().sum::<f32>() / ws.len() as f32;
    mean.min(med).min(sorted[0] + 0.05)
}
