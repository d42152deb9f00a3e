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
//! Flags given on the command line override the file. Reading the file is the caller's job:
//! this module only parses text.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// A parsed job file, paths already resolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Job {
    /// Paths (resolved) and URLs, as source strings.
    pub sources: Vec<String>,
    pub index: Option<PathBuf>,
    pub taxonomy: Option<PathBuf>,
    pub user_dict: Option<PathBuf>,
    pub default_tz: Option<String>,
    pub follow_links: Option<bool>,
    pub max_file_size: Option<u64>,
    pub fetch: FetchSettings,
}

/// The `fetch:` block; every key optional.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FetchSettings {
    pub jobs: Option<usize>,
    pub per_host: Option<usize>,
    pub per_host_delay: Option<Duration>,
    pub timeout: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    pub tries: Option<u32>,
    pub max_body_size: Option<u64>,
    pub user_agent: Option<String>,
    pub ignore_robots: Option<bool>,
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
    fetch: RawFetch,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    jobs: Option<usize>,
    per_host: Option<usize>,
    per_host_delay: Option<String>,
    timeout: Option<String>,
    connect_timeout: Option<String>,
    tries: Option<u32>,
    max_body_size: Option<u64>,
    user_agent: Option<String>,
    ignore_robots: Option<bool>,
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
        let duration = |key: &str, v: Option<String>| {
            v.map(|s| parse_duration(&s).map_err(|e| fail(format!("fetch.{key}: {e}")))).transpose()
        };
        let f = raw.fetch;
        Ok(Job {
            sources: raw
                .sources
                .into_iter()
                .map(|s| match crate::ingest::SourceSpec::parse(&s) {
                    crate::ingest::SourceSpec::Path(p) => resolve(p).display().to_string(),
                    crate::ingest::SourceSpec::Url(u) => u,
                })
                .collect(),
            index: raw.index.map(resolve),
            taxonomy: raw.taxonomy.map(resolve),
            user_dict: raw.user_dict.map(resolve),
            default_tz: raw.default_tz,
            follow_links: raw.follow_links,
            max_file_size: raw.max_file_size,
            fetch: FetchSettings {
                jobs: f.jobs,
                per_host: f.per_host,
                per_host_delay: duration("per_host_delay", f.per_host_delay)?,
                timeout: duration("timeout", f.timeout)?,
                connect_timeout: duration("connect_timeout", f.connect_timeout)?,
                tries: f.tries,
                max_body_size: f.max_body_size,
                user_agent: f.user_agent,
                ignore_robots: f.ignore_robots,
            },
        })
    }
}

/// `250ms`, `1.5s`, `2m`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let n: f64 = number.parse().map_err(|_| format!("{s:?} is not a duration (use e.g. 500ms, 2s, 1m)"))?;
    let secs = match unit.trim() {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" | "min" => n * 60.0,
        other => return Err(format!("unknown unit {other:?} in {s:?} (use ms, s or m)")),
    };
    Duration::try_from_secs_f64(secs).map_err(|_| format!("{s:?} is out of range"))
}

#[cfg(test)]
mod tests {
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

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("5 parsecs").is_err());
    }
}
