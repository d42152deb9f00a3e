//! In-process search latency for `bench/scale.sh`: opens the index once, then runs a fixed set
//! of queries (10 hits with snippets each, as `newsdesk search` shows them) many times and
//! prints the median and the 99th percentile. The first round warms the dictionary and the
//! caches and is not counted.
//!
//! Usage: `cargo run --release --example search_latency -- INDEX_DIR [ROUNDS]`

use std::time::{Duration, Instant};

use newsdesk::index::Store;
use newsdesk::search::{search, SearchRequest};

/// Chinese words and phrases, English words, field queries, boolean queries, a filter.
pub const QUERIES: [&str; 12] = [
    "互联互通",
    "支付宝",
    "微信支付 云闪付",
    "\"外链屏蔽\"",
    "反垄断 AND 罚款",
    "芯片 -手机",
    "title:苹果",
    "电动汽车 电池",
    "antitrust",
    "Kubernetes",
    "topic:semiconductors",
    "人工智能 OR 大模型",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let index = args.next().ok_or("usage: search_latency INDEX_DIR [ROUNDS]")?;
    let rounds: usize = args.next().map(|r| r.parse()).transpose()?.unwrap_or(20);
    let store = Store::open(std::path::Path::new(&index))?;
    let request = |q: &str| SearchRequest { query: q.to_string(), limit: 10, ..SearchRequest::default() };
    let mut times: Vec<Duration> = Vec::new();
    for round in 0..=rounds {
        for q in QUERIES {
            let started = Instant::now();
            let results = search(&store, &request(q))?;
            let took = started.elapsed();
            std::hint::black_box(results);
            if round > 0 {
                times.push(took);
            }
        }
    }
    times.sort();
    let pick = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "in-process search: {} runs of {} queries, median {:.2} ms, p99 {:.2} ms",
        times.len(),
        QUERIES.len(),
        pick(0.5).as_secs_f64() * 1e3,
        pick(0.99).as_secs_f64() * 1e3
    );
    Ok(())
}
