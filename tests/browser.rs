//! The web page in a real browser: headless Chromium driven over WebDriver (chromedriver),
//! against `newsdesk serve` on 127.0.0.1. Deep links, typing, paging back and forth, the
//! article view, the topics chart, a phone-sized screen, and an article whose title and body
//! are markup that must show as text and run nothing.
//!
//! Screenshots go to `target/screenshots/` for people to look at. Needs Debian's `chromium` and
//! `chromium-driver` (`.ci/run` installs them); without them the test says so and passes,
//! except under CI (`CI` set), where it fails.

#[path = "support/newsdesk_server.rs"]
mod served;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::InputSource;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use served::{sample_index, Served};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn browser(profile: &Path) -> (Driver, Client) {
    let port = free_port();
    let driver = Driver(
        Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts"),
    );
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=zh-CN",
                format!("--user-data-dir={}", profile.display()),
            ]
        }
    });
    let caps = match caps {
        Value::Object(m) => m,
        _ => unreachable!(),
    };
    let started = Instant::now();
    loop {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        match ClientBuilder::new(connector)
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => return (driver, client),
            Err(e) if started.elapsed() < Duration::from_secs(20) => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start a Chromium session: {e}"),
        }
    }
}

/// Waits until `script` (a function body) returns true.
async fn until(client: &Client, what: &str, script: &str) {
    let started = Instant::now();
    loop {
        let idle = "if (document.querySelector('main').hasAttribute('aria-busy')) return false;";
        let v = client.execute(&format!("{idle}{script}"), vec![]).await.unwrap();
        if v == Value::Bool(true) {
            return;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let url = client.current_url().await.map(|u| u.to_string()).unwrap_or_default();
            let error: Value = client
                .execute("return document.getElementById('error').textContent", vec![])
                .await
                .unwrap_or(Value::Null);
            panic!("timed out waiting for {what} at {url} (page error: {error})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn text(client: &Client, css: &str) -> String {
    client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).text().await.unwrap()
}

/// Clicks the element `css` names, as a user would (WebDriver's click, not a script's).
async fn click(client: &Client, css: &str) {
    client.find(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css}: {e}")).click().await.unwrap();
}

async fn shot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshots().join(name), png).unwrap();
}

fn have_chromium() -> bool {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must install chromium and chromium-driver ({CHROMIUM}, {CHROMEDRIVER})"
    );
    eprintln!("skipped: no {CHROMIUM} or {CHROMEDRIVER} (apt-get install chromium chromium-driver)");
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_searches_shows_articles_and_draws_topics_in_chromium() {
    if !have_chromium() {
        return;
    }
    let (dir, index) = sample_index();
    let server = Served::start(&index, &[]);
    let (_driver, client) = browser(&dir.path().join("profile")).await;
    let base = server.url.clone();

    // A deep link opens with its results.
    client.goto(&format!("{base}/?q=%E4%BA%92%E8%81%94%E4%BA%92%E9%80%9A")).await.unwrap();
    until(&client, "hits for 互联互通", "return document.querySelectorAll('#results li').length > 0").await;
    assert_eq!(
        client.find(Locator::Id("q")).await.unwrap().prop("value").await.unwrap().as_deref(),
        Some("互联互通")
    );
    let summary = text(&client, "#summary").await;
    assert!(summary.starts_with("共 ") && summary.contains("毫秒"), "{summary}");
    let marks: Value = client
        .execute(
            "return Array.from(document.querySelectorAll('#results mark')).map(m => m.textContent)",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        marks.as_array().unwrap().iter().any(|m| m.as_str().unwrap().contains("互联互通")),
        "highlighted: {marks}"
    );
    shot(&client, "search.png").await;

    // Typing runs a new search (debounced) and puts it in the URL.
    let q = client.find(Locator::Id("q")).await.unwrap();
    q.clear().await.unwrap();
    q.send_keys("微信").await.unwrap();
    until(
        &client,
        "the URL to follow the typing",
        "return new URLSearchParams(location.search).get('q') === '微信'",
    )
    .await;
    until(
        &client,
        "hits for 微信",
        "return Array.from(document.querySelectorAll('#results mark')).some(m => m.textContent.includes('微信'))",
    )
    .await;

    // A filter narrows, and back/forward restore the state from the URL.
    client.execute("const s = document.getElementById('dedupe'); s.checked = true; s.dispatchEvent(new Event('change'));", vec![]).await.unwrap();
    until(&client, "dedupe in the URL", "return location.search.includes('dedupe=true')").await;
    client.back().await.unwrap();
    until(
        &client,
        "back to the search without dedupe",
        "return !location.search.includes('dedupe') && !document.getElementById('dedupe').checked",
    )
    .await;

    // The article view.
    let first_title = text(&client, "#results li h3 a").await;
    click(&client, "#results li h3 a").await;
    until(&client, "the article view", "return !document.getElementById('article-view').hidden && document.getElementById('a-title').textContent.length > 0").await;
    assert_eq!(text(&client, "#a-title").await, first_title);
    assert!(client.current_url().await.unwrap().query().unwrap().starts_with("article="));
    let paragraphs: Value =
        client.execute("return document.querySelectorAll('#a-text p').length", vec![]).await.unwrap();
    assert!(paragraphs.as_u64().unwrap() >= 1);
    assert!(!text(&client, "#a-keywords").await.is_empty(), "keywords shown");
    shot(&client, "article.png").await;
    client.back().await.unwrap();
    until(&client, "back to the hits", "return !document.getElementById('search-view').hidden && document.querySelectorAll('#results li').length > 0").await;

    // The topics chart: two topics compared, drawn by uPlot; a click opens that month.
    client.goto(&format!("{base}/?view=topics&topics=platform-interconnection,antitrust")).await.unwrap();
    until(&client, "the chart", "const c = document.getElementById('chart'); return c.dataset.drawn === '2' && !!c.querySelector('canvas')").await;
    let legend: Value = client.execute("return Array.from(document.querySelectorAll('#chart .u-legend .u-series')).map(s => s.textContent)", vec![]).await.unwrap();
    let legend = legend.to_string();
    assert!(legend.contains("平台互联互通") || legend.contains("互联互通"), "legend: {legend}");
    let cards: Value =
        client.execute("return document.querySelectorAll('#t-detail section').length", vec![]).await.unwrap();
    assert_eq!(cards, json!(2), "keywords and entities of both topics");
    shot(&client, "topics.png").await;
    // Move the mouse onto the plot and click: the search view opens for that month and topic.
    let plot = client.find(Locator::Css("#chart .u-over")).await.unwrap();
    let actions = fantoccini::actions::MouseActions::new("mouse".to_string())
        .then(fantoccini::actions::PointerAction::MoveToElement {
            element: plot,
            duration: Some(Duration::from_millis(100)),
            x: 0.0,
            y: 0.0,
        })
        .then(fantoccini::actions::PointerAction::Down { button: fantoccini::actions::MOUSE_BUTTON_LEFT })
        .then(fantoccini::actions::PointerAction::Up { button: fantoccini::actions::MOUSE_BUTTON_LEFT });
    client.perform_actions(actions).await.unwrap();
    until(&client, "the month's articles", "const p = new URLSearchParams(location.search); return !!p.get('topic') && !!p.get('since') && !!p.get('until')").await;

    // English labels from the taxonomy's second names.
    click(&client, "#lang").await;
    until(
        &client,
        "English labels",
        "return document.querySelector('[data-i18n=search]').textContent === 'Search'",
    )
    .await;
    click(&client, "#lang").await;

    // A phone-sized screen: nothing wider than the screen.
    client.set_window_size(390, 844).await.unwrap();
    client.goto(&format!("{base}/?q=%E5%BE%AE%E4%BF%A1")).await.unwrap();
    until(&client, "hits on a phone", "return document.querySelectorAll('#results li').length > 0").await;
    let overflow: Value = client
        .execute("return document.documentElement.scrollWidth <= window.innerWidth + 1", vec![])
        .await
        .unwrap();
    assert_eq!(overflow, json!(true), "no horizontal scrolling on a narrow screen");
    shot(&client, "phone.png").await;

    client.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_article_made_of_markup_shows_as_text_and_runs_nothing() {
    if !have_chromium() {
        return;
    }
    let (dir, index) = sample_index();
    let server = Served::start(&index, &[]);
    let (_driver, client) = browser(&dir.path().join("profile")).await;
    let title = "<img src=x onerror=\"window.__xss=1\"> 互联互通测试稿";

    client.goto(&format!("{}/?q=xssprobe", server.url)).await.unwrap();
    until(&client, "the XSS article's hit", "return document.querySelectorAll('#results li').length === 1")
        .await;
    assert_eq!(text(&client, "#results li h3 a").await, title);
    let images: Value =
        client.execute("return document.querySelectorAll('main img').length", vec![]).await.unwrap();
    assert_eq!(images, json!(0), "the title made no element");

    click(&client, "#results li h3 a").await;
    until(&client, "the article view", "return document.getElementById('a-title').textContent.length > 0")
        .await;
    assert_eq!(text(&client, "#a-title").await, title);
    let body = text(&client, "#a-text").await;
    assert!(body.contains("<script>window.__xss=2</script>"), "the script shows as text: {body}");
    assert!(body.contains("<a href=\"javascript:alert(1)\">"), "{body}");
    let elements: Value = client
        .execute(
            "return document.querySelectorAll('#article-view script, #article-view img, #a-text a').length",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(elements, json!(0), "no element came out of the article's text");
    // Give an injected handler time to fire, then check that nothing ran.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let ran: Value = client.execute("return typeof window.__xss", vec![]).await.unwrap();
    assert_eq!(ran, json!("undefined"), "no script of the article ran");
    shot(&client, "xss.png").await;
    client.close().await.unwrap();
}
