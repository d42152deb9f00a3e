//! `newsdesk prepare` (the pipeline without an index), WARC files as a source, and records
//! loading back with `ingest`: ids and analysis kept, duplicates decided at load exactly as a
//! local ingest decides them, an export round trip identical.

#[path = "support/records.rs"]
mod records;
#[path = "support/warc_file.rs"]
mod warc_file;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use records::{assert_same_records, export, lines};
use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn newsdesk(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_newsdesk"));
    cmd.current_dir(dir).env_remove("NEWSDESK_INDEX");
    cmd
}

fn ok(out: Output) -> Output {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out
}

#[test]
fn prepare_writes_export_records_without_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(newsdesk(dir.path()).arg("prepare").arg(root().join("data")).output().unwrap());
    let records = lines(&out.stdout);
    assert_eq!(records.len(), 20);
    for r in &records {
        assert_eq!(r["schema"], 2);
        assert!(r["duplicate_of"].is_null(), "duplicates are decided at load");
        assert!(!r["keywords"].as_array().unwrap().is_empty());
    }
    assert!(!dir.path().join("index").exists(), "no index is made");
    let summary = lines(&out.stderr);
    assert_eq!(summary.last().unwrap()["prepared"], 20);

    // --out FILE.gz writes the same records, gzipped.
    let gz = dir.path().join("part.jsonl.gz");
    ok(newsdesk(dir.path()).arg("prepare").arg(root().join("data")).arg("--out").arg(&gz).output().unwrap());
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(std::fs::File::open(&gz).unwrap()),
        &mut text,
    )
    .unwrap();
    let ids = |rs: &[Value]| rs.iter().map(|r| r["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    assert_eq!(ids(&lines(text.as_bytes())), ids(&records));
}

#[test]
fn failures_are_json_lines_on_stderr_and_the_exit_code_says_so() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.md"), b"---\ntitle: [unclosed\n---\nbody\n").unwrap();
    let out = newsdesk(dir.path())
        .arg("prepare")
        .arg(root().join("data/3DMGame/国产动作游戏《山海行》首曝实机演示 支持光线追踪.md"))
        .arg(dir.path().join("bad.md"))
        .arg(dir.path().join("missing.md"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(lines(&out.stdout).len(), 1, "the good article is still written");
    let err = lines(&out.stderr);
    let failures: Vec<&Value> = err.iter().filter(|l| l.get("source").is_some()).collect();
    assert_eq!(failures.len(), 2, "{err:?}");
    for f in failures {
        assert!(f["stage"].is_string() && !f["reason"].as_str().unwrap().is_empty(), "{f}");
    }
    assert_eq!(err.last().unwrap()["failed"], 2);
}

#[test]
fn warc_response_records_with_html_are_articles() {
    let dir = tempfile::tempdir().unwrap();
    for gzip in [false, true] {
        let warc = dir.path().join(if gzip { "crawl.warc.gz" } else { "crawl.warc" });
        warc_file::write(&warc, gzip);
        let out = newsdesk(dir.path()).arg("prepare").arg(&warc).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "the broken record is a failure");
        let records = lines(&out.stdout);
        let by_url: BTreeMap<&str, &Value> =
            records.iter().map(|r| (r["url"].as_str().unwrap(), r)).collect();
        assert_eq!(by_url.len(), 3, "pages only: no request, redirect or image: {:?}", by_url.keys());
        for (url, title) in warc_file::PAGES {
            let r = by_url.get(url).unwrap_or_else(|| panic!("{url} missing"));
            assert_eq!(r["title"], title, "{url}");
            assert_eq!(r["source"]["kind"], "url");
            assert!(!r["text"].as_str().unwrap().contains("版权所有"), "boilerplate is cleaned: {url}");
        }
        let gbk = by_url[warc_file::PAGES[1].0];
        assert!(
            gbk["text"].as_str().unwrap().contains("数字人民币试点范围再次扩大"),
            "GBK decoded by the HTTP charset"
        );
        assert_eq!(gbk["published_at"], "2021-10-08T03:00:00Z", "undated page: WARC-Date");
        assert_eq!(
            by_url[warc_file::PAGES[0].0]["published_at"],
            "2021-10-08T01:30:00Z",
            "the page's own date"
        );
        let failures: Vec<Value> =
            lines(&out.stderr).into_iter().filter(|l| l.get("source").is_some()).collect();
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0]["source"], warc_file::BROKEN);
    }
    // The same archive goes straight into an index too.
    let out = newsdesk(dir.path())
        .args(["--index", "idx", "ingest"])
        .arg(dir.path().join("crawl.warc.gz"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(export(&dir.path().join("idx")).len(), 3);
}

#[test]
fn prepared_records_load_into_the_same_index_as_a_local_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let warc = dir.path().join("crawl.warc.gz");
    warc_file::write(&warc, true);
    // The prepared records come in another order (the archive first): duplicates must not
    // depend on it.
    let local = dir.path().join("local");
    let _ = newsdesk(dir.path())
        .arg("--index")
        .arg(&local)
        .arg("ingest")
        .arg(root().join("data"))
        .arg(&warc)
        .output()
        .unwrap();
    let prepared = dir.path().join("prepared.jsonl");
    let out = newsdesk(dir.path())
        .arg("prepare")
        .arg(&warc)
        .arg(root().join("data"))
        .arg("--out")
        .arg(&prepared)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let loaded = dir.path().join("loaded");
    let out = newsdesk(dir.path()).arg("--index").arg(&loaded).arg("ingest").arg(&prepared).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (a, b) = (export(&local), export(&loaded));
    assert!(a.values().any(|r| !r["duplicate_of"].is_null()), "the sample holds a near-duplicate");
    assert_same_records(&a, &b);
}

#[test]
fn an_export_reimported_into_an_empty_index_gives_identical_records() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    ok(newsdesk(dir.path())
        .arg("--index")
        .arg(&first)
        .arg("ingest")
        .arg(root().join("data"))
        .output()
        .unwrap());
    let exported = ok(newsdesk(dir.path()).arg("--index").arg(&first).arg("export").output().unwrap()).stdout;
    // Detected by content, not by name: a .txt file, and gzipped.
    let plain = dir.path().join("records.txt");
    std::fs::write(&plain, &exported).unwrap();
    let gz = dir.path().join("records.bin");
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut enc, &exported).unwrap();
    std::fs::write(&gz, enc.finish().unwrap()).unwrap();
    for file in [&plain, &gz] {
        let again = dir.path().join(format!("again-{}", file.file_name().unwrap().to_string_lossy()));
        ok(newsdesk(dir.path()).arg("--index").arg(&again).arg("ingest").arg(file).output().unwrap());
        let reexported =
            ok(newsdesk(dir.path()).arg("--index").arg(&again).arg("export").output().unwrap()).stdout;
        let sorted = |b: &[u8]| {
            let mut v: Vec<String> = String::from_utf8_lossy(b).lines().map(str::to_string).collect();
            v.sort();
            v
        };
        assert_eq!(sorted(&reexported), sorted(&exported), "{}", file.display());
    }
    // A record of another schema version is refused by line, not loaded wrongly.
    let old = dir.path().join("old.jsonl");
    let line = String::from_utf8_lossy(&exported).lines().next().unwrap().replacen(
        "\"schema\":2",
        "\"schema\":1",
        1,
    );
    std::fs::write(&old, format!("{line}\n")).unwrap();
    let out = newsdesk(dir.path()).args(["--index", "old-idx", "ingest"]).arg(&old).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("schema 1"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
