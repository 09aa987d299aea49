//! `stegodetect regress`: the regression gate over eval reports or metrics snapshots.
//! Exit code 0 when every rule passes, 1 on a breach, 2 when an input cannot be used.

use std::path::PathBuf;

use clap::Args;
use stegodetect::regress::{self, Figures, Rules};

use crate::CmdResult;

#[derive(Args)]
pub struct RegressArgs {
    /// Baseline: `report.json` of `stegodetect eval`, or a metrics snapshot (JSON).
    #[arg(long)]
    baseline: PathBuf,
    /// Current run, same kinds of file.
    #[arg(long)]
    current: PathBuf,
    /// Thresholds (JSON with any of the fields of `stegodetect::regress::Rules`; --json prints them).
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Print the checks as JSON.
    #[arg(long)]
    json: bool,
}

fn load(p: &PathBuf) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(serde_json::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?)
}

pub fn run(a: RegressArgs) -> CmdResult {
    let rules: Rules = match &a.rules {
        Some(p) => serde_json::from_value(load(p)?).map_err(|e| format!("{}: {e}", p.display()))?,
        None => Rules::default(),
    };
    let base = Figures::from_json(&load(&a.baseline)?, &a.baseline.display().to_string())?;
    let cur = Figures::from_json(&load(&a.current)?, &a.current.display().to_string())?;
    let checks = regress::compare(&base, &cur, &rules);
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({"passed": regress::passed(&checks), "rules": rules, "checks": checks})
            )?
        );
    } else {
        print!("{}", regress::table(&checks));
        let fails = checks.iter().filter(|c| c.status == "FAIL").count();
        println!(
            "{}",
            if fails == 0 {
                "PASSED".to_string()
            } else {
                format!("FAILED: {fails} rule(s) breached")
            }
        );
    }
    Ok(if regress::passed(&checks) { 0 } else { 1 })
}
