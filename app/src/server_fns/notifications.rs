//! Server functions of the notification centre (everyone's own notifications and noise
//! settings) and of the delivery log (admins: what was sent, what failed, retry).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::delivery::{DeliveryStatus, DeliveryView, Notification};
use crate::error::AppError;

/// The signed-in person's notification centre.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationList {
    pub items: Vec<Notification>,
    pub unread: i64,
    /// Minutes between digests of non-urgent e-mail, if the person chose them.
    pub digest_minutes: Option<i64>,
}

/// How many notifications the centre lists.
#[cfg(feature = "ssr")]
const CENTRE_SIZE: i64 = 50;

#[server(endpoint = "notifications/centre")]
pub async fn notification_centre() -> Result<NotificationList, AppError> {
    let user = crate::ssr::auth::require_user().await?;
    let store = crate::ssr::app_state()?.store;
    let digest_minutes =
        store.digest_minutes().await?.into_iter().find(|(id, _)| *id == user.id).map(|(_, minutes)| minutes);
    Ok(NotificationList {
        items: store.notifications_of(user.id, CENTRE_SIZE).await?,
        unread: store.unread_notifications(user.id).await?,
        digest_minutes,
    })
}

/// The badge in the header.
#[server(endpoint = "notifications/unread")]
pub async fn unread_notifications() -> Result<i64, AppError> {
    let user = crate::ssr::auth::require_user().await?;
    Ok(crate::ssr::app_state()?.store.unread_notifications(user.id).await?)
}

/// Marks one notification read (`id`), or all of them (`id` empty). Someone else's notification
/// is "not found".
#[server(endpoint = "notifications/read")]
pub async fn mark_read(#[server(default)] id: String) -> Result<(), AppError> {
    let user = crate::ssr::auth::require_user().await?;
    let store = crate::ssr::app_state()?.store;
    let mut errors = crate::domain::FieldErrors::default();
    let id = crate::domain::validation::optional_id(&mut errors, "id", &id);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let changed = store.mark_notifications_read(user.id, id, crate::ssr::now()).await?;
    if id.is_some() && changed == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Sets the digest interval: empty for a message per notification, else 15 to 1440 minutes.
#[server(endpoint = "notifications/digest")]
pub async fn save_digest(#[server(default)] minutes: String) -> Result<(), AppError> {
    let user = crate::ssr::auth::require_user().await?;
    let minutes = match minutes.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(value) if (15..=1440).contains(&value) => Some(value),
            _ => {
                return Err(AppError::field(
                    "minutes",
                    "Give the digest interval in whole minutes between 15 and 1440, or leave it empty.",
                ))
            }
        },
    };
    crate::ssr::app_state()?.store.set_digest_minutes(user.id, minutes).await?;
    Ok(())
}

/// The delivery log for admins.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReport {
    pub deliveries: Vec<DeliveryView>,
    pub counts: Vec<(DeliveryStatus, i64)>,
}

/// Recent deliveries, optionally of one status (`failed`, …).
#[server(endpoint = "notifications/deliveries")]
pub async fn delivery_log(#[server(default)] status: String) -> Result<DeliveryReport, AppError> {
    crate::ssr::auth::require_admin().await?;
    let statuses = match status.trim() {
        "" | "all" => Vec::new(),
        word => match DeliveryStatus::parse(word) {
            Some(status) => vec![status],
            None => {
                return Err(AppError::field(
                    "status",
                    format!(
                        "\"{word}\" is not a delivery status; use {}.",
                        DeliveryStatus::words().join(", ")
                    ),
                ))
            }
        },
    };
    let store = crate::ssr::app_state()?.store;
    Ok(DeliveryReport {
        deliveries: store.deliveries(&statuses, 200).await?,
        counts: store.delivery_counts().await?,
    })
}

/// Sends a failed delivery again (`id`), or every failed one (`id` empty), each with its own
/// idempotency key unchanged (admins only).
#[server(endpoint = "notifications/retry")]
pub async fn retry_delivery(#[server(default)] id: String) -> Result<(), AppError> {
    crate::ssr::auth::require_admin().await?;
    let mut errors = crate::domain::FieldErrors::default();
    let id = crate::domain::validation::optional_id(&mut errors, "id", &id);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    match crate::ssr::app_state()?.store.retry_deliveries(id, crate::ssr::now()).await? {
        0 => Err(AppError::Refused("Only a failed delivery can be retried.".into())),
        _ => Ok(()),
    }
}
