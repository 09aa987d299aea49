//! `stegodetect`: the command-line face of the library (scan, embed, extract, bench, eval,
//! regress, serve).

mod bench;
mod eval;
mod inspect;
mod loadtest;
mod regress;
mod report;
mod scan;
mod serve;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use stegodetect::embed::{self, EmbedOptions};
use stegodetect::{BitOrder, Detector, Format, Limits, Method, ModelChoice, Options};

#[derive(Parser)]
#[command(
    name = "stegodetect",
    version,
    about = "Detect, extract and generate image steganography"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Scan files and directories (recursively); `-` reads one image from stdin.
    ///
    /// Exit code: 0 all clean, 1 stego found, 2 errors.
    Scan(scan::ScanArgs),
    /// Write a payload into a cover image with one of the five Starlight methods.
    Embed(EmbedArgs),
    /// Print every payload found in an image.
    Extract(ExtractArgs),
    /// The analyst's view of one image: an HTML page with every bit plane, a heat map of local
    /// embedding evidence, the payload's extent, findings, payloads, metadata and trailer.
    ///
    /// Exit code: 0 clean, 1 stego, 2 error.
    Inspect(inspect::InspectArgs),
    /// Measure scan time against decode-only time on the same files.
    Bench(bench::BenchArgs),
    /// Print the model feature vector of each image (JSONL), for training and parity checks.
    Features(scan::FeaturesArgs),
    /// Evaluate on labelled images: FPR, detection per method, confusion, extraction, ROC AUC.
    ///
    /// Exit code: 0 when the report passes its gates, 1 when it fails, 2 on a usage error.
    Eval(eval::EvalArgs),
    /// Regression gate: compare a current eval report or metrics snapshot with a baseline.
    ///
    /// Exit code: 0 all rules pass, 1 a rule is breached, 2 an input cannot be used.
    Regress(regress::RegressArgs),
    /// HTTP service: scans, feedback, statistics, Prometheus metrics, health (token-protected).
    Serve(serve::ServeArgs),
    /// Load benchmark of a running service: N concurrent clients posting real images.
    ///
    /// Exit code: 0 every request succeeded, 1 some failed (no rate is reported then).
    Loadtest(loadtest::LoadtestArgs),
    /// Render the dashboard as static HTML and Markdown from a JSONL metrics log or an eval report.
    Report(report::ReportArgs),
    /// Production validation: benchmark + regression gate, fresh stego, edge cases, load
    /// (library and serve), memory, platform; JSON and Markdown report.
    ///
    /// Exit code: 0 ready (every check ran and passed), 1 not ready.
    Validate(validate::ValidateArgs),
}

/// Options shared by the commands that scan.
#[derive(Args, Clone)]
pub struct DetectorArgs {
    /// Decision threshold: stego when probability > threshold.
    #[arg(long, default_value_t = 0.5)]
    threshold: f32,
    /// Largest file accepted, in bytes.
    #[arg(long, default_value_t = Limits::default().max_file_bytes)]
    max_file_size: u64,
    /// Largest image (or frame) in pixels; larger ones are refused before decoding.
    #[arg(long, default_value_t = Limits::default().max_pixels)]
    max_pixels: u64,
    /// Most frames of an animated image analysed.
    #[arg(long, default_value_t = Limits::default().max_frames)]
    max_frames: u32,
    /// Do not recover payloads.
    #[arg(long)]
    no_extract: bool,
    /// ONNX model that decides (any model following the contract in the README); default: the
    /// model built into the library.
    #[arg(long, conflicts_with = "rules_only")]
    model: Option<PathBuf>,
    /// Let the rule analyses decide, without any model (explicit: nothing falls back to rules
    /// silently).
    #[arg(long)]
    rules_only: bool,
    /// ONNX Runtime shared library (default: ORT_DYLIB_PATH, the project's .venv, python3's onnxruntime).
    #[arg(long)]
    runtime: Option<PathBuf>,
    /// Operating point of the scattered-LSB analysis (WS statistic giving evidence 0.5 on images
    /// of 512x512 or more): 0.08 keeps false positives near zero; 0.03 detects random-position
    /// LSB replacement from ~0.1 bits per pixel on natural photos at ~1 % false positives.
    #[arg(long, default_value_t = stegodetect::options::DEFAULT_LSB_RATE_MIDPOINT)]
    lsb_rate_midpoint: f32,
    /// Skip the payload-agnostic sequential-LSB analysis (random, encrypted payloads written
    /// from the first pixel; one or two ms per lossless image of 128x128 or more).
    #[arg(long)]
    no_sequential_lsb: bool,
    /// The sequential-LSB analysis is on by default; this flag is accepted for older scripts.
    #[arg(long, hide = true)]
    sequential_lsb: bool,
    /// Search every JPEG for steghide's embedding under all 2^32 seeds of its generator: finds
    /// steghide output whatever the passphrase and reads unencrypted payloads, but takes tens
    /// of seconds per JPEG on two cores. For suspicious files, not for feeds.
    #[arg(long)]
    steghide_seeds: bool,
    /// A file of passphrases (one per line) tried on every JPEG as steghide passphrases,
    /// OutGuess keys and f5stegojs passwords, besides steghide's built-in common passphrases
    /// (the empty one and about 260 of the most used, also tried as OutGuess keys) and
    /// OutGuess's default key, which every scan tries: a few microseconds each per JPEG for
    /// steghide and OutGuess, a few milliseconds per megapixel for f5stegojs, in parallel; an
    /// embedding one opens is decrypted and its payload returned. With --steghide-seeds, they open what the search
    /// finds.
    #[arg(long, value_name = "FILE", value_parser = read_passphrases)]
    passphrases: Option<PassphraseList>,
}

/// Passphrases read from a file, one per line (`\r\n` or `\n`; empty lines skipped; bytes that
/// are not UTF-8 replaced, so such passphrases cannot match), and the file's absolute path (for
/// the child processes that `validate` starts).
#[derive(Clone, Debug)]
struct PassphraseList {
    path: PathBuf,
    list: Vec<String>,
}

fn read_passphrases(path: &str) -> Result<PassphraseList, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    Ok(PassphraseList {
        path: std::path::absolute(path).map_err(|e| format!("{path}: {e}"))?,
        list: bytes
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .filter(|l| !l.is_empty())
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect(),
    })
}

impl DetectorArgs {
    fn detector(&self) -> Result<Detector, stegodetect::Error> {
        Detector::new(self.options())
    }

    /// The library options these arguments stand for.
    fn options(&self) -> Options {
        let limits = Limits {
            max_file_bytes: self.max_file_size,
            max_pixels: self.max_pixels,
            max_frames: self.max_frames,
            ..Limits::default()
        };
        Options {
            limits,
            threshold: self.threshold,
            extract: !self.no_extract,
            model: match (&self.model, self.rules_only) {
                (Some(p), _) => ModelChoice::Path(p.clone()),
                (None, true) => ModelChoice::Rules,
                (None, false) => ModelChoice::Default,
            },
            runtime_path: self.runtime.clone(),
            model_threads: 1,
            lsb_rate_midpoint: self.lsb_rate_midpoint,
            sequential_lsb: !self.no_sequential_lsb,
            steghide_seeds: self.steghide_seeds,
            passphrases: self
                .passphrases
                .as_ref()
                .map(|p| p.list.clone())
                .unwrap_or_default(),
        }
    }

    /// Arguments that give a child `stegodetect` process these options:
    /// [`Options::to_cli_args`] and the passphrase file, which the options hold only as a list.
    fn cli_args(&self) -> Vec<String> {
        let mut v = self.options().to_cli_args();
        if let Some(p) = &self.passphrases {
            v.push(format!("--passphrases={}", p.path.display()));
        }
        v
    }
}

#[derive(Args)]
struct EmbedArgs {
    /// Method to use.
    #[arg(long, value_parser = parse_method)]
    method: Method,
    /// File whose bytes are the payload.
    #[arg(long)]
    payload_file: PathBuf,
    /// Bit order for lsb.rgb and palette (alpha is always lsb-first with the AI42 prefix).
    #[arg(long, default_value = "msb-first", value_parser = parse_bit_order)]
    bit_order: BitOrder,
    /// Reproduce the Starlight generator's side effects (RGB conversion, grey-scale GIF palette
    /// output, JPEG re-encoded at quality 95, piexif layout).
    #[arg(long)]
    starlight_quirks: bool,
    /// lsb.rgb only: write the payload's bits at pseudo-random sample positions drawn from this
    /// key (scattered embedding; no terminator) instead of sequentially.
    #[arg(long)]
    scatter_key: Option<u64>,
    /// Do not write the Starlight sidecar OUT.json.
    #[arg(long)]
    no_sidecar: bool,
    /// Output file; its extension picks the container when given (png, webp, gif, bmp, jpg).
    #[arg(short, long)]
    output: PathBuf,
    /// Cover image.
    cover: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum TextOrJson {
    Text,
    Json,
}

#[derive(Args)]
struct ExtractArgs {
    #[arg(long, value_enum, default_value = "text")]
    format: TextOrJson,
    /// Write the first payload's bytes to this file.
    #[arg(short, long)]
    output: Option<PathBuf>,
    #[command(flatten)]
    detector: DetectorArgs,
    file: PathBuf,
}

fn parse_method(s: &str) -> Result<Method, String> {
    s.parse()
}
fn parse_bit_order(s: &str) -> Result<BitOrder, String> {
    s.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.cmd {
        Cmd::Scan(a) => scan::run(a),
        Cmd::Embed(a) => run_embed(a),
        Cmd::Extract(a) => run_extract(a),
        Cmd::Inspect(a) => inspect::run(a),
        Cmd::Bench(a) => bench::run(a),
        Cmd::Features(a) => scan::features(a),
        Cmd::Eval(a) => eval::run(a),
        Cmd::Regress(a) => regress::run(a),
        Cmd::Serve(a) => serve::run(a),
        Cmd::Loadtest(a) => loadtest::run(a),
        Cmd::Validate(a) => validate::run(a),
        Cmd::Report(a) => report::run(a),
    };
    match r {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("stegodetect: {e}");
            ExitCode::from(2)
        }
    }
}

type CmdResult = Result<u8, Box<dyn std::error::Error>>;

fn run_embed(a: EmbedArgs) -> CmdResult {
    let cover = stegodetect::read_limited(&a.cover, Limits::default().max_file_bytes)?;
    let payload = std::fs::read(&a.payload_file)
        .map_err(|e| format!("cannot read payload {}: {e}", a.payload_file.display()))?;
    let output_format = a
        .output
        .extension()
        .and_then(|e| e.to_str())
        .and_then(Format::from_extension);
    let opts = EmbedOptions {
        method: a.method,
        bit_order: a.bit_order,
        starlight_quirks: a.starlight_quirks,
        output_format,
        scatter_key: a.scatter_key,
    };
    let out = embed::embed(&cover, &payload, &opts)?;
    std::fs::write(&a.output, &out.bytes)
        .map_err(|e| format!("cannot write {}: {e}", a.output.display()))?;
    if !a.no_sidecar {
        let clean = a
            .cover
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let side = embed::sidecar(a.method, a.bit_order, &clean);
        let mut p = a.output.clone().into_os_string();
        p.push(".json");
        std::fs::write(&p, serde_json::to_string_pretty(&side)? + "\n")?;
    }
    eprintln!(
        "wrote {} ({} {}, {} payload bytes)",
        a.output.display(),
        out.format,
        a.method,
        payload.len()
    );
    Ok(0)
}

fn run_extract(a: ExtractArgs) -> CmdResult {
    let det = a.detector.detector()?;
    let bytes = stegodetect::read_limited(&a.file, a.detector.max_file_size)?;
    let payloads = det.extract_bytes(&bytes)?;
    match a.format {
        TextOrJson::Json => println!("{}", serde_json::to_string_pretty(&payloads)?),
        TextOrJson::Text => {
            if payloads.is_empty() {
                println!("no payload found");
            }
            for p in &payloads {
                let order = p
                    .bit_order
                    .map(|o| format!(", {}", o.as_str()))
                    .unwrap_or_default();
                println!(
                    "{} payload: {} bytes in {}{order} at offset {}{}",
                    p.method,
                    p.bytes.len(),
                    p.channel,
                    p.offset,
                    if p.complete { "" } else { " (incomplete)" }
                );
                match p.text() {
                    Some(t) => println!("{t}"),
                    None => println!("(binary, {} bytes; use -o to save)", p.bytes.len()),
                }
            }
        }
    }
    if let (Some(out), Some(p)) = (&a.output, payloads.first()) {
        std::fs::write(out, &p.bytes)?;
    }
    Ok(if payloads.is_empty() { 1 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_hands_the_passphrase_file_to_its_child_processes() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw.txt");
        std::fs::write(&file, "PASS\r\nKEY\n\n").unwrap();
        let cli = Cli::try_parse_from([
            "stegodetect",
            "validate",
            "--manifest",
            "m.csv",
            "--rules-only",
            "--passphrases",
            file.to_str().unwrap(),
        ])
        .unwrap();
        let Cmd::Validate(a) = cli.cmd else {
            panic!("not validate")
        };
        assert_eq!(a.detector.options().passphrases, ["PASS", "KEY"]);
        let args = a.detector.cli_args();
        assert!(args.contains(&"--rules-only".to_string()), "{args:?}");
        let pw = args
            .iter()
            .find_map(|s| s.strip_prefix("--passphrases="))
            .expect("the passphrase file");
        assert!(std::path::Path::new(pw).is_absolute(), "{pw}");
        // the child parses what it is given into the same list
        let again = read_passphrases(pw).unwrap();
        assert_eq!(again.list, ["PASS", "KEY"]);
    }
}
