//! The one error type of every server function, shared by server and browser so the UI can show
//! field errors beside their fields.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use crate::domain::{FieldError, FieldErrors};

/// Each variant's comment names the HTTP status the REST API answers it with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// 401: nobody is signed in.
    #[error("Please sign in first.")]
    Unauthenticated,
    /// 403: signed in, but the role does not allow this.
    #[error("Your role does not allow this.")]
    Forbidden,
    /// 404: does not exist, or the caller may not know it exists.
    #[error("Not found.")]
    NotFound,
    /// 422: some fields are wrong; nothing was saved.
    #[error("Please correct the marked fields: {0}")]
    Invalid(FieldErrors),
    /// 400: the request could not be read (a malformed argument or body); nothing was saved.
    #[error("The request could not be read: {0}")]
    BadRequest(String),
    /// 413: the request is larger than Tierline accepts; nothing was saved.
    #[error("The request is too large.")]
    TooLarge,
    /// 409: someone else changed the ticket since the caller loaded it; nothing was saved.
    #[error("{0}")]
    Conflict(String),
    /// 409: the request is valid but the current state forbids it (e.g. a closed ticket).
    #[error("{0}")]
    Refused(String),
    /// 410: what the request is about no longer accepts it (an expired or withdrawn survey
    /// link); nothing was saved.
    #[error("{0}")]
    Gone(String),
    /// 429: too many attempts.
    #[error("Too many attempts. Wait a minute and try again.")]
    RateLimited,
    /// 500: logged on the server under `reference`; the user gets only the reference.
    #[error("Something went wrong on our side. If it persists, quote reference {reference}.")]
    Internal { reference: String },
    /// The request did not reach the server function or its answer could not be read.
    #[error("Could not reach Tierline: {0}")]
    Transport(String),
}

impl AppError {
    /// One wrong field.
    pub fn field(field: &str, message: impl Into<String>) -> AppError {
        AppError::Invalid(FieldErrors(vec![FieldError::new(field, message)]))
    }

    /// The field errors, if this is a validation error; forms show them beside their fields.
    pub fn field_errors(&self) -> Option<&FieldErrors> {
        match self {
            AppError::Invalid(errors) => Some(errors),
            _ => None,
        }
    }

    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden => 403,
            AppError::BadRequest(_) => 400,
            AppError::NotFound => 404,
            AppError::TooLarge => 413,
            AppError::Invalid(_) => 422,
            AppError::Conflict(_) | AppError::Refused(_) => 409,
            AppError::Gone(_) => 410,
            AppError::RateLimited => 429,
            AppError::Internal { .. } => 500,
            AppError::Transport(_) => 502,
        }
    }

    /// Input that could not be decoded into what a function takes. serde names a field only
    /// when it is missing ("missing field `subject`"): that is a field error (422) the form can
    /// show beside the field; anything else (a word where a number belongs, malformed syntax) is
    /// a 400 with the decoder's own words.
    pub fn undecodable(message: &str) -> AppError {
        let missing = message
            .split_once("missing field `")
            .and_then(|(_, rest)| rest.split_once('`'))
            .map(|(field, _)| field);
        match missing {
            Some(field) => AppError::field(field, "This field is required."),
            None => AppError::BadRequest(message.to_string()),
        }
    }

    /// Logs an internal failure with a fresh reference and returns the error the user sees.
    #[cfg(feature = "ssr")]
    pub fn internal(detail: impl std::fmt::Display) -> AppError {
        let reference = {
            use rand::RngCore;
            let mut bytes = [0u8; 6];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            hex::encode(bytes)
        };
        tracing::error!(%reference, error = %detail, "internal error");
        AppError::Internal { reference }
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        AppError::Invalid(errors)
    }
}

impl From<crate::domain::commands::CommandError> for AppError {
    fn from(error: crate::domain::commands::CommandError) -> Self {
        use crate::domain::commands::CommandError;
        match error {
            CommandError::Invalid(errors) => AppError::Invalid(errors),
            CommandError::StaffOnly => AppError::Forbidden,
            CommandError::Closed => AppError::Refused(error.to_string()),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Arguments are decoded only on the server, so those errors are the caller's mistake. A
    /// body that cannot be read is one too when the server reports it, but in the browser the
    /// same kind of error means the answer could not be read: Tierline was not reached.
    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) => AppError::undecodable(&message),
            ServerFnErrorErr::MissingArg(field) => AppError::field(&field, "This field is required."),
            // axum's body limit ends the read with this message (http-body's `LengthLimitError`).
            ServerFnErrorErr::Deserialization(message) if cfg!(feature = "ssr") => {
                if message.contains("length limit exceeded") {
                    AppError::TooLarge
                } else {
                    AppError::BadRequest(message)
                }
            }
            other => AppError::Transport(other.to_string()),
        }
    }

    /// Serialises the error for the browser and, on the server, gives the response the status
    /// the variant documents (a refused input is a 422, not a server failure). A plain HTML form
    /// post keeps Leptos's redirect back to the form, which carries the error in its URL.
    fn ser(&self) -> leptos::server_fn::Bytes {
        #[cfg(feature = "ssr")]
        {
            use leptos::prelude::use_context;
            let plain_form_post = use_context::<http::request::Parts>().is_some_and(|parts| {
                parts
                    .headers
                    .get(http::header::ACCEPT)
                    .and_then(|accept| accept.to_str().ok())
                    .is_some_and(|accept| accept.contains("text/html"))
            });
            if let (false, Some(response), Ok(status)) = (
                plain_form_post,
                use_context::<leptos_axum::ResponseOptions>(),
                http::StatusCode::from_u16(self.status_code()),
            ) {
                response.set_status(status);
            }
        }
        <Self::Encoder as leptos::server_fn::Encodes<Self>>::encode(self).unwrap_or_else(|error| {
            <Self::Encoder as leptos::server_fn::Encodes<Self>>::encode(&AppError::Transport(
                error.to_string(),
            ))
            .expect("a transport error always serialises")
        })
    }
}
