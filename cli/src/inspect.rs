//! `stegodetect inspect FILE [-o DIR]`: the analyst's view of one image
//! (`stegodetect::inspect`) as `DIR/index.html` (self-contained: images inlined) and the PNG
//! files it shows (the image, every bit plane, the heat maps).

use std::path::PathBuf;

use clap::Args;
use stegodetect::inspect::page;

use crate::{CmdResult, DetectorArgs};

/// Options of `stegodetect inspect`.
#[derive(Args)]
pub struct InspectArgs {
    /// Output directory (created if needed); default: `FILE.inspect` beside the image's name in
    /// the current directory.
    #[arg(short, long)]
    out: Option<PathBuf>,
    #[command(flatten)]
    detector: DetectorArgs,
    /// The image.
    file: PathBuf,
}

pub fn run(a: InspectArgs) -> CmdResult {
    let det = a.detector.detector()?;
    let bytes = stegodetect::read_limited(&a.file, det.options().limits.max_file_bytes)?;
    let ins = det.inspect(&bytes)?;
    let name = a.file.file_name().map_or_else(
        || a.file.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let out = a
        .out
        .unwrap_or_else(|| PathBuf::from(format!("{name}.inspect")));
    let p = page::render(&ins, &a.file.display().to_string())?;
    std::fs::create_dir_all(&out)?;
    for (file, png) in &p.images {
        std::fs::write(out.join(file), png)?;
    }
    let index = out.join("index.html");
    std::fs::write(&index, &p.html)?;
    let r = &ins.result;
    eprintln!(
        "{}: {} (p = {:.4}{}); wrote {} and {} images",
        a.file.display(),
        if r.is_stego { "stego" } else { "clean" },
        r.probability,
        r.method
            .map(|m| format!(", {}", m.name()))
            .unwrap_or_default(),
        index.display(),
        p.images.len()
    );
    Ok(if r.is_stego { 1 } else { 0 })
}
