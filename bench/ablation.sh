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
n=${1:-20000}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_start "${2:-}" 'git worktree remove --force "$work/src" >/dev/null 2>&1 || true'
make_corpus "$n"

echo "== checkout of $(git rev-parse --short HEAD) with bench/ablation.patch, building (release)" >&2
git worktree remove --force "$work/src" >/dev/null 2>&1 || rm -rf "$work/src"
git worktree add --detach "$work/src" HEAD >/dev/null
git -C "$work/src" apply "$PWD/bench/ablation.patch"
(cd "$work/src" && CARGO_TARGET_DIR="$work/target" cargo build --release --quiet --bin newsdesk --example floor)
nd="$work/target/release/newsdesk"
floor="$work/target/release/examples/floor"

echo "== $(nproc) cores, commit $(git rev-parse --short HEAD), $n articles, $rounds rounds" >&2
warm_cache "$work/corpus"
: >"$work/rounds"
for _ in $(seq "$rounds"); do
  rm -rf "$work/index"
  timed floor "$floor" "$work/corpus" "$work/index" | tee -a "$work/rounds"
  for stages in none analysis clean analysis,clean; do
    rm -rf "$work/index"
    NEWSDESK_ABLATE=$stages timed "$stages" "$nd" --index "$work/index" ingest "$work/corpus" |
      tee -a "$work/rounds"
  done
done

# Each ingest against the floor of its own round; medians over the rounds.
python3 - "$work/rounds" <<'PY'
import statistics, sys
rounds, current = [], None
for label, wall, cpu, _rss in (line.split() for line in open(sys.argv[1])):
    if label == "floor":
        current = {}
        rounds.append(current)
    current[label] = (float(wall), float(cpu))
labels = ["floor", "none", "analysis", "clean", "analysis,clean"]
print(f"{'skipped':<16} {'wall s':>8} {'CPU s':>8} {'x floor':>8} {'CPU x':>6}   rounds' wall ratios")
for label in labels:
    med = lambda f: statistics.median(f(r) for r in rounds)
    ratios = [r[label][0] / r["floor"][0] for r in rounds]
    print(f"{label:<16} {med(lambda r: r[label][0]):8.2f} {med(lambda r: r[label][1]):8.2f} "
          f"{statistics.median(ratios):8.2f} {med(lambda r: r[label][1] / r['floor'][1]):6.2f}   "
          + " ".join(f"{x:.2f}" for x in ratios))
PY
