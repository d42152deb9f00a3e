//! The cleaning stage on arbitrary HTML, behind the same nesting guard as the pipeline: it must
//! not panic, and its text must come out whitespace-normalized.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdesk::clean::{clean, nesting_depth, MAX_NESTING};

fuzz_target!(|data: &[u8]| {
    let Ok(html) = std::str::from_utf8(data) else { return };
    if nesting_depth(html, MAX_NESTING) > MAX_NESTING {
        return;
    }
    let full = data.first() == Some(&b'<') && data.len() % 2 == 0;
    let cleaned = clean(html, full);
    assert!(!cleaned.text.starts_with(char::is_whitespace) && !cleaned.text.ends_with(char::is_whitespace));
    assert!(!cleaned.text.contains("\n\n\n"));
});
