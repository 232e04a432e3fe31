//! Reports for leads, managers and admins (`Role::may_review_feedback`).

use leptos::prelude::*;

use crate::domain::feedback::report::{FeedbackPage, FeedbackQuery};
use crate::error::AppError;

/// The feedback report for a period, with the answers of one group when drilling down.
#[server(endpoint = "reports/feedback")]
pub async fn feedback_report(query: FeedbackQuery) -> Result<FeedbackPage, AppError> {
    let user = crate::ssr::auth::require_staff_hidden_from_customers().await?;
    if !user.role.may_review_feedback() {
        return Err(AppError::Forbidden);
    }
    let state = crate::ssr::app_state()?;
    crate::ssr::reports::feedback(
        &state.store,
        &query,
        crate::ssr::now().date_naive(),
        crate::ssr::reports::ANSWERS_SHOWN,
    )
    .await
}

/// The bottleneck report's period and filters, as text from its URL; `drill` names a row whose
/// tickets to list (`tier:3`, `status:pending`, `handoff:1-2`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimeQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub plan: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub drill: String,
}

/// The tickets one row of the report counts, longest first.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimeDrill {
    pub row: String,
    pub label: String,
    pub tickets: Vec<(i64, String, chrono::Duration)>,
}

/// The bottleneck report of the tickets resolved in a period.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TimePage {
    pub query: TimeQuery,
    pub period: crate::domain::period::Period,
    pub report: crate::domain::tracking::time_report::TimeReport,
    /// The names of the tiers the report names.
    pub tiers: Vec<(i64, String)>,
    /// The queue listing every ticket the report counts.
    pub tickets: crate::server_fns::tickets::TicketQuery,
    pub drill: Option<TimeDrill>,
}

/// How many tickets a drill-down lists at most.
pub const DRILL_SHOWN: usize = 200;

/// The bottleneck report, for leads, managers and admins.
#[server(endpoint = "reports/time")]
pub async fn time_report(query: TimeQuery) -> Result<TimePage, AppError> {
    let user = crate::ssr::auth::require_staff_hidden_from_customers().await?;
    if !user.role.may_track_progress() {
        return Err(AppError::Forbidden);
    }
    let store = crate::ssr::app_state()?.store;
    server::time(&store, &user, query, crate::ssr::now(), DRILL_SHOWN).await
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use crate::domain::period::{day_of, Period};
    use crate::domain::tracking::time_report::{time_report, TimeRow};
    use crate::domain::{FieldErrors, UserSummary};
    use crate::server_fns::tickets::TicketQuery;
    use crate::ssr::Store;

    /// Days the report covers by default.
    const DEFAULT_DAYS: i64 = 30;

    /// The report for `query` as `user` may have it, at `now`, with at most `shown` tickets of a
    /// drilled-down row.
    pub async fn time(
        store: &Store,
        user: &UserSummary,
        query: TimeQuery,
        now: chrono::DateTime<chrono::Utc>,
        shown: usize,
    ) -> Result<TimePage, AppError> {
        let zone = store.time_zone().await?;
        let mut errors = FieldErrors::default();
        let period = Period::read(&mut errors, &query.from, &query.to, DEFAULT_DAYS, day_of(now, zone));
        let drill = match query.drill.trim() {
            "" => None,
            text => TimeRow::parse(text).or_else(|| {
                errors.push("drill", "Choose a row of the report.");
                None
            }),
        };
        errors.into_result(())?;
        // The tickets: those resolved in the period, as the queue lists them.
        let tickets = TicketQuery {
            status: "all".into(),
            event: "resolved".into(),
            from: period.from.to_string(),
            to: period.to.to_string(),
            tier: query.tier.trim().into(),
            group: query.group.trim().into(),
            plan: query.plan.trim().into(),
            category: query.category.trim().into(),
            priority: query.priority.trim().into(),
            ..TicketQuery::default()
        };
        let filter = crate::server_fns::tickets::server::filter_for(user, &tickets, zone, now)?;
        let ids = store.ticket_ids_matching(&filter).await?;
        let times = crate::ssr::reports::ticket_times(store, &ids).await?;
        let report = time_report(&times, zone);
        let directory = store.directory().await?;
        let tier_name = |id: i64| directory.tier_name(Some(id)).unwrap_or("(a removed tier)").to_string();
        let drill = drill.map(|row| {
            let mut listed: Vec<(i64, String, chrono::Duration)> = times
                .iter()
                .filter_map(|ticket| Some((ticket.ticket_id, ticket.subject.clone(), row.time_of(ticket)?)))
                .collect();
            listed.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
            listed.truncate(shown);
            let label = match row {
                TimeRow::Tier(id) => format!("Held by {}", tier_name(id)),
                TimeRow::Status(status) => format!("Time {}", status.label().to_lowercase()),
                TimeRow::Handoff(from, to) => format!("Handed from {} to {}", tier_name(from), tier_name(to)),
            };
            TimeDrill { row: row.as_text(), label, tickets: listed }
        });
        let tiers = directory.tiers.iter().map(|tier| (tier.id, tier.name.clone())).collect();
        Ok(TimePage { query, period, report, tiers, tickets, drill })
    }
}

/// The performance review's period, as text from its URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReviewQuery {
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

/// The performance review of a period.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReviewPage {
    pub period: crate::domain::period::Period,
    /// Tiers, then groups, then agents.
    pub rows: Vec<crate::domain::tracking::review::ReviewRow>,
    /// The names behind the rows' ids.
    pub names: crate::domain::directory::Directory,
}

/// The performance review, for leads, managers and admins.
#[server(endpoint = "reports/review")]
pub async fn performance_review(query: ReviewQuery) -> Result<ReviewPage, AppError> {
    let user = crate::ssr::auth::require_staff_hidden_from_customers().await?;
    if !user.role.may_track_progress() {
        return Err(AppError::Forbidden);
    }
    let store = crate::ssr::app_state()?.store;
    review::review(&store, &user, &query, crate::ssr::now()).await
}

#[cfg(feature = "ssr")]
pub mod review {
    use super::*;
    use crate::domain::period::{day_of, Period};
    use crate::domain::tracking::review::review as review_rows;
    use crate::domain::{FieldErrors, UserSummary};
    use crate::server_fns::tickets::TicketQuery;
    use crate::ssr::Store;

    /// Days the review covers by default.
    const DEFAULT_DAYS: i64 = 30;

    /// The review for `query` as `user` may have it, at `now`.
    pub async fn review(
        store: &Store,
        user: &UserSummary,
        query: &ReviewQuery,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<ReviewPage, AppError> {
        let zone = store.time_zone().await?;
        let mut errors = FieldErrors::default();
        let period = Period::read(&mut errors, &query.from, &query.to, DEFAULT_DAYS, day_of(now, zone));
        errors.into_result(())?;
        // The tickets resolved in the period, as the queue lists them.
        let resolved = TicketQuery {
            status: "all".into(),
            event: "resolved".into(),
            from: period.from.to_string(),
            to: period.to.to_string(),
            ..TicketQuery::default()
        };
        let filter = crate::server_fns::tickets::server::filter_for(user, &resolved, zone, now)?;
        let ids = store.ticket_ids_matching(&filter).await?;
        let (tickets, events) = crate::ssr::reports::review_inputs(store, &ids, period.span(zone)).await?;
        Ok(ReviewPage { period, rows: review_rows(&tickets, &events), names: store.directory().await? })
    }
}
