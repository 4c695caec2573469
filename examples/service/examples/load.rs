//! A bounded loopback load test of the example service (not a timed test: run it by hand or
//! from CI's scripts; it stops by itself).
//!
//! ```sh
//! cargo run --release -p authz-example-service --example load            # SQLite, and PostgreSQL at AUTHZ_PG_URL if reachable
//! cargo run --release -p authz-example-service --example load -- --quick  # fewer requests
//! ```
//!
//! For each backend (embedded SQLite; PostgreSQL at `AUTHZ_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`, in a schema of its own dropped afterwards) and
//! each client concurrency (8 and 64 keep-alive connections) it sends a fixed number of
//! requests to a list route (`GET /repos?limit=20&offset=..`) and a by-id route
//! (`GET /repos/{id}`) for five users, over 2,000 extra repos, and prints requests/s, p50 and
//! p99, after an unmeasured warm-up of 1,000 requests. Every answer is compared with the decision recorded before the load (status and body):
//! a difference, a transport error or a 5xx is an error. The decisions are recorded again
//! after the load and must be identical. It also measures what authentication costs per
//! request: verifying the token alone, and verifying it plus the revocation lookup.
//! Exits non-zero on any error.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use authz_axum::Authenticate;
use authz_example_service::auth::{Keys, ServiceAuth, ALL_SCOPES};
use authz_example_service::{App, Db, Server};

const SECRET: &[u8] = b"a-load-test-secret-of-the-example-service-0123";
const USERS: [i64; 5] = [1, 2, 3, 4, 5];
/// 2,000 more repos (ids 1000..=2999) in both orgs, a third public; carol contributes to 500
/// of them, erin reads 200.
const EXTRA_ROWS: &str = "
WITH RECURSIVE n(i) AS (SELECT 1000 UNION ALL SELECT i + 1 FROM n WHERE i < 2999)
INSERT INTO repos (id, org_id, name, is_public, description)
SELECT i, 1 + i % 2, 'repo-' || i, i % 3 = 0, 'notes of repo ' || i FROM n;
WITH RECURSIVE n(i) AS (SELECT 1000 UNION ALL SELECT i + 4 FROM n WHERE i < 2996)
INSERT INTO repo_roles (user_id, repo_id, role) SELECT 3, i, 'Contributor' FROM n;
WITH RECURSIVE n(i) AS (SELECT 1001 UNION ALL SELECT i + 10 FROM n WHERE i < 2991)
INSERT INTO repo_roles (user_id, repo_id, role) SELECT 5, i, 'Reader' FROM n;
";

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    stream: TcpStream,
}

impl Conn {
    fn open(addr: SocketAddr) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Conn { stream })
    }

    fn get(&mut self, path: &str, token: &str) -> io::Result<(u16, Vec<u8>)> {
        write!(
            self.stream,
            "GET {path} HTTP/1.1\r\nHost: load\r\nAuthorization: Bearer {token}\r\n\r\n"
        )?;
        let mut raw = Vec::with_capacity(4096);
        let mut buf = [0u8; 8192];
        let split = loop {
            let n = self.stream.read(&mut buf)?;
            if n == 0 {
                return Err(io::Error::other("connection closed"));
            }
            raw.extend_from_slice(&buf[..n]);
            if let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break split;
            }
        };
        let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| io::Error::other("bad status line"))?;
        let length: usize = head
            .split("\r\n")
            .find_map(|l| l.strip_prefix("content-length:")?.trim().parse().ok())
            .ok_or_else(|| io::Error::other("no content-length"))?;
        while raw.len() < split + 4 + length {
            let n = self.stream.read(&mut buf)?;
            if n == 0 {
                return Err(io::Error::other("short body"));
            }
            raw.extend_from_slice(&buf[..n]);
        }
        Ok((status, raw[split + 4..split + 4 + length].to_vec()))
    }
}

type Decisions = HashMap<(usize, String), (u16, Vec<u8>)>;

/// Every (user, path) of a route, answered one at a time.
fn decide(addr: SocketAddr, tokens: &[String], paths: &[String]) -> io::Result<Decisions> {
    let mut conn = Conn::open(addr)?;
    let mut decisions = HashMap::new();
    for (u, token) in tokens.iter().enumerate() {
        for path in paths {
            decisions.insert((u, path.clone()), conn.get(path, token)?);
        }
    }
    Ok(decisions)
}

struct Run {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
}

/// `total` requests over `conns` connections, each checked against `expected`.
fn load(
    addr: SocketAddr,
    conns: usize,
    total: usize,
    tokens: &Arc<Vec<String>>,
    paths: &Arc<Vec<String>>,
    expected: &Arc<Decisions>,
) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(60);
    let workers: Vec<_> = (0..conns)
        .map(|_| {
            let (next, tokens, paths, expected) = (
                next.clone(),
                tokens.clone(),
                paths.clone(),
                expected.clone(),
            );
            std::thread::spawn(move || {
                let mut latencies = Vec::new();
                let mut errors = 0;
                let Ok(mut conn) = Conn::open(addr) else {
                    return (latencies, 1);
                };
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= total || Instant::now() > deadline {
                        break;
                    }
                    let u = i % tokens.len();
                    let path = &paths[(i / tokens.len()) % paths.len()];
                    let sent = Instant::now();
                    let answer = conn.get(path, &tokens[u]);
                    latencies.push(sent.elapsed());
                    match answer {
                        Ok(answer) if expected.get(&(u, path.clone())) == Some(&answer) => {}
                        Ok(_) => errors += 1,
                        Err(_) => {
                            errors += 1;
                            match Conn::open(addr) {
                                Ok(fresh) => conn = fresh,
                                Err(_) => break,
                            }
                        }
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    let mut errors = 0;
    for worker in workers {
        let (l, e) = worker.join().unwrap_or_default();
        latencies.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Run {
        requests: latencies.len(),
        errors: errors + total.saturating_sub(latencies.len()),
        elapsed,
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Authentication per request: the token alone, and with the revocation lookup.
fn auth_cost(app: &App, token: &str) -> (f64, f64) {
    const N: u32 = 2000;
    let auth = ServiceAuth {
        keys: app.keys.clone(),
        db: app.db.clone(),
        cache: None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .expect("runtime");
    let (parts, ()) = axum::http::Request::builder()
        .header("authorization", format!("Bearer {token}"))
        .body(())
        .expect("request")
        .into_parts();
    let started = Instant::now();
    for _ in 0..N {
        std::hint::black_box(app.keys.verify(token).is_ok());
    }
    let verify = started.elapsed() / N;
    let started = Instant::now();
    runtime.block_on(async {
        for _ in 0..N {
            std::hint::black_box(auth.authenticate(&parts).await.is_ok());
        }
    });
    let with_lookup = started.elapsed() / N;
    (verify.as_secs_f64() * 1e6, with_lookup.as_secs_f64() * 1e6)
}

fn bench(name: &str, db: Db, quick: bool) -> usize {
    let keys = Arc::new(Keys::new(SECRET));
    let app = App {
        db: db.clone(),
        keys: keys.clone(),
        principals: None,
    };
    if let Err(err) = db.batch_execute(EXTRA_ROWS) {
        eprintln!("{name}: cannot add the load rows: {err:?}");
        return 1;
    }
    let tokens: Arc<Vec<String>> = Arc::new(
        USERS
            .iter()
            .map(|&u| keys.mint(u, ALL_SCOPES, 3600).expect("token"))
            .collect(),
    );
    let (verify_us, lookup_us) = auth_cost(&app, &tokens[2]);
    println!(
        "{name}: authentication per request: token {verify_us:.1} µs, token + revocation lookup {lookup_us:.1} µs"
    );
    let server = Server::start(app, "127.0.0.1:0").expect("server");
    let routes: [(&str, Vec<String>); 2] = [
        (
            "list",
            (0..10)
                .map(|page| format!("/repos?limit=20&offset={}", page * 20))
                .collect(),
        ),
        (
            "by id",
            [10, 11, 12, 20, 21, 99]
                .into_iter()
                .chain((0..44).map(|k| 1000 + k * 45))
                .map(|id| format!("/repos/{id}"))
                .collect(),
        ),
    ];
    let mut errors = 0;
    for (route, paths) in routes {
        let paths = Arc::new(paths);
        let before = match decide(server.addr, &tokens, &paths) {
            Ok(d) => Arc::new(d),
            Err(err) => {
                eprintln!("{name} {route}: {err}");
                return errors + 1;
            }
        };
        let statuses: std::collections::BTreeMap<u16, usize> =
            before.values().fold(Default::default(), |mut m, (s, _)| {
                *m.entry(*s).or_default() += 1;
                m
            });
        if statuses.keys().any(|s| *s >= 500) {
            eprintln!("{name} {route}: server errors before the load: {statuses:?}");
            errors += 1;
        }
        // Warm-up, not measured: every pooled connection prepares its statements (the first
        // execution of each query on each connection plans it).
        let warm = load(server.addr, 64, 1000, &tokens, &paths, &before);
        errors += warm.errors;
        for conns in [8, 64] {
            let total = match (quick, route) {
                (true, _) => 1000,
                (false, "list") => 4000,
                (false, _) => 8000,
            };
            let run = load(server.addr, conns, total, &tokens, &paths, &before);
            errors += run.errors;
            println!(
                "| {name} | {route} | {conns} | {} | {} | {:.0} | {:.2} | {:.2} | {:.1}x |",
                run.requests,
                run.errors,
                run.requests as f64 / run.elapsed.as_secs_f64(),
                ms(run.p50),
                ms(run.p99),
                run.p99.as_secs_f64() / run.p50.as_secs_f64().max(1e-9),
            );
        }
        match decide(server.addr, &tokens, &paths) {
            Ok(after) if after == *before => println!(
                "{name} {route}: {} decisions identical before and after ({statuses:?})",
                before.len()
            ),
            Ok(_) => {
                eprintln!("{name} {route}: decisions changed under load");
                errors += 1;
            }
            Err(err) => {
                eprintln!("{name} {route}: {err}");
                errors += 1;
            }
        }
    }
    errors
}

fn main() -> std::process::ExitCode {
    let quick = std::env::args().any(|a| a == "--quick");
    println!(
        "| backend | route | connections | requests | errors | req/s | p50 ms | p99 ms | p99/p50 |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut errors = bench("SQLite", Db::sqlite_in_memory().expect("SQLite"), quick);
    let url = std::env::var("AUTHZ_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
    let schema = format!("authz_load_{}", std::process::id());
    match Db::connect(Some(&url), &schema) {
        Ok(db) => {
            errors += bench("PostgreSQL", db.clone(), quick);
            let dropped = db.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"));
            if let Err(err) = dropped {
                eprintln!("could not drop schema {schema}: {err:?}");
            }
        }
        Err(err) if std::env::var_os("AUTHZ_REQUIRE_PG").is_some() => {
            eprintln!("PostgreSQL required but unreachable at {url}: {err}");
            errors += 1;
        }
        Err(err) => println!("skipping PostgreSQL: {err}"),
    }
    println!("errors: {errors}");
    if errors == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
