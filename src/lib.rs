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

pub mod analyze;
pub mod article;
pub mod charset;
pub mod clean;
pub mod dedupe;
pub mod export;
pub mod fetch;
pub mod index;
pub mod ingest;
pub mod parse;
pub mod pipeline;
pub mod search;
pub mod segment;
pub mod source;
pub mod stats;
pub mod web;
