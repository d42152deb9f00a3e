//! The index's fields, by name and by handle, and the tokenizers they are indexed with.
//!
//! | field       | indexed as                                   | also        |
//! |-------------|----------------------------------------------|-------------|
//! | `id`        | one raw term (16 hex digits)                 | stored, fast |
//! | `title`     | jieba words + inner words, positions         |             |
//! | `text`      | jieba words + inner words, positions         |             |
//! | `title_han`, `text_han` | Han characters and pairs, positions | (see [`crate::segment`]'s `han`) |
//! | `author`    | one lower-cased term                         |             |
//! | `source`    | one lower-cased term (author, else host)     | fast (raw)  |
//! | `category`  | one lower-cased term per category            | fast (raw)  |
//! | `tag`       | one lower-cased term per tag                 | fast (raw)  |
//! | `lang`, `url` | one raw term                               |             |
//! | `published` | date (seconds)                               | fast        |
//! | `topic`     | one lower-cased term per topic id            | fast (raw)  |
//! | `entity`    | canonical entity name, lower-cased           |             |
//! | `keyword`   | one lower-cased term per keyword             |             |
//! | `simhash`   | —                                            | fast (u64)  |
//! | `duplicate_of` | the original's id                         | fast        |
//! | `fingerprint` | —                                          | stored      |
//! | `record`    | — (the article's JSON record)                | stored      |
//!
//! Field names appear here and nowhere else: the rest of the store uses [`Fields`] or the
//! constants in [`name`].
//!
//! Not here: what goes into a field (`writer`), how queries read them (`query`).

use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST,
    STORED, STRING,
};
use tantivy::tokenizer::{
    LowerCaser, RawTokenizer, TextAnalyzer, Token, TokenStream, Tokenizer, TokenizerManager,
};

use crate::analyze;
use crate::segment::{self, Mode};

/// Field names, for the tantivy calls that take a name (fast-field columns, `ExistsQuery`).
pub mod name {
    pub const ID: &str = "id";
    pub const TITLE: &str = "title";
    pub const TEXT: &str = "text";
    pub const TITLE_HAN: &str = "title_han";
    pub const TEXT_HAN: &str = "text_han";
    pub const AUTHOR: &str = "author";
    pub const SOURCE: &str = "source";
    pub const CATEGORY: &str = "category";
    pub const TAG: &str = "tag";
    pub const LANG: &str = "lang";
    pub const URL: &str = "url";
    pub const PUBLISHED: &str = "published";
    pub const FINGERPRINT: &str = "fingerprint";
    pub const RECORD: &str = "record";
    pub const TOPIC: &str = "topic";
    pub const ENTITY: &str = "entity";
    pub const KEYWORD: &str = "keyword";
    pub const SIMHASH: &str = "simhash";
    pub const DUPLICATE_OF: &str = "duplicate_of";
}

/// Tokenizer names as registered with tantivy.
pub const TEXT_TOKENIZER: &str = "newsdesk_zh";
pub const HAN_TOKENIZER: &str = "newsdesk_han";
pub const KEYWORD_TOKENIZER: &str = "newsdesk_keyword";
pub const ENTITY_TOKENIZER: &str = "newsdesk_entity";

/// Handles to the schema's fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub title: Field,
    pub text: Field,
    pub title_han: Field,
    pub text_han: Field,
    pub author: Field,
    pub source: Field,
    pub category: Field,
    pub tag: Field,
    pub lang: Field,
    pub url: Field,
    pub published: Field,
    pub fingerprint: Field,
    pub record: Field,
    pub topic: Field,
    pub entity: Field,
    pub keyword: Field,
    pub simhash: Field,
    pub duplicate_of: Field,
}

pub(crate) fn schema() -> Schema {
    let mut b = Schema::builder();
    let positions = |tokenizer| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let words = positions(TEXT_TOKENIZER);
    let keyword_with = |tokenizer| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default().set_tokenizer(tokenizer).set_index_option(IndexRecordOption::Basic),
        )
    };
    let keyword = || keyword_with(KEYWORD_TOKENIZER);
    b.add_text_field(name::ID, STRING | STORED | FAST);
    b.add_text_field(name::TITLE, words.clone());
    b.add_text_field(name::TEXT, words);
    b.add_text_field(name::TITLE_HAN, positions(HAN_TOKENIZER));
    b.add_text_field(name::TEXT_HAN, positions(HAN_TOKENIZER));
    b.add_text_field(name::AUTHOR, keyword());
    b.add_text_field(name::SOURCE, keyword().set_fast("raw"));
    b.add_text_field(name::CATEGORY, keyword().set_fast("raw"));
    b.add_text_field(name::TAG, keyword().set_fast("raw"));
    b.add_text_field(name::LANG, STRING);
    b.add_text_field(name::URL, STRING);
    b.add_date_field(
        name::PUBLISHED,
        DateOptions::default().set_indexed().set_fast().set_precision(DateTimePrecision::Seconds),
    );
    b.add_text_field(name::FINGERPRINT, STORED);
    b.add_text_field(name::RECORD, STORED);
    b.add_text_field(name::TOPIC, keyword().set_fast("raw"));
    b.add_text_field(name::ENTITY, keyword_with(ENTITY_TOKENIZER));
    b.add_text_field(name::KEYWORD, keyword());
    b.add_u64_field(name::SIMHASH, FAST);
    b.add_text_field(name::DUPLICATE_OF, STRING | FAST);
    b.build()
}

impl Fields {
    pub(crate) fn new(schema: &Schema) -> Fields {
        let f = |name: &str| schema.get_field(name).expect("field defined in schema()");
        Fields {
            id: f(name::ID),
            title: f(name::TITLE),
            text: f(name::TEXT),
            title_han: f(name::TITLE_HAN),
            text_han: f(name::TEXT_HAN),
            author: f(name::AUTHOR),
            source: f(name::SOURCE),
            category: f(name::CATEGORY),
            tag: f(name::TAG),
            lang: f(name::LANG),
            url: f(name::URL),
            published: f(name::PUBLISHED),
            fingerprint: f(name::FINGERPRINT),
            record: f(name::RECORD),
            topic: f(name::TOPIC),
            entity: f(name::ENTITY),
            keyword: f(name::KEYWORD),
            simhash: f(name::SIMHASH),
            duplicate_of: f(name::DUPLICATE_OF),
        }
    }
}

/// Registers the tokenizers the schema names: text cut for indexing (words and the words
/// inside them) or for querying (words only), keywords and entities alike in both.
pub(crate) fn register_tokenizers(tokenizers: &TokenizerManager, mode: Mode) {
    tokenizers.register(TEXT_TOKENIZER, segment::analyzer(mode));
    tokenizers.register(HAN_TOKENIZER, segment::han_analyzer(mode));
    tokenizers.register(KEYWORD_TOKENIZER, keyword_analyzer());
    tokenizers.register(ENTITY_TOKENIZER, entity_analyzer());
}

/// The analyzer for `author`, `source`, `category`, `tag`: the whole value, lower-cased.
fn keyword_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(RawTokenizer::default()).filter(LowerCaser).build()
}

/// The analyzer for `entity`: any name of an entity becomes its canonical name, lower-cased,
/// so `entity:alibaba` finds articles that say 阿里巴巴.
fn entity_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(EntityTokenizer::default()).build()
}

#[derive(Clone, Default)]
struct EntityTokenizer {
    token: Token,
}

struct OneToken<'a> {
    token: &'a mut Token,
    done: bool,
}

impl Tokenizer for EntityTokenizer {
    type TokenStream<'a> = OneToken<'a>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> OneToken<'a> {
        self.token.reset();
        self.token.text = analyze::canonical_entity(text).to_lowercase();
        self.token.offset_to = text.len();
        self.token.position = 0;
        OneToken { done: self.token.text.is_empty(), token: &mut self.token }
    }
}

impl TokenStream for OneToken<'_> {
    fn advance(&mut self) -> bool {
        let first = !self.done;
        self.done = true;
        first
    }
    fn token(&self) -> &Token {
        self.token
    }
    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}
