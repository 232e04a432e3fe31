//! Satisfaction surveys and the reviews of low scores.
//!
//! A survey is offered inside the write path that resolves a ticket ([`offer_or_withdraw_in`],
//! called by `Store::append_in`), so a resolution and its survey commit together; reopening
//! withdraws the unanswered one. An answer appends `survey_answered` to the ticket's log, records
//! itself on the survey and, when low, opens a review — one transaction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::tickets::WriteError;
use super::{
    from_millis, get_instant, get_named, get_optional_instant, to_millis, Store, StoreError, StoreResult,
    WriteTx,
};
use crate::domain::feedback::report::{describe_path, SurveyFacts};
use crate::domain::feedback::{breached_clocks, escalation_path, groups_held, holder_at_end, FeedbackRecord};
use crate::domain::policy::Policy;
use crate::domain::survey::{
    self, check_link, decide_offer, LinkRefusal, OfferDecision, OfferFacts, Review, ReviewStatus,
    SurveyAnswer, SurveyLink, SurveySettings, SurveyStep,
};
use crate::domain::{EventData, Ticket, TicketEvent};
use crate::ssr::survey_links::SurveyLinks;

/// A survey as its pages show it: the link's state, the ticket it is about, and the answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyRecord {
    pub id: i64,
    pub ticket_id: i64,
    pub ticket_subject: String,
    /// The customer's organisation, in whose name the survey asks.
    pub organisation: String,
    pub requester_id: i64,
    pub link: SurveyLink,
    pub answer: Option<SurveyAnswer>,
    /// Not sent to browsers: with the server's key it makes the link.
    #[serde(skip)]
    pub nonce: String,
}

/// Why an answer was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum AnswerRefused {
    /// No survey has this id and nonce: a tampered, unknown or forged link.
    #[error("survey not found")]
    NotFound,
    #[error("{}", .0.message())]
    Link(LinkRefusal),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for AnswerRefused {
    fn from(error: sqlx::Error) -> Self {
        AnswerRefused::Store(error.into())
    }
}

impl From<WriteError> for AnswerRefused {
    fn from(error: WriteError) -> Self {
        match error {
            WriteError::NotFound => AnswerRefused::NotFound,
            WriteError::Store(error) => AnswerRefused::Store(error),
            other => AnswerRefused::Store(StoreError::Corrupt(other.to_string())),
        }
    }
}

/// The outbox topic of a survey reminder; its payload is `{"survey_id": ID}`.
pub const REMINDER_TOPIC: &str = "survey.reminder";

const SURVEY_COLUMNS: &str = "s.id, s.ticket_id, t.subject, o.name AS organisation, s.requester_id, s.nonce,
     s.offered_at, s.expires_at, s.answered_at, s.withdrawn_at, s.csat, s.effort, s.comment
     FROM surveys s JOIN tickets t ON t.id = s.ticket_id JOIN organisations o ON o.id = s.organisation_id";

/// A survey's own columns, for the report's facts.
const SURVEY_COLUMNS_ONLY: &str =
    "s.id, s.ticket_id, s.resolved_event_id, s.offered_at, s.answered_at, s.csat, s.effort, s.comment";

/// The log up to the event `event_id` (a survey's resolution): a later reopening is another
/// survey's.
fn log_until(log: &[TicketEvent], event_id: i64) -> Vec<TicketEvent> {
    log.iter().take_while(|event| event.id <= event_id).cloned().collect()
}

fn answer_from_row(row: &AnyRow) -> StoreResult<Option<SurveyAnswer>> {
    let csat: Option<i64> = row.try_get("csat")?;
    let effort: Option<i64> = row.try_get("effort")?;
    Ok(csat.map(|csat| SurveyAnswer {
        csat: csat as u8,
        effort: effort.map(|effort| effort as u8),
        comment: row.try_get::<Option<String>, _>("comment").ok().flatten(),
    }))
}

fn survey_from_row(row: &AnyRow) -> StoreResult<SurveyRecord> {
    let ticket_id: i64 = row.try_get("ticket_id")?;
    Ok(SurveyRecord {
        id: row.try_get("id")?,
        ticket_id,
        ticket_subject: row.try_get("subject")?,
        organisation: row.try_get("organisation")?,
        requester_id: row.try_get("requester_id")?,
        link: SurveyLink {
            ticket_id,
            offered_at: get_instant(row, "offered_at")?,
            expires_at: get_instant(row, "expires_at")?,
            answered_at: get_optional_instant(row, "answered_at")?,
            withdrawn_at: get_optional_instant(row, "withdrawn_at")?,
        },
        answer: answer_from_row(row)?,
        nonce: row.try_get("nonce")?,
    })
}

/// The survey settings of the policy in force, read in the caller's transaction; the defaults
/// when no policy has been saved.
async fn survey_settings_in(write: &mut WriteTx) -> StoreResult<SurveySettings> {
    let source: Option<String> =
        sqlx::query("SELECT source FROM policy_versions ORDER BY version DESC LIMIT 1")
            .fetch_optional(&mut *write.tx)
            .await?
            .map(|row| row.try_get("source"))
            .transpose()?;
    Ok(source
        .and_then(|source| Policy::from_toml(&source).ok())
        .map(|policy| policy.survey)
        .unwrap_or_default())
}

/// What the events just appended to `ticket` mean for its surveys, written in the same
/// transaction: a resolution may offer one; a reopening withdraws the one not yet answered.
pub(super) async fn offer_or_withdraw_in(
    write: &mut WriteTx,
    ticket: &Ticket,
    events: &[TicketEvent],
    at: DateTime<Utc>,
) -> StoreResult<()> {
    let data: Vec<EventData> = events.iter().map(|event| event.data.clone()).collect();
    let Some(step) = survey::survey_step(&data) else {
        return Ok(());
    };
    // Whatever happened, an older survey of this ticket not yet answered no longer applies.
    sqlx::query(
        "UPDATE surveys SET withdrawn_at = $1 WHERE ticket_id = $2 AND answered_at IS NULL AND withdrawn_at IS NULL",
    )
    .bind(to_millis(at))
    .bind(ticket.id)
    .execute(&mut *write.tx)
    .await?;
    if step != SurveyStep::Resolved {
        return Ok(());
    }
    let Some(resolution) =
        events.iter().rev().find(|event| matches!(event.data, EventData::StatusChanged { .. }))
    else {
        return Ok(());
    };
    let settings = survey_settings_in(write).await?;
    let escalated: bool = sqlx::query(
        "SELECT 1 AS found FROM ticket_events WHERE ticket_id = $1 AND kind = 'escalated' LIMIT 1",
    )
    .bind(ticket.id)
    .fetch_optional(&mut *write.tx)
    .await?
    .is_some();
    let plan: String = sqlx::query("SELECT plan FROM organisations WHERE id = $1")
        .bind(ticket.organisation_id)
        .fetch_one(&mut *write.tx)
        .await?
        .try_get("plan")?;
    let last_offer: Option<i64> = sqlx::query(
        "SELECT MAX(offered_at) AS last_offer FROM surveys WHERE requester_id = $1 AND ticket_id <> $2",
    )
    .bind(ticket.requester_id)
    .bind(ticket.id)
    .fetch_one(&mut *write.tx)
    .await?
    .try_get("last_offer")?;
    let facts = OfferFacts {
        escalated,
        plan: plan.to_lowercase(),
        last_offer_for_another_ticket: last_offer.map(from_millis).transpose()?,
    };
    let OfferDecision::Offer { expires_at, remind_at } = decide_offer(&settings, &facts, at) else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO surveys (ticket_id, organisation_id, requester_id, resolved_event_id, nonce, offered_at, expires_at, remind_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(ticket.id)
    .bind(ticket.organisation_id)
    .bind(ticket.requester_id)
    .bind(resolution.id)
    .bind(SurveyLinks::new_nonce())
    .bind(to_millis(at))
    .bind(to_millis(expires_at))
    .bind(remind_at.map(to_millis))
    .execute(&mut *write.tx)
    .await?;
    Ok(())
}

impl Store {
    /// The survey with `id`, if its nonce is `nonce` (a link made for another survey, or before
    /// a database was restored, finds nothing).
    pub async fn survey(&self, id: i64, nonce: &str) -> StoreResult<Option<SurveyRecord>> {
        let survey = self.one_survey("s.id = $1", id).await?;
        Ok(survey.filter(|survey| nonce_matches(&survey.nonce, nonce)))
    }

    /// The newest survey offered about a ticket.
    pub async fn latest_survey_of(&self, ticket_id: i64) -> StoreResult<Option<SurveyRecord>> {
        self.one_survey("s.ticket_id = $1 ORDER BY s.id DESC LIMIT 1", ticket_id).await
    }

    /// The survey a resolution (its `status_changed` event) offered, if it offered one.
    pub async fn survey_offered_by(&self, event_id: i64) -> StoreResult<Option<SurveyRecord>> {
        self.one_survey("s.resolved_event_id = $1", event_id).await
    }

    /// The survey with `id`, for the notifier (which signs its link itself).
    pub async fn survey_by_id(&self, id: i64) -> StoreResult<Option<SurveyRecord>> {
        self.one_survey("s.id = $1", id).await
    }

    /// The first survey where `condition` (with its one parameter, `value`) holds.
    async fn one_survey(&self, condition: &str, value: i64) -> StoreResult<Option<SurveyRecord>> {
        let row = sqlx::query(&format!("SELECT {SURVEY_COLUMNS} WHERE {condition}"))
            .bind(value)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(survey_from_row).transpose()
    }

    /// Records `answer` to survey `id` (whose nonce must be `nonce`) at `at`: the ticket's log
    /// gets `survey_answered` from the requester, and a low score opens a review. A link that was
    /// answered, withdrawn or has expired refuses, and nothing is written.
    pub async fn answer_survey(
        &self,
        id: i64,
        nonce: &str,
        answer: &SurveyAnswer,
        at: DateTime<Utc>,
    ) -> Result<(SurveyRecord, TicketEvent), AnswerRefused> {
        let mut write = self.begin_write().await?;
        let row = sqlx::query(&format!(
            "SELECT {SURVEY_COLUMNS} WHERE s.id = $1{}",
            self.backend().lock_for_write()
        ))
        .bind(id)
        .fetch_optional(&mut *write.tx)
        .await?;
        let survey = row.as_ref().map(survey_from_row).transpose()?;
        let Some(survey) = survey.filter(|survey| nonce_matches(&survey.nonce, nonce)) else {
            return Err(AnswerRefused::NotFound);
        };
        check_link(&survey.link, at).map_err(AnswerRefused::Link)?;
        let settings = survey_settings_in(&mut write).await?;
        let low = answer.is_low(&settings);
        let event = EventData::SurveyAnswered {
            survey_id: survey.id,
            csat: answer.csat,
            effort: answer.effort,
            comment: answer.comment.clone(),
            low,
        };
        let appended = self
            .append_in(&mut write, survey.ticket_id, Some(survey.requester_id), None, at, move |_| {
                Ok(vec![event])
            })
            .await?;
        sqlx::query(
            "UPDATE surveys SET answered_at = $1, csat = $2, effort = $3, comment = $4 WHERE id = $5",
        )
        .bind(to_millis(at))
        .bind(i64::from(answer.csat))
        .bind(answer.effort.map(i64::from))
        .bind(answer.comment.clone())
        .bind(survey.id)
        .execute(&mut *write.tx)
        .await?;
        if low {
            sqlx::query(
                "INSERT INTO reviews (survey_id, ticket_id, status, notes, action, created_at, updated_at)
                 VALUES ($1, $2, $3, '', '', $4, $4)",
            )
            .bind(survey.id)
            .bind(survey.ticket_id)
            .bind(ReviewStatus::Open.as_str())
            .bind(to_millis(at))
            .execute(&mut *write.tx)
            .await?;
        }
        write.commit().await?;
        let event = appended
            .events
            .into_iter()
            .next()
            .ok_or_else(|| StoreError::Corrupt("the answer appended no event".into()))?;
        let answered = SurveyRecord {
            link: SurveyLink { answered_at: Some(at), ..survey.link },
            answer: Some(answer.clone()),
            ..survey
        };
        Ok((answered, event))
    }

    /// Queues the survey reminders due at `now` for the notifier: each due survey is marked
    /// reminded and gets an outbox row (`survey.reminder`) in one transaction, so it is reminded
    /// once whatever happens next. A survey answered, withdrawn or expired is not reminded.
    /// Returns how many were queued.
    pub async fn queue_due_survey_reminders(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<usize> {
        let mut write = self.begin_write().await?;
        let rows = sqlx::query(&format!(
            "SELECT id, ticket_id FROM surveys
             WHERE remind_at <= $1 AND reminded_at IS NULL AND answered_at IS NULL AND withdrawn_at IS NULL
                 AND expires_at > $1
             ORDER BY remind_at LIMIT $2{}",
            self.backend().take_rows_skipping_held()
        ))
        .bind(to_millis(now))
        .bind(limit)
        .fetch_all(&mut *write.tx)
        .await?;
        let mut due = Vec::with_capacity(rows.len());
        for row in &rows {
            due.push((row.try_get::<i64, _>("id")?, row.try_get::<i64, _>("ticket_id")?));
        }
        if due.is_empty() {
            return Ok(0);
        }
        sqlx::query(&format!(
            "UPDATE surveys SET reminded_at = $1 WHERE id IN ({})",
            super::id_list(due.iter().map(|(survey_id, _)| *survey_id))
        ))
        .bind(to_millis(now))
        .execute(&mut *write.tx)
        .await?;
        super::execute_rows(
            &mut write,
            "INSERT INTO outbox (ticket_id, topic, payload, created_at) VALUES ",
            "",
            4,
            due.clone(),
            |query, (survey_id, ticket_id)| {
                query
                    .bind(ticket_id)
                    .bind(REMINDER_TOPIC)
                    .bind(serde_json::json!({ "survey_id": survey_id }).to_string())
                    .bind(to_millis(now))
            },
        )
        .await?;
        write.commit().await?;
        Ok(due.len())
    }

    /// Every survey offered in `[from, to)`, with what the feedback report groups it by: read
    /// from the survey, its ticket, the organisation's plan and the ticket's log.
    pub async fn survey_facts(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<SurveyFacts>> {
        let rows = sqlx::query(&format!(
            "SELECT {SURVEY_COLUMNS_ONLY}, o.plan FROM surveys s JOIN organisations o ON o.id = s.organisation_id
             WHERE s.offered_at >= $1 AND s.offered_at < $2 ORDER BY s.offered_at, s.id"
        ))
        .bind(to_millis(from))
        .bind(to_millis(to))
        .fetch_all(self.pool())
        .await?;
        let mut ticket_ids: Vec<i64> =
            rows.iter().map(|row| row.try_get("ticket_id")).collect::<Result<_, _>>()?;
        ticket_ids.sort_unstable();
        ticket_ids.dedup();
        let logs: std::collections::HashMap<i64, (Ticket, Vec<TicketEvent>)> = self
            .tickets_with_logs(&ticket_ids)
            .await?
            .into_iter()
            .map(|(ticket, log)| (ticket.id, (ticket, log)))
            .collect();
        let mut facts = Vec::with_capacity(rows.len());
        for row in &rows {
            let ticket_id: i64 = row.try_get("ticket_id")?;
            let Some((ticket, log)) = logs.get(&ticket_id) else { continue };
            // The log up to this survey's resolution: a later reopening is another survey's.
            let resolved_event: i64 = row.try_get("resolved_event_id")?;
            let until = log_until(log, resolved_event);
            let plan: String = row.try_get("plan")?;
            facts.push(SurveyFacts {
                record: FeedbackRecord {
                    ticket_id,
                    answer: answer_from_row(row)?,
                    path: escalation_path(&until),
                    breached: breached_clocks(&until),
                },
                offered_at: get_instant(row, "offered_at")?,
                answered_at: get_optional_instant(row, "answered_at")?,
                subject: ticket.subject.clone(),
                category_id: ticket.category_id,
                priority: ticket.priority,
                plan: plan.to_lowercase(),
                channel: ticket.channel,
                groups: groups_held(&until),
                agent_id: holder_at_end(&until).and_then(|assignment| assignment.assignee_id),
            });
        }
        Ok(facts)
    }

    /// Reviews, open ones first (then newest first); `status` keeps only those in it.
    pub async fn reviews(&self, status: Option<ReviewStatus>) -> StoreResult<Vec<Review>> {
        let rows = sqlx::query(&format!(
            "SELECT {REVIEW_COLUMNS} WHERE ($1 = '' OR r.status = $1)
             ORDER BY CASE r.status WHEN 'closed' THEN 1 ELSE 0 END, r.created_at DESC, r.id DESC"
        ))
        .bind(status.map(|status| status.as_str()).unwrap_or_default())
        .fetch_all(self.pool())
        .await?;
        self.reviews_from_rows(&rows).await
    }

    pub async fn review(&self, id: i64) -> StoreResult<Option<Review>> {
        let rows = sqlx::query(&format!("SELECT {REVIEW_COLUMNS} WHERE r.id = $1"))
            .bind(id)
            .fetch_all(self.pool())
            .await?;
        Ok(self.reviews_from_rows(&rows).await?.into_iter().next())
    }

    /// Reviews with their ticket's escalation path and missed targets up to the resolution that
    /// offered the survey, read from the log.
    async fn reviews_from_rows(&self, rows: &[AnyRow]) -> StoreResult<Vec<Review>> {
        let ticket_ids: Vec<i64> =
            rows.iter().map(|row| row.try_get("ticket_id")).collect::<Result<_, _>>()?;
        let logs: std::collections::HashMap<i64, Vec<TicketEvent>> = self
            .tickets_with_logs(&ticket_ids)
            .await?
            .into_iter()
            .map(|(ticket, log)| (ticket.id, log))
            .collect();
        let names = self.directory().await?;
        let mut reviews = Vec::with_capacity(rows.len());
        for row in rows {
            let mut review = review_from_row(row)?;
            let resolved_event: i64 = row.try_get("resolved_event_id")?;
            let until =
                logs.get(&review.ticket_id).map(|log| log_until(log, resolved_event)).unwrap_or_default();
            review.path = describe_path(&escalation_path(&until), &names);
            review.missed_targets =
                breached_clocks(&until).into_iter().map(|clock| clock.label().to_string()).collect();
            reviews.push(review);
        }
        Ok(reviews)
    }

    /// Saves a review's owner, status, notes and action, by `by`.
    pub async fn update_review(
        &self,
        id: i64,
        change: &survey::ReviewChange,
        by: i64,
        at: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut write = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE reviews SET status = $1, owner_id = $2, notes = $3, action = $4, updated_at = $5, updated_by = $6
             WHERE id = $7",
        )
        .bind(change.status.as_str())
        .bind(change.owner_id)
        .bind(&change.notes)
        .bind(&change.action)
        .bind(to_millis(at))
        .bind(by)
        .bind(id)
        .execute(&mut *write.tx)
        .await?
        .rows_affected();
        write.commit().await?;
        Ok(updated == 1)
    }
}

const REVIEW_COLUMNS: &str =
    "r.id, r.survey_id, r.ticket_id, s.resolved_event_id, t.subject, o.name AS organisation, s.csat, s.effort,
     s.comment, s.answered_at, r.status, r.owner_id, owner.display_name AS owner_name, r.notes, r.action,
     r.created_at, r.updated_at, editor.display_name AS updated_by_name
     FROM reviews r JOIN surveys s ON s.id = r.survey_id JOIN tickets t ON t.id = r.ticket_id
     JOIN organisations o ON o.id = t.organisation_id
     LEFT JOIN users owner ON owner.id = r.owner_id LEFT JOIN users editor ON editor.id = r.updated_by";

fn review_from_row(row: &AnyRow) -> StoreResult<Review> {
    Ok(Review {
        id: row.try_get("id")?,
        survey_id: row.try_get("survey_id")?,
        ticket_id: row.try_get("ticket_id")?,
        ticket_subject: row.try_get("subject")?,
        organisation: row.try_get("organisation")?,
        answer: answer_from_row(row)?
            .ok_or_else(|| StoreError::Corrupt("a review of a survey without an answer".into()))?,
        answered_at: get_instant(row, "answered_at")?,
        status: get_named(row, "status", ReviewStatus::parse)?,
        owner_id: row.try_get("owner_id")?,
        owner_name: row.try_get("owner_name")?,
        notes: row.try_get("notes")?,
        action: row.try_get("action")?,
        created_at: get_instant(row, "created_at")?,
        updated_at: get_instant(row, "updated_at")?,
        updated_by_name: row.try_get("updated_by_name")?,
        path: String::new(),
        missed_targets: Vec::new(),
    })
}

/// Compares nonces in constant time: the link's signature was checked already, so this only
/// matters if the key leaked, but then it must not help.
fn nonce_matches(stored: &str, given: &str) -> bool {
    stored.len() == given.len()
        && stored.bytes().zip(given.bytes()).fold(0u8, |difference, (a, b)| difference | (a ^ b)) == 0
}
