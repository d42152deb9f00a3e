//! Snapshot tests (insta) of every command's output on the bundled `data/`: human and
//! `--json`, stdout and stderr, and each command's `--help`. They pin the CLI's bytes so that
//! a restructuring of the code cannot change what a user sees.
//!
//! What varies from run to run is redacted: the temporary folders, timings, `ingested_at`, the
//! index's size, and the ids of articles without a URL (an id then hashes the file's absolute
//! path): each becomes `[id:SOURCE/FILE]`, named by its file under `data/`. Hits that tie on
//! score come back in an order that depends on tantivy's indexing threads, so the queries here
//! are ones without ties, and export lines are sorted.
//!
//! Update with `INSTA_UPDATE=always cargo test --test snapshots` and review the diff.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use tempfile::TempDir;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn nd(index: &Path) -> Command {
    let mut cmd = Command::cargo_bin("newsdesk").expect("binary built");
    cmd.env_remove("NEWSDESK_INDEX").env_remove("NEWSDESK_TAXONOMY").env_remove("RUST_LOG");
    cmd.env("NO_COLOR", "1").env("COLUMNS", "100");
    cmd.arg("--index").arg(index);
    cmd
}

struct Fixture {
    _dir: TempDir,
    index: PathBuf,
    /// The `--json` report of the ingest, and its stderr.
    ingest: (String, String),
    /// (actual id, placeholder) for ids that depend on where `data/` is.
    ids: Vec<(String, String)>,
}

/// One index of the bundled `data/`, shared by the read-only snapshots.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let dir = TempDir::new().unwrap();
        let index = dir.path().join("idx");
        let out = nd(&index).args(["ingest", "--json"]).arg(repo("data")).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let ingest = (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap());
        let export = nd(&index).arg("export").output().unwrap();
        let data = format!("{}/", repo("data").display());
        let mut ids = Vec::new();
        for line in String::from_utf8(export.stdout).unwrap().lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            if v["url"].is_null() {
                let location = v["source"]["location"].as_str().unwrap();
                let name = location.strip_prefix(&data).unwrap_or(location);
                ids.push((v["id"].as_str().unwrap().to_string(), format!("[id:{name}]")));
            }
        }
        Fixture { _dir: dir, index, ingest, ids }
    })
}

/// `text` with what varies between runs replaced by stable placeholders.
fn redact(text: &str, index: &Path) -> String {
    let mut s = text.replace(&index.display().to_string(), "[index]");
    s = s.replace(&repo("data").display().to_string(), "[data]");
    for (id, placeholder) in &fixture().ids {
        s = s.replace(id.as_str(), placeholder);
    }
    let rules: [(&str, &str); 7] = [
        (r#""ingested_at": ?"[^"]+""#, r#""ingested_at":"[time]""#),
        (r#""took_ms": ?\d+"#, r#""took_ms": [ms]"#),
        (r"\(\d+ ms\)", "([ms] ms)"),
        (r"in \d+\.\ds", "in [secs]s"),
        (r#""index_bytes": ?\d+"#, r#""index_bytes": [bytes]"#),
        (r"\(\d+\.\d MiB\)", "([size] MiB)"),
        (r"\.newsdesk-[A-Za-z0-9]+", ".newsdesk-[tmp]"),
    ];
    for (pattern, with) in rules {
        s = regex::Regex::new(pattern).unwrap().replace_all(&s, with).into_owned();
    }
    s
}

/// Runs `newsdesk ARGS` on `index` and returns its exit code, stdout and stderr, redacted.
fn run_on(index: &Path, args: &[&str]) -> String {
    let out = nd(index).args(args).output().unwrap();
    let code = out.status.code().unwrap_or(-1);
    let stdout = redact(&String::from_utf8_lossy(&out.stdout), index);
    let stderr = redact(&String::from_utf8_lossy(&out.stderr), index);
    let command = redact(&args.join(" "), index);
    format!("$ newsdesk {command}\nexit: {code}\n--- stdout\n{stdout}--- stderr\n{stderr}")
}

fn run(args: &[&str]) -> String {
    run_on(&fixture().index, args)
}

/// The id of the article read from `data/FILE`, as the placeholder or the real id.
fn id_of(file: &str) -> String {
    let f = fixture();
    let out = nd(&f.index).arg("export").output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["source"]["location"].as_str().unwrap().ends_with(file))
        .map(|v| v["id"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("{file} is in data/"))
}

macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!($name, $value);
        })
    };
}

#[test]
fn help_of_every_command() {
    let commands = [
        "",
        "ingest",
        "search",
        "show",
        "stats",
        "export",
        "topics",
        "reanalyze",
        "remove",
        "prune",
        "serve",
        "report",
        "push",
        "prepare",
    ];
    for command in commands {
        let mut args: Vec<&str> = command.split_whitespace().collect();
        args.push("--help");
        let name = if command.is_empty() { "help".to_string() } else { format!("help_{command}") };
        snap!(name, run(&args));
    }
}

#[test]
fn ingest_report_and_summary() {
    let f = fixture();
    let (json, stderr) = &f.ingest;
    snap!("ingest_json", redact(json, &f.index));
    snap!("ingest_stderr", redact(stderr, &f.index));
    // A second run: everything unchanged.
    snap!("ingest_again", run(&["ingest", &repo("data").display().to_string()]));
}

#[test]
fn search_human_and_json() {
    snap!("search_human", run(&["search", "互联互通"]));
    snap!("search_json", run(&["search", "互联互通", "--json"]));
    snap!("search_newest", run(&["search", "支付", "--sort", "newest", "--limit", "3"]));
    snap!("search_newest_json", run(&["search", "支付", "--sort", "newest", "--limit", "3", "--json"]));
    snap!("search_count_only", run(&["search", "支付", "-n", "0"]));
    snap!("search_past_the_end", run(&["search", "互联互通", "--offset", "50"]));
    snap!(
        "search_filters",
        run(&[
            "search",
            "*",
            "--topic",
            "antitrust",
            "--since",
            "2021-01-01",
            "--until",
            "2021-12-31",
            "--sort",
            "newest",
            "--json"
        ])
    );
    snap!("search_entity", run(&["search", "*", "--entity", "阿里", "--sort", "newest", "--json"]));
    snap!("search_no_hits", run(&["search", "完全不存在的词语组合xyz"]));
    snap!("search_no_hits_json", run(&["search", "完全不存在的词语组合xyz", "--json"]));
    snap!("search_bad_query", run(&["search", "title:("]));
    snap!("search_bad_range", run(&["search", "x", "--since", "2022-01-01", "--until", "2021-01-01"]));
    snap!("search_bad_date", run(&["search", "x", "--since", "yesterday"]));
}

#[test]
fn show_human_and_json() {
    let id = id_of("微信_外链_解禁：_互联互通_来了.md");
    snap!("show_human", run(&["show", &id]));
    snap!("show_json", run(&["show", &id, "--json"]));
    snap!("show_unknown", run(&["show", "0000000000000000"]));
}

#[test]
fn stats_and_topics() {
    snap!("stats_human", run(&["stats"]));
    snap!("stats_json", run(&["stats", "--json"]));
    snap!("topics_human", run(&["topics"]));
    snap!("topics_json", run(&["topics", "--json"]));
    snap!("topics_range", run(&["topics", "--since", "2021-07-01", "--until", "2021-12-31", "--json"]));
}

#[test]
fn export_jsonl_and_json() {
    let sorted = |s: String| {
        let (head, body) = s.split_once("--- stdout\n").unwrap();
        let (out, err) = body.split_once("--- stderr\n").unwrap();
        let mut lines: Vec<&str> = out.lines().collect();
        lines.sort_unstable();
        format!("{head}--- stdout\n{}\n--- stderr\n{err}", lines.join("\n"))
    };
    snap!("export_jsonl", sorted(run(&["export"])));
    snap!("export_query", sorted(run(&["export", "--query", "category:ZAKER", "--dedupe"])));
    let json = run(&["export", "--format", "json", "--query", "title:长辈"]);
    snap!("export_json", json);
}

#[test]
fn changing_commands_on_a_copy() {
    let dir = TempDir::new().unwrap();
    let index = dir.path().join("idx");
    nd(&index).arg("ingest").arg(repo("data")).assert().success();
    snap!("reanalyze", run_on(&index, &["reanalyze"]));
    snap!("prune_dry_run", run_on(&index, &["prune", "--missing", "--dry-run", "--json"]));
    let id = id_of("基于KEDA的事件驱动弹性伸缩实践.md");
    snap!("remove_json", run_on(&index, &["remove", &id, "ffffffffffffffff", "--json"]));
    snap!("remove_human", run_on(&index, &["remove", &id]));
}

#[test]
fn errors_and_failures() {
    let dir = TempDir::new().unwrap();
    let missing = dir.path().join("missing");
    snap!("missing_index", run_on(&missing, &["search", "x"]));
    let index = dir.path().join("idx");
    let fixtures = repo("tests/fixtures");
    let bad: Vec<String> = ["bad_yaml.md", "unterminated_front_matter.md", "bom.md"]
        .iter()
        .map(|f| fixtures.join(f).display().to_string())
        .collect();
    let mut args = vec!["ingest", "--json"];
    args.extend(bad.iter().map(String::as_str));
    let out = run_on(&index, &args).replace(&fixtures.display().to_string(), "[fixtures]");
    snap!("ingest_failures", out);
}
