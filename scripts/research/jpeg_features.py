#!/usr/bin/env python3
"""Feasibility study: compact, calibrated JPEG (luminance DCT) features for steghide / OutGuess / nsF5 / J-UNIWARD.

Usage (from the repository root, with the jpeglib venv):
    OMP_NUM_THREADS=1 .venv-jpeg/bin/python scripts/research/jpeg_features.py data/jpeg/manifest.csv data/jpeg-study

Steps
  1. features: per image, from the Y DCT coefficients (jpeglib.read_dct), a ~190-dim vector f(J):
       hist    global AC histogram in [-5,5] (+ 3 log ratios h1/h0, h2/h1, h3/h2 of |.|)
       mode    per-mode histograms in [-5,5] of the 6 lowest zig-zag AC modes
       intra   intra-block co-occurrence of clipped (T=2) horizontally/vertically adjacent AC coefficients
       inter   inter-block co-occurrence (T=2) of the same low mode (u+v<=4) in adjacent blocks
       mkintra Markov (Shi) intra-block transition matrix of |C| differences (T=2)
       mkinter Markov inter-block transition matrix of same-mode |C| differences (T=2)
       block   blockiness of the decompressed luminance (L1/L2 boundary diffs and boundary/interior ratios)
       stats   fraction of non-zero AC, mean |AC|
     and the same f(J_cal) of the calibrated image (decompress -> crop 4x4 px -> DCT, same quant table -> round).
     Model input: [f(J), f(J) - f(J_cal), log quant scalars]  (Cartesian calibration as differences).
     Cached in OUT/features.npz (resumable).
  2. detectors per tool (clean controls paired to the writer) and clean-vs-all-stego; logistic regression
     (standardised) and HistGradientBoosting; 3-fold grouped CV by `source` (train on ~2/3 of the sources,
     test on the rest, every source held out once; out-of-fold scores pooled).
     Thresholds for FPR 1 % / 0.1 % come from the TRAINING clean scores of an inner 3-fold grouped CV on the
     training sources (so they are honest out-of-sample scores); we also report the oracle TPR at the held-out
     clean FPR and the realised FPR on the broad held-out clean pool.
  3. group importances: AUC of each group alone (LR) and grouped permutation importance (HGB) on held-out folds.
Outputs: OUT/features.npz, OUT/scores.csv, OUT/results.json, OUT/RESULTS.md
"""
import argparse
import csv
import json
import os
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

# ---------------------------------------------------------------- DCT helpers
_k = np.arange(8)
DCT = np.cos((2 * _k[None, :] + 1) * _k[:, None] * np.pi / 16) * np.where(_k == 0, np.sqrt(1 / 8), 0.5)[:, None]
ZZ = [(0, 1), (1, 0), (2, 0), (1, 1), (0, 2), (0, 3)]  # 6 lowest zig-zag AC modes
LOWMODES = [(u, v) for u in range(8) for v in range(8) if 1 <= u + v <= 4]
ACMASK = np.ones((8, 8), bool)
ACMASK[0, 0] = False


def decompress(C, q):
    """(bh,bw,8,8) quantised DCT -> uint8-like float luminance image (rounded, clipped)."""
    x = np.einsum("ku,ijkl,lv->ijuv", DCT, C.astype(np.float32) * q, DCT, optimize=True) + 128.0
    bh, bw = C.shape[:2]
    return np.clip(np.round(x), 0, 255).transpose(0, 2, 1, 3).reshape(bh * 8, bw * 8)


def compress(P, q):
    bh, bw = P.shape[0] // 8, P.shape[1] // 8
    B = P[: bh * 8, : bw * 8].reshape(bh, 8, bw, 8).transpose(0, 2, 1, 3) - 128.0
    return np.round(np.einsum("uk,ijkl,vl->ijuv", DCT, B, DCT, optimize=True) / q).astype(np.int32)


def cooc(a, b, T):
    a = np.clip(a, -T, T).ravel() + T
    b = np.clip(b, -T, T).ravel() + T
    n = 2 * T + 1
    return np.bincount(a * n + b, minlength=n * n).astype(np.float64)


def norm(h):
    s = h.sum()
    return h / s if s > 0 else h


def cond(m, T):
    """transition matrix rows normalised (P(next | current))."""
    n = 2 * T + 1
    m = m.reshape(n, n)
    s = m.sum(1, keepdims=True)
    return np.where(s > 0, m / np.maximum(s, 1), 0).ravel()


def feat_groups(C, P):
    """C: (bh,bw,8,8) int32 coefficients, P: decompressed luminance. Returns ordered dict group -> array."""
    g = {}
    ac = C[:, :, ACMASK]
    n_ac = ac.size
    h = np.bincount(np.clip(ac.ravel(), -6, 6) + 6, minlength=13)[1:12].astype(np.float64)
    g["hist"] = h / n_ac
    a = np.abs(ac)
    ha = np.bincount(np.minimum(a.ravel(), 4), minlength=5).astype(np.float64) + 1.0
    g["hratio"] = np.log(ha[1:4] / ha[0:3])
    nb = C.shape[0] * C.shape[1]
    mh = []
    for (u, v) in ZZ:
        m = C[:, :, u, v].ravel()
        mh.append(np.bincount(np.clip(m, -6, 6) + 6, minlength=13)[1:12] / nb)
    g["mode"] = np.concatenate(mh)
    T = 2
    # intra-block co-occurrence (adjacent positions inside a block, excluding pairs with DC)
    hh = cooc(C[:, :, :, :-1][..., 1:, :], C[:, :, :, 1:][..., 1:, :], T) + cooc(C[:, :, 0, 1:-1], C[:, :, 0, 2:], T)
    vv = cooc(C[:, :, :-1, :][..., :, 1:], C[:, :, 1:, :][..., :, 1:], T) + cooc(C[:, :, 1:-1, 0], C[:, :, 2:, 0], T)
    m = hh + vv
    g["intra"] = norm(m + m.reshape(5, 5).T.ravel())
    # inter-block co-occurrence of low modes
    L = np.stack([C[:, :, u, v] for (u, v) in LOWMODES], -1)
    m = cooc(L[:, :-1], L[:, 1:], T) + cooc(L[:-1], L[1:], T)
    g["inter"] = norm(m + m.reshape(5, 5).T.ravel())
    # Markov intra-block: differences of |C| along rows/cols inside blocks, transitions between consecutive diffs
    A = np.abs(C)
    Fh = A[..., :, :-1] - A[..., :, 1:]
    Fv = A[..., :-1, :] - A[..., 1:, :]
    m = cooc(Fh[..., :-1], Fh[..., 1:], T) + cooc(Fv[..., :-1, :], Fv[..., 1:, :], T)
    g["mkintra"] = cond(m, T)
    # Markov inter-block: same-mode |C| differences between neighbouring blocks (AC modes)
    Aa = A[:, :, ACMASK]
    Dh = Aa[:, :-1] - Aa[:, 1:]
    Dv = Aa[:-1] - Aa[1:]
    m = cooc(Dh[:, :-1], Dh[:, 1:], T) + cooc(Dv[:-1], Dv[1:], T)
    g["mkinter"] = cond(m, T)
    # blockiness of the decompressed luminance
    dx = np.abs(np.diff(P, axis=1))
    dy = np.abs(np.diff(P, axis=0))
    bx = np.zeros(dx.shape[1], bool)
    bx[7::8] = True
    by = np.zeros(dy.shape[0], bool)
    by[7::8] = True
    bnd = np.concatenate([dx[:, bx].ravel(), dy[by].ravel()])
    inn = np.concatenate([dx[:, ~bx].ravel(), dy[~by].ravel()])
    b1, i1 = bnd.mean() if bnd.size else 0, inn.mean() if inn.size else 0
    b2, i2 = (bnd ** 2).mean() if bnd.size else 0, (inn ** 2).mean() if inn.size else 0
    g["block"] = np.array([np.log1p(b1), np.log1p(b2), np.log((b1 + 1e-3) / (i1 + 1e-3)),
                           np.log((b2 + 1e-3) / (i2 + 1e-3))])
    g["stats"] = np.array([(ac != 0).mean(), a.mean()])
    return g


GROUPS = ["hist", "hratio", "mode", "intra", "inter", "mkintra", "mkinter", "block", "stats"]


def extract(path):
    import jpeglib
    im = jpeglib.read_dct(path)
    C = im.Y.astype(np.int32)
    q = im.qt[im.quant_tbl_no[0]] if im.quant_tbl_no is not None else im.qt[0]
    q = q.astype(np.float32)
    P = decompress(C, q)
    g0 = feat_groups(C, P)
    Cc = compress(P[4:, 4:], q)
    Pc = decompress(Cc, q)
    g1 = feat_groups(Cc, Pc)
    f0 = np.concatenate([g0[k] for k in GROUPS])
    f1 = np.concatenate([g1[k] for k in GROUPS])
    meta = np.array([np.log(q[0, 1] + q[1, 0]), np.log(q[:4, :4].mean())])
    return f0, f1, meta, C.shape[0] * C.shape[1] * 64


def group_slices():
    sizes = {"hist": 11, "hratio": 3, "mode": 66, "intra": 25, "inter": 25, "mkintra": 25, "mkinter": 25,
             "block": 4, "stats": 2}
    out, o = {}, 0
    for k in GROUPS:
        out[k] = (o, o + sizes[k])
        o += sizes[k]
    return out, o


# ---------------------------------------------------------------- data selection
def load_rows(manifest):
    rows = list(csv.DictReader(open(manifest)))
    return rows


GENERAL = ("original", "reencode-single", "reencode-double")


def select(rows, max_general, seed):
    """all stego + all controls + all stego covers + random other general clean up to max_general."""
    covers = {r["cover"] for r in rows if r["label"] == "stego"}
    covers |= {r["cover"] for r in rows if r["tool"] in ("jpeglib-rewrite", "outguess-control")}
    gen = [r for r in rows if r["tool"] in GENERAL]
    cov = [r for r in gen if r["path"] in covers]
    other = sorted([r for r in gen if r["path"] not in covers], key=lambda r: r["path"])
    random.Random(seed).shuffle(other)
    keep = cov + other[: max(0, max_general - len(cov))]
    rest = [r for r in rows if r["tool"] not in GENERAL]
    return keep + rest


def run_features(rows, root, out):
    cache = out / "features.npz"
    done = {}
    if cache.exists():
        with np.load(cache, allow_pickle=False) as z:  # load each array once (z[key] re-reads the file)
            arrs = {k: z[k] for k in ("paths", "f0", "f1", "meta", "secs", "ncoef")}
        for i, p in enumerate(arrs["paths"]):
            done[str(p)] = (arrs["f0"][i], arrs["f1"][i], arrs["meta"][i], float(arrs["secs"][i]),
                            int(arrs["ncoef"][i]))
    todo = [r["path"] for r in rows if r["path"] not in done]
    print(f"features: {len(done)} cached, {len(todo)} to extract", flush=True)
    failed = []
    t_start = time.time()

    def save():
        ps = sorted(done)
        np.savez(cache, paths=np.array(ps), f0=np.stack([done[p][0] for p in ps]),
                 f1=np.stack([done[p][1] for p in ps]), meta=np.stack([done[p][2] for p in ps]),
                 secs=np.array([done[p][3] for p in ps]), ncoef=np.array([done[p][4] for p in ps]))

    for i, p in enumerate(todo):
        t = time.perf_counter()
        try:
            f0, f1, meta, nc = extract(str(root / p))
        except Exception as e:  # noqa: BLE001
            failed.append(f"{p}: {type(e).__name__} {e}")
            continue
        done[p] = (f0, f1, meta, time.perf_counter() - t, nc)
        if (i + 1) % 500 == 0:
            el = time.time() - t_start
            print(f"  {i + 1}/{len(todo)}  {el:.0f}s  eta {el / (i + 1) * (len(todo) - i - 1):.0f}s", flush=True)
            save()
    if todo:
        save()
    if failed:
        (out / "failed.txt").write_text("\n".join(failed) + "\n")
        print(f"  {len(failed)} failed (see failed.txt)")
    return done


# ---------------------------------------------------------------- models
def make_models():
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    return {
        "LR": lambda: make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=3000,
                                                                         class_weight="balanced")),
        "HGB": lambda: HistGradientBoostingClassifier(max_iter=200, learning_rate=0.08, max_leaf_nodes=15,
                                                      l2_regularization=1.0, class_weight="balanced",
                                                      early_stopping=False, random_state=0),
        # cheaper variant for the group-alone ablations
        "HGB-small": lambda: HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, max_leaf_nodes=15,
                                                            l2_regularization=1.0, class_weight="balanced",
                                                            early_stopping=False, random_state=0),
    }


def source_folds(sources, k, seed):
    """greedy balanced assignment of sources to k folds (by row count), deterministic."""
    cnt = Counter(sources)
    order = sorted(cnt, key=lambda s: (-cnt[s], s))
    rng = random.Random(seed)
    fold_of, load = {}, [0] * k
    for s in order:
        best = min(range(k), key=lambda f: (load[f], rng.random()))
        fold_of[s] = best
        load[best] += cnt[s]
    return fold_of


def fit_score(mk, X, y, tr, te):
    m = mk()
    m.fit(X[tr], y[tr])
    return m, m.predict_proba(X[te])[:, 1]


def roc_tpr_at(neg, pos, fpr):
    """oracle: threshold from the held-out negatives."""
    if len(neg) == 0 or len(pos) == 0:
        return float("nan")
    thr = np.quantile(neg, 1 - fpr, method="higher")
    return float((pos > thr).mean())


def auc(neg, pos):
    from sklearn.metrics import roc_auc_score
    if len(neg) == 0 or len(pos) == 0:
        return float("nan")
    return float(roc_auc_score(np.r_[np.zeros(len(neg)), np.ones(len(pos))], np.r_[neg, pos]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("manifest")
    ap.add_argument("out")
    ap.add_argument("--max-general", type=int, default=2500, help="general clean (original/re-encodes) kept")
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--features-only", action="store_true")
    a = ap.parse_args()
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = Path(a.manifest)
    root = Path(".")
    rows = select(load_rows(manifest), a.max_general, a.seed)
    feats = run_features(rows, root, out)
    if a.features_only:
        return
    rows = [r for r in rows if r["path"] in feats]
    slices, d0 = group_slices()
    F0 = np.stack([feats[r["path"]][0] for r in rows])
    F1 = np.stack([feats[r["path"]][1] for r in rows])
    META = np.stack([feats[r["path"]][2] for r in rows])
    secs = np.array([feats[r["path"]][3] for r in rows])
    ncoef = np.array([feats[r["path"]][4] for r in rows])
    X = np.hstack([F0, F0 - F1, META])
    X = np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0)
    colgroups = {}
    for k, (s, e) in slices.items():
        colgroups[f"{k}"] = list(range(s, e))
        colgroups[f"{k}-cal"] = list(range(d0 + s, d0 + e))
    colgroups["qt"] = [2 * d0, 2 * d0 + 1]
    families = {k: colgroups[k] + colgroups[k + "-cal"] for k in GROUPS}
    families["qt"] = colgroups["qt"]
    print(f"X: {X.shape}", flush=True)

    tool = np.array([r["tool"] for r in rows])
    label = np.array([r["label"] for r in rows])
    param = np.array([r["param"] for r in rows])
    psize = np.array([r["payload_bytes"] for r in rows])
    src = np.array([r["source"] for r in rows])
    fold_of = source_folds(list(src), a.folds, a.seed)
    fold = np.array([fold_of[s] for s in src])
    general = np.isin(tool, GENERAL)

    def pgroup(i):
        """payload group for reports: steghide/outguess by size (outguess + q75 / q-cover), conseal by rate"""
        t, p = tool[i], param[i]
        if t == "steghide":
            return p.split("-")[0]
        if t == "outguess":
            return p.split("-")[0] + ("-q75" if p.endswith("-q75") else "-qcover")
        return p

    pg = np.array([pgroup(i) if label[i] == "stego" else "" for i in range(len(rows))])

    tasks = {
        "steghide": (tool == "steghide", general),
        "outguess": (tool == "outguess", tool == "outguess-control"),
        "nsF5": (tool == "nsF5", (tool == "jpeglib-rewrite") & (param == "for-nsF5")),
        "J-UNIWARD": (tool == "J-UNIWARD", (tool == "jpeglib-rewrite") & (param == "for-J-UNIWARD")),
        "all-stego": (label == "stego", label == "clean"),
    }
    models = make_models()
    results = {"n_rows": len(rows), "dim": int(X.shape[1]), "folds": {}, "tasks": {}}
    for f in range(a.folds):
        results["folds"][f] = sorted(s for s, ff in fold_of.items() if ff == f)
    score_rows = []
    rng = np.random.default_rng(a.seed)
    t_models = time.time()
    for tname, (posm, negm) in tasks.items():
        sel = posm | negm
        y = posm.astype(int)
        R = {"n_pos": int(posm.sum()), "n_neg": int(negm.sum()), "models": {}}
        for mname in ("LR", "HGB"):
            mk = models[mname]
            oof = np.full(len(rows), np.nan)       # held-out score (task rows)
            broad = np.full(len(rows), np.nan)     # score of held-out general clean (not in task) for broad FPR
            thr = {}
            perm_imp = defaultdict(list)
            for f in range(a.folds):
                tr = np.where(sel & (fold != f))[0]
                te = np.where(sel & (fold == f))[0]
                if len(te) == 0 or y[te].sum() == 0:
                    continue
                # inner grouped CV on training sources -> honest training clean scores for thresholds
                inner_fold = source_folds(list(src[tr]), 3, a.seed + 1 + f)
                ifold = np.array([inner_fold[s] for s in src[tr]])
                inner_neg = []
                for g in range(3):
                    itr, ite = tr[ifold != g], tr[ifold == g]
                    if len(ite) == 0 or y[itr].sum() == 0 or (1 - y[itr]).sum() == 0:
                        continue
                    _, s_ = fit_score(mk, X, y, itr, ite)
                    inner_neg.append(s_[y[ite] == 0])
                inner_neg = np.concatenate(inner_neg) if inner_neg else np.array([])
                m, s = fit_score(mk, X, y, tr, te)
                oof[te] = s
                gte = np.where(general & ~sel & (fold == f))[0]
                if len(gte):
                    broad[gte] = m.predict_proba(X[gte])[:, 1]
                thr[f] = {fp: float(np.quantile(inner_neg, 1 - fp, method="higher")) if len(inner_neg) else np.nan
                          for fp in (0.01, 0.001)}
                thr[f]["n_inner_neg"] = int(len(inner_neg))
                # grouped permutation importance on this held-out fold
                base = auc(s[y[te] == 0], s[y[te] == 1])
                for gname, cols in families.items():
                    drops = []
                    for _ in range(3):
                        Xp = X[te].copy()
                        pi = rng.permutation(len(te))
                        Xp[:, cols] = Xp[pi][:, cols]
                        sp = m.predict_proba(Xp)[:, 1]
                        drops.append(base - auc(sp[y[te] == 0], sp[y[te] == 1]))
                    perm_imp[gname].append(float(np.mean(drops)))
            # ---- evaluate pooled held-out
            ev = np.where(sel & ~np.isnan(oof))[0]
            neg_s = oof[ev][y[ev] == 0]
            M = {"auc": auc(neg_s, oof[ev][y[ev] == 1]), "n_test_pos": int(y[ev].sum()),
                 "n_test_neg": int((1 - y[ev]).sum()), "per_fold_auc": {}, "thresholds": thr}
            for fp in (0.01, 0.001):
                key = f"{fp:g}"
                # threshold from training (inner-CV) clean scores, fold by fold
                det, fpos, bpos, nb = [], [], [], 0
                for f, th in thr.items():
                    idx = ev[fold[ev] == f]
                    det.append(oof[idx][y[idx] == 1] > th[fp])
                    fpos.append(oof[idx][y[idx] == 0] > th[fp])
                    bi = np.where(~np.isnan(broad) & (fold == f))[0]
                    bpos.append(broad[bi] > th[fp])
                    nb += len(bi)
                det, fpos = np.concatenate(det), np.concatenate(fpos)
                bp = np.concatenate(bpos) if bpos else np.array([])
                # broad pool: task negatives that are general clean + general clean outside the task
                gen_task = np.where(sel & general & (y == 0) & ~np.isnan(oof))[0]
                bcount = int(bp.sum()) + int(sum((oof[i] > thr[fold[i]][fp]) for i in gen_task))
                M[f"train_thr@{key}"] = {"tpr": float(det.mean()), "heldout_fpr": float(fpos.mean()),
                                        "broad_clean_fpr": (bcount / (nb + len(gen_task))) if nb + len(gen_task) else None,
                                        "n_broad": int(nb + len(gen_task))}
                M[f"oracle_tpr@{key}"] = roc_tpr_at(neg_s, oof[ev][y[ev] == 1], fp)
            for f in thr:
                idx = ev[fold[ev] == f]
                M["per_fold_auc"][f] = auc(oof[idx][y[idx] == 0], oof[idx][y[idx] == 1])
            # per tool / payload group (positives) vs all held-out negatives of the task
            per = {}
            pos_idx = ev[y[ev] == 1]
            for key in sorted(set(zip(tool[pos_idx], pg[pos_idx]))):
                ii = pos_idx[(tool[pos_idx] == key[0]) & (pg[pos_idx] == key[1])]
                ps = oof[ii]
                d = {"n": int(len(ii)), "auc": auc(neg_s, ps),
                     "oracle_tpr@0.01": roc_tpr_at(neg_s, ps, 0.01)}
                for fp in (0.01, 0.001):
                    d[f"tpr_trainthr@{fp:g}"] = float(np.mean([oof[i] > thr[fold[i]][fp] for i in ii]))
                per[f"{key[0]}:{key[1]}"] = d
            M["per_param"] = per
            M["perm_importance_auc_drop"] = {k: float(np.mean(v)) for k, v in perm_imp.items()}
            R["models"][mname] = M
            for i in ev:
                score_rows.append((tname, mname, rows[i]["path"], rows[i]["tool"], rows[i]["param"],
                                   rows[i]["source"], int(fold[i]), int(y[i]), f"{oof[i]:.6f}"))
            print(f"[{time.time() - t_models:.0f}s] {tname} {mname}: AUC {M['auc']:.3f} "
                  f"TPR@1%(train thr) {M['train_thr@0.01']['tpr']:.3f} (held-out FPR "
                  f"{M['train_thr@0.01']['heldout_fpr']:.3f}) oracle {M['oracle_tpr@0.01']:.3f}", flush=True)
        # group alone (family: orig + calibrated diff) and calibration ablations, LR + HGB, pooled AUC
        alone = {}
        variants = dict({f"only:{k}": v for k, v in families.items()})
        variants["only:uncalibrated"] = [c for k in GROUPS for c in colgroups[k]] + colgroups["qt"]
        variants["only:calibrated-diffs"] = [c for k in GROUPS for c in colgroups[k + "-cal"]] + colgroups["qt"]
        variants["only:hist+mode+stats(+cal)"] = families["hist"] + families["hratio"] + families["mode"] + \
            families["stats"] + families["qt"]
        variants["only:cooc+markov(+cal)"] = families["intra"] + families["inter"] + families["mkintra"] + \
            families["mkinter"] + families["qt"]
        for vname, cols in variants.items():
            alone[vname] = {}
            for mname in ("LR", "HGB"):
                if mname == "HGB" and tname == "all-stego":
                    alone[vname][mname] = float("nan")  # skipped for time (largest task)
                    continue
                oof = np.full(len(rows), np.nan)
                for f in range(a.folds):
                    tr = np.where(sel & (fold != f))[0]
                    te = np.where(sel & (fold == f))[0]
                    if len(te) == 0 or y[te].sum() == 0:
                        continue
                    m = models["HGB-small" if mname == "HGB" else mname]()
                    m.fit(X[tr][:, cols], y[tr])
                    oof[te] = m.predict_proba(X[te][:, cols])[:, 1]
                ev = np.where(sel & ~np.isnan(oof))[0]
                alone[vname][mname] = auc(oof[ev][y[ev] == 0], oof[ev][y[ev] == 1])
        R["group_alone_auc"] = alone
        results["tasks"][tname] = R
        print(f"[{time.time() - t_models:.0f}s] {tname}: group-alone done", flush=True)

    # timing
    mp = ncoef / 1e6
    results["timing"] = {"n": int(len(secs)), "median_s": float(np.median(secs)), "mean_s": float(secs.mean()),
                         "p95_s": float(np.quantile(secs, 0.95)), "max_s": float(secs.max()),
                         "s_per_megapixel_median": float(np.median(secs / np.maximum(mp, 1e-6))),
                         "median_megapixels": float(np.median(mp))}
    results["counts"] = {f"{t}|{l}": int(n) for (t, l), n in Counter(zip(tool, label)).items()}
    results["fold_counts"] = {f"{t}|fold{f}": int(n) for (t, f), n in Counter(zip(tool, fold)).items()}
    (out / "results.json").write_text(json.dumps(results, indent=1, default=float))
    with open(out / "scores.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["task", "model", "path", "tool", "param", "source", "fold", "y", "score"])
        w.writerows(score_rows)
    write_md(results, out / "RESULTS.md", a)
    print(f"wrote {out / 'RESULTS.md'}")


def write_md(res, path, a):
    L = []
    p = L.append
    t = res["timing"]
    p("# JPEG feature feasibility study (generated by scripts/research/jpeg_features.py)\n")
    p(f"Rows used: {res['n_rows']}, feature dim {res['dim']} "
      f"(f(J) 186 + [f(J)-f(J_cal)] 186 + 2 quant scalars). Split: {a.folds}-fold grouped by source "
      f"(each fold trains on ~2/3 of the sources and tests on the rest; held-out scores pooled).\n")
    p(f"Per-image feature time (Python/numpy, 1 thread, incl. calibration): median {t['median_s'] * 1000:.0f} ms, "
      f"mean {t['mean_s'] * 1000:.0f} ms, p95 {t['p95_s'] * 1000:.0f} ms, max {t['max_s']:.2f} s; "
      f"median {t['s_per_megapixel_median'] * 1000:.0f} ms per megapixel (median image {t['median_megapixels']:.2f} MP).\n")
    p("Thresholds: `train-thr` = quantile of out-of-fold scores of TRAINING clean images (inner 3-fold grouped CV "
      "on the training sources), applied to held-out sources; `held-out FPR` is what it really gave; "
      "`broad FPR` = same threshold on held-out general clean (original + re-encodes). "
      "`oracle` = TPR at the held-out clean quantile (threshold from held-out clean).\n")
    p("## Summary per detector (held-out sources)\n")
    p("| task | model | n pos/neg | AUC | TPR@1% train-thr | held-out FPR | broad FPR | oracle TPR@1% | "
      "TPR@0.1% train-thr | held-out FPR | broad FPR | oracle TPR@0.1% |")
    p("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for tn, R in res["tasks"].items():
        for mn, M in R["models"].items():
            a1, a2 = M["train_thr@0.01"], M["train_thr@0.001"]
            bf = lambda d: "-" if d["broad_clean_fpr"] is None else f"{d['broad_clean_fpr']:.3f} (n={d['n_broad']})"  # noqa: E731
            p(f"| {tn} | {mn} | {M['n_test_pos']}/{M['n_test_neg']} | {M['auc']:.3f} | {a1['tpr']:.3f} | "
              f"{a1['heldout_fpr']:.3f} | {bf(a1)} | {M['oracle_tpr@0.01']:.3f} | {a2['tpr']:.3f} | "
              f"{a2['heldout_fpr']:.4f} | {bf(a2)} | {M['oracle_tpr@0.001']:.3f} |")
    p("\n## Per tool / payload (positives of that group vs all held-out negatives of the task)\n")
    for tn, R in res["tasks"].items():
        p(f"### {tn}\n")
        p("| group | n | LR AUC | LR TPR@1% (train-thr) | HGB AUC | HGB TPR@1% (train-thr) | HGB oracle TPR@1% |"
          " HGB TPR@0.1% (train-thr) |")
        p("|---|---|---|---|---|---|---|---|")
        lr, hg = R["models"]["LR"]["per_param"], R["models"]["HGB"]["per_param"]
        for k in sorted(hg, key=lambda s: (s.split(":")[0], _num(s.split(":")[1]))):
            p(f"| {k} | {hg[k]['n']} | {lr[k]['auc']:.3f} | {lr[k]['tpr_trainthr@0.01']:.3f} | {hg[k]['auc']:.3f} | "
              f"{hg[k]['tpr_trainthr@0.01']:.3f} | {hg[k]['oracle_tpr@0.01']:.3f} | {hg[k]['tpr_trainthr@0.001']:.3f} |")
        p("")
    p("## Feature groups\n")
    p("AUC of one family alone (family = f(J) group + its calibrated difference), pooled held-out (LR, and HGB with "
      "100 iterations; HGB skipped for all-stego for time); and HGB grouped "
      "permutation importance (mean AUC drop when the family's columns are permuted on the held-out fold).\n")
    names = list(next(iter(res["tasks"].values()))["group_alone_auc"].keys())
    p("| variant | " + " | ".join(f"{t} LR / HGB" for t in res["tasks"]) + " |")
    p("|---|" + "---|" * len(res["tasks"]))
    for v in names:
        p(f"| {v} | " + " | ".join(f"{R['group_alone_auc'][v]['LR']:.3f} / {R['group_alone_auc'][v]['HGB']:.3f}"
                                   for R in res["tasks"].values()) + " |")
    p("\n| family | " + " | ".join(f"{t} HGB perm ΔAUC" for t in res["tasks"]) + " |")
    p("|---|" + "---|" * len(res["tasks"]))
    fams = list(next(iter(res["tasks"].values()))["models"]["HGB"]["perm_importance_auc_drop"].keys())
    for fm in fams:
        p(f"| {fm} | " + " | ".join(f"{R['models']['HGB']['perm_importance_auc_drop'].get(fm, float('nan')):.4f}"
                                   for R in res["tasks"].values()) + " |")
    p("\n## Data\n")
    p("Folds (held-out sources): " + "; ".join(f"fold {f}: {', '.join(s)}" for f, s in res["folds"].items()) + "\n")
    p("Counts (tool|label): " + ", ".join(f"{k}={v}" for k, v in sorted(res["counts"].items())) + "\n")
    p("Per fold (tool|fold): " + ", ".join(f"{k}={v}" for k, v in sorted(res["fold_counts"].items())) + "\n")
    Path(path).write_text("\n".join(L) + "\n")


def _num(s):
    try:
        return float(s.split("B")[0])
    except ValueError:
        return 0.0


if __name__ == "__main__":
    sys.exit(main())
