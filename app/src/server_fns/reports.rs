//! Reports for leads, managers and admins (`Role::may_review_feedback`).

use leptos::prelude::*;

use crate::domain::feedback::report::{FeedbackPage, FeedbackQuery};
use crate::error::AppError;

/// The feedback report for a period, with the answers of one group when drilling down.
#[server(endpoint = "reports/feedback")]
pub async fn feedback_report(query: FeedbackQuery) -> Result<FeedbackPage, AppError> {
    let user = crate::ssr::auth::require_user().await?;
    if !user.role.may_review_feedback() {
        return Err(AppError::Forbidden);
    }
    let state = crate::ssr::app_state()?;
    crate::ssr::reports::feedback(
        &state.store,
        &query,
        crate::ssr::now().date_naive(),
        crate::ssr::reports::ANSWERS_SHOWN,
    )
    .await
}
