//! Rating the escalation that brought a ticket to its tier (staff of the receiving tier, once):
//! was it warranted, and was the handoff note enough? Never required to work the ticket; the
//! ratings tell the sending tier how its escalations land.

use leptos::prelude::*;

use crate::components::errors::{action_error, field_error};
use crate::domain::commands::RATING_COMMENT_MAX;
use crate::domain::ticket::Warranted;
use crate::server_fns::tickets::RateEscalation;

#[component]
pub(super) fn EscalationRating(ticket_id: i64, rate: ServerAction<RateEscalation>) -> impl IntoView {
    let result = rate.value();
    let warranted = Warranted::ALL
        .iter()
        .map(|choice| {
            let id = format!("warranted-{}", choice.as_str());
            let label_for = id.clone();
            view! {
                <label class="inline-check" for=label_for>
                    <input type="radio" id=id name="rating[warranted]" value=choice.as_str() required=true/>
                    {choice.label()}
                </label>
            }
        })
        .collect_view();
    let handoff = (1..=5)
        .map(|score| view! { <option value=score.to_string()>{score.to_string()}</option> })
        .collect_view();
    view! {
        <details class="rating">
            <summary>"Rate this escalation (optional)"</summary>
            {action_error(result)}
            <ActionForm action=rate>
                <input type="hidden" name="ticket_id" value=ticket_id.to_string()/>
                <fieldset class="radio-row">
                    <legend>"Was it warranted?"</legend>
                    {warranted}
                </fieldset>
                {field_error(result, "warranted")}
                <label for="rating-handoff">"Was the handoff note enough? (1 = we had to ask everything again, 5 = nothing left to ask)"</label>
                <select id="rating-handoff" name="rating[handoff]" required=true>
                    <option value="">"Choose"</option>
                    {handoff}
                </select>
                {field_error(result, "handoff")}
                <label for="rating-comment">"Comment for the sending tier (optional)"</label>
                <textarea id="rating-comment" name="rating[comment]" rows="3" maxlength=RATING_COMMENT_MAX></textarea>
                {field_error(result, "comment")}
                <button type="submit">"Send rating"</button>
            </ActionForm>
        </details>
    }
}
