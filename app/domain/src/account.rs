//! People and what their role allows. The checks here are the single source of the role rules;
//! server functions and API handlers call them, the UI only uses them to hide what would fail.

use serde::{Deserialize, Serialize};

named_enum! {
    /// What a person may do. Ordered: each staff role may do everything the one before it may.
    Role {
        /// Opens and follows the tickets of their own organisation.
        Customer => "customer", "Customer",
        /// Works tickets.
        Agent => "agent", "Agent",
        /// Leads a tier or group: an agent who is also told about its escalations.
        Lead => "lead", "Lead",
        /// Oversees every tier's escalations and tunes the escalation policy.
        Manager => "manager", "Manager",
        /// Configures organisations, tiers, groups, agents, calendars and API tokens.
        Admin => "admin", "Admin",
    }
}

impl Role {
    /// Customers, and only they, belong to an organisation and see only its tickets.
    pub fn is_customer(self) -> bool {
        self == Role::Customer
    }

    /// Agents, leads, managers and admins: people who work tickets and see internal notes.
    pub fn is_staff(self) -> bool {
        self >= Role::Agent
    }

    /// Managers and admins answer for every tier: they may act on any tier's escalations.
    pub fn oversees_every_tier(self) -> bool {
        self >= Role::Manager
    }

    /// Managers and admins tune the escalation policy: they save its new versions and see what
    /// is wrong with the one in force.
    pub fn may_edit_policy(self) -> bool {
        self >= Role::Manager
    }

    /// Only admins change configuration (organisations, tiers, groups, people, calendars, tokens).
    pub fn may_configure(self) -> bool {
        self == Role::Admin
    }

    /// Leads, managers and admins read the feedback analysis and work the reviews of low scores
    /// (and may own one).
    pub fn may_review_feedback(self) -> bool {
        self >= Role::Lead
    }

    /// Leads, managers and admins follow the escalations on the dashboard and the reports; a
    /// lead's own tier by default.
    pub fn may_track_progress(self) -> bool {
        self >= Role::Lead
    }

    /// The people a policy's `managers` recipient names: managers, not admins.
    pub fn is_manager(self) -> bool {
        self == Role::Manager
    }

    /// Whether a person of this role may be given `other`: customers stay customers and staff
    /// stay staff (a customer's account belongs to an organisation, a member of staff's does not).
    pub fn may_become(self, other: Role) -> bool {
        self.is_customer() == other.is_customer()
    }

    /// Where a person lands after signing in: customers in the portal, staff in the queue.
    pub fn home_path(self) -> &'static str {
        if self.is_customer() {
            "/portal"
        } else if self.may_track_progress() {
            "/dashboard"
        } else {
            "/queue"
        }
    }
}

/// The signed-in person as the UI needs to know them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// Set for customers: the only organisation whose tickets they may see.
    pub organisation_id: Option<i64>,
}

impl UserSummary {
    /// Whether this person may see a ticket of `organisation_id` at all. Staff see every ticket;
    /// a customer only those of their own organisation.
    pub fn may_see_organisation(&self, organisation_id: i64) -> bool {
        self.role.is_staff() || self.organisation_id == Some(organisation_id)
    }
}

/// An API token as admins see it; the secret itself is shown once, at creation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    pub created_by: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn only_staff_work_tickets_and_only_admins_configure() {
        assert!(!Role::Customer.is_staff());
        assert!(Role::Agent.is_staff() && Role::Admin.is_staff());
        assert!(!Role::Manager.may_configure());
        assert!(Role::Admin.may_configure());
    }

    #[test]
    fn customers_stay_customers_and_staff_stay_staff() {
        assert!(Role::Customer.may_become(Role::Customer));
        assert!(Role::Agent.may_become(Role::Admin) && Role::Admin.may_become(Role::Lead));
        assert!(!Role::Customer.may_become(Role::Agent));
        assert!(!Role::Manager.may_become(Role::Customer));
    }

    #[test]
    fn customers_land_in_the_portal_and_staff_in_the_queue() {
        assert_eq!(Role::Customer.home_path(), "/portal");
        assert_eq!(Role::Agent.home_path(), "/queue");
        for role in [Role::Lead, Role::Manager, Role::Admin] {
            assert_eq!(role.home_path(), "/dashboard", "{role:?}");
        }
    }

    #[test]
    fn a_customer_sees_only_their_own_organisation() {
        let customer = UserSummary {
            id: 1,
            email: "c@example.com".into(),
            display_name: "C".into(),
            role: Role::Customer,
            organisation_id: Some(7),
        };
        assert!(customer.may_see_organisation(7));
        assert!(!customer.may_see_organisation(8));
        let agent = UserSummary { role: Role::Agent, organisation_id: None, ..customer };
        assert!(agent.may_see_organisation(8));
    }
}
