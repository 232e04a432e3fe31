//! How errors appear: a panel for a failed page or action, and a message beside a wrong field.

use leptos::prelude::*;

use crate::error::AppError;

/// A failed page load or action. Field errors are shown beside their fields instead, so this
/// only summarises them.
#[component]
pub fn ErrorPanel(error: AppError) -> impl IntoView {
    let sign_in = matches!(error, AppError::Unauthenticated);
    view! {
        <div class="error-panel" role="alert">
            <p>{error.to_string()}</p>
            <Show when=move || sign_in>
                <p><a href="/login">"Sign in"</a></p>
            </Show>
        </div>
    }
}

/// The error of an action's last result, whatever the action returns when it succeeds: what
/// the error displays and the form fields read.
#[derive(Clone, Copy)]
pub struct FormErrors(Signal<Option<AppError>>);

/// From an action's `value()`.
impl<T: Clone + Send + Sync + 'static> From<MappedSignal<Option<Result<T, AppError>>>> for FormErrors {
    fn from(result: MappedSignal<Option<Result<T, AppError>>>) -> FormErrors {
        FormErrors(Signal::derive(move || result.get().and_then(Result::err)))
    }
}

impl FormErrors {
    /// The last error, if the last result was one.
    pub fn get(self) -> Option<AppError> {
        self.0.get()
    }

    /// The server's message for `field`, if that field was wrong.
    pub fn for_field(self, field: &str) -> Option<String> {
        self.get().and_then(|error| {
            error.field_errors().and_then(|errors| errors.for_field(field).map(str::to_string))
        })
    }
}

/// The message for `field` from the last result of an action, if that field was wrong.
pub fn field_error(errors: impl Into<FormErrors>, field: &'static str) -> impl IntoView {
    let errors = errors.into();
    move || {
        errors
            .for_field(field)
            .map(|message| view! { <p class="field-error" id=format!("{field}-error")>{message}</p> })
    }
}

/// The error of the last result of an action that is not about one field, if any.
pub fn action_error(errors: impl Into<FormErrors>) -> impl IntoView {
    let errors = errors.into();
    move || {
        errors.get().map(|error| match error {
            AppError::Invalid(_) => view! {
                <p class="error-panel" role="alert">"Nothing was saved. Please correct the marked fields."</p>
            }
            .into_any(),
            other => view! { <ErrorPanel error=other/> }.into_any(),
        })
    }
}

/// Every error of the last result of an action, field errors included with their field's name;
/// for forms repeated per row, where a message cannot sit beside one field.
pub fn all_errors(errors: impl Into<FormErrors>) -> impl IntoView {
    let errors = errors.into();
    move || {
        errors.get().map(|error| match error {
            AppError::Invalid(errors) => {
                let items = errors
                    .0
                    .into_iter()
                    .map(|error| view! { <li>{format!("{}: {}", error.field, error.message)}</li> })
                    .collect_view();
                view! {
                    <div class="error-panel" role="alert">
                        <p>"Nothing was saved:"</p>
                        <ul>{items}</ul>
                    </div>
                }
                .into_any()
            }
            other => view! { <ErrorPanel error=other/> }.into_any(),
        })
    }
}

/// A status line once the action succeeded.
pub fn done_notice<T: Clone + Send + Sync + 'static>(
    result: MappedSignal<Option<Result<T, AppError>>>,
    text: &'static str,
) -> impl IntoView {
    move || matches!(result.get(), Some(Ok(_))).then(|| view! { <p class="notice" role="status">{text}</p> })
}
