//! The single writer of a store: upserts judged against the committed copy (or the copy
//! written since), deletes, commits.
//!
//! Not here: which articles to write (`ingest`), the lock's mechanics (`lock`).

use std::collections::HashMap;

use tantivy::schema::Value;
use tantivy::{IndexWriter, Searcher, TantivyDocument, Term};

use super::lock::WriterLock;
use super::{IndexError, Store};
use crate::article::{Article, ArticleId};

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    New,
    Updated,
    Unchanged,
}

/// The writer of an open [`Store`]; articles become visible to searches on [`StoreWriter::commit`].
pub struct StoreWriter<'a> {
    pub(super) store: &'a Store,
    pub(super) writer: IndexWriter,
    /// The committed state as of the last commit (or opening): what "unchanged" is measured
    /// against.
    pub(super) searcher: Searcher,
    /// What was written since then, by id: the fingerprint, or `None` for a delete. A second
    /// copy of an id is judged against it, and an id deleted in this batch has no previous
    /// copy (the committed one is about to go). Emptied at each commit.
    pub(super) seen: HashMap<ArticleId, Option<String>>,
    /// Released last, after tantivy's writer (fields drop in order).
    pub(super) _lock: WriterLock,
}

impl StoreWriter<'_> {
    /// Adds `article`, replacing any earlier version with the same id; an identical article
    /// (same fingerprint) is left as it is.
    pub fn upsert(&mut self, article: &Article) -> Result<Upsert, IndexError> {
        self.write(article, false)
    }

    /// Like [`StoreWriter::upsert`], but rewrites the document even when it is unchanged (so it
    /// is segmented again, e.g. after a dictionary change); still reports `Unchanged` then.
    pub fn rewrite(&mut self, article: &Article) -> Result<Upsert, IndexError> {
        self.write(article, true)
    }

    /// What [`StoreWriter::upsert`] would do with `article`, without writing it.
    pub fn judge(&self, article: &Article) -> Result<Upsert, IndexError> {
        self.outcome(article, &article.fingerprint())
    }

    fn outcome(&self, article: &Article, fingerprint: &str) -> Result<Upsert, IndexError> {
        let previous = match self.seen.get(&article.id) {
            Some(written) => written.clone(),
            None => self.stored_fingerprint(article.id)?,
        };
        Ok(match previous {
            Some(f) if f == fingerprint => Upsert::Unchanged,
            Some(_) => Upsert::Updated,
            None => Upsert::New,
        })
    }

    fn write(&mut self, article: &Article, always: bool) -> Result<Upsert, IndexError> {
        let fingerprint = article.fingerprint();
        let outcome = self.outcome(article, &fingerprint)?;
        if outcome == Upsert::Unchanged && !always {
            return Ok(outcome);
        }
        // The record is serialized only for what is written.
        let record = article.record_json();
        self.writer.delete_term(self.id_term(article.id));
        self.writer
            .add_document(self.document(article, &fingerprint, record))
            .map_err(|e| self.store.err(e))?;
        self.seen.insert(article.id, Some(fingerprint));
        Ok(outcome)
    }

    fn id_term(&self, id: ArticleId) -> Term {
        Term::from_field_text(self.store.fields.id, &id.to_string())
    }

    fn stored_fingerprint(&self, id: ArticleId) -> Result<Option<String>, IndexError> {
        let Some(addr) = self.store.find(&self.searcher, id)? else { return Ok(None) };
        let doc: TantivyDocument = self.searcher.doc(addr).map_err(|e| self.store.err(e))?;
        Ok(doc.get_first(self.store.fields.fingerprint).and_then(|v| v.as_str()).map(str::to_string))
    }

    fn document(&self, a: &Article, fingerprint: &str, record: String) -> TantivyDocument {
        let f = &self.store.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, a.id.to_string());
        doc.add_text(f.title, &a.title);
        doc.add_text(f.text, &a.text);
        doc.add_text(f.title_han, &a.title);
        doc.add_text(f.text_han, &a.text);
        if let Some(author) = &a.author {
            doc.add_text(f.author, author);
        }
        doc.add_text(f.source, a.source_name());
        for c in &a.categories {
            doc.add_text(f.category, c);
        }
        for t in &a.tags {
            doc.add_text(f.tag, t);
        }
        doc.add_text(f.lang, &a.lang);
        if let Some(url) = &a.url {
            doc.add_text(f.url, url);
        }
        if let Some(p) = a.published_at {
            doc.add_date(f.published, tantivy::DateTime::from_timestamp_secs(p.timestamp()));
        }
        for t in &a.topics {
            doc.add_text(f.topic, &t.id);
        }
        for e in &a.entities {
            doc.add_text(f.entity, &e.text);
        }
        for k in &a.keywords {
            doc.add_text(f.keyword, &k.term);
        }
        doc.add_u64(f.simhash, a.simhash.0);
        if let Some(original) = a.duplicate_of {
            doc.add_text(f.duplicate_of, original.to_string());
        }
        doc.add_text(f.fingerprint, fingerprint);
        doc.add_text(f.record, record);
        doc
    }

    /// Deletes the article `id`; `false` when there is no such article (committed or written
    /// since, and not deleted since).
    pub fn delete(&mut self, id: ArticleId) -> Result<bool, IndexError> {
        let found = match self.seen.get(&id) {
            Some(written) => written.is_some(),
            None => self.store.find(&self.searcher, id)?.is_some(),
        };
        if found {
            self.writer.delete_term(self.id_term(id));
            self.seen.insert(id, None);
        }
        Ok(found)
    }

    /// Makes everything upserted so far durable and visible.
    /// The store's searchers see the new state from then on.
    pub fn commit(&mut self) -> Result<(), IndexError> {
        self.writer.commit().map_err(|e| self.store.err(e))?;
        self.store.reload()?;
        self.searcher = self.store.searcher();
        self.seen.clear();
        Ok(())
    }
}
