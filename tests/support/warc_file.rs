#![allow(dead_code)] // each test file uses part of it
//! WARC files written by the tests: news pages of our own (UTF-8, GBK, gzip-encoded, chunked)
//! as `response` records, with the records a crawl also holds around them (a request, a
//! redirect, an image, a record whose HTTP header is broken).

use std::io::Write;
use std::path::Path;

/// A page of the archive: URL, the HTTP response's extra headers, and its body bytes.
struct Response {
    uri: &'static str,
    date: &'static str,
    head: String,
    body: Vec<u8>,
}

fn page(title: &str, date_meta: Option<&str>, paragraphs: &[&str]) -> String {
    let meta = date_meta
        .map(|d| format!(r#"<meta property="article:published_time" content="{d}">"#))
        .unwrap_or_default();
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>{meta}</head>\
         <body><nav><a href=\"/\">首页</a> <a href=\"/tech\">科技</a></nav><article><h1>{title}</h1>{body}</article>\
         <footer>版权所有</footer></body></html>"
    )
}

/// The pages the archive holds as articles: (URL, title).
pub const PAGES: [(&str, &str); 3] = [
    ("https://news.example.cn/2021/10/interop.html", "监管推动平台互联互通进入新阶段"),
    ("https://news.example.cn/2021/10/gbk.html", "数字人民币试点再扩容"),
    ("https://news.example.cn/2021/10/gzip.html", "芯片企业加码研发投入"),
];

/// The URL of the record whose HTTP header is broken.
pub const BROKEN: &str = "https://news.example.cn/2021/10/broken.html";

fn responses() -> Vec<Response> {
    let utf8 = page(
        PAGES[0].1,
        Some("2021-10-08T09:30:00+08:00"),
        &[
            "十月八日，多家平台公布了落实互联互通要求的进展，用户可以在即时通信应用中直接打开外部链接。",
            "业内人士认为，互联互通将降低用户在不同平台之间切换的成本，也会改变流量分配的方式。",
            "监管部门表示，将继续推动平台之间解除屏蔽，对拒不整改的平台依法处理。",
        ],
    );
    let gbk_text = page(
        PAGES[1].1,
        None,
        &[
            "数字人民币试点范围再次扩大，新增多个省份参与测试，覆盖交通、零售和政务缴费等场景。",
            "银行人士表示，试点扩容后，数字人民币钱包的开立数量有望继续快速增长。",
        ],
    )
    .replace("charset=\"utf-8\"", "charset=\"gbk\"");
    let (gbk, _, _) = encoding_rs::GBK.encode(&gbk_text);
    let gzip_text = page(
        PAGES[2].1,
        Some("2021-10-09T10:00:00+08:00"),
        &[
            "多家芯片企业宣布加大研发投入，重点投向先进制程和车规级芯片。",
            "分析师指出，研发投入的增加短期内会压低利润，但有助于提升长期竞争力。",
        ],
    );
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(gzip_text.as_bytes()).unwrap();
    let gzipped = gz.finish().unwrap();
    vec![
        Response {
            uri: PAGES[0].0,
            date: "2021-10-08T02:00:00Z",
            head: "Content-Type: text/html; charset=utf-8\r\n".into(),
            body: chunked(utf8.as_bytes()),
        },
        Response {
            uri: PAGES[1].0,
            date: "2021-10-08T03:00:00Z",
            head: "Content-Type: text/html; charset=GBK\r\n".into(),
            body: gbk.into_owned(),
        },
        Response {
            uri: "https://news.example.cn/old",
            date: "2021-10-08T03:30:00Z",
            head: "Location: /new\r\n".into(),
            body: Vec::new(),
        },
        Response {
            uri: "https://news.example.cn/logo.png",
            date: "2021-10-08T03:40:00Z",
            head: "Content-Type: image/png\r\n".into(),
            body: b"\x89PNG\r\n".to_vec(),
        },
        Response {
            uri: PAGES[2].0,
            date: "2021-10-09T01:00:00Z",
            head: "Content-Type: text/html\r\nContent-Encoding: gzip\r\n".into(),
            body: gzipped,
        },
    ]
}

fn chunked(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for piece in body.chunks(100) {
        out.extend(format!("{:x}\r\n", piece.len()).as_bytes());
        out.extend(piece);
        out.extend(b"\r\n");
    }
    out.extend(b"0\r\n\r\n");
    out
}

fn record(kind: &str, uri: &str, date: &str, content_type: &str, block: &[u8], n: usize) -> Vec<u8> {
    let mut out = format!(
        "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Date: {date}\r\nWARC-Record-ID: <urn:uuid:00000000-0000-4000-8000-{n:012}>\r\n\
         WARC-Target-URI: {uri}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        block.len()
    )
    .into_bytes();
    out.extend(block);
    out.extend(b"\r\n\r\n");
    out
}

/// Writes the archive to `path`, gzipped record by record (as crawls publish them) if `gzip`.
pub fn write(path: &Path, gzip: bool) {
    let mut records: Vec<Vec<u8>> = Vec::new();
    records.push(record(
        "warcinfo",
        "",
        "2021-10-08T00:00:00Z",
        "application/warc-fields",
        b"software: newsdesk tests\r\n",
        0,
    ));
    for (i, r) in responses().into_iter().enumerate() {
        let request = format!("GET {} HTTP/1.1\r\nHost: news.example.cn\r\n\r\n", r.uri);
        records.push(record(
            "request",
            r.uri,
            r.date,
            "application/http; msgtype=request",
            request.as_bytes(),
            100 + i,
        ));
        let status = if r.head.starts_with("Location") { "301 Moved Permanently" } else { "200 OK" };
        let mut block =
            format!("HTTP/1.1 {status}\r\n{}Content-Length: {}\r\n", r.head, r.body.len()).into_bytes();
        if r.head.contains("charset=utf-8") {
            block = format!("HTTP/1.1 {status}\r\n{}Transfer-Encoding: chunked\r\n", r.head).into_bytes();
        }
        block.extend(b"\r\n");
        block.extend(&r.body);
        records.push(record(
            "response",
            r.uri,
            r.date,
            "application/http; msgtype=response",
            &block,
            200 + i,
        ));
    }
    records.push(record(
        "response",
        BROKEN,
        "2021-10-10T00:00:00Z",
        "application/http; msgtype=response",
        b"NOT HTTP AT ALL",
        300,
    ));
    let mut file = std::fs::File::create(path).unwrap();
    for r in records {
        if gzip {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&r).unwrap();
            file.write_all(&gz.finish().unwrap()).unwrap();
        } else {
            file.write_all(&r).unwrap();
        }
    }
}
