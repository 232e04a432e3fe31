//! Files to download, for a signed-in person's browser: the feedback report, the bottleneck
//! report and the performance review as CSV. A plain GET with the session cookie, so a link on the report page works without
//! JavaScript.

use app::domain::feedback::report::{feedback_csv, FeedbackQuery};
use app::domain::{Role, UserSummary};
use app::error::AppError;
use app::server_fns::reports::{ReviewQuery, TimeQuery};
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
    csv_response(feedback_csv_for(&state, &headers, &query).await)
}

/// `/reports/time.csv?from=…&to=…&tier=…`: the tier, status and hand-off tables of the bottleneck
/// report page, with its figures.
pub async fn time_csv_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<TimeQuery>,
) -> Response {
    csv_response(time_csv_for(&state, &headers, query).await)
}

/// `/reports/review.csv?from=…&to=…`: exactly the figures of the performance review page.
pub async fn review_csv_file(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(query): Query<ReviewQuery>,
) -> Response {
    csv_response(review_csv_for(&state, &headers, &query).await)
}

async fn review_csv_for(
    state: &AppState,
    headers: &HeaderMap,
    query: &ReviewQuery,
) -> Result<(String, String), AppError> {
    let user = reader(state, headers, Role::may_track_progress).await?;
    let page =
        app::server_fns::reports::review::review(&state.store, &user, query, chrono::Utc::now()).await?;
    let csv = app::domain::tracking::review::review_csv(&page.rows, &page.names);
    Ok((format!("tierline-review-{}-to-{}.csv", page.period.from, page.period.to), csv))
}

/// The signed-in reader of a report, whose role `may` read it; to a customer, no report exists.
async fn reader(
    state: &AppState,
    headers: &HeaderMap,
    may: fn(Role) -> bool,
) -> Result<UserSummary, AppError> {
    let token = cookie_value(headers, SESSION_COOKIE).ok_or(AppError::Unauthenticated)?;
    let user = state.store.session_user(token, chrono::Utc::now()).await?.ok_or(AppError::Unauthenticated)?;
    if user.role.is_customer() {
        return Err(AppError::NotFound);
    }
    if !may(user.role) {
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

/// A CSV file named `name` to download, or the error's status and message.
fn csv_response(file: Result<(String, String), AppError>) -> Response {
    match file {
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

async fn time_csv_for(
    state: &AppState,
    headers: &HeaderMap,
    query: TimeQuery,
) -> Result<(String, String), AppError> {
    let user = reader(state, headers, Role::may_track_progress).await?;
    let page =
        app::server_fns::reports::server::time(&state.store, &user, query, chrono::Utc::now(), 0).await?;
    let name = |id: i64| {
        page.tiers
            .iter()
            .find(|(tier, _)| *tier == id)
            .map_or_else(|| format!("tier {id}"), |(_, name)| name.clone())
    };
    let csv = app::domain::tracking::time_report::time_csv(&page.report, name);
    Ok((format!("tierline-time-{}-to-{}.csv", page.period.from, page.period.to), csv))
}

async fn feedback_csv_for(
    state: &AppState,
    headers: &HeaderMap,
    query: &FeedbackQuery,
) -> Result<(String, String), AppError> {
    let now = chrono::Utc::now();
    reader(state, headers, Role::may_review_feedback).await?;
    let page = app::ssr::reports::feedback(&state.store, query, now.date_naive(), 0).await?;
    Ok((format!("tierline-feedback-{}-to-{}.csv", page.from, page.to), feedback_csv(&page)))
}
