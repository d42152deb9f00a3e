//! The document newsdesk sends to a search engine for one article: the record's display
//! fields, keyword fields for filters, and the text pre-segmented by newsdesk.
//!
//! `title_seg` and `text_seg` hold the index tokenizer's cut ([`Mode::Index`]): every word
//! followed or preceded by the dictionary words inside it (`支付宝 支付`), lower-cased and
//! stemmed like the embedded index, separated by single spaces. An engine indexes them with a
//! plain whitespace tokenizer, and a query cut the same way by newsdesk meets them: no Chinese
//! plugin is needed on the cluster. A phrase is cut the same way as the text, so its words
//! follow each other in the document as they do in the query.
//!
//! Keyword fields hold what the embedded index filters on, lower-cased the same way
//! (`category`, `author_key`, `entities` as canonical names); `categories` keeps the original
//! spelling for display. `published_at` is an RFC 3339 date for OpenSearch/Elasticsearch and
//! Unix seconds for Typesense, which has no date type.
//!
//! Not here: how an engine is told about these fields (`elastic`, `typesense`), sending
//! (`crate::push`).

use serde::Serialize;
use tantivy::tokenizer::TokenStream;

use crate::article::Article;
use crate::segment::{self, Mode};

/// One article as an engine stores it.
#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub id: String,
    pub title: String,
    pub title_seg: String,
    pub text: String,
    pub text_seg: String,
    pub summary: String,
    /// The publication name, as search hits show it (author, else host).
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// The author, lower-cased: what `--author` matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_key: Option<String>,
    pub categories: Vec<String>,
    /// The categories, lower-cased: what `--category` matches.
    pub category: Vec<String>,
    pub tags: Vec<String>,
    /// Topic ids, best first.
    pub topics: Vec<String>,
    /// Canonical entity names, lower-cased: what `--entity` matches.
    pub entities: Vec<String>,
    pub keywords: Vec<String>,
    pub lang: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_at: Option<Published>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<String>,
    /// Whether `duplicate_of` is set: engines filter on a value more easily than on a missing one.
    pub is_duplicate: bool,
    pub content_hash: String,
    pub simhash: String,
}

/// A publication date in the engine's form.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Published {
    /// RFC 3339, UTC (OpenSearch/Elasticsearch `date`).
    Rfc3339(String),
    /// Unix seconds (Typesense `int64`).
    Seconds(i64),
}

/// How an engine wants dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateForm {
    Rfc3339,
    Seconds,
}

impl Document {
    /// The document for `article`.
    pub fn of(article: &Article, dates: DateForm) -> Document {
        let lower = |v: &[String]| v.iter().map(|s| s.trim().to_lowercase()).collect::<Vec<_>>();
        let author = article.author.clone().filter(|a| !a.trim().is_empty());
        Document {
            id: article.id.to_string(),
            title: article.title.clone(),
            title_seg: segmented(&article.title, Mode::Index),
            text: article.text.clone(),
            text_seg: segmented(&article.text, Mode::Index),
            summary: article.summary.clone(),
            source: article.source_name(),
            author_key: author.as_ref().map(|a| a.trim().to_lowercase()),
            author,
            category: lower(&article.categories),
            categories: article.categories.clone(),
            tags: article.tags.clone(),
            topics: article.topics.iter().map(|t| t.id.clone()).collect(),
            entities: article
                .entities
                .iter()
                .map(|e| crate::analyze::canonical_entity(&e.text).to_lowercase())
                .collect(),
            keywords: article.keywords.iter().map(|k| k.term.clone()).collect(),
            lang: article.lang.clone(),
            url: article.url.clone(),
            published_at: article.published_at.map(|t| match dates {
                DateForm::Rfc3339 => Published::Rfc3339(crate::article::format_utc(&t)),
                DateForm::Seconds => Published::Seconds(t.timestamp()),
            }),
            duplicate_of: article.duplicate_of.map(|d| d.to_string()),
            is_duplicate: article.duplicate_of.is_some(),
            content_hash: article.content_hash.clone(),
            simhash: article.simhash.to_string(),
        }
    }
}

/// `text` cut by newsdesk's analyzer in `mode`, the tokens joined by single spaces.
pub fn segmented(text: &str, mode: Mode) -> String {
    tokens(text, mode).join(" ")
}

/// The tokens of `text` as the embedded index would hold them (`Mode::Index`) or a query would
/// look them up (`Mode::Query`).
pub fn tokens(text: &str, mode: Mode) -> Vec<String> {
    let mut analyzer = segment::analyzer(mode);
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        // A token never holds a space (the cut splits on it); guard the separator anyway.
        if !t.text.contains(' ') {
            out.push(t.text.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segmented_text_holds_words_and_the_words_inside_them() {
        let seg = segmented("支付宝账户升级", Mode::Index);
        let words: Vec<&str> = seg.split(' ').collect();
        assert!(words.contains(&"支付宝"), "{seg}");
        assert!(words.contains(&"支付"), "{seg}");
        assert!(!seg.contains("  "));
        let query = segmented("支付宝账户升级", Mode::Query);
        assert!(!query.split(' ').any(|w| w == "支付"), "a query is never widened: {query}");
    }

    #[test]
    fn english_is_lower_cased_and_stemmed_as_in_the_index() {
        assert_eq!(segmented("Running Servers", Mode::Query), "run server");
    }
}
