#!/usr/bin/env bash
# Ingest time with analysis vs. before analysis existed, on the same scaled corpus, runs
# alternated so machine noise hits both alike. Usage:
#   bench/analysis-overhead.sh [ARTICLES] [BEFORE_REV]
# ARTICLES defaults to 10000; BEFORE_REV to 41f28cf (the core pipeline, before analysis).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
before_rev=${2:-41f28cf}
work=$(mktemp -d)
trap 'git worktree remove --force "$work/before" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

echo "== corpus: $n articles from ../shared/corpus" >&2
../shared/tools/scale-corpus ../shared/corpus "$work/corpus" "$n" >&2

echo "== building $before_rev and the working tree (release)" >&2
git worktree add --detach "$work/before" "$before_rev" >/dev/null
(cd "$work/before" && CARGO_TARGET_DIR="$PWD/../before-target" cargo build --release --quiet)
cargo build --release --quiet
before="$work/before-target/release/newsdesk"
after="target/release/newsdesk"

run() { # binary → "wall_s cpu_s"
  rm -rf "$work/idx"
  /usr/bin/time -f "%e %U %S" "$1" --index "$work/idx" ingest "$work/corpus" 2>&1 >/dev/null | tail -1 |
    awk '{ printf "%s %.2f\n", $1, $2 + $3 }'
}
for i in 1 2 3; do
  echo "before $(run "$before")"
  echo "after $(run "$after")"
done | tee "$work/runs"
median() { # which column → median of the 3 runs of $1
  grep "^$1 " "$work/runs" | awk -v c="$2" '{ print $c }' | sort -n | sed -n 2p
}
bw=$(median before 2); aw=$(median after 2); bc=$(median before 3); ac=$(median after 3)
awk -v bw="$bw" -v aw="$aw" -v bc="$bc" -v ac="$ac" 'BEGIN {
  printf "median wall: before %.2f s, after %.2f s, ratio %.2f\n", bw, aw, aw / bw
  printf "median CPU:  before %.2f s, after %.2f s, ratio %.2f\n", bc, ac, ac / bc
}'
