//! Turns an article body (HTML, or Markdown rendered to HTML) into clean text plus metadata.
//!
//! The DOM surgery runs on a [`scraper`] tree, with rules (simple selectors: `tag`,
//! `tag.class`, `#id`) that cover the templates of the sources in the corpus:
//!
//! * image boxes (ZAKER's `div.img_box`, 36kr's `p.image-wrapper`, Huxiu's `p.img-center-box`,
//!   Dockone's `div.aw-upload-img-list`, `figure`, `picture`, bare `img`) are cut out, and each
//!   `img` is kept as an [`Image`] with its real URL, size and alt text;
//! * image captions (`figcaption`, `p.text-img-note`, `p.img-desc`, ZAKER's `div.zk_decsimg`)
//!   are cut out too, and become the alt text of the image before them when it had none;
//! * scripts, styles, embedded frames and media, forms, and the boilerplate containers of the
//!   corpus (`#recommend_bottom`, `#article_bottom`, 快科技's end matter, IT 之家's tip line …)
//!   are dropped, as are elements left empty.
//!
//! What is left is copied into html2text's DOM and rendered to text by [`html2text`], then
//! whitespace is normalized: paragraphs separated by one blank line, no runs of spaces, no
//! blank edges. The surgery cannot happen on html2text's DOM itself, whose text nodes are not
//! reachable from outside the crate; the body is parsed once, by scraper.
//!
//! Text that sits next to an image box but outside it is kept. Links keep their text only.
//!
//! Not here: reading files, front matter, language detection or any analysis of the text.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};

use crate::article::Image;

/// The result of cleaning one body.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cleaned {
    pub text: String,
    pub images: Vec<Image>,
    /// Text of the first heading (`h1`–`h6`), a title of last resort.
    pub first_heading: Option<String>,
    /// What the `<head>` of a full HTML document says, when there is one.
    pub head: HeadMeta,
}

/// Metadata from the `<head>` of a full HTML document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HeadMeta {
    pub title: Option<String>,
    pub canonical_url: Option<String>,
    pub author: Option<String>,
    pub published: Option<String>,
    pub lang: Option<String>,
}

pub(crate) fn selector(css: &str) -> Selector {
    Selector::parse(css).unwrap_or_else(|e| panic!("invalid built-in selector {css:?}: {e}"))
}

/// Elements dropped with everything inside them (after their images were collected).
static DROP: LazyLock<Rules> = LazyLock::new(|| {
    Rules::parse(concat!(
        "head, script, style, iframe, frame, frameset, noscript, template, object, embed, ",
        "video, audio, canvas, svg, form, button, input, select, textarea, link, meta, ",
        // image boxes
        "img, picture, figure, div.img_box, p.image-wrapper, p.img-center-box, ",
        "div.aw-upload-img-list, div.aw-upload-file-list, div.zk_upvideo, ",
        // boilerplate of the corpus templates
        "#recommend_bottom, #article_bottom, div.edi_oper, div.tougao-user, p.editor-note, ",
        "p.end, p.zhuanzai, p.bqian, p.url, a.jiucuo, div.page_article",
    ))
});

/// Image captions: dropped from the text, kept as alt text.
static CAPTION: LazyLock<Rules> =
    LazyLock::new(|| Rules::parse("figcaption, p.text-img-note, p.img-desc, div.zk_decsimg"));

static HEADING: LazyLock<Rules> = LazyLock::new(|| Rules::parse("h1, h2, h3, h4, h5, h6"));

/// Elements that mean nothing once they hold no text.
static EMPTIABLE: LazyLock<Rules> = LazyLock::new(|| {
    Rules::parse("p, div, span, a, center, section, article, strong, b, em, i, u, font, li, ul, ol, blockquote, h1, h2, h3, h4, h5, h6")
});

/// A list of simple selectors (`tag`, `tag.class`, `#id`), the only kinds the cleaning rules
/// need. Matched by hand in one walk over the tree: the general selector engine, run once per
/// list over every element, was a tenth of the cleaning's time.
struct Rules {
    tags: Vec<&'static str>,
    tag_classes: Vec<(&'static str, &'static str)>,
    ids: Vec<&'static str>,
}

impl Rules {
    fn parse(list: &'static str) -> Rules {
        let mut rules = Rules { tags: Vec::new(), tag_classes: Vec::new(), ids: Vec::new() };
        for item in list.split(',').map(str::trim) {
            let simple = |s: &str| {
                !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            };
            match (item.strip_prefix('#'), item.split_once('.')) {
                (Some(id), _) if simple(id) => rules.ids.push(id),
                (None, Some((tag, class))) if simple(tag) && simple(class) => {
                    rules.tag_classes.push((tag, class))
                }
                (None, None) if simple(item) => rules.tags.push(item),
                _ => panic!("built-in cleaning rule {item:?} is not tag, tag.class or #id"),
            }
        }
        rules
    }

    fn matches(&self, e: &scraper::node::Element) -> bool {
        let name = e.name();
        self.tags.contains(&name)
            || e.id().is_some_and(|id| self.ids.contains(&id))
            || self.tag_classes.iter().any(|&(tag, class)| {
                tag == name && e.has_class(class, scraper::CaseSensitivity::CaseSensitive)
            })
    }
}

/// Cleans `body`. `full_document` says it is a whole page (with `<head>`) rather than a
/// fragment; only then is head metadata read.
pub fn clean(body: &str, full_document: bool) -> Cleaned {
    let mut html = if full_document { Html::parse_document(body) } else { Html::parse_fragment(body) };
    let head = if full_document { read_head(&html) } else { HeadMeta::default() };

    // One walk in document order: images (captions become the alt text of the image before
    // them), the first heading with text, and what is to go.
    let mut images: Vec<Image> = Vec::new();
    let mut first_heading = None;
    let mut doomed = Vec::new();
    for e in html.root_element().descendants().filter_map(ElementRef::wrap) {
        let el = e.value();
        if CAPTION.matches(el) {
            doomed.push(e.id());
            let caption = element_text(e);
            if let Some(last) = images.last_mut().filter(|last| last.alt.is_none() && !caption.is_empty()) {
                last.alt = Some(caption);
            }
            continue;
        }
        if DROP.matches(el) {
            doomed.push(e.id());
        }
        if el.name() == "img" {
            images.push(image(&e));
        } else if first_heading.is_none() && HEADING.matches(el) {
            first_heading = Some(element_text(e)).filter(|t| !t.is_empty());
        }
    }
    detach(&mut html, doomed);
    // Emptiness is a matter of text, so a parent left with no text by its children's
    // removal is found as empty too, whatever the order.
    let empties: Vec<_> = html
        .root_element()
        .descendants()
        .filter_map(ElementRef::wrap)
        .filter(|e| EMPTIABLE.matches(e.value()) && e.text().all(|t| t.trim().is_empty()))
        .map(|e| e.id())
        .collect();
    detach(&mut html, empties);

    let rendered = render(html.root_element());
    Cleaned { text: normalize_whitespace(&rendered), images, first_heading, head }
}

/// A table cell with this many characters of text holds a page's layout, not data.
const LAYOUT_CELL_CHARS: usize = 200;

/// The tables (with their sections, rows and cells) that lay a page out rather than hold
/// data: one of their own cells has a long text in it. They are rendered as plain blocks, not
/// drawn as tables.
fn layout_tables(root: ElementRef<'_>) -> std::collections::HashSet<ego_tree::NodeId> {
    let mut out = std::collections::HashSet::new();
    let is = |e: &ElementRef<'_>, names: &[&str]| names.contains(&e.value().name());
    for table in root.descendants().filter_map(ElementRef::wrap).filter(|e| is(e, &["table"])) {
        // A table's own parts: not those of a table inside one of its cells.
        let own: Vec<ElementRef<'_>> = table
            .descendants()
            .skip(1)
            .filter_map(ElementRef::wrap)
            .filter(|e| is(e, &["tbody", "thead", "tfoot", "tr", "td", "th"]))
            .filter(|e| {
                e.ancestors().filter_map(ElementRef::wrap).find(|a| is(a, &["table"])).map(|a| a.id())
                    == Some(table.id())
            })
            .collect();
        let long_cell = own.iter().filter(|e| is(e, &["td", "th"])).any(|cell| {
            cell.text().map(|t| t.chars().filter(|c| !c.is_whitespace()).count()).sum::<usize>()
                >= LAYOUT_CELL_CHARS
        });
        if long_cell {
            out.insert(table.id());
            out.extend(own.iter().map(|e| e.id()));
        }
    }
    out
}

fn detach(html: &mut Html, ids: Vec<ego_tree::NodeId>) {
    for id in ids {
        if let Some(mut node) = html.tree.get_mut(id) {
            node.detach();
        }
    }
}

/// The text of the cleaned tree, rendered by html2text. The tree is copied node by node into
/// html2text's own DOM type rather than serialized and parsed again, which cost as much as
/// the first parse.
fn render(root: ElementRef<'_>) -> String {
    use html5ever::tree_builder::{create_element, NodeOrText, TreeSink};
    use html5ever::{Attribute, LocalName, QualName};
    // A width no line reaches: the text is stored unwrapped.
    const WIDTH: usize = 1_000_000;
    let layout = layout_tables(root);
    let dom = html2text::RcDom::default();
    // Depth first with a stack, not recursion: however deep the tree, the copy needs no stack.
    let mut pending = vec![(dom.document.clone(), *root)];
    while let Some((parent, node)) = pending.pop() {
        match node.value() {
            scraper::Node::Element(e) => {
                let attrs = e
                    .attrs()
                    .map(|(name, value)| Attribute {
                        name: QualName::new(None, html5ever::ns!(), LocalName::from(name)),
                        value: value.into(),
                    })
                    .collect();
                let name = if layout.contains(&node.id()) {
                    QualName::new(None, html5ever::ns!(html), LocalName::from("div"))
                } else {
                    e.name.clone()
                };
                let element = create_element(&dom, name, attrs);
                dom.append(&parent, NodeOrText::AppendNode(element.clone()));
                // Reversed onto the stack, so that they come off (and are appended) in order.
                pending.extend(node.children().rev().map(|child| (element.clone(), child)));
            }
            scraper::Node::Text(t) => dom.append(&parent, NodeOrText::AppendText(t.text.clone())),
            _ => {}
        }
    }
    let config = html2text::config::with_decorator(html2text::render::TrivialDecorator::new());
    config.dom_to_render_tree(&dom).and_then(|tree| config.render_to_string(tree, WIDTH)).unwrap_or_default()
}

/// An element's text with whitespace collapsed.
pub(crate) fn element_text(e: ElementRef<'_>) -> String {
    collapse_spaces(&e.text().collect::<String>())
}

fn collapse_spaces(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut words = words_of(s);
    if let Some(first) = words.next() {
        push_words(&mut out, first, words);
    }
    out
}

/// The runs of non-whitespace in `s`.
fn words_of(s: &str) -> impl Iterator<Item = &str> {
    s.split(char::is_whitespace).filter(|w| !w.is_empty())
}

/// Appends `first` and the `rest`, one space between each.
fn push_words<'a>(out: &mut String, first: &str, rest: impl Iterator<Item = &'a str>) {
    out.push_str(first);
    for w in rest {
        out.push(' ');
        out.push_str(w);
    }
}

/// Collapses runs of whitespace inside lines, trims lines, and leaves at most one blank line
/// between paragraphs. Written into one buffer: this runs over every article's whole text.
pub fn normalize_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_pending = false;
    for line in text.lines() {
        let mut words = words_of(line);
        let Some(first) = words.next() else {
            blank_pending = !out.is_empty();
            continue;
        };
        if !out.is_empty() {
            out.push_str(if blank_pending { "\n\n" } else { "\n" });
        }
        blank_pending = false;
        push_words(&mut out, first, words);
    }
    out
}

fn attr<'a>(e: &'a ElementRef<'_>, names: &[&str]) -> Option<&'a str> {
    names.iter().filter_map(|n| e.value().attr(n)).map(str::trim).find(|v| !v.is_empty())
}

fn dimension(e: &ElementRef<'_>, names: &[&str]) -> Option<u32> {
    let v = attr(e, names)?;
    let digits: String = v.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|&n| n > 0)
}

/// An `img` as an [`Image`]: its real URL (lazy-loading attributes first, proxies unwrapped),
/// size and alt text.
fn image(e: &ElementRef<'_>) -> Image {
    let url = attr(e, &["data-original", "_src", "data-src", "data-lazy-src", "data-actualsrc", "src"])
        .map(unwrap_proxy)
        .unwrap_or_default();
    // 36kr writes the size as data-img-size-val="553,329".
    let size_val = e.value().attr("data-img-size-val").and_then(|v| {
        let (w, h) = v.split_once(',')?;
        Some((w.trim().parse().ok()?, h.trim().parse().ok()?))
    });
    Image {
        url,
        width: dimension(e, &["data-width", "data-w", "width", "w"]).or(size_val.map(|s| s.0)),
        height: dimension(e, &["data-height", "data-h", "height", "h"]).or(size_val.map(|s| s.1)),
        alt: attr(e, &["alt"]).map(collapse_spaces),
    }
}

fn read_head(html: &Html) -> HeadMeta {
    let first = |css: &str, attribute: &str| {
        html.select(&selector(css))
            .filter_map(|e| e.value().attr(attribute).map(|v| v.trim().to_string()))
            .find(|v| !v.is_empty())
    };
    HeadMeta {
        title: html.select(&selector("title")).map(element_text).find(|t| !t.is_empty()),
        canonical_url: first("link[rel=canonical]", "href"),
        author: first("meta[name=author]", "content"),
        published: first("meta[property='article:published_time']", "content")
            .or_else(|| first("time[datetime]", "datetime")),
        lang: first("html[lang]", "lang"),
    }
}

/// Deepest element nesting an article may have. Real pages stay under a few dozen levels; the
/// HTML parser's scope checks are linear in the depth, so a body nested 100,000 deep would
/// take quadratic time (and rendering recursion) if it were let through.
pub const MAX_NESTING: usize = 512;

/// Elements that never hold others, or that the parser closes when a sibling opens: they do
/// not deepen the tree however many there are.
const FLAT_ELEMENTS: [&str; 24] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track",
    "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "!doctype", "?xml",
];

/// How deep `html` nests elements, estimated in one linear pass over the tags (no parsing):
/// start tags deepen, end tags (and `/>`) return; void and self-closing-by-sibling elements
/// do not count; `script`/`style` contents are skipped. Stops counting once past `limit`.
pub fn nesting_depth(html: &str, limit: usize) -> usize {
    let bytes = html.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while let Some(at) = memchr_lt(&bytes[i..]) {
        i += at + 1;
        let closing = bytes.get(i) == Some(&b'/');
        let start = i + usize::from(closing);
        let name_end = bytes[start..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'!' | b'?' | b'-')))
            .map_or(bytes.len(), |e| start + e);
        // Compared case-insensitively in place: this runs for every tag of every article.
        let name = &html[start..name_end];
        if name.starts_with("!--") {
            match html[start..].find("-->") {
                Some(end) => i = start + end + 3,
                None => break,
            }
            continue;
        }
        if name.is_empty() {
            continue;
        }
        let tag_end = bytes[name_end..].iter().position(|&b| b == b'>').map_or(bytes.len(), |e| name_end + e);
        if closing {
            depth = depth.saturating_sub(1);
        } else if !(FLAT_ELEMENTS.iter().any(|f| f.eq_ignore_ascii_case(name))
            || bytes[..tag_end].ends_with(b"/"))
        {
            depth += 1;
            deepest = deepest.max(depth);
            if deepest > limit {
                return deepest;
            }
        }
        i = tag_end.min(bytes.len());
        let raw_text = ["script", "style"].into_iter().find(|t| t.eq_ignore_ascii_case(name));
        if let (false, Some(tag)) = (closing, raw_text) {
            let close = format!("</{tag}");
            match find_ascii_case_insensitive(&html[i..], &close) {
                Some(at) => i += at,
                None => break,
            }
        }
    }
    deepest
}

fn memchr_lt(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'<')
}

fn find_ascii_case_insensitive(haystack: &str, needle: &str) -> Option<usize> {
    let n = needle.len();
    haystack.as_bytes().windows(n).position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Unwraps an image-proxy URL to the image behind it:
/// `https://proxy.example/?http://img.example/a.jpg` → `http://img.example/a.jpg`, and likewise
/// a proxy that takes the target as a `url=` parameter, percent-encoded or not.
pub fn unwrap_proxy(url: &str) -> String {
    let mut current = url.trim().to_string();
    // Proxies can be stacked; a few rounds is plenty and bounds the work.
    for _ in 0..4 {
        let Some((_, query)) = current.split_once('?') else { break };
        let candidate = if is_http(query) {
            query.to_string()
        } else if let Some(v) =
            query.split('&').find_map(|kv| kv.strip_prefix("url=").or_else(|| kv.strip_prefix("u=")))
        {
            percent_decode(v)
        } else {
            percent_decode(query)
        };
        if !is_http(&candidate) || candidate == current {
            break;
        }
        current = candidate;
    }
    current
}

fn is_http(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_prefixes_are_unwrapped() {
        assert_eq!(
            unwrap_proxy("https://cors.zfour.workers.dev/?http://zkres2.myzaker.com/a.jpg"),
            "http://zkres2.myzaker.com/a.jpg"
        );
        assert_eq!(
            unwrap_proxy("https://proxy.example/?http://img.example/a.jpg"),
            "http://img.example/a.jpg"
        );
        assert_eq!(
            unwrap_proxy("https://images.example/fetch?url=https%3A%2F%2Fimg.example%2Fb.png&w=300"),
            "https://img.example/b.png"
        );
        let plain = "https://img.huxiucdn.com/a.png?imageView2/2/w/1000";
        assert_eq!(unwrap_proxy(plain), plain);
    }

    #[test]
    fn zaker_image_box_goes_and_the_text_beside_it_stays() {
        let body = r#"<div><p>开头。</p><p></p><div class="img_box" id="id_imagebox_0" onclick><div class="content_img_div perview_img_div"><img class="lazy opacity_0 " id="img_0" data-original="http://zkres2.myzaker.com/a_1024.jpg" data-height="460" data-width="690" src="https://cors.zfour.workers.dev/?http://zkres2.myzaker.com/a_1024.jpg"></div></div>图旁的文字。<p></p><div class="zaker_div"><div class="zk_decsimg zk_alignleft"><p>图片说明</p></div><div class="edi_oper"></div></div><div id="recommend_bottom"></div><div id="article_bottom"></div></div>"#;
        let c = clean(body, false);
        assert_eq!(c.text, "开头。\n\n图旁的文字。");
        assert_eq!(
            c.images,
            vec![Image {
                url: "http://zkres2.myzaker.com/a_1024.jpg".into(),
                width: Some(690),
                height: Some(460),
                alt: Some("图片说明".into()),
            }]
        );
    }

    #[test]
    fn kr36_image_wrapper_and_size_value() {
        let body = r#"<p>甲。</p> <p class="image-wrapper"><img data-img-size-val="553,329" src="https://img.36krcdn.com/x_img_000"></p> <p label="图片描述" class="img-desc">▲对比图</p> <p>乙。</p><p class="editor-note">本文来自微信公众号</p>"#;
        let c = clean(body, false);
        assert_eq!(c.text, "甲。\n\n乙。");
        assert_eq!(c.images[0].width, Some(553));
        assert_eq!(c.images[0].height, Some(329));
        assert_eq!(c.images[0].alt.as_deref(), Some("▲对比图"));
    }

    #[test]
    fn huxiu_lazy_image_uses_underscore_src() {
        let body = r#"<p>甲</p><p class="img-center-box"><img class="lazyImg" _src="https://img.huxiucdn.com/real.png" data-w="1000" data-h="322" src="https://img.huxiucdn.com/placeholder.png"></p><p label="图片备注" class="text-img-note">备注</p><p>乙</p>"#;
        let c = clean(body, false);
        assert_eq!(c.text, "甲\n\n乙");
        assert_eq!(c.images[0].url, "https://img.huxiucdn.com/real.png");
        assert_eq!((c.images[0].width, c.images[0].height), (Some(1000), Some(322)));
    }

    #[test]
    fn layout_tables_are_read_as_blocks_data_tables_stay_tables() {
        let long = "正文很长的一段话，".repeat(30);
        let page = format!("<table><tr><td><p>{long}</p><p>第二段。</p></td><td>侧栏</td></tr></table>");
        let text = clean(&page, false).text;
        assert!(!text.contains('─') && !text.contains('│'), "{text}");
        assert!(text.contains("第二段。") && text.contains("侧栏"), "{text}");
        let data = "<table><tr><th>季度</th><th>出货量</th></tr><tr><td>Q1</td><td>1200万</td></tr></table>";
        assert!(clean(data, false).text.contains('─'), "a data table is still drawn as one");
    }

    #[test]
    fn mydrivers_end_matter_is_boilerplate() {
        let body = r#"<p>正文。</p><p align="center"><a href="https://img1.mydrivers.com/a.png" target="_blank"><img alt="图" h="374" src="https://img1.mydrivers.com/s_a.png" w="600"></a></p><p class="end"> - THE END -</p><p class="zhuanzai">转载请注明出处：快科技</p><p class="bqian"><a href="https://news.mydrivers.com/tag/x.htm"><i>#</i>特斯拉</a></p><p class="url"><span>责任编辑：若风</span></p>"#;
        let c = clean(body, false);
        assert_eq!(c.text, "正文。");
        assert_eq!(c.images.len(), 1);
        assert_eq!((c.images[0].width, c.images[0].height), (Some(600), Some(374)));
    }

    #[test]
    fn scripts_styles_frames_go_and_entities_are_decoded() {
        let body = "<div><script>var x = 1;</script><style>p{}</style><iframe src=\"https://v.example/\"></iframe><noscript>enable js</noscript><p>a&nbsp;&amp;&#123;b&#125; &ldquo;q&rdquo;</p></div>";
        assert_eq!(clean(body, false).text, "a &{b} \u{201c}q\u{201d}");
    }

    #[test]
    fn br_separated_paragraphs_headings_and_lists_keep_their_lines() {
        let body =
            "<div><br>第一段。<br>\n<br>第二段。<br>\n<h3>小标题</h3><ul><li>一</li><li>二</li></ul></div>";
        let c = clean(body, false);
        for line in ["第一段。", "第二段。", "小标题"] {
            assert!(c.text.lines().any(|l| l == line), "{line} not alone in {:?}", c.text);
        }
        assert!(c.text.lines().any(|l| l.ends_with('一')) && c.text.lines().any(|l| l.ends_with('二')));
        assert_eq!(c.first_heading.as_deref(), Some("小标题"));
        assert!(!c.text.contains("\n\n\n"));
    }

    #[test]
    fn links_keep_their_text_but_not_their_urls() {
        let c = clean(r#"<p>见<a href="https://example.com/x">更新日志</a>。</p>"#, false);
        assert_eq!(c.text, "见更新日志。");
    }

    #[test]
    fn full_documents_yield_head_metadata() {
        let page = r#"<!doctype html><html lang="en"><head><title>Page title</title><link rel="canonical" href="https://example.com/a"><meta name="author" content="Ann"><meta property="article:published_time" content="2022-01-02T03:04:05Z"></head><body><h1>Heading</h1><p>Body.</p><figure><img src="a.png"><figcaption>Cap</figcaption></figure></body></html>"#;
        let c = clean(page, true);
        assert_eq!(c.head.title.as_deref(), Some("Page title"));
        assert_eq!(c.head.canonical_url.as_deref(), Some("https://example.com/a"));
        assert_eq!(c.head.author.as_deref(), Some("Ann"));
        assert_eq!(c.head.published.as_deref(), Some("2022-01-02T03:04:05Z"));
        assert_eq!(c.head.lang.as_deref(), Some("en"));
        assert_eq!(c.text, "Heading\n\nBody.");
        assert_eq!(c.images[0].alt.as_deref(), Some("Cap"));
    }

    #[test]
    fn nesting_depth_counts_real_nesting_only() {
        assert_eq!(nesting_depth("<div><div><p>a<p>b<br><img src=x></div></div>", 100), 2);
        assert_eq!(nesting_depth("<ul><li>a<li>b</ul><section><span/></section>", 100), 1);
        // Comparisons inside scripts are not tags.
        let script = format!("<div><script>{}</script></div>", "if (a<b) x();".repeat(1000));
        assert_eq!(nesting_depth(&script, 100), 2);
        let deep = "<div>".repeat(100_000);
        assert_eq!(nesting_depth(&deep, MAX_NESTING), MAX_NESTING + 1, "stops counting past the limit");
        assert_eq!(nesting_depth("<!-- <div><div> --><p>x", 100), 0);
    }
}
