//! Word segmentation for Chinese and English text, shared by the index and the query parser.
//!
//! Chinese has no spaces, so text is cut into words with jieba's dictionary. Two tokenizers are
//! built from the same cut:
//!
//! * [`Mode::Index`] emits every word *and* the dictionary words inside it (`支付宝` → `支付`,
//!   `支付宝`), all at the word's position, so a query for a shorter word finds the longer one;
//! * [`Mode::Query`] emits only the words, so a query is never widened into its parts.
//!
//! Positions count words, not characters: a phrase query cut the same way as the document lines
//! up with it whatever the granularity of the words inside.
//!
//! HMM discovery of unknown words is deliberately off: it makes the cut of a word depend on its
//! neighbours, so a name could be cut one way in a short query and another way in an article.
//! Unknown words fall apart into single characters, which a phrase query still matches.
//!
//! Non-Han runs (`Server-side`, `robots.txt`, `1.22`) are split on punctuation into alphanumeric
//! parts, which [`analyzer`] then lower-cases and stems (English).
//!
//! The dictionary comes from [`dictionary`]: a process that cuts little text (a search: one
//! query, ten snippets) never builds jieba's full trie, which would be most of its run time, but
//! gives each text an instance holding just that text's words; cuts are identical either way.
//!
//! Not here: stop words (phrases need every word), keyword or entity extraction.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use jieba_rs::Jieba;
use tantivy::tokenizer::{
    Language, LowerCaser, RawTokenizer, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream,
    Tokenizer,
};

pub mod dictionary;
mod han;

use dictionary::Lexicon;
pub use han::HanTokenizer;

/// The dictionary: jieba's, plus the user dictionary if one was installed before first use.
static LEXICON: OnceLock<Lexicon> = OnceLock::new();
/// The user dictionary the lexicon was built with.
static USER_DICT: OnceLock<String> = OnceLock::new();
/// The jieba instance holding every word (~0.15 s to build), built on first need.
static FULL: OnceLock<Jieba> = OnceLock::new();
/// Bytes of text this process has cut with per-text instances.
static PER_TEXT_BYTES: AtomicUsize = AtomicUsize::new(0);
/// Up to this many bytes of text, a process cuts each text with an instance holding only that
/// text's words (about as costly as the full instance once ~1 MB has gone through); a query and
/// its ten snippets stay far below it, an ingest is past it after a few hundred articles.
const PER_TEXT_BUDGET: usize = 1 << 20;

/// A user dictionary that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum UserDictError {
    #[error("{origin}, line {line}: {message} (expected `word [frequency] [part-of-speech tag]`)")]
    BadLine { origin: String, line: usize, message: String },
    #[error("a different user dictionary is already in use in this process")]
    Conflict,
}

/// One entry of a user dictionary in jieba's format: `word [frequency] [tag]`.
pub type DictEntry = (String, Option<usize>, Option<String>);

/// Reads a user dictionary (`#` starts a comment line).
pub fn parse_user_dict(text: &str, origin: &str) -> Result<Vec<DictEntry>, UserDictError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let word = parts.next().expect("a non-empty line has a first word").to_string();
        let freq = parts
            .next()
            .map(|f| {
                f.parse::<usize>().map_err(|_| UserDictError::BadLine {
                    origin: origin.to_string(),
                    line: i + 1,
                    message: format!("frequency {f:?} is not a whole number"),
                })
            })
            .transpose()?;
        let tag = parts.next().map(str::to_string);
        if parts.next().is_some() {
            return Err(UserDictError::BadLine {
                origin: origin.to_string(),
                line: i + 1,
                message: "too many fields".into(),
            });
        }
        out.push((word, freq, tag));
    }
    Ok(out)
}

/// Makes segmentation (indexing, queries and analysis alike) use the words of a user
/// dictionary. Must come before the first segmentation of the process; installing the same
/// dictionary again is a no-op.
pub fn install_user_dict(text: &str, origin: &str) -> Result<(), UserDictError> {
    let entries = parse_user_dict(text, origin)?;
    if let Some(current) = USER_DICT.get() {
        return if current == text { Ok(()) } else { Err(UserDictError::Conflict) };
    }
    let lexicon = Lexicon::with_user(&entries);
    LEXICON.set(lexicon).map_err(|_| UserDictError::Conflict)?;
    USER_DICT.set(text.to_string()).map_err(|_| UserDictError::Conflict)
}

fn lexicon() -> &'static Lexicon {
    LEXICON.get_or_init(Lexicon::default)
}

/// The process-wide jieba instance holding every word (built on first use).
pub fn jieba() -> &'static Jieba {
    FULL.get_or_init(|| lexicon().full())
}

/// Runs `f` with a jieba instance that cuts `text` as [`jieba`] does: that one if it is built,
/// else, while the process has cut little text, one holding just the words of `text`.
fn with_jieba_for<R>(text: &str, f: impl FnOnce(&Jieba) -> R) -> R {
    if let Some(full) = FULL.get() {
        return f(full);
    }
    if PER_TEXT_BYTES.fetch_add(text.len(), Ordering::Relaxed) + text.len() <= PER_TEXT_BUDGET {
        return f(&lexicon().for_text(text));
    }
    f(jieba())
}

/// Tokens longer than this (in bytes) are noise (base64, hashes) and are dropped.
const MAX_TOKEN_BYTES: usize = 64;

/// Whether a tokenizer serves indexing (words and the words inside them) or querying (words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Index,
    Query,
}

/// A segmented piece of text: byte offsets into the input and the word position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub from: usize,
    pub to: usize,
    pub position: usize,
}

/// The CJK Unified Ideographs and their extension A: every code point there is an assigned
/// letter, so, unlike the rest of [`is_han`]'s ranges, they need no Unicode lookup to be known
/// as alphanumeric.
#[inline]
pub fn is_common_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF)
}

/// Han ideographs: the unified blocks, the compatibility block and the extensions of the
/// supplementary planes (whose ranges still hold unassigned code points).
pub fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2EBEF | 0x30000..=0x3134F)
}

/// Cuts `text` into pieces, calling `emit` for each in order of position.
pub fn segment(text: &str, mode: Mode, emit: impl FnMut(Piece)) {
    if let Some(full) = FULL.get() {
        if let Some(words) = MEMO.take(text) {
            let words = words.into_iter().map(|(from, to)| (from as usize, to as usize));
            return pieces_of_words(full, text, words, mode, emit);
        }
    }
    with_jieba_for(text, |jieba| segment_with(jieba, text, mode, emit))
}

/// [`segment`] with a given jieba instance.
pub fn segment_with(jieba: &Jieba, text: &str, mode: Mode, emit: impl FnMut(Piece)) {
    let words = jieba.cut(text, false).into_iter().map(|t| (t.byte_start, t.byte_end));
    pieces_of_words(jieba, text, words, mode, emit);
}

/// The part-of-speech classes analysis uses (jieba's `nr`, `ns`, `nt`; everything else).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pos {
    Person,
    Place,
    Org,
    Other,
}

/// A word of a tagging pass: byte range in the text and its part of speech.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaggedWord {
    pub from: usize,
    pub to: usize,
    pub pos: Pos,
}

/// One jieba pass that yields the words (cut exactly as [`segment`] cuts them: same
/// dictionary, HMM off) with their part-of-speech tags, for the analysis.
///
/// The cut is also left in a small memo, where the index tokenizer finds it when the same text
/// reaches tantivy moments later, so an ingested article is segmented once (see [`CutMemo`]).
pub fn tag_words(text: &str) -> Vec<TaggedWord> {
    let base = text.as_ptr() as usize;
    let words: Vec<TaggedWord> = jieba()
        .tag(text, false)
        .into_iter()
        .map(|t| {
            // jieba hands out slices of the input, so the offset is where the slice starts.
            let from = t.word.as_ptr() as usize - base;
            let pos = match t.tag {
                "nr" => Pos::Person,
                "ns" => Pos::Place,
                "nt" => Pos::Org,
                _ => Pos::Other,
            };
            TaggedWord { from, to: from + t.word.len(), pos }
        })
        .collect();
    MEMO.put(text, words.iter().map(|w| (w.from as u32, w.to as u32)).collect());
    words
}

/// Whether `words` tile `text`: contiguous, from its start to its end, on character boundaries
/// (as every jieba cut does: punctuation and spaces are words too).
fn fits(text: &str, words: &[(u32, u32)]) -> bool {
    let mut at = 0usize;
    for &(from, to) in words {
        let (from, to) = (from as usize, to as usize);
        if from != at || to <= from || !text.is_char_boundary(to) {
            return false;
        }
        at = to;
    }
    at == text.len()
}

/// Cuts of texts the analysis has just segmented, waiting for the index tokenizer.
///
/// tantivy tokenizes inside `IndexWriter::add_document`, on its own threads, and the only way
/// to hand it tokens, `PreTokenizedString`, costs more than cutting again (it goes through a
/// JSON round trip; measured ~45 % more ingest CPU). So the analysis's cut waits here, keyed
/// by a hash of the text, and the tokenizer takes it instead of cutting. A miss costs nothing
/// but the cut it would have done anyway, and the cut is the same either way (the tagging pass
/// and [`segment`] use one instance, HMM off), so the memo only decides speed. It holds the
/// most recent [`MEMO_CAPACITY`] texts: enough for the articles between analysis and the
/// writer, and bounded when texts are analysed but never indexed.
struct CutMemo {
    inner: std::sync::Mutex<MemoInner>,
}

#[derive(Default)]
struct MemoInner {
    /// Text hash → when it was put, and its words' byte ranges.
    cuts: std::collections::HashMap<u64, (u64, Vec<(u32, u32)>)>,
    /// Hashes with when they were put, oldest first, for eviction (an entry already taken,
    /// or put again since, is skipped).
    order: std::collections::VecDeque<(u64, u64)>,
    puts: u64,
}

const MEMO_CAPACITY: usize = 1024;

static MEMO: std::sync::LazyLock<CutMemo> =
    std::sync::LazyLock::new(|| CutMemo { inner: std::sync::Mutex::new(MemoInner::default()) });

impl CutMemo {
    fn lock(&self) -> std::sync::MutexGuard<'_, MemoInner> {
        // The memo is a cache: whatever a panicking holder left is still consistent enough.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn put(&self, text: &str, words: Vec<(u32, u32)>) {
        let key = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
        let mut memo = self.lock();
        while memo.order.len() >= MEMO_CAPACITY {
            let Some((old, when)) = memo.order.pop_front() else { break };
            if memo.cuts.get(&old).is_some_and(|(put, _)| *put == when) {
                memo.cuts.remove(&old);
            }
        }
        memo.puts += 1;
        let when = memo.puts;
        memo.cuts.insert(key, (when, words));
        memo.order.push_back((key, when));
    }

    /// The words of `text`, if the analysis cut it recently; each cut is handed out once.
    fn take(&self, text: &str) -> Option<Vec<(u32, u32)>> {
        let key = xxhash_rust::xxh3::xxh3_64(text.as_bytes());
        let (_, words) = self.lock().cuts.remove(&key)?;
        // A cut found under the text's hash must also fit the text: words that tile it from
        // start to end on character boundaries. Another text with the same hash (chance or
        // malice) would otherwise hand the tokenizer ranges that do not fit.
        fits(text, &words).then_some(words)
    }
}

/// The pieces of `text` given its words (byte ranges, in order, as jieba cut them).
fn pieces_of_words(
    jieba: &Jieba,
    text: &str,
    words: impl IntoIterator<Item = (usize, usize)>,
    mode: Mode,
    mut emit: impl FnMut(Piece),
) {
    let mut position = 0usize;
    for (base, end) in words {
        let word = &text[base..end];
        // Common Han characters are letters: Unicode's tables are only asked about the rest.
        if !word.chars().any(|c| is_common_han(c) || c.is_alphanumeric()) {
            continue;
        }
        if !word.chars().any(is_han) {
            // Split on anything that is not a letter or digit, one position per part.
            let mut start = None;
            for (i, c) in word.char_indices().chain(std::iter::once((word.len(), ' '))) {
                match (c.is_alphanumeric(), start) {
                    (true, None) => start = Some(i),
                    (false, Some(s)) => {
                        if i - s <= MAX_TOKEN_BYTES {
                            emit(Piece { from: base + s, to: base + i, position });
                            position += 1;
                        }
                        start = None;
                    }
                    _ => {}
                }
            }
            continue;
        }
        if word.len() > MAX_TOKEN_BYTES {
            continue;
        }
        // A word of one or two characters (most Chinese words) has no inner word to look up,
        // and is spared the boundary array below.
        if mode == Mode::Index && word.chars().nth(2).is_some() {
            // Character boundaries of the word, on the stack rather than in a Vec per word:
            // longer words were skipped above, so it has at most MAX_TOKEN_BYTES characters.
            let mut bounds = [0usize; MAX_TOKEN_BYTES + 1];
            let mut chars = 0;
            for (i, _) in word.char_indices() {
                bounds[chars] = i;
                chars += 1;
            }
            bounds[chars] = word.len();
            for len in [2usize, 3] {
                if chars <= len {
                    continue;
                }
                for i in 0..=chars - len {
                    let gram = &word[bounds[i]..bounds[i + len]];
                    if jieba.has_word(gram) {
                        emit(Piece { from: base + bounds[i], to: base + bounds[i + len], position });
                    }
                }
            }
        }
        emit(Piece { from: base, to: end, position });
        position += 1;
    }
}

/// A tantivy tokenizer over [`segment`]: the pieces, with words that are not all Han
/// lower-cased and stemmed (English).
///
/// Case folding and stemming happen here rather than as tantivy token filters because most
/// pieces of a Chinese article are Han words, on which both are no-ops that the filters would
/// still pay for (~10 % of ingest CPU). The other pieces go through tantivy's own `LowerCaser`
/// and `Stemmer`, so every term is what the filter chain would have made ([`reference_analyzer`]
/// is that chain; a test compares them over the corpus). Token buffers are reused between texts.
#[derive(Clone)]
pub struct JiebaTokenizer {
    mode: Mode,
    /// Lower-case and stem the pieces that are not all Han (off only in the reference chain).
    fold: bool,
    latin: TextAnalyzer,
    tokens: Vec<Token>,
}

impl JiebaTokenizer {
    pub fn new(mode: Mode) -> Self {
        let latin = TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .filter(Stemmer::new(Language::English))
            .build();
        JiebaTokenizer { mode, fold: true, latin, tokens: Vec::new() }
    }
}

/// The tokens a tokenizer of this module made for one text, handed out in turn (its buffer is
/// reused for the next text).
pub struct PieceStream<'a> {
    tokens: &'a mut [Token],
    next: usize,
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = PieceStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> PieceStream<'a> {
        let JiebaTokenizer { mode, fold, latin, tokens } = self;
        let mut len = 0;
        segment(text, *mode, |p| {
            if len == tokens.len() {
                tokens.push(Token::default());
            }
            let token = &mut tokens[len];
            len += 1;
            token.offset_from = p.from;
            token.offset_to = p.to;
            token.position = p.position;
            token.position_length = 1;
            token.text.clear();
            let piece = &text[p.from..p.to];
            if *fold && !piece.chars().all(is_han) {
                let mut folded = latin.token_stream(piece);
                if folded.advance() {
                    token.text.push_str(&folded.token().text);
                }
            } else {
                token.text.push_str(piece);
            }
        });
        let tokens = &mut tokens[..len];
        share_word_spans(tokens);
        PieceStream { tokens, next: 0 }
    }
}

/// Gives the pieces of one word (same position: the word and the words inside it) the word's
/// byte span, so offsets never go backwards along the stream. tantivy's snippet generator
/// assumes they don't: a fragment that started at `就是` followed by `这就是说`, which starts
/// earlier, made a highlight range underflow. Offsets serve only snippets (the index keeps
/// positions), where highlighting the whole word around a matched inner word is what a reader
/// wants anyway.
fn share_word_spans(tokens: &mut [Token]) {
    let mut start = 0;
    while start < tokens.len() {
        let position = tokens[start].position;
        let end = start + tokens[start..].iter().take_while(|t| t.position == position).count();
        let from = tokens[start..end].iter().map(|t| t.offset_from).min().unwrap_or(0);
        let to = tokens[start..end].iter().map(|t| t.offset_to).max().unwrap_or(0);
        for t in &mut tokens[start..end] {
            t.offset_from = from;
            t.offset_to = to;
        }
        start = end;
    }
}

impl TokenStream for PieceStream<'_> {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

/// The analyzer of the character-level fields: Han characters and pairs ([`han`]).
pub fn han_analyzer(mode: Mode) -> TextAnalyzer {
    TextAnalyzer::builder(HanTokenizer::new(mode)).build()
}

/// The full analyzer for article text: segmentation, then lower-casing and English stemming
/// of the non-Han words. Tokens longer than [`MAX_TOKEN_BYTES`] never leave [`segment`].
pub fn analyzer(mode: Mode) -> TextAnalyzer {
    TextAnalyzer::builder(JiebaTokenizer::new(mode)).build()
}

/// What [`analyzer`] must equal: segmentation followed by tantivy's length, case and stemming
/// filters on every token. For tests.
#[doc(hidden)]
pub fn reference_analyzer(mode: Mode) -> TextAnalyzer {
    TextAnalyzer::builder(JiebaTokenizer { fold: false, ..JiebaTokenizer::new(mode) })
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES + 1))
        .filter(LowerCaser)
        .filter(Stemmer::new(Language::English))
        .build()
}

/// Runs `analyzer(mode)` over `text` and returns the terms, for tests and diagnostics.
pub fn terms(text: &str, mode: Mode) -> Vec<(String, usize)> {
    let mut analyzer = analyzer(mode);
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(t) = stream.next() {
        out.push((t.text.clone(), t.position));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str, mode: Mode) -> Vec<String> {
        terms(text, mode).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn unassigned_code_points_in_han_ranges_are_not_letters() {
        // U+FADA and U+2A6E0 lie in is_han's ranges but are unassigned: no token, as before
        // the fast path for common Han characters.
        assert!(terms("\u{FADA}\u{FADB} \u{2A6E0}", Mode::Index).is_empty());
        assert_eq!(terms("中文", Mode::Index), vec![("中文".to_string(), 0)]);
    }

    #[test]
    fn index_mode_emits_words_inside_longer_words() {
        let w = words("我用支付宝付款", Mode::Index);
        assert!(w.contains(&"支付宝".to_string()), "{w:?}");
        assert!(w.contains(&"支付".to_string()), "{w:?}");
    }

    #[test]
    fn query_mode_keeps_words_whole() {
        let w = words("支付宝", Mode::Query);
        assert_eq!(w, vec!["支付宝"]);
    }

    #[test]
    fn interconnection_is_found_by_its_first_half() {
        let index = words("推动平台互联互通", Mode::Index);
        for q in words("互联", Mode::Query) {
            assert!(index.contains(&q), "{q} not in {index:?}");
        }
    }

    #[test]
    fn sub_words_share_the_position_of_their_word() {
        let t = terms("支付宝付款", Mode::Index);
        let pos = |w: &str| t.iter().find(|(x, _)| x == w).map(|(_, p)| *p);
        assert_eq!(pos("支付"), pos("支付宝"));
        assert!(pos("付款") > pos("支付宝"), "{t:?}");
    }

    #[test]
    fn english_is_case_folded_and_stemmed() {
        assert_eq!(words("Regulators RUNNING", Mode::Query), vec!["regul", "run"]);
        assert_eq!(words("regulator runs", Mode::Index), vec!["regul", "run"]);
    }

    #[test]
    fn punctuation_splits_latin_runs_and_is_dropped() {
        assert_eq!(words("Server-side 1.22！", Mode::Query), vec!["server", "side", "1", "22"]);
        assert!(words("，。！？ —— ……", Mode::Index).is_empty());
    }

    #[test]
    fn user_dictionary_lines_are_checked() {
        let entries = parse_user_dict("# domain words\n云闪付 1000 nz\n互联互通\n", "d.txt").unwrap();
        assert_eq!(entries[0], ("云闪付".to_string(), Some(1000), Some("nz".to_string())));
        assert_eq!(entries[1], ("互联互通".to_string(), None, None));
        let err = parse_user_dict("好词 many\n", "d.txt").unwrap_err().to_string();
        assert!(err.starts_with("d.txt, line 1: frequency \"many\""), "{err}");
    }

    #[test]
    fn the_tagging_pass_cuts_like_the_tokenizer() {
        let text = "微信robots.txt意外向国外搜索引擎开放，支付宝与云闪付互联互通。Regulators are RUNNING.";
        let tagged: Vec<(usize, usize)> = tag_words(text).iter().map(|w| (w.from, w.to)).collect();
        let cut: Vec<(usize, usize)> =
            jieba().cut(text, false).iter().map(|t| (t.byte_start, t.byte_end)).collect();
        assert_eq!(tagged, cut);
        assert!(tag_words("北京").iter().any(|w| w.pos == Pos::Place));
    }

    #[test]
    fn the_index_tokenizer_reuses_the_analysis_cut() {
        let text = "市场监管总局对平台二选一行为处以罚款，推动微信与淘宝互联互通。Regulators act.";
        let mut expected = Vec::new();
        segment_with(jieba(), text, Mode::Index, |p| expected.push(p));
        let words: Vec<(u32, u32)> = tag_words(text).iter().map(|w| (w.from as u32, w.to as u32)).collect();
        assert!(fits(text, &words), "a real cut tiles its text: {words:?}");
        assert!(!fits("其他文本", &words), "and fits no other");
        let mut got = Vec::new();
        segment(text, Mode::Index, |p| got.push(p));
        assert_eq!(got, expected);
        assert!(MEMO.take(text).is_none(), "the tokenizer should have taken the analysis's cut");
    }

    #[test]
    fn the_cut_memo_forgets_the_oldest_beyond_its_capacity() {
        let memo = CutMemo { inner: std::sync::Mutex::new(MemoInner::default()) };
        let texts: Vec<String> = (0..=MEMO_CAPACITY).map(|i| format!("第{i}篇")).collect();
        for t in &texts {
            memo.put(t, vec![(0, t.len() as u32)]);
        }
        assert!(memo.take(&texts[0]).is_none());
        assert_eq!(memo.take(&texts[MEMO_CAPACITY]), Some(vec![(0, texts[MEMO_CAPACITY].len() as u32)]));
        assert!(memo.lock().cuts.len() < MEMO_CAPACITY);
        // A text taken and put again is not evicted through its first, stale place in the
        // queue: that place reaches the front first.
        let memo = CutMemo { inner: std::sync::Mutex::new(MemoInner::default()) };
        let again = "又一篇";
        memo.put(again, vec![(0, again.len() as u32)]);
        assert!(memo.take(again).is_some());
        memo.put(again, vec![(0, again.len() as u32)]);
        for t in &texts[..MEMO_CAPACITY - 1] {
            memo.put(t, vec![(0, t.len() as u32)]);
        }
        assert!(memo.take(again).is_some());
    }

    /// Regression: a `search` whose best snippet began inside a word panicked on a highlight
    /// range that had underflowed in tantivy's snippet generator.
    #[test]
    fn index_token_offsets_never_go_backwards() {
        let mut analyzer = analyzer(Mode::Index);
        let mut stream = analyzer.token_stream("这就是说Deepfake基本能骗过现有面部识别服务，支付宝也在用。");
        let mut last = (0, 0);
        let mut spans = Vec::new();
        while let Some(t) = stream.next() {
            assert!(
                (t.offset_from, t.offset_to) >= last,
                "{:?} after {last:?}",
                (t.offset_from, t.offset_to)
            );
            last = (t.offset_from, t.offset_to);
            spans.push((t.text.clone(), t.offset_from, t.offset_to));
        }
        let span = |w: &str| spans.iter().find(|(t, ..)| t == w).map(|&(_, f, t)| (f, t));
        assert_eq!(span("就是"), span("这就是说"), "inner words carry their word's span: {spans:?}");
        assert!(span("支付").is_some() && span("支付") == span("支付宝"));
    }

    #[test]
    fn offsets_point_into_the_input() {
        let text = "微信robots.txt意外开放";
        segment(text, Mode::Index, |p| {
            assert!(text.is_char_boundary(p.from) && text.is_char_boundary(p.to));
            assert!(p.from < p.to);
        });
    }
}
