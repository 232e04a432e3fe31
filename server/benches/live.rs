//! Live updates and notification delivery benchmark.
//!
//! Live latency: the real server on a loopback port, a few staff sessions signed in through the
//! sign-in form, and `--clients` server-sent event streams on `/live`, one TCP connection each.
//! Then `--changes` internal notes are committed through the write path, `--interval-ms` apart.
//! For every (stream, change) pair the figure is the time from the commit (just after
//! `Store::append` returns) to the moment the stream has read the event; events that never
//! arrive are counted as missed. The clients are plain HTTP/1.1 readers running in the same
//! process, on the same runtime, as the server: the figures include their share of the CPU.
//!
//! Delivery throughput: `--deliveries` tickets opened under a policy that sends every `created`
//! event to one webhook (a loopback receiver answering 200). One notifier step (outbox rows →
//! deliveries) and one delivery-worker step (deliveries → HTTP posts) are timed separately, and
//! the receiver must have seen each delivery's idempotency key exactly once.
//!
//!     cargo bench -p server --bench live -- [--clients N] [--changes N] [--interval-ms N]
//!                                           [--deliveries N] [--database URL]
//!
//! Defaults: 1,000 streams, 200 changes 20 ms apart, 2,000 deliveries, a fresh SQLite file. With
//! PostgreSQL the changes reach the streams through LISTEN/NOTIFY, as they would between
//! instances. Results go in BENCHMARKS.md with the machine and the date.

mod support;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use app::domain::commands::{self, NewTicket};
use app::domain::{Channel, Priority, UserSummary, Visibility};
use app::ssr::auth::SESSION_COOKIE;
use app::ssr::Store;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::Utc;
use server::config::{Settings, WebhookSettings};
use server::notifications::channels::Channels;
use server::notifications::{render, Notifier, Sender};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// The staff sessions the streams share, as many tabs of a few people would.
const SESSIONS: usize = 10;

/// Around the clock, with one notification rule: every new ticket goes to one webhook.
const POLICY: &str = r#"name = "Live benchmark"
calendar = "Around the clock"

[[targets]]
first_response = "1h"
next_response = "4h"
resolution = "24h"

[[ladder]]
holder = "L1 Service Desk"
budget = "2h"
on_breach = ["next_level"]

[[ladder]]
holder = "L2 Specialists"

[[notify]]
events = ["created"]
to = ["email:ops@example.com"]
channels = ["webhook:status-page"]
"#;

const WEBHOOK_SECRET: &str = "whsec-bench-0123456789";

struct Options {
    clients: usize,
    changes: usize,
    interval_ms: u64,
    deliveries: usize,
    database: Option<String>,
}

fn options() -> Options {
    let mut options =
        Options { clients: 1_000, changes: 200, interval_ms: 20, deliveries: 2_000, database: None };
    let arguments: Vec<String> = std::env::args().collect();
    let mut index = 1;
    while index < arguments.len() {
        let value = arguments.get(index + 1).cloned().unwrap_or_default();
        match arguments[index].as_str() {
            "--clients" => options.clients = value.parse().expect("--clients takes a number"),
            "--changes" => options.changes = value.parse().expect("--changes takes a number"),
            "--interval-ms" => options.interval_ms = value.parse().expect("--interval-ms takes a number"),
            "--deliveries" => options.deliveries = value.parse().expect("--deliveries takes a number"),
            "--database" => options.database = Some(value),
            _ => {
                index += 1;
                continue;
            }
        }
        index += 2;
    }
    options
}

/// Each stream holds two descriptors in this process (the client's socket and the server's), on
/// top of the database connections and the runtime's own. Raising the limit needs `unsafe` code,
/// so the benchmark asks for it instead of failing half-way with "too many open files".
fn check_open_files(clients: usize) {
    let Ok(limits) = std::fs::read_to_string("/proc/self/limits") else { return };
    let soft = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|value| value.parse::<usize>().ok());
    let needed = 2 * clients + 128;
    if let Some(soft) = soft.filter(|soft| *soft < needed) {
        eprintln!(
            "{clients} streams need about {needed} open files but the limit is {soft}: \
             run `ulimit -n 4096` in this shell first, or pass a smaller --clients."
        );
        std::process::exit(2);
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn milliseconds(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1e3)
}

#[tokio::main]
async fn main() {
    let options = options();
    check_open_files(options.clients);
    let folder = std::env::temp_dir().join(format!("tierline-bench-live-{}", std::process::id()));
    let url = options.database.clone().unwrap_or_else(|| format!("sqlite:{}/bench.db", folder.display()));
    let store = Store::connect(&url).await.expect("database");
    store.migrate().await.expect("migrations");
    server::demo::load(&store, Utc::now()).await.expect("demo");
    // With SQLite this returns at once: the committing process fans out itself.
    let listening = tokio::spawn(store.clone().listen_for_changes(url.clone()));
    println!("database: {:?}", store.backend());

    live_latency(&store, &options).await;
    listening.await.expect("the listener ends when the hub closes");
    delivery_throughput(&store, &options).await;
    store.pool().close().await;
    if options.database.is_none() {
        let _ = std::fs::remove_dir_all(&folder);
    }
}

// ---------------------------------------------------------------------------------------------
// Live latency
// ---------------------------------------------------------------------------------------------

async fn live_latency(store: &Store, options: &Options) {
    let serving = support::Serving::start(store).await;
    let address = serving.address;

    let users = store.users().await.expect("users");
    let author = users
        .iter()
        .find(|user| user.summary.email == "sam.agent@tierline.example")
        .expect("the demo's agent")
        .summary
        .clone();
    let mut cookies = Vec::new();
    for user in users.iter().filter(|user| user.active && user.summary.role.is_staff()).take(SESSIONS) {
        cookies.push(sign_in(address, &user.summary.email).await);
    }
    let ticket_id = open_ticket(store, &demo_customer(&users), "Live benchmark").await;

    // With PostgreSQL the listener needs a moment to LISTEN: commit until a change comes back
    // through the hub, so the measured changes find the path open.
    let mut probe = store.live().subscribe();
    let mut open = false;
    for _ in 0..50 {
        note(store, ticket_id, &author, "Warming up.").await;
        if tokio::time::timeout(Duration::from_millis(200), probe.recv()).await.is_ok() {
            open = true;
            break;
        }
    }
    assert!(open, "committed changes never reached this process's hub");
    drop(probe);

    println!(
        "live: {} streams on {} staff sessions, {} changes {} ms apart; the clients run in this \
         process, beside the server",
        options.clients,
        cookies.len(),
        options.changes,
        options.interval_ms
    );
    let connected = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let received = Arc::new(AtomicUsize::new(0));
    // Connections are opened a few dozen at a time, as browsers arriving would; the listen
    // backlog is not what is measured.
    let opening = Arc::new(tokio::sync::Semaphore::new(64));
    let started = Instant::now();
    let readers: Vec<_> = (0..options.clients)
        .map(|n| {
            let cookie = cookies[n % cookies.len()].clone();
            let (connected, failed, received, opening) =
                (connected.clone(), failed.clone(), received.clone(), opening.clone());
            tokio::spawn(async move {
                let permit = opening.acquire_owned().await.expect("semaphore");
                let body = match open_stream(address, &cookie).await {
                    Ok(body) => body,
                    Err(error) => {
                        failed.fetch_add(1, Ordering::SeqCst);
                        return Reading { error: Some(error.to_string()), ..Reading::default() };
                    }
                };
                drop(permit);
                connected.fetch_add(1, Ordering::SeqCst);
                read_stream(body, received).await
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while connected.load(Ordering::SeqCst) + failed.load(Ordering::SeqCst) < options.clients
        && Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let streams = connected.load(Ordering::SeqCst);
    println!(
        "{} streams open in {:.2} s ({} on the hub), {} failed to open",
        streams,
        started.elapsed().as_secs_f64(),
        store.live().streams(),
        failed.load(Ordering::SeqCst)
    );

    // The changes, on a fixed schedule; an append slower than the interval delays the next one.
    let interval = Duration::from_millis(options.interval_ms);
    let mut commits: HashMap<i64, Instant> = HashMap::with_capacity(options.changes);
    let mut appends = Vec::with_capacity(options.changes);
    let schedule = tokio::time::Instant::now();
    for n in 0..options.changes {
        tokio::time::sleep_until(schedule + interval * n as u32).await;
        let began = Instant::now();
        let ids = note(store, ticket_id, &author, &format!("Benchmark note {n}.")).await;
        let committed = Instant::now();
        appends.push(committed - began);
        for id in ids {
            commits.insert(id, committed);
        }
    }
    let committing = schedule.elapsed();
    let expected = streams * commits.len();
    let deadline = Instant::now() + Duration::from_secs(10);
    while received.load(Ordering::SeqCst) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // Ends every stream (as a shutdown does), so each reader returns what it read.
    store.live().close();
    let mut readings = Vec::with_capacity(readers.len());
    for reader in readers {
        match tokio::time::timeout(Duration::from_secs(30), reader).await {
            Ok(Ok(reading)) => readings.push(reading),
            Ok(Err(error)) => readings.push(Reading { error: Some(error.to_string()), ..Reading::default() }),
            Err(_) => readings.push(Reading { error: Some("did not end".into()), ..Reading::default() }),
        }
    }
    serving.stop().await;

    appends.sort_unstable();
    println!(
        "{} events committed in {:.2} s; append (commit included) p50 {}, p99 {}",
        commits.len(),
        committing.as_secs_f64(),
        milliseconds(percentile(&appends, 0.5)),
        milliseconds(percentile(&appends, 0.99)),
    );
    let mut latencies = Vec::with_capacity(options.clients * commits.len());
    let (mut missed, mut early, mut resets) = (0, 0, 0);
    let mut errors: Vec<String> = Vec::new();
    for reading in readings {
        resets += reading.resets;
        errors.extend(reading.error);
        let seen: HashMap<i64, Instant> = reading.events.into_iter().collect();
        for (id, committed) in &commits {
            match seen.get(id) {
                Some(read) => {
                    // With SQLite the committing task publishes before `append` returns, so a
                    // stream may read the event a moment before the commit instant is taken.
                    if read < committed {
                        early += 1;
                    }
                    latencies.push(read.saturating_duration_since(*committed));
                }
                None => missed += 1,
            }
        }
    }
    latencies.sort_unstable();
    if latencies.is_empty() {
        println!("latency: no event reached any stream; missed {missed}");
    } else {
        let p99 = percentile(&latencies, 0.99);
        println!(
            "latency commit → read over {} (stream, change) pairs: p50 {}, p99 {}, max {}; \
             missed {missed}, resets {resets}, read before append returned {early} (counted as 0)",
            latencies.len(),
            milliseconds(percentile(&latencies, 0.5)),
            milliseconds(p99),
            milliseconds(latencies[latencies.len() - 1]),
        );
        println!(
            "aim p99 < 100 ms: {}; aim no missed events: {}",
            if p99 < Duration::from_millis(100) { "met" } else { "NOT met" },
            if missed == 0 { "met" } else { "NOT met" }
        );
    }
    if let Some(first) = errors.first() {
        println!("{} streams reported errors; the first: {first}", errors.len());
    }
}

fn demo_customer(users: &[app::ssr::store::accounts::UserRecord]) -> UserSummary {
    users
        .iter()
        .find(|user| user.summary.email == "carla@acme.example")
        .expect("the demo's customer")
        .summary
        .clone()
}

async fn open_ticket(store: &Store, customer: &UserSummary, subject: &str) -> i64 {
    let created = commands::open(
        &NewTicket {
            subject: subject.into(),
            description: "The nightly export fails with a timeout.".into(),
            category_id: None,
            priority: Priority::Normal,
        },
        Channel::Portal,
    );
    let organisation = customer.organisation_id.expect("a customer's organisation");
    store
        .create_ticket(customer.id, organisation, customer.id, created, Utc::now())
        .await
        .expect("ticket opened")
        .ticket
        .id
}

/// An internal note through the write path; gives the ids of the events it appended.
async fn note(store: &Store, ticket_id: i64, author: &UserSummary, body: &str) -> Vec<i64> {
    store
        .append(ticket_id, author, None, Utc::now(), |t| {
            commands::write_message(t, author.role, Visibility::Internal, body)
        })
        .await
        .expect("note appended")
        .events
        .iter()
        .map(|event| event.id)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 client: enough for a form POST and a chunked event stream
// ---------------------------------------------------------------------------------------------

struct Response {
    status: u16,
    /// Names in lower case.
    headers: Vec<(String, String)>,
    body: BufReader<TcpStream>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// Sends `request` on a new connection and reads the status line and headers.
async fn send(address: SocketAddr, request: &str) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(address).await?;
    stream.set_nodelay(true)?;
    stream.write_all(request.as_bytes()).await?;
    let mut body = BufReader::new(stream);
    let mut line = String::new();
    body.read_line(&mut line).await?;
    let status = line.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let mut headers = Vec::new();
    loop {
        line.clear();
        if body.read_line(&mut line).await? == 0 || line.trim_end().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    Ok(Response { status, headers, body })
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// Signs in through the sign-in form, as the browser does, and gives the session cookie.
async fn sign_in(address: SocketAddr, email: &str) -> String {
    let form = format!("email={}&password={}", urlencode(email), urlencode(server::demo::DEMO_PASSWORD));
    let request = format!(
        "POST /api/session/login HTTP/1.1\r\nHost: {address}\r\nOrigin: http://{address}\r\n\
         Sec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Accept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{form}",
        form.len()
    );
    let response = send(address, &request).await.expect("the sign-in request is answered");
    response
        .headers
        .iter()
        .filter(|(name, _)| name == "set-cookie")
        .filter_map(|(_, value)| value.split(';').next())
        .find(|cookie| cookie.starts_with(&format!("{SESSION_COOKIE}=")) && !cookie.ends_with('='))
        .map(str::to_string)
        .unwrap_or_else(|| panic!("{email} could not sign in: HTTP {}", response.status))
}

/// Opens `/live` and gives the connection positioned at the start of the chunked body.
async fn open_stream(address: SocketAddr, cookie: &str) -> std::io::Result<BufReader<TcpStream>> {
    let request = format!(
        "GET /live HTTP/1.1\r\nHost: {address}\r\nCookie: {cookie}\r\nAccept: text/event-stream\r\n\r\n"
    );
    let response = send(address, &request).await?;
    if response.status != 200 {
        return Err(std::io::Error::other(format!("/live answered HTTP {}", response.status)));
    }
    if response.header("transfer-encoding") != Some("chunked") {
        return Err(std::io::Error::other(format!("/live is not chunked: {:?}", response.headers)));
    }
    Ok(response.body)
}

/// What one stream read: each ticket event's id with the instant it was read, and how many times
/// the server told it to reload because it fell behind.
#[derive(Default)]
struct Reading {
    events: Vec<(i64, Instant)>,
    resets: usize,
    error: Option<String>,
}

/// Reads events until the server ends the stream.
async fn read_stream(mut body: BufReader<TcpStream>, received: Arc<AtomicUsize>) -> Reading {
    let mut reading = Reading::default();
    let mut pending = String::new();
    loop {
        let chunk = match next_chunk(&mut body).await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(error) => {
                reading.error = Some(error.to_string());
                break;
            }
        };
        let read = Instant::now();
        pending.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = pending.find("\n\n") {
            let block: String = pending.drain(..end + 2).collect();
            let mut kind = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event:") {
                    kind = Some(value.trim().to_string());
                } else if let Some(value) = line.strip_prefix("data:") {
                    data = Some(value.trim().to_string());
                }
            }
            match kind.as_deref() {
                Some("ticket") => {
                    let id = data
                        .and_then(|data| serde_json::from_str::<serde_json::Value>(&data).ok())
                        .and_then(|change| change["id"].as_i64());
                    if let Some(id) = id {
                        reading.events.push((id, read));
                        received.fetch_add(1, Ordering::Relaxed);
                    }
                }
                Some("reset") => reading.resets += 1,
                _ => {}
            }
        }
    }
    reading
}

/// One chunk of a `Transfer-Encoding: chunked` body, or `None` at its end.
async fn next_chunk(body: &mut BufReader<TcpStream>) -> std::io::Result<Option<Vec<u8>>> {
    let mut line = String::new();
    if body.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let size = line.trim().split(';').next().unwrap_or_default();
    let size = usize::from_str_radix(size, 16)
        .map_err(|_| std::io::Error::other(format!("not a chunk size: {line:?}")))?;
    if size == 0 {
        return Ok(None);
    }
    let mut chunk = vec![0; size + 2];
    body.read_exact(&mut chunk).await?;
    chunk.truncate(size);
    Ok(Some(chunk))
}

// ---------------------------------------------------------------------------------------------
// Delivery throughput
// ---------------------------------------------------------------------------------------------

/// Records the `Tierline-Delivery` key of every request it answers.
async fn start_receiver() -> (Arc<Mutex<Vec<String>>>, SocketAddr) {
    let keys = Arc::new(Mutex::new(Vec::new()));
    let recorded = keys.clone();
    // The body is read (and dropped) so the sender's connection stays open for the next post.
    let app = axum::Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, _body: Bytes| {
            let recorded = recorded.clone();
            async move {
                let key = headers.get(render::ID_HEADER).and_then(|value| value.to_str().ok());
                recorded.lock().expect("lock").push(key.unwrap_or_default().to_string());
                StatusCode::OK
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (keys, address)
}

async fn delivery_throughput(store: &Store, options: &Options) {
    let users = store.users().await.expect("users");
    let admin = users.iter().find(|user| user.summary.role.may_configure()).expect("admin");
    store.save_policy_version(POLICY, admin.summary.id, "live benchmark", Utc::now()).await.expect("policy");
    // What the demo and the live measurement wrote to the outbox is not part of this one.
    sqlx::query("UPDATE outbox SET processed_at = 0 WHERE processed_at IS NULL")
        .execute(store.pool())
        .await
        .expect("outbox");
    let (keys, address) = start_receiver().await;
    let settings = Settings {
        webhooks: BTreeMap::from([(
            "status-page".to_string(),
            WebhookSettings {
                url: format!("http://{address}/hook"),
                format: server::config::WebhookFormat::Json,
                secret: WEBHOOK_SECRET.into(),
            },
        )]),
        ..Settings::default()
    };
    let channels = Channels::from_settings(&settings).expect("channels");
    let notifier = Notifier::new(store.clone(), "http://127.0.0.1:3000");
    let sender = Sender::new(store.clone(), channels, support::survey_links(), chrono::Duration::seconds(60));

    let customer = demo_customer(&users);
    let count = options.deliveries;
    let started = Instant::now();
    for n in 0..count {
        open_ticket(store, &customer, &format!("Delivery benchmark {n}")).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "deliveries: {count} tickets opened in {seconds:.2} s ({:.0} tickets/s)",
        count as f64 / seconds
    );

    let now = Utc::now();
    let started = Instant::now();
    let planned = notifier.tick(now).await.expect("notifier");
    let planning = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let sent = sender.tick(now).await.expect("sender");
    let sending = started.elapsed().as_secs_f64();
    println!(
        "notifier tick: {} outbox rows → {} deliveries in {planning:.2} s: {:.0} deliveries/s",
        planned.rows,
        planned.deliveries,
        planned.deliveries as f64 / planning
    );
    println!(
        "sender tick: {} sent, {} retried, {} failed in {sending:.2} s: {:.0} deliveries/s",
        sent.sent,
        sent.retried,
        sent.failed,
        sent.sent as f64 / sending
    );
    let keys = keys.lock().expect("lock").clone();
    let distinct: HashSet<&String> = keys.iter().filter(|key| !key.is_empty()).collect();
    let exact = planned.deliveries == count && keys.len() == count && distinct.len() == count;
    println!(
        "receiver: {} requests, {} distinct Tierline-Delivery keys (expected exactly {count}): {}",
        keys.len(),
        distinct.len(),
        if exact { "ok" } else { "MISMATCH" }
    );
}
