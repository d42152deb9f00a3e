//! `newsdesk ingest` against URLs: every case runs the real binary against a server this test
//! starts on 127.0.0.1 (there is no internet here), and checks what went in, what was reported,
//! and that the run ended in time.

mod support;
#[path = "support/warc_file.rs"]
mod warc_file;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;
use support::server::{Reply, Server};
use tempfile::TempDir;

fn web_fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/web").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn nd(index: &Path) -> Command {
    let mut cmd = Command::cargo_bin("newsdesk").expect("binary built");
    cmd.env_remove("NEWSDESK_INDEX").env_remove("RUST_LOG").env("NO_COLOR", "1");
    cmd.arg("--index").arg(index);
    cmd
}

/// Runs `ingest` with `args` and a `--report`; returns the exit code, the report, stderr and
/// the wall time.
fn ingest(index: &Path, args: &[&str]) -> (i32, Vec<Value>, String, Duration) {
    let report = index.with_extension("report.json");
    let started = Instant::now();
    let out = nd(index).arg("ingest").args(args).arg("--report").arg(&report).output().unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let text =
        std::fs::read_to_string(&report).unwrap_or_else(|e| panic!("no report ({e}); stderr: {stderr}"));
    let entries: Vec<Value> = serde_json::from_str(&text).unwrap();
    (out.status.code().unwrap_or(-1), entries, stderr, elapsed)
}

/// Every article in the index, by title.
fn articles(index: &Path) -> Vec<Value> {
    let out = nd(index).args(["export", "--format", "jsonl"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn by_title<'a>(all: &'a [Value], title: &str) -> &'a Value {
    all.iter().find(|a| a["title"] == title).unwrap_or_else(|| {
        let titles: Vec<_> = all.iter().map(|a| a["title"].to_string()).collect();
        panic!("no article titled {title:?} among {titles:?}")
    })
}

fn entry<'a>(report: &'a [Value], source: &str) -> &'a Value {
    report.iter().find(|e| e["source"] == source).unwrap_or_else(|| panic!("{source} not in {report:#?}"))
}

fn tmp_index() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    (dir, index)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

#[test]
fn pages_feeds_files_gbk_gzip_and_redirects_all_go_in() {
    let s = Server::start();
    s.fixed("/robots.txt", "text/plain", "User-agent: *\nDisallow: /private/\n");
    s.fixed("/fm", "text/plain; charset=utf-8", web_fixture("article.md"));
    s.fixed("/news/links", "text/html; charset=utf-8", web_fixture("page-jsonld.html"));
    s.fixed("/wire", "text/html", web_fixture("page-og.html"));
    s.fixed("/rss", "application/rss+xml", web_fixture("rss.xml"));
    // Served as text/xml and as application/octet-stream-less JSON: the content decides.
    s.fixed("/atom", "text/xml", web_fixture("atom.xml"));
    s.fixed("/json", "application/json", web_fixture("feed.json"));
    s.fixed("/gbk-declared", "text/html", web_fixture("gbk-declared.html"));
    s.fixed("/gbk-header", "text/html; charset=GBK", web_fixture("gbk-undeclared.html"));
    s.fixed("/short", "text/html", web_fixture("short-portal.html"));
    // Another article than /wire: its own canonical URL and title.
    let page = String::from_utf8(web_fixture("page-og.html")).unwrap();
    let page =
        page.replace("antitrust-app-store", "gzip-copy").replace("app store fees", "app store fees (gzip)");
    let gz = gzip(page.as_bytes());
    s.route("/gz", move |req, _| {
        assert!(req.headers.get("accept-encoding").is_some_and(|v| v.contains("gzip")), "{req:?}");
        Reply::ok("text/html", gz.clone()).header("Content-Encoding", "gzip")
    });
    let deflated = {
        let page = String::from_utf8(web_fixture("page-og.html")).unwrap();
        let page = page
            .replace("antitrust-app-store", "deflate-copy")
            .replace("app store fees", "app store fees (deflate)");
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(page.as_bytes()).unwrap();
        enc.finish().unwrap()
    };
    s.route("/deflate", move |_, _| {
        Reply::ok("text/html", deflated.clone()).header("Content-Encoding", "deflate")
    });
    s.route("/old-address", |_, _| Reply::redirect("/fm"));

    let (_dir, index) = tmp_index();
    let urls: Vec<String> = [
        "/fm",
        "/news/links",
        "/wire",
        "/rss",
        "/atom",
        "/json",
        "/gbk-declared",
        "/gbk-header",
        "/gz",
        "/deflate",
        "/old-address",
        "/short",
    ]
    .iter()
    .map(|p| s.url(p))
    .collect();
    let args: Vec<&str> = urls.iter().map(String::as_str).collect();
    let (code, report, stderr, elapsed) = ingest(&index, &args);
    assert_eq!(code, 0, "{stderr}");
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
    assert!(report.iter().all(|e| e["status"] != "failed"), "{report:#?}");

    assert_eq!(s.requests("/robots.txt").len(), 1, "robots.txt is read once per host per run");
    let all = articles(&index);
    // fm (+ the same file again through a redirect), 2 pages, 2 RSS items, 1 Atom, 1 JSON,
    // 2 GBK pages, 1 gzip page, 1 deflate page, the short portal page.
    assert_eq!(all.len(), 12, "{:#?}", all.iter().map(|a| &a["title"]).collect::<Vec<_>>());

    let fm = by_title(&all, "云闪付与微信支付实现扫码互认");
    assert_eq!(fm["source"]["kind"], "url");
    assert_eq!(fm["url"], "https://news.example.com/flash/qr-interop");
    assert_eq!(fm["categories"][0], "支付");

    let page = by_title(&all, "工信部：各平台须限期解除外链屏蔽");
    assert_eq!(page["author"], "李记者", "JSON-LD beats <meta>");
    assert_eq!(page["published_at"], "2021-09-13T10:20:00Z");
    assert_eq!(page["url"], "https://tech.example.com/2021/09/13/links.html");
    assert_eq!(page["tags"], serde_json::json!(["互联互通", "外链屏蔽", "工信部"]));
    assert_eq!(page["lead_image"], "https://img.example.com/2021/0913/lead.jpg");
    assert_eq!(page["images"][0]["url"], "https://img.example.com/2021/0913/meeting.jpg");
    let text = page["text"].as_str().unwrap();
    assert!(text.contains("行政指导会") && text.contains("必然方向"), "{text}");
    for furniture in ["站点导航", "相关阅读", "版权所有"] {
        assert!(!text.contains(furniture), "{furniture} kept in {text}");
    }
    assert!(page["topics"].as_array().unwrap().iter().any(|t| t["id"] == "platform-interconnection"));

    let wire = by_title(&all, "Regulators open antitrust inquiry into app store fees");
    assert_eq!(wire["author"], "Jane Reporter");
    assert_eq!(wire["lang"], "en");
    assert_eq!(wire["tags"], serde_json::json!(["antitrust", "app stores"]));
    assert!(!wire["text"].as_str().unwrap().contains("Share this story"));
    by_title(&all, "Regulators open antitrust inquiry into app store fees (gzip)");
    by_title(&all, "Regulators open antitrust inquiry into app store fees (deflate)");

    let item = by_title(&all, "淘宝开放微信支付试点");
    assert_eq!(item["source"]["kind"], "feed");
    assert_eq!(item["url"], "https://flash.example.com/item/101");
    assert!(item["text"].as_str().unwrap().starts_with("据报道"), "content:encoded, not the description");
    assert_eq!(item["published_at"], "2021-09-15T01:00:00Z");
    by_title(&all, "某芯片厂商发布 5nm 新品");
    assert_eq!(by_title(&all, "Space agency schedules rocket launch")["author"], "Space Desk");
    assert_eq!(by_title(&all, "新能源汽车充电桩数量突破百万")["author"], "示例汽车");

    let declared = by_title(&all, "移动支付互联互通再进一步");
    assert!(declared["text"].as_str().unwrap().contains("收款码已实现互认互通"), "{declared}");
    let header = by_title(&all, "收款码互认：支付互联互通的下一步");
    assert!(header["text"].as_str().unwrap().contains("降低商户成本"));

    // The short Chinese page of the bug report: navigation, a sidebar, one <article>, a
    // footer. Only the article's paragraph is text, and the footer's year is not a date.
    let short = by_title(&all, "微信外链逐步解禁");
    assert_eq!(
        short["text"],
        "9月17日，微信发布公告称，将分阶段落实平台互联互通的要求，用户在一对一聊天中已经可以直接打开外部链接。"
    );
    assert_eq!(short["published_at"], Value::Null);

    // Searchable like any article.
    let out = nd(&index).args(["search", "外链屏蔽", "--json"]).output().unwrap();
    let hits: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits["hits"][0]["title"], "工信部：各平台须限期解除外链屏蔽");
}

#[test]
fn failures_name_the_url_the_stage_and_the_cause_and_the_batch_goes_on() {
    let s = Server::start();
    s.fixed("/robots.txt", "text/plain", "User-agent: *\nDisallow: /private/\n");
    s.fixed("/good", "text/html", web_fixture("page-og.html"));
    s.fixed("/private/page", "text/html", web_fixture("page-jsonld.html"));
    s.route("/loop-a", |_, _| Reply::redirect("/loop-b"));
    s.route("/loop-b", |_, _| Reply::redirect("/loop-a"));
    s.route("/huge", |_, _| Reply::Endless { len: 64 * 1024 * 1024 });
    s.route("/huge-declared", |_, _| Reply::ok("text/html", vec![b'x'; 300_000]));
    s.route("/stall", |_, _| Reply::Stall {
        head: b"<html><body><p>first words".to_vec(),
        stall: Duration::from_secs(30),
    });
    s.fixed("/logo.png", "image/png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec());
    s.fixed("/data.json", "application/json", "{\"not\": \"a feed\"}");
    s.route("/gone", |_, _| Reply::status(404));
    s.route("/forbidden", |_, _| Reply::status(403));

    let (_dir, index) = tmp_index();
    let paths = [
        "/good",
        "/private/page",
        "/loop-a",
        "/huge",
        "/huge-declared",
        "/stall",
        "/logo.png",
        "/data.json",
        "/gone",
        "/forbidden",
    ];
    let mut urls: Vec<String> = paths.iter().map(|p| s.url(p)).collect();
    urls.push("file:///etc/passwd".into());
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    urls.push(format!("http://{closed}/x"));
    // `.invalid` never resolves (RFC 6761).
    urls.push("http://newsdesk-test.invalid/x".into());
    let mut args: Vec<&str> = urls.iter().map(String::as_str).collect();
    args.extend(["--timeout", "2s", "--max-body-size", "200000", "--tries", "1"]);
    let (code, report, stderr, elapsed) = ingest(&index, &args);

    assert_eq!(code, 2, "a part failed: {stderr}");
    assert!(elapsed < Duration::from_secs(15), "the stalled server must not hold the run: {elapsed:?}");
    assert_eq!(entry(&report, &s.url("/good"))["status"], "ok");
    let expect = [
        ("/private/page", "fetch", "disallowed by"),
        ("/loop-a", "fetch", "more than 10 redirects"),
        ("/huge", "fetch", "over the 200000-byte limit"),
        ("/huge-declared", "fetch", "over the 200000-byte limit"),
        ("/stall", "fetch", "timed out"),
        ("/logo.png", "parse", "not an article: binary content (image/png)"),
        ("/data.json", "parse", "JSON that is not a JSON Feed"),
        ("/gone", "fetch", "HTTP 404"),
        ("/forbidden", "fetch", "HTTP 403"),
    ];
    for (path, stage, cause) in expect {
        let e = entry(&report, &s.url(path));
        assert_eq!((e["status"].as_str(), e["stage"].as_str()), (Some("failed"), Some(stage)), "{e}");
        let reason = e["reason"].as_str().unwrap();
        assert!(reason.starts_with(&s.url(path)) && reason.contains(cause), "{path}: {reason}");
        assert!(stderr.contains(reason), "stderr names it too: {stderr}");
    }
    assert!(entry(&report, "file:///etc/passwd")["reason"]
        .as_str()
        .unwrap()
        .contains("unsupported scheme `file:`"));
    assert!(entry(&report, &format!("http://{closed}/x"))["reason"]
        .as_str()
        .unwrap()
        .contains("cannot connect"));
    // 404 and 403 are final: asked once.
    assert_eq!(s.requests("/gone").len(), 1);
    assert_eq!(articles(&index).len(), 1);
    assert!(stderr.contains("1 new, 0 updated, 0 unchanged, 12 failed"), "{stderr}");
}

#[test]
fn server_errors_and_429_are_retried_honouring_retry_after() {
    let s = Server::start();
    s.route("/flaky", |_, n| {
        if n == 1 {
            Reply::status(500)
        } else {
            Reply::ok("text/html", web_fixture("page-og.html"))
        }
    });
    s.route("/busy", |_, n| {
        if n == 1 {
            Reply::status(429).header("Retry-After", "1")
        } else {
            Reply::ok("text/plain", web_fixture("article.md"))
        }
    });
    s.route("/down", |_, _| Reply::status(503));
    let (_dir, index) = tmp_index();
    let (flaky, busy, down) = (s.url("/flaky"), s.url("/busy"), s.url("/down"));
    let (code, report, stderr, elapsed) =
        ingest(&index, &[&flaky, &busy, &down, "--tries", "3", "--progress-interval", "1"]);
    // Not a terminal: a progress line now and then instead of a bar.
    assert!(stderr.contains("progress: ") && stderr.contains("fetched "), "{stderr}");
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(entry(&report, &down)["reason"], format!("{down}: HTTP 503 after 3 tries"));
    assert_eq!(s.requests("/down").len(), 3);
    assert_eq!(s.requests("/flaky").len(), 2);
    let busy_requests = s.requests("/busy");
    assert_eq!(busy_requests.len(), 2);
    let waited = busy_requests[1].at - busy_requests[0].at;
    assert!(waited >= Duration::from_millis(950), "Retry-After: 1 honoured, waited {waited:?}");
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
    assert_eq!(articles(&index).len(), 2);
}

#[test]
fn an_unchanged_page_costs_a_304_and_no_reanalysis() {
    let s = Server::start();
    s.route("/etag", |req, _| {
        if req.headers.get("if-none-match").map(String::as_str) == Some("\"v1\"") {
            Reply::Full { status: 304, headers: vec![], body: vec![] }
        } else {
            Reply::ok("text/html", web_fixture("page-og.html")).header("ETag", "\"v1\"")
        }
    });
    s.route("/lm", |req, _| {
        const STAMP: &str = "Wed, 15 Sep 2021 08:00:00 GMT";
        if req.headers.get("if-modified-since").map(String::as_str) == Some(STAMP) {
            Reply::Full { status: 304, headers: vec![], body: vec![] }
        } else {
            Reply::ok("text/plain", web_fixture("article.md")).header("Last-Modified", STAMP)
        }
    });
    // No validators at all: the body hash still tells it is the same.
    s.fixed("/plain", "text/html", web_fixture("page-jsonld.html"));
    let (_dir, index) = tmp_index();
    let (etag, lm, plain) = (s.url("/etag"), s.url("/lm"), s.url("/plain"));
    let (code, report, ..) = ingest(&index, &[&etag, &lm, &plain]);
    assert_eq!(code, 0);
    assert!(report.iter().all(|e| e["change"] == "new"), "{report:#?}");

    let (code, report, stderr, _) = ingest(&index, &[&etag, &lm, &plain]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(entry(&report, &etag)["status"], "unchanged");
    assert_eq!(entry(&report, &lm)["status"], "unchanged");
    assert!(s.requests("/lm")[1].headers.contains_key("if-modified-since"));
    assert_eq!(entry(&report, &plain)["status"], "unchanged");
    let second = &s.requests("/etag")[1];
    assert_eq!(second.headers.get("if-none-match").map(String::as_str), Some("\"v1\""));
    assert!(stderr.contains("0 new, 0 updated, 3 unchanged, 0 failed"), "{stderr}");
}

#[test]
fn robots_txt_is_obeyed_unless_ignored_and_the_user_agent_is_clear() {
    let s = Server::start();
    s.fixed("/robots.txt", "text/plain", "User-agent: *\nDisallow: /private/\n");
    s.fixed("/private/page", "text/html", web_fixture("page-og.html"));
    let (_dir, index) = tmp_index();
    let url = s.url("/private/page");
    let (code, report, ..) = ingest(&index, &[&url]);
    assert_eq!(code, 2);
    assert!(entry(&report, &url)["reason"].as_str().unwrap().contains("--ignore-robots"));
    assert!(s.requests("/private/page").is_empty(), "not even asked");

    let (code, ..) = ingest(&index, &[&url, "--ignore-robots", "--user-agent", "test-archive/2.0"]);
    assert_eq!(code, 0);
    assert_eq!(s.requests("/private/page")[0].headers["user-agent"], "test-archive/2.0");
    let ua = &s.requests("/robots.txt")[0].headers["user-agent"];
    assert!(ua.starts_with("newsdesk/"), "{ua}");
}

#[test]
fn follow_links_takes_the_article_from_the_item_page() {
    let s = Server::start();
    let feed = String::from_utf8(web_fixture("teasers.xml")).unwrap().replace("{BASE}", &s.base);
    s.fixed("/teasers", "application/rss+xml", feed);
    s.fixed("/story/1.html", "text/html", web_fixture("story.html"));
    let (_dir, index) = tmp_index();
    let feed_url = s.url("/teasers");

    let (code, ..) = ingest(&index, &[&feed_url]);
    assert_eq!(code, 0);
    let all = articles(&index);
    assert_eq!(all[0]["text"], "Only the first line…");
    assert!(s.requests("/story/1.html").is_empty());

    let (code, report, stderr, _) = ingest(&index, &[&feed_url, "--follow-links"]);
    assert_eq!(code, 0, "{stderr}");
    let all = articles(&index);
    assert_eq!(all.len(), 1, "same link, same article: replaced, not duplicated");
    assert_eq!(all[0]["title"], "The full story behind the teaser");
    assert!(all[0]["text"].as_str().unwrap().contains("quarterly smartphone shipment"));
    assert_eq!(all[0]["published_at"], "2021-09-16T10:00:00Z", "the feed's date where the page has none");
    assert_eq!(entry(&report, &s.url("/story/1.html"))["change"], "updated");
}

#[test]
fn per_host_limit_and_delay_are_kept() {
    let s = Server::start();
    for i in 0..6 {
        s.route(&format!("/slow/{i}"), move |_, _| {
            std::thread::sleep(Duration::from_millis(300));
            Reply::ok("text/html", format!("<html><head><title>Slow {i}</title></head><body><p>Page number {i} of the slow pages.</p></body></html>"))
        });
    }
    let (_dir, index) = tmp_index();
    let urls: Vec<String> = (0..6).map(|i| s.url(&format!("/slow/{i}"))).collect();
    let mut args: Vec<&str> = urls.iter().map(String::as_str).collect();
    args.extend(["--jobs", "8", "--per-host", "2"]);
    let (code, ..) = ingest(&index, &args);
    assert_eq!(code, 0);
    // robots.txt is fetched alone first; then never more than two pages at once.
    assert_eq!(s.max_in_flight.load(std::sync::atomic::Ordering::SeqCst), 2);

    let s = Server::start();
    for i in 0..3 {
        s.fixed(&format!("/p/{i}"), "text/html", format!("<title>P{i}</title><p>Body of page {i}.</p>"));
    }
    let (_dir, index) = tmp_index();
    let urls: Vec<String> = (0..3).map(|i| s.url(&format!("/p/{i}"))).collect();
    let mut args: Vec<&str> = urls.iter().map(String::as_str).collect();
    args.extend(["--per-host-delay", "400ms"]);
    let (code, ..) = ingest(&index, &args);
    assert_eq!(code, 0);
    let mut starts: Vec<Instant> = (0..3).map(|i| s.requests(&format!("/p/{i}"))[0].at).collect();
    starts.sort();
    for pair in starts.windows(2) {
        assert!(pair[1] - pair[0] >= Duration::from_millis(380), "{:?}", pair[1] - pair[0]);
    }
}

#[test]
fn sources_from_a_list_file_and_a_job_file() {
    let s = Server::start();
    s.fixed("/fm", "text/plain", web_fixture("article.md"));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("local.md"), "---\ntitle: 本地文章\n---\n正文一段。\n").unwrap();
    std::fs::write(dir.path().join("list.txt"), format!("# sources\n\nlocal.md\n{}\n", s.url("/fm")))
        .unwrap();
    let index = dir.path().join("index");
    let list = dir.path().join("list.txt");
    let (code, report, stderr, _) = ingest(&index, &["--from-file", list.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(report.len(), 2);

    let job = dir.path().join("job.yaml");
    std::fs::write(
        &job,
        format!(
            "sources:\n  - local.md\n  - {}\nindex: other-index\nfetch:\n  jobs: 2\n  timeout: 5s\n",
            s.url("/fm")
        ),
    )
    .unwrap();
    let out = Command::cargo_bin("newsdesk")
        .unwrap()
        .env_remove("NEWSDESK_INDEX")
        .current_dir("/")
        .args(["ingest", "--job", job.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        articles(&dir.path().join("other-index")).len(),
        2,
        "index and sources relative to the job file"
    );

    std::fs::write(&job, "sources: [a]\nfollow_link: true\n").unwrap();
    let out = nd(&index).args(["ingest", "--job", job.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("job file") && err.contains("follow_link"), "{err}");
}

#[test]
fn a_feed_with_a_failed_item_is_fetched_in_full_next_time() {
    let s = Server::start();
    let feed = format!(
        r#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>Good</title><link>{base}/story/1.html</link><description>teaser one</description></item>
<item><title>Broken</title><link>{base}/story/missing.html</link><description>teaser two</description></item>
</channel></rss>"#,
        base = s.base
    );
    s.route("/feed", move |req, _| {
        if req.headers.get("if-none-match").map(String::as_str) == Some("\"f1\"") {
            Reply::Full { status: 304, headers: vec![], body: vec![] }
        } else {
            Reply::ok("application/rss+xml", feed.clone()).header("ETag", "\"f1\"")
        }
    });
    s.fixed("/story/1.html", "text/html", web_fixture("story.html"));
    let (_dir, index) = tmp_index();
    let feed_url = s.url("/feed");
    let (code, report, ..) = ingest(&index, &[&feed_url, "--follow-links"]);
    assert_eq!(code, 2);
    assert_eq!(
        entry(&report, &s.url("/story/missing.html"))["reason"],
        format!("{}: HTTP 404", s.url("/story/missing.html"))
    );
    assert_eq!(entry(&report, &s.url("/story/1.html"))["status"], "ok");

    let (code, ..) = ingest(&index, &[&feed_url, "--follow-links"]);
    assert_eq!(code, 2);
    assert!(
        !s.requests("/feed")[1].headers.contains_key("if-none-match"),
        "no validators saved for a feed with a failed item"
    );

    // Once every item goes in, the feed's validators are kept, for this mode only.
    s.fixed("/story/missing.html", "text/html", web_fixture("page-og.html"));
    let (code, ..) = ingest(&index, &[&feed_url, "--follow-links"]);
    assert_eq!(code, 0);
    let (code, report, ..) = ingest(&index, &[&feed_url, "--follow-links"]);
    assert_eq!(code, 0);
    assert_eq!(s.requests("/feed")[3].headers.get("if-none-match").map(String::as_str), Some("\"f1\""));
    assert_eq!(report.len(), 1, "an unchanged feed is one entry: {report:#?}");
    assert_eq!(report[0]["status"], "unchanged");
    let (code, ..) = ingest(&index, &[&feed_url]);
    assert_eq!(code, 0);
    assert!(!s.requests("/feed")[4].headers.contains_key("if-none-match"), "another mode, another reading");
}

#[test]
fn a_warc_file_behind_a_url_is_downloaded_and_read_record_by_record() {
    let s = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let warc = dir.path().join("crawl.warc.gz");
    warc_file::write(&warc, true);
    s.fixed("/robots.txt", "text/plain", "User-agent: *\nDisallow: /private/\n");
    s.fixed("/crawl/CC-NEWS-1.warc.gz", "application/octet-stream", std::fs::read(&warc).unwrap());
    s.fixed("/private/other.warc", "application/octet-stream", std::fs::read(&warc).unwrap());
    let (_tmp, index) = tmp_index();
    let (code, report, stderr, _) =
        ingest(&index, &[&s.url("/crawl/CC-NEWS-1.warc.gz"), &s.url("/private/other.warc")]);
    assert_eq!(code, 2, "the broken record and the disallowed archive fail: {stderr}");
    let all = articles(&index);
    assert_eq!(all.len(), 3, "{stderr}");
    for (url, title) in warc_file::PAGES {
        let a = by_title(&all, title);
        assert_eq!(a["url"], url);
    }
    assert!(entry(&report, warc_file::BROKEN)["status"] == "failed");
    assert!(stderr.contains("robots.txt"), "{stderr}");
    assert_eq!(s.requests("/private/other.warc").len(), 0, "robots.txt is obeyed");
}
