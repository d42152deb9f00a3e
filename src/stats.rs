//! Counts over the whole store: articles per source, category and month, and the index size.
//!
//! Read from fast-field columns, one pass over the live documents, without loading records.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use crate::index::{IndexError, Store};

#[derive(Debug, Clone, Serialize)]
pub struct Count {
    pub name: String,
    pub articles: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    pub index: String,
    pub index_bytes: u64,
    pub articles: u64,
    /// Articles without a publication date are not in `by_month`.
    pub undated: u64,
    pub first_published: Option<String>,
    pub last_published: Option<String>,
    /// Most articles first.
    pub by_source: Vec<Count>,
    pub by_category: Vec<Count>,
    /// `YYYY-MM` (UTC), oldest first.
    pub by_month: Vec<Count>,
}

pub fn stats(store: &Store) -> Result<Stats, IndexError> {
    let searcher = store.searcher();
    let mut sources: BTreeMap<String, u64> = BTreeMap::new();
    let mut categories: BTreeMap<String, u64> = BTreeMap::new();
    let mut months: BTreeMap<String, u64> = BTreeMap::new();
    let (mut articles, mut undated) = (0u64, 0u64);
    let (mut first, mut last): (Option<i64>, Option<i64>) = (None, None);
    let mut name = String::new();
    for segment in searcher.segment_readers() {
        let fast = segment.fast_fields();
        let source_col = fast.str("source").map_err(|e| store.err(e))?;
        let category_col = fast.str("category").map_err(|e| store.err(e))?;
        let published = fast.date("published").map_err(|e| store.err(e))?;
        for doc in segment.doc_ids_alive() {
            articles += 1;
            for (col, counts) in [(&source_col, &mut sources), (&category_col, &mut categories)] {
                let Some(col) = col else { continue };
                for ord in col.term_ords(doc) {
                    name.clear();
                    if col.ord_to_str(ord, &mut name).unwrap_or(false) {
                        *counts.entry(name.clone()).or_default() += 1;
                    }
                }
            }
            match published.first(doc) {
                Some(t) => {
                    let secs = t.into_timestamp_secs();
                    first = Some(first.map_or(secs, |f| f.min(secs)));
                    last = Some(last.map_or(secs, |l| l.max(secs)));
                    if let Some(t) = DateTime::<Utc>::from_timestamp(secs, 0) {
                        *months.entry(format!("{:04}-{:02}", t.year(), t.month())).or_default() += 1;
                    }
                }
                None => undated += 1,
            }
        }
    }
    let ranked = |m: BTreeMap<String, u64>| {
        let mut v: Vec<Count> = m.into_iter().map(|(name, articles)| Count { name, articles }).collect();
        v.sort_by(|a, b| b.articles.cmp(&a.articles).then_with(|| a.name.cmp(&b.name)));
        v
    };
    let stamp = |s: Option<i64>| {
        s.and_then(|s| DateTime::<Utc>::from_timestamp(s, 0)).map(|t| crate::article::format_utc(&t))
    };
    Ok(Stats {
        index: store.path().display().to_string(),
        index_bytes: store.size_on_disk(),
        articles,
        undated,
        first_published: stamp(first),
        last_published: stamp(last),
        by_source: ranked(sources),
        by_category: ranked(categories),
        by_month: months.into_iter().map(|(name, articles)| Count { name, articles }).collect(),
    })
}
