//! Front-matter parsing (YAML and TOML, dates, field types) on arbitrary text: it may refuse,
//! it must not panic or hang.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdesk::article::{SourceKind, SourceRef};
use newsdesk::parse::{parse, ParseOptions};
use newsdesk::source::{BodyFormat, RawDocument};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let raw = RawDocument {
        source: SourceRef { kind: SourceKind::File, location: "/fuzz.md".into() },
        format: BodyFormat::Markdown,
        text: text.to_string(),
    };
    let _ = parse(raw, &ParseOptions::default());
});
