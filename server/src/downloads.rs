//! Files to download, for a signed-in person's browser: the feedback report as CSV. A plain GET
//! with the session cookie, so a link on the report page works without JavaScript.

use app::domain::feedback::report::{feedback_csv, FeedbackQuery};
use app::error::AppError;
use app::ssr::auth::{cookie_value, SESSION_COOKIE};
use app::ssr::AppState;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::{header, HeaderMap, HeaderValue, StatusCode};

/// `/reports/feedback.csv?from=…&to=…`: exactly the figures of the report page for that period.
pub async fn feedback_csv_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<FeedbackQuery>,
) -> Response {
    match feedback_csv_for(&state, &headers, &query).await {
        Ok((name, csv)) => {
            let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                csv,
            )
                .into_response()
        }
        Err(error) => {
            let status =
                StatusCode::from_u16(error.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, error.to_string()).into_response()
        }
    }
}

async fn feedback_csv_for(
    state: &AppState,
    headers: &HeaderMap,
    query: &FeedbackQuery,
) -> Result<(String, String), AppError> {
    let now = chrono::Utc::now();
    let token = cookie_value(headers, SESSION_COOKIE).ok_or(AppError::Unauthenticated)?;
    let user = state.store.session_user(token, now).await?.ok_or(AppError::Unauthenticated)?;
    if !user.role.may_review_feedback() {
        return Err(AppError::Forbidden);
    }
    let page = app::ssr::reports::feedback(&state.store, query, now.date_naive(), 0).await?;
    Ok((format!("tierline-feedback-{}-to-{}.csv", page.from, page.to), feedback_csv(&page)))
}
