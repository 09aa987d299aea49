//! `stegodetect report`: the dashboard as static files (`stegodetect::report`), from JSONL
//! metrics logs or an eval report: `report.html` (data inlined, no external assets) and
//! `report.md`.

use std::path::PathBuf;

use clap::Args;
use stegodetect::report;

use crate::CmdResult;

/// Options of `stegodetect report`.
#[derive(Args)]
pub struct ReportArgs {
    /// JSONL metrics logs (rotated parts in any order; records are sorted by time).
    #[arg(long, conflicts_with = "eval", required_unless_present = "eval")]
    log: Vec<PathBuf>,
    /// An eval report (JSON) instead.
    #[arg(long)]
    eval: Option<PathBuf>,
    /// Output directory (report.html, report.md).
    #[arg(short, long)]
    out: PathBuf,
}

pub fn run(a: ReportArgs) -> CmdResult {
    let data = match &a.eval {
        Some(p) => report::from_eval(p)?,
        None => report::from_logs(&a.log)?,
    };
    let (html, md) = data.write(&a.out)?;
    eprintln!("wrote {} and {}", html.display(), md.display());
    Ok(0)
}
