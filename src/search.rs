//! Search as users see it: the query language, the request with its filters, and the hits
//! with their snippets and highlights, ready for the CLI's printers and `--json`.
//!
//! The query language is tantivy's: words (all must match by default), `AND`/`OR`/`NOT`
//! (also `+word`/`-word`), `"exact phrases"`, and `field:value` over the fields listed in
//! [`crate::index`]. Query text is cut into whole words only, while the index holds words and
//! the words inside them, so `支付` finds `支付宝`; a query word of Han characters is also found
//! where jieba cut the article's text differently (by its characters, ranked lower). Titles
//! weigh [`TITLE_BOOST`](crate::index::TITLE_BOOST) times the body.
//!
//! Filters narrow any query: category, author, a publication-date range, topics (any of),
//! an entity (by any of its names), and `dedupe` (leave out repeats of earlier articles).
//!
//! Not here: running the query (the store's, [`Store::search_page`]), output formatting (the
//! CLI's).

use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::article::ArticleId;
use crate::index::Store;
pub use crate::index::{SearchError, SearchRequest, Sort};

/// Longest snippet, in bytes of the article text.
const SNIPPET_BYTES: usize = 240;

/// One ranked article.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: ArticleId,
    /// Relevance score; `null` when sorted by date.
    pub score: Option<f32>,
    pub title: String,
    #[serde(with = "crate::article::rfc3339_opt")]
    pub published_at: Option<DateTime<Utc>>,
    pub source: String,
    /// Where the query matched the text (or the opening of the text when only the title did).
    pub snippet: String,
    /// `[start, end)` character offsets of the matches inside `snippet`.
    pub highlights: Vec<[usize; 2]>,
    pub categories: Vec<String>,
    /// Topic ids, best first.
    pub topics: Vec<String>,
    /// The id of the earlier article this one repeats.
    pub duplicate_of: Option<ArticleId>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub query: String,
    pub total: usize,
    pub took_ms: u64,
    pub hits: Vec<Hit>,
}

/// Runs `req` and returns the requested page of hits with snippets.
pub fn search(store: &Store, req: &SearchRequest) -> Result<SearchResults, SearchError> {
    let started = Instant::now();
    let page = store.search_page(req, SNIPPET_BYTES)?;
    let hits = page
        .hits
        .into_iter()
        .map(|hit| {
            let a = hit.article;
            let (snippet, highlights) = if hit.highlighted.is_empty() {
                (opening(&a.text, SNIPPET_BYTES), Vec::new())
            } else {
                let fragment = hit.fragment;
                let to_chars = |byte: usize| fragment[..byte].chars().count();
                // Ranges are checked rather than trusted: a range outside the fragment once came
                // out of tantivy's snippet generator (see `segment::share_word_spans`).
                let inside =
                    |r: &&std::ops::Range<usize>| r.start < r.end && fragment.get(r.start..r.end).is_some();
                let ranges: Vec<[usize; 2]> = hit
                    .highlighted
                    .iter()
                    .filter(inside)
                    .map(|r| [to_chars(r.start), to_chars(r.end)])
                    .collect();
                (fragment, merged(ranges))
            };
            Hit {
                source: a.source_name(),
                id: a.id,
                score: hit.score,
                title: a.title,
                published_at: a.published_at,
                snippet,
                highlights,
                categories: a.categories,
                topics: a.topics.into_iter().map(|t| t.id).collect(),
                duplicate_of: a.duplicate_of,
            }
        })
        .collect();
    let took_ms = started.elapsed().as_millis() as u64;
    Ok(SearchResults { query: req.query.clone(), total: page.total, took_ms, hits })
}

/// A snippet of `text` around the first of `words` (as the index holds them: lower-cased,
/// stemmed), with every place that holds one of them highlighted, for hits whose text came
/// from elsewhere than the embedded index (a search engine). The opening of the text when it
/// holds none.
pub fn snippet_of(text: &str, words: &[String]) -> (String, Vec<[usize; 2]>) {
    let words: Vec<&String> = words.iter().filter(|w| !w.is_empty()).collect();
    let Ok(finder) = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(&words)
    else {
        return (opening(text, SNIPPET_BYTES), Vec::new());
    };
    let Some(first) = (!words.is_empty()).then(|| finder.find(text)).flatten() else {
        return (opening(text, SNIPPET_BYTES), Vec::new());
    };
    let floor = |mut at: usize| {
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let from = floor(first.start().saturating_sub(SNIPPET_BYTES / 4));
    let to = floor((from + SNIPPET_BYTES).min(text.len())).max(floor(first.end().min(text.len())));
    let fragment = &text[from..to];
    let to_chars = |byte: usize| fragment[..byte].chars().count();
    let ranges = finder.find_iter(fragment).map(|m| [to_chars(m.start()), to_chars(m.end())]).collect();
    (fragment.to_string(), merged(ranges))
}

/// `ranges` sorted, with the ones that overlap or touch made one (and repeats dropped): matches of
/// Han pairs overlap (`粗钢`, `钢产` in `粗钢产`), a word found by its characters comes as one
/// range per character (`微`, `信`), and a printer walks the ranges in order.
fn merged(mut ranges: Vec<[usize; 2]>) -> Vec<[usize; 2]> {
    ranges.sort_unstable();
    let mut out: Vec<[usize; 2]> = Vec::with_capacity(ranges.len());
    for [from, to] in ranges {
        match out.last_mut() {
            Some(last) if from <= last[1] => last[1] = last[1].max(to),
            _ => out.push([from, to]),
        }
    }
    out
}

/// The first `max_bytes` of `text` (whole characters).
fn opening(text: &str, max_bytes: usize) -> String {
    let mut end = text.len().min(max_bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_of_text_from_elsewhere_show_the_words_in_context() {
        let text = format!("{}平台互联互通迈出一步，互联互通。", "前文。".repeat(60));
        let (snippet, highlights) = snippet_of(&text, &["互联互通".to_string()]);
        assert!(snippet.len() <= SNIPPET_BYTES && snippet.contains("互联互通"), "{snippet}");
        let chars: Vec<char> = snippet.chars().collect();
        for [a, b] in &highlights {
            assert_eq!(chars[*a..*b].iter().collect::<String>(), "互联互通");
        }
        assert_eq!(highlights.len(), 2);
        let (opening, none) = snippet_of("Nothing here", &["missing".to_string()]);
        assert_eq!((opening.as_str(), none.len()), ("Nothing here", 0));
        assert_eq!(snippet_of("Running Servers", &["run".to_string()]).1, vec![[0, 3]]);
    }

    #[test]
    fn ranges_that_overlap_or_touch_become_one() {
        assert_eq!(merged(vec![[49, 50], [48, 49], [83, 84], [84, 85]]), vec![[48, 50], [83, 85]]);
        assert_eq!(merged(vec![[0, 2], [1, 3], [5, 6]]), vec![[0, 3], [5, 6]]);
        assert_eq!(merged(vec![[2, 4], [2, 4]]), vec![[2, 4]]);
    }
}
