//! The support organisation and its customers: organisations, tiers, groups, categories and
//! calendars. Changed only by admins; read by everyone who works tickets.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::{get_flag, to_millis, Store, StoreResult, WriteTx};
use crate::domain::directory::{CalendarRecord, Category, Group, Organisation, Tier};

impl Store {
    pub async fn create_organisation(&self, name: &str, plan: &str, now: DateTime<Utc>) -> StoreResult<i64> {
        let mut write = self.begin_write().await?;
        let id = sqlx::query(
            "INSERT INTO organisations (name, plan, created_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(name)
        .bind(plan)
        .bind(to_millis(now))
        .fetch_one(&mut *write.tx)
        .await?
        .try_get("id")?;
        write.commit().await?;
        Ok(id)
    }

    /// Renames an organisation or changes its plan; a new plan may change the targets of its open
    /// tickets, so the engine recomputes them at once. False when there is no such organisation.
    pub async fn update_organisation(
        &self,
        id: i64,
        name: &str,
        plan: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut write = self.begin_write().await?;
        let Some(row) = sqlx::query(&format!(
            "SELECT plan FROM organisations WHERE id = $1{}",
            self.backend().lock_for_write()
        ))
        .bind(id)
        .fetch_optional(&mut *write.tx)
        .await?
        else {
            return Ok(false);
        };
        let old_plan: String = row.try_get("plan")?;
        sqlx::query("UPDATE organisations SET name = $1, plan = $2 WHERE id = $3")
            .bind(name)
            .bind(plan)
            .bind(id)
            .execute(&mut *write.tx)
            .await?;
        let replanned = old_plan != plan;
        if replanned {
            super::escalation::reschedule_open_in(&mut write, now, Some(id)).await?;
        }
        write.commit().await?;
        if replanned {
            self.engine_wake().notify_one();
        }
        Ok(true)
    }

    pub async fn organisations(&self) -> StoreResult<Vec<Organisation>> {
        let rows = sqlx::query("SELECT id, name, plan FROM organisations ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(Organisation {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    plan: row.try_get("plan")?,
                })
            })
            .collect()
    }

    /// Creates a tier; `tier.id` is ignored.
    pub async fn create_tier(&self, tier: &Tier) -> StoreResult<i64> {
        let mut write = self.begin_write().await?;
        let id = sqlx::query(
            "INSERT INTO tiers (name, rank, lead_id, handbook) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&tier.name)
        .bind(tier.rank)
        .bind(tier.lead_id)
        .bind(&tier.handbook)
        .fetch_one(&mut *write.tx)
        .await?
        .try_get("id")?;
        write.commit().await?;
        Ok(id)
    }

    pub async fn update_tier(&self, tier: &Tier) -> StoreResult<bool> {
        let mut write = self.begin_write().await?;
        let updated =
            sqlx::query("UPDATE tiers SET name = $1, rank = $2, lead_id = $3, handbook = $4 WHERE id = $5")
                .bind(&tier.name)
                .bind(tier.rank)
                .bind(tier.lead_id)
                .bind(&tier.handbook)
                .bind(tier.id)
                .execute(&mut *write.tx)
                .await?
                .rows_affected();
        write.commit().await?;
        Ok(updated == 1)
    }

    pub async fn tiers(&self) -> StoreResult<Vec<Tier>> {
        tiers_in(&mut *self.pool().acquire().await?).await
    }

    /// Creates a group with its skills and members; `group.id` is ignored.
    pub async fn create_group(&self, group: &Group) -> StoreResult<i64> {
        let mut write = self.begin_write().await?;
        let id: i64 =
            sqlx::query("INSERT INTO agent_groups (tier_id, name, lead_id) VALUES ($1, $2, $3) RETURNING id")
                .bind(group.tier_id)
                .bind(&group.name)
                .bind(group.lead_id)
                .fetch_one(&mut *write.tx)
                .await?
                .try_get("id")?;
        replace_group_skills_and_members(&mut write, id, group).await?;
        write.commit().await?;
        Ok(id)
    }

    /// Replaces a group's fields, skills and members. False, and nothing written, when there is
    /// no such group.
    pub async fn update_group(&self, group: &Group) -> StoreResult<bool> {
        let mut write = self.begin_write().await?;
        let updated =
            sqlx::query("UPDATE agent_groups SET tier_id = $1, name = $2, lead_id = $3 WHERE id = $4")
                .bind(group.tier_id)
                .bind(&group.name)
                .bind(group.lead_id)
                .bind(group.id)
                .execute(&mut *write.tx)
                .await?
                .rows_affected();
        if updated != 1 {
            return Ok(false);
        }
        replace_group_skills_and_members(&mut write, group.id, group).await?;
        write.commit().await?;
        Ok(true)
    }

    pub async fn groups(&self) -> StoreResult<Vec<Group>> {
        groups_in(&mut *self.pool().acquire().await?).await
    }

    pub async fn create_category(&self, name: &str) -> StoreResult<i64> {
        let mut write = self.begin_write().await?;
        let id = sqlx::query("INSERT INTO categories (name, active) VALUES ($1, 1) RETURNING id")
            .bind(name)
            .fetch_one(&mut *write.tx)
            .await?
            .try_get("id")?;
        write.commit().await?;
        Ok(id)
    }

    pub async fn set_category_active(&self, id: i64, active: bool) -> StoreResult<bool> {
        let mut write = self.begin_write().await?;
        let updated = sqlx::query("UPDATE categories SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(id)
            .execute(&mut *write.tx)
            .await?
            .rows_affected();
        write.commit().await?;
        Ok(updated == 1)
    }

    pub async fn categories(&self) -> StoreResult<Vec<Category>> {
        categories_in(&mut *self.pool().acquire().await?).await
    }

    /// Creates a calendar or replaces the source of the one with this name. Changing a calendar
    /// may move the deadlines of open tickets either way, so the engine recomputes them at once.
    pub async fn save_calendar(&self, name: &str, source: &str, now: DateTime<Utc>) -> StoreResult<i64> {
        let mut write = self.begin_write().await?;
        let previous: Option<String> = sqlx::query(&format!(
            "SELECT source FROM calendars WHERE name = $1{}",
            self.backend().lock_for_write()
        ))
        .bind(name)
        .fetch_optional(&mut *write.tx)
        .await?
        .map(|row| row.try_get("source"))
        .transpose()?;
        let id = sqlx::query(
            "INSERT INTO calendars (name, source, updated_at) VALUES ($1, $2, $3)
             ON CONFLICT (name) DO UPDATE SET source = excluded.source, updated_at = excluded.updated_at
             RETURNING id",
        )
        .bind(name)
        .bind(source)
        .bind(to_millis(now))
        .fetch_one(&mut *write.tx)
        .await?
        .try_get("id")?;
        // A changed calendar may be one the policy measures deadlines in.
        let changed = previous.is_some_and(|previous| previous != source);
        if changed {
            super::escalation::reschedule_open_in(&mut write, now, None).await?;
        }
        write.commit().await?;
        if changed {
            self.engine_wake().notify_one();
        }
        Ok(id)
    }

    pub async fn calendars(&self) -> StoreResult<Vec<CalendarRecord>> {
        let rows = sqlx::query("SELECT id, name, source FROM calendars ORDER BY name")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(CalendarRecord {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    source: row.try_get("source")?,
                })
            })
            .collect()
    }
}

async fn replace_group_skills_and_members(write: &mut WriteTx, id: i64, group: &Group) -> StoreResult<()> {
    sqlx::query("DELETE FROM group_skills WHERE group_id = $1").bind(id).execute(&mut *write.tx).await?;
    sqlx::query("DELETE FROM group_members WHERE group_id = $1").bind(id).execute(&mut *write.tx).await?;
    for skill in &group.skills {
        sqlx::query("INSERT INTO group_skills (group_id, skill) VALUES ($1, $2)")
            .bind(id)
            .bind(skill)
            .execute(&mut *write.tx)
            .await?;
    }
    for member in &group.member_ids {
        sqlx::query("INSERT INTO group_members (group_id, user_id) VALUES ($1, $2)")
            .bind(id)
            .bind(member)
            .execute(&mut *write.tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Everything a ticket page or queue filter needs to show names instead of ids.
    pub async fn directory(&self) -> StoreResult<crate::domain::directory::Directory> {
        directory_in(&mut *self.pool().acquire().await?).await
    }
}

/// [`Store::tiers`] on a connection the caller holds (a write transaction's).
pub(crate) async fn tiers_in(conn: &mut AnyConnection) -> StoreResult<Vec<Tier>> {
    let rows = sqlx::query("SELECT id, name, rank, lead_id, handbook FROM tiers ORDER BY rank")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Tier {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                rank: row.try_get("rank")?,
                lead_id: row.try_get("lead_id")?,
                handbook: row.try_get("handbook")?,
            })
        })
        .collect()
}

/// [`Store::groups`] on a connection the caller holds (a write transaction's).
pub(crate) async fn groups_in(conn: &mut AnyConnection) -> StoreResult<Vec<Group>> {
    let rows = sqlx::query(
        "SELECT g.id, g.tier_id, g.name, g.lead_id FROM agent_groups g JOIN tiers t ON t.id = g.tier_id
             ORDER BY t.rank, g.name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let skills =
        sqlx::query("SELECT group_id, skill FROM group_skills ORDER BY skill").fetch_all(&mut *conn).await?;
    let members = sqlx::query("SELECT group_id, user_id FROM group_members").fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            let mut group_skills = Vec::new();
            for skill in &skills {
                if skill.try_get::<i64, _>("group_id")? == id {
                    group_skills.push(skill.try_get("skill")?);
                }
            }
            let mut member_ids = Vec::new();
            for member in &members {
                if member.try_get::<i64, _>("group_id")? == id {
                    member_ids.push(member.try_get("user_id")?);
                }
            }
            Ok(Group {
                id,
                tier_id: row.try_get("tier_id")?,
                name: row.try_get("name")?,
                lead_id: row.try_get("lead_id")?,
                skills: group_skills,
                member_ids,
            })
        })
        .collect()
}

/// [`Store::categories`] on a connection the caller holds (a write transaction's).
pub(crate) async fn categories_in(conn: &mut AnyConnection) -> StoreResult<Vec<Category>> {
    let rows =
        sqlx::query("SELECT id, name, active FROM categories ORDER BY name").fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|row| {
            Ok(Category {
                id: row.try_get("id")?,
                name: row.try_get("name")?,
                active: get_flag(row, "active")?,
            })
        })
        .collect()
}

/// [`Store::directory`] on a connection the caller holds (a write transaction's).
pub(crate) async fn directory_in(
    conn: &mut AnyConnection,
) -> StoreResult<crate::domain::directory::Directory> {
    let agents = super::accounts::users_in(&mut *conn)
        .await?
        .into_iter()
        .filter(|user| user.active && user.summary.role.is_staff())
        .map(|user| (user.summary.id, user.summary.display_name))
        .collect();
    Ok(crate::domain::directory::Directory {
        tiers: tiers_in(&mut *conn).await?,
        groups: groups_in(&mut *conn).await?,
        categories: categories_in(&mut *conn).await?,
        agents,
    })
}
