//! The pure middle of the pipeline: a raw document in, an [`Article`] out.
//!
//! `parse` → (Markdown rendered to HTML) → `clean` → the record, with the fallbacks that make
//! a usable article from a sparse file: a title from the first heading, `<title>` or first
//! sentence; a language guessed from the script of the text; an id from the canonical URL or
//! the source path.
//!
//! Then the analysis stage ([`crate::analyze`]) fills in keywords, topics, entities, summary
//! and fingerprint. Only `duplicate_of` is left for the caller, which knows the other articles.
//!
//! Not here: I/O (the caller reads the source and stores the result), duplicate decisions
//! (`dedupe`).

use chrono::{DateTime, Utc};

use crate::analyze::simhash::Simhash;
use crate::analyze::{Analysis, Analyzer, DocFreq};
use crate::article::{self, Article, ArticleId, SCHEMA_VERSION};
use crate::clean::{self, Cleaned};
use crate::parse::{self, BodyFormat, ParseError, ParseErrorKind, ParseOptions};
use crate::source::RawDocument;

/// Longest title made from a first sentence, in characters.
const MAX_DERIVED_TITLE_CHARS: usize = 80;

/// Longest title kept, in characters: a title is a line, not a text; a longer one is cut
/// (with an ellipsis) so that hit lists stay readable.
const MAX_TITLE_CHARS: usize = 500;

/// Dates further ahead than this are taken for mistakes.
const MAX_FUTURE_DAYS: i64 = 366;

/// Builds the article record for one raw document.
pub fn build_article(
    raw: RawDocument,
    opts: &ParseOptions,
    analyzer: &Analyzer,
    corpus: &dyn DocFreq,
    ingested_at: DateTime<Utc>,
) -> Result<Article, ParseError> {
    let doc = parse::parse(raw, opts)?;
    build_from_parsed(doc, opts, analyzer, corpus, ingested_at)
}

/// Builds the article record for a document already split into metadata and body: a file
/// after [`parse::parse`], a web page or a feed item (see [`crate::web`]).
pub fn build_from_parsed(
    doc: parse::ParsedDocument,
    opts: &ParseOptions,
    analyzer: &Analyzer,
    corpus: &dyn DocFreq,
    ingested_at: DateTime<Utc>,
) -> Result<Article, ParseError> {
    let html = body_html(doc.format, doc.body);
    refuse_deep_nesting(&html, &doc.source.location)?;
    let Cleaned { text, images, first_heading, head } = clean::clean(&html, is_full_document(&html));
    let front = doc.front;

    let title =
        front.title.or(first_heading).or(head.title).or_else(|| first_sentence(&text)).unwrap_or_default();
    if title.is_empty() && text.is_empty() {
        return Err(ParseError { location: doc.source.location, kind: ParseErrorKind::Empty });
    }
    let title = match title.char_indices().nth(MAX_TITLE_CHARS) {
        Some((cut, _)) => format!("{}…", &title[..cut]),
        None => title,
    };
    let url = front.url.or(head.canonical_url);
    let published_at = front
        .published_at
        .or_else(|| head.published.as_deref().and_then(|d| parse::date::parse_date(d, opts.default_zone)));
    if let Some(date) = published_at.filter(|d| *d > ingested_at + chrono::Duration::days(MAX_FUTURE_DAYS)) {
        let value = article::format_utc(&date);
        return Err(ParseError { location: doc.source.location, kind: ParseErrorKind::FutureDate { value } });
    }
    let lang = front
        .lang
        .or(head.lang)
        .map(|l| primary_subtag(&l))
        .unwrap_or_else(|| guess_lang(&title, &text).to_string());
    let mut article = Article {
        schema: SCHEMA_VERSION,
        id: ArticleId::of(url.as_deref(), &doc.source),
        title,
        author: front.author.or(head.author),
        published_at,
        categories: front.categories,
        tags: front.tags,
        source: doc.source,
        url,
        lang,
        content_hash: article::content_hash(&text),
        text,
        images,
        lead_image: front.lead_image,
        ingested_at,
        extra: front.extra,
        keywords: Vec::new(),
        topics: Vec::new(),
        entities: Vec::new(),
        summary: String::new(),
        simhash: Simhash::default(),
        duplicate_of: None,
    };
    let analysis = analyzer.analyze(&article.title, &article.text, corpus);
    apply_analysis(&mut article, analysis);
    Ok(article)
}

/// The nesting guard: HTML nested beyond [`clean::MAX_NESTING`] elements is refused before
/// any parser builds its tree (which would take time and stack in proportion).
pub fn refuse_deep_nesting(html: &str, location: &str) -> Result<(), ParseError> {
    if clean::nesting_depth(html, clean::MAX_NESTING) > clean::MAX_NESTING {
        let kind = ParseErrorKind::TooDeep { limit: clean::MAX_NESTING };
        return Err(ParseError { location: location.to_string(), kind });
    }
    Ok(())
}

/// Writes `analysis` into the article's analysis fields (all but `duplicate_of`).
pub fn apply_analysis(article: &mut Article, analysis: Analysis) {
    article.keywords = analysis.keywords;
    article.topics = analysis.topics;
    article.entities = analysis.entities;
    article.summary = analysis.summary;
    article.simhash = analysis.simhash;
}

/// A body as HTML, whatever it is written in: what the cleaning stage reads.
pub fn body_html(format: BodyFormat, body: String) -> String {
    match format {
        BodyFormat::Html => body,
        BodyFormat::Markdown => markdown_to_html(&body),
    }
}

fn markdown_to_html(markdown: &str) -> String {
    use pulldown_cmark::{html, Options, Parser};
    let parser = Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH);
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, parser);
    out
}

/// A whole page rather than a fragment: it declares a doctype, `<html>` or `<head>` up front.
fn is_full_document(html: &str) -> bool {
    let start: String = html.trim_start().chars().take(512).collect::<String>().to_ascii_lowercase();
    start.starts_with("<!doctype") || start.starts_with("<html") || start.contains("<head")
}

/// The first sentence of `text`, cut at sentence punctuation or the end of the line, and
/// shortened to whole characters if very long.
fn first_sentence(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let mut end = line.len();
    for (i, c) in line.char_indices() {
        let next = line[i + c.len_utf8()..].chars().next();
        let stop = matches!(c, '。' | '！' | '？' | '；')
            || (matches!(c, '.' | '!' | '?') && next.is_none_or(char::is_whitespace));
        if stop {
            end = i + c.len_utf8();
            break;
        }
    }
    let sentence: String = line[..end].chars().take(MAX_DERIVED_TITLE_CHARS).collect();
    Some(sentence).filter(|s| !s.is_empty())
}

fn primary_subtag(tag: &str) -> String {
    tag.split(['-', '_']).next().unwrap_or(tag).trim().to_ascii_lowercase()
}

/// `zh` when Han characters carry the text, `en` when Latin letters do, `und` otherwise.
/// A heuristic on the first few thousand characters: a Han character carries about as much as
/// a four-letter word, so Han text with English names in it is still Chinese.
fn guess_lang(title: &str, text: &str) -> &'static str {
    let (mut han, mut latin) = (0usize, 0usize);
    for c in title.chars().chain(text.chars()).take(4000) {
        if crate::segment::is_han(c) {
            han += 1;
        } else if c.is_ascii_alphabetic() {
            latin += 1;
        }
    }
    if han > 0 && han * 4 >= latin {
        "zh"
    } else if latin > 0 {
        "en"
    } else {
        "und"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::{SourceKind, SourceRef};

    fn build(text: &str, ext: &str) -> Result<Article, ParseError> {
        let raw = RawDocument {
            source: SourceRef { kind: SourceKind::File, location: format!("/t/a.{ext}") },
            format: crate::source::BodyFormat::of_extension(ext),
            text: text.into(),
        };
        build_article(
            raw,
            &ParseOptions::default(),
            &Analyzer::default(),
            &crate::analyze::NoCorpus,
            DateTime::<Utc>::UNIX_EPOCH,
        )
    }

    #[test]
    fn blank_title_falls_back_to_the_first_heading_then_the_first_sentence() {
        let a = build("---\ntitle: ' '\n---\n<div><h2>小诺发布</h2><p>正文。</p></div>", "md").unwrap();
        assert_eq!(a.title, "小诺发布");
        let a =
            build("---\ntitle: ' '\n---\n<div><p>此版本已改为注册中心。后面还有。</p></div>", "md").unwrap();
        assert_eq!(a.title, "此版本已改为注册中心。");
    }

    #[test]
    fn markdown_bodies_are_rendered_then_cleaned() {
        let a = build("---\ntitle: t\n---\n## 小标题\n\n- 一\n- 二\n\n![图](https://cors.zfour.workers.dev/?http://img.example/a.png) 见 [链接](http://x.example/)\n", "md").unwrap();
        assert!(a.text.starts_with("小标题\n"), "{:?}", a.text);
        assert!(a.text.contains("见 链接"), "{:?}", a.text);
        assert_eq!(a.images[0].url, "http://img.example/a.png");
        assert!(!a.text.contains("http"));
    }

    #[test]
    fn html_page_without_front_matter() {
        let page = "<!DOCTYPE html><html lang=\"en-US\"><head><title>Page</title><link rel=\"canonical\" href=\"https://example.com/p\"></head><body><p>Running text.</p></body></html>";
        let a = build(page, "html").unwrap();
        assert_eq!(a.title, "Page");
        assert_eq!(a.url.as_deref(), Some("https://example.com/p"));
        assert_eq!(a.lang, "en");
        assert_eq!(a.id, ArticleId::of(Some("https://example.com/p"), &a.source));
    }

    #[test]
    fn single_line_body_and_language_guess() {
        let a = build("---\ntitle: 短讯\n---\n苹果发布新款手机，售价 5999 元", "md").unwrap();
        assert_eq!(a.text, "苹果发布新款手机，售价 5999 元");
        assert_eq!(a.lang, "zh");
    }

    #[test]
    fn an_article_with_nothing_in_it_is_an_error() {
        let err = build("---\ntitle: ''\n---\n<div><img src=\"a.png\"></div>", "md").unwrap_err();
        assert!(err.to_string().contains("nothing to index"), "{err}");
    }

    #[test]
    fn first_sentence_stops_at_punctuation_not_decimals() {
        assert_eq!(first_sentence("Version 1.22 is out. More").as_deref(), Some("Version 1.22 is out."));
        assert_eq!(first_sentence("\n\n一句话！二").as_deref(), Some("一句话！"));
    }
}
