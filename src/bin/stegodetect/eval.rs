//! `stegodetect eval`: scan a labelled set (manifest or Starlight-style directory) and write a JSON
//! and Markdown report; or merge item results of earlier runs (e.g. leave-one-source-out folds).
//! Exit code 0 when the report passes its gates, 1 when it fails.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use stegodetect::eval::{self, Gates, ItemResult};

use crate::{CmdResult, DetectorArgs};

#[derive(Args)]
pub struct EvalArgs {
    /// Manifest (CSV with header, or JSONL): path, label (clean/stego), method, payload_file, source.
    #[arg(long, conflicts_with_all = ["dataset", "from_items"])]
    manifest: Option<PathBuf>,
    /// Directory laid out as Starlight's datasets (stego images with `<image>.json` sidecars).
    #[arg(long, conflicts_with = "from_items")]
    dataset: Option<PathBuf>,
    /// Item results (items.jsonl of earlier evals) to merge into one report instead of scanning.
    #[arg(long, num_args = 1..)]
    from_items: Vec<PathBuf>,
    /// Where report.json, report.md and items.jsonl are written.
    #[arg(long, default_value = "eval-report")]
    report_dir: PathBuf,
    /// The report fails above this false-positive rate.
    #[arg(long, default_value_t = Gates::default().max_fpr)]
    max_fpr: f64,
    /// The report fails below this detection rate.
    #[arg(long, default_value_t = Gates::default().min_detection)]
    min_detection: f64,
    #[command(flatten)]
    detector: DetectorArgs,
}

pub fn run(a: EvalArgs) -> CmdResult {
    let gates = Gates {
        max_fpr: a.max_fpr,
        min_detection: a.min_detection,
    };
    let (items, report) = if !a.from_items.is_empty() {
        let mut items: Vec<ItemResult> = Vec::new();
        let (mut models, mut secs, mut threshold) = (Vec::<(String, String)>::new(), 0.0, None);
        for f in &a.from_items {
            let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
            for (i, line) in text.lines().enumerate() {
                items.push(
                    serde_json::from_str(line)
                        .map_err(|e| format!("{}:{}: {e}", f.display(), i + 1))?,
                );
            }
            let rep = f.with_file_name("report.json");
            if let Ok(r) = std::fs::read(&rep) {
                let r: eval::Report = serde_json::from_slice(&r)?;
                secs += r.seconds;
                threshold.get_or_insert(r.threshold);
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
        // the threshold the items were scanned at, not this command's flag
        let rep = eval::report(
            &items,
            m,
            threshold.unwrap_or(a.detector.threshold),
            secs,
            gates,
        );
        (items, rep)
    } else {
        let labelled = match (&a.manifest, &a.dataset) {
            (Some(m), _) => eval::load_manifest(m)?,
            (None, Some(d)) => eval::load_sidecar_dir(d)?,
            (None, None) => return Err("give --manifest, --dataset or --from-items".into()),
        };
        let det = a.detector.detector()?;
        eval::evaluate(&det, &labelled, gates)
    };
    std::fs::create_dir_all(&a.report_dir)?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(a.report_dir.join("items.jsonl"))?);
    for it in &items {
        writeln!(f, "{}", serde_json::to_string(it)?)?;
    }
    f.flush()?;
    std::fs::write(
        a.report_dir.join("report.json"),
        serde_json::to_string_pretty(&report)? + "\n",
    )?;
    let md = eval::markdown(&report);
    std::fs::write(a.report_dir.join("report.md"), &md)?;
    print!("{md}");
    Ok(if report.passed { 0 } else { 1 })
}
