//! jieba's dictionary without jieba's start-up cost.
//!
//! Building jieba's trie from its 349,045 words takes ~0.15 s: most of a short `newsdesk search`
//! process. So `build.rs` compiles the dictionary (`assets/jieba/dict.txt.gz`) into a finite-state
//! transducer embedded in the binary, which answers lookups with no start-up work at all, and
//! this module makes jieba instances from it:
//!
//! * [`Lexicon::full`] holds every word, for long-running work (ingest, the analysis's tagging);
//! * [`Lexicon::for_text`] holds only the words that occur in one text, with the total frequency
//!   padded to the full dictionary's. jieba's cut with HMM off consults nothing but the words
//!   occurring in the text and that total, so this instance cuts *that text* exactly as the full
//!   one does, at a cost proportional to the text instead of the dictionary.
//!
//! A user dictionary applies on top of both with jieba's `add_word` rules: a word without a
//! frequency gets jieba's suggested one, computed against the dictionary as it stands then, and a
//! word already known keeps its tag.
//!
//! Not here: choosing between the two kinds of instance (`segment` does), HMM discovery of
//! unknown words (off throughout newsdesk; a per-text instance would not reproduce it anyway,
//! since jieba's HMM model is not part of the dictionary). jieba-rs's bundled dictionary is
//! switched off, and with it its part-of-speech guesser for words outside the dictionary: with
//! HMM off those are single characters, tagged `x`, which entity extraction ignores anyway.

use std::collections::HashMap;
use std::sync::OnceLock;

use fst::raw::Output;
use jieba_rs::Jieba;

use super::DictEntry;

mod built {
    include!(concat!(env!("OUT_DIR"), "/jieba-dict.rs"));
}

static FST: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/jieba-dict.fst"));

fn builtin() -> &'static fst::Map<&'static [u8]> {
    static MAP: OnceLock<fst::Map<&'static [u8]>> = OnceLock::new();
    MAP.get_or_init(|| fst::Map::new(FST).expect("build.rs writes a valid transducer"))
}

/// Frequency and tag of a built-in entry's value (`frequency << 8 | tag number`).
fn decode(value: u64) -> (usize, &'static str) {
    ((value >> 8) as usize, built::TAGS[(value & 0xff) as usize])
}

/// Calls `found(start, end, value)` for every built-in word occurring in `text`, at every
/// character where one starts.
fn builtin_words_in(text: &str, mut found: impl FnMut(usize, usize, u64)) {
    let fst = builtin().as_fst();
    let bytes = text.as_bytes();
    for (start, _) in text.char_indices() {
        let mut node = fst.root();
        let mut out = Output::zero();
        for (i, &b) in bytes[start..].iter().enumerate() {
            let Some(t) = node.find_input(b) else { break };
            let t = node.transition(t);
            out = out.cat(t.out);
            node = fst.node(t.addr);
            if node.is_final() {
                // Keys are whole UTF-8 words, so a key's end is a character boundary of `text`.
                found(start, start + i + 1, out.cat(node.final_output()).value());
            }
        }
    }
}

/// The built-in dictionary plus a user dictionary, able to make jieba instances.
#[derive(Debug, Clone)]
pub struct Lexicon {
    /// User words after the user dictionary was applied: frequency and tag, overriding a
    /// built-in entry of the same word.
    user: HashMap<String, (usize, String)>,
    /// The order user words were first added in, so [`Lexicon::full`] replays them the same way.
    user_order: Vec<String>,
    /// Finds the user words in a text, once the user dictionary is complete (a large user
    /// dictionary would otherwise cost a substring search per word per text).
    user_matcher: Option<aho_corasick::AhoCorasick>,
    /// Sum of all frequencies, as jieba keeps it.
    total: usize,
}

impl Default for Lexicon {
    fn default() -> Self {
        Lexicon {
            user: HashMap::new(),
            user_order: Vec::new(),
            user_matcher: None,
            total: built::TOTAL as usize,
        }
    }
}

impl Lexicon {
    /// The built-in dictionary with `entries` added in order.
    pub fn with_user(entries: &[DictEntry]) -> Lexicon {
        let mut lexicon = Lexicon::default();
        for (word, freq, tag) in entries {
            lexicon.add(word, *freq, tag.as_deref());
        }
        if !lexicon.user_order.is_empty() {
            lexicon.user_matcher = aho_corasick::AhoCorasick::new(&lexicon.user_order).ok();
        }
        lexicon
    }

    /// jieba's `add_word`, on the lexicon.
    fn add(&mut self, word: &str, freq: Option<usize>, tag: Option<&str>) {
        if word.is_empty() {
            return;
        }
        let freq = freq.unwrap_or_else(|| self.for_text(word).suggest_freq(word));
        let (tag, old) = match self.entry(word) {
            Some((old, tag)) => (tag.to_string(), old),
            None => (tag.unwrap_or("").to_string(), 0),
        };
        self.total = self.total + freq - old;
        if self.user.insert(word.to_string(), (freq, tag)).is_none() {
            self.user_order.push(word.to_string());
        }
    }

    /// Frequency and tag of `word`, if it is in the lexicon.
    pub fn entry(&self, word: &str) -> Option<(usize, &str)> {
        match self.user.get(word) {
            Some((freq, tag)) => Some((*freq, tag)),
            None => builtin().get(word).map(decode),
        }
    }

    /// A jieba instance holding every word: ~0.15 s and ~60 MB to build.
    pub fn full(&self) -> Jieba {
        let mut jieba = Jieba::empty();
        let mut stream = builtin().stream();
        while let Some((word, value)) = fst::Streamer::next(&mut stream) {
            let word = std::str::from_utf8(word).expect("dictionary keys are UTF-8");
            let (freq, tag) = decode(value);
            jieba.add_word(word, Some(freq), Some(tag));
        }
        for word in &self.user_order {
            let (freq, tag) = &self.user[word];
            jieba.add_word(word, Some(*freq), Some(tag));
        }
        jieba
    }

    /// A jieba instance that cuts `text` (and any part of it) exactly as [`Lexicon::full`]'s
    /// does, holding only the words that occur in it.
    pub fn for_text(&self, text: &str) -> Jieba {
        // Each word once, with the entry the walk already decoded; a user word overrides it.
        let mut words: HashMap<&str, (usize, &str)> = HashMap::new();
        builtin_words_in(text, |from, to, value| {
            words.entry(&text[from..to]).or_insert_with(|| decode(value));
        });
        let user_words: Vec<&str> = match &self.user_matcher {
            Some(matcher) => matcher.find_overlapping_iter(text).map(|m| &text[m.range()]).collect(),
            None => self.user_order.iter().map(String::as_str).filter(|w| text.contains(*w)).collect(),
        };
        for word in user_words {
            let (freq, tag) = &self.user[word];
            words.insert(word, (*freq, tag));
        }
        let mut jieba = Jieba::empty();
        let mut sum = 0;
        for (word, (freq, tag)) in words {
            jieba.add_word(word, Some(freq), Some(tag));
            sum += freq;
        }
        // The rest of the total goes to one word that cannot occur in `text`, so every word's
        // share (freq / total), which is all the cut weighs, is the full dictionary's.
        let mut padding = String::from('\u{FDD0}');
        while text.contains(&padding) {
            padding.push('\u{FDD0}');
        }
        jieba.add_word(&padding, Some(self.total - sum), Some(""));
        jieba
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Jieba`'s Debug output is the only place it shows its word count and total.
    fn size_and_total(jieba: &Jieba) -> String {
        format!("{jieba:?}")
    }

    #[test]
    fn the_full_instance_holds_the_whole_dictionary() {
        let lexicon = Lexicon::default();
        let full = lexicon.full();
        let expected = format!("Jieba {{ records_len: {}, total_freq: {} }}", builtin().len(), built::TOTAL);
        assert_eq!(size_and_total(&full), expected);
        assert!(full.has_word("互联互通") && full.has_word("支付宝"));
        assert_eq!(lexicon.entry("支付宝"), Some((3, "nr")), "as in dict.txt: `支付宝 3 nr`");
    }

    fn cuts(jieba: &Jieba, text: &str) -> Vec<String> {
        jieba.cut(text, false).into_iter().map(|t| t.word.to_string()).collect()
    }

    const TEXTS: [&str; 5] = [
        "工信部要求各平台在9月17日前解除外链屏蔽，微信、淘宝、抖音之间的互联互通迈出第一步。",
        "支付宝与云闪付、微信支付的二维码互认互扫，数字人民币钱包也在试点。",
        "Kubernetes 1.22 发布：Server-side Apply 正式可用，robots.txt 意外对外开放。",
        "南京市长江大桥欢迎您，研究生命起源，结婚的和尚未结婚的。",
        "\u{FDD0}奇怪的字符也要切得一样",
    ];

    #[test]
    fn a_per_text_instance_cuts_like_the_full_one() {
        let lexicon = Lexicon::default();
        let full = lexicon.full();
        for text in TEXTS {
            let small = lexicon.for_text(text);
            assert_eq!(cuts(&small, text), cuts(&full, text), "{text}");
            for gram in ["互联", "支付宝", "长江大桥", "微信支付"] {
                assert_eq!(small.has_word(gram), text.contains(gram) && full.has_word(gram), "{gram}");
            }
        }
    }

    #[test]
    fn user_words_apply_alike_to_both_instances() {
        let entries = vec![
            ("云闪付".to_string(), None, Some("nz".to_string())),
            ("互认互扫".to_string(), Some(3000), None),
            ("外链屏蔽".to_string(), None, None),
            ("支付宝".to_string(), Some(5), None),
            ("云闪付".to_string(), Some(20), None),
        ];
        let lexicon = Lexicon::with_user(&entries);
        let mut reference = Lexicon::default().full();
        for (word, freq, tag) in &entries {
            reference.add_word(word, *freq, tag.as_deref());
        }
        let full = lexicon.full();
        assert_eq!(size_and_total(&full), size_and_total(&reference));
        assert_eq!(lexicon.entry("云闪付"), Some((20, "nz")), "a re-added word keeps its tag");
        for text in TEXTS {
            assert_eq!(cuts(&full, text), cuts(&reference, text), "{text}");
            assert_eq!(cuts(&lexicon.for_text(text), text), cuts(&reference, text), "{text}");
        }
    }
}
