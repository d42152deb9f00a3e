//! Analysis: what an article is about, computed from its clean text.
//!
//! * [`topics`]: topic tags from a taxonomy of weighted terms, with the matched terms;
//! * keywords: the top terms by TF-IDF, ranked with jieba's bundled IDF table, or re-ranked
//!   with the indexed corpus's own IDF once it is large enough (see [`DocFreq`]);
//! * entities: organisations, people, places and products, from a shipped gazetteer with
//!   aliases (`阿里`/`Alibaba` → `阿里巴巴`) plus jieba's part-of-speech tags;
//! * a lead summary of one to three whole sentences;
//! * a 64-bit SimHash of the text for near-duplicate detection (see [`simhash`]).
//!
//! Keywords and tagged names share one jieba pass ([`Candidates`]), whose cut the index's
//! tokenizer then reuses (see ARCHITECTURE.md, "Segmenting once").
//!
//! Everything here is a pure function of the text (and, for IDF, of the corpus statistics
//! passed in). Deciding *which* earlier article a near-copy duplicates needs the index, and
//! happens in [`crate::ingest`].
//!
//! Not here: which earlier article a copy repeats ([`crate::dedupe`]), storing the results (the
//! index).

pub mod simhash;
pub mod topics;

use std::collections::HashMap;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};

use crate::segment;
pub use topics::{Taxonomy, TaxonomyError, TopicMatch};

/// Keywords kept per article.
pub const KEYWORDS: usize = 10;
/// Entities kept per article.
pub const ENTITIES: usize = 20;
/// Below this many indexed articles, IDF comes from jieba's bundled table instead.
pub const MIN_CORPUS_FOR_IDF: u64 = 1000;
/// A summary stops growing once it has this many characters (it never cuts a sentence).
pub const SUMMARY_CHARS: usize = 120;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Keyword {
    pub term: String,
    pub score: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Org,
    Person,
    Place,
    Product,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entity {
    pub text: String,
    pub kind: EntityKind,
    pub count: u32,
}

/// Everything analysis adds to an article.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Analysis {
    pub keywords: Vec<Keyword>,
    pub topics: Vec<TopicMatch>,
    pub entities: Vec<Entity>,
    pub summary: String,
    pub simhash: simhash::Simhash,
}

/// Corpus statistics for IDF. The index implements it; tests use a map.
pub trait DocFreq {
    fn num_docs(&self) -> u64;
    /// Articles whose text contains `word` (as the index tokenizes it).
    fn doc_freq(&self, word: &str) -> u64;
    /// [`DocFreq::doc_freq`] of each word, in order: one call per article, so that a shared
    /// cache is locked once rather than once a word.
    fn doc_freqs(&self, words: &[&str]) -> Vec<u64> {
        words.iter().map(|w| self.doc_freq(w)).collect()
    }
}

/// No corpus: IDF falls back to jieba's table.
pub struct NoCorpus;

impl DocFreq for NoCorpus {
    fn num_docs(&self) -> u64 {
        0
    }
    fn doc_freq(&self, _: &str) -> u64 {
        0
    }
}

/// The analysis stage, with its taxonomy and gazetteer compiled once.
pub struct Analyzer {
    taxonomy: Taxonomy,
}

impl Analyzer {
    pub fn new(taxonomy: Taxonomy) -> Analyzer {
        Analyzer { taxonomy }
    }

    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    pub fn analyze(&self, title: &str, text: &str, corpus: &dyn DocFreq) -> Analysis {
        let candidates = Candidates::new(title, text);
        let lower = (lowercase(title), lowercase(text));
        Analysis {
            keywords: keywords_from(&candidates, corpus),
            topics: self.taxonomy.classify_lowercase(&lower.0, &lower.1),
            entities: entities_from(title, text, &lower, &candidates),
            summary: summary(text),
            simhash: simhash::Simhash(simhash::simhash(if text.trim().is_empty() { title } else { text })),
        }
    }
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new(Taxonomy::builtin())
    }
}

/// `s.to_lowercase()`, with the characters that have no case (CJK, kana, Hangul: most of a
/// Chinese article) copied as they are instead of looked up one by one in Unicode's tables,
/// which made lower-casing 3 % of the ingest's CPU.
pub(crate) fn lowercase(s: &str) -> String {
    if s.contains('Σ') {
        // Its lower case depends on the neighbours (final ς); the standard library knows how.
        return s.to_lowercase();
    }
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        push_lowercase(&mut out, c);
    }
    out
}

/// Appends `c` lower-cased (a character with no case, as it is). Not for `Σ`, whose lower
/// case depends on its neighbours: [`lowercase`] leaves strings holding it to the standard
/// library.
#[inline]
fn push_lowercase(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
    } else if is_caseless(c) {
        out.push(c);
    } else {
        out.extend(c.to_lowercase());
    }
}

/// CJK symbols, kana, ideographs and Hangul syllables: none has a lower case.
#[inline]
fn is_caseless(c: char) -> bool {
    matches!(c as u32, 0x3000..=0x9FFF | 0xAC00..=0xD7A3)
}

/// Whether `s` has an ASCII capital or a character outside the caseless ranges.
fn may_have_upper_case(s: &str) -> bool {
    s.chars().any(|c| if c.is_ascii() { c.is_ascii_uppercase() } else { !is_caseless(c) })
}

static STOP_WORDS: LazyLock<foldhash::HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("stopwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

fn is_keyword_candidate(word: &str) -> bool {
    let (mut chars, mut has_han, mut has_alpha) = (0, false, false);
    for c in word.chars() {
        chars += 1;
        has_han |= segment::is_han(c);
        // Common Han characters are letters: the slow Unicode lookup is only for the others.
        has_alpha = has_alpha || segment::is_common_han(c) || c.is_alphabetic();
    }
    has_alpha && (if has_han { chars >= 2 } else { chars >= 3 }) && !STOP_WORDS.contains(word)
}

static TFIDF: LazyLock<jieba_rs::TfIdf> = LazyLock::new(jieba_rs::TfIdf::default);

/// The one jieba pass of the analysis: the title's and text's words with their parts of
/// speech. Keywords and tagged names both come from it.
pub struct Candidates {
    /// Lower-cased candidate keyword → occurrences (title counted twice).
    counts: foldhash::HashMap<String, u32>,
    total: u32,
    /// Words tagged as a person, place or organisation, as written.
    names: Vec<(String, EntityKind)>,
}

impl Candidates {
    pub fn new(title: &str, text: &str) -> Candidates {
        let title_words = segment::tag_words(title);
        let text_words = segment::tag_words(text);
        let mut counts = foldhash::HashMap::<String, u32>::default();
        let mut names: Vec<(String, EntityKind)> = Vec::new();
        let mut total = 0;
        for (source, words, weight) in [(title, &title_words, 2), (text, &text_words, 1)] {
            for w in words {
                let word = &source[w.from..w.to];
                total += weight;
                let kind = match w.pos {
                    segment::Pos::Person => Some(EntityKind::Person),
                    segment::Pos::Place => Some(EntityKind::Place),
                    segment::Pos::Org => Some(EntityKind::Org),
                    segment::Pos::Other => None,
                };
                if let Some(kind) = kind {
                    if !names.iter().any(|(n, _)| n == word) {
                        names.push((word.to_string(), kind));
                    }
                }
                // Most words are already lower case: no copy for them, and only a new
                // candidate is copied into the map.
                let lower = if may_have_upper_case(word) {
                    std::borrow::Cow::Owned(lowercase(word))
                } else {
                    std::borrow::Cow::Borrowed(word)
                };
                if is_keyword_candidate(&lower) {
                    match counts.get_mut(lower.as_ref()) {
                        Some(n) => *n += weight,
                        None => {
                            counts.insert(lower.into_owned(), weight);
                        }
                    }
                }
            }
        }
        Candidates { counts, total, names }
    }
}

/// Top terms by TF-IDF over title (counted twice) and text.
pub fn keywords(title: &str, text: &str, corpus: &dyn DocFreq) -> Vec<Keyword> {
    keywords_from(&Candidates::new(title, text), corpus)
}

/// Keywords from the candidates: term frequency times IDF — the corpus's own once the index
/// holds [`MIN_CORPUS_FOR_IDF`] articles, else jieba's bundled table.
pub fn keywords_from(c: &Candidates, corpus: &dyn DocFreq) -> Vec<Keyword> {
    let n = corpus.num_docs();
    let total = f64::from(c.total.max(1));
    let terms: Vec<&str> = c.counts.keys().map(String::as_str).collect();
    let idfs: Vec<(&str, f64)> = if n >= MIN_CORPUS_FOR_IDF {
        let freqs = corpus.doc_freqs(&terms);
        terms
            .iter()
            .zip(freqs)
            .map(|(&t, df)| (t, ((n as f64 + 1.0) / (df as f64 + 1.0)).ln() + 1.0))
            .collect()
    } else {
        jieba_idf(&terms)
    };
    let mut scored: Vec<(f64, &str)> =
        idfs.into_iter().map(|(term, idf)| (f64::from(c.counts[term]) / total * idf, term)).collect();
    // Best first, ties by term; only the top few are sorted and copied.
    let order = |a: &(f64, &str), b: &(f64, &str)| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1));
    if scored.len() > KEYWORDS {
        scored.select_nth_unstable_by(KEYWORDS, order);
        scored.truncate(KEYWORDS);
    }
    scored.sort_by(order);
    scored
        .into_iter()
        .map(|(score, term)| Keyword { term: term.to_string(), score: (score * 10_000.0).round() / 10_000.0 })
        .collect()
}

/// IDF of words already looked up in jieba's table (`None`: a word jieba's extractor drops).
/// Shared by the ingest workers; at most [`JIEBA_IDF_CACHE`] words, since candidates are not
/// only jieba's vocabulary but any Latin word an article holds.
static JIEBA_IDF: LazyLock<std::sync::RwLock<foldhash::HashMap<String, Option<f64>>>> =
    LazyLock::new(Default::default);

/// jieba's bundled IDF of each word. jieba-rs exposes its table only through its keyword
/// extractor, so a word not looked up before is handed to it alone: when jieba keeps it as
/// one word, the weight it returns (occurrences × IDF ÷ words kept) is the IDF itself. Words
/// it drops (its stop words) or cuts in pieces get no IDF. Each word is looked up alone so
/// that its IDF never depends on the words that happened to be looked up with it (batches of
/// words made the figure vary with the order the workers met articles); results are cached,
/// so after the first articles of a run most words need no lookup.
const JIEBA_IDF_CACHE: usize = 500_000;

fn jieba_idf<'a>(words: &[&'a str]) -> Vec<(&'a str, f64)> {
    use jieba_rs::KeywordExtract;
    let mut out = Vec::new();
    let mut unknown: Vec<&str> = Vec::new();
    {
        let cache = JIEBA_IDF.read().unwrap_or_else(|e| e.into_inner());
        for &w in words {
            match cache.get(w) {
                Some(Some(idf)) => out.push((w, *idf)),
                Some(None) => {}
                None => unknown.push(w),
            }
        }
    }
    if unknown.is_empty() {
        return out;
    }
    let looked_up: Vec<Option<f64>> = unknown
        .iter()
        .map(|w| {
            let found = TFIDF.extract_keywords(segment::jieba(), w, 1, Vec::new());
            found.first().filter(|k| k.keyword == *w).map(|k| k.weight)
        })
        .collect();
    let mut cache = JIEBA_IDF.write().unwrap_or_else(|e| e.into_inner());
    for (w, idf) in unknown.into_iter().zip(looked_up) {
        if cache.len() < JIEBA_IDF_CACHE {
            cache.insert(w.to_string(), idf);
        }
        if let Some(idf) = idf {
            out.push((w, idf));
        }
    }
    out
}

#[derive(Deserialize)]
struct GazetteerEntry {
    kind: EntityKind,
    names: Vec<String>,
}

struct Gazetteer {
    /// Pattern index → (canonical name, kind).
    entries: Vec<(String, EntityKind)>,
    bounded: Vec<bool>,
    matcher: AhoCorasick,
    /// Any surface form, lower-cased → canonical name.
    canonical: HashMap<String, String>,
}

static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(|| {
    let entries: Vec<GazetteerEntry> =
        serde_yaml::from_str(include_str!("gazetteer.yaml")).expect("the built-in gazetteer is valid");
    let mut patterns = Vec::new();
    let mut out = Vec::new();
    let mut canonical = HashMap::new();
    for e in entries {
        for name in &e.names {
            patterns.push(name.to_lowercase());
            out.push((e.names[0].clone(), e.kind));
            canonical.insert(name.to_lowercase(), e.names[0].clone());
        }
    }
    let bounded = patterns.iter().map(|p: &String| p.bytes().any(|b| b.is_ascii_alphanumeric())).collect();
    let matcher = topics::matcher(MatchKind::LeftmostLongest, &patterns).expect("gazetteer patterns compile");
    Gazetteer { entries: out, bounded, matcher, canonical }
});

/// Entities of the title and text: gazetteer names (canonical form) and, for names jieba
/// tags as a person (`nr`), place (`ns`) or organisation (`nt`), those seen at least twice.
pub fn entities(title: &str, text: &str) -> Vec<Entity> {
    let lower = (lowercase(title), lowercase(text));
    entities_from(title, text, &lower, &Candidates::new(title, text))
}

/// [`entities`], with the tagged names taken from the candidates' single tagging pass.
/// `lower` is the lower-cased title and text.
pub fn entities_from(title: &str, text: &str, lower: &(String, String), c: &Candidates) -> Vec<Entity> {
    let g = &*GAZETTEER;
    // Matches are counted per pattern first: an article has hundreds, a name string apiece
    // would be copied and hashed for each.
    let mut per_pattern = vec![0u32; g.entries.len()];
    for lower in [&lower.0, &lower.1] {
        for m in g.matcher.find_iter(lower) {
            let p = m.pattern().as_usize();
            if g.bounded[p] && !topics::at_word_boundaries(lower, m.start(), m.end()) {
                continue;
            }
            per_pattern[p] += 1;
        }
    }
    let mut counts: HashMap<(String, EntityKind), u32> = HashMap::new();
    for (p, &n) in per_pattern.iter().enumerate().filter(|&(_, &n)| n > 0) {
        *counts.entry(g.entries[p].clone()).or_default() += n;
    }
    for (name, kind) in &c.names {
        if name.chars().count() < 2 || g.canonical.contains_key(&name.to_lowercase()) {
            continue;
        }
        let seen = (title.matches(name.as_str()).count() + text.matches(name.as_str()).count()) as u32;
        if seen >= 2 {
            counts.insert((name.clone(), *kind), seen);
        }
    }
    let mut out: Vec<Entity> =
        counts.into_iter().map(|((text, kind), count)| Entity { text, kind, count }).collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.text.cmp(&b.text)));
    out.truncate(ENTITIES);
    out
}

/// The canonical name of an entity given by any of its names (`阿里` → `阿里巴巴`).
pub fn canonical_entity(name: &str) -> String {
    GAZETTEER.canonical.get(&name.trim().to_lowercase()).cloned().unwrap_or_else(|| name.trim().to_string())
}

/// Lines that say where an article came from rather than what happened.
fn is_attribution(sentence: &str) -> bool {
    ["本文来自", "本文来源", "原文链接", "来源：", "责任编辑", "题图来自", "头图来自", "文章来源"]
        .iter()
        .any(|p| sentence.contains(p))
}

fn is_closing(c: char) -> bool {
    matches!(c, '”' | '」' | '』' | '）' | ')' | '"' | '\'' | '’')
}

/// The text's sentences, each ending with its punctuation (if any).
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut start = 0;
        let mut iter = line.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            let next = iter.peek().map(|&(_, n)| n);
            let ends = matches!(c, '。' | '！' | '？' | '；')
                || (matches!(c, '.' | '!' | '?') && next.is_none_or(|n| n.is_whitespace() || is_closing(n)));
            if ends {
                // Keep closing quotes and brackets with the sentence they close.
                let mut end = i + c.len_utf8();
                while let Some(&(j, q)) = iter.peek() {
                    if is_closing(q) {
                        end = j + q.len_utf8();
                        iter.next();
                    } else {
                        break;
                    }
                }
                out.push(line[start..end].trim());
                start = end;
            }
        }
        out.push(line[start..].trim());
    }
    out.retain(|s| !s.is_empty());
    out
}

/// One to three whole sentences from the start of the text (attribution lines skipped).
pub fn summary(text: &str) -> String {
    let mut out = String::new();
    for (taken, s) in sentences(text).into_iter().filter(|s| !is_attribution(s)).enumerate() {
        if taken == 3 || (taken > 0 && out.chars().count() >= SUMMARY_CHARS) {
            break;
        }
        // Latin sentences are separated by a space; Chinese ones are not.
        if taken > 0 && (out.ends_with(|c: char| c.is_ascii()) || s.starts_with(|c: char| c.is_ascii())) {
            out.push(' ');
        }
        out.push_str(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gazetteer_is_matched_by_a_dfa() {
        assert_eq!(GAZETTEER.matcher.kind(), aho_corasick::AhoCorasickKind::DFA);
    }

    #[test]
    fn a_words_jieba_idf_does_not_depend_on_the_words_looked_up_with_it() {
        use jieba_rs::KeywordExtract;
        // Words no other test looks up, so the first call below finds none of them cached.
        // Looked up together with words jieba cuts in pieces or repeats, their IDF used to
        // come out scaled by the batch's word count.
        let batch = ["反洗钱", "反洗钱条例", "条例", "洗钱", "的的的", "反洗钱 反洗钱", "监察"];
        let together: HashMap<&str, f64> = jieba_idf(&batch).into_iter().collect();
        for w in ["反洗钱", "条例", "洗钱", "监察"] {
            let alone = TFIDF.extract_keywords(segment::jieba(), w, 1, Vec::new());
            assert_eq!(alone.len(), 1, "{w} is one keyword");
            assert_eq!(together.get(w), Some(&alone[0].weight), "{w}");
        }
        assert!(!together.contains_key("的的的"));
    }

    #[test]
    fn lowercase_is_the_standard_lower_case() {
        for s in [
            "微信 WeChat ＡＢＣ İstanbul ΣΟΦΟΣ ΟΔΟΣ Straße ẞ Ǆ 〇々ヶ한국어 KELVIN \u{212A} ÉCOLE",
            "",
            "ASCII only, Mixed Case 123",
            "ΌΣΟΣ σ Σ",
        ] {
            assert_eq!(lowercase(s), s.to_lowercase(), "{s}");
            // What the candidates rely on to skip the copy: no false "no".
            assert!(may_have_upper_case(s) || s.to_lowercase() == s, "{s}");
        }
        assert!(!may_have_upper_case("支付宝 alipay 2024"));
    }

    struct Corpus(HashMap<&'static str, u64>, u64);
    impl DocFreq for Corpus {
        fn num_docs(&self) -> u64 {
            self.1
        }
        fn doc_freq(&self, w: &str) -> u64 {
            self.0.get(w).copied().unwrap_or(0)
        }
    }

    #[test]
    fn keywords_favour_rare_repeated_terms_and_drop_stop_words_and_numbers() {
        let corpus = Corpus(HashMap::from([("平台", 900), ("互联互通", 5)]), 5000);
        let text = "平台 互联互通 互联互通 的 了 2021 平台 互联互通";
        let k = keywords("", text, &corpus);
        assert_eq!(k[0].term, "互联互通");
        assert!(k.iter().all(|k| !["的", "了", "2021"].contains(&k.term.as_str())), "{k:?}");
        assert!(k.len() <= KEYWORDS);
    }

    #[test]
    fn a_small_corpus_falls_back_to_jieba_idf() {
        let k = keywords(
            "微信解除外链屏蔽",
            "微信宣布逐步解除对淘宝外链的屏蔽，用户可以直接打开淘宝链接。",
            &NoCorpus,
        );
        assert!(k.iter().any(|k| k.term == "屏蔽") && k.iter().any(|k| k.term == "淘宝"), "{k:?}");
        assert!(k.iter().all(|k| is_keyword_candidate(&k.term)), "{k:?}");
    }

    #[test]
    fn entities_use_canonical_names_and_kinds() {
        let e = entities("阿里与腾讯", "Alibaba 和阿里巴巴是同一家公司。腾讯旗下的微信（WeChat）宣布开放。");
        let get = |t: &str| e.iter().find(|x| x.text == t).cloned();
        assert_eq!(get("阿里巴巴").map(|x| (x.kind, x.count)), Some((EntityKind::Org, 3)));
        assert_eq!(get("微信").map(|x| (x.kind, x.count)), Some((EntityKind::Product, 2)));
        assert_eq!(get("腾讯").map(|x| x.count), Some(2));
        assert_eq!(canonical_entity("alibaba"), "阿里巴巴");
    }

    #[test]
    fn summary_is_one_to_three_whole_sentences() {
        let text = "本文来自微信公众号。第一句话说了什么。第二句！第三句？第四句不该出现。";
        let s = summary(text);
        assert_eq!(s, "第一句话说了什么。第二句！第三句？");
        let long = "这是一个非常长的句子".repeat(30) + "。后面的句子。";
        let s = summary(&long);
        assert!(s.ends_with('。') && !s.contains("后面"), "{s}");
        assert_eq!(summary("No stop at all"), "No stop at all");
        assert_eq!(summary("He said “go.” Then left. More. Even more."), "He said “go.” Then left. More.");
    }

    #[test]
    fn analysis_puts_it_together() {
        let a = Analyzer::default().analyze(
            "市场监管总局对平台二选一开出反垄断罚单",
            "市场监管总局今日宣布，对某电商平台实施二选一行为处以罚款。这是反垄断法实施以来的大额罚单。反垄断执法将持续。",
            &NoCorpus,
        );
        assert_eq!(a.topics[0].id, "antitrust");
        assert!(a.summary.starts_with("市场监管总局今日宣布"));
        assert!(a.entities.iter().any(|e| e.text == "市场监管总局"));
        assert_ne!(a.simhash, simhash::Simhash(0));
    }
}
