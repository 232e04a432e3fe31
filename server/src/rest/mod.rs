//! The REST API for integrations, under `/api/v1`: create tickets from other systems, read their
//! status and public timeline, add messages. Callers authenticate with a bearer token an admin
//! created; a token acts with its creator's rights. The OpenAPI document at
//! `/api/v1/openapi.json` is generated from these handlers and their types.

use app::domain::commands::NewTicketInput;
use app::domain::describe::describe;
use app::domain::queue::{parse_page, parse_statuses, TicketFilter, TicketSort};
use app::domain::{Channel, EventData, FieldErrors, UserSummary, Visibility};
use app::error::AppError;
use app::ssr::store::tickets::WriteError;
use app::ssr::use_cases::{self, MessageRefused, NewMessage, TicketToOpen};
use app::ssr::AppState;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoParams, Modify, OpenApi, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/tickets", post(create_ticket).get(list_tickets))
        .route("/api/v1/tickets/{id}", get(get_ticket))
        .route("/api/v1/tickets/{id}/messages", post(add_message))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Tierline API", version = "1", description = "Create and follow support tickets from other systems."),
    paths(create_ticket, list_tickets, get_ticket, add_message),
    components(schemas(NewTicketRequest, NewMessageRequest, ApiTicket, ApiTicketList, ApiTimelineEntry, ApiErrorBody, ApiErrorDetail, ApiFieldError)),
    modifiers(&BearerToken),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// A ticket as the API shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiTicket {
    pub id: i64,
    pub subject: String,
    pub description: String,
    /// new, open, pending, on_hold, resolved or closed.
    pub status: String,
    /// low, normal, high or urgent.
    pub priority: String,
    pub channel: String,
    pub category: Option<String>,
    pub organisation: String,
    pub requester_email: String,
    pub tier: Option<String>,
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The public timeline, oldest first; present when reading one ticket.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<ApiTimelineEntry>>,
}

/// One public event of a ticket.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiTimelineEntry {
    pub sequence: i64,
    /// created, customer_message, public_reply or status_changed.
    pub kind: String,
    pub author: Option<String>,
    pub at: DateTime<Utc>,
    /// The text of a message or reply, or the sentence describing another event
    /// ("Sam Patel changed the status from Open to Resolved.").
    pub text: String,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiTicketList {
    pub tickets: Vec<ApiTicket>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewTicketRequest {
    pub subject: String,
    pub description: String,
    /// The customer the ticket is for; they must already have an account.
    pub requester_email: String,
    /// low, normal (default), high or urgent.
    #[serde(default)]
    pub priority: Option<String>,
    /// A category name as listed in Tierline.
    #[serde(default)]
    pub category: Option<String>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NewMessageRequest {
    pub body: String,
    /// public (default) or internal. Internal notes are for staff only.
    #[serde(default)]
    pub visibility: Option<String>,
    /// Post as this customer of the ticket's organisation (for example an e-mail gateway passing
    /// on a reply); otherwise the message is written by the token's owner.
    #[serde(default)]
    pub author_email: Option<String>,
}

/// The numbers are read as text so that a wrong one is refused with its field's name.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// active (default), all, or a comma-separated list of statuses.
    pub status: Option<String>,
    /// From 1 to 1000000.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 1000000)]
    pub page: Option<String>,
    /// 1 to 200; 50 by default.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 200)]
    pub per_page: Option<String>,
}

/// Every error answer: a code, a sentence, and the wrong fields when the input was invalid.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiErrorDetail {
    /// bad_request (the request could not be read), unauthenticated, forbidden, not_found,
    /// too_large, invalid, conflict, rate_limited or internal.
    pub code: String,
    pub message: String,
    pub fields: Vec<ApiFieldError>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ApiFieldError {
    pub field: String,
    pub message: String,
}

/// An `AppError` answered as JSON with the status its variant documents.
pub struct ApiError(AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        ApiError(error)
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        ApiError(AppError::Invalid(errors))
    }
}

impl From<app::ssr::store::StoreError> for ApiError {
    fn from(error: app::ssr::store::StoreError) -> Self {
        ApiError(error.into())
    }
}

impl From<WriteError> for ApiError {
    fn from(error: WriteError) -> Self {
        ApiError(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let code = match &self.0 {
            AppError::BadRequest(_) => "bad_request",
            AppError::TooLarge => "too_large",
            AppError::Unauthenticated => "unauthenticated",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(_) | AppError::Refused(_) => "conflict",
            AppError::Gone(_) => "gone",
            AppError::RateLimited => "rate_limited",
            AppError::Internal { .. } | AppError::Transport(_) => "internal",
        };
        let fields = self
            .0
            .field_errors()
            .map(|errors| {
                errors
                    .0
                    .iter()
                    .map(|e| ApiFieldError { field: e.field.clone(), message: e.message.clone() })
                    .collect()
            })
            .unwrap_or_default();
        let status = StatusCode::from_u16(self.0.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body =
            ApiErrorBody { error: ApiErrorDetail { code: code.into(), message: self.0.to_string(), fields } };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// axum's `Json`, `Query` and `Path`, whose refusals (malformed JSON, a wrong content type, a
/// word where a number belongs) answer with the API's error body like every other error.
#[derive(FromRequest)]
#[from_request(via(Json), rejection(ApiError))]
struct ApiJson<T>(T);

#[derive(FromRequestParts)]
#[from_request(via(Query), rejection(ApiError))]
struct ApiQuery<T>(T);

#[derive(FromRequestParts)]
#[from_request(via(Path), rejection(ApiError))]
struct ApiPath<T>(T);

/// A request axum could not read: too large, or a 400 with axum's description.
fn unreadable(status: StatusCode, description: String) -> ApiError {
    ApiError(if status == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::TooLarge
    } else {
        AppError::BadRequest(description)
    })
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match &rejection {
            JsonRejection::JsonDataError(error) => json_field_error(error)
                .map(ApiError)
                .unwrap_or_else(|| unreadable(rejection.status(), rejection.body_text())),
            JsonRejection::MissingJsonContentType(_) => ApiError(AppError::BadRequest(
                "Send the body as JSON, with the header Content-Type: application/json.".into(),
            )),
            _ => unreadable(rejection.status(), rejection.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        unreadable(rejection.status(), rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        unreadable(rejection.status(), rejection.body_text())
    }
}

/// The wrong field of a JSON body that parsed but does not fit the request type: axum reads it
/// through `serde_path_to_error`, which knows the path to the value serde refused.
fn json_field_error(error: &axum::extract::rejection::JsonDataError) -> Option<AppError> {
    let mut source = std::error::Error::source(error);
    while let Some(current) = source {
        if let Some(found) = current.downcast_ref::<serde_path_to_error::Error<serde_json::Error>>() {
            let path = found.path().to_string();
            let message = found.inner().to_string();
            return Some(if path == "." {
                AppError::undecodable(&message)
            } else {
                AppError::field(&path, message)
            });
        }
        source = current.source();
    }
    None
}

/// The person an API call acts for: the owner of its bearer token.
pub struct ApiCaller(pub UserSummary);

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError(AppError::Unauthenticated))?;
        let user = state
            .store
            .api_token_user(token, Utc::now())
            .await?
            .ok_or(ApiError(AppError::Unauthenticated))?;
        if !user.role.is_staff() {
            return Err(ApiError(AppError::Forbidden));
        }
        Ok(ApiCaller(user))
    }
}

async fn to_api_ticket(
    state: &AppState,
    ticket: app::domain::Ticket,
    with_timeline: bool,
) -> Result<ApiTicket, ApiError> {
    let directory = state.store.directory().await?;
    let organisation =
        state.store.organisations().await?.into_iter().find(|o| o.id == ticket.organisation_id);
    let requester = state.store.user(ticket.requester_id).await?;
    let timeline = if with_timeline {
        let entries = state.store.timeline(ticket.id, false).await?;
        Some(
            entries
                .into_iter()
                .map(|entry| ApiTimelineEntry {
                    sequence: entry.event.sequence,
                    kind: entry.event.data.kind().to_string(),
                    at: entry.event.at,
                    text: match &entry.event.data {
                        EventData::Created { description, .. } => description.clone(),
                        EventData::CustomerMessage { body } | EventData::PublicReply { body } => body.clone(),
                        other => {
                            let actor = entry.actor_name.as_deref().unwrap_or("Tierline");
                            format!("{}.", describe(other, actor, &directory))
                        }
                    },
                    author: entry.actor_name,
                })
                .collect(),
        )
    } else {
        None
    };
    Ok(ApiTicket {
        id: ticket.id,
        category: directory.category_name(ticket.category_id).map(str::to_string),
        tier: directory.tier_name(ticket.assignment.tier_id).map(str::to_string),
        subject: ticket.subject,
        description: ticket.description,
        status: ticket.status.as_str().into(),
        priority: ticket.priority.as_str().into(),
        channel: ticket.channel.as_str().into(),
        organisation: organisation.map(|o| o.name).unwrap_or_default(),
        requester_email: requester.map(|r| r.summary.email).unwrap_or_default(),
        tags: ticket.tags,
        created_at: ticket.created_at,
        updated_at: ticket.updated_at,
        timeline,
    })
}

async fn customer_by_email(state: &AppState, field: &str, email: &str) -> Result<UserSummary, ApiError> {
    let email = email.trim().to_lowercase();
    state
        .store
        .users()
        .await?
        .into_iter()
        .map(|user| user.summary)
        .find(|user| user.email == email && user.role.is_customer())
        .ok_or_else(|| ApiError(AppError::field(field, format!("No customer has the address {email:?}."))))
}

/// Open a ticket for a customer.
#[utoipa::path(
    post, path = "/api/v1/tickets", tag = "tickets", request_body = NewTicketRequest,
    responses(
        (status = 201, description = "Created", body = ApiTicket),
        (status = 400, description = "The body is not JSON of this shape; nothing was created", body = ApiErrorBody),
        (status = 401, description = "No valid token", body = ApiErrorBody),
        (status = 413, description = "The body is too large; nothing was created", body = ApiErrorBody),
        (status = 422, description = "Invalid fields; nothing was created", body = ApiErrorBody),
    )
)]
async fn create_ticket(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiJson(request): ApiJson<NewTicketRequest>,
) -> Result<(StatusCode, Json<ApiTicket>), ApiError> {
    let mut errors = FieldErrors::default();
    let requester = match customer_by_email(&state, "requester_email", &request.requester_email).await {
        Ok(requester) => Some(requester),
        Err(ApiError(AppError::Invalid(more))) => {
            errors.0.extend(more.0);
            None
        }
        Err(other) => return Err(other),
    };
    let category_id = match request.category.as_deref().map(str::trim).filter(|name| !name.is_empty()) {
        None => None,
        Some(name) => {
            let found = state
                .store
                .categories()
                .await?
                .into_iter()
                .find(|c| c.active && c.name.eq_ignore_ascii_case(name));
            if found.is_none() {
                errors.push("category", format!("There is no category called {name:?}."));
            }
            found.map(|c| c.id)
        }
    };
    let ticket = TicketToOpen {
        requester,
        requester_field: "requester_email",
        errors,
        input: NewTicketInput {
            subject: request.subject,
            description: request.description,
            category_id,
            priority: request.priority.unwrap_or_default(),
        },
        channel: Channel::Api,
    };
    let appended = use_cases::open_ticket(&state.store, &caller, ticket, Utc::now()).await?;
    Ok((StatusCode::CREATED, Json(to_api_ticket(&state, appended.ticket, true).await?)))
}

/// List tickets, most recently updated first.
#[utoipa::path(
    get, path = "/api/v1/tickets", tag = "tickets", params(ListParams),
    responses(
        (status = 200, body = ApiTicketList),
        (status = 400, description = "The query could not be read", body = ApiErrorBody),
        (status = 401, body = ApiErrorBody),
        (status = 422, description = "A wrong status, page or per_page", body = ApiErrorBody),
    )
)]
async fn list_tickets(
    State(state): State<AppState>,
    ApiCaller(_caller): ApiCaller,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<ApiTicketList>, ApiError> {
    let mut errors = FieldErrors::default();
    let statuses = parse_statuses(&mut errors, "status", params.status.as_deref().unwrap_or("active"));
    let page = parse_page(&mut errors, "page", params.page.as_deref().unwrap_or_default());
    let per_page = match params.per_page.as_deref().map(str::trim).unwrap_or_default() {
        "" => 50,
        number => {
            number.parse::<i64>().ok().filter(|per_page| (1..=200).contains(per_page)).unwrap_or_else(|| {
                errors.push("per_page", "per_page must be a number from 1 to 200.");
                50
            })
        }
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let filter = TicketFilter {
        statuses,
        sort: TicketSort::RecentlyUpdated,
        page,
        per_page,
        ..TicketFilter::default()
    };
    let found = state.store.list_tickets(&filter).await?;
    let mut tickets = Vec::with_capacity(found.items.len());
    for item in found.items {
        tickets.push(to_api_ticket(&state, item.ticket, false).await?);
    }
    Ok(Json(ApiTicketList { tickets, total: found.total, page, per_page }))
}

/// Read one ticket with its public timeline.
#[utoipa::path(
    get, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = i64, Path, description = "The ticket number")),
    responses(
        (status = 200, body = ApiTicket),
        (status = 400, description = "The id is not a number", body = ApiErrorBody),
        (status = 401, body = ApiErrorBody),
        (status = 404, body = ApiErrorBody),
    )
)]
async fn get_ticket(
    State(state): State<AppState>,
    ApiCaller(_caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ApiTicket>, ApiError> {
    let ticket = state.store.ticket(id).await?.ok_or(ApiError(AppError::NotFound))?;
    Ok(Json(to_api_ticket(&state, ticket, true).await?))
}

/// Add a message to a ticket: a public reply or internal note by the token's owner, or a
/// customer's message when `author_email` names a customer of the ticket's organisation.
#[utoipa::path(
    post, path = "/api/v1/tickets/{id}/messages", tag = "tickets", request_body = NewMessageRequest,
    params(("id" = i64, Path, description = "The ticket number")),
    responses(
        (status = 201, description = "Added; the ticket with its public timeline", body = ApiTicket),
        (status = 400, description = "The id is not a number, or the body is not JSON of this shape", body = ApiErrorBody),
        (status = 401, body = ApiErrorBody), (status = 404, body = ApiErrorBody),
        (status = 409, description = "The ticket is closed", body = ApiErrorBody),
        (status = 413, description = "The body is too large", body = ApiErrorBody),
        (status = 422, body = ApiErrorBody),
    )
)]
async fn add_message(
    State(state): State<AppState>,
    ApiCaller(caller): ApiCaller,
    ApiPath(id): ApiPath<i64>,
    ApiJson(request): ApiJson<NewMessageRequest>,
) -> Result<(StatusCode, Json<ApiTicket>), ApiError> {
    let visibility = match request.visibility.as_deref().unwrap_or("public") {
        "public" => Visibility::Public,
        "internal" => Visibility::Internal,
        other => {
            return Err(
                AppError::field("visibility", format!("{other:?} is neither public nor internal.")).into()
            )
        }
    };
    let author = match request.author_email.as_deref().filter(|email| !email.trim().is_empty()) {
        None => caller.clone(),
        Some(email) => customer_by_email(&state, "author_email", email).await?,
    };
    let message = NewMessage { ticket_id: id, author, visibility, body: request.body };
    let appended =
        use_cases::post_message(&state.store, &caller, message, Utc::now()).await.map_err(|refused| {
            match refused {
                MessageRefused::NoTicket => AppError::NotFound,
                MessageRefused::OtherOrganisation => {
                    AppError::field("author_email", "That customer belongs to another organisation.")
                }
                MessageRefused::InternalNoteByCustomer => {
                    AppError::field("visibility", "A customer's message is always public.")
                }
                MessageRefused::Error(error) => error,
            }
        })?;
    Ok((StatusCode::CREATED, Json(to_api_ticket(&state, appended.ticket, true).await?)))
}
