//! The huddle (`/huddle`): every open escalation of a tier with what the stand-up needs, marked
//! new or changed since the last huddle, and what was resolved since. Leads, managers and admins
//! see any tier and mark a huddle held; agents see their own tier's, read-only.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::directory::Directory;
use crate::domain::huddle::{EscalationFacts, SinceHuddle};
use crate::domain::queue::TicketListItem;
use crate::error::AppError;

/// Which tier's huddle, as text from the URL: a tier's id, `all`, or empty for the viewer's own.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HuddleQuery {
    #[serde(default)]
    pub tier: String,
}

/// One open escalation as the huddle goes through it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HuddleRow {
    pub item: TicketListItem,
    pub plan: String,
    pub facts: EscalationFacts,
    pub since: SinceHuddle,
}

/// When a huddle was last held, and by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastHuddle {
    pub held_at: DateTime<Utc>,
    pub held_by: String,
}

/// A tier's huddle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Huddle {
    /// The tier it is for (an id, or `all`), and its name.
    pub tier: String,
    pub scope: String,
    pub as_of: DateTime<Utc>,
    pub last: Option<LastHuddle>,
    /// Whether the viewer may mark it held (and choose another tier).
    pub may_lead: bool,
    pub rows: Vec<HuddleRow>,
    /// Escalations resolved since the last huddle.
    pub resolved_since: Vec<TicketListItem>,
    /// The tiers to choose from.
    pub directory: Directory,
}

/// At most this many escalations are listed: a huddle goes through each.
pub const HUDDLE_ROWS: i64 = 200;

/// A tier's huddle: leads, managers and admins any tier's, agents their own tier's.
#[server(endpoint = "huddle/show")]
pub async fn load_huddle(query: HuddleQuery) -> Result<Huddle, AppError> {
    let user = crate::ssr::auth::require_staff_hidden_from_customers().await?;
    let store = crate::ssr::app_state()?.store;
    server::huddle(&store, &user, &query, crate::ssr::now()).await
}

/// Marks the huddle of a tier held, for the next one to show what changed since: as of
/// `seen_at` (RFC 3339), the instant the page the lead went through was read, so what changed
/// while they talked is still marked next time; now without it.
#[server(endpoint = "huddle/held")]
pub async fn mark_huddle_held(query: HuddleQuery, seen_at: Option<String>) -> Result<(), AppError> {
    let user = crate::ssr::auth::require_staff_hidden_from_customers().await?;
    if !user.role.may_track_progress() {
        return Err(AppError::Forbidden);
    }
    let store = crate::ssr::app_state()?.store;
    let directory = store.directory().await?;
    let tier = server::tier_of(&user, &directory, &query)?;
    let now = crate::ssr::now();
    let held_at = match seen_at.as_deref().map(str::trim).filter(|text| !text.is_empty()) {
        None => now,
        Some(text) => match DateTime::parse_from_rfc3339(text) {
            Ok(seen) => seen.with_timezone(&Utc).min(now),
            Err(_) => {
                let mut errors = crate::domain::FieldErrors::default();
                errors.push("seen_at", "The instant the huddle was read is not an RFC 3339 time.");
                return Err(errors.into());
            }
        },
    };
    store.record_huddle(tier, user.id, held_at).await?;
    Ok(())
}

#[cfg(feature = "ssr")]
pub mod server {
    use super::*;
    use crate::domain::huddle::since_huddle;
    use crate::domain::period::Span;
    use crate::domain::queue::{Happening, TicketFilter, TicketSort};
    use crate::domain::validation::optional_id;
    use crate::domain::{FieldErrors, UserSummary};
    use crate::ssr::Store;

    /// The tier `query` asks for as `user` may have it: leads and above any (`None`: every tier),
    /// by default their own; agents only their own.
    pub fn tier_of(
        user: &UserSummary,
        directory: &Directory,
        query: &HuddleQuery,
    ) -> Result<Option<i64>, AppError> {
        let own = directory.home_tier_of(user.id);
        if !user.role.may_track_progress() {
            return match (query.tier.trim(), own) {
                ("", Some(own)) => Ok(Some(own)),
                (text, Some(own)) if text == own.to_string() => Ok(Some(own)),
                _ => Err(AppError::Forbidden),
            };
        }
        match query.tier.trim() {
            "all" => Ok(None),
            "" if user.role.oversees_every_tier() => Ok(None),
            "" => Ok(own),
            text => {
                let mut errors = FieldErrors::default();
                let id = optional_id(&mut errors, "tier", text);
                if id.is_some_and(|id| !directory.tiers.iter().any(|tier| tier.id == id)) {
                    errors.push("tier", "Choose one of the listed tiers.");
                }
                Ok(errors.into_result(id)?)
            }
        }
    }

    pub async fn huddle(
        store: &Store,
        user: &UserSummary,
        query: &HuddleQuery,
        now: DateTime<Utc>,
    ) -> Result<Huddle, AppError> {
        let directory = store.directory().await?;
        let tier = tier_of(user, &directory, query)?;
        let last = store.last_huddle(tier).await?;
        let held_at = last.as_ref().map(|huddle| huddle.held_at);
        let active: Vec<_> =
            crate::domain::TicketStatus::ALL.iter().copied().filter(|status| !status.is_done()).collect();
        let open = store
            .list_tickets(&TicketFilter {
                statuses: active,
                tier_id: tier,
                escalated: true,
                sort: TicketSort::BreachesFirst,
                page: 1,
                per_page: HUDDLE_ROWS,
                ..TicketFilter::default()
            })
            .await?;
        let ids: Vec<i64> = open.items.iter().map(|item| item.ticket.id).collect();
        let logs: std::collections::HashMap<i64, Vec<_>> =
            store.tickets_with_logs(&ids).await?.into_iter().map(|(ticket, log)| (ticket.id, log)).collect();
        let plans: std::collections::HashMap<i64, String> = store
            .organisations()
            .await?
            .into_iter()
            .map(|organisation| (organisation.id, organisation.plan))
            .collect();
        let rows = open
            .items
            .into_iter()
            .map(|item| {
                let log = logs.get(&item.ticket.id).map(Vec::as_slice).unwrap_or_default();
                HuddleRow {
                    plan: plans.get(&item.ticket.organisation_id).cloned().unwrap_or_default(),
                    facts: EscalationFacts::of(&item.ticket, log),
                    since: since_huddle(&item.ticket, log, held_at),
                    item,
                }
            })
            .collect();
        let resolved_since = match held_at {
            Some(held_at) => {
                store
                    .list_tickets(&TicketFilter {
                        tier_id: tier,
                        escalated: true,
                        happened: Some((Happening::Resolved, Span { from: held_at, until: now })),
                        sort: TicketSort::RecentlyUpdated,
                        page: 1,
                        per_page: HUDDLE_ROWS,
                        ..TicketFilter::default()
                    })
                    .await?
                    .items
            }
            None => Vec::new(),
        };
        Ok(Huddle {
            tier: tier.map_or("all".to_string(), |id| id.to_string()),
            scope: directory.tier_name(tier).unwrap_or("Every tier").to_string(),
            as_of: now,
            last: last.map(|huddle| LastHuddle { held_at: huddle.held_at, held_by: huddle.held_by }),
            may_lead: user.role.may_track_progress(),
            rows,
            resolved_since,
            directory,
        })
    }
}
