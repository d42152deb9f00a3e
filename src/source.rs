//! The input edge: finds article files under the paths a user names and reads them.
//!
//! Folders are walked recursively (hidden entries skipped, symlinks followed with loop
//! detection); files are kept when they end in `.md`, `.markdown`, `.html` or `.htm`. A file is
//! read whole — after a size check, so an oversized file is refused without being read — and
//! decoded: UTF-8 (optional BOM) as the rule, UTF-16 with a BOM, or a legacy encoding the file
//! declares or that detection finds among the CJK ones (see `decode`).
//!
//! Not here: parsing (see [`crate::parse`]), fetching URLs, or guessing single-byte encodings.

use std::fs;
use std::path::{Path, PathBuf};

use crate::article::{SourceKind, SourceRef};

/// File endings that are read as articles.
pub const EXTENSIONS: [&str; 4] = ["md", "markdown", "html", "htm"];

/// Names that may hold WARC files or newsdesk records, which are then told by their content:
/// looked at in folders beside the article files.
pub const CONTAINER_EXTENSIONS: [&str; 5] = ["warc", "gz", "jsonl", "ndjson", "json"];

fn has_container_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| CONTAINER_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// What a discovered file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// One article (by its name: [`EXTENSIONS`]).
    Article,
    /// A WARC file (by its content).
    Warc,
    /// newsdesk records, JSON Lines (by its content).
    Records,
}

/// What `path` holds, looked at once: an article file by its name, a WARC file or records by
/// their content. A file found in a folder is only looked into when its name may be a
/// container ([`CONTAINER_EXTENSIONS`]); one named on its own, whatever its name.
fn kind_of(path: &Path, named: bool) -> Option<FileKind> {
    if has_article_extension(path) {
        Some(FileKind::Article)
    } else if !named && !has_container_extension(path) {
        None
    } else if crate::warc::is_warc(path) {
        Some(FileKind::Warc)
    } else if crate::ingest::is_records(path) {
        Some(FileKind::Records)
    } else {
        None
    }
}

/// `file` as a buffered stream, gunzipped (every member) when it starts with gzip's magic
/// bytes: how WARC and record files are read, compressed or not.
pub fn open_decompressed(file: fs::File) -> Box<dyn std::io::BufRead> {
    use std::io::{BufRead, BufReader};
    let mut buffered = BufReader::with_capacity(1 << 16, file);
    let gzipped = buffered.fill_buf().is_ok_and(|b| b.starts_with(&[0x1f, 0x8b]));
    if gzipped {
        Box::new(BufReader::with_capacity(1 << 16, flate2::bufread::MultiGzDecoder::new(buffered)))
    } else {
        Box::new(buffered)
    }
}

/// Files larger than this are refused unless the caller sets another limit.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 10 * 1024 * 1024;

/// A source that could not be found or read. Each variant names the path.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: no such file or folder")]
    NotFound { path: PathBuf },
    #[error("{path}: not an article file (expected one ending in .md, .markdown, .html or .htm), a WARC file or a file of newsdesk records")]
    Unsupported { path: PathBuf },
    #[error("{path}: cannot read: {error}")]
    Io { path: PathBuf, error: std::io::Error },
    #[error("{path}: cannot walk folder: {message}")]
    Walk { path: PathBuf, message: String },
    #[error("{path}: file is {size} bytes, over the {limit}-byte limit")]
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    #[error("{path}: not valid UTF-8 text (byte {offset}), and no other encoding could be told from it; convert it to UTF-8 first")]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("{path}: a binary file (NUL bytes), not an article")]
    Binary { path: PathBuf },
    #[error("{path}: not a regular file or folder")]
    NotRegular { path: PathBuf },
}

impl SourceError {
    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            SourceError::NotFound { path }
            | SourceError::Unsupported { path }
            | SourceError::Io { path, .. }
            | SourceError::Walk { path, .. }
            | SourceError::TooLarge { path, .. }
            | SourceError::NotUtf8 { path, .. }
            | SourceError::Binary { path }
            | SourceError::NotRegular { path } => path,
        }
    }

    /// The same error about `path` (the same file, named another way).
    pub fn naming(mut self, path: PathBuf) -> SourceError {
        match &mut self {
            SourceError::NotFound { path: p }
            | SourceError::Unsupported { path: p }
            | SourceError::Io { path: p, .. }
            | SourceError::Walk { path: p, .. }
            | SourceError::TooLarge { path: p, .. }
            | SourceError::NotUtf8 { path: p, .. }
            | SourceError::Binary { path: p }
            | SourceError::NotRegular { path: p } => *p = path,
        }
        self
    }
}

/// The text of one source, as read, with where it came from.
#[derive(Debug, Clone)]
pub struct RawDocument {
    pub source: SourceRef,
    /// How its container says the body is written: HTML for an `.html` file or an HTML page,
    /// else Markdown (which a body that opens with a tag still reads as HTML).
    pub format: BodyFormat,
    pub text: String,
}

/// How a body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    Html,
    Markdown,
}

impl BodyFormat {
    /// The format a file name's extension declares: `.html`/`.htm` HTML, anything else
    /// Markdown.
    pub fn of_extension(extension: &str) -> BodyFormat {
        if extension.eq_ignore_ascii_case("html") || extension.eq_ignore_ascii_case("htm") {
            BodyFormat::Html
        } else {
            BodyFormat::Markdown
        }
    }
}

/// Whether the name says an article file (`.md`, `.markdown`, `.html`, `.htm`).
fn has_article_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// Expands `paths` into article, WARC and record files, in a stable order (each folder sorted
/// by name). Problems (a missing path, an unreadable folder, a symlink loop) are returned
/// beside the files found, so one bad entry does not hide the rest.
pub fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<SourceError>) {
    let (files, errors) = discover_kinds(paths);
    (files.into_iter().map(|(path, _)| path).collect(), errors)
}

/// [`discover`], with what each file holds.
pub fn discover_kinds(paths: &[PathBuf]) -> (Vec<(PathBuf, FileKind)>, Vec<SourceError>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for root in paths {
        let meta = match fs::metadata(root) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                errors.push(SourceError::NotFound { path: root.clone() });
                continue;
            }
            Err(e) => {
                errors.push(SourceError::Io { path: root.clone(), error: e });
                continue;
            }
        };
        if !meta.is_file() && !meta.is_dir() {
            // A FIFO or device would block or never end when read.
            errors.push(SourceError::NotRegular { path: root.clone() });
            continue;
        }
        if meta.is_file() {
            match kind_of(root, true) {
                Some(kind) => files.push((root.clone(), kind)),
                None => errors.push(SourceError::Unsupported { path: root.clone() }),
            }
            continue;
        }
        let walker = walkdir::WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            // Hidden names, and `_SUCCESS`, `_failures/` … beside a job's output, are skipped.
            .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with(['.', '_']));
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    if let Some(kind) = kind_of(e.path(), false) {
                        files.push((e.into_path(), kind));
                    }
                }
                Ok(_) => {}
                Err(e) => errors.push(SourceError::Walk {
                    path: e.path().map(Path::to_path_buf).unwrap_or_else(|| root.clone()),
                    message: e.to_string(),
                }),
            }
        }
    }
    (files, errors)
}

/// Reads one file into a [`RawDocument`], refusing files over `max_bytes` before reading them.
pub fn read_file(path: &Path, max_bytes: u64) -> Result<RawDocument, SourceError> {
    let io = |error| SourceError::Io { path: path.to_path_buf(), error };
    let size = fs::metadata(path).map_err(io)?.len();
    if size > max_bytes {
        return Err(SourceError::TooLarge { path: path.to_path_buf(), size, limit: max_bytes });
    }
    let bytes = fs::read(path).map_err(io)?;
    let text = decode(path, bytes)?;
    let location = fs::canonicalize(path).map_err(io)?;
    Ok(RawDocument {
        source: SourceRef { kind: SourceKind::File, location: location.to_string_lossy().into_owned() },
        format: BodyFormat::of_extension(&path.extension().unwrap_or_default().to_string_lossy()),
        text,
    })
}

/// UTF-8 (the rule), UTF-16 with a BOM, or a legacy encoding the file declares
/// (`<meta charset>`) or that detection finds among the CJK ones without a single bad byte.
/// Anything else is refused rather than guessed into mojibake.
fn decode(path: &Path, bytes: Vec<u8>) -> Result<String, SourceError> {
    let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    if !utf16 && bytes.contains(&0) {
        return Err(SourceError::Binary { path: path.to_path_buf() });
    }
    let offset = match std::str::from_utf8(&bytes) {
        Ok(_) => return Ok(String::from_utf8(bytes).expect("checked")),
        Err(e) => e.valid_up_to(),
    };
    let decoded = crate::charset::decode(&bytes, None);
    use crate::charset::Evidence;
    let trusted = match decoded.evidence {
        Evidence::Bom | Evidence::Header | Evidence::Declared => true,
        Evidence::Detected => crate::charset::is_cjk_legacy(decoded.encoding),
    };
    if trusted && !decoded.had_errors {
        tracing::debug!(path = %path.display(), encoding = decoded.encoding.name(), "decoded a legacy encoding");
        Ok(decoded.text)
    } else {
        Err(SourceError::NotUtf8 { path: path.to_path_buf(), offset })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovers_only_article_files_recursively_and_reports_missing_paths() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("a/b")).unwrap();
        fs::create_dir_all(dir.path().join(".git")).unwrap();
        for f in ["a/one.md", "a/b/two.HTML", "a/notes.txt", ".git/x.md", "three.markdown"] {
            fs::write(dir.path().join(f), "x").unwrap();
        }
        let (files, errors) = discover(&[dir.path().to_path_buf(), dir.path().join("missing")]);
        let names: Vec<_> = files.iter().map(|p| p.strip_prefix(dir.path()).unwrap().to_owned()).collect();
        assert_eq!(names, vec![PathBuf::from("a/b/two.HTML"), "a/one.md".into(), "three.markdown".into()]);
        assert!(matches!(errors.as_slice(), [SourceError::NotFound { .. }]));
    }

    #[test]
    fn refuses_oversized_and_non_utf8_files() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.md");
        fs::write(&big, vec![b'a'; 100]).unwrap();
        assert!(matches!(read_file(&big, 10), Err(SourceError::TooLarge { size: 100, .. })));
        let bad = dir.path().join("bad.md");
        fs::write(&bad, b"ok \xff\xfe").unwrap();
        let err = read_file(&bad, 1000).unwrap_err();
        assert!(matches!(err, SourceError::NotUtf8 { offset: 3, .. }), "{err}");
        let nul = dir.path().join("nul.md");
        fs::write(&nul, b"---\ntitle: x\n---\nbody\0").unwrap();
        assert!(matches!(read_file(&nul, 1000), Err(SourceError::Binary { .. })));
    }

    #[test]
    fn gbk_and_utf16_files_are_decoded() {
        let dir = tempfile::tempdir().unwrap();
        let text = "---\ntitle: 移动支付互联互通\n---\n多家银行与支付机构的收款码已经实现互认互通，用户可以使用任一支付应用扫码付款。\n";
        let gbk = dir.path().join("gbk.md");
        fs::write(&gbk, encoding_rs::GBK.encode(text).0).unwrap();
        assert_eq!(read_file(&gbk, 10_000).unwrap().text, text);
        let utf16 = dir.path().join("utf16.md");
        let mut bytes = vec![0xFF, 0xFE];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        fs::write(&utf16, bytes).unwrap();
        assert_eq!(read_file(&utf16, 10_000).unwrap().text, text);
    }

    #[test]
    fn a_file_deleted_between_discovery_and_reading_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("gone.md"), "x").unwrap();
        let (files, _) = discover(&[dir.path().to_path_buf()]);
        fs::remove_file(&files[0]).unwrap();
        let err = read_file(&files[0], 1000).unwrap_err().to_string();
        assert!(err.contains("gone.md") && err.contains("No such file"), "{err}");
    }
}
