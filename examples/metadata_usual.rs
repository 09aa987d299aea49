//! Learns the usual length of every metadata text field from clean images and writes the table the
//! `exif`-method rules read (`models/metadata-usual.json`, built into the library):
//!
//! ```text
//! cargo run --release --example metadata_usual -- --out models/metadata-usual.json \
//!     ../shared/data/starlight-sample/clean data/corpus/*/
//! ```
//! Give it training sources only (`../shared/data/README.md` and the model card): the sets the
//! false-positive rates are measured on must not shape the table. For each field key (source and
//! keyword, e.g. `png:Comment`, `exif:Artist`) it records how many clean images carry the field
//! as text and the longest value seen; filler (one byte or token repeated) and XMP packets are left
//! out, as the rules ignore them anyway. Deterministic: sorted keys, no timestamps.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rayon::prelude::*;
use serde_json::json;
use stegodetect::analysis::metadata::{field_key, usual_text};
use stegodetect::inputs::{walk, Input, WalkOptions};
use stegodetect::{container, Format, Limits};

fn main() {
    let mut args = std::env::args().skip(1);
    let mut out = PathBuf::from("models/metadata-usual.json");
    let mut dirs = Vec::new();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = args.next().expect("--out FILE").into(),
            _ => dirs.push(PathBuf::from(a)),
        }
    }
    assert!(!dirs.is_empty(), "give the clean source folders");
    let files: Vec<PathBuf> = walk(&dirs, WalkOptions::default())
        .filter_map(|i| match i {
            Input::File(p) => Some(p),
            _ => None,
        })
        .collect();
    let limits = Limits::default();
    let per_file: Vec<Vec<(String, usize)>> = files
        .par_iter()
        .map(|p| {
            let Ok(bytes) = std::fs::read(p) else {
                return Vec::new();
            };
            let Some(info) =
                Format::sniff(&bytes).and_then(|f| container::parse(f, &bytes, &limits).ok())
            else {
                return Vec::new();
            };
            info.metadata
                .iter()
                .filter_map(|f| usual_text(f).map(|t| (field_key(f), t.len())))
                .collect()
        })
        .collect();
    let mut fields: BTreeMap<String, (u64, usize)> = BTreeMap::new();
    for (key, len) in per_file.into_iter().flatten() {
        let e = fields.entry(key).or_default();
        e.0 += 1;
        e.1 = e.1.max(len);
    }
    let table = json!({
        "what": "longest clean value per metadata text field (examples/metadata_usual.rs)",
        "images": files.len(),
        "sources": dirs.iter().map(|d| d.file_name().map_or_else(|| d.display().to_string(), |n| n.to_string_lossy().into_owned())).collect::<Vec<_>>(),
        "fields": fields.iter().map(|(k, (n, max))| (k.clone(), json!({"images": n, "max_len": max}))).collect::<serde_json::Map<_, _>>(),
    });
    std::fs::write(&out, serde_json::to_string_pretty(&table).unwrap() + "\n").unwrap();
    eprintln!(
        "{} images, {} fields -> {}",
        files.len(),
        fields.len(),
        out.display()
    );
}
