//! Dashboard and queue benchmark: a help desk's history — `--tickets` tickets over two years,
//! `--open` of them still open and spread over the tiers, levels and agents, with the events,
//! breaches and clock alerts the engine would have written (`--history steady`, the default:
//! tickets come at an even pace and the open ones are a backlog of the last 146 days; `burst`:
//! the open ones all came in the last two weeks, five times the pace) — and then, timed over repeated
//! runs: the whole dashboard of a manager (every figure, the charts' per-day counts, the riskiest
//! tickets), each of its queries alone, the queue's first page, a drill-down and a text search.
//!
//! Then, with `--dashboards N`, live updates of open dashboards: the real server on a loopback
//! port, N managers' dashboards each following `/live` and fetching the dashboard again when a
//! ticket changes (coalescing changes that arrive during a fetch, as the page's resource does),
//! while `--changes` new tickets are committed `--interval-ms` apart. The figure for each
//! (dashboard, change) is the time from the commit to the moment that dashboard has a response
//! whose "Opened" figure counts the new ticket.
//!
//!     cargo bench -p server --bench dashboard -- [--tickets N] [--open N] [--runs N] [--database URL]
//!                                                [--history steady|burst]
//!                                                [--dashboards N] [--changes N] [--interval-ms N]
//!
//! Defaults: 10,000 tickets, 1,000 open, 20 runs, a fresh SQLite file, no live part (20 changes
//! 1,000 ms apart when asked for). Results go in BENCHMARKS.md with the machine and the date.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Instant;

use app::domain::queue::{Happening, RiskFilter, TicketFilter, TicketSort};
use app::domain::ticket::{Assignment, ClockKind};
use app::domain::tracking::{ClockAlerts, ClockStanding};
use app::domain::{EventData, Priority, TicketStatus};
use app::server_fns::dashboard::{server::dashboard, DashboardQuery};
use app::ssr::store::lists::CountBy;
use app::ssr::Store;
use chrono::{DateTime, Duration, Utc};

/// The value after `--name` on the command line, if given.
fn argument(name: &str) -> Option<String> {
    let arguments: Vec<String> = std::env::args().collect();
    arguments.windows(2).find(|pair| pair[0] == name).map(|pair| pair[1].clone())
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// What the generated tickets are about: a subject is a device, a number and a problem, so a
/// two-word search (a device and a problem) matches about one ticket in 850.
const DEVICES: &[&str] = &[
    "printer",
    "scanner",
    "laptop",
    "router",
    "tablet",
    "headset",
    "monitor",
    "badge",
    "forklift",
    "terminal",
    "camera",
    "switch",
    "firewall",
    "phone",
    "dock",
    "keyboard",
    "projector",
    "kiosk",
    "server",
    "mailbox",
    "calendar",
    "invoice",
    "report",
    "export",
    "webhook",
    "token",
    "password",
    "account",
    "license",
    "backup",
    "database",
    "dashboard",
    "portal",
    "app",
    "label",
    "sensor",
    "gateway",
];
const PROBLEMS: &[&str] = &[
    "jams on the third tray",
    "firmware update fails",
    "does not start",
    "drops the connection",
    "shows the wrong time",
    "is very slow",
    "rejects the password",
    "lost its settings",
    "beeps constantly",
    "needs a replacement",
    "crashes when opened",
    "cannot be found",
    "sends duplicates",
    "times out",
    "prints blank pages",
    "overheats in the afternoon",
    "shows error E-204",
    "is locked",
    "misses rows",
    "charges twice",
    "signature invalid",
    "freezes at start-up",
    "shows another user's data",
];

/// p50 and p95 of `runs` timings of `work`, in milliseconds.
async fn timed<F, T>(runs: usize, mut work: impl FnMut() -> F) -> (f64, f64)
where
    F: std::future::Future<Output = T>,
{
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        std::hint::black_box(work().await);
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
    (at(0.5), at(0.95))
}

/// Writes the history with plain multi-row INSERTs, the rows the write path and the engine would
/// have written: the write path's per-ticket transactions would take hours for a million.
async fn load_history(store: &Store, tickets: usize, open: usize, burst: bool, now: DateTime<Utc>) {
    let users = store.users().await.expect("users");
    let requester = users.iter().find(|u| u.summary.organisation_id.is_some()).expect("a customer");
    let organisation = requester.summary.organisation_id.expect("organisation");
    let directory = store.directory().await.expect("directory");
    let agents: Vec<i64> = directory.agents.iter().map(|(id, _)| *id).collect();
    let tiers: Vec<i64> = directory.tiers.iter().map(|tier| tier.id).collect();
    let span = Duration::days(730).num_milliseconds();
    let first_open = tickets - open;
    for chunk_start in (0..tickets).step_by(500) {
        let mut rows = Vec::new();
        let mut events = Vec::new();
        let mut breaches = Vec::new();
        let mut search = Vec::new();
        let mut holds = Vec::new();
        for n in chunk_start..tickets.min(chunk_start + 500) {
            let id = 1_000_000 + n as i64;
            let is_open = n >= first_open;
            // Closed tickets fill two years; open ones the last 146 days among them (as many as
            // the closed ones would bring in that time at their pace), or the last two weeks.
            let backlog = Duration::days(if burst { 14 } else { 146 }).num_milliseconds();
            let created = if is_open {
                now.timestamp_millis() - backlog * (tickets - n) as i64 / open as i64
            } else if burst {
                now.timestamp_millis() - span + span * n as i64 / tickets as i64
            } else {
                // Resolved a day after they came, by now.
                let until_resolved = span - Duration::days(1).num_milliseconds();
                now.timestamp_millis() - span + until_resolved * (n + 1) as i64 / first_open as i64
            };
            let level = [1, 1, 1, 1, 2, 2, 3][n % 7] as i64;
            let tier = tiers[(level as usize - 1).min(tiers.len() - 1)];
            let assignee = agents[n % agents.len()];
            let status = if is_open { ["open", "new", "pending"][n % 3] } else { "closed" };
            let replied = created + 3_600_000;
            let resolved = if is_open { "NULL".to_string() } else { (created + 86_400_000).to_string() };
            let subject = format!("{} {n} {}", DEVICES[n % DEVICES.len()], PROBLEMS[n % PROBLEMS.len()]);
            // The search row the write path makes: subject, description and the public reply.
            let text = quote(&format!("{subject}\nGenerated.\nWe are on it."));
            search.push(match store.backend() {
                app::ssr::store::Backend::Sqlite => format!("({id}, {text}, '')"),
                app::ssr::store::Backend::Postgres => {
                    format!("({id}, to_tsvector('simple', {text}), to_tsvector('simple', ''))")
                }
            });
            // One open ticket in ten overdue, one in ten at risk; pending ones' clocks paused.
            let (at_risk, breached) = match n % 10 {
                0 => (now.timestamp_millis() - 7_200_000, now.timestamp_millis() - 3_600_000),
                1 => (now.timestamp_millis() - 600_000, now.timestamp_millis() + 3_600_000),
                _ => (now.timestamp_millis() + 3_600_000, now.timestamp_millis() + 7_200_000 + n as i64),
            };
            let next_breach =
                if matches!(status, "new" | "open") { breached.to_string() } else { "NULL".into() };
            // How the engine would have stored its resolution clock's standing now.
            let alerts = if is_open {
                let standing = ClockStanding {
                    kind: ClockKind::Resolution,
                    at_risk_from: DateTime::from_timestamp_millis(at_risk),
                    breached_from: DateTime::from_timestamp_millis(breached),
                };
                ClockAlerts::at(&[standing], now).bits()
            } else {
                0
            };
            rows.push(format!(
                "({id}, {}, 'Generated.', {}, {organisation}, NULL, {}, 'portal', '{status}', {tier}, NULL, {assignee}, '', 3, 0, 3, {created}, {created}, {level}, {created}, {replied}, {resolved}, {next_breach}, {alerts})",
                quote(&subject),
                requester.summary.id,
                quote(Priority::ALL[n % 4].as_str()),
            ));
            // Held by no tier until routed a minute after opening, then by its tier until closed.
            let routed = created + 60_000;
            holds.push(format!("({id}, NULL, {created}, {routed})"));
            holds.push(format!("({id}, {tier}, {routed}, {resolved})"));
            let escalated = EventData::Escalated {
                from: Assignment::default(),
                to: Assignment { tier_id: Some(tier), group_id: None, assignee_id: None },
                level: Some(level),
                handoff: None,
                reason: "Routed".into(),
            };
            let reply = EventData::PublicReply { body: "We are on it.".into() };
            let done = EventData::StatusChanged { from: TicketStatus::Open, to: TicketStatus::Closed };
            for (sequence, (data, at)) in
                [(escalated, created + 60_000), (reply, replied), (done, created + 86_400_000)]
                    .iter()
                    .enumerate()
            {
                if is_open && sequence == 2 {
                    continue;
                }
                let json = serde_json::to_string(data).expect("event JSON");
                events.push(format!(
                    "({id}, {}, {}, 'internal', NULL, {}, 3, {at})",
                    sequence + 1,
                    quote(data.kind()),
                    quote(&json)
                ));
            }
            if n % 10 == 0 {
                breaches.push(format!(
                    "({id}, 'resolution', 1, 'breach', {}, {}, 0, 0)",
                    created + 43_200_000,
                    created + 43_200_000
                ));
            }
        }
        let search_insert = match store.backend() {
            app::ssr::store::Backend::Sqlite => {
                "INSERT INTO ticket_search (rowid, public_text, internal_text) VALUES "
            }
            app::ssr::store::Backend::Postgres => {
                "INSERT INTO ticket_search (ticket_id, public_text, internal_text) VALUES "
            }
        };
        let mut write = store.begin_write().await.expect("transaction");
        for (sql, values) in [
            ("INSERT INTO tickets (id, subject, description, requester_id, organisation_id, category_id, priority, channel, status, tier_id, group_id, assignee_id, tags, version, reopen_count, last_sequence, created_at, updated_at, escalation_level, level_since, first_replied_at, resolved_at, next_breach_at, clock_alerts) VALUES ", &rows),
            ("INSERT INTO ticket_events (ticket_id, sequence, kind, visibility, actor_id, data, version_after, at) VALUES ", &events),
            ("INSERT INTO fired_thresholds (ticket_id, clock, cycle, threshold, due_at, fired_at, late, overtaken) VALUES ", &breaches),
            (search_insert, &search),
            ("INSERT INTO ticket_holds (ticket_id, tier_id, from_at, until_at) VALUES ", &holds),
        ] {
            if !values.is_empty() {
                sqlx::query(&format!("{sql}{}", values.join(", ")))
                    .execute(&mut *write.tx)
                    .await
                    .expect("bulk insert");
            }
        }
        write.commit().await.expect("commit");
    }
}

#[tokio::main]
async fn main() {
    let tickets: usize =
        argument("--tickets").map_or(10_000, |n| n.parse().expect("--tickets takes a number"));
    let open: usize = argument("--open").map_or(tickets / 10, |n| n.parse().expect("--open takes a number"));
    let runs: usize = argument("--runs").map_or(20, |n| n.parse().expect("--runs takes a number"));
    let url = argument("--database").unwrap_or_else(|| {
        let file = std::env::temp_dir().join(format!("tierline-dashboard-bench-{}.db", std::process::id()));
        format!("sqlite:{}", file.display())
    });
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let now = Utc::now();
    server::demo::load(&store, now - Duration::days(30)).await.expect("demo");
    let started = Instant::now();
    let burst = match argument("--history").as_deref() {
        None | Some("steady") => false,
        Some("burst") => true,
        Some(other) => panic!("--history takes steady or burst, not {other}"),
    };
    load_history(&store, tickets, open, burst, now).await;
    println!("loaded {tickets} tickets ({open} open) in {:.1} s", started.elapsed().as_secs_f64());
    // The running server sums the tally up within a minute of a change.
    store.compact_open_ticket_tally().await.expect("the tally summed up");
    let settle: &[&str] = match store.backend() {
        app::ssr::store::Backend::Postgres => &["VACUUM ANALYZE", "CHECKPOINT"],
        app::ssr::store::Backend::Sqlite => &["ANALYZE", "PRAGMA wal_checkpoint(TRUNCATE)"],
    };
    for statement in settle {
        sqlx::query(statement).execute(store.pool()).await.expect("settle after loading");
    }

    let manager = store
        .users()
        .await
        .expect("users")
        .into_iter()
        .map(|user| user.summary)
        .find(|user| user.email == "maria.manager@tierline.example")
        .expect("the demo's manager");
    let query = DashboardQuery { period: "7d".into(), ..DashboardQuery::default() };
    let (p50, p95) = timed(runs, || dashboard(&store, &manager, query.clone(), now)).await;
    println!("dashboard (7 days, every tier): p50 {p50:.1} ms, p95 {p95:.1} ms");
    let month = DashboardQuery { period: "30d".into(), ..DashboardQuery::default() };
    let (p50, p95) = timed(runs, || dashboard(&store, &manager, month.clone(), now)).await;
    println!("dashboard (30 days, every tier): p50 {p50:.1} ms, p95 {p95:.1} ms");

    // Each of the dashboard's queries alone (7 days), slowest first.
    let board = dashboard(&store, &manager, query, now).await.expect("a dashboard");
    let zone = store.time_zone().await.expect("zone");
    let filter = |drill: &app::server_fns::tickets::TicketQuery| {
        app::server_fns::tickets::server::filter_for(&manager, drill, zone, now).expect("filter")
    };
    let mut parts: Vec<(String, f64)> = Vec::new();
    let all =
        board.open_by_tier.iter().chain(&board.open_by_level).chain(&board.flow).chain(&board.attention);
    for figure in all {
        let filter = filter(&figure.drill);
        let (_, p95) = timed(runs, || store.count_matching(&filter)).await;
        parts.push((format!("figure \"{}\" alone", figure.label), p95));
    }
    let every_status =
        filter(&app::server_fns::tickets::TicketQuery { status: "all".into(), ..Default::default() });
    let active =
        filter(&app::server_fns::tickets::TicketQuery { status: "active".into(), ..Default::default() });
    let period = |days: i64| app::domain::period::Span { from: now - Duration::days(days), until: now };
    let days: Vec<app::domain::period::Span> = (0..7)
        .rev()
        .map(|back| app::domain::period::Span {
            from: now - Duration::days(back + 1),
            until: now - Duration::days(back),
        })
        .collect();
    let mut spans = vec![
        period(7),
        app::domain::period::Span { from: now - Duration::days(14), until: now - Duration::days(7) },
    ];
    spans.extend(days.iter().copied());
    for happening in [
        Happening::Opened,
        Happening::Resolved,
        Happening::Escalated,
        Happening::EscalatedByHand,
        Happening::EscalatedAutomatically,
        Happening::MissedCheckpoint,
    ] {
        let (_, p95) = timed(runs, || store.count_matching_per_span(&every_status, happening, &spans)).await;
        parts.push((format!("{} per span", happening.as_str()), p95));
    }
    for happening in [Happening::Answered, Happening::Resolved] {
        let measured = TicketFilter { happened: Some((happening, period(7))), ..every_status.clone() };
        let (_, p95) = timed(runs, || store.times_to(&measured, happening)).await;
        parts.push((format!("times to {}", happening.as_str()), p95));
    }
    let (_, p95) = timed(runs, || store.breaches_per_span(&every_status, &days)).await;
    parts.push(("breaches per day".into(), p95));
    let now_active = TicketFilter { as_of: Some(now), ..active.clone() };
    let (_, p95) = timed(runs, || store.risk_counts(&now_active)).await;
    parts.push(("at risk and overdue, per kind and per agent".into(), p95));
    let (_, p95) = timed(runs, || store.count_matching_by(&active, CountBy::Assignee)).await;
    parts.push(("agents' load, open".into(), p95));
    let riskiest = TicketFilter { sort: TicketSort::BreachesFirst, page: 1, per_page: 10, ..active.clone() };
    let (_, p95) = timed(runs, || store.list_tickets(&riskiest)).await;
    parts.push(("riskiest tickets".into(), p95));
    parts.sort_by(|a, b| b.1.total_cmp(&a.1));
    for (label, p95) in &parts {
        println!("{label}: p95 {p95:.2} ms");
    }
    // The chart of open tickets per tier at the end of each day, over 7 and 30 days.
    let everything = TicketFilter::default();
    for days in [7, 30] {
        let ends: Vec<DateTime<Utc>> = (0..days).rev().map(|back| now - Duration::days(back)).collect();
        let (p50, p95) = timed(runs, || store.held_per_tier_before(&everything, &ends)).await;
        println!("open per tier at the end of each of {days} days: p50 {p50:.1} ms, p95 {p95:.1} ms");
    }

    let page = |filter: TicketFilter| TicketFilter { page: 1, per_page: 25, ..filter };
    let active: Vec<TicketStatus> =
        TicketStatus::ALL.iter().copied().filter(|status| !status.is_done()).collect();
    let queue = page(TicketFilter {
        statuses: active.clone(),
        sort: TicketSort::BreachesFirst,
        ..TicketFilter::default()
    });
    let (p50, p95) = timed(runs, || store.list_tickets(&queue)).await;
    println!("queue, first page (active, breaches first): p50 {p50:.1} ms, p95 {p95:.1} ms");
    let drill = page(TicketFilter {
        statuses: active,
        risk: Some(RiskFilter::Breached),
        as_of: Some(now),
        ..TicketFilter::default()
    });
    let (p50, p95) = timed(runs, || store.list_tickets(&drill)).await;
    println!("drill-down (overdue now): p50 {p50:.1} ms, p95 {p95:.1} ms");
    for words in ["scanner firmware", "printer"] {
        let search = page(TicketFilter {
            text: Some(words.into()),
            search_notes: true,
            sort: TicketSort::Relevance,
            ..TicketFilter::default()
        });
        let found = store.list_tickets(&search).await.expect("search").total;
        let (p50, p95) = timed(runs, || store.list_tickets(&search)).await;
        println!(
            "text search (\"{words}\", every status, best match first, {found} found): p50 {p50:.1} ms, p95 {p95:.1} ms"
        );
    }

    if let Some(dashboards) = argument("--dashboards") {
        let dashboards = dashboards.parse().expect("--dashboards takes a number");
        let changes = argument("--changes").map_or(20, |n| n.parse().expect("--changes takes a number"));
        let interval =
            argument("--interval-ms").map_or(1_000, |n| n.parse().expect("--interval-ms takes a number"));
        live_dashboards(&store, &url, dashboards, changes, std::time::Duration::from_millis(interval)).await;
    }
}

/// What one dashboard saw: each answer's "Opened" figure with the instant it arrived.
type Seen = Arc<Mutex<Vec<(i64, Instant)>>>;

/// The "Opened" figure of a dashboard answer (the server function's JSON).
fn opened(dashboard: &serde_json::Value) -> Option<i64> {
    dashboard["flow"].as_array()?.iter().find(|figure| figure["label"] == "Opened")?["value"].as_i64()
}

/// Signs in through the sign-in server function and gives the session cookie.
async fn sign_in(http: &reqwest::Client, base: &str, email: &str) -> String {
    let response = http
        .post(format!("{base}/api/session/login"))
        .header("origin", base)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .body(format!("email={}&password={}", email.replace('@', "%40"), server::demo::DEMO_PASSWORD))
        .send()
        .await
        .expect("sign-in answered");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok()?.split(';').next().map(str::to_string))
        .find(|cookie| cookie.starts_with(app::ssr::auth::SESSION_COOKIE) && !cookie.ends_with('='))
        .unwrap_or_else(|| panic!("{email} could not sign in"))
}

/// One open dashboard: follows `/live` and fetches the dashboard after each ticket change,
/// recording each answer's "Opened" figure with the instant it arrived.
async fn follow(http: reqwest::Client, base: String, cookie: String, seen: Seen) {
    let changed = Arc::new(tokio::sync::Notify::new());
    let fetcher = tokio::spawn({
        let (http, base, cookie, changed) = (http.clone(), base.clone(), cookie.clone(), changed.clone());
        async move {
            loop {
                // A permit stored while a fetch ran makes one more fetch: changes coalesce.
                changed.notified().await;
                let Ok(response) = http
                    .post(format!("{base}/api/dashboard"))
                    .header("origin", &base)
                    .header("sec-fetch-site", "same-origin")
                    .header("cookie", &cookie)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("accept", "application/json")
                    .body("query[period]=7d")
                    .send()
                    .await
                else {
                    continue;
                };
                let Ok(text) = response.text().await else { continue };
                let arrived = Instant::now();
                if let Some(value) = serde_json::from_str(&text).ok().as_ref().and_then(opened) {
                    seen.lock().expect("seen").push((value, arrived));
                }
            }
        }
    });
    let stream = http
        .get(format!("{base}/live"))
        .header("cookie", &cookie)
        .header("accept", "text/event-stream")
        .send()
        .await;
    if let Ok(mut stream) = stream {
        while let Ok(Some(chunk)) = stream.chunk().await {
            if String::from_utf8_lossy(&chunk).contains("event: ticket") {
                changed.notify_one();
            }
        }
    }
    fetcher.abort();
}

async fn live_dashboards(
    store: &Store,
    url: &str,
    dashboards: usize,
    changes: usize,
    interval: std::time::Duration,
) {
    // With PostgreSQL, changes reach the hub through LISTEN/NOTIFY, as between instances; the
    // listener is given a moment to listen. With SQLite this returns at once.
    let listening = tokio::spawn(store.clone().listen_for_changes(url.to_string()));
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let serving = support::Serving::start(store).await;
    let base = format!("http://{}", serving.address);
    let http = reqwest::Client::builder().pool_max_idle_per_host(dashboards).build().expect("client");
    let mut cookies = Vec::new();
    for email in ["maria.manager@tierline.example", "admin@tierline.example"] {
        cookies.push(sign_in(&http, &base, email).await);
    }
    let users = store.users().await.expect("users");
    let customer =
        users.iter().find(|u| u.summary.email == "carla@acme.example").expect("a customer").summary.clone();
    let manager = users
        .iter()
        .find(|u| u.summary.email == "maria.manager@tierline.example")
        .expect("manager")
        .summary
        .clone();
    let query = DashboardQuery { period: "7d".into(), ..DashboardQuery::default() };
    let before = dashboard(store, &manager, query, Utc::now()).await.expect("a dashboard");
    let first = before.flow.iter().find(|figure| figure.label == "Opened").expect("an Opened figure").value;

    let seen: Vec<Seen> = (0..dashboards).map(|_| Arc::default()).collect();
    let followers: Vec<_> = seen
        .iter()
        .enumerate()
        .map(|(n, seen)| {
            tokio::spawn(follow(http.clone(), base.clone(), cookies[n % cookies.len()].clone(), seen.clone()))
        })
        .collect();
    let deadline = Instant::now() + std::time::Duration::from_secs(60);
    while store.live().streams() < dashboards && Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    println!(
        "live: {} dashboards following /live ({} streams on the hub)",
        dashboards,
        store.live().streams()
    );

    let mut commits = Vec::with_capacity(changes);
    let schedule = tokio::time::Instant::now();
    for n in 0..changes {
        tokio::time::sleep_until(schedule + interval * n as u32).await;
        let created = app::domain::commands::open(
            &app::domain::commands::NewTicket {
                subject: format!("Live dashboard benchmark {n}"),
                description: "A new ticket the dashboards count.".into(),
                category_id: None,
                priority: Priority::Normal,
            },
            app::domain::Channel::Portal,
        );
        let organisation = customer.organisation_id.expect("organisation");
        store.create_ticket(customer.id, organisation, customer.id, created, Utc::now()).await.expect("open");
        commits.push((first + n as i64 + 1, Instant::now()));
    }
    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
    for follower in followers {
        follower.abort();
    }
    serving.stop().await;
    listening.abort();

    let mut latencies = Vec::new();
    let mut missed = 0;
    for seen in &seen {
        let seen = seen.lock().expect("seen");
        for (expected, committed) in &commits {
            match seen.iter().find(|(value, _)| value >= expected) {
                Some((_, arrived)) => latencies.push(arrived.saturating_duration_since(*committed)),
                None => missed += 1,
            }
        }
    }
    latencies.sort_unstable();
    let at = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3;
    if latencies.is_empty() {
        println!("no dashboard saw a change; missed {missed}");
    } else {
        println!(
            "commit → figure on {dashboards} dashboards, {changes} changes {} ms apart: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; missed {missed}",
            interval.as_millis(),
            at(0.5),
            at(0.99),
            at(1.0),
        );
    }
}
