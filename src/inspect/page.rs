//! The inspect view as one self-contained HTML page (no external assets: every image is inlined
//! as a data URL) plus the PNG files it shows, for `stegodetect inspect FILE -o DIR`.
//!
//! The page is for people and for tests alike: every picture and row carries `data-*`
//! attributes (`data-plane="R0"`, `data-evidence`, `data-heat`, `data-extent-rows`) that a
//! browser test reads back from the DOM.

use base64::Engine;

use super::{BitPlane, Grid, Inspection};
use crate::error::{Error, Result};

/// A rendered page and the images it shows (file name, PNG bytes).
pub struct Page {
    /// The HTML page, images inlined.
    pub html: String,
    /// The same images as PNG files (`image.png`, `plane-R0.png`, `heat-rate.png`, ...).
    pub images: Vec<(String, Vec<u8>)>,
}

fn enc(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("PNG encoding: {e}"))
}

/// Encode 8-bit samples (`channels` 1, 3 or 4) or, with `one_bit`, 0/1 values as a 1-bit PNG.
fn png(samples: &[u8], w: u32, h: u32, channels: usize, one_bit: bool) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut e = png::Encoder::new(&mut out, w, h);
    e.set_color(match channels {
        1 => png::ColorType::Grayscale,
        3 => png::ColorType::Rgb,
        _ => png::ColorType::Rgba,
    });
    let data: Vec<u8> = if one_bit {
        e.set_depth(png::BitDepth::One);
        // rows packed most significant bit first, each row padded to a byte
        samples
            .chunks(w as usize)
            .flat_map(|row| {
                row.chunks(8).map(|c| {
                    c.iter()
                        .enumerate()
                        .fold(0u8, |a, (i, &b)| a | ((b & 1) << (7 - i)))
                })
            })
            .collect()
    } else {
        e.set_depth(png::BitDepth::Eight);
        samples.to_vec()
    };
    let mut wr = e.write_header().map_err(enc)?;
    wr.write_image_data(&data).map_err(enc)?;
    wr.finish().map_err(enc)?;
    Ok(out)
}

/// Colour of a heat value in [0, 1]: dark blue (nothing) through yellow to red (every LSB
/// replaced); grey where there is no estimate.
fn heat_colour(v: f32) -> [u8; 3] {
    if !v.is_finite() {
        return [150, 150, 150];
    }
    const STOPS: [[f32; 3]; 3] = [
        [30.0, 40.0, 100.0],
        [240.0, 200.0, 40.0],
        [200.0, 20.0, 30.0],
    ];
    let t = v.clamp(0.0, 1.0) * 2.0;
    let (a, b, f) = if t <= 1.0 {
        (STOPS[0], STOPS[1], t)
    } else {
        (STOPS[1], STOPS[2], t - 1.0)
    };
    [0, 1, 2].map(|i| (a[i] + (b[i] - a[i]) * f).round() as u8)
}

fn heat_png(g: &Grid) -> Result<Vec<u8>> {
    let rgb: Vec<u8> = g.values.iter().flat_map(|&v| heat_colour(v)).collect();
    png(&rgb, g.cols, g.rows, 3, false)
}

/// HTML-escape text.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn data_url(mime: &str, bytes: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

fn plane_name(p: &BitPlane) -> String {
    format!("{}{}", p.channel, p.bit)
}

const STYLE: &str = r#"
  :root { --fg:#1d2430; --muted:#6b7380; --line:#e3e6ea; --bg:#f6f7f9; --card:#fff; --hot:#c23b52; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
  header { padding:14px 22px; background:var(--card); border-bottom:1px solid var(--line); }
  header h1 { margin:0 0 4px; font-size:18px; word-break:break-all; }
  .verdict { font-size:15px; } .stego { color:var(--hot); font-weight:600; } .clean { color:#2a9d6f; font-weight:600; }
  main { padding:16px 22px; display:flex; flex-direction:column; gap:16px; }
  section { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:14px 16px; }
  h2 { margin:0 0 10px; font-size:14px; }
  .note { color:var(--muted); font-size:12px; }
  table { border-collapse:collapse; font-size:13px; width:100%; }
  td, th { text-align:left; padding:4px 6px; border-bottom:1px solid var(--line); vertical-align:top; }
  td.mono, pre { font-family: ui-monospace, monospace; font-size:12px; word-break:break-all; white-space:pre-wrap; }
  .row { display:flex; flex-wrap:wrap; gap:16px; align-items:flex-start; }
  figure { margin:0; }
  figcaption { font-size:12px; color:var(--muted); }
  .pic { position:relative; display:inline-block; line-height:0; }
  .pic img { width:320px; image-rendering:pixelated; border:1px solid var(--line); }
  .extent { position:absolute; left:0; top:0; width:100%; border:2px dashed #fff; outline:2px dashed #000; pointer-events:none; }
  .planes { display:grid; grid-template-columns:repeat(8, minmax(0, 1fr)); gap:6px; }
  .planes img { width:100%; image-rendering:pixelated; border:2px solid var(--line); }
  .planes figure.evidence img { border-color:var(--hot); }
  .planes figure.evidence figcaption { color:var(--hot); font-weight:600; }
  tr.evidence td:first-child { color:var(--hot); font-weight:600; }
"#;

/// The JPEG coefficient section: the image's and the calibrated estimate's shares of the
/// luminance AC coefficients per value, as paired bars (0 is left out of the bars: it holds most
/// coefficients and would flatten the rest; its two shares are printed).
fn coefficient_chart(c: &super::CoefficientHistogram) -> String {
    let (w, h, left, bottom) = (640.0, 220.0, 40.0, 20.0);
    let shown: Vec<usize> = (0..c.values.len()).filter(|&i| c.values[i] != 0).collect();
    let max = shown
        .iter()
        .map(|&i| c.image[i].max(c.calibrated[i]))
        .fold(1e-9, f64::max);
    let slot = (w - left) / shown.len().max(1) as f64;
    let y = |v: f64| (h - bottom) * (1.0 - v / max);
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {h}\" width=\"640\" data-coef-values=\"{}\">",
        shown.len()
    );
    for (k, &i) in shown.iter().enumerate() {
        let x = left + k as f64 * slot;
        for (j, (v, colour, series)) in [
            (c.image[i], "#2f6fde", "image"),
            (c.calibrated[i], "#e0762f", "calibrated"),
        ]
        .into_iter()
        .enumerate()
        {
            svg.push_str(&format!(
                "<rect data-series=\"{series}\" data-value=\"{}\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"><title>{series} {}: {:.4} %</title></rect>",
                c.values[i],
                x + 2.0 + j as f64 * (slot - 4.0) / 2.0,
                y(v),
                (slot - 4.0) / 2.0,
                (h - bottom) - y(v),
                c.values[i],
                v * 100.0
            ));
        }
        svg.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{}</text>",
            x + slot / 2.0,
            h - 4.0,
            c.values[i]
        ));
    }
    svg.push_str(&format!(
        "<text x=\"0\" y=\"12\" font-size=\"11\">{:.2} %</text></svg>",
        max * 100.0
    ));
    let zero = c.values.iter().position(|&v| v == 0).unwrap_or(0);
    format!(
        "<section id=\"coefficients\"><h2>JPEG coefficients: the image against its calibrated estimate</h2>\
         <p class=\"note\">Luminance AC coefficients per value as shares of all of them; blue: the image, orange: \
         the same image decompressed, cropped by 4 pixels and compressed again with its table (an estimate of the \
         cover's). Embedding that changes coefficients shows as a departure, most at -1 and 1. Value 0 (not drawn): \
         {:.2} % of the image, {:.2} % estimated.</p>{svg}</section>\n",
        c.image[zero] * 100.0,
        c.calibrated[zero] * 100.0
    )
}

/// Render the page of an inspection; `name` is the file's name as shown.
pub fn render(ins: &Inspection, name: &str) -> Result<Page> {
    let r = &ins.result;
    let mut images: Vec<(String, Vec<u8>)> = Vec::new();
    let mut html = String::with_capacity(1 << 20);
    let push = |h: &mut String, s: &str| h.push_str(s);
    push(
        &mut html,
        &format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>stegodetect inspect: {}</title><style>{STYLE}</style></head><body>\n",
            esc(name)
        ),
    );
    // verdict
    let verdict = if r.is_stego { "stego" } else { "clean" };
    let method = r.method.map(|m| m.name()).unwrap_or("–");
    let tool = r.tool.map(|t| t.name()).unwrap_or("–");
    push(
        &mut html,
        &format!(
            "<header><h1>{}</h1><div class=\"verdict\" id=\"verdict\" data-verdict=\"{verdict}\" data-method=\"{method}\">\
             <span class=\"{verdict}\">{verdict}</span> · probability {:.4} · method {method} · tool {tool} · \
             decided by {} · model {}</div><div class=\"note\">{} {}x{} {}, {} bytes{}</div></header>\n<main>\n",
            esc(name),
            r.probability,
            esc(r.decided_by),
            esc(r.model.as_ref().map_or("none (rules)", |m| m.id.as_str())),
            r.image.format.as_str(),
            r.image.width,
            r.image.height,
            r.image.mode,
            r.image.file_size,
            if r.image.frames > 1 {
                format!(", {} frames (the first is shown)", r.image.frames)
            } else {
                String::new()
            }
        ),
    );

    // findings and scores
    push(&mut html, "<section id=\"findings\"><h2>Findings</h2>");
    if r.findings.is_empty() {
        push(&mut html, "<p class=\"note\">no finding</p>");
    } else {
        push(
            &mut html,
            "<table><tr><th>method</th><th>analysis</th><th>score</th><th>finding</th></tr>",
        );
        for e in &r.findings {
            push(
                &mut html,
                &format!(
                    "<tr class=\"finding\"><td>{}</td><td>{}</td><td>{:.3}</td><td>{}</td></tr>",
                    e.method.name(),
                    esc(e.analysis),
                    e.score,
                    esc(&e.detail)
                ),
            );
        }
        push(&mut html, "</table>");
    }
    push(
        &mut html,
        "<h2 style=\"margin-top:14px\">Scores per method</h2><table id=\"scores\"><tr><th>method</th><th>probability</th><th>rules</th></tr>",
    );
    let scores = serde_json::to_value(r.scores).unwrap_or_default();
    let rules = serde_json::to_value(r.rule_scores).unwrap_or_default();
    if let Some(m) = scores.as_object() {
        for (k, v) in m {
            push(
                &mut html,
                &format!(
                    "<tr data-method=\"{k}\"><td>{k}</td><td>{:.4}</td><td>{:.4}</td></tr>",
                    v.as_f64().unwrap_or(f64::NAN),
                    rules[k].as_f64().unwrap_or(f64::NAN)
                ),
            );
        }
    }
    push(&mut html, "</table></section>\n");

    // payloads
    push(
        &mut html,
        "<section id=\"payloads\"><h2>Recovered payloads</h2>",
    );
    if r.payloads.is_empty() {
        push(&mut html, "<p class=\"note\">none recovered</p>");
    } else {
        push(&mut html, "<table><tr><th>method</th><th>where</th><th>bytes</th><th>complete</th><th>tool</th><th>preview</th><th></th></tr>");
        for (i, p) in r.payloads.iter().enumerate() {
            push(
                &mut html,
                &format!(
                    "<tr class=\"payload\" data-bytes=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                     <td class=\"mono\">{}</td><td><a download=\"payload-{i}.bin\" href=\"{}\">download</a></td></tr>",
                    p.bytes.len(),
                    p.method.name(),
                    esc(&p.channel),
                    p.bytes.len(),
                    if p.complete { "yes" } else { "no" },
                    p.tool.map(|t| t.name()).unwrap_or(if p.encrypted { "encrypted" } else { "–" }),
                    esc(&p.preview(400)),
                    data_url("application/octet-stream", &p.bytes)
                ),
            );
        }
        push(&mut html, "</table>");
    }
    push(&mut html, "</section>\n");

    // image, heat maps, extent
    let image = png(
        &ins.preview,
        ins.display_width,
        ins.display_height,
        4,
        false,
    )?;
    push(&mut html, "<section id=\"where\"><h2>Where: the image and local embedding evidence</h2><div class=\"row\">");
    let extent_box = |h: &mut String| {
        if let Some(x) = &ins.extent {
            let share = (x.rows / ins.height as f64).min(1.0) * 100.0;
            h.push_str(&format!(
                "<div class=\"extent\" data-extent-rows=\"{:.1}\" style=\"height:{share:.2}%\"></div>",
                x.rows
            ));
        }
    };
    push(
        &mut html,
        &format!(
            "<figure><div class=\"pic\"><img id=\"image\" alt=\"image\" src=\"{}\">",
            data_url("image/png", &image)
        ),
    );
    extent_box(&mut html);
    push(
        &mut html,
        "</div><figcaption>the image</figcaption></figure>",
    );
    images.push(("image.png".into(), image));
    if let Some(h) = &ins.heat {
        for (key, g, caption) in [
            (
                "rate",
                h.rate.as_ref(),
                "local WS estimate of the LSB embedding rate (blue 0, yellow 0.5, red 1)",
            ),
            (
                "pairs",
                Some(&h.pairs),
                "chi-square of value pairs against shifted pairs (red: LSB pairs equalised, as LSB replacement makes them)",
            ),
        ] {
            let Some(h) = g else { continue };
            let p = heat_png(h)?;
            push(
                &mut html,
                &format!(
                    "<figure><div class=\"pic\"><img data-heat=\"{key}\" data-cols=\"{}\" data-rows=\"{}\" alt=\"heat map {key}\" src=\"{}\">",
                    h.cols,
                    h.rows,
                    data_url("image/png", &p)
                ),
            );
            extent_box(&mut html);
            push(
                &mut html,
                &format!(
                    "</div><figcaption>{caption}; blocks of {0}x{0} pixels</figcaption></figure>",
                    h.block
                ),
            );
            images.push((format!("heat-{key}.png"), p));
        }
    } else {
        push(
            &mut html,
            "<p class=\"note\">no heat map: the image is lossy (its LSBs are codec noise) or too small</p>",
        );
    }
    push(&mut html, "</div>");
    match &ins.extent {
        Some(x) => push(
            &mut html,
            &format!(
                "<p id=\"extent\">Estimated payload extent (dashed box): {} pixels from the first one along {} ({:.1} rows), from the {}.</p>",
                x.pixels,
                esc(&x.stream),
                x.rows,
                match x.source {
                    "payload" => "recovered payload's length",
                    "heat" => "band of high local rates in the heat map (the sequential analysis reads 8 KiB at most)",
                    _ => "sequential analysis's change point",
                }
            ),
        ),
        None => push(
            &mut html,
            "<p class=\"note\" id=\"extent\">no sequential payload extent estimated</p>",
        ),
    }
    push(&mut html, "</section>\n");

    if let Some(c) = &ins.coefficients {
        push(&mut html, &coefficient_chart(c));
    }

    // bit planes
    push(&mut html, "<section id=\"planes\"><h2>Bit planes</h2>");
    if ins.scale > 1 {
        push(
            &mut html,
            &format!(
                "<p class=\"note\">{}x{} image shown every {} pixels ({}x{}): noise stays noise, fine detail may alias.</p>",
                ins.width, ins.height, ins.scale, ins.display_width, ins.display_height
            ),
        );
    }
    push(&mut html, "<p class=\"note\">white = bit set; planes with a finding are outlined in red. Rows: channels; columns: bit 7 (most significant) to bit 0.</p><div class=\"planes\">");
    // most significant first within each channel, as analysts read them
    let mut order: Vec<&BitPlane> = ins.planes.iter().collect();
    order.sort_by_key(|p| {
        (
            ins.planes
                .iter()
                .position(|q| q.channel == p.channel)
                .unwrap_or(0),
            std::cmp::Reverse(p.bit),
        )
    });
    for p in order {
        let white: Vec<u8> = p.bits.clone();
        let bytes = png(&white, ins.display_width, ins.display_height, 1, true)?;
        let n = plane_name(p);
        push(
            &mut html,
            &format!(
                "<figure class=\"plane{}\" data-plane=\"{n}\" data-evidence=\"{}\"><img alt=\"{} bit {}\" src=\"{}\"><figcaption>{} bit {}</figcaption></figure>",
                if p.evidence { " evidence" } else { "" },
                p.evidence,
                p.channel,
                p.bit,
                data_url("image/png", &bytes),
                p.channel,
                p.bit
            ),
        );
        images.push((format!("plane-{n}.png"), bytes));
    }
    push(&mut html, "</div></section>\n");

    // metadata and trailer
    push(
        &mut html,
        "<section id=\"metadata\"><h2>Metadata fields</h2>",
    );
    if ins.metadata.is_empty() {
        push(&mut html, "<p class=\"note\">none</p>");
    } else {
        push(&mut html, "<table><tr><th>field</th><th>bytes</th><th>entropy</th><th>value</th><th>judgement</th></tr>");
        for m in &ins.metadata {
            push(
                &mut html,
                &format!(
                    "<tr class=\"field{}\" data-evidence=\"{}\"><td>{}</td><td>{}</td><td>{:.2}</td><td class=\"mono\">{}</td><td>{}</td></tr>",
                    if m.evidence { " evidence" } else { "" },
                    m.evidence,
                    esc(&m.field),
                    m.length,
                    m.entropy,
                    esc(&m.preview),
                    esc(&m.judgement)
                ),
            );
        }
        push(&mut html, "</table>");
    }
    push(
        &mut html,
        "</section>\n<section id=\"trailer\"><h2>Data after the image</h2>",
    );
    match &ins.trailer {
        Some(t) => push(
            &mut html,
            &format!(
                "<p data-trailer-bytes=\"{}\">{} bytes at offset {} ({:?}{}): entropy {:.2} bits per byte, {:.0} % printable.</p><pre>{}</pre>",
                t.trailer.length,
                t.trailer.length,
                t.trailer.offset,
                t.trailer.kind,
                if t.trailer.known_legit { ", a known legitimate kind" } else { "" },
                t.trailer.entropy,
                t.trailer.printable_ratio * 100.0,
                esc(&t.hex_dump)
            ),
        ),
        None => push(&mut html, "<p class=\"note\">none: the file ends with the image</p>"),
    }
    push(
        &mut html,
        "</section>\n</main><script>document.body.setAttribute(\"data-rendered\", \"true\");</script></body></html>\n",
    );
    Ok(Page { html, images })
}
