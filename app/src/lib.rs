//! Tierline's application crate: the server functions and the Leptos views over the pure core
//! (`tierline_domain`, re-exported as `domain`).
//! It compiles twice — with `ssr` into the server binary and with `hydrate` into the browser
//! bundle — and never with both features at once.

#![recursion_limit = "256"]

pub mod app;
pub mod components;
pub mod error;
/// The pure core, a crate of its own (`app/domain`) so the compiler keeps it free of web,
/// database and async code; re-exported so `crate::domain::…` reads as before.
pub use tierline_domain as domain;
pub mod pages;
pub mod providers;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use app::{preload_lazy_page, shell, App};
