//! Crash safety, locking and incremental runs, with real processes: an ingest killed with
//! SIGKILL at several points leaves an index that opens and holds exactly what was committed,
//! and a re-run completes the job with every article present exactly once.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use assert_cmd::Command;
use serde_json::Value;

const BATCH: usize = 40;

fn nd(index: &Path) -> Command {
    let mut cmd = Command::cargo_bin("newsdesk").expect("binary built");
    cmd.env_remove("NEWSDESK_INDEX").env_remove("RUST_LOG").env("NO_COLOR", "1");
    cmd.arg("--index").arg(index);
    cmd
}

/// `n` distinct small articles in `dir`: each a different draw of words, so no two are near
/// duplicates of each other.
fn write_articles(dir: &Path, n: usize) {
    const WORDS: [&str; 24] = [
        "平台",
        "支付",
        "芯片",
        "汽车",
        "电池",
        "监管",
        "游戏",
        "卫星",
        "火箭",
        "手机",
        "云计算",
        "安全",
        "漏洞",
        "融资",
        "股票",
        "银行",
        "外链",
        "电商",
        "直播",
        "算法",
        "模型",
        "开源",
        "容器",
        "网络",
    ];
    std::fs::create_dir_all(dir).unwrap();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    for i in 0..n {
        let mut body = String::new();
        for _ in 0..120 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            body.push_str(WORDS[(seed % WORDS.len() as u64) as usize]);
            if seed.is_multiple_of(7) {
                body.push('。');
            }
        }
        std::fs::write(
            dir.join(format!("a{i:05}.md")),
            format!("---\ntitle: 测试文章 {i}\ndate: 2021-09-{:02} 10:00\n---\n<p>{body}</p>\n", i % 28 + 1),
        )
        .unwrap();
    }
}

/// Article ids in the index (and how many records there are).
fn ids(index: &Path) -> (usize, HashSet<String>) {
    let out = nd(index).args(["export", "--format", "jsonl"]).output().unwrap();
    assert!(out.status.success(), "the index must open: {}", String::from_utf8_lossy(&out.stderr));
    let lines: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let set = lines.iter().map(|a| a["id"].as_str().unwrap().to_string()).collect();
    (lines.len(), set)
}

fn count(index: &Path) -> usize {
    if !index.join("meta.json").exists() {
        return 0;
    }
    let out = nd(index).args(["stats", "--json"]).output().unwrap();
    if !out.status.success() {
        return 0;
    }
    serde_json::from_slice::<Value>(&out.stdout).map_or(0, |v| v["articles"].as_u64().unwrap_or(0) as usize)
}

fn spawn_ingest(index: &Path, articles: &Path) -> Child {
    let mut cmd = Process::cargo_bin("newsdesk").unwrap();
    cmd.env_remove("NEWSDESK_INDEX")
        .env("NO_COLOR", "1")
        .arg("--index")
        .arg(index)
        .args(["ingest", "--commit-every", &BATCH.to_string()])
        .arg(articles)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd.spawn().unwrap()
}

/// Kills an ingest once the index holds at least `at_least` articles (0: right away).
fn kill_when(child: &mut Child, index: &Path, at_least: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while at_least > 0 && count(index) < at_least {
        if child.try_wait().unwrap().is_some() || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill(); // SIGKILL on Unix
    child.wait().unwrap();
}

#[test]
fn an_ingest_killed_at_any_point_leaves_the_committed_articles_and_a_rerun_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let articles = dir.path().join("articles");
    let total = 1200;
    write_articles(&articles, total);
    for (round, at_least) in [0, 1, BATCH * 3, BATCH * 8].into_iter().enumerate() {
        let index: PathBuf = dir.path().join(format!("index-{round}"));
        let mut child = spawn_ingest(&index, &articles);
        if at_least == 0 {
            std::thread::sleep(Duration::from_millis(150));
        }
        kill_when(&mut child, &index, at_least);

        if index.join("meta.json").exists() {
            let (n, set) = ids(&index);
            assert_eq!(n, set.len(), "round {round}: no article twice");
            assert_eq!(n % BATCH, 0, "round {round}: only whole batches are committed, found {n}");
            assert!(n < total || at_least >= total, "round {round}: the kill came too late to test anything");
        }
        let out = nd(&index).arg("ingest").arg(&articles).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "round {round}: {stderr}");
        let (n, set) = ids(&index);
        assert_eq!((n, set.len()), (total, total), "round {round}: every article exactly once");
        if at_least > 0 {
            assert!(
                stderr.contains("recovered the write lock"),
                "round {round}: the stale lock is noticed: {stderr}"
            );
        }
        let out = nd(&index).arg("ingest").arg(&articles).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("0 new, 0 updated, {total} unchanged, 0 failed")), "{stderr}");
    }
}

#[test]
fn a_second_writer_is_refused_at_once_and_readers_keep_working() {
    let dir = tempfile::tempdir().unwrap();
    let articles = dir.path().join("articles");
    write_articles(&articles, 1500);
    let index = dir.path().join("index");
    let mut first = spawn_ingest(&index, &articles);
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(&index) < BATCH && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(first.try_wait().unwrap().is_none(), "the first ingest should still be running");

    let started = Instant::now();
    let out = nd(&index).arg("ingest").arg(&articles).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let expected = format!("is being written by another newsdesk process (pid {})", first.id());
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(started.elapsed() < Duration::from_secs(5), "refused at once, not after waiting");
    // Searches and exports read the committed articles meanwhile.
    nd(&index).args(["search", "测试文章"]).assert().success();
    nd(&index).args(["export"]).assert().success();

    assert!(first.wait().unwrap().success());
    assert_eq!(ids(&index).0, 1500);
}

#[test]
fn unchanged_files_are_skipped_by_stamp_and_force_reads_them_again() {
    let dir = tempfile::tempdir().unwrap();
    let articles = dir.path().join("articles");
    write_articles(&articles, 30);
    let index = dir.path().join("index");
    nd(&index).arg("ingest").arg(&articles).assert().success();
    let report = dir.path().join("r.json");
    let out = nd(&index).arg("ingest").arg(&articles).arg("--report").arg(&report).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 new, 0 updated, 30 unchanged"));
    let entries: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(entries.iter().all(|e| e["status"] == "unchanged" && e["id"].is_string()));

    // An edit is seen (new size or time); so is a file touched but not changed (read, unchanged).
    let first = articles.join("a00000.md");
    std::fs::write(&first, "---\ntitle: 改过的标题\n---\n<p>新的正文。</p>\n").unwrap();
    let out = nd(&index).arg("ingest").arg(&articles).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 new, 1 updated, 29 unchanged"));

    let out = nd(&index).arg("ingest").arg(&articles).arg("--force").arg("--json").output().unwrap();
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["unchanged"], 30, "--force reads all again; nothing differs");

    // A removed article's file is read again, not skipped: the state forgets it.
    let out = nd(&index).args(["search", "改过的标题", "--json"]).output().unwrap();
    let id =
        serde_json::from_slice::<Value>(&out.stdout).unwrap()["hits"][0]["id"].as_str().unwrap().to_string();
    nd(&index).args(["remove", &id]).assert().success().stdout(format!("{id}\n"));
    nd(&index).args(["remove", &id]).assert().code(1);
    let out = nd(&index).arg("ingest").arg(&articles).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 new, 0 updated, 29 unchanged"));

    // prune --missing drops articles whose file is gone, and only those.
    std::fs::remove_file(articles.join("a00001.md")).unwrap();
    std::fs::remove_file(articles.join("a00002.md")).unwrap();
    let out = nd(&index).args(["prune", "--missing", "--dry-run"]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 2);
    assert_eq!(ids(&index).0, 30, "a dry run deletes nothing");
    nd(&index).args(["prune", "--missing"]).assert().success();
    assert_eq!(ids(&index).0, 28);
}
