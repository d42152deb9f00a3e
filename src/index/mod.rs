//! The on-disk store: a tantivy index holding every article, searchable and complete.
//!
//! Each article is one document. Its full record is stored as JSON, so `show` and `export`
//! need nothing but the index; the other fields exist to be searched, filtered, sorted or
//! counted (the table is in [`schema`]).
//!
//! This module and its children are the only code that knows tantivy: callers ask the store
//! a question (an article by id, a page of hits, a scan of facets or fingerprints, the records
//! matching a query) and never see segments, documents or field names.
//!
//! | file       | what it holds                                                        |
//! |------------|----------------------------------------------------------------------|
//! | `schema`   | field names and handles, the tokenizers they are indexed with        |
//! | `layout`   | which folders may hold an index, the layout version, the user dictionary, atomic side files |
//! | `lock`     | the write lock (one writing process)                                 |
//! | `writer`   | upserts, deletes, commits                                            |
//! | `merge`    | the merge policy                                                     |
//! | `corpus`   | corpus statistics (document frequencies) for keyword IDF             |
//! | `scan`     | one-pass scans: facets, fingerprints, records                        |
//! | `query`    | queries: pages of hits with snippets, matching records               |
//!
//! Not here: the ingest loop (see [`crate::ingest`]), the query language as users see it
//! ([`crate::search`]), output formats.

mod corpus;
mod layout;
mod lock;
mod merge;
mod query;
mod scan;
mod schema;
mod writer;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tantivy::directory::error::LockError;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, TantivyDocument, Term};

pub use corpus::IndexDocFreq;
pub(crate) use layout::write_json_atomically;
pub use layout::{install_user_dict, stored_user_dict, LAYOUT_VERSION, USER_DICT_FILE};
pub use query::{Page, PageHit, SearchError, SearchRequest, Sort, TITLE_BOOST};
pub use scan::{Facet, Fingerprint};
pub use schema::TEXT_TOKENIZER;
pub use writer::{StoreWriter, Upsert};

use crate::article::{Article, ArticleId};
use crate::segment::Mode;
use lock::WriterLock;
use schema::Fields;

/// The index location used when none is given.
pub const DEFAULT_INDEX_DIR: &str = "index";

/// Memory the writer may buffer before it flushes a segment (split among its threads).
pub const WRITER_MEMORY_BYTES: usize = 256 * 1024 * 1024;

/// Why the index could not be opened, read or written. Each variant names the index; what to
/// do about it is the caller's to say (the CLI adds it in terms of its flags).
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("no index at {path}")]
    Missing { path: PathBuf },
    #[error("{path} is a file, not an index folder")]
    NotAFolder { path: PathBuf },
    #[error("{path} is not a newsdesk index: it holds other files ({example})")]
    NotAnIndex { path: PathBuf, example: String },
    #[error("index {path} is being written by another newsdesk process{}; wait for it to finish", pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Busy { path: PathBuf, pid: Option<u32> },
    #[error("{path} was made by an incompatible newsdesk (layout {found}, this one reads {expected})")]
    Incompatible { path: PathBuf, found: String, expected: u32 },
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },
    #[error("{0}")]
    UserDict(String),
    #[error("index {path}: {error}")]
    Tantivy { path: PathBuf, error: tantivy::TantivyError },
    #[error("index {path}: stored record of {id} is unreadable: {message}")]
    Corrupt { path: PathBuf, id: String, message: String },
}

/// An open index.
pub struct Store {
    path: PathBuf,
    index: Index,
    reader: IndexReader,
    fields: Fields,
}

impl Store {
    /// Whether `path` holds an index (tantivy's `meta.json` marks a finished one).
    pub fn exists(path: &Path) -> bool {
        layout::exists(path)
    }

    /// Opens an existing index. Segmentation uses the dictionary installed in the process: an
    /// index with a user dictionary ([`stored_user_dict`]) wants it installed first.
    pub fn open(path: &Path) -> Result<Store, IndexError> {
        if !Store::exists(path) {
            layout::check_claimable(path)?;
            return Err(IndexError::Missing { path: path.to_path_buf() });
        }
        layout::check_layout(path)?;
        let index = Index::open_in_dir(path).map_err(|e| tantivy_error(path, e))?;
        Store::from_index(path, index)
    }

    /// Opens the index at `path`, creating the folder and an empty index if there is none.
    pub fn open_or_create(path: &Path) -> Result<Store, IndexError> {
        if Store::exists(path) {
            return Store::open(path);
        }
        layout::check_claimable(path)?;
        std::fs::create_dir_all(path).map_err(|e| io_error(path, e))?;
        layout::write_layout(path)?;
        let index = Index::create_in_dir(path, schema::schema()).map_err(|e| tantivy_error(path, e))?;
        Store::from_index(path, index)
    }

    fn from_index(path: &Path, index: Index) -> Result<Store, IndexError> {
        schema::register_tokenizers(index.tokenizers(), Mode::Index);
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| tantivy_error(path, e))?;
        let fields = Fields::new(&index.schema());
        Ok(Store { path: path.to_path_buf(), index, reader, fields })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A point-in-time view of the committed articles.
    fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Which commits the store sees: equal values mean the same articles, so an answer computed
    /// under one value holds as long as it lasts. A reload that finds nothing new keeps it.
    pub fn view(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.searcher().generation().segments().hash(&mut h);
        h.finish()
    }

    /// How many articles are committed (as of the last reload).
    pub fn num_articles(&self) -> u64 {
        self.searcher().num_docs()
    }

    /// Makes articles committed since the store was opened (by this process or another)
    /// visible to its questions.
    pub fn reload(&self) -> Result<(), IndexError> {
        self.reader.reload().map_err(|e| self.err(e))
    }

    fn err(&self, e: tantivy::TantivyError) -> IndexError {
        tantivy_error(&self.path, e)
    }

    /// The article with this id, if the index has it.
    pub fn get(&self, id: ArticleId) -> Result<Option<Article>, IndexError> {
        let searcher = self.searcher();
        match self.find(&searcher, id)? {
            Some(addr) => self.article_at(&searcher, addr).map(Some),
            None => Ok(None),
        }
    }

    fn find(&self, searcher: &Searcher, id: ArticleId) -> Result<Option<DocAddress>, IndexError> {
        let term = Term::from_field_text(self.fields.id, &id.to_string());
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let inverted = segment.inverted_index(self.fields.id).map_err(|e| self.err(e))?;
            let Some(mut postings) = inverted
                .read_postings(&term, IndexRecordOption::Basic)
                .map_err(|e| io_error(&self.path, e))?
            else {
                continue;
            };
            use tantivy::DocSet;
            let mut doc = postings.doc();
            while doc != tantivy::TERMINATED {
                if !segment.is_deleted(doc) {
                    return Ok(Some(DocAddress::new(ord as u32, doc)));
                }
                doc = postings.advance();
            }
        }
        Ok(None)
    }

    /// The stored record of the document at `addr`.
    fn article_at(&self, searcher: &Searcher, addr: DocAddress) -> Result<Article, IndexError> {
        let json = self.record_json_at(searcher, addr)?;
        serde_json::from_str(&json).map_err(|e| IndexError::Corrupt {
            path: self.path.clone(),
            id: format!("{addr:?}"),
            message: e.to_string(),
        })
    }

    /// The stored record of the document at `addr`, as the JSON text it was stored as.
    fn record_json_at(&self, searcher: &Searcher, addr: DocAddress) -> Result<String, IndexError> {
        let doc: TantivyDocument = searcher.doc(addr).map_err(|e| self.err(e))?;
        Ok(doc.get_first(self.fields.record).and_then(|v| v.as_str()).unwrap_or_default().to_string())
    }

    /// Corpus statistics of the committed articles, for keyword IDF.
    pub fn doc_freq(&self) -> IndexDocFreq {
        IndexDocFreq {
            searcher: self.searcher(),
            field: self.fields.text,
            analyzer: crate::segment::analyzer(Mode::Query),
            cache: Default::default(),
        }
    }

    /// Opens the single writer. Fails at once with [`IndexError::Busy`] (naming the other
    /// process) while another process holds it.
    pub fn writer(&self) -> Result<StoreWriter<'_>, IndexError> {
        let lock = WriterLock::acquire(&self.path)?;
        let writer = self.index.writer(WRITER_MEMORY_BYTES).map_err(|e| match e {
            tantivy::TantivyError::LockFailure(LockError::LockBusy, _) => {
                IndexError::Busy { path: self.path.clone(), pid: None }
            }
            e => self.err(e),
        })?;
        writer.set_merge_policy(Box::new(merge::BoundedMergePolicy::default()));
        Ok(StoreWriter { store: self, writer, searcher: self.searcher(), seen: HashMap::new(), _lock: lock })
    }

    /// Bytes the index takes on disk.
    pub fn size_on_disk(&self) -> u64 {
        walkdir::WalkDir::new(&self.path)
            .into_iter()
            .filter_map(Result::ok)
            .filter_map(|e| e.metadata().ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum()
    }
}

fn tantivy_error(path: &Path, error: tantivy::TantivyError) -> IndexError {
    IndexError::Tantivy { path: path.to_path_buf(), error }
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> IndexError {
    IndexError::Io { path: path.to_path_buf(), message: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::layout::{check_claimable, META_FILE};
    use super::lock::LOCK_FILE;
    use super::*;
    use crate::analyze::{Analyzer, NoCorpus};
    use crate::article::{SourceKind, SourceRef};
    use crate::parse::ParseOptions;
    use crate::source::{BodyFormat, RawDocument};

    fn article(title: &str) -> Article {
        let raw = RawDocument {
            source: SourceRef { kind: SourceKind::File, location: "/archive/a.md".into() },
            format: BodyFormat::Markdown,
            text: format!("---\ntitle: {title}\ndate: 2021-09-17\n---\n平台互联互通迈出一步。\n"),
        };
        crate::pipeline::build_article(
            raw,
            &ParseOptions::default(),
            &Analyzer::default(),
            &NoCorpus,
            chrono::Utc::now(),
        )
        .unwrap()
    }

    /// Regression: an article deleted and written again before the commit was judged unchanged
    /// against the committed copy, so nothing was added and the delete removed it.
    #[test]
    fn an_article_deleted_and_written_again_in_one_batch_stays() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_or_create(dir.path()).unwrap();
        let a = article("互联互通");
        let mut writer = store.writer().unwrap();
        assert_eq!(writer.upsert(&a).unwrap(), Upsert::New);
        writer.commit().unwrap();
        assert!(writer.delete(a.id).unwrap());
        assert!(!writer.delete(a.id).unwrap(), "already deleted in this batch");
        assert_eq!(writer.upsert(&a).unwrap(), Upsert::New);
        writer.commit().unwrap();
        assert_eq!(writer.upsert(&a).unwrap(), Upsert::Unchanged, "judged against the new commit");
        drop(writer);
        assert!(store.get(a.id).unwrap().is_some());
    }

    /// A changed article replaces its earlier copy, whether that copy is committed or only
    /// written in the same batch: the index never holds two documents with one id.
    #[test]
    fn a_changed_article_replaces_its_copy_committed_or_not() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_or_create(dir.path()).unwrap();
        let changed = |text: &str| Article { text: text.into(), ..article("互联互通") };
        let (first, second, third) = (article("互联互通"), changed("第二版"), changed("第三版"));
        let mut writer = store.writer().unwrap();
        assert_eq!(writer.upsert(&first).unwrap(), Upsert::New);
        assert_eq!(writer.upsert(&second).unwrap(), Upsert::Updated, "same batch");
        writer.commit().unwrap();
        assert_eq!(store.num_articles(), 1);
        assert_eq!(writer.upsert(&third).unwrap(), Upsert::Updated, "committed copy");
        writer.commit().unwrap();
        assert_eq!(store.num_articles(), 1);
        assert_eq!(store.get(first.id).unwrap().unwrap().text, "第三版");
    }

    /// Regression: `ingest --index data data/…` made an index among the articles of `data`.
    #[test]
    fn an_index_is_not_made_in_a_folder_of_other_files_nor_in_a_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("article.md"), "---\ntitle: t\n---\nbody\n").unwrap();
        let err = Store::open_or_create(dir.path()).err().expect("refused");
        assert!(matches!(&err, IndexError::NotAnIndex { example, .. } if example == "article.md"), "{err}");
        let err = Store::open(dir.path()).err().expect("refused");
        assert!(matches!(err, IndexError::NotAnIndex { .. }), "{err}");
        let err = install_user_dict(dir.path(), "互联互通 5 n\n", "dict").expect_err("refused");
        assert!(matches!(err, IndexError::NotAnIndex { .. }), "{err}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["article.md"], "nothing written beside it");

        let file = dir.path().join("article.md");
        let err = Store::open_or_create(&file).err().expect("refused");
        assert!(matches!(err, IndexError::NotAFolder { .. }), "{err}");
    }

    /// What newsdesk itself writes before the index (the user dictionary, the lock, the layout
    /// file of a run that ended while creating it) does not make a folder foreign, nor do
    /// hidden files. Regression: the `.gitignore` of the checkout's `index/` was refused.
    #[test]
    fn an_index_is_made_in_a_folder_holding_only_newsdesk_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LOCK_FILE), "").unwrap();
        std::fs::write(dir.path().join(".gitignore"), "*\n").unwrap();
        std::fs::write(dir.path().join(USER_DICT_FILE), "互联互通 5 n\n").unwrap();
        // Not opened: that would install the dictionary for every test of this process.
        check_claimable(dir.path()).unwrap();
        std::fs::remove_file(dir.path().join(USER_DICT_FILE)).unwrap();
        Store::open_or_create(dir.path()).unwrap();

        let interrupted = tempfile::tempdir().unwrap();
        std::fs::write(interrupted.path().join(META_FILE), "{}").unwrap();
        std::fs::write(interrupted.path().join(".managed.json"), "[]").unwrap();
        Store::open_or_create(interrupted.path()).unwrap();
    }
}
