//! The reports' data: the page's server function, its CSV download and the `tierline analyse`
//! command all call [`feedback`], so their figures are the same; the bottleneck report's and the
//! performance review's resolved tickets are replayed by the clock code here.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};

use crate::domain::clock::TicketClocks;
use crate::domain::period::Span;
use crate::domain::tracking::review::{ResolvedTicket, ReviewEvent};
use crate::domain::tracking::time_report::TicketTime;
use crate::domain::{Ticket, TicketEvent};

use crate::domain::feedback::report::{
    belongs_to, describe_path, feedback_report, AnswerRow, AskedReport, FeedbackPage, FeedbackQuery,
};
use crate::error::AppError;
use crate::ssr::Store;

/// How many answers the page lists at most (newest first); the CSV has the figures, not these.
pub const ANSWERS_SHOWN: usize = 200;

/// The feedback report for `query` (dates in UTC, both ends included), as of `today`, with at
/// most `answers_shown` of its answers.
pub async fn feedback(
    store: &Store,
    query: &FeedbackQuery,
    today: NaiveDate,
    answers_shown: usize,
) -> Result<FeedbackPage, AppError> {
    let AskedReport { from, to, drill, with_comments } = query.read(today)?;
    let start = Utc.from_utc_datetime(&from.and_time(NaiveTime::MIN));
    let end = Utc.from_utc_datetime(&(to + Duration::days(1)).and_time(NaiveTime::MIN));
    let surveys = store.survey_facts(start, end).await?;
    let names = store.directory().await?;
    let report = feedback_report(&surveys, &names);
    let drill_label = drill.as_ref().and_then(|(grouping, key)| {
        report
            .sections
            .iter()
            .find(|section| section.grouping == *grouping)
            .and_then(|section| section.rows.iter().find(|row| row.key == *key))
            .map(|row| format!("{}: {}", grouping.label(), row.label))
    });
    let mut answers: Vec<AnswerRow> = surveys
        .iter()
        .filter(|survey| match &drill {
            Some((grouping, key)) => belongs_to(*grouping, survey, &names, key),
            None => true,
        })
        .filter_map(|survey| {
            let answer =
                survey.record.answer.clone().filter(|answer| !with_comments || answer.comment.is_some())?;
            Some(AnswerRow {
                ticket_id: survey.record.ticket_id,
                subject: survey.subject.clone(),
                answered_at: survey.answered_at?,
                answer,
                path: describe_path(&survey.record.path, &names),
            })
        })
        .collect();
    answers.sort_by(|a, b| b.answered_at.cmp(&a.answered_at).then(b.ticket_id.cmp(&a.ticket_id)));
    let answer_count = answers.len();
    answers.truncate(answers_shown);
    Ok(FeedbackPage { from, to, report, drill: drill_label, answers, answer_count })
}

/// Replays the clocks of each resolved ticket of `ids` up to its resolution under the policy in
/// force now (not the one in force then: versions are not replayed), and returns what `read` makes of (ticket, log, clocks, resolution). Tickets not
/// resolved, and all of them while no policy exists, are left out.
async fn replay_resolved<T>(
    store: &Store,
    ids: &[i64],
    read: impl Fn(&Ticket, &[TicketEvent], &TicketClocks, DateTime<Utc>) -> T,
) -> Result<Vec<T>, AppError> {
    use crate::domain::escalation::{clocks, EngineContext};
    let Some(rules) = store.rules().await? else {
        return Ok(Vec::new());
    };
    let directory = store.directory().await?;
    let plans: std::collections::HashMap<i64, String> = store
        .organisations()
        .await?
        .into_iter()
        .map(|organisation| (organisation.id, organisation.plan))
        .collect();
    // Clocks do not route, so who is available does not matter here.
    let agents = std::collections::BTreeMap::new();
    let mut read_all = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        for (ticket, log) in store.tickets_with_logs(chunk).await? {
            let Some(resolved_at) = ticket.resolved_at else { continue };
            let plan = plans.get(&ticket.organisation_id).map(String::as_str).unwrap_or_default();
            let context = EngineContext {
                policy: &rules.policy,
                calendars: &rules.calendars,
                directory: &directory,
                agents: &agents,
                plan,
            };
            let clocks = clocks(&context, &ticket, &log, resolved_at);
            read_all.push(read(&ticket, &log, &clocks, resolved_at));
        }
    }
    Ok(read_all)
}

/// Where the time of each resolved ticket of `ids` went, for the bottleneck report.
pub async fn ticket_times(store: &Store, ids: &[i64]) -> Result<Vec<TicketTime>, AppError> {
    replay_resolved(store, ids, |ticket, log, clocks, resolved_at| {
        TicketTime::of(ticket.id, &ticket.subject, resolved_at, log, clocks)
    })
    .await
}

/// The performance review's inputs: the resolved tickets of `ids`, and what happened in `span`
/// on any ticket (escalations, missed checkpoints, ratings of escalations).
pub async fn review_inputs(
    store: &Store,
    ids: &[i64],
    span: Span,
) -> Result<(Vec<ResolvedTicket>, Vec<ReviewEvent>), AppError> {
    let tickets = replay_resolved(store, ids, |ticket, log, clocks, resolved_at| {
        ResolvedTicket::of(ticket, log, clocks, resolved_at)
    })
    .await?;
    let happened =
        store.events_of_kinds(&["escalated", "checkpoint_missed", "escalation_rated"], span).await?;
    // A rating names the escalation it rates by its place in the ticket's log.
    let rated: Vec<i64> = happened
        .iter()
        .filter(|event| matches!(event.data, crate::domain::EventData::EscalationRated { .. }))
        .map(|event| event.ticket_id)
        .collect();
    let logs: std::collections::HashMap<i64, Vec<TicketEvent>> =
        store.tickets_with_logs(&rated).await?.into_iter().map(|(ticket, log)| (ticket.id, log)).collect();
    let events = happened
        .iter()
        .filter_map(|event| {
            ReviewEvent::of(event, logs.get(&event.ticket_id).map(Vec::as_slice).unwrap_or_default())
        })
        .collect();
    Ok((tickets, events))
}
