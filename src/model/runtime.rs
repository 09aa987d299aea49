//! Finding and loading ONNX Runtime's shared library. `ort` is built with `load-dynamic`: nothing
//! is downloaded; the library comes from the `onnxruntime` Python wheel the set-up installs.
//!
//! Search order: an explicit path, `ORT_DYLIB_PATH`, the project's `.venv` (next to the working
//! directory or the executable, or `$VIRTUAL_ENV`), then the `onnxruntime` package of `python3`
//! (located with `importlib.util.find_spec`, without importing it).
//!
//! ONNX Runtime is process-global: the first successful load wins, and later requests for a
//! different library are refused with a clear error rather than silently ignored.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use crate::error::{Error, Result};

static LOADED: OnceLock<(PathBuf, ort::environment::Environment)> = OnceLock::new();
static INIT_LOCK: Mutex<()> = Mutex::new(());

const HOW_TO_FIX: &str = "install it with `make setup` (creates .venv with the onnxruntime wheel) or \
`pip install onnxruntime`, or point ORT_DYLIB_PATH (or the runtime path option) at libonnxruntime.so";

/// Candidate library files inside an `onnxruntime` package directory.
fn in_package(pkg: &Path) -> Option<PathBuf> {
    let capi = pkg.join("capi");
    let mut libs: Vec<PathBuf> = std::fs::read_dir(&capi)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with("libonnxruntime.so")
                    || n == "onnxruntime.dll"
                    || n.starts_with("libonnxruntime.") && n.ends_with(".dylib")
            })
        })
        .collect();
    libs.sort();
    libs.pop()
}

fn in_venv(venv: &Path) -> Option<PathBuf> {
    let lib = venv.join("lib");
    for e in std::fs::read_dir(&lib).ok()?.filter_map(|e| e.ok()) {
        if let Some(p) = in_package(&e.path().join("site-packages/onnxruntime")) {
            return Some(p);
        }
    }
    in_package(&venv.join("Lib/site-packages/onnxruntime"))
}

/// Locate the runtime library; the error lists what was tried.
pub fn find(explicit: Option<&Path>) -> Result<PathBuf> {
    let mut tried = Vec::new();
    if let Some(p) = explicit {
        if p.is_file() {
            return Ok(p.to_path_buf());
        }
        return Err(Error::RuntimeNotFound(format!(
            "{} does not exist; {HOW_TO_FIX}",
            p.display()
        )));
    }
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").map(PathBuf::from) {
        if p.is_file() {
            return Ok(p);
        }
        tried.push(format!("ORT_DYLIB_PATH={} (missing)", p.display()));
    }
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Some(v) = std::env::var_os("VIRTUAL_ENV") {
        roots.push(PathBuf::from(v));
    }
    let starts = [
        std::env::current_dir().ok(),
        std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf)),
    ];
    for start in starts.into_iter().flatten() {
        for dir in start.ancestors() {
            roots.push(dir.join(".venv"));
        }
    }
    for venv in &roots {
        if let Some(p) = in_venv(venv) {
            return Ok(p);
        }
    }
    tried.push("a .venv in the working directory, beside the executable, or their parents".into());
    let py = std::process::Command::new("python3")
        .args(["-c", "import importlib.util as u, os; s = u.find_spec('onnxruntime'); print(os.path.dirname(s.origin) if s else '')"])
        .output();
    if let Ok(out) = py {
        let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !dir.is_empty() {
            if let Some(p) = in_package(Path::new(&dir)) {
                return Ok(p);
            }
        }
    }
    tried.push("the onnxruntime package of python3".into());
    Err(Error::RuntimeNotFound(format!(
        "ONNX Runtime library not found (tried {}); {HOW_TO_FIX}",
        tried.join(", ")
    )))
}

/// Load the runtime once per process and return its environment.
pub fn environment(explicit: Option<&Path>) -> Result<&'static ort::environment::Environment> {
    if let Some((loaded, env)) = LOADED.get() {
        if let Some(p) = explicit {
            if p != loaded {
                return Err(Error::Model(format!(
                    "ONNX Runtime is already loaded from {} in this process; cannot switch to {}",
                    loaded.display(),
                    p.display()
                )));
            }
        }
        return Ok(env);
    }
    let _guard = INIT_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, env)) = LOADED.get() {
        return Ok(env);
    }
    let path = find(explicit)?;
    let builder = ort::init_from(&path).map_err(|e| {
        Error::RuntimeNotFound(format!("cannot load {}: {e}; {HOW_TO_FIX}", path.display()))
    })?;
    let env = builder.with_name("stegodetect").build().map_err(|e| {
        Error::Model(format!(
            "ONNX Runtime from {} failed to start: {e}",
            path.display()
        ))
    })?;
    Ok(&LOADED.get_or_init(|| (path, env)).1)
}

/// Path of the loaded runtime, if any.
pub fn loaded_path() -> Option<&'static Path> {
    LOADED.get().map(|(p, _)| p.as_path())
}
