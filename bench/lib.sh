# Helpers shared by the scripts in bench/, sourced after `set -euo pipefail`. Scratch files
# go to "$work".

# bench_start WORKDIR [CLEANUP]: the script runs from the repository's root from now on, with
# $rounds and $work set (see use_workdir; a relative WORKDIR is read from where the script
# started). A temporary $work is removed at exit, after the shell command CLEANUP.
bench_start() {
  local caller=$PWD
  cd "$(dirname "${BASH_SOURCE[0]}")/.."
  read_rounds
  use_workdir "$1" "$caller"
  if [ -z "$1" ]; then
    # shellcheck disable=SC2064 # $work is fixed now; CLEANUP may name it too
    trap "${2:+$2; }rm -rf '$work'" EXIT
  fi
}

# use_workdir WORKDIR CALLER_DIR: $work is WORKDIR (made if missing; a relative one is read
# from CALLER_DIR, where the script was started), or a new temporary folder if WORKDIR is
# empty (bench_start removes that one at exit).
use_workdir() {
  if [ -n "$1" ]; then
    work=$(cd "$2" && mkdir -p "$1" && cd "$1" && pwd)
  else
    work=$(mktemp -d)
  fi
}

# $rounds from ROUNDS (default 3), or exit 2.
read_rounds() {
  rounds=${ROUNDS:-3}
  [[ $rounds =~ ^[1-9][0-9]*$ ]] || {
    echo "ROUNDS must be a whole number ≥ 1, not '$rounds'" >&2
    exit 2
  }
}

# make_corpus N: "$work/corpus" holds N articles grown from ../shared/corpus by scale-corpus,
# made once and kept for reruns with the same N.
make_corpus() {
  if [ ! -f "$work/corpus.$1.done" ]; then
    echo "== corpus: $1 articles from ../shared/corpus" >&2
    rm -rf "$work/corpus" "$work"/corpus.*.done
    ../shared/tools/scale-corpus ../shared/corpus "$work/corpus" "$1" >&2
    touch "$work/corpus.$1.done"
  fi
}

# use_newsdesk: $nd is the binary to measure: NEWSDESK (environment), else target/release/newsdesk,
# built now.
use_newsdesk() {
  nd=${NEWSDESK:-target/release/newsdesk}
  if [ -z "${NEWSDESK:-}" ]; then
    echo "== building (release)" >&2
    cargo build --release --quiet
  fi
}

# make_index N: "$work/index" holds the N-article corpus of make_corpus, ingested once by $nd
# and kept for reruns with the same N.
make_index() {
  make_corpus "$1"
  if [ ! -f "$work/index.$1.done" ]; then
    echo "== ingesting $1 articles" >&2
    rm -rf "$work/index"
    "$nd" --index "$work/index" ingest "$work/corpus" >/dev/null
    touch "$work/index.$1.done"
  fi
}

# warm_cache DIR: reads every file once, so that no timed run pays for a cold page cache (the
# floor, run first on a cold cache, once took 27 s instead of 18 s, which flattered the ratio).
warm_cache() {
  find "$1" -type f -print0 | xargs -0 cat >/dev/null
}

# timed LABEL COMMAND…: runs COMMAND with stdout discarded and prints
# "LABEL wall_s cpu_s peak_rss_mib"; if it fails, shows its stderr and fails.
timed() {
  local label=$1
  shift
  /usr/bin/time -f "%e %U %S %M" -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
    cat "$work/stderr" >&2
    return 1
  }
  awk -v l="$label" '{ printf "%s %.2f %.2f %.0f\n", l, $1, $2 + $3, $4 / 1024 }' "$work/time"
}
