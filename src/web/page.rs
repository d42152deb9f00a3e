//! A web page without front matter: its metadata and its main content.
//!
//! Metadata is read from three places, in this order of trust: JSON-LD (`NewsArticle`,
//! `Article`, `BlogPosting` … also inside `@graph`), OpenGraph (`og:*`, `article:*`), then plain
//! `<meta>` tags, `<title>`, `<link rel=canonical>` and `<html lang>`. The first place that
//! says something wins, field by field.
//!
//! The main content is found by [`super::content`]; the result is an HTML fragment handed to the
//! same cleaning stage as files.
//!
//! Not here: fetching, cleaning, or resolving relative image URLs in the content (they are
//! kept as written).

use std::sync::LazyLock;

use scraper::{Html, Selector};
use serde_json::Value;
use url::Url;

use crate::article::{SourceKind, SourceRef};
use crate::clean::{element_text, selector};
use crate::parse::{BodyFormat, FrontMatter, ParseOptions, ParsedDocument};

static JSON_LD: LazyLock<Selector> = LazyLock::new(|| selector("script[type='application/ld+json']"));
static META: LazyLock<Selector> = LazyLock::new(|| selector("meta[content]"));
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
static CANONICAL: LazyLock<Selector> = LazyLock::new(|| selector("link[rel~=canonical][href]"));
static HTML_LANG: LazyLock<Selector> = LazyLock::new(|| selector("html[lang]"));
static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
/// JSON-LD `@type`s that describe an article.
const ARTICLE_TYPES: [&str; 7] = [
    "NewsArticle",
    "Article",
    "BlogPosting",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "TechArticle",
    "Report",
];

/// Reads `html`, fetched from `page_url` (after redirects), into a document for the pipeline.
/// `front.url` is the URL the page declares for itself (made absolute), if any.
pub fn document(html: &str, page_url: &Url, opts: &ParseOptions) -> ParsedDocument {
    let mut dom = Html::parse_document(html);
    let meta = Meta::read(&dom, page_url);
    let body = super::content::main_content(&mut dom, meta.title.as_deref(), meta.stated_body.as_deref());
    let date = |s: Option<String>| s.and_then(|d| crate::parse::date::parse_date(&d, opts.default_zone));
    let front = FrontMatter {
        title: meta.title,
        author: meta.author,
        published_at: date(meta.published),
        categories: meta.section.into_iter().collect(),
        tags: meta.tags,
        url: meta.url,
        lead_image: meta.image.map(|i| crate::clean::unwrap_proxy(&i)),
        lang: meta.lang,
        extra: serde_json::Map::new(),
    };
    ParsedDocument {
        source: SourceRef { kind: SourceKind::Url, location: page_url.to_string() },
        front,
        body,
        format: BodyFormat::Html,
    }
}

/// What the page says about itself, the most trusted source first.
#[derive(Debug, Default, PartialEq)]
struct Meta {
    title: Option<String>,
    author: Option<String>,
    published: Option<String>,
    url: Option<String>,
    image: Option<String>,
    lang: Option<String>,
    section: Option<String>,
    tags: Vec<String>,
    /// The article's text as JSON-LD's `articleBody` states it.
    stated_body: Option<String>,
}

impl Meta {
    fn read(dom: &Html, page_url: &Url) -> Meta {
        let ld = json_ld(dom);
        let og = |names: &[&str]| meta_values(dom, names).into_iter().next();
        let absolute = |u: String| page_url.join(u.trim()).map(|u| u.to_string()).ok();
        let ld_str = |key: &str| ld.as_ref().and_then(|a| text_of(a.get(key)?));
        let tags = ld
            .as_ref()
            .and_then(|a| a.get("keywords"))
            .map(list_of)
            .filter(|t| !t.is_empty())
            .or_else(|| Some(meta_values(dom, &["article:tag"])).filter(|t| !t.is_empty()))
            .or_else(|| og(&["keywords", "news_keywords"]).map(|k| split_keywords(&k)))
            .unwrap_or_default();
        Meta {
            title: ld_str("headline")
                .or_else(|| ld_str("name"))
                .or_else(|| og(&["og:title", "twitter:title"]))
                .or_else(|| {
                    dom.select(&TITLE)
                        .map(element_text)
                        .find(|t| !t.is_empty())
                        .map(|t| without_site_name(dom, t))
                })
                .or_else(|| dom.select(&H1).map(element_text).find(|t| !t.is_empty())),
            author: ld
                .as_ref()
                .and_then(|a| a.get("author"))
                .and_then(|a| list_of(a).into_iter().next())
                .or_else(|| og(&["article:author", "author", "byl", "dc.creator"])),
            published: ld_str("datePublished").or_else(|| ld_str("dateCreated")).or_else(|| {
                og(&[
                    "article:published_time",
                    "pubdate",
                    "publishdate",
                    "date",
                    "dc.date",
                    "og:published_time",
                ])
            }),
            url: ld
                .as_ref()
                .and_then(|a| text_of(a.get("url")?).or_else(|| text_of(a.get("mainEntityOfPage")?)))
                .or_else(|| og(&["og:url"]))
                .or_else(|| dom.select(&CANONICAL).find_map(|e| e.value().attr("href")).map(str::to_string))
                .and_then(absolute),
            image: ld
                .as_ref()
                .and_then(|a| list_of(a.get("image")?).into_iter().next())
                .or_else(|| og(&["og:image", "twitter:image"]))
                .and_then(absolute),
            lang: ld_str("inLanguage")
                .or_else(|| dom.select(&HTML_LANG).find_map(|e| e.value().attr("lang")).map(str::to_string))
                .or_else(|| og(&["og:locale", "content-language", "language"]))
                .filter(|l| !l.trim().is_empty()),
            section: ld_str("articleSection").or_else(|| og(&["article:section"])),
            tags,
            stated_body: ld.as_ref().and_then(|a| a.get("articleBody")?.as_str()).map(str::to_string),
        }
    }
}

/// A `<title>` without the site's name after it: the page's `<h1>` when the title starts with it
/// (`工信部要求解除外链屏蔽 - 示例新闻` → `工信部要求解除外链屏蔽`).
fn without_site_name(dom: &Html, title: String) -> String {
    dom.select(&H1)
        .map(element_text)
        .find(|h| !h.is_empty() && title.len() > h.len() && title.starts_with(h.as_str()))
        .unwrap_or(title)
}

/// The first JSON-LD object whose `@type` is an article type, searched through arrays and
/// `@graph`. Malformed blocks are skipped: pages ship broken JSON-LD often enough.
fn json_ld(dom: &Html) -> Option<serde_json::Map<String, Value>> {
    fn find(v: Value) -> Option<serde_json::Map<String, Value>> {
        match v {
            Value::Array(items) => items.into_iter().find_map(find),
            Value::Object(mut map) => {
                let typed = match map.get("@type") {
                    Some(Value::String(t)) => ARTICLE_TYPES.contains(&t.as_str()),
                    Some(Value::Array(ts)) => {
                        ts.iter().any(|t| t.as_str().is_some_and(|t| ARTICLE_TYPES.contains(&t)))
                    }
                    _ => false,
                };
                if typed {
                    return Some(map);
                }
                map.remove("@graph").and_then(find)
            }
            _ => None,
        }
    }
    dom.select(&JSON_LD)
        .filter_map(|s| serde_json::from_str::<Value>(s.text().collect::<String>().trim()).ok())
        .find_map(find)
}

/// A JSON-LD value as one string: a string, or the `name`/`@id`/`url` of an object.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Object(o) => ["name", "@id", "url"].iter().find_map(|k| text_of(o.get(*k)?)),
        Value::Array(items) => items.iter().find_map(text_of),
        _ => None,
    }
}

/// A JSON-LD value as a list: an array of values, or a comma-separated string.
fn list_of(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items.iter().filter_map(text_of).collect(),
        Value::String(s) => split_keywords(s),
        other => text_of(other).into_iter().collect(),
    }
}

fn split_keywords(s: &str) -> Vec<String> {
    s.split([',', '，', '、', ';', '；'])
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_string)
        .collect()
}

/// Non-empty `content` of `<meta>` tags whose `property`, `name` or `http-equiv` is one of
/// `names` (case-insensitive), in the order of `names`, then of the page.
fn meta_values(dom: &Html, names: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for name in names {
        for e in dom.select(&META) {
            let attrs = e.value();
            let key = attrs.attr("property").or(attrs.attr("name")).or(attrs.attr("http-equiv"));
            if key.is_some_and(|k| k.trim().eq_ignore_ascii_case(name)) {
                if let Some(v) = attrs.attr("content").map(str::trim).filter(|v| !v.is_empty()) {
                    out.push(v.to_string());
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://news.example.com/2021/09/a.html?utm_source=rss").unwrap()
    }

    const PAGE: &str = r#"<!DOCTYPE html><html lang="zh-CN"><head>
<title>页面标题 - 示例新闻</title>
<meta property="og:title" content="OG 标题">
<meta property="og:url" content="/2021/09/a.html">
<meta property="og:image" content="https://cors.zfour.workers.dev/?https://img.example.com/lead.jpg">
<meta property="article:published_time" content="2021-09-13T10:00:00+08:00">
<meta name="author" content="Meta 作者">
<meta name="keywords" content="互联互通, 外链">
<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
 {"@type":"WebSite","name":"示例新闻"},
 {"@type":["NewsArticle"],"headline":"工信部要求平台解除外链屏蔽","author":[{"@type":"Person","name":"张三"}],
  "datePublished":"2021-09-13T09:30:00+08:00","keywords":["互联互通","外链屏蔽"],"articleSection":"科技"}]}</script>
</head><body>
<nav class="top-nav"><p>首页 科技 财经 汽车 游戏 这一行是导航菜单里的很长的一段文字不属于文章。</p></nav>
<div class="layout"><div class="main">
 <div class="article-content">
  <p>9月13日，工信部召开“屏蔽网址链接问题行政指导会”，要求各平台按标准解除屏蔽。</p>
  <p>会议指出，保障合法网址链接正常访问，是互联网发展的基本要求，各平台应当限期整改。</p>
  <p><img src="/img/1.jpg" alt="会场"></p>
 </div>
 <div class="comment-list"><p>网友评论：这件事情早就应该做了，期待各平台尽快落实，不要再拖延下去了。</p></div>
</div><aside class="sidebar"><p>热门推荐：另外一篇文章的标题也很长，长到足以被当作段落来计分的程度了。</p></aside></div>
<footer><p>版权所有 © 示例新闻 保留所有权利 未经许可不得转载 联系我们 关于我们 广告服务</p></footer>
</body></html>"#;

    #[test]
    fn json_ld_beats_opengraph_beats_meta_field_by_field() {
        let doc = document(PAGE, &url(), &ParseOptions::default());
        let f = &doc.front;
        assert_eq!(f.title.as_deref(), Some("工信部要求平台解除外链屏蔽"));
        assert_eq!(f.author.as_deref(), Some("张三"));
        assert_eq!(f.published_at.unwrap().to_rfc3339(), "2021-09-13T01:30:00+00:00");
        assert_eq!(f.tags, ["互联互通", "外链屏蔽"]);
        assert_eq!(f.categories, ["科技"]);
        // JSON-LD has no url: OpenGraph's, made absolute.
        assert_eq!(f.url.as_deref(), Some("https://news.example.com/2021/09/a.html"));
        assert_eq!(f.lead_image.as_deref(), Some("https://img.example.com/lead.jpg"));
        assert_eq!(f.lang.as_deref(), Some("zh-CN"));
        assert_eq!(doc.source.kind, SourceKind::Url);
    }

    #[test]
    fn opengraph_and_meta_fill_in_without_json_ld() {
        let page = PAGE.replace("application/ld+json", "text/plain");
        let f = document(&page, &url(), &ParseOptions::default()).front;
        assert_eq!(f.title.as_deref(), Some("OG 标题"));
        assert_eq!(f.author.as_deref(), Some("Meta 作者"));
        assert_eq!(f.published_at.unwrap().to_rfc3339(), "2021-09-13T02:00:00+00:00");
        assert_eq!(f.tags, ["互联互通", "外链"]);
        let bare = "<html><head><title> 只有标题 </title></head><body><p>x</p></body></html>";
        let f = document(bare, &url(), &ParseOptions::default()).front;
        assert_eq!(f.title.as_deref(), Some("只有标题"));
        assert_eq!(f.url, None, "only what the page declares; the caller knows where it fetched it");
    }

    /// trafilatura guesses a date from a footer's year; newsdesk takes dates from what the
    /// page declares only.
    #[test]
    fn a_page_that_declares_no_date_has_none_whatever_its_footer_says() {
        let page = r#"<html><head><title>外链解禁</title></head><body><article><h1>外链解禁</h1>
<p>9月17日，微信发布公告称，将分阶段落实平台互联互通的要求，用户可以直接打开外部链接。</p></article>
<footer>© 2026 示例站点 2026-01-01 更新</footer></body></html>"#;
        let doc = document(page, &url(), &ParseOptions::default());
        assert_eq!(doc.front.published_at, None);
        assert!(doc.body.contains("互联互通") && !doc.body.contains("示例站点"), "{}", doc.body);
    }

    #[test]
    fn main_content_is_the_known_container_without_furniture() {
        let body = document(PAGE, &url(), &ParseOptions::default()).body;
        assert!(body.contains("行政指导会") && body.contains("限期整改") && body.contains("1.jpg"), "{body}");
        for furniture in ["导航菜单", "网友评论", "热门推荐", "版权所有"] {
            assert!(!body.contains(furniture), "{furniture} in {body}");
        }
    }

    #[test]
    fn without_a_known_container_the_text_is_found_and_link_lists_left_out() {
        let page = r#"<html><body>
<div id="menu"><a href="/">首页</a> <a href="/a">科技新闻频道的链接文字</a></div>
<div id="links"><p><a href="/1">一条很长很长的推荐链接文字，用来测试链接密度的惩罚是否生效。</a></p></div>
<div id="x1"><div id="x2">
<p>第一段：移动支付的互联互通正在推进，云闪付与微信支付实现了扫码互认，用户体验明显提升。</p>
<p>第二段：业内人士认为，这一举措将打破支付领域长期存在的壁垒，惠及数亿用户和商户。</p>
</div></div></body></html>"#;
        let body = document(page, &url(), &ParseOptions::default()).body;
        assert!(body.contains("第一段") && body.contains("第二段"), "{body}");
        assert!(!body.contains("推荐链接") && !body.contains("科技新闻频道"), "{body}");
    }
}
