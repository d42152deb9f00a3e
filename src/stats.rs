//! Counts over the whole store: articles per source, category and month, and the index size.
//!
//! One pass over the store's facets ([`Store::for_each_facets`]), without loading records.
//!
//! Not here: how the counts are printed (the CLI's), reading the columns (the store's).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use crate::analyze::Taxonomy;
use crate::index::{Facet, IndexError, SearchError, SearchRequest, Store};

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
    #[serde(with = "crate::article::rfc3339_opt")]
    pub first_published: Option<DateTime<Utc>>,
    #[serde(with = "crate::article::rfc3339_opt")]
    pub last_published: Option<DateTime<Utc>>,
    /// Most articles first.
    pub by_source: Vec<Count>,
    pub by_category: Vec<Count>,
    /// `YYYY-MM` (UTC), oldest first.
    pub by_month: Vec<Count>,
}

pub fn stats(store: &Store) -> Result<Stats, IndexError> {
    let mut sources: BTreeMap<String, u64> = BTreeMap::new();
    let mut categories: BTreeMap<String, u64> = BTreeMap::new();
    let mut months: BTreeMap<String, u64> = BTreeMap::new();
    let (mut articles, mut undated) = (0u64, 0u64);
    let (mut first, mut last): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = (None, None);
    store.for_each_facets(&[Facet::Source, Facet::Category], |published, values| {
        articles += 1;
        for (names, counts) in values.iter().zip([&mut sources, &mut categories]) {
            for name in names {
                *counts.entry(name.clone()).or_default() += 1;
            }
        }
        match published {
            Some(t) => {
                first = Some(first.map_or(t, |f| f.min(t)));
                last = Some(last.map_or(t, |l| l.max(t)));
                *months.entry(format!("{:04}-{:02}", t.year(), t.month())).or_default() += 1;
            }
            None => undated += 1,
        }
    })?;
    Ok(Stats {
        index: store.path().display().to_string(),
        index_bytes: store.size_on_disk(),
        articles,
        undated,
        first_published: first,
        last_published: last,
        by_source: ranked(sources, usize::MAX),
        by_category: ranked(categories, usize::MAX),
        by_month: months.into_iter().map(|(name, articles)| Count { name, articles }).collect(),
    })
}

/// One topic's article count, overall and per month.
#[derive(Debug, Clone, Serialize)]
pub struct TopicStat {
    pub id: String,
    pub label: String,
    pub label_en: String,
    pub articles: u64,
    /// Every month (`YYYY-MM`, UTC) from the first to the last dated article in range, zeros
    /// included, so the series can be drawn as is.
    pub by_month: Vec<Count>,
    /// For the topics asked about in detail: the keywords most of its articles in range carry,
    /// by how many articles carry each.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keywords: Option<Vec<Count>>,
    /// For the topics asked about in detail: the entities most of its articles name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entities: Option<Vec<Count>>,
}

/// The first of `asked` that is none of the topics of `stats` (the taxonomy's, and those found
/// in the index), if any.
pub fn unknown_topic<'a>(stats: &[TopicStat], asked: &'a [String]) -> Option<&'a String> {
    asked.iter().find(|id| !stats.iter().any(|t| &t.id == *id))
}

/// How many keywords and entities a topic in detail lists.
pub const TOP_TERMS: usize = 12;

/// Article counts per topic of `taxonomy` (then any other topic ids found in the index),
/// counting only articles published in `[since, until)` when either is given. The topics in
/// `detail` also get their top keywords and entities over the same articles.
pub fn topic_stats(
    store: &Store,
    taxonomy: &Taxonomy,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    detail: &[String],
) -> Result<Vec<TopicStat>, SearchError> {
    let mut per_topic: BTreeMap<String, (u64, BTreeMap<String, u64>)> = BTreeMap::new();
    let mut all_months: Vec<(i32, u32)> = Vec::new();
    let dated = since.is_some() || until.is_some();
    store.for_each_facets(&[Facet::Topic], |when, values| {
        if dated {
            let Some(t) = when else { return };
            if since.is_some_and(|s| t < s) || until.is_some_and(|u| t >= u) {
                return;
            }
        }
        let month = when.map(|t| (t.year(), t.month()));
        if let Some(m) = month {
            all_months.push(m);
        }
        for name in &values[0] {
            let entry = per_topic.entry(name.clone()).or_default();
            entry.0 += 1;
            if let Some((y, m)) = month {
                *entry.1.entry(format!("{y:04}-{m:02}")).or_default() += 1;
            }
        }
    })?;
    let months = month_range(all_months.iter().min().copied(), all_months.iter().max().copied());
    let series = |counts: &BTreeMap<String, u64>| {
        months
            .iter()
            .map(|m| Count { name: m.clone(), articles: counts.get(m).copied().unwrap_or(0) })
            .collect()
    };
    let mut out = Vec::new();
    for (id, label) in taxonomy.topics() {
        let (articles, counts) = per_topic.remove(id).unwrap_or_default();
        out.push(TopicStat {
            id: id.to_string(),
            label: label.zh.clone(),
            label_en: label.en.clone(),
            articles,
            by_month: series(&counts),
            keywords: None,
            entities: None,
        });
    }
    for (id, (articles, counts)) in per_topic {
        out.push(TopicStat {
            label: id.clone(),
            label_en: id.clone(),
            id,
            articles,
            by_month: series(&counts),
            keywords: None,
            entities: None,
        });
    }
    if !detail.is_empty() {
        let mut terms = top_terms(store, detail, since, until)?;
        for t in out.iter_mut().filter(|t| detail.contains(&t.id)) {
            let (keywords, entities) = terms.remove(&t.id).unwrap_or_default();
            t.keywords = Some(ranked(keywords, TOP_TERMS));
            t.entities = Some(ranked(entities, TOP_TERMS));
        }
    }
    Ok(out)
}

pub(crate) type Tally = BTreeMap<String, u64>;

/// Per topic of `topics`, how many of its articles in `[since, until)` carry each keyword and
/// name each entity. Reads the stored records of those articles only.
fn top_terms(
    store: &Store,
    topics: &[String],
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<BTreeMap<String, (Tally, Tally)>, SearchError> {
    /// The part of a stored record this reads.
    #[derive(serde::Deserialize)]
    struct Terms {
        keywords: Vec<Term>,
        topics: Vec<TopicId>,
        entities: Vec<EntityText>,
    }
    #[derive(serde::Deserialize)]
    struct Term {
        term: String,
    }
    #[derive(serde::Deserialize)]
    struct TopicId {
        id: String,
    }
    #[derive(serde::Deserialize)]
    struct EntityText {
        text: String,
    }
    let req = SearchRequest {
        query: "*".to_string(),
        topics: topics.to_vec(),
        since,
        until,
        ..SearchRequest::default()
    };
    let mut out: BTreeMap<String, (Tally, Tally)> = BTreeMap::new();
    store.for_each_matching_record(&req, |json| {
        let record: Terms = serde_json::from_str(json).map_err(|e| {
            SearchError::Index(IndexError::Corrupt {
                path: store.path().to_path_buf(),
                id: String::new(),
                message: e.to_string(),
            })
        })?;
        for topic in record.topics.iter().filter(|t| topics.contains(&t.id)) {
            let (keywords, entities) = out.entry(topic.id.clone()).or_default();
            for k in &record.keywords {
                *keywords.entry(k.term.clone()).or_default() += 1;
            }
            for e in &record.entities {
                *entities.entry(e.text.clone()).or_default() += 1;
            }
        }
        Ok::<(), SearchError>(())
    })?;
    Ok(out)
}

/// The `n` largest counts of `m`, most first (ties by name).
pub(crate) fn ranked(m: Tally, n: usize) -> Vec<Count> {
    let mut v: Vec<Count> = m.into_iter().map(|(name, articles)| Count { name, articles }).collect();
    v.sort_by(|a, b| b.articles.cmp(&a.articles).then_with(|| a.name.cmp(&b.name)));
    v.truncate(n);
    v
}

/// Every month (`YYYY-MM`) from `first` to `last`, both included.
pub(crate) fn month_range(first: Option<(i32, u32)>, last: Option<(i32, u32)>) -> Vec<String> {
    let (Some(mut at), Some(last)) = (first, last) else { return Vec::new() };
    let mut out = Vec::new();
    while at <= last {
        out.push(format!("{:04}-{:02}", at.0, at.1));
        at = if at.1 == 12 { (at.0 + 1, 1) } else { (at.0, at.1 + 1) };
    }
    out
}
