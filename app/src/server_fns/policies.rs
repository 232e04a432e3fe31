//! Server functions for the escalation policy: read its versions (staff), save a new version
//! (managers and admins), each validated in full with the line of every mistake.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::domain::policy_version::PolicyVersion;
use crate::error::AppError;

/// The policy page: the versions, the one shown with its readable rendering, and what changed
/// from the version before it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyPage {
    /// Newest first, without their sources.
    pub versions: Vec<PolicyVersion>,
    pub shown: Option<PolicyVersion>,
    /// The shown version as Markdown, for stakeholders.
    pub markdown: String,
    /// Lines removed (`-`), added (`+`) and kept (` `) since the version before the shown one.
    pub diff: Vec<(char, String)>,
    /// Whether the caller may save a new version.
    pub may_edit: bool,
    /// What is wrong with the version in force (names that no longer exist, a document that no
    /// longer parses); for managers and admins, empty for others.
    pub problems: Vec<String>,
}

/// The policy's versions and one of them (the newest when `version` is 0). Staff only.
#[server(endpoint = "policy/page")]
pub async fn load_policy_page(version: i64) -> Result<PolicyPage, AppError> {
    use crate::domain::policy::Policy;
    use crate::domain::policy_version::line_diff;
    let user = crate::ssr::auth::require_staff().await?;
    let store = crate::ssr::app_state()?.store;
    let versions = store.policy_versions().await?;
    let shown = if version == 0 { versions.first().cloned() } else { store.policy_version(version).await? };
    if version != 0 && shown.is_none() {
        return Err(AppError::NotFound);
    }
    let markdown = shown
        .as_ref()
        .and_then(|shown| Policy::from_toml(&shown.source).ok())
        .map(|policy| policy.to_markdown())
        .unwrap_or_default();
    let diff = match &shown {
        Some(shown) => {
            let previous =
                versions.iter().find(|v| v.version < shown.version).map(|v| v.source.as_str()).unwrap_or("");
            line_diff(previous, &shown.source)
        }
        None => Vec::new(),
    };
    let versions = versions.into_iter().map(|v| PolicyVersion { source: String::new(), ..v }).collect();
    let may_edit = user.role.may_edit_policy();
    let problems = if may_edit { store.policy_problems().await? } else { Vec::new() };
    Ok(PolicyPage { versions, shown, markdown, diff, may_edit, problems })
}

/// Saves a new version of the policy, which is in force at once: every open ticket is looked
/// at again under it. Refused, with every mistake and its line, when the document is invalid
/// or names tiers, groups, calendars or categories that do not exist. Managers and admins.
#[server(endpoint = "policy/save")]
pub async fn save_policy(source: String, comment: String) -> Result<i64, AppError> {
    use crate::domain::policy::Policy;
    use crate::domain::FieldErrors;
    let user = crate::ssr::auth::require_staff().await?;
    if !user.role.may_edit_policy() {
        return Err(AppError::Forbidden);
    }
    let store = crate::ssr::app_state()?.store;
    let mut errors = FieldErrors::default();
    let comment = crate::domain::validation::text(&mut errors, "comment", "The comment", &comment, 3, 500);
    match Policy::from_toml(&source) {
        Err(mistakes) => {
            for mistake in mistakes.iter() {
                errors.push("source", mistake.to_string());
            }
        }
        Ok(policy) => {
            for mistake in store.unresolved_names(&policy).await? {
                errors.push("source", mistake);
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let now = crate::ssr::now();
    let version = store.save_policy_version(&source, user.id, &comment, now).await?;
    tracing::info!(version, user_id = user.id, "policy version saved");
    Ok(version)
}
