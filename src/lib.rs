//! newsdesk: news articles in, a searchable archive out.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! source ──► parse ──► clean ──► pipeline (assemble Article) ──► analyze ──► index ──► search / export / stats
//!  (I/O)     (pure)    (pure)          (pure)                       (pure)     (I/O)        (I/O)
//! ```
//!
//! Web sources enter through [`fetch`] (HTTP) and [`web`] (what a body is: a front-matter
//! file, a page, a feed), with [`charset`] turning bytes into text, and join the same stages.
//!
//! [`ingest`] drives a batch through the stages; [`segment`] is the Chinese/English word
//! segmentation shared by the index and the query parser. See `ARCHITECTURE.md` for the map.
//!
//! [`push`] sends the archive to a search engine ([`engine`]: OpenSearch, Elasticsearch,
//! Typesense), which `search` can then query instead of the embedded index.
//!
//! [`server`] answers the same questions as the CLI over HTTP, with a web page; [`report`]
//! writes them into one offline HTML file.
//!
//! Not here: the command line (the `newsdesk` binary's `cli/`).

/// `Display`, `Debug`, `FromStr` and serde for a newtype over `u64` that leaves the program as
/// 16 lower-case hex digits (ids, fingerprints): a number inside, hex only at the edges.
macro_rules! hex16 {
    ($t:ident, $what:literal) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{:016x}", self.0)
            }
        }

        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{self}")
            }
        }

        impl std::str::FromStr for $t {
            type Err = $crate::article::BadHex;
            fn from_str(s: &str) -> Result<$t, $crate::article::BadHex> {
                $crate::article::parse_hex16(s)
                    .map($t)
                    .ok_or_else(|| $crate::article::BadHex { value: s.to_string(), what: $what })
            }
        }

        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                let s = std::borrow::Cow::<str>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use hex16;

pub mod analyze;
pub mod article;
pub mod charset;
pub mod clean;
pub mod dedupe;
pub mod engine;
pub mod export;
pub mod fetch;
pub mod index;
pub mod ingest;
pub mod parse;
pub mod pipeline;
pub mod push;
pub mod report;
pub mod search;
pub mod segment;
pub mod server;
pub mod source;
pub mod stats;
pub mod warc;
pub mod web;
