//! RSS 2.0, Atom and JSON Feed, read with [`feed_rs`]: one document per item.
//!
//! An item's body is its full content (`content:encoded`, Atom `content`, JSON Feed
//! `content_html`/`content_text`), else its `description`/`summary`; plain-text bodies are
//! escaped into paragraphs so the cleaning stage sees HTML either way. The item's link becomes
//! the canonical URL (so the same story seen in a feed and as a page has one id); items without
//! a link are told apart by their guid.
//!
//! Not here: fetching the feed, or the item pages `--follow-links` asks for.

use url::Url;

use crate::article::{SourceKind, SourceRef};
use crate::parse::{BodyFormat, FrontMatter, ParsedDocument};

/// One feed item, ready for the pipeline.
#[derive(Debug, Clone)]
pub struct Item {
    pub doc: ParsedDocument,
    /// The item's page, for `--follow-links`.
    pub link: Option<Url>,
}

/// Why a body that looked like a feed could not be read.
#[derive(Debug, thiserror::Error)]
#[error("not a readable feed: {0}")]
pub struct FeedError(String);

/// Reads the (already decoded) feed `text` fetched from `feed_url`.
pub fn items(text: &str, feed_url: &Url) -> Result<Vec<Item>, FeedError> {
    let text = utf8_declaration(text);
    let feed = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url.as_str()))
        .sanitize_content(false)
        .build()
        .parse(text.as_bytes())
        .map_err(|e| FeedError(e.to_string()))?;
    let feed_lang = feed.language.clone();
    let mut out = Vec::with_capacity(feed.entries.len());
    for entry in feed.entries {
        let link = entry
            .links
            .iter()
            .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
            .or(entry.links.first())
            .and_then(|l| feed_url.join(l.href.trim()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"));
        let title = entry.title.as_ref().map(|t| plain(&t.content, t.content_type.as_ref()));
        let body = entry
            .content
            .as_ref()
            .and_then(|c| c.body.as_deref())
            .or_else(|| entry.summary.as_ref().map(|s| s.content.as_str()))
            // RSS calls every description HTML; many are plain text whose paragraphs would
            // run together if read as HTML. Markup decides.
            .map(|b| if looks_like_html(b) { b.to_string() } else { super::paragraphs(b, "\n\n") })
            .unwrap_or_default();
        let location = match &link {
            Some(_) => feed_url.to_string(),
            None => format!("{feed_url}#{}", entry.id),
        };
        let front = FrontMatter {
            title: title.filter(|t| !t.is_empty()),
            author: entry
                .authors
                .first()
                .and_then(|p| p.name.as_deref())
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
            published_at: entry.published.or(entry.updated),
            categories: entry
                .categories
                .iter()
                .map(|c| c.label.clone().unwrap_or_else(|| c.term.clone()).trim().to_string())
                .filter(|c| !c.is_empty())
                .collect(),
            tags: Vec::new(),
            url: link.as_ref().map(Url::to_string),
            lead_image: entry
                .media
                .iter()
                .flat_map(|m| {
                    m.thumbnails
                        .iter()
                        .map(|t| t.image.uri.clone())
                        .chain(m.content.iter().filter_map(|c| c.url.as_ref().map(Url::to_string)))
                })
                .next(),
            lang: entry.language.clone().or_else(|| feed_lang.clone()),
            extra: serde_json::Map::new(),
        };
        let doc = ParsedDocument {
            source: SourceRef { kind: SourceKind::Feed, location },
            front,
            body,
            format: BodyFormat::Html,
        };
        out.push(Item { doc, link });
    }
    Ok(out)
}

/// The text is UTF-8 now whatever the XML declaration said; say so, so the XML reader does not
/// decode it a second time.
fn utf8_declaration(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.trim_start_matches('\u{feff}');
    if text.starts_with("<?xml") {
        if let Some(end) = text.find("?>") {
            let decl = &text[..end];
            if let Some(at) = decl.find("encoding") {
                let rest = &decl[at..];
                let value_end = rest
                    .char_indices()
                    .skip_while(|(_, c)| *c != '"' && *c != '\'')
                    .skip(1)
                    .find(|(_, c)| *c == '"' || *c == '\'')
                    .map(|(i, _)| at + i + 1);
                if let Some(value_end) = value_end {
                    return format!("{}encoding=\"UTF-8\"{}", &text[..at], &text[value_end..]).into();
                }
            }
        }
    }
    text.into()
}

fn looks_like_html(s: &str) -> bool {
    let s = s.trim_start();
    s.starts_with('<') || s.contains("</p>") || s.contains("<br")
}

/// A title as plain text, whatever markup the feed put in it.
fn plain(s: &str, media: &str) -> String {
    let text = if media.contains("html") || s.contains('<') {
        scraper::Html::parse_fragment(s).root_element().text().collect::<String>()
    } else {
        s.to_string()
    };
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_url() -> Url {
        Url::parse("https://rsshub.example/36kr/newsflashes").unwrap()
    }

    #[test]
    fn rss_items_carry_content_encoded_dates_authors_and_categories() {
        let rss = r#"<?xml version="1.0" encoding="GBK"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>36氪快讯</title><link>https://36kr.example/</link><language>zh-cn</language>
<item><title><![CDATA[云闪付与微信支付互认]]></title><link>/p/1</link>
<description>短摘要</description>
<content:encoded><![CDATA[<p>全文：云闪付<b>与</b>微信支付实现扫码互认。</p>]]></content:encoded>
<dc:creator>36氪</dc:creator><category>支付</category>
<pubDate>Mon, 13 Sep 2021 10:00:00 +0800</pubDate><guid>p1</guid></item>
<item><title>No link</title><description>Plain text &amp; more.

Second paragraph.</description><guid isPermaLink="false">x-2</guid></item>
</channel></rss>"#;
        let items = items(rss, &feed_url()).unwrap();
        assert_eq!(items.len(), 2);
        let a = &items[0];
        assert_eq!(a.doc.front.title.as_deref(), Some("云闪付与微信支付互认"));
        assert!(a.doc.body.contains("全文") && a.doc.body.contains("<b>与</b>"), "{}", a.doc.body);
        assert_eq!(a.doc.front.author.as_deref(), Some("36氪"));
        assert_eq!(a.doc.front.categories, ["支付"]);
        assert_eq!(a.doc.front.published_at.unwrap().to_rfc3339(), "2021-09-13T02:00:00+00:00");
        assert_eq!(a.link.as_ref().unwrap().as_str(), "https://rsshub.example/p/1");
        assert_eq!(a.doc.front.url.as_deref(), Some("https://rsshub.example/p/1"));
        assert_eq!(a.doc.front.lang.as_deref(), Some("zh-cn"));
        let b = &items[1];
        assert!(b.link.is_none());
        assert_eq!(b.doc.source.location, "https://rsshub.example/36kr/newsflashes#x-2");
        assert_eq!(b.doc.body, "<p>Plain text &amp; more.</p><p>Second paragraph.</p>");
    }

    #[test]
    fn atom_and_json_feed() {
        let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:f</id><updated>2021-09-13T00:00:00Z</updated>
<entry><title type="html">&lt;em&gt;Antitrust&lt;/em&gt; ruling</title><id>urn:1</id>
<link rel="alternate" href="https://example.com/a"/><updated>2021-09-14T00:00:00Z</updated>
<author><name>Reporter</name></author><content type="html">&lt;p&gt;The court ruled.&lt;/p&gt;</content></entry></feed>"#;
        let item = &items(atom, &feed_url()).unwrap()[0];
        assert_eq!(item.doc.front.title.as_deref(), Some("Antitrust ruling"));
        assert_eq!(item.doc.body, "<p>The court ruled.</p>");
        assert_eq!(item.doc.front.author.as_deref(), Some("Reporter"));
        let json = r#"{"version":"https://jsonfeed.org/version/1.1","title":"j","items":[
 {"id":"1","url":"https://example.com/j1","title":"JSON item","content_text":"Line one.","date_published":"2021-09-15T08:00:00+08:00"}]}"#;
        let item = &items(json, &feed_url()).unwrap()[0];
        assert_eq!(item.doc.body, "<p>Line one.</p>");
        assert_eq!(item.doc.front.published_at.unwrap().to_rfc3339(), "2021-09-15T00:00:00+00:00");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(items("{\"version\": 1", &feed_url()).is_err());
        assert!(items("<rss><channel><item><title>x", &feed_url()).is_err());
    }
}
