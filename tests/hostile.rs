//! Hostile and broken input: one ingest over a folder of bad files (and a few good ones), and
//! the exact outcome of each: a failure with its path, stage and reason, or the article it
//! still makes. The batch always finishes, every good article goes in, the exit code is 2,
//! nothing panics, and the whole run stays within a time bound.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

enum Expect {
    /// Ingested, with this title.
    Ok(&'static str),
    /// Failed at this stage, with this in the reason.
    Fails(&'static str, &'static str),
}
use Expect::{Fails, Ok};

fn gbk(s: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(s).0.into_owned()
}

fn front(title: &str, body: &str) -> Vec<u8> {
    format!("---\ntitle: {title}\n---\n{body}\n").into_bytes()
}

fn deep(open: &str, n: usize) -> String {
    open.repeat(n)
}

/// The cases: file name (relative to the folder), content, expected outcome.
fn cases() -> Vec<(&'static str, Vec<u8>, Expect)> {
    let laughs = "---\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n\
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n\
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n\
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\ntitle: lol\n---\nbody\n";
    let gbk_text = "多家银行与支付机构的收款码已经实现互认互通，用户可以使用任一支付应用扫码付款。";
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend("---\ntitle: UTF-16 文章\n---\n正文。\n".encode_utf16().flat_map(u16::to_le_bytes));
    vec![
        ("empty.md", vec![], Fails("parse", "nothing to index")),
        ("blank.md", b"  \n\n\t\n".to_vec(), Fails("parse", "nothing to index")),
        ("bom-only.md", "\u{feff}".as_bytes().to_vec(), Fails("parse", "nothing to index")),
        ("front-only.md", b"---\n---\n".to_vec(), Fails("parse", "nothing to index")),
        ("binary.md", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01".to_vec(), Fails("read", "binary file (NUL bytes)")),
        ("nul.md", b"---\ntitle: n\n---\nbody\0more\n".to_vec(), Fails("read", "binary file")),
        ("invalid-utf8.md", b"---\ntitle: x\n---\nok \xff\xfe\xfd broken\n".to_vec(), Fails("read", "not valid UTF-8 text (byte 20)")),
        ("gbk.md", {
            let mut b = b"---\ntitle: ".to_vec();
            b.extend(gbk("移动支付互联互通"));
            b.extend(b"\n---\n");
            b.extend(gbk(gbk_text));
            b
        }, Ok("移动支付互联互通")),
        ("gbk-declared.html", {
            let mut b = b"<html><head><meta charset=\"gbk\"><title>".to_vec();
            b.extend(gbk("收款码互认"));
            b.extend(b"</title></head><body><p>");
            b.extend(gbk(gbk_text));
            b.extend(b"</p></body></html>");
            b
        }, Ok("收款码互认")),
        ("utf16.md", utf16, Ok("UTF-16 文章")),
        ("unterminated.md", b"---\ntitle: t\nbody without a closing fence\n".to_vec(), Fails("parse", "is never closed")),
        ("invalid-yaml.md", front("[unclosed", "body"), Fails("parse", "invalid YAML front matter")),
        ("yaml-list.md", b"---\n- a\n- b\n---\nbody\n".to_vec(), Fails("parse", "must be a mapping of keys to values, found a list")),
        ("yaml-scalar.md", b"---\njust a sentence\n---\nbody\n".to_vec(), Fails("parse", "must be a mapping of keys to values, found a string")),
        ("billion-laughs.md", laughs.as_bytes().to_vec(), Fails("parse", "repetition limit exceeded")),
        ("deep-yaml.md", format!("---\ntitle: {}{}\n---\nbody\n", deep("[", 20_000), deep("]", 20_000)).into_bytes(), Fails("parse", "recursion limit exceeded")),
        ("duplicate-keys.md", b"---\ntitle: a\ntitle: b\n---\nbody\n".to_vec(), Fails("parse", "duplicate entry with key \"title\"")),
        ("title-number.md", front("2021", "正文。"), Ok("2021")),
        ("title-list.md", front("[a, b]", "body"), Fails("parse", "`title` must be text, found a list")),
        ("title-null.md", front("~", "第一句话就是标题。后面还有。"), Ok("第一句话就是标题。")),
        ("bad-date.md", b"---\ntitle: d\ndate: not a date\n---\nbody\n".to_vec(), Fails("parse", "unrecognised date \"not a date\"")),
        ("future-date.md", b"---\ntitle: f\ndate: 2999-01-01\n---\nbody\n".to_vec(), Fails("parse", "date 2998-12-31T16:00:00Z is more than a year in the future")),
        ("deep-html.html", format!("<html><body>{}x", deep("<div>", 100_000)).into_bytes(), Fails("parse", "nested more than 512 levels")),
        ("deep-markdown.md", front("q", &format!("{} quote", deep(">", 100_000))), Fails("parse", "nested more than 512 levels")),
        ("deep-inline.md", front("b", &format!("<p>{}text", deep("<b>", 100_000))), Fails("parse", "nested more than 512 levels")),
        ("many-paragraphs.md", front("flat", &deep("<p>段落。</p>", 200_000)), Ok("flat")),
        ("only-images.md", front("只有图片", "<div class=\"img_box\"><img src=\"https://img.example/1.jpg\"></div><p><img src=\"https://img.example/2.jpg\"></p>"), Ok("只有图片")),
        ("only-scripts.md", b"---\n---\n<script>alert(1)</script><style>p{}</style><noscript>x</noscript>\n".to_vec(), Fails("parse", "nothing to index")),
        ("tabs.md", b"---\ntitle: t\ncategories:\n\t- a\n---\nbody\n".to_vec(), Fails("parse", "invalid YAML front matter")),
        ("mixed-newlines.md", b"---\r\ntitle: mixed\ndate: 2021-09-01\r\n---\nline one\r\nline two\n".to_vec(), Ok("mixed")),
        ("long-title.md", front(&"长".repeat(200_000), "正文。"), Ok("")),
        ("long-line.md", front("long line", &"很长的一行没有换行".repeat(300_000)), Ok("long line")),
        ("odd name \"quoted\" 新闻 🚀\n.md", front("odd name", "正文。"), Ok("odd name")),
        ("good/one.md", front("第一篇好文章", "云闪付与微信支付实现互认。"), Ok("第一篇好文章")),
        ("good/two.md", front("Second good article", "An antitrust ruling came today."), Ok("Second good article")),
    ]
}

fn nd(index: &Path) -> Command {
    let mut cmd = Command::cargo_bin("newsdesk").expect("binary built");
    cmd.env_remove("NEWSDESK_INDEX").env_remove("RUST_LOG").env("NO_COLOR", "1");
    cmd.arg("--index").arg(index);
    cmd
}

#[test]
fn every_hostile_input_has_its_exact_outcome_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("in");
    std::fs::create_dir_all(root.join("good")).unwrap();
    let cases = cases();
    assert!(cases.len() >= 30, "at least 30 cases, have {}", cases.len());
    for (name, bytes, _) in &cases {
        std::fs::write(root.join(name), bytes).unwrap();
    }
    // Over the size limit: 60 MB, sparse, so the test writes nothing; refused unread.
    std::fs::File::create(root.join("huge.md")).unwrap().set_len(60 * 1024 * 1024).unwrap();
    // A folder that links back to its parent.
    std::fs::create_dir_all(root.join("loop")).unwrap();
    std::os::unix::fs::symlink("..", root.join("loop/up")).unwrap();
    // Unreadable, for anyone but root.
    let locked = root.join("unreadable.md");
    std::fs::write(&locked, front("unreadable", "正文。")).unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let privileged = std::fs::read(&locked).is_ok();
    // A FIFO named like an article: reading it would block forever.
    let fifo = dir.path().join("pipe.md");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());

    let index = dir.path().join("index");
    let report = dir.path().join("report.json");
    let started = Instant::now();
    let out = nd(&index).arg("ingest").arg(&root).arg(&fifo).arg("--report").arg(&report).output().unwrap();
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
    assert!(!stderr.contains("panicked") && !stderr.contains("internal error"), "{stderr}");

    let entries: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let by_source = |path: &Path| -> &Value {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        entries
            .iter()
            .find(|e| {
                let s = e["source"].as_str().unwrap();
                Path::new(s) == path || Path::new(s) == canonical
            })
            .unwrap_or_else(|| panic!("{} not in the report: {entries:#?}", path.display()))
    };
    let export = nd(&index).args(["export", "--format", "jsonl"]).output().unwrap();
    let articles: Vec<Value> =
        String::from_utf8(export.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let article_from = |path: &Path| -> Option<&Value> {
        let canonical = std::fs::canonicalize(path).ok()?;
        articles.iter().find(|a| Path::new(a["source"]["location"].as_str().unwrap()) == canonical)
    };

    for (name, _, expect) in &cases {
        let path: PathBuf = root.join(name);
        let entry = by_source(&path);
        match expect {
            Ok(title) => {
                assert_eq!(entry["status"], "ok", "{name}: {entry}");
                let a = article_from(&path).unwrap_or_else(|| panic!("{name}: not in the index"));
                if !title.is_empty() {
                    assert_eq!(a["title"], *title, "{name}");
                }
            }
            Fails(stage, reason) => {
                assert_eq!(
                    (entry["status"].as_str(), entry["stage"].as_str()),
                    (Some("failed"), Some(*stage)),
                    "{name}: {entry}"
                );
                let text = entry["reason"].as_str().unwrap();
                assert!(text.contains(reason), "{name}: {text:?} lacks {reason:?}");
                assert!(
                    text.contains(name.trim_end_matches(".md").split('/').next_back().unwrap()),
                    "{name}: the reason names the file: {text}"
                );
            }
        }
    }

    // The ones that are not plain files in the folder.
    let huge = by_source(&root.join("huge.md"));
    assert!(
        huge["reason"].as_str().unwrap().contains("is 62914560 bytes, over the 10485760-byte limit"),
        "{huge}"
    );
    let looped = entries
        .iter()
        .find(|e| e["reason"].as_str().is_some_and(|r| r.contains("loop")))
        .expect("the loop is reported");
    assert_eq!(looped["stage"], "read");
    let pipe = by_source(&fifo);
    assert!(pipe["reason"].as_str().unwrap().contains("not a regular file"), "{pipe}");
    let unreadable = by_source(&locked);
    if privileged {
        assert_eq!(unreadable["status"], "ok", "root reads it anyway");
    } else {
        assert!(unreadable["reason"].as_str().unwrap().contains("Permission denied"), "{unreadable}");
    }

    // Details of the odd successes.
    let images = article_from(&root.join("only-images.md")).unwrap();
    assert_eq!((images["text"].as_str(), images["images"].as_array().unwrap().len()), (Some(""), 2));
    let long = article_from(&root.join("long-title.md")).unwrap();
    assert_eq!(
        long["title"].as_str().unwrap().chars().count(),
        501,
        "cut at 500 characters plus an ellipsis"
    );
    let gbk = article_from(&root.join("gbk.md")).unwrap();
    assert!(gbk["text"].as_str().unwrap().contains("收款码已经实现互认互通"), "{gbk}");
    let mixed = article_from(&root.join("mixed-newlines.md")).unwrap();
    assert_eq!(mixed["text"], "line one line two", "a Markdown soft break, CRLF or not");
}
