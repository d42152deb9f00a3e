"""Run newsdesk's per-article work on Apache Spark.

The sources (paths on a file system every node sees, http(s) URLs, WARC files) are spread over
the executors; each partition is piped through `newsdesk prepare`, which parses, cleans and
analyses its articles without any index, and writes one gzipped JSON Lines part file:

    OUT/part-00000.jsonl.gz … one per partition, the export record of each article
    OUT/_failures.jsonl       one JSON object per source that failed (source, stage, reason)
    OUT/_SUCCESS              written last, when every partition is done

Then `newsdesk ingest OUT/` loads the records into an index (or `newsdesk push` sends them on),
deciding duplicates over the whole archive.

Every partition is idempotent: it writes to a file of its own attempt and renames it into
place, so a task that Spark runs again (a lost executor, speculation) replaces its part with the
same records, and nothing is lost or written twice.

    spark-submit --master spark://HOST:7077 --files /path/to/newsdesk \\
        spark/newsdesk_job.py --sources sources.txt --out /shared/prepared

The binary is found as a file shipped with --files (by its name, default `newsdesk`), else
at the path --newsdesk gives (which must exist on every node), else on PATH.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile


def read_sources(path):
    """The sources listed in `path`, one per line (# comments and blank lines skipped); relative
    paths are relative to the list, as for `newsdesk ingest --from-file`."""
    base = os.path.dirname(os.path.abspath(path))
    sources = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if "://" not in line and not os.path.isabs(line):
                line = os.path.join(base, line)
            sources.append(line)
    return sources


def find_binary(name):
    """The newsdesk binary on this node: shipped with --files, else the given path, else PATH."""
    try:
        from pyspark import SparkFiles

        shipped = SparkFiles.get(os.path.basename(name))
        if os.path.isfile(shipped):
            os.chmod(shipped, 0o755)
            return shipped
    except Exception:  # not in a Spark task, or nothing shipped
        pass
    if os.path.isfile(name):
        return name
    found = shutil.which(name)
    if found:
        return found
    raise RuntimeError(f"newsdesk binary {name!r} not found: ship it with --files or give its path with --newsdesk")


def run_partition(index, sources, out, binary, extra, attempt, threads):
    """Prepares one partition's sources into OUT/part-INDEX.jsonl.gz and its failures into
    OUT/_failures/part-INDEX.jsonl; returns (index, sources, records, failures)."""
    sources = list(sources)
    part = f"part-{index:05d}"
    scratch = os.path.join(out, "_attempts")
    os.makedirs(scratch, exist_ok=True)
    os.makedirs(os.path.join(out, "_failures"), exist_ok=True)
    tmp_records = os.path.join(scratch, f"{part}.{attempt}.jsonl.gz")
    tmp_failures = os.path.join(scratch, f"{part}.{attempt}.failures.jsonl")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as listing:
        listing.write("\n".join(sources) + "\n")
    try:
        # As many threads as the task has cores: an executor's other cores run other tasks.
        cmd = [find_binary(binary), "prepare", "--threads", str(threads), "--from-file", listing.name, "--out", tmp_records, *extra]
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    finally:
        os.unlink(listing.name)
    # 0: all prepared; 2: some sources failed (listed on stderr), the rest written.
    failures, summary = [], {}
    for line in done.stderr.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict) and "prepared" in item:
            summary = item
        elif isinstance(item, dict) and "source" in item:
            failures.append(item)
    if done.returncode not in (0, 2) or "prepared" not in summary:
        # Anything else is this attempt's failure: Spark runs the task again.
        raise RuntimeError(f"newsdesk prepare failed on partition {index} (exit {done.returncode}): {done.stderr[-2000:]}")
    with open(tmp_failures, "w", encoding="utf-8") as f:
        for item in failures:
            f.write(json.dumps(item, ensure_ascii=False) + "\n")
    # The renames make this attempt's files the part's; a re-run replaces them with the same.
    os.replace(tmp_failures, os.path.join(out, "_failures", f"{part}.jsonl"))
    os.replace(tmp_records, os.path.join(out, f"{part}.jsonl.gz"))
    return (index, len(sources), summary["prepared"], len(failures))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run `newsdesk prepare` over a list of sources on Spark.")
    parser.add_argument("--sources", required=True, help="file listing the sources, one per line")
    parser.add_argument("--out", required=True, help="output folder (must not exist, or be empty)")
    parser.add_argument("--partitions", type=int, default=0, help="partitions (default: Spark's default parallelism × 4)")
    parser.add_argument("--newsdesk", default="newsdesk", help="the binary (shipped with --files, a path, or on PATH)")
    parser.add_argument("--prepare-arg", action="append", default=[], help="an extra argument for `newsdesk prepare` (repeatable)")
    args = parser.parse_args(argv)

    from pyspark import TaskContext
    from pyspark.sql import SparkSession

    out = os.path.abspath(args.out)
    if os.path.exists(out) and os.listdir(out):
        parser.error(f"{out} exists and is not empty")
    os.makedirs(out, exist_ok=True)
    sources = read_sources(args.sources)
    if not sources:
        parser.error(f"{args.sources} lists no sources")

    spark = SparkSession.builder.appName("newsdesk prepare").getOrCreate()
    sc = spark.sparkContext
    partitions = args.partitions or max(1, min(len(sources), sc.defaultParallelism * 4))
    binary, extra = args.newsdesk, list(args.prepare_arg)
    threads = max(1, int(sc.getConf().get("spark.task.cpus", "1")))

    def task(index, items):
        ctx = TaskContext.get()
        attempt = f"{ctx.stageId()}-{ctx.attemptNumber()}-{ctx.taskAttemptId()}" if ctx else "local"
        yield run_partition(index, items, out, binary, extra, attempt, threads)

    results = sc.parallelize(sources, partitions).mapPartitionsWithIndex(task).collect()
    spark.stop()

    with open(os.path.join(out, "_failures.jsonl"), "w", encoding="utf-8") as merged:
        for name in sorted(os.listdir(os.path.join(out, "_failures"))):
            with open(os.path.join(out, "_failures", name), encoding="utf-8") as part:
                shutil.copyfileobj(part, merged)
    shutil.rmtree(os.path.join(out, "_failures"))
    shutil.rmtree(os.path.join(out, "_attempts"), ignore_errors=True)
    records = sum(r[2] for r in results)
    failed = sum(r[3] for r in results)
    with open(os.path.join(out, "_SUCCESS"), "w", encoding="utf-8") as marker:
        marker.write(json.dumps({"partitions": len(results), "sources": len(sources), "records": records, "failed": failed}) + "\n")
    print(json.dumps({"out": out, "partitions": len(results), "records": records, "failed": failed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
