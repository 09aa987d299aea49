//! Evaluation on labelled data: false-positive rate overall and per source / format / size band,
//! detection per method, method confusion, exact extraction, ROC AUC, Wilson 95 % intervals with
//! counts, and errors counted apart (never as negatives). A report that could not measure what it
//! claims (no stego, no clean, errors, a detector that never fires) fails.
//!
//! Inputs: a manifest (CSV with a header, or JSONL) with `path`, `label` (`clean`/`stego` or 0/1),
//! optional `method`, `payload_file`, `source`; or a directory laid out as Starlight's datasets,
//! where each stego image has a sidecar `<image>.json` (`embedding.technique`, `clean_file`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::analysis::Method;
use crate::detector::{read_limited, Detector};
use crate::error::{Error, Result};
pub use crate::stats::{wilson, Rate};

/// One labelled image.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LabeledItem {
    /// The image file.
    pub path: PathBuf,
    /// True label: stego or clean.
    pub stego: bool,
    /// True method, for stego images.
    pub method: Option<Method>,
    /// Expected payload, for the extraction check.
    #[serde(skip)]
    pub payload: Option<Vec<u8>>,
    /// Where the image comes from (a source name, for per-source rates).
    pub source: Option<String>,
    /// Free grouping label (e.g. payload kind or hard-negative kind) for per-kind rates.
    pub kind: Option<String>,
}

fn bad(msg: String) -> Error {
    Error::InvalidArgument(msg)
}

fn parse_label(s: &str) -> Result<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "stego" | "1" | "true" => Ok(true),
        "clean" | "0" | "false" => Ok(false),
        other => Err(bad(format!("label {other:?}: expected clean/stego or 0/1"))),
    }
}

fn parse_method(s: Option<&str>) -> Result<Option<Method>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(m) => m.parse().map(Some).map_err(bad),
    }
}

/// Read a CSV or JSONL manifest; relative paths are resolved against the manifest's folder.
pub fn load_manifest(path: &Path) -> Result<Vec<LabeledItem>> {
    let base = path.parent().unwrap_or(Path::new("."));
    let io = |e: std::io::Error| Error::Io {
        path: format!("cannot read {}", path.display()),
        file: path.to_path_buf(),
        source: e,
    };
    let text = std::fs::read_to_string(path).map_err(io)?;
    let mut rows: Vec<BTreeMap<String, String>> = Vec::new();
    if path
        .extension()
        .is_some_and(|e| e == "jsonl" || e == "json")
    {
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let v: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| bad(format!("{}:{}: {e}", path.display(), i + 1)))?;
            let obj = v
                .as_object()
                .ok_or_else(|| bad(format!("{}:{}: not an object", path.display(), i + 1)))?;
            rows.push(
                obj.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| {
                        (
                            k.clone(),
                            v.as_str().map_or_else(|| v.to_string(), str::to_string),
                        )
                    })
                    .collect(),
            );
        }
    } else {
        let mut r = csv::Reader::from_reader(text.as_bytes());
        for rec in r.deserialize::<BTreeMap<String, String>>() {
            rows.push(rec.map_err(|e| bad(format!("{}: {e}", path.display())))?);
        }
    }
    rows.into_iter()
        .map(|row| {
            let get = |k: &str| {
                row.get(k)
                    .map(String::as_str)
                    .filter(|v| !v.trim().is_empty())
            };
            let p =
                get("path").ok_or_else(|| bad(format!("{}: a row has no path", path.display())))?;
            let payload = match get("payload_file").filter(|s| !s.is_empty()) {
                Some(f) => Some(std::fs::read(base.join(f)).map_err(|e| Error::Io {
                    path: format!("cannot read {f}"),
                    file: base.join(f),
                    source: e,
                })?),
                None => None,
            };
            Ok(LabeledItem {
                path: base.join(p),
                stego: parse_label(get("label").ok_or_else(|| bad(format!("{p}: no label")))?)?,
                method: parse_method(get("method"))?,
                payload,
                source: get("source").map(str::to_string),
                kind: get("kind").map(str::to_string),
            })
        })
        .collect()
}

/// A Starlight-style dataset: every image with a sidecar is stego (its `embedding.technique`),
/// every `clean_file` a sidecar names (looked up in `../clean/` or beside it) is clean, and images
/// in a `clean/` folder are clean.
pub fn load_sidecar_dir(dir: &Path) -> Result<Vec<LabeledItem>> {
    let mut items = BTreeMap::new();
    let walk = |d: &Path| -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)
            .into_iter()
            .flatten()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .collect();
        v.sort();
        v
    };
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for p in walk(&d) {
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if let Some(img) = name.strip_suffix(".json") {
                let side: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(&p).map_err(|e| Error::Io {
                        path: format!("cannot read {}", p.display()),
                        file: p.to_path_buf(),
                        source: e,
                    })?)
                    .map_err(|e| bad(format!("{}: {e}", p.display())))?;
                let Some(tech) = side["embedding"]["technique"].as_str() else {
                    continue;
                };
                let stego = canonical(&d.join(img));
                items.insert(
                    stego.clone(),
                    LabeledItem {
                        path: stego,
                        stego: true,
                        method: parse_method(Some(tech))?,
                        payload: None,
                        source: None,
                        kind: None,
                    },
                );
                if let Some(c) = side["clean_file"].as_str() {
                    let clean = [d.join("../clean").join(c), d.join(c)]
                        .into_iter()
                        .find(|q| q.is_file())
                        .map(|q| canonical(&q));
                    if let Some(clean) = clean {
                        items.entry(clean.clone()).or_insert(LabeledItem {
                            path: clean,
                            stego: false,
                            method: None,
                            payload: None,
                            source: None,
                            kind: None,
                        });
                    }
                }
            } else if d.file_name().is_some_and(|n| n == "clean") {
                let p = canonical(&p);
                items.entry(p.clone()).or_insert(LabeledItem {
                    path: p,
                    stego: false,
                    method: None,
                    payload: None,
                    source: None,
                    kind: None,
                });
            }
        }
    }
    Ok(items.into_values().collect())
}

/// The same file under one name (`stego/../clean/x` and `clean/x` must not count twice).
fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// What the detector said about one item.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemResult {
    /// The image file.
    pub path: PathBuf,
    /// Source name (manifest `source`, else the parent folder).
    pub source: String,
    /// Grouping label from the manifest.
    #[serde(default)]
    pub kind: Option<String>,
    /// True label: stego or clean.
    pub stego: bool,
    /// True method, for stego images.
    pub method: Option<Method>,
    /// Detected format, when scanned.
    pub format: Option<String>,
    /// Pixel count, when scanned.
    pub pixels: Option<u64>,
    /// The detector's probability, when scanned.
    pub probability: Option<f32>,
    /// The verdict; `None` when the image could not be scanned.
    pub flagged: Option<bool>,
    /// The method the detector named.
    pub predicted_method: Option<Method>,
    /// Expected payload recovered byte-exact (when an expected payload was given).
    pub exact: Option<bool>,
    /// Why the image could not be scanned.
    pub error: Option<String>,
    /// Scan time of this image in microseconds (decode to verdict), when scanned.
    #[serde(default)]
    pub total_us: Option<u64>,
}

/// Scan every item in parallel.
pub fn run(det: &Detector, items: &[LabeledItem]) -> Vec<ItemResult> {
    let max = det.options().limits.max_file_bytes;
    items
        .par_iter()
        .map(|it| {
            let source = it.source.clone().unwrap_or_else(|| {
                it.path
                    .parent()
                    .and_then(|p| p.file_name())
                    .map_or("-".into(), |n| n.to_string_lossy().into_owned())
            });
            let mut r = ItemResult {
                path: it.path.clone(),
                source,
                kind: it.kind.clone(),
                stego: it.stego,
                method: it.method,
                format: None,
                pixels: None,
                probability: None,
                flagged: None,
                predicted_method: None,
                exact: None,
                error: None,
                total_us: None,
            };
            match read_limited(&it.path, max).and_then(|b| det.scan_bytes(&b)) {
                Ok(s) => {
                    r.format = Some(s.image.format.as_str().to_string());
                    r.pixels = Some(s.image.width as u64 * s.image.height as u64);
                    r.probability = Some(s.probability);
                    r.flagged = Some(s.is_stego);
                    r.predicted_method = s.method;
                    r.exact = it
                        .payload
                        .as_ref()
                        .map(|want| s.payloads.iter().any(|p| &p.bytes == want));
                    r.total_us = Some(s.timings.total_us);
                }
                Err(e) => r.error = Some(e.to_string()),
            }
            r
        })
        .collect()
}

/// Thresholds a report must meet to pass.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Gates {
    /// Highest false-positive rate that passes.
    pub max_fpr: f64,
    /// Lowest detection rate that passes.
    pub min_detection: f64,
}

impl Default for Gates {
    fn default() -> Self {
        Gates {
            max_fpr: 0.01,
            min_detection: 0.9,
        }
    }
}

/// The evaluation report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    /// Model id (or the merged fold models), `None` for the rules.
    pub model: Option<String>,
    /// Model SHA-256.
    pub model_sha256: Option<String>,
    /// Decision threshold used.
    pub threshold: f32,
    /// Images in the set.
    pub images: u64,
    /// Images that could not be scanned (never counted as clean).
    pub errors: Rate,
    /// Clean images flagged.
    pub fpr: Rate,
    /// Stego images flagged.
    pub detection: Rate,
    /// False-positive rate per source.
    pub fpr_by_source: BTreeMap<String, Rate>,
    /// False-positive rate per format.
    pub fpr_by_format: BTreeMap<String, Rate>,
    /// False-positive rate per size band.
    pub fpr_by_size: BTreeMap<String, Rate>,
    /// Detection rate per source.
    pub detection_by_source: BTreeMap<String, Rate>,
    /// Detection rate per true method.
    pub detection_by_method: BTreeMap<String, Rate>,
    /// Detected with the right method, per true method.
    pub method_correct_by_method: BTreeMap<String, Rate>,
    /// Detection rate per size band.
    pub detection_by_size: BTreeMap<String, Rate>,
    /// Detection per (method, kind) when the manifest gives kinds (e.g. `lsb.rgb/seed-text`).
    pub detection_by_kind: BTreeMap<String, Rate>,
    /// False positives per kind of clean image (e.g. hard-negative kinds).
    pub fpr_by_kind: BTreeMap<String, Rate>,
    /// True method -> predicted (`clean` or a method) -> count.
    pub confusion: BTreeMap<String, BTreeMap<String, u64>>,
    /// Expected payloads recovered byte-exact.
    pub extraction_exact: Rate,
    /// Area under the ROC curve of the probabilities.
    pub roc_auc: Option<f64>,
    /// Wall time of the scans.
    pub seconds: f64,
    /// Per-image scan latency (`latency.total.p50_us` / `p95_us` / `p99_us`), read by the
    /// regression gate.
    pub latency: BTreeMap<String, BTreeMap<String, u64>>,
    /// Scanned images per second of wall time.
    pub images_per_second: f64,
    /// Whether every gate passed and everything could be measured.
    pub passed: bool,
    /// Why the report failed.
    pub failures: Vec<String>,
}

fn size_band(px: Option<u64>) -> String {
    match px {
        None => "unknown".into(),
        Some(0..=4_095) => "< 64x64".into(),
        Some(4_096..=65_535) => "< 256x256".into(),
        Some(65_536..=1_048_575) => "< 1 MP".into(),
        Some(_) => ">= 1 MP".into(),
    }
}

fn tally(map: &mut BTreeMap<String, (u64, u64)>, key: String, hit: bool) {
    let e = map.entry(key).or_default();
    e.0 += hit as u64;
    e.1 += 1;
}

fn rates(m: BTreeMap<String, (u64, u64)>) -> BTreeMap<String, Rate> {
    m.into_iter()
        .map(|(k, (h, n))| (k, Rate::new(h, n)))
        .collect()
}

/// ROC AUC of scores for positives against negatives, by the rank statistic (ties count one
/// half); `None` when either side is empty.
pub fn roc_auc(pos: &[f32], neg: &[f32]) -> Option<f64> {
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let mut all: Vec<(f32, bool)> = pos
        .iter()
        .map(|&p| (p, true))
        .chain(neg.iter().map(|&p| (p, false)))
        .collect();
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut rank_sum, mut i) = (0.0f64, 0usize);
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0.total_cmp(&all[i].0).is_eq() {
            j += 1;
        }
        let avg = (i + j + 1) as f64 / 2.0; // ranks i+1..=j
        rank_sum += all[i..j].iter().filter(|x| x.1).count() as f64 * avg;
        i = j;
    }
    let (np, nn) = (pos.len() as f64, neg.len() as f64);
    Some((rank_sum - np * (np + 1.0) / 2.0) / (np * nn))
}

/// Percentiles of the per-image scan times (nearest rank).
fn latency(items: &[ItemResult]) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut t: Vec<u64> = items.iter().filter_map(|i| i.total_us).collect();
    if t.is_empty() {
        return BTreeMap::new();
    }
    t.sort_unstable();
    let q = |p: f64| crate::stats::percentile(&t, p);
    let row = [("p50_us", q(0.5)), ("p95_us", q(0.95)), ("p99_us", q(0.99))]
        .map(|(k, v)| (k.to_string(), v));
    BTreeMap::from([("total".to_string(), BTreeMap::from(row))])
}

/// Compute the report from item results.
pub fn report(
    items: &[ItemResult],
    model: Option<(&str, &str)>,
    threshold: f32,
    seconds: f64,
    gates: Gates,
) -> Report {
    let (mut fs, mut ff, mut fz, mut ds, mut dm, mut mm, mut dz) = Default::default();
    // (hits, n) per key: detection by payload-size band, flags by format
    type Counts = BTreeMap<String, (u64, u64)>;
    let (mut dk, mut fk): (Counts, Counts) = Default::default();
    let mut confusion: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let (mut pos, mut neg) = (Vec::new(), Vec::new());
    let (mut fp, mut clean_n, mut tp, mut stego_n, mut err, mut ex_k, mut ex_n) =
        (0, 0, 0, 0, 0, 0, 0);
    for it in items {
        let Some(flag) = it.flagged else {
            err += 1;
            continue;
        };
        let p = it.probability.unwrap_or(0.0);
        if let Some(e) = it.exact {
            ex_k += e as u64;
            ex_n += 1;
        }
        if it.stego {
            stego_n += 1;
            tp += flag as u64;
            pos.push(p);
            let m = it
                .method
                .map_or("unknown".to_string(), |m| m.name().to_string());
            tally(&mut ds, it.source.clone(), flag);
            tally(&mut dm, m.clone(), flag);
            tally(&mut mm, m.clone(), flag && it.predicted_method == it.method);
            tally(&mut dz, size_band(it.pixels), flag);
            if let Some(k) = &it.kind {
                tally(&mut dk, format!("{m}/{k}"), flag);
            }
            let pred = if flag {
                it.predicted_method.map_or("unknown", |m| m.name())
            } else {
                "clean"
            };
            *confusion
                .entry(m)
                .or_default()
                .entry(pred.to_string())
                .or_default() += 1;
        } else {
            clean_n += 1;
            fp += flag as u64;
            neg.push(p);
            tally(&mut fs, it.source.clone(), flag);
            tally(&mut ff, it.format.clone().unwrap_or_default(), flag);
            tally(&mut fz, size_band(it.pixels), flag);
            if let Some(k) = &it.kind {
                tally(&mut fk, k.clone(), flag);
            }
        }
    }
    let n = items.len() as u64;
    let fpr = Rate::new(fp, clean_n);
    let detection = Rate::new(tp, stego_n);
    let mut failures = Vec::new();
    if err > 0 {
        failures.push(format!("{err} of {n} images could not be scanned"));
    }
    if clean_n == 0 {
        failures.push("no clean image was scanned: no false-positive rate".into());
    }
    if stego_n == 0 {
        failures.push("no stego image was scanned: no detection rate".into());
    }
    if stego_n > 0 && tp == 0 {
        failures.push("the detector flagged no stego image at all".into());
    }
    if clean_n > 0 && fpr.rate > gates.max_fpr {
        failures.push(format!(
            "false-positive rate {:.4} above {:.4}",
            fpr.rate, gates.max_fpr
        ));
    }
    if stego_n > 0 && detection.rate < gates.min_detection {
        failures.push(format!(
            "detection rate {:.4} below {:.4}",
            detection.rate, gates.min_detection
        ));
    }
    Report {
        model: model.map(|m| m.0.to_string()),
        model_sha256: model.map(|m| m.1.to_string()),
        threshold,
        images: n,
        errors: Rate::new(err, n),
        fpr,
        detection,
        fpr_by_source: rates(fs),
        fpr_by_format: rates(ff),
        fpr_by_size: rates(fz),
        detection_by_source: rates(ds),
        detection_by_method: rates(dm),
        method_correct_by_method: rates(mm),
        detection_by_size: rates(dz),
        detection_by_kind: rates(dk),
        fpr_by_kind: rates(fk),
        confusion,
        extraction_exact: Rate::new(ex_k, ex_n),
        roc_auc: roc_auc(&pos, &neg),
        seconds,
        latency: latency(items),
        images_per_second: if seconds > 0.0 {
            (n - err) as f64 / seconds
        } else {
            0.0
        },
        passed: failures.is_empty(),
        failures,
    }
}

/// Scan and report in one call.
pub fn evaluate(det: &Detector, items: &[LabeledItem], gates: Gates) -> (Vec<ItemResult>, Report) {
    let t = Instant::now();
    let results = run(det, items);
    let secs = t.elapsed().as_secs_f64();
    let model = det.model().map(|m| (m.id.as_str(), m.sha256.as_str()));
    let rep = report(&results, model, det.options().threshold, secs, gates);
    (results, rep)
}

fn pct(r: &Rate) -> String {
    format!(
        "{:.2} % ({}/{}, 95 % CI {:.2}-{:.2} %)",
        r.rate * 100.0,
        r.k,
        r.n,
        r.lo * 100.0,
        r.hi * 100.0
    )
}

/// Merge the item results of earlier runs (`items.jsonl` files, e.g. the folds of a
/// leave-one-source-out evaluation) into one report. Each file's `report.json` beside it gives
/// the scan time, the threshold the items were scanned at and the model; several models are
/// named as "N models merged: ...". `threshold` is used only when no run recorded one.
pub fn merge_runs<P: AsRef<Path>>(
    item_files: &[P],
    threshold: f32,
    gates: Gates,
) -> Result<(Vec<ItemResult>, Report)> {
    let mut items: Vec<ItemResult> = Vec::new();
    let (mut models, mut secs, mut recorded) = (Vec::<(String, String)>::new(), 0.0, None);
    for f in item_files {
        let f = f.as_ref();
        let io = |e: std::io::Error| Error::Io {
            path: format!("cannot read {}", f.display()),
            file: f.to_path_buf(),
            source: e,
        };
        let text = std::fs::read_to_string(f).map_err(io)?;
        for (i, line) in text.lines().enumerate() {
            items.push(
                serde_json::from_str(line).map_err(|e| {
                    Error::InvalidArgument(format!("{}:{}: {e}", f.display(), i + 1))
                })?,
            );
        }
        let rep = f.with_file_name("report.json");
        if let Ok(r) = std::fs::read(&rep) {
            let r: Report = serde_json::from_slice(&r)
                .map_err(|e| Error::InvalidArgument(format!("{}: {e}", rep.display())))?;
            secs += r.seconds;
            recorded.get_or_insert(r.threshold);
            models.extend(r.model.zip(r.model_sha256));
        }
    }
    models.sort();
    models.dedup();
    // several fold models (leave-one-source-out) are named as such, not as the last one
    let model = match models.len() {
        0 => None,
        1 => models.pop(),
        n => Some((
            format!(
                "{n} models merged: {}",
                models
                    .iter()
                    .map(|m| m.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "-".into(),
        )),
    };
    let m = model.as_ref().map(|(a, b)| (a.as_str(), b.as_str()));
    // the threshold the items were scanned at, not the caller's
    let rep = report(&items, m, recorded.unwrap_or(threshold), secs, gates);
    Ok((items, rep))
}

/// The report as Markdown.
pub fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let verdict = if r.passed {
        "PASSED".to_string()
    } else {
        format!("FAILED: {}", r.failures.join("; "))
    };
    s += &format!("# Evaluation report\n\n**{verdict}**\n\n");
    s += &format!(
        "- model: {} ({})\n- threshold: {}\n- images: {} ({} errors, counted apart)\n- throughput: {:.1} images/s over {:.1} s\n",
        r.model.as_deref().unwrap_or("rules"),
        r.model_sha256.as_deref().map_or("-".into(), |h| h[..12.min(h.len())].to_string()),
        r.threshold,
        r.images,
        r.errors.k,
        r.images_per_second,
        r.seconds
    );
    s += &format!(
        "- false-positive rate: {}\n- detection rate: {}\n",
        pct(&r.fpr),
        pct(&r.detection)
    );
    s += &format!("- exact extraction: {}\n", pct(&r.extraction_exact));
    s += &format!(
        "- ROC AUC: {}\n",
        r.roc_auc.map_or("-".into(), |a| format!("{a:.4}"))
    );
    if let Some(t) = r.latency.get("total") {
        s += &format!(
            "- per-image scan time: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms\n",
            t["p50_us"] as f64 / 1e3,
            t["p95_us"] as f64 / 1e3,
            t["p99_us"] as f64 / 1e3
        );
    }
    s += "\n";
    let table = |s: &mut String, title: &str, m: &BTreeMap<String, Rate>| {
        if m.is_empty() {
            return;
        }
        *s += &format!("## {title}\n\n| group | rate | k / n | 95 % CI |\n|---|---|---|---|\n");
        for (k, v) in m {
            *s += &format!(
                "| {k} | {:.2} % | {}/{} | {:.2}-{:.2} % |\n",
                v.rate * 100.0,
                v.k,
                v.n,
                v.lo * 100.0,
                v.hi * 100.0
            );
        }
        *s += "\n";
    };
    table(&mut s, "Detection by method", &r.detection_by_method);
    table(
        &mut s,
        "Detected with the right method",
        &r.method_correct_by_method,
    );
    table(&mut s, "Detection by size", &r.detection_by_size);
    table(
        &mut s,
        "Detection by method and payload kind",
        &r.detection_by_kind,
    );
    table(&mut s, "Detection by source", &r.detection_by_source);
    table(&mut s, "False positives by source", &r.fpr_by_source);
    table(&mut s, "False positives by format", &r.fpr_by_format);
    table(&mut s, "False positives by size", &r.fpr_by_size);
    table(
        &mut s,
        "False positives by kind of clean image",
        &r.fpr_by_kind,
    );
    if !r.confusion.is_empty() {
        // Starlight's five always, the JPEG-domain methods when any row has them
        let seen = |name: &str| {
            r.confusion
                .iter()
                .any(|(m, row)| m == name || row.contains_key(name))
        };
        let cols: Vec<&str> = std::iter::once("clean")
            .chain(
                crate::vocab::Method::ALL
                    .iter()
                    .filter(|m| !m.is_jpeg_domain() || seen(m.name()))
                    .map(|m| m.name()),
            )
            .collect();
        s += "## Method confusion (rows: true method)\n\n| true \\ predicted | ";
        s += &cols.join(" | ");
        s += " |\n|---|";
        s += &"---|".repeat(cols.len());
        s += "\n";
        for (m, row) in &r.confusion {
            s += &format!("| {m} | ");
            s += &cols
                .iter()
                .map(|c| row.get(*c).copied().unwrap_or(0).to_string())
                .collect::<Vec<_>>()
                .join(" | ");
            s += " |\n";
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_and_auc() {
        let (lo, hi) = wilson(0, 100);
        assert!(lo == 0.0 && (hi - 0.037).abs() < 0.001);
        assert_eq!(roc_auc(&[0.9, 0.8], &[0.1, 0.2]), Some(1.0));
        assert_eq!(roc_auc(&[0.5], &[0.5]), Some(0.5));
        assert_eq!(roc_auc(&[0.1], &[0.9]), Some(0.0));
    }
}
