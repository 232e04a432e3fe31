//! Reusable view pieces.

pub mod errors;
pub mod layout;
pub mod notification_bell;
pub mod ticket_table;
