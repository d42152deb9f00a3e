#!/usr/bin/env bash
# The Spark benchmark: N scale-corpus articles (default 100,000) prepared by spark/newsdesk_job.py
# on a standalone cluster on 127.0.0.1 with one worker, then with two (one core each), and the
# same articles through a local `newsdesk ingest`, for the overhead:
#   spark-1w, spark-2w   wall time of spark-submit (the job, start-up included)
#   load                 `newsdesk ingest OUT/` of the two-worker output into a new index
#   local                `newsdesk ingest` of the corpus into a new index
# Each worker is pinned to a core of its own (taskset); the driver is not. LOCAL=0 skips the
# load and the local ingest. The pinned pyspark comes from .venv (see .ci/run), or SPARK_HOME; NEWSDESK=BINARY runs that
# binary instead of building target/release/newsdesk. PARTITIONS (default 32) parts.
# Usage: bench/spark.sh [ARTICLES] [WORKDIR]
set -euo pipefail
n=${1:-100000}
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
bench_start "${2:-}" 'stop_cluster'
daemons=()
stop_cluster() {
  for pid in "${daemons[@]}"; do
    pkill -KILL -P "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
  done
  daemons=()
}
[ -z "${2:-}" ] || trap stop_cluster EXIT
use_newsdesk
nd=$(cd "$(dirname "$nd")" && pwd)/$(basename "$nd")
python=${PYSPARK_PYTHON:-$PWD/.venv/bin/python}
export SPARK_HOME=${SPARK_HOME:-$("$python" -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')}
export SPARK_LOCAL_IP=127.0.0.1 SPARK_LOCAL_HOSTNAME=localhost PYSPARK_PYTHON=$python PYSPARK_DRIVER_PYTHON=$python
export SPARK_LOG_DIR=$work/spark-logs SPARK_WORKER_DIR=$work/spark-work
partitions=${PARTITIONS:-32}
make_corpus "$n"
find "$work/corpus" -type f -name '*.md' | sort >"$work/sources.txt"
warm_cache "$work/corpus"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port=$(free_port)
ui=$(free_port)
"$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" \
  --webui-port "$ui" >"$work/master.log" 2>&1 &
daemons+=($!)
master=spark://127.0.0.1:$port
start_workers() { # start_workers N: N one-core workers, registered
  # Each worker, and all it starts (executor, Python, newsdesk), is pinned to a core of its own:
  # Spark's --cores only counts task slots, and would let one worker's processes use both.
  for i in $(seq "$1"); do
    taskset -c $(((i - 1) % $(nproc))) "$SPARK_HOME/bin/spark-class" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 --cores 1 \
      --memory 2g --webui-port "$(free_port)" "$master" >>"$work/workers.log" 2>&1 &
    daemons+=($!)
  done
  for _ in $(seq 240); do
    alive=$(curl -sf "http://127.0.0.1:$ui/json/" 2>/dev/null | python3 -c 'import json, sys; print(json.load(sys.stdin)["aliveworkers"])' 2>/dev/null || echo 0)
    [ "$alive" -ge "$1" ] && return
    sleep 0.5
  done
  echo "the workers did not register" >&2
  exit 2
}
stop_workers() {
  local master_pid=${daemons[0]}
  for pid in "${daemons[@]:1}"; do
    pkill -KILL -P "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
  done
  daemons=("$master_pid")
  sleep 2
}
job() { # job LABEL OUT
  rm -rf "$2"
  timed "$1" "$SPARK_HOME/bin/spark-submit" --master "$master" --conf spark.driver.host=127.0.0.1 \
    --conf spark.ui.enabled=false --files "$nd" spark/newsdesk_job.py \
    --sources "$work/sources.txt" --out "$2" --partitions "$partitions" --newsdesk "$(basename "$nd")"
}
echo "== $(nproc) cores, commit $(git rev-parse --short HEAD), $n articles, $partitions partitions, Spark $("$python" -c 'import pyspark; print(pyspark.__version__)')" >&2
echo "label wall_s cpu_s peak_rss_mib"
start_workers 1
job spark-1w "$work/out-1w"
stop_workers
start_workers 2
job spark-2w "$work/out-2w"
stop_cluster
if [ "${LOCAL:-1}" != 0 ]; then
  rm -rf "$work/loaded" "$work/local"
  timed load "$nd" --index "$work/loaded" ingest "$work/out-2w"
  timed local "$nd" --index "$work/local" ingest "$work/corpus"
fi
for out in out-1w out-2w; do
  echo "$out: $(cat "$work/$out/_SUCCESS")"
done
