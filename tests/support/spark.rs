#![allow(dead_code)] // each test file uses part of it
//! Apache Spark as the tests run it: the pinned `pyspark` of `.ci/requirements.txt` (its
//! `spark-class` and `spark-submit`), a standalone master and workers on free 127.0.0.1 ports,
//! killed when dropped; Java from the machine (17).
//!
//! Spark is `NEWSDESK_SPARK_HOME` (the pyspark package folder), else the one in `.venv`.
//! Without it the tests say so and pass, except under CI (`CI` set), where they fail.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn python() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python")
}

/// The pyspark folder (with `bin/spark-class`), if this machine has it.
pub fn home() -> Option<PathBuf> {
    let found = std::env::var_os("NEWSDESK_SPARK_HOME").map(PathBuf::from).or_else(|| {
        Command::new(python())
            .args(["-c", "import os, pyspark; print(os.path.dirname(pyspark.__file__))"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
    });
    let found = found.filter(|h| h.join("bin/spark-class").exists());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must install pyspark (.ci/run: pip install -r .ci/requirements.txt into .venv)"
        );
        eprintln!("skipped: no pyspark (set NEWSDESK_SPARK_HOME, or let .ci/run install it into .venv)");
    }
    found
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The environment every Spark process of the tests gets: loopback only, our Python.
fn spark_env(cmd: &mut Command, home: &Path, scratch: &Path) {
    cmd.env("SPARK_HOME", home)
        .env("SPARK_LOCAL_IP", "127.0.0.1")
        .env("SPARK_LOCAL_HOSTNAME", "localhost")
        .env("SPARK_LOG_DIR", scratch.join("logs"))
        .env("SPARK_WORKER_DIR", scratch.join("work"))
        .env("PYSPARK_PYTHON", python())
        .env("PYSPARK_DRIVER_PYTHON", python())
        .env_remove("SPARK_CONF_DIR");
}

/// A process of the cluster.
pub struct Daemon {
    child: Option<Child>,
    pub name: String,
}

impl Daemon {
    /// SIGKILL the daemon and every process it started (a worker's executors), as when its
    /// machine dies.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pid = child.id();
            // The executors a worker launched are its children.
            let _ = Command::new("pkill").args(["-KILL", "-P", &pid.to_string()]).status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A standalone master and its workers.
pub struct Cluster {
    pub url: String,
    pub master: Daemon,
    pub workers: Vec<Daemon>,
    home: PathBuf,
    scratch: tempfile::TempDir,
}

impl Cluster {
    /// A master and `workers` workers of one core each, all registered.
    pub fn start(home: &Path, workers: usize) -> Cluster {
        let scratch = tempfile::tempdir().unwrap();
        let port = free_port();
        let ui = free_port();
        let class = home.join("bin/spark-class");
        let log = |name: &str| std::fs::File::create(scratch.path().join(format!("{name}.log"))).unwrap();
        let mut cmd = Command::new(&class);
        cmd.args([
            "org.apache.spark.deploy.master.Master",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
        ])
        .args(["--webui-port", &ui.to_string()])
        .stdout(Stdio::null())
        .stderr(log("master"));
        spark_env(&mut cmd, home, scratch.path());
        let master = Daemon { child: Some(cmd.spawn().expect("spark-class starts")), name: "master".into() };
        let url = format!("spark://127.0.0.1:{port}");
        let mut daemons = Vec::new();
        for i in 0..workers {
            let mut cmd = Command::new(&class);
            cmd.args([
                "org.apache.spark.deploy.worker.Worker",
                "--host",
                "127.0.0.1",
                "--cores",
                "1",
                "--memory",
                "1g",
            ])
            .args(["--webui-port", &free_port().to_string(), "--port", &free_port().to_string(), &url])
            .stdout(Stdio::null())
            .stderr(log(&format!("worker-{i}")));
            spark_env(&mut cmd, home, scratch.path());
            daemons.push(Daemon { child: Some(cmd.spawn().unwrap()), name: format!("worker-{i}") });
        }
        let cluster = Cluster { url, master, workers: daemons, home: home.to_path_buf(), scratch };
        cluster.wait_for_workers(workers, ui);
        cluster
    }

    /// Waits until the master's status page lists `n` alive workers.
    fn wait_for_workers(&self, n: usize, ui: u16) {
        let started = Instant::now();
        loop {
            let alive = http_get(ui, "/json/")
                .and_then(|body| serde_json::from_str::<serde_json::Value>(&body).ok())
                .and_then(|v| v["aliveworkers"].as_u64())
                .unwrap_or(0);
            if alive as usize >= n {
                return;
            }
            let logs = std::fs::read_to_string(self.scratch.path().join("master.log")).unwrap_or_default();
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "{alive} of {n} workers registered within 2 minutes:\n{logs}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    pub fn home(&self) -> &Path {
        &self.home
    }
}

/// The body of a plain HTTP/1.0 GET of `path` on 127.0.0.1:`port`, if it answers 200.
fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::{Read, Write};
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    head.starts_with("HTTP/1.1 200").then(|| body.to_string())
}

/// `spark-submit --master MASTER spark/newsdesk_job.py ARGS…`, shipping the newsdesk binary
/// with `--files`; started, not waited for.
pub fn submit(home: &Path, master: &str, job_args: &[&str], scratch: &Path) -> Child {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new(home.join("bin/spark-submit"));
    cmd.args([
        "--master",
        master,
        "--conf",
        "spark.driver.host=127.0.0.1",
        "--conf",
        "spark.driver.bindAddress=127.0.0.1",
    ])
    .args(["--conf", "spark.ui.enabled=false", "--conf", "spark.task.maxFailures=4"])
    .args(["--files", env!("CARGO_BIN_EXE_newsdesk")])
    .arg(root.join("spark/newsdesk_job.py"))
    .args(job_args)
    .stdout(Stdio::piped())
    .stderr(std::fs::File::create(scratch.join("submit.log")).unwrap());
    spark_env(&mut cmd, home, scratch);
    cmd.spawn().expect("spark-submit starts")
}

/// [`submit`], waited for; panics with the log when the job fails.
pub fn run_job(home: &Path, master: &str, job_args: &[&str], scratch: &Path) -> Output {
    let out = submit(home, master, job_args, scratch).wait_with_output().unwrap();
    let log = std::fs::read_to_string(scratch.join("submit.log")).unwrap_or_default();
    let tail: String = log.chars().rev().take(6000).collect::<Vec<_>>().into_iter().rev().collect();
    assert!(out.status.success(), "spark-submit failed:\n{tail}");
    out
}
