//! Context shared by many components: `provide_*` in `App`, `use_*` where needed.

use leptos::prelude::*;

use crate::api::session::{me, Login, Logout};
use crate::api::AppError;
use crate::domain::UserSummary;

/// The signed-in person and the actions that change who that is.
#[derive(Clone, Copy)]
pub struct Session {
    pub user: Resource<Result<Option<UserSummary>, AppError>>,
    pub login: ServerAction<Login>,
    pub logout: ServerAction<Logout>,
}

pub fn provide_session() {
    let login = ServerAction::<Login>::new();
    let logout = ServerAction::<Logout>::new();
    let user = Resource::new(move || (login.version().get(), logout.version().get()), |_| me());
    provide_context(Session { user, login, logout });
}

pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// The current instant, ticking every second in the browser, shared by every countdown on the
/// page so that a queue of fifty tickets runs one timer, not fifty.
#[derive(Clone, Copy)]
pub struct TickingClock(pub RwSignal<chrono::DateTime<chrono::Utc>>);

pub fn provide_ticking_clock() {
    let now = RwSignal::new(current_instant());
    // Effects run only in the browser, after hydration.
    Effect::new(move |_| {
        let handle =
            set_interval_with_handle(move || now.set(current_instant()), std::time::Duration::from_secs(1))
                .ok();
        on_cleanup(move || {
            if let Some(handle) = handle {
                handle.clear();
            }
        });
    });
    provide_context(TickingClock(now));
}

pub fn use_ticking_clock() -> RwSignal<chrono::DateTime<chrono::Utc>> {
    expect_context::<TickingClock>().0
}

/// The clock is read at the edges only: the server's in SSR, the browser's `Date.now()` once
/// hydrated (chrono's own clock is not available in WASM).
fn current_instant() -> chrono::DateTime<chrono::Utc> {
    #[cfg(feature = "hydrate")]
    {
        use chrono::TimeZone;
        chrono::Utc.timestamp_millis_opt(js_sys::Date::now() as i64).single().unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        chrono::Utc::now()
    }
}
