//! `stegodetect validate`: the production checks of `stegodetect::validate`, with this binary
//! started as the server for the load check; writes report.json, report.md and
//! eval-report.json.
//!
//! Exit code: 0 ready, 1 not ready.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::Value;
use stegodetect::validate::{self, Inputs, ServeLoad, Thresholds};

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
    detector: DetectorArgs,
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
    let serve = SelfServe(&a.detector);
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

/// This binary, started as `stegodetect serve` with the same detector options, for the load
/// check.
struct SelfServe<'a>(&'a DetectorArgs);

impl ServeLoad for SelfServe<'_> {
    fn drive(&self, images: &[Vec<u8>], th: &Thresholds) -> Result<(Value, Option<u64>), String> {
        serve_load(self.0, images, th)
    }
}

/// Kill the server on drop, whatever happens in between.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Start `stegodetect serve` (this binary) on a free loopback port with the same detector
/// options, wait until it is ready, drive it, and read its peak RSS.
fn serve_load(
    args: &DetectorArgs,
    images: &[Vec<u8>],
    th: &Thresholds,
) -> Result<(Value, Option<u64>), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let token = format!(
        "validate-{:x}",
        stegodetect::metrics::log::now_ts().to_bits()
    );
    let mut cmd = Command::new(exe);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .args(args.to_args())
        .env("STEGODETECT_API_TOKEN", &token)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = Server(cmd.spawn().map_err(|e| format!("cannot start: {e}"))?);
    let stdout = child.0.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("listening on ") {
                let _ = tx.send(url.trim().to_string());
            }
        }
    });
    let url = rx
        .recv_timeout(Duration::from_secs(60))
        .map_err(|_| "did not start listening within 60 s".to_string())?;
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(5))
        .build();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if Instant::now() > deadline {
            return Err("not ready within 60 s".into());
        }
        match agent.get(&format!("{url}/health/ready")).call() {
            Ok(r) if r.status() == 200 => break,
            // the self-test ran before the server listened: a failed one is final
            Err(ureq::Error::Status(503, r)) => {
                let body: Value = r.into_json().unwrap_or(Value::Null);
                if body["self_test"]["passed"] == false {
                    return Err(format!(
                        "not ready, self-test failed: {}",
                        body["self_test"]
                    ));
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            _ => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    let run = crate::loadtest::drive(
        &url,
        &token,
        images,
        th.serve_requests,
        th.serve_concurrency,
    );
    let peak = std::fs::read_to_string(format!("/proc/{}/status", child.0.id()))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map(|kib| kib * 1024);
    Ok((run, peak))
}
