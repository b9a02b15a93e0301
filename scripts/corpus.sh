#!/usr/bin/env bash
# Rebuild the public real/fake talking-face corpus described by corpus/manifest.csv.
#
#   scripts/corpus.sh OUT_DIR [--snapshots DIR] [--clone] [--manifest FILE]
#
# For every manifest row the file REPO@COMMIT:PATH is taken from a local bare git snapshot
# (default DIR /work/.mirror, layout DIR/<owner>+<name>/... with a bare git dir somewhere below),
# or, with --clone, from a clone of https://github.com/REPO at the pinned commit (needs internet).
# It is written to OUT_DIR/<owner>+<name>/<path> and its SHA-256 is checked against the manifest.
# Files already present with the right hash are left alone, so the script can be re-run.
# OUT_DIR/labels.csv (path,label,group,generator,person,repo; paths relative to OUT_DIR) lists the
# present, verified clips; it is what `avlens prep OUT_DIR/labels.csv` reads.
#
# Exit status: 0 all clips present and verified; 1 some checksum mismatched (or usage error);
# 3 some clips missing (no mismatch).
# Needs: bash, git, sha256sum, python3 (CSV parsing only).
set -euo pipefail

usage() { sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 1; }

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MANIFEST="$HERE/../corpus/manifest.csv"
SNAP=/work/.mirror
CLONE=0
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --snapshots) SNAP="${2:?--snapshots needs a directory}"; shift 2 ;;
    --clone) CLONE=1; shift ;;
    --manifest) MANIFEST="${2:?--manifest needs a file}"; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "unknown option: $1" >&2; usage ;;
    *) [ -z "$OUT" ] || usage; OUT="$1"; shift ;;
  esac
done
[ -n "$OUT" ] || usage
[ -f "$MANIFEST" ] || { echo "manifest not found: $MANIFEST" >&2; exit 1; }
for t in git sha256sum python3; do
  command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 1; }
done
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

# Manifest rows as fields separated by \x1f (unit separator; empty fields survive `read`).
rows() {
  python3 - "$MANIFEST" <<'PY'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as fh:
    for r in csv.DictReader(fh):
        vals = [r[k] for k in ("repo", "commit", "path", "sha256", "label", "group", "generator", "person")]
        if any("\x1f" in v or "\n" in v for v in vals):
            sys.exit("manifest field with a control character: %r" % vals)
        print("\x1f".join(vals))
PY
}

declare -A GITDIR=()
# Find a git dir for owner/name that has COMMIT, in the snapshot tree or (with --clone) a clone.
find_gitdir() {
  local repo="$1" commit="$2" key="${1/\//+}" d cand
  if [ -n "${GITDIR[$key]+x}" ]; then
    d="${GITDIR[$key]}"
    if [ -n "$d" ] && git --git-dir="$d" cat-file -e "$commit^{commit}" 2>/dev/null; then
      echo "$d"; return 0
    fi
  fi
  d=""
  if [ -d "$SNAP/$key" ]; then
    # a bare git dir is one that has HEAD, objects/ and refs/
    while IFS= read -r cand; do
      cand="$(dirname "$cand")"
      if [ -d "$cand/objects" ] && git --git-dir="$cand" cat-file -e "$commit^{commit}" 2>/dev/null; then
        d="$cand"; break
      fi
    done < <(find "$SNAP/$key" -maxdepth 4 -name HEAD -type f 2>/dev/null | sort)
  fi
  if [ -z "$d" ] && [ "$CLONE" = 1 ]; then
    cand="$OUT/.clones/$key.git"
    if [ ! -d "$cand" ]; then
      mkdir -p "$OUT/.clones"
      git init -q --bare "$cand"
      git --git-dir="$cand" remote add origin "https://github.com/$repo" 2>/dev/null || true
    fi
    if ! git --git-dir="$cand" cat-file -e "$commit^{commit}" 2>/dev/null; then
      git --git-dir="$cand" fetch -q --depth 1 origin "$commit" 2>/dev/null \
        || git --git-dir="$cand" fetch -q origin '+refs/heads/*:refs/heads/*' 2>/dev/null || true
      # Git LFS content is not handled; the manifest holds plain git blobs only.
    fi
    git --git-dir="$cand" cat-file -e "$commit^{commit}" 2>/dev/null && d="$cand"
  fi
  GITDIR[$key]="$d"
  [ -n "$d" ] && echo "$d"
}

ok=0; missing=0; bad=0
MISSING_LIST=(); BAD_LIST=()
LABELS_TMP="$(mktemp)"; trap 'rm -f "$LABELS_TMP"' EXIT

while IFS=$'\x1f' read -r repo commit path sha label group generator person; do
  key="${repo/\//+}"
  dest="$OUT/$key/$path"
  rel="$key/$path"
  if [ -f "$dest" ] && [ "$(sha256sum "$dest" | cut -d' ' -f1)" = "$sha" ]; then
    ok=$((ok + 1))
    printf '%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\n' "$rel" "$label" "$group" "$generator" "$person" "$repo" >> "$LABELS_TMP"
    continue
  fi
  gd="$(find_gitdir "$repo" "$commit" || true)"
  if [ -z "$gd" ] || ! git --git-dir="$gd" cat-file -e "$commit:$path" 2>/dev/null; then
    missing=$((missing + 1)); MISSING_LIST+=("$repo@${commit:0:12}:$path")
    continue
  fi
  mkdir -p "$(dirname "$dest")"
  git --git-dir="$gd" show "$commit:$path" > "$dest.part"
  got="$(sha256sum "$dest.part" | cut -d' ' -f1)"
  if [ "$got" != "$sha" ]; then
    bad=$((bad + 1)); BAD_LIST+=("$repo@${commit:0:12}:$path (got $got)")
    rm -f "$dest.part"
    continue
  fi
  mv -f "$dest.part" "$dest"
  ok=$((ok + 1))
  printf '%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\n' "$rel" "$label" "$group" "$generator" "$person" "$repo" >> "$LABELS_TMP"
done < <(rows)

python3 - "$LABELS_TMP" "$OUT/labels.csv" <<'PY'
import csv, sys
with open(sys.argv[2], "w", newline="", encoding="utf-8") as fh:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["path", "label", "group", "generator", "person", "repo"])
    for line in open(sys.argv[1], encoding="utf-8"):
        w.writerow(line.rstrip("\n").split("\x1f"))
PY

echo "$ok clips ok, $missing missing, $bad bad checksum"
for m in ${MISSING_LIST[@]+"${MISSING_LIST[@]}"}; do echo "missing: $m"; done
for b in ${BAD_LIST[@]+"${BAD_LIST[@]}"}; do echo "bad checksum: $b"; done
echo "labels: $OUT/labels.csv"
if [ "$bad" -gt 0 ]; then exit 1; fi
if [ "$missing" -gt 0 ]; then exit 3; fi
exit 0
