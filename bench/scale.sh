#!/usr/bin/env bash
# The scale benchmark: a corpus of N articles (default 100,000) grown from ../shared/corpus by
# scale-corpus, then, on the same machine in the same run:
#   floor      the least work that makes it searchable (examples/floor.rs): read, crude tag
#              strip, one jieba pass, tantivy indexing; no cleaning, no analysis
#   ingest     full `newsdesk ingest` (parse, clean, analyse, dedupe, index)
#   unchanged  the same ingest again, nothing changed (files skipped by size+mtime)
#   search     in-process latency of a fixed query set (examples/search_latency.rs), and the
#              wall time of whole `newsdesk search` processes over the same queries
#   export     `newsdesk export` throughput
# plus index size and peak RSS (/usr/bin/time). Usage:
#   bench/scale.sh [ARTICLES] [WORKDIR]
# WORKDIR (default: a temporary folder, removed at the end) keeps the corpus for reruns.
# ROUNDS (environment, default 3): floor and ingest alternate this many times, each into a
# fresh index; each figure's median is reported, and the median of the rounds' ratios. This
# machine's speed drifts by a third within the hour, so one run of each says little about
# their ratio. The corpus is read once before the first round (see warm_cache in lib.sh).
set -euo pipefail
n=${1:-100000}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_start "${2:-}"
nd=target/release/newsdesk
make_corpus "$n"
bytes=$(du -sb "$work/corpus" | cut -f1)
echo "== building (release)" >&2
cargo build --release --quiet
cargo build --release --quiet --examples

echo "== $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), commit $(git rev-parse --short HEAD), $n articles, $((bytes / 1048576)) MiB" >&2
echo "== warming the page cache with the corpus" >&2
warm_cache "$work/corpus"
: >"$work/rounds"
for _ in $(seq "$rounds"); do
  rm -rf "$work/floor" "$work/index"
  timed floor target/release/examples/floor "$work/corpus" "$work/floor" | tee -a "$work/rounds"
  timed ingest "$nd" --index "$work/index" ingest "$work/corpus" | tee -a "$work/rounds"
done
# Each column's median over the rounds, and the ratio of each round's floor and ingest (the
# two ran minutes apart, so their ratio is what holds on a drifting machine) with its median.
python3 - "$work/rounds" "$work/results" <<'PY' | tee "$work/ratios"
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
with open(sys.argv[2], "w") as out:
    for label in ("floor", "ingest"):
        runs = [[float(x) for x in r[1:]] for r in rows if r[0] == label]
        print(label, *(f"{statistics.median(col):.2f}" for col in zip(*runs)), file=out)
pairs = list(zip(rows[0::2], rows[1::2]))
ratios = [(float(i[1]) / float(f[1]), float(i[2]) / float(f[2])) for f, i in pairs]
for n, (wall, cpu) in enumerate(ratios, 1):
    print(f"round {n}: ingest / floor wall {wall:.2f}x, CPU {cpu:.2f}x")
print(f"ingest / floor, median of the {len(ratios)} rounds' ratios: "
      f"wall {statistics.median(r[0] for r in ratios):.2f}x, CPU {statistics.median(r[1] for r in ratios):.2f}x")
PY
timed unchanged "$nd" --index "$work/index" ingest "$work/corpus" | tee -a "$work/results"
timed export sh -c "$nd --index '$work/index' export --format jsonl > '$work/export.jsonl'" | tee -a "$work/results"
export_bytes=$(stat -c %s "$work/export.jsonl")
rm -f "$work/export.jsonl"
target/release/examples/search_latency "$work/index" 20 | tee "$work/search"

python3 - "$nd" "$work/index" <<'PY' | tee -a "$work/search"
import statistics, subprocess, sys, time
nd, index = sys.argv[1], sys.argv[2]
queries = ["互联互通", "支付宝", "微信支付 云闪付", "\"外链屏蔽\"", "反垄断 AND 罚款", "芯片 -手机",
           "title:苹果", "电动汽车 电池", "antitrust", "Kubernetes", "topic:semiconductors", "人工智能 OR 大模型"]
times = []
for round in range(6):
    for q in queries:
        t = time.perf_counter()
        subprocess.run([nd, "--index", index, "search", q], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if round > 0:
            times.append(time.perf_counter() - t)
times.sort()
print(f"whole process: {len(times)} runs of `newsdesk search` (10 hits with snippets), "
      f"median {statistics.median(times) * 1e3:.0f} ms, p99 {times[min(len(times) - 1, int(len(times) * 0.99))] * 1e3:.0f} ms")
PY

index_bytes=$(du -sb "$work/index" | cut -f1)
awk -v n="$n" -v eb="$export_bytes" -v ib="$index_bytes" -v cb="$bytes" '
  { wall[$1] = $2; cpu[$1] = $3; rss[$1] = $4 }
  END {
    printf "\n%-10s %9s %9s %12s %10s\n", "run", "wall s", "CPU s", "articles/s", "peak RSS"
    split("floor ingest unchanged export", order, " ")
    for (i = 1; i <= 4; i++) { k = order[i]; printf "%-10s %9.2f %9.2f %12.0f %7.0f MiB\n", k, wall[k], cpu[k], n / wall[k], rss[k] }
    printf "export: %.0f MiB in %.2f s = %.0f MB/s\n", eb / 1048576, wall["export"], eb / 1e6 / wall["export"]
    printf "corpus %.0f MiB, index %.0f MiB\n", cb / 1048576, ib / 1048576
  }' "$work/results"
tail -1 "$work/ratios"
