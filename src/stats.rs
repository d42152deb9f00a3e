//! Counts over the whole store: articles per source, category and month, and the index size.
//!
//! One pass over the store's facets ([`Store::for_each_facets`]), without loading records.
//!
//! Not here: how the counts are printed (the CLI's), reading the columns (the store's).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use crate::analyze::Taxonomy;
use crate::index::{Facet, IndexError, Store};

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
    let ranked = |m: BTreeMap<String, u64>| {
        let mut v: Vec<Count> = m.into_iter().map(|(name, articles)| Count { name, articles }).collect();
        v.sort_by(|a, b| b.articles.cmp(&a.articles).then_with(|| a.name.cmp(&b.name)));
        v
    };
    Ok(Stats {
        index: store.path().display().to_string(),
        index_bytes: store.size_on_disk(),
        articles,
        undated,
        first_published: first,
        last_published: last,
        by_source: ranked(sources),
        by_category: ranked(categories),
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
}

/// Article counts per topic of `taxonomy` (then any other topic ids found in the index),
/// counting only articles published in `[since, until)` when either is given.
pub fn topic_stats(
    store: &Store,
    taxonomy: &Taxonomy,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
) -> Result<Vec<TopicStat>, IndexError> {
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
        });
    }
    for (id, (articles, counts)) in per_topic {
        out.push(TopicStat {
            label: id.clone(),
            label_en: id.clone(),
            id,
            articles,
            by_month: series(&counts),
        });
    }
    Ok(out)
}

fn month_range(first: Option<(i32, u32)>, last: Option<(i32, u32)>) -> Vec<String> {
    let (Some(mut at), Some(last)) = (first, last) else { return Vec::new() };
    let mut out = Vec::new();
    while at <= last {
        out.push(format!("{:04}-{:02}", at.0, at.1));
        at = if at.1 == 12 { (at.0 + 1, 1) } else { (at.0, at.1 + 1) };
    }
    out
}
