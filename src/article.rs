//! The article record: what every stage produces for the next, what the index stores and what
//! `show` and `export` print. Its JSON form is documented in `schema/article.schema.json`.
//!
//! The record is plain data. Nothing here reads files or talks to the index.
//!
//! Not here: building a record from a source ([`crate::pipeline`]), storing it
//! ([`crate::index`]).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::analyze::simhash::Simhash;
use crate::analyze::{Entity, Keyword, TopicMatch};

/// Version of the exported JSON record. Bump it when a field changes meaning or type.
pub const SCHEMA_VERSION: u32 = 2;

/// Where an article came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    File,
    Url,
    Feed,
}

/// The origin of an article: the absolute path of a file, or the URL of a web source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub kind: SourceKind,
    pub location: String,
}

/// An image of the article, kept as metadata after it was cut out of the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// The real image: `data-original` (or another lazy-loading attribute) before `src`,
    /// with image-proxy prefixes unwrapped.
    pub url: String,
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// The `alt` text, or the caption that followed the image when it had none.
    pub alt: Option<String>,
}

/// One article, as stored and exported (schema version [`SCHEMA_VERSION`]). Its JSON is
/// written by [`Article::write_record`], the one writer of the record.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Article {
    pub schema: u32,
    pub id: ArticleId,
    pub title: String,
    pub author: Option<String>,
    #[serde(with = "rfc3339_opt")]
    pub published_at: Option<DateTime<Utc>>,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    pub source: SourceRef,
    /// Canonical URL, when the article says where it lives.
    pub url: Option<String>,
    /// BCP 47 primary language: `zh`, `en`, or `und` when it cannot be told.
    pub lang: String,
    pub text: String,
    pub images: Vec<Image>,
    pub lead_image: Option<String>,
    /// `sha256:` of the clean text: equal texts, equal hashes.
    pub content_hash: String,
    #[serde(with = "rfc3339")]
    pub ingested_at: DateTime<Utc>,
    /// Front-matter keys newsdesk does not interpret, kept as they were.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Top terms by TF-IDF (schema 2).
    pub keywords: Vec<Keyword>,
    /// Topics from the taxonomy, best first, with the terms that made them.
    pub topics: Vec<TopicMatch>,
    pub entities: Vec<Entity>,
    /// One to three whole sentences from the start of the text.
    pub summary: String,
    /// 64-bit SimHash of the text (16 hex digits in JSON).
    pub simhash: Simhash,
    /// The id of an earlier article this one nearly or exactly repeats.
    pub duplicate_of: Option<ArticleId>,
}

impl Article {
    /// A digest of everything the source determines (all but `ingested_at`), used to tell an
    /// unchanged article from an updated one on re-ingest.
    pub fn fingerprint(&self) -> String {
        use std::io::Write;
        // Buffered: the serializer writes a few bytes at a time.
        let mut hasher = std::io::BufWriter::with_capacity(8192, HashWriter(Sha256::new()));
        serde_json::to_writer(&mut hasher, &WithoutIngestTime(self)).expect("an article always serializes");
        hasher.flush().expect("hashing cannot fail");
        let hasher = hasher.into_inner().unwrap_or_else(|_| unreachable!("flushed above"));
        hex(&hasher.0.finalize())
    }

    /// The record as stored: its JSON.
    pub fn record_json(&self) -> String {
        serde_json::to_string(self).expect("an article always serializes")
    }

    /// The record as stored (JSON) and its [`Article::fingerprint`]: the SHA-256 of the same
    /// JSON without its `ingested_at` member. (The writer computes them apart: the record only
    /// for what it writes.)
    #[cfg(test)]
    pub fn record_and_fingerprint(&self) -> (String, String) {
        (self.record_json(), self.fingerprint())
    }

    /// Writes the record: every field in the schema's order, `ingested_at` left out for the
    /// fingerprint. The JSON schema (`schema/article.schema.json`) describes what this writes.
    fn write_record<S: Serializer>(&self, s: S, with_ingest_time: bool) -> Result<S::Ok, S::Error> {
        let mut r = s.serialize_struct("Article", if with_ingest_time { 22 } else { 21 })?;
        r.serialize_field("schema", &self.schema)?;
        r.serialize_field("id", &self.id)?;
        r.serialize_field("title", &self.title)?;
        r.serialize_field("author", &self.author)?;
        r.serialize_field("published_at", &self.published_at.as_ref().map(format_utc))?;
        r.serialize_field("categories", &self.categories)?;
        r.serialize_field("tags", &self.tags)?;
        r.serialize_field("source", &self.source)?;
        r.serialize_field("url", &self.url)?;
        r.serialize_field("lang", &self.lang)?;
        r.serialize_field("text", &self.text)?;
        r.serialize_field("images", &self.images)?;
        r.serialize_field("lead_image", &self.lead_image)?;
        r.serialize_field("content_hash", &self.content_hash)?;
        if with_ingest_time {
            r.serialize_field("ingested_at", &format_utc(&self.ingested_at))?;
        }
        r.serialize_field("extra", &self.extra)?;
        r.serialize_field("keywords", &self.keywords)?;
        r.serialize_field("topics", &self.topics)?;
        r.serialize_field("entities", &self.entities)?;
        r.serialize_field("summary", &self.summary)?;
        r.serialize_field("simhash", &self.simhash)?;
        r.serialize_field("duplicate_of", &self.duplicate_of)?;
        r.end()
    }

    /// The publication name used for per-source statistics and in search output: the author
    /// (RSS-to-blog mirrors put the site there), else the URL's host.
    pub fn source_name(&self) -> String {
        if let Some(author) = self.author.as_deref().filter(|a| !a.trim().is_empty()) {
            return author.trim().to_string();
        }
        self.url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "unknown".to_string())
    }
}

impl Serialize for Article {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.write_record(s, true)
    }
}

/// The record as the fingerprint sees it.
struct WithoutIngestTime<'a>(&'a Article);

impl Serialize for WithoutIngestTime<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.write_record(s, false)
    }
}

/// Bytes written into a hash rather than a buffer.
struct HashWriter(Sha256);

impl std::io::Write for HashWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The stable id of an article: 64 bits of a hash of its canonical URL when it has one, else
/// of its source location (an absolute, normalized path for files). It is a number inside the
/// program and 16 lower-case hex digits wherever it leaves it (JSON, the index, the command
/// line).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ArticleId(u64);

impl ArticleId {
    /// The id of the article at `url`, else from `source`.
    pub fn of(url: Option<&str>, source: &SourceRef) -> ArticleId {
        let key = match url {
            Some(u) => format!("url\0{u}"),
            None => format!("{:?}\0{}", source.kind, source.location),
        };
        let digest = Sha256::digest(key.as_bytes());
        ArticleId(u64::from_be_bytes(digest[..8].try_into().expect("a digest has 32 bytes")))
    }

    pub const fn from_u64(n: u64) -> ArticleId {
        ArticleId(n)
    }

    pub const fn as_u64(self) -> u64 {
        self.0
    }
}

crate::hex16!(ArticleId, "an article id");

/// A string that is not the 16 lower-case hex digits of a newsdesk id or SimHash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not {what} (16 hex digits)")]
pub struct BadHex {
    pub value: String,
    pub what: &'static str,
}

/// The number that 16 lower-case hex digits spell.
pub(crate) fn parse_hex16(s: &str) -> Option<u64> {
    let hex = s.len() == 16 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    hex.then(|| u64::from_str_radix(s, 16).ok()).flatten()
}

pub fn content_hash(text: &str) -> String {
    format!("sha256:{}", sha256_hex(text.as_bytes()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// Formats a timestamp the way the record stores it: RFC 3339, UTC, `Z`, whole seconds.
pub fn format_utc(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Serde for a timestamp as the record writes it ([`format_utc`]).
pub mod rfc3339 {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::format_utc(t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let s = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&s).map(|t| t.with_timezone(&Utc)).map_err(serde::de::Error::custom)
    }
}

/// Serde for an optional timestamp as the record writes it ([`format_utc`]).
pub mod rfc3339_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => super::rfc3339::serialize(t, s),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => DateTime::parse_from_rfc3339(&s)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str) -> SourceRef {
        SourceRef { kind: SourceKind::File, location: path.into() }
    }

    #[test]
    fn id_prefers_the_canonical_url() {
        let a = ArticleId::of(Some("https://example.com/a"), &file("/x/a.md"));
        let b = ArticleId::of(Some("https://example.com/a"), &file("/y/b.md"));
        assert_eq!(a, b);
        assert_eq!(a.to_string().len(), 16);
        assert_ne!(ArticleId::of(None, &file("/x/a.md")), ArticleId::of(None, &file("/y/b.md")));
    }

    /// The id is the first 16 hex digits of the SHA-256 of its key, as it always was: ids in
    /// existing indexes and exports stay valid.
    #[test]
    fn ids_are_the_hash_prefix_they_always_were() {
        let key = "url\0https://example.com/a";
        let hex = sha256_hex(key.as_bytes());
        assert_eq!(ArticleId::of(Some("https://example.com/a"), &file("/x")).to_string(), hex[..16]);
    }

    #[test]
    fn ids_read_back_from_their_hex_and_nothing_else() {
        assert_eq!("792d74f2453b6e27".parse::<ArticleId>().unwrap().to_string(), "792d74f2453b6e27");
        assert_eq!("000000000000000a".parse::<ArticleId>().unwrap().as_u64(), 10);
        for odd in ["", "abc", "792D74F2453B6E27", "792d74f2453b6e2z", "792d74f2453b6e270"] {
            assert!(odd.parse::<ArticleId>().is_err(), "{odd}");
        }
    }

    #[test]
    fn fingerprint_ignores_only_the_ingest_time() {
        let json = r#"{"schema":2,"id":"0123456789abcdef","title":"t","author":null,"published_at":null,"categories":[],"tags":[],"source":{"kind":"file","location":"/a.md"},"url":null,"lang":"zh","text":"x","images":[],"lead_image":null,"content_hash":"sha256:00","ingested_at":"2021-01-01T00:00:00Z","extra":{},"keywords":[],"topics":[],"entities":[],"summary":"","simhash":"0000000000000000","duplicate_of":null}"#;
        let a: Article = serde_json::from_str(json).unwrap();
        let mut later = a.clone();
        later.ingested_at = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(a.fingerprint(), later.fingerprint());
        let mut edited = a.clone();
        edited.text = "y".into();
        assert_ne!(a.fingerprint(), edited.fingerprint());
        assert_eq!(a.record_and_fingerprint().0, json);
    }

    /// The fingerprint hashes exactly the record without its `ingested_at` member, as it always
    /// did (so fingerprints stored by earlier versions still match), and the record writer
    /// leaves out no field.
    #[test]
    fn fingerprint_is_the_record_without_the_ingest_time() {
        let json = r#"{"schema":2,"id":"0123456789abcdef","title":"t","author":"a","published_at":"2021-02-03T04:05:06Z","categories":["c"],"tags":["t"],"source":{"kind":"url","location":"https://x.example/a"},"url":"https://x.example/a","lang":"zh","text":"正文 \"quoted\"\n","images":[{"url":"https://x.example/i.png","width":1,"height":2,"alt":"图"}],"lead_image":"https://x.example/l.png","content_hash":"sha256:00","ingested_at":"2021-01-01T00:00:00Z","extra":{"k":[1,2]},"keywords":[{"term":"正文","score":0.5}],"topics":[],"entities":[],"summary":"s","simhash":"00000000000000ff","duplicate_of":"fedcba9876543210"}"#;
        let a: Article = serde_json::from_str(json).unwrap();
        let (record, fingerprint) = a.record_and_fingerprint();
        assert_eq!(record, json, "the writer leaves out nothing and keeps the order");
        let without = json.replacen(r#""ingested_at":"2021-01-01T00:00:00Z","#, "", 1);
        assert_eq!(fingerprint, sha256_hex(without.as_bytes()));
    }

    #[test]
    fn content_hash_is_prefixed_sha256() {
        let h = content_hash("abc");
        assert_eq!(h, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
