//! The pure core: ticket, account and organisation rules shared by the browser and the server.
//!
//! Nothing here performs IO, reads the clock or draws random numbers: the current instant is
//! always a parameter. A test (`domain_is_pure` in the server crate) keeps it that way.

pub mod account;
pub mod calendar;
pub mod clock;
pub mod directory;
pub mod escalation;
pub mod policy;
pub mod policy_version;
pub mod queue;
pub mod ticket;
pub mod validation;

pub use account::{Role, UserSummary};
pub use ticket::{Channel, EventData, Priority, Ticket, TicketEvent, TicketStatus, Visibility};
pub use validation::{FieldError, FieldErrors};
