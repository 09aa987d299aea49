//! Headless Chromium for the page tests (installed by `make setup`): the DOM after the page's
//! scripts ran, or a screenshot; and where tests keep their artifacts.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Load `url` in headless Chromium and return the DOM after load (`--dump-dom`), or take a
/// screenshot when `args` asks for one (`--screenshot=FILE`).
pub fn chromium(args: &[&str], url: &str) -> String {
    // a profile of its own per run: concurrent instances otherwise share (and lock) one
    static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let profile = std::env::temp_dir().join(format!(
        "sd-chromium-{}-{}",
        std::process::id(),
        RUN.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    let out = Command::new("chromium")
        .arg(format!("--user-data-dir={}", profile.display()))
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=5000",
        ])
        .args(args)
        .args((!args.iter().any(|a| a.starts_with("--screenshot"))).then_some("--dump-dom"))
        .arg(url)
        .output()
        .unwrap_or_else(|e| panic!("chromium: {e} (run `make setup`, which installs it)"));
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The test's artifact directory (`target/tmp/`): screenshots and rendered pages.
pub fn artifacts() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A `file://` URL of a local path.
pub fn file_url(p: &Path) -> String {
    format!("file://{}", p.display())
}
