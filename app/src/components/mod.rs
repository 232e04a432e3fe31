//! Reusable view pieces.

pub mod errors;
pub mod layout;
