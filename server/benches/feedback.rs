//! Feedback report benchmark: many resolved tickets, each offered a survey through the write
//! path (every third escalated by hand, two answers in three, scores going round 1 to 5), then
//! the report over the whole period — what `/reports/feedback`, its CSV and `tierline analyse`
//! compute — timed.
//!
//!     cargo bench -p server --bench feedback -- [--surveys N] [--database URL]
//!
//! Defaults: 2,000 surveys, a fresh SQLite file. Results go in BENCHMARKS.md with the machine and
//! the date.

use std::time::Instant;

use app::domain::commands::{self, NewTicket, TicketChanges};
use app::domain::feedback::report::FeedbackQuery;
use app::domain::ladder::LadderContext;
use app::domain::survey::SurveyAnswer;
use app::domain::ticket::{Assignment, Handoff};
use app::domain::{Channel, Priority, TicketStatus};
use app::ssr::Store;
use chrono::{Duration, Utc};

/// The value after `--name` on the command line, if given.
fn argument(name: &str) -> Option<String> {
    let arguments: Vec<String> = std::env::args().collect();
    arguments.windows(2).find(|pair| pair[0] == name).map(|pair| pair[1].clone())
}

/// The person of the demo with `email`.
async fn person(store: &Store, email: &str) -> app::domain::UserSummary {
    let users = store.users().await.expect("users");
    users.into_iter().map(|user| user.summary).find(|user| user.email == email).expect("a demo person")
}

#[tokio::main]
async fn main() {
    let surveys: usize =
        argument("--surveys").map_or(2_000, |count| count.parse().expect("--surveys takes a number"));
    let url = argument("--database").unwrap_or_else(|| {
        let file = std::env::temp_dir().join(format!("tierline-feedback-bench-{}.db", std::process::id()));
        format!("sqlite:{}", file.display())
    });
    let store = Store::connect(&url).await.expect("connect");
    store.migrate().await.expect("migrate");
    let start = Utc::now() - Duration::days(80);
    server::demo::load(&store, start).await.expect("demo");
    // Every ticket of the benchmark may be asked: at most one survey a second per customer.
    let policy =
        app::domain::policy::EXAMPLE_POLICY.replace("at_most_one_per = \"7d\"", "at_most_one_per = \"1s\"");
    let admin = person(&store, "admin@tierline.example").await;
    store.save_policy_version(&policy, admin.id, "feedback benchmark", start).await.expect("policy");
    let customer = person(&store, "carla@acme.example").await;
    let agent = person(&store, "sam.agent@tierline.example").await;
    let directory = store.directory().await.expect("directory");
    let rules = store.rules().await.expect("rules");
    let ladder = LadderContext { policy: rules.as_ref().map(|rules| &rules.policy), directory: &directory };
    let l1 = directory.tiers.iter().find(|tier| tier.name == "L1 Service Desk").expect("L1");
    let l1_group = directory.groups.iter().find(|group| group.tier_id == l1.id).expect("an L1 group");
    let network = directory.groups.iter().find(|group| group.name == "Network").expect("Network");
    let handoff = Handoff {
        summary: "The export stalls at 40 % for every tenant.".into(),
        tried: "Cleared the cache and ran it twice.".into(),
        impact: "Payroll cannot close.".into(),
        ask: "Check the export queue.".into(),
    };

    let loading = Instant::now();
    let mut at = start + Duration::hours(1);
    for index in 0..surveys {
        at += Duration::seconds(2);
        let created = commands::open(
            &NewTicket {
                subject: format!("Benchmark ticket {index}"),
                description: "Generated.".into(),
                category_id: None,
                priority: Priority::Normal,
            },
            Channel::Portal,
        );
        let organisation = customer.organisation_id.expect("org");
        let ticket = store
            .create_ticket(customer.id, organisation, customer.id, created, at)
            .await
            .expect("ticket")
            .ticket
            .id;
        let placed = TicketChanges {
            assignment: Some(Assignment {
                tier_id: Some(l1.id),
                group_id: Some(l1_group.id),
                assignee_id: None,
            }),
            ..TicketChanges::default()
        };
        store
            .append(ticket, &agent, None, at, |t| commands::change(t, agent.role, &ladder, &placed))
            .await
            .expect("placed");
        if index % 3 == 0 {
            let to =
                Assignment { tier_id: Some(network.tier_id), group_id: Some(network.id), assignee_id: None };
            store
                .append(ticket, &agent, None, at, |t| {
                    commands::escalate(t, agent.role, &ladder, to, &handoff)
                })
                .await
                .expect("escalated");
        }
        let resolved = TicketChanges { status: Some(TicketStatus::Resolved), ..TicketChanges::default() };
        store
            .append(ticket, &agent, None, at, |t| commands::change(t, agent.role, &ladder, &resolved))
            .await
            .expect("resolved");
        if index % 3 != 2 {
            let survey = store.latest_survey_of(ticket).await.expect("read").expect("a survey was offered");
            let answer = SurveyAnswer {
                csat: (index % 5 + 1) as u8,
                effort: Some((index % 7 + 1) as u8),
                comment: (index % 4 == 0).then(|| "Generated comment.".to_string()),
            };
            store
                .answer_survey(survey.id, &survey.nonce, &answer, at + Duration::seconds(1))
                .await
                .expect("answered");
        }
    }
    println!("loaded {surveys} resolved tickets with surveys in {:.1} s", loading.elapsed().as_secs_f64());

    let query = FeedbackQuery { from: start.date_naive().to_string(), ..FeedbackQuery::default() };
    let today = Utc::now().date_naive();
    let mut timings = Vec::new();
    let mut offered = 0;
    for _ in 0..7 {
        let began = Instant::now();
        let page = app::ssr::reports::feedback(&store, &query, today, app::ssr::reports::ANSWERS_SHOWN)
            .await
            .expect("report");
        timings.push(began.elapsed().as_secs_f64() * 1000.0);
        offered = page.report.overall.responses.trials;
    }
    timings.sort_by(f64::total_cmp);
    println!(
        "feedback report over {offered} surveys: median {:.0} ms, fastest {:.0} ms, slowest {:.0} ms (7 runs)",
        timings[timings.len() / 2],
        timings[0],
        timings[timings.len() - 1]
    );
}
