//! Questions the store answers with a query: a page of ranked hits with their snippets, a
//! count, and the stream of matching records. The query language is tantivy's query parser
//! over this schema (see [`crate::search`] for the language as users see it).
//!
//! Query text is cut with the *query* tokenizer (whole words only), while the index holds
//! words and the words inside them, so `支付` finds `支付宝`. Every query word is also looked
//! up as Han characters (`title_han`, `text_han`: pairs of characters, a phrase of them for a
//! longer run), which finds a word that jieba cut differently in the article; such matches
//! weigh [`HAN_WEIGHT`] of a word match. Titles weigh [`TITLE_BOOST`] times the body.
//!
//! The question (`SearchRequest`) and its error are defined here, where they are answered, and
//! re-exported by [`crate::search`].
//!
//! Not here: what a hit shows (`crate::search`).

use std::ops::{Bound, Range};

use chrono::{DateTime, Utc};
use serde::Serialize;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, EnableScoring, ExistsQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TokenizerManager;
use tantivy::{DocAddress, DocSet, Order, Term, TERMINATED};

use super::schema::{self, name};
use super::{IndexError, Store};
use crate::article::Article;
use crate::segment::Mode;

/// How much more a title match counts than a body match.
pub const TITLE_BOOST: f32 = 3.0;

/// How much a match of Han characters counts against a match of the same text as dictionary
/// words: less, so that articles holding the word rank before those that only hold its
/// characters across jieba's cut.
pub const HAN_WEIGHT: f32 = 0.25;

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
    /// Match the words alone, without looking them up as Han characters: the answer a search
    /// engine holding newsdesk's pre-segmented text gives (see `crate::engine`).
    pub words_only: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Index(#[from] IndexError),
    #[error("cannot understand the query {query:?}: {message}")]
    BadQuery { query: String, message: String },
}

/// A page of hits, and how many match in all.
#[derive(Debug)]
pub struct Page {
    pub total: usize,
    pub hits: Vec<PageHit>,
}

/// One ranked article, with the part of its text where the query matched.
#[derive(Debug)]
pub struct PageHit {
    /// Relevance; `None` when sorted by date.
    pub score: Option<f32>,
    pub article: Article,
    /// Up to the requested number of bytes of the text around the matches.
    pub fragment: String,
    /// Byte ranges of the matches inside `fragment`, as the snippet generator gave them; none
    /// when the text did not match (only the title did).
    pub highlighted: Vec<Range<usize>>,
}

impl Store {
    /// Parses `query` in the query language. `*` (or an empty query) matches everything.
    /// `han`: also look the words up as Han characters (see the module doc); without, the
    /// query is the words alone, which tells a match of the words from one of characters only.
    fn parse_query(&self, query: &str, han: bool) -> Result<Box<dyn Query>, SearchError> {
        let query = query.trim();
        if query.is_empty() || query == "*" {
            return Ok(Box::new(AllQuery));
        }
        let f = self.fields;
        let tokenizers = TokenizerManager::default();
        schema::register_tokenizers(&tokenizers, Mode::Query);
        let fields = if han { vec![f.title, f.text, f.title_han, f.text_han] } else { vec![f.title, f.text] };
        let mut parser = QueryParser::new(self.index.schema(), fields, tokenizers);
        parser.set_conjunction_by_default();
        parser.set_field_boost(f.title, TITLE_BOOST);
        parser.set_field_boost(f.title_han, TITLE_BOOST * HAN_WEIGHT);
        parser.set_field_boost(f.text_han, HAN_WEIGHT);
        let bad = |message: String| SearchError::BadQuery { query: query.to_string(), message };
        let parsed = parser.parse_query(query).map_err(|e| bad(e.to_string()))?;
        // Some queries parse but cannot run (`title:*` asks whether a field that is not a fast
        // field has a value): found here, they are the user's mistake, not the index's.
        match parsed.weight(EnableScoring::disabled_from_schema(&self.index.schema())) {
            Err(
                e @ (tantivy::TantivyError::SchemaError(_)
                | tantivy::TantivyError::FieldNotFound(_)
                | tantivy::TantivyError::InvalidArgument(_)),
            ) => Err(bad(e.to_string())),
            _ => Ok(parsed),
        }
    }

    /// The request's query narrowed by its filters.
    fn filtered_query(&self, req: &SearchRequest) -> Result<Box<dyn Query>, SearchError> {
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, self.parse_query(&req.query, !req.words_only)?)];
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
            clauses.push((Occur::MustNot, Box::new(ExistsQuery::new(name::DUPLICATE_OF.to_string(), false))));
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

    /// The page of hits `req` asks for (`req.limit` of them after `req.offset`), each with a
    /// snippet of at most `snippet_bytes` of its text. A limit of 0 only counts.
    pub fn search_page(&self, req: &SearchRequest, snippet_bytes: usize) -> Result<Page, SearchError> {
        let query = self.filtered_query(req)?;
        let searcher = self.searcher();
        if req.limit == 0 {
            // Just the count (tantivy's top-docs collector wants room for at least one hit).
            let total = searcher.search(&query, &Count).map_err(|e| self.err(e))?;
            return Ok(Page { total, hits: Vec::new() });
        }
        let top = TopDocs::with_limit(req.limit).and_offset(req.offset);
        let (ranked, total): (Vec<(Option<f32>, DocAddress)>, usize) = match req.sort {
            Sort::Relevance => {
                let (docs, total) =
                    searcher.search(&query, &(top.order_by_score(), Count)).map_err(|e| self.err(e))?;
                (docs.into_iter().map(|(s, a)| (Some(s), a)).collect(), total)
            }
            Sort::Newest => {
                let by_date = top.order_by_fast_field::<tantivy::DateTime>(name::PUBLISHED, Order::Desc);
                let (docs, total) = searcher.search(&query, &(by_date, Count)).map_err(|e| self.err(e))?;
                (docs.into_iter().map(|(_, a)| (None, a)).collect(), total)
            }
        };
        // Snippets show the words matched; an article that holds a query word only across
        // jieba's cut (matched by its Han characters alone) shows those characters instead.
        // A query without words of the text (`*` with filters, `title:…`) has nothing to show in
        // it: the snippet generator would read every hit's whole text for no match.
        let mut has_text_terms = false;
        query.query_terms(&mut |term, _| has_text_terms |= term.field() == self.fields.text);
        let snippets_of = |field| -> Result<Snippets, SearchError> {
            let mut generator =
                SnippetGenerator::create(&searcher, &*query, field).map_err(|e| self.err(e))?;
            generator.set_max_num_chars(snippet_bytes);
            let mut words = Vec::new();
            query.query_terms(&mut |term, _| {
                if term.field() == field {
                    words.extend(term.value().as_str().map(str::to_string));
                }
            });
            let words = aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(&words).ok();
            Ok(Snippets { generator, words, window: snippet_bytes })
        };
        let words = snippets_of(self.fields.text)?;
        let mut han: Option<Snippets> = None;
        // Without a Han character in the query, only the words can have matched.
        let words_only = match !req.words_only && req.query.chars().any(crate::segment::is_han) {
            true => Some(
                self.parse_query(&req.query, false)?
                    .weight(EnableScoring::disabled_from_searcher(&searcher))
                    .map_err(|e| self.err(e))?,
            ),
            false => None,
        };
        let mut hits = Vec::with_capacity(ranked.len());
        for (score, addr) in ranked {
            let article = self.article_at(&searcher, addr)?;
            let segment = searcher.segment_reader(addr.segment_ord);
            let by_words = match &words_only {
                None => true,
                Some(weight) => {
                    let mut matched = weight.scorer(segment, 1.0).map_err(|e| self.err(e))?;
                    // A scorer starts on its first document and only moves forward.
                    matched.doc() <= addr.doc_id && matched.seek(addr.doc_id) == addr.doc_id
                }
            };
            let snippet = if !has_text_terms {
                tantivy::snippet::Snippet::empty()
            } else if by_words {
                words.snippet(&article.text)
            } else {
                if han.is_none() {
                    han = Some(snippets_of(self.fields.text_han)?);
                }
                han.as_ref().expect("made above").snippet(&article.text)
            };
            hits.push(PageHit {
                score,
                fragment: snippet.fragment().to_string(),
                highlighted: snippet.highlighted().to_vec(),
                article,
            });
        }
        Ok(Page { total, hits })
    }

    /// Hands the stored JSON record of every article matching `req` (its query and filters;
    /// paging and sort do not apply) to `each`, in the index's order, one at a time; returns
    /// how many there were.
    pub fn for_each_matching_record<E: From<SearchError>>(
        &self,
        req: &SearchRequest,
        mut each: impl FnMut(&str) -> Result<(), E>,
    ) -> Result<u64, E> {
        let query = self.filtered_query(req)?;
        let searcher = self.searcher();
        let err = |e| SearchError::from(self.err(e));
        let weight = query.weight(EnableScoring::disabled_from_searcher(&searcher)).map_err(err)?;
        let mut count = 0u64;
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let mut scorer = weight.scorer(segment, 1.0).map_err(err)?;
            let mut doc = scorer.doc();
            while doc != TERMINATED {
                if !segment.is_deleted(doc) {
                    let json = self
                        .record_json_at(&searcher, DocAddress::new(ord as u32, doc))
                        .map_err(SearchError::from)?;
                    each(&json)?;
                    count += 1;
                }
                doc = scorer.advance();
            }
        }
        Ok(count)
    }
}

/// The snippet generator of a search, with the words it looks for.
///
/// tantivy's generator tokenizes all the text it is given, and cutting a long article costs
/// milliseconds: most of a search's time. So it is given only the part of the text around the
/// first place that holds a query word as the index stores it (found by a plain, ASCII
/// case-insensitive string search), from half a snippet before it to three after. A text that holds none (the
/// title matched, or a stemmed word that is not a prefix of its inflection) gets no snippet,
/// and the caller shows its opening.
struct Snippets {
    generator: SnippetGenerator,
    words: Option<aho_corasick::AhoCorasick>,
    /// The snippet length, in bytes.
    window: usize,
}

impl Snippets {
    fn snippet(&self, text: &str) -> tantivy::snippet::Snippet {
        let Some(words) = &self.words else { return self.generator.snippet(text) };
        let Some(first) = words.find(text) else { return tantivy::snippet::Snippet::empty() };
        let floor = |mut at: usize| {
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        // Half a snippet before the word: the first fragment tantivy cuts holds it in context.
        let from = floor(first.start().saturating_sub(self.window / 2));
        let to = floor((first.end() + 3 * self.window).min(text.len()));
        self.generator.snippet(&text[from..to])
    }
}
