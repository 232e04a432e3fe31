//! Integration tests of the server: the store on SQLite and PostgreSQL, and the HTTP surface
//! through the real router. One test binary, so the application is linked once.
//!
//! PostgreSQL tests read `TIERLINE_TEST_POSTGRES_URL` (set by `.ci/test`); each test gets a
//! database of its own.

mod cli;
mod common;
mod concurrency;
mod dashboard;
mod demo;
mod escalation;
mod fuzz;
mod http;
mod huddle;
mod input;
mod ladder;
mod layering;
mod live;
mod logs;
mod metrics;
mod notifications;
mod passwords;
mod process;
mod purity;
mod ratings;
mod receivers;
mod rest;
mod schema;
mod search;
mod store;
mod style;
mod surveys;
mod time_report;
