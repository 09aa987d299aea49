#!/usr/bin/env bash
# A fresh held-out set of clean JPEGs for measuring the false-positive rate of the JPEG analyses ONCE.
# The packages below were never used by this project before (not by fetch-corpus.sh, jpeg_data.sh,
# data/heldout{,2,3,4} or data/jpeg/{clean,raw}); don't tune anything on this set.
#
# Writes data/jpeg-heldout/<package>/<flattened path>.jpg (git-ignored) and
# data/jpeg-heldout/manifest.csv (path,label,tool,param,source; label=clean, tool=original).
# Keeps only files whose first bytes are FF D8 FF (whatever their extension), drops any file whose
# SHA-256 was already seen (in data/jpeg/{clean,raw}, data/heldout*, data/corpus, or an earlier
# package of this list), and keeps at most $CAP per package (the ones with the smallest SHA-256,
# i.e. a deterministic pseudo-random pick). Needs apt-get/dpkg (Debian) and python3 (stdlib only).
# Idempotent: a package whose directory exists is skipped; the manifest is rewritten every run.
# EXCLUDE_DIRS (space-separated) replaces the directories whose JPEGs are excluded.
# PIN (a file of SHA-256 prefixes, 16 hex digits a line; default scripts/pins/jpeg_heldout_a.sha256)
# pins the set: only the files listed are kept and nothing is excluded, so the set comes out the
# same whatever else is on disk (without it, the exclusion depends on which of the directories
# above exist: data/jpeg is not always there). PIN= (empty) picks afresh. SUITE (e.g. trixie)
# fetches the packages from that Debian suite's pool instead of through apt.
#   scripts/jpeg_heldout.sh            # or: rm -rf data/jpeg-heldout && scripts/jpeg_heldout.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=${JPEG_HELDOUT_OUT:-data/jpeg-heldout}
cap=${CAP:-400}
pin=${PIN-scripts/pins/jpeg_heldout_a.sha256}
pkgs=${PKGS:-"povray-examples redeclipse-data supertuxkart-data fotoxx-common flightgear-data-base
  texlive-latex-extra-doc texlive-publishers-doc texlive-fonts-extra-doc kalzium-data kodi-data
  warzone2100-data mandelbulber2-data gpredict qgis-common"}

mkdir -p "$out/.debs"
[ -n "$(find /var/lib/apt/lists -name '*Packages*' -print -quit 2>/dev/null)" ] || apt-get update -qq

# SHA-256 of every JPEG the project already has (cheap: ~2 GB), so nothing seen before comes back
excl="$out/.exclude.sha256"
if [ -n "$pin" ]; then
  : > "$excl"  # a pinned set excludes nothing: it lists what it keeps
elif [ ! -s "$excl" ]; then
  # shellcheck disable=SC2086 # a list of directories
  find ${EXCLUDE_DIRS:-data/jpeg/clean data/jpeg/raw data/heldout data/heldout2 data/heldout3 data/heldout4 data/corpus} \
      -type f \( -iname '*.jpg' -o -iname '*.jpeg' -o -iname '*.jpe' -o -iname '*.jfif' \) -print0 2>/dev/null |
    xargs -0 -r nice -n 10 sha256sum | cut -c1-64 | sort -u > "$excl.part" || true
  mv "$excl.part" "$excl"
fi

# A package's .deb into $out/.debs: through apt (the machine's suites), or with SUITE set (e.g.
# trixie) from that suite's pool on deb.debian.org, through its Packages index (amd64 and all).
fetch() {
  local p=$1 idx f
  (cd "$out/.debs" && ls "${p}"_*.deb >/dev/null 2>&1) && return 0
  if [ -n "${SUITE:-}" ]; then
    idx="$out/.debs/Packages-$SUITE"
    [ -s "$idx" ] || curl -fsS "http://deb.debian.org/debian/dists/$SUITE/main/binary-amd64/Packages.xz" |
      xz -d > "$idx"
    f=$(awk -v p="$p" '/^Package: /{on=($2==p)} on && /^Filename: /{print $2; exit}' "$idx")
    [ -n "$f" ] && curl -fsS -o "$out/.debs/$(basename "$f")" "http://deb.debian.org/debian/$f"
    return
  fi
  (cd "$out/.debs" && apt-get download -qq "$p" >/dev/null 2>&1) ||
    { apt-get update -qq && (cd "$out/.debs" && apt-get download -qq "$p" >/dev/null 2>&1); }
}

for p in $pkgs; do
  [ -d "$out/$p" ] && continue
  fetch "$p"
  tmp=$(mktemp -d)
  dpkg -x "$out"/.debs/"${p}"_*.deb "$tmp"
  rm -rf "$out/$p.part"; mkdir -p "$out/$p.part"
  nice -n 10 python3 - "$tmp" "$out" "$p" "$cap" "$excl" "$pin" <<'EOF'
import hashlib, os, re, shutil, sys
src, out, pkg, cap, excl, pin = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
pinned = set(open(pin).read().split()) if pin else None
seen = set(open(excl).read().split())
for d in os.listdir(out):  # packages already in the held-out set (earlier in the list)
    full = os.path.join(out, d)
    if d.startswith(".") or d.endswith(".part") or not os.path.isdir(full):
        continue
    for f in os.listdir(full):
        seen.add(hashlib.sha256(open(os.path.join(full, f), "rb").read()).hexdigest())
cand = {}  # sha -> relative path (first in sorted path order wins)
n_jpeg = 0
for root, dirs, files in os.walk(src):
    dirs.sort()
    for f in sorted(files):
        path = os.path.join(root, f)
        if os.path.islink(path) or not os.path.isfile(path):
            continue
        with open(path, "rb") as fh:
            if fh.read(3) != b"\xff\xd8\xff":
                continue
            fh.seek(0)
            h = hashlib.sha256(fh.read()).hexdigest()
        n_jpeg += 1
        if pinned is not None and h[:16] not in pinned:
            continue
        if h not in seen and h not in cand:
            cand[h] = os.path.relpath(path, src)
keep = sorted(cand)[:cap]
names = set()
for h in keep:
    rel = cand[h]
    name = re.sub(r"\.(jpe?g|jpe|jfif)$", "", rel.replace("/", "_").replace(" ", "_"), flags=re.I)
    name = re.sub(r"[^A-Za-z0-9._+-]", "_", name)
    base, i = name, 2
    while name.lower() in names:
        name, i = f"{base}_{i}", i + 1
    names.add(name.lower())
    shutil.copyfile(os.path.join(src, rel), os.path.join(out, pkg + ".part", name + ".jpg"))
print(f"{pkg}: {n_jpeg} JPEG files, {len(cand)} new unique, kept {len(keep)}")
EOF
  rm -rf "$tmp"; mv "$out/$p.part" "$out/$p"
done

# manifest over what is on disk (packages of $pkgs only, in list order, files sorted)
{
  echo "path,label,tool,param,source"
  for p in $pkgs; do
    [ -d "$out/$p" ] || continue
    find "$out/$p" -maxdepth 1 -type f -name '*.jpg' | LC_ALL=C sort | sed "s|\$|,clean,original,,$p|"
  done
} > "$out/manifest.csv"
echo "$out/manifest.csv: $(($(wc -l < "$out/manifest.csv") - 1)) clean JPEGs"
