//! The detector: one entry point from bytes or a path to a [`ScanResult`]. Holds only its options,
//! so one instance can be shared by any number of threads (it is `Send + Sync`).

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use rayon::prelude::*;

use crate::analysis;
use crate::container::{self, Format};
use crate::error::{Error, Result};
use crate::extract::Payload;
use crate::model::{
    features, jpeg::JpegModel, starlight_v4, Model, ModelFeed, ModelInfo, Prediction, RunSettings,
    DEFAULT_MODEL, DEFAULT_MODEL_NAME,
};
use crate::options::{ModelChoice, Options};
use crate::planes;
use crate::verdict::{self, ModelRef, ScanResult, Timings};

/// A steganography detector. `Send + Sync`; clones share the loaded model.
///
/// `Detector::new(Options::default())` runs the default learned model (ONNX Runtime must be
/// installed); [`Detector::rules_only`] is the explicit way to scan without a model. There is no
/// `Default`: a detector without its model must never be had by accident.
#[derive(Debug, Clone)]
pub struct Detector {
    opts: Options,
    model: Option<Arc<Model>>,
    /// The learned JPEG-domain model (steghide, OutGuess), loaded whenever a model is.
    jpeg_model: Option<Arc<JpegModel>>,
}

impl Detector {
    /// Create a detector; fails on options that cannot work (threshold outside [0, 1], LSB
    /// midpoint outside (0, 1], zero limits). A model (the default one included) needs ONNX
    /// Runtime 1.17+ at run time, found by [`crate::model::runtime::find`] (the runtime path
    /// option, `ORT_DYLIB_PATH`, `$VIRTUAL_ENV`, the system loader's places, a `.venv`, python3's
    /// `onnxruntime`); [`Error::RuntimeNotFound`] lists what was tried. Hosts without a runtime
    /// use [`Detector::rules_only`].
    pub fn new(opts: Options) -> Result<Self> {
        if !(0.0..=1.0).contains(&opts.threshold) {
            return Err(Error::InvalidArgument(format!(
                "threshold {} is outside [0, 1]",
                opts.threshold
            )));
        }
        if !(opts.lsb_rate_midpoint > 0.0 && opts.lsb_rate_midpoint <= 1.0) {
            return Err(Error::InvalidArgument(format!(
                "lsb_rate_midpoint {} is outside (0, 1]",
                opts.lsb_rate_midpoint
            )));
        }
        let l = &opts.limits;
        if l.max_file_bytes == 0 || l.max_pixels == 0 || l.max_frames == 0 {
            return Err(Error::InvalidArgument("limits must be positive".into()));
        }
        let run = RunSettings {
            intra_threads: opts.model_threads.max(1),
            ..RunSettings::default()
        };
        let rt = opts.runtime_path.as_deref();
        let model = match &opts.model {
            ModelChoice::Rules => None,
            ModelChoice::Default => Some(Arc::new(Model::load_bytes(
                DEFAULT_MODEL,
                DEFAULT_MODEL_NAME,
                rt,
                run,
            )?)),
            ModelChoice::Path(p) => Some(Arc::new(Model::load_file(p, rt, run)?)),
        };
        let jpeg_model = match model {
            Some(_) => Some(Arc::new(JpegModel::builtin(rt, run)?)),
            None => None,
        };
        Ok(Detector {
            opts,
            model,
            jpeg_model,
        })
    }

    /// A detector whose rule analyses decide, without any model (needs no ONNX Runtime), with
    /// default limits and threshold.
    pub fn rules_only() -> Self {
        Detector {
            opts: Options {
                model: ModelChoice::Rules,
                ..Options::default()
            },
            model: None,
            jpeg_model: None,
        }
    }

    /// The model that decides, if any.
    pub fn model(&self) -> Option<&ModelInfo> {
        self.model.as_deref().map(Model::info)
    }

    /// The options this detector was made with.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Scan a file. The size limit is checked before the file is read.
    pub fn scan_path(&self, path: impl AsRef<Path>) -> Result<ScanResult> {
        let bytes = read_limited(path.as_ref(), self.opts.limits.max_file_bytes)?;
        self.scan_bytes(&bytes)
    }

    /// Scan an image held in memory; the format is detected from content.
    pub fn scan_bytes(&self, bytes: &[u8]) -> Result<ScanResult> {
        let (mut result, feed) = self.prepare(bytes)?;
        if let (Some(m), Some(feed)) = (&self.model, feed) {
            let t = Instant::now();
            let pred = m.predict(&[feed])?;
            self.apply(m, &mut result, &pred[0], t.elapsed().as_micros() as u64);
        }
        Ok(result)
    }

    /// Everything but the model: decode, analyses, the rules' verdict, and the model's inputs.
    /// A panic in a third-party decoder (or a bug of ours) on hostile input becomes an
    /// [`Error::Internal`] for this input instead of taking the caller (or a whole batch) down.
    fn prepare(&self, bytes: &[u8]) -> Result<(ScanResult, Option<ModelFeed>)> {
        // one scan splits its work with `rayon::join`, so it too needs a live pool after fork()
        in_live_pool(|| self.prepare_caught(bytes))
    }

    fn prepare_caught(&self, bytes: &[u8]) -> Result<(ScanResult, Option<ModelFeed>)> {
        caught(|| self.prepare_inner(bytes).map(|(r, feed, _, _)| (r, feed)))
    }

    /// The analyst's view of an image in memory: the scan's result (the model applied) with
    /// every bit plane, a heat map of local embedding evidence, the estimated extent of a
    /// sequential payload, the metadata fields and the data after the image
    /// ([`crate::inspect`]; render it with [`crate::inspect::page::render`]). Costs a scan plus
    /// a pass over the pixels for the heat map.
    pub fn inspect(&self, bytes: &[u8]) -> Result<crate::inspect::Inspection> {
        in_live_pool(|| {
            caught(|| {
                let (mut result, feed, info, decoded) = self.prepare_inner(bytes)?;
                if let (Some(m), Some(feed)) = (&self.model, feed) {
                    let t = Instant::now();
                    let pred = m.predict(&[feed])?;
                    self.apply(m, &mut result, &pred[0], t.elapsed().as_micros() as u64);
                }
                Ok(crate::inspect::build(
                    result,
                    &info,
                    &decoded.frames[0],
                    bytes,
                    info.lossy,
                ))
            })
        })
    }

    #[allow(clippy::type_complexity)]
    fn prepare_inner(
        &self,
        bytes: &[u8],
    ) -> Result<(
        ScanResult,
        Option<ModelFeed>,
        container::ContainerInfo,
        planes::Decoded,
    )> {
        let t0 = Instant::now();
        let (format, info) = self.walk(bytes)?;
        // A JPEG is entropy-decoded once: its coefficient analyses run alongside making the
        // pixels from the same coefficients (two cores for one image; the same thread when the
        // pool is busy with a batch).
        let (decoded, jpeg) = if format == Format::Jpeg {
            let limits = &self.opts.limits;
            let dct = planes::read_jpeg(bytes, &info, limits);
            let (decoded, jpeg) = rayon::join(
                || planes::decode_jpeg(bytes, &info, limits, dct.as_ref().ok()),
                || analysis::jpeg_domain(dct.as_ref(), self.jpeg_model.is_some(), &self.opts),
            );
            (decoded, Some(jpeg))
        } else {
            (
                planes::decode(format, bytes, &info, &self.opts.limits),
                None,
            )
        };
        let decoded = decoded?;
        let (result, feed) = self.prepare_decoded(format, bytes, &info, &decoded, t0, jpeg)?;
        Ok((result, feed, info, decoded))
    }

    /// Analyses, rules and model inputs of an image already decoded (`t0`: when decoding began).
    fn prepare_decoded(
        &self,
        format: Format,
        bytes: &[u8],
        info: &container::ContainerInfo,
        decoded: &planes::Decoded,
        t0: Instant,
        jpeg: Option<analysis::JpegDomain>,
    ) -> Result<(ScanResult, Option<ModelFeed>)> {
        let t1 = Instant::now();
        let mut analysis = analysis::analyse(format, bytes, info, decoded, &self.opts, jpeg);
        if let (Some(jm), Some(f)) = (&self.jpeg_model, &analysis.jpeg_features) {
            analysis.evidence.push(jm.evidence(f)?);
        }
        let mut result = verdict::decide(
            analysis,
            format,
            info,
            decoded,
            bytes.len(),
            self.opts.threshold,
        );
        let feed = self.model.as_ref().map(|m| ModelFeed {
            features: m.needs_features().then(|| features::extract(&result)),
            v4: m
                .needs_v4()
                .then(|| starlight_v4::tensors(format, bytes, info, &decoded.frames[0])),
        });
        let t2 = Instant::now();
        result.timings = Timings {
            decode_us: (t1 - t0).as_micros() as u64,
            analysis_us: (t2 - t1).as_micros() as u64,
            model_us: 0,
            total_us: (t2 - t0).as_micros() as u64,
        };
        Ok((result, feed))
    }

    fn apply(&self, m: &Model, result: &mut ScanResult, pred: &Prediction, model_us: u64) {
        let info = m.info();
        let r = ModelRef {
            id: info.id.clone(),
            sha256: info.sha256.clone(),
        };
        crate::model::apply(result, pred, r, self.opts.threshold);
        if m.needs_features() {
            // a model over the rule evidence is held where that evidence is (a model of its own
            // inputs, such as Starlight's V4 signature, is not)
            verdict::hold_structural(result, self.opts.threshold);
        }
        result.timings.model_us = model_us;
        result.timings.total_us += model_us;
    }

    /// Scan pixels already in memory (a numpy array, a frame from a video pipeline): `samples`
    /// interleaved row-major, `mode.channels()` 8-bit samples per pixel. There is no container,
    /// so the result is that of the same pixels in a lossless PNG without metadata: the pixel
    /// methods (LSB, alpha) are analysed; EXIF and appended data cannot occur. Palette mode is
    /// refused (give the file). The samples are moved in, not copied (callers from other
    /// languages copy once into the `Vec`).
    pub fn scan_pixels(
        &self,
        width: u32,
        height: u32,
        mode: planes::ColorMode,
        samples: Vec<u8>,
    ) -> Result<ScanResult> {
        let t0 = Instant::now();
        let (info, decoded) = self.raw_planes(width, height, mode, samples)?;
        let (mut result, feed) = in_live_pool(|| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.prepare_decoded(Format::Png, &[], &info, &decoded, t0, None)
            }))
        })
        .map_err(|_| Error::Internal("panic while analysing pixels".into()))??;
        if let (Some(m), Some(feed)) = (&self.model, feed) {
            let t = Instant::now();
            let pred = m.predict(&[feed])?;
            self.apply(m, &mut result, &pred[0], t.elapsed().as_micros() as u64);
        }
        Ok(result)
    }

    fn raw_planes(
        &self,
        width: u32,
        height: u32,
        mode: planes::ColorMode,
        samples: Vec<u8>,
    ) -> Result<(container::ContainerInfo, planes::Decoded)> {
        if mode == planes::ColorMode::Palette {
            return Err(Error::InvalidArgument(
                "palette pixels need their palette: scan the file instead".into(),
            ));
        }
        let pixels = width as u64 * height as u64;
        if pixels == 0 {
            return Err(Error::InvalidArgument("an image of zero pixels".into()));
        }
        if pixels > self.opts.limits.max_pixels {
            return Err(Error::Limit(format!(
                "{width}x{height} = {pixels} pixels exceeds the limit of {}",
                self.opts.limits.max_pixels
            )));
        }
        let expected = pixels as u128 * mode.channels() as u128;
        if samples.len() as u128 != expected {
            return Err(Error::InvalidArgument(format!(
                "{} samples given for {width}x{height} {} ({expected} expected)",
                samples.len(),
                mode.as_str(),
            )));
        }
        let info = container::ContainerInfo {
            width,
            height,
            frames: 1,
            ..Default::default()
        };
        let planes = planes::PixelPlanes::from_samples(width, height, mode, samples);
        Ok((
            info,
            planes::Decoded {
                frames: vec![planes],
                frames_total: 1,
            },
        ))
    }

    /// The eight inputs of Starlight's V4 model for an image file in memory, computed as its
    /// `load_unified_input` does (see [`starlight_v4`]), whatever model this detector runs.
    pub fn starlight_v4_inputs(&self, bytes: &[u8]) -> Result<starlight_v4::V4Tensors> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let (format, info, decoded) = self.decode(bytes)?;
            Ok(starlight_v4::tensors(
                format,
                bytes,
                &info,
                &decoded.frames[0],
            ))
        }))
        .unwrap_or_else(|_| Err(Error::Internal("panic while computing V4 inputs".into())))
    }

    /// Container walk and pixel decoding only (the baseline that scan time is measured against,
    /// and the first stage of every scan).
    pub fn decode(
        &self,
        bytes: &[u8],
    ) -> Result<(Format, container::ContainerInfo, planes::Decoded)> {
        let (format, info) = self.walk(bytes)?;
        let decoded = planes::decode(format, bytes, &info, &self.opts.limits)?;
        Ok((format, info, decoded))
    }

    /// The size limit, format sniffing and the container walk: what comes before decoding.
    fn walk(&self, bytes: &[u8]) -> Result<(Format, container::ContainerInfo)> {
        if bytes.len() as u64 > self.opts.limits.max_file_bytes {
            return Err(Error::Limit(format!(
                "input of {} bytes exceeds the limit of {} bytes",
                bytes.len(),
                self.opts.limits.max_file_bytes
            )));
        }
        let format = Format::sniff(bytes).ok_or_else(|| {
            Error::UnknownFormat(if bytes.is_empty() {
                "empty input".into()
            } else {
                "unrecognised signature".into()
            })
        })?;
        let info = container::parse(format, bytes, &self.opts.limits)?;
        Ok((format, info))
    }

    /// Working memory a scan of `bytes` is expected to need, in bytes, from the sizes its
    /// container declares (no pixels are decoded): what to reserve from a
    /// [`crate::MemoryBudget`] before [`Detector::scan_bytes`]. Inputs that do not parse need
    /// nothing beyond themselves (their scan fails at the same point): 0.
    pub fn memory_estimate(&self, bytes: &[u8]) -> u64 {
        let limits = &self.opts.limits;
        let Some(format) = Format::sniff(bytes) else {
            return 0;
        };
        match container::parse(format, bytes, limits) {
            Ok(info) => planes::working_memory(format, bytes, &info, limits),
            Err(_) => 0,
        }
    }

    /// Images per model call in [`Detector::scan_many`].
    const BATCH: usize = 256;

    /// All payloads recovered from an image (strongest evidence first).
    pub fn extract_bytes(&self, bytes: &[u8]) -> Result<Vec<Payload>> {
        let r = self.scan_bytes(bytes)?;
        Ok(r.findings.into_iter().filter_map(|e| e.payload).collect())
    }

    /// Scan many in-memory images in parallel; results in input order. The model runs once per
    /// batch of images rather than once per image. Runs on the caller's rayon pool when called
    /// inside one, else on the global pool (one thread per core), or after `fork()` on a pool of
    /// the child's own (`in_live_pool`).
    pub fn scan_many(&self, items: &[&[u8]]) -> Vec<Result<ScanResult>> {
        let prepared: Vec<_> = in_live_pool(|| items.par_iter().map(|b| self.prepare(b)).collect());
        self.finish_batch(prepared)
    }

    /// Scan many files in parallel; results in input order (batched model calls and thread pool
    /// as [`Detector::scan_many`]).
    pub fn scan_paths<P: AsRef<Path> + Sync>(&self, paths: &[P]) -> Vec<Result<ScanResult>> {
        let max = self.opts.limits.max_file_bytes;
        let prepared: Vec<_> = in_live_pool(|| {
            paths
                .par_iter()
                .map(|p| read_limited(p.as_ref(), max).and_then(|b| self.prepare(&b)))
                .collect()
        });
        self.finish_batch(prepared)
    }

    fn finish_batch(
        &self,
        prepared: Vec<Result<(ScanResult, Option<ModelFeed>)>>,
    ) -> Vec<Result<ScanResult>> {
        let Some(m) = &self.model else {
            return prepared
                .into_iter()
                .map(|r| r.map(|(res, _)| res))
                .collect();
        };
        let mut out: Vec<Result<ScanResult>> = Vec::with_capacity(prepared.len());
        // indices and feeds side by side, so batches are slices of the feeds (V4 tensors are large:
        // never copied)
        let (mut idx, mut feeds): (Vec<usize>, Vec<ModelFeed>) = (Vec::new(), Vec::new());
        for (i, r) in prepared.into_iter().enumerate() {
            match r {
                Ok((res, Some(feed))) => {
                    idx.push(i);
                    feeds.push(feed);
                    out.push(Ok(res));
                }
                Ok((res, None)) => out.push(Ok(res)),
                Err(e) => out.push(Err(e)),
            }
        }
        let batch = Self::BATCH.min(m.max_batch());
        for (ids, chunk) in idx.chunks(batch).zip(feeds.chunks(batch)) {
            let t = Instant::now();
            let preds = m.predict(chunk);
            let per = t.elapsed().as_micros() as u64 / chunk.len() as u64;
            for (k, &i) in ids.iter().enumerate() {
                match &preds {
                    Ok(p) => {
                        if let Ok(res) = &mut out[i] {
                            self.apply(m, res, &p[k], per);
                        }
                    }
                    // a failed inference is an error for every image of the batch, never "clean"
                    Err(Error::Model(msg)) => out[i] = Err(Error::Model(msg.clone())),
                    Err(e) => out[i] = Err(Error::Model(e.to_string())),
                }
            }
        }
        out
    }
}

/// Read a regular file of at most `max` bytes.
///
/// Never reads more than `max + 1` bytes, whatever the file system reports (a file that grows
/// while it is read is cut there and refused). Anything that is not a regular file (a FIFO, a
/// character or block device, a socket) is refused with an [`Error::Io`] before a byte is read:
/// it is opened without blocking, so a FIFO with no writer cannot hang the caller. Symbolic
/// links are followed. Read standard input yourself (`std::io::stdin().take(max + 1)`).
pub fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let io = |source| Error::Io {
        path: format!("cannot read {}", path.display()),
        file: path.to_path_buf(),
        source,
    };
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever
        open.custom_flags(libc::O_NONBLOCK);
    }
    let file = open.open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(Error::InvalidArgument(format!(
            "{} is a directory",
            path.display()
        )));
    }
    if !meta.is_file() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!(
                "not a regular file ({})",
                crate::inputs::special_kind(&meta.file_type())
            ),
        )));
    }
    if meta.len() > max {
        return Err(Error::Limit(format!(
            "{} is {} bytes, over the limit of {max}",
            path.display(),
            meta.len()
        )));
    }
    let mut buf = Vec::with_capacity(meta.len() as usize);
    file.take(max.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(io)?;
    if buf.len() as u64 > max {
        return Err(Error::Limit(format!(
            "{} grew past the limit of {max} bytes while it was read",
            path.display()
        )));
    }
    Ok(buf)
}

/// Run `f` (parallel work) where it can run: rayon's global pool does not survive `fork()` (its
/// threads stay in the parent, so a child's parallel call would wait forever). The process that
/// first ran parallel work here is remembered; in any other process (a forked child) the work
/// runs on a pool of that process's own, one thread per core, made once. Inside a caller's pool
/// (the CLI's `--jobs`, Python's `jobs=`) the caller's pool is used. Every face (Rust, C, Python,
/// the CLI) gets this policy from here. A host that used rayon's global pool itself before
/// forking, without a parallel call here, is not covered: the child would still find that pool
/// dead.
/// Run `f`, turning a panic (in a third-party decoder or a bug of ours, on hostile input) into
/// an [`Error::Internal`] carrying the panic's message.
fn caught<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into());
        Err(Error::Internal(msg))
    })
}

fn in_live_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    static FIRST_PID: OnceLock<u32> = OnceLock::new();
    static CHILD_POOL: Mutex<Option<(u32, Arc<rayon::ThreadPool>)>> = Mutex::new(None);
    let pid = std::process::id();
    if rayon::current_thread_index().is_some() || *FIRST_PID.get_or_init(|| pid) == pid {
        return f();
    }
    let pool = {
        let mut g = CHILD_POOL.lock().unwrap_or_else(|p| p.into_inner());
        match &*g {
            Some((p, pool)) if *p == pid => Some(pool.clone()),
            _ => {
                let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .ok()
                    .map(Arc::new);
                *g = pool.clone().map(|pool| (pid, pool));
                pool
            }
        }
    };
    match pool {
        Some(pool) => pool.install(f),
        // no thread could be started: one at a time on this thread, never a hang
        None => match rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .use_current_thread()
            .build()
        {
            Ok(p) => p.install(f),
            Err(_) => f(),
        },
    }
}
