//! The person's own password: changing it when signed in, and the "forgot password" pages that
//! send a link by e-mail and set a new password with it.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::components::errors::{action_error, done_notice, field_error};
use crate::components::form::{Control, Field};
use crate::server_fns::session::{ChangePassword, ForgotPassword, ResetPassword, PASSWORD_RESET_MINUTES};

#[component]
pub fn AccountPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let result = change.value();
    view! {
        <Title text="Your account"/>
        <section class="panel narrow">
            <h1>"Change your password"</h1>
            {done_notice(result, "Your password is changed. You stay signed in here; your other sessions ended.")}
            {action_error(result)}
            <ActionForm action=change>
                <Field id="current-password" name="current_password" label="Current password" control=Control::Password
                    autocomplete="current-password" required=true errors=result/>
                <Field id="new-password" name="new_password" label="New password (at least 10 characters)" control=Control::Password
                    autocomplete="new-password" required=true minlength=10 errors=result/>
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
            {done_notice(result, "If an account uses this address, a link is on its way. Check your e-mail.")}
            {action_error(result)}
            <ActionForm action=forgot>
                <Field id="email" name="email" label="E-mail" control=Control::Email autocomplete="username" required=true errors=result/>
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
            {action_error(result)}
            {field_error(result, "token")}
            <ActionForm action=reset>
                <input type="hidden" name="token" value=token/>
                <Field id="new-password" name="password" label="New password (at least 10 characters)" control=Control::Password
                    autocomplete="new-password" required=true minlength=10 errors=result/>
                <button type="submit">"Set password"</button>
            </ActionForm>
            <p><a href="/forgot">"Ask for a new link"</a></p>
        </section>
    }
}
