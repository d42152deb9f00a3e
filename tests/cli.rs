//! End-to-end tests: the real `newsdesk` binary, run in temporary folders.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use assert_cmd::Command;
use predicates::prelude::*;
use predicates::str::contains;
use serde_json::Value;
use tempfile::TempDir;

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn fixture(name: &str) -> PathBuf {
    repo("tests/fixtures").join(name)
}

/// `newsdesk --index INDEX …`, with no colour and no inherited index setting.
fn nd(index: &Path) -> Command {
    let mut cmd = Command::cargo_bin("newsdesk").expect("binary built");
    cmd.env_remove("NEWSDESK_INDEX").env_remove("RUST_LOG").env("NO_COLOR", "1");
    cmd.arg("--index").arg(index);
    cmd
}

fn article_files(dir: &Path) -> usize {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_file()
                && e.path().extension().and_then(|x| x.to_str()).is_some_and(|x| {
                    ["md", "markdown", "html", "htm"].contains(&x.to_ascii_lowercase().as_str())
                })
        })
        .count()
}

/// One index of the bundled `data/`, shared by the read-only tests.
fn data_index() -> &'static Path {
    static INDEX: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    &INDEX
        .get_or_init(|| {
            let dir = TempDir::new().unwrap();
            let index = dir.path().join("idx");
            nd(&index).arg("ingest").arg(repo("data")).assert().success();
            (dir, index)
        })
        .1
}

fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn search_json(args: &[&str]) -> Value {
    json_of(nd(data_index()).arg("search").args(args).arg("--json"))
}

fn hit_titles(v: &Value) -> Vec<String> {
    v["hits"].as_array().unwrap().iter().map(|h| h["title"].as_str().unwrap().to_string()).collect()
}

#[test]
fn quick_start_ingests_the_bundled_data_and_finds_interconnection() {
    let dir = TempDir::new().unwrap();
    let index = dir.path().join("index");
    let n = article_files(&repo("data"));
    assert!(n >= 12, "data/ must hold at least 12 samples, has {n}");
    nd(&index)
        .args(["ingest", "data"])
        .current_dir(repo(""))
        .assert()
        .success()
        .stdout("")
        .stderr(contains(format!("ingested {n} new, 0 updated, 0 unchanged, 0 failed")));
    nd(&index)
        .args(["search", "互联互通"])
        .assert()
        .success()
        .stdout(contains("互联互通").and(contains("1.")));
}

#[test]
fn the_bundled_job_file_runs_offline_from_any_directory() {
    let dir = TempDir::new().unwrap();
    let index = dir.path().join("index");
    let report = dir.path().join("report.json");
    let n = article_files(&repo("data"));
    nd(&index)
        .current_dir(dir.path())
        .args(["ingest", "--job"])
        .arg(repo("data/job.yaml"))
        .arg("--report")
        .arg(&report)
        .assert()
        .success()
        .stderr(contains(format!("ingested {n} new, 0 updated, 0 unchanged, 0 failed")));
    let entries: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(entries.len(), n);
    assert!(entries.iter().all(|e| e["status"] == "ok" && e["change"] == "new" && e["id"].is_string()));
}

#[test]
fn ingest_without_sources_says_what_to_give() {
    let dir = TempDir::new().unwrap();
    nd(&dir.path().join("index"))
        .arg("ingest")
        .assert()
        .code(2)
        .stderr(contains("nothing to ingest").and(contains("--from-file")).and(contains("--job")));
}

#[test]
fn default_index_is_index_in_the_working_directory_and_env_overrides_it() {
    let dir = TempDir::new().unwrap();
    let mut cmd = Command::cargo_bin("newsdesk").unwrap();
    cmd.env_remove("NEWSDESK_INDEX").current_dir(dir.path());
    cmd.arg("ingest").arg(fixture("zaker_img_box.md")).assert().success();
    assert!(dir.path().join("index/meta.json").exists());

    let elsewhere = dir.path().join("elsewhere");
    let mut cmd = Command::cargo_bin("newsdesk").unwrap();
    cmd.env("NEWSDESK_INDEX", &elsewhere).current_dir(dir.path());
    cmd.arg("ingest").arg(fixture("bom.md")).assert().success();
    assert!(elsewhere.join("meta.json").exists());
}

#[test]
fn reingest_is_idempotent_and_a_changed_file_replaces_its_old_version() {
    let dir = TempDir::new().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    for f in ["zaker_img_box.md", "crlf.md"] {
        std::fs::copy(fixture(f), src.join(f)).unwrap();
    }
    let index = dir.path().join("idx");
    nd(&index).arg("ingest").arg(&src).assert().success().stderr(contains("2 new, 0 updated, 0 unchanged"));
    nd(&index).arg("ingest").arg(&src).assert().success().stderr(contains("0 new, 0 updated, 2 unchanged"));

    let edited = std::fs::read_to_string(src.join("crlf.md"))
        .unwrap()
        .replace("</p>", "</p><p>追加的一段新内容。</p>");
    std::fs::write(src.join("crlf.md"), edited).unwrap();
    nd(&index).arg("ingest").arg(&src).assert().success().stderr(contains("0 new, 1 updated, 1 unchanged"));

    let out = nd(&index).arg("export").output().unwrap();
    let records: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 2, "one document per file after three ingests");
    assert!(records.iter().any(|r| r["text"].as_str().unwrap().contains("追加的一段新内容")));
    nd(&index).args(["search", "追加的一段新内容"]).assert().success();
}

#[test]
fn bad_files_are_reported_with_path_and_reason_and_the_rest_goes_in() {
    let dir = TempDir::new().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    for f in ["zaker_img_box.md", "bad_yaml.md", "unterminated_front_matter.md", "bad_date.md"] {
        std::fs::copy(fixture(f), src.join(f)).unwrap();
    }
    std::fs::write(src.join("latin1.md"), b"---\ntitle: caf\xe9\n---\nbody").unwrap();
    let index = dir.path().join("idx");
    nd(&index)
        .arg("ingest")
        .arg(&src)
        .arg(dir.path().join("no-such-folder"))
        .assert()
        .code(2)
        .stderr(contains("bad_yaml.md: invalid YAML front matter"))
        .stderr(contains("unterminated_front_matter.md: front matter opened with `---`"))
        .stderr(contains("bad_date.md: unrecognised date"))
        .stderr(contains("latin1.md: not valid UTF-8"))
        .stderr(contains("no-such-folder: no such file or folder"))
        .stderr(contains("1 new, 0 updated, 0 unchanged, 5 failed"));
    nd(&index).arg("stats").arg("--json").assert().success().stdout(contains("\"articles\": 1"));
}

#[test]
fn ingest_json_report_lists_failures_by_stage() {
    let dir = TempDir::new().unwrap();
    let out = nd(&dir.path().join("idx"))
        .args(["ingest", "--json"])
        .arg(fixture("bad_yaml.md"))
        .arg(fixture("bom.md"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["new"], 1);
    assert_eq!(report["failed"], 1);
    assert_eq!(report["failures"][0]["stage"], "parse");
    assert!(report["failures"][0]["location"].as_str().unwrap().ends_with("bad_yaml.md"));
}

#[test]
fn a_word_finds_articles_that_only_contain_a_longer_word() {
    // The 36kr sample says 支付宝 but never 支付 on its own.
    let v = search_json(&["支付", "--limit", "50"]);
    let titles = hit_titles(&v);
    assert!(titles.iter().any(|t| t.contains("支付宝升级长辈模式")), "{titles:?}");
    let v = search_json(&["互联", "--limit", "50"]);
    assert!(hit_titles(&v).iter().any(|t| t.contains("互联互通")), "{v}");
}

#[test]
fn english_queries_are_case_folded_and_stemmed() {
    let titles = hit_titles(&search_json(&["REGULATOR"]));
    assert!(titles.iter().any(|t| t.contains("FTC")), "{titles:?}");
    let titles = hit_titles(&search_json(&["antitrust"]));
    assert!(titles.iter().any(|t| t.contains("FTC")), "{titles:?}");
}

#[test]
fn search_json_has_the_documented_shape() {
    let v = search_json(&["互联互通", "--limit", "2"]);
    for key in ["query", "total", "took_ms", "hits"] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    assert_eq!(v["query"], "互联互通");
    assert!(v["total"].as_u64().unwrap() >= 2);
    assert_eq!(v["hits"].as_array().unwrap().len(), 2);
    let hit = &v["hits"][0];
    for key in ["id", "score", "title", "published_at", "snippet", "highlights", "categories", "topics"] {
        assert!(hit.get(key).is_some(), "missing {key} in {hit}");
    }
    let snippet: Vec<char> = hit["snippet"].as_str().unwrap().chars().collect();
    let [from, to] = [
        hit["highlights"][0][0].as_u64().unwrap() as usize,
        hit["highlights"][0][1].as_u64().unwrap() as usize,
    ];
    let highlighted: String = snippet[from..to].iter().collect();
    assert!("互联互通".contains(&highlighted), "highlight {highlighted:?}");
}

#[test]
fn boolean_operators_phrases_and_fields() {
    let both = search_json(&["微信 AND 淘宝"])["total"].as_u64().unwrap();
    let either = search_json(&["微信 OR 淘宝"])["total"].as_u64().unwrap();
    let not = search_json(&["微信 NOT 淘宝"])["total"].as_u64().unwrap();
    assert!(both >= 1 && either >= both && not + both == search_json(&["微信"])["total"].as_u64().unwrap());
    let titles = hit_titles(&search_json(&["category:dockone"]));
    assert!(!titles.is_empty());
    assert!(search_json(&["\"外链 屏蔽\""])["total"].as_u64().unwrap() >= 1);
}

#[test]
fn titles_weigh_more_than_bodies() {
    let dir = TempDir::new().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join("body.md"), "---\ntitle: 其他新闻\n---\n<p>光刻机 光刻机 光刻机 的进展。</p>")
        .unwrap();
    std::fs::write(
        src.join("title.md"),
        "---\ntitle: 光刻机新进展\n---\n<p>一段与此无关的正文，讲的是天气。</p>",
    )
    .unwrap();
    let index = dir.path().join("idx");
    nd(&index).arg("ingest").arg(&src).assert().success();
    let v = json_of(nd(&index).args(["search", "光刻机", "--json"]));
    assert_eq!(hit_titles(&v), vec!["光刻机新进展", "其他新闻"]);
}

#[test]
fn filters_and_sorting() {
    let newest = search_json(&["*", "--sort", "newest", "--limit", "100"]);
    let dates: Vec<&str> =
        newest["hits"].as_array().unwrap().iter().filter_map(|h| h["published_at"].as_str()).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    assert!(newest["hits"][0]["score"].is_null());

    let in_2021 = search_json(&["*", "--since", "2021-01-01", "--until", "2021-12-31", "--limit", "100"]);
    let hits = in_2021["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    for h in hits {
        let d = h["published_at"].as_str().unwrap();
        // 2021-01-01 00:00 at +08:00 is 2020-12-31T16:00Z.
        assert!(("2020-12-31T16".."2021-12-31T16").contains(&d), "{d}");
    }
    for h in search_json(&["*", "--category", "ZAKER"])["hits"].as_array().unwrap() {
        assert!(h["categories"].as_array().unwrap().iter().any(|c| c == "ZAKER"));
    }
    let by_author = search_json(&["*", "--author", "cnbeta"]);
    assert!(by_author["total"].as_u64().unwrap() >= 1);
    assert!(by_author["hits"].as_array().unwrap().iter().all(|h| h["source"] == "cnBeta"));
}

#[test]
fn nothing_found_exits_1_with_empty_stdout() {
    nd(data_index())
        .args(["search", "xyzzyplugh"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("no articles match"));
}

#[test]
fn a_malformed_query_is_an_error_that_points_at_the_syntax() {
    nd(data_index())
        .args(["search", "title:(微信"])
        .assert()
        .code(2)
        .stderr(contains("cannot understand the query"));
    nd(data_index()).args(["search", "x", "--since", "someday"]).assert().code(2).stderr(contains("--since"));
}

#[test]
fn highlight_colour_on_request_and_never_with_no_color() {
    nd(data_index())
        .args(["--color", "always", "search", "互联互通"])
        .assert()
        .success()
        .stdout(contains("\x1b[1;31m"));
    nd(data_index()).args(["search", "互联互通"]).assert().success().stdout(contains("\x1b[").not());
}

#[test]
fn show_prints_an_article_and_its_json_record() {
    let id = search_json(&["互联互通"])["hits"][0]["id"].as_str().unwrap().to_string();
    nd(data_index())
        .args(["show", &id])
        .assert()
        .success()
        .stdout(contains(&id))
        .stdout(contains("互联互通"));
    let record = json_of(nd(data_index()).args(["show", &id, "--json"]));
    assert_eq!(record["id"], id.as_str());
    assert_eq!(record["schema"], 2);
    nd(data_index())
        .args(["show", "0000000000000000"])
        .assert()
        .code(1)
        .stderr(contains("no article with id"));
}

#[test]
fn stats_count_sources_categories_and_months() {
    let s = json_of(nd(data_index()).args(["stats", "--json"]));
    let n = article_files(&repo("data")) as u64;
    assert_eq!(s["articles"], n);
    let sum =
        |key: &str| s[key].as_array().unwrap().iter().map(|c| c["articles"].as_u64().unwrap()).sum::<u64>();
    assert_eq!(sum("by_source"), n);
    assert_eq!(sum("by_month") + s["undated"].as_u64().unwrap(), n);
    assert!(s["by_source"].as_array().unwrap().iter().any(|c| c["name"] == "ZAKER"));
    assert!(s["index_bytes"].as_u64().unwrap() > 0);
    nd(data_index()).arg("stats").assert().success().stdout(contains("by source"));
}

#[test]
fn export_streams_every_record_in_the_documented_schema() {
    let n = article_files(&repo("data"));
    let out = nd(data_index()).arg("export").output().unwrap();
    assert!(out.status.success());
    let lines: Vec<Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), n);

    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(repo("schema/article.schema.json")).unwrap()).unwrap();
    let mut required: Vec<&str> =
        schema["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    required.sort();
    for record in &lines {
        let mut keys: Vec<&str> = record.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, required, "record keys differ from schema/article.schema.json");
        let ts = record["ingested_at"].as_str().unwrap();
        assert!(ts.ends_with('Z'), "{ts}");
    }

    let array = json_of(nd(data_index()).args(["export", "--format", "json"]));
    assert_eq!(array.as_array().unwrap().len(), n);

    let dir = TempDir::new().unwrap();
    let file = dir.path().join("dockone.jsonl");
    nd(data_index())
        .args(["export", "--query", "category:Dockone", "--out"])
        .arg(&file)
        .assert()
        .success()
        .stdout("");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.lines().count() >= 1 && text.lines().count() < n);
    assert!(text.lines().all(|l| l.contains("Dockone")));
}

#[test]
fn commands_on_a_missing_index_say_how_to_create_one() {
    let dir = TempDir::new().unwrap();
    for args in [vec!["search", "x"], vec!["stats"], vec!["export"], vec!["show", "abc"]] {
        nd(&dir.path().join("none"))
            .args(&args)
            .assert()
            .code(2)
            .stderr(contains("no index at"))
            .stderr(contains("newsdesk ingest"));
    }
}

#[test]
fn help_teaches_the_query_syntax_and_exit_codes() {
    let mut cmd = Command::cargo_bin("newsdesk").unwrap();
    cmd.arg("--help").assert().success().stdout(contains("Exit codes")).stdout(contains("NO_COLOR"));
    let mut cmd = Command::cargo_bin("newsdesk").unwrap();
    cmd.args(["search", "--help"])
        .assert()
        .success()
        .stdout(contains("Query syntax"))
        .stdout(contains("支付宝"));
}

#[test]
fn topic_filters_and_the_topic_field_agree() {
    let by_flag = search_json(&["*", "--topic", "platform-interconnection", "--limit", "50"]);
    let hits = by_flag["hits"].as_array().unwrap();
    assert!(!hits.is_empty(), "no platform-interconnection article among the samples");
    for h in hits {
        assert!(h["topics"].as_array().unwrap().iter().any(|t| t == "platform-interconnection"), "{h}");
    }
    let by_field = search_json(&["topic:platform-interconnection", "--limit", "50"]);
    assert_eq!(by_field["total"], by_flag["total"]);
    // Repeated --topic means any of them.
    let either = search_json(&["*", "--topic", "platform-interconnection", "--topic", "antitrust"]);
    let antitrust = search_json(&["*", "--topic", "antitrust"]);
    assert!(either["total"].as_u64() >= antitrust["total"].as_u64());
    assert!(either["total"].as_u64() > by_flag["total"].as_u64());
}

#[test]
fn entity_filter_accepts_any_alias() {
    let canonical = search_json(&["*", "--entity", "阿里巴巴"]);
    let alias = search_json(&["*", "--entity", "alibaba"]);
    assert!(canonical["total"].as_u64().unwrap() >= 1);
    assert_eq!(canonical["total"], alias["total"]);
    assert_eq!(search_json(&["entity:阿里"])["total"], canonical["total"]);
}

#[test]
fn show_explains_the_analysis() {
    let id = search_json(&["*", "--topic", "platform-interconnection"])["hits"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    nd(data_index())
        .args(["show", &id])
        .assert()
        .success()
        .stdout(contains("topic: platform-interconnection"))
        .stdout(contains("summary:"))
        .stdout(contains("keywords:"))
        .stdout(contains("entities:"));
    let record = json_of(nd(data_index()).args(["show", &id, "--json"]));
    let topic = record["topics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "platform-interconnection")
        .unwrap()
        .clone();
    assert!(topic["score"].as_f64().unwrap() > 0.0 && topic["score"].as_f64().unwrap() <= 1.0);
    assert!(!topic["matched"].as_array().unwrap().is_empty());
    assert_eq!(record["simhash"].as_str().unwrap().len(), 16);
}

#[test]
fn the_bundled_mirror_copy_is_a_duplicate_and_dedupe_hides_it() {
    let all = search_json(&["二选一", "--limit", "50"]);
    let copy = all["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["title"].as_str().unwrap().ends_with("| 转载"))
        .expect("mirror copy found")
        .clone();
    let original = copy["duplicate_of"].as_str().expect("copy points at its original");
    assert!(all["hits"].as_array().unwrap().iter().any(|h| h["id"] == original));
    let deduped = search_json(&["二选一", "--limit", "50", "--dedupe"]);
    assert_eq!(deduped["total"].as_u64().unwrap(), all["total"].as_u64().unwrap() - 1);
    assert!(deduped["hits"].as_array().unwrap().iter().all(|h| h["duplicate_of"].is_null()));

    let n = article_files(&repo("data"));
    let out = nd(data_index()).args(["export", "--dedupe"]).output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap().lines().count(), n - 1);
}

#[test]
fn topics_counts_articles_per_topic_and_month() {
    let topics = json_of(nd(data_index()).args(["topics", "--json"]));
    let list = topics.as_array().unwrap();
    assert!(list.len() >= 14);
    let months = list[0]["by_month"].as_array().unwrap().len();
    for t in list {
        let series: u64 =
            t["by_month"].as_array().unwrap().iter().map(|c| c["articles"].as_u64().unwrap()).sum();
        assert!(series <= t["articles"].as_u64().unwrap());
        assert_eq!(t["by_month"].as_array().unwrap().len(), months, "every series spans the same months");
    }
    let pi = list.iter().find(|t| t["id"] == "platform-interconnection").unwrap();
    assert_eq!(pi["articles"], search_json(&["*", "--topic", "platform-interconnection"])["total"]);
    let in_2021 = json_of(nd(data_index()).args([
        "topics",
        "--json",
        "--since",
        "2021-01-01",
        "--until",
        "2021-12-31",
    ]));
    let total =
        |v: &Value| v.as_array().unwrap().iter().map(|t| t["articles"].as_u64().unwrap()).sum::<u64>();
    assert!(total(&in_2021) <= total(&topics));
    nd(data_index())
        .arg("topics")
        .assert()
        .success()
        .stdout(contains("platform-interconnection"))
        .stdout(contains("平台互联互通"));
}

#[test]
fn reanalyze_applies_a_new_taxonomy_without_the_sources() {
    let dir = TempDir::new().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    for f in ["zaker_img_box.md", "crlf.md", "bom.md"] {
        std::fs::copy(fixture(f), src.join(f)).unwrap();
    }
    let index = dir.path().join("idx");
    nd(&index).arg("ingest").arg(&src).assert().success();
    std::fs::remove_dir_all(&src).unwrap();
    // Matches the two fixtures that number their paragraphs, one in Chinese, one in English.
    let taxonomy = dir.path().join("mine.yaml");
    std::fs::write(&taxonomy, "topics:\n  - id: everything\n    label: {zh: 一切, en: Everything}\n    threshold: 0.01\n    terms: [第一段, 第二段, paragraph, line]\n").unwrap();
    nd(&index)
        .arg("--taxonomy")
        .arg(&taxonomy)
        .arg("reanalyze")
        .assert()
        .success()
        .stderr(contains("reanalyzed 3 articles"));
    let hits = json_of(nd(&index).args(["search", "*", "--topic", "everything", "--json"]));
    assert_eq!(hits["total"], 2);
    let topics = json_of(nd(&index).arg("--taxonomy").arg(&taxonomy).args(["topics", "--json"]));
    assert_eq!(topics.as_array().unwrap().len(), 1, "{topics}");

    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "topics: [{id: x}]\n").unwrap();
    nd(&index)
        .arg("--taxonomy")
        .arg(&bad)
        .arg("reanalyze")
        .assert()
        .code(2)
        .stderr(contains("bad.yaml: invalid taxonomy"));
}

#[test]
fn a_user_dictionary_joins_words_for_indexing_analysis_and_later_searches() {
    let dir = TempDir::new().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    std::fs::write(
        src.join("a.md"),
        "---\ntitle: 鲸落湾计划启动\n---\n<p>鲸落湾计划今天正式启动。鲸落湾计划由三家机构联合发起，鲸落湾计划首期投入十亿元。</p>",
    )
    .unwrap();
    let dict = dir.path().join("words.txt");
    std::fs::write(&dict, "# domain words\n鲸落湾计划 2000 nz\n").unwrap();
    let index = dir.path().join("idx");
    nd(&index).arg("ingest").arg("--user-dict").arg(&dict).arg(&src).assert().success();
    assert!(index.join("user-dict.txt").exists());
    let hit = json_of(nd(&index).args(["search", "鲸落湾计划", "--json"]));
    assert_eq!(hit["total"], 1);
    let record = json_of(nd(&index).args(["show", hit["hits"][0]["id"].as_str().unwrap(), "--json"]));
    let keywords: Vec<&str> =
        record["keywords"].as_array().unwrap().iter().map(|k| k["term"].as_str().unwrap()).collect();
    assert!(keywords.contains(&"鲸落湾计划"), "{keywords:?}");
    // Without the dictionary the name falls apart.
    let plain = dir.path().join("plain");
    nd(&plain).arg("ingest").arg(&src).assert().success();
    let record = json_of(nd(&plain).args(["show", hit["hits"][0]["id"].as_str().unwrap(), "--json"]));
    assert!(!record["keywords"].to_string().contains("鲸落湾计划"), "{}", record["keywords"]);

    let bad = dir.path().join("bad.txt");
    std::fs::write(&bad, "好词 many\n").unwrap();
    nd(&dir.path().join("idx2"))
        .arg("ingest")
        .arg("--user-dict")
        .arg(&bad)
        .arg(&src)
        .assert()
        .code(2)
        .stderr(contains("bad.txt, line 1"));
}

/// Regression: `ingest --index data data/…` scattered tantivy's files among the articles.
#[test]
fn ingest_refuses_an_index_folder_that_holds_other_files() {
    let dir = TempDir::new().unwrap();
    let folder = dir.path().join("articles");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(fixture("rfc3339_date.md"), folder.join("a.md")).unwrap();
    nd(&folder)
        .args(["ingest"])
        .arg(&folder)
        .assert()
        .code(2)
        .stderr(contains("is not a newsdesk index: it holds other files (a.md)"));
    let left: Vec<_> = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["a.md"], "nothing written beside the article");
    nd(&folder).args(["search", "x"]).assert().code(2).stderr(contains("is not a newsdesk index"));
    nd(&folder.join("a.md"))
        .args(["ingest"])
        .arg(&folder)
        .assert()
        .code(2)
        .stderr(contains("is a file, not an index folder"));
}

/// Regression: `--out` and `--report` files were created 0600 (tempfile's mode), unreadable
/// by the group and others whatever the umask.
#[cfg(unix)]
#[test]
fn output_files_get_the_umask_mode_or_keep_the_mode_of_the_file_they_replace() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new().unwrap();
    let index = dir.path().join("idx");
    let (export, report) = (dir.path().join("all.jsonl"), dir.path().join("report.json"));
    let bin = assert_cmd::cargo::cargo_bin("newsdesk");
    let sh = |args: &str| {
        let script = format!("umask 022; exec \"$0\" --index \"$1\" {args}");
        let mut cmd = Command::new("sh");
        cmd.env("NO_COLOR", "1").arg("-c").arg(script).arg(&bin).arg(&index).arg(&export).arg(&report);
        cmd
    };
    sh("ingest --report \"$3\" \"$4\"").arg(fixture("rfc3339_date.md")).assert().success();
    sh("export --out \"$2\"").assert().success();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&export), 0o644);
    assert_eq!(mode(&report), 0o644);
    std::fs::set_permissions(&export, std::fs::Permissions::from_mode(0o640)).unwrap();
    sh("export --out \"$2\"").assert().success();
    assert_eq!(mode(&export), 0o640, "a replaced file keeps its mode");
    std::fs::set_permissions(&export, std::fs::Permissions::from_mode(0o664)).unwrap();
    sh("export --out \"$2\"").assert().success();
    assert_eq!(mode(&export), 0o664, "even where the umask would narrow it");
}

#[test]
fn output_to_a_folder_or_a_missing_folder_says_which() {
    let dir = TempDir::new().unwrap();
    nd(data_index())
        .args(["export", "--out"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(contains("it is a folder"));
    let missing = dir.path().join("no/such/x.jsonl");
    nd(data_index()).args(["export", "--out"]).arg(&missing).assert().code(2).stderr(format!(
        "error: cannot write {}: there is no folder {}; create it first\n",
        missing.display(),
        missing.parent().unwrap().display()
    ));
}

#[test]
fn very_verbose_ingest_logs_each_article_but_not_the_libraries() {
    let dir = TempDir::new().unwrap();
    let out =
        nd(&dir.path().join("idx")).args(["-vv", "ingest"]).arg(fixture("rfc3339_date.md")).output().unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("ingested") && log.contains("rfc3339_date.md") && log.contains("New"), "{log}");
    assert!(!log.contains("html5ever") && !log.contains("tantivy"), "{log}");
}

#[test]
fn limit_0_counts_and_a_page_past_the_end_says_so() {
    nd(data_index())
        .args(["search", "互联互通", "-n", "0"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("4 articles matching \"互联互通\""))
        .stdout(predicate::str::contains("1.").not());
    let v = search_json(&["互联互通", "-n", "0"]);
    assert_eq!((v["total"].as_u64(), v["hits"].as_array().map(Vec::len)), (Some(4), Some(0)));
    nd(data_index())
        .args(["search", "互联互通", "--offset", "100"])
        .assert()
        .success()
        .stderr(contains("--offset 100 is past the last hit (4 in all)"));
}

#[test]
fn a_date_range_that_holds_nothing_is_an_error() {
    for cmd in [vec!["search", "互联互通"], vec!["topics"]] {
        nd(data_index())
            .args(&cmd)
            .args(["--since", "2022-01-01", "--until", "2021-01-01"])
            .assert()
            .code(2)
            .stderr(contains("--since 2022-01-01 is not before --until 2021-01-01"));
    }
    nd(data_index())
        .args(["topics", "--since", "2030-01-01"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("topic"))
        .stdout(contains("(no dated articles in range)"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_stdout_is_named_in_the_error() {
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("newsdesk"))
        .env("NO_COLOR", "1")
        .arg("--index")
        .arg(data_index())
        .args(["search", "互联互通"])
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write to standard output"), "{stderr}");
}

/// Regression: read through the lossy UTF-8 form of its path, a file whose name is not UTF-8
/// (a GBK name unpacked on Linux) was "not found".
#[cfg(unix)]
#[test]
fn a_file_whose_name_is_not_utf8_is_ingested() {
    use std::os::unix::ffi::OsStrExt;
    let dir = TempDir::new().unwrap();
    let folder = dir.path().join("gbk");
    std::fs::create_dir(&folder).unwrap();
    let name = std::ffi::OsStr::from_bytes(b"\xc4\xe3\xba\xc3.md");
    std::fs::copy(fixture("rfc3339_date.md"), folder.join(name)).unwrap();
    nd(&dir.path().join("idx"))
        .arg("ingest")
        .arg(&folder)
        .assert()
        .success()
        .stderr(contains("ingested 1 new, 0 updated, 0 unchanged, 0 failed"));
}

/// Regression: 「粗钢」 (crude steel) found nothing in an article saying 「全球粗钢产量」, which
/// jieba cuts `粗 / 钢产量`, so neither `粗钢` nor `钢` was indexed. Han characters are now
/// findable bare and as a phrase, with the match highlighted, and an article holding the
/// dictionary word ranks before one that holds its characters only across the cut.
#[test]
fn han_characters_across_the_dictionarys_cut_are_found_and_rank_after_the_word() {
    let dir = TempDir::new().unwrap();
    let (articles, index) = (dir.path().join("a"), dir.path().join("idx"));
    std::fs::create_dir_all(&articles).unwrap();
    std::fs::write(
        articles.join("steel.md"),
        "---\ntitle: 十月钢铁数据\ndate: 2021-11-20\n---\n据统计，10月全球粗钢产量1.457亿吨，同比下降。\n",
    )
    .unwrap();
    std::fs::write(
        articles.join("word.md"),
        "---\ntitle: 钢厂减产\ndate: 2021-11-21\n---\n多家钢厂表示，粗钢 的限产将延续到年底。\n",
    )
    .unwrap();
    nd(&index).arg("ingest").arg(&articles).assert().success();
    for query in ["粗钢", "\"粗钢\"", "钢产", "粗钢产量", "\"全球粗钢\""] {
        let v = json_of(nd(&index).args(["search", query, "--json"]));
        assert!(hit_titles(&v).contains(&"十月钢铁数据".to_string()), "{query}: {v}");
    }
    let v = json_of(nd(&index).args(["search", "粗钢", "--json"]));
    assert_eq!(hit_titles(&v), ["钢厂减产", "十月钢铁数据"], "the dictionary word first: {v}");
    let steel = &v["hits"][1];
    let snippet: Vec<char> = steel["snippet"].as_str().unwrap().chars().collect();
    let [from, to] = [0, 1].map(|i| steel["highlights"][0][i].as_u64().unwrap() as usize);
    assert_eq!(snippet[from..to].iter().collect::<String>(), "粗钢", "{steel}");
    nd(&index).args(["search", "粗钢产量"]).assert().success().stdout(contains("粗钢产量"));
}
