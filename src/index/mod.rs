//! The on-disk store: a tantivy index holding every article, searchable and complete.
//!
//! Each article is one document. Its full record is stored as JSON (`record`), so `show` and
//! `export` need nothing but the index; the other fields exist to be searched, filtered, sorted
//! or counted:
//!
//! | field       | indexed as                                   | also        |
//! |-------------|----------------------------------------------|-------------|
//! | `id`        | one raw term                                 | stored, fast |
//! | `title`     | jieba words + inner words, positions         |             |
//! | `text`      | jieba words + inner words, positions         |             |
//! | `author`    | one lower-cased term                         |             |
//! | `source`    | one lower-cased term (author, else host)     | fast (raw)  |
//! | `category`  | one lower-cased term per category            | fast (raw)  |
//! | `tag`       | one lower-cased term per tag                 | fast (raw)  |
//! | `lang`, `url` | one raw term                               |             |
//! | `published` | date (seconds)                               | fast        |
//! | `topic`     | one lower-cased term per topic id            | fast (raw)  |
//! | `entity`    | canonical entity name, lower-cased           |             |
//! | `keyword`   | one lower-cased term per keyword             |             |
//! | `simhash`   | —                                            | fast (u64)  |
//! | `duplicate_of` | the original's id                         | fast        |
//! | `fingerprint` | —                                          | stored      |
//!
//! The query tokenizer is registered by the query parser, not here: see [`crate::search`].
//!
//! A file `newsdesk.json` beside tantivy's own records the layout version, so an index made by
//! an incompatible newsdesk is refused with a clear message instead of misread.
//!
//! Not here: the ingest loop (see [`crate::ingest`]), query syntax, output formats.

mod merge;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use tantivy::directory::error::LockError;
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value,
    FAST, STORED, STRING,
};
use tantivy::tokenizer::{LowerCaser, RawTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::analyze::{self, DocFreq};
use crate::article::Article;
use crate::dedupe::Register;
use crate::segment::{self, Mode};

/// Version of the index layout (fields, tokenizers). Bump it when old indexes cannot be read.
pub const LAYOUT_VERSION: u32 = 2;

/// The index location used when none is given.
pub const DEFAULT_INDEX_DIR: &str = "index";

const META_FILE: &str = "newsdesk.json";
/// The user dictionary the index was built with; searches must segment with it too.
pub const USER_DICT_FILE: &str = "user-dict.txt";

/// Tokenizer names as registered with tantivy.
pub const TEXT_TOKENIZER: &str = "newsdesk_zh";
pub const KEYWORD_TOKENIZER: &str = "newsdesk_keyword";
pub const ENTITY_TOKENIZER: &str = "newsdesk_entity";

/// Memory the writer may buffer before it flushes a segment (split among its threads).
pub const WRITER_MEMORY_BYTES: usize = 256 * 1024 * 1024;

/// Why the index could not be opened, read or written. Each variant names the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("no index at {path}; create one with `newsdesk ingest PATH…` (or point --index / NEWSDESK_INDEX at an existing one)")]
    Missing { path: PathBuf },
    #[error("{path} is a file, not an index folder; point --index (or NEWSDESK_INDEX) at a folder")]
    NotAFolder { path: PathBuf },
    #[error("{path} is not a newsdesk index: it holds other files ({example}); point --index (or NEWSDESK_INDEX) at a new or empty folder, or at an existing index")]
    NotAnIndex { path: PathBuf, example: String },
    #[error("index {path} is being written by another newsdesk process{}; wait for it to finish", pid.map(|p| format!(" (pid {p})")).unwrap_or_default())]
    Busy { path: PathBuf, pid: Option<u32> },
    #[error("{path} was made by an incompatible newsdesk (layout {found}, this one reads {expected}); ingest again into a new --index folder")]
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

/// Handles to the schema's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub id: Field,
    pub title: Field,
    pub text: Field,
    pub author: Field,
    pub source: Field,
    pub category: Field,
    pub tag: Field,
    pub lang: Field,
    pub url: Field,
    pub published: Field,
    pub fingerprint: Field,
    pub record: Field,
    pub topic: Field,
    pub entity: Field,
    pub keyword: Field,
    pub simhash: Field,
    pub duplicate_of: Field,
}

fn schema() -> Schema {
    let mut b = Schema::builder();
    let words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TEXT_TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let keyword_with = |tokenizer| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(IndexRecordOption::Basic),
        )
    };
    let keyword = || keyword_with(KEYWORD_TOKENIZER);
    b.add_text_field("id", STRING | STORED | FAST);
    b.add_text_field("title", words.clone());
    b.add_text_field("text", words);
    b.add_text_field("author", keyword());
    b.add_text_field("source", keyword().set_fast("raw"));
    b.add_text_field("category", keyword().set_fast("raw"));
    b.add_text_field("tag", keyword().set_fast("raw"));
    b.add_text_field("lang", STRING);
    b.add_text_field("url", STRING);
    b.add_date_field(
        "published",
        DateOptions::default().set_indexed().set_fast().set_precision(DateTimePrecision::Seconds),
    );
    b.add_text_field("fingerprint", STORED);
    b.add_text_field("record", STORED);
    b.add_text_field("topic", keyword().set_fast("raw"));
    b.add_text_field("entity", keyword_with(ENTITY_TOKENIZER));
    b.add_text_field("keyword", keyword());
    b.add_u64_field("simhash", FAST);
    b.add_text_field("duplicate_of", STRING | FAST);
    b.build()
}

impl Fields {
    fn new(schema: &Schema) -> Fields {
        let f = |name: &str| schema.get_field(name).expect("field defined in schema()");
        Fields {
            id: f("id"),
            title: f("title"),
            text: f("text"),
            author: f("author"),
            source: f("source"),
            category: f("category"),
            tag: f("tag"),
            lang: f("lang"),
            url: f("url"),
            published: f("published"),
            fingerprint: f("fingerprint"),
            record: f("record"),
            topic: f("topic"),
            entity: f("entity"),
            keyword: f("keyword"),
            simhash: f("simhash"),
            duplicate_of: f("duplicate_of"),
        }
    }
}

/// The analyzer for `author`, `source`, `category`, `tag`: the whole value, lower-cased.
pub fn keyword_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default()).filter(LowerCaser).build()
}

/// The analyzer for `entity`: any name of an entity becomes its canonical name, lower-cased,
/// so `entity:alibaba` finds articles that say 阿里巴巴.
pub fn entity_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(EntityTokenizer::default()).build()
}

#[derive(Clone, Default)]
pub struct EntityTokenizer {
    token: Token,
}

pub struct OneToken<'a> {
    token: &'a mut Token,
    done: bool,
}

impl Tokenizer for EntityTokenizer {
    type TokenStream<'a> = OneToken<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> OneToken<'a> {
        self.token.reset();
        self.token.text = analyze::canonical_entity(text).to_lowercase();
        self.token.offset_to = text.len();
        self.token.position = 0;
        OneToken { done: self.token.text.is_empty(), token: &mut self.token }
    }
}

impl TokenStream for OneToken<'_> {
    fn advance(&mut self) -> bool {
        let first = !self.done;
        self.done = true;
        first
    }
    fn token(&self) -> &Token {
        self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// An open index.
pub struct Store {
    path: PathBuf,
    index: Index,
    reader: IndexReader,
    pub fields: Fields,
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    New,
    Updated,
    Unchanged,
}

impl Store {
    /// Whether `path` holds an index (tantivy's `meta.json` marks a finished one).
    pub fn exists(path: &Path) -> bool {
        path.join("meta.json").exists()
    }

    /// Opens an existing index.
    pub fn open(path: &Path) -> Result<Store, IndexError> {
        if !Store::exists(path) {
            check_claimable(path)?;
            return Err(IndexError::Missing { path: path.to_path_buf() });
        }
        check_layout(path)?;
        let index = Index::open_in_dir(path).map_err(|e| tantivy_error(path, e))?;
        Store::from_index(path, index)
    }

    /// Opens the index at `path`, creating the folder and an empty index if there is none.
    pub fn open_or_create(path: &Path) -> Result<Store, IndexError> {
        if Store::exists(path) {
            return Store::open(path);
        }
        check_claimable(path)?;
        std::fs::create_dir_all(path).map_err(|e| io_error(path, e))?;
        // The layout file goes first: tantivy's meta.json marks a finished index, so a crash in
        // between leaves a folder that is simply created again.
        let meta = serde_json::json!({
            "layout": LAYOUT_VERSION,
            "created_by": concat!("newsdesk ", env!("CARGO_PKG_VERSION")),
        });
        std::fs::write(path.join(META_FILE), format!("{meta:#}\n")).map_err(|e| io_error(path, e))?;
        let index = Index::create_in_dir(path, schema()).map_err(|e| tantivy_error(path, e))?;
        Store::from_index(path, index)
    }

    fn from_index(path: &Path, index: Index) -> Result<Store, IndexError> {
        index.tokenizers().register(TEXT_TOKENIZER, segment::analyzer(Mode::Index));
        index.tokenizers().register(KEYWORD_TOKENIZER, keyword_analyzer());
        index.tokenizers().register(ENTITY_TOKENIZER, entity_analyzer());
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

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// A point-in-time view of the committed articles.
    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Makes articles committed since the store was opened visible to [`Store::searcher`].
    pub fn reload(&self) -> Result<(), IndexError> {
        self.reader.reload().map_err(|e| self.err(e))
    }

    pub(crate) fn err(&self, e: tantivy::TantivyError) -> IndexError {
        tantivy_error(&self.path, e)
    }

    /// The article with this id, if the index has it.
    pub fn get(&self, id: &str) -> Result<Option<Article>, IndexError> {
        let searcher = self.searcher();
        match self.find(&searcher, id)? {
            Some(addr) => self.article_at(&searcher, addr).map(Some),
            None => Ok(None),
        }
    }

    fn find(&self, searcher: &Searcher, id: &str) -> Result<Option<DocAddress>, IndexError> {
        let term = Term::from_field_text(self.fields.id, id);
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
    pub fn article_at(&self, searcher: &Searcher, addr: DocAddress) -> Result<Article, IndexError> {
        let json = self.record_json_at(searcher, addr)?;
        serde_json::from_str(&json).map_err(|e| IndexError::Corrupt {
            path: self.path.clone(),
            id: format!("{addr:?}"),
            message: e.to_string(),
        })
    }

    /// The stored record of the document at `addr`, as the JSON text it was stored as.
    pub fn record_json_at(&self, searcher: &Searcher, addr: DocAddress) -> Result<String, IndexError> {
        let doc: TantivyDocument = searcher.doc(addr).map_err(|e| self.err(e))?;
        Ok(doc.get_first(self.fields.record).and_then(|v| v.as_str()).unwrap_or_default().to_string())
    }

    /// The near-duplicate register of every stored article, read from fast fields.
    pub fn duplicate_register(&self) -> Result<Register, IndexError> {
        let searcher = self.searcher();
        let mut register = Register::default();
        for segment in searcher.segment_readers() {
            let fast = segment.fast_fields();
            let ids = fast.str("id").map_err(|e| self.err(e))?;
            let dups = fast.str("duplicate_of").map_err(|e| self.err(e))?;
            let hashes = fast.u64("simhash").map_err(|e| self.err(e))?;
            let published = fast.date("published").map_err(|e| self.err(e))?;
            let Some(ids) = ids else { continue };
            // Each column's strings are read in one pass over its dictionary: looking them up
            // one document at a time decompresses a dictionary block per lookup, which made
            // opening the register of a 100,000-article index take ~2 s.
            let id_strings = self.column_strings(&ids)?;
            let dup_strings = dups.as_ref().map(|c| self.column_strings(c)).transpose()?;
            for doc in segment.doc_ids_alive() {
                let (Some(h), Some(id)) = (hashes.first(doc), Self::string_of(&ids, &id_strings, doc)) else {
                    continue;
                };
                let dup = dups
                    .as_ref()
                    .zip(dup_strings.as_deref())
                    .and_then(|(c, s)| Self::string_of(c, s, doc))
                    .cloned();
                register.insert(id, h, published.first(doc).map(|t| t.into_timestamp_secs()), dup);
            }
        }
        Ok(register)
    }

    /// The string of `doc` in `column`, given the column's strings by ordinal.
    fn string_of<'s>(
        column: &tantivy::columnar::StrColumn,
        strings: &'s [String],
        doc: u32,
    ) -> Option<&'s String> {
        column.term_ords(doc).next().and_then(|ord| strings.get(ord as usize))
    }

    /// Every string of a fast-field column, by term ordinal.
    fn column_strings(&self, column: &tantivy::columnar::StrColumn) -> Result<Vec<String>, IndexError> {
        let mut stream = column.dictionary().stream().map_err(|e| self.err(e.into()))?;
        let mut out = Vec::with_capacity(column.num_terms());
        while stream.advance() {
            out.push(String::from_utf8_lossy(stream.key()).into_owned());
        }
        Ok(out)
    }

    /// Corpus statistics of the committed articles, for keyword IDF.
    pub fn doc_freq(&self) -> IndexDocFreq {
        IndexDocFreq {
            searcher: self.searcher(),
            field: self.fields.text,
            analyzer: crate::segment::analyzer(crate::segment::Mode::Query),
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

/// [`DocFreq`] over a snapshot of the index's `text` field.
pub struct IndexDocFreq {
    searcher: Searcher,
    field: Field,
    analyzer: TextAnalyzer,
    /// Counts already looked up. The snapshot never changes, so neither do they; and a lookup
    /// costs a term-dictionary search in every segment, which on a large index was a third of
    /// the ingest's CPU before this cache. Bounded by [`DOC_FREQ_CACHE`] words.
    cache: std::sync::RwLock<foldhash::HashMap<String, u64>>,
}

/// Words whose document frequency [`IndexDocFreq`] remembers (a few tens of MB at most).
const DOC_FREQ_CACHE: usize = 500_000;

impl DocFreq for IndexDocFreq {
    fn num_docs(&self) -> u64 {
        self.searcher.num_docs()
    }

    fn doc_freq(&self, word: &str) -> u64 {
        self.doc_freqs(&[word])[0]
    }

    fn doc_freqs(&self, words: &[&str]) -> Vec<u64> {
        let mut out = vec![0; words.len()];
        let mut missing = Vec::new();
        {
            let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
            for (i, w) in words.iter().enumerate() {
                match cache.get(*w) {
                    Some(&n) => out[i] = n,
                    None => missing.push(i),
                }
            }
        }
        if missing.is_empty() {
            return out;
        }
        let mut analyzer = self.analyzer.clone();
        for &i in &missing {
            let mut stream = analyzer.token_stream(words[i]);
            out[i] = match stream.next() {
                Some(token) => {
                    self.searcher.doc_freq(&Term::from_field_text(self.field, &token.text)).unwrap_or(0)
                }
                None => 0,
            };
        }
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        for i in missing {
            if cache.len() >= DOC_FREQ_CACHE {
                break;
            }
            cache.insert(words[i].to_string(), out[i]);
        }
        out
    }
}

/// Refuses a path that holds no index and cannot become one: a file, or a folder holding
/// something other than the files newsdesk writes before the index (an index made in the
/// folder of articles given to `ingest` would scatter tantivy's files among them). Hidden
/// entries do not count: the default `index/` of a checkout holds a `.gitignore`. A folder
/// with newsdesk's layout file was being made into an index when a run ended, and is reused;
/// one with an index is one.
fn check_claimable(path: &Path) -> Result<(), IndexError> {
    if Store::exists(path) || path.join(META_FILE).exists() {
        return Ok(());
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(_) if path.exists() && !path.is_dir() => {
            return Err(IndexError::NotAFolder { path: path.to_path_buf() })
        }
        Err(e) => return Err(io_error(path, e)),
    };
    for entry in entries {
        let name = entry.map_err(|e| io_error(path, e))?.file_name();
        let hidden = name.as_encoded_bytes().starts_with(b".");
        if !hidden && name != LOCK_FILE && name != USER_DICT_FILE {
            let example = name.to_string_lossy().into_owned();
            return Err(IndexError::NotAnIndex { path: path.to_path_buf(), example });
        }
    }
    Ok(())
}

/// The user dictionary kept in the index folder `dir` and where it is, if it has one. The
/// caller installs it ([`crate::segment::install_user_dict`]) before the first segmentation of
/// the process: every search and analysis on the index must cut words as its articles were.
pub fn stored_user_dict(dir: &Path) -> Result<Option<(String, PathBuf)>, IndexError> {
    let path = dir.join(USER_DICT_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Some((text, path))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(&path, e)),
    }
}

/// Installs `text` as the user dictionary of the index at `dir` (creating the folder), before
/// the index is opened. Returns whether it differs from the one the index had.
pub fn install_user_dict(dir: &Path, text: &str, origin: &str) -> Result<bool, IndexError> {
    crate::segment::parse_user_dict(text, origin).map_err(|e| IndexError::UserDict(e.to_string()))?;
    check_claimable(dir)?;
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let target = dir.join(USER_DICT_FILE);
    let previous = std::fs::read_to_string(&target).ok();
    if previous.as_deref() == Some(text) {
        return Ok(false);
    }
    std::fs::write(&target, text).map_err(|e| io_error(&target, e))?;
    Ok(true)
}

/// The writer of an open [`Store`]; articles become visible to searches on [`StoreWriter::commit`].
pub struct StoreWriter<'a> {
    store: &'a Store,
    writer: IndexWriter,
    /// The committed state as of the last commit (or opening): what "unchanged" is measured
    /// against.
    searcher: Searcher,
    /// What was written since then, by id: the fingerprint, or `None` for a delete. A second
    /// copy of an id is judged against it, and an id deleted in this batch has no previous
    /// copy (the committed one is about to go). Emptied at each commit.
    seen: HashMap<String, Option<String>>,
    /// Released last, after tantivy's writer (fields drop in order).
    _lock: WriterLock,
}

/// The lock file naming the process that writes an index. It is held with an OS file lock
/// (`flock`), which the kernel releases when the process ends however it ends, so a lock left
/// by a crashed or killed process is never in force: the next writer takes it, sees the old
/// pid in the file, and says so.
const LOCK_FILE: &str = "newsdesk.lock";

struct WriterLock {
    file: std::fs::File,
}

impl WriterLock {
    fn acquire(dir: &Path) -> Result<WriterLock, IndexError> {
        use std::io::{Read, Seek, Write};
        let path = dir.join(LOCK_FILE);
        let io = |e: std::io::Error| io_error(&path, e);
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let mut holder = String::new();
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let _ = file.read_to_string(&mut holder);
                return Err(IndexError::Busy { path: dir.to_path_buf(), pid: holder.trim().parse().ok() });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        file.read_to_string(&mut holder).map_err(io)?;
        if let Ok(pid) = holder.trim().parse::<u32>() {
            // A clean exit empties the file: a pid in it is a writer that died mid-run.
            tracing::warn!(
                "{}: recovered the write lock of newsdesk process {pid}, which ended without releasing it \
                 (killed or crashed); what it had not committed is not in the index, so run its ingest again",
                dir.display()
            );
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        file.sync_data().map_err(io)?;
        Ok(WriterLock { file })
    }
}

impl Drop for WriterLock {
    fn drop(&mut self) {
        // Emptied while still locked; the lock itself goes with the file handle.
        let _ = self.file.set_len(0);
    }
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

    fn write(&mut self, article: &Article, always: bool) -> Result<Upsert, IndexError> {
        let (record, fingerprint) = article.record_and_fingerprint();
        let previous = match self.seen.get(&article.id) {
            Some(written) => written.clone(),
            None => self.stored_fingerprint(&article.id)?,
        };
        let outcome = match previous {
            Some(f) if f == fingerprint => Upsert::Unchanged,
            Some(_) => Upsert::Updated,
            None => Upsert::New,
        };
        if outcome == Upsert::Unchanged && !always {
            return Ok(outcome);
        }
        let f = &self.store.fields;
        self.writer.delete_term(Term::from_field_text(f.id, &article.id));
        self.writer
            .add_document(self.document(article, &fingerprint, record))
            .map_err(|e| self.store.err(e))?;
        self.seen.insert(article.id.clone(), Some(fingerprint));
        Ok(outcome)
    }

    fn stored_fingerprint(&self, id: &str) -> Result<Option<String>, IndexError> {
        let Some(addr) = self.store.find(&self.searcher, id)? else { return Ok(None) };
        let doc: TantivyDocument = self.searcher.doc(addr).map_err(|e| self.store.err(e))?;
        Ok(doc.get_first(self.store.fields.fingerprint).and_then(|v| v.as_str()).map(str::to_string))
    }

    fn document(&self, a: &Article, fingerprint: &str, record: String) -> TantivyDocument {
        let f = &self.store.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &a.id);
        doc.add_text(f.title, &a.title);
        doc.add_text(f.text, &a.text);
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
        if let Ok(h) = u64::from_str_radix(&a.simhash, 16) {
            doc.add_u64(f.simhash, h);
        }
        if let Some(original) = &a.duplicate_of {
            doc.add_text(f.duplicate_of, original);
        }
        doc.add_text(f.fingerprint, fingerprint);
        doc.add_text(f.record, record);
        doc
    }

    /// Deletes the article `id`; `false` when there is no such article (committed or written
    /// since, and not deleted since).
    pub fn delete(&mut self, id: &str) -> Result<bool, IndexError> {
        let found = match self.seen.get(id) {
            Some(written) => written.is_some(),
            None => self.store.find(&self.searcher, id)?.is_some(),
        };
        if found {
            self.writer.delete_term(Term::from_field_text(self.store.fields.id, id));
            self.seen.insert(id.to_string(), None);
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

fn check_layout(path: &Path) -> Result<(), IndexError> {
    let found = std::fs::read_to_string(path.join(META_FILE))
        .ok()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
        .and_then(|v| v.get("layout").and_then(|l| l.as_u64()));
    match found {
        Some(v) if v == u64::from(LAYOUT_VERSION) => Ok(()),
        other => Err(IndexError::Incompatible {
            path: path.to_path_buf(),
            found: other.map_or_else(|| format!("unknown: no readable {META_FILE}"), |v| v.to_string()),
            expected: LAYOUT_VERSION,
        }),
    }
}

fn tantivy_error(path: &Path, error: tantivy::TantivyError) -> IndexError {
    IndexError::Tantivy { path: path.to_path_buf(), error }
}

/// Writes `value` as JSON to `path` atomically: a temporary file in the same folder, flushed,
/// then renamed over the old one, so a crash leaves the old file or the new one, never half.
/// The side files of the index folder (`files.json`, `http-cache.json`) are written this way.
pub(crate) fn write_json_atomically(path: &Path, value: &impl serde::Serialize) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    let mut out = std::io::BufWriter::new(tmp.as_file_mut());
    serde_json::to_writer(&mut out, value)?;
    out.flush()?;
    drop(out);
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

fn io_error(path: &Path, e: impl std::fmt::Display) -> IndexError {
    IndexError::Io { path: path.to_path_buf(), message: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{Analyzer, NoCorpus};
    use crate::article::{SourceKind, SourceRef};
    use crate::parse::ParseOptions;
    use crate::source::RawDocument;

    fn article(title: &str) -> Article {
        let raw = RawDocument {
            source: SourceRef { kind: SourceKind::File, location: "/archive/a.md".into() },
            extension: "md".into(),
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
        assert!(writer.delete(&a.id).unwrap());
        assert!(!writer.delete(&a.id).unwrap(), "already deleted in this batch");
        assert_eq!(writer.upsert(&a).unwrap(), Upsert::New);
        writer.commit().unwrap();
        assert_eq!(writer.upsert(&a).unwrap(), Upsert::Unchanged, "judged against the new commit");
        drop(writer);
        assert!(store.get(&a.id).unwrap().is_some());
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
        assert_eq!(store.searcher().num_docs(), 1);
        assert_eq!(writer.upsert(&third).unwrap(), Upsert::Updated, "committed copy");
        writer.commit().unwrap();
        assert_eq!(store.searcher().num_docs(), 1);
        assert_eq!(store.get(&first.id).unwrap().unwrap().text, "第三版");
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
