//! Splits a raw document into front matter and body, and reads the front matter.
//!
//! YAML front matter sits between `---` fences (closed by `---` or `...`), TOML between `+++`
//! fences (Hugo). Both are tolerated after a BOM, leading blank lines and with CRLF line ends.
//! Known keys become typed fields; every other key is kept, untouched, in `extra`. A document
//! with no fence at all is all body.
//!
//! The body is classified, not transformed: HTML for `.html`/`.htm` files and for Markdown
//! files whose body starts with a tag (as RSS-to-blog mirrors write them), Markdown otherwise.
//!
//! Not here: anything about the body's content (see [`crate::clean`]).

pub mod date;

use chrono::{DateTime, FixedOffset, Utc};
use serde_json::{Map, Value};

use crate::article::SourceRef;
use crate::source::RawDocument;

/// Options of the parse stage.
#[derive(Debug, Clone, Copy)]
pub struct ParseOptions {
    /// Zone of dates that name none.
    pub default_zone: FixedOffset,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { default_zone: date::default_zone() }
    }
}

/// Why a document could not be parsed.
#[derive(Debug, thiserror::Error)]
pub enum ParseErrorKind {
    #[error(
        "front matter opened with `{fence}` on line {line} is never closed; add a closing `{fence}` line"
    )]
    Unterminated { fence: &'static str, line: usize },
    #[error("invalid YAML front matter: {0}")]
    Yaml(String),
    #[error("invalid TOML front matter: {0}")]
    Toml(String),
    #[error("front matter must be a mapping of keys to values, found {0}")]
    NotAMapping(&'static str),
    #[error("front-matter key `{key}` must be {expected}, found {found}")]
    BadField { key: String, expected: &'static str, found: &'static str },
    #[error("nothing to index: no title and no text")]
    Empty,
    #[error("date {value} is more than a year in the future; fix the date in the front matter")]
    FutureDate { value: String },
    #[error("HTML nested more than {limit} levels deep; not read (real articles stay far below that)")]
    TooDeep { limit: usize },
    #[error("unrecognised date {value:?} in `{key}` (use RFC 3339, RFC 2822, YYYY-MM-DD HH:MM[:SS] or 2021年8月20日 15:20)")]
    BadDate { key: String, value: String },
}

/// A parse failure, with the location of the document it concerns.
#[derive(Debug, thiserror::Error)]
#[error("{location}: {kind}")]
pub struct ParseError {
    pub location: String,
    pub kind: ParseErrorKind,
}

pub use crate::source::BodyFormat;

/// The typed front matter. Every field is optional: a document may have none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub author: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub categories: Vec<String>,
    pub tags: Vec<String>,
    pub url: Option<String>,
    pub lead_image: Option<String>,
    pub lang: Option<String>,
    pub extra: Map<String, Value>,
}

/// A document split and its front matter read.
#[derive(Debug, Clone)]
pub struct ParsedDocument {
    pub source: SourceRef,
    pub front: FrontMatter,
    pub body: String,
    pub format: BodyFormat,
}

/// Splits and reads `raw`.
pub fn parse(raw: RawDocument, opts: &ParseOptions) -> Result<ParsedDocument, ParseError> {
    let fail = |kind| ParseError { location: raw.source.location.clone(), kind };
    let split = split_front_matter(&raw.text).map_err(fail)?;
    let front = match split.front {
        None => Ok(FrontMatter::default()),
        Some((Syntax::Yaml, text)) => {
            yaml_mapping(&text, split.first_line).and_then(|m| read_fields(m, opts))
        }
        Some((Syntax::Toml, text)) => toml_mapping(&text).and_then(|m| read_fields(m, opts)),
    }
    .map_err(fail)?;
    let format = if raw.format == BodyFormat::Html || starts_with_tag(split.body) {
        BodyFormat::Html
    } else {
        BodyFormat::Markdown
    };
    let body = split.body.to_string();
    Ok(ParsedDocument { source: raw.source, front, body, format })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    Yaml,
    Toml,
}

struct Split<'a> {
    front: Option<(Syntax, String)>,
    /// Line number (1-based) in the file of the first front-matter line.
    first_line: usize,
    body: &'a str,
}

/// Finds the front matter block. Its text comes back with LF line ends.
fn split_front_matter(text: &str) -> Result<Split<'_>, ParseErrorKind> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut offset = 0;
    let mut line_no = 0;
    let mut lines = text.split_inclusive('\n');
    // Skip blank lines before the opening fence.
    let (fence, syntax) = loop {
        let Some(line) = lines.next() else {
            return Ok(Split { front: None, first_line: 0, body: text });
        };
        line_no += 1;
        let trimmed = line.trim_end();
        if trimmed.trim_start().is_empty() {
            offset += line.len();
            continue;
        }
        match trimmed {
            "---" => break ("---", Syntax::Yaml),
            "+++" => break ("+++", Syntax::Toml),
            _ => return Ok(Split { front: None, first_line: 0, body: text }),
        }
    };
    let open_line = line_no;
    let mut end = offset + fence.len();
    end += text[end..].find('\n').map_or(text.len() - end, |i| i + 1);
    let start = end;
    for line in lines {
        let trimmed = line.trim_end();
        if trimmed == fence || (syntax == Syntax::Yaml && trimmed == "...") {
            let front = text[start..end].replace("\r\n", "\n");
            return Ok(Split {
                front: Some((syntax, front)),
                first_line: open_line + 1,
                body: &text[end + line.len()..],
            });
        }
        end += line.len();
    }
    Err(ParseErrorKind::Unterminated { fence, line: open_line })
}

/// Reads a YAML mapping; error positions are given as lines of the file, which starts the
/// front matter at `first_line`.
fn yaml_mapping(text: &str, first_line: usize) -> Result<Map<String, Value>, ParseErrorKind> {
    let value: serde_yaml::Value = serde_yaml::from_str(text)
        .map_err(|e| ParseErrorKind::Yaml(shift_line_numbers(&e.to_string(), first_line - 1)))?;
    match yaml_to_json(value) {
        Value::Object(map) => Ok(map),
        Value::Null => Ok(Map::new()),
        other => Err(ParseErrorKind::NotAMapping(json_kind(&other))),
    }
}

/// Adds `delta` to every `line N` in a parser message, so positions count lines of the file.
fn shift_line_numbers(message: &str, delta: usize) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("line ") {
        let (head, tail) = rest.split_at(i + "line ".len());
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        match tail[..digits].parse::<usize>() {
            Ok(n) => out.push_str(&(n + delta).to_string()),
            Err(_) => out.push_str(&tail[..digits]),
        }
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

fn yaml_to_json(value: serde_yaml::Value) -> Value {
    use serde_yaml::Value as Y;
    match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                n.as_f64().and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number)
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect()),
        Y::Mapping(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let key = match yaml_to_json(k) {
                        Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Y::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

fn toml_mapping(text: &str) -> Result<Map<String, Value>, ParseErrorKind> {
    let table: toml::Table =
        text.parse().map_err(|e: toml::de::Error| ParseErrorKind::Toml(e.message().to_string()))?;
    Ok(table.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect())
}

fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(t) => Value::Object(t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect()),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

const TITLE_KEYS: [&str; 1] = ["title"];
const AUTHOR_KEYS: [&str; 2] = ["author", "authors"];
const DATE_KEYS: [&str; 5] = ["date", "published", "published_at", "pubDate", "pubdate"];
const CATEGORY_KEYS: [&str; 2] = ["categories", "category"];
const TAG_KEYS: [&str; 3] = ["tags", "tag", "keywords"];
const URL_KEYS: [&str; 5] = ["url", "link", "canonical", "canonical_url", "permalink"];
const IMAGE_KEYS: [&str; 5] = ["headimg", "thumbnail", "image", "cover", "lead_image"];
const LANG_KEYS: [&str; 2] = ["lang", "language"];

/// Removes the first present key of `keys` (and the other aliases) and returns its value.
fn take(map: &mut Map<String, Value>, keys: &[&str]) -> Option<(String, Value)> {
    let mut found = None;
    for key in keys {
        if let Some(v) = map.shift_remove(*key) {
            if found.is_none() && !v.is_null() && v != Value::String(String::new()) {
                found = Some((key.to_string(), v));
            }
        }
    }
    found
}

/// A scalar as text; lists and mappings are refused.
fn scalar_text(key: &str, v: Value) -> Result<Option<String>, ParseErrorKind> {
    match v {
        Value::String(s) => Ok(Some(s.trim().to_string()).filter(|s| !s.is_empty())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Null => Ok(None),
        other => {
            Err(ParseErrorKind::BadField { key: key.to_string(), expected: "text", found: json_kind(&other) })
        }
    }
}

/// A list of names given as a list, or as one string (split at commas).
fn name_list(key: &str, v: Value) -> Result<Vec<String>, ParseErrorKind> {
    let items = match v {
        Value::Array(items) => items,
        Value::String(s) => s.split([',', '，']).map(|p| Value::String(p.to_string())).collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    };
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if let Some(name) = scalar_text(key, item)? {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    Ok(out)
}

fn read_fields(mut map: Map<String, Value>, opts: &ParseOptions) -> Result<FrontMatter, ParseErrorKind> {
    let mut front = FrontMatter::default();
    if let Some((k, v)) = take(&mut map, &TITLE_KEYS) {
        front.title = scalar_text(&k, v)?;
    }
    if let Some((k, v)) = take(&mut map, &AUTHOR_KEYS) {
        front.author = match v {
            Value::Array(_) => Some(name_list(&k, v)?.join(", ")).filter(|s| !s.is_empty()),
            Value::Object(mut o) => o.remove("name").map(|n| scalar_text(&k, n)).transpose()?.flatten(),
            v => scalar_text(&k, v)?,
        };
    }
    if let Some((k, v)) = take(&mut map, &DATE_KEYS) {
        if let Some(text) = scalar_text(&k, v)? {
            front.published_at = Some(
                date::parse_date(&text, opts.default_zone)
                    .ok_or(ParseErrorKind::BadDate { key: k, value: text })?,
            );
        }
    }
    if let Some((k, v)) = take(&mut map, &CATEGORY_KEYS) {
        front.categories = name_list(&k, v)?;
    }
    if let Some((k, v)) = take(&mut map, &TAG_KEYS) {
        front.tags = name_list(&k, v)?;
    }
    if let Some((k, v)) = take(&mut map, &URL_KEYS) {
        front.url = scalar_text(&k, v)?;
    }
    if let Some((k, v)) = take(&mut map, &IMAGE_KEYS) {
        front.lead_image = scalar_text(&k, v)?.map(|u| crate::clean::unwrap_proxy(&u));
    }
    if let Some((k, v)) = take(&mut map, &LANG_KEYS) {
        front.lang = scalar_text(&k, v)?;
    }
    front.extra = map;
    Ok(front)
}

/// Whether a body is HTML: its first non-blank character opens a tag or a comment.
fn starts_with_tag(body: &str) -> bool {
    let mut chars = body.trim_start().chars();
    chars.next() == Some('<') && chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '!')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::SourceKind;

    fn raw(text: &str, ext: &str) -> RawDocument {
        RawDocument {
            source: SourceRef { kind: SourceKind::File, location: "/t/a.md".into() },
            format: BodyFormat::of_extension(ext),
            text: text.into(),
        }
    }

    fn front(text: &str) -> FrontMatter {
        parse(raw(text, "md"), &ParseOptions::default()).unwrap().front
    }

    fn error(text: &str) -> String {
        parse(raw(text, "md"), &ParseOptions::default()).unwrap_err().to_string()
    }

    const CORPUS_LIKE: &str = "\n---\ntitle: '标题'\ncategories: \n - 新媒体\n - ZAKER\n - channel\nheadimg: 'https://cors.zfour.workers.dev/?http://zkres2.myzaker.com/a.jpg'\nauthor: ZAKER\ncomments: false\ndate: Thu, 26 May 2022 18:25:00 GMT\nthumbnail: 'https://x/b.jpg'\n---\n\n<div>   \n<p>正文</p></div>\n";

    #[test]
    fn reads_the_corpus_front_matter() {
        let doc = parse(raw(CORPUS_LIKE, "md"), &ParseOptions::default()).unwrap();
        let f = &doc.front;
        assert_eq!(f.title.as_deref(), Some("标题"));
        assert_eq!(f.categories, ["新媒体", "ZAKER", "channel"]);
        assert_eq!(f.author.as_deref(), Some("ZAKER"));
        assert_eq!(f.lead_image.as_deref(), Some("http://zkres2.myzaker.com/a.jpg"));
        assert_eq!(
            f.published_at.map(|t| crate::article::format_utc(&t)).as_deref(),
            Some("2022-05-26T18:25:00Z")
        );
        assert_eq!(f.extra.get("comments"), Some(&Value::Bool(false)));
        assert!(!f.extra.contains_key("thumbnail"));
        assert_eq!(doc.format, BodyFormat::Html);
        assert!(doc.body.contains("<p>正文</p>"));
    }

    #[test]
    fn tolerates_bom_crlf_and_leading_blank_lines() {
        let crlf = CORPUS_LIKE.replace('\n', "\r\n");
        let with_bom = format!("\u{feff}\r\n \r\n{crlf}");
        assert_eq!(front(&with_bom).title.as_deref(), Some("标题"));
        assert_eq!(front(&with_bom).categories, ["新媒体", "ZAKER", "channel"]);
    }

    #[test]
    fn quotes_inside_titles() {
        let f = front("---\ntitle: '微信\"外链\"解禁：''互联互通''来了'\n---\nbody");
        assert_eq!(f.title.as_deref(), Some("微信\"外链\"解禁：'互联互通'来了"));
    }

    #[test]
    fn categories_and_tags_as_single_strings() {
        let f = front("---\ncategories: 编程\ntags: kubernetes, 云原生\n---\nx");
        assert_eq!(f.categories, ["编程"]);
        assert_eq!(f.tags, ["kubernetes", "云原生"]);
    }

    #[test]
    fn unknown_keys_are_kept_in_extra() {
        let f = front("---\ntitle: t\nword_count: 812\nsource_url: http://a/b\n---\nx");
        assert_eq!(f.extra.get("word_count"), Some(&Value::from(812)));
        assert_eq!(f.extra.get("source_url"), Some(&Value::from("http://a/b")));
    }

    #[test]
    fn toml_front_matter() {
        let f = front(
            "+++\ntitle = \"Hugo 文章\"\ndate = 2022-03-01T10:00:00+08:00\ntags = [\"a\", \"b\"]\n+++\n正文",
        );
        assert_eq!(f.title.as_deref(), Some("Hugo 文章"));
        assert_eq!(f.tags, ["a", "b"]);
        assert_eq!(
            f.published_at.map(|t| crate::article::format_utc(&t)).as_deref(),
            Some("2022-03-01T02:00:00Z")
        );
    }

    #[test]
    fn no_front_matter_is_all_body() {
        let doc = parse(raw("# Heading\n\ntext ---\n", "md"), &ParseOptions::default()).unwrap();
        assert_eq!(doc.front, FrontMatter::default());
        assert_eq!(doc.format, BodyFormat::Markdown);
        assert!(doc.body.starts_with("# Heading"));
    }

    #[test]
    fn yaml_may_close_with_dots_and_title_may_be_a_number() {
        let f = front("---\ntitle: 123\n...\nbody");
        assert_eq!(f.title.as_deref(), Some("123"));
    }

    #[test]
    fn errors_name_the_file_and_the_fix() {
        assert!(error("---\ntitle: x\nbody")
            .contains("/t/a.md: front matter opened with `---` on line 1 is never closed"));
        let yaml = error("\n---\ntitle: ok\nauthor: [unclosed\n---\nx");
        assert!(yaml.contains("invalid YAML") && yaml.contains("at line 5 column 1"), "{yaml}");
        assert!(error("---\n- a\n- b\n---\nx").contains("must be a mapping"));
        assert!(error("---\ntitle: [a, b]\n---\nx").contains("`title` must be text, found a list"));
        assert!(error("---\ndate: 'not a date'\n---\nx").contains("unrecognised date \"not a date\""));
        assert!(error("+++\ntitle = \n+++\nx").contains("invalid TOML"));
    }

    #[test]
    fn html_files_are_html_whatever_they_start_with() {
        let doc = parse(raw("plain words", "html"), &ParseOptions::default()).unwrap();
        assert_eq!(doc.format, BodyFormat::Html);
    }
}
