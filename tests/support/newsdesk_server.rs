#![allow(dead_code)] // each test file uses part of it
//! `newsdesk serve` as the server tests run it: the real binary on 127.0.0.1 with a free port
//! (it prints the address it bound), and a small blocking HTTP client for asking it things.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// An index of `data/` and `tests/fixtures/serve/xss.md` (an article made of markup), in a
/// temporary folder.
pub fn sample_index() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .arg("--index")
        .arg(&index)
        .arg("ingest")
        .arg(root.join("data"))
        .arg(root.join("tests/fixtures/serve/xss.md"))
        .env_remove("NEWSDESK_INDEX")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (dir, index)
}

/// A running `newsdesk serve`, stopped (SIGKILL) when dropped.
pub struct Served {
    pub child: Child,
    /// `http://127.0.0.1:PORT`
    pub url: String,
}

/// A response: status, lower-cased headers, body.
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

impl Served {
    /// Starts `newsdesk --index INDEX serve --addr 127.0.0.1:0 ARGS…` and waits for its address.
    pub fn start(index: &Path, args: &[&str]) -> Served {
        Served::start_with_env(index, args, &[])
    }

    /// [`Served::start`] with these environment variables set.
    pub fn start_with_env(index: &Path, args: &[&str], env: &[(&str, &str)]) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
            .envs(env.iter().copied())
            .arg("--index")
            .arg(index)
            .args(["serve", "--addr", "127.0.0.1:0", "--reload-every", "200ms"])
            .args(args)
            .env_remove("NEWSDESK_TOKEN")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("newsdesk starts");
        let stderr = child.stderr.take().expect("stderr piped");
        let mut lines = BufReader::new(stderr).lines();
        let url = loop {
            let line = lines.next().expect("newsdesk serve printed its address").expect("stderr readable");
            if let Some(at) = line.find("http://") {
                break line[at..].split_whitespace().next().unwrap().trim_end_matches('/').to_string();
            }
        };
        // The rest of stderr is drained so that request logs never block the server.
        std::thread::spawn(move || lines.for_each(drop));
        Served { child, url }
    }

    pub fn get(&self, path: &str) -> Answer {
        request(reqwest::Method::GET, &format!("{}{path}", self.url), &[], None)
    }

    pub fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> Answer {
        request(reqwest::Method::GET, &format!("{}{path}", self.url), headers, None)
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP request, waited for.
pub fn request(
    method: reqwest::Method,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> Answer {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).no_proxy().build().unwrap();
        let mut req = client.request(method, url);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(body) = body {
            req = req.body(body);
        }
        let response = req.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        Answer { status, headers, body }
    })
}
