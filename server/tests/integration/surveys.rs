//! Satisfaction surveys end to end on both backends: offered at resolution and sent with the
//! resolution e-mail (to a real SMTP server), answered once through the anonymous endpoints,
//! refused and unchanged for every kind of bad link, withdrawn on reopening, reminded once, and a
//! low score telling the leads of every tier that held the ticket and opening a review.

use std::collections::BTreeSet;

use app::domain::commands::{self, TicketChanges};
use app::domain::directory::Directory;
use app::domain::ladder::LadderContext;
use app::domain::survey::SurveyAnswer;
use app::domain::ticket::{Assignment, Handoff};
use app::domain::{EventData, TicketStatus, UserSummary};
use app::ssr::store::policies::Rules;
use app::ssr::Store;
use chrono::{DateTime, Duration, Utc};
use http::StatusCode;
use server::config::{Settings, SmtpSettings};
use server::notifications::channels::Channels;
use server::notifications::{Notifier, Sender};

use crate::common::{
    carla_opens, customers_see_no, demo_store, state, survey_links, user_by_email, Backend, Client,
};
use crate::receivers::SmtpServer;

crate::on_both_backends!(
    a_resolution_emails_a_link_that_works_once,
    bad_links_are_refused_alike_and_change_nothing,
    reopening_withdraws_the_survey_and_the_next_resolution_offers_a_new_one,
    a_customer_is_asked_at_most_once_a_week,
    an_unanswered_survey_is_reminded_once,
    a_low_score_tells_the_lead_of_every_tier_that_held_the_ticket_and_opens_a_review,
    the_feedback_report_counts_what_a_plain_count_of_the_answers_says,
    answers_are_rate_limited_per_client_address,
);

fn ladder<'a>(rules: &'a Option<Rules>, directory: &'a Directory) -> LadderContext<'a> {
    LadderContext { policy: rules.as_ref().map(|rules| &rules.policy), directory }
}

/// Sets the ticket's status as `agent` would.
async fn set_status(store: &Store, ticket_id: i64, agent: &UserSummary, status: TicketStatus) {
    let directory = store.directory().await.expect("directory");
    let rules = store.rules().await.expect("rules");
    let changes = TicketChanges { status: Some(status), ..TicketChanges::default() };
    store
        .append(ticket_id, agent, None, Utc::now(), |ticket| {
            commands::change(ticket, agent.role, &ladder(&rules, &directory), &changes)
        })
        .await
        .expect("status changed");
}

/// Places a new ticket in the first group of L1, as routing would.
async fn place_in_l1(store: &Store, ticket_id: i64, agent: &UserSummary) {
    let directory = store.directory().await.expect("directory");
    let rules = store.rules().await.expect("rules");
    let l1 = directory.tiers.iter().find(|tier| tier.name == "L1 Service Desk").expect("L1");
    let group = directory.groups.iter().find(|group| group.tier_id == l1.id).expect("an L1 group");
    let to = Assignment { tier_id: Some(l1.id), group_id: Some(group.id), assignee_id: None };
    let changes = TicketChanges { assignment: Some(to), ..TicketChanges::default() };
    store
        .append(ticket_id, agent, None, Utc::now(), |ticket| {
            commands::change(ticket, agent.role, &ladder(&rules, &directory), &changes)
        })
        .await
        .expect("placed in L1");
}

/// Moves the ticket to the group `group` of a higher tier, by hand.
async fn escalate_to(store: &Store, ticket_id: i64, agent: &UserSummary, group: &str) {
    let directory = store.directory().await.expect("directory");
    let rules = store.rules().await.expect("rules");
    let group = directory.groups.iter().find(|g| g.name == group).expect("group");
    let to = Assignment { tier_id: Some(group.tier_id), group_id: Some(group.id), assignee_id: None };
    let handoff = Handoff {
        summary: "The export stalls at 40 % for every tenant.".into(),
        tried: "Cleared the cache and ran it twice.".into(),
        impact: "Payroll cannot close.".into(),
        ask: "Check the export queue.".into(),
    };
    store
        .append(ticket_id, agent, None, Utc::now(), |ticket| {
            commands::escalate(ticket, agent.role, &ladder(&rules, &directory), to, &handoff)
        })
        .await
        .expect("escalated");
}

async fn agent(store: &Store) -> UserSummary {
    user_by_email(store, "sam.agent@tierline.example").await
}

/// What loading the demo wrote to the outbox, and the surveys its resolved tickets were offered,
/// are not under test here: Carla starts without a recent survey.
async fn forget_demo_history(store: &Store) {
    sqlx::query("UPDATE outbox SET processed_at = 0 WHERE processed_at IS NULL")
        .execute(store.pool())
        .await
        .expect("outbox");
    sqlx::query("UPDATE surveys SET offered_at = offered_at - 2592000000, remind_at = NULL")
        .execute(store.pool())
        .await
        .expect("surveys");
}

/// The token of the survey the ticket's latest resolution offered.
async fn token_of(store: &Store, ticket_id: i64) -> String {
    let survey = store.latest_survey_of(ticket_id).await.expect("read").expect("a survey was offered");
    survey_links().token(survey.id, &survey.nonce)
}

/// Opens a ticket for Carla, resolves it (her earlier surveys made a month older, so she may be
/// asked again) and answers its survey with `csat`. Returns the ticket.
async fn resolve_and_answer(store: &Store, subject: &str, csat: &str) -> i64 {
    let ticket_id = carla_opens(store, subject).await;
    sqlx::query("UPDATE surveys SET offered_at = offered_at - 2592000000")
        .execute(store.pool())
        .await
        .expect("older");
    set_status(store, ticket_id, &agent(store).await, TicketStatus::Resolved).await;
    let token = token_of(store, ticket_id).await;
    assert!(answer(&Client::new(state(store.clone())), &token, csat, "").await.status.is_success());
    ticket_id
}

async fn event_count(store: &Store, ticket_id: i64) -> i64 {
    store.count_events(ticket_id).await.expect("count")
}

async fn answer(client: &Client, token: &str, csat: &str, comment: &str) -> crate::common::Reply {
    client
        .call(
            "survey/answer",
            &[
                ("token", token),
                ("answer[csat]", csat),
                ("answer[effort]", "3"),
                ("answer[comment]", comment),
            ],
        )
        .await
}

fn smtp_settings(port: u16) -> Settings {
    Settings {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port,
            tls: "none".into(),
            username: None,
            password: None,
            from: "Tierline <tierline@helpdesk.example>".into(),
        }),
        ..Settings::default()
    }
}

/// The link in an e-mail to the survey page (its text part is quoted-printable).
fn survey_link_in(mail: &str) -> String {
    let decoded = mail.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    let start = decoded.find("https://help.example/survey/").expect("the e-mail has a survey link");
    let token: String = decoded[start + 28..]
        .chars()
        .take_while(|character| character.is_ascii_hexdigit() || *character == '.')
        .collect();
    format!("https://help.example/survey/{token}")
}

/// The demo without its history, a real SMTP server, and the two notification workers.
async fn with_mail(backend: Backend) -> (Store, SmtpServer, Notifier, Sender) {
    let store = demo_store(backend).await;
    forget_demo_history(&store).await;
    let smtp = SmtpServer::start().await;
    let channels = Channels::from_settings(&smtp_settings(smtp.port)).expect("channels");
    let notifier = Notifier::new(store.clone(), "https://help.example");
    let sender = Sender::new(store.clone(), channels, survey_links(), Duration::seconds(60));
    (store, smtp, notifier, sender)
}

async fn a_resolution_emails_a_link_that_works_once(backend: Backend) {
    let (store, smtp, notifier, sender) = with_mail(backend).await;

    let ticket_id = carla_opens(&store, "Label printer offline").await;
    set_status(&store, ticket_id, &agent(&store).await, TicketStatus::Resolved).await;
    let surveys: i64 = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM surveys WHERE ticket_id = $1")
        .bind(ticket_id)
        .fetch_one(store.pool())
        .await
        .expect("count");
    assert_eq!(surveys, 1, "one resolution, one survey");

    notifier.tick(Utc::now()).await.expect("notifier");
    sender.tick(Utc::now()).await.expect("sender");
    let mails = smtp.messages();
    let resolved: Vec<&String> = mails
        .iter()
        .filter(|mail| mail.contains("carla@acme.example") && mail.contains(&format!("#{ticket_id}")))
        .filter(|mail| mail.contains("Rate our support"))
        .collect();
    assert_eq!(resolved.len(), 1, "the resolution e-mail asks for the survey once: {mails:#?}");
    let link = survey_link_in(resolved[0]);
    assert_eq!(link, format!("https://help.example/survey/{}", token_of(&store, ticket_id).await));
    let token = link.rsplit('/').next().expect("token");

    // The page works without signing in and shows only the subject and number.
    let anonymous = Client::new(state(store.clone()));
    let page = anonymous.get(&format!("/survey/{token}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Label printer offline"));
    assert!(page.body.contains(&format!("#{ticket_id}")));
    assert!(!page.body.contains("L1 Service Desk"), "nothing internal");

    let before = event_count(&store, ticket_id).await;
    let first = answer(&anonymous, token, "4", "Quick and friendly.").await;
    assert!(first.status.is_success(), "{} {}", first.status, first.body);
    assert_eq!(event_count(&store, ticket_id).await, before + 1, "the answer joins the log");
    let log = store.timeline(ticket_id, true).await.expect("timeline");
    let answered = log.last().expect("an event");
    assert!(matches!(
        &answered.event.data,
        EventData::SurveyAnswered { csat: 4, effort: Some(3), comment: Some(comment), low: false, .. } if comment == "Quick and friendly."
    ));
    assert_eq!(answered.event.actor_id, Some(user_by_email(&store, "carla@acme.example").await.id));
    assert!(
        customers_see_no(&store, ticket_id, "survey_answered").await,
        "the answer is for staff eyes in the log"
    );

    // Used: refused with its reason, and nothing written.
    let again = answer(&anonymous, token, "1", "Changed my mind").await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert!(again.body.contains("already answered"), "{}", again.body);
    assert_eq!(event_count(&store, ticket_id).await, before + 1);
    let page = anonymous.get(&format!("/survey/{token}")).await;
    assert_eq!(page.status, StatusCode::CONFLICT);
    assert!(page.body.contains("already answered"), "{}", page.body);
    assert!(page.body.contains("Quick and friendly."), "the customer sees their own answer");
}

async fn bad_links_are_refused_alike_and_change_nothing(backend: Backend) {
    let store = demo_store(backend).await;
    forget_demo_history(&store).await;
    let sam = agent(&store).await;
    let first = carla_opens(&store, "First").await;
    set_status(&store, first, &sam, TicketStatus::Resolved).await;
    let token = token_of(&store, first).await;
    let survey = store.latest_survey_of(first).await.expect("read").expect("survey");
    let anonymous = Client::new(state(store.clone()));
    let before = event_count(&store, first).await;

    // Tampered, unknown, and the parts of one link put with another survey's id: all "not
    // found", the same answer a third party gets for any link that is not theirs.
    let (id, rest) = token.split_once('.').expect("id");
    let mut flipped = token.clone();
    let last = flipped.pop().expect("a character");
    flipped.push(if last == '0' { '1' } else { '0' });
    let other_key =
        app::ssr::survey_links::SurveyLinks::new(&"k".repeat(40), "https://help.example").expect("key");
    for bad in [
        flipped,
        format!("{}.{rest}", id.parse::<i64>().expect("id") + 1000),
        "1.00000000000000000000000000000000.00000000000000000000000000000000".to_string(),
        other_key.token(survey.id, &survey.nonce),
        "not-a-token".to_string(),
    ] {
        let reply = answer(&anonymous, &bad, "5", "").await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{bad}: {}", reply.body);
        assert_eq!(reply.json(), serde_json::json!("NotFound"));
        assert_eq!(anonymous.get(&format!("/survey/{bad}")).await.status, StatusCode::NOT_FOUND, "{bad}");
    }

    // Wrong scores name their field.
    for (csat, effort, field) in
        [("0", "", "csat"), ("6", "", "csat"), ("", "", "csat"), ("5", "8", "effort")]
    {
        let reply = anonymous
            .call("survey/answer", &[("token", &token), ("answer[csat]", csat), ("answer[effort]", effort)])
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{csat}/{effort}: {}", reply.body);
        assert!(reply.body.contains(field), "{}", reply.body);
    }
    // A comment of a megabyte is refused, not cut.
    let huge = "x".repeat(1 << 20);
    let reply = answer(&anonymous, &token, "5", &huge).await;
    assert!(
        reply.status == StatusCode::UNPROCESSABLE_ENTITY || reply.status == StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        reply.status
    );
    // A form posted from another site is refused before it is read.
    let reply = anonymous
        .post_with(
            "survey/answer",
            &[("token", &token), ("answer[csat]", "5")],
            &[("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(event_count(&store, first).await, before, "nothing was written");

    // Expired: the store refuses an answer after the link's end, and writes nothing.
    let late = survey.link.expires_at + Duration::seconds(1);
    let answer_five = SurveyAnswer { csat: 5, effort: None, comment: None };
    let refused = store.answer_survey(survey.id, &survey.nonce, &answer_five, late).await;
    assert!(
        matches!(
            refused,
            Err(app::ssr::store::surveys::AnswerRefused::Link(app::domain::survey::LinkRefusal::Expired))
        ),
        "{refused:?}"
    );
    assert_eq!(event_count(&store, first).await, before);
    // And the page of an expired link says so with 410.
    sqlx::query("UPDATE surveys SET expires_at = 1 WHERE id = $1")
        .bind(survey.id)
        .execute(store.pool())
        .await
        .expect("expire");
    let page = anonymous.get(&format!("/survey/{token}")).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(page.body.contains("This link has expired."), "{}", page.body);
    let reply = answer(&anonymous, &token, "5", "").await;
    assert_eq!(reply.status, StatusCode::GONE, "{}", reply.body);
    assert_eq!(event_count(&store, first).await, before);
}

async fn reopening_withdraws_the_survey_and_the_next_resolution_offers_a_new_one(backend: Backend) {
    let store = demo_store(backend).await;
    forget_demo_history(&store).await;
    let sam = agent(&store).await;
    let ticket_id = carla_opens(&store, "VPN drops").await;
    set_status(&store, ticket_id, &sam, TicketStatus::Resolved).await;
    let old_token = token_of(&store, ticket_id).await;
    set_status(&store, ticket_id, &sam, TicketStatus::Open).await;
    let anonymous = Client::new(state(store.clone()));
    let reply = answer(&anonymous, &old_token, "5", "").await;
    assert_eq!(reply.status, StatusCode::GONE, "{}", reply.body);
    assert!(reply.body.contains("withdrawn"), "{}", reply.body);

    set_status(&store, ticket_id, &sam, TicketStatus::Resolved).await;
    let new_token = token_of(&store, ticket_id).await;
    assert_ne!(new_token, old_token);
    assert!(answer(&anonymous, &new_token, "5", "").await.status.is_success());
    assert_eq!(
        answer(&anonymous, &old_token, "5", "").await.status,
        StatusCode::GONE,
        "the old link stays withdrawn"
    );
}

async fn a_customer_is_asked_at_most_once_a_week(backend: Backend) {
    let store = demo_store(backend).await;
    forget_demo_history(&store).await;
    let sam = agent(&store).await;
    let first = carla_opens(&store, "First").await;
    let second = carla_opens(&store, "Second").await;
    set_status(&store, first, &sam, TicketStatus::Resolved).await;
    set_status(&store, second, &sam, TicketStatus::Resolved).await;
    assert!(store.latest_survey_of(first).await.expect("read").is_some());
    assert!(
        store.latest_survey_of(second).await.expect("read").is_none(),
        "asked about another ticket days ago"
    );
}

async fn an_unanswered_survey_is_reminded_once(backend: Backend) {
    let (store, smtp, notifier, sender) = with_mail(backend).await;
    let sam = agent(&store).await;
    let ticket_id = carla_opens(&store, "Scanner jams").await;
    set_status(&store, ticket_id, &sam, TicketStatus::Resolved).await;
    let survey = store.latest_survey_of(ticket_id).await.expect("read").expect("survey");
    let reminders = |mails: Vec<String>| -> usize {
        mails.iter().filter(|mail| mail.contains("A few days ago we resolved your request")).count()
    };

    notifier.tick(Utc::now()).await.expect("notifier");
    sender.tick(Utc::now()).await.expect("sender");
    assert_eq!(reminders(smtp.messages()), 0, "not before its day");

    let due: DateTime<Utc> = survey.link.offered_at + Duration::days(3) + Duration::minutes(1);
    for _ in 0..2 {
        notifier.tick(due).await.expect("notifier");
        sender.tick(due).await.expect("sender");
    }
    let mails = smtp.messages();
    assert_eq!(reminders(mails.clone()), 1, "one reminder: {mails:#?}");
    let reminder = mails.iter().find(|mail| mail.contains("A few days ago")).expect("reminder");
    assert_eq!(
        survey_link_in(reminder),
        format!("https://help.example/survey/{}", token_of(&store, ticket_id).await)
    );

    // An answered survey is not reminded.
    resolve_and_answer(&store, "Other", "5").await;
    let later = Utc::now() + Duration::days(4);
    notifier.tick(later).await.expect("notifier");
    sender.tick(later).await.expect("sender");
    assert_eq!(reminders(smtp.messages()), 1, "no reminder of an answered survey");
}

async fn a_low_score_tells_the_lead_of_every_tier_that_held_the_ticket_and_opens_a_review(backend: Backend) {
    let store = demo_store(backend).await;
    forget_demo_history(&store).await;
    let notifier = Notifier::new(store.clone(), "https://help.example");
    let sam = agent(&store).await;
    let ticket_id = carla_opens(&store, "Payroll export fails").await;
    // L1 holds it first (the example policy routes new tickets there), then L2's Network group.
    place_in_l1(&store, ticket_id, &sam).await;
    let directory = store.directory().await.expect("directory");
    let l1 = directory.tiers.iter().find(|tier| tier.name == "L1 Service Desk").expect("L1");
    escalate_to(&store, ticket_id, &sam, "Network").await;
    set_status(&store, ticket_id, &sam, TicketStatus::Resolved).await;
    notifier.tick(Utc::now()).await.expect("notifier");

    let token = token_of(&store, ticket_id).await;
    let reply =
        answer(&Client::new(state(store.clone())), &token, "2", "Took three days and nobody called.").await;
    assert!(reply.status.is_success(), "{}", reply.body);
    notifier.tick(Utc::now()).await.expect("notifier");

    let rows: Vec<(Option<i64>, i64)> =
        sqlx::query_as("SELECT user_id, urgent FROM deliveries WHERE ticket_id = $1 AND kind = 'low_score'")
            .bind(ticket_id)
            .fetch_all(store.pool())
            .await
            .expect("deliveries");
    let told: BTreeSet<i64> = rows.iter().filter_map(|(user, _)| *user).collect();
    let l2 = directory.tiers.iter().find(|tier| tier.name == "L2 Specialists").expect("L2");
    let leads: BTreeSet<i64> = [l1.lead_id, l2.lead_id].into_iter().flatten().collect();
    assert_eq!(leads.len(), 2, "the demo's L1 and L2 have leads");
    assert_eq!(told, leads, "the leads of both tiers that held the ticket");
    assert!(rows.iter().all(|(_, urgent)| *urgent == 1), "urgent by the example policy");

    let reviews = store.reviews(None).await.expect("reviews");
    let review = reviews.iter().find(|review| review.ticket_id == ticket_id).expect("a review opened");
    assert_eq!(review.answer.csat, 2);
    assert_eq!(review.status, app::domain::survey::ReviewStatus::Open);
    assert_eq!(review.answer.comment.as_deref(), Some("Took three days and nobody called."));

    // A lead works the review: an agent cannot own it, an agreed action must be written down.
    let mut lena = Client::new(state(store.clone()));
    lena.sign_in("lena.lead@tierline.example", server::demo::DEMO_PASSWORD).await;
    let review_id = review.id.to_string();
    let lena_id = user_by_email(&store, "lena.lead@tierline.example").await.id.to_string();
    let save = |owner: &str, status: &str, action: &str| {
        let (owner, status, action, review_id) =
            (owner.to_string(), status.to_string(), action.to_string(), review_id.clone());
        let lena = &lena;
        async move {
            lena.call(
                "reviews/update",
                &[
                    ("review_id", &review_id),
                    ("change[owner_id]", &owner),
                    ("change[status]", &status),
                    ("change[notes]", "Nobody called back after the handoff."),
                    ("change[action]", &action),
                ],
            )
            .await
        }
    };
    let refused = save(&sam.id.to_string(), "discussed", "").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert!(refused.body.contains("owner_id"));
    let refused = save(&lena_id, "action_agreed", "").await;
    assert!(refused.body.contains("action"), "{}", refused.body);
    assert_eq!(
        store.review(review.id).await.expect("read").expect("review").status,
        review.status,
        "nothing saved"
    );
    let saved = save(&lena_id, "action_agreed", "L2 calls the customer within 4h of a handoff.").await;
    assert!(saved.status.is_success(), "{}", saved.body);
    let worked = store.review(review.id).await.expect("read").expect("review");
    assert_eq!(worked.status, app::domain::survey::ReviewStatus::ActionAgreed);
    assert_eq!(worked.owner_id.map(|id| id.to_string()), Some(lena_id.clone()));
    assert_eq!(worked.action, "L2 calls the customer within 4h of a handoff.");
    assert!(worked.updated_by_name.is_some());
    // An agent may not work reviews at all.
    let mut agent_client = Client::new(state(store.clone()));
    agent_client.sign_in("sam.agent@tierline.example", server::demo::DEMO_PASSWORD).await;
    assert_eq!(agent_client.call("reviews/list", &[("status", "")]).await.status, StatusCode::FORBIDDEN);

    // A satisfied customer opens no review.
    let happy = resolve_and_answer(&store, "Happy", "3").await;
    assert!(store.reviews(None).await.expect("reviews").iter().all(|review| review.ticket_id != happy));
}

async fn the_feedback_report_counts_what_a_plain_count_of_the_answers_says(backend: Backend) {
    let store = demo_store(backend).await;
    forget_demo_history(&store).await;
    // Only this test's surveys are counted (the demo's answers, and their reviews, go).
    sqlx::query("DELETE FROM reviews").execute(store.pool()).await.expect("reviews");
    sqlx::query("DELETE FROM surveys").execute(store.pool()).await.expect("surveys");
    let sam = agent(&store).await;
    let anonymous = Client::new(state(store.clone()));
    // A generated set: every third ticket escalated by hand, every fourth survey unanswered,
    // scores going round 1 to 5.
    let (mut offered, mut answered, mut satisfied) = (0u64, 0u64, 0u64);
    let (mut escalated_answers, mut escalated_satisfied) = (0u64, 0u64);
    let (mut csat_total, mut commented) = (0u64, 0u64);
    for index in 0..24u64 {
        let ticket_id = carla_opens(&store, &format!("Generated {index}")).await;
        let escalated = index % 3 == 0;
        place_in_l1(&store, ticket_id, &sam).await;
        if escalated {
            escalate_to(&store, ticket_id, &sam, "Network").await;
        }
        sqlx::query("UPDATE surveys SET offered_at = offered_at - 691200000")
            .execute(store.pool())
            .await
            .expect("older");
        set_status(&store, ticket_id, &sam, TicketStatus::Resolved).await;
        offered += 1;
        if index % 4 == 3 {
            continue;
        }
        let csat = index % 5 + 1;
        let token = token_of(&store, ticket_id).await;
        let comment = if index % 2 == 0 { "Said something." } else { "" };
        commented += u64::from(!comment.is_empty());
        assert!(answer(&anonymous, &token, &csat.to_string(), comment).await.status.is_success());
        answered += 1;
        csat_total += csat;
        satisfied += u64::from(csat >= 4);
        if escalated {
            escalated_answers += 1;
            escalated_satisfied += u64::from(csat >= 4);
        }
    }

    let query =
        app::domain::feedback::report::FeedbackQuery { from: "2000-01-01".into(), ..Default::default() };
    let page =
        app::ssr::reports::feedback(&store, &query, Utc::now().date_naive(), 1000).await.expect("report");
    let overall = &page.report.overall;
    assert_eq!((overall.responses.trials, overall.responses.successes), (offered, answered));
    assert_eq!(overall.satisfied.successes, satisfied);
    let mean = overall.mean_csat().expect("answers");
    assert!((mean - csat_total as f64 / answered as f64).abs() < 1e-9, "{mean}");
    let escalated = page
        .report
        .sections
        .iter()
        .find(|section| section.grouping == app::domain::feedback::report::Grouping::Escalated)
        .and_then(|section| section.rows.iter().find(|row| row.key == "yes"))
        .expect("an escalated row");
    assert_eq!(
        (escalated.figures.satisfied.trials, escalated.figures.satisfied.successes),
        (escalated_answers, escalated_satisfied)
    );
    assert_eq!(page.answers.len() as u64, answered);
    let with_comments =
        app::domain::feedback::report::FeedbackQuery { comments: "with".into(), ..query.clone() };
    let page_with_comments =
        app::ssr::reports::feedback(&store, &with_comments, Utc::now().date_naive(), 1000)
            .await
            .expect("report");
    assert_eq!(page_with_comments.answers.len() as u64, commented);
    assert!(page_with_comments.answers.iter().all(|row| row.answer.comment.is_some()));

    // The lead's page and the CSV download say the same; an agent gets neither.
    let mut lena = Client::new(state(store.clone()));
    lena.sign_in("lena.lead@tierline.example", server::demo::DEMO_PASSWORD).await;
    let served = lena.call("reports/feedback", &[("query[from]", "2000-01-01")]).await;
    assert!(served.status.is_success(), "{}", served.body);
    assert_eq!(served.json()["report"]["overall"]["satisfied"]["successes"], satisfied);
    let csv = lena.get("/reports/feedback.csv?from=2000-01-01").await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.body);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    let mut lines = csv.body.split("\r\n");
    assert!(lines
        .next()
        .expect("header")
        .starts_with("grouping,group,offered,answered,response_rate,satisfied"));
    let overall_row: Vec<&str> = lines.next().expect("overall").split(',').collect();
    assert_eq!(overall_row[..4], ["overall", "all surveys", &offered.to_string(), &answered.to_string()]);
    assert_eq!(overall_row[5], satisfied.to_string());
    let mut sam_client = Client::new(state(store.clone()));
    sam_client.sign_in("sam.agent@tierline.example", server::demo::DEMO_PASSWORD).await;
    assert_eq!(sam_client.get("/reports/feedback.csv").await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        Client::new(state(store.clone())).get("/reports/feedback.csv").await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// Guessing at links is limited per client address, counted with sign-in attempts.
async fn answers_are_rate_limited_per_client_address(backend: Backend) {
    let store = demo_store(backend).await;
    let settings = Settings {
        login_attempts_per_minute: 3,
        link_key: Some(crate::common::TEST_LINK_KEY.into()),
        ..Settings::default()
    };
    let options = leptos::prelude::LeptosOptions::builder().output_name("tierline").build();
    let state = server::startup::state_for(store.clone(), &settings, options).expect("state");
    let mut guesser = Client::new(state.clone());
    guesser.peer = Some("198.51.100.7:4000".parse().expect("address"));
    let guess = "1.00000000000000000000000000000000.00000000000000000000000000000000";
    for _ in 0..3 {
        assert_eq!(answer(&guesser, guess, "5", "").await.status, StatusCode::NOT_FOUND);
    }
    let limited = answer(&guesser, guess, "5", "").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{}", limited.body);
    let mut other = Client::new(state);
    other.peer = Some("203.0.113.9:4000".parse().expect("address"));
    assert_eq!(
        answer(&other, guess, "5", "").await.status,
        StatusCode::NOT_FOUND,
        "another address is not limited"
    );
}
