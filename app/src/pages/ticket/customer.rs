//! The ticket page for its customer: built from the customer's type, which has no internal data.

use leptos::prelude::*;

use super::feedback::SurveyPanel;
use super::summary::{FactsPanel, TicketHeading};
use super::timeline::TimelineSection;
use crate::components::errors::action_error;
use crate::domain::directory::Directory;
use crate::server_fns::tickets::{CustomerTicketDetail, PostMessage, ReopenTicket};

#[component]
pub(super) fn CustomerTicketView(
    detail: CustomerTicketDetail,
    post: ServerAction<PostMessage>,
    reopen: ServerAction<ReopenTicket>,
    draft: RwSignal<String>,
) -> impl IntoView {
    let ticket = detail.ticket;
    let may_reopen = detail.may_reopen;
    view! {
        <TicketHeading ticket=ticket.clone() requester_name=detail.requester_name.clone() organisation_name=detail.organisation_name.clone()/>
        <div class="ticket-layout">
            <TimelineSection ticket=ticket.clone() timeline=detail.timeline directory=Directory::default()
                requester_name=detail.requester_name.clone() staff=false post=post draft=draft/>
            <aside>
                {detail.survey.map(|survey| view! { <SurveyPanel survey=survey staff=false/> })}
                <FactsPanel organisation=format!("{} ({})", detail.organisation_name, detail.plan)
                    requester_name=detail.requester_name category=detail.category_name channel=ticket.channel>
                    <Show when=move || may_reopen>
                        {action_error(reopen.value())}
                        <ActionForm action=reopen>
                            <input type="hidden" name="ticket_id" value=ticket.id.to_string()/>
                            <button type="submit" class="secondary">"Reopen this ticket"</button>
                        </ActionForm>
                    </Show>
                </FactsPanel>
            </aside>
        </div>
    }
}
