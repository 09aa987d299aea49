//! JPEG-domain detection measured: jsteg payload curves made here, and any labelled set of
//! clean and tool-made stego JPEGs.
//!
//! ```text
//! cargo run --release --example jpeg_domain -- jsteg --rates 0.01,0.02,0.05,0.1 [--max N] DIR...
//! cargo run --release --example jpeg_domain -- llr --rates 0.02,0.05 [--max N] DIR...
//! cargo run --release --example jpeg_domain -- manifest data/jpeg/manifest.csv [--model]
//! ```
//! `jsteg`: every JPEG under the DIRs is a cover; for each rate, random bytes amounting to
//! `rate` bits per non-zero AC coefficient (header included) are embedded with
//! `embed --method jpeg.jsteg`'s code, and the stego and the clean cover are scanned (rules
//! only, so the figures are the JPEG-domain analyses'). Prints per rate the covers, detection
//! as `jpeg.jsteg`, payloads recovered byte-exact, and the false positives on the covers, with
//! 95 % Wilson intervals, for covers under and over 20,000 non-zero AC coefficients
//! (`JSTEG_MISSES=1`: every missed stego's rate, count and cover on stderr).
//! `llr`: the log-likelihood ratio of jsteg's declared prefix (`jsteg::Prefix::llr`) per
//! cover, on the clean cover and on its stego at each rate, one TSV line per cover (below).
//! `manifest CSV [--model]`: a CSV with `path,label,tool,param` columns (the rest ignored);
//! prints, per label/tool/param, how many were called stego, by any method and by a JPEG-domain
//! method, and with the tool of the `tool` column named; rules only, or with `--model` the
//! product's default models (the default model and the learned JPEG model).
//! `features MANIFEST OUT.csv`: the learned JPEG model's input vector
//! (`analysis::jpeg::features`) of every file of a manifest, one CSV row per file (`path` then
//! `f0..f201`; files without a vector are reported on stderr), for `scripts/train_jpeg_model.py`.
//! `jsteg-time DIR...`: the jsteg pass alone (`jsteg::scan`), five times per JPEG on one
//! thread, its mean time per file and in all, beside a reference pass over the same
//! coefficients (`DctPlanes::block_counts`), the stream kept, and a hash of the whole result
//! (the same lines from two builds: the same scans).
//! `baseline DIR...`: the baseline coefficient reader (`DctPlanes::read_baseline`) against
//! `libjpeg-turbo-rs::read_coefficients` on every JPEG under the DIRs: how many each read, and
//! every file where the fast path's coefficients differ or the reference fails where it reads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use stegodetect::embed::{embed, EmbedOptions};
use stegodetect::eval::wilson;
use stegodetect::planes::dct::DctPlanes;
use stegodetect::{Detector, Method};

fn jpegs(dirs: &[String]) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = dirs
        .iter()
        .flat_map(|d| walkdir::WalkDir::new(d).into_iter().filter_map(|e| e.ok()))
        .map(|e| e.into_path())
        .filter(|p| {
            p.extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| matches!(x.to_ascii_lowercase().as_str(), "jpg" | "jpeg"))
        })
        .collect();
    out.sort();
    out
}

/// The JPEGs under `dirs` whose coefficients read, with them.
fn planes(dirs: &[String]) -> impl Iterator<Item = (PathBuf, DctPlanes)> {
    jpegs(dirs).into_iter().filter_map(|p| {
        let d = DctPlanes::read(&std::fs::read(&p).ok()?, 0).ok()?;
        Some((p, d))
    })
}

fn nonzero_ac(bytes: &[u8]) -> Option<usize> {
    let d = DctPlanes::read(bytes, 0).ok()?;
    Some(
        d.components
            .iter()
            .flat_map(|c| c.blocks.iter())
            .map(|b| b[1..].iter().filter(|&&v| v != 0).count())
            .sum(),
    )
}

fn pct(k: u64, n: u64) -> String {
    let (lo, hi) = wilson(k, n);
    format!(
        "{k}/{n} = {:.2} % [{:.2}, {:.2}]",
        100.0 * k as f64 / n.max(1) as f64,
        100.0 * lo,
        100.0 * hi
    )
}

/// Covers with at least this many non-zero AC coefficients (about a 0.25 MP photo at quality
/// 75) are reported apart: small images carry too few bits at low rates for any statistic.
const BIG: usize = 20_000;

/// jsteg stego of `cover` (`nz` non-zero AC coefficients) at `rate` bits per non-zero AC
/// coefficient, header included: random bytes drawn from the cover's and the rate's index, and
/// the stego file; `None` when the rate leaves no byte or embedding fails.
fn jsteg_stego(
    cover: &[u8],
    nz: usize,
    rate: f64,
    cover_index: usize,
    rate_index: usize,
) -> Option<(Vec<u8>, stegodetect::embed::Embedded)> {
    let len = ((rate * nz as f64 / 8.0) as usize).saturating_sub(4);
    if len == 0 {
        return None;
    }
    let mut x = (cover_index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ rate_index as u64;
    let payload: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect();
    let st = embed(cover, &payload, &EmbedOptions::new(Method::JpegJsteg)).ok()?;
    Some((payload, st))
}

fn jsteg(rates: &[f64], max: usize, dirs: &[String]) {
    let det = Detector::rules_only();
    let mut covers = jpegs(dirs);
    covers.truncate(max);
    // per rate: [covers, detected, exact]; then clean [n, fp]
    let rows: Vec<(Vec<[u64; 6]>, [u64; 2])> = covers
        .par_iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let cover = std::fs::read(p).ok()?;
            let clean = det.scan_bytes(&cover).ok()?;
            let nz = nonzero_ac(&cover)?;
            let mut per = vec![[0u64; 6]; rates.len()];
            for (k, &rate) in rates.iter().enumerate() {
                let Some((payload, st)) = jsteg_stego(&cover, nz, rate, i, k) else {
                    continue;
                };
                let Ok(r) = det.scan_bytes(&st.bytes) else {
                    continue;
                };
                let big = if nz >= BIG { 3 } else { 0 };
                per[k][big] += 1;
                if r.is_stego && r.method == Some(Method::JpegJsteg) {
                    per[k][big + 1] += 1;
                    if r.payload.as_ref().is_some_and(|p| p.bytes == payload) {
                        per[k][big + 2] += 1;
                    } else if std::env::var_os("JSTEG_INEXACT").is_some() {
                        let got = r.payload.as_ref().map(|p| &p.bytes[..]).unwrap_or(&[]);
                        let same = got.iter().zip(&payload).take_while(|(a, b)| a == b).count();
                        eprintln!(
                            "inexact\t{rate}\t{nz}\tembedded {} got {} same prefix {same}\t{}",
                            payload.len(),
                            got.len(),
                            p.display()
                        );
                    }
                } else if std::env::var_os("JSTEG_MISSES").is_some() {
                    eprintln!("miss\t{rate}\t{nz}\t{}", p.display());
                }
            }
            let fp = clean.is_stego && clean.method.is_some_and(Method::is_jpeg_domain);
            Some((per, [1, fp as u64]))
        })
        .collect();
    let clean: [u64; 2] = rows
        .iter()
        .fold([0, 0], |a, r| [a[0] + r.1[0], a[1] + r.1[1]]);
    println!("covers: {} JPEGs under {}", clean[0], dirs.join(" "));
    println!(
        "clean flagged by a JPEG-domain method: {}",
        pct(clean[1], clean[0])
    );
    for (k, rate) in rates.iter().enumerate() {
        let mut t = [0u64; 6];
        for r in &rows {
            for (a, b) in t.iter_mut().zip(r.0[k]) {
                *a += b;
            }
        }
        println!(
            "jsteg {rate} bits/nzAC, covers < {BIG} nzAC: detected {}; payload exact {}",
            pct(t[1], t[0]),
            pct(t[2], t[0])
        );
        println!(
            "jsteg {rate} bits/nzAC, covers >= {BIG} nzAC: detected {}; payload exact {}",
            pct(t[4], t[3]),
            pct(t[5], t[3])
        );
    }
}

/// Per cover, one TSV line: path, non-zero AC count; for the clean cover the declared prefix's
/// log-likelihood ratio, shortfall and deviance (`jsteg::Fit`; `-` where no header parses) and
/// whether it is called jsteg's by the ratio; over about 100 of its prefixes (as if a header
/// declared each) how many the ratio calls a payload, of how many, and the largest ratio among
/// those; then per rate, on the stego, the declared prefix's ratio, shortfall and deviance,
/// whether the symmetry rules find it and whether the ratio does.
fn llr(rates: &[f64], max: usize, dirs: &[String]) {
    use stegodetect::analysis::jpeg::jsteg;
    let mut covers = jpegs(dirs);
    covers.truncate(max);
    let lines: Vec<String> = covers
        .par_iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let cover = std::fs::read(p).ok()?;
            let dct = DctPlanes::read(&cover, 0).ok()?;
            let nz = nonzero_ac(&cover)?;
            let show = |x: Option<jsteg::Fit>| {
                x.map_or("-\t-\t-".to_string(), |f| {
                    format!("{:.2}\t{:.2}\t{:.1}", f.llr, f.shortfall, f.deviance)
                })
            };
            let declared = |d: &DctPlanes| {
                let scan = jsteg::scan(d);
                let by_fit = scan.declared_by_fit().is_some();
                scan.header.map(|((len, start), h)| {
                    let drawn = jsteg::drawn(d, start + len * 8);
                    (
                        h.fit(),
                        h.is_declared_signature() && !drawn,
                        by_fit && !drawn,
                    )
                })
            };
            let mut line = format!("{}\t{nz}", p.display());
            let clean = declared(&dct);
            line += &format!(
                "\t{}\t{}",
                show(clean.and_then(|c| c.0)),
                clean.map_or(0, |c| c.2 as u8)
            );
            // every prefix ending at a multiple of 64 usable coefficients
            let mut all = [0i64; 13];
            let mut marks = Vec::new();
            let mut k = 0usize;
            for (ci, b) in dct.scan_order() {
                for &v in &dct.components[ci].blocks[b][1..] {
                    if v == 0 {
                        continue;
                    }
                    if (-6..=6).contains(&v) {
                        all[(v + 6) as usize] += 1;
                    }
                    if jsteg::usable(v) {
                        k += 1;
                        if k.is_multiple_of(64) {
                            marks.push(all);
                        }
                    }
                }
            }
            // about 100 of them, spaced by ratio as the lengths a clean image's first bits
            // declare are: how many the likelihood ratio would call a payload, and the largest
            // ratio among those
            let step = (marks.len() as f64).powf(0.01).max(1.0 + 1e-9);
            let (mut at, mut looks, mut hits, mut most) = (1.0f64, 0, 0, f64::NEG_INFINITY);
            while (at as usize) <= marks.len() {
                let i = at as usize;
                looks += 1;
                let end = marks[(2 * i).min(marks.len()) - 1];
                if let Some(l) = jsteg::by_fit_at(marks[i - 1], end, all) {
                    hits += 1;
                    most = most.max(l);
                }
                at = (at * step).max(at + 1.0);
            }
            line += &format!("\t{hits}\t{looks}\t{most:.2}");
            for (r, &rate) in rates.iter().enumerate() {
                let st = jsteg_stego(&cover, nz, rate, i, r)
                    .and_then(|(_, st)| DctPlanes::read(&st.bytes, 0).ok())
                    .and_then(|d| declared(&d));
                line += &match st {
                    Some((l, rule, by_fit)) => {
                        format!("\t{}\t{}\t{}", show(l), rule as u8, by_fit as u8)
                    }
                    None => "\t-\t-\t-\t-".to_string(),
                };
            }
            Some(line)
        })
        .collect();
    for l in lines {
        println!("{l}");
    }
}

fn manifest(path: &Path, with_model: bool) {
    let det = if with_model {
        Detector::new(stegodetect::Options::default()).expect("the default model (make setup)")
    } else {
        Detector::rules_only()
    };
    let mut rd = csv::Reader::from_path(path).expect("manifest");
    let head = rd.headers().expect("header").clone();
    let col = |n: &str| head.iter().position(|h| h == n).expect(n);
    let (cp, cl, ct, cq) = (col("path"), col("label"), col("tool"), col("param"));
    let base = path.parent().unwrap_or(Path::new("."));
    let rows: Vec<(String, String, String, String)> = rd
        .records()
        .filter_map(|r| r.ok())
        .map(|r| {
            // group re-encodes and controls as one, and tool output over its cover quality
            let tool = r[ct].to_string();
            let param = if tool.starts_with("reencode") || tool.ends_with("-control") {
                String::new()
            } else {
                r[cq].split("-q").next().unwrap_or("").to_string()
            };
            (r[cp].to_string(), r[cl].to_string(), tool, param)
        })
        .collect();
    let res: Vec<_> = rows
        .par_iter()
        .map(|(p, l, t, q)| {
            let f = if Path::new(p).exists() {
                PathBuf::from(p)
            } else {
                base.join(p)
            };
            ((l.clone(), t.clone(), q.clone()), det.scan_path(&f))
        })
        .collect();
    let mut agg: BTreeMap<(String, String, String), [u64; 5]> = BTreeMap::new();
    for (k, r) in res {
        let tool = k.1.clone();
        let a = agg.entry(k).or_default();
        a[0] += 1;
        match r {
            Ok(r) => {
                a[1] += r.is_stego as u64;
                a[2] += (r.is_stego && r.method.is_some_and(Method::is_jpeg_domain)) as u64;
                a[4] += (r.is_stego && r.tool.is_some_and(|t| t.name() == tool)) as u64;
            }
            Err(_) => a[3] += 1,
        }
    }
    for ((l, t, q), a) in agg {
        println!(
            "{l:5} {t:16} {q:12} n={:5} stego(any) {} jpeg-domain {} tool named {} errors {}",
            a[0],
            pct(a[1], a[0] - a[3]),
            pct(a[2], a[0] - a[3]),
            pct(a[4], a[0] - a[3]),
            a[3]
        );
    }
}

/// `f` of each file of LIST (a CSV whose first column is the path; `None` where its
/// coefficients cannot be read), the paths, and the milliseconds per file spent in `f` alone
/// (RAYON_NUM_THREADS=1 for a per-file cost).
fn over_list<T: Send>(
    manifest: &Path,
    f: impl Fn(&DctPlanes) -> Option<T> + Sync,
) -> (Vec<String>, Vec<Option<T>>, f64) {
    let mut rd = csv::Reader::from_path(manifest).expect("manifest");
    let paths: Vec<String> = rd
        .records()
        .map(|r| r.expect("manifest row")[0].to_string())
        .collect();
    let nanos = std::sync::atomic::AtomicU64::new(0);
    let rows = paths
        .par_iter()
        .map(|p| {
            let d = DctPlanes::read(&std::fs::read(p).ok()?, 0).ok()?;
            let t = std::time::Instant::now();
            let v = f(&d);
            nanos.fetch_add(
                t.elapsed().as_nanos() as u64,
                std::sync::atomic::Ordering::Relaxed,
            );
            v
        })
        .collect();
    let ms = nanos.into_inner() as f64 / 1e6 / paths.len().max(1) as f64;
    (paths, rows, ms)
}

/// The luminance AC histogram of each JPEG and of its calibrated version
/// (`features::histograms`), one row per file: `path,h-8..h8,c-8..c8`.
fn histograms(manifest: &Path, out: &Path) {
    let (paths, rows, ms) = over_list(manifest, |d| {
        stegodetect::analysis::jpeg::features::histograms(d)
    });
    let mut w = csv::Writer::from_path(out).expect("output CSV");
    let r = stegodetect::analysis::jpeg::features::HIST_RANGE;
    let mut header = vec!["path".to_string()];
    header.extend((-r..=r).map(|i| format!("h{i}")));
    header.extend((-r..=r).map(|i| format!("c{i}")));
    w.write_record(&header).unwrap();
    for (p, v) in paths.iter().zip(rows) {
        if let Some((h, c)) = v {
            let mut rec = vec![p.clone()];
            rec.extend(h.iter().chain(&c).map(|x| format!("{x:.9}")));
            w.write_record(&rec).unwrap();
        }
    }
    w.flush().unwrap();
    eprintln!("{} files; {ms:.3} ms per file", paths.len());
}

fn features(manifest: &Path, out: &Path) {
    let (paths, rows, ms) = over_list(manifest, |d| {
        stegodetect::analysis::jpeg::features::features(d).map(|f| f.to_vec())
    });
    let rows: Vec<(String, Option<Vec<f32>>)> = paths.iter().cloned().zip(rows).collect();
    let mut w = csv::Writer::from_path(out).expect("output CSV");
    let n = stegodetect::analysis::jpeg::features::N_FEATURES;
    let mut header = vec!["path".to_string()];
    header.extend((0..n).map(|i| format!("f{i}")));
    w.write_record(&header).unwrap();
    let mut missing = 0;
    for (p, v) in rows {
        match v {
            Some(v) => {
                let mut rec = vec![p];
                rec.extend(v.iter().map(|x| format!("{x:.7}")));
                w.write_record(&rec).unwrap();
            }
            None => {
                eprintln!("no features: {p}");
                missing += 1;
            }
        }
    }
    w.flush().unwrap();
    eprintln!(
        "{} rows written, {missing} without features; features {ms:.3} ms per file",
        paths.len() - missing
    );
}

/// `dctr LIST OUT`: the DCTR features of each file of LIST (a CSV whose first column is the
/// path), as little-endian f32 rows of `N_DCTR` in OUT, and the paths of those rows in OUT.paths
/// (files without features are left out and named on stderr).
fn dctr(manifest: &Path, out: &Path) {
    use std::io::Write;
    use stegodetect::analysis::jpeg::dctr::{dctr, N_DCTR};
    let (paths, rows, ms) = over_list(manifest, dctr);
    let mut bin = std::io::BufWriter::new(std::fs::File::create(out).expect("output"));
    let mut names = String::new();
    let mut missing = 0;
    for (p, v) in paths.iter().zip(rows) {
        match v {
            Some(v) => {
                assert_eq!(v.len(), N_DCTR);
                for x in v {
                    bin.write_all(&x.to_le_bytes()).unwrap();
                }
                names.push_str(p);
                names.push('\n');
            }
            None => {
                eprintln!("no features: {p}");
                missing += 1;
            }
        }
    }
    bin.flush().unwrap();
    std::fs::write(out.with_extension("paths"), names).unwrap();
    eprintln!(
        "{} rows written, {missing} without features; DCTR {ms:.3} ms per file",
        paths.len() - missing
    );
}

/// f5stegojs under a list of `n` passwords that open nothing (the cost of a dictionary that
/// misses), one thread: ms per JPEG, per password and per luminance Mpx, with the stego files
/// opened (`--passphrases` as the scan runs it). `f5-time N DIR...`
fn f5_time(n: usize, dirs: &[String]) {
    use stegodetect::analysis::jpeg::f5;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let passwords: Vec<String> = (0..n).map(|i| format!("not-it-{i}")).collect();
    let (mut total, mut mpx, mut files, mut opened) = (0.0, 0.0, 0, 0);
    for (_, d) in planes(dirs) {
        let mut ev = Vec::new();
        let t = std::time::Instant::now();
        pool.install(|| f5::analyse(&d, &passwords, true, 1 << 20, &mut ev));
        total += t.elapsed().as_secs_f64() * 1e3;
        opened += !ev.is_empty() as usize;
        mpx += d.components.first().map_or(0, |c| c.blocks.len() * 64) as f64 / 1e6;
        files += 1;
    }
    println!(
        "{files} JPEGs, {n} passwords, one thread: {total:.1} ms in all, {:.2} ms per file, \
         {:.3} ms per password per file, {:.2} ms per password per luminance Mpx; {opened} opened",
        total / files.max(1) as f64,
        total / (files.max(1) * n.max(1)) as f64,
        total / (n.max(1) as f64 * mpx.max(1e-9))
    );
}

fn jsteg_time(dirs: &[String]) {
    use stegodetect::analysis::jpeg::jsteg;
    let (mut total, mut total_reference) = (0.0, 0.0);
    let mut n = 0;
    for (p, d) in planes(dirs) {
        let t = std::time::Instant::now();
        for _ in 0..5 {
            std::hint::black_box(jsteg::scan(&d));
        }
        let ms = t.elapsed().as_secs_f64() / 5.0 * 1e3;
        // a reference pass over the same coefficients: one vectorised read of every value
        let t = std::time::Instant::now();
        for _ in 0..5 {
            std::hint::black_box(d.block_counts());
        }
        let reference = t.elapsed().as_secs_f64() / 5.0 * 1e3;
        // the whole result, hashed: equal lines between two builds mean equal scans
        let scan = jsteg::scan(&d);
        let mut h = std::hash::DefaultHasher::new();
        std::hash::Hash::hash(&format!("{scan:?}"), &mut h);
        println!(
            "{ms:9.3} ms  (block counts {reference:7.3} ms, stream kept {:>9}, result {:016x})  {}",
            scan.stream.len(),
            std::hash::Hasher::finish(&h),
            p.display()
        );
        total += ms;
        total_reference += reference;
        n += 1;
    }
    println!(
        "{n} JPEGs: jsteg pass {total:.1} ms in all, {:.2} ms per file; a pass counting every \
         block's non-zero values and ones (DctPlanes::block_counts) {total_reference:.1} ms",
        total / n.max(1) as f64
    );
}

fn baseline(dirs: &[String]) {
    let files = jpegs(dirs);
    let out: Vec<(bool, bool, bool)> = files
        .par_iter()
        .map(|p| {
            let b = std::fs::read(p).unwrap_or_default();
            let reference = DctPlanes::read_general(&b);
            match DctPlanes::read_baseline(&b) {
                Some(fast) => {
                    let same = reference.as_ref().is_ok_and(|r| *r == fast);
                    if !same {
                        eprintln!("DIFFERENT: {}", p.display());
                    }
                    (reference.is_ok(), true, same)
                }
                None => (reference.is_ok(), false, true),
            }
        })
        .collect();
    let count = |f: &dyn Fn(&(bool, bool, bool)) -> bool| out.iter().filter(|x| f(x)).count();
    println!(
        "{} JPEGs: reference read {}, fast path read {}, differing {}",
        out.len(),
        count(&|x| x.0),
        count(&|x| x.1),
        count(&|x| !x.2)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some(cmd @ ("jsteg" | "llr")) => {
            let mut rates = vec![0.01, 0.02, 0.05, 0.1];
            let mut max = usize::MAX;
            let mut dirs = Vec::new();
            let mut it = args[1..].iter();
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--rates" => {
                        rates = it
                            .next()
                            .expect("--rates R,R")
                            .split(',')
                            .map(|r| r.parse().expect("rate"))
                            .collect()
                    }
                    "--max" => max = it.next().expect("--max N").parse().expect("N"),
                    d => dirs.push(d.to_string()),
                }
            }
            if cmd == "llr" {
                llr(&rates, max, &dirs)
            } else {
                jsteg(&rates, max, &dirs)
            }
        }
        Some("manifest") => manifest(
            Path::new(args.get(1).expect("manifest CSV")),
            args.get(2).is_some_and(|a| a == "--model"),
        ),
        Some("baseline") => baseline(&args[1..]),
        Some("jsteg-time") => jsteg_time(&args[1..]),
        Some("f5-time") => f5_time(
            args.get(1).and_then(|n| n.parse().ok()).expect("f5-time N DIR..."),
            &args[2..],
        ),
        Some("dctr") => dctr(
            Path::new(args.get(1).expect("list CSV")),
            Path::new(args.get(2).expect("output file")),
        ),
        Some("histograms") => histograms(
            Path::new(args.get(1).expect("LIST")),
            Path::new(args.get(2).expect("OUT.csv")),
        ),
        Some("features") => features(
            Path::new(args.get(1).expect("manifest CSV")),
            Path::new(args.get(2).expect("output CSV")),
        ),
        _ => eprintln!("usage: jpeg_domain jsteg|llr [--rates R,..] [--max N] DIR... | manifest CSV [--model] | features MANIFEST OUT | baseline DIR... | jsteg-time DIR..."),
    }
}
