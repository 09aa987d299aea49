//! Compatibility with the reference project's result shapes, shared by the CLI
//! (`scan --starlight-json`) and the Python module (`stegodetect.compat.starlight`).

use serde_json::{json, Value};

use crate::error::Result;
use crate::verdict::ScanResult;

/// A record in Starlight's scanner shape (reference §2.5).
pub fn starlight_record(path: &str, r: &Result<ScanResult>) -> Value {
    let r = match r {
        Ok(r) => r,
        Err(e) => return starlight_error(path, &e.to_string()),
    };
    // method_id is always present in Starlight's output: the argmax of the method probabilities
    // (the model's when it has a method head, else the per-method scores), clean or not
    let probs = r.method_probs.unwrap_or_else(|| r.scores.as_array());
    // the first of equals (hence the reversed range: max_by keeps the last maximum)
    let best = (0..5)
        .rev()
        .max_by(|&a, &b| probs[a].total_cmp(&probs[b]))
        .unwrap_or(0);
    // Starlight knows five classes: a JPEG-domain verdict is reported as `lsb.rgb` (id 2), and
    // its own name follows in `stegodetect_method`
    let class = r.method.map(|m| m.starlight_class());
    let method_id = class.map_or(best as u8, |m| m.id());
    // bit_order is on every record, "none" when clean or without a pixel payload (Starlight HEAD)
    let bit_order = r
        .payload
        .as_ref()
        .filter(|_| r.is_stego)
        .and_then(|p| p.bit_order)
        .map_or("none", |o| o.as_str());
    let mut v = json!({
        "file_path": path,
        "is_stego": r.is_stego,
        "stego_probability": r.probability,
        "method_id": method_id,
        "image_format": r.image.format.as_str(),
        "bit_order": bit_order,
    });
    if r.is_stego {
        let total: f32 = probs.iter().sum();
        v["stego_type"] = json!(class.map(|m| m.name()));
        if let Some(m) = r.method.filter(|m| m.is_jpeg_domain()) {
            v["stegodetect_method"] = json!(m.name());
        }
        // the model's share for the class; a JPEG-domain verdict has no class of its own there
        // (its lsb.rgb share says nothing about coefficient evidence), so its probability
        v["confidence"] = json!(if r.method.is_some_and(|m| m.is_jpeg_domain()) {
            r.probability
        } else if total > 0.0 {
            probs[method_id as usize] / total
        } else {
            0.0
        });
        match &r.payload {
            // the reference's extractors strip surrounding whitespace
            Some(p) => {
                v["extracted_message"] = json!(p
                    .text()
                    .map(|t| t.trim().to_string())
                    .unwrap_or_else(|| hex(&p.bytes)));
            }
            None => v["extraction_error"] = json!("no payload recovered"),
        }
    }
    v
}

/// Starlight's record for an input that could not be scanned.
pub fn starlight_error(path: &str, message: &str) -> Value {
    json!({"file_path": path, "error": format!("Could not process {path}: {message}")})
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::{embed, EmbedOptions};
    use crate::{Detector, Method};

    fn rgb_png() -> Vec<u8> {
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/clean/rgb.png"
        ))
        .unwrap()
    }

    #[test]
    fn every_record_has_bit_order_and_messages_are_stripped() {
        let det = Detector::rules_only();
        let clean = starlight_record("c.png", &det.scan_bytes(&rgb_png()));
        assert_eq!(clean["is_stego"], false);
        assert_eq!(clean["bit_order"], "none", "{clean}");
        let st = embed(
            &rgb_png(),
            b"  a message with a trailing newline\n",
            &EmbedOptions::new(Method::LsbRgb),
        )
        .unwrap();
        let v = starlight_record("s.png", &det.scan_bytes(&st.bytes));
        assert_eq!(v["stego_type"], "lsb.rgb", "{v}");
        assert_eq!(v["bit_order"], "msb-first");
        assert_eq!(v["extracted_message"], "a message with a trailing newline");
    }
}
