//! What the crates.io packages hold and say about themselves: `cargo package --list` for the
//! library (its sources, the default model and the metadata vocabulary it embeds, licence, notice,
//! README, model card; none of the repository's data, tests, scripts or bindings) and for the
//! command-line crate, and the metadata fields crates.io shows, with no warning from cargo.

use std::process::Command;

fn package_list(package: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO"))
        .args([
            "package",
            "--list",
            "--allow-dirty",
            "--offline",
            "-p",
            package,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "cargo package --list -p {package}: {err}"
    );
    assert!(!err.contains("warning"), "{package}: {err}");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn the_library_package_holds_what_it_builds_from_and_nothing_else() {
    let files = package_list("stegodetect");
    for f in [
        "Cargo.toml",
        "LICENSE",
        "NOTICE.md",
        "README.md",
        "src/lib.rs",
        "src/report/dashboard.html",
        "models/stegodetect-default.onnx",
        "models/metadata-usual.json",
        "models/README.md",
    ] {
        assert!(files.iter().any(|x| x == f), "{f} missing: {files:?}");
    }
    // every source of the library is in, and every file it embeds with include_bytes! /
    // include_str! (a missing one breaks the build of the published crate)
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let rel = |p: &std::path::Path| {
        let mut parts: Vec<String> = Vec::new();
        for c in p.strip_prefix(root).unwrap().components() {
            match c {
                std::path::Component::ParentDir => {
                    parts.pop();
                }
                std::path::Component::Normal(n) => parts.push(n.to_string_lossy().into_owned()),
                _ => {}
            }
        }
        parts.join("/")
    };
    let mut missing = Vec::new();
    let mut embedded = Vec::new();
    for e in walk(root.join("src")) {
        if !files.contains(&rel(&e)) {
            missing.push(rel(&e));
        }
        let text = std::fs::read_to_string(&e).unwrap_or_default();
        for macro_ in ["include_bytes!(\"", "include_str!(\""] {
            for (i, _) in text.match_indices(macro_) {
                let start = i + macro_.len();
                let end = start + text[start..].find('"').unwrap();
                let target = rel(&e.parent().unwrap().join(&text[start..end]));
                if !files.contains(&target) {
                    missing.push(target.clone());
                }
                embedded.push(target);
            }
        }
    }
    assert!(missing.is_empty(), "not packaged: {missing:?}");
    assert!(embedded.len() >= 4, "{embedded:?}");
    for f in &files {
        let allowed = f.starts_with("src/")
            || f.starts_with("models/")
            || embedded.contains(f)
            || [
                "Cargo.toml",
                "Cargo.toml.orig",
                "Cargo.lock",
                ".cargo_vcs_info.json",
            ]
            .contains(&f.as_str())
            || ["LICENSE", "NOTICE.md", "README.md"].contains(&f.as_str());
        assert!(allowed, "{f} should not be in the crate");
    }
}

#[test]
fn the_cli_package_has_its_binary_and_licence() {
    let files = package_list("stegodetect-cli");
    for f in [
        "Cargo.toml",
        "LICENSE",
        "README.md",
        "src/main.rs",
        "src/serve/mod.rs",
        "src/inspect.rs",
    ] {
        assert!(files.iter().any(|x| x == f), "{f} missing: {files:?}");
    }
}

#[test]
fn crates_io_metadata_is_complete() {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--offline",
            "--format-version",
            "1",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = v["packages"].as_array().unwrap();
    for name in ["stegodetect", "stegodetect-cli"] {
        let p = packages
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} not in the workspace"));
        for field in [
            "description",
            "license",
            "readme",
            "documentation",
            "rust_version",
        ] {
            assert!(
                p[field].as_str().is_some_and(|s| !s.is_empty()),
                "{name}: {field} missing"
            );
        }
        for field in ["keywords", "categories"] {
            assert!(
                p[field].as_array().is_some_and(|a| !a.is_empty()),
                "{name}: {field} missing"
            );
        }
        assert_eq!(p["license"], "MIT");
    }
    // the bindings ship as the C library and the wheel, not on crates.io
    for name in ["stegodetect-capi", "stegodetect-python"] {
        let p = packages.iter().find(|p| p["name"] == name).unwrap();
        assert_eq!(
            p["publish"],
            serde_json::json!([]),
            "{name} must not be published"
        );
    }
}

fn walk(dir: std::path::PathBuf) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(p));
        } else {
            out.push(p);
        }
    }
    out
}
