#!/usr/bin/env bash
# What each stage costs in a full ingest, as a multiple of the floor (examples/floor.rs) of the
# same round. bench/ablation.patch, applied to a checkout of HEAD, lets NEWSDESK_ABLATE skip
# stages of the ingest:
#   (none)            the real ingest
#   analysis          the tagging cut only (the index still takes it); no keywords, topics,
#                     entities, summary or SimHash
#   clean             the floor's crude tag strip instead of scraper + surgery + html2text
#   analysis,clean    both: what is left is reading, front matter, the stored record, the
#                     duplicate register and tantivy
# Floor and the four ingests alternate ROUNDS times (environment, default 3), each into a fresh
# index; the medians are reported. The patch never lands in the product: it is applied to a
# separate checkout, built into its own target folder (a first build takes ~10 minutes; with a
# kept WORKDIR, later runs rebuild only newsdesk). Usage:
#   bench/ablation.sh [ARTICLES] [WORKDIR]
# ARTICLES defaults to 20000; WORKDIR (default: a temporary folder) keeps the corpus and build,
# and the checkout, a git worktree (`git worktree remove WORKDIR/src` when done).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
work=${2:-}
if [ -z "$work" ]; then
  work=$(mktemp -d)
  trap 'git worktree remove --force "$work/src" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
rounds=${ROUNDS:-3}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || {
  echo "ROUNDS must be a whole number ≥ 1, not '$rounds'" >&2
  exit 2
}

if [ ! -f "$work/corpus.$n.done" ]; then
  echo "== corpus: $n articles from ../shared/corpus" >&2
  rm -rf "$work/corpus"
  ../shared/tools/scale-corpus ../shared/corpus "$work/corpus" "$n" >&2
  touch "$work/corpus.$n.done"
fi

echo "== checkout of $(git rev-parse --short HEAD) with bench/ablation.patch, building (release)" >&2
git worktree remove --force "$work/src" >/dev/null 2>&1 || rm -rf "$work/src"
git worktree add --detach "$work/src" HEAD >/dev/null
git -C "$work/src" apply "$PWD/bench/ablation.patch"
(cd "$work/src" && CARGO_TARGET_DIR="$work/target" cargo build --release --quiet --bin newsdesk --example floor)
nd="$work/target/release/newsdesk"
floor="$work/target/release/examples/floor"

timed() { # label, command… → "label wall_s cpu_s"
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
    cat "$work/stderr" >&2
    return 1
  }
  awk -v l="$label" '{ printf "%s %.2f %.2f\n", l, $1, $2 + $3 }' "$work/time"
}

echo "== $(nproc) cores, commit $(git rev-parse --short HEAD), $n articles, $rounds rounds" >&2
find "$work/corpus" -type f -print0 | xargs -0 cat >/dev/null
: >"$work/rounds"
for round in $(seq "$rounds"); do
  rm -rf "$work/index"
  timed floor "$floor" "$work/corpus" "$work/index" | tee -a "$work/rounds"
  for stages in none analysis clean analysis,clean; do
    rm -rf "$work/index"
    NEWSDESK_ABLATE=$stages timed "$stages" "$nd" --index "$work/index" ingest "$work/corpus" |
      tee -a "$work/rounds"
  done
done

# Each round's ingest against that round's floor; medians over the rounds.
awk '
  $1 == "floor" { fw = $2; fc = $3; fws[++r] = fw; fcs[r] = fc; next }
  { w[$1, r] = $2; c[$1, r] = $3; rw[$1, r] = $2 / fw; rc[$1, r] = $3 / fc }
  function median(a, key,    i, n, v, t, j) {
    n = 0
    for (i = 1; i <= r; i++) v[++n] = (key == "" ? a[i] : a[key, i])
    for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j - 1] > v[j]; j--) { t = v[j]; v[j] = v[j - 1]; v[j - 1] = t }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  END {
    printf "%-16s %8s %8s %10s %9s\n", "skipped", "wall s", "CPU s", "× floor", "CPU ×"
    printf "%-16s %8.2f %8.2f %10s %9s\n", "floor", median(fws, ""), median(fcs, ""), "1.00", "1.00"
    split("none analysis clean analysis,clean", order, " ")
    for (k = 1; k <= 4; k++) {
      s = order[k]
      printf "%-16s %8.2f %8.2f %10.2f %9.2f\n", s, median(w, s), median(c, s), median(rw, s), median(rc, s)
    }
  }' "$work/rounds"
