//! Real `tierline` server processes: killed with SIGKILL in the middle of their work and started
//! again, and two of them sharing one PostgreSQL database. What must hold: an overdue threshold
//! fires once after a restart, marked late; every notification arrives, a repeat only ever
//! carrying the idempotency key of an earlier delivery; a change made through one instance
//! reaches a browser stream connected to the other; the survey link a server e-mails works once.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::{Child, Command};
use std::sync::atomic::Ordering;

use app::domain::delivery::DeliveryStatus;
use app::domain::EventData;
use app::ssr::Store;
use chrono::Utc;
use server::notifications::render;

use crate::common::{fresh_database_url, user_by_email, Backend};
use crate::receivers::{free_port, Receiver, SmtpServer};

crate::on_both_backends!(
    an_overdue_threshold_fires_once_after_a_kill_and_a_restart_marked_late,
    every_notification_arrives_after_a_kill_in_the_middle_of_a_batch,
    a_plain_serve_on_an_empty_database_loads_no_demo_and_says_how_to_create_an_admin,
    the_survey_link_a_server_emails_works_once,
);

/// L1 may hold a ticket two seconds, around the clock; creations and escalations go to a fixed
/// address by e-mail and to the status-page webhook.
const FAST_POLICY: &str = r#"name = "Fast ladder for the process tests"
calendar = "Around the clock"

[[targets]]
first_response = "1h"
next_response = "2h"
resolution = "8h"

[[ladder]]
holder = "L1 Service Desk"
budget = "2s"
on_breach = ["next_level"]

[[ladder]]
holder = "L2 Specialists"
budget = "8h"

[[notify]]
events = ["created", "escalated"]
to = ["email:ops@example.com"]
channels = ["email", "webhook:status-page"]
"#;

const WEBHOOK_SECRET: &str = "process-test-secret";

/// One `tierline serve` process with its own working folder and settings file; killed (SIGKILL)
/// when dropped.
struct ServerProcess {
    child: Child,
    base: String,
    folder: PathBuf,
}

impl ServerProcess {
    async fn start(database_url: &str, settings: &str) -> ServerProcess {
        let port = free_port();
        let folder = std::env::temp_dir().join(format!("tierline-process-{:016x}", rand::random::<u64>()));
        std::fs::create_dir_all(&folder).expect("folder");
        std::fs::write(folder.join("tierline.toml"), settings).expect("settings file");
        let log = std::fs::File::create(folder.join("server.log")).expect("log file");
        let output = std::fs::File::create(folder.join("stdout.txt")).expect("output file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_tierline"));
        // With PostgreSQL the survey link key must be configured; with SQLite the server keeps
        // one in a file beside the database.
        if database_url.starts_with("postgres") {
            command.env("TIERLINE_LINK_KEY", crate::common::TEST_LINK_KEY);
        }
        let server = ServerProcess {
            child: command
                .arg("serve")
                .current_dir(&folder)
                .env("DATABASE_URL", database_url)
                .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
                .env("RUST_LOG", "warn")
                .stdout(output)
                .stderr(log)
                .spawn()
                .expect("the tierline binary starts"),
            base: format!("http://127.0.0.1:{port}"),
            folder,
        };
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(response) = client.get(format!("{}/readyz", server.base)).send().await {
                if response.status().is_success() {
                    return server;
                }
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the server did not get ready; its log:\n{}", server.log());
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.folder.join("server.log")).unwrap_or_default()
    }

    /// What the process printed for its operator.
    fn output(&self) -> String {
        std::fs::read_to_string(self.folder.join("stdout.txt")).unwrap_or_default()
    }

    /// SIGKILL: no shutdown, no flushing, nothing the process could do about it.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// The demo's people share a published password: a server loads them only when asked, and
/// otherwise tells its operator how to create the first admin.
async fn a_plain_serve_on_an_empty_database_loads_no_demo_and_says_how_to_create_an_admin(backend: Backend) {
    let url = fresh_database_url(backend).await;
    let plain = ServerProcess::start(&url, "").await;
    let store = Store::connect(&url).await.expect("connect");
    assert_eq!(store.count_users().await.expect("count"), 0, "no demo people");
    assert!(plain.output().contains("tierline user create"), "{}", plain.output());
    assert!(plain.output().contains("metrics_token is not set"), "{}", plain.output());
    drop(plain);
    let asked = ServerProcess::start(&url, "demo_on_first_start = true\n").await;
    assert!(store.count_users().await.expect("count") > 0, "the demo, when asked for");
    assert!(asked.output().contains("tierline-demo"), "{}", asked.output());
}

/// The settings file of a process: no demo, quick lease, the given receivers.
fn settings(smtp_port: u16, receiver: std::net::SocketAddr) -> String {
    format!(
        r#"demo_on_first_start = false
delivery_lease_seconds = 2

[smtp]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
from = "Tierline <tierline@helpdesk.example>"

[webhooks.status-page]
url = "http://{receiver}/hook"
secret = "{WEBHOOK_SECRET}"
"#
    )
}

/// A database with the demo loaded and `policy` in force.
async fn prepared_database(backend: Backend, policy: &str) -> (String, Store) {
    let url = fresh_database_url(backend).await;
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    server::demo::load(&store, Utc::now()).await.expect("demo");
    let admin = user_by_email(&store, "admin@tierline.example").await;
    store.save_policy_version(policy, admin.id, "process test", Utc::now()).await.expect("policy");
    // What loading the demo wrote to the outbox is not under test here.
    sqlx::query("UPDATE outbox SET processed_at = 0 WHERE processed_at IS NULL")
        .execute(store.pool())
        .await
        .expect("outbox");
    (url, store)
}

/// Waits (generously) until `check` holds.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if check().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

async fn escalations_to(store: &Store, ticket_id: i64, level: i64) -> usize {
    store
        .timeline(ticket_id, true)
        .await
        .expect("timeline")
        .into_iter()
        .filter(|entry| matches!(entry.event.data, EventData::Escalated { level: Some(l), .. } if l == level))
        .count()
}

async fn an_overdue_threshold_fires_once_after_a_kill_and_a_restart_marked_late(backend: Backend) {
    let (url, store) = prepared_database(backend, FAST_POLICY).await;
    let smtp = SmtpServer::start().await;
    let (_receiver, address) = Receiver::start().await;
    let settings = settings(smtp.port, address);
    let id = crate::common::carla_opens(&store, "Killed while holding it").await;

    let mut first = ServerProcess::start(&url, &settings).await;
    eventually("the engine routes the ticket to L1", || async {
        store.ticket(id).await.expect("ticket").expect("exists").assignment.tier_id.is_some()
    })
    .await;
    first.kill();
    // L1's two seconds run out while no server runs, and then some: the firing will be late.
    tokio::time::sleep(std::time::Duration::from_secs(8)).await;
    assert_eq!(escalations_to(&store, id, 2).await, 0, "nothing escalates while no server runs");

    let mut second = ServerProcess::start(&url, &settings).await;
    eventually("the restarted engine escalates the overdue ticket", || async {
        escalations_to(&store, id, 2).await > 0
    })
    .await;
    second.kill();
    let third = ServerProcess::start(&url, &settings).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    drop(third);

    assert_eq!(escalations_to(&store, id, 2).await, 1, "fired exactly once across three processes");
    let timeline = store.timeline(id, true).await.expect("timeline");
    let breaches: Vec<bool> = timeline
        .iter()
        .filter_map(|entry| match entry.event.data {
            EventData::ClockBreached { late, .. } => Some(late),
            _ => None,
        })
        .collect();
    assert_eq!(breaches, vec![true], "one breach of L1's budget, recorded as late");
}

async fn every_notification_arrives_after_a_kill_in_the_middle_of_a_batch(backend: Backend) {
    const TICKETS: usize = 30;
    // L1 holds tickets for an hour here: only the creations are told.
    let (url, store) =
        prepared_database(backend, &FAST_POLICY.replace("budget = \"2s\"", "budget = \"1h\"")).await;
    let smtp = SmtpServer::start().await;
    let (receiver, address) = Receiver::start().await;
    // Each webhook takes a while, so the kill lands while a batch is being sent.
    receiver.delay_ms.store(150, Ordering::SeqCst);
    let settings = settings(smtp.port, address);
    for n in 0..TICKETS {
        crate::common::carla_opens(&store, &format!("Batch ticket {n}")).await;
    }

    let mut first = ServerProcess::start(&url, &settings).await;
    eventually("some webhooks arrived", || async { receiver.at("/hook").len() >= 5 }).await;
    first.kill();
    let before_restart = receiver.at("/hook").len();
    assert!(before_restart < TICKETS, "the kill came in the middle of the batch ({before_restart} arrived)");

    let _second = ServerProcess::start(&url, &settings).await;
    eventually("every delivery is sent", || async {
        let counts: BTreeMap<DeliveryStatus, i64> =
            store.delivery_counts().await.expect("counts").into_iter().collect();
        counts.get(&DeliveryStatus::Pending).copied().unwrap_or(0) == 0
            && counts.get(&DeliveryStatus::Sent).copied().unwrap_or(0) > 0
    })
    .await;
    assert_eq!(
        store.deliveries(&[DeliveryStatus::Failed], 10).await.expect("failed"),
        vec![],
        "nothing failed"
    );

    // At the receivers: each delivery arrived; a repeat carries the key of an earlier one. (The
    // demo's own tickets escalate meanwhile and are told too; they are checked the same way.)
    let webhook_keys: BTreeMap<String, String> = store
        .deliveries(&[], 10_000)
        .await
        .expect("deliveries")
        .into_iter()
        .filter(|d| d.channel == "webhook:status-page")
        .map(|d| (d.idempotency_key, d.kind))
        .collect();
    let created: BTreeSet<&String> =
        webhook_keys.iter().filter(|(_, kind)| *kind == "created").map(|(key, _)| key).collect();
    assert_eq!(created.len(), TICKETS);
    let hooks = receiver.at("/hook");
    let mut seen = BTreeSet::new();
    for (headers, body) in &hooks {
        let key = headers[render::ID_HEADER].to_str().expect("ASCII").to_string();
        let signature = headers[render::SIGNATURE_HEADER].to_str().expect("ASCII");
        render::verify(WEBHOOK_SECRET.as_bytes(), signature, body.as_bytes(), Utc::now().timestamp(), 600)
            .expect("signed");
        assert!(webhook_keys.contains_key(&key), "{key} is a delivery's key");
        seen.insert(key);
    }
    assert!(created.iter().all(|key| seen.contains(*key)), "every created ticket's webhook arrived");
    assert_eq!(seen.len(), webhook_keys.len(), "every webhook delivery arrived");
    let repeats = hooks.len() - seen.len();
    assert!(repeats <= 8, "only sends in flight at the kill may repeat ({repeats})");
    let message_ids: BTreeSet<String> = smtp
        .messages()
        .iter()
        .filter(|mail| mail.contains("Batch ticket"))
        .filter_map(|mail| mail.lines().find(|line| line.starts_with("Message-ID:")).map(str::to_string))
        .collect();
    assert_eq!(message_ids.len(), TICKETS, "every e-mail arrived, repeats under one Message-ID");

    // The same kill without the outbox: messages sent straight from the work that caused them
    // are lost with the process. This is what the assertions above would catch.
    let direct = Receiver::start().await;
    direct.0.delay_ms.store(150, Ordering::SeqCst);
    let target = format!("http://{}/hook", direct.1);
    let sending = tokio::spawn(async move {
        let client = reqwest::Client::new();
        for n in 0..TICKETS {
            let _ = client.post(&target).body(format!("ticket {n}")).send().await;
        }
    });
    eventually("some direct sends arrived", || async { direct.0.at("/hook").len() >= 5 }).await;
    sending.abort();
    let _ = sending.await;
    assert!(direct.0.at("/hook").len() < TICKETS, "without the outbox, a crash loses what was not yet sent");
}

/// A resolution's e-mail leaves the running server for the SMTP server with a survey link signed
/// by that server's key (from its settings with PostgreSQL, from the file beside the database
/// with SQLite), and the link takes one answer.
async fn the_survey_link_a_server_emails_works_once(backend: Backend) {
    let (url, store) = prepared_database(backend, app::domain::policy::EXAMPLE_POLICY).await;
    // The demo's customers were asked days ago; at most one survey a week would skip this one.
    sqlx::query("UPDATE surveys SET offered_at = offered_at - 2592000000")
        .execute(store.pool())
        .await
        .expect("older");
    let smtp = SmtpServer::start().await;
    let (_receiver, address) = Receiver::start().await;
    let server = ServerProcess::start(&url, &settings(smtp.port, address)).await;

    let ticket_id = crate::common::carla_opens(&store, "Label printer prints blank labels").await;
    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    let changes = app::domain::commands::TicketChanges {
        status: Some(app::domain::TicketStatus::Resolved),
        ..Default::default()
    };
    store
        .append(ticket_id, &sam, None, Utc::now(), |ticket| {
            app::domain::commands::change(
                ticket,
                sam.role,
                &app::domain::ladder::LadderContext::without_organisation(),
                &changes,
            )
        })
        .await
        .expect("resolved");

    let mail = || {
        smtp.messages()
            .into_iter()
            .map(|mail| mail.replace("=\r\n", "").replace("=\n", "").replace("=3D", "="))
            .find(|mail| {
                mail.contains("carla@acme.example")
                    && mail.contains(&format!("#{ticket_id}"))
                    && mail.contains("Rate our support")
            })
    };
    eventually("the resolution e-mail with its survey arrived", || async { mail().is_some() }).await;
    let mail = mail().expect("mail");
    let start = mail.find("/survey/").expect("a survey link");
    let path: String =
        mail[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.')).collect();

    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let page = client.get(format!("{}{path}", server.base)).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let token = path.trim_start_matches("/survey/");
    let answer = || {
        client
            .post(format!("{}/api/survey/answer", server.base))
            .header("origin", &server.base)
            .header("sec-fetch-site", "same-origin")
            .header("accept", "application/json")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("token={token}&answer%5Bcsat%5D=5&answer%5Bcomment%5D=Thanks"))
            .send()
    };
    assert!(answer().await.expect("answer").status().is_success(), "the first answer is taken");
    assert_eq!(answer().await.expect("again").status(), 409, "the link works once");
    let answers = store
        .timeline(ticket_id, true)
        .await
        .expect("timeline")
        .into_iter()
        .filter(|entry| matches!(entry.event.data, EventData::SurveyAnswered { csat: 5, .. }))
        .count();
    assert_eq!(answers, 1);
}

/// Signs in through the HTTP form and returns the session cookie.
async fn sign_in(base: &str, email: &str) -> String {
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let response = client
        .post(format!("{base}/api/session/login"))
        .header("origin", base)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("email={}&password=tierline-demo", email.replace('@', "%40")))
        .send()
        .await
        .expect("login answers");
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find(|value| value.starts_with("tierline_session="))
        .and_then(|value| value.split(';').next())
        .map(str::to_string)
        .expect("a session cookie")
}

#[tokio::test]
async fn postgres_two_processes_share_the_work_and_the_live_changes() {
    let (url, store) = prepared_database(Backend::Postgres, FAST_POLICY).await;
    let smtp = SmtpServer::start().await;
    let (receiver, address) = Receiver::start().await;
    let settings = settings(smtp.port, address);
    let a = ServerProcess::start(&url, &settings).await;
    let b = ServerProcess::start(&url, &settings).await;

    // A browser tab connected to B.
    let cookie = sign_in(&b.base, "nina.agent@tierline.example").await;
    let mut stream = reqwest::Client::new()
        .get(format!("{}/live", b.base))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("stream opens");
    assert_eq!(stream.headers()["content-type"], "text/event-stream");

    // Tickets opened through A, and a note written through A.
    let mut ids = Vec::new();
    for n in 0..6 {
        ids.push(crate::common::carla_opens(&store, &format!("Shared ticket {n}")).await);
    }
    let sam = sign_in(&a.base, "sam.agent@tierline.example").await;
    let note = reqwest::Client::new()
        .post(format!("{}/api/tickets/message", a.base))
        .header("cookie", &sam)
        .header("origin", &a.base)
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("ticket_id={}&body=Looking+into+it&visibility=internal", ids[0]))
        .send()
        .await
        .expect("note");
    assert!(note.status().is_success() || note.status().is_redirection(), "{}", note.status());

    let wanted = "\"kind\":\"internal_note\"";
    let mut text = String::new();
    let arrived = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while let Ok(Some(chunk)) = stream.chunk().await {
            text.push_str(&String::from_utf8_lossy(&chunk));
            if text.contains(wanted) && text.contains(&format!("\"ticket_id\":{}", ids[0])) {
                return true;
            }
        }
        false
    })
    .await;
    assert_eq!(arrived, Ok(true), "the note made through A reaches the stream on B; got:\n{text}");

    // Both engines and both delivery workers run: each ticket escalates once, each delivery is
    // sent once.
    for id in &ids {
        eventually("every ticket escalates to L2", || async { escalations_to(&store, *id, 2).await > 0 })
            .await;
    }
    // Only this test's tickets; the demo's escalate meanwhile too.
    let keys = || -> Vec<String> {
        receiver
            .at("/hook")
            .iter()
            .filter(|(_, body)| {
                let body: serde_json::Value = serde_json::from_str(body).expect("JSON");
                ids.iter().any(|id| body["ticket"]["id"] == *id)
            })
            .map(|(headers, _)| headers[render::ID_HEADER].to_str().expect("ASCII").to_string())
            .collect()
    };
    // The escalations' notices are planned and sent after the escalations commit.
    eventually("every notice arrives", || async { keys().len() >= 2 * ids.len() }).await;
    eventually("the deliveries are sent", || async {
        store.deliveries(&[DeliveryStatus::Pending], 10).await.expect("pending").is_empty()
    })
    .await;
    for id in &ids {
        assert_eq!(escalations_to(&store, *id, 2).await, 1, "ticket {id} escalated once");
    }
    let keys = keys();
    let distinct: BTreeSet<&String> = keys.iter().collect();
    assert_eq!(keys.len(), distinct.len(), "no delivery was sent twice by the two instances");
    assert_eq!(keys.len(), 2 * ids.len(), "created and escalated, for each ticket");
    drop((a, b));
}
