//! Settings resolved once: flags ⊕ job file ⊕ environment ⊕ defaults, into the typed values
//! the commands and the library read. clap has already applied the environment variables it
//! knows (`NEWSDESK_INDEX`, `NEWSDESK_TAXONOMY`); the job file and the defaults are merged
//! here and nowhere else.
//!
//! The fetch settings are written once, as [`FetchFlags`] (defined with the flags): the same
//! struct is the `Fetching` flags of `ingest` and the `fetch:` block of a job file; how two of
//! them layer, and what they make of the library's defaults, is here.
//!
//! Not here: clap's definitions (`args`), what a command does with its settings (`cmd/`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use chrono::FixedOffset;
use newsdesk::analyze::{Analyzer, Taxonomy};
use newsdesk::fetch::FetchOptions;
use newsdesk::index::{self, Store, DEFAULT_INDEX_DIR};
use newsdesk::ingest::{IngestOptions, SourceSpec};
use newsdesk::parse::{date, ParseOptions};

use super::args::{Cli, ColorChoice, EngineArg, EngineFlags, FetchFlags, IngestArgs, SourceArgs};
use super::job::Job;
use super::output::Style;
use newsdesk::engine::{Auth, EngineKind, Target};

/// What every command shares: the index, the taxonomy and how to print.
pub struct Globals {
    /// `--index` (or `NEWSDESK_INDEX`) as given; a job file may name one when it is absent.
    pub index_flag: Option<PathBuf>,
    pub taxonomy: Option<PathBuf>,
    pub style: Style,
}

impl Globals {
    pub fn resolve(cli: &Cli) -> Globals {
        let colour = match cli.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => std::io::stdout().is_terminal() && !no_color_env(),
        };
        Globals { index_flag: cli.index.clone(), taxonomy: cli.taxonomy.clone(), style: Style { colour } }
    }

    /// The index folder: the flag, else the default.
    pub fn index(&self) -> PathBuf {
        self.index_flag.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_INDEX_DIR))
    }

    /// Opens the existing index, with its user dictionary installed for segmentation.
    pub fn open_store(&self) -> Result<Store> {
        open_store(&self.index())
    }

    /// The analyzer of the taxonomy flag (or the built-in taxonomy).
    pub fn analyzer(&self) -> Result<Analyzer> {
        load_analyzer(self.taxonomy.as_deref())
    }
}

/// Opens the index at `path` and installs the user dictionary it was built with, which every
/// segmentation of this process (queries, analysis) must use too.
pub fn open_store(path: &Path) -> Result<Store> {
    let store = Store::open(path)?;
    install_index_dict(path)?;
    Ok(store)
}

/// Installs the user dictionary kept in the index folder `path`, if there is one.
pub fn install_index_dict(path: &Path) -> Result<()> {
    if let Some((text, origin)) = index::stored_user_dict(path)? {
        newsdesk::segment::install_user_dict(&text, &origin.display().to_string())?;
    }
    Ok(())
}

pub fn no_color_env() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

pub fn load_analyzer(taxonomy: Option<&Path>) -> Result<Analyzer> {
    let Some(path) = taxonomy else { return Ok(Analyzer::default()) };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read taxonomy {}", path.display()))?;
    Ok(Analyzer::new(Taxonomy::from_yaml(&text, &path.display().to_string())?))
}

/// The `--since`/`--until` bounds (see [`date::range`]).
pub fn date_range(since: Option<&str>, until: Option<&str>, zone: FixedOffset) -> Result<date::DateRange> {
    Ok(date::range(since, until, zone, ["--since", "--until"])?)
}

impl FetchFlags {
    /// `self` where set, else `under`.
    fn or(self, under: FetchFlags) -> FetchFlags {
        let robots_given = self.ignore_robots || self.obey_robots;
        FetchFlags {
            jobs: self.jobs.or(under.jobs),
            per_host: self.per_host.or(under.per_host),
            per_host_delay: self.per_host_delay.or(under.per_host_delay),
            timeout: self.timeout.or(under.timeout),
            connect_timeout: self.connect_timeout.or(under.connect_timeout),
            tries: self.tries.or(under.tries),
            max_body_size: self.max_body_size.or(under.max_body_size),
            user_agent: self.user_agent.or(under.user_agent),
            ignore_robots: if robots_given { self.ignore_robots } else { under.ignore_robots },
            obey_robots: if robots_given { self.obey_robots } else { under.obey_robots },
        }
    }

    /// The library's options: these settings over its defaults.
    fn options(self) -> FetchOptions {
        let d = FetchOptions::default();
        FetchOptions {
            jobs: self.jobs.unwrap_or(d.jobs).max(1),
            per_host: self.per_host.unwrap_or(d.per_host).max(1),
            per_host_delay: self.per_host_delay.unwrap_or(d.per_host_delay),
            timeout: self.timeout.unwrap_or(d.timeout),
            connect_timeout: self.connect_timeout.unwrap_or(d.connect_timeout),
            tries: self.tries.unwrap_or(d.tries).max(1),
            max_body_size: self.max_body_size.unwrap_or(d.max_body_size),
            user_agent: self.user_agent.unwrap_or(d.user_agent),
            ignore_robots: self.ignore_robots,
            ..d
        }
    }
}

/// A flag pair (`--x` / `--no-x`, the last one given wins): `Some` when either was given.
fn switch(on: bool, off: bool) -> Option<bool> {
    (on || off).then_some(on)
}

/// Everything `ingest` needs, resolved: flags over the job file over the defaults.
pub struct IngestSettings {
    pub sources: Vec<SourceSpec>,
    pub index: PathBuf,
    pub taxonomy: Option<PathBuf>,
    pub user_dict: Option<PathBuf>,
    pub options: IngestOptions,
    pub report: Option<PathBuf>,
    pub json: bool,
    pub progress_interval: Duration,
}

impl IngestSettings {
    pub fn resolve(globals: &Globals, args: IngestArgs) -> Result<IngestSettings> {
        let job = match &args.job {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read job file {}", path.display()))?;
                Job::from_yaml(&text, path)?
            }
            None => Job::default(),
        };
        let (sources, reading) = args.source.resolve(
            &job,
            "nothing to ingest: name files, folders or URLs, or use --from-file LIST or --job FILE.yaml",
        )?;
        let defaults = IngestOptions::default();
        let options = IngestOptions {
            force: args.force,
            commit_every: args.commit_every.unwrap_or(defaults.commit_every).max(1),
            commit_interval: args.commit_interval.unwrap_or(defaults.commit_interval),
            ..reading
        };
        Ok(IngestSettings {
            sources,
            index: globals
                .index_flag
                .clone()
                .or(job.index)
                .unwrap_or_else(|| PathBuf::from(DEFAULT_INDEX_DIR)),
            taxonomy: globals.taxonomy.clone().or(job.taxonomy),
            user_dict: args.source.user_dict.or(job.user_dict),
            options,
            report: args.report,
            json: args.json,
            progress_interval: Duration::from_secs(args.progress_interval.max(1)),
        })
    }
}

impl SourceArgs {
    /// The sources (the job file's, then the arguments', then `--from-file`'s) and how to read
    /// them: these flags over the job file's settings over the defaults. `empty` is the error
    /// when there is nothing to read.
    pub fn resolve(&self, job: &Job, empty: &str) -> Result<(Vec<SourceSpec>, IngestOptions)> {
        let mut sources: Vec<SourceSpec> = job.sources.iter().map(|s| SourceSpec::parse(s)).collect();
        sources.extend(self.sources.iter().map(|s| SourceSpec::parse(s)));
        if let Some(list) = &self.from_file {
            sources.extend(read_list(list)?.iter().map(|s| SourceSpec::parse(s)));
        }
        if sources.is_empty() {
            bail!("{empty}");
        }
        let defaults = IngestOptions::default();
        let options = IngestOptions {
            parse: ParseOptions {
                default_zone: self.default_tz.or(job.default_tz).unwrap_or_else(date::default_zone),
            },
            max_file_bytes: self.max_file_size.or(job.max_file_size).unwrap_or(defaults.max_file_bytes),
            follow_links: switch(self.follow_links, self.no_follow_links)
                .or(job.follow_links)
                .unwrap_or(false),
            fetch: self.fetch.clone().or(job.fetch.clone()).options(),
            ..defaults
        };
        Ok((sources, options))
    }
}

/// Sources listed one per line.
fn read_list(path: &Path) -> Result<Vec<String>> {
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("cannot read the source list from stdin")?
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read source list {}", path.display()))?
    };
    let base = if path.as_os_str() == "-" { Path::new("") } else { path.parent().unwrap_or(Path::new("")) };
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match SourceSpec::parse(l) {
            // Relative paths in a list are relative to the list, like in a job file.
            SourceSpec::Path(p) if p.is_relative() => base.join(p).display().to_string(),
            _ => l.to_string(),
        })
        .collect())
}

impl EngineFlags {
    /// Whether any engine flag was given (then `--engine`, `--url` and `--collection` are needed).
    pub fn given(&self) -> bool {
        self.engine.is_some() || self.url.is_some() || self.collection.is_some()
    }

    pub fn kind(&self) -> Result<EngineKind> {
        Ok(match self.engine {
            Some(EngineArg::Opensearch) => EngineKind::OpenSearch,
            Some(EngineArg::Elasticsearch) => EngineKind::Elasticsearch,
            Some(EngineArg::Typesense) => EngineKind::Typesense,
            None => bail!("--engine is needed: opensearch, elasticsearch or typesense"),
        })
    }

    pub fn collection(&self) -> Result<&str> {
        self.collection.as_deref().context("--collection NAME is needed: the engine's index or collection")
    }

    /// The target these flags name, with credentials read from the variables they name.
    pub fn target(&self) -> Result<Target> {
        let kind = self.kind()?;
        let url = self
            .url
            .as_deref()
            .context("--url is needed: the engine's address, e.g. http://127.0.0.1:9200")?;
        let read = |flag: &str, var: &str| -> Result<String> {
            match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
                _ => bail!("{flag} {var}: the environment variable {var} is not set (or empty)"),
            }
        };
        let auth = match (&self.api_key_env, &self.basic_auth_env) {
            (Some(var), _) => Auth::ApiKey(read("--api-key-env", var)?),
            (None, Some(var)) => {
                let value = read("--basic-auth-env", var)?;
                let (user, password) = value
                    .split_once(':')
                    .with_context(|| format!("--basic-auth-env {var}: the value must be USER:PASSWORD"))?;
                Auth::Basic { user: user.to_string(), password: password.to_string() }
            }
            (None, None) => Auth::None,
        };
        Ok(Target::new(kind, url, self.collection()?, auth)?)
    }
}

#[cfg(test)]
mod tests {
    use super::super::args::parse_duration;
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert!(parse_duration("5 parsecs").is_err());
    }

    /// An empty value in the job file's `fetch:` block leaves the setting unset, as it did
    /// before the block was read by the same struct as the flags.
    #[test]
    fn empty_job_file_values_are_unset() {
        let f: FetchFlags = serde_yaml::from_str("timeout: ~\nignore_robots:\njobs: 2\n").unwrap();
        assert_eq!(f, FetchFlags { jobs: Some(2), ..FetchFlags::default() });
        let f: FetchFlags = serde_yaml::from_str("per_host_delay: 250ms\ntimeout: 2\n").unwrap();
        assert_eq!(
            (f.per_host_delay, f.timeout),
            (Some(Duration::from_millis(250)), Some(Duration::from_secs(2)))
        );
        assert!(serde_yaml::from_str::<FetchFlags>("timeout: soon\n").is_err());
    }

    #[test]
    fn flags_win_over_the_job_file_and_defaults_fill_the_rest() {
        let job = FetchFlags { jobs: Some(2), ignore_robots: true, tries: Some(5), ..FetchFlags::default() };
        let flags = FetchFlags { jobs: Some(4), obey_robots: true, ..FetchFlags::default() };
        let o = flags.or(job.clone()).options();
        assert_eq!((o.jobs, o.tries, o.ignore_robots), (4, 5, false));
        assert_eq!(o.per_host, FetchOptions::default().per_host);
        let o = FetchFlags::default().or(job).options();
        assert_eq!((o.jobs, o.ignore_robots), (2, true));
    }
}
