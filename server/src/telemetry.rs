//! Structured logs through `tracing`; `RUST_LOG` sets the filter.

use tracing_subscriber::EnvFilter;

pub fn init(format: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    // A second initialisation (tests start several servers in one process) is harmless.
    let _ = if format == "json" { builder.json().try_init() } else { builder.try_init() };
}
