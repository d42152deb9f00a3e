//! Questions the store answers by one pass over its live articles: their facet values and
//! dates (for counts), their fingerprints (for the duplicate register), or their records.
//! Callers never see segments or columns.
//!
//! Facets and fingerprints come from fast-field columns, without loading a record.
//!
//! Not here: what the counts mean (`crate::stats`), duplicate decisions (`crate::dedupe`).

use chrono::{DateTime, Utc};
use tantivy::columnar::StrColumn;

use super::schema::name;
use super::{IndexError, Store};
use crate::analyze::simhash::Simhash;
use crate::article::{Article, ArticleId};
use crate::dedupe::Register;

/// A string-valued field that scans can read without loading records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Facet {
    /// The publication name (author, else the URL's host).
    Source,
    Category,
    /// Topic ids.
    Topic,
}

impl Facet {
    fn column(self) -> &'static str {
        match self {
            Facet::Source => name::SOURCE,
            Facet::Category => name::CATEGORY,
            Facet::Topic => name::TOPIC,
        }
    }
}

/// What the register needs of a stored article, from fast fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub id: ArticleId,
    pub simhash: Simhash,
    /// Seconds since the epoch.
    pub published: Option<i64>,
    pub duplicate_of: Option<ArticleId>,
}

impl Store {
    /// Calls `each` with the publication time of every live article and its values of each
    /// of `facets` (in that order; an article without a value has an empty list).
    pub fn for_each_facets(
        &self,
        facets: &[Facet],
        mut each: impl FnMut(Option<DateTime<Utc>>, &[Vec<String>]),
    ) -> Result<(), IndexError> {
        let searcher = self.searcher();
        let mut values: Vec<Vec<String>> = vec![Vec::new(); facets.len()];
        let mut name = String::new();
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let columns: Vec<Option<StrColumn>> = facets
                .iter()
                .map(|f| fast.str(f.column()))
                .collect::<Result<_, _>>()
                .map_err(|e| self.err(e))?;
            let published = fast.date(name::PUBLISHED).map_err(|e| self.err(e))?;
            for doc in segment.doc_ids_alive() {
                for (column, out) in columns.iter().zip(values.iter_mut()) {
                    out.clear();
                    let Some(column) = column else { continue };
                    for ord in column.term_ords(doc) {
                        name.clear();
                        if column.ord_to_str(ord, &mut name).unwrap_or(false) {
                            out.push(name.clone());
                        }
                    }
                }
                let when = published
                    .first(doc)
                    .and_then(|t| DateTime::<Utc>::from_timestamp(t.into_timestamp_secs(), 0));
                each(when, &values);
            }
        }
        Ok(())
    }

    /// Calls `each` with the fingerprint of every live article.
    pub fn for_each_fingerprint(&self, mut each: impl FnMut(Fingerprint)) -> Result<(), IndexError> {
        let searcher = self.searcher();
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let ids = fast.str(name::ID).map_err(|e| self.err(e))?;
            let dups = fast.str(name::DUPLICATE_OF).map_err(|e| self.err(e))?;
            let hashes = fast.u64(name::SIMHASH).map_err(|e| self.err(e))?;
            let published = fast.date(name::PUBLISHED).map_err(|e| self.err(e))?;
            let Some(ids) = ids else { continue };
            // Each column's strings are read in one pass over its dictionary: looking them up
            // one document at a time decompresses a dictionary block per lookup, which made
            // opening the register of a 100,000-article index take ~2 s.
            let id_values = self.column_ids(&ids)?;
            let dup_values = dups.as_ref().map(|c| self.column_ids(c)).transpose()?;
            for doc in segment.doc_ids_alive() {
                let (Some(h), Some(id)) = (hashes.first(doc), id_of(&ids, &id_values, doc)) else {
                    continue;
                };
                let duplicate_of =
                    dups.as_ref().zip(dup_values.as_deref()).and_then(|(c, v)| id_of(c, v, doc));
                let published = published.first(doc).map(|t| t.into_timestamp_secs());
                each(Fingerprint { id, simhash: Simhash(h), published, duplicate_of });
            }
        }
        Ok(())
    }

    /// The near-duplicate register of every stored article.
    pub fn duplicate_register(&self) -> Result<Register, IndexError> {
        let mut register = Register::default();
        self.for_each_fingerprint(|f| register.insert(f.id, f.simhash, f.published, f.duplicate_of))?;
        Ok(register)
    }

    /// Calls `each` with every live article, read from its stored record, in the index's
    /// order; stops at the first error `each` returns.
    pub fn for_each_article<E: From<IndexError>>(
        &self,
        mut each: impl FnMut(Article) -> Result<(), E>,
    ) -> Result<(), E> {
        let searcher = self.searcher();
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            for doc in segment.doc_ids_alive() {
                each(self.article_at(&searcher, tantivy::DocAddress::new(ord as u32, doc))?)?;
            }
        }
        Ok(())
    }

    /// Every value of an id column, by term ordinal (`None` for a value that is not an id).
    fn column_ids(&self, column: &StrColumn) -> Result<Vec<Option<ArticleId>>, IndexError> {
        let mut stream = column.dictionary().stream().map_err(|e| self.err(e.into()))?;
        let mut out = Vec::with_capacity(column.num_terms());
        while stream.advance() {
            out.push(std::str::from_utf8(stream.key()).ok().and_then(|s| s.parse().ok()));
        }
        Ok(out)
    }
}

/// The id of `doc` in `column`, given the column's values by ordinal.
fn id_of(column: &StrColumn, values: &[Option<ArticleId>], doc: u32) -> Option<ArticleId> {
    column.term_ords(doc).next().and_then(|ord| values.get(ord as usize).copied().flatten())
}
