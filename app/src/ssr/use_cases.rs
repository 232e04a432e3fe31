//! What people do to tickets through either front door — the server functions (the pages) and
//! the REST API (integrations) — decided once: "open a ticket" and "post a message".
//!
//! Each front door authenticates its caller, reads its own input (form fields or JSON, ids or
//! e-mail addresses, in its own words) and calls one of these functions with the caller, the
//! store and what it read. The rules of who may do what, and the write itself, are here, so a
//! rule added once holds at both doors. Each door turns the answer into its own response.

use chrono::{DateTime, Utc};

use crate::domain::commands::{self, NewTicketInput};
use crate::domain::{Channel, FieldErrors, UserSummary, Visibility};
use crate::error::AppError;
use crate::ssr::store::tickets::Appended;
use crate::ssr::Store;

/// A ticket to open, as a front door read it.
pub struct TicketToOpen {
    /// The person the ticket is for, as the door found them; `None` when it could not (the
    /// reason is then in `errors`).
    pub requester: Option<UserSummary>,
    /// The door's name for the requester's field (`requester`, `requester_email`).
    pub requester_field: &'static str,
    /// What the door found wrong while reading its own fields.
    pub errors: FieldErrors,
    pub input: NewTicketInput,
    /// How the ticket reached Tierline: the door and the caller decide.
    pub channel: Channel,
}

/// Opens a ticket for `ticket.requester` on behalf of `caller`.
///
/// A customer opens tickets for themself only; staff open them for a customer. The category,
/// when one is named, is one of the active ones. Every mistake is reported at once, fields in
/// the order the form shows them; nothing is written unless all is well.
pub async fn open_ticket(
    store: &Store,
    caller: &UserSummary,
    ticket: TicketToOpen,
    now: DateTime<Utc>,
) -> Result<Appended, AppError> {
    if let Some(requester) = &ticket.requester {
        if requester.id != caller.id && !caller.role.is_staff() {
            return Err(AppError::Forbidden);
        }
    }
    let mut errors = FieldErrors::default();
    let requester = ticket.requester.filter(|requester| {
        let organisation = requester.organisation_id.filter(|_| requester.role.is_customer());
        if organisation.is_none() {
            errors.push(ticket.requester_field, "Choose the customer this ticket is for.");
        }
        organisation.is_some()
    });
    errors.0.extend(ticket.errors.0);
    if let Some(id) = ticket.input.category_id {
        if !store.categories().await?.iter().any(|c| c.id == id && c.active) {
            errors.push("category", "Choose one of the listed categories.");
        }
    }
    let validated = ticket.input.validate();
    if let Err(more) = &validated {
        errors.0.extend(more.0.iter().cloned());
    }
    let (Ok(new_ticket), Some(requester), true) = (validated, requester, errors.is_empty()) else {
        return Err(errors.into());
    };
    let organisation_id =
        requester.organisation_id.ok_or_else(|| AppError::internal("customer without organisation"))?;
    Ok(store
        .create_ticket(
            requester.id,
            organisation_id,
            caller.id,
            commands::open(&new_ticket, ticket.channel),
            now,
        )
        .await?)
}

/// A message to post, as a front door read it.
pub struct NewMessage {
    pub ticket_id: i64,
    /// Who writes it: the caller, or — for an integration passing on a customer's e-mail — a
    /// customer the caller writes for.
    pub author: UserSummary,
    pub visibility: Visibility,
    pub body: String,
}

/// Why a message was not posted. Each door words the first three its own way (the pages hide
/// another organisation's ticket as "not found"; the API names the wrong field).
#[derive(Debug)]
pub enum MessageRefused {
    /// There is no such ticket.
    NoTicket,
    /// The author may not see the ticket: a customer of another organisation.
    OtherOrganisation,
    /// Internal notes are for staff: a customer's message is always public.
    InternalNoteByCustomer,
    /// Anything else refused or failed: the caller may not write for the author, the ticket is
    /// closed, the body is empty or too long, the store failed.
    Error(AppError),
}

impl From<AppError> for MessageRefused {
    fn from(error: AppError) -> Self {
        MessageRefused::Error(error)
    }
}

/// Posts `message` on its ticket: a customer's message, or staff's public reply or internal
/// note. Only staff write on someone else's behalf. Never conflicts with other edits.
pub async fn post_message(
    store: &Store,
    caller: &UserSummary,
    message: NewMessage,
    now: DateTime<Utc>,
) -> Result<Appended, MessageRefused> {
    let NewMessage { ticket_id, author, visibility, body } = message;
    if author.id != caller.id && !caller.role.is_staff() {
        return Err(AppError::Forbidden.into());
    }
    let ticket = store.ticket(ticket_id).await.map_err(AppError::from)?.ok_or(MessageRefused::NoTicket)?;
    if !author.may_see_organisation(ticket.organisation_id) {
        return Err(MessageRefused::OtherOrganisation);
    }
    if visibility == Visibility::Internal && !author.role.is_staff() {
        return Err(MessageRefused::InternalNoteByCustomer);
    }
    store
        .append(ticket_id, &author, None, now, |t| commands::write_message(t, author.role, visibility, &body))
        .await
        .map_err(|error| MessageRefused::Error(error.into()))
}
