//! The satisfaction survey and the reviews of low scores.
//!
//! The survey's two functions need no sign-in: the link's token is the credential
//! (`crate::ssr::survey_links`). An unknown, tampered or forged token and another survey's are
//! all "not found", so a third party learns nothing about any ticket. Reviews are for leads,
//! managers and admins (`Role::may_review_feedback`).

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::survey::{LinkRefusal, ReviewChangeInput, SurveyAnswer, SurveyAnswerInput};
use crate::error::AppError;

/// What the survey page shows: the request in the customer's organisation's name, and where
/// the link stands. Never anything internal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyView {
    pub ticket_id: i64,
    pub ticket_subject: String,
    pub organisation: String,
    pub state: SurveyState,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SurveyState {
    /// It may be answered until `expires_at`.
    Open { expires_at: DateTime<Utc> },
    /// It was answered: the customer sees their own answer.
    Answered(SurveyAnswer),
    /// It was withdrawn (the ticket was reopened) or has expired.
    Closed(LinkRefusal),
}

impl SurveyState {
    /// The HTTP status of the survey page in this state.
    pub fn status_code(&self) -> u16 {
        match self {
            SurveyState::Open { .. } => 200,
            SurveyState::Answered(_) => 409,
            SurveyState::Closed(_) => 410,
        }
    }
}

/// The survey on a ticket's page: its state and answer; for its requester, the form's path.
/// Part of the ticket page's data (`tickets::load_ticket`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyOnTicket {
    pub state: SurveyState,
    /// `/survey/TOKEN`, for the requester while the survey is open.
    pub form_path: Option<String>,
}

/// A review as the reviews page shows it, and who may own one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewsListing {
    pub reviews: Vec<crate::domain::survey::Review>,
    /// Active leads, managers and admins, by name: who may own a review.
    pub owners: Vec<(i64, String)>,
}

/// The survey behind `token`, for its form. Anyone with the link may call it.
#[server(endpoint = "survey/show")]
pub async fn survey_form(token: String) -> Result<SurveyView, AppError> {
    let state = crate::ssr::app_state()?;
    let survey = server::survey_of_token(&state, &token).await?;
    Ok(SurveyView {
        ticket_id: survey.ticket_id,
        ticket_subject: survey.ticket_subject.clone(),
        organisation: survey.organisation.clone(),
        state: server::state_of(&survey),
    })
}

/// Records the answer to the survey behind `token`, once. Anyone with the link may call it;
/// calls are counted per client address with sign-in attempts, since both guess at a secret.
#[server(endpoint = "survey/answer")]
pub async fn answer_survey(token: String, answer: SurveyAnswerInput) -> Result<(), AppError> {
    use crate::ssr::store::surveys::AnswerRefused;
    use crate::ssr::{auth, now};
    let state = crate::ssr::app_state()?;
    if !state.login_limiter.allow(auth::client_ip(), "survey") {
        return Err(AppError::RateLimited);
    }
    let survey = server::survey_of_token(&state, &token).await?;
    if let Err(refusal) = crate::domain::survey::check_link(&survey.link, now()) {
        return Err(server::refused(refusal));
    }
    let answer = answer.validate()?;
    match state.store.answer_survey(survey.id, &survey.nonce, &answer, now()).await {
        Ok(_) => {
            tracing::info!(
                survey = survey.id,
                ticket = survey.ticket_id,
                csat = answer.csat,
                "survey answered"
            );
            Ok(())
        }
        Err(AnswerRefused::NotFound) => Err(AppError::NotFound),
        Err(AnswerRefused::Link(refusal)) => Err(server::refused(refusal)),
        Err(AnswerRefused::Store(error)) => Err(error.into()),
    }
}

/// The reviews of low scores, open ones first; `status` (a review status word, or empty for all)
/// narrows them.
#[server(endpoint = "reviews/list")]
pub async fn list_reviews(status: String) -> Result<ReviewsListing, AppError> {
    use crate::domain::survey::ReviewStatus;
    let user = crate::ssr::auth::require_user().await?;
    if !user.role.may_review_feedback() {
        return Err(AppError::Forbidden);
    }
    let status = match status.trim() {
        "" => None,
        word => Some(
            ReviewStatus::parse(word)
                .ok_or_else(|| AppError::field("status", "Choose a status from the list."))?,
        ),
    };
    let state = crate::ssr::app_state()?;
    let reviews = state.store.reviews(status).await?;
    Ok(ReviewsListing { reviews, owners: server::owners(&state).await? })
}

/// Saves a review's owner, status, notes and agreed action.
#[server(endpoint = "reviews/update")]
pub async fn update_review(review_id: i64, change: ReviewChangeInput) -> Result<(), AppError> {
    let user = crate::ssr::auth::require_user().await?;
    if !user.role.may_review_feedback() {
        return Err(AppError::Forbidden);
    }
    let change = change.validate()?;
    let state = crate::ssr::app_state()?;
    if let Some(owner) = change.owner_id {
        if !server::owners(&state).await?.iter().any(|(id, _)| *id == owner) {
            return Err(AppError::field("owner_id", "The owner must be an active lead, manager or admin."));
        }
    }
    if !state.store.update_review(review_id, &change, user.id, crate::ssr::now()).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The newest survey of `ticket`, for its page as `user` sees it: staff see the answer; its
/// requester also gets the form's path while it is open; other customers of the organisation get
/// nothing (a survey is the requester's own). The caller has checked that `user` may see the
/// ticket.
#[cfg(feature = "ssr")]
pub async fn survey_on_ticket(
    state: &crate::ssr::AppState,
    user: &crate::domain::UserSummary,
    ticket: &crate::domain::Ticket,
) -> Result<Option<SurveyOnTicket>, AppError> {
    if !user.role.is_staff() && user.id != ticket.requester_id {
        return Ok(None);
    }
    let Some(survey) = state.store.latest_survey_of(ticket.id).await? else {
        return Ok(None);
    };
    let state_now = server::state_of(&survey);
    let form_path = (user.id == survey.requester_id && matches!(state_now, SurveyState::Open { .. }))
        .then(|| format!("/survey/{}", state.survey_links.token(survey.id, &survey.nonce)));
    Ok(Some(SurveyOnTicket { state: state_now, form_path }))
}

#[cfg(feature = "ssr")]
mod server {
    use super::*;
    use crate::ssr::store::surveys::SurveyRecord;
    use crate::ssr::AppState;

    /// The survey a token signs, or "not found" for anything else.
    pub async fn survey_of_token(state: &AppState, token: &str) -> Result<SurveyRecord, AppError> {
        let (id, nonce) = state.survey_links.read(token).ok_or(AppError::NotFound)?;
        state.store.survey(id, &nonce).await?.ok_or(AppError::NotFound)
    }

    pub fn state_of(survey: &SurveyRecord) -> SurveyState {
        match crate::domain::survey::check_link(&survey.link, crate::ssr::now()) {
            Ok(()) => SurveyState::Open { expires_at: survey.link.expires_at },
            Err(LinkRefusal::AlreadyAnswered) => match &survey.answer {
                Some(answer) => SurveyState::Answered(answer.clone()),
                None => SurveyState::Closed(LinkRefusal::AlreadyAnswered),
            },
            Err(refusal) => SurveyState::Closed(refusal),
        }
    }

    /// An answered link is a conflict (409); an expired or withdrawn one is gone (410).
    pub fn refused(refusal: LinkRefusal) -> AppError {
        match refusal {
            LinkRefusal::AlreadyAnswered => AppError::Refused(refusal.message().to_string()),
            LinkRefusal::Withdrawn | LinkRefusal::Expired => AppError::Gone(refusal.message().to_string()),
        }
    }

    pub async fn owners(state: &AppState) -> Result<Vec<(i64, String)>, AppError> {
        let mut owners: Vec<(i64, String)> = state
            .store
            .users()
            .await?
            .into_iter()
            .filter(|user| user.active && user.summary.role.may_review_feedback())
            .map(|user| (user.summary.id, user.summary.display_name))
            .collect();
        owners.sort_by(|a, b| a.1.cmp(&b.1));
        Ok(owners)
    }
}
