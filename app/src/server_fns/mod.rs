//! Server functions by area, and the types they exchange with the browser. Every server function
//! authenticates and authorises its caller first (`crate::ssr::auth::require_*`), because each
//! one is a public HTTP endpoint whatever the UI shows.

pub mod admin;
pub mod dashboard;
pub mod huddle;
pub mod notifications;
pub mod policies;
pub mod reports;
pub mod session;
pub mod surveys;
pub mod tickets;
