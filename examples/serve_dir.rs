//! A static file server for the fetch benchmark (`bench/fetch.sh`): serves a folder on
//! 127.0.0.1 with keep-alive and ETags (so a second run exercises 304s), one thread per
//! connection. Not for anything but local measurements.
//!
//! Usage: `cargo run --release --example serve_dir -- DIR PORT`

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(port)) = (args.next(), args.next()) else {
        eprintln!("usage: serve_dir DIR PORT");
        std::process::exit(2);
    };
    let root = PathBuf::from(dir);
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).expect("bind");
    eprintln!("serving {} on http://{}", root.display(), listener.local_addr().unwrap());
    for stream in listener.incoming().flatten() {
        let root = root.clone();
        std::thread::spawn(move || {
            let _ = connection(stream, &root);
        });
    }
}

fn connection(stream: TcpStream, root: &Path) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    stream.set_nodelay(true)?;
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut if_none_match = None;
        let mut close = false;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
                break;
            }
            let (k, v) = h.split_once(':').unwrap_or((&h, ""));
            match k.trim().to_ascii_lowercase().as_str() {
                "if-none-match" => if_none_match = Some(v.trim().to_string()),
                "connection" => close = v.trim().eq_ignore_ascii_case("close"),
                _ => {}
            }
        }
        let file = root.join(percent_decode(path.trim_start_matches('/')));
        let (status, headers, body) = match std::fs::metadata(&file) {
            Ok(meta) if meta.is_file() && !path.contains("..") => {
                let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
                let etag = format!("\"{:x}-{:x}\"", meta.len(), mtime.map_or(0, |d| d.as_nanos()));
                if if_none_match.as_deref() == Some(etag.as_str()) {
                    ("304 Not Modified", format!("ETag: {etag}\r\n"), Vec::new())
                } else {
                    let mut body = Vec::with_capacity(meta.len() as usize);
                    std::fs::File::open(&file)?.read_to_end(&mut body)?;
                    let kind = match file.extension().and_then(|e| e.to_str()) {
                        Some("html") => "text/html; charset=utf-8",
                        Some("xml") => "application/rss+xml",
                        Some("md") => "text/markdown; charset=utf-8",
                        _ => "application/octet-stream",
                    };
                    ("200 OK", format!("ETag: {etag}\r\nContent-Type: {kind}\r\n"), body)
                }
            }
            _ => ("404 Not Found", String::new(), b"not found".to_vec()),
        };
        // One write per response: head and body in separate small writes meet Nagle's
        // algorithm and the client's delayed ACK, and every response waits 40 ms.
        let mut response =
            format!("HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        response.extend_from_slice(&body);
        out.write_all(&response)?;
        out.flush()?;
        if close {
            return Ok(());
        }
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
