//! `GET /live`: the server-sent events stream of a signed-in person's browser tab.
//!
//! Each event is one committed change the person may see (`event: ticket` or
//! `event: notification`, data = the change as JSON). The event id is `E.N`: the newest ticket
//! event and notification ids sent so far. A browser that reconnects sends it back as
//! `Last-Event-ID` and gets what it missed from the database first; if it missed too much, a
//! `reset` event tells it to reload what it shows — as does any stream when this instance may
//! have missed other instances' changes. Streams end when the server shuts down.

use std::convert::Infallible;
use std::time::Duration;

use app::ssr::auth::{cookie_value, SESSION_COOKIE};
use app::ssr::live::{Change, Topic};
use app::ssr::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use tokio_stream::wrappers::errors::BroadcastStreamRecvError;
use tokio_stream::wrappers::{BroadcastStream, WatchStream};

/// How many missed changes of each topic a reconnecting stream is replayed.
const REPLAY: i64 = 500;

/// How often an open stream checks that its session is still valid, for sessions ended by
/// another instance (this instance's own sign-outs and deactivations are noticed at once).
const SESSION_RECHECK: Duration = Duration::from_secs(30);

pub async fn live(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let token = cookie_value(&headers, SESSION_COOKIE).unwrap_or_default().to_string();
    // Listen before reading the session, so an ending in between is not missed.
    let sessions_ended = state.store.live().sessions_ended();
    let user =
        if token.is_empty() { Ok(None) } else { state.store.session_user(&token, chrono::Utc::now()).await };
    let user = match user {
        Ok(Some(user)) => user,
        Ok(None) => return (StatusCode::UNAUTHORIZED, "Please sign in first.").into_response(),
        Err(error) => {
            tracing::error!(%error, "live stream: reading the session failed");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    // Subscribe before reading the database, so nothing committed in between is missed; what
    // arrives twice is dropped by the watermark below.
    let receiver = state.store.live().subscribe();
    let gaps = state.store.live().gaps();
    let resume = headers.get("last-event-id").and_then(|value| value.to_str().ok()).and_then(parse_event_id);
    let mut replay = Vec::new();
    let mut replayed = std::collections::HashSet::new();
    let watermark = match resume {
        Some((event, notification)) => {
            match state.store.changes_since(&user, event, notification, REPLAY).await {
                Ok(missed) => {
                    if missed.truncated {
                        replay.push(Ok(Event::default().event("reset").data("{}")));
                    }
                    let mut watermark = (event, notification);
                    for change in missed.changes {
                        replayed.insert((change.topic == Topic::Ticket, change.id));
                        replay.push(Ok(advance(&mut watermark, &change)));
                    }
                    watermark
                }
                Err(error) => {
                    tracing::error!(%error, "live stream: replay failed");
                    return StatusCode::SERVICE_UNAVAILABLE.into_response();
                }
            }
        }
        None => match state.store.live_watermark(user.id).await {
            Ok(watermark) => watermark,
            Err(error) => {
                tracing::error!(%error, "live stream: reading the watermark failed");
                return StatusCode::SERVICE_UNAVAILABLE.into_response();
            }
        },
    };
    let mut closing = state.store.live().closing();
    let session_over = session_over(state.store.clone(), token, sessions_ended);
    let shutdown = async move {
        tokio::select! {
            _ = closing.wait_for(|closed| *closed) => {}
            () = session_over => {}
        }
    };
    let live = BroadcastStream::new(receiver)
        .scan(watermark, move |watermark, received| {
            let item = match received {
                // Ids are not compared with the watermark here: PostgreSQL may commit a lower
                // id after a higher one. Only what the replay already sent is skipped.
                Ok(change)
                    if change.visible_to(&user)
                        && !replayed.contains(&(change.topic == Topic::Ticket, change.id)) =>
                {
                    Some(advance(watermark, &change))
                }
                Ok(_) => None,
                // This stream fell behind the fan-out: the page reloads what it shows.
                Err(BroadcastStreamRecvError::Lagged(_)) => Some(Event::default().event("reset").data("{}")),
            };
            std::future::ready(Some(item))
        })
        .filter_map(|item| std::future::ready(item.map(Ok::<_, Infallible>)));
    // Changes were missed (another instance's, while the PostgreSQL listener reconnected): the
    // page reloads what it shows.
    let gaps = WatchStream::from_changes(gaps)
        .map(|_| Ok::<_, Infallible>(Event::default().event("reset").data("{}")));
    let events: std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>> =
        Box::pin(stream::iter(replay).chain(stream::select(live, gaps)).take_until(shutdown));
    let mut response =
        Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response();
    // Proxies must not buffer the stream.
    response.headers_mut().insert("x-accel-buffering", "no".parse().expect("static header value"));
    response
}

/// Completes when the stream's session is no longer valid: at its expiry, or when it was ended
/// (signed out, its person deactivated or given a new password). Checks when this instance ends
/// sessions, and every [`SESSION_RECHECK`] for other instances'. A failed check keeps the stream:
/// the database being briefly away is no reason to drop every page's updates.
async fn session_over(
    store: app::ssr::Store,
    token: String,
    mut sessions_ended: tokio::sync::watch::Receiver<u64>,
) {
    loop {
        let now = chrono::Utc::now();
        let next_check = match store.session_expiry(&token, now).await {
            Ok(None) => return,
            Ok(Some(expires_at)) => (expires_at - now).to_std().unwrap_or_default().min(SESSION_RECHECK),
            Err(error) => {
                tracing::warn!(%error, "live stream: checking the session failed; checking again later");
                SESSION_RECHECK
            }
        };
        tokio::select! {
            () = tokio::time::sleep(next_check) => {}
            changed = sessions_ended.changed() => {
                if changed.is_err() {
                    // The hub is gone: the server is stopping, which ends the stream anyway.
                    std::future::pending::<()>().await;
                }
            }
        }
    }
}

/// The event of `change`, with the watermark moved up to it (never down).
fn advance(watermark: &mut (i64, i64), change: &Change) -> Event {
    let seen = match change.topic {
        Topic::Ticket => &mut watermark.0,
        Topic::Notification => &mut watermark.1,
    };
    *seen = (*seen).max(change.id);
    let topic = match change.topic {
        Topic::Ticket => "ticket",
        Topic::Notification => "notification",
    };
    let data = serde_json::to_string(change).unwrap_or_default();
    Event::default().id(format!("{}.{}", watermark.0, watermark.1)).event(topic).data(data)
}

/// Reads `E.N` back.
fn parse_event_id(text: &str) -> Option<(i64, i64)> {
    let (event, notification) = text.split_once('.')?;
    Some((event.parse().ok()?, notification.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(topic: Topic, id: i64) -> Change {
        Change {
            topic,
            id,
            ticket_id: Some(1),
            organisation_id: Some(1),
            public: true,
            user_id: Some(1),
            kind: "x".into(),
        }
    }

    #[test]
    fn the_watermark_tracks_the_highest_id_of_each_topic() {
        let mut watermark = (10, 3);
        let _ = advance(&mut watermark, &change(Topic::Ticket, 12));
        // A lower id committed later (PostgreSQL) is still sent and never lowers the mark.
        let _ = advance(&mut watermark, &change(Topic::Ticket, 11));
        let _ = advance(&mut watermark, &change(Topic::Notification, 4));
        assert_eq!(watermark, (12, 4));
    }

    #[test]
    fn event_ids_read_back() {
        assert_eq!(parse_event_id("120.7"), Some((120, 7)));
        assert_eq!(parse_event_id("120"), None);
        assert_eq!(parse_event_id("a.b"), None);
    }
}
