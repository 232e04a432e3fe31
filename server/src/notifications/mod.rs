//! Notifications: from the outbox to people.
//!
//! Two workers run beside the web server, each testable one step at a time with any `now`:
//! - the [`Notifier`] reads outbox rows (ticket events and the engine's intents), lets the
//!   policy's rules (`app::domain::notify::plan_deliveries`) say who is told through which channel,
//!   and writes those deliveries — in-app ones as notifications — and marks the rows processed,
//!   in one transaction. A row is expanded once: its deliveries' idempotency keys are unique.
//! - the [`Sender`] claims due deliveries with a lease, sends them through their channel and
//!   records the outcome: sent, tried again later with exponential back-off, or failed for good.
//!
//! After a crash, an unprocessed outbox row is expanded by the next run and a claimed delivery is
//! sent again once its lease runs out — with the same idempotency key, so a receiver can tell.

pub mod channels;
mod delivery_worker;
pub mod render;

use std::collections::HashMap;

use app::domain::calendar::Calendar;
use app::domain::delivery::{self, event_kind_of};
use app::domain::describe::describe;
use app::domain::directory::Directory;
use app::domain::escalation::NotificationIntent;
use app::domain::feedback::escalation_path;
use app::domain::notify::{self, Audience, Contact, Destination, Occurrence, TicketSnapshot};
use app::domain::policy::{EventKind, NotificationChannel, NotificationRule};
use app::domain::{EventData, Ticket, TicketEvent};
use app::ssr::store::notifications::{NewDelivery, OutboxRow};
use app::ssr::store::surveys::{SurveyRecord, REMINDER_TOPIC};
use app::ssr::store::StoreResult;
use app::ssr::Store;
use chrono::{DateTime, Utc};
pub use delivery_worker::Sender;

/// Sends password reset links through the SMTP channel the notifications use.
pub struct AccountMailer {
    channels: channels::Channels,
    public_url: String,
}

impl AccountMailer {
    pub fn new(channels: channels::Channels, public_url: &str) -> AccountMailer {
        AccountMailer { channels, public_url: public_url.trim_end_matches('/').to_string() }
    }
}

impl app::ssr::AccountMail for AccountMailer {
    fn send_password_reset<'a>(
        &'a self,
        to: &'a app::domain::UserSummary,
        token: &'a str,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send + 'a>> {
        Box::pin(async move {
            let link = format!("{}/reset?token={token}", self.public_url);
            let email = render::password_reset_email(
                &to.display_name,
                &link,
                app::server_fns::session::PASSWORD_RESET_MINUTES,
            );
            // The Message-ID comes from the token's digest: unique, and no use to a reader.
            let key = format!("password-reset-{}", &app::ssr::auth::hash_token(token)[..24]);
            self.channels
                .send_email(&to.email, Some(&to.display_name), &email, &key)
                .await
                .map_err(|error| error.to_string())
        })
    }
}

use render::{Notice, SurveyInvite};

/// How many outbox rows one transaction expands.
const OUTBOX_BATCH: i64 = 200;
/// The longest the notifier sleeps without looking; other instances' commits wake it through
/// the live channel, so this only bounds the cost of a lost wake-up.
const MAX_SLEEP: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Clone)]
pub struct Notifier {
    store: Store,
    /// Where links in messages point: the settings' `public_url`, without a trailing slash.
    public_url: String,
}

/// What one notifier step did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NotifyReport {
    pub rows: usize,
    pub deliveries: usize,
}

/// Everything the rules need besides the outbox rows, loaded once per step.
struct World {
    rules: Vec<NotificationRule>,
    people: Vec<Contact>,
    /// The tiers, groups, categories and agents, by name.
    directory: Directory,
    plans: HashMap<i64, String>,
}

impl Notifier {
    pub fn new(store: Store, public_url: &str) -> Notifier {
        Notifier { store, public_url: public_url.trim_end_matches('/').to_string() }
    }

    /// Expands every unprocessed outbox row.
    pub async fn tick(&self, now: DateTime<Utc>) -> StoreResult<NotifyReport> {
        let mut report = NotifyReport::default();
        self.store.queue_due_survey_reminders(now, OUTBOX_BATCH).await?;
        // Every commit wakes the notifier; the rules, people and directory are read only when
        // there is something to expand.
        if self.store.unprocessed_outbox().await? == 0 {
            return Ok(report);
        }
        let world = self.world().await?;
        loop {
            let mut write = self.store.begin_write().await?;
            let rows = self.store.pending_outbox_in(&mut write, OUTBOX_BATCH).await?;
            if rows.is_empty() {
                return Ok(report);
            }
            let ticket_ids: Vec<i64> = {
                let mut ids: Vec<i64> = rows.iter().filter_map(|row| row.ticket_id).collect();
                ids.sort_unstable();
                ids.dedup();
                ids
            };
            let tickets: HashMap<i64, Ticket> =
                self.store.tickets_by_ids(&ticket_ids).await?.into_iter().map(|t| (t.id, t)).collect();
            let event_ids: Vec<i64> = rows.iter().filter_map(|row| row.event_id).collect();
            let events: HashMap<i64, TicketEvent> =
                self.store.events_by_ids(&event_ids).await?.into_iter().map(|e| (e.id, e)).collect();
            let watchers = self.store.watchers_of(&ticket_ids).await?;
            let surveys = self.surveys_of(&rows, &events).await?;
            let held_tiers = self.tiers_held_for_low_scores(&events).await?;
            for row in &rows {
                let Some(ticket) = row.ticket_id.and_then(|id| tickets.get(&id)) else { continue };
                if let Some(survey) = surveys.get(&row.id) {
                    if row.topic == REMINDER_TOPIC {
                        if let Some(delivery) = self.reminder(row, ticket, survey, &world) {
                            let inserted =
                                self.store.insert_delivery_in(&mut write, &delivery, None, now).await?;
                            report.deliveries += usize::from(inserted.is_some());
                        }
                        continue;
                    }
                }
                let event = row.event_id.and_then(|id| events.get(&id));
                if let Some(EventData::EscalationAcknowledged { level }) = event.map(|event| &event.data) {
                    self.store
                        .suppress_acknowledged_in(&mut write, ticket.id, *level, ACKNOWLEDGED_KINDS)
                        .await?;
                }
                let facts = world.facts(ticket, watchers.get(&ticket.id).cloned().unwrap_or_default());
                let tiers = event.and_then(|event| held_tiers.get(&event.id)).map_or(&[][..], Vec::as_slice);
                let survey = surveys.get(&row.id).map(|survey| invite(survey, false));
                for (occurrence, summary) in world.occurrences(row, facts, event, tiers) {
                    for delivery in self.plan(&world, row, ticket, &occurrence, &summary, survey.as_ref()) {
                        let in_app = delivery.1.as_ref().map(|(title, body)| (title.as_str(), body.as_str()));
                        if self
                            .store
                            .insert_delivery_in(&mut write, &delivery.0, in_app, now)
                            .await?
                            .is_some()
                        {
                            report.deliveries += 1;
                        }
                    }
                }
            }
            let ids: Vec<i64> = rows.iter().map(|row| row.id).collect();
            self.store.mark_outbox_processed_in(&mut write, &ids, now).await?;
            write.commit().await?;
            report.rows += rows.len();
            self.store.delivery_wake().notify_one();
        }
    }

    /// The survey each outbox row offers: the one a resolution offered (for its `resolved`
    /// message to the requester), or the one a reminder row is about.
    async fn surveys_of(
        &self,
        rows: &[OutboxRow],
        events: &HashMap<i64, TicketEvent>,
    ) -> StoreResult<HashMap<i64, SurveyRecord>> {
        let mut surveys = HashMap::new();
        for row in rows {
            let survey = if row.topic == REMINDER_TOPIC {
                match serde_json::from_str::<ReminderPayload>(&row.payload) {
                    Ok(payload) => self.store.survey_by_id(payload.survey_id).await?,
                    Err(_) => {
                        tracing::warn!(outbox = row.id, "unreadable survey reminder; skipped");
                        None
                    }
                }
            } else {
                match row.event_id.and_then(|id| events.get(&id)) {
                    Some(event) if event_kind_of(&event.data, true) == Some(EventKind::Resolved) => {
                        self.store.survey_offered_by(event.id).await?
                    }
                    _ => None,
                }
            };
            if let Some(survey) = survey {
                surveys.insert(row.id, survey);
            }
        }
        Ok(surveys)
    }

    /// For each low score among `events`, the tiers that held its ticket, in order of arrival:
    /// their leads are told.
    async fn tiers_held_for_low_scores(
        &self,
        events: &HashMap<i64, TicketEvent>,
    ) -> StoreResult<HashMap<i64, Vec<i64>>> {
        let low: Vec<&TicketEvent> = events
            .values()
            .filter(|event| matches!(event.data, EventData::SurveyAnswered { low: true, .. }))
            .collect();
        if low.is_empty() {
            return Ok(HashMap::new());
        }
        let ticket_ids: Vec<i64> = low.iter().map(|event| event.ticket_id).collect();
        let logs: HashMap<i64, Vec<TicketEvent>> = self
            .store
            .tickets_with_logs(&ticket_ids)
            .await?
            .into_iter()
            .map(|(ticket, log)| (ticket.id, log))
            .collect();
        Ok(low
            .into_iter()
            .map(|event| {
                let tiers =
                    logs.get(&event.ticket_id).map(|log| escalation_path(log).tiers).unwrap_or_default();
                (event.id, tiers)
            })
            .collect())
    }

    /// The reminder e-mail of a survey to its requester, unless it was answered or withdrawn
    /// since it was queued, or the requester can no longer be reached.
    fn reminder(
        &self,
        row: &OutboxRow,
        ticket: &Ticket,
        survey: &SurveyRecord,
        world: &World,
    ) -> Option<NewDelivery> {
        if survey.link.answered_at.is_some() || survey.link.withdrawn_at.is_some() {
            return None;
        }
        let requester =
            world.people.iter().find(|person| person.id == survey.requester_id && person.active)?;
        let destination = format!("user:{}", requester.id);
        let notice = Notice {
            kind: EventKind::Resolved,
            reader: render::Reader::Customer,
            ticket_id: ticket.id,
            ticket_subject: ticket.subject.clone(),
            priority: ticket.priority.label().to_string(),
            level: None,
            holder: None,
            summary: String::new(),
            ticket_url: format!("{}/tickets/{}", self.public_url, ticket.id),
            recipient_name: Some(requester.display_name.clone()),
            recipient_names: Vec::new(),
            at: row.created_at,
            idempotency_key: delivery::idempotency_key(row.id, "email", &destination),
            survey: Some(invite(survey, true)),
        };
        Some(NewDelivery {
            outbox_id: row.id,
            ticket_id: Some(ticket.id),
            kind: "survey_reminder".to_string(),
            level: ticket.escalation_level,
            destination,
            user_id: Some(requester.id),
            urgent: false,
            digest: false,
            notice: serde_json::to_string(&notice).unwrap_or_default(),
            idempotency_key: notice.idempotency_key.clone(),
            not_before: row.created_at,
            channel: "email".to_string(),
        })
    }

    /// The deliveries of one occurrence, each with the in-app title and body when it is in-app.
    /// `survey` is offered to the ticket's requester, if they are among the recipients.
    fn plan(
        &self,
        world: &World,
        row: &OutboxRow,
        ticket: &Ticket,
        occurrence: &Occurrence,
        summary: &str,
        survey: Option<&SurveyInvite>,
    ) -> Vec<(NewDelivery, Option<(String, String)>)> {
        let audience = Audience {
            people: &world.people,
            tiers: &world.directory.tiers,
            groups: &world.directory.groups,
        };
        notify::plan_deliveries(occurrence, &world.rules, &audience)
            .into_iter()
            .map(|planned| {
                let person = match planned.destination {
                    Destination::Person(id) => world.people.iter().find(|person| person.id == id),
                    _ => None,
                };
                let destination = match &planned.destination {
                    Destination::Person(id) => format!("user:{id}"),
                    Destination::Address(address) => format!("email:{address}"),
                    Destination::Channel => "channel".to_string(),
                };
                let channel = planned.channel.as_text();
                let reader = match person {
                    Some(person) if person.role.is_customer() => render::Reader::Customer,
                    _ => render::Reader::Staff,
                };
                let is_requester = person.is_some_and(|person| person.id == ticket.requester_id);
                let notice = Notice {
                    kind: occurrence.kind,
                    reader,
                    ticket_id: ticket.id,
                    ticket_subject: ticket.subject.clone(),
                    priority: ticket.priority.label().to_string(),
                    level: Some(ticket.escalation_level),
                    holder: world.holder(ticket),
                    summary: summary.to_string(),
                    ticket_url: format!("{}/tickets/{}", self.public_url, ticket.id),
                    recipient_name: person.map(|person| person.display_name.clone()),
                    recipient_names: planned.recipient_names.clone(),
                    at: occurrence.at,
                    idempotency_key: delivery::idempotency_key(row.id, &channel, &destination),
                    survey: survey.filter(|_| is_requester && reader == render::Reader::Customer).cloned(),
                };
                let in_app = (planned.channel == NotificationChannel::InApp).then(|| in_app_text(&notice));
                let delivery = NewDelivery {
                    outbox_id: row.id,
                    ticket_id: Some(ticket.id),
                    kind: occurrence.kind.as_str().to_string(),
                    level: ticket.escalation_level,
                    destination,
                    user_id: person.map(|person| person.id),
                    urgent: planned.urgent,
                    digest: planned.digest,
                    notice: serde_json::to_string(&notice).unwrap_or_default(),
                    idempotency_key: notice.idempotency_key.clone(),
                    not_before: planned.not_before,
                    channel,
                };
                (delivery, in_app)
            })
            .collect()
    }

    async fn world(&self) -> StoreResult<World> {
        let rules = self.store.rules().await?.map(|rules| rules.policy.notifications).unwrap_or_default();
        let calendars: HashMap<i64, Calendar> = self
            .store
            .calendars()
            .await?
            .into_iter()
            .filter_map(|record| {
                Calendar::from_toml(&record.source).ok().map(|calendar| (record.id, calendar))
            })
            .collect();
        let digests: HashMap<i64, i64> = self.store.digest_minutes().await?.into_iter().collect();
        let people = self
            .store
            .users()
            .await?
            .into_iter()
            .map(|user| Contact {
                id: user.summary.id,
                display_name: user.summary.display_name,
                email: user.summary.email,
                role: user.summary.role,
                active: user.active,
                calendar: user.calendar_id.and_then(|id| calendars.get(&id).cloned()),
                digest_every: digests
                    .get(&user.summary.id)
                    .map(|minutes| chrono::Duration::minutes(*minutes)),
            })
            .collect();
        let directory = self.store.directory().await?;
        Ok(World {
            rules,
            people,
            directory,
            plans: self.store.organisations().await?.into_iter().map(|o| (o.id, o.plan)).collect(),
        })
    }

    /// Runs until `shutdown` is notified: a step, then sleep until woken by a commit (of this
    /// instance, or of another through the live channel) or at most [`MAX_SLEEP`].
    pub async fn run(self, shutdown: std::sync::Arc<tokio::sync::Notify>) {
        let wake = self.store.notifier_wake();
        loop {
            let floor = match self.tick(Utc::now()).await {
                Ok(report) => {
                    metrics::counter!("tierline_deliveries_planned_total")
                        .increment(report.deliveries as u64);
                    std::time::Duration::ZERO
                }
                Err(error) => {
                    tracing::error!(%error, "notifier step failed; retrying");
                    std::time::Duration::from_secs(1)
                }
            };
            tokio::time::sleep(floor).await;
            tokio::select! {
                () = tokio::time::sleep(MAX_SLEEP) => {}
                () = wake.notified() => {}
                () = shutdown.notified() => return,
            }
        }
    }
}

/// The kinds an acknowledgement silences, as stored in deliveries.
const ACKNOWLEDGED_KINDS: &[&str] = &["reminder"];

impl World {
    fn facts(&self, ticket: &Ticket, watcher_ids: Vec<i64>) -> TicketSnapshot {
        TicketSnapshot {
            ticket_id: ticket.id,
            subject: ticket.subject.clone(),
            priority: ticket.priority,
            plan: self.plans.get(&ticket.organisation_id).cloned().unwrap_or_default(),
            category: self.directory.category_name(ticket.category_id).map(str::to_string),
            level: ticket.escalation_level,
            tier_id: ticket.assignment.tier_id,
            group_id: ticket.assignment.group_id,
            assignee_id: ticket.assignment.assignee_id,
            requester_id: ticket.requester_id,
            watcher_ids,
            acknowledged_level: ticket.acknowledged_level,
        }
    }

    /// The group or tier holding the ticket, by name.
    fn holder(&self, ticket: &Ticket) -> Option<String> {
        let group = self.directory.group_name(ticket.assignment.group_id);
        group.or_else(|| self.directory.tier_name(ticket.assignment.tier_id)).map(str::to_string)
    }

    fn person_name(&self, id: Option<i64>) -> String {
        id.and_then(|id| self.people.iter().find(|person| person.id == id))
            .map(|person| person.display_name.clone())
            .unwrap_or_else(|| "Tierline".to_string())
    }

    /// What an outbox row is worth telling, each with its one-sentence summary: an engine intent
    /// as it is; a ticket event by its kind, plus a mention for each note or reply naming people.
    ///
    /// A low satisfaction score is told once for each tier in `held_tiers` (the tiers that held
    /// the ticket), as if that tier held it, so `lead` and `tier` name each of them.
    fn occurrences(
        &self,
        row: &OutboxRow,
        facts: TicketSnapshot,
        event: Option<&TicketEvent>,
        held_tiers: &[i64],
    ) -> Vec<(Occurrence, String)> {
        let occurrence = |kind: EventKind, actor_id: Option<i64>, also_tell, mentioned_ids: Vec<i64>, at| {
            Occurrence { kind, ticket: facts.clone(), mentioned_ids, also_tell, actor_id, at }
        };
        if row.topic.starts_with("notify.") {
            let Ok(payload) = serde_json::from_str::<IntentPayload>(&row.payload) else {
                tracing::warn!(outbox = row.id, "unreadable notification intent; skipped");
                return Vec::new();
            };
            let intent = payload.intent;
            return vec![(
                occurrence(intent.kind, None, intent.also_tell, Vec::new(), row.created_at),
                intent.summary,
            )];
        }
        let Some(event) = event else { return Vec::new() };
        let actor = self.person_name(event.actor_id);
        let mut found = Vec::new();
        if let Some(kind) = event_kind_of(&event.data, event.actor_id.is_some()) {
            // The requester's own "we have received your request" is the point of `created`.
            let actor_id = if kind == EventKind::Created { None } else { event.actor_id };
            found.push((
                occurrence(kind, actor_id, None, Vec::new(), event.at),
                event_summary(&event.data, &actor, &self.directory),
            ));
        }
        if let EventData::SurveyAnswered { low: true, .. } = &event.data {
            let summary = event_summary(&event.data, &actor, &self.directory);
            for tier in held_tiers {
                let held = TicketSnapshot {
                    tier_id: Some(*tier),
                    group_id: None,
                    assignee_id: None,
                    ..facts.clone()
                };
                found.push((
                    Occurrence {
                        kind: EventKind::LowScore,
                        ticket: held,
                        mentioned_ids: Vec::new(),
                        also_tell: None,
                        actor_id: event.actor_id,
                        at: event.at,
                    },
                    summary.clone(),
                ));
            }
        }
        if let EventData::InternalNote { body } | EventData::PublicReply { body } = &event.data {
            let mentioned = notify::mentions(body, &self.people, &self.directory.groups);
            if !mentioned.is_empty() {
                let summary = format!("{actor} mentioned you: {}", excerpt(body));
                found.push((
                    occurrence(EventKind::Mention, event.actor_id, None, mentioned, event.at),
                    summary,
                ));
            }
        }
        found
    }
}

/// The outbox payload the engine writes for an intent.
#[derive(serde::Deserialize)]
struct IntentPayload {
    intent: NotificationIntent,
}

/// The outbox payload of a survey reminder.
#[derive(serde::Deserialize)]
struct ReminderPayload {
    survey_id: i64,
}

/// What a message carries of a survey: never its link, which the delivery worker signs.
fn invite(survey: &SurveyRecord, reminder: bool) -> SurveyInvite {
    SurveyInvite {
        survey_id: survey.id,
        nonce: survey.nonce.clone(),
        expires_at: survey.link.expires_at,
        reminder,
        url: None,
    }
}

/// The summary of a ticket event for staff: the event's sentence (`domain::describe`), then
/// the start of what it carries — the text written, what a handoff asks, why it came back.
fn event_summary(event: &EventData, actor: &str, names: &Directory) -> String {
    let sentence = describe(event, actor, names);
    match event {
        EventData::Created { description: text, .. }
        | EventData::CustomerMessage { body: text }
        | EventData::PublicReply { body: text }
        | EventData::InternalNote { body: text }
        | EventData::Deescalated { reason: text, .. }
        | EventData::SurveyAnswered { comment: Some(text), .. } => format!("{sentence}: {}", excerpt(text)),
        EventData::Escalated { handoff: Some(handoff), .. } => {
            format!("{sentence}. Asked: {}", excerpt(&handoff.ask))
        }
        _ => format!("{sentence}."),
    }
}

/// The first 200 characters of a text, on one line.
fn excerpt(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() > 200 {
        format!("{}…", line.chars().take(200).collect::<String>())
    } else {
        line
    }
}

/// The title and body of an in-app notification.
fn in_app_text(notice: &Notice) -> (String, String) {
    let title = format!("{}: #{} {}", notice.kind.label(), notice.ticket_id, notice.ticket_subject);
    let body = match notice.reader {
        render::Reader::Staff => notice.summary.clone(),
        render::Reader::Customer => render::email(notice).subject,
    };
    (title, body)
}
