//! Pixel-plane analyses shared by the lsb.rgb, alpha and palette methods: content search over
//! every LSB stream, and the structural estimators for scattered embedding.

use serde::Serialize;

use super::bitstream::{self, BitOrder, ByteSource};
use super::content::{self, HitKind};
use super::profile::ImageProfile;
use super::structural::{self, ChiPrefix};
use super::{Evidence, Method};
use crate::extract::{strip_ai42_space, Payload};
use crate::options::Options;
use crate::planes::{ColorMode, PixelPlanes};

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
            });
        }
        out.push(ev);
    }
}

/// Structural estimates of the colour channels.
#[derive(Debug, Clone, Serialize)]
pub struct StructuralReport {
    /// WS estimate per colour channel (R, G, B or grey).
    pub ws: Vec<f32>,
    /// SPA estimate per colour channel.
    pub spa: Vec<f32>,
    /// Combined embedding-rate estimate (median over channels of the smaller of WS and SPA).
    pub rate: f32,
    /// Chi-square over growing prefixes of the colour samples.
    pub chi_square: Option<ChiPrefix>,
}

/// Rate at which the structural score reaches 0.5, and the width of its logistic ramp.
const RATE_MID: f32 = 0.08;
const RATE_WIDTH: f32 = 0.012;

/// WS/SPA/chi-square on the colour channels, trusted only when the profile allows.
pub fn structural(
    p: &PixelPlanes,
    profile: &ImageProfile,
    out: &mut Vec<Evidence>,
) -> Option<StructuralReport> {
    if !profile.structural_applicable {
        return None;
    }
    let (w, h, ch) = (p.width as usize, p.height as usize, p.channels());
    let cc = match p.mode {
        ColorMode::Rgb | ColorMode::Rgba => 3,
        _ => 1,
    };
    let ws: Vec<f32> = structural::ws(&p.samples, w, h, ch, cc)
        .into_iter()
        .flatten()
        .map(|v| v as f32)
        .collect();
    let spa: Vec<f32> = structural::spa(&p.samples, w, h, ch, cc)
        .into_iter()
        .flatten()
        .map(|v| v as f32)
        .collect();
    if ws.len() != cc || spa.len() != cc {
        return None;
    }
    let mut both: Vec<f32> = ws.iter().zip(&spa).map(|(a, b)| a.min(*b)).collect();
    both.sort_by(|a, b| a.total_cmp(b));
    let rate = both[both.len() / 2];
    let chi = structural::chi_prefix(&p.samples, ch, cc);
    let score = 1.0 / (1.0 + (-(rate - RATE_MID) / RATE_WIDTH).exp());
    if score >= 0.05 {
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
        rate,
        chi_square: chi,
    })
}
