//! `newsdesk push` and `search --engine opensearch|elasticsearch` against a strict stand-in
//! server (`support/elastic_server.rs`): the `_bulk` wire format, batch limits, partial
//! failures, item 429s, 413 splits, whole-request 503s, the strict mapping, credentials, and
//! search answers compared with the embedded index. No real OpenSearch or Elasticsearch runs
//! here; `live_opensearch` runs the same push and searches against one when
//! `NEWSDESK_TEST_OPENSEARCH_URL` names it.

#[path = "support/archive.rs"]
mod archive;
#[path = "support/elastic_server.rs"]
mod elastic_server;

use std::collections::HashSet;
use std::path::Path;
use std::process::Output;

use archive::{archive, article_count, assert_same_answers, newsdesk, search, stderr, QUERIES};
use elastic_server::{EsServer, Faults};
use serde_json::Value;

fn flags(engine: &str, url: &str) -> Vec<String> {
    ["--engine", engine, "--url", url, "--collection", "news"].iter().map(|s| s.to_string()).collect()
}

fn push(index: &Path, url: &str, extra: &[&str]) -> Output {
    newsdesk(index).arg("push").args(flags("opensearch", url)).args(extra).output().unwrap()
}

fn report(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_push_follows_the_bulk_wire_format_and_its_batch_limits() {
    let server = EsServer::start(Faults::default());
    let (_dir, index) = archive();
    let total = article_count(&index);
    let out = push(&index, &server.url, &["--create-schema", "--batch-docs", "7", "--batch-bytes", "30kB"]);
    assert!(out.status.success(), "{}", stderr(&out));
    server.log(|log| {
        assert!(log.violations.is_empty(), "{:?}", log.violations);
        assert!(log.bulks.len() as u64 >= total / 7, "{} requests", log.bulks.len());
        for &(bytes, docs) in &log.bulks {
            assert!(docs <= 7, "{docs} documents in one request");
            assert!(bytes <= 30_000 || docs == 1, "{bytes} bytes in a request of {docs}");
        }
    });
    assert_eq!(server.docs("news").len() as u64, total);
    // The mapping the server accepted is newsdesk's, strict and without date detection.
    let mapping = server.mapping("news").unwrap();
    assert_eq!(mapping["dynamic"], "strict");
    assert_eq!(mapping["date_detection"], false);
    // Dates went as RFC 3339, the pre-segmented text as words separated by spaces.
    let doc = server.docs("news").into_values().find(|d| d["published_at"].is_string()).unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(doc["published_at"].as_str().unwrap()).is_ok());
    assert!(doc["text_seg"].as_str().unwrap().split(' ').count() > 10);

    // Pushing again overwrites by id.
    let again = push(&index, &server.url, &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(server.docs("news").len() as u64, total);
}

#[test]
fn partial_failures_are_retried_or_reported_per_article() {
    let (_dir, index) = archive();
    let total = article_count(&index);
    let (_, ids) = search(&index, &["*".to_string()]);
    let rejected = ids[3].clone();
    let server = EsServer::start(Faults {
        busy_first: 2,
        item_429_every: 5,
        reject_ids: HashSet::from([rejected.clone()]),
        max_body: 40_000,
        ..Faults::default()
    });
    let report_path = index.parent().unwrap().join("push.json");
    let out = push(&index, &server.url, &["--create-schema", "--report", report_path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "one article was refused: {}", stderr(&out));
    assert!(
        stderr(&out).contains(&rejected) && stderr(&out).contains("mapper_parsing_exception"),
        "{}",
        stderr(&out)
    );
    let r = report(&report_path);
    assert_eq!(r["pushed"].as_u64(), Some(total - 1));
    let failed = r["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["id"], rejected.as_str());
    assert_eq!(failed[0]["status"], 400);
    assert!(failed[0]["title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(r["retried"].as_u64().unwrap() >= 2 + total / 5, "503s and item 429s were sent again: {r}");
    assert!(r["split"].as_u64().unwrap() >= 1, "the 5 MB batch was too large for a 40 kB server: {r}");
    server.log(|log| {
        assert!(log.violations.is_empty(), "{:?}", log.violations);
        assert!(log.statuses.contains(&413) && log.statuses.contains(&503));
    });
    let stored = server.docs("news");
    assert_eq!(stored.len() as u64, total - 1);
    assert!(!stored.contains_key(&rejected));
}

#[test]
fn searches_through_the_engine_answer_as_the_embedded_index() {
    let server = EsServer::start(Faults::default());
    let (_dir, index) = archive();
    let out = push(&index, &server.url, &["--create-schema"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut queries: Vec<&[&str]> = QUERIES.to_vec();
    // What Typesense cannot say, OpenSearch can.
    queries.extend([
        &["微信 OR 支付宝"][..],
        &["title:支付宝"],
        &["(互联互通 OR 反垄断) -美国"],
        &["topic:antitrust"],
    ]);
    assert_same_answers(&index, &flags("opensearch", &server.url), &queries);
    assert_same_answers(&index, &flags("elasticsearch", &server.url), &[&["互联互通"]]);
    server.log(|log| assert!(log.violations.is_empty(), "{:?}", log.violations));

    // Hits carry snippets with the query's words highlighted in them.
    let mut args = vec!["互联互通".to_string(), "--json".into()];
    args.extend(flags("opensearch", &server.url));
    let out = newsdesk(&index).arg("search").args(&args).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hit = &v["hits"][0];
    let snippet: Vec<char> = hit["snippet"].as_str().unwrap().chars().collect();
    let [from, to] = [
        hit["highlights"][0][0].as_u64().unwrap() as usize,
        hit["highlights"][0][1].as_u64().unwrap() as usize,
    ];
    assert_eq!(snippet[from..to].iter().collect::<String>(), "互联互通");

    // A query outside what an engine can hold is refused by name.
    let mut args = vec!["published:[2021-01-01T00:00:00Z TO 2022-01-01T00:00:00Z]".to_string()];
    args.extend(flags("opensearch", &server.url));
    let out = newsdesk(&index).arg("search").args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--since"), "{}", stderr(&out));
}

#[test]
fn credentials_come_from_environment_variables_only() {
    let (_dir, index) = archive();
    let server =
        EsServer::start(Faults { authorization: Some("ApiKey c2VjcmV0".into()), ..Faults::default() });
    let out = newsdesk(&index)
        .arg("push")
        .args(flags("opensearch", &server.url))
        .arg("--create-schema")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--api-key-env"), "{}", stderr(&out));
    let out = newsdesk(&index)
        .arg("push")
        .args(flags("opensearch", &server.url))
        .args(["--create-schema", "--api-key-env", "ES_KEY"])
        .env("ES_KEY", "c2VjcmV0")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let unset = newsdesk(&index)
        .arg("push")
        .args(flags("opensearch", &server.url))
        .args(["--api-key-env", "NO_SUCH_VAR"])
        .output()
        .unwrap();
    assert!(
        stderr(&unset).contains("NO_SUCH_VAR") && stderr(&unset).contains("not set"),
        "{}",
        stderr(&unset)
    );

    let basic =
        EsServer::start(Faults { authorization: Some("Basic dXNlcjpwYXNz".into()), ..Faults::default() });
    let out = newsdesk(&index)
        .arg("push")
        .args(flags("elasticsearch", &basic.url))
        .args(["--create-schema", "--basic-auth-env", "ES_USER"])
        .env("ES_USER", "user:pass")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn dry_run_prints_the_bodies_and_print_schema_the_mapping_without_sending() {
    let (_dir, index) = archive();
    let total = article_count(&index);
    let out = newsdesk(&index)
        .args(["push", "--engine", "opensearch", "--collection", "news", "--dry-run", "--batch-docs", "3"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let body = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(body.ends_with('\n'));
    let lines: Vec<Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len() as u64, 2 * total);
    assert!(lines[0]["index"]["_id"].is_string() && lines[0]["index"]["_index"] == "news");
    assert!(
        stderr(&out).contains(&format!("{total} documents in {} requests", total.div_ceil(3))),
        "{}",
        stderr(&out)
    );

    let out =
        newsdesk(&index).args(["push", "--engine", "elasticsearch", "--print-schema"]).output().unwrap();
    let mapping: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(mapping["mappings"]["properties"]["text_seg"]["analyzer"], "newsdesk_words");
    let out = newsdesk(&index)
        .args(["push", "--engine", "typesense", "--collection", "articles", "--print-schema"])
        .output()
        .unwrap();
    let schema: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(schema["name"], "articles");
}

/// Against a real cluster, when one is named: the same push and searches.
#[test]
fn live_opensearch() {
    let Some(url) = std::env::var("NEWSDESK_TEST_OPENSEARCH_URL").ok().filter(|u| !u.is_empty()) else {
        eprintln!("skipped: set NEWSDESK_TEST_OPENSEARCH_URL=http://127.0.0.1:9200 to run against a real OpenSearch");
        return;
    };
    let (_dir, index) = archive();
    let collection = format!("newsdesk-test-{}", std::process::id());
    let engine: Vec<String> = ["--engine", "opensearch", "--url", &url, "--collection", &collection]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let out = newsdesk(&index).arg("push").args(&engine).arg("--create-schema").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // Newly indexed documents are searchable after the next refresh (1 s by default).
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert_same_answers(&index, &engine, QUERIES);
}
