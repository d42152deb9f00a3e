//! Topic tagging against a taxonomy of weighted terms.
//!
//! A taxonomy (YAML, see `taxonomy.yaml` beside this file for the default and its format)
//! lists topics, each with weighted terms and aliases. An article's evidence for a topic is
//!
//! ```text
//! E = Σ over matched terms  weight × (TITLE_WEIGHT·[term in title] + ln(1 + mentions in body) × density)
//!     − the same sum over negative terms
//! score = 1 − exp(−E / SCALE)
//! ```
//!
//! where `density = min(1, √(DENSITY_CHARS / body length))` keeps a long article's passing
//! mentions from adding up. A topic is assigned when its score reaches its threshold: one
//! passing mention of even a strong term stays below it, a title mention or repeated mentions
//! do not; and a topic needs at least [`MIN_DISTINCT_TERMS`] different terms (a company name
//! repeated is not yet its industry). Chinese terms match anywhere; Latin terms match whole
//! words, ignoring case. Matches are leftmost-longest, so a term of weight 0 is a stop-phrase
//! hiding the shorter terms inside it (`游戏规则`, "the rules of the game", is not about games).
//!
//! Not here: choosing the taxonomy file (the CLI's), or anything but term evidence.

use std::collections::{BTreeMap, HashMap};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use serde::{Deserialize, Serialize};

/// Weight of a term's presence in the title, in units of `ln(1 + body mentions)`.
pub const TITLE_WEIGHT: f64 = 2.0;
/// Evidence that gives a score of 1 − 1/e ≈ 0.63.
pub const SCALE: f64 = 6.0;
/// Body length (chars) above which mentions count for less.
pub const DENSITY_CHARS: f64 = 1500.0;
/// A topic rests on at least this many different terms: one name repeated is not a subject.
pub const MIN_DISTINCT_TERMS: usize = 2;
/// Threshold of a topic that sets none.
pub const DEFAULT_THRESHOLD: f64 = 0.6;

/// The built-in taxonomy, compiled into the binary.
pub const DEFAULT_TAXONOMY: &str = include_str!("taxonomy.yaml");

#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    #[error("{origin}: invalid taxonomy: {message}")]
    Invalid { origin: String, message: String },
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaxonomyFile {
    #[serde(default = "one")]
    pub version: u32,
    /// `true`: add to (and override by id) the built-in taxonomy instead of replacing it.
    #[serde(default)]
    pub extends_default: bool,
    pub topics: Vec<TopicDef>,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TopicDef {
    pub id: String,
    pub label: Label,
    #[serde(default)]
    pub threshold: Option<f64>,
    pub terms: Vec<TermDef>,
    #[serde(default)]
    pub negative: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
pub struct Label {
    pub zh: String,
    pub en: String,
}

/// A term: a bare string (weight 1) or `{term, weight, aliases}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(untagged)]
pub enum TermDef {
    Plain(String),
    Full(FullTerm),
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FullTerm {
    pub term: String,
    #[serde(default = "unit_weight")]
    pub weight: f64,
    #[serde(default)]
    pub aliases: Vec<String>,
}

fn unit_weight() -> f64 {
    1.0
}

/// A topic assigned to an article, with the terms that made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicMatch {
    pub id: String,
    pub label: String,
    /// 0..1, rounded to three decimals.
    pub score: f64,
    /// The terms found, strongest evidence first.
    pub matched: Vec<String>,
}

struct Topic {
    id: String,
    label: Label,
    threshold: f64,
    /// Canonical term and weight, by term index; negatives have negative weight.
    terms: Vec<(String, f64)>,
}

/// A compiled taxonomy.
///
/// Every topic's surface forms go into one automaton, searched once per text for all their
/// occurrences, overlapping ones included; each topic then keeps its leftmost-longest
/// non-overlapping matches, exactly what a leftmost-longest automaton of its own would have
/// found. One pass instead of one per topic: with 14 topics this was 5 % of the ingest's CPU.
pub struct Taxonomy {
    topics: Vec<Topic>,
    matcher: AhoCorasick,
    /// Per pattern: whether it needs word boundaries (it starts or ends with a Latin letter
    /// or digit), and the (topic, term) pairs it is a surface form of, in taxonomy order.
    patterns: Vec<Pattern>,
    /// Bytes of the longest surface form.
    longest: usize,
}

struct Pattern {
    bounded: bool,
    owners: Vec<(u32, u32)>,
}

impl Taxonomy {
    /// The built-in taxonomy.
    pub fn builtin() -> Taxonomy {
        Taxonomy::from_yaml(DEFAULT_TAXONOMY, "built-in taxonomy").expect("the built-in taxonomy is valid")
    }

    /// Reads a taxonomy file's text; with `extends_default: true` it is merged over the built-in one.
    pub fn from_yaml(yaml: &str, origin: &str) -> Result<Taxonomy, TaxonomyError> {
        let invalid = |message: String| TaxonomyError::Invalid { origin: origin.to_string(), message };
        let file: TaxonomyFile = serde_yaml::from_str(yaml).map_err(|e| invalid(e.to_string()))?;
        if file.version != 1 {
            return Err(invalid(format!(
                "version {} is not supported (this newsdesk reads version 1)",
                file.version
            )));
        }
        let mut defs = if file.extends_default {
            serde_yaml::from_str::<TaxonomyFile>(DEFAULT_TAXONOMY).expect("built-in taxonomy parses").topics
        } else {
            Vec::new()
        };
        for topic in file.topics {
            match defs.iter_mut().find(|d| d.id == topic.id) {
                Some(slot) => *slot = topic,
                None => defs.push(topic),
            }
        }
        let mut topics = Vec::new();
        let mut patterns: Vec<Pattern> = Vec::new();
        let mut surfaces: Vec<String> = Vec::new();
        let mut index_of: HashMap<String, usize> = HashMap::new();
        for def in defs {
            let (topic, forms) = compile(def).map_err(&invalid)?;
            let t = topics.len() as u32;
            for (surface, term) in forms {
                let p = *index_of.entry(surface.clone()).or_insert_with(|| {
                    let bounded = needs_word_boundaries(&surface);
                    surfaces.push(surface);
                    patterns.push(Pattern { bounded, owners: Vec::new() });
                    patterns.len() - 1
                });
                patterns[p].owners.push((t, term as u32));
            }
            topics.push(topic);
        }
        let matcher = matcher(MatchKind::Standard, &surfaces).map_err(|e| invalid(e.to_string()))?;
        let longest = surfaces.iter().map(String::len).max().unwrap_or(0);
        Ok(Taxonomy { topics, matcher, patterns, longest })
    }

    /// Mentions per topic and term in `haystack` (already lower-cased).
    fn count(&self, haystack: &str) -> Vec<Vec<u32>> {
        self.count_buffered(haystack, 4096)
    }

    /// [`Taxonomy::count`], deciding the matches as soon as they are all known, so that at
    /// most about `buffer` occurrences wait at a time (plus those of one longest pattern's
    /// span): an article of one phrase repeated must not make a list as long as itself.
    fn count_buffered(&self, haystack: &str, buffer: usize) -> Vec<Vec<u32>> {
        let mut counts: Vec<Vec<u32>> = self.topics.iter().map(|t| vec![0; t.terms.len()]).collect();
        // Per topic, where its last accepted match ended: the next must start there or later.
        let mut resume = vec![0usize; self.topics.len()];
        // (topic, start, end, term, bounded) of occurrences not yet decided.
        let mut found: Vec<(u32, usize, usize, u32, bool)> = Vec::new();
        // Doubled when many occurrences must wait (a taxonomy of very long surface forms), so
        // that deciding does not sort the same waiting ones again at every new occurrence.
        let mut threshold = buffer;
        let mut decide = |found: &mut Vec<(u32, usize, usize, u32, bool)>, known_before: usize| {
            // Leftmost first, then longest; stable, so that of two terms with the same
            // surface form the first listed wins, as in a leftmost-longest automaton.
            found.sort_by_key(|&(t, start, end, _, _)| (t, start, std::cmp::Reverse(end)));
            found.retain(|&(t, start, end, term, bounded)| {
                if start >= known_before {
                    return true;
                }
                if start >= resume[t as usize] {
                    resume[t as usize] = end;
                    // A match glued to a Latin word is not a mention, but it still covers
                    // its span.
                    if !bounded || at_word_boundaries(haystack, start, end) {
                        counts[t as usize][term as usize] += 1;
                    }
                }
                false
            });
        };
        for m in self.matcher.find_overlapping_iter(haystack) {
            let p = &self.patterns[m.pattern().as_usize()];
            found.extend(p.owners.iter().map(|&(t, term)| (t, m.start(), m.end(), term, p.bounded)));
            if found.len() >= threshold {
                // Occurrences come in order of their end, so every one starting more than a
                // longest pattern before this end has been seen.
                decide(&mut found, m.end().saturating_sub(self.longest));
                threshold = buffer.max(2 * found.len());
            }
        }
        decide(&mut found, usize::MAX);
        counts
    }

    /// Ids and labels, in taxonomy order.
    pub fn topics(&self) -> impl Iterator<Item = (&str, &Label)> {
        self.topics.iter().map(|t| (t.id.as_str(), &t.label))
    }

    /// The topics of an article, best first.
    pub fn classify(&self, title: &str, text: &str) -> Vec<TopicMatch> {
        self.classify_lowercase(&super::lowercase(title), &super::lowercase(text))
    }

    /// [`Taxonomy::classify`] of an already lower-cased title and text.
    pub fn classify_lowercase(&self, title_lower: &str, text_lower: &str) -> Vec<TopicMatch> {
        let body_chars = text_lower.chars().count().max(1) as f64;
        let density = (DENSITY_CHARS / body_chars).sqrt().min(1.0);
        let mut out = Vec::new();
        let (title_counts, body_counts) = (self.count(title_lower), self.count(text_lower));
        for ((topic, in_title), in_body) in self.topics.iter().zip(title_counts).zip(body_counts) {
            let mut evidence: BTreeMap<usize, f64> = BTreeMap::new();
            for (term, _) in topic.terms.iter().enumerate() {
                let t = if in_title[term] > 0 { TITLE_WEIGHT } else { 0.0 };
                let b = (1.0 + in_body[term] as f64).ln() * density;
                if t + b > 0.0 {
                    evidence.insert(term, topic.terms[term].1 * (t + b));
                }
            }
            let total: f64 = evidence.values().sum();
            let score = 1.0 - (-total.max(0.0) / SCALE).exp();
            let distinct = evidence.values().filter(|e| **e > 0.0).count();
            if score < topic.threshold || distinct < MIN_DISTINCT_TERMS {
                continue;
            }
            let mut positive: Vec<(usize, f64)> = evidence.into_iter().filter(|(_, e)| *e > 0.0).collect();
            positive.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            out.push(TopicMatch {
                id: topic.id.clone(),
                label: topic.label.zh.clone(),
                score: (score * 1000.0).round() / 1000.0,
                matched: positive.into_iter().map(|(i, _)| topic.terms[i].0.clone()).collect(),
            });
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        out
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Pattern bytes up to which a DFA is tried, and the memory it may then take. A DFA looks up
/// one transition per byte where the crate's default for many patterns (a contiguous NFA)
/// may follow failure links: over the corpus, 1.8x faster for the built-in taxonomy (715
/// surface forms, ~6 KB, a 2.3 MB DFA) and 2.3x for the gazetteer. Its size is up to states
/// × alphabet, so a large user taxonomy keeps the NFA.
const DFA_MAX_PATTERN_BYTES: usize = 32 * 1024;
const DFA_MAX_MEMORY: usize = 8 << 20;

/// An Aho-Corasick matcher for `patterns`: a DFA while the patterns are small and the DFA
/// stays within [`DFA_MAX_MEMORY`], else the crate's own choice.
pub(crate) fn matcher(kind: MatchKind, patterns: &[String]) -> Result<AhoCorasick, aho_corasick::BuildError> {
    let builder = |automaton| AhoCorasickBuilder::new().match_kind(kind).kind(automaton).build(patterns);
    if patterns.iter().map(String::len).sum::<usize>() <= DFA_MAX_PATTERN_BYTES {
        let dfa = builder(Some(AhoCorasickKind::DFA))?;
        if dfa.memory_usage() <= DFA_MAX_MEMORY {
            return Ok(dfa);
        }
    }
    builder(None)
}

/// Whether a surface form only counts at word boundaries: it starts or ends with a Latin
/// letter or digit.
fn needs_word_boundaries(surface: &str) -> bool {
    surface.bytes().next().is_some_and(is_word_byte) || surface.bytes().last().is_some_and(is_word_byte)
}

/// Whether `s[start..end]` is not glued to Latin letters or digits on either side (a Chinese
/// neighbour is fine: Chinese has no spaces).
pub(crate) fn at_word_boundaries(s: &str, start: usize, end: usize) -> bool {
    let bytes = s.as_bytes();
    let before = start == 0 || !is_word_byte(bytes[start - 1]) || !is_word_byte(bytes[start]);
    let after = end == bytes.len() || !is_word_byte(bytes[end]) || !is_word_byte(bytes[end - 1]);
    before && after
}

/// A topic and its surface forms (lower-cased), each with the index of its term.
fn compile(def: TopicDef) -> Result<(Topic, Vec<(String, usize)>), String> {
    if def.id.trim().is_empty() {
        return Err("a topic has an empty id".into());
    }
    let threshold = def.threshold.unwrap_or(DEFAULT_THRESHOLD);
    if !(0.0..=1.0).contains(&threshold) {
        return Err(format!("topic {}: threshold {threshold} is outside 0..1", def.id));
    }
    let mut terms = Vec::new();
    let mut forms = Vec::new();
    let entries = def.terms.into_iter().map(|t| match t {
        TermDef::Plain(term) => (term, 1.0, Vec::new()),
        TermDef::Full(FullTerm { term, weight, aliases }) => (term, weight, aliases),
    });
    let negatives = def.negative.into_iter().map(|n| (n, -1.0, Vec::new()));
    for (term, weight, aliases) in entries.chain(negatives) {
        if term.trim().is_empty() || !weight.is_finite() {
            return Err(format!("topic {}: a term is empty or has no finite weight", def.id));
        }
        if let Some(empty) = aliases.iter().find(|a| a.trim().is_empty()) {
            return Err(format!("topic {}: term {term} has an empty alias {empty:?}", def.id));
        }
        let index = terms.len();
        for surface in std::iter::once(&term).chain(aliases.iter()) {
            forms.push((surface.to_lowercase(), index));
        }
        terms.push((term, weight));
    }
    Ok((Topic { id: def.id, label: def.label, threshold, terms }, forms))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(title: &str, text: &str) -> Vec<String> {
        Taxonomy::builtin().classify(title, text).into_iter().map(|t| t.id).collect()
    }

    #[test]
    fn small_pattern_sets_get_a_dfa_and_large_ones_the_crates_choice() {
        assert_eq!(Taxonomy::builtin().matcher.kind(), AhoCorasickKind::DFA);
        // Under the byte limit, but three unrelated ideographs apiece share few states: their
        // DFA would be too big.
        let mut state = 1u32;
        let mut ideograph = || {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from_u32(0x4E00 + (state >> 8) % 0x5000).expect("a CJK code point")
        };
        let wide: Vec<String> = (0..3_600).map(|_| (0..3).map(|_| ideograph()).collect()).collect();
        assert!(wide.iter().map(String::len).sum::<usize>() <= DFA_MAX_PATTERN_BYTES);
        let dfa = AhoCorasickBuilder::new().kind(Some(AhoCorasickKind::DFA)).build(&wide).unwrap();
        assert!(dfa.memory_usage() > DFA_MAX_MEMORY, "{} bytes", dfa.memory_usage());
        assert_ne!(matcher(MatchKind::Standard, &wide).unwrap().kind(), AhoCorasickKind::DFA);
        let long: Vec<String> = (0..20_000).map(|i| format!("术语{i}")).collect();
        assert_ne!(matcher(MatchKind::Standard, &long).unwrap().kind(), AhoCorasickKind::DFA);
    }

    #[test]
    fn the_builtin_taxonomy_has_the_required_topics() {
        let t = Taxonomy::builtin();
        let got: Vec<&str> = t.topics().map(|(id, _)| id).collect();
        for id in [
            "platform-interconnection",
            "antitrust",
            "mobile-payments",
            "e-commerce",
            "smartphones",
            "semiconductors",
            "electric-vehicles",
            "artificial-intelligence",
            "cloud-native",
            "cybersecurity",
            "finance-markets",
            "venture-funding",
            "gaming",
            "space",
        ] {
            assert!(got.contains(&id), "{id} missing");
        }
    }

    #[test]
    fn title_hits_and_repeated_mentions_make_a_topic() {
        assert!(ids("微信解除外链屏蔽，平台互联互通迈出一步", "用户可以在微信中直接打开淘宝链接。")
            .contains(&"platform-interconnection".to_string()));
        let body = "市场监管总局对该平台二选一行为作出反垄断处罚。此次反垄断调查历时四个月。";
        assert!(ids("监管动态", body).contains(&"antitrust".to_string()));
    }

    #[test]
    fn a_single_passing_mention_is_not_a_topic() {
        let long = format!(
            "{}顺便一提，他用支付宝付了车费。{}",
            "今天的天气很好，我们去公园散步。".repeat(40),
            "晚上回家吃饭。".repeat(40)
        );
        assert!(!ids("周末游记", &long).contains(&"mobile-payments".to_string()));
    }

    #[test]
    fn latin_terms_match_whole_words_only() {
        // "AI" inside "MAIL" or "said" must not count.
        assert!(!ids("Email said", "We said the email and the mail trail failed again and again.")
            .contains(&"artificial-intelligence".to_string()));
        assert!(ids("AI model beats benchmark", "The AI model uses machine learning.")
            .contains(&"artificial-intelligence".to_string()));
    }

    #[test]
    fn a_stop_phrase_hides_the_topic_word_inside_it() {
        let t = Taxonomy::builtin();
        let gaming = |title: &str, text: &str| t.classify(title, text).iter().any(|m| m.id == "gaming");
        assert!(gaming("游戏公司发布新游戏", "这家游戏公司的新游戏登上主机平台，游戏玩家期待已久。"));
        assert!(!gaming(
            "平台改写游戏规则",
            "监管改写了游戏规则，游戏规则之外，主机厂商与游戏规则制定者博弈。"
        ));
    }

    #[test]
    fn a_negative_weight_marks_another_main_subject() {
        let t = Taxonomy::builtin();
        let phones = |title: &str, text: &str| t.classify(title, text).iter().any(|m| m.id == "smartphones");
        let text =
            "小米新款智能手机搭载骁龙处理器，支持快充，手机屏幕刷新率更高。同场还有真无线耳机与智能手表。";
        assert!(phones("小米新机发布", text));
        assert!(!phones("小米新机发布会的主角是耳机", text));
    }

    /// What one leftmost-longest automaton per topic finds in `haystack`: the definition that
    /// the shared automaton's counts must equal.
    fn counts_topic_by_topic(yaml: &str, haystack: &str) -> Vec<Vec<u32>> {
        let file: TaxonomyFile = serde_yaml::from_str(yaml).unwrap();
        let mut out = Vec::new();
        for def in file.topics {
            let (topic, forms) = compile(def).unwrap();
            let surfaces: Vec<&str> = forms.iter().map(|(s, _)| s.as_str()).collect();
            let matcher =
                AhoCorasickBuilder::new().match_kind(MatchKind::LeftmostLongest).build(&surfaces).unwrap();
            let mut counts = vec![0; topic.terms.len()];
            for m in matcher.find_iter(haystack) {
                let surface = surfaces[m.pattern().as_usize()];
                if !needs_word_boundaries(surface) || at_word_boundaries(haystack, m.start(), m.end()) {
                    counts[forms[m.pattern().as_usize()].1] += 1;
                }
            }
            out.push(counts);
        }
        out
    }

    #[test]
    fn one_shared_automaton_counts_what_an_automaton_per_topic_would() {
        let t = Taxonomy::builtin();
        let mut texts: Vec<String> = vec![
            "监管改写了游戏规则，游戏公司的新游戏；微信支付、支付宝与云闪付互联互通。".into(),
            "the ai model said: ai-driven chips, email, 5g phones and ev batteries; antitrust fines".into(),
            "小米新机发布会的主角是耳机，智能手机搭载骁龙处理器，半导体芯片与笔记本电脑".into(),
        ];
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        for entry in walkdir::WalkDir::new(&data).into_iter().map(Result::unwrap) {
            if entry.path().extension().is_some_and(|e| e == "md" || e == "html") {
                texts.push(std::fs::read_to_string(entry.path()).unwrap().to_lowercase());
            }
        }
        assert!(texts.len() > 10);
        for text in &texts {
            let expected = counts_topic_by_topic(DEFAULT_TAXONOMY, text);
            assert_eq!(t.count(text), expected, "{text}");
            // Deciding as the occurrences come, a few at a time, changes nothing.
            assert_eq!(t.count_buffered(text, 1), expected, "{text}");
            assert_eq!(t.count_buffered(text, 7), expected, "{text}");
        }
        // Two terms of one topic with the same surface form: the first listed takes it.
        let twice = "topics:\n  - id: q\n    label: {zh: 量子, en: Q}\n    terms: [{term: 量子, aliases: [qc]}, {term: qc}, 量子计算]\n";
        let t = Taxonomy::from_yaml(twice, "t.yaml").unwrap();
        for text in ["qc 量子计算 量子 qcx", "量子量子计算qc"] {
            assert_eq!(t.count(text), counts_topic_by_topic(twice, text), "{text}");
            assert_eq!(t.count_buffered(text, 1), counts_topic_by_topic(twice, text), "{text}");
        }
    }

    #[test]
    fn an_empty_alias_is_an_error() {
        let yaml =
            "topics:\n  - id: q\n    label: {zh: 量子, en: Q}\n    terms: [{term: 量子, aliases: ['']}]\n";
        let err = Taxonomy::from_yaml(yaml, "t.yaml").err().unwrap().to_string();
        assert!(err.contains("empty alias"), "{err}");
    }

    #[test]
    fn matched_terms_explain_the_score() {
        let t = Taxonomy::builtin().classify("支付宝和微信支付互通收款码", "支付宝 微信支付 收款码");
        let pay = t.iter().find(|m| m.id == "mobile-payments").unwrap();
        assert!(pay.score > 0.5 && pay.score <= 1.0);
        assert!(pay.matched.contains(&"微信支付".to_string()) && pay.matched.contains(&"支付宝".to_string()));
    }

    #[test]
    fn a_file_can_extend_or_replace_the_default() {
        let extra = "extends_default: true\ntopics:\n  - id: quantum\n    label: {zh: 量子, en: Quantum}\n    terms: [{term: 量子计算, weight: 4}]\n";
        let t = Taxonomy::from_yaml(extra, "x.yaml").unwrap();
        assert_eq!(t.topics().count(), 15);
        let only = "topics:\n  - id: quantum\n    label: {zh: 量子, en: Quantum}\n    terms: [量子计算]\n";
        assert_eq!(Taxonomy::from_yaml(only, "x.yaml").unwrap().topics().count(), 1);
        let bad = Taxonomy::from_yaml("topics: [{id: q}]", "bad.yaml").err().unwrap().to_string();
        assert!(bad.starts_with("bad.yaml: invalid taxonomy"), "{bad}");
        // A misspelt key is an error, not a silent default weight.
        let typo = "topics:\n  - id: q\n    label: {zh: 量子, en: Q}\n    terms: [{term: 量子, wieght: 3}]\n";
        assert!(Taxonomy::from_yaml(typo, "t.yaml").is_err());
    }
}
