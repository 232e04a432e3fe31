//! Context shared by many components: `provide_*` in `App`, `use_*` where needed.

use leptos::prelude::*;

use crate::domain::UserSummary;
use crate::error::AppError;
use crate::server_fns::session::{me, Login, Logout};

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

/// What the tab's live stream has heard, for components to refetch on. One `EventSource` per
/// tab serves every component (browsers allow only about six connections per origin).
#[derive(Clone, Copy)]
pub struct LiveUpdates {
    /// The last ticket change: (event id, ticket id).
    pub ticket: RwSignal<Option<(i64, i64)>>,
    /// Bumped on every new notification for the signed-in person.
    pub notifications: RwSignal<u64>,
    /// Bumped when the stream missed changes: everything shown should be reloaded.
    pub reset: RwSignal<u64>,
}

impl LiveUpdates {
    /// A value that changes whenever `ticket_id` changed (or on a reset), and only then.
    pub fn ticket_version(
        self,
        ticket_id: impl Fn() -> Option<i64> + Send + Sync + 'static,
    ) -> Memo<(u64, i64)> {
        Memo::new(move |previous: Option<&(u64, i64)>| {
            let reset = self.reset.get();
            let last = previous.map(|p| p.1).unwrap_or(0);
            match (self.ticket.get(), ticket_id()) {
                (Some((event, ticket)), Some(wanted)) if ticket == wanted => (reset, event),
                _ => (reset, last),
            }
        })
    }

    /// A value that changes on any ticket change or reset: for lists.
    pub fn any_ticket(self) -> impl Fn() -> (u64, Option<(i64, i64)>) + Copy + Send + Sync + 'static {
        move || (self.reset.get(), self.ticket.get())
    }
}

pub fn provide_live_updates() {
    let live =
        LiveUpdates { ticket: RwSignal::new(None), notifications: RwSignal::new(0), reset: RwSignal::new(0) };
    provide_context(live);
    // Effects run only in the browser, after hydration; the stream opens once someone is signed
    // in (the server answers 401 otherwise) and reconnects by itself with `Last-Event-ID`.
    // Signing out or in as someone else closes the stream and opens the new person's.
    #[cfg(feature = "hydrate")]
    {
        let session = use_session();
        let current = StoredValue::new_local(None::<web_sys::EventSource>);
        Effect::new(move |_| {
            let signed_in = matches!(session.user.get(), Some(Ok(Some(_))));
            if let Some(previous) = current.try_update_value(Option::take).flatten() {
                previous.close();
            }
            if signed_in {
                current.set_value(open_stream(live));
            }
        });
    }
}

pub fn use_live_updates() -> LiveUpdates {
    expect_context::<LiveUpdates>()
}

#[cfg(feature = "hydrate")]
fn open_stream(live: LiveUpdates) -> Option<web_sys::EventSource> {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    #[derive(serde::Deserialize)]
    struct TicketChange {
        id: i64,
        ticket_id: Option<i64>,
    }

    let source = web_sys::EventSource::new("/live").ok()?;
    let on_ticket = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let data = event.data().as_string().unwrap_or_default();
        if let Ok(TicketChange { id, ticket_id: Some(ticket_id) }) = serde_json::from_str(&data) {
            live.ticket.set(Some((id, ticket_id)));
        }
    });
    let on_notification =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_: web_sys::MessageEvent| {
            live.notifications.update(|n| *n += 1);
        });
    let on_reset = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_: web_sys::MessageEvent| {
        live.reset.update(|n| *n += 1);
    });
    let _ = source.add_event_listener_with_callback("ticket", on_ticket.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("notification", on_notification.as_ref().unchecked_ref());
    let _ = source.add_event_listener_with_callback("reset", on_reset.as_ref().unchecked_ref());
    // The callbacks live as long as the stream, which the tab closes or replaces.
    on_ticket.forget();
    on_notification.forget();
    on_reset.forget();
    if let Some(body) = document().body() {
        let _ = body.set_attribute("data-live", "open");
    }
    Some(source)
}
