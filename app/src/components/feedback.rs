//! A customer's answer to the satisfaction survey, as the survey page, the ticket page and the
//! reviews show it.

use leptos::prelude::*;

use crate::domain::survey::SurveyAnswer;

/// The satisfaction scale's words, from 1 to 5.
pub const SATISFACTION: [&str; 5] =
    ["Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"];

/// "2 of 5 — Dissatisfied".
pub fn satisfaction_words(csat: u8) -> String {
    format!("{csat} of 5 — {}", SATISFACTION[usize::from(csat.clamp(1, 5)) - 1])
}

/// The answer as a list: satisfaction, effort and the comment, each when given.
#[component]
pub fn GivenAnswer(answer: SurveyAnswer) -> impl IntoView {
    view! {
        <dl class="survey-answer">
            <dt>"Satisfaction"</dt>
            <dd>{satisfaction_words(answer.csat)}</dd>
            {answer.effort.map(|effort| view! { <dt>"How easy it was"</dt><dd>{format!("{effort} of 7")}</dd> })}
            {answer.comment.map(|comment| view! { <dt>"Comment"</dt><dd class="survey-comment">{comment}</dd> })}
        </dl>
    }
}
