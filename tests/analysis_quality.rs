//! Measured quality of the analysis on the real corpus (skipped where `../shared` is absent):
//! topic precision/recall against the hand labels in `tests/fixtures/topic_labels.tsv`, and
//! near-duplicate precision/recall against copies planted by `../shared/tools/plant-duplicates`.
//! The figures are printed (run with `--nocapture`); the assertions guard against regressions
//! a little below what the current code achieves, not at the targets.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::Utc;
use newsdesk::analyze::{Analyzer, NoCorpus};
use newsdesk::index::Store;
use newsdesk::ingest::{self, IngestOptions};
use newsdesk::parse::ParseOptions;
use newsdesk::pipeline::build_article;
use newsdesk::source;

fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    if dir.join("corpus").is_dir() {
        Some(dir)
    } else {
        eprintln!("skipped: no corpus at {}", dir.display());
        None
    }
}

#[derive(Default)]
struct Tally {
    tp: u32,
    fp: u32,
    fn_: u32,
}

impl Tally {
    fn precision(&self) -> f64 {
        if self.tp + self.fp == 0 {
            1.0
        } else {
            f64::from(self.tp) / f64::from(self.tp + self.fp)
        }
    }
    fn recall(&self) -> f64 {
        if self.tp + self.fn_ == 0 {
            1.0
        } else {
            f64::from(self.tp) / f64::from(self.tp + self.fn_)
        }
    }
}

#[test]
fn topic_precision_and_recall_on_the_labelled_corpus() {
    let Some(shared) = shared() else { return };
    let labels = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/topic_labels.tsv"),
    )
    .unwrap();
    let analyzer = Analyzer::default();
    let mut per_topic: BTreeMap<String, Tally> = BTreeMap::new();
    let mut labelled = 0;
    let mut mistakes = Vec::new();
    for line in labels.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let (path, ids) = line.split_once('\t').expect("path<TAB>topics");
        let expected: Vec<&str> =
            if ids.trim() == "-" { Vec::new() } else { ids.split(',').map(str::trim).collect() };
        let raw =
            source::read_file(&shared.join("corpus").join(path), source::DEFAULT_MAX_FILE_BYTES).unwrap();
        let a = build_article(raw, &ParseOptions::default(), &analyzer, &NoCorpus, Utc::now()).unwrap();
        let got: Vec<&str> = a.topics.iter().map(|t| t.id.as_str()).collect();
        labelled += 1;
        for id in &got {
            let t = per_topic.entry(id.to_string()).or_default();
            if expected.contains(id) {
                t.tp += 1
            } else {
                t.fp += 1
            }
        }
        for id in &expected {
            if !got.contains(id) {
                per_topic.entry(id.to_string()).or_default().fn_ += 1;
            }
        }
        if got.iter().any(|g| !expected.contains(g)) || expected.iter().any(|e| !got.contains(e)) {
            let why: Vec<String> = a
                .topics
                .iter()
                .filter(|t| !expected.contains(&t.id.as_str()))
                .map(|t| format!("{} {:.2} ← {}", t.id, t.score, t.matched.join("/")))
                .collect();
            mistakes.push(format!("  {path}: labelled {expected:?}, got {got:?}; extra: {}", why.join("; ")));
        }
    }
    let mut all = Tally::default();
    println!("topic quality over {labelled} labelled articles (target: precision ≥ 0.90, recall ≥ 0.85)");
    println!("{:<26} {:>4} {:>4} {:>4} {:>9} {:>7}", "topic", "tp", "fp", "fn", "precision", "recall");
    for (id, t) in &per_topic {
        println!("{id:<26} {:>4} {:>4} {:>4} {:>9.2} {:>7.2}", t.tp, t.fp, t.fn_, t.precision(), t.recall());
        all.tp += t.tp;
        all.fp += t.fp;
        all.fn_ += t.fn_;
    }
    println!(
        "{:<26} {:>4} {:>4} {:>4} {:>9.2} {:>7.2}",
        "overall",
        all.tp,
        all.fp,
        all.fn_,
        all.precision(),
        all.recall()
    );
    println!("disagreements:\n{}", mistakes.join("\n"));
    assert!(labelled >= 60, "only {labelled} labelled articles");
    // Guards against regressions, a little under the measured 0.90 / 0.93: the taxonomy was
    // tuned on these same labels (general vocabulary only), so there is no held-out margin.
    assert!(
        all.precision() >= 0.87 && all.recall() >= 0.88,
        "precision {:.2}, recall {:.2}",
        all.precision(),
        all.recall()
    );
}

/// A copy of the corpus with `count` planted copies (`orig/`, `dup/`), and the answer key:
/// copy → its original, by path under the folder. `None` where the tool cannot run.
fn planted(tmp: &Path, count: usize, seed: u32) -> Option<(PathBuf, HashMap<String, String>)> {
    let shared = shared()?;
    let tool = shared.join("tools/plant-duplicates");
    let out = tmp.join("planted");
    let status = std::process::Command::new("python3")
        .arg(&tool)
        .arg(shared.join("corpus"))
        .arg(&out)
        .args(["--count", &count.to_string(), "--seed", &seed.to_string()])
        .status();
    match status {
        Ok(s) if s.success() => {}
        other => {
            eprintln!("skipped: cannot run {} ({other:?})", tool.display());
            return None;
        }
    }
    let mut cluster: HashMap<String, String> = HashMap::new();
    let key = std::fs::read_to_string(out.join("duplicates.tsv")).unwrap();
    for line in key.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        cluster.insert(cols[0].to_string(), cols[1].to_string());
    }
    Some((out, cluster))
}

/// Every article's `duplicate_of`, by its path under the planted folder.
fn duplicate_links(store: &Store) -> BTreeMap<String, Option<String>> {
    let mut buf = Vec::new();
    newsdesk::export::export(store, None, false, newsdesk::export::Format::Jsonl, &mut buf).unwrap();
    let records: Vec<serde_json::Value> =
        String::from_utf8(buf).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let rel = |loc: &str| loc[loc.find("/planted/").unwrap() + "/planted/".len()..].to_string();
    let path_of: HashMap<String, String> = records
        .iter()
        .map(|a| (a["id"].as_str().unwrap().to_string(), rel(a["source"]["location"].as_str().unwrap())))
        .collect();
    records
        .iter()
        .map(|a| {
            let original =
                a["duplicate_of"].as_str().map(|o| path_of.get(o).cloned().unwrap_or_else(|| "?".into()));
            (rel(a["source"]["location"].as_str().unwrap()), original)
        })
        .collect()
}

/// Precision and recall of the duplicate links against the answer key (printed). A link is
/// correct when both ends are of one planted cluster; a planted copy is found when it and its
/// original end up linked to one root. Which of a copy and its original is linked to the other
/// does not count: an exact copy carries its original's date, and between equal dates the
/// register takes the lower id for the original, whichever was planted.
fn measure(
    stage: &str,
    links: &BTreeMap<String, Option<String>>,
    cluster: &HashMap<String, String>,
) -> (f64, f64) {
    let planted = cluster.len();
    let flagged: Vec<(&String, &String)> =
        links.iter().filter_map(|(p, o)| o.as_ref().map(|o| (p, o))).collect();
    let root = |p: &str| cluster.get(p).cloned().unwrap_or_else(|| p.to_string());
    let correct = flagged.iter().filter(|(p, o)| root(o) == root(p)).count();
    let linked_root = |p: &str| links.get(p).cloned().flatten().unwrap_or_else(|| p.to_string());
    // Linked to one root, which is of their own planted group (not both to a wrong article).
    let found_copies = cluster
        .iter()
        .filter(|(copy, original)| {
            let linked = linked_root(copy);
            linked == linked_root(original) && root(&linked) == root(copy)
        })
        .count();
    let precision = if flagged.is_empty() { 1.0 } else { correct as f64 / flagged.len() as f64 };
    let recall = found_copies as f64 / planted as f64;
    println!("{stage}: {} flagged, {correct} correct, {found_copies}/{planted} planted copies found: precision {precision:.3}, recall {recall:.3} (target: precision ≥ 0.99, recall ≥ 0.95)", flagged.len());
    for (p, o) in flagged.iter().filter(|(p, o)| root(o) != root(p)) {
        println!("  wrong: {p} → {o}");
    }
    (precision, recall)
}

#[test]
fn near_duplicate_precision_and_recall_on_planted_copies() {
    let tmp = tempfile::TempDir::new().unwrap();
    let Some((out, cluster)) = planted(tmp.path(), 200, 1) else { return };
    let planted = cluster.len();
    let store = Store::open_or_create(&tmp.path().join("idx")).unwrap();
    let analyzer = Analyzer::default();
    // Mirrors republish after the original: ingest the originals first.
    let report = ingest::ingest_paths(
        &store,
        &[out.join("orig"), out.join("dup")],
        &IngestOptions::default(),
        &analyzer,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(report.failed, 0);
    let (p, r) = measure("after ingest", &duplicate_links(&store), &cluster);
    assert!(p >= 0.97 && r >= 0.93, "ingest: precision {p:.3}, recall {r:.3}");
    let re = ingest::reanalyze(&store, &analyzer).unwrap();
    assert_eq!(re.articles, 181 + planted);
    let (p, r) = measure("after reanalyze", &duplicate_links(&store), &cluster);
    assert!(p >= 0.97 && r >= 0.93, "reanalyze: precision {p:.3}, recall {r:.3}");
}

/// Regression: one ingest of a mirror folder missed the copies that it reached before their
/// originals (recall 0.79 where `reanalyze` found them all). Whatever the order of the files,
/// in one batch or over many commits or runs, one ingest now gives every article the
/// `duplicate_of` that a `reanalyze` of the same index gives.
#[test]
fn one_ingest_links_the_duplicates_reanalyze_links_whatever_the_order() {
    let tmp = tempfile::TempDir::new().unwrap();
    let Some((out, cluster)) = planted(tmp.path(), 80, 2) else { return };
    let analyzer = Analyzer::default();
    let mut files: Vec<PathBuf> = source::discover(&[out.join("orig"), out.join("dup")]).0;
    files.sort();
    let copies_first: Vec<PathBuf> = {
        let (dup, orig): (Vec<_>, Vec<_>) =
            files.iter().cloned().partition(|f| f.starts_with(out.join("dup")));
        dup.into_iter().chain(orig).collect()
    };
    let mut orders: Vec<(String, Vec<PathBuf>)> = vec![("copies first".into(), copies_first)];
    for seed in [11, 12] {
        let mut shuffled = files.clone();
        fastrand::Rng::with_seed(seed).shuffle(&mut shuffled);
        orders.push((format!("shuffled (seed {seed})"), shuffled));
    }
    let mut run = 0;
    for (name, order) in &orders {
        for (batches, commit_every) in [(1, 5_000), (1, 17), (3, 5_000)] {
            run += 1;
            let store = Store::open_or_create(&tmp.path().join(format!("idx{run}"))).unwrap();
            let opts = IngestOptions { commit_every, ..IngestOptions::default() };
            for part in order.chunks(order.len().div_ceil(batches)) {
                let report = ingest::ingest_paths(&store, part, &opts, &analyzer, &mut |_| {}).unwrap();
                assert_eq!(report.failed, 0);
            }
            let once = duplicate_links(&store);
            let stage = format!("{name}, {batches} run(s), commit every {commit_every}: after one ingest");
            let (p, r) = measure(&stage, &once, &cluster);
            ingest::reanalyze(&store, &analyzer).unwrap();
            let again = duplicate_links(&store);
            let differ: Vec<_> = once.iter().filter(|(k, v)| again.get(*k) != Some(*v)).collect();
            assert!(differ.is_empty(), "{stage}: {} links differ from reanalyze's: {differ:?}", differ.len());
            assert!(p >= 0.97 && r >= 0.95, "{stage}: precision {p:.3}, recall {r:.3}");
        }
    }
}
