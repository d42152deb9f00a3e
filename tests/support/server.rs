//! A small HTTP/1.1 server on 127.0.0.1 for the fetch tests: routes are closures, every request
//! is recorded, and a handler may misbehave on purpose (stall, loop, lie about its size).
//! One thread per connection, `Connection: close` on every answer: simple and enough here.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub at: Instant,
}

/// What a handler answers.
pub enum Reply {
    Full {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Headers and the first part of the body, then silence for `stall`.
    Stall {
        head: Vec<u8>,
        stall: Duration,
    },
    /// A body of `len` bytes streamed without a Content-Length.
    Endless {
        len: usize,
    },
}

impl Reply {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn status(status: u16) -> Reply {
        Reply::Full { status, headers: vec![], body: format!("status {status}").into_bytes() }
    }

    pub fn redirect(to: &str) -> Reply {
        Reply::Full { status: 302, headers: vec![("Location".into(), to.into())], body: vec![] }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Full { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = Arc<dyn Fn(&Request, usize) -> Reply + Send + Sync>;

pub struct Server {
    pub base: String,
    routes: Arc<Mutex<HashMap<String, Handler>>>,
    log: Arc<Mutex<Vec<Request>>>,
    /// Requests (other than robots.txt) being answered right now, and the most there ever were.
    in_flight: Arc<AtomicUsize>,
    pub max_in_flight: Arc<AtomicUsize>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let routes: Arc<Mutex<HashMap<String, Handler>>> = Arc::default();
        let log: Arc<Mutex<Vec<Request>>> = Arc::default();
        let in_flight = Arc::new(AtomicUsize::new(0));
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let (r, l, f, m) = (routes.clone(), log.clone(), in_flight.clone(), max_in_flight.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (r, l, f, m) = (r.clone(), l.clone(), f.clone(), m.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &r, &l, &f, &m);
                });
            }
        });
        Server { base, routes, log, in_flight, max_in_flight }
    }

    /// Answers `path` (query string included) with `handler(request, n)`, `n` counting the
    /// requests for this path from 1.
    pub fn route(&self, path: &str, handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static) {
        self.routes.lock().unwrap().insert(path.to_string(), Arc::new(handler));
    }

    /// The same reply every time.
    pub fn fixed(&self, path: &str, content_type: &'static str, body: impl Into<Vec<u8>>) {
        let body: Vec<u8> = body.into();
        self.route(path, move |_, _| Reply::ok(content_type, body.clone()));
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn requests(&self, path: &str) -> Vec<Request> {
        self.log.lock().unwrap().iter().filter(|r| r.path == path).cloned().collect()
    }

    #[allow(dead_code)]
    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }
}

fn serve(
    stream: TcpStream,
    routes: &Mutex<HashMap<String, Handler>>,
    log: &Mutex<Vec<Request>>,
    in_flight: &AtomicUsize,
    max_in_flight: &AtomicUsize,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let request = Request { path: path.clone(), headers, at: Instant::now() };
    let n = {
        let mut log = log.lock().unwrap();
        log.push(request.clone());
        log.iter().filter(|r| r.path == path).count()
    };
    answer(stream, &request, n, routes, in_flight, max_in_flight)
}

fn answer(
    stream: TcpStream,
    request: &Request,
    n: usize,
    routes: &Mutex<HashMap<String, Handler>>,
    in_flight: &AtomicUsize,
    max_in_flight: &AtomicUsize,
) -> std::io::Result<()> {
    let path = &request.path;
    // Counted while the handler runs, before a byte of the answer is sent: the client cannot
    // have seen the end of a response still counted. robots.txt is not a page.
    let counted = path != "/robots.txt";
    if counted {
        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        max_in_flight.fetch_max(now, Ordering::SeqCst);
    }
    // The handler is cloned out so that slow handlers run side by side, not under the lock.
    let handler = routes.lock().unwrap().get(path).cloned();
    let reply = match handler {
        Some(h) => h(request, n),
        None => Reply::status(404),
    };
    if counted {
        in_flight.fetch_sub(1, Ordering::SeqCst);
    }
    let mut out = stream;
    match reply {
        Reply::Full { status, headers, body } => {
            let mut head = format!(
                "HTTP/1.1 {status} {}\r\nContent-Length: {}\r\nConnection: close\r\n",
                reason(status),
                body.len()
            );
            for (k, v) in headers {
                head.push_str(&format!("{k}: {v}\r\n"));
            }
            head.push_str("\r\n");
            // One write: a small head then a body in two writes waits out the client's
            // delayed ACK (Nagle), 40 ms a response.
            let mut response = head.into_bytes();
            response.extend_from_slice(&body);
            out.write_all(&response)?;
        }
        Reply::Stall { head, stall } => {
            out.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n")?;
            out.write_all(&head)?;
            out.flush()?;
            std::thread::sleep(stall);
        }
        Reply::Endless { len } => {
            out.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")?;
            let chunk = vec![b'a'; 64 * 1024];
            let mut sent = 0;
            while sent < len {
                // The client hangs up once it has seen enough: that ends the loop.
                out.write_all(&chunk)?;
                sent += chunk.len();
            }
        }
    }
    out.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        304 => "Not Modified",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}
