//! The model contract through ONNX Runtime: models made here with the `onnx` helper API (by
//! tests/models/make_test_models.py in the project's .venv) run end to end; wrong inputs, shapes,
//! outputs and a missing runtime give the documented errors.

mod common;

use std::path::PathBuf;

use stegodetect::{Detector, ErrorKind, Method, ModelChoice, Options};

/// Build the test models once per test binary.
fn models() -> &'static PathBuf {
    common::test_models()
}

fn detector(model: &str) -> stegodetect::Result<Detector> {
    Detector::new(Options {
        model: ModelChoice::Path(models().join(model)),
        ..Options::default()
    })
}

#[test]
fn a_conforming_model_decides_and_is_reported() {
    let det = detector("follow_rules.onnx").unwrap();
    assert_eq!(det.model().unwrap().id, "test-follow-rules");
    assert_eq!(det.model().unwrap().sha256.len(), 64);
    let stego = std::fs::read(common::root().join("examples/images/stego-palette.gif")).unwrap();
    let r = det.scan_bytes(&stego).unwrap();
    assert_eq!(r.decided_by, "model");
    assert!(r.is_stego);
    assert_eq!(
        r.method,
        Some(Method::Palette),
        "method from the model's method head"
    );
    assert!((r.probability - r.rule_scores.palette).abs() < 1e-6);
    assert_eq!(r.model.as_ref().unwrap().id, "test-follow-rules");
    assert_eq!(r.payload.as_ref().unwrap().method, Method::Palette);
    let clean = det.scan_bytes(&common::fixture("rgb.png")).unwrap();
    assert!(!clean.is_stego && clean.method.is_none());
}

#[test]
fn logits_are_turned_into_probabilities_and_method_falls_back_to_evidence() {
    let det = detector("logits_only.onnx").unwrap();
    let r = det
        .scan_bytes(&std::fs::read(common::root().join("examples/images/stego-exif.jpg")).unwrap())
        .unwrap();
    assert!(
        (r.probability - r.rule_scores.exif).abs() < 1e-3,
        "{} vs {}",
        r.probability,
        r.rule_scores.exif
    );
    assert_eq!(r.method, Some(Method::Exif));
}

#[test]
fn an_always_clean_model_really_answers_clean() {
    // The model decides: a model that never flags makes every verdict clean (eval must catch it).
    let det = detector("always_clean.onnx").unwrap();
    let r = det
        .scan_bytes(&std::fs::read(common::root().join("examples/images/stego-lsb.png")).unwrap())
        .unwrap();
    assert!(!r.is_stego);
    assert_eq!(r.probability, 0.0);
    assert!(
        r.rule_scores.lsb_rgb > 0.9,
        "the rule evidence is still reported"
    );
}

#[test]
fn contract_violations_are_clear_errors() {
    let n_features = format!("[N, {}]", stegodetect::model::features::N_FEATURES);
    for (model, needle) in [
        ("wrong_name.onnx", "'feats'"),
        ("wrong_shape.onnx", n_features.as_str()),
        ("no_stego_output.onnx", "stego_prob"),
        (
            "wrong_v4_shape.onnx",
            "'lsb' must be float32 [N, 3, 256, 256]",
        ),
    ] {
        let e = detector(model).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Model, "{model}");
        assert!(e.to_string().contains(needle), "{model}: {e}");
    }
    let e = Detector::new(Options {
        model: ModelChoice::Path("/no/such/model.onnx".into()),
        ..Options::default()
    })
    .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Model);
    assert!(e.to_string().contains("/no/such/model.onnx"));
}

#[test]
fn a_model_with_starlight_v4_signature_runs_unchanged() {
    // The test model's logit is the sum of the means of the eight inputs: recompute it from the
    // tensors the library feeds, so a wrong tensor fails the test.
    let det = detector("v4_signature.onnx").unwrap();
    for name in [
        "reference-stego/sample__november_alpha_001.png",
        "clean/clean-0001.gif",
        "clean/clean-0004.png",
    ] {
        let bytes = std::fs::read(common::starlight_sample().join(name)).unwrap();
        let r = det.scan_bytes(&bytes).unwrap();
        let (format, info, decoded) = Detector::rules_only().decode(&bytes).unwrap();
        let t =
            stegodetect::model::starlight_v4::tensors(format, &bytes, &info, &decoded.frames[0]);
        let mean = |v: &[f32]| v.iter().map(|&x| x as f64).sum::<f64>() / v.len() as f64;
        let logit = [
            &t.pixel_tensor,
            &t.meta,
            &t.alpha,
            &t.lsb,
            &t.palette,
            &t.palette_lsb,
            &t.format_features,
            &t.content_features,
        ]
        .iter()
        .map(|v| mean(v))
        .sum::<f64>();
        let p = 1.0 / (1.0 + (-logit).exp());
        assert!(
            (r.probability as f64 - p).abs() < 1e-4,
            "{name}: {} vs {p}",
            r.probability
        );
        assert_eq!(r.decided_by, "model");
    }
}

#[test]
fn a_model_that_answers_wrongly_shaped_makes_errors_not_verdicts() {
    let det = detector("batch_collapse.onnx").unwrap();
    let imgs: Vec<Vec<u8>> = ["stego-lsb.png", "clean-photo.png", "stego-raw.webp"]
        .iter()
        .map(|f| std::fs::read(common::root().join("examples/images").join(f)).unwrap())
        .collect();
    let refs: Vec<&[u8]> = imgs.iter().map(|v| v.as_slice()).collect();
    for r in det.scan_many(&refs) {
        let e = r.expect_err("a broken inference must be an error, never a verdict");
        assert_eq!(e.kind(), ErrorKind::Model);
        assert!(e.to_string().contains("1 values for 3 images"), "{e}");
    }
}

#[test]
fn non_finite_outputs_are_errors_and_fixed_batch_models_are_fed_one_by_one() {
    let bytes = std::fs::read(common::root().join("examples/images/stego-lsb.png")).unwrap();
    let e = detector("nan.onnx")
        .unwrap()
        .scan_bytes(&bytes)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Model);
    assert!(e.to_string().contains("not a finite number"), "{e}");
    let det = detector("fixed_batch.onnx").unwrap();
    assert_eq!(det.model().map(|_| ()), Some(()));
    let imgs: Vec<Vec<u8>> = ["stego-lsb.png", "clean-photo.png", "stego-raw.webp"]
        .iter()
        .map(|f| std::fs::read(common::root().join("examples/images").join(f)).unwrap())
        .collect();
    let refs: Vec<&[u8]> = imgs.iter().map(|v| v.as_slice()).collect();
    let flags: Vec<bool> = det
        .scan_many(&refs)
        .into_iter()
        .map(|r| r.unwrap().is_stego)
        .collect();
    assert_eq!(flags, [true, false, true]);
}

#[test]
fn pytorch_checkpoints_are_refused_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("detector_balanced.pth", &b"PK\x03\x04pickled"[..]),
        ("model.onnx", &b"PK\x03\x04a torch zip renamed"[..]),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).unwrap();
        let e = Detector::new(Options {
            model: stegodetect::ModelChoice::Path(p),
            ..Options::default()
        })
        .unwrap_err();
        assert!(e.to_string().contains("PyTorch checkpoint"), "{name}: {e}");
    }
}
