//! The support organisation and its customers as data: organisations with their plan, tiers,
//! groups with skills and members, ticket categories and business calendars.

use serde::{Deserialize, Serialize};

/// A customer's company. Its plan (standard, premium, enterprise, ...) selects SLA targets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub plan: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tier {
    pub id: i64,
    pub name: String,
    pub rank: i64,
    pub lead_id: Option<i64>,
    pub handbook: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: i64,
    pub tier_id: i64,
    pub name: String,
    pub lead_id: Option<i64>,
    pub skills: Vec<String>,
    pub member_ids: Vec<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: i64,
    pub name: String,
    pub active: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarRecord {
    pub id: i64,
    pub name: String,
    pub source: String,
}

/// The names behind the ids that tickets refer to, for showing and filtering tickets.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directory {
    pub tiers: Vec<Tier>,
    pub groups: Vec<Group>,
    pub categories: Vec<Category>,
    /// Staff who can be assigned tickets: (id, name).
    pub agents: Vec<(i64, String)>,
}

impl Directory {
    /// The tier `user_id` belongs to: the one they lead, else the one of a group they lead, else
    /// of a group they are a member of.
    pub fn home_tier_of(&self, user_id: i64) -> Option<i64> {
        let group_tier =
            |led: bool| {
                self.groups
                    .iter()
                    .find(|group| {
                        if led {
                            group.lead_id == Some(user_id)
                        } else {
                            group.member_ids.contains(&user_id)
                        }
                    })
                    .map(|group| group.tier_id)
            };
        self.tiers
            .iter()
            .find(|tier| tier.lead_id == Some(user_id))
            .map(|tier| tier.id)
            .or_else(|| group_tier(true))
            .or_else(|| group_tier(false))
    }

    pub fn tier_name(&self, id: Option<i64>) -> Option<&str> {
        id.and_then(|id| self.tiers.iter().find(|t| t.id == id)).map(|t| t.name.as_str())
    }

    pub fn group_name(&self, id: Option<i64>) -> Option<&str> {
        id.and_then(|id| self.groups.iter().find(|g| g.id == id)).map(|g| g.name.as_str())
    }

    pub fn category_name(&self, id: Option<i64>) -> Option<&str> {
        id.and_then(|id| self.categories.iter().find(|c| c.id == id)).map(|c| c.name.as_str())
    }

    pub fn agent_name(&self, id: Option<i64>) -> Option<&str> {
        id.and_then(|id| self.agents.iter().find(|a| a.0 == id)).map(|a| a.1.as_str())
    }
}
