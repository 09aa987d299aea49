//! The load check's service part for any face: a `stegodetect` executable started as
//! `stegodetect serve` on a free loopback port, driven by [`crate::loadtest::drive`], its peak
//! RSS read, and stopped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::{ServeLoad, Thresholds};

/// A `stegodetect` executable and the detector options to start `serve` with (`--model`,
/// `--threshold`, ... as the CLI takes them).
#[derive(Debug, Clone)]
pub struct ServeCommand {
    /// The `stegodetect` executable.
    pub exe: PathBuf,
    /// Arguments after `serve --listen 127.0.0.1:0`.
    pub args: Vec<String>,
}

impl ServeLoad for ServeCommand {
    fn drive(&self, images: &[Vec<u8>], th: &Thresholds) -> Result<(Value, Option<u64>), String> {
        serve_load(&self.exe, &self.args, images, th)
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
    exe: &Path,
    args: &[String],
    images: &[Vec<u8>],
    th: &Thresholds,
) -> Result<(Value, Option<u64>), String> {
    let token = format!("validate-{:x}", crate::metrics::log::now_ts().to_bits());
    let mut cmd = Command::new(exe);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
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
        None,
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
