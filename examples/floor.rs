//! The *floor* of the scale benchmark (`bench/scale.sh`): the least work that makes a folder of
//! articles searchable the way newsdesk does. Files are read, tags stripped crudely, the text
//! cut once by the same jieba tokenizer, and indexed by tantivy with the same writer budget. No
//! front matter, cleaning, analysis, duplicate detection or stored records. Full ingest is
//! then measured as a ratio of this, which holds on a noisy machine.
//!
//! Usage: `cargo run --release --example floor -- CORPUS_DIR INDEX_DIR`

use std::path::PathBuf;

use tantivy::schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions};
use tantivy::{doc, Index};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(corpus), Some(out)) = (args.next(), args.next()) else {
        eprintln!("usage: floor CORPUS_DIR INDEX_DIR");
        std::process::exit(2);
    };
    let mut builder = Schema::builder();
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(newsdesk::index::TEXT_TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    let text = builder.add_text_field("text", TextOptions::default().set_indexing_options(indexing));
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let index = Index::create_in_dir(&out, builder.build())?;
    index.tokenizers().register(
        newsdesk::index::TEXT_TOKENIZER,
        newsdesk::segment::analyzer(newsdesk::segment::Mode::Index),
    );
    let mut writer = index.writer(newsdesk::index::WRITER_MEMORY_BYTES)?;
    let mut n = 0usize;
    for entry in walkdir::WalkDir::new(&corpus).into_iter().filter_map(Result::ok) {
        if !entry.file_type().is_file() {
            continue;
        }
        let raw = std::fs::read_to_string(entry.path())?;
        writer.add_document(doc!(text => strip_tags(&raw)))?;
        n += 1;
    }
    writer.commit()?;
    eprintln!("floor: indexed {n} files");
    Ok(())
}

/// Everything between `<` and `>` goes.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}
