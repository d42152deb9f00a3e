//! Invariants over every real article of `../shared/corpus` (skipped, with a note, where the
//! corpus is absent). Set NEWSDESK_CORPUS to check another folder.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use chrono::Utc;
use newsdesk::analyze::{Analyzer, NoCorpus};
use newsdesk::parse::{self, ParseOptions};
use newsdesk::pipeline::build_article;
use newsdesk::source;
use predicates::str::contains;

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("NEWSDESK_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: no corpus at {} (set NEWSDESK_CORPUS)", dir.display());
        None
    }
}

fn looks_like_tag(text: &str) -> Option<&str> {
    text.match_indices('<').find_map(|(i, _)| {
        let next = text[i + 1..].chars().next()?;
        (next.is_ascii_alphabetic() || next == '/' || next == '!').then(|| &text[i..(i + 40).min(text.len())])
    })
}

#[test]
fn every_corpus_article_cleans_to_text_with_its_images_as_metadata() {
    let Some(dir) = corpus() else { return };
    let (files, errors) = source::discover(&[dir]);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(files.len() >= 181, "corpus has {} files", files.len());
    let img = scraper::Selector::parse("img").unwrap();
    let analyzer = Analyzer::default();
    let mut problems = Vec::new();
    for path in &files {
        let raw = source::read_file(path, source::DEFAULT_MAX_FILE_BYTES).unwrap();
        let body = parse::parse(raw.clone(), &ParseOptions::default()).unwrap().body;
        let a = match build_article(raw, &ParseOptions::default(), &analyzer, &NoCorpus, Utc::now()) {
            Ok(a) => a,
            Err(e) => {
                problems.push(format!("{e}"));
                continue;
            }
        };
        let name = path.display();
        if a.title.trim().is_empty() {
            problems.push(format!("{name}: empty title"));
        }
        if a.published_at.is_none() {
            problems.push(format!("{name}: no date"));
        }
        if let Some(tag) = looks_like_tag(&a.text) {
            problems.push(format!("{name}: tag left in text: {tag:?}"));
        }
        for marker in ["img_box", "image-wrapper", "cors.zfour.workers.dev"] {
            if a.text.contains(marker) {
                problems.push(format!("{name}: {marker} left in text"));
            }
        }
        let expected = scraper::Html::parse_fragment(&body).select(&img).count();
        if a.images.len() != expected {
            problems
                .push(format!("{name}: {} images kept, body has {expected} img elements", a.images.len()));
        }
        for image in &a.images {
            if image.url.is_empty() || a.text.contains(&image.url) {
                problems.push(format!("{name}: image URL {:?} empty or left in text", image.url));
            }
            if image.url.contains("workers.dev/?") {
                problems.push(format!("{name}: proxy not unwrapped: {}", image.url));
            }
        }
        if a.text.contains("\n\n\n") || a.text.contains("  ") {
            problems.push(format!("{name}: whitespace not normalized"));
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn the_whole_corpus_ingests_with_zero_failures() {
    let Some(dir) = corpus() else { return };
    let n = source::discover(std::slice::from_ref(&dir)).0.len();
    let tmp = tempfile::TempDir::new().unwrap();
    let mut cmd = Command::cargo_bin("newsdesk").unwrap();
    cmd.env_remove("NEWSDESK_INDEX").arg("--index").arg(tmp.path().join("idx")).arg("ingest").arg(&dir);
    cmd.assert().success().stderr(contains(format!("ingested {n} new, 0 updated, 0 unchanged, 0 failed")));
}

/// The index analyzer's shortcuts change no term: case folding and stemming only of non-Han
/// pieces, and (in a search process) jieba instances holding only each text's words
/// (`segment::dictionary`) must give what the full filter chain and dictionary give.
#[test]
fn every_corpus_file_gets_the_same_terms_from_the_fast_paths_as_from_the_reference() {
    use newsdesk::segment::{self, dictionary::Lexicon, Mode, Piece};
    let Some(dir) = corpus() else { return };
    let (files, _) = source::discover(&[dir]);
    let lexicon = Lexicon::default();
    let full = segment::jieba();
    let pieces = |jieba: &jieba_rs::Jieba, text: &str, mode: Mode| {
        let mut out: Vec<Piece> = Vec::new();
        segment::segment_with(jieba, text, mode, |p| out.push(p));
        out
    };
    let terms = |analyzer: &mut tantivy::tokenizer::TextAnalyzer, text: &str| {
        let mut out = Vec::new();
        let mut stream = analyzer.token_stream(text);
        while let Some(t) = stream.next() {
            out.push((t.text.clone(), t.position, t.offset_from, t.offset_to));
        }
        out
    };
    let mut analyzers = [Mode::Index, Mode::Query]
        .map(|mode| (segment::analyzer(mode), segment::reference_analyzer(mode), mode));
    for path in &files {
        let raw = source::read_file(path, source::DEFAULT_MAX_FILE_BYTES).unwrap().text;
        // The analyzer folds case and stems only the pieces that are not all Han: it must make
        // the very terms of the full filter chain.
        for (analyzer, reference, mode) in &mut analyzers {
            let got = terms(analyzer, &raw);
            // Snippets need offsets that never go backwards (a search once panicked on them).
            let spans: Vec<(usize, usize)> = got.iter().map(|t| (t.2, t.3)).collect();
            assert!(
                spans.windows(2).all(|w| w[0] <= w[1]),
                "{}: offsets go backwards ({mode:?})",
                path.display()
            );
            assert!(got == terms(reference, &raw), "{} ({mode:?})", path.display());
        }
        let small = lexicon.for_text(&raw);
        for mode in [Mode::Index, Mode::Query] {
            assert!(pieces(&small, &raw, mode) == pieces(full, &raw, mode), "{} ({mode:?})", path.display());
        }
    }
}

/// Any run of Han characters of an article finds it, whatever jieba made of its context: 1,000
/// random runs of one to four characters from the corpus's texts, each searched bare, must
/// find the article it came from. (Regression: `粗钢` in 「全球粗钢产量」 found nothing.)
#[test]
fn every_run_of_han_characters_finds_its_article() {
    use newsdesk::index::Store;
    use newsdesk::ingest::{self, IngestOptions};
    use newsdesk::search::{search, SearchRequest};

    let Some(dir) = corpus() else { return };
    let tmp = tempfile::TempDir::new().unwrap();
    let store = Store::open_or_create(&tmp.path().join("idx")).unwrap();
    let report =
        ingest::ingest_paths(&store, &[dir], &IngestOptions::default(), &Analyzer::default(), &mut |_| {})
            .unwrap();
    assert_eq!(report.failed, 0);
    let mut articles = Vec::new();
    store
        .for_each_article(|a| -> Result<(), newsdesk::index::IndexError> {
            articles.push(a);
            Ok(())
        })
        .unwrap();
    let mut rng = fastrand::Rng::with_seed(2021);
    let (mut tried, mut missed) = (0, Vec::new());
    while tried < 1000 {
        let a = &articles[rng.usize(..articles.len())];
        let chars: Vec<char> = a.text.chars().collect();
        let len = rng.usize(1..=4);
        if chars.len() < len {
            continue;
        }
        let at = rng.usize(..=chars.len() - len);
        let run: String = chars[at..at + len].iter().collect();
        if !run.chars().all(newsdesk::segment::is_han) {
            continue;
        }
        tried += 1;
        let request = SearchRequest { query: format!("{run} id:{}", a.id), ..SearchRequest::default() };
        if search(&store, &request).unwrap().total != 1 {
            missed.push(run);
        }
    }
    assert!(missed.is_empty(), "{} of {tried} runs did not find their article: {missed:?}", missed.len());
}
