//! Server functions for configuration: organisations, tiers, groups, people, categories,
//! calendars and API tokens. Changing anything here is for admins only; staff may read the
//! customer list to open tickets on a customer's behalf.

use leptos::prelude::*;

use super::AppError;
use crate::domain::UserSummary;

/// Customers, for the "open a ticket for" choice. Staff only.
#[server(endpoint = "admin/customers")]
pub async fn list_customers() -> Result<Vec<UserSummary>, AppError> {
    crate::ssr::auth::require_staff().await?;
    let users = crate::ssr::app_state()?.store.users().await?;
    Ok(users
        .into_iter()
        .filter(|user| user.active && user.summary.role == crate::domain::Role::Customer)
        .map(|user| user.summary)
        .collect())
}
