//! A fetched body classified and, as a page or a feed, read into documents: arbitrary bytes
//! must not panic the metadata readers, the main-content extractor or the feed reader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdesk::parse::ParseOptions;
use newsdesk::web::{classify, feed, page, Kind};

fuzz_target!(|data: &[u8]| {
    let url = url::Url::parse("https://fuzz.example/a/b.html").unwrap();
    let text = newsdesk::charset::decode(data, None).text;
    match classify(None, data) {
        Ok(Kind::Page) if newsdesk::clean::nesting_depth(&text, newsdesk::clean::MAX_NESTING) <= newsdesk::clean::MAX_NESTING => {
            let _ = page::document(&text, &url, &ParseOptions::default());
        }
        Ok(Kind::Feed) => {
            let _ = feed::items(&text, &url);
        }
        _ => {}
    }
});
