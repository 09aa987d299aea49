"""ROC AUCs and the tie share of the merged leave-one-source-out items that `make model` writes
(data/model/heldout/items.jsonl), as reported in models/README.md:

    python3 scripts/heldout_auc.py [data/model/heldout/items.jsonl]

AUC = Mann-Whitney U with average ranks for ties; "lossless clean" = clean PNG, BMP and GIF
images; scattered LSB = the dataset's `*scatter*` stego images.
"""
import collections
import json
import sys


def auc(pos, neg):
    vals = sorted(pos + neg)
    rank, i = {}, 0
    while i < len(vals):
        j = i
        while j < len(vals) and vals[j] == vals[i]:
            j += 1
        rank[vals[i]] = (i + j + 1) / 2
        i = j
    s = sum(rank[v] for v in pos)
    return (s - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "data/model/heldout/items.jsonl"
    rows = [json.loads(l) for l in open(path)]
    ok = [r for r in rows if not r["error"]]
    p = lambda f: [r["probability"] for r in ok if f(r)]
    print(f"images {len(ok)} (errors {len(rows) - len(ok)})")
    print("ROC AUC, all images: %.4f" % auc(p(lambda r: r["stego"]), p(lambda r: not r["stego"])))
    print("ROC AUC, JPEGs left out: %.4f" % auc(p(lambda r: r["stego"] and r["format"] != "jpeg"),
                                               p(lambda r: not r["stego"] and r["format"] != "jpeg")))
    sc = p(lambda r: r["stego"] and "scatter" in r["path"])
    lossless = p(lambda r: not r["stego"] and r["format"] in ("png", "bmp", "gif"))
    print("ROC AUC, scattered LSB (%d) against lossless clean (%d): %.4f" % (len(sc), len(lossless), auc(sc, lossless)))
    clean = p(lambda r: not r["stego"])
    _, n = collections.Counter(clean).most_common(1)[0]
    print("share of clean images on the most common probability: %.1f %% (%d / %d)" % (100 * n / len(clean), n, len(clean)))


if __name__ == "__main__":
    main()
