//! The sign-in page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::errors::{action_error, field_error};
use crate::components::form::{Control, Field};
use crate::providers::use_session;

#[component]
pub fn LoginPage() -> impl IntoView {
    let session = use_session();
    let result = session.login.value();
    let next = move || use_query_map().read().get("next").unwrap_or_default();
    let was_reset = move || use_query_map().read().get("reset").is_some_and(|value| value == "done");
    view! {
        <Title text="Sign in"/>
        <section class="panel narrow">
            <h1>"Sign in"</h1>
            {move || was_reset().then(|| view! { <p class="notice" role="status">"Your new password is set. Sign in with it."</p> })}
            {action_error(result)}
            <ActionForm action=session.login>
                <input type="hidden" name="next" value=next/>
                <Field id="email" name="email" label="E-mail" control=Control::Email autocomplete="username" required=true errors=result/>
                <Field id="password" name="password" label="Password" control=Control::Password
                    autocomplete="current-password" required=true errors=result/>
                {field_error(result, "next")}
                <button type="submit">"Sign in"</button>
            </ActionForm>
            <p><a href="/forgot">"Forgot your password?"</a></p>
        </section>
    }
}
