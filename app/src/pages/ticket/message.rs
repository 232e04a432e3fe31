//! The form that writes on the timeline: a message from the customer, or a public reply or an
//! internal note from staff.

use leptos::prelude::*;

use crate::components::errors::action_error;
use crate::components::form::{Control, Field};
use crate::server_fns::tickets::PostMessage;

#[component]
pub(super) fn MessageForm(
    ticket_id: i64,
    staff: bool,
    post: ServerAction<PostMessage>,
    /// The text being written, kept across reloads of the ticket.
    body: RwSignal<String>,
) -> impl IntoView {
    let result = post.value();
    // Clear the text after it was saved; keep it when the server refused it.
    Effect::new(move |_| {
        if matches!(result.get(), Some(Ok(()))) {
            body.set(String::new());
        }
    });
    view! {
        <section class="panel" aria-label="Write">
            {action_error(result)}
            <ActionForm action=post>
                <input type="hidden" name="ticket_id" value=ticket_id.to_string()/>
                <Field id="message-body" name="body" label=if staff { "Reply or note" } else { "Your message" }
                    control=Control::TextArea required=true bind=body errors=result/>
                {if staff {
                    view! {
                        <fieldset class="radio-row">
                            <legend class="muted">"Who sees it"</legend>
                            <label><input type="radio" name="visibility" value="public" checked=true/>"Public reply to the customer"</label>
                            <label><input type="radio" name="visibility" value="internal"/>"Internal note"</label>
                        </fieldset>
                    }
                    .into_any()
                } else {
                    view! { <input type="hidden" name="visibility" value="public"/> }.into_any()
                }}
                <button type="submit" disabled=move || post.pending().get()>{if staff { "Send" } else { "Send message" }}</button>
            </ActionForm>
        </section>
    }
}
