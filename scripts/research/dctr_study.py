#!/usr/bin/env python3
"""Study: how far do DCTR features (src/analysis/jpeg/dctr.rs) take nsF5, J-UNIWARD, steghide and
OutGuess, trained on held-out sets A and B, measured on sets C, D (stego made from their
originals) and the clean JPEGs of C, D and E? Results: docs/jpeg-domain.md, "DCTR features and a
linear model".

Data (the stego sets need steghide, outguess and .venv-jpeg, see scripts/jpeg_data.sh):

    .venv-jpeg/bin/python scripts/jpeg_heldout_stego.py --heldout A+B.csv --out data/jpeg-train-ab \
        --steghide 800 --outguess 800 --nsf5 300 --juniward 200 --stego-only
    .venv-jpeg/bin/python scripts/jpeg_heldout_stego.py --heldout C+D.csv --out data/jpeg-test-cd \
        --steghide 300 --outguess 300 --nsf5 200 --juniward 100 --stego-only

(A+B.csv, C+D.csv: the sets' manifest.csv files concatenated under one header.) Features, one list
(CSV, header `path`) per part: train_clean = every JPEG under data/jpeg-heldout and
data/jpeg-heldout-b, train_stego = data/jpeg-train-ab/manifest.csv's paths, test_clean = every JPEG
under data/jpeg-heldout-{c,d,e}, test_stego = data/jpeg-test-cd/manifest.csv's paths:

    RAYON_NUM_THREADS=1 target/release/examples/jpeg_domain dctr LIST target/dctr/PART.bin
    target/release/examples/jpeg_domain features target/dctr/PART.paths-as-CSV target/dctr/PART.f202.csv

Then:

    .venv-jpeg/bin/python scripts/research/dctr_study.py --model logreg --C 0.01
    .venv-jpeg/bin/python scripts/research/dctr_study.py --model hgb --base target/dctr/*.f202.csv --k 300
"""
from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from train_jpeg_model import source_folds  # noqa: E402

N = 8000
D = Path("target/dctr")


BASE = None  # --base: the learned model's 202 features by path (jpeg_domain features CSVs)
K = 0  # --k: DCTR columns kept (the most separating on the training rows); 0 = all, -1 = none
COLS = None


def load(name):
    X = np.fromfile(D / f"{name}.bin", dtype="<f4").reshape(-1, N)
    paths = (D / f"{name}.paths").read_text().splitlines()
    assert len(paths) == len(X), (name, len(paths), len(X))
    if BASE is not None:
        keep = [i for i, p in enumerate(paths) if p in BASE]
        paths = [paths[i] for i in keep]
        X = X[keep]
        cols = COLS if COLS is not None else np.arange(0)
        X = np.hstack([np.stack([BASE[p] for p in paths]), X[:, cols]])
    return paths, X


def clean_source(p):
    parts = Path(p).parts
    return parts[3] if parts[2] == "reencode" else parts[2]


def rows_for(name, manifest=None):
    paths, X = load(name)
    if manifest is None:
        return [dict(path=p, y=0, tool="clean", param="", source=clean_source(p)) for p in paths], X
    meta = {r["path"]: r for r in csv.DictReader(open(manifest))}
    rows = []
    for p in paths:
        r = meta[p]
        rows.append(dict(path=p, y=int(r["label"] == "stego"), tool=r["tool"] if r["label"] == "stego" else "control",
                         param=r["param"], source=r["source"], payload=int(r["payload_bytes"] or 0)))
    return rows, X


def group(r):
    if r["tool"] in ("nsF5", "J-UNIWARD"):
        return r["tool"], r["param"]
    return r["tool"], ">= 1000 B" if r["payload"] >= 1000 else "400-999 B" if r["payload"] >= 400 else "< 400 B"


def make(kind, C):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    if kind == "logreg":
        from sklearn.linear_model import LogisticRegression
        return make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=2000, class_weight="balanced"))
    if kind == "lda":
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
        return make_pipeline(StandardScaler(), LinearDiscriminantAnalysis(solver="lsqr", shrinkage=C))
    from sklearn.ensemble import HistGradientBoostingClassifier
    return HistGradientBoostingClassifier(max_iter=300, learning_rate=0.08, max_leaf_nodes=15, l2_regularization=1.0,
                                          class_weight="balanced", early_stopping=False, random_state=0)


def score_of(m, X):
    p = m.predict_proba(X)
    return p[:, 1]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="logreg")
    ap.add_argument("--C", type=float, default=0.01)
    ap.add_argument("--fpr", type=float, default=0.0005)
    ap.add_argument("--tools", default="nsF5,J-UNIWARD,steghide,outguess")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--base", nargs="*", help="CSVs of jpeg_domain features (202 per path) to use beside DCTR")
    ap.add_argument("--dump", help="write the test rows' scores (path, label, tool, group, score) to this TSV")
    ap.add_argument("--k", type=int, default=0, help="with --base: DCTR columns kept (most separating)")
    a = ap.parse_args()
    tools = set(a.tools.split(","))
    global BASE, COLS
    if a.base:
        base = {}
        for f in a.base:
            with open(f) as fh:
                r = csv.reader(fh)
                next(r)
                for row in r:
                    base[row[0]] = np.array(row[1:], dtype=np.float32)
        if a.k > 0:
            # the k DCTR columns whose clean and stego means differ most (in pooled deviations)
            _, Xc0 = load("train_clean")
            rs0, Xs0 = rows_for("train_stego", "data/jpeg-train-ab/manifest.csv")
            Xs0 = Xs0[[r["y"] == 1 for r in rs0]]
            sd = np.sqrt((Xc0.var(0) + Xs0.var(0)) / 2) + 1e-6
            COLS = np.argsort(-np.abs(Xc0.mean(0) - Xs0.mean(0)) / sd)[:a.k]
        BASE = base

    rc, Xc = rows_for("train_clean")
    rs, Xs = rows_for("train_stego", "data/jpeg-train-ab/manifest.csv")
    keep = [i for i, r in enumerate(rs) if r["y"] == 0 or r["tool"] in tools]
    rows = rc + [rs[i] for i in keep]
    X = np.vstack([Xc, Xs[keep]])
    y = np.array([r["y"] for r in rows])
    src = [r["source"] for r in rows]
    print(f"train: {len(rows)} rows, {int(y.sum())} stego, {len(set(src))} sources", flush=True)

    fold_of = source_folds(src, a.folds, 7)
    fold = np.array([fold_of[s] for s in src])
    oof = np.zeros(len(rows))
    for f in range(a.folds):
        tr, te = fold != f, fold == f
        oof[te] = score_of(make(a.model, a.C).fit(X[tr], y[tr]), X[te])
    clean = np.sort(oof[y == 0])[::-1]
    allowed = int(np.floor(a.fpr * len(clean)))
    thr = float(clean[allowed])
    from sklearn.metrics import roc_auc_score
    print(f"out of fold: threshold {thr:.5f} ({int((oof[y == 0] > thr).sum())} of {len(clean)} clean above)")
    by = defaultdict(list)
    for r, s in zip(rows, oof):
        if r["y"]:
            by[group(r)].append(s)
    for k in sorted(by):
        v = np.array(by[k])
        auc = roc_auc_score(np.r_[np.zeros(len(clean)), np.ones(len(v))], np.r_[clean, v])
        print(f"  oof {k[0]:10s} {k[1]:14s} n={len(v):4d} auc={auc:.3f} det={np.mean(v > thr) * 100:5.1f}%")

    if not (D / "test_clean.paths").exists():
        return
    m = make(a.model, a.C).fit(X, y)
    tc, Xtc = rows_for("test_clean")
    sc = score_of(m, Xtc)
    print(f"test clean (C, D, E): {int((sc > thr).sum())} of {len(sc)} above the threshold "
          f"({(sc > thr).mean() * 100:.3f} %)")
    top = np.argsort(-sc)[:8]
    for i in top:
        print(f"   {sc[i]:.4f} {tc[i]['path']}")
    if (D / "test_stego.bin").exists():
        ts, Xts = rows_for("test_stego", "data/jpeg-test-cd/manifest.csv")
        st = score_of(m, Xts)
        ctl = np.array([s for r, s in zip(ts, st) if r["y"] == 0])
        print(f"test controls: {int((ctl > thr).sum())} of {len(ctl)} above")
        by = defaultdict(list)
        for r, s in zip(ts, st):
            if r["y"]:
                by[group(r)].append(s)
        if a.dump:
            with open(a.dump, "w") as fh:
                fh.write(f"threshold\t{thr}\n")
                for r, v in zip(tc, sc):
                    fh.write(f"{r['path']}\tclean\tclean\t\t{v}\n")
                for r, v in zip(ts, st):
                    g = " ".join(group(r)) if r["y"] else "control"
                    fh.write(f"{r['path']}\t{'stego' if r['y'] else 'clean'}\t{r['tool']}\t{g}\t{v}\n")
        neg = np.r_[sc, ctl]
        for k in sorted(by):
            v = np.array(by[k])
            auc = roc_auc_score(np.r_[np.zeros(len(neg)), np.ones(len(v))], np.r_[neg, v])
            q = {f: np.mean(v > np.quantile(sc, 1 - f)) * 100 for f in (0.01, 0.001)}
            print(f"  test {k[0]:10s} {k[1]:14s} n={len(v):4d} auc={auc:.3f} det@thr={np.mean(v > thr) * 100:5.1f}% "
                  f"det@1%={q[0.01]:5.1f}% det@0.1%={q[0.001]:5.1f}%")


if __name__ == "__main__":
    main()
