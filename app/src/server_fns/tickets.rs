//! Server functions for tickets: lists, the ticket page, opening, writing and editing.
//!
//! Customers reach only tickets of their own organisation, and only the public part of each; a
//! ticket they may not see answers "not found", exactly like one that does not exist.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::directory::Directory;
use crate::domain::queue::{CustomerTicket, ListedTickets, TimelineEntry};
use crate::domain::{Ticket, UserSummary};
use crate::error::AppError;

/// A ticket list request as it comes from the URL of the queue or the portal. Every field is
/// text so that a hand-edited URL gets a clear error instead of a parse failure.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketQuery {
    /// `active` (default: not resolved or closed), `all`, or a comma-separated list of statuses.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub group: String,
    /// `me`, `none` or an agent id.
    #[serde(default)]
    pub assignee: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub tag: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: String,
    /// The drill-downs of the dashboard's figures (staff only): ladder level, plan, clock
    /// standing (`at_risk`, `breached`) and kind, unacknowledged escalations (`yes`), and
    /// something that happened (`opened`, `escalated`, …) from `from` to `to` (dates, both
    /// included, in the support organisation's time zone).
    #[serde(default)]
    pub level: String,
    #[serde(default)]
    pub plan: String,
    #[serde(default)]
    pub risk: String,
    #[serde(default)]
    pub clock: String,
    #[serde(default)]
    pub unacknowledged: String,
    /// `yes`: stalled in their tier now.
    #[serde(default)]
    pub stalled: String,
    /// `yes`: escalations (above the first level, or escalated by hand).
    #[serde(default)]
    pub escalated: String,
    /// A date: the tickets worked at the end of that day, held then by the tier `tier` names
    /// (the dashboard's "open per tier" of a past day).
    #[serde(default)]
    pub open_on: String,
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
}

pub const PAGE_SIZE: i64 = 25;

/// A ticket with everything its page shows to staff.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDetail {
    pub ticket: Ticket,
    pub requester_name: String,
    pub organisation_name: String,
    pub plan: String,
    pub timeline: Vec<TimelineEntry>,
    /// Names behind the ids.
    pub directory: Directory,
    pub viewer: UserSummary,
    /// The ticket's SLA clocks under the policy in force, with their explanations, once a policy
    /// exists.
    pub clocks: Option<crate::domain::clock::TicketClocks>,
    /// The tier's last activity on the ticket and when that makes it stalled, if it can stall.
    pub stall: Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>,
    /// Whether the viewer watches the ticket.
    pub watching: bool,
    /// The newest satisfaction survey of the ticket and its answer.
    pub survey: Option<crate::server_fns::surveys::SurveyOnTicket>,
    /// Whether the viewer may rate the escalation that brought the ticket to its tier: it came
    /// by escalation, nobody rated it yet, and the viewer is of the receiving tier.
    pub may_rate_escalation: bool,
}

/// A ticket as its page shows it to the customer: the public part only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerTicketDetail {
    pub ticket: CustomerTicket,
    pub requester_name: String,
    pub organisation_name: String,
    pub plan: String,
    pub category_name: Option<String>,
    /// Public events only.
    pub timeline: Vec<TimelineEntry>,
    /// Whether the customer may reopen it (it is resolved).
    pub may_reopen: bool,
    /// The satisfaction survey, for the requester only: the form's link while it is open, or
    /// their answer.
    pub survey: Option<crate::server_fns::surveys::SurveyOnTicket>,
}

/// The ticket page's data, shaped for whoever asked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ViewedTicket {
    Staff(Box<TicketDetail>),
    Customer(Box<CustomerTicketDetail>),
}

/// The fields of the "edit ticket" form, as text; `version` is the version the form was built
/// from, so that a concurrent edit is detected.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketEdit {
    pub ticket_id: String,
    pub version: String,
    pub status: String,
    pub priority: String,
    pub category: String,
    pub tags: String,
    pub tier: String,
    pub group: String,
    pub assignee: String,
    /// Why the ticket goes back to a lower tier; asked for only then.
    #[serde(default)]
    pub deescalation_reason: String,
}

/// The "open a ticket" form. `requester` is set when staff open a ticket for a customer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTicketForm {
    pub subject: String,
    pub description: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub priority: String,
    #[serde(default)]
    pub requester: String,
}

impl TicketQuery {
    /// Its fields as URL parameters, by name (empty ones included), the page last.
    pub fn pairs(&self) -> [(&'static str, &str); 21] {
        [
            ("status", &self.status),
            ("tier", &self.tier),
            ("group", &self.group),
            ("assignee", &self.assignee),
            ("priority", &self.priority),
            ("category", &self.category),
            ("tag", &self.tag),
            ("q", &self.q),
            ("level", &self.level),
            ("plan", &self.plan),
            ("risk", &self.risk),
            ("clock", &self.clock),
            ("unacknowledged", &self.unacknowledged),
            ("stalled", &self.stalled),
            ("escalated", &self.escalated),
            ("open_on", &self.open_on),
            ("event", &self.event),
            ("from", &self.from),
            ("to", &self.to),
            ("sort", &self.sort),
            ("page", &self.page),
        ]
    }
}

/// Lists tickets. Customers: their organisation's only, whatever the filter says, without the
/// internal columns. Staff: all.
#[server(endpoint = "tickets/list")]
pub async fn list_tickets(query: TicketQuery) -> Result<ListedTickets, AppError> {
    use crate::domain::queue::CustomerTicketListPage;
    let user = crate::ssr::auth::require_user().await?;
    let store = crate::ssr::app_state()?.store;
    let filter = server::filter_for(&user, &query, store.time_zone().await?, crate::ssr::now())?;
    let page = store.list_tickets(&filter).await?;
    Ok(if user.role.is_staff() {
        ListedTickets::Staff(page)
    } else {
        let items = page.items.iter().map(|item| item.for_customer()).collect();
        ListedTickets::Customer(CustomerTicketListPage { items, total: page.total })
    })
}

/// The names behind ids, for filters and forms. Staff see everything; customers the categories.
#[server(endpoint = "tickets/directory")]
pub async fn ticket_directory() -> Result<Directory, AppError> {
    let user = crate::ssr::auth::require_user().await?;
    server::directory_for(&user).await
}

/// One ticket with its timeline. Customers get the public part of their organisation's tickets.
#[server(endpoint = "tickets/detail")]
pub async fn load_ticket(ticket_id: i64) -> Result<ViewedTicket, AppError> {
    let user = crate::ssr::auth::require_user().await?;
    let state = crate::ssr::app_state()?;
    let ticket = server::visible_ticket(&user, ticket_id).await?;
    let requester = state
        .store
        .user(ticket.requester_id)
        .await?
        .ok_or_else(|| AppError::internal("requester missing"))?;
    let organisation = state
        .store
        .organisations()
        .await?
        .into_iter()
        .find(|o| o.id == ticket.organisation_id)
        .ok_or_else(|| AppError::internal("organisation missing"))?;
    let timeline = state.store.timeline(ticket.id, user.role.is_staff()).await?;
    let directory = server::directory_for(&user).await?;
    let survey = crate::server_fns::surveys::survey_on_ticket(&state, &user, &ticket).await?;
    if !user.role.is_staff() {
        return Ok(ViewedTicket::Customer(Box::new(CustomerTicketDetail {
            category_name: directory.category_name(ticket.category_id).map(str::to_string),
            may_reopen: crate::domain::ticket::customer_may_reopen(&ticket),
            ticket: CustomerTicket::from(&ticket),
            requester_name: requester.summary.display_name,
            organisation_name: organisation.name,
            plan: organisation.plan,
            timeline,
            survey,
        })));
    }
    let (clocks, stall) = match state.store.rules().await? {
        Some(rules) => {
            use crate::domain::escalation::{clocks, stalled_from, EngineContext};
            // Clocks do not route, so who is available does not matter here.
            let agents = std::collections::BTreeMap::new();
            let context = EngineContext {
                policy: &rules.policy,
                calendars: &rules.calendars,
                directory: &directory,
                agents: &agents,
                plan: &organisation.plan,
            };
            let events: Vec<_> = timeline.iter().map(|entry| entry.event.clone()).collect();
            (
                Some(clocks(&context, &ticket, &events, crate::ssr::now())),
                stalled_from(&context, &ticket, &events),
            )
        }
        None => (None, None),
    };
    let watching = state.store.watchers(ticket.id).await?.contains(&user.id);
    let may_rate_escalation = {
        use crate::domain::commands::{is_rated, may_acknowledge, received_escalation};
        let log: Vec<_> = timeline.iter().map(|entry| entry.event.clone()).collect();
        received_escalation(&ticket, &log).is_some_and(|escalation| {
            !is_rated(&log, escalation) && may_acknowledge(&directory, user.id, user.role, ticket.assignment)
        })
    };
    Ok(ViewedTicket::Staff(Box::new(TicketDetail {
        timeline,
        directory,
        clocks,
        stall,
        watching,
        survey,
        may_rate_escalation,
        requester_name: requester.summary.display_name,
        organisation_name: organisation.name,
        plan: organisation.plan,
        ticket,
        viewer: user,
    })))
}

/// Opens a ticket. A customer opens it for themself; staff name the customer it is for. Redirects
/// to the new ticket's page.
#[server(endpoint = "tickets/create")]
pub async fn create_ticket(form: NewTicketForm) -> Result<i64, AppError> {
    use crate::domain::commands::NewTicketInput;
    use crate::domain::{Channel, FieldErrors};
    use crate::ssr::use_cases::{self, TicketToOpen};
    let user = crate::ssr::auth::require_user().await?;
    let state = crate::ssr::app_state()?;
    let mut errors = FieldErrors::default();
    let category_id = server::optional_id(&mut errors, "category", &form.category);
    let requester = if user.role.is_staff() {
        let found = match server::optional_id(&mut errors, "requester", &form.requester) {
            Some(id) => state.store.user(id).await?.map(|record| record.summary),
            None => None,
        };
        if found.is_none() && errors.for_field("requester").is_none() {
            errors.push("requester", "Choose the customer this ticket is for.");
        }
        found
    } else {
        Some(user.clone())
    };
    let ticket = TicketToOpen {
        requester,
        requester_field: "requester",
        errors,
        input: NewTicketInput {
            subject: form.subject,
            description: form.description,
            category_id,
            priority: form.priority,
        },
        channel: if user.role.is_staff() { Channel::Phone } else { Channel::Portal },
    };
    let appended = use_cases::open_ticket(&state.store, &user, ticket, crate::ssr::now()).await?;
    leptos_axum::redirect(&format!("/tickets/{}", appended.ticket.id));
    Ok(appended.ticket.id)
}

/// Writes on a ticket: customers a message, staff a public reply (`visibility = public`) or an
/// internal note (`internal`). Never conflicts with other edits.
#[server(endpoint = "tickets/message")]
pub async fn post_message(ticket_id: i64, body: String, visibility: String) -> Result<(), AppError> {
    use crate::domain::Visibility;
    use crate::ssr::use_cases::{self, MessageRefused, NewMessage};
    let user = crate::ssr::auth::require_user().await?;
    let state = crate::ssr::app_state()?;
    let visibility = match visibility.as_str() {
        "internal" => Visibility::Internal,
        "public" | "" => Visibility::Public,
        other => {
            return Err(AppError::field("visibility", format!("\"{other}\" is neither public nor internal.")))
        }
    };
    let message = NewMessage { ticket_id, author: user.clone(), visibility, body };
    use_cases::post_message(&state.store, &user, message, crate::ssr::now()).await.map_err(|refused| {
        match refused {
            // Another organisation's ticket is hidden exactly like a missing one.
            MessageRefused::NoTicket | MessageRefused::OtherOrganisation => AppError::NotFound,
            MessageRefused::InternalNoteByCustomer => AppError::Forbidden,
            MessageRefused::Error(error) => error,
        }
    })?;
    Ok(())
}

/// Changes a ticket's fields (staff only). Refused with a description of the other person's
/// changes when the ticket changed since `version`. A move to a higher tier is refused (it is an
/// escalation, with a handoff note); a move to a lower tier needs `deescalation_reason`.
#[server(endpoint = "tickets/update")]
pub async fn update_ticket(edit: TicketEdit) -> Result<(), AppError> {
    use crate::domain::{commands, ladder::LadderContext};
    let user = crate::ssr::auth::require_staff().await?;
    let state = crate::ssr::app_state()?;
    let (ticket_id, version, changes) = server::parse_edit(&state.store, &edit).await?;
    let directory = state.store.directory().await?;
    let rules = state.store.rules().await?;
    let ladder = LadderContext { policy: rules.as_ref().map(|rules| &rules.policy), directory: &directory };
    state
        .store
        .append(ticket_id, &user, Some(version), crate::ssr::now(), |t| {
            commands::change(t, user.role, &ladder, &changes)
        })
        .await?;
    Ok(())
}

/// The "escalate" form: where the ticket goes and the handoff note for whoever takes it over.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EscalationForm {
    pub ticket_id: String,
    pub tier: String,
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub assignee: String,
    pub summary: String,
    pub tried: String,
    pub impact: String,
    pub ask: String,
}

/// Escalates a ticket by hand to a higher tier (or a group or agent of it) with a structured
/// handoff note (staff only); the ticket takes the ladder level of where it goes. Never
/// conflicts: an escalation is a decision about the ticket as it is now.
#[server(endpoint = "tickets/escalate")]
pub async fn escalate_ticket(form: EscalationForm) -> Result<(), AppError> {
    use crate::domain::commands;
    use crate::domain::ladder::LadderContext;
    use crate::domain::ticket::{Assignment, Handoff};
    use crate::domain::FieldErrors;
    let user = crate::ssr::auth::require_staff().await?;
    let state = crate::ssr::app_state()?;
    let mut errors = FieldErrors::default();
    let ticket_id =
        server::optional_id(&mut errors, "ticket_id", &form.ticket_id).ok_or(AppError::NotFound)?;
    server::visible_ticket(&user, ticket_id).await?;
    let to = Assignment {
        tier_id: server::optional_id(&mut errors, "tier", &form.tier),
        group_id: server::optional_id(&mut errors, "group", &form.group),
        assignee_id: server::optional_id(&mut errors, "assignee", &form.assignee),
    };
    let directory = state.store.directory().await?;
    server::check_assignment(&directory, &to, &mut errors);
    let handoff = Handoff { summary: form.summary, tried: form.tried, impact: form.impact, ask: form.ask };
    if let Err(more) = handoff.validate() {
        errors.0.extend(more.0);
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let rules = state.store.rules().await?;
    let ladder = LadderContext { policy: rules.as_ref().map(|rules| &rules.policy), directory: &directory };
    state
        .store
        .append(ticket_id, &user, None, crate::ssr::now(), |t| {
            commands::escalate(t, user.role, &ladder, to, &handoff)
        })
        .await?;
    Ok(())
}

/// Takes note of the escalation of the ticket's current level: staff of the holding tier or
/// group, its lead, managers and admins. Repeat reminders about that level stop; breaches are
/// still told and the ladder goes on.
#[server(endpoint = "tickets/acknowledge")]
pub async fn acknowledge_escalation(ticket_id: i64) -> Result<(), AppError> {
    let user = crate::ssr::auth::require_staff().await?;
    let state = crate::ssr::app_state()?;
    server::visible_ticket(&user, ticket_id).await?;
    let directory = state.store.directory().await?;
    state
        .store
        .append(ticket_id, &user, None, crate::ssr::now(), |t| {
            crate::domain::commands::acknowledge(t, user.id, user.role, &directory)
        })
        .await?;
    Ok(())
}

/// Rates the escalation that brought the ticket to the tier holding it (its receivers, their
/// lead or a manager; once): warranted or not, and how good the handoff note was.
#[server(endpoint = "tickets/rate_escalation")]
pub async fn rate_escalation(
    ticket_id: i64,
    rating: crate::domain::commands::EscalationRatingInput,
) -> Result<(), AppError> {
    let user = crate::ssr::auth::require_staff().await?;
    let state = crate::ssr::app_state()?;
    server::visible_ticket(&user, ticket_id).await?;
    let directory = state.store.directory().await?;
    state
        .store
        .append_deciding_on_log(ticket_id, &user, crate::ssr::now(), |ticket, log| {
            crate::domain::commands::rate_escalation(ticket, log, user.id, user.role, &directory, &rating)
        })
        .await?;
    Ok(())
}

/// Starts or stops watching a ticket (staff only): watchers are told what the policy's rules for
/// `watchers` say.
#[server(endpoint = "tickets/watch")]
pub async fn watch_ticket(ticket_id: i64, watch: bool) -> Result<(), AppError> {
    let user = crate::ssr::auth::require_staff().await?;
    let state = crate::ssr::app_state()?;
    server::visible_ticket(&user, ticket_id).await?;
    state.store.set_watching(ticket_id, user.id, watch).await?;
    Ok(())
}

/// Reopens a resolved ticket: the requester's organisation or staff.
#[server(endpoint = "tickets/reopen")]
pub async fn reopen_ticket(ticket_id: i64) -> Result<(), AppError> {
    use crate::domain::{EventData, TicketStatus};
    let user = crate::ssr::auth::require_user().await?;
    let state = crate::ssr::app_state()?;
    server::visible_ticket(&user, ticket_id).await?;
    state
        .store
        .append(ticket_id, &user, None, crate::ssr::now(), |t| {
            if crate::domain::ticket::customer_may_reopen(t) {
                Ok(vec![EventData::StatusChanged { from: t.status, to: TicketStatus::Open }])
            } else {
                Err(crate::domain::commands::CommandError::Invalid(crate::domain::FieldErrors(vec![
                    crate::domain::FieldError::new("status", "Only a resolved ticket can be reopened."),
                ])))
            }
        })
        .await?;
    Ok(())
}

/// Server-side helpers of the ticket functions.
#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use crate::domain::commands::{parse_tags, TicketChanges};
    use crate::domain::queue::{parse_statuses, TicketFilter, TicketSort};
    use crate::domain::ticket::Assignment;
    pub use crate::domain::validation::optional_id;
    use crate::domain::{FieldErrors, Priority, TicketStatus};
    use crate::ssr::Store;

    /// The ticket, if it exists and `user` may see it; otherwise "not found" either way.
    pub async fn visible_ticket(user: &UserSummary, ticket_id: i64) -> Result<Ticket, AppError> {
        let ticket = crate::ssr::app_state()?.store.ticket(ticket_id).await?.ok_or(AppError::NotFound)?;
        if user.may_see_organisation(ticket.organisation_id) {
            Ok(ticket)
        } else {
            Err(AppError::NotFound)
        }
    }

    pub async fn directory_for(user: &UserSummary) -> Result<Directory, AppError> {
        let store = crate::ssr::app_state()?.store;
        if user.role.is_staff() {
            Ok(store.directory().await?)
        } else {
            let categories = store.categories().await?.into_iter().filter(|c| c.active).collect();
            Ok(Directory { categories, ..Directory::default() })
        }
    }

    /// The filter a list request asks for, as `user` may have it, with periods as days in
    /// `zone` and clock standings judged at `now`; every wrong field named.
    pub fn filter_for(
        user: &UserSummary,
        query: &TicketQuery,
        zone: crate::domain::period::Tz,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<TicketFilter, AppError> {
        use crate::domain::queue::{parse_word, Happening, RiskFilter};
        use crate::domain::ticket::ClockKind;
        let mut errors = FieldErrors::default();
        let statuses = parse_statuses(&mut errors, "status", &query.status);
        let (assignee_id, unassigned) = match query.assignee.trim() {
            "me" => (Some(user.id), false),
            "none" => (None, true),
            other => (optional_id(&mut errors, "assignee", other), false),
        };
        let priority = match query.priority.trim() {
            "" => None,
            name => Priority::parse(name).or_else(|| {
                errors.push("priority", format!("\"{name}\" is not a priority."));
                None
            }),
        };
        let staff = user.role.is_staff();
        let sort = match query.sort.trim() {
            // A search shows its best matches first; otherwise staff work what breaches first and
            // customers follow what moved last.
            "" if !query.q.trim().is_empty() => TicketSort::Relevance,
            "" if staff => TicketSort::BreachesFirst,
            "" => TicketSort::RecentlyUpdated,
            name => TicketSort::parse(name).unwrap_or_else(|| {
                errors.push("sort", format!("\"{name}\" is not a sort order."));
                TicketSort::default()
            }),
        };
        let page = crate::domain::queue::parse_page(&mut errors, "page", &query.page);
        let level = match query.level.trim() {
            "" => None,
            text => text.parse::<i64>().ok().filter(|level| *level >= 1).or_else(|| {
                errors.push("level", "The level is a number from 1.");
                None
            }),
        };
        let risk = parse_word(&mut errors, "risk", &query.risk, RiskFilter::parse, RiskFilter::words);
        let clock = parse_word(&mut errors, "clock", &query.clock, ClockKind::parse, ClockKind::words);
        let mut yes = |field: &str, text: &str, meaning: &str| match text.trim() {
            "" => false,
            "yes" => true,
            _ => {
                errors.push(field, format!("Leave it empty, or \"yes\" for {meaning}."));
                false
            }
        };
        let unacknowledged = yes("unacknowledged", &query.unacknowledged, "unacknowledged escalations");
        let stalled = yes("stalled", &query.stalled, "stalled tickets");
        let escalated = yes("escalated", &query.escalated, "escalations");
        let event = parse_word(&mut errors, "event", &query.event, Happening::parse, Happening::words);
        let today = crate::domain::period::day_of(now, zone);
        let period = crate::domain::period::Period::read(&mut errors, &query.from, &query.to, 1, today);
        let open_on = match query.open_on.trim() {
            "" => None,
            text => crate::domain::period::parse_date(&mut errors, "open_on", text),
        };
        let filter = TicketFilter {
            organisation_id: if staff {
                None
            } else {
                Some(user.organisation_id.ok_or(AppError::Forbidden)?)
            },
            statuses,
            tier_id: optional_id(&mut errors, "tier", &query.tier).filter(|_| staff),
            group_id: optional_id(&mut errors, "group", &query.group).filter(|_| staff),
            assignee_id: assignee_id.filter(|_| staff),
            unassigned: unassigned && staff,
            priority,
            category_id: optional_id(&mut errors, "category", &query.category),
            tag: Some(query.tag.trim().to_lowercase()).filter(|tag| !tag.is_empty() && staff),
            text: Some(query.q.trim().to_string()).filter(|text| !text.is_empty()),
            search_notes: staff,
            level: level.filter(|_| staff),
            plan: Some(query.plan.trim().to_string()).filter(|plan| !plan.is_empty() && staff),
            risk: risk.filter(|_| staff),
            clock: clock.filter(|_| staff),
            unacknowledged: unacknowledged && staff,
            stalled: stalled && staff,
            escalated: escalated && staff,
            happened: event.filter(|_| staff).map(|event| (event, period.span(zone))),
            held_before: open_on
                .filter(|_| staff)
                .map(|day| crate::domain::period::Period { from: day, to: day }.span(zone).until),
            as_of: Some(now),
            sort,
            page,
            per_page: PAGE_SIZE,
        };
        Ok(errors.into_result(filter)?)
    }

    /// Checks that the chosen tier, group and agent exist and fit together.
    pub fn check_assignment(directory: &Directory, assignment: &Assignment, errors: &mut FieldErrors) {
        if let Some(id) = assignment.tier_id {
            if !directory.tiers.iter().any(|t| t.id == id) {
                errors.push("tier", "Choose one of the listed tiers.");
            }
        }
        if let Some(id) = assignment.group_id {
            match directory.groups.iter().find(|g| g.id == id) {
                None => errors.push("group", "Choose one of the listed groups."),
                Some(group) if Some(group.tier_id) != assignment.tier_id => {
                    errors.push("group", format!("{} belongs to another tier.", group.name))
                }
                Some(group) => {
                    if let Some(agent) = assignment.assignee_id {
                        if !group.member_ids.contains(&agent) {
                            errors.push("assignee", format!("That agent is not a member of {}.", group.name));
                        }
                    }
                }
            }
        }
        if assignment.assignee_id.is_some() && assignment.group_id.is_none() {
            errors.push("assignee", "Choose the group the agent works in, or leave the agent empty.");
        }
    }

    /// Parses the edit form and checks that the chosen tier, group and agent fit together.
    pub async fn parse_edit(store: &Store, edit: &TicketEdit) -> Result<(i64, i64, TicketChanges), AppError> {
        let mut errors = FieldErrors::default();
        let ticket_id = optional_id(&mut errors, "ticket_id", &edit.ticket_id);
        let version = edit.version.trim().parse::<i64>().ok();
        if version.is_none() {
            errors.push("version", "The form is missing the ticket version; reload the page.");
        }
        let status = TicketStatus::parse(edit.status.trim());
        if status.is_none() {
            errors.push("status", format!("\"{}\" is not a status.", edit.status));
        }
        let priority = Priority::parse(edit.priority.trim());
        if priority.is_none() {
            errors.push("priority", format!("\"{}\" is not a priority.", edit.priority));
        }
        let category_id = optional_id(&mut errors, "category", &edit.category);
        let tags = parse_tags("tags", &edit.tags).unwrap_or_else(|more| {
            errors.0.extend(more.0);
            Vec::new()
        });
        let assignment = Assignment {
            tier_id: optional_id(&mut errors, "tier", &edit.tier),
            group_id: optional_id(&mut errors, "group", &edit.group),
            assignee_id: optional_id(&mut errors, "assignee", &edit.assignee),
        };
        let directory = store.directory().await?;
        if let Some(id) = category_id {
            if !directory.categories.iter().any(|c| c.id == id) {
                errors.push("category", "Choose one of the listed categories.");
            }
        }
        check_assignment(&directory, &assignment, &mut errors);
        let (Some(ticket_id), Some(version), Some(status), Some(priority)) =
            (ticket_id, version, status, priority)
        else {
            return Err(errors.into());
        };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        Ok((
            ticket_id,
            version,
            TicketChanges {
                status: Some(status),
                priority: Some(priority),
                category_id: Some(category_id),
                tags: Some(tags),
                assignment: Some(assignment),
                deescalation_reason: Some(edit.deescalation_reason.clone()),
            },
        ))
    }
}
