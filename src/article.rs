//! The article record: what every stage produces for the next, what the index stores and what
//! `show` and `export` print. Its JSON form is documented in `schema/article.schema.json`.
//!
//! The record is plain data. Nothing here reads files or talks to the index.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
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

/// One article, as stored and exported (schema version [`SCHEMA_VERSION`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
        self.record_and_fingerprint().1
    }

    /// The record as stored (JSON) and its [`Article::fingerprint`], from one serialization:
    /// the fingerprint hashes the JSON without its `ingested_at` member.
    pub fn record_and_fingerprint(&self) -> (String, String) {
        let json = serde_json::to_string(self).expect("an article always serializes");
        let member = format!("\"ingested_at\":\"{}\",", format_utc(&self.ingested_at));
        let without = json.replacen(&member, "", 1);
        debug_assert_ne!(without.len(), json.len(), "ingested_at is serialized as expected");
        let fingerprint = sha256_hex(without.as_bytes());
        (json, fingerprint)
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

impl std::fmt::Display for ArticleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl std::fmt::Debug for ArticleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self}")
    }
}

/// A string that is not an id newsdesk makes (16 lower-case hex digits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an article id (16 hex digits, as `search` prints them)")]
pub struct BadId(pub String);

impl std::str::FromStr for ArticleId {
    type Err = BadId;
    fn from_str(s: &str) -> Result<ArticleId, BadId> {
        let hex = s.len() == 16 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        hex.then(|| u64::from_str_radix(s, 16).ok())
            .flatten()
            .map(ArticleId)
            .ok_or_else(|| BadId(s.to_string()))
    }
}

impl Serialize for ArticleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ArticleId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<ArticleId, D::Error> {
        let s = std::borrow::Cow::<str>::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

pub fn content_hash(text: &str) -> String {
    format!("sha256:{}", sha256_hex(text.as_bytes()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
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

    #[test]
    fn content_hash_is_prefixed_sha256() {
        let h = content_hash("abc");
        assert_eq!(h, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
