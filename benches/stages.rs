//! Criterion benchmarks of the hot stages, one article at a time: parse (front matter), clean
//! (DOM surgery and rendering), segment (jieba, index mode), analyse (topics, keywords,
//! entities, summary, fingerprint; topics alone), and index (an upsert into an on-disk tantivy index).
//! Run with `cargo bench`; the scale benchmark (`bench/scale.sh`) measures whole runs.

use std::hint::black_box;

use chrono::Utc;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use newsdesk::analyze::{Analyzer, NoCorpus};
use newsdesk::article::{SourceKind, SourceRef};
use newsdesk::index::Store;
use newsdesk::parse::{self, ParseOptions};
use newsdesk::source::{BodyFormat, RawDocument};

/// A real-sized sample: the bundled 36kr article (front matter, image boxes, Chinese text).
const SAMPLE: &str = include_str!("../data/36kr/二选一罚单落地之后，平台经济的下一站在哪里？.md");

fn raw() -> RawDocument {
    RawDocument {
        source: SourceRef { kind: SourceKind::File, location: "/bench/sample.md".into() },
        format: BodyFormat::Markdown,
        text: SAMPLE.to_string(),
    }
}

fn stages(c: &mut Criterion) {
    let opts = ParseOptions::default();
    let now = Utc::now();
    let analyzer = Analyzer::default();
    let doc = parse::parse(raw(), &opts).expect("the sample parses");
    let cleaned = newsdesk::clean::clean(&doc.body, false);
    // Load jieba's dictionary before timing anything that segments.
    newsdesk::segment::terms("预热", newsdesk::segment::Mode::Index);

    let mut group = c.benchmark_group("stages");
    group.throughput(Throughput::Bytes(SAMPLE.len() as u64));
    group.bench_function("parse", |b| b.iter(|| parse::parse(black_box(raw()), &opts).unwrap()));
    group.bench_function("clean", |b| b.iter(|| newsdesk::clean::clean(black_box(&doc.body), false)));
    group.bench_function("segment", |b| {
        b.iter(|| newsdesk::segment::terms(black_box(&cleaned.text), newsdesk::segment::Mode::Index))
    });
    group.bench_function("analyze", |b| {
        b.iter(|| analyzer.analyze(black_box("二选一罚单落地之后"), black_box(&cleaned.text), &NoCorpus))
    });
    group.bench_function("topics", |b| {
        b.iter(|| analyzer.taxonomy().classify(black_box("二选一罚单落地之后"), black_box(&cleaned.text)))
    });
    group.bench_function("build_article", |b| {
        b.iter(|| newsdesk::pipeline::build_article(raw(), &opts, &analyzer, &NoCorpus, now).unwrap())
    });

    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_or_create(dir.path()).unwrap();
    let article = newsdesk::pipeline::build_article(raw(), &opts, &analyzer, &NoCorpus, Utc::now())
        .expect("the sample builds");
    let mut writer = store.writer().unwrap();
    let mut n = 0u64;
    group.bench_function("index", |b| {
        b.iter(|| {
            let mut a = article.clone();
            n += 1;
            a.id = newsdesk::article::ArticleId::from_u64(n);
            writer.upsert(black_box(&a)).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
