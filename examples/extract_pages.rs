//! Web-page extraction throughput: puts every article of the given folders into each page
//! template of `tests/fixtures/extraction/templates/` (as the evaluation test does), then times
//! `web::page::document` plus cleaning over all the pages, single-threaded, for several rounds.
//! Prints pages per second and MB of HTML per second (median round).
//!
//! Usage: `cargo run --release --example extract_pages -- FOLDER... [--rounds N]`

use std::path::{Path, PathBuf};
use std::time::Instant;

use newsdesk::parse::{self, ParseOptions};
use newsdesk::{clean, source};

fn main() {
    let mut rounds = 5;
    let mut dirs = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--rounds" {
            rounds = args.next().and_then(|n| n.parse().ok()).expect("--rounds N");
        } else {
            dirs.push(PathBuf::from(a));
        }
    }
    let templates_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extraction/templates");
    let mut templates: Vec<String> = std::fs::read_dir(&templates_dir)
        .expect("templates folder")
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    templates.sort();
    let (files, _) = source::discover(&dirs);
    let mut pages = Vec::new();
    for path in files {
        let Ok(raw) = source::read_file(&path, source::DEFAULT_MAX_FILE_BYTES) else { continue };
        let Ok(doc) = parse::parse(raw, &ParseOptions::default()) else { continue };
        let title = doc.front.title.clone().unwrap_or_default();
        let body = newsdesk::pipeline::body_html(doc.format, doc.body);
        let text = clean::clean(&body, false).text;
        let lead = format!("<p>{}</p>", text.split("\n\n").next().unwrap_or_default());
        for t in &templates {
            pages.push(
                t.replace("{{title_json}}", &format!("{title:?}"))
                    .replace("{{author_json}}", "\"\"")
                    .replace("{{text_json}}", &format!("{text:?}"))
                    .replace("{{title}}", &title)
                    .replace("{{author}}", "")
                    .replace("{{date}}", "2021-09-13 10:00")
                    .replace("{{lead}}", &lead)
                    .replace("{{body}}", &body),
            );
        }
    }
    let bytes: usize = pages.iter().map(String::len).sum();
    let url = url::Url::parse("https://news.example.com/a.html").unwrap();
    let mut secs = Vec::new();
    let mut chars = 0;
    for _ in 0..rounds {
        let start = Instant::now();
        chars = 0;
        for p in &pages {
            let doc = newsdesk::web::page::document(p, &url, &ParseOptions::default());
            chars += clean::clean(&doc.body, false).text.len();
        }
        secs.push(start.elapsed().as_secs_f64());
    }
    secs.sort_by(f64::total_cmp);
    let median = secs[secs.len() / 2];
    println!(
        "{} pages, {:.1} MB of HTML, {rounds} rounds: median {median:.2} s, {:.0} pages/s, {:.1} MB/s (min {:.2} s, max {:.2} s; {chars} bytes of text)",
        pages.len(),
        bytes as f64 / 1e6,
        pages.len() as f64 / median,
        bytes as f64 / 1e6 / median,
        secs[0],
        secs[secs.len() - 1],
    );
}
