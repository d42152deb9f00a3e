#![allow(dead_code)] // each test file uses part of it
//! What the search-engine tests share: an index of `data/` (and the shared corpus when it is
//! there), the newsdesk binary run against it, and the query set whose answers an engine must
//! give exactly as the embedded index gives them with `--words-only`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// An index of `data/` and, when present, the shared corpus.
pub fn archive() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let corpus = std::env::var_os("NEWSDESK_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus"));
    let mut cmd = newsdesk(&index);
    cmd.arg("ingest").arg(root.join("data"));
    if corpus.is_dir() {
        cmd.arg(&corpus);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (dir, index)
}

/// The API key the test engines require, in the variable [`KEY_VAR`] of every run.
pub const KEY: &str = "newsdesk-test-key";
pub const KEY_VAR: &str = "NEWSDESK_TEST_ENGINE_KEY";

/// The binary, on `index`, with no index from the environment and the engines' key in [`KEY_VAR`].
pub fn newsdesk(index: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsdesk"));
    cmd.arg("--index").arg(index).env_remove("NEWSDESK_INDEX").env(KEY_VAR, KEY);
    cmd
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `search --json --limit 250 ARGS`: the total and the hits' ids, in order.
pub fn search(index: &Path, args: &[String]) -> (u64, Vec<String>) {
    let out = newsdesk(index).arg("search").args(args).args(["--json", "--limit", "250"]).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "search {args:?}: {}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids = v["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect();
    (v["total"].as_u64().unwrap(), ids)
}

pub fn article_count(index: &Path) -> u64 {
    search(index, &["*".to_string()]).0
}

/// Queries and filters every engine must answer as the embedded index does.
pub const QUERIES: &[&[&str]] = &[
    &["互联互通"],
    &["支付宝"],
    &["反垄断"],
    &["微信 支付"],
    &["数字人民币"],
    &["平台 -微信"],
    &["\"移动支付\""],
    &["apple"],
    &["5G"],
    &["*", "--dedupe"],
    &["*", "--since", "2021-09-01", "--until", "2021-10-01"],
    &["*", "--topic", "platform-interconnection"],
    &["支付", "--sort", "newest"],
];

/// Checks that `search ARGS ENGINE_FLAGS` finds the same articles (and total) as
/// `search ARGS --words-only` for every query of `queries`.
pub fn assert_same_answers(index: &Path, engine_flags: &[String], queries: &[&[&str]]) {
    let mut answered = 0;
    for query in queries {
        let args: Vec<String> = query.iter().map(|s| s.to_string()).collect();
        let mut embedded_args = args.clone();
        embedded_args.push("--words-only".into());
        let (embedded_total, mut embedded) = search(index, &embedded_args);
        let mut engine_args = args.clone();
        engine_args.extend(engine_flags.iter().cloned());
        let (engine_total, mut engine) = search(index, &engine_args);
        assert_eq!(engine_total, embedded_total, "{query:?}: totals differ");
        embedded.sort();
        engine.sort();
        assert_eq!(engine, embedded, "{query:?}: different articles");
        answered += usize::from(engine_total > 0);
    }
    // Agreeing on nothing proves nothing: most queries must find articles.
    assert!(answered * 3 >= queries.len() * 2, "only {answered} of {} queries found anything", queries.len());
}
