//! The satisfaction survey on the ticket page: for its requester the way to the form, then their
//! answer; for staff where the survey stands and what the customer said.

use leptos::prelude::*;

use crate::components::feedback::GivenAnswer;
use crate::components::time::{Instant, Precision};
use crate::domain::survey::LinkRefusal;
use crate::server_fns::surveys::{SurveyOnTicket, SurveyState};

#[component]
pub(super) fn SurveyPanel(survey: SurveyOnTicket, staff: bool) -> impl IntoView {
    let body = match (survey.state, survey.form_path) {
        (SurveyState::Open { expires_at }, Some(path)) => view! {
            <p>"Your request is resolved. Tell us how it went: two questions and a comment, if you like. It takes a minute."</p>
            <a class="button" href=path>"Rate our support"</a>
            <p class="hint muted">"The survey works once, until " <Instant at=expires_at precision=Precision::Day/> "."</p>
        }
        .into_any(),
        (SurveyState::Open { expires_at }, None) => view! {
            <p class="muted">"Sent to the requester, not answered yet. The link works until " <Instant at=expires_at precision=Precision::Day/> "."</p>
        }
        .into_any(),
        (SurveyState::Answered(answer), _) => view! {
            {(!staff).then(|| view! { <p>"Thank you for your feedback."</p> })}
            <GivenAnswer answer=answer/>
        }
        .into_any(),
        (SurveyState::Closed(LinkRefusal::Expired), _) => {
            view! { <p class="muted">"The survey expired unanswered."</p> }.into_any()
        }
        (SurveyState::Closed(_), _) => {
            view! { <p class="muted">"The survey was withdrawn when the ticket was reopened."</p> }.into_any()
        }
    };
    let heading = if staff { "Customer feedback" } else { "How did we do?" };
    view! {
        <section class="panel" aria-label="Satisfaction survey">
            <h2>{heading}</h2>
            {body}
        </section>
    }
}
