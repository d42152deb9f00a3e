//! A web page's main content: the article's HTML without the page around it.
//!
//! Three steps, each using what it is best at:
//!
//! 1. **Furniture out.** The page is parsed once (scraper) and what is plainly not the article
//!    is detached: `nav`, `header`, `footer`, `aside` and `menu` elements; boxes whose class or
//!    id says navigation, breadcrumbs, sharing, comments, related or recommended items,
//!    rankings, QR codes, cookie banners, disclaimers or copyright (unless the box is itself
//!    the article's container with real text in it); link lists outside the article's own
//!    container (most of their text is link text); the heading that repeats the title; and the
//!    short lines Chinese sites end articles with (责任编辑, 转载请注明, 扫码关注, 原标题, 免责声明 …).
//! 2. **Main content.** A container that marks the article on most sites (`itemprop=articleBody`,
//!    `.article-content`, Sina's `#artibody`, NetEase's `#endText` …) is taken when it has text;
//!    otherwise the [`trafilatura`] crate (a port of the Python library, with its readability
//!    and jusText fallbacks) finds the content in what is left, with images kept.
//! 3. **JSON-LD `articleBody`.** When the page states the article's text and it is at least as
//!    long as what the DOM showed (pages that hide the rest behind "open the app"), the stated
//!    text is used, with the images of the DOM's content.
//!
//! The result is an HTML fragment for the cleaning stage, which turns it into paragraphs and
//! image metadata the same way as for files.
//!
//! Two html5ever versions are in the build: `trafilatura` 0.6 uses scraper 0.27, newsdesk
//! scraper 0.29. Only strings cross between them (HTML in, HTML out), so the two never meet.
//!
//! Not here: metadata (see [`super::page`]; trafilatura's own metadata, its date guesses
//! included, is not used), fetching, cleaning, the nesting guard (the caller's).

use std::sync::LazyLock;

use ego_tree::NodeId;
use scraper::{ElementRef, Html, Selector};

use crate::clean::selector;

/// Containers that hold the article on many sites, tried in order; the first with text wins.
static CONTAINERS: LazyLock<Vec<Selector>> = LazyLock::new(|| {
    [
        "[itemprop=articleBody]",
        ".article-content, .article_content, #article_content, .article-body, .articleBody, .article-text",
        ".post-content, .entry-content, .post-body, .post_body, .story-body, #js_content, .rich_media_content",
        // Chinese portals: Sina, NetEase, Tencent, Sohu, People's Daily, Xinhua, ifeng.
        "#artibody, #endText, .content-article, #mp-editor, .rm_txt_con, #detail, .main_content",
    ]
    .iter()
    .map(|css| selector(css))
    .collect()
});

static LINKS: LazyLock<Selector> = LazyLock::new(|| selector("a"));
static IMAGES: LazyLock<Selector> = LazyLock::new(|| selector("img"));

/// A known container must carry at least this many characters to be taken.
const MIN_CONTAINER_CHARS: usize = 20;
/// A box outside the article is a link list when it has this many characters or more…
const LINK_LIST_MIN_CHARS: usize = 10;
/// …at least this share of them sits inside links…
const LINK_LIST_DENSITY: f64 = 0.5;
/// …and no text outside links runs this long (a wrapper of a sentence and a link list is not
/// itself a link list: its parts are judged one by one).
const LINK_LIST_MAX_PLAIN_RUN: usize = 15;
/// A line of this many characters or fewer may be a boilerplate line.
const MAX_BOILERPLATE_LINE_CHARS: usize = 120;

/// Words in a class or id that mark furniture, matched anywhere in it.
const FURNITURE: [&str; 27] = [
    "comment",
    "footer",
    "sidebar",
    "share",
    "related",
    "recommend",
    "banner",
    "breadcrumb",
    "advert",
    "social",
    "popup",
    "copyright",
    "cookie",
    "consent",
    "qrcode",
    "qr-code",
    "subscribe",
    "newsletter",
    "statement",
    "disclaimer",
    "declare",
    "toolbar",
    "byline",
    "widget",
    "hot-list",
    "navigation",
    "read-more",
];
/// Words that mark furniture only as a whole word of a class or id (`nav`, not `canvas`).
const FURNITURE_WORDS: [&str; 21] = [
    "nav", "menu", "header", "bread", "position", "rank", "hot", "tool", "tools", "qr", "ad", "ads", "meta",
    "info", "tags", "keywords", "more", "author", "date", "time", "source",
];
/// Words that mark the article itself.
const LIKELY: [&str; 7] = ["article", "content", "post", "entry", "story", "text", "body"];

/// How the lines Chinese (and English) sites put around an article begin, after any bracket.
const BOILERPLATE_STARTS: [&str; 31] = [
    "责任编辑",
    "责编",
    "编辑：",
    "编辑:",
    "原标题",
    "转载请注明",
    "扫码关注",
    "扫码下载",
    "扫描二维码",
    "长按二维码",
    "长按识别",
    "免责声明",
    "版权声明",
    "凡本网注明",
    "本文仅代表作者",
    "关注我们",
    "点击关注",
    "分享到",
    "分享：",
    "分享 ",
    "您现在的位置",
    "您的位置",
    "当前位置",
    "关键词：",
    "文章关键词",
    "标签：",
    "Copyright",
    "©",
    "Share on",
    "Share this",
    "Tags:",
];
/// What such lines hold anywhere in them.
const BOILERPLATE_HOLDS: [&str; 9] = [
    "转载请注明",
    "未经授权禁止",
    "ICP备",
    "ICP证",
    "版权所有",
    "使用Cookie",
    "使用cookie",
    "We use cookies",
    "uses cookies",
];
/// Headings of the boxes around an article (comments, related and recommended items,
/// rankings): a box that opens with one of these, in a short first line, is furniture.
const BOX_HEADINGS: [&str; 24] = [
    "评论",
    "相关新闻",
    "相关阅读",
    "相关文章",
    "相关推荐",
    "推荐阅读",
    "为你推荐",
    "猜你喜欢",
    "热门",
    "热点",
    "排行",
    "大家都在看",
    "更多",
    "延伸阅读",
    "近期文章",
    "comments",
    "related",
    "more from",
    "recommended",
    "most read",
    "most popular",
    "read more",
    "you may also like",
    "trending",
];
/// A box heading is at most this many characters.
const MAX_BOX_HEADING_CHARS: usize = 16;

/// The HTML of the main content of `dom`, a page whose title is `title` and whose JSON-LD
/// states `stated_body` (if it does).
pub fn main_content(dom: &mut Html, title: Option<&str>, stated_body: Option<&str>) -> String {
    prune(dom, title);
    let (found, found_chars) = known_container(dom).unwrap_or_else(|| extracted(dom));
    match stated_body.filter(|b| chars(b) >= MIN_CONTAINER_CHARS) {
        Some(stated) if chars(stated) * 5 >= found_chars * 4 => with_images(stated, &found),
        _ => found,
    }
}

/// Non-whitespace characters.
fn chars(s: &str) -> usize {
    s.chars().filter(|c| !c.is_whitespace()).count()
}

fn text_chars(html: &str) -> usize {
    chars(&Html::parse_fragment(html).root_element().text().collect::<String>())
}

/// The stated body as paragraphs (or as it is, when it is HTML already), then the images of
/// the DOM's content.
fn with_images(stated: &str, found: &str) -> String {
    let mut out = if stated.contains("</p>") || stated.contains("<br") {
        stated.to_string()
    } else {
        super::paragraphs(stated, "\n")
    };
    let found = Html::parse_fragment(found);
    for img in found.select(&IMAGES) {
        out.push_str(&img.html());
    }
    out
}

/// The first known container with text, as HTML with its count of characters; else the page's
/// one `<article>`, if it has only one (several are a list of teasers).
fn known_container(dom: &Html) -> Option<(String, usize)> {
    static ARTICLE: LazyLock<Selector> = LazyLock::new(|| selector("article"));
    fn with_text(e: ElementRef<'_>) -> Option<(usize, ElementRef<'_>)> {
        Some((char_count(&e), e)).filter(|(n, _)| *n >= MIN_CONTAINER_CHARS)
    }
    let known =
        CONTAINERS.iter().find_map(|css| dom.select(css).filter_map(with_text).max_by_key(|(n, _)| *n));
    let only_article = || {
        let mut articles = dom.select(&ARTICLE);
        articles.next().filter(|_| articles.next().is_none()).and_then(with_text)
    };
    known.or_else(only_article).map(|(n, e)| (e.inner_html(), n))
}

/// What trafilatura finds in the pruned page, with its count of characters; the page's body
/// when it finds nothing.
fn extracted(dom: &Html) -> (String, usize) {
    let html = dom.root_element().html();
    let opts =
        trafilatura::Options::default().with_fallback(true).with_images(true).with_exclude_comments(true);
    let (found, found_chars) = match trafilatura::extract(&html, &opts) {
        Ok(r) => {
            let n = text_chars(&r.content_html);
            (r.content_html, n)
        }
        Err(_) => (String::new(), 0),
    };
    if found_chars == 0 {
        return body(dom);
    }
    // The extractor sometimes drops a run of headings and lists from the middle of an
    // article; the block that holds most of the page's paragraph text then says more.
    match densest_block(dom).map(|block| (char_count(&block), block)) {
        Some((n, block)) if n * 4 > found_chars * 5 => (block.inner_html(), n),
        _ => (found, found_chars),
    }
}

/// The element whose paragraphs hold the most text: each paragraph counts for its parent,
/// and half for its grandparent.
fn densest_block(dom: &Html) -> Option<ElementRef<'_>> {
    static PARAGRAPHS: LazyLock<Selector> = LazyLock::new(|| selector("p, pre, blockquote, li"));
    let mut scores: std::collections::HashMap<NodeId, usize> = std::collections::HashMap::new();
    for p in dom.select(&PARAGRAPHS) {
        let n = char_count(&p);
        if n < 20 {
            continue;
        }
        let mut up = p.ancestors().filter(|a| a.value().is_element());
        if let Some(parent) = up.next() {
            *scores.entry(parent.id()).or_default() += 2 * n;
            if let Some(grand) = up.next() {
                *scores.entry(grand.id()).or_default() += n;
            }
        }
    }
    let (id, _) = scores.into_iter().max_by_key(|&(id, score)| (score, std::cmp::Reverse(id)))?;
    dom.tree.get(id).and_then(ElementRef::wrap)
}

fn body(dom: &Html) -> (String, usize) {
    static BODY: LazyLock<Selector> = LazyLock::new(|| selector("body"));
    let body = dom.select(&BODY).next().unwrap_or_else(|| dom.root_element());
    (body.inner_html(), char_count(&body))
}

fn char_count(e: &ElementRef<'_>) -> usize {
    e.text().map(chars).sum()
}

/// A list of links: enough text, most of it in links, and no sentence outside them.
fn is_link_list(e: &ElementRef<'_>, total: usize) -> bool {
    if total < LINK_LIST_MIN_CHARS {
        return false;
    }
    let linked: usize = e.select(&LINKS).map(|a| char_count(&a)).sum();
    let in_link = |node: ego_tree::NodeRef<'_, scraper::Node>| {
        node.ancestors()
            .take_while(|a| a.id() != e.id())
            .any(|a| a.value().as_element().is_some_and(|el| el.name() == "a"))
    };
    linked as f64 > LINK_LIST_DENSITY * total as f64
        && e.descendants().all(|n| match n.value() {
            scraper::Node::Text(t) => chars(t) < LINK_LIST_MAX_PLAIN_RUN || in_link(n),
            _ => true,
        })
}

/// The words of an element's class and id, lower case.
fn class_and_id(e: &ElementRef<'_>) -> String {
    let v = e.value();
    format!("{} {}", v.attr("class").unwrap_or(""), v.attr("id").unwrap_or("")).to_ascii_lowercase()
}

fn says(words: &str, list: &[&str]) -> bool {
    list.iter().any(|w| words.contains(w))
}

fn says_word(words: &str, list: &[&str]) -> bool {
    words.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| list.contains(&w))
}

/// Whether an element is a container of the article (by tag, microdata or class).
fn is_likely(e: &ElementRef<'_>, words: &str) -> bool {
    e.value().name() == "article" || e.value().attr("itemprop") == Some("articleBody") || says(words, &LIKELY)
}

/// Whether a box's first element, a short line, is the heading of comments, related items …
fn opens_with_box_heading(e: &ElementRef<'_>) -> bool {
    let Some(first) = e.children().find_map(ElementRef::wrap) else { return false };
    if !matches!(
        first.value().name(),
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "div" | "p" | "span" | "b" | "strong"
    ) {
        return false;
    }
    let heading: String = first.text().collect::<String>().trim().to_lowercase();
    // The box holds more than its heading.
    chars(&heading) <= MAX_BOX_HEADING_CHARS
        && char_count(e) > chars(&heading)
        && BOX_HEADINGS.iter().any(|h| heading.contains(h))
}

/// An element with no block inside it: one line of text.
fn is_line(e: &ElementRef<'_>) -> bool {
    !e.descendants().skip(1).any(|n| {
        n.value().as_element().is_some_and(|el| {
            matches!(
                el.name(),
                "p" | "div" | "li" | "ul" | "ol" | "table" | "tr" | "section" | "article" | "blockquote"
            )
        })
    })
}

/// A boilerplate line: short, and beginning or holding what such lines do.
fn is_boilerplate_line(text: &str) -> bool {
    let t = text.trim_start_matches(|c: char| c.is_whitespace() || "（(【[「".contains(c));
    chars(t) <= MAX_BOILERPLATE_LINE_CHARS
        && (BOILERPLATE_STARTS.iter().any(|s| t.starts_with(s))
            || BOILERPLATE_HOLDS.iter().any(|s| t.contains(s))
            || is_dateline(t))
}

/// Words that, beside a date in a short line, make it the article's byline.
const BYLINE_WORDS: [&str; 10] =
    ["作者", "来源", "发表于", "发布时间", "编辑", "时间：", "By ", "Published", "Updated", "Posted"];
/// A byline is at most this many characters.
const MAX_BYLINE_CHARS: usize = 60;

/// A line that is a date and time alone, or a short byline with a date in it and no sentence
/// (`2021-09-13 10:00 来源：…`, `发表于 2021年9月13日 作者 …`).
fn is_dateline(t: &str) -> bool {
    if date_at(t).is_none() {
        return false;
    }
    let only_date = t
        .chars()
        .all(|c| c.is_ascii_digit() || c.is_whitespace() || "-/.:年月日时分秒星期一二三四五六天".contains(c));
    // A sentence with a date and "作者" in it is text, not a byline.
    let sentence = t.contains(['，', '。', '！', '？', '；']);
    only_date || (chars(t) <= MAX_BYLINE_CHARS && !sentence && BYLINE_WORDS.iter().any(|w| t.contains(w)))
}

/// Where a date (four digits, a separator, one or two digits) starts in `t`.
fn date_at(t: &str) -> Option<usize> {
    let b = t.as_bytes();
    (0..b.len().saturating_sub(5)).find(|&i| {
        b[i..i + 4].iter().all(u8::is_ascii_digit) && (i == 0 || !b[i - 1].is_ascii_digit()) && {
            let rest = &t[i + 4..];
            let rest = rest.strip_prefix(['-', '/', '.']).or_else(|| rest.strip_prefix('年'));
            rest.is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        }
    })
}

/// A heading that says the title again (the page's `<title>` often adds the site's name).
fn repeats_title(e: &ElementRef<'_>, title: &str) -> bool {
    let heading: String = e.text().flat_map(str::split_whitespace).collect();
    !heading.is_empty() && title.starts_with(&heading)
}

/// Detaches the furniture of the page (see the module's text), in one walk from the top: a
/// box found to be furniture is not looked into.
fn prune(dom: &mut Html, title: Option<&str>) {
    let title = title.map(|t| t.split_whitespace().collect::<String>()).filter(|t| !t.is_empty());
    let mut doomed = Vec::new();
    // Each element with whether it sits inside the article's container.
    let mut stack = vec![(dom.root_element().id(), false)];
    while let Some((id, in_article)) = stack.pop() {
        let Some(e) = dom.tree.get(id).and_then(ElementRef::wrap) else { continue };
        let words = class_and_id(&e);
        let likely = is_likely(&e, &words);
        let name = e.value().name();
        let total = char_count(&e);
        let furniture = match name {
            "html" | "body" => false,
            "nav" | "footer" | "aside" | "menu" => true,
            "header" => !in_article || e.select(&LINKS).next().is_some(),
            _ => {
                let marked = says(&words, &FURNITURE) || says_word(&words, &FURNITURE_WORDS);
                (marked && !(likely && total >= 140))
                    || (!likely
                        && !in_article
                        && matches!(
                            name,
                            "div" | "ul" | "ol" | "dl" | "table" | "section" | "p" | "span" | "td"
                        )
                        && is_link_list(&e, total))
                    || (matches!(name, "p" | "div" | "span" | "td" | "li" | "section")
                        && total <= MAX_BOILERPLATE_LINE_CHARS
                        && is_line(&e)
                        && is_boilerplate_line(&e.text().collect::<String>()))
                    || (!likely
                        && matches!(name, "div" | "section" | "ul" | "ol" | "table")
                        && opens_with_box_heading(&e))
                    || (matches!(name, "h1" | "h2") && title.as_deref().is_some_and(|t| repeats_title(&e, t)))
            }
        };
        if furniture {
            doomed.push(id);
        } else {
            stack.extend(
                e.children().filter(|c| c.value().is_element()).map(|c| (c.id(), likely || in_article)),
            );
        }
    }
    for id in doomed {
        if let Some(mut node) = dom.tree.get_mut(id) {
            node.detach();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(page: &str, title: Option<&str>, stated: Option<&str>) -> String {
        let mut dom = Html::parse_document(page);
        let html = main_content(&mut dom, title, stated);
        crate::clean::clean(&html, false).text
    }

    /// The short Chinese page of the bug report: `<nav>` links, a sidebar list, one
    /// `<article>` with a heading and a paragraph, a footer.
    #[test]
    fn short_chinese_page_keeps_only_the_article_paragraph() {
        let page = r#"<html><head><title>微信外链解禁 - 示例</title></head><body>
<nav><a href="/">首页</a> <a href="/tech">科技</a> <a href="/biz">商业</a> <a href="/about">关于我们</a></nav>
<div class="sidebar"><ul><li><a href="/1">上一篇：移动支付的新变化</a></li><li><a href="/2">热门：芯片产业观察</a></li></ul></div>
<article><h1>微信外链解禁</h1><p>9月17日，微信发布公告称，将分阶段落实平台互联互通的要求。</p></article>
<footer>© 2026 示例站点 保留所有权利</footer></body></html>"#;
        assert_eq!(
            content(page, Some("微信外链解禁 - 示例"), None),
            "9月17日，微信发布公告称，将分阶段落实平台互联互通的要求。"
        );
    }

    #[test]
    fn chinese_boilerplate_lines_go_and_the_text_around_them_stays() {
        let page = r#"<html><body><div id="artibody"><p>第一段正文，讲平台互联互通。</p>
<p>第二段正文。</p><p>（责任编辑：李明）</p><p>转载请注明出处：示例网</p>
<div><img src="https://img.example.com/qr.png"><p>扫码关注示例科技官方微信</p></div>
<p>原标题：另一个标题</p></div></body></html>"#;
        assert_eq!(content(page, None, None), "第一段正文，讲平台互联互通。\n\n第二段正文。");
    }

    #[test]
    fn datelines_and_bylines_are_boilerplate_dates_in_sentences_are_not() {
        assert!(is_boilerplate_line("2021-09-13 10:00"));
        assert!(is_boilerplate_line("发表于 2021年9月13日 作者 张三"));
        assert!(is_boilerplate_line("2021-11-23 06:41　来源：示例在线　编辑：李四"));
        assert!(is_boilerplate_line("By Jane Doe · Published 2021/09/13"));
        assert!(!is_boilerplate_line(
            "2021年9月13日，工信部召开行政指导会，要求各平台按标准解除屏蔽，作者认为这是好事。"
        ));
        assert!(!is_boilerplate_line("市场份额在2021年有所上升。"));
        assert!(!is_boilerplate_line("1234"));
    }

    #[test]
    fn link_lists_outside_the_article_go_lists_inside_it_stay() {
        let links: String =
            (1..=6).map(|i| format!("<li><a href='/r/{i}'>推荐阅读第{i}篇文章的标题</a></li>")).collect();
        let page = format!(
            r#"<html><body><div class="wrap"><div class="box"><ul>{links}</ul></div>
<div class="post-body"><p>本周的云原生动态如下，每一条都附有原文链接。</p><ul>{links}</ul></div></div></body></html>"#
        );
        let text = content(&page, None, None);
        assert!(text.starts_with("本周的云原生动态如下"), "{text}");
        assert_eq!(text.matches("推荐阅读第1篇").count(), 1, "{text}");
    }

    #[test]
    fn without_a_known_container_the_extractor_finds_the_text() {
        let para = |i: usize| {
            format!("<p>这是第{i}段正文，讲述了移动支付互联互通的进展，云闪付与微信支付实现了扫码互认，用户体验明显提升。</p>")
        };
        let page = format!(
            r#"<html><body><div class="top"><a href="/">首页</a><a href="/a">财经</a><a href="/b">科技频道</a></div>
<div class="x1"><div class="x2">{}</div></div>
<div class="x3"><a href="/r/1">一条很长很长的推荐链接文字，用来测试链接的列表是否被去掉</a></div></body></html>"#,
            (0..5).map(para).collect::<String>()
        );
        let text = content(&page, None, None);
        assert!(text.starts_with("这是第0段正文") && text.contains("这是第4段正文"), "{text}");
        assert!(!text.contains("科技频道") && !text.contains("推荐链接"), "{text}");
    }

    #[test]
    fn json_ld_article_body_replaces_a_teaser_but_not_a_fuller_text() {
        let page = r#"<html><body><article><p>开头一段，讲平台互联互通的新进展，打开应用阅读全文。</p><img src="https://img.example.com/a.jpg" width="600"></article></body></html>"#;
        let stated =
            "开头一段，讲平台互联互通的新进展，打开应用阅读全文。\n第二段：完整的正文在这里 & 更多。";
        let mut dom = Html::parse_document(page);
        let html = main_content(&mut dom, None, Some(stated));
        let cleaned = crate::clean::clean(&html, false);
        assert_eq!(
            cleaned.text,
            "开头一段，讲平台互联互通的新进展，打开应用阅读全文。\n\n第二段：完整的正文在这里 & 更多。"
        );
        assert_eq!(cleaned.images.len(), 1, "the DOM's images are kept");
        // A stated teaser shorter than the page's text is not taken.
        assert_eq!(
            content(page, None, Some("开头一段，讲平台互联互通的新进展")),
            "开头一段，讲平台互联互通的新进展，打开应用阅读全文。"
        );
    }
}
