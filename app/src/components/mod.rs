//! Reusable view pieces.

pub mod chart;
pub mod errors;
pub mod feedback;
pub mod form;
pub mod layout;
pub mod loading;
pub mod notification_bell;
pub mod ticket_table;
pub mod time;
pub mod url;
