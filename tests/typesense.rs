//! `newsdesk push` and `search --engine typesense` against a real Typesense 0.24.1: one node,
//! and a three-node cluster that loses a node while a push runs; a push killed with SIGKILL and
//! resumed. The servers run on free 127.0.0.1 ports (see `support/typesense.rs`).

#[path = "support/archive.rs"]
mod archive;
#[path = "support/newsdesk_server.rs"]
mod served;
#[path = "support/typesense.rs"]
mod typesense;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use archive::{archive, article_count, assert_same_answers, newsdesk, search, stderr, KEY, KEY_VAR, QUERIES};
use serde_json::Value;
use typesense::Node;

const COLLECTION: &str = "news";

fn engine_flags(urls: &str) -> Vec<String> {
    ["--engine", "typesense", "--url", urls, "--collection", COLLECTION, "--api-key-env", KEY_VAR]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn push(index: &Path, urls: &str, extra: &[&str]) -> Output {
    newsdesk(index).arg("push").args(engine_flags(urls)).args(extra).output().unwrap()
}

#[test]
fn a_pushed_archive_answers_searches_as_the_embedded_index_does() {
    let Some(bin) = typesense::binary() else { return };
    let node = typesense::single(&bin);
    let (_dir, index) = archive();
    let total = article_count(&index);

    // Without the collection, the push says how to make it.
    let out = push(&index, &node.url, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--create-schema"), "{}", stderr(&out));

    let report = index.parent().unwrap().join("push.json");
    let out = push(&index, &node.url, &["--create-schema", "--report", report.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("pushed {total} of {total} articles")), "{}", stderr(&out));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!((r["pushed"].as_u64(), r["failed"].as_array().map(Vec::len)), (Some(total), Some(0)));
    assert_eq!(node.num_documents(COLLECTION), total);

    // The collection's schema is newsdesk's, field by field.
    let schema = node.api(reqwest::Method::GET, &format!("/collections/{COLLECTION}"), None).json();
    let fields: BTreeSet<String> = schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect();
    let ours = newsdesk::engine::typesense::schema(COLLECTION);
    let declared: BTreeSet<String> =
        ours["fields"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(fields, declared);

    // A second push overwrites: still one document per article.
    let out = push(&index, &node.url, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let ids = node.ids(COLLECTION);
    assert_eq!(ids.len() as u64, total);
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len() as u64, total);

    assert_same_answers(&index, &engine_flags(&node.url), QUERIES);

    // One Typesense cannot say is refused, not answered differently.
    let mut args = vec!["微信 OR 支付宝".to_string()];
    args.extend(engine_flags(&node.url));
    let out = newsdesk(&index).arg("search").args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("OR") && stderr(&out).contains("Typesense"), "{}", stderr(&out));

    // Paging through the engine gives the embedded pages.
    let page = |extra: &[&str], engine: bool| {
        let mut a: Vec<String> =
            ["支付", "--sort", "newest"].iter().chain(extra).map(|s| s.to_string()).collect();
        a.extend(["--json".to_string()]);
        if engine {
            a.extend(engine_flags(&node.url));
        } else {
            a.push("--words-only".into());
        }
        let out = newsdesk(&index).arg("search").args(&a).output().unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["hits"].as_array().unwrap().iter().map(|h| h["published_at"].clone()).collect::<Vec<_>>()
    };
    assert_eq!(
        page(&["--limit", "3", "--offset", "3"], true),
        page(&["--limit", "3", "--offset", "3"], false)
    );

    // `serve` with the same flags answers /api/search from the engine, uncached.
    let flags = engine_flags(&node.url);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let server = served::Served::start_with_env(&index, &flags, &[(KEY_VAR, KEY)]);
    let answer = server.get("/api/search?q=%E4%BA%92%E8%81%94%E4%BA%92%E9%80%9A&limit=50");
    assert_eq!(answer.status, 200, "{}", answer.body);
    assert!(answer.headers.get("x-cache").is_none(), "engine answers are not cached");
    let served_ids: BTreeSet<String> = answer.json()["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    let mut args = vec!["互联互通".to_string()];
    args.extend(engine_flags(&node.url));
    let (_, cli_ids) = search(&index, &args);
    assert!(!served_ids.is_empty());
    assert_eq!(served_ids, cli_ids.into_iter().collect::<BTreeSet<_>>());
    let refused = server.get("/api/search?q=a%20OR%20b");
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.json()["error"]["code"], "bad_query");
}

/// Runs a push in the background and calls `at` once the progress file says `after` documents
/// were acknowledged; returns the push's output.
fn push_and_interrupt(
    index: &Path,
    urls: &str,
    extra: &[&str],
    after: u64,
    at: impl FnOnce(&mut std::process::Child),
) -> Output {
    let mut child = newsdesk(index)
        .arg("push")
        .args(engine_flags(urls))
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut at = Some(at);
    loop {
        if at.is_some() && acknowledged(index).is_some_and(|n| n >= after) {
            (at.take().unwrap())(&mut child);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(300), "the push did not end");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(at.is_none(), "the push ended before {after} documents were acknowledged");
    child.wait_with_output().unwrap()
}

/// What the progress file of the push under `index` says was acknowledged.
fn acknowledged(index: &Path) -> Option<u64> {
    let dir = std::fs::read_dir(index.join("push")).ok()?;
    for entry in dir.flatten() {
        if entry.path().extension().is_some_and(|e| e == "json") {
            let v: Value = serde_json::from_slice(&std::fs::read(entry.path()).ok()?).ok()?;
            return v["acknowledged"].as_u64();
        }
    }
    None
}

#[test]
fn a_push_killed_with_sigkill_resumes_after_what_was_acknowledged() {
    let Some(bin) = typesense::binary() else { return };
    let node = typesense::single(&bin);
    let (_dir, index) = archive();
    let total = article_count(&index);
    let create = push(&index, &node.url, &["--create-schema", "--query", "no-such-word-anywhere"]);
    assert!(create.status.success(), "{}", stderr(&create));

    let out = push_and_interrupt(&index, &node.url, &["--batch-docs", "2"], 6, |child| child.kill().unwrap());
    assert!(!out.status.success(), "killed");
    let done = acknowledged(&index).unwrap();
    assert!(done >= 6 && done < total, "{done} of {total}");

    let report = index.parent().unwrap().join("resume.json");
    let out =
        push(&index, &node.url, &["--batch-docs", "2", "--resume", "--report", report.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(r["resumed_after"].as_u64(), Some(done), "resumes after the last acknowledged batch");
    assert_eq!(r["pushed"].as_u64(), Some(total - done), "sends only the rest");
    let ids = node.ids(COLLECTION);
    assert_eq!(ids.len() as u64, total, "every article arrived");
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len(), "none twice");

    // A finished push has nothing left to resume; an index that changed refuses to.
    let again = push(&index, &node.url, &["--batch-docs", "2", "--resume"]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(stderr(&again).contains(&format!("pushed 0 of {total}")), "{}", stderr(&again));
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/serve/xss.md");
    assert!(newsdesk(&index).arg("ingest").arg(fixture).output().unwrap().status.success());
    let changed = push(&index, &node.url, &["--batch-docs", "2", "--resume"]);
    assert_eq!(changed.status.code(), Some(2));
    assert!(stderr(&changed).contains("index changed"), "{}", stderr(&changed));
}

#[test]
fn a_cluster_that_loses_a_node_mid_push_gets_every_article_once() {
    let Some(bin) = typesense::binary() else { return };
    let nodes_dir = tempfile::tempdir().unwrap();
    let mut nodes: Vec<Node> = typesense::cluster(&bin, 3, nodes_dir.path());
    let (_dir, index) = archive();
    let total = article_count(&index);
    let urls: Vec<&str> = nodes.iter().map(|n| n.url.as_str()).collect();
    let urls = urls.join(",");
    let create = push(&index, &urls, &["--create-schema", "--query", "no-such-word-anywhere"]);
    assert!(create.status.success(), "{}", stderr(&create));

    // The first node listed (the one the push talks to) dies after a few batches.
    let out = {
        let first = &mut nodes[0];
        push_and_interrupt(&index, &urls, &["--batch-docs", "4"], 12, |_| first.kill())
    };
    assert!(out.status.success(), "the push goes on through the other nodes: {}", stderr(&out));
    assert!(stderr(&out).contains(&format!("pushed {total} of {total}")), "{}", stderr(&out));
    for node in &nodes[1..] {
        let started = Instant::now();
        // Followers apply the leader's log shortly after it acknowledged.
        while node.num_documents(COLLECTION) < total && started.elapsed() < Duration::from_secs(30) {
            std::thread::sleep(Duration::from_millis(200));
        }
        let ids = node.ids(COLLECTION);
        assert_eq!(ids.len() as u64, total, "every article on {}", node.url);
        assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len(), "none twice on {}", node.url);
    }
    // Searching goes on through the survivors too.
    let mut args = vec!["互联互通".to_string()];
    args.extend(engine_flags(&urls));
    let (engine_total, _) = search(&index, &args);
    let (embedded_total, _) = search(&index, &["互联互通".to_string(), "--words-only".into()]);
    assert_eq!(engine_total, embedded_total);
}
