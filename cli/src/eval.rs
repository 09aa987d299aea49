//! `stegodetect eval`: scan a labelled set (manifest or Starlight-style directory) and write a JSON
//! and Markdown report; or merge item results of earlier runs (e.g. leave-one-source-out folds).
//! Exit code 0 when the report passes its gates, 1 when it fails.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use stegodetect::eval::{self, Gates};

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
        eval::merge_runs(&a.from_items, a.detector.threshold, gates)?
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
