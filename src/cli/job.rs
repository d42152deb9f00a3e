//! Batch job files: a YAML declaration of an ingest run (`newsdesk ingest --job FILE.yaml`).
//!
//! ```yaml
//! sources:                 # paths (relative to this file) and http(s) URLs, mixed
//!   - articles/
//!   - https://rsshub.example/36kr/newsflashes
//! index: ../index          # optional; --index / NEWSDESK_INDEX win over it
//! taxonomy: topics.yaml    # optional
//! user_dict: words.txt     # optional
//! default_tz: "+08:00"
//! follow_links: false
//! max_file_size: 10485760
//! fetch:
//!   jobs: 8
//!   per_host: 2
//!   per_host_delay: 500ms
//!   timeout: 30s
//!   connect_timeout: 10s
//!   tries: 3
//!   max_body_size: 10485760
//!   user_agent: "my-archive/1.0 (+mailto:me@example.com)"
//!   ignore_robots: false
//! ```
//!
//! Unknown keys are errors (a misspelt key must not be silently ignored). Relative paths are
//! resolved against the job file's folder, so a job runs the same from any working directory.
//! Flags given on the command line override the file (see `settings`). The `fetch:` block is
//! [`FetchFlags`], the same struct as the `Fetching` flags.
//!
//! Not here: reading the file (the caller's job: this module only parses text), merging with
//! the flags.

use std::path::{Path, PathBuf};

use chrono::FixedOffset;
use newsdesk::ingest::SourceSpec;
use serde::Deserialize;

use super::args::{parse_zone, FetchFlags};

/// A parsed job file, paths already resolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Job {
    /// Paths (resolved) and URLs, as source strings.
    pub sources: Vec<String>,
    pub index: Option<PathBuf>,
    pub taxonomy: Option<PathBuf>,
    pub user_dict: Option<PathBuf>,
    pub default_tz: Option<FixedOffset>,
    pub follow_links: Option<bool>,
    pub max_file_size: Option<u64>,
    pub fetch: FetchFlags,
}

#[derive(Debug, thiserror::Error)]
#[error("job file {path}: {message}")]
pub struct JobError {
    pub path: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJob {
    sources: Vec<String>,
    index: Option<PathBuf>,
    taxonomy: Option<PathBuf>,
    user_dict: Option<PathBuf>,
    default_tz: Option<String>,
    follow_links: Option<bool>,
    max_file_size: Option<u64>,
    #[serde(default)]
    fetch: FetchFlags,
}

impl Job {
    /// Parses the job file `text`, read from `path` (relative paths in it are taken from
    /// `path`'s folder).
    pub fn from_yaml(text: &str, path: &Path) -> Result<Job, JobError> {
        let fail = |message: String| JobError { path: path.display().to_string(), message };
        let raw: RawJob = serde_yaml::from_str(text).map_err(|e| fail(e.to_string()))?;
        if raw.sources.is_empty() {
            return Err(fail("`sources` is empty; list at least one path or URL".into()));
        }
        let base = path.parent().unwrap_or(Path::new(""));
        let resolve = |p: PathBuf| if p.is_absolute() { p } else { base.join(p) };
        let default_tz = raw
            .default_tz
            .map(|s| parse_zone(&s).map_err(|e| fail(format!("default_tz: {e}"))))
            .transpose()?;
        Ok(Job {
            sources: raw
                .sources
                .into_iter()
                .map(|s| match SourceSpec::parse(&s) {
                    SourceSpec::Path(p) => resolve(p).display().to_string(),
                    SourceSpec::Url(u) => u,
                })
                .collect(),
            index: raw.index.map(resolve),
            taxonomy: raw.taxonomy.map(resolve),
            user_dict: raw.user_dict.map(resolve),
            default_tz,
            follow_links: raw.follow_links,
            max_file_size: raw.max_file_size,
            fetch: raw.fetch,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn paths_resolve_against_the_job_file_and_urls_stay() {
        let yaml = "sources: [articles, /abs/x.md, 'https://a.example/feed']\nindex: ../idx\nfetch:\n  per_host_delay: 250ms\n  timeout: 2\n";
        let job = Job::from_yaml(yaml, Path::new("jobs/daily.yaml")).unwrap();
        assert_eq!(job.sources, ["jobs/articles", "/abs/x.md", "https://a.example/feed"]);
        assert_eq!(job.index, Some(PathBuf::from("jobs/../idx")));
        assert_eq!(job.fetch.per_host_delay, Some(Duration::from_millis(250)));
        assert_eq!(job.fetch.timeout, Some(Duration::from_secs(2)));
    }

    #[test]
    fn misspelt_keys_and_bad_values_are_errors_that_name_the_file() {
        let e = Job::from_yaml("sources: [a]\nfolow_links: true\n", Path::new("j.yaml")).unwrap_err();
        assert!(
            e.to_string().starts_with("job file j.yaml: ") && e.to_string().contains("folow_links"),
            "{e}"
        );
        let e = Job::from_yaml("sources: [a]\nfetch: {timeout: soon}\n", Path::new("j.yaml")).unwrap_err();
        assert!(e.to_string().contains("fetch.timeout"), "{e}");
        assert!(Job::from_yaml("sources: []\n", Path::new("j.yaml")).is_err());
    }
}
