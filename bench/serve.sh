#!/usr/bin/env bash
# The HTTP load benchmark: `newsdesk serve` on the N-article scale index (default 100,000),
# /api/search under wrk with the fixed query mix of bench/serve.lua, 32 connections on 2
# threads, DURATION seconds (default 30) per run:
#   alone    the server and wrk, nothing else
#   ingest   the same while `newsdesk ingest` writes 20,000 more articles into the index
#            (committing every 2,000), which the server reloads as it goes
# NEWSDESK=BINARY (environment) runs that binary instead of building target/release/newsdesk.
# CACHE=0 (environment) turns the server's answer cache off (`serve --cache 0`), so that every
# request is searched; by default the server runs as users get it.
# Usage: bench/serve.sh [ARTICLES] [WORKDIR]
# WORKDIR (default: a temporary folder) keeps the corpus and the index for reruns.
set -euo pipefail
n=${1:-100000}
duration=${DURATION:-30}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_start "${2:-}" 'kill $server 2>/dev/null || true'
# (With a WORKDIR, bench_start leaves the exit to us: the server still has to go.)
[ -z "${2:-}" ] || trap 'kill $server 2>/dev/null || true' EXIT
server=''
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 2; }
use_newsdesk
make_index "$n"
if [ ! -f "$work/more.done" ]; then
  echo "== a second corpus of 20,000 articles for the concurrent ingest" >&2
  rm -rf "$work/more"
  ../shared/tools/scale-corpus ../shared/corpus "$work/more" 20000 --seed 7 >&2
  touch "$work/more.done"
fi
# The concurrent ingest writes into a copy, so that every run starts from the same index.
rm -rf "$work/served"
cp -r "$work/index" "$work/served"
warm_cache "$work/served"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$nd" --index "$work/served" serve --addr "127.0.0.1:$port" ${CACHE:+--cache "$CACHE"} 2>"$work/serve.log" &
server=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
articles=$(curl -sf "http://127.0.0.1:$port/healthz" | python3 -c 'import json, sys; print(json.load(sys.stdin)["articles"])')
echo "== $(nproc) cores, commit $(git rev-parse --short HEAD), $articles articles, cache ${CACHE:-default}, 32 connections, ${duration}s per run" >&2
load() {
  wrk -t2 -c32 -d"${duration}s" --latency -s bench/serve.lua "http://127.0.0.1:$port" | grep '^RESULT' | sed "s/^RESULT/$1/"
}
# A short warm-up (the page cache and tantivy's caches), not reported.
DURATION=5 wrk -t2 -c32 -d5s -s bench/serve.lua "http://127.0.0.1:$port" >/dev/null
load alone
"$nd" --index "$work/served" ingest --commit-every 2000 "$work/more" >"$work/ingest.log" 2>&1 &
ingest=$!
sleep 2
load ingest
if kill -0 "$ingest" 2>/dev/null; then
  echo "(the ingest was still writing when the run ended)" >&2
  wait "$ingest"
else
  wait "$ingest"
  echo "note: the ingest finished before the run ended: $(tail -1 "$work/ingest.log")" >&2
fi
sleep 1.5 # one reload period, for the last commit
echo "== after the ingest: $(curl -sf "http://127.0.0.1:$port/healthz")" >&2
