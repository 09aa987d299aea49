"""Train the default model from a dataset made by examples/make_dataset.rs (run by `make model`).

    .venv/bin/python scripts/train_model.py --dataset data/dataset --work data/model --out models

1. Feature vectors of every image, computed by the CLI (`stegodetect features`): the same code
   that feeds the model at scan time.
2. Leave-one-source-out: for each training source, a model trained on the other sources is
   exported to ONNX and evaluated on the held-out source by `stegodetect eval`; the fold results
   are merged into one held-out report (models/heldout-report.{json,md}). No reported figure
   comes from an image whose source was in the training fold.
3. The final model, trained on every source with fixed seeds, is exported to
   models/stegodetect-default.onnx (inputs: `features` [N, K]; outputs: `stego_prob` [N, 1],
   `method_probs` [N, 5]) with its id and feature version in the ONNX metadata.
4. Parity: Python onnxruntime and the Rust/ORT path must give the same probabilities on the same
   feature rows.
"""
import argparse
import datetime
import hashlib
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from skl2onnx import convert_sklearn
from skl2onnx.common.data_types import FloatTensorType
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

METHODS = ["alpha", "palette", "lsb.rgb", "exif", "raw"]
MODEL_ID = "stegodetect-default-1"


def run(cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, check=False, **kw)


def features(binary, dataset):
    out = run([binary, "features", "--rules-only", "--all-files", os.path.join(dataset, "clean"),
               os.path.join(dataset, "stego")], capture_output=True, text=True)
    lines = out.stdout.splitlines()
    header = json.loads(lines[0])
    rows = {}
    for l in lines[1:]:
        r = json.loads(l)
        if r["error"]:
            raise SystemExit(f"feature extraction failed for {r['path']}: {r['error']}")
        rows[os.path.relpath(r["path"], dataset)] = r["features"]
    return header, rows


# Chosen by the leave-one-source-out false-positive rate among gradient-boosted trees (six
# configurations) and this logistic regression, which makes the held-out figures slightly
# optimistic. The trees matched it on held-out sources but are not monotone: one flagged a natural
# photo tile at p = 0.66 on a rule score of 0.055 (a region with 9 training samples); the
# logistic regression is smooth in every feature and flagged none of 1,921 such tiles.
CLEAN_WEIGHT = 10.0


def classifier():
    return make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))


def export(clf, k, path, meta):
    onx = convert_sklearn(clf, initial_types=[("features", FloatTensorType([None, k]))],
                          options={LogisticRegression: {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3})
    g = onx.graph
    # skl2onnx names the graph with a fresh random id: a fixed name makes the file (and its
    # SHA-256) depend on the data and code alone
    g.name = "stegodetect_default"
    probs = [o.name for o in g.output if o.name != "label"][0]
    inits = [numpy_helper.from_array(np.array(v, dtype=np.int64), n) for n, v in
             [("c0", [0]), ("c1", [1]), ("c6", [6]), ("ax1", [1])]]
    inits.append(numpy_helper.from_array(np.array([1.0], dtype=np.float32), "one"))
    inits.append(numpy_helper.from_array(np.array([1e-7], dtype=np.float32), "eps"))
    g.initializer.extend(inits)
    g.node.extend([
        helper.make_node("Slice", [probs, "c0", "c1", "ax1"], ["p_clean"]),
        helper.make_node("Sub", ["one", "p_clean"], ["stego_prob"]),
        helper.make_node("Slice", [probs, "c1", "c6", "ax1"], ["m_raw"]),
        helper.make_node("ReduceSum", ["m_raw", "ax1"], ["m_sum"], keepdims=1),
        helper.make_node("Add", ["m_sum", "eps"], ["m_sum_eps"]),
        helper.make_node("Div", ["m_raw", "m_sum_eps"], ["method_probs"]),
    ])
    del g.output[:]
    g.output.extend([helper.make_tensor_value_info("stego_prob", TensorProto.FLOAT, [None, 1]),
                     helper.make_tensor_value_info("method_probs", TensorProto.FLOAT, [None, 5])])
    for key, value in meta.items():
        p = onx.metadata_props.add()
        p.key, p.value = key, str(value)
    onnx.checker.check_model(onx)
    onnx.save(onx, path)
    return onx


def fit(X, y):
    clf = classifier()
    clf.fit(X, y, logisticregression__sample_weight=np.where(y == 0, CLEAN_WEIGHT, 1.0))
    if list(clf[-1].classes_) != list(range(6)):
        raise SystemExit(f"training fold lacks classes: {clf[-1].classes_}")
    return clf


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dataset", default="data/dataset")
    ap.add_argument("--work", default="data/model")
    ap.add_argument("--out", default="models")
    ap.add_argument("--bin", default="target/release/stegodetect")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    manifest = [json.loads(l) for l in open(os.path.join(a.dataset, "manifest.jsonl"))]
    header, feats = features(a.bin, a.dataset)
    k = len(header["names"])
    X = np.array([feats[m["path"]] for m in manifest], dtype=np.float32)
    y = np.array([0 if m["label"] == "clean" else 1 + METHODS.index(m["method"]) for m in manifest])
    sources = np.array([m["source"] for m in manifest])
    print(f"{len(y)} images, {k} features, classes {np.bincount(y).tolist()}", file=sys.stderr)

    # Leave-one-source-out: every reported figure is held out by source.
    fold_dirs = []
    for s in sorted(set(sources)):
        train = sources != s
        clf = fit(X[train], y[train])
        d = os.path.join(a.work, "folds", s)
        os.makedirs(d, exist_ok=True)
        export(clf, k, os.path.join(d, "model.onnx"), {"model_id": f"{MODEL_ID}-without-{s}", "features_version": header["features_version"]})
        with open(os.path.join(d, "manifest.jsonl"), "w") as f:
            for m in manifest:
                if m["source"] == s:
                    f.write(json.dumps(dict(m, path=os.path.abspath(os.path.join(a.dataset, m["path"])),
                                            payload_file=os.path.abspath(os.path.join(a.dataset, m["payload_file"])) if m.get("payload_file") else None)) + "\n")
        r = run([a.bin, "eval", "--manifest", os.path.join(d, "manifest.jsonl"), "--model", os.path.join(d, "model.onnx"),
                 "--report-dir", os.path.join(d, "eval"), "--max-fpr", "1", "--min-detection", "0"], capture_output=True)
        if r.returncode != 0:
            raise SystemExit(f"fold {s}: eval failed\n{r.stdout.decode()[-2000:]}")
        fold_dirs.append(os.path.join(d, "eval", "items.jsonl"))
    run([a.bin, "eval", "--from-items", *fold_dirs, "--report-dir", os.path.join(a.work, "heldout"),
         "--max-fpr", "0.0005", "--min-detection", "0.9"], capture_output=True)

    # Final model on every source.
    clf = fit(X, y)
    path = os.path.join(a.out, "stegodetect-default.onnx")
    export(clf, k, path, {"model_id": MODEL_ID, "features_version": header["features_version"],
                          "trained": datetime.date.today().isoformat(), "images": len(y),
                          "sources": ",".join(sorted(set(sources))), "estimator": repr(classifier())})
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()

    # Parity: Python onnxruntime vs the Rust/ORT path on the same rows.
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    py = sess.run(["stego_prob"], {"features": X})[0][:, 0]
    skl = 1.0 - clf.predict_proba(X)[:, 0]
    # JPEGs are left out: their probability is the noisy-OR with the learned JPEG model's score
    # (src/model/mod.rs, `apply`), not this model's output alone.
    sample = [m["path"] for m in manifest if not m["path"].lower().endswith((".jpg", ".jpeg"))]
    sample = sample[:: max(1, len(sample) // 400)]
    out = run([a.bin, "features", "--model", path, *[os.path.join(a.dataset, p) for p in sample]], capture_output=True, text=True)
    rows = [json.loads(l) for l in out.stdout.splitlines()[1:]]
    rust = {os.path.relpath(r["path"], a.dataset): (r["probability"], r["pixels"]) for r in rows}
    index = {m["path"]: i for i, m in enumerate(manifest)}

    def expected(p):
        # a verdict resting on structural estimates alone is held at a ceiling that grows with
        # the image's size (src/verdict.rs, `structural_ceiling`)
        prob, pixels = rust[p]
        ceiling = 0.5 + 0.5 * min(1.0, pixels / 262144.0) ** 0.5
        model = float(py[index[p]])
        return model if abs(prob - model) <= 1e-5 or model <= ceiling else ceiling

    diffs = [abs(rust[p][0] - expected(p)) for p in sample]
    held = sum(abs(rust[p][0] - float(py[index[p]])) > 1e-5 for p in sample)
    parity = {"rows": len(diffs), "held_at_ceiling": held, "max_abs_diff_rust_vs_python_onnxruntime": float(max(diffs)),
              "max_abs_diff_onnx_vs_sklearn": float(np.abs(py - skl).max())}
    if parity["max_abs_diff_rust_vs_python_onnxruntime"] > 1e-5:
        raise SystemExit(f"parity failed: {parity}")
    info = {"model_id": MODEL_ID, "sha256": sha, "bytes": os.path.getsize(path), "features_version": header["features_version"],
            "feature_names": header["names"], "images": int(len(y)), "class_counts": np.bincount(y).tolist(),
            "sources": sorted(set(sources)), "estimator": repr(classifier()), "clean_weight": CLEAN_WEIGHT, "parity": parity,
            "coefficients": {c: dict(zip(header["names"], map(float, row))) for c, row in
                             zip(["clean"] + METHODS, clf[-1].coef_)}}
    json.dump(info, open(os.path.join(a.work, "training.json"), "w"), indent=2)
    # the held-out report and the training record ship beside the model
    for src, dst in [("heldout/report.md", "heldout-report.md"), ("heldout/report.json", "heldout-report.json"),
                     ("training.json", "training.json")]:
        with open(os.path.join(a.work, src)) as f_in, open(os.path.join(a.out, dst), "w") as f_out:
            f_out.write(f_in.read())
    print(json.dumps(info, indent=2))


if __name__ == "__main__":
    main()
