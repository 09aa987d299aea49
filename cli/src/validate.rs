//! `stegodetect validate`: the production checks of `stegodetect::validate`, with this binary
//! started as the server for the load check; writes report.json, report.md and
//! eval-report.json.
//!
//! Exit code: 0 ready, 1 not ready.

use std::path::PathBuf;

use clap::Args;
use stegodetect::validate::{self, Inputs, ServeCommand, Thresholds};

use crate::{CmdResult, DetectorArgs};

/// Options of `stegodetect validate`.
#[derive(Args)]
pub struct ValidateArgs {
    /// Labelled set, laid out as Starlight's datasets (stego images with sidecars, clean covers).
    #[arg(long, conflicts_with = "manifest")]
    dataset: Option<PathBuf>,
    /// Labelled set as a manifest (CSV or JSONL: path, label, method, ...).
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Baseline eval report (`report.json` of `stegodetect eval` or of an earlier validate) for
    /// the regression gate. Without one the benchmark check cannot pass.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Clean images the model has not seen; stego is made from them now with `embed`.
    #[arg(long)]
    fresh_covers: Option<PathBuf>,
    /// Thresholds (JSON with any of the fields printed by --print-thresholds).
    #[arg(long)]
    thresholds: Option<PathBuf>,
    /// Print the default thresholds as JSON and exit.
    #[arg(long)]
    print_thresholds: bool,
    /// Format fixtures of the edge cases (`stegodetect::validate::edge_cases::FIXTURES`), read at
    /// run time.
    #[arg(long, default_value = "tests/fixtures/clean")]
    fixtures: PathBuf,
    /// Where report.json, report.md and eval-report.json are written.
    #[arg(long, default_value = "validation-report")]
    report_dir: PathBuf,
    #[command(flatten)]
    pub(crate) detector: DetectorArgs,
}

pub fn run(a: ValidateArgs) -> CmdResult {
    if a.print_thresholds {
        println!("{}", serde_json::to_string_pretty(&Thresholds::default())?);
        return Ok(0);
    }
    let th: Thresholds = match &a.thresholds {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?
        }
        None => Thresholds::default(),
    };
    std::fs::create_dir_all(&a.report_dir)
        .map_err(|e| format!("{}: {e}", a.report_dir.display()))?;
    let inputs = Inputs {
        dataset: a.dataset.clone(),
        manifest: a.manifest.clone(),
        baseline: a.baseline.clone(),
        fresh_covers: a.fresh_covers.clone(),
        thresholds_file: a.thresholds.clone(),
        fixtures: Some(a.fixtures.clone()),
    };
    let det = a.detector.detector().map_err(|e| e.to_string());
    let serve = ServeCommand {
        exe: std::env::current_exe()?,
        args: a.detector.cli_args(),
    };
    let report = validate::run(
        det.as_ref().map_err(Clone::clone),
        &inputs,
        &th,
        Some(&serve),
        &|step| eprintln!("validate: {step}"),
    );
    if let Some(rep) = &report.eval_report {
        let p = a.report_dir.join("eval-report.json");
        std::fs::write(&p, serde_json::to_string_pretty(rep)?)
            .map_err(|e| format!("{}: {e}", p.display()))?;
    }
    let json_path = a.report_dir.join("report.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&report)? + "\n")
        .map_err(|e| format!("{}: {e}", json_path.display()))?;
    let md_path = a.report_dir.join("report.md");
    std::fs::write(&md_path, report.markdown())
        .map_err(|e| format!("{}: {e}", md_path.display()))?;
    for c in &report.checks {
        println!("{:<11} {:<8} {}", c.name, c.status.as_str(), c.summary);
        for f in &c.failures {
            println!("{:<11}          - {f}", "");
        }
    }
    println!("{}: report in {}", report.verdict, a.report_dir.display());
    Ok(if report.ready { 0 } else { 1 })
}
