//! Bytes to text: finds the character encoding of a fetched body and decodes it to UTF-8.
//!
//! The order of evidence follows the HTML standard's encoding sniffing, simplified:
//!
//! 1. a byte-order mark (it cannot be there by accident, so it beats every label);
//! 2. the `charset` of the `Content-Type` header;
//! 3. a declaration inside the document: `<meta charset>`, `<meta http-equiv="Content-Type">`,
//!    or an XML declaration's `encoding` (feeds), looked for in the first 4 KiB;
//! 4. detection from the bytes ([`chardetng`]), which tells GBK, Big5, Shift_JIS, UTF-8 … apart.
//!
//! Labels go through the WHATWG registry ([`encoding_rs::Encoding::for_label`]), so `gb2312`
//! and `GBK` decode as GBK (a superset), `x-gbk` and `gb18030` too. Undecodable bytes become
//! U+FFFD; decoding never fails.
//!
//! Not here: deciding what kind of document the text is (see [`crate::web`]).

use encoding_rs::Encoding;

/// How far into a body a declared encoding is looked for.
const PRESCAN_BYTES: usize = 4096;

/// Where the encoding of a decoded body came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    Bom,
    Header,
    Declared,
    Detected,
}

/// A decoded body.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static Encoding,
    pub evidence: Evidence,
    /// Some bytes were not valid in `encoding` and became U+FFFD.
    pub had_errors: bool,
}

/// Decodes `bytes`, given the `charset` parameter of its `Content-Type`, if any.
pub fn decode(bytes: &[u8], header_charset: Option<&str>) -> Decoded {
    let (encoding, evidence) = sniff(bytes, header_charset);
    // `decode` strips a BOM of the encoding it finds, and switches to the BOM's encoding.
    let (text, actual, had_errors) = encoding.decode(bytes);
    Decoded { text: text.into_owned(), encoding: actual, evidence, had_errors }
}

fn sniff(bytes: &[u8], header_charset: Option<&str>) -> (&'static Encoding, Evidence) {
    if let Some((enc, _)) = Encoding::for_bom(bytes) {
        return (enc, Evidence::Bom);
    }
    if let Some(enc) = header_charset.and_then(|l| Encoding::for_label(l.trim().as_bytes())) {
        return (ascii_compatible(enc), Evidence::Header);
    }
    if let Some(enc) = declared(&bytes[..bytes.len().min(PRESCAN_BYTES)]) {
        return (ascii_compatible(enc), Evidence::Declared);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    (detector.guess(None, chardetng::Utf8Detection::Allow), Evidence::Detected)
}

/// A label that claims UTF-16 inside an ASCII-compatible document is a lie the HTML standard
/// tells browsers to read as UTF-8.
fn ascii_compatible(enc: &'static Encoding) -> &'static Encoding {
    if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE {
        encoding_rs::UTF_8
    } else {
        enc
    }
}

/// Legacy encodings of Chinese, Japanese and Korean text: what detection is trusted to find in
/// an undeclared file. (A single-byte guess such as windows-1252 decodes any bytes at all, so
/// it proves nothing about a file that is simply broken.)
pub fn is_cjk_legacy(encoding: &'static Encoding) -> bool {
    [
        encoding_rs::GBK,
        encoding_rs::GB18030,
        encoding_rs::BIG5,
        encoding_rs::SHIFT_JIS,
        encoding_rs::EUC_JP,
        encoding_rs::EUC_KR,
    ]
    .contains(&encoding)
}

/// The `charset` parameter of a `Content-Type` value.
pub fn charset_param(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("charset").then(|| v.trim().trim_matches(['"', '\'']))
    })
}

/// The encoding a document declares in its first bytes: `<meta charset=…>`,
/// `<meta http-equiv=Content-Type content="…; charset=…">` or `<?xml … encoding="…"?>`.
fn declared(head: &[u8]) -> Option<&'static Encoding> {
    // Declarations are ASCII; lower-casing bytes keeps offsets.
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    if lower.starts_with(b"<?xml") {
        let end = find(&lower, b"?>").unwrap_or(lower.len());
        if let Some(label) = attribute_value(&lower[..end], b"encoding") {
            return Encoding::for_label(label);
        }
    }
    let mut from = 0;
    while let Some(at) = find(&lower[from..], b"<meta") {
        let start = from + at;
        let end = lower[start..].iter().position(|&b| b == b'>').map_or(lower.len(), |e| start + e);
        let tag = &lower[start..end];
        if let Some(label) = attribute_value(tag, b"charset") {
            if let Some(enc) = Encoding::for_label(label) {
                return Some(enc);
            }
        }
        from = end;
    }
    None
}

/// The value after `name=` in `tag` (quoted or not). Also finds `charset=` inside a
/// `content="text/html; charset=gbk"` value, which is the point for `http-equiv`.
fn attribute_value<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut from = 0;
    while let Some(at) = find(&tag[from..], name) {
        let mut i = from + at + name.len();
        while tag.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if tag.get(i) != Some(&b'=') {
            from = i;
            continue;
        }
        i += 1;
        while tag.get(i).is_some_and(|b| b.is_ascii_whitespace() || *b == b'"' || *b == b'\'') {
            i += 1;
        }
        let end = tag[i..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b';' | b'>' | b'/'))
            .map_or(tag.len(), |e| i + e);
        return Some(&tag[i..end]).filter(|v| !v.is_empty());
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZH: &str = "互联互通：腾讯与阿里巴巴开放外链，用户可以在微信里直接打开淘宝的商品链接。";

    fn gbk(s: &str) -> Vec<u8> {
        encoding_rs::GBK.encode(s).0.into_owned()
    }

    #[test]
    fn header_charset_wins_over_the_meta_declaration() {
        let mut page = b"<html><head><meta charset=\"utf-8\"></head><body>".to_vec();
        page.extend(gbk(ZH));
        let d = decode(&page, Some("GB2312"));
        assert!(d.text.contains(ZH), "{}", d.text);
        assert_eq!((d.encoding, d.evidence), (encoding_rs::GBK, Evidence::Header));
    }

    #[test]
    fn meta_http_equiv_and_meta_charset_are_read() {
        let mut page =
            b"<html><head><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=gb2312\">".to_vec();
        page.extend(gbk(ZH));
        assert_eq!(decode(&page, None).evidence, Evidence::Declared);
        assert!(decode(&page, None).text.contains(ZH));
        let mut page = b"<meta charset=big5><p>".to_vec();
        page.extend(encoding_rs::BIG5.encode("臺灣的行動支付").0.iter());
        assert_eq!(decode(&page, None).text, "<meta charset=big5><p>臺灣的行動支付");
    }

    #[test]
    fn xml_declaration_names_the_encoding_of_a_feed() {
        let mut feed = b"<?xml version=\"1.0\" encoding=\"GBK\"?><rss><title>".to_vec();
        feed.extend(gbk(ZH));
        assert!(decode(&feed, None).text.contains(ZH));
    }

    #[test]
    fn undeclared_gbk_is_detected() {
        let mut page = b"<html><body><p>".to_vec();
        page.extend(gbk(ZH));
        let d = decode(&page, None);
        assert_eq!(d.evidence, Evidence::Detected);
        assert_eq!(d.encoding, encoding_rs::GBK);
        assert!(d.text.contains(ZH));
    }

    #[test]
    fn a_bom_beats_a_wrong_header() {
        let mut body = vec![0xEF, 0xBB, 0xBF];
        body.extend(ZH.as_bytes());
        let d = decode(&body, Some("gbk"));
        assert_eq!((d.text.as_str(), d.evidence), (ZH, Evidence::Bom));
    }

    #[test]
    fn charset_parameter_is_found_quoted_or_not() {
        assert_eq!(charset_param("text/html; charset=GBK"), Some("GBK"));
        assert_eq!(charset_param("text/html;Charset=\"utf-8\""), Some("utf-8"));
        assert_eq!(charset_param("text/html"), None);
    }
}
