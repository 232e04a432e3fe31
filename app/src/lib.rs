//! Tierline's application crate: the pure domain, the server functions, and the Leptos views.
//! It compiles twice — with `ssr` into the server binary and with `hydrate` into the browser
//! bundle — and never with both features at once.

#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod components;
pub mod domain;
pub mod pages;
pub mod providers;
#[cfg(feature = "ssr")]
pub mod ssr;

pub use app::{shell, App};
