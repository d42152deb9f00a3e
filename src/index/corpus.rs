//! Corpus statistics for keyword IDF: how many committed articles hold a word.
//!
//! Not here: the IDF formula (`analyze`), which reads these counts through [`DocFreq`].

use tantivy::schema::Field;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};

use crate::analyze::DocFreq;

/// [`DocFreq`] over a snapshot of the index's `text` field.
pub struct IndexDocFreq {
    pub(super) searcher: Searcher,
    pub(super) field: Field,
    pub(super) analyzer: TextAnalyzer,
    /// Counts already looked up. The snapshot never changes, so neither do they; and a lookup
    /// costs a term-dictionary search in every segment, which on a large index was a third of
    /// the ingest's CPU before this cache. Bounded by [`DOC_FREQ_CACHE`] words.
    pub(super) cache: std::sync::RwLock<foldhash::HashMap<String, u64>>,
}

/// Words whose document frequency [`IndexDocFreq`] remembers (a few tens of MB at most).
const DOC_FREQ_CACHE: usize = 500_000;

impl DocFreq for IndexDocFreq {
    fn num_docs(&self) -> u64 {
        self.searcher.num_docs()
    }

    fn doc_freq(&self, word: &str) -> u64 {
        self.doc_freqs(&[word])[0]
    }

    fn doc_freqs(&self, words: &[&str]) -> Vec<u64> {
        let mut out = vec![0; words.len()];
        let mut missing = Vec::new();
        {
            let cache = self.cache.read().unwrap_or_else(|e| e.into_inner());
            for (i, w) in words.iter().enumerate() {
                match cache.get(*w) {
                    Some(&n) => out[i] = n,
                    None => missing.push(i),
                }
            }
        }
        if missing.is_empty() {
            return out;
        }
        let mut analyzer = self.analyzer.clone();
        for &i in &missing {
            let mut stream = analyzer.token_stream(words[i]);
            out[i] = match stream.next() {
                Some(token) => {
                    self.searcher.doc_freq(&Term::from_field_text(self.field, &token.text)).unwrap_or(0)
                }
                None => 0,
            };
        }
        let mut cache = self.cache.write().unwrap_or_else(|e| e.into_inner());
        for i in missing {
            if cache.len() >= DOC_FREQ_CACHE {
                break;
            }
            cache.insert(words[i].to_string(), out[i]);
        }
        out
    }
}
