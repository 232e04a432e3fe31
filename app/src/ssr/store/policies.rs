//! Escalation policy versions: append-only, the newest in force.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{get_instant, to_millis, Store, StoreResult};
use crate::domain::calendar::Calendar;
use crate::domain::policy::Policy;
use crate::domain::policy_version::PolicyVersion;

/// The policy in force with every business calendar by name: what the engine and the clock
/// display work from.
pub struct Rules {
    pub version: i64,
    pub policy: Policy,
    pub calendars: std::collections::BTreeMap<String, Calendar>,
}

impl Rules {
    /// The time zone of the policy's calendar: where the support organisation's days begin.
    pub fn time_zone(&self) -> crate::domain::period::Tz {
        self.calendars
            .get(self.policy.calendar.as_str())
            .map_or(crate::domain::period::Tz::UTC, Calendar::timezone)
    }
}

fn version_from_row(row: &AnyRow) -> StoreResult<PolicyVersion> {
    Ok(PolicyVersion {
        version: row.try_get("version")?,
        source: row.try_get("source")?,
        author: row.try_get("display_name")?,
        comment: row.try_get("comment")?,
        created_at: get_instant(row, "created_at")?,
    })
}

const VERSION_COLUMNS: &str =
    "p.version, p.source, u.display_name, p.comment, p.created_at FROM policy_versions p JOIN users u ON u.id = p.author_id";

impl Store {
    /// Saves `source` as the next version and returns its number. The caller has validated it.
    pub async fn save_policy_version(
        &self,
        source: &str,
        author_id: i64,
        comment: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let mut write = self.begin_write().await?;
        let next: i64 = sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 AS next FROM policy_versions")
            .fetch_one(&mut *write.tx)
            .await?
            .try_get("next")?;
        // Two admins saving at once on PostgreSQL: the UNIQUE version refuses the second, whose
        // transaction then fails instead of silently reusing the number.
        sqlx::query(
            "INSERT INTO policy_versions (version, source, author_id, comment, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(next)
        .bind(source)
        .bind(author_id)
        .bind(comment)
        .bind(to_millis(now))
        .execute(&mut *write.tx)
        .await?;
        // Open tickets follow the version in force: the engine recomputes every one at once.
        super::escalation::reschedule_open_in(&mut write, now, None).await?;
        write.commit().await?;
        self.engine_wake().notify_one();
        Ok(next)
    }

    /// Every version, newest first.
    pub async fn policy_versions(&self) -> StoreResult<Vec<PolicyVersion>> {
        let rows = sqlx::query(&format!("SELECT {VERSION_COLUMNS} ORDER BY p.version DESC"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(version_from_row).collect()
    }

    pub async fn policy_version(&self, version: i64) -> StoreResult<Option<PolicyVersion>> {
        let row = sqlx::query(&format!("SELECT {VERSION_COLUMNS} WHERE p.version = $1"))
            .bind(version)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(version_from_row).transpose()
    }

    /// The rules in force, or `None` while no policy has been saved. A stored document that no
    /// longer parses (saved versions are validated, so this is a bug) is logged and skipped.
    pub async fn rules(&self) -> StoreResult<Option<Rules>> {
        let Some(version) = self.current_policy().await? else {
            return Ok(None);
        };
        let policy = match Policy::from_toml(&version.source) {
            Ok(policy) => policy,
            Err(errors) => {
                tracing::error!(version = version.version, %errors, "the policy in force does not parse");
                return Ok(None);
            }
        };
        let mut calendars = std::collections::BTreeMap::new();
        for record in self.calendars().await? {
            match Calendar::from_toml(&record.source) {
                Ok(calendar) => {
                    calendars.insert(record.name, calendar);
                }
                Err(error) => {
                    tracing::error!(calendar = %record.name, %error, "a saved calendar does not parse")
                }
            }
        }
        Ok(Some(Rules { version: version.version, policy, calendars }))
    }

    /// The mistakes of `policy` against the organisation as it is now: names of tiers, groups,
    /// calendars and categories that do not exist, and calendars that do not parse.
    pub async fn unresolved_names(&self, policy: &Policy) -> StoreResult<Vec<String>> {
        let directory = self.directory().await?;
        let holders: Vec<&str> = directory
            .tiers
            .iter()
            .map(|tier| tier.name.as_str())
            .chain(directory.groups.iter().map(|group| group.name.as_str()))
            .collect();
        let calendars = self.calendars().await?;
        let readable: Vec<&str> = calendars
            .iter()
            .filter(|record| Calendar::from_toml(&record.source).is_ok())
            .map(|record| record.name.as_str())
            .collect();
        let categories: Vec<&str> =
            directory.categories.iter().map(|category| category.name.as_str()).collect();
        Ok(policy.check_names(&holders, &readable, &categories).iter().map(ToString::to_string).collect())
    }

    /// What is wrong with the policy in force, for admins and for `/readyz`: empty when it parses
    /// and every name it uses exists. A stored version cannot be wrong when saved (saving
    /// validates it), but the organisation can change under it, and a newer Tierline may read an
    /// old document differently; either way the engine then works on part of the policy
    /// (unroutable criteria fall back to ladder level 1), so people must hear of it.
    pub async fn policy_problems(&self) -> StoreResult<Vec<String>> {
        let Some(version) = self.current_policy().await? else {
            return Ok(Vec::new());
        };
        let problems = match Policy::from_toml(&version.source) {
            Err(errors) => errors.iter().map(ToString::to_string).collect(),
            Ok(policy) => self.unresolved_names(&policy).await?,
        };
        Ok(problems
            .into_iter()
            .map(|problem| format!("policy version {}: {problem}", version.version))
            .collect())
    }

    /// The lines of the policy in force that name the tier or group `name`, with the version:
    /// what renaming it would silently break. `None` when no policy names it.
    pub async fn policy_lines_naming(&self, name: &str) -> StoreResult<Option<(i64, Vec<usize>)>> {
        let Some(version) = self.current_policy().await? else {
            return Ok(None);
        };
        let Ok(policy) = Policy::from_toml(&version.source) else {
            return Ok(None);
        };
        let lines = policy.lines_naming_holder(name);
        Ok((!lines.is_empty()).then_some((version.version, lines)))
    }

    /// The time zone the support organisation's days are counted in (UTC without a policy).
    pub async fn time_zone(&self) -> StoreResult<crate::domain::period::Tz> {
        Ok(self.rules().await?.map_or(crate::domain::period::Tz::UTC, |rules| rules.time_zone()))
    }

    /// The version in force: the newest.
    pub async fn current_policy(&self) -> StoreResult<Option<PolicyVersion>> {
        let row = sqlx::query(&format!("SELECT {VERSION_COLUMNS} ORDER BY p.version DESC LIMIT 1"))
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(version_from_row).transpose()
    }
}
