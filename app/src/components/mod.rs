//! Reusable view pieces.

pub mod errors;
pub mod layout;
pub mod ticket_table;
