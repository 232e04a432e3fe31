//! The satisfaction survey at `/survey/{token}`: no sign-in, a plain HTML form that works without
//! JavaScript, in the customer's organisation's name, showing the request's number and subject
//! and nothing internal. An answered, expired or withdrawn link says which, with the HTTP status
//! to match (409, 410); an unknown or tampered one is "not found" (404).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::components::errors::{action_error, field_error, ErrorPanel, FormErrors};
use crate::components::feedback::{GivenAnswer, SATISFACTION};
use crate::components::time::{Instant, Precision};
use crate::domain::survey::COMMENT_MAX;
use crate::server_fns::surveys::{survey_form, AnswerSurvey, SurveyState, SurveyView};

/// The effort scale's words at its ends, 1 and 7.
const EFFORT_ENDS: (&str, &str) = ("Very difficult", "Very easy");

#[component]
pub fn SurveyPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let answer = ServerAction::<AnswerSurvey>::new();
    let survey = Resource::new(move || (token(), answer.version().get()), |(token, _)| survey_form(token));
    view! {
        <Title text="How did we do?"/>
        <section class="panel narrow survey">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match survey.await {
                        Ok(view) => {
                            #[cfg(feature = "ssr")]
                            crate::components::loading::set_response_status(view.state.status_code());
                            view! { <SurveyContent view=view token=token() answer=answer/> }.into_any()
                        }
                        Err(error) => {
                            #[cfg(feature = "ssr")]
                            crate::components::loading::set_response_status(error.status_code());
                            view! {
                                <h1>"Survey not found"</h1>
                                <p>"This link does not lead to a survey. Check that it was copied whole from the e-mail."</p>
                                <ErrorPanel error=error/>
                            }
                            .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SurveyContent(view: SurveyView, token: String, answer: ServerAction<AnswerSurvey>) -> impl IntoView {
    // What the survey is about, under the page's heading.
    let context = format!("{} · Request #{}", view.organisation, view.ticket_id);
    let subject = view.ticket_subject;
    let about = move || {
        view! {
            <p class="muted">{context.clone()}</p>
            <p class="survey-subject">{subject.clone()}</p>
        }
    };
    match view.state {
        SurveyState::Open { expires_at } => view! {
            <h1>"How did we do?"</h1>
            {about()}
            <SurveyForm token=token expires_at=expires_at answer=answer/>
        }
        .into_any(),
        SurveyState::Answered(given) => view! {
            <h1>"Thank you for your feedback"</h1>
            {about()}
            <p class="notice" role="status">"This survey was already answered. Thank you!"</p>
            <GivenAnswer answer=given/>
        }
        .into_any(),
        SurveyState::Closed(refusal) => view! {
            <h1>"This survey is closed"</h1>
            {about()}
            <p class="notice" role="status">{refusal.message()}</p>
        }
        .into_any(),
    }
}

#[component]
fn SurveyForm(
    token: String,
    expires_at: chrono::DateTime<chrono::Utc>,
    answer: ServerAction<AnswerSurvey>,
) -> impl IntoView {
    let result = answer.value();
    let errors: FormErrors = result.into();
    let satisfaction = (1..=5u8)
        .map(|score| {
            view! { <Score group="answer[csat]" id=format!("csat-{score}") value=score words=SATISFACTION[usize::from(score) - 1] required=true/> }
        })
        .collect_view();
    let effort = (1..=7u8)
        .map(|score| {
            let words = match score {
                1 => EFFORT_ENDS.0,
                7 => EFFORT_ENDS.1,
                _ => "",
            };
            view! { <Score group="answer[effort]" id=format!("effort-{score}") value=score words=words required=false/> }
        })
        .collect_view();
    view! {
        {action_error(errors)}
        <ActionForm action=answer>
            <input type="hidden" name="token" value=token/>
            <fieldset class="scale" aria-describedby="csat-error">
                <legend>"How satisfied are you with how your request was handled? " <span class="muted">"(required)"</span></legend>
                <div class="scale-options">{satisfaction}</div>
                {field_error(errors, "csat")}
            </fieldset>
            <fieldset class="scale" aria-describedby="effort-error">
                <legend>"How easy was it to get your issue resolved? " <span class="muted">"(optional)"</span></legend>
                <div class="scale-options">{effort}</div>
                {field_error(errors, "effort")}
            </fieldset>
            <label for="comment">"Anything else you want to tell us? " <span class="muted">"(optional)"</span></label>
            <textarea id="comment" name="answer[comment]" rows="5" maxlength=COMMENT_MAX aria-describedby="comment-error"></textarea>
            {field_error(errors, "comment")}
            <button type="submit">"Send my answer"</button>
        </ActionForm>
        <p class="muted">"This link works once, until " <Instant at=expires_at precision=Precision::Day/> "."</p>
    }
}

/// One choice of a scale: a radio button with its number and, where it has them, words.
#[component]
fn Score(group: &'static str, id: String, value: u8, words: &'static str, required: bool) -> impl IntoView {
    let label_for = id.clone();
    view! {
        <label class="scale-option" for=label_for>
            <input type="radio" id=id name=group value=value.to_string() required=required/>
            <span class="scale-number">{value}</span>
            <span class="scale-words">{words}</span>
        </label>
    }
}
