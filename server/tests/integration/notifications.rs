//! Notifications end to end, on SQLite and PostgreSQL: the outbox expanded by the policy's rules,
//! e-mail delivered to a real SMTP server (Debian's aiosmtpd, started here on loopback), Slack,
//! Teams and a signed generic webhook delivered to a real HTTP receiver, in-app notifications,
//! retries with back-off, the final "failed" state and the admin's retry, acknowledgements, and
//! live changes crossing instances through PostgreSQL.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;

use app::domain::commands::{self, NewTicket};
use app::domain::delivery::DeliveryStatus;
use app::domain::directory::Directory;
use app::domain::ladder::LadderContext;
use app::domain::policy::EXAMPLE_POLICY;
use app::domain::ticket::{Assignment, Handoff};
use app::domain::{Channel, Priority, UserSummary};
use app::ssr::Store;
use chrono::{DateTime, Duration, TimeZone, Utc};
use server::config::{ChatSettings, Settings, SmtpSettings, WebhookFormat, WebhookSettings};
use server::notifications::channels::Channels;
use server::notifications::render;
use server::notifications::{Notifier, Sender};

use crate::common::{demo_store, fresh_database_url, survey_links, user_by_email, Backend};
use crate::receivers::{free_port, Receiver, SmtpServer};

crate::on_both_backends!(
    an_escalation_reaches_email_chat_webhook_and_in_app_once,
    a_failing_receiver_is_retried_then_fails_visibly_and_a_retry_keeps_the_key,
    an_acknowledgement_silences_pending_reminders_of_its_level,
    mentions_watchers_and_digests_reach_the_right_people,
);

/// Monday 2 March 2026, 09:00 in Berlin: the demo's office calendar is open.
fn monday_morning() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 8, 0, 0).single().expect("valid instant")
}

const WEBHOOK_SECRET: &str = "whsec-test-0123456789";

/// The demo policy plus a rule that sends every escalation through every channel.
fn policy_with_every_channel() -> String {
    format!(
        "{EXAMPLE_POLICY}
[[notify]]
events = [\"escalated\"]
to = [\"email:duty@example.com\"]
channels = [\"email\", \"slack\", \"teams\", \"webhook:status-page\", \"webhook:l2-chat\"]
urgent = true
"
    )
}

fn settings(smtp_port: u16, receiver: SocketAddr) -> Settings {
    let base = format!("http://{receiver}");
    Settings {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port: smtp_port,
            tls: "none".into(),
            username: None,
            password: None,
            from: "Tierline <tierline@helpdesk.example>".into(),
        }),
        slack: Some(ChatSettings { url: format!("{base}/slack") }),
        teams: Some(ChatSettings { url: format!("{base}/teams") }),
        webhooks: BTreeMap::from([
            (
                "status-page".to_string(),
                WebhookSettings {
                    url: format!("{base}/hook"),
                    format: WebhookFormat::Json,
                    secret: WEBHOOK_SECRET.into(),
                },
            ),
            // A team's own Slack channel.
            (
                "l2-chat".to_string(),
                WebhookSettings {
                    url: format!("{base}/l2-chat"),
                    format: WebhookFormat::Slack,
                    secret: String::new(),
                },
            ),
        ]),
        ..Settings::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

async fn with_policy(store: &Store, source: &str, at: DateTime<Utc>) {
    let admin = user_by_email(store, "admin@tierline.example").await;
    store.save_policy_version(source, admin.id, "notification test", at).await.expect("policy saved");
}

async fn open_ticket(store: &Store, priority: Priority, at: DateTime<Utc>) -> i64 {
    let customer = user_by_email(store, "carla@acme.example").await;
    let created = commands::open(
        &NewTicket {
            subject: "Payroll export <fails> & stalls".into(),
            description: "Since the update.".into(),
            category_id: None,
            priority,
        },
        Channel::Portal,
    );
    store
        .create_ticket(customer.id, customer.organisation_id.expect("org"), customer.id, created, at)
        .await
        .expect("ticket")
        .ticket
        .id
}

/// The ladder of the policy in force, for commands that move tickets.
fn ladder<'a>(
    policy: &'a Option<app::ssr::store::policies::Rules>,
    directory: &'a Directory,
) -> LadderContext<'a> {
    LadderContext { policy: policy.as_ref().map(|rules| &rules.policy), directory }
}

/// An agent escalates the ticket by hand to the L2 Network group.
async fn escalate_to_network(store: &Store, ticket_id: i64, agent: &UserSummary, at: DateTime<Utc>) {
    let directory = store.directory().await.expect("directory");
    let policy = store.rules().await.expect("rules");
    let network = directory.groups.iter().find(|g| g.name == "Network").expect("Network group");
    let to = Assignment { tier_id: Some(network.tier_id), group_id: Some(network.id), assignee_id: None };
    let handoff = Handoff {
        summary: "Export stalls at 40 % for every tenant.".into(),
        tried: "Cleared the cache and re-ran it twice.".into(),
        impact: "Payroll cannot be closed this month.".into(),
        ask: "Check the export service's queue.".into(),
    };
    store
        .append(ticket_id, agent, None, at, |t| {
            commands::escalate(t, agent.role, &ladder(&policy, &directory), to, &handoff)
        })
        .await
        .expect("escalated");
}

/// What loading the demo wrote to the outbox is not under test here.
async fn forget_demo_outbox(store: &Store) {
    sqlx::query("UPDATE outbox SET processed_at = 0 WHERE processed_at IS NULL")
        .execute(store.pool())
        .await
        .expect("outbox");
}

async fn count(store: &Store, status: DeliveryStatus) -> i64 {
    store
        .delivery_counts()
        .await
        .expect("counts")
        .into_iter()
        .find(|(s, _)| *s == status)
        .map(|(_, n)| n)
        .unwrap_or(0)
}

fn key_of(store_keys: &[(String, String)], channel: &str) -> String {
    store_keys.iter().find(|(c, _)| c == channel).map(|(_, key)| key.clone()).unwrap_or_default()
}

async fn keys(store: &Store, ticket_id: i64) -> Vec<(String, String)> {
    store
        .deliveries(&[], 1000)
        .await
        .expect("deliveries")
        .into_iter()
        .filter(|d| d.ticket_id == Some(ticket_id) && d.kind == "escalated")
        .map(|d| (d.channel, d.idempotency_key))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

async fn an_escalation_reaches_email_chat_webhook_and_in_app_once(backend: Backend) {
    let store = demo_store(backend).await;
    let now = monday_morning();
    with_policy(&store, &policy_with_every_channel(), now).await;
    let smtp = SmtpServer::start().await;
    let (receiver, address) = Receiver::start().await;
    let channels = Channels::from_settings(&settings(smtp.port, address)).expect("channels");
    let notifier = Notifier::new(store.clone(), "https://help.example");
    let sender = Sender::new(store.clone(), channels, survey_links(), Duration::seconds(60));
    forget_demo_outbox(&store).await;

    let ticket_id = open_ticket(&store, Priority::High, now).await;
    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    escalate_to_network(&store, ticket_id, &sam, now).await;
    let nina = user_by_email(&store, "nina.agent@tierline.example").await;
    let unread_before = store.unread_notifications(nina.id).await.expect("unread");

    let planned = notifier.tick(now).await.expect("notifier");
    assert!(planned.deliveries >= 5, "e-mail, Slack, Teams, webhook and in-app: {planned:?}");
    let report = sender.tick(now).await.expect("sender");
    assert_eq!(report.failed + report.retried, 0, "{report:?}");

    // E-mail: the duty address got the staff notice with the delivery's key as Message-ID.
    let keys = keys(&store, ticket_id).await;
    let mails = smtp.messages();
    let duty: Vec<&String> = mails.iter().filter(|m| m.contains("To: duty@example.com")).collect();
    assert_eq!(duty.len(), 1, "one e-mail to the duty address");
    let duty_key = store
        .deliveries(&[], 1000)
        .await
        .expect("deliveries")
        .into_iter()
        .find(|d| {
            d.ticket_id == Some(ticket_id)
                && d.channel == "email"
                && d.destination == "email:duty@example.com"
        })
        .expect("duty delivery")
        .idempotency_key;
    assert!(duty[0].contains(&format!("Message-ID: <{duty_key}@helpdesk.example>")), "{}", duty[0]);
    assert!(duty[0].contains(&format!("#{ticket_id}")));
    // The requester hears that the request moved on, without the internal handoff.
    let carla: Vec<&String> =
        mails.iter().filter(|m| m.contains("To: \"Carla Reyes\" <carla@acme.example>")).collect();
    assert!(!carla.is_empty(), "the requester is told of the escalation: {} mails", mails.len());
    assert!(
        carla.iter().all(|m| !m.contains("Check the export service")),
        "no internal text reaches customers"
    );

    // Chat and webhook: one post each, carrying the delivery's key; the generic one is signed.
    let slack = receiver.at("/slack");
    assert_eq!(slack.len(), 1);
    assert!(serde_json::from_str::<serde_json::Value>(&slack[0].1).expect("JSON")["blocks"].is_array());
    assert_eq!(slack[0].0[render::ID_HEADER], key_of(&keys, "slack").as_str());
    // A named webhook in Slack's format: the same blocks, unsigned, to that channel's URL.
    let team_chat = receiver.at("/l2-chat");
    assert_eq!(team_chat.len(), 1);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&team_chat[0].1).expect("JSON")["blocks"],
        serde_json::from_str::<serde_json::Value>(&slack[0].1).expect("JSON")["blocks"]
    );
    assert!(team_chat[0].0.get(render::SIGNATURE_HEADER).is_none());
    let teams = receiver.at("/teams");
    assert_eq!(teams.len(), 1);
    let card: serde_json::Value = serde_json::from_str(&teams[0].1).expect("JSON");
    assert_eq!(card["attachments"][0]["content"]["type"], "AdaptiveCard");
    let hooks = receiver.at("/hook");
    assert_eq!(hooks.len(), 1);
    let (headers, body) = &hooks[0];
    let signature = headers[render::SIGNATURE_HEADER].to_str().expect("ASCII header");
    render::verify(WEBHOOK_SECRET.as_bytes(), signature, body.as_bytes(), Utc::now().timestamp(), 300)
        .expect("the signature verifies with the shared secret");
    assert!(
        render::verify(b"another secret", signature, body.as_bytes(), Utc::now().timestamp(), 300).is_err()
    );
    let generic: serde_json::Value = serde_json::from_str(body).expect("JSON");
    assert_eq!(generic["ticket"]["id"], ticket_id);
    assert_eq!(generic["id"], headers[render::ID_HEADER].to_str().expect("ASCII"));

    // In-app: the receiving group's members have it, unread.
    assert!(store.unread_notifications(nina.id).await.expect("unread") > unread_before);
    let centre = store.notifications_of(nina.id, 10).await.expect("notifications");
    assert!(centre.iter().any(|n| n.ticket_id == Some(ticket_id) && n.kind == "escalated"));
    assert_eq!(
        store
            .notifications_of(sam.id, 50)
            .await
            .expect("own")
            .iter()
            .filter(|n| n.ticket_id == Some(ticket_id) && n.kind == "escalated")
            .count(),
        0,
        "the agent who escalated is not told of it"
    );

    // Running both again sends nothing twice.
    let again = notifier.tick(now).await.expect("notifier");
    assert_eq!(again.deliveries, 0);
    let resent = sender.tick(now + Duration::hours(1)).await.expect("sender");
    assert_eq!(resent.sent, 0);
    assert_eq!(receiver.at("/hook").len(), 1);
    assert_eq!(smtp.messages().len(), mails.len());
    assert_eq!(store.unprocessed_outbox().await.expect("outbox"), 0);
}

async fn a_failing_receiver_is_retried_then_fails_visibly_and_a_retry_keeps_the_key(backend: Backend) {
    let store = demo_store(backend).await;
    let now = monday_morning();
    let only_webhook = format!(
        "{}\n[[notify]]\nevents = [\"escalated\"]\nto = [\"email:duty@example.com\"]\nchannels = [\"webhook:status-page\"]\n",
        EXAMPLE_POLICY.split("[[notify]]").next().expect("policy head")
    )
    .replace("\n# Who is told about what, and how.", "");
    with_policy(&store, &format!("{only_webhook}{}", checkpoints_of_example()), now).await;
    let (receiver, address) = Receiver::start().await;
    receiver.failing.store(true, Ordering::SeqCst);
    let channels = Channels::from_settings(&settings(free_port(), address)).expect("channels");
    let notifier = Notifier::new(store.clone(), "https://help.example");
    let sender = Sender::new(store.clone(), channels, survey_links(), Duration::seconds(60));
    forget_demo_outbox(&store).await;

    let ticket_id = open_ticket(&store, Priority::Normal, now).await;
    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    escalate_to_network(&store, ticket_id, &sam, now).await;
    notifier.tick(now).await.expect("notifier");

    // Each failure waits longer; nothing is sent before its time.
    let mut at = now;
    let mut attempts = 0;
    loop {
        let report = sender.tick(at).await.expect("sender");
        attempts += report.retried + report.failed;
        assert_eq!(
            sender.tick(at).await.expect("sender"),
            Default::default(),
            "nothing is due before its back-off"
        );
        if report.failed > 0 {
            break;
        }
        assert_eq!(report.retried, 1, "one delivery, tried again later");
        at += Duration::hours(1);
        assert!(attempts < 20, "the delivery must give up");
    }
    assert_eq!(attempts as i64, app::domain::delivery::MAX_ATTEMPTS);
    let failed = store.deliveries(&[DeliveryStatus::Failed], 10).await.expect("failed");
    assert_eq!(failed.len(), 1);
    let last_error = failed[0].last_error.clone().unwrap_or_default();
    assert!(last_error.contains("500"), "{last_error}");
    // The webhook's URL is a credential: the error names the webhook instead.
    assert!(last_error.contains("status-page") && !last_error.contains("/hook"), "{last_error}");
    assert!(!last_error.contains(&address.to_string()), "{last_error}");
    assert!(receiver.at("/hook").is_empty());

    // The admin's retry sends it, with the key it always had.
    receiver.failing.store(false, Ordering::SeqCst);
    assert_eq!(store.retry_deliveries(Some(failed[0].id), at).await.expect("retry"), 1);
    assert_eq!(
        store.retry_deliveries(Some(failed[0].id), at).await.expect("retry"),
        0,
        "only failed deliveries are retried"
    );
    let report = sender.tick(at).await.expect("sender");
    assert_eq!(report.sent, 1);
    let hooks = receiver.at("/hook");
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].0[render::ID_HEADER].to_str().expect("ASCII"), failed[0].idempotency_key);
}

/// The `[[checkpoints]]` tables of the example policy, which follow its notification rules.
fn checkpoints_of_example() -> String {
    let start = EXAMPLE_POLICY.find("# Public updates due").expect("checkpoints in the example");
    format!("\n{}", &EXAMPLE_POLICY[start..])
}

async fn an_acknowledgement_silences_pending_reminders_of_its_level(backend: Backend) {
    let store = demo_store(backend).await;
    let saturday = Utc.with_ymd_and_hms(2026, 2, 28, 10, 0, 0).single().expect("instant");
    let reminders = format!(
        "{}\n[[notify]]\nevents = [\"reminder\", \"escalated\"]\nto = [\"lead\"]\nchannels = [\"email\"]\n{}",
        EXAMPLE_POLICY
            .split("[[notify]]")
            .next()
            .expect("policy head")
            .replace("\n# Who is told about what, and how.", ""),
        checkpoints_of_example()
    );
    with_policy(&store, &reminders, saturday).await;
    let notifier = Notifier::new(store.clone(), "https://help.example");
    forget_demo_outbox(&store).await;
    assert_eq!(count(&store, DeliveryStatus::Pending).await, 0);

    // Routed to L1 on Saturday and escalated by hand to L2's Network group at once: L2's budget
    // of 8 business hours starts on Monday at 08:00 in Berlin (07:00 UTC).
    let ticket_id = open_ticket(&store, Priority::Normal, saturday).await;
    let engine = server::escalation::Engine::new(store.clone());
    engine.tick(saturday).await.expect("engine");
    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    escalate_to_network(&store, ticket_id, &sam, saturday).await;
    assert_eq!(store.ticket(ticket_id).await.expect("read").expect("ticket").escalation_level, 2);

    // 75 % of L2's budget is used at 13:00 UTC: the reminder goes to the lead.
    let monday =
        |hour: u32, minute: u32| Utc.with_ymd_and_hms(2026, 3, 2, hour, minute, 0).single().expect("instant");
    engine.tick(monday(13, 30)).await.expect("engine");
    notifier.tick(monday(13, 30)).await.expect("notifier");
    let reminders_of = |deliveries: &[app::domain::delivery::DeliveryView], kind: &str| {
        deliveries.iter().filter(|d| d.ticket_id == Some(ticket_id) && d.kind == kind).count()
    };
    let pending = store.deliveries(&[DeliveryStatus::Pending], 100).await.expect("pending");
    assert!(reminders_of(&pending, "reminder") > 0, "the reminder is pending: {pending:?}");

    let omar = user_by_email(&store, "omar.lead@tierline.example").await;
    let directory = store.directory().await.expect("directory");
    store
        .append(ticket_id, &omar, None, monday(13, 31), |t| {
            commands::acknowledge(t, omar.id, omar.role, &directory)
        })
        .await
        .expect("L2's lead acknowledges");
    notifier.tick(monday(13, 31)).await.expect("notifier");
    let pending = store.deliveries(&[DeliveryStatus::Pending], 100).await.expect("pending");
    assert_eq!(reminders_of(&pending, "reminder"), 0, "the reminders of the acknowledged level are silenced");
    assert!(count(&store, DeliveryStatus::Suppressed).await > 0);

    // The budget runs out at 15:00 UTC: the first breach is told, acknowledged or not, and the
    // ladder moves the ticket on to L3.
    engine.tick(monday(15, 30)).await.expect("engine");
    notifier.tick(monday(15, 30)).await.expect("notifier");
    let pending = store.deliveries(&[DeliveryStatus::Pending], 100).await.expect("pending");
    assert!(reminders_of(&pending, "breach") > 0, "the breach is told to the managers: {pending:?}");
    assert_eq!(store.ticket(ticket_id).await.expect("read").expect("ticket").escalation_level, 3);
}

#[tokio::test]
async fn postgres_a_change_through_one_instance_reaches_the_streams_of_another() {
    let url = fresh_database_url(Backend::Postgres).await;
    let first = Store::connect(&url).await.expect("connect");
    first.migrate().await.expect("migrate");
    server::demo::load(&first, Utc::now()).await.expect("demo");
    let second = Store::connect(&url).await.expect("connect");
    let listener = tokio::spawn(second.clone().listen_for_changes(url.clone()));
    let mut stream = second.live().subscribe();
    // The listener needs a moment to LISTEN; keep changing until one arrives.
    let customer = user_by_email(&first, "carla@acme.example").await;
    let mut received = None;
    for _ in 0..50 {
        let id = open_ticket(&first, Priority::Low, Utc::now()).await;
        if let Ok(Ok(change)) =
            tokio::time::timeout(std::time::Duration::from_millis(200), stream.recv()).await
        {
            received = Some((id, change));
            break;
        }
    }
    let (_, change) = received.expect("a change committed through the first instance reaches the second");
    assert!(change.visible_to(&customer), "the requester's organisation sees its own new ticket");
    second.live().close();
    listener.await.expect("the listener ends when the hub closes");
}

#[tokio::test]
async fn sqlite_changes_reach_local_streams_only_after_commit() {
    let store = demo_store(Backend::Sqlite).await;
    let mut stream = store.live().subscribe();
    let id = open_ticket(&store, Priority::Low, Utc::now()).await;
    let change = tokio::time::timeout(std::time::Duration::from_secs(5), stream.recv())
        .await
        .expect("in time")
        .expect("a change");
    assert_eq!(change.ticket_id, Some(id));
    // A transaction that rolls back publishes nothing.
    let mut write = store.begin_write().await.expect("write");
    write.record(change.clone());
    drop(write);
    assert!(tokio::time::timeout(std::time::Duration::from_millis(300), stream.recv()).await.is_err());
}

async fn mentions_watchers_and_digests_reach_the_right_people(backend: Backend) {
    let store = demo_store(backend).await;
    let now = monday_morning();
    with_policy(&store, EXAMPLE_POLICY, now).await;
    forget_demo_outbox(&store).await;
    let smtp = SmtpServer::start().await;
    let (_receiver, address) = Receiver::start().await;
    let channels = Channels::from_settings(&settings(smtp.port, address)).expect("channels");
    let notifier = Notifier::new(store.clone(), "https://help.example");
    let sender = Sender::new(store.clone(), channels, survey_links(), Duration::seconds(60));
    let sam = user_by_email(&store, "sam.agent@tierline.example").await;
    let nina = user_by_email(&store, "nina.agent@tierline.example").await;
    let kim = user_by_email(&store, "kim.agent@tierline.example").await;
    let tom = user_by_email(&store, "tom.engineer@tierline.example").await;
    let ticket_id = open_ticket(&store, Priority::Normal, now).await;
    store.set_watching(ticket_id, kim.id, true).await.expect("watch");
    store.set_digest_minutes(nina.id, Some(60)).await.expect("digest");
    let note = |body: &'static str| {
        let sam = sam.clone();
        move |t: &app::domain::Ticket| {
            commands::write_message(t, sam.role, app::domain::Visibility::Internal, body)
        }
    };

    // Sam names Nina, the Engineering group and (by mistake) Globex's customer Dana in a note,
    // then escalates to Network.
    let dana = user_by_email(&store, "dana@globex.example").await;
    store
        .append(ticket_id, &sam, None, now, note("@nina.agent, @engineering and @dana: please look."))
        .await
        .expect("note");
    escalate_to_network(&store, ticket_id, &sam, now).await;
    notifier.tick(now).await.expect("notifier");
    let kinds_for = |user: i64| {
        let store = store.clone();
        async move {
            store
                .notifications_of(user, 50)
                .await
                .expect("notifications")
                .into_iter()
                .filter(|n| n.ticket_id == Some(ticket_id))
                .map(|n| n.kind)
                .collect::<Vec<_>>()
        }
    };
    assert!(kinds_for(nina.id).await.contains(&"mention".to_string()), "Nina is mentioned by handle");
    assert!(kinds_for(tom.id).await.contains(&"mention".to_string()), "the group handle reaches its members");
    assert_eq!(kinds_for(kim.id).await, vec!["escalated".to_string()], "the watcher hears of the escalation");
    assert!(!kinds_for(sam.id).await.contains(&"mention".to_string()), "nobody is told of their own note");
    assert!(
        store.notifications_of(dana.id, 50).await.expect("notifications").is_empty(),
        "a customer (here of another organisation) is never mentioned"
    );

    // Nina's mention e-mail waits for her digest at the end of the hour; Tom's goes at once.
    sender.tick(now).await.expect("sender");
    let to_nina = |smtp: &SmtpServer| {
        smtp.messages().into_iter().filter(|m| m.contains("nina.agent@tierline.example")).count()
    };
    assert_eq!(to_nina(&smtp), 0);
    assert!(smtp.messages().iter().any(|m| m.contains("tom.engineer@tierline.example")));
    store
        .append(ticket_id, &sam, None, now + Duration::minutes(5), note("@nina.agent one more thing."))
        .await
        .expect("note");
    notifier.tick(now + Duration::minutes(5)).await.expect("notifier");
    sender.tick(now + Duration::minutes(30)).await.expect("sender");
    assert_eq!(to_nina(&smtp), 0, "still inside the digest window");
    sender.tick(now + Duration::hours(1)).await.expect("sender");
    let digests: Vec<String> =
        smtp.messages().into_iter().filter(|m| m.contains("nina.agent@tierline.example")).collect();
    assert_eq!(digests.len(), 1, "one e-mail gathers both mentions");
    assert!(digests[0].contains("2 updates on your tickets"), "{}", digests[0]);

    // Kim stops watching: the next escalation passes her by.
    store.set_watching(ticket_id, kim.id, false).await.expect("unwatch");
    let directory = store.directory().await.expect("directory");
    let engineering = directory.groups.iter().find(|g| g.name == "Engineering").expect("group");
    let to =
        Assignment { tier_id: Some(engineering.tier_id), group_id: Some(engineering.id), assignee_id: None };
    let handoff = Handoff {
        summary: "Export stalls at 40 % for every tenant.".into(),
        tried: "Network checked: no drops on the path.".into(),
        impact: "Payroll cannot be closed this month.".into(),
        ask: "Look at the export service itself.".into(),
    };
    let omar = user_by_email(&store, "omar.lead@tierline.example").await;
    let policy = store.rules().await.expect("rules");
    store
        .append(ticket_id, &omar, None, now, |t| {
            commands::escalate(t, omar.role, &ladder(&policy, &directory), to, &handoff)
        })
        .await
        .expect("escalated");
    notifier.tick(now).await.expect("notifier");
    assert_eq!(kinds_for(kim.id).await.len(), 1, "no notification after unwatching");
}
