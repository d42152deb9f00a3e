//! Compiles jieba's dictionary (`assets/jieba/dict.txt.gz`, gzipped lines of
//! `word frequency tag`, kept compressed to stay a small file in the repository) into a
//! finite-state transducer the binary embeds, so a process can look words up without first
//! building jieba's in-memory trie (see `src/segment/dictionary.rs`). Each word maps to
//! `frequency << 8 | tag number`; the tags, and the sum of all frequencies, go to a small Rust
//! file beside it.

use std::collections::BTreeMap;
use std::env;
use std::fs;
use std::path::PathBuf;

const DICT: &str = "assets/jieba/dict.txt.gz";

fn main() {
    println!("cargo::rerun-if-changed={DICT}");
    let mut text = String::new();
    let file = fs::File::open(DICT).unwrap_or_else(|e| panic!("cannot open {DICT}: {e}"));
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(file), &mut text)
        .unwrap_or_else(|e| panic!("cannot read {DICT}: {e}"));
    let mut tags: Vec<&str> = Vec::new();
    let mut words: BTreeMap<&[u8], u64> = BTreeMap::new();
    let mut total: u64 = 0;
    for (n, line) in text.lines().enumerate() {
        let mut fields = line.split_ascii_whitespace();
        let Some(word) = fields.next() else { continue };
        let freq: u64 = fields
            .next()
            .map_or(0, |f| f.parse().unwrap_or_else(|_| panic!("{DICT}:{}: bad frequency {f:?}", n + 1)));
        let tag = fields.next().unwrap_or("");
        let tag_no = tags.iter().position(|t| *t == tag).unwrap_or_else(|| {
            tags.push(tag);
            tags.len() - 1
        });
        assert!(tag_no < 256 && freq < 1 << 55, "{DICT}:{}: out of range", n + 1);
        // A repeated word replaces the earlier entry, as jieba's own loader does.
        if let Some(old) = words.insert(word.as_bytes(), freq << 8 | tag_no as u64) {
            total -= old >> 8;
        }
        total += freq;
    }
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let fst = fst::Map::from_iter(words).expect("sorted, unique keys").into_fst().into_inner();
    fs::write(out.join("jieba-dict.fst"), fst).expect("write the dictionary transducer");
    fs::write(
        out.join("jieba-dict.rs"),
        format!("/// The dictionary's part-of-speech tags, by number.\npub const TAGS: [&str; {}] = {tags:?};\n/// The sum of all frequencies.\npub const TOTAL: u64 = {total};\n", tags.len()),
    )
    .expect("write the dictionary constants");
}
