//! The wrapper around a page's data: "Loading…" until it arrives, the error panel if it failed,
//! the content otherwise. It is a `<Transition>`, so a reload (after a save, or a change pushed
//! by the server) keeps the content on screen until the new data replaces it.

use std::sync::Arc;

use leptos::prelude::*;

use crate::components::errors::ErrorPanel;
use crate::error::AppError;

/// `children` with the resource's data once it has loaded, or the error. When the data is not
/// found, the page is not either: the server answers 404.
#[component]
pub fn Loaded<T, V, F>(resource: Resource<Result<T, AppError>>, children: F) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let children = Arc::new(children);
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let children = Arc::clone(&children);
                Suspend::new(async move {
                    match resource.await {
                        Ok(data) => children(data).into_any(),
                        Err(error) => {
                            #[cfg(feature = "ssr")]
                            if error == AppError::NotFound {
                                set_response_status(404);
                            }
                            view! { <ErrorPanel error=error/> }.into_any()
                        }
                    }
                })
            }}
        </Transition>
    }
}

/// The HTTP status of the page being rendered on the server (`code` a valid status, or nothing
/// changes). Pages whose state has a status of its own, such as an answered survey, set it.
#[cfg(feature = "ssr")]
pub fn set_response_status(code: u16) {
    if let (Some(response), Ok(status)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(code))
    {
        response.set_status(status);
    }
}
