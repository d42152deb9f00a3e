//! Queries over the store: the query language, filters, ranking, and snippets.
//!
//! The query language is tantivy's: words (all must match by default), `AND`/`OR`/`NOT`
//! (also `+word`/`-word`), `"exact phrases"`, and `field:value` over the fields listed in
//! [`crate::index`]. Query text is cut with the *query* tokenizer (whole words only), while the
//! index holds words and the words inside them, so `支付` finds `支付宝`. Titles weigh
//! [`TITLE_BOOST`] times the body.
//!
//! Filters narrow any query: category, author, a publication-date range, topics (any of),
//! an entity (by any of its names), and `dedupe` (leave out repeats of earlier articles).
//!
//! Not here: output formatting (the CLI's).

use std::ops::Bound;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, ExistsQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TokenizerManager;
use tantivy::{DocAddress, Order, Term};

use crate::article::format_utc;
use crate::index::{self, IndexError, Store};
use crate::segment::{self, Mode};

/// How much more a title match counts than a body match.
pub const TITLE_BOOST: f32 = 3.0;

/// Longest snippet, in bytes of the article text.
const SNIPPET_BYTES: usize = 240;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
}

/// A search: the query and its filters.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    pub limit: usize,
    pub offset: usize,
    pub sort: Sort,
    pub category: Option<String>,
    pub author: Option<String>,
    /// Published at or after.
    pub since: Option<DateTime<Utc>>,
    /// Published before.
    pub until: Option<DateTime<Utc>>,
    /// Articles with any of these topics.
    pub topics: Vec<String>,
    /// Articles naming this entity (any of its names).
    pub entity: Option<String>,
    /// Leave out articles that repeat an earlier one.
    pub dedupe: bool,
}

/// One ranked article.
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    pub id: String,
    /// Relevance score; `null` when sorted by date.
    pub score: Option<f32>,
    pub title: String,
    pub published_at: Option<String>,
    pub source: String,
    /// Where the query matched the text (or the opening of the text when only the title did).
    pub snippet: String,
    /// `[start, end)` character offsets of the matches inside `snippet`.
    pub highlights: Vec<[usize; 2]>,
    pub categories: Vec<String>,
    /// Topic ids, best first.
    pub topics: Vec<String>,
    /// The id of the earlier article this one repeats.
    pub duplicate_of: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    pub query: String,
    pub total: usize,
    pub took_ms: u64,
    pub hits: Vec<Hit>,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error(
        "cannot understand the query {query:?}: {message} (see `newsdesk search --help` for the syntax)"
    )]
    BadQuery { query: String, message: String },
}

/// Parses `query` in the query language. `*` (or an empty query) matches everything.
pub fn parse_query(store: &Store, query: &str) -> Result<Box<dyn Query>, SearchError> {
    let query = query.trim();
    if query.is_empty() || query == "*" {
        return Ok(Box::new(AllQuery));
    }
    let f = store.fields;
    let tokenizers = TokenizerManager::default();
    tokenizers.register(index::TEXT_TOKENIZER, segment::analyzer(Mode::Query));
    tokenizers.register(index::KEYWORD_TOKENIZER, index::keyword_analyzer());
    tokenizers.register(index::ENTITY_TOKENIZER, index::entity_analyzer());
    let mut parser = QueryParser::new(store.index().schema(), vec![f.title, f.text], tokenizers);
    parser.set_conjunction_by_default();
    parser.set_field_boost(f.title, TITLE_BOOST);
    parser
        .parse_query(query)
        .map_err(|e| SearchError::BadQuery { query: query.to_string(), message: e.to_string() })
}

/// `query` narrowed by the request's filters.
pub fn filtered_query(store: &Store, req: &SearchRequest) -> Result<Box<dyn Query>, SearchError> {
    let f = store.fields;
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, parse_query(store, &req.query)?)];
    let keyword = |field, value: &str| -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, &value.trim().to_lowercase()),
            IndexRecordOption::Basic,
        ))
    };
    if let Some(c) = &req.category {
        clauses.push((Occur::Must, keyword(f.category, c)));
    }
    if let Some(a) = &req.author {
        clauses.push((Occur::Must, keyword(f.author, a)));
    }
    if !req.topics.is_empty() {
        let any: Vec<(Occur, Box<dyn Query>)> =
            req.topics.iter().map(|t| (Occur::Should, keyword(f.topic, t))).collect();
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(any))));
    }
    if let Some(e) = &req.entity {
        clauses.push((Occur::Must, keyword(f.entity, &crate::analyze::canonical_entity(e))));
    }
    if req.dedupe {
        clauses.push((Occur::MustNot, Box::new(ExistsQuery::new("duplicate_of".to_string(), false))));
    }
    if req.since.is_some() || req.until.is_some() {
        let term = |t: &DateTime<Utc>| {
            Term::from_field_date(f.published, tantivy::DateTime::from_timestamp_secs(t.timestamp()))
        };
        let lower = req.since.as_ref().map_or(Bound::Unbounded, |t| Bound::Included(term(t)));
        let upper = req.until.as_ref().map_or(Bound::Unbounded, |t| Bound::Excluded(term(t)));
        clauses.push((Occur::Must, Box::new(RangeQuery::new(lower, upper))));
    }
    Ok(if clauses.len() == 1 {
        clauses.pop().expect("one clause").1
    } else {
        Box::new(BooleanQuery::new(clauses))
    })
}

/// Runs `req` and returns the requested page of hits with snippets.
pub fn search(store: &Store, req: &SearchRequest) -> Result<SearchResults, SearchError> {
    let started = Instant::now();
    let query = filtered_query(store, req)?;
    let searcher = store.searcher();
    if req.limit == 0 {
        // Just the count (tantivy's top-docs collector wants room for at least one hit).
        let total = searcher.search(&query, &Count).map_err(|e| store.err(e))?;
        let took_ms = started.elapsed().as_millis() as u64;
        return Ok(SearchResults { query: req.query.clone(), total, took_ms, hits: Vec::new() });
    }
    let top = TopDocs::with_limit(req.limit).and_offset(req.offset);
    let (ranked, total): (Vec<(Option<f32>, DocAddress)>, usize) = match req.sort {
        Sort::Relevance => {
            let (docs, total) =
                searcher.search(&query, &(top.order_by_score(), Count)).map_err(|e| store.err(e))?;
            (docs.into_iter().map(|(s, a)| (Some(s), a)).collect(), total)
        }
        Sort::Newest => {
            let by_date = top.order_by_fast_field::<tantivy::DateTime>("published", Order::Desc);
            let (docs, total) = searcher.search(&query, &(by_date, Count)).map_err(|e| store.err(e))?;
            (docs.into_iter().map(|(_, a)| (None, a)).collect(), total)
        }
    };
    let mut snippets =
        SnippetGenerator::create(&searcher, &*query, store.fields.text).map_err(|e| store.err(e))?;
    snippets.set_max_num_chars(SNIPPET_BYTES);
    let mut hits = Vec::with_capacity(ranked.len());
    for (score, addr) in ranked {
        let a = store.article_at(&searcher, addr)?;
        let snippet = snippets.snippet(&a.text);
        let (text, highlights) = if snippet.is_empty() {
            (opening(&a.text, SNIPPET_BYTES), Vec::new())
        } else {
            let fragment = snippet.fragment();
            let to_chars = |byte: usize| fragment[..byte].chars().count();
            // Ranges are checked rather than trusted: a range outside the fragment once came
            // out of tantivy's snippet generator (see `segment::share_word_spans`).
            let inside =
                |r: &&std::ops::Range<usize>| r.start < r.end && fragment.get(r.start..r.end).is_some();
            let mut ranges: Vec<[usize; 2]> = snippet
                .highlighted()
                .iter()
                .filter(inside)
                .map(|r| [to_chars(r.start), to_chars(r.end)])
                .collect();
            ranges.sort_unstable();
            ranges.dedup();
            (fragment.to_string(), ranges)
        };
        hits.push(Hit {
            source: a.source_name(),
            id: a.id,
            score,
            title: a.title,
            published_at: a.published_at.as_ref().map(format_utc),
            snippet: text,
            highlights,
            categories: a.categories,
            topics: a.topics.into_iter().map(|t| t.id).collect(),
            duplicate_of: a.duplicate_of,
        });
    }
    Ok(SearchResults { query: req.query.clone(), total, took_ms: started.elapsed().as_millis() as u64, hits })
}

/// The first `max_bytes` of `text` (whole characters).
fn opening(text: &str, max_bytes: usize) -> String {
    let mut end = text.len().min(max_bytes);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_string()
}
