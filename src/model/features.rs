//! The documented, versioned feature vector (`features` [N, K]) that learned models read. It is
//! computed from the rule analyses of one image (the evidence, image profile, structural estimates
//! and container facts of a [`ScanResult`]), never from the file name. It deliberately carries only
//! evidence, no context: no format or colour-mode flags, no image size, flatness or colour count,
//! no raw metadata lengths, and no raw structural statistics (WS/SPA/chi-square values): the rules'
//! structural score carries that evidence, gated by image type. With context features, a model
//! trained leave-one-source-out learned which kinds of image carried stego in the training data and
//! flagged 1.2 % of held-out clean images (95 of 7,878); with the raw structural statistics it
//! turned weak, natural WS/SPA elevations on photos into stego verdicts. See models/README.md.
//! Version 2 adds `structural_score`: the same gated structural evidence below the cut at which
//! it becomes a finding (held at the cut above it, where `score_lsb_rgb` carries it), so that the
//! probability of a clean image ranks it (ROC curves, operating points) instead of being one
//! constant for every image without a finding. Fed uncut, the model counted strong structural
//! evidence twice and flagged a clean Starlight cover at WS 0.07 (p 0.56).
//! Version 3 adds the WS statistic where its cover model is not trusted (flat, saturated,
//! few-colour and tiny images, where version 2 had no structural input and 88 % of 23,834 clean
//! images shared one probability), never a finding: `ws_untrusted_score` on the bounded scale of
//! `structural_score`, and `ws_untrusted_below`, `asinh(rate / midpoint)` held at 0, which orders
//! images below any evidence (the logistic scale underflows on the rates of -1 to -7 synthetic
//! images give). See [`crate::analysis::pixels::StructuralReport::untrusted_scores`]. Also tried:
//! linear strengths of the trusted WS and flat-neighbourhood estimates (the model learned a steep
//! weight on the flat one and flagged 8 of 397 clean held-out photo tiles with no finding), and
//! the untrusted strength alone on the asinh scale (leave-one-source-out ROC AUC 0.962 against
//! 0.970 with the two features).
//! Version 4 adds the pair balance of the colour samples, palette indices and alpha samples
//! ([`crate::analysis::pairs`], on a bounded scale, 0 where absent): a continuous input on every
//! lossless image, palette and alpha included (a third of 48,350 clean images of icon themes and
//! games, mostly palette and tiny icons, still shared one probability with version 3). It also
//! gives the sequential analysis its own input, `sequential_score`, taken out of the per-method
//! rule scores: sharing `score_lsb_rgb`, its findings of 1.0 on random payloads taught the model
//! to turn weak WS findings (0.06-0.1) on held-out textures into p 0.99.

use crate::analysis::pairs::PairBalance;
use crate::analysis::Method;
use crate::container::TrailerKind;
use crate::extract::PayloadEncoding;
use crate::verdict::ScanResult;

/// Version of the feature layout; a model trained on another version is refused.
pub const FEATURES_VERSION: u32 = 4;

/// Names of the features, in order (`K = FEATURE_NAMES.len()`).
pub const FEATURE_NAMES: [&str; 28] = [
    // rule scores per method (Starlight class order), the sequential analysis apart
    "score_alpha",
    "score_palette",
    "score_lsb_rgb",
    "score_exif",
    "score_raw",
    // content search (best hit over all streams)
    "content_score",
    "content_log2_len",
    "content_complete",
    "content_ai42",
    "content_text",
    "content_length_prefixed",
    "content_magic",
    "content_streams_hit",
    // alpha plane and palette structure
    "alpha_plane_score",
    "palette_structure_score",
    // metadata
    "metadata_score",
    // data after the image
    "trailer_log2_len",
    "trailer_entropy",
    "trailer_printable",
    "trailer_known_legit",
    "trailer_padding",
    // continuous structural evidence (version 2)
    "structural_score",
    // WS where it is not trusted, never a finding (version 3)
    "ws_untrusted_score",
    "ws_untrusted_below",
    // pair balance of the samples, every lossless image (version 4)
    "pairs_colour",
    "pairs_palette",
    "pairs_alpha",
    // the sequential analysis's strongest finding, any method (version 4)
    "sequential_score",
];

/// Number of features.
pub const N_FEATURES: usize = FEATURE_NAMES.len();

fn log2p(x: usize) -> f32 {
    (1.0 + x as f32).log2()
}

/// The feature vector of one scanned image.
pub fn extract(r: &ScanResult) -> [f32; N_FEATURES] {
    let mut f = [0f32; N_FEATURES];
    let by = |analysis: &'static str| r.findings.iter().filter(move |e| e.analysis == analysis);
    // class order of Method::ALL; the rule scores without the sequential analysis, which has its
    // own input
    for (slot, m) in f[..5].iter_mut().zip(Method::STARLIGHT) {
        *slot = r
            .findings
            .iter()
            .filter(|e| e.method == m && e.analysis != "sequential")
            .map(|e| e.score.clamp(0.0, 1.0))
            .fold(0.0, f32::max);
    }
    if let Some(best) = by("content").max_by(|a, b| a.score.total_cmp(&b.score)) {
        f[5] = best.score;
        if let Some(p) = &best.payload {
            f[6] = log2p(p.bytes.len());
            f[7] = p.complete as u8 as f32;
            let slot = match p.encoding {
                PayloadEncoding::Ai42 => 8,
                PayloadEncoding::Text => 9,
                PayloadEncoding::LengthPrefixed => 10,
                _ => 11,
            };
            f[slot] = 1.0;
        }
    }
    f[12] = by("content").count() as f32;
    f[13] = by("alpha-plane").map(|e| e.score).fold(0.0, f32::max);
    f[14] = by("palette").map(|e| e.score).fold(0.0, f32::max);
    f[15] = by("metadata").map(|e| e.score).fold(0.0, f32::max);
    if let Some(t) = &r.container.trailer {
        f[16] = log2p(t.length);
        f[17] = t.entropy;
        f[18] = t.printable_ratio;
        f[19] = t.known_legit as u8 as f32;
        f[20] = (t.kind == TrailerKind::Padding) as u8 as f32;
    }
    f[21] = r.structural.as_ref().and_then(|s| s.score).unwrap_or(0.0);
    if let Some((score, below)) = r.structural.as_ref().and_then(|s| s.untrusted_scores()) {
        f[22] = score;
        f[23] = below;
    }
    // colour pairs only where WS is not trusted: beside a trusted WS estimate they only added
    // noise to the ranking of weak scattered embedding
    if r.structural.as_ref().is_none_or(|s| s.rate.is_none()) {
        f[24] = PairBalance::evidence(r.pairs.colour);
    }
    f[25] = PairBalance::evidence(r.pairs.palette);
    f[26] = PairBalance::evidence(r.pairs.alpha);
    f[27] = by("sequential").map(|e| e.score).fold(0.0, f32::max);
    f
}
