//! The import layering check (`scripts/import_cycles.py`): the library's modules import only
//! along the pipeline, and the check really fails on a cycle.

mod common;

use std::process::Command;

fn check(src: &std::path::Path) -> std::process::Output {
    Command::new("python3")
        .arg(common::root().join("scripts/import_cycles.py"))
        .arg(src)
        .output()
        .expect("python3 runs the layering check")
}

#[test]
fn the_library_has_no_import_cycle() {
    let out = check(&common::root().join("src"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // the leaves import nothing from the crate
    for leaf in ["vocab -> -", "stats -> -", "error -> -"] {
        assert!(stdout.lines().any(|l| l == leaf), "{leaf}: {stdout}");
    }
}

#[test]
fn a_cycle_is_reported_and_fails() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\npub mod c;\n").unwrap();
    std::fs::write(src.join("a.rs"), "use crate::b::B;\npub struct A;\n").unwrap();
    std::fs::create_dir(src.join("b")).unwrap();
    std::fs::write(
        src.join("b/mod.rs"),
        "mod inner;\npub struct B;\n// use crate::c::C; (a comment is no import)\n",
    )
    .unwrap();
    std::fs::write(src.join("b/inner.rs"), "use crate::{a::A, c};\n").unwrap();
    std::fs::write(src.join("c.rs"), "pub struct C;\n").unwrap();
    let out = check(src);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("import cycle among a, b") && stderr.contains("b -> a"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().any(|l| l == "c -> -"), "{stdout}");
    assert!(stdout.lines().any(|l| l == "b -> a, c"), "{stdout}");
}
