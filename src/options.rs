//! Detector configuration: resource limits and decision settings.

use serde::{Deserialize, Serialize};

/// Resource limits. Inputs over a limit are refused with [`crate::Error::Limit`] before any large
/// allocation happens (decompression bombs declare their size in the header).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Largest input file accepted, in bytes.
    pub max_file_bytes: u64,
    /// Largest pixel count (width x height of the canvas or of any frame).
    pub max_pixels: u64,
    /// Most GIF/WebP frames decoded and analysed; later frames are counted, not analysed, and the
    /// result says so.
    pub max_frames: u32,
    /// Largest decompressed size of one metadata block (PNG zTXt/iTXt).
    pub max_metadata_bytes: u64,
    /// Largest payload reported by extraction (longer payloads are cut and marked inexact).
    pub max_payload_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 512 * 1024 * 1024,
            max_pixels: 120_000_000,
            max_frames: 256,
            max_metadata_bytes: 16 * 1024 * 1024,
            max_payload_bytes: 16 * 1024 * 1024,
        }
    }
}

/// Which detector decides.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelChoice {
    /// The default model shipped inside the library (`models/stegodetect-default.onnx`).
    #[default]
    Default,
    /// The rule analyses decide, without a model; only when asked for explicitly.
    Rules,
    /// An ONNX model file that follows the model contract (see [`crate::model`]).
    Path(std::path::PathBuf),
}

/// Default of [`Options::lsb_rate_midpoint`].
pub const DEFAULT_LSB_RATE_MIDPOINT: f32 = 0.08;

/// Detector options. `Options::default()` is what the CLI uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    /// Resource limits.
    pub limits: Limits,
    /// `is_stego` is `probability > threshold` (strictly greater, as Starlight).
    pub threshold: f32,
    /// Recover payloads (on by default; costs little since it falls out of the content search).
    pub extract: bool,
    /// Which detector decides.
    pub model: ModelChoice,
    /// ONNX Runtime library to load (default: searched, see [`crate::model::runtime`]).
    pub runtime_path: Option<std::path::PathBuf>,
    /// Intra-op threads per model session (default 1; scans already run in parallel).
    pub model_threads: usize,
    /// Operating point of the scattered-LSB (structural) analysis: the WS statistic at which its
    /// evidence reaches 0.5 on an image of 512x512 or more (smaller images need proportionally
    /// more, up to 0.08). The default 0.08 keeps false positives near zero on every kind of image;
    /// 0.03 catches random-position embedding down to ~0.1 bits per pixel on natural
    /// never-compressed photos at about 1 % false positives there (docs/measured.md).
    pub lsb_rate_midpoint: f32,
    /// Payload-agnostic sequential-LSB analysis ([`crate::analysis::sequential`], default on):
    /// finds random (encrypted, compressed) payloads written from the first pixel, which no
    /// content search can read. It costs one or two milliseconds per lossless image of 128x128
    /// or more (several times the decoding of a small PNG, little beside a large one's); turn
    /// it off where that matters more than those payloads.
    pub sequential_lsb: bool,
    /// Search every JPEG for steghide's embedding by trying all 2^32 seeds of its generator
    /// ([`crate::analysis::jpeg::steghide`], default off): finds steghide output whatever the
    /// passphrase, names its encryption and size, and reads unencrypted payloads, but costs
    /// tens of seconds per JPEG on two cores, whatever its size. For a suspicious file, not
    /// for a feed.
    pub steghide_seeds: bool,
    /// Passphrases tried on every JPEG as steghide passphrases, OutGuess keys and f5stegojs
    /// passwords, besides what every scan tries (steghide's built-in common passphrases, the
    /// empty one and about 260 of the most used:
    /// [`crate::analysis::jpeg::steghide::known_passphrases`]; OutGuess's default key and the
    /// same common ones as keys). steghide and OutGuess cost a few microseconds each per JPEG;
    /// f5stegojs costs an RC4 stream of 4 bytes per luminance coefficient (milliseconds per
    /// photo), in parallel: a long list is a dictionary attack. An embedding one opens is
    /// decrypted and its payload returned. Not carried by
    /// [`Options::to_cli_args`]: the CLI reads them from a file (`--passphrases FILE`) and
    /// hands that file on to the processes it starts (`validate`'s `serve`).
    pub passphrases: Vec<String>,
}

impl Options {
    /// These options as `stegodetect` command-line arguments (`--threshold=...`, `--model=...`,
    /// ...), to start a command with the same detector (validate starts `serve` with them). The
    /// intra-op thread count has no flag and is left out.
    pub fn to_cli_args(&self) -> Vec<String> {
        let mut v = vec![
            format!("--threshold={}", self.threshold),
            format!("--max-file-size={}", self.limits.max_file_bytes),
            format!("--max-pixels={}", self.limits.max_pixels),
            format!("--max-frames={}", self.limits.max_frames),
            format!("--lsb-rate-midpoint={}", self.lsb_rate_midpoint),
        ];
        if !self.extract {
            v.push("--no-extract".into());
        }
        match &self.model {
            ModelChoice::Default => {}
            ModelChoice::Rules => v.push("--rules-only".into()),
            ModelChoice::Path(p) => v.push(format!("--model={}", p.display())),
        }
        if !self.sequential_lsb {
            v.push("--no-sequential-lsb".into());
        }
        if self.steghide_seeds {
            v.push("--steghide-seeds".into());
        }
        if let Some(r) = &self.runtime_path {
            v.push(format!("--runtime={}", r.display()));
        }
        v
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            limits: Limits::default(),
            threshold: 0.5,
            extract: true,
            model: ModelChoice::Default,
            runtime_path: None,
            model_threads: 1,
            lsb_rate_midpoint: DEFAULT_LSB_RATE_MIDPOINT,
            sequential_lsb: true,
            steghide_seeds: false,
            passphrases: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_arguments_name_every_option_with_a_flag() {
        let d = Options::default().to_cli_args();
        assert_eq!(d.len(), 5, "{d:?}");
        assert!(d.contains(&"--threshold=0.5".to_string()));
        let o = Options {
            extract: false,
            model: ModelChoice::Path("/m.onnx".into()),
            sequential_lsb: false,
            steghide_seeds: true,
            runtime_path: Some("/ort.so".into()),
            ..Options::default()
        }
        .to_cli_args();
        for flag in [
            "--no-extract",
            "--model=/m.onnx",
            "--no-sequential-lsb",
            "--steghide-seeds",
            "--runtime=/ort.so",
        ] {
            assert!(o.contains(&flag.to_string()), "{flag}: {o:?}");
        }
        let r = Options {
            model: ModelChoice::Rules,
            ..Options::default()
        };
        assert!(r.to_cli_args().contains(&"--rules-only".to_string()));
    }
}
