//! `stegodetect report`: the dashboard as static files (`stegodetect::report`), from JSONL
//! metrics logs or an eval report: `report.html` (data inlined, no external assets) and
//! `report.md`. With `--inspect`, the inspect page of every listed detection whose file is
//! still readable is written under `DIR/inspect/` and linked from both.

use std::path::PathBuf;

use clap::Args;
use stegodetect::inspect::page;
use stegodetect::report;

use crate::{CmdResult, DetectorArgs};

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
    /// Also write the inspect page of each listed detection whose file can be read
    /// (`DIR/inspect/N/index.html`, the latest first, at most `--inspect-max`) and link it.
    #[arg(long)]
    inspect: bool,
    /// Most inspect pages written.
    #[arg(long, default_value_t = 100)]
    inspect_max: usize,
    #[command(flatten)]
    detector: DetectorArgs,
}

pub fn run(a: ReportArgs) -> CmdResult {
    let mut data = match &a.eval {
        Some(p) => report::from_eval(p)?,
        None => report::from_logs(&a.log)?,
    };
    if a.inspect {
        let det = a.detector.detector()?;
        let max = det.options().limits.max_file_bytes;
        let mut written = 0usize;
        let mut unreadable = 0usize;
        if let Some(list) = data.data["detections"].as_array_mut() {
            for (n, d) in list.iter_mut().rev().enumerate() {
                if written >= a.inspect_max {
                    break;
                }
                let Some(file) = d["file"].as_str().map(PathBuf::from) else {
                    continue;
                };
                // a file that moved or changed since the scan is not inspected
                let page = stegodetect::read_limited(&file, max)
                    .and_then(|b| det.inspect(&b))
                    .and_then(|i| page::render(&i, &file.display().to_string()));
                let Ok(page) = page else {
                    unreadable += 1;
                    continue;
                };
                let dir = a.out.join("inspect").join(n.to_string());
                std::fs::create_dir_all(&dir)?;
                std::fs::write(dir.join("index.html"), &page.html)?;
                d["inspect"] = format!("inspect/{n}/index.html").into();
                written += 1;
            }
        }
        eprintln!("wrote {written} inspect pages ({unreadable} files could not be inspected)");
        if unreadable > 0 {
            data.notes.push(format!(
                "{unreadable} listed files could not be inspected (moved, changed or unreadable)"
            ));
        }
    }
    let (html, md) = data.write(&a.out)?;
    eprintln!("wrote {} and {}", html.display(), md.display());
    Ok(0)
}
