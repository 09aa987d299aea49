#!/usr/bin/env python3
"""Train the learned JPEG-domain model (steghide, OutGuess) and export it to ONNX.

    cargo run --release --example jpeg_domain -- features data/jpeg/manifest.csv target/jpeg-features.csv
    .venv/bin/python scripts/train_jpeg_model.py data/jpeg/manifest.csv target/jpeg-features.csv models/jpeg-tools.onnx

Input: the manifest of `scripts/jpeg_data.sh` (path, label, tool, param, payload_bytes, cover, source, ...) and
the native feature vectors (`stegodetect::analysis::jpeg::features`, version in the ONNX metadata).
Classes: 0 clean (originals, single and double re-encodes, the tools' writer-matched controls), 1 steghide,
2 OutGuess; nsF5 and J-UNIWARD stego are left out (the features do not separate them; docs/jpeg-domain.md).

1. Out-of-fold scores, folds grouped by source (every source held out once): a gradient-boosted tree ensemble
   (HistGradientBoosting) per fold, score = 1 - P(clean). The operating threshold is the smallest score above
   all but `--fpr` of the out-of-fold clean scores; detection per tool and payload size at that threshold.
2. The shipped model: the same ensemble fitted on every row, exported with skl2onnx (input `jpeg_features`
   float32 [N, 202], output `probabilities` [N, 3]); the threshold, classes and feature version go into the
   model's metadata. A report (JSON) beside the model. The ensemble is written as one ONNX
   TreeEnsembleRegressor (ai.onnx.ml) with a softmax, by `to_onnx` below (skl2onnx 1.20 fails on
   scikit-learn 1.9's HistGradientBoosting); the export is checked against predict_proba.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

CLASSES = ["clean", "steghide", "outguess"]
N_FEATURES = 202
FEATURES_VERSION = 1


def source_folds(sources, k, seed):
    """Greedy balanced assignment of sources to k folds (by row count), deterministic."""
    cnt = Counter(sources)
    rng = random.Random(seed)
    fold_of, load = {}, [0] * k
    for s in sorted(cnt, key=lambda s: (-cnt[s], s)):
        best = min(range(k), key=lambda f: (load[f], rng.random()))
        fold_of[s] = best
        load[best] += cnt[s]
    return fold_of


def model():
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.08, max_leaf_nodes=15,
                                          l2_regularization=1.0, class_weight="balanced",
                                          early_stopping=False, random_state=0)


def to_onnx(est, n_features: int):
    """A fitted multi-class HistGradientBoostingClassifier (numeric features, no missing values)
    as an ONNX graph: input `jpeg_features` float32 [N, n_features], output `probabilities`."""
    from onnx import TensorProto, helper

    k = len(est.classes_)
    attrs = defaultdict(list)
    tree = 0
    for per_iter in est._predictors:
        assert len(per_iter) == k, "one tree per class and iteration"
        for cls, pred in enumerate(per_iter):
            for i, n in enumerate(pred.nodes):
                attrs["nodes_treeids"].append(tree)
                attrs["nodes_nodeids"].append(i)
                attrs["nodes_missing_value_tracks_true"].append(int(n["missing_go_to_left"]))
                if n["is_leaf"]:
                    attrs["nodes_featureids"].append(0)
                    attrs["nodes_values"].append(0.0)
                    attrs["nodes_modes"].append("LEAF")
                    attrs["nodes_truenodeids"].append(0)
                    attrs["nodes_falsenodeids"].append(0)
                    attrs["target_treeids"].append(tree)
                    attrs["target_nodeids"].append(i)
                    attrs["target_ids"].append(cls)
                    attrs["target_weights"].append(float(n["value"]))
                else:
                    assert not n["is_categorical"]
                    attrs["nodes_featureids"].append(int(n["feature_idx"]))
                    attrs["nodes_values"].append(float(n["num_threshold"]))
                    attrs["nodes_modes"].append("BRANCH_LEQ")
                    attrs["nodes_truenodeids"].append(int(n["left"]))
                    attrs["nodes_falsenodeids"].append(int(n["right"]))
            tree += 1
    base = [float(v) for v in np.asarray(est._baseline_prediction).ravel()]
    assert len(base) == k
    node = helper.make_node("TreeEnsembleRegressor", ["jpeg_features"], ["probabilities"], domain="ai.onnx.ml",
                            n_targets=k, aggregate_function="SUM", base_values=base, post_transform="SOFTMAX",
                            **attrs)
    graph = helper.make_graph(
        [node], "jpeg_tools",
        [helper.make_tensor_value_info("jpeg_features", TensorProto.FLOAT, [None, n_features])],
        [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, k])])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)],
                             producer_name="stegodetect scripts/train_jpeg_model.py")


def load(manifest: Path, features: Path):
    feats = {}
    with open(features) as f:
        r = csv.reader(f)
        header = next(r)
        assert len(header) == N_FEATURES + 1, f"{len(header) - 1} features, expected {N_FEATURES}"
        for row in r:
            feats[row[0]] = np.array(row[1:], dtype=np.float32)
    rows = [r for r in csv.DictReader(open(manifest)) if r["path"] in feats]
    keep = []
    for r in rows:
        if r["label"] == "clean":
            r["y"] = 0
        elif r["tool"] == "steghide":
            r["y"] = 1
        elif r["tool"] == "outguess":
            r["y"] = 2
        else:
            continue
        keep.append(r)
    X = np.stack([feats[r["path"]] for r in keep])
    return keep, np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0)


def size_group(r):
    b = int(r["payload_bytes"] or 0)
    return "< 100 B" if b < 100 else "100-399 B" if b < 400 else "400-999 B" if b < 1000 else ">= 1000 B"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("manifest", type=Path)
    ap.add_argument("features", type=Path)
    ap.add_argument("out", type=Path, help="the ONNX model to write")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--fpr", type=float, default=0.0005, help="out-of-fold clean FPR of the operating threshold")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()

    rows, X = load(a.manifest, a.features)
    y = np.array([r["y"] for r in rows])
    src = np.array([r["source"] for r in rows])
    fold_of = source_folds(list(src), a.folds, a.seed)
    fold = np.array([fold_of[s] for s in src])
    print(f"{len(rows)} rows: " + ", ".join(f"{c} {int((y == i).sum())}" for i, c in enumerate(CLASSES)))

    oof = np.zeros((len(rows), len(CLASSES)))
    for f in range(a.folds):
        tr, te = fold != f, fold == f
        m = model().fit(X[tr], y[tr])
        oof[te] = m.predict_proba(X[te])
        print(f"fold {f}: {int(te.sum())} held-out rows from {len(set(src[te]))} sources", flush=True)
    score = 1.0 - oof[:, 0]
    clean = score[y == 0]
    # the smallest threshold with at most fpr of the clean scores strictly above it
    allowed = int(np.floor(a.fpr * len(clean)))
    thr = float(np.sort(clean)[::-1][allowed]) if allowed < len(clean) else 0.0
    fp = int((clean > thr).sum())

    from sklearn.metrics import roc_auc_score

    report = {
        "rows": len(rows), "classes": CLASSES, "features_version": FEATURES_VERSION,
        "folds": {f: sorted(s for s, ff in fold_of.items() if ff == f) for f in range(a.folds)},
        "threshold": thr, "target_fpr": a.fpr,
        "out_of_fold": {"clean": len(clean), "clean_flagged": fp}, "detection": {},
    }
    for t in (1, 2):
        pos = score[y == t]
        auc = roc_auc_score(np.r_[np.zeros(len(clean)), np.ones(len(pos))], np.r_[clean, pos])
        named = (oof[y == t, 1:].argmax(1) + 1 == t)[pos > thr]
        by = defaultdict(list)
        for r, s in zip([r for r in rows if r["y"] == t], pos):
            by[size_group(r)].append(s > thr)
        report["detection"][CLASSES[t]] = {
            "n": len(pos), "auc": round(float(auc), 4), "detected": int((pos > thr).sum()),
            "named_right": int(named.sum()),
            "by_payload": {k: [int(sum(v)), len(v)] for k, v in sorted(by.items())},
        }
    print(json.dumps(report, indent=1))

    # the shipped model: every row
    final = model().fit(X, y)
    onx = to_onnx(final, N_FEATURES)
    import onnxruntime as ort

    sess = ort.InferenceSession(onx.SerializeToString())
    diff = np.abs(sess.run(["probabilities"], {"jpeg_features": X})[0] - final.predict_proba(X)).max()
    print(f"ONNX export against predict_proba: max |difference| {diff:.2e} over {len(X)} rows")
    assert diff < 1e-3, diff
    for k, v in {"model_id": "stegodetect-jpeg-tools-1", "features_version": str(FEATURES_VERSION),
                 "classes": ",".join(CLASSES), "threshold": repr(thr),
                 "trained_on": "data/jpeg/manifest.csv (scripts/jpeg_data.sh)"}.items():
        p = onx.metadata_props.add()
        p.key, p.value = k, v
    a.out.write_bytes(onx.SerializeToString())
    Path(str(a.out) + ".json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {a.out} ({a.out.stat().st_size} bytes), threshold {thr:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
