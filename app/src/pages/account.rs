//! The person's own password: changing it when signed in, and the "forgot password" pages that
//! send a link by e-mail and set a new password with it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::errors::{action_error, done_notice, field_error};
use crate::server_fns::session::{ChangePassword, ForgotPassword, ResetPassword, PASSWORD_RESET_MINUTES};

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let result = change.value();
    view! {
        <Title text="Your account"/>
        <section class="panel narrow">
            <h1>"Change your password"</h1>
            {done_notice(result.into(), "Your password is changed. You stay signed in here; your other sessions ended.")}
            {action_error(result.into())}
            <ActionForm action=change>
                <label for="current-password">"Current password"</label>
                <input id="current-password" type="password" name="current_password" autocomplete="current-password" required/>
                {field_error(result.into(), "current_password")}
                <label for="new-password">"New password (at least 10 characters)"</label>
                <input id="new-password" type="password" name="new_password" autocomplete="new-password" required minlength="10"/>
                {field_error(result.into(), "new_password")}
                <button type="submit">"Change password"</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let forgot = ServerAction::<ForgotPassword>::new();
    let result = forgot.value();
    view! {
        <Title text="Forgot your password"/>
        <section class="panel narrow">
            <h1>"Forgot your password?"</h1>
            <p class="muted">{format!("We send you a link that sets a new one. It works once, for {PASSWORD_RESET_MINUTES} minutes.")}</p>
            {done_notice(result.into(), "If an account uses this address, a link is on its way. Check your e-mail.")}
            {action_error(result.into())}
            <ActionForm action=forgot>
                <label for="email">"E-mail"</label>
                <input id="email" type="email" name="email" autocomplete="username" required/>
                {field_error(result.into(), "email")}
                <button type="submit">"Send the link"</button>
            </ActionForm>
            <p><a href="/login">"Back to sign-in"</a></p>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let reset = ServerAction::<ResetPassword>::new();
    let result = reset.value();
    let token = move || use_query_map().read().get("token").unwrap_or_default();
    view! {
        <Title text="Set a new password"/>
        <section class="panel narrow">
            <h1>"Set a new password"</h1>
            {action_error(result.into())}
            {field_error(result.into(), "token")}
            <ActionForm action=reset>
                <input type="hidden" name="token" value=token/>
                <label for="new-password">"New password (at least 10 characters)"</label>
                <input id="new-password" type="password" name="password" autocomplete="new-password" required minlength="10"/>
                {field_error(result.into(), "password")}
                <button type="submit">"Set password"</button>
            </ActionForm>
            <p><a href="/forgot">"Ask for a new link"</a></p>
        </section>
    }
}
