//! Check 2: stego made now from covers the model has not seen, every method, then scanned.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::json;

use super::{Check, Thresholds};
use crate::detector::Detector;
use crate::embed::{self, EmbedOptions};
use crate::stats::Rate;
use crate::vocab::{BitOrder, Method};

/// Deterministic payload text of a given length band for fresh stego.
fn payload(i: usize, method: Method) -> Vec<u8> {
    const WORDS: [&str; 16] = [
        "orbit", "lantern", "harbor", "quiet", "signal", "meridian", "copper", "willow", "static",
        "ember", "cipher", "tundra", "velvet", "atlas", "monsoon", "granite",
    ];
    let mut s = format!("validate {} {} ", method.name(), i);
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let len = 48 + (i * 37) % 160;
    while s.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s += WORDS[(x % 16) as usize];
        s.push(' ');
    }
    s.into_bytes()
}

/// The image files under `dir` (the library's walk: symlinks followed, unreadable entries left
/// out since covers are only material here).
fn list_images(dir: &Path) -> Vec<PathBuf> {
    let dirs = [dir.to_path_buf()];
    crate::inputs::walk(&dirs, Default::default())
        .filter_map(|i| match i {
            crate::inputs::Input::File(p) => Some(p),
            _ => None,
        })
        .collect()
}

/// Check 2: stego made now from covers the model has not seen, every method, then scanned.
pub fn check(det: &Detector, covers: Option<&Path>, th: &Thresholds) -> Check {
    const NAME: &str = "fresh data";
    let Some(dir) = covers else {
        return Check::not_run(NAME, "no fresh covers (--fresh-covers DIR)".into());
    };
    let files: Vec<PathBuf> = list_images(dir)
        .into_iter()
        .take(th.fresh_max_covers)
        .collect();
    if files.is_empty() {
        return Check::not_run(NAME, format!("no images in {}", dir.display()));
    }
    // per method: (made, detected, right method, payload exact); not embeddable counted apart
    let mut per: std::collections::BTreeMap<&str, [u64; 4]> = Default::default();
    let mut not_embeddable: std::collections::BTreeMap<&str, u64> = Default::default();
    let (mut clean_n, mut clean_fp, mut errors) = (0u64, 0u64, Vec::<String>::new());
    let results: Vec<_> = files
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            let mut out = Vec::new();
            let Ok(cover) = std::fs::read(p) else {
                return (p, Err("unreadable".to_string()), out);
            };
            let clean = det.scan_bytes(&cover).map(|r| r.is_stego);
            for (k, m) in Method::STARLIGHT.iter().enumerate() {
                let data = payload(i * 5 + k, *m);
                let mut o = EmbedOptions::new(*m);
                o.bit_order = if (i + k) % 2 == 0 {
                    BitOrder::MsbFirst
                } else {
                    BitOrder::LsbFirst
                };
                match embed::embed(&cover, &data, &o) {
                    Err(_) => out.push((*m, None)),
                    Ok(s) => {
                        let r = det.scan_bytes(&s.bytes).map(|r| {
                            let exact = r
                                .findings
                                .iter()
                                .filter_map(|f| f.payload.as_ref())
                                .any(|pl| pl.bytes == data);
                            (r.is_stego, r.method == Some(*m), exact)
                        });
                        out.push((*m, Some(r.map_err(|e| e.to_string()))));
                    }
                }
            }
            (p, clean.map_err(|e| e.to_string()), out)
        })
        .collect();
    for (p, clean, out) in results {
        match clean {
            Ok(flagged) => {
                clean_n += 1;
                clean_fp += flagged as u64;
            }
            Err(e) => errors.push(format!("cover {}: {e}", p.display())),
        }
        for (m, r) in out {
            match r {
                None => *not_embeddable.entry(m.name()).or_default() += 1,
                Some(Err(e)) => errors.push(format!("{} stego of {}: {e}", m.name(), p.display())),
                Some(Ok((hit, right, exact))) => {
                    let e = per.entry(m.name()).or_default();
                    e[0] += 1;
                    e[1] += hit as u64;
                    e[2] += right as u64;
                    e[3] += exact as u64;
                }
            }
        }
    }
    let mut failures = Vec::new();
    let mut by_method = serde_json::Map::new();
    for m in Method::STARLIGHT {
        let [n, hit, right, exact] = per.get(m.name()).copied().unwrap_or_default();
        if n < th.fresh_min_per_method {
            failures.push(format!(
                "{}: only {n} stego images could be made (at least {} needed)",
                m.name(),
                th.fresh_min_per_method
            ));
        } else if (hit as f64) < th.fresh_min_detection * n as f64 {
            failures.push(format!(
                "{}: detection {hit}/{n} below {:.1} %",
                m.name(),
                100.0 * th.fresh_min_detection
            ));
        }
        by_method.insert(
            m.name().into(),
            json!({"n": n, "detected": Rate::new(hit, n), "right_method": Rate::new(right, n),
                   "payload_exact": Rate::new(exact, n),
                   "not_embeddable": not_embeddable.get(m.name()).copied().unwrap_or(0)}),
        );
    }
    if (clean_fp as f64) > th.fresh_max_fpr * clean_n as f64 {
        failures.push(format!(
            "covers flagged {clean_fp}/{clean_n}, above {:.1} %",
            100.0 * th.fresh_max_fpr
        ));
    }
    if !errors.is_empty() {
        failures.push(format!(
            "{} scans failed (first: {})",
            errors.len(),
            errors[0]
        ));
    }
    let made: u64 = per.values().map(|v| v[0]).sum();
    let hit: u64 = per.values().map(|v| v[1]).sum();
    Check::new(
        NAME,
        format!(
            "{} covers from {}: {hit}/{made} fresh stego detected, {clean_fp}/{clean_n} covers flagged",
            files.len(),
            dir.display()
        ),
        failures,
        json!({"covers": files.len(), "cover_fpr": Rate::new(clean_fp, clean_n),
               "by_method": by_method, "errors": errors.len()}),
    )
}
