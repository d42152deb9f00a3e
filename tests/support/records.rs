#![allow(dead_code)] // each test file uses part of it
//! Comparing what two indexes hold, record by record and field by field.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// The JSON values of the non-blank lines of `bytes`.
pub fn lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The records of `index` (`newsdesk export`), by id.
pub fn export(index: &Path) -> BTreeMap<String, Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .arg("--index")
        .arg(index)
        .arg("export")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    lines(&out.stdout).into_iter().map(|r| (r["id"].as_str().unwrap().to_string(), r)).collect()
}

/// Checks that two sets of records hold the same articles, field by field (`ingested_at` left
/// out: it is when each went in).
pub fn assert_same_records(a: &BTreeMap<String, Value>, b: &BTreeMap<String, Value>) {
    let only = |x: &BTreeMap<String, Value>, y: &BTreeMap<String, Value>| {
        x.keys().filter(|k| !y.contains_key(*k)).cloned().collect::<Vec<_>>()
    };
    assert!(
        a.len() == b.len() && only(a, b).is_empty(),
        "only in the first: {:?}; only in the second: {:?}",
        only(a, b),
        only(b, a)
    );
    for (id, x) in a {
        let y = &b[id];
        for (field, value) in x.as_object().unwrap() {
            if field == "ingested_at" {
                continue;
            }
            assert_eq!(Some(value), y.get(field), "article {id}, field {field}");
        }
        assert_eq!(x.as_object().unwrap().len(), y.as_object().unwrap().len(), "article {id}: other fields");
    }
}
