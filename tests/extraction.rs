//! How well a web page's main content is found: an evaluation set, scored the way public
//! extraction benchmarks score (F1 over 4-token shingles of `\w+` tokens, per page, precision
//! and recall averaged over pages), plus a count of pages that keep page furniture.
//!
//! The set is built at test time: every article of `data/` (and of `../shared/corpus` when it
//! is there, or `NEWSDESK_CORPUS`) is put into each page template of
//! `tests/fixtures/extraction/templates/`: Chinese portals (channel navigation, breadcrumbs,
//! share bars, related news, rankings, comments, QR boxes, ICP footers), a table layout, an
//! app page whose full text is only in JSON-LD, a short flash item without `<article>`, an
//! English news page with a cookie banner, a WordPress blog, and a bare page with `<nav>`,
//! a sidebar, `<article>` and `<footer>`. The expected text of a page is what the cleaning stage
//! makes of the article's own body, so the score measures extraction alone. Furniture is
//! whatever text a template shows with no article in it: a page keeps boilerplate when any
//! such line survives.
//!
//! `cargo test --test extraction -- --nocapture` prints the table, with the `trafilatura`
//! crate alone beside newsdesk.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use newsdesk::clean;
use newsdesk::parse::{self, ParseOptions};
use newsdesk::pipeline::body_html;
use newsdesk::source;
use url::Url;

/// The floor newsdesk must stay above, per template and overall (mean F1 over pages).
const MIN_F1: f64 = 0.97;
/// The floor on disguised pages (see [`disguise`]).
const MIN_DISGUISED_F1: f64 = 0.97;

/// One page's score. As in the benchmarks, a page that predicts nothing has no precision (it
/// is left out of the precision mean) and a recall of 0.
#[derive(Default, Clone, Copy, Debug, PartialEq)]
struct Score {
    precision: Option<f64>,
    recall: f64,
}

/// Tokens as the benchmarks' `\w+` finds them: runs of letters, digits, marks and `_`.
fn tokens(text: &str) -> Vec<&str> {
    let word = |c: char| c.is_alphanumeric() || c == '_' || is_mark(c);
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (word(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(&text[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

fn is_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F)
}

fn shingles(text: &str) -> HashMap<Vec<&str>, usize> {
    const N: usize = 4;
    let t = tokens(text);
    let mut out = HashMap::new();
    if t.is_empty() {
        return out;
    }
    for i in 0..t.len().saturating_sub(N - 1).max(1) {
        *out.entry(t[i..(i + N).min(t.len())].to_vec()).or_default() += 1;
    }
    out
}

/// Precision and recall of `pred` against `truth` over shingle counts.
fn score(truth: &str, pred: &str) -> Score {
    let (t, p) = (shingles(truth), shingles(pred));
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for key in t.keys().chain(p.keys().filter(|k| !t.contains_key(*k))) {
        let (a, b) = (t.get(key).copied().unwrap_or(0), p.get(key).copied().unwrap_or(0));
        tp += a.min(b);
        fp += b.saturating_sub(a);
        fn_ += a.saturating_sub(b);
    }
    if fp == 0 && fn_ == 0 {
        return Score { precision: Some(1.0), recall: 1.0 };
    }
    let ratio = |x: usize, y: usize| if x + y == 0 { 0.0 } else { x as f64 / (x + y) as f64 };
    Score { precision: (tp + fp > 0).then(|| ratio(tp, fp)), recall: ratio(tp, fn_) }
}

fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    }
}

struct Article {
    name: String,
    title: String,
    author: String,
    date: String,
    body: String,
    text: String,
    lead_html: String,
    lead: String,
}

fn articles() -> Vec<Article> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![root.join("data")];
    let corpus = std::env::var_os("NEWSDESK_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/corpus"));
    if corpus.is_dir() {
        dirs.push(corpus);
    } else {
        eprintln!("note: no corpus at {}; data/ only", corpus.display());
    }
    let (files, errors) = source::discover(&dirs);
    assert!(errors.is_empty(), "{errors:?}");
    let mut out = Vec::new();
    for path in files {
        let raw = source::read_file(&path, source::DEFAULT_MAX_FILE_BYTES).unwrap();
        let Ok(doc) = parse::parse(raw, &ParseOptions::default()) else { continue };
        let Some(title) = doc.front.title.clone() else { continue };
        let body = body_html(doc.format, doc.body);
        let text = clean::clean(&body, false).text;
        if text.chars().count() < 80 {
            continue;
        }
        let lead = text.split("\n\n").next().unwrap_or_default().to_string();
        out.push(Article {
            name: path.display().to_string(),
            title: escape(&title),
            author: escape(doc.front.author.as_deref().unwrap_or("佚名")),
            date: doc.front.published_at.map(|d| d.format("%Y-%m-%d %H:%M").to_string()).unwrap_or_default(),
            body,
            lead_html: format!("<p>{}</p>", escape(&lead)),
            lead,
            text,
        });
    }
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// A template's page for `a`, and the text expected from it.
fn fill(template: &str, a: &Article) -> (String, String) {
    let json = |s: &str| serde_json::to_string(s).unwrap();
    let short = template.contains("{{lead}}") && !template.contains("{{text_json}}");
    let page = template
        .replace("{{title_json}}", &json(&a.title))
        .replace("{{author_json}}", &json(&a.author))
        .replace("{{text_json}}", &json(&a.text))
        .replace("{{title}}", &a.title)
        .replace("{{author}}", &a.author)
        .replace("{{date}}", &a.date)
        .replace("{{lead}}", if short { &a.lead_html } else { &a.lead })
        .replace("{{body}}", &a.body);
    (page, if short { a.lead.clone() } else { a.text.clone() })
}

/// The lines a template shows with no article in it (six characters or more). A page keeps
/// one when it is a line of the page's text, or (twelve characters or more) inside one.
fn furniture(template: &str) -> Vec<String> {
    let empty = template
        .replace("{{text_json}}", "\"\"")
        .replace("{{title_json}}", "\"\"")
        .replace("{{author_json}}", "\"\"")
        .replace("{{lead}}", "")
        .replace("{{title}}", "")
        .replace("{{author}}", "")
        .replace("{{date}}", "")
        .replace("{{body}}", "");
    clean::clean(&empty, true)
        .text
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| l.chars().filter(|c| !c.is_whitespace()).count() >= 6)
        .collect()
}

fn templates() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/extraction/templates");
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "html"))
        .map(|p| {
            (p.file_stem().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

type Extractor = fn(&str, &Url) -> String;

fn newsdesk_text(page: &str, url: &Url) -> String {
    let doc = newsdesk::web::page::document(page, url, &ParseOptions::default());
    clean::clean(&doc.body, false).text
}

fn trafilatura_text(page: &str, _url: &Url) -> String {
    let opts = trafilatura::Options::default().with_fallback(true);
    match trafilatura::extract(page, &opts) {
        Ok(r) => clean::clean(&r.content_html, false).text,
        Err(_) => String::new(),
    }
}

#[derive(Default)]
struct Tally {
    pages: usize,
    precise_pages: usize,
    precision: f64,
    recall: f64,
    boilerplate: Vec<String>,
    worst: Vec<(f64, String)>,
}

impl Tally {
    fn add(&mut self, s: Score, page: &str) {
        self.pages += 1;
        if let Some(p) = s.precision {
            self.precise_pages += 1;
            self.precision += p;
        }
        self.recall += s.recall;
        self.worst.push((f1(s.precision.unwrap_or(0.0), s.recall), page.to_string()));
    }
    fn means(&self) -> (f64, f64, f64) {
        let (p, r) =
            (self.precision / self.precise_pages.max(1) as f64, self.recall / self.pages.max(1) as f64);
        (f1(p, r), p, r)
    }
}

/// The page with every class and id replaced by a meaningless name: what is left for an
/// extractor is the structure, the tags and the text, as on a site nobody has seen.
fn disguise(page: &str) -> String {
    static ATTR: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| regex::Regex::new(r#"\b(class|id)="([^"]*)""#).unwrap());
    ATTR.replace_all(page, |c: &regex::Captures<'_>| {
        let hash =
            c[2].bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
        format!("{}=\"k{:x}\"", &c[1], hash & 0xffff_ffff)
    })
    .into_owned()
}

fn evaluate(extract: Extractor, disguised: bool) -> Scores {
    let url = Url::parse("https://news.example.com/2026/12/a.html").unwrap();
    // EXTRACTION_SHOW=TEXT prints what was found on the pages whose label holds TEXT.
    let show = std::env::var("EXTRACTION_SHOW").ok();
    static ARTICLES: std::sync::LazyLock<Vec<Article>> = std::sync::LazyLock::new(articles);
    let articles = &*ARTICLES;
    let mut all = Tally::default();
    let mut per = Vec::new();
    for (name, template) in templates() {
        let lines = furniture(&template);
        let mut t = Tally::default();
        for a in articles {
            let (page, expected) = fill(&template, a);
            let page = if disguised { disguise(&page) } else { page };
            let label = format!("{name} × {}", a.name);
            let got = extract(&page, &url);
            if show.as_deref().is_some_and(|w| label.contains(w)) {
                eprintln!("---- {label}\n{got}\n---- expected\n{expected}\n----");
            }
            let s = score(&expected, &got);
            t.add(s, &label);
            all.add(s, &label);
            let kept = |l: &&String| {
                got.lines().any(|g| g.trim() == l.as_str())
                    || (l.chars().count() >= 12 && got.contains(l.as_str()))
            };
            if let Some(line) = lines.iter().find(kept) {
                t.boilerplate.push(format!("{label}: {line:?}"));
                all.boilerplate.push(format!("{label}: {line:?}"));
            }
        }
        per.push((name, t));
    }
    (all, per)
}

fn table(who: &str, all: &Tally, per: &[(String, Tally)]) -> String {
    let mut out = format!(
        "{who}\n{:<24} {:>5} {:>6} {:>6} {:>6} {:>11}\n",
        "template", "pages", "F1", "P", "R", "boilerplate"
    );
    for (name, t) in per.iter().map(|(n, t)| (n.as_str(), t)).chain([("all", all)]) {
        let (f, p, r) = t.means();
        out += &format!("{name:<24} {:>5} {f:>6.3} {p:>6.3} {r:>6.3} {:>11}\n", t.pages, t.boilerplate.len());
    }
    out
}

type Scores = (Tally, Vec<(String, Tally)>);

/// The extractor alone and newsdesk on the same pages, their tables and newsdesk's worst pages
/// printed.
fn compare(disguised: bool) -> (Scores, Scores) {
    let prefix = if disguised { "disguised: " } else { "" };
    let baseline = evaluate(trafilatura_text, disguised);
    eprintln!(
        "{}",
        table(&format!("{prefix}trafilatura crate alone (with_fallback)"), &baseline.0, &baseline.1)
    );
    let newsdesk = evaluate(newsdesk_text, disguised);
    eprintln!("{}", table(&format!("{prefix}newsdesk"), &newsdesk.0, &newsdesk.1));
    print_worst(&newsdesk.0);
    (baseline, newsdesk)
}

fn print_worst(all: &Tally) {
    let mut worst = all.worst.clone();
    worst.sort_by(|a, b| a.0.total_cmp(&b.0));
    eprintln!("worst pages:");
    for (f, page) in worst.iter().take(8) {
        eprintln!("  {f:.3} {page}");
    }
}

#[test]
fn main_content_of_pages_in_common_templates_scores_f1_above_the_floor_with_no_boilerplate() {
    let (_, (all, per)) = compare(false);
    let mut failures = Vec::new();
    for (name, t) in per.iter().map(|(n, t)| (n.as_str(), t)).chain([("all", &all)]) {
        let (f, _, _) = t.means();
        if f < MIN_F1 {
            failures.push(format!("{name}: F1 {f:.3} < {MIN_F1}"));
        }
    }
    failures.extend(all.boilerplate.iter().take(10).map(|b| format!("boilerplate kept: {b}")));
    assert!(failures.is_empty(), "{} boilerplate pages\n{}", all.boilerplate.len(), failures.join("\n"));
}

/// The same pages with their classes and ids renamed: no known container, no furniture class
/// helps, so this measures the structural rules and the extractor underneath.
#[test]
fn pages_whose_classes_say_nothing_still_beat_the_extractor_alone() {
    let ((baseline, _), (all, _)) = compare(true);
    let mut kept: HashMap<&str, usize> = HashMap::new();
    for b in &all.boilerplate {
        *kept.entry(b.rsplit(": ").next().unwrap_or_default()).or_default() += 1;
    }
    let mut kept: Vec<_> = kept.into_iter().collect();
    kept.sort_by_key(|k| std::cmp::Reverse(k.1));
    eprintln!("furniture kept most often: {:?}", &kept[..kept.len().min(12)]);
    let (f, _, _) = all.means();
    let (fb, _, _) = baseline.means();
    assert!(f >= MIN_DISGUISED_F1 && f > fb, "disguised F1 {f:.3} (extractor alone {fb:.3})");
}

#[test]
fn the_scorer_counts_shingles_like_the_benchmarks() {
    assert_eq!(score("a b c d e", "a b c d e"), Score { precision: Some(1.0), recall: 1.0 });
    // Two true shingles; four predicted of which two are extra: precision 0.5, recall 1.
    assert_eq!(score("a b c d e", "a b c d e f g"), Score { precision: Some(0.5), recall: 1.0 });
    assert_eq!(score("a b c d e", ""), Score { precision: None, recall: 0.0 });
    assert_eq!(score("a b c d e", "x y z w"), Score { precision: Some(0.0), recall: 0.0 });
    // Han runs between punctuation are single tokens, as `\w+` makes them.
    assert_eq!(tokens("互联互通，平台 API_v2 é"), ["互联互通", "平台", "API_v2", "é"]);
    assert_eq!(f1(0.5, 1.0), 2.0 / 3.0);
}
