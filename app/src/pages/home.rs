use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;

use crate::providers::use_session;

/// Sends a signed-in person to their workspace and everyone else to the sign-in page.
#[component]
pub fn HomePage() -> impl IntoView {
    let session = use_session();
    view! {
        <Title text=""/>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match session.user.await {
                    Ok(Some(user)) => view! { <Redirect path=user.role.home_path()/> }.into_any(),
                    _ => view! { <Redirect path="/login"/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found"/>
        <section class="panel">
            <h1>"Not found"</h1>
            <p>"There is nothing here, or you may not see it. " <a href="/">"Go to the start page"</a></p>
        </section>
    }
}
