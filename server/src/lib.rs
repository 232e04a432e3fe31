//! The Tierline server: configuration, start-up, the HTTP router with its security layers, the
//! REST API and the command-line tool. The application itself (pages, server functions, store,
//! domain) lives in the `app` crate.

pub mod calendar_cli;
pub mod cli;
pub mod config;
pub mod demo;
pub mod downloads;
pub mod escalation;
pub mod live;
pub mod metrics;
pub mod notifications;
pub mod rest;
pub mod security;
pub mod startup;
pub mod telemetry;
pub mod workers;

pub use startup::{build_state, router, serve};
