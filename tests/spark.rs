//! The Spark job (`spark/newsdesk_job.py`) on a real Apache Spark (the pinned pyspark): a
//! standalone master and two one-core workers on 127.0.0.1, and `--master local[2]`. Its
//! output, loaded with `newsdesk ingest OUT/`, must hold exactly what a local `newsdesk ingest`
//! of the same sources holds, field by field; a worker killed mid-job must not lose or repeat
//! an article.

#[path = "support/records.rs"]
mod records;
#[path = "support/spark.rs"]
mod spark;
#[path = "support/warc_file.rs"]
mod warc_file;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use records::{assert_same_records, export, lines};

/// A source list: every article file of `data/` (and of the corpus, with `corpus`) on a line
/// of its own, and a WARC file written for the test.
fn sources(dir: &Path, corpus: bool) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let warc = dir.join("crawl.warc.gz");
    warc_file::write(&warc, true);
    let mut folders = vec![root.join("data")];
    let shared = root.join("../shared/corpus");
    if corpus && shared.is_dir() {
        folders.push(shared);
    }
    let mut lines = vec![warc.display().to_string()];
    for folder in folders {
        let mut files: Vec<PathBuf> = walk(&folder);
        files.sort();
        lines.extend(files.iter().map(|f| f.display().to_string()));
    }
    let list = dir.join("sources.txt");
    std::fs::write(&list, lines.join("\n") + "\n").unwrap();
    list
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else if path.extension().is_some_and(|e| e == "md" || e == "html") {
            out.push(path);
        }
    }
    out
}

fn newsdesk(index: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsdesk"));
    cmd.arg("--index").arg(index).env_remove("NEWSDESK_INDEX");
    cmd
}

/// `newsdesk ingest` of the source list into `index`; the WARC file's broken record fails.
fn ingest_list(index: &Path, list: &Path) {
    let out = newsdesk(index).arg("ingest").arg("--from-file").arg(list).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "one broken WARC record: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Checks the job's output folder and loads it into `index`.
fn check_and_load(out: &Path, index: &Path, partitions: usize) {
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("_SUCCESS")).unwrap()).unwrap();
    assert_eq!(summary["partitions"], partitions);
    let parts: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("part-"))
        .collect();
    assert_eq!(parts.len(), partitions, "one part file per partition: {parts:?}");
    assert!(!out.join("_attempts").exists() && !out.join("_failures").exists(), "scratch folders removed");
    let failures = lines(&std::fs::read(out.join("_failures.jsonl")).unwrap());
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0]["source"], warc_file::BROKEN);
    // No article is in two parts.
    let mut ids = Vec::new();
    for part in &parts {
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(std::fs::File::open(part).unwrap()),
            &mut text,
        )
        .unwrap();
        ids.extend(lines(text.as_bytes()).into_iter().map(|r| r["id"].as_str().unwrap().to_string()));
    }
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len(), "an article written twice");
    assert_eq!(ids.len() as u64, summary["records"].as_u64().unwrap());
    let loaded = newsdesk(index).arg("ingest").arg(out).output().unwrap();
    assert!(loaded.status.success(), "{}", String::from_utf8_lossy(&loaded.stderr));
}

#[test]
fn the_job_on_a_standalone_cluster_and_on_local_2_equals_a_local_ingest() {
    let Some(home) = spark::home() else { return };
    let dir = tempfile::tempdir().unwrap();
    let list = sources(dir.path(), false);
    let local = dir.path().join("local");
    ingest_list(&local, &list);
    let expected = export(&local);

    let cluster = spark::Cluster::start(&home, 2);
    for (name, master) in [("cluster", cluster.url.as_str()), ("local", "local[2]")] {
        let out = dir.path().join(format!("out-{name}"));
        let scratch = tempfile::tempdir().unwrap();
        let job = [
            "--sources",
            list.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--partitions",
            "4",
            "--newsdesk",
            "newsdesk",
        ];
        spark::run_job(&home, master, &job, scratch.path());
        let index = dir.path().join(format!("index-{name}"));
        check_and_load(&out, &index, 4);
        assert_same_records(&expected, &export(&index));
    }
}

#[test]
fn a_worker_killed_mid_job_loses_and_repeats_nothing() {
    let Some(home) = spark::home() else { return };
    let dir = tempfile::tempdir().unwrap();
    let list = sources(dir.path(), true);
    let n = std::fs::read_to_string(&list).unwrap().lines().count();
    let local = dir.path().join("local");
    ingest_list(&local, &list);

    let mut cluster = spark::Cluster::start(&home, 2);
    let out = dir.path().join("out");
    let scratch = tempfile::tempdir().unwrap();
    // One source a partition: many short tasks, so that the kill falls in the middle.
    let partitions = n.min(60);
    let job = [
        "--sources",
        list.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--partitions",
        &partitions.to_string(),
    ];
    let mut child = spark::submit(&home, &cluster.url, &job, scratch.path());
    let started = Instant::now();
    let done_parts = || {
        std::fs::read_dir(&out)
            .map(|d| d.flatten().filter(|e| e.file_name().to_string_lossy().starts_with("part-")).count())
            .unwrap_or(0)
    };
    while done_parts() < 3 {
        assert!(child.try_wait().unwrap().is_none(), "the job ended before the kill");
        assert!(started.elapsed() < Duration::from_secs(300), "no part written within 5 minutes");
        std::thread::sleep(Duration::from_millis(50));
    }
    let before = done_parts();
    cluster.workers[0].kill();
    assert!(before < partitions, "killed mid-job ({before} of {partitions} parts done)");
    let status = child.wait().unwrap();
    let log = std::fs::read_to_string(scratch.path().join("submit.log")).unwrap_or_default();
    assert!(
        status.success(),
        "the job finishes on the other worker:\n{}",
        log.chars().rev().take(4000).collect::<String>().chars().rev().collect::<String>()
    );
    let index = dir.path().join("index");
    check_and_load(&out, &index, partitions);
    assert_same_records(&export(&local), &export(&index));
}
