//! `newsdesk serve` over real HTTP on 127.0.0.1: every endpoint against the CLI's `--json`,
//! each error status, the token, the limits, the OpenAPI description against what the server
//! does, a concurrent ingest becoming searchable, shutdown, and `newsdesk report`.

#[path = "support/newsdesk_server.rs"]
mod served;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use served::{request, sample_index, Served};

fn newsdesk(index: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsdesk"));
    cmd.arg("--index").arg(index).env_remove("NEWSDESK_INDEX").env_remove("NEWSDESK_TOKEN");
    cmd
}

fn cli_json(index: &Path, args: &[&str]) -> Value {
    let out = newsdesk(index).args(args).arg("--json").output().unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `v` without its `took_ms` (a timing, different on every run).
fn untimed(mut v: Value) -> Value {
    v.as_object_mut().map(|o| o.remove("took_ms"));
    v
}

fn error_code(answer: &served::Answer) -> String {
    answer.json()["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("no error code: {}", answer.body))
        .to_string()
}

#[test]
fn every_endpoint_answers_what_the_cli_prints_with_json() {
    let (_dir, index) = sample_index();
    let server = Served::start(&index, &[]);

    for (path, args) in [
        ("/api/search?q=%E4%BA%92%E8%81%94%E4%BA%92%E9%80%9A", vec!["search", "互联互通"]),
        ("/api/search?q=%E5%BE%AE%E4%BF%A1&limit=3&offset=1&sort=newest", vec!["search", "微信", "-n", "3", "--offset", "1", "--sort", "newest"]),
        (
            "/api/search?q=*&topic=antitrust&topic=mobile-payments&since=2021-01-01&until=2021-12-31&dedupe=true",
            vec!["search", "*", "--topic", "antitrust", "--topic", "mobile-payments", "--since", "2021-01-01", "--until", "2021-12-31", "--dedupe"],
        ),
        ("/api/search?q=nothingmatchesthis", vec!["search", "nothingmatchesthis"]),
    ] {
        let answer = server.get(path);
        assert_eq!(answer.status, 200, "{path}: {}", answer.body);
        assert_eq!(answer.headers["content-type"], "application/json");
        assert_eq!(untimed(answer.json()), untimed(cli_json(&index, &args)), "{path}");
    }

    let hits = cli_json(&index, &["search", "互联互通"]);
    let id = hits["hits"][0]["id"].as_str().unwrap();
    assert_eq!(server.get(&format!("/api/articles/{id}")).json(), cli_json(&index, &["show", id]));

    assert_eq!(server.get("/api/topics").json(), cli_json(&index, &["topics"]));
    let detailed = server.get("/api/topics?since=2021-01-01&topic=platform-interconnection").json();
    assert_eq!(
        detailed,
        cli_json(&index, &["topics", "--since", "2021-01-01", "--topic", "platform-interconnection"])
    );
    let topic = detailed.as_array().unwrap().iter().find(|t| t["id"] == "platform-interconnection").unwrap();
    assert!(!topic["keywords"].as_array().unwrap().is_empty(), "{topic}");
    assert!(!topic["entities"].as_array().unwrap().is_empty(), "{topic}");

    assert_eq!(server.get("/api/stats").json(), cli_json(&index, &["stats"]));

    let health = server.get("/healthz");
    assert_eq!(health.status, 200);
    let health = health.json();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["articles"], cli_json(&index, &["stats"])["articles"]);
    assert!(health["last_commit"].as_str().is_some_and(|t| t.ends_with('Z')), "{health}");
}

#[test]
fn each_mistake_gets_its_status_and_a_json_error() {
    let (_dir, index) = sample_index();
    let server = Served::start(&index, &[]);
    let long = "a".repeat(1001);
    for (path, status, code) in [
        ("/api/search?q=AND(", 400, "bad_query"),
        ("/api/search?q=title:(", 400, "bad_query"),
        ("/api/search?since=yesterday", 400, "bad_date"),
        ("/api/search?since=2022-01-01&until=2021-01-01", 400, "bad_date"),
        ("/api/search?limit=101", 400, "bad_parameter"),
        ("/api/search?limit=-1", 400, "bad_parameter"),
        ("/api/search?offset=10001", 400, "bad_parameter"),
        ("/api/search?limit=ten", 400, "bad_parameter"),
        ("/api/search?sort=oldest", 400, "bad_parameter"),
        ("/api/search?dedupe=maybe", 400, "bad_parameter"),
        ("/api/search?q=a&q=b", 400, "bad_parameter"),
        ("/api/search?qq=1", 400, "unknown_parameter"),
        ("/api/topics?topic=no-such-topic", 400, "unknown_topic"),
        // A query that parses but cannot run on that field is the user's mistake, not a 500.
        ("/api/search?q=title:*", 400, "bad_query"),
        ("/api/search?q=nofield:*", 400, "bad_query"),
        // Dates the index cannot hold are refused rather than wrapped around.
        ("/api/search?since=2300-01-01", 400, "bad_date"),
        ("/api/search?until=0020-01-01", 400, "bad_date"),
        ("/api/articles/0000000000000000?x=1", 400, "unknown_parameter"),
        ("/api/articles/%FF", 404, "not_found"),
        (&format!("/api/search?q={long}"), 400, "query_too_long"),
        ("/api/topics?until=someday", 400, "bad_date"),
        ("/api/stats?x=1", 400, "unknown_parameter"),
        ("/api/articles/0000000000000000", 404, "not_found"),
        ("/api/articles/not-an-id", 404, "not_found"),
        ("/api/nothing-here", 404, "not_found"),
        ("/nothing-here", 404, "not_found"),
    ] {
        let answer = server.get(path);
        assert_eq!(answer.status, status, "{path}: {}", answer.body);
        assert_eq!(answer.headers["content-type"], "application/json", "{path}");
        assert_eq!(error_code(&answer), code, "{path}");
        assert!(!answer.json()["error"]["message"].as_str().unwrap().is_empty());
    }

    let post =
        request(reqwest::Method::POST, &format!("{}/api/search", server.url), &[], Some(b"{}".to_vec()));
    assert_eq!((post.status, error_code(&post).as_str()), (405, "method_not_allowed"));

    let big = request(
        reqwest::Method::GET,
        &format!("{}/api/search", server.url),
        &[],
        Some(vec![b'x'; 17 * 1024]),
    );
    assert_eq!((big.status, error_code(&big).as_str()), (413, "payload_too_large"));

    // Malformed input of every kind is a 400 or an answer, never a 500.
    for q in [
        "\"",
        "((",
        ")",
        "title:",
        ":",
        "AND",
        "NOT",
        "-",
        "+",
        "[",
        "published:[x TO y]",
        "*:*",
        "\\",
        "~",
        "^2",
        "%ZZ",
    ] {
        let answer = server.get(&format!("/api/search?q={}", url_escape(q)));
        assert!(answer.status == 200 || answer.status == 400, "{q:?}: {} {}", answer.status, answer.body);
    }
}

fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[test]
fn with_a_token_the_api_wants_it_and_the_rest_does_not() {
    let (_dir, index) = sample_index();
    let server = Served::start(&index, &["--token", "s3cret-token"]);
    for headers in [vec![], vec![("authorization", "Bearer wrong")], vec![("authorization", "s3cret-token")]]
    {
        let answer = server.get_with("/api/search?q=x", &headers);
        assert_eq!(answer.status, 401, "{headers:?}");
        assert_eq!(error_code(&answer), "unauthorized");
        assert_eq!(answer.headers["www-authenticate"], "Bearer");
    }
    for header in ["Bearer s3cret-token", "bearer s3cret-token", "Bearer  s3cret-token "] {
        let answer = server.get_with("/api/stats", &[("authorization", header)]);
        assert_eq!(answer.status, 200, "{header:?}: {}", answer.body);
    }
    // With a token, any Host name is served (the token is the protection).
    assert_eq!(server.get_with("/healthz", &[("host", "news.example")]).status, 200);
    // The page and the health check are open: the page asks for the token itself.
    assert_eq!(server.get("/").status, 200);
    assert_eq!(server.get("/healthz").status, 200);
}

#[test]
fn every_response_carries_the_security_headers() {
    let (_dir, index) = sample_index();
    let server = Served::start(&index, &[]);
    for path in ["/", "/assets/app.js", "/api/search?q=x", "/api/nothing", "/healthz"] {
        let answer = server.get(path);
        let csp = answer.headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
        assert_eq!(answer.headers["x-content-type-options"], "nosniff");
    }
    let page = server.get("/").body;
    assert!(!page.contains("<script>") && !page.contains("style="), "the page has no inline script or style");
    assert!(!page.contains("http://") && !page.contains("https://"), "the page loads nothing from elsewhere");
}

#[test]
fn the_openapi_description_matches_the_server() {
    let (_dir, index) = sample_index();
    let server = Served::start(&index, &[]);
    let spec = server.get("/api/openapi.json").json();
    let paths = spec["paths"].as_object().unwrap();
    let id = cli_json(&index, &["search", "*", "-n", "1"])["hits"][0]["id"].as_str().unwrap().to_string();
    for (path, item) in paths {
        let op = &item["get"];
        let concrete = path.replace("{id}", &id);
        let answer = server.get(&concrete);
        assert_eq!(answer.status, 200, "{path} is described but answers {}", answer.status);
        let documented: Vec<u16> =
            op["responses"].as_object().unwrap().keys().map(|k| k.parse().unwrap()).collect();
        assert!(documented.contains(&200), "{path}");
        // Every query parameter the description names is one the server takes, and nothing else.
        let names: Vec<&str> = op["parameters"]
            .as_array()
            .map(|ps| ps.iter().filter(|p| p["in"] == "query").map(|p| p["name"].as_str().unwrap()).collect())
            .unwrap_or_default();
        for name in &names {
            let answer = server.get(&format!("{concrete}?{name}="));
            assert_ne!(answer.status, 500, "{path}?{name}");
            if answer.status == 400 {
                assert_ne!(error_code(&answer), "unknown_parameter", "{path} refuses its documented {name}");
            }
        }
        if path.starts_with("/api/") && path != "/api/openapi.json" && !path.contains('{') {
            let answer = server.get(&format!("{concrete}?undocumented=1"));
            assert_eq!((answer.status, error_code(&answer).as_str()), (400, "unknown_parameter"), "{path}");
        }
        // The documented limits are the server's.
        for p in op["parameters"].as_array().into_iter().flatten() {
            if let Some(max) = p["schema"]["maximum"].as_u64() {
                let name = p["name"].as_str().unwrap();
                assert_eq!(
                    server.get(&format!("{concrete}?{name}={max}")).status,
                    200,
                    "{path}?{name}={max}"
                );
                assert_eq!(
                    server.get(&format!("{concrete}?{name}={}", max + 1)).status,
                    400,
                    "{path}?{name}>{max}"
                );
            }
        }
    }
    for served in
        ["/api/search", "/api/articles/{id}", "/api/topics", "/api/stats", "/api/openapi.json", "/healthz"]
    {
        assert!(paths.contains_key(served), "{served} is served but not described");
    }
}

#[test]
fn articles_a_concurrent_ingest_commits_become_searchable() {
    let (dir, index) = sample_index();
    let server = Served::start(&index, &[]);
    assert_eq!(server.get("/api/search?q=zebrafishword").json()["total"], 0);
    let new = dir.path().join("new");
    std::fs::create_dir(&new).unwrap();
    for i in 0..40 {
        std::fs::write(
            new.join(format!("{i}.md")),
            format!("---\ntitle: 新文章 {i}\ndate: 2021-10-0{}\n---\n\n<p>第 {i} 篇 zebrafishword 的正文，说的是互联互通以后的第 {i} 件事。</p>\n", i % 9 + 1),
        )
        .unwrap();
    }
    // The ingest commits every 10 articles while the server keeps answering.
    let mut ingest = newsdesk(&index).args(["ingest", "--commit-every", "10"]).arg(&new).spawn().unwrap();
    let started = Instant::now();
    let mut answered = 0;
    loop {
        let answer = server.get("/api/search?q=zebrafishword&limit=0");
        assert_eq!(answer.status, 200, "{}", answer.body);
        answered += 1;
        if answer.json()["total"] == 40 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(60), "the new articles never became searchable");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(ingest.wait().unwrap().success());
    assert!(answered > 1, "the server answered while the ingest wrote");
    assert_eq!(server.get("/healthz").json()["articles"], cli_json(&index, &["stats"])["articles"]);
}

#[test]
fn without_a_token_a_loopback_server_answers_only_for_loopback_names() {
    // A page of another site whose name was pointed at 127.0.0.1 (DNS rebinding) sends its
    // own name as Host: it must not read the archive.
    let (_dir, index) = sample_index();
    let server = Served::start(&index, &[]);
    let port = server.url.rsplit(':').next().unwrap().to_string();
    for host in ["evil.example", &format!("evil.example:{port}"), "127.0.0.2"] {
        let answer = server.get_with("/api/stats", &[("host", host)]);
        assert_eq!((answer.status, error_code(&answer).as_str()), (421, "host_not_allowed"), "{host}");
    }
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        "LOCALHOST".to_string(),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(server.get_with("/api/stats", &[("host", &host)]).status, 200, "{host}");
    }
}

#[test]
fn a_repeated_request_is_answered_from_the_cache_until_the_index_changes() {
    let (_dir, index) = sample_index();
    let server = Served::start(&index, &[]);
    let path = "/api/search?q=%E5%BE%AE%E4%BF%A1&limit=5";
    let first = server.get(path);
    let second = server.get(path);
    assert_eq!(
        (&first.headers["x-cache"], &second.headers["x-cache"]),
        (&"miss".parse().unwrap(), &"hit".parse().unwrap())
    );
    assert_eq!(first.body, second.body);
    // (That a commit makes the cached answers stale is shown by the concurrent-ingest test,
    // which asks the same question until the new articles appear.)
    let uncached = Served::start(&index, &["--cache", "0"]);
    let answer = uncached.get(path);
    assert!(!answer.headers.contains_key("x-cache"));
    assert_eq!(untimed(answer.json()), untimed(first.json()));
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_server_cleanly() {
    let (_dir, index) = sample_index();
    let mut server = Served::start(&index, &[]);
    assert_eq!(server.get("/healthz").status, 200);
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = server.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "exits 0 after a graceful shutdown");
}

#[test]
fn a_non_loopback_address_needs_a_token_or_insecure() {
    let (_dir, index) = sample_index();
    let out = newsdesk(&index).args(["serve", "--addr", "0.0.0.0:0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refusing to serve on 0.0.0.0:0 without a token"), "{stderr}");
    assert!(stderr.contains("--insecure"), "{stderr}");
}

#[test]
fn the_report_is_one_offline_file_with_its_charts_and_escaped_text() {
    let (dir, index) = sample_index();
    let out_file = dir.path().join("report.html");
    let out = newsdesk(&index)
        .args(["report", "--topic", "platform-interconnection", "--topic", "antitrust", "--out"])
        .arg(&out_file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let html = std::fs::read_to_string(&out_file).unwrap();
    assert_eq!(html.matches("<svg").count(), 2, "topic trends and sources over time");
    for heading in ["Topic trends", "Top keywords and entities", "Sources over time", "Most-repeated stories"]
    {
        assert!(html.contains(heading), "{heading}");
    }
    assert!(html.contains("平台互联互通") || html.contains("互联互通"), "the topic's label");
    assert!(html.contains(&index.display().to_string()), "records its index");
    // Nothing loads from elsewhere: no scripts at all, no remote src or stylesheet.
    assert!(!html.contains("<script"), "no script");
    assert!(!html.contains("src=\"http") && !html.contains("<link"), "nothing fetched");
    // The XSS fixture's source name and title never appear as markup.
    assert!(!html.contains("<img"), "{}", &html[html.find("<img").unwrap_or(0)..][..200.min(html.len())]);
    let topics = cli_json(&index, &["topics", "--topic", "platform-interconnection"]);
    let topic = topics.as_array().unwrap().iter().find(|t| t["id"] == "platform-interconnection").unwrap();
    let top_keyword = topic["keywords"][0]["name"].as_str().unwrap();
    assert!(html.contains(top_keyword), "the topic's top keyword {top_keyword}");
}
